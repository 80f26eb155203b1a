// Benchmarks of notifications (issue 5), each with a reference measured in the same run:
//
//   (a) email throughput: N emails (bulk sends through the API, 1,000 recipients a call) delivered
//       by ONE `accesso-unico worker` with AU_NOTIFY_THREADS=4 (one SMTP connection per thread:
//       at most 4 connections, checked at the server) to a light SMTP sink in its own process;
//       rate = distinct messages ÷ time from the first to the last accepted. Reference: the same
//       sink fed by a plain SMTP client (this file, `ref-client`: 4 connections, one message per
//       MAIL/RCPT/DATA exchange like curl, the product's own message bytes with fresh
//       Message-IDs). Target ≥ 1,000 emails/s sustained.
//   (b) the reminder scheduler over M practices (bulk-inserted by the engine's CLI into the
//       migrated schema, applicant_due_date spread over a year): the scheduler run of
//       `accesso-unico worker` (its own log line, AU_NOTIFY_THREADS=1), then `worker --once`
//       (idempotent: creates nothing more; fans the reminders out to the inbox, no SMTP).
//       Reference: the same INSERT ... SELECT statements run bare by sqlite3 / psql on an
//       identical copy (SQLite) or in a rolled-back transaction (PostgreSQL). Target ≤ 5 s.
//
//   node bench/notifications.mjs email --database URL [--count 100000] [--json FILE]
//   node bench/notifications.mjs scheduler --database URL [--practices 1000000] [--json FILE]
//   node bench/notifications.mjs report --json a.json,b.json,... [--reliability x.json,y.json] [--command CMD]
//   node bench/notifications.mjs sink                 (the light sink: prints {"smtp","admin"})
//   node bench/notifications.mjs ref-client --port P --count N --message FILE [--connections 4]
//
// Environment: AU_BINARY (default <repo>/build/accesso-unico). URL '' or sqlite:... = a private
// SQLite file; a PostgreSQL URL must name an EMPTY database (the section makes one per part).
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, linkSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runCli, httpRequest } from '../tests/practices/reliability.mjs';
import { syntheticFiscalCodes, queryDb, login } from '../tests/notifications/reliability.mjs';
import { startProvider, demoPeopleFile } from '../tests/support/oidc-provider.mjs';
import { ServerProcess } from '../tests/practices/reliability.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const defaultBinary = () => process.env.AU_BINARY || path.join(repoRoot, 'build', 'accesso-unico');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const FROM = 'noreply@umbriasemplice.example.org';

// --- the light SMTP sink -------------------------------------------------------------------------
// Just enough SMTP for curl and the reference client: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
// QUIT; no parsing of the message beyond finding its Message-ID header. Counts messages, distinct
// Message-IDs, bytes, connections (and the most at once), and messages per second.
function runSink() {
  const st = { connections: 0, open: 0, max_open: 0, messages: 0, bytes: 0, first_ms: 0, last_ms: 0, per_second: {}, ids: new Set() };
  let sample = '';
  const smtp = net.createServer((sock) => {
    st.connections++; st.open++; st.max_open = Math.max(st.max_open, st.open);
    sock.on('close', () => st.open--);
    sock.on('error', () => {});
    sock.setNoDelay(true);
    let buf = '', inData = false;
    sock.write('220 bench-sink ESMTP\r\n');
    sock.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const data = buf.slice(0, end + 2);
          buf = buf.slice(end + 5);
          inData = false;
          const now = Date.now();
          st.messages++; st.bytes += data.length;
          if (!st.first_ms) st.first_ms = now;
          st.last_ms = now;
          const s = Math.floor(now / 1000);
          st.per_second[s] = (st.per_second[s] || 0) + 1;
          const head = data.slice(0, Math.max(0, data.indexOf('\r\n\r\n')));
          const m = /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(head);
          if (m) st.ids.add(m[1]);
          if (!sample) sample = data;
          sock.write('250 2.0.0 OK\r\n');
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') sock.write('250-bench-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
        else if (verb === 'HELO' || verb === 'MAIL' || verb === 'RCPT' || verb === 'RSET' || verb === 'NOOP') sock.write('250 OK\r\n');
        else if (verb === 'DATA') { inData = true; sock.write('354 go on\r\n'); }
        else if (verb === 'QUIT') { sock.end('221 bye\r\n'); return; }
        else sock.write('502 5.5.2 not implemented\r\n');
      }
    });
  });
  const admin = http.createServer((req, res) => {
    const send = (v) => { const b = JSON.stringify(v); res.writeHead(200, { 'content-type': 'application/json' }); res.end(b); };
    if (req.method === 'GET' && req.url === '/stats') {
      const { ids, ...rest } = st;
      return send({ ...rest, distinct: ids.size });
    }
    if (req.method === 'GET' && req.url === '/sample') { res.writeHead(200); return res.end(Buffer.from(sample, 'latin1')); }
    if (req.method === 'POST' && req.url === '/reset') {
      Object.assign(st, { connections: st.open, max_open: st.open, messages: 0, bytes: 0, first_ms: 0, last_ms: 0, per_second: {}, ids: new Set() });
      return send({});
    }
    res.writeHead(404); res.end();
  });
  smtp.listen(0, '127.0.0.1', () => admin.listen(0, '127.0.0.1', () =>
    process.stdout.write(JSON.stringify({ smtp: smtp.address().port, admin: admin.address().port }) + '\n')));
  process.on('SIGTERM', () => process.exit(0));
}

