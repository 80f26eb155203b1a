// Reliability of notification delivery under faults (issue 5, "Reliability test"): bulk sends
// through the API (an operator's session, batches of at most 1,000 recipients) while
// `accesso-unico worker` processes are killed with SIGKILL at random moments and restarted, and
// the SMTP server and the webhook receiver are stopped and started again (same port) at random
// moments. At the end every message must be ready and every delivery delivered or in a terminal
// failure with a reason (none created, sending or still retrying); nothing lost; emails: every
// delivered one's Message-ID reached the SMTP server (SMTP has no idempotency: copies of one
// Message-ID are counted and reported, allowed only around kills and outages); webhooks: the
// distinct Webhook-Ids received equal the deliveries recorded delivered, one Webhook-Id per
// message (a second copy of a notification under another id would be a real duplicate), every
// signature valid.
//
//   node tests/notifications/reliability.mjs [--recipients 10000] [--kills 10] [--workers 2]
//        [--smtp-outages 4] [--receiver-outages 4] [--database URL] [--seed N] [--json FILE]
//        (exit 0 when every check passed)
//   import { runNotificationReliability } from './reliability.mjs'   (reliability.test.mjs)
//
// Environment: AU_BINARY (default <repo>/build/accesso-unico). Without --database a private
// SQLite file; with a PostgreSQL URL the run uses its own synthetic recipients (random fiscal
// codes with valid check characters), so it may share the database with other suites: the
// checks look only at this run's sends. The peers are real: npm smtp-server
// (tests/support/smtp-sink.mjs) and an HTTP receiver (tests/support/webhook-receiver.mjs), in
// this process. Counts come from the API (GET /api/v1/notifications/{id}); the per-delivery
// checks (which idempotency key each delivered row carries) read the database with the
// engine's own CLI (sqlite3 / psql), read-only, after the workers stopped.
import { execFile, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { copyFileSync, linkSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSmtpSink } from '../support/smtp-sink.mjs';
import { startWebhookReceiver } from '../support/webhook-receiver.mjs';
import { startProvider, loginWithoutBrowser, demoPeopleFile } from '../support/oidc-provider.mjs';
import { freePort, runCli, httpRequest, rng, ServerProcess } from '../practices/reliability.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const defaultBinary = () => process.env.AU_BINARY || path.join(repoRoot, 'build', 'accesso-unico');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const FROM = 'noreply@umbriasemplice.example.org';

// --- synthetic recipients --------------------------------------------------------------------

// Agenzia delle Entrate's "dispari" table (src/domain/fiscal_code.cpp): the value of a character
// at an odd position (1st, 3rd, ...); a digit counts as the letter with its index.
const ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
const indexOf = (c) => (c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 65);

/** The check character of the first 15 characters of a personal fiscal code. */
export function fiscalCheckChar(first15) {
  let sum = 0;
  for (let i = 0; i < 15; i++) sum += i % 2 === 0 ? ODD[indexOf(first15[i])] : indexOf(first15[i]);
  return String.fromCharCode(65 + (sum % 26));
}

/**
 * n distinct valid personal fiscal codes: six letters from (base + i) in base 26, born
 * 01/01/1980 in Roma (H501), the check character computed. `base` keeps runs apart.
 */
export function syntheticFiscalCodes(n, base) {
  const out = [];
  for (let i = 0; i < n; i++) {
    let v = (base + i) % 26 ** 6;
    let letters = '';
    for (let k = 0; k < 6; k++) { letters = String.fromCharCode(65 + (v % 26)) + letters; v = Math.floor(v / 26); }
    const first15 = `${letters}80A01H501`;
    out.push(first15 + fiscalCheckChar(first15));
  }
  return out;
}

// --- processes ---------------------------------------------------------------------------------

/** One `accesso-unico worker` process, restartable; remembers how each run ended. */
class WorkerProcess {
  constructor({ binary, db, env, name }) {
    Object.assign(this, { binary, db, env, name, child: null, log: '', unexpectedExits: [] });
    this.onExit = () => this.child?.kill('SIGKILL');
    process.on('exit', this.onExit);
  }

  start() {
    const child = spawn(this.binary, ['--database', this.db, 'worker'], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (d) => { this.log = (this.log + d).slice(-300_000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.expected = false;
    this.exited = new Promise((resolve) => child.once('exit', (code, sig) => {
      if (!child.expected) this.unexpectedExits.push(`${this.name}: ${sig ?? 'exit ' + code}`);
      resolve(sig ?? `exit ${code}`);
    }));
  }

  async kill(signal = 'SIGKILL', graceMs = 20_000) {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.expected = true;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  dispose() { process.removeListener('exit', this.onExit); }
}

/** The SMTP sink, stoppable for a while and started again on the same port (npm smtp-server). */
class SmtpPeer {
  constructor() { this.sink = null; this.port = 0; this.received = []; this.rejected = []; this.outages = 0; }
  async start() {
    this.sink = await startSmtpSink({ port: this.port });
    this.port = this.sink.smtpPort;
    await this.sink.reject(this.rejected);
  }
  /** Moves what the sink received into this.received ({ messageId, to }), keeping memory small. */
  async harvest() {
    if (!this.sink) return;
    const got = await this.sink.messages();
    await this.sink.clear();  // anything pushed meanwhile went into `got` (same array)
    for (const m of got) this.received.push({ messageId: m.messageId, to: m.envelope.to.join(',') });
  }
  async outage(downMs) {
    await this.harvest();
    const s = this.sink;
    this.sink = null;
    await s.stop();  // drops every SMTP connection (421), closes the listener
    this.outages++;
    await sleep(downMs);
    await this.start();
  }
  async stop() { await this.harvest(); await this.sink?.stop(); this.sink = null; }
}

/** The webhook receiver, stoppable for a while and started again on the same port. */
class WebhookPeer {
  constructor() { this.rx = null; this.port = 0; this.received = []; this.outages = 0; }
  async start() {
    this.rx = await startWebhookReceiver({ port: this.port, status: 204 });
    this.port = this.rx.port;
  }
  get url() { return `http://127.0.0.1:${this.port}/hook`; }
  harvest() {
    if (!this.rx) return;
    const got = this.rx.requests();
    this.rx.clear();
    for (const r of got) this.received.push(r);
  }
  async outage(downMs) {
    this.harvest();
    const rx = this.rx;
    this.rx = null;
    await rx.stop();
    this.harvest.call({ rx, received: this.received });  // requests recorded while stopping
    this.outages++;
    await sleep(downMs);
    await this.start();
  }
  async stop() { this.harvest(); await this.rx?.stop(); this.rx = null; }
}

// --- helpers -----------------------------------------------------------------------------------

/** Rows of a read-only query, as arrays of strings, with the engine's own CLI. */
export function queryDb(db, sql) {
  const [cmd, args] = db.startsWith('sqlite:')
    ? ['sqlite3', ['-readonly', '-batch', '-noheader', '-separator', '\t', db.slice('sqlite:'.length), sql]]
    : ['psql', [db, '-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql]];
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${cmd}: ${stderr || err.message}`));
      resolve(stdout.split('\n').filter((l) => l.length).map((l) => l.split('\t')));
    });
  });
}

function cookieFrom(setCookies, name) {
  const c = setCookies.find((s) => s.startsWith(name + '='));
  return c ? c.split(';')[0] : null;
}

/** Logs a demo person in through the OpenID provider; { cookie, csrf }. */
export async function login(base, personId) {
  const startRes = await fetch(`${base}/auth/login?ritorno=${encodeURIComponent('/area-personale')}`, { redirect: 'manual' });
  if (startRes.status !== 302) throw new Error(`login start answered ${startRes.status}`);
  const loginCookie = cookieFrom(startRes.headers.getSetCookie(), 'au_login');
  const callback = await loginWithoutBrowser(startRes.headers.get('location'), personId);
  const cb = await fetch(callback, { redirect: 'manual', headers: { cookie: loginCookie } });
  if (cb.status !== 302) throw new Error(`callback answered ${cb.status}: ${(await cb.text()).slice(0, 300)}`);
  const cookie = cookieFrom(cb.headers.getSetCookie(), 'au_session');
  const html = await (await fetch(`${base}/area-personale`, { headers: { cookie } })).text();
  const csrf = (html.match(/name="csrf" value="([^"]+)"/) || [])[1];
  if (!cookie || !csrf) throw new Error('login: no session cookie or CSRF token');
  return { cookie, csrf };
}

// Standard Webhooks signature (practices/webhooks.cpp): v1,base64(HMAC-SHA256(key, id.ts.body)).
function signatureOk(secret, headers, body) {
  const key = Buffer.from(secret, 'base64url');
  const mac = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64');
  return String(headers['webhook-signature'] || '').split(' ').includes(`v1,${mac}`);
}

const localPart = (messageId) => String(messageId || '').replace(/^<|>$/g, '').split('@')[0];

// --- the scenario ------------------------------------------------------------------------------

/**
 * Options: recipients (one message each; every recipient has an email address, a share also a
 * webhook), kills (SIGKILLs of a worker), workers (processes), smtpOutages, receiverOutages,
 * webhookShare (0.3), rejectShare (share of email addresses the SMTP server refuses with 550:
 * permanent failures with a reason, 0.01), threads (AU_NOTIFY_THREADS per worker), databaseUrl
 * ('' = private SQLite), leaseMs (AU_NOTIFY_LEASE_MS, 3000: short, so the work of a killed
 * worker comes back quickly), binary, seed, log, settleMs (deadline for the end of the deliveries
 * after the last send). Resolves a summary with `problems` (empty when everything held).
 */
export async function runNotificationReliability({ recipients = 1000, kills = 3, workers = 2, smtpOutages = 1,
  receiverOutages = 1, webhookShare = 0.3, rejectShare = 0.01, threads = 4, leaseMs = 3000, databaseUrl = '', binary: original = defaultBinary(),
  seed = Date.now() % 2147483647, log = () => {}, settleMs = 180_000 } = {}) {
  const t0 = Date.now();
  const random = rng(seed);
  const problems = [];
  const problem = (p) => { if (problems.length < 200) problems.push(p); };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'au-notify-rel-'));
  const binary = path.join(dir, 'accesso-unico');  // survives a rebuild of build/ during the run
  try { linkSync(original, binary); } catch { copyFileSync(original, binary); }
  const db = databaseUrl || `sqlite:${path.join(dir, 'db.sqlite')}`;
  const tag = randomBytes(3).toString('hex');
  const smtp = new SmtpPeer();
  const hooks = new WebhookPeer();
  let provider = null, server = null;
  const procs = [];
  const stats = { kills: 0, restarts: 0, api_5xx: 0, sends: 0 };
  try {
    await smtp.start();
    await hooks.start();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    provider = await startProvider({ redirectUris: [`${base}/auth/callback`], postLogoutRedirectUris: [`${base}/`] });
    const env = { ...process.env, AU_SEARCH_INDEX: path.join(dir, 'index'), AU_SHARE_DIR: repoRoot,
      AU_OIDC_ISSUER: provider.issuer, AU_OIDC_CLIENT_ID: provider.clientId, AU_OIDC_CLIENT_SECRET: provider.clientSecret,
      AU_BACKGROUND_WORKERS: '0' };
    const workerEnv = { ...env, AU_BACKGROUND_WORKERS: '1', AU_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, AU_SMTP_FROM: FROM,
      AU_NOTIFY_THREADS: String(threads), AU_NOTIFY_LEASE_MS: String(leaseMs), AU_NOTIFY_POLL_MS: '100',
      AU_NOTIFY_RETRY_BASE_MS: '200', AU_NOTIFY_RETRY_CAP_MS: '2000', AU_NOTIFY_CHANNEL_TIMEOUT_MS: '1500',
      AU_NOTIFY_SCHEDULER_MS: '3600000', AU_WEBHOOK_TIMEOUT_MS: '1500', AU_NOTIFY_WEBHOOK_PRIVATE_NETWORKS: '1' };

    // Catalogue, demo roles (the operator of the Comune di Perugia), the recipients' contacts.
    for (const args of [['import', path.join(repoRoot, 'data')], ['roles', 'import', demoPeopleFile]]) {
      const r = await runCli(binary, ['--database', db, ...args], env, 300_000);
      if (r.code !== 0) throw new Error(`${args[0]} failed (${r.code}):\n${r.out.slice(-2000)}`);
    }
    // Not from the seed: a replayed seed on a shared database must not meet last run's flagged contacts.
    const codes = syntheticFiscalCodes(recipients, randomBytes(4).readUInt32BE() % 3e8);
    const people = codes.map((cf, i) => {
      const p = { fiscal_number: cf, email: `p${i}@example.org` };
      if (random() < webhookShare) p.webhook = `${hooks.url}/${i}`;
      return p;
    });
    smtp.rejected = people.filter(() => random() < rejectShare).map((p) => p.email);
    await smtp.sink.reject(smtp.rejected);
    const contactsFile = path.join(dir, 'contacts.json');
    writeFileSync(contactsFile, JSON.stringify(people));
    const tImport = Date.now();
    const imp = await runCli(binary, ['--database', db, 'contacts', 'import', contactsFile], env, 600_000);
    if (imp.code !== 0) throw new Error(`contacts import failed (${imp.code}):\n${imp.out.slice(-2000)}`);
    const secrets = new Map();  // fiscal code -> webhook secret, as printed once by the import
    for (const m of imp.out.matchAll(/^([A-Z0-9]{16}) webhook secret: (\S+)$/gm)) secrets.set(m[1], m[2]);
    const withWebhook = people.filter((p) => p.webhook).length;
    if (secrets.size !== withWebhook) problem(`contacts import printed ${secrets.size} webhook secrets for ${withWebhook} webhooks`);
    const contactsSeconds = (Date.now() - tImport) / 1000;

    server = new ServerProcess({ binary, db, env, port });
    await server.start();
    const operator = await login(base, 'operatore');
    log(`${recipients} destinatari (${withWebhook} con webhook, ${smtp.rejected.length} email rifiutate dal server), ` +
      `${workers} worker, ${kills} SIGKILL, ${smtpOutages}+${receiverOutages} interruzioni (seme ${seed})`);

    for (let w = 0; w < workers; w++) {
      const p = new WorkerProcess({ binary, db, env: workerEnv, name: `worker${w}` });
      p.start();
      procs.push(p);
    }

    // Progress: copies received by the peers (not the database: the chaos must not read it).
    const expected = recipients - smtp.rejected.length + withWebhook;
    const received = () => smtp.received.length + hooks.received.length;
    let loadDone = false;
    const harvester = (async () => {
      while (!loadDone) { await smtp.harvest(); hooks.harvest(); await sleep(50); }
    })();
    const waitProgress = async (share) => {
      while (!loadDone && received() < share * expected) await sleep(20);
      return !loadDone;
    };
    const points = (n) => Array.from({ length: n }, () => 0.03 + 0.85 * random()).sort((a, b) => a - b);

    // The sends: batches of at most 1,000 recipients, two requests at a time.
    const sends = [];
    const tLoad = Date.now();
    let firstDelivery = 0;
    const batches = [];
    for (let i = 0; i < codes.length; i += 1000) batches.push(codes.slice(i, i + 1000));
    let nextBatch = 0;
    async function sender() {
      while (nextBatch < batches.length) {
        const b = nextBatch++;
        const body = JSON.stringify({ recipients: batches[b], subject: `Comunicazione di prova ${tag} n. ${b}`,
          text: `Gentile destinatario,\n\nquesta è la comunicazione **${b}** della prova di affidabilità ${tag}.` });
        const res = await httpRequest(`${base}/api/v1/notifications`, { method: 'POST', body, timeoutMs: 120_000,
          headers: { cookie: operator.cookie, 'x-csrf-token': operator.csrf, 'content-type': 'application/json' } });
        stats.sends++;
        if (res.status >= 500) stats.api_5xx++;
        if (res.status !== 202) { problem(`POST /api/v1/notifications (batch ${b}): ${res.status} ${res.text.slice(0, 300)}`); continue; }
        if (res.json.recipients !== batches[b].length) problem(`batch ${b}: ${res.json.recipients} recipients accepted of ${batches[b].length}`);
        sends.push(res.json.id);
      }
    }

    const timeline = [];
    const mark = (what) => { timeline.push(`${((Date.now() - tLoad) / 1000).toFixed(1)}s ${what} (${received()} copie)`); log(timeline.at(-1)); };
    async function killer() {
      for (const at of points(kills)) {
        if (!(await waitProgress(at))) break;
        await sleep(random() * 100);
        const p = procs[Math.floor(random() * procs.length)];
        await p.kill('SIGKILL');
        stats.kills++;
        mark(`SIGKILL ${p.name}`);
        await sleep(random() * 500);  // the others go on meanwhile; its leases expire in 3 s
        p.start();
        stats.restarts++;
      }
    }
    async function outages(peer, n) {
      for (const at of points(n)) {
        if (!(await waitProgress(at))) break;
        await sleep(random() * 100);
        const down = 300 + random() * 1200;
        mark(`${peer === smtp ? 'server SMTP' : 'ricevitore webhook'} fermo per ${Math.round(down)} ms`);
        await peer.outage(down);
      }
    }
    const chaos = Promise.all([killer(), outages(smtp, smtpOutages), outages(hooks, receiverOutages)]);
    const firstSeen = (async () => { while (!received() && !loadDone) await sleep(5); firstDelivery = Date.now(); })();
    await Promise.all([sender(), sender()]);
    const sendSeconds = (Date.now() - tLoad) / 1000;

    // Until nothing is pending (API counts), or the deadline.
    const totals = async () => {
      const sum = { messages: {}, deliveries: {} };
      for (const id of sends) {
        const res = await httpRequest(`${base}/api/v1/notifications/${id}`, { headers: { cookie: operator.cookie } });
        if (res.status !== 200) { if (res.status >= 500) stats.api_5xx++; throw new Error(`GET /api/v1/notifications/${id}: ${res.status} ${res.text.slice(0, 200)}`); }
        for (const part of ['messages', 'deliveries'])
          for (const [k, v] of Object.entries(res.json[part])) sum[part][k] = (sum[part][k] || 0) + v;
      }
      return sum;
    };
    const busy = (s) => (s.messages.pending || 0) + (s.deliveries.created || 0) + (s.deliveries.sending || 0) + (s.deliveries['temporary-failure'] || 0);
    const deadline = Date.now() + settleMs;
    let counts = await totals();
    // The chaos points all lie below 88 % of the copies: they happen before the end (a deadline
    // guards the run if deliveries stop).
    let chaosDone = false;
    chaos.then(() => (chaosDone = true));
    while ((busy(counts) > 0 || !chaosDone) && Date.now() < deadline) {
      await sleep(250);
      counts = await totals();
    }
    const tEnd = Date.now();
    mark('niente più in sospeso');
    loadDone = true;
    await Promise.all([harvester, chaos, firstSeen]);
    if (busy(counts) > 0) problem(`after ${settleMs / 1000} s still pending: ${JSON.stringify(counts)}`);
    if (stats.kills < kills) problem(`only ${stats.kills} of ${kills} SIGKILLs happened`);
    if (smtp.outages < smtpOutages) problem(`only ${smtp.outages} of ${smtpOutages} SMTP outages happened`);
    if (hooks.outages < receiverOutages) problem(`only ${hooks.outages} of ${receiverOutages} receiver outages happened`);

    // Stop the workers cleanly (SIGTERM: a graceful stop must give claimed work back), then the peers.
    for (const p of procs) await p.kill('SIGTERM');
    for (const p of procs) for (const e of p.unexpectedExits) problem(`worker exited on its own: ${e}`);
    await smtp.stop();
    await hooks.stop();
    counts = await totals();

    // --- checks through the API ---
    const msgTotal = Object.values(counts.messages).reduce((a, b) => a + b, 0);
    if (sends.length !== batches.length) problem(`${sends.length} sends accepted of ${batches.length}`);
    if ((counts.messages.ready || 0) !== recipients || msgTotal !== recipients)
      problem(`messages: ${JSON.stringify(counts.messages)}, expected ${recipients} ready`);
    const allowed = new Set(['delivered', 'permanent-failure', 'technical-failure', 'cancelled']);
    for (const [k, v] of Object.entries(counts.deliveries))
      if (!allowed.has(k) && v) problem(`${v} deliveries left in status ${k}`);

    // --- per delivery, from the database ---
    const inList = sends.map((s) => `'${s.replace(/'/g, '')}'`).join(',');
    const rows = await queryDb(db, `SELECT n.id, n.message_id, n.channel, n.status, n.idempotency_key, n.next_attempt_at, ` +
      `n.attempts, n.reason, m.recipient FROM notifications n JOIN messages m ON m.id = n.message_id WHERE m.bulk_id IN (${inList})`);
    const attemptRows = await queryDb(db, `SELECT a.outcome, COUNT(*) FROM notification_attempts a JOIN notifications n ON ` +
      `n.id = a.notification_id JOIN messages m ON m.id = n.message_id WHERE m.bulk_id IN (${inList}) GROUP BY a.outcome`);
    const attempts = Object.fromEntries(attemptRows.map(([o, c]) => [o, Number(c)]));
    const byKey = new Map();
    const byChannel = { email: {}, webhook: {} };
    let missingReason = 0, stillDue = 0, apiMismatch = 0;
    for (const [id, mid, channel, status, key, next, att, reason, recipient] of rows) {
      byKey.set(key, { id, mid, channel, status, recipient, attempts: Number(att) });
      byChannel[channel] = byChannel[channel] || {};
      byChannel[channel][status] = (byChannel[channel][status] || 0) + 1;
      if (status !== 'delivered' && !reason) { missingReason++; problem(`delivery ${id} (${channel}) ${status} without a reason`); }
      if (next) { stillDue++; problem(`delivery ${id} (${channel}) ${status} still has a next attempt at ${next}`); }
    }
    const apiDelivered = counts.deliveries.delivered || 0;
    const dbDelivered = (byChannel.email.delivered || 0) + (byChannel.webhook.delivered || 0);
    if (apiDelivered !== dbDelivered) { apiMismatch++; problem(`API says ${apiDelivered} delivered, the rows ${dbDelivered}`); }
    const emailRows = rows.filter((r) => r[2] === 'email').length, hookRows = rows.filter((r) => r[2] === 'webhook').length;
    if (emailRows !== recipients) problem(`${emailRows} email deliveries for ${recipients} recipients`);
    if (hookRows !== withWebhook) problem(`${hookRows} webhook deliveries for ${withWebhook} webhook contacts`);
    // The refused addresses end in permanent failure (with a reason: checked above), the others delivered.
    const refused = new Set(smtp.rejected);
    const emailOf = new Map(people.map((p) => [p.fiscal_number, p.email]));
    let wrongOutcome = 0;
    for (const [, , channel, status, , , , , recipient] of rows) {
      const want = channel === 'email' && refused.has(emailOf.get(recipient)) ? 'permanent-failure' : 'delivered';
      if (status !== want) { wrongOutcome++; problem(`${channel} delivery to ${recipient}: ${status}, expected ${want}`); }
    }

    // Emails at the SMTP server.
    const emailCopies = new Map();  // idempotency key -> copies
    let foreignEmails = 0;
    for (const m of smtp.received) {
      const key = localPart(m.messageId);
      const d = byKey.get(key);
      if (!d) { if (key.startsWith('au-')) foreignEmails++; continue; }  // another suite's, on a shared database
      emailCopies.set(key, (emailCopies.get(key) || 0) + 1);
      if (d.channel !== 'email') problem(`email with the key of a ${d.channel} delivery: ${key}`);
      if (d.status !== 'delivered') problem(`email ${key} received but its delivery is ${d.status}`);
    }
    let emailsMissing = 0;
    for (const [key, d] of byKey) {
      if (d.channel === 'email' && d.status === 'delivered' && !emailCopies.has(key)) {
        emailsMissing++;
        problem(`email delivery ${d.id} recorded delivered, Message-ID <${key}@…> never reached the server`);
      }
    }
    const emailsReceived = [...emailCopies.values()].reduce((a, b) => a + b, 0);
    const emailDuplicates = emailsReceived - emailCopies.size;
    // A copy can only come from a send whose answer was lost: a worker killed between the
    // server's 250 and the commit, or the server stopped after taking the message. At most one
    // in flight per thread of each worker at such a moment.
    const dupBound = (stats.kills + smtp.outages) * threads * workers;
    if (emailDuplicates > dupBound)
      problem(`${emailDuplicates} duplicate emails, more than the ${dupBound} sends that can be in flight at a kill or outage`);

    // Webhooks at the receiver.
    const hookCopies = new Map();     // Webhook-Id -> copies
    const idsOfMessage = new Map();   // message id (in the body) -> Set of Webhook-Ids
    let badSignatures = 0, foreignHooks = 0;
    for (const r of hooks.received) {
      const id = r.headers['webhook-id'];
      const d = byKey.get(id);
      if (!d) { foreignHooks++; problem(`webhook with unknown Webhook-Id ${id}`); continue; }
      hookCopies.set(id, (hookCopies.get(id) || 0) + 1);
      let body = null;
      try { body = JSON.parse(r.body); } catch { problem(`webhook ${id}: body is not JSON`); }
      const mid = String(body?.message_id);
      if (mid !== d.mid) problem(`webhook ${id} names message ${mid}, its delivery belongs to ${d.mid}`);
      if (!idsOfMessage.has(mid)) idsOfMessage.set(mid, new Set());
      idsOfMessage.get(mid).add(id);
      const secret = secrets.get(d.recipient);
      if (!secret || !signatureOk(secret, r.headers, r.body)) { badSignatures++; problem(`webhook ${id}: signature not valid`); }
      const i = Number(r.path.split('/').pop());
      if (people[i]?.fiscal_number !== d.recipient) problem(`webhook ${id} reached ${r.path}, the address of someone else`);
    }
    const hooksDelivered = byChannel.webhook.delivered || 0;
    const hooksReceived = [...hookCopies.values()].reduce((a, b) => a + b, 0);
    let hooksMissing = 0;
    for (const [key, d] of byKey)
      if (d.channel === 'webhook' && d.status === 'delivered' && !hookCopies.has(key)) { hooksMissing++; problem(`webhook delivery ${d.id} recorded delivered, never received`); }
    if (hookCopies.size !== hooksDelivered) problem(`${hookCopies.size} distinct Webhook-Ids received, ${hooksDelivered} webhook deliveries delivered`);
    let twoIds = 0;
    for (const [mid, ids] of idsOfMessage) if (ids.size > 1) { twoIds++; problem(`message ${mid} reached the receiver under ${ids.size} Webhook-Ids`); }

    // Faults must have bitten: retries happened.
    if (!attempts['temporary-failure']) problem('no temporary failure recorded: the outages did not hit any delivery');

    const internalErrors = (server.log.match(/errore interno/g) || []).length;
    if (internalErrors) problem(`${internalErrors} "errore interno" in the server log`);
    const workerLog = procs.map((p) => p.log).join('\n');
    const loopErrors = (workerLog.match(/ciclo del worker non riuscito/g) || []).length;
    const lostLeases = (workerLog.match(/lease scaduta/g) || []).length;
    // "lease scaduta": a LIVE worker sent a delivery whose lease had already expired, so another
    // worker may have sent it too: a copy that no crash explains.
    if (lostLeases) problem(`${lostLeases} deliveries sent by a live worker after its lease had expired (another worker ` +
      `could claim them meanwhile): copies not caused by a crash or an outage`);
    const deliverySeconds = firstDelivery ? (tEnd - firstDelivery) / 1000 : 0;
    return {
      ok: problems.length === 0, problems, seed, tag, database: databaseUrl ? 'postgresql' : 'sqlite',
      recipients, workers, threads, kills: stats.kills, smtp_outages: smtp.outages, receiver_outages: hooks.outages,
      sends: sends.length, api_5xx: stats.api_5xx, messages: counts.messages, deliveries: counts.deliveries, by_channel: byChannel,
      attempts, webhook_contacts: withWebhook, refused_addresses: smtp.rejected.length,
      emails_received: emailsReceived, emails_distinct: emailCopies.size, email_duplicates: emailDuplicates, duplicate_bound: dupBound,
      emails_missing: emailsMissing, foreign_emails: foreignEmails,
      webhooks_received: hooksReceived, webhook_ids_distinct: hookCopies.size, webhooks_delivered: hooksDelivered,
      webhook_transport_duplicates: hooksReceived - hookCopies.size, webhooks_missing: hooksMissing, messages_with_two_ids: twoIds,
      bad_signatures: badSignatures, foreign_webhooks: foreignHooks, missing_reason: missingReason, still_due: stillDue,
      wrong_outcome: wrongOutcome, api_mismatch: apiMismatch, worker_loop_errors: loopErrors, lost_leases: lostLeases,
      contacts_import_seconds: Number(contactsSeconds.toFixed(1)), send_seconds: Number(sendSeconds.toFixed(1)),
      delivery_seconds: Number(deliverySeconds.toFixed(1)),
      deliveries_per_second: deliverySeconds ? Math.round((emailCopies.size + hookCopies.size) / deliverySeconds) : 0,
      seconds: Number(((Date.now() - t0) / 1000).toFixed(1)), timeline,
    };
  } catch (e) {
    e.message += `\n--- server log (tail) ---\n${server?.log.slice(-2000) ?? ''}` +
      procs.map((p) => `\n--- ${p.name} log (tail) ---\n${p.log.slice(-2000)}`).join('');
    throw e;
  } finally {
    for (const p of procs) { await p.kill('SIGKILL').catch(() => {}); p.dispose(); }
    if (server) { await server.stop('SIGKILL').catch(() => {}); server.dispose(); }
    await smtp.stop().catch(() => {});
    await hooks.stop().catch(() => {});
    await provider?.stop().catch(() => {});
    if (process.env.AU_KEEP_TMP) {
      for (const p of procs) writeFileSync(path.join(dir, `${p.name}.log`), p.log);
      console.error(`kept ${dir}`);
    }
    else rmSync(dir, { recursive: true, force: true });
  }
}

export function summaryText(s) {
  const kv = (o) => Object.entries(o || {}).map(([k, v]) => `${k} ${v}`).join(', ') || '–';
  return [
    `affidabilità notifiche (${s.database}): ${s.recipients} destinatari, ${s.workers} worker × ${s.threads} thread, ` +
      `${s.kills} SIGKILL, ${s.smtp_outages} interruzioni SMTP, ${s.receiver_outages} del ricevitore webhook, seme ${s.seed}`,
    `  invii API ${s.sends} (5xx: ${s.api_5xx}); messaggi: ${kv(s.messages)}; consegne: ${kv(s.deliveries)}`,
    `  email: ${kv(s.by_channel?.email)}; webhook: ${kv(s.by_channel?.webhook)}; tentativi: ${kv(s.attempts)}`,
    `  email ricevute dal server ${s.emails_received} (Message-ID distinti ${s.emails_distinct}, copie doppie ${s.email_duplicates}, ` +
      `limite ${s.duplicate_bound}); consegnate ma mai arrivate ${s.emails_missing}`,
    `  webhook ricevuti ${s.webhooks_received}: Webhook-Id distinti ${s.webhook_ids_distinct} = consegnati ${s.webhooks_delivered}? ` +
      `ripetizioni con lo stesso id ${s.webhook_transport_duplicates}; messaggi con due id ${s.messages_with_two_ids}; firme non valide ${s.bad_signatures}`,
    `  errori del ciclo dei worker ${s.worker_loop_errors}, esiti scartati per lease scaduta ${s.lost_leases}; ` +
      `recapiti importati in ${s.contacts_import_seconds} s, invii in ${s.send_seconds} s, consegne in ${s.delivery_seconds} s ` +
      `(${s.deliveries_per_second}/s con i guasti); totale ${s.seconds} s`,
    s.ok ? '  ESITO: ogni notifica consegnata o in errore definitivo con motivo, nessuna persa, nessun webhook doppio'
      : `  ESITO: ${s.problems.length} problemi:\n    ` + s.problems.slice(0, 25).join('\n    '),
  ].join('\n');
}

async function main() {
  const a = { recipients: 10000, kills: 10, workers: 2, 'smtp-outages': 4, 'receiver-outages': 4,
    database: process.env.AU_TEST_DATABASE_URL || '' };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in a) && k !== 'json' && k !== 'seed') { console.error(`opzione sconosciuta: ${argv[i]}`); process.exit(2); }
    a[k] = argv[i + 1];
  }
  const s = await runNotificationReliability({ recipients: Number(a.recipients), kills: Number(a.kills), workers: Number(a.workers),
    smtpOutages: Number(a['smtp-outages']), receiverOutages: Number(a['receiver-outages']), databaseUrl: a.database,
    seed: a.seed ? Number(a.seed) : undefined, settleMs: 600_000, log: (m) => console.error('==> ' + m) });
  console.log(summaryText(s));
  if (a.json) writeFileSync(a.json, JSON.stringify(s, null, 2));
  process.exit(s.ok ? 0 : 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error('errore:', e.stack || e.message); process.exit(1); });
}
