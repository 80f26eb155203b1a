// Durable ingest of the practices hub: POST /api/v1/interop/events under load, ModI-signed,
// from N concurrent keep-alive clients, single events and batches; the group commit of the
// ingest against a naive baseline (AU_INGEST_NAIVE=1: one transaction per event) measured in
// the same run, on SQLite (synchronous=FULL, and NORMAL for reference) and PostgreSQL.
//
//   node bench/ingest.mjs run [--sqlite] [--pg URL] [--seconds 10] [--warmup 3] [--warmup-batch 6]
//        [--clients 64] [--batch 100] [--workers 2] [--practices 1000]
//        [--variants grouped,naive,grouped-normal]
//        [--modes single,batch] --json FILE
//   node bench/ingest.mjs report --json FILE [--reliability A.json,B.json] [--command TEXT]
//        (the markdown section of docs/BENCHMARKS.md on stdout)
//
// The generator runs in worker_threads on the same cores as the server; its own CPU time is
// reported. Each request carries fresh jti values, so nothing can be signed in advance; the keys
// are ES256 (P-256: a signature costs ~50 µs, RS256 ~1 ms).
import { createHash, createPrivateKey, randomBytes, sign as cryptoSign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { prepareEnvironment, ServerProcess, freePort, openPractices, signer } from '../tests/practices/reliability.mjs';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

// The headers of modi-client.mjs's modiHeaders (same claims, same JWS), with the KeyObject made
// once: modiHeaders imports the JWK for every signature (~110 µs, twice per request), which
// would make the generator, not the server, the bottleneck.
function makeSigner(privateJwk, clientId, audience) {
  const key = createPrivateKey({ key: privateJwk, format: 'jwk' });
  const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: privateJwk.kid }));
  const jws = (payload) => {
    const input = header + '.' + b64url(JSON.stringify(payload));
    return input + '.' + b64url(cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }));
  };
  return (body) => {
    const now = Math.floor(Date.now() / 1000);
    const base = { iss: clientId, sub: clientId, aud: audience, iat: now, nbf: now, exp: now + 300 };
    const digest = 'SHA-256=' + createHash('sha256').update(body).digest('base64');
    return {
      Authorization: 'Bearer ' + jws({ ...base, jti: randomBytes(16).toString('hex') }),
      Digest: digest,
      'Content-Type': 'application/json',
      'Agid-JWT-Signature': jws({ ...base, jti: randomBytes(16).toString('hex'),
        signed_headers: [{ digest }, { 'content-type': 'application/json' }] }),
    };
  };
}

// ---------------------------------------------------------------------------------------------
// Worker: `clients` sequential loops, each one request at a time on its own keep-alive socket.
async function workerMain() {
  const { base, clientId, privateJwk, practices, clients, batch, warmupMs, measureMs, tag, startAt } = workerData;
  const sign = makeSigner(privateJwk, clientId, base + '/api/v1/interop');
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const url = new URL(base + '/api/v1/interop/events');
  const source = `urn:bench:${tag}`;
  const t0 = startAt + warmupMs, t1 = t0 + measureMs;
  let latencies = new Float64Array(1 << 16);
  let n = 0, events = 0, failed = 0, statuses = {}, lastError = '';
  const post = (body, headers) => new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } },
      (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); res.on('error', () => resolve(0)); });
    req.on('error', (e) => { lastError = e.message; resolve(0); });
    req.end(body);
  });
  async function loop(c) {
    let k = 0;
    while (Date.now() < t1) {
      const evs = [];
      for (let i = 0; i < Math.max(batch, 1); i++) {
        const p = practices[(Math.random() * practices.length) | 0];
        evs.push({ specversion: '1.0', id: `c${c}-${k++}`, source, type: 'it.umbria.accessounico.pratica.messaggio',
          subject: p, datacontenttype: 'application/json', data: { text: 'Messaggio di prova del carico' } });
      }
      const body = JSON.stringify(batch ? evs : evs[0]);
      const started = performance.now();
      const status = await post(body, sign(body));
      const ms = performance.now() - started, end = Date.now();
      // Counted when answered inside the window (a slow baseline answers requests sent earlier).
      if (end < t0 || end > t1) continue;
      statuses[status] = (statuses[status] || 0) + 1;
      if (status !== 200) { failed++; continue; }
      if (n === latencies.length) { const bigger = new Float64Array(n * 2); bigger.set(latencies); latencies = bigger; }
      latencies[n++] = ms;
      events += evs.length;
    }
  }
  // At the end of the window the sockets are closed: requests still queued (the baseline's
  // can wait many seconds) are not waited for.
  setTimeout(() => agent.destroy(), Math.max(0, t1 - Date.now()) + 50);
  await Promise.all(Array.from({ length: clients }, (_, c) => loop(c)));
  agent.destroy();
  const out = latencies.slice(0, n);
  parentPort.postMessage({ latencies: out, events, failed, statuses, lastError }, [out.buffer]);
}