// --- the reference client ----------------------------------------------------------------------
// `connections` persistent connections, each sending its share one message at a time, waiting
// for every reply (no pipelining): the exchange curl makes.
async function runRefClient({ port, count, message, connections = 4 }) {
  const raw = readFileSync(message, 'latin1').replace(/\r?\n$/, '');
  const [head, ...rest] = raw.split('\r\n\r\n');
  const body = rest.join('\r\n\r\n');
  const headNoId = head.replace(/^Message-ID:[^\r\n]*\r\n/im, '');
  let next = 0;
  const t0 = Date.now();
  async function conn(c) {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    let buf = '';
    const waiters = [];
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        // A reply ends with a line "NNN text" (a space after the code).
        const m = /(^|\r\n)\d{3} [^\r\n]*\r\n/.exec(buf);
        if (!m) return;
        const end = m.index + m[0].length;
        const reply = buf.slice(0, end);
        buf = buf.slice(end);
        waiters.shift()?.(reply);
      }
    });
    const reply = () => new Promise((r) => waiters.push(r));
    const cmd = async (line, want) => {
      const p = reply();
      sock.write(line);
      const r = await p;
      if (!r.split('\r\n').filter(Boolean).pop().startsWith(want)) throw new Error(`${line.trim()}: ${r.trim()}`);
    };
    await new Promise((r, j) => { sock.once('connect', r); sock.once('error', j); });
    const greet = await reply();
    if (!greet.startsWith('220')) throw new Error(`greeting ${greet}`);
    await cmd('EHLO ref-client\r\n', '250');
    while (next < count) {
      const i = next++;
      await cmd(`MAIL FROM:<${FROM}>\r\n`, '250');
      await cmd(`RCPT TO:<p${i}@example.org>\r\n`, '250');
      await cmd('DATA\r\n', '354');
      await cmd(`Message-ID: <ref-${c}-${i}@example.org>\r\n${headNoId}\r\n\r\n${body}\r\n.\r\n`, '250');
    }
    await cmd('QUIT\r\n', '221');
    sock.end();
  }
  await Promise.all(Array.from({ length: connections }, (_, c) => conn(c)));
  process.stdout.write(JSON.stringify({ count, seconds: (Date.now() - t0) / 1000 }) + '\n');
}

// --- helpers -----------------------------------------------------------------------------------

function spawnJsonLine(cmd, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0 && !child.first) { child.first = JSON.parse(out.slice(0, nl)); resolve(child); }
    });
    child.on('exit', (code) => { if (!child.first) reject(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-1000)}`)); });
  });
}

async function getJson(url) { const r = await httpRequest(url); return r.json; }

/** user+system CPU seconds of a pid and its threads (Linux /proc). */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch { return NaN; }
}

function run(cmd, args, { input, env } = {}) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, env }, (err, stdout, stderr) => {
      const seconds = Number(process.hrtime.bigint() - t) / 1e9;
      if (err) return reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')}: ${stderr || err.message}`));
      resolve({ stdout, stderr, seconds });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

/** Runs SQL through the engine's CLI (writes allowed), timed. */
function sqlCli(db, sql) {
  return db.startsWith('sqlite:')
    ? run('sqlite3', ['-batch', '-bail', db.slice('sqlite:'.length)], { input: sql })
    : run('psql', [db, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At'], { input: sql });
}

function prepareDir(tag, original) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `au-bench-${tag}-`));
  const binary = path.join(dir, 'accesso-unico');
  try { linkSync(original, binary); } catch { copyFileSync(original, binary); }
  return { dir, binary };
}

