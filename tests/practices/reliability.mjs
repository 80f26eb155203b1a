// Reliability of the practices ingest under crashes: concurrent back-office clients send
// ModI-signed CloudEvents while the server is killed with SIGKILL at random moments and
// restarted on the same database. At the end every acknowledged (2xx) event must be stored
// exactly once, with the sequence it was acknowledged with, and `audit verify` must pass.
//
//   node tests/practices/reliability.mjs [--events 50000] [--clients 32] [--kills 20]
//        [--database URL] [--json FILE]        (exit 0 when every check passed)
//   import { runReliability } from './reliability.mjs'   (tests/practices/reliability.test.mjs)
//
// Environment: AU_BINARY (default <repo>/build/accesso-unico). Without --database a private
// SQLite file in a temp dir; with a PostgreSQL URL the run uses its own client, system,
// practices and event sources, so it may share the database with other suites.
// Everything is read back through the binary (the interop read API and `audit verify`), so the
// check does not depend on the engine.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, linkSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKey, saveKey, modiHeaders, practiceEvent } from '../../tools/backoffice-simulator/modi-client.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const defaultBinary = () => process.env.AU_BINARY || path.join(repoRoot, 'build', 'accesso-unico');
const ENTE = 'comune-054039';  // Perugia: any ente of the bundled catalogue works
const MAPPING = path.join(repoRoot, 'data', 'demo', 'backoffice', 'vbg-perugia-stati.json');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

/** Runs the binary to completion; resolves { code, out }. */
export function runCli(binary, args, env, timeoutMs = 180_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`cannot run ${binary}: ${e.message}`)); });
    child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code: code ?? signal, out }); });
  });
}

/**
 * A throw-away environment: temp dir, database (private SQLite file unless databaseUrl), the
 * catalogue imported, one back-office client registered with a fresh ES256 key.
 */