// ---------------------------------------------------------------------------------------------
// Main: servers, practices, runs.
function cpuTicks(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch { return 0; }
}
const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0);
const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function measure({ env, server, practices, clients, batch, workers, warmupMs, measureMs }) {
  const startAt = Date.now() + 300;
  const per = (w) => Math.floor(clients / workers) + (w < clients % workers ? 1 : 0);
  const tag = randomBytes(5).toString('hex');
  const file = fileURLToPath(import.meta.url);
  // CPU samples at the window's edges, taken by this (otherwise idle) thread.
  const at = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - Date.now())));
  let cpu0, srv0, wall0, cpu1, srv1, wall1;
  const sampled = at(startAt + warmupMs).then(() => {
    cpu0 = process.cpuUsage(); srv0 = cpuTicks(server.child.pid); wall0 = performance.now();
    return at(startAt + warmupMs + measureMs);
  }).then(() => { cpu1 = process.cpuUsage(cpu0); srv1 = cpuTicks(server.child.pid); wall1 = performance.now(); });
  const [results] = await Promise.all([Promise.all(Array.from({ length: workers }, (_, w) => new Promise((resolve, reject) => {
    const worker = new Worker(file, { workerData: { base: server.base, clientId: env.clientId, privateJwk: env.privateJwk,
      practices, clients: per(w), batch, warmupMs, measureMs, tag: `${tag}w${w}`, startAt } });
    worker.once('message', resolve);
    worker.once('error', reject);
  }))), sampled]);
  const lat = new Float64Array(results.reduce((s, r) => s + r.latencies.length, 0));
  let off = 0;
  for (const r of results) { lat.set(r.latencies, off); off += r.latencies.length; }
  lat.sort();
  const seconds = (wall1 - wall0) / 1000;
  const events = results.reduce((s, r) => s + r.events, 0);
  const hz = 100;  // USER_HZ on Linux
  const statuses = {};
  for (const r of results) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] || 0) + v;
  return {
    requests: lat.length, events, seconds: Number(seconds.toFixed(2)),
    events_per_s: Math.round(events / seconds), requests_per_s: Math.round(lat.length / seconds),
    p50_ms: Number(percentile(lat, 0.5).toFixed(2)), p99_ms: Number(percentile(lat, 0.99).toFixed(2)),
    max_ms: Number((lat[lat.length - 1] || 0).toFixed(1)),
    failed: results.reduce((s, r) => s + r.failed, 0), statuses, last_error: results.map((r) => r.lastError).find(Boolean) || '',
    generator_cpu_share: Number(((cpu1.user + cpu1.system) / 1e6 / seconds / os.cpus().length).toFixed(3)),
    server_cpu_share: Number(((srv1 - srv0) / hz / seconds / os.cpus().length).toFixed(3)),
    server_cpu_us_per_event: events ? Number(((srv1 - srv0) / hz * 1e6 / events).toFixed(1)) : 0,
  };
}