const romeDate = (offsetDays = 0) => new Date(Date.now() + offsetDays * 86_400_000)
  .toLocaleDateString('sv-SE', { timeZone: 'Europe/Rome' });  // YYYY-MM-DD

// --- (a) email throughput ----------------------------------------------------------------------

async function emailBench({ database = '', count = 100000, binary: original = defaultBinary(), log = () => {} }) {
  const engine = database.startsWith('postgres') ? 'postgresql' : 'sqlite';
  const { dir, binary } = prepareDir('email', original);
  const db = engine === 'sqlite' ? (database || `sqlite:${path.join(dir, 'db.sqlite')}`) : database;
  const procs = [];
  let provider = null, server = null;
  try {
    const sink = await spawnJsonLine(process.execPath, [fileURLToPath(import.meta.url), 'sink']);
    procs.push(sink);
    const sinkAdmin = `http://127.0.0.1:${sink.first.admin}`;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    provider = await startProvider({ redirectUris: [`${base}/auth/callback`], postLogoutRedirectUris: [`${base}/`] });
    const env = { ...process.env, AU_SEARCH_INDEX: path.join(dir, 'index'), AU_SHARE_DIR: repoRoot, AU_BACKGROUND_WORKERS: '0',
      AU_OIDC_ISSUER: provider.issuer, AU_OIDC_CLIENT_ID: provider.clientId, AU_OIDC_CLIENT_SECRET: provider.clientSecret };
    for (const args of [['import', path.join(repoRoot, 'data')], ['roles', 'import', demoPeopleFile]]) {
      const r = await runCli(binary, ['--database', db, ...args], env, 600_000);
      if (r.code !== 0) throw new Error(`${args[0]}: ${r.out.slice(-1500)}`);
    }
    // Contacts in bulk through the engine (setup, not measured): `contacts import` writes one
    // row per transaction, minutes for 100,000 on SQLite.
    log(`${count} recapiti email (inserimento in blocco)`);
    const codes = syntheticFiscalCodes(count, 7_000_000);
    const now = new Date().toISOString();
    const values = codes.map((cf, i) => `('${cf}','email','p${i}@example.org','${now}')`);
    let sql = 'BEGIN;\n';
    for (let i = 0; i < values.length; i += 1000)
      sql += `INSERT INTO notification_contacts (subject, channel, address, updated_at) VALUES ${values.slice(i, i + 1000).join(',')};\n`;
    await sqlCli(db, sql + 'COMMIT;\n');

    server = new ServerProcess({ binary, db, env, port });
    await server.start();
    const operator = await login(base, 'operatore');
    log(`invii: ${Math.ceil(count / 1000)} chiamate da 1000 destinatari`);
    const tSend = Date.now();
    const sends = [];
    for (let i = 0; i < count; i += 1000) {
      const body = JSON.stringify({ recipients: codes.slice(i, i + 1000), subject: `Comunicazione di prova n. ${i / 1000}`,
        text: 'Gentile destinatario,\n\nquesto è un messaggio della prova di **velocità** delle email.\n\nCordiali saluti.' });
      const r = await httpRequest(`${base}/api/v1/notifications`, { method: 'POST', body, timeoutMs: 120_000,
        headers: { cookie: operator.cookie, 'x-csrf-token': operator.csrf, 'content-type': 'application/json' } });
      if (r.status !== 202) throw new Error(`POST /api/v1/notifications: ${r.status} ${r.text.slice(0, 300)}`);
      sends.push(r.json.id);
    }
    const sendSeconds = (Date.now() - tSend) / 1000;

    // The worker alone against the backlog: fan-out (render) and delivery on the same 4 threads.
    const workerEnv = { ...env, AU_SMTP_URL: `smtp://127.0.0.1:${sink.first.smtp}`, AU_SMTP_FROM: FROM, AU_NOTIFY_THREADS: '4',
      AU_NOTIFY_POLL_MS: '100', AU_NOTIFY_SCHEDULER_MS: '3600000', AU_LOG_LEVEL: 'warn' };
    await httpRequest(`${sinkAdmin}/reset`, { method: 'POST' });
    log(`worker (4 thread) su ${engine}: ${count} email`);
    const worker = spawn(binary, ['--database', db, 'worker'], { env: workerEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    procs.push(worker);
    let wlog = '';
    worker.stderr.on('data', (d) => (wlog = (wlog + d).slice(-20000)));
    const tStart = Date.now();
    let s = await getJson(`${sinkAdmin}/stats`);
    const deadline = Date.now() + Math.max(600_000, count * 20);
    while (s.distinct < count && Date.now() < deadline && worker.exitCode === null) {
      await sleep(500);
      s = await getJson(`${sinkAdmin}/stats`);
    }
    const workerCpu = cpuSeconds(worker.pid), sinkCpu = cpuSeconds(sink.pid);
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    if (s.distinct < count) throw new Error(`only ${s.distinct} of ${count} emails arrived; worker log:\n${wlog}`);
    const counts = await queryDb(db, `SELECT n.status, COUNT(*) FROM notifications n JOIN messages m ON m.id = n.message_id ` +
      `WHERE m.bulk_id IN (${sends.map((x) => `'${x}'`).join(',')}) GROUP BY n.status`);
    const span = (s.last_ms - s.first_ms) / 1000;
    const seconds = Object.entries(s.per_second).sort(([a], [b]) => a - b).map(([, v]) => v).slice(1, -1);  // full seconds only
    const sorted = seconds.slice().sort((a, b) => a - b);
    const product = { emails: s.distinct, received: s.messages, seconds: Number(span.toFixed(2)), per_second: Math.round((s.distinct - 1) / span),
      first_after_start_s: Number(((s.first_ms - tStart) / 1000).toFixed(2)), connections: s.connections, max_open_connections: s.max_open,
      bytes_per_message: Math.round(s.bytes / s.messages), slowest_second: sorted[0] ?? 0, median_second: sorted[Math.floor(sorted.length / 2)] ?? 0,
      worker_cpu_s: Number(workerCpu.toFixed(1)), sink_cpu_s: Number(sinkCpu.toFixed(1)),
      statuses: Object.fromEntries(counts.map(([k, v]) => [k, Number(v)])) };
    log(`prodotto: ${product.per_second} email/s (${product.seconds} s)`);

    // Reference: the same sink, a plain client, 4 connections, the product's message bytes.
    const sampleFile = path.join(dir, 'sample.eml');
    writeFileSync(sampleFile, (await httpRequest(`${sinkAdmin}/sample`)).text);
    await httpRequest(`${sinkAdmin}/reset`, { method: 'POST' });
    const sinkCpu0 = cpuSeconds(sink.pid);
    const ref = await spawnJsonLine(process.execPath, [fileURLToPath(import.meta.url), 'ref-client', '--port', String(sink.first.smtp),
      '--count', String(count), '--message', sampleFile, '--connections', '4']);
    await new Promise((r) => (ref.exitCode !== null ? r() : ref.once('exit', r)));
    const rs = await getJson(`${sinkAdmin}/stats`);
    const rspan = (rs.last_ms - rs.first_ms) / 1000;
    const reference = { emails: rs.distinct, seconds: Number(rspan.toFixed(2)), per_second: Math.round((rs.distinct - 1) / rspan),
      max_open_connections: rs.max_open, bytes_per_message: Math.round(rs.bytes / rs.messages), sink_cpu_s: Number((cpuSeconds(sink.pid) - sinkCpu0).toFixed(1)) };
    log(`riferimento: ${reference.per_second} email/s`);
    return { part: 'email', engine, count, send_seconds: Number(sendSeconds.toFixed(1)), product, reference, date: new Date().toISOString() };
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    if (server) { await server.stop('SIGTERM').catch(() => {}); server.dispose(); }
    await provider?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- (b) the reminder scheduler ----------------------------------------------------------------

function practicesSql(engine, n, today) {
  // 10 comuni (only Perugia has a demo operator: the overdue alerts), 2 in 7 concluded, 1 in 11 filed
  // by an intermediary, applicant_due_date on one of the next 365 days for every practice (so
  // 7 / 365 ≈ 1.9 % fall in the 7- and 1-day bands), legal due_date spread over ±1 year.
  const cols = '(id, ente_id, service_id, title, client_id, backoffice_system, backoffice_ref, applicant, intermediary, ' +
    'legal_term_days, opened_at, status, due_date, applicant_due_date, updated_at)';
  const enti = ['comune-054039', 'comune-055032', 'comune-054018', 'comune-054020', 'comune-054024', 'comune-054028',
    'comune-054051', 'comune-054056', 'comune-054038', 'comune-055012'];
  const ente = `CASE i % 10 ${enti.map((e, k) => `WHEN ${k} THEN '${e}'`).join(' ')} END`;
  if (engine === 'sqlite') {
    return `PRAGMA journal_mode=WAL;\nBEGIN;\nWITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ${n - 1})
INSERT INTO practices ${cols} SELECT printf('bench-%07d', i), ${ente},
 'passo-carrabile', 'Pratica ' || i, 'bench', 'VBG', 'R' || i, printf('BNCPRS%02dA01H501%s', i % 100, char(65 + i % 26)),
 CASE WHEN i % 11 = 0 THEN 'VRDLCU78S23L117P' ELSE '' END, 30, '${today}T08:00:00Z',
 CASE WHEN i % 7 < 2 THEN 'concluso-positivo' ELSE 'in-corso' END,
 date('${today}', ((i * 7919) % 731 - 365) || ' days'), date('${today}', ((i * 104729) % 365) || ' days'), '${today}T08:00:00Z' FROM c;
COMMIT;\nPRAGMA wal_checkpoint(TRUNCATE);\nANALYZE;\n`;
  }
  return `INSERT INTO practices ${cols} SELECT 'bench-' || lpad(i::text, 7, '0'), ${ente},
 'passo-carrabile', 'Pratica ' || i, 'bench', 'VBG', 'R' || i, 'BNCPRS' || lpad((i % 100)::text, 2, '0') || 'A01H501' || chr(65 + i % 26),
 CASE WHEN i % 11 = 0 THEN 'VRDLCU78S23L117P' ELSE '' END, 30, '${today}T08:00:00Z',
 CASE WHEN i % 7 < 2 THEN 'concluso-positivo' ELSE 'in-corso' END,
 to_char(DATE '${today}' + ((i::bigint * 7919) % 731 - 365)::int, 'YYYY-MM-DD'), to_char(DATE '${today}' + ((i::bigint * 104729) % 365)::int, 'YYYY-MM-DD'),
 '${today}T08:00:00Z' FROM generate_series(0, ${n - 1}) AS i;\nANALYZE practices;\n`;
}

// The statements of store::create_deadline_reminders and create_overdue_alerts for the default
// offsets [7, 1] (bands: 1 day = [today+1, today+1], 7 days = [today+2, today+7]), no
// reminder_settings rows, values inlined.
function referenceSql(today) {
  const at = new Date().toISOString().replace(/\.\d+Z$/, '.000Z');
  const bands = [[1, romeDate(1), romeDate(1)], [7, romeDate(2), romeDate(7)]];
  const since = romeDate(-7);
  let sql = '';
  for (const [d, first, last] of bands)
    for (const who of ['p.applicant', 'p.intermediary'])
      sql += `INSERT INTO messages (dedup_key, recipient, kind, practice_id, service_id, ente_id, bulk_id, fields, due_date, send_at, state, created_at) ` +
        `SELECT 'promemoria:' || p.id || ':' || p.applicant_due_date || ':' || '${d}' || ':' || ${who}, ${who}, 'promemoria-scadenza', p.id, p.service_id, ` +
        `p.ente_id, '', '{"giorni":"${d}"}', p.applicant_due_date, '${at}', 'pending', '${at}' FROM practices p WHERE p.applicant_due_date >= '${first}' ` +
        `AND p.applicant_due_date <= '${last}' AND ${who} <> '' AND p.status NOT LIKE 'concluso%' AND (NOT EXISTS (SELECT 1 FROM reminder_settings rs ` +
        `WHERE rs.service_id = p.service_id)) ON CONFLICT (dedup_key) DO NOTHING;\n`;
  sql += `INSERT INTO messages (dedup_key, recipient, kind, practice_id, service_id, ente_id, bulk_id, fields, due_date, send_at, state, created_at) ` +
    `SELECT 'scadenza-superata:' || p.id || ':' || p.due_date || ':' || ra.fiscal_code, ra.fiscal_code, 'scadenza-superata', p.id, p.service_id, ` +
    `p.ente_id, '', '{}', p.due_date, '${at}', 'pending', '${at}' FROM practices p JOIN role_assignments ra ON ra.role = 'operatore-ente' AND ` +
    `ra.scope = p.ente_id WHERE p.due_date <> '' AND p.due_date < '${today}' AND p.due_date >= '${since}' AND p.status NOT LIKE 'concluso%' ` +
    `ON CONFLICT (dedup_key) DO NOTHING;\n`;
  return sql;
}

async function schedulerBench({ database = '', practices = 1000000, binary: original = defaultBinary(), log = () => {} }) {
  const engine = database.startsWith('postgres') ? 'postgresql' : 'sqlite';
  const { dir, binary } = prepareDir('sched', original);
  const db = engine === 'sqlite' ? (database || `sqlite:${path.join(dir, 'db.sqlite')}`) : database;
  const env = { ...process.env, AU_SEARCH_INDEX: path.join(dir, 'index'), AU_SHARE_DIR: repoRoot, AU_NOTIFY_THREADS: '1',
    AU_SMTP_URL: '', AU_NOTIFY_SCHEDULER_MS: '3600000' };
  try {
    for (const args of [['import', path.join(repoRoot, 'data')], ['roles', 'import', demoPeopleFile]]) {
      const r = await runCli(binary, ['--database', db, ...args], env, 300_000);
      if (r.code !== 0) throw new Error(`${args[0]}: ${r.out.slice(-1500)}`);
    }
    const today = romeDate(0);
    log(`${practices} pratiche in blocco (${engine})`);
    const ins = await sqlCli(db, practicesSql(engine, practices, today));
    const [[inBands]] = await queryDb(db, `SELECT COUNT(*) FROM practices WHERE applicant_due_date >= '${romeDate(1)}' AND applicant_due_date <= '${romeDate(7)}'`);
    const [[expectedReminders]] = await queryDb(db, `SELECT (SELECT COUNT(*) FROM practices WHERE applicant_due_date >= '${romeDate(1)}' AND ` +
      `applicant_due_date <= '${romeDate(7)}' AND status NOT LIKE 'concluso%') + (SELECT COUNT(*) FROM practices WHERE applicant_due_date >= ` +
      `'${romeDate(1)}' AND applicant_due_date <= '${romeDate(7)}' AND status NOT LIKE 'concluso%' AND intermediary <> '')`);

    // Reference: the bare statements, on an identical copy (SQLite) or rolled back (PostgreSQL).
    const refSql = referenceSql(today);
    let reference;
    if (engine === 'sqlite') {
      const file = db.slice('sqlite:'.length), copy = path.join(dir, 'ref.sqlite');
      copyFileSync(file, copy);
      reference = await sqlCli(`sqlite:${copy}`, `PRAGMA synchronous=FULL;\n${refSql}SELECT COUNT(*) FROM messages;\n`);
      rmSync(copy, { force: true });
    } else {
      reference = await sqlCli(db, `BEGIN;\n${refSql}SELECT COUNT(*) FROM messages;\nROLLBACK;\n`);
    }
    const refCreated = Number(reference.stdout.trim().split('\n').pop());
    log(`riferimento: ${refCreated} messaggi in ${reference.seconds.toFixed(2)} s`);

    // The product: the scheduler run of a worker (the first thing its thread 0 does), timed by
    // its own log lines; then stopped before it fans much out.
    const t0 = Date.now();
    const worker = spawn(binary, ['--database', db, 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const done = new Promise((resolve, reject) => {
      const onData = (d) => {
        out += d;
        if (/promemoria e \d+ avvisi di scadenza creati/.test(out)) resolve();
      };
      worker.stdout.on('data', onData);
      worker.stderr.on('data', onData);
      worker.once('exit', (c) => reject(new Error(`worker exited ${c}: ${out.slice(-1500)}`)));
    });
    await Promise.race([done, sleep(600_000).then(() => { throw new Error('scheduler: no log line in 10 min'); })]);
    const tSeen = Date.now();
    worker.kill('SIGTERM');
    await new Promise((r) => (worker.exitCode !== null ? r() : worker.once('exit', r)));
    const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const started = lines.find((l) => /worker avviato/.test(l.msg));
    const ended = lines.find((l) => /promemoria e \d+ avvisi/.test(l.msg));
    const [, reminders, alerts] = ended.msg.match(/(\d+) promemoria e (\d+) avvisi/);
    // The scheduler starts when the threads start, just before "worker avviato" is logged.
    const schedulerSeconds = (Date.parse(ended.time) - Date.parse(started.time)) / 1000;
    log(`scheduler: ${reminders} promemoria, ${alerts} avvisi in ${schedulerSeconds} s`);

    // Again, as cron would: `worker --once` must create nothing more (idempotent), then it fans
    // out the backlog (inbox only: no SMTP).
    const tOnce = Date.now();
    const once = await runCli(binary, ['--database', db, 'worker', '--once'], env, 1_800_000);
    if (once.code !== 0) throw new Error(`worker --once: ${once.out.slice(-1500)}`);
    const onceLine = (once.out.match(/promemoria creati: [^\n]*/) || [''])[0];
    const onceSeconds = (Date.now() - tOnce) / 1000;
    const [[messages]] = await queryDb(db, "SELECT COUNT(*) FROM messages WHERE kind IN ('promemoria-scadenza', 'scadenza-superata')");
    return { part: 'scheduler', engine, practices, in_bands: Number(inBands), expected_reminders: Number(expectedReminders),
      insert_seconds: Number(ins.seconds.toFixed(1)), reference_seconds: Number(reference.seconds.toFixed(3)), reference_created: refCreated,
      scheduler_seconds: schedulerSeconds, scheduler_upper_bound_seconds: Number(((tSeen - t0) / 1000).toFixed(2)),
      reminders: Number(reminders), alerts: Number(alerts), once_line: onceLine, once_seconds_after: onceSeconds,
      messages_total: Number(messages), date: new Date().toISOString() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- the report (markdown for docs/BENCHMARKS.md) ----------------------------------------------

function report({ json, reliability = '', command = 'bench/run.sh build --only notifications', machine = '' }) {
  const parts = json.split(',').filter(Boolean).map((f) => { try { return JSON.parse(readFileSync(f, 'utf8')); } catch { return null; } }).filter(Boolean);
  const rel = reliability.split(',').filter(Boolean).map((f) => { try { return JSON.parse(readFileSync(f, 'utf8')); } catch { return null; } }).filter(Boolean);
  const fmt = (n) => Number(n).toLocaleString('en-US');
  const out = [];
  out.push('## 7. Notifications: email throughput, the reminder scheduler, SIGKILL reliability', '');
  out.push(`Measured ${parts[0]?.date?.slice(0, 16).replace('T', ' ') ?? '–'} UTC${machine ? ` on ${machine}` : ''}. Command: \`${command}\` ` +
    '(`bench/sections/notifications.sh`: `bench/notifications.mjs` and `tests/notifications/reliability.mjs`).', '');
  const emails = parts.filter((p) => p.part === 'email');
  if (emails.length) {
    out.push('### Email throughput (target ≥ 1,000 emails/s sustained, at most 4 SMTP connections)', '');
    out.push('One `accesso-unico worker` with `AU_NOTIFY_THREADS=4` against a backlog of bulk sends made through the API ' +
      '(operator session, 1,000 recipients a call), delivering to a light SMTP sink in its own Node process (`bench/notifications.mjs sink`: ' +
      'EHLO/MAIL/RCPT/DATA, counts Message-IDs, no MIME parsing; the npm smtp-server + mailparser sink of the tests is slower than the target). ' +
      'Rate = distinct Message-IDs ÷ time from the first to the last one accepted; the worker both fans out (renders text + HTML) and delivers in that time. ' +
      'Reference in the same run: the same sink fed by a plain client (`ref-client`: 4 connections, MAIL/RCPT/DATA per message waiting for each reply as curl does, ' +
      'the product\'s own message bytes).', '');
    out.push('| engine | emails | product emails/s | slowest / median full second | SMTP connections (most at once) | reference emails/s | product ÷ reference | target | worker CPU s | sink CPU s (product / ref) | bytes/email |');
    out.push('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const e of emails) {
      const p = e.product, r = e.reference;
      out.push(`| ${e.engine} | ${fmt(p.emails)} | **${fmt(p.per_second)}** | ${fmt(p.slowest_second)} / ${fmt(p.median_second)} | ${p.connections} (${p.max_open_connections}) | ` +
        `${fmt(r.per_second)} | ${(p.per_second / r.per_second).toFixed(2)}× | ${p.per_second >= 1000 ? '**met**' : '**missed**'} | ${p.worker_cpu_s} | ${p.sink_cpu_s} / ${r.sink_cpu_s} | ${fmt(p.bytes_per_message)} |`);
    }
    out.push('');
    for (const e of emails) out.push(`- ${e.engine}: statuses after the run ${JSON.stringify(e.product.statuses)}; copies received ${fmt(e.product.received)}; ` +
      `the 100 API calls took ${e.send_seconds} s; first email ${e.product.first_after_start_s} s after the worker started.`);
    out.push('');
  }
  const sched = parts.filter((p) => p.part === 'scheduler');
  if (sched.length) {
    out.push('### Reminder scheduler over 1,000,000 practices (target ≤ 5 s)', '');
    out.push('Practices bulk-inserted by the engine\'s CLI into the migrated schema (10 comuni, 2 in 7 concluded, 1 in 11 with an intermediary, ' +
      '`applicant_due_date` on one of the next 365 days, legal `due_date` over ±1 year; then `ANALYZE`). *Scheduler*: the first run of ' +
      '`accesso-unico worker` (`AU_NOTIFY_THREADS=1`), from its "worker avviato" log line to its "N promemoria e M avvisi di scadenza creati" line ' +
      '(both bands × applicant/intermediary + the overdue alerts); *upper bound*: from spawning the process (startup, migrations check, catalogue) to that line. ' +
      'Reference: the same five `INSERT … SELECT … ON CONFLICT DO NOTHING` statements run bare by `sqlite3` on an identical copy of the file / by `psql` in a ' +
      'transaction rolled back. Then `worker --once` runs the scheduler again (must create 0: idempotent) and fans the backlog out to the inbox.', '');
    out.push('| engine | practices | in the bands | reminders + alerts created | scheduler s | upper bound s | reference s | scheduler ÷ reference | target | `worker --once` afterwards |');
    out.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const s of sched) {
      out.push(`| ${s.engine} | ${fmt(s.practices)} | ${fmt(s.in_bands)} (${(100 * s.in_bands / s.practices).toFixed(1)} %) | ${fmt(s.reminders)} + ${fmt(s.alerts)} ` +
        `(reference ${fmt(s.reference_created)}) | **${s.scheduler_seconds.toFixed(2)}** | ${s.scheduler_upper_bound_seconds} | ${s.reference_seconds.toFixed(2)} | ` +
        `${(s.scheduler_seconds / s.reference_seconds).toFixed(2)}× | ${s.scheduler_seconds <= 5 ? '**met**' : '**missed**'} | ${s.once_line} |`);
    }
    out.push('');
  }
  if (rel.length) {
    out.push('### Reliability under SIGKILL and outages (full size)', '');
    out.push('`tests/notifications/reliability.mjs`: bulk sends through the API while 2 worker processes (4 threads each, lease 3 s) are killed with SIGKILL ' +
      'and restarted, and the SMTP server (npm smtp-server) and the webhook receiver are stopped and restarted on the same port at random moments.', '');
    out.push('| engine | recipients | SIGKILL | SMTP / receiver outages | deliveries | temporary failures (retried) | email copies beyond the first (bound) | Webhook-Ids distinct = delivered | same id resent | messages under two ids | sends after a lost lease | time s | result |');
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const s of rel) {
      out.push(`| ${s.database} | ${fmt(s.recipients)} | ${s.kills} | ${s.smtp_outages} / ${s.receiver_outages} | ${Object.entries(s.deliveries).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')} | ` +
        `${fmt(s.attempts['temporary-failure'] || 0)} | ${s.email_duplicates} (${s.duplicate_bound}) | ${fmt(s.webhook_ids_distinct)} = ${fmt(s.webhooks_delivered)} | ${s.webhook_transport_duplicates} | ` +
        `${s.messages_with_two_ids} | ${s.lost_leases} | ${s.seconds} | ${s.ok ? 'pass' : `**fail** (${s.problems.length}: ${s.problems.slice(0, 2).join('; ').replace(/\|/g, '/')})`} |`);
    }
    out.push('');
  }
  process.stdout.write(out.join('\n') + '\n');
}

// --- main ----------------------------------------------------------------------------------------

function args(argv) {
  const a = {};
  for (let i = 0; i < argv.length; i += 2) a[argv[i].replace(/^--/, '')] = argv[i + 1];
  return a;
}

async function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  const a = args(rest);
  const log = (m) => console.error('==> ' + m);
  if (cmd === 'sink') return runSink();
  if (cmd === 'ref-client') return runRefClient({ port: Number(a.port), count: Number(a.count), message: a.message, connections: Number(a.connections || 4) });
  if (cmd === 'report') return report(a);
  let result;
  if (cmd === 'email') result = await emailBench({ database: a.database || '', count: Number(a.count || 100000), log });
  else if (cmd === 'scheduler') result = await schedulerBench({ database: a.database || '', practices: Number(a.practices || 1000000), log });
  else { console.error('uso: node bench/notifications.mjs email|scheduler|report|sink|ref-client ...'); process.exit(2); }
  console.log(JSON.stringify(result, null, 2));
  if (a.json) writeFileSync(a.json, JSON.stringify(result, null, 2));
  process.exit(0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error('errore:', e.stack || e.message); process.exit(1); });
}