export async function prepareEnvironment({ databaseUrl = '', binary: original = defaultBinary(), tag = 'rel', extraEnv = {} } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `au-${tag}-`));
  // Every restart must run the same program: a private link (or copy) of the binary survives a
  // rebuild of build/ during the run.
  const binary = path.join(dir, 'accesso-unico');
  try { linkSync(original, binary); } catch { copyFileSync(original, binary); }
  const db = databaseUrl || `sqlite:${path.join(dir, 'db.sqlite')}`;
  const env = { ...process.env, AU_SEARCH_INDEX: path.join(dir, 'index'), AU_SHARE_DIR: repoRoot, ...extraEnv };
  const runId = `${tag}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const imp = await runCli(binary, ['--database', db, 'import', path.join(repoRoot, 'data')], env);
    if (imp.code !== 0) throw new Error(`import failed (${imp.code}):\n${imp.out.slice(-2000)}`);
    const key = generateKey('ES256');
    const { jwksFile } = saveKey(dir, runId, key);
    const clientId = `${runId}-client`;
    const system = runId.toUpperCase();
    const reg = await runCli(binary, ['--database', db, 'backoffice', 'register', '--client-id', clientId, '--ente', ENTE,
      '--system', system, '--keys', jwksFile, '--mapping', MAPPING, '--name', `Prova ${runId}`], env);
    if (reg.code !== 0) throw new Error(`backoffice register failed (${reg.code}):\n${reg.out.slice(-2000)}`);
    return { dir, db, env, binary, runId, clientId, system, privateJwk: key.privateJwk, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** `serve` on a fixed port, restartable on the same database. */
export class ServerProcess {
  constructor({ binary, db, env, port }) {
    Object.assign(this, { binary, db, env, port, child: null, log: '' });
    this.base = `http://127.0.0.1:${port}`;
    this.onExit = () => this.child?.kill('SIGKILL');
    process.on('exit', this.onExit);
  }

  async start(timeoutMs = 60_000) {
    const child = spawn(this.binary, ['--database', this.db, '--listen', `127.0.0.1:${this.port}`, 'serve'],
      { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (d) => { this.log = (this.log + d).slice(-200_000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve(sig ?? `exit ${code}`)));
    this.exited = exited;
    const deadline = Date.now() + timeoutMs;
    let gone = null;
    exited.then((why) => (gone = why));
    for (;;) {
      if (gone) throw new Error(`serve stopped before answering /status (${gone}):\n${this.log.slice(-3000)}`);
      const status = await httpRequest(`${this.base}/status`, { timeoutMs: 2000 }).then((r) => r.status, () => 0);
      if (status === 200) return;
      if (Date.now() > deadline) throw new Error(`serve did not answer /status within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** Signal and wait for the exit (SIGKILL after graceMs). */
  async stop(signal = 'SIGTERM', graceMs = 15_000) {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  dispose() { process.removeListener('exit', this.onExit); }
}

// Own keep-alive agent and a timeout: a hung request must fail the run, not stall it.
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

export function httpRequest(url, { method = 'GET', headers = {}, body = '', timeoutMs = 30_000, abandonAfterMs = null } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json = null;
          try { json = JSON.parse(text); } catch { /* not JSON */ }
          resolve({ status: res.statusCode, text, json });
        });
        res.on('error', reject);
      });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    // A client that gives up waiting: the server may still commit what it sent.
    if (abandonAfterMs !== null) setTimeout(() => req.destroy(new Error('abandoned')), abandonAfterMs);
    req.on('error', reject);
    req.end(body);
  });
}

/** Signed requests of one back-office client (modi-client's headers, a fresh jti each time). */
export function signer(envInfo, base) {
  const audience = base + '/api/v1/interop';
  const { privateJwk, clientId } = envInfo;
  return {
    post(pathname, payload, options = {}) {
      const body = JSON.stringify(payload);
      const headers = modiHeaders({ privateJwk, clientId, audience, body });
      return httpRequest(base + pathname, { method: 'POST', headers, body, ...options });
    },
    read(id) {
      const headers = modiHeaders({ privateJwk, clientId, audience });
      return httpRequest(`${base}/api/v1/interop/practices/${encodeURIComponent(id)}`, { headers });
    },
  };
}

/** Opens n practices with `parallel` concurrent requests; returns [{ id, ref }]. */
export async function openPractices(api, runId, n, parallel = 16) {
  const out = new Array(n);
  let next = 0;
  async function worker() {
    while (next < n) {
      const i = next++;
      const ref = `${runId}-P${i}`;
      const res = await api.post('/api/v1/interop/practices', {
        service: 'passo-carrabile', reference: ref, title: `Pratica di prova ${i}`,
        applicant: { id: 'RSSMRA85C52G478I', name: 'Maria Rossi' }, status_code: 'AT', status_label: 'Presentata',
      });
      if (res.status !== 201) throw new Error(`opening ${ref}: ${res.status} ${res.text.slice(0, 300)}`);
      out[i] = { id: res.json.id, ref };
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker));
  return out;
}

/** Seeded random numbers: a failing run prints its seed, which replays its choices (not its timing). */
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * The whole scenario. Options: events (new unique events to acknowledge), clients, kills,
 * databaseUrl ('' = private SQLite), binary, seed, log (function), perPractice (events per
 * practice, default 100). Resolves a summary with `problems` (empty when everything held).
 */
export async function runReliability({ events = 2000, clients = 8, kills = 3, databaseUrl = '', binary = defaultBinary(),
  seed = Date.now() % 2147483647, log = () => {}, perPractice = 100 } = {}) {
  const t0 = Date.now();
  const random = rng(seed);
  const problems = [];
  const problem = (p) => { if (problems.length < 200) problems.push(p); };
  const envInfo = await prepareEnvironment({ databaseUrl, binary, tag: 'rel' });
  const server = new ServerProcess({ ...envInfo, port: await freePort() });
  const { runId } = envInfo;
  const stats = { requests: 0, retries: 0, network_errors: 0, status_503: 0, resend_requests: 0, resent_events: 0, twin_requests: 0, abandoned: 0, abandoned_stored: 0,
    kills: 0, restarts_ms: [], unexpected: {} };
  try {
    // On a shared database (AU_TEST_DATABASE_URL) the chain holds other suites' events too: say
    // so plainly if it was already broken before this run.
    const before = await runCli(envInfo.binary, ['--database', envInfo.db, 'audit', 'verify'], envInfo.env);
    if (before.code !== 0) problem(`audit verify failed BEFORE this run (exit ${before.code}): ${before.out.slice(-500)}`);
    await server.start();
    const api = signer(envInfo, server.base);
    const practices = await openPractices(api, runId, Math.max(1, Math.ceil(events / perPractice)));
    log(`${practices.length} pratiche aperte; ${clients} client, ${events} eventi, ${kills} SIGKILL (seme ${seed})`);

    // Every acknowledged event: key "client/n" -> { seq, practice }. Sequences must be unique.
    const acked = new Map();
    const bySequence = new Map();
    let ackedCount = 0, maxAckedSeq = 0;
    const tLoad = Date.now();

    const record = (ev, practice, result, fresh) => {
      const key = ev.data.text;
      if (result.id !== ev.id || result.source !== ev.source) problem(`answer for ${key} names ${result.source} ${result.id}`);
      if (result.practice_id !== practice.id) problem(`${key}: acknowledged on practice ${result.practice_id}, sent to ${practice.id}`);
      const before = acked.get(key);
      if (before) {
        if (before.seq !== result.sequence) problem(`${key}: acknowledged with sequence ${before.seq}, then ${result.sequence}`);
        return;
      }
      if (!fresh) problem(`${key}: resent before it was acknowledged`);
      const other = bySequence.get(result.sequence);
      if (other && other !== key) problem(`sequence ${result.sequence} acknowledged for ${other} and ${key}`);
      bySequence.set(result.sequence, key);
      acked.set(key, { seq: result.sequence, practice: practice.id });
      ackedCount++;
      maxAckedSeq = Math.max(maxAckedSeq, result.sequence);
    };

    // Lost acknowledgements: kill e starts epoch e, and the chain head read while the server is
    // down (heads[e]) is the last sequence committed before it. A request answered in epoch e
    // after an attempt in an earlier one, with a sequence up to heads[e], had been stored before
    // the kill and was answered again from the stored events (idempotency).
    let epoch = 0;
    const heads = [];
    const retriedAnswers = [];  // { epoch, seq }

    // Sends until a 2xx: network errors (server down) and 503 are retried, with a fresh jti.
    // With info.abandon the first attempt is dropped by the client after 0-15 ms; the retry's
    // answer proves the dropped attempt was stored when its sequence is below the highest one
    // acknowledged before the retry left (anything the retry itself stores comes later).
    async function sendUntilAcked(body, info = {}) {
      let wait = 20;
      info.firstEpoch = epoch;
      for (let attempt = 0; ; attempt++) {
        info.epoch = epoch;
        if (attempt === 1 && info.abandon) info.maxBeforeRetry = maxAckedSeq;
        stats.requests++;
        let res;
        try {
          const abandonAfterMs = attempt === 0 && info.abandon ? random() * 15 : null;
          res = await api.post('/api/v1/interop/events', body, { abandonAfterMs });
        } catch (e) {
          if (e.message === 'abandoned') {
            stats.abandoned++;
            await sleep(250);  // give the dropped attempt time to be committed
          } else {
            stats.network_errors++;
          }
          if (/timeout/.test(e.message)) problem(`request timed out: ${e.message}`);
        }
        if (res && res.status >= 200 && res.status < 300) return res.json;
        if (res && res.status !== 503) {
          stats.unexpected[res.status] = (stats.unexpected[res.status] || 0) + 1;
          problem(`unexpected ${res.status}: ${res.text.slice(0, 300)}`);
          return null;
        }
        if (res) stats.status_503++;
        stats.retries++;
        await sleep(wait);
        wait = Math.min(wait * 2, 400);
      }
    }

    const quota = (c) => Math.floor(events / clients) + (c < events % clients ? 1 : 0);
    async function client(c) {
      const source = `urn:${runId}:c${c}`;
      const sent = [];  // acknowledged requests of this client: [{ items }]
      let n = 0;
      const mine = quota(c);
      while (n < mine) {
        // ~5 % of requests resend something already acknowledged (alone or with new events).
        const resend = sent.length > 0 && random() < 0.05;
        const items = [];
        if (resend) {
          const old = sent[Math.floor(random() * sent.length)];
          items.push(...old.items.map((it) => ({ ...it, fresh: false })));
          stats.resend_requests++;
          stats.resent_events += items.length;
        }
        const size = random() < 0.5 ? 1 : 2 + Math.floor(random() * 19);
        if (!resend || random() < 0.5) {
          for (let k = 0; k < size && n < mine; k++) {
            const practice = practices[Math.floor(random() * practices.length)];
            const id = `e${n++}`;
            const ev = practiceEvent({ source, id, type: 'messaggio', subject: random() < 0.5 ? practice.id : practice.ref,
              data: { text: `${runId}:c${c}:${id}` } });
            items.push({ ev, practice, fresh: true });
          }
        }
        const batch = items.length > 1 || random() < 0.2;
        const info = {};
        const body = batch ? items.map((it) => it.ev) : items[0].ev;
        // ~3 % of new requests go twice at the same time (a client that resends without waiting):
        // both answers must name the same sequences.
        const twin = !resend && random() < 0.03;
        // ~8 % of the others are abandoned by the client once before it asks again.
        info.abandon = !resend && !twin && random() < 0.08;
        const [answer, second] = await Promise.all([sendUntilAcked(body, info), twin ? sendUntilAcked(body) : null]);
        if (twin) stats.twin_requests++;
        if (!answer) continue;
        const results = batch ? answer.results : [answer];
        if (!Array.isArray(results) || results.length !== items.length) {
          problem(`answer with ${results?.length} results for ${items.length} events`);
          continue;
        }
        if (!resend && info.firstEpoch !== info.epoch) retriedAnswers.push({ epoch: info.epoch, seq: results[0].sequence });
        if (info.maxBeforeRetry !== undefined && results[0].sequence < info.maxBeforeRetry) stats.abandoned_stored++;
        // New events of one request get increasing sequences, in the order sent.
        let last = 0;
        items.forEach((it, i) => {
          if (it.fresh && !acked.has(it.ev.data.text)) {
            if (results[i].sequence <= last) problem(`${it.ev.data.text}: sequence ${results[i].sequence} after ${last} in one request`);
            last = results[i].sequence;
          }
          record(it.ev, it.practice, results[i], it.fresh);
        });
        if (second) (batch ? second.results : [second]).forEach((r, i) => record(items[i].ev, items[i].practice, r, true));
        const freshItems = items.filter((it) => it.fresh);
        if (freshItems.length) sent.push({ items: freshItems });
      }
    }

    // The killer: SIGKILL when the acknowledged count passes random points of the run, after a
    // random extra delay, so kills land during commits, answers and idle gaps alike.
    const points = Array.from({ length: kills }, () => Math.floor((0.03 + 0.92 * random()) * events)).sort((a, b) => a - b);
    let clientsDone = false;
    async function killer() {
      for (const at of points) {
        while (ackedCount < at && !clientsDone) await sleep(2);
        if (clientsDone) break;
        await sleep(random() * 40);
        server.child.kill('SIGKILL');
        await server.exited;
        stats.kills++;
        // The chain must verify after every crash, not only at the end.
        const audit = await runCli(envInfo.binary, ['--database', envInfo.db, 'audit', 'verify'], envInfo.env);
        if (audit.code !== 0) problem(`audit verify after SIGKILL ${stats.kills} exited ${audit.code}: ${audit.out.slice(-500)}`);
        heads[stats.kills] = Number((audit.out.match(/testa della catena (\d+)/) || [])[1] ?? Infinity);
        epoch++;
        const t = Date.now();
        await server.start();
        stats.restarts_ms.push(Date.now() - t);
      }
    }
    const killing = killer();
    await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
    clientsDone = true;
    await killing;
    const loadSeconds = (Date.now() - tLoad) / 1000;
    stats.stored_before_kill = retriedAnswers.filter((r) => r.seq <= heads[r.epoch]).length;
    log(`carico finito in ${loadSeconds.toFixed(1)} s: ${ackedCount} eventi confermati, ${stats.kills} SIGKILL`);
    if (stats.kills < kills) problem(`only ${stats.kills} of ${kills} kills happened`);
    if (ackedCount !== events) problem(`${ackedCount} events acknowledged, ${events} sent`);

    // Read back through the API: each acknowledged event once, with its sequence and practice.
    const stored = new Map();  // key -> [{ seq, practice }]
    let next = 0;
    async function reader() {
      while (next < practices.length) {
        const p = practices[next++];
        const res = await api.read(p.id);
        if (res.status !== 200) { problem(`reading ${p.id}: ${res.status}`); continue; }
        for (const item of res.json.timeline) {
          if (item.type !== 'messaggio' || typeof item.text !== 'string' || !item.text.startsWith(runId + ':')) continue;
          if (!stored.has(item.text)) stored.set(item.text, []);
          stored.get(item.text).push({ seq: item.sequence, practice: p.id });
        }
      }
    }
    await Promise.all(Array.from({ length: 8 }, reader));
    let duplicates = 0, missing = 0, unacked = 0, wrong = 0;
    for (const [key, copies] of stored) {
      if (copies.length > 1) { duplicates++; problem(`${key} stored ${copies.length} times (sequences ${copies.map((c) => c.seq)})`); }
      const a = acked.get(key);
      if (!a) { unacked++; problem(`${key} stored but never acknowledged`); continue; }
      if (copies[0].seq !== a.seq || copies[0].practice !== a.practice) {
        wrong++;
        problem(`${key}: acknowledged as ${a.seq} on ${a.practice}, stored as ${copies[0].seq} on ${copies[0].practice}`);
      }
    }
    for (const key of acked.keys()) if (!stored.has(key)) { missing++; problem(`${key} acknowledged but not stored`); }

    // The chain, verified by the binary itself, with the server stopped cleanly.
    await server.stop('SIGTERM');
    const audit = await runCli(envInfo.binary, ['--database', envInfo.db, 'audit', 'verify'], envInfo.env);
    if (audit.code !== 0) problem(`audit verify exited ${audit.code}: ${audit.out.slice(-1500)}`);
    const auditLine = (audit.out.match(/storico [^\n]*/) || [''])[0];
    const internalErrors = (server.log.match(/errore interno/g) || []).length;
    if (internalErrors) problem(`${internalErrors} "errore interno" in the server log`);

    const restarts = stats.restarts_ms.slice().sort((a, b) => a - b);
    return {
      ok: problems.length === 0, problems, seed, run_id: runId, database: databaseUrl ? 'postgresql' : 'sqlite',
      events, clients, kills: stats.kills, practices: practices.length,
      acknowledged: ackedCount, stored: stored.size, duplicates, missing, unacknowledged_stored: unacked, wrong_sequence: wrong,
      requests: stats.requests, retries: stats.retries, network_errors: stats.network_errors, status_503: stats.status_503,
      unexpected_status: stats.unexpected, retried_requests_answered: retriedAnswers.length,
      stored_before_kill: stats.stored_before_kill, resend_requests: stats.resend_requests, resent_events: stats.resent_events, twin_requests: stats.twin_requests,
      abandoned: stats.abandoned, abandoned_stored: stats.abandoned_stored,
      restart_ms_median: restarts.length ? restarts[Math.floor(restarts.length / 2)] : 0,
      restart_ms_max: restarts.length ? restarts[restarts.length - 1] : 0,
      load_seconds: Number(loadSeconds.toFixed(1)), events_per_second: Math.round(ackedCount / loadSeconds),
      audit: auditLine, seconds: Number(((Date.now() - t0) / 1000).toFixed(1)),
    };
  } catch (e) {
    e.message += `\n--- server log (tail) ---\n${server.log.slice(-3000)}`;
    throw e;
  } finally {
    await server.stop('SIGKILL').catch(() => {});
    server.dispose();
    envInfo.cleanup();
  }
}

export function summaryText(s) {
  return [
    `affidabilità (${s.database}): ${s.events} eventi, ${s.clients} client, ${s.kills} SIGKILL, ${s.practices} pratiche, seme ${s.seed}`,
    `  confermati ${s.acknowledged}, trovati ${s.stored}; doppi ${s.duplicates}, mancanti ${s.missing}, ` +
      `archiviati senza conferma ${s.unacknowledged_stored}, sequenza diversa ${s.wrong_sequence}`,
    `  richieste ${s.requests} (ritentate ${s.retries}: errori di rete ${s.network_errors}, 503 ${s.status_503}), ` +
      `reinvii deliberati ${s.resend_requests} (${s.resent_events} eventi), richieste inviate due volte insieme ${s.twin_requests}`,
    `  richieste interrotte da un SIGKILL e ripetute ${s.retried_requests_answered}, di cui già archiviate ` +
      `prima del SIGKILL (conferma persa, risposta ridata uguale) ${s.stored_before_kill}`,
    `  richieste abbandonate dal client e ripetute ${s.abandoned}, di cui risultate già archiviate ${s.abandoned_stored} (almeno)`,
    `  riavvio: mediana ${s.restart_ms_median} ms, massimo ${s.restart_ms_max} ms; carico ${s.load_seconds} s ` +
      `(${s.events_per_second} eventi/s con le interruzioni); totale ${s.seconds} s`,
    `  audit verify: ${s.audit || '(nessun esito)'}`,
    s.ok ? '  ESITO: tutto confermato è archiviato una sola volta, catena integra' : `  ESITO: ${s.problems.length} problemi:\n    ` + s.problems.slice(0, 20).join('\n    '),
  ].join('\n');
}

async function main() {
  const a = { events: 50000, clients: 32, kills: 20, database: process.env.AU_TEST_DATABASE_URL || '' };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in a) && k !== 'json' && k !== 'seed') { console.error(`opzione sconosciuta: ${argv[i]}`); process.exit(2); }
    a[k] = argv[i + 1];
  }
  const s = await runReliability({ events: Number(a.events), clients: Number(a.clients), kills: Number(a.kills),
    databaseUrl: a.database, seed: a.seed ? Number(a.seed) : undefined, log: (m) => console.error('==> ' + m) });
  console.log(summaryText(s));
  if (a.json) writeFileSync(a.json, JSON.stringify(s, null, 2));
  process.exit(s.ok ? 0 : 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error('errore:', e.stack || e.message); process.exit(1); });
}