const VARIANTS = {
  grouped: { label: 'group commit', env: {} },
  naive: { label: 'naive: one transaction per event', env: { AU_INGEST_NAIVE: '1' } },
  'grouped-normal': { label: 'group commit, synchronous=NORMAL (no fsync per commit)', env: { AU_SQLITE_SYNCHRONOUS: 'NORMAL' }, sqliteOnly: true },
};

async function runEngine(o, engine, databaseUrl, log) {
  const env = await prepareEnvironment({ databaseUrl, tag: 'bench' });
  const rows = [];
  try {
    const modes = o.modes.split(',');
    for (let m = 0; m < modes.length; m++) {
      const mode = modes[m];
      // References alternate: grouped first for one mode, the baseline first for the next.
      let variants = o.variants.split(',').filter((v) => engine === 'sqlite' || !VARIANTS[v].sqliteOnly);
      if (m % 2 === 1) variants = variants.reverse();
      for (const variant of variants) {
        const server = new ServerProcess({ ...env, env: { ...env.env, ...VARIANTS[variant].env }, port: await freePort() });
        try {
          await server.start();
          // A fresh set of practices per run, so that runs do not inherit each other's events.
          const practices = (await openPractices(signer(env, server.base), `${env.runId}-${mode}-${variant}`, o.practices, 64))
            .map((p) => p.id);
          log(`${engine}, ${mode}, ${variant}: ${o.clients} client, ${o.seconds} s; carico ${loadavg()}`);
          const batch = mode === 'single' ? 0 : o.batch;
          const r = await measure({ env, server, practices, clients: o.clients, batch, workers: o.workers,
            warmupMs: (batch ? o['warmup-batch'] : o.warmup) * 1000, measureMs: o.seconds * 1000 });
          rows.push({ engine, mode, batch: batch || 1, variant, label: VARIANTS[variant].label, practices: practices.length,
            load_after: loadavg(), ...r });
          log(`  ${r.events_per_s} eventi/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, errori ${r.failed}, ` +
            `CPU generatore ${(r.generator_cpu_share * 100).toFixed(0)} %, server ${(r.server_cpu_share * 100).toFixed(0)} %`);
        } finally {
          await server.stop('SIGTERM');
          server.dispose();
        }
      }
    }
  } finally {
    env.cleanup();
  }
  return rows;
}

async function runMain(o) {
  const log = (m) => console.error('==> ' + m);
  const started = new Date();
  const out = { date: started.toISOString(), load_start: loadavg(), nproc: os.cpus().length, cpu: os.cpus()[0].model,
    options: o, runs: [] };
  if (o.sqlite) out.runs.push(...await runEngine(o, 'sqlite', '', log));
  if (o.pg) out.runs.push(...await runEngine(o, 'postgresql', o.pg, log));
  out.load_end = loadavg();
  out.seconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(o.json, JSON.stringify(out, null, 2));
}

// ---------------------------------------------------------------------------------------------
// Report: the markdown section.
function report(o) {
  const r = JSON.parse(readFileSync(o.json, 'utf8'));
  const fmt = (n) => Number(n).toLocaleString('en-US');
  const lines = [];
  const L = (s = '') => lines.push(s);
  const o2 = r.options;
  L('## 6. Practices ingest: group commit vs one transaction per event, and SIGKILL reliability');
  L();
  L(`Measured ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.cpu} (\`nproc\` = ${r.nproc}), load average ${r.load_start} at the start ` +
    `and ${r.load_end} at the end (${Math.round(r.seconds / 60)} min). Command: \`${o.command || 'bench/run.sh build --only ingest'}\`.`);
  L();
  L(`\`POST /api/v1/interop/events\`, ModI-signed (ID_AUTH_REST_02 + INTEGRITY_REST_01, ES256, two fresh JWS per request), ` +
    `${o2.clients} concurrent keep-alive clients, one request at a time each, for ${o2.seconds} s after a warm-up ` +
    `(${o2.warmup} s single, ${o2['warmup-batch']} s batches); a request counts when its answer arrives inside the window. ` +
    `Each event is a \`messaggio\` on a random practice of ${fmt(o2.practices)} opened for that run only; ` +
    `"single" = one CloudEvent per request, "batch" = an array of ${o2.batch}. The generator (bench/ingest.mjs, ` +
    `${o2.workers} worker_threads) signs every request (fresh jti) on the same ${r.nproc} cores as the server. ` +
    `Server: \`serve\` with its default threads (one per core), every answer a 2xx only after the commit. ` +
    `*Group commit*: the ingest's writer commits whatever requests wait in one transaction. *Naive*: the same server ` +
    `with \`AU_INGEST_NAIVE=1\` (one transaction per event, no grouping). Durability: SQLite in WAL mode with ` +
    `\`synchronous=FULL\` (the WAL is fsynced at every commit: the default, \`AU_SQLITE_SYNCHRONOUS\`; the NORMAL row is the same server with \`AU_SQLITE_SYNCHRONOUS=NORMAL\`, which survives a crash of the process but not a power loss), ` +
    `PostgreSQL 15 with its defaults \`fsync=on\`, \`synchronous_commit=on\`, \`full_page_writes=on\` (a cluster of its own: ` +
    `the test cluster of scripts/pg-cluster.sh runs with fsync off). p50/p99: latency of each request (send to last byte) ` +
    `seen by the client. "CPU/event": the server's CPU time (all threads) ÷ events acknowledged, which does not depend on ` +
    `how the cores were shared.`);
  L();
  L('| engine | mode | commit | events/s | requests/s | p50 ms | p99 ms | max ms | errors | server CPU/event µs | server CPU | generator CPU |');
  L('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const x of r.runs) {
    L(`| ${x.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${x.mode}${x.batch > 1 ? ` (${x.batch})` : ''} | ${x.label} | ` +
      `${fmt(x.events_per_s)} | ${fmt(x.requests_per_s)} | ${x.p50_ms} | ${x.p99_ms} | ${x.max_ms} | ${x.failed} | ` +
      `${x.server_cpu_us_per_event} | ${(x.server_cpu_share * 100).toFixed(0)} % | ${(x.generator_cpu_share * 100).toFixed(0)} % |`);
  }
  L();
  L('CPU shares are of the whole machine (100 % = all cores).');
  L();
  const find = (engine, mode, variant) => r.runs.find((x) => x.engine === engine && x.mode === mode && x.variant === variant);
  for (const engine of ['sqlite', 'postgresql']) {
    for (const mode of ['single', 'batch']) {
      const g = find(engine, mode, 'grouped'), n = find(engine, mode, 'naive');
      if (!g || !n) continue;
      L(`- ${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ${mode}: group commit ${fmt(g.events_per_s)} events/s vs naive ` +
        `${fmt(n.events_per_s)} (**${(g.events_per_s / Math.max(n.events_per_s, 1)).toFixed(1)}×**); p99 ${g.p99_ms} vs ${n.p99_ms} ms.`);
    }
  }
  L();
  L('Targets (SQLite, group commit, fsync on):');
  L();
  const verdict = (ok) => (ok ? 'met' : '**missed**');
  const s = find('sqlite', 'single', 'grouped'), b = find('sqlite', 'batch', 'grouped');
  if (s) L(`- single events ≥ 5,000 events/s: ${fmt(s.events_per_s)} — ${verdict(s.events_per_s >= 5000)}; p99 < 50 ms: ${s.p99_ms} ms — ${verdict(s.p99_ms < 50)}`);
  if (b) L(`- batches of ${b.batch} ≥ 50,000 events/s: ${fmt(b.events_per_s)} — ${verdict(b.events_per_s >= 50000)}; p99 < 50 ms: ${b.p99_ms} ms — ${verdict(b.p99_ms < 50)}`);
  const rel = (o.reliability || '').split(',').filter(Boolean).map((f) => { try { return JSON.parse(readFileSync(f, 'utf8')); } catch { return null; } });
  if (rel.length) {
    L();
    L('### Reliability under SIGKILL (`tests/practices/reliability.mjs`, full size)');
    L();
    L('Concurrent clients send ModI-signed events (half single, half batches of 2–20; ~5 % of the requests resend ' +
      'events already acknowledged, alone or with new ones; ~3 % go twice at the same time; ~8 % are dropped by their ' +
      'client after 0–15 ms and sent again 250 ms later) while the server is killed with SIGKILL when the ' +
      'acknowledged count passes random points of the run (plus 0–40 ms), restarted on the same database, and ' +
      'every unacknowledged request is retried with a fresh jti until it gets a 2xx. `audit verify` runs after every ' +
      'SIGKILL (server down) and at the end; each practice is then read back with `GET /api/v1/interop/practices/{id}`: ' +
      'every acknowledged event must be there once, with the sequence and practice it was acknowledged with. ' +
      '"Stored before the kill": retried requests whose sequence is at most the chain head read right after the ' +
      'SIGKILL (committed, acknowledgement lost). "Abandoned, stored anyway": a lower bound, the resend answered with a ' +
      'sequence below the highest one acknowledged before the resend left. In both cases the resend got the first ' +
      'answer back. The same test at small size (2,000 events, 8 clients, 3 kills) runs in `make test` on both engines ' +
      '(`tests/practices/reliability.test.mjs`).');
    L();
    L('| engine | events | clients | SIGKILLs | acknowledged | read back | duplicates | missing | wrong sequence | requests (retried) | resent on purpose | sent twice at once | stored before the kill | abandoned by the client, stored anyway | restart median / max | load time | audit verify | verdict |');
    L('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const x of rel.filter(Boolean)) {
      L(`| ${x.database === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${fmt(x.events)} | ${x.clients} | ${x.kills} | ${fmt(x.acknowledged)} | ` +
        `${fmt(x.stored)} | ${x.duplicates} | ${x.missing} | ${x.wrong_sequence} | ${fmt(x.requests)} (${fmt(x.retries)}) | ` +
        `${x.resend_requests} requests, ${fmt(x.resent_events)} events | ${x.twin_requests} | ${x.stored_before_kill} of ${x.retried_requests_answered} | ` +
        `≥ ${x.abandoned_stored} of ${x.abandoned} | ` +
        `${x.restart_ms_median} / ${x.restart_ms_max} ms | ${x.load_seconds} s | ${x.audit.replace(/…$/, '…').replace(/\|/g, '/')} | ` +
        `${x.ok ? '**passed**' : `**FAILED** (${x.problems.length} problems: ${x.problems.slice(0, 3).join('; ').replace(/\|/g, '/')})`} |`);
    }
  }
  return lines.join('\n') + '\n';
}

function parseArgs(argv) {
  const o = { sqlite: false, pg: '', seconds: 10, warmup: 3, 'warmup-batch': 6, clients: 64, batch: 100, workers: 2, practices: 1000,
    variants: 'grouped,naive,grouped-normal', modes: 'single,batch', json: '', reliability: '', command: '' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`opzione sconosciuta: ${argv[i]}`);
    if (typeof o[k] === 'boolean') o[k] = true;
    else o[k] = typeof o[k] === 'number' ? Number(argv[++i]) : argv[++i];
  }
  if (!o.json) throw new Error('serve --json FILE');
  return o;
}

if (!isMainThread) {
  workerMain().catch((e) => { throw e; });
} else if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, ...rest] = process.argv.slice(2);
  try {
    const o = parseArgs(rest);
    if (cmd === 'run') {
      if (!o.sqlite && !o.pg) o.sqlite = true;
      await runMain(o);
    } else if (cmd === 'report') {
      process.stdout.write(report(o));
    } else {
      throw new Error('uso: bench/ingest.mjs run|report [opzioni] (vedi il commento in testa al file)');
    }
  } catch (e) {
    console.error('errore:', e.stack || e.message);
    process.exit(1);
  }
}
