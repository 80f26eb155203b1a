// Shared helpers of the practices-hub suites (interop, attacks, practices API, OpenAPI): the
// portal with the demo OpenID provider plus two back-office clients registered through the CLI
// before serving (Perugia: ES256, Terni: RS256, both with the VBG state-code mapping), signed
// requests, dates in the Rome calendar and the deadline rules of src/domain/deadlines.h.
//
//   const hub = await startHub();        // { base, perugia, terni, cli(args), sql(text), ... }
//   after(stopHub);
//
// On PostgreSQL the files of the suite share one database: client ids and references carry a
// random tag, so files never see each other's clients and practices by accident.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, binary, freePort } from '../browser/harness.mjs';
import { startPortalWithLogin, stopPortalWithLogin } from '../support/portal-login.mjs';
import { generateKey, InteropClient, modiHeaders, practiceEvent, rawRequest } from '../../tools/backoffice-simulator/modi-client.mjs';

export { generateKey, InteropClient, modiHeaders, practiceEvent, rawRequest };

export const PERUGIA = 'comune-054039';
export const TERNI = 'comune-055032';
export const MAPPING_FILE = path.join(repoRoot, 'data', 'demo', 'backoffice', 'vbg-perugia-stati.json');
export const SERVICE = 'passo-carrabile';
// Fiscal codes of the demo people (data/demo/people.json) and one of nobody we know.
export const CF = {
  cittadino: 'RSSMRA85C52G478I',
  professionista: 'VRDLCU78S23L117P',
  impresa: 'BNCGNN70L04D653N',
};

const tag = randomBytes(3).toString('hex');
let seq = 0;
/** A reference (or id) unique to this run: suites sharing a PostgreSQL database never clash. */
export const unique = (what) => `${what}-${tag}-${++seq}`;

let hub = null;
let keysDir = null;

/**
 * Starts the provider + portal and registers two clients (more with `extraClients`:
 * [{ name, ente, alg }]). Returns { base, perugia, terni, clients, cli, sql, db }.
 * `env`: extra portal environment (e.g. API limits).
 */
export async function startHub({ env = {}, extraClients = [] } = {}) {
  keysDir = mkdtempSync(path.join(os.tmpdir(), 'au-hub-keys-'));
  const specs = [
    { name: 'perugia', ente: PERUGIA, alg: 'ES256' },
    { name: 'terni', ente: TERNI, alg: 'RS256' },
    ...extraClients,
  ].map((c) => ({ ...c, clientId: `test-${c.name}-${tag}`, key: generateKey(c.alg) }));
  let runCli = null;
  let database = null;
  const { base } = await startPortalWithLogin({
    env,
    setup: async (run, db) => {
      runCli = run;
      database = db;
      for (const c of specs) await registerClient(run, db, c.clientId, c.ente, [c.key.publicJwk]);
    },
  });
  const clients = {};
  for (const c of specs) {
    clients[c.name] = new InteropClient({ base, clientId: c.clientId, privateJwk: c.key.privateJwk });
    clients[c.name].key = c.key;
    clients[c.name].ente = c.ente;
  }
  hub = {
    base,
    db: database,
    clients,
    perugia: clients.perugia,
    terni: clients.terni,
    /** Runs the CLI against the portal's database (the server keeps running). */
    cli: (args) => runCli(['--database', database, ...args]),
    /** Registers (or re-registers) a client with these public JWKs, while the server runs. */
    register: (clientId, ente, publicJwks) => registerClient(runCli, database, clientId, ente, publicJwks),
    /** One SQL statement on the portal's database (sqlite3 or psql): for what no CLI does. */
    sql: (text) => sql(database, text),
  };
  return hub;
}

/**
 * A second node on the same database, with the same canonical origin (so the tokens' `aud` is
 * the same), as behind a load balancer. Returns { base, stop() }.
 */
export async function startSecondNode() {
  const index = mkdtempSync(path.join(os.tmpdir(), 'au-hub-node2-'));
  const listen = `127.0.0.1:${await freePort()}`;
  const env = { ...process.env, AU_SEARCH_INDEX: index, AU_SHARE_DIR: repoRoot, AU_BASE_URL: hub.base };
  const child = spawn(binary, ['--database', hub.db, '--listen', listen, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log = (log + d).slice(-4000)));
  child.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  const node = {
    base: `http://${listen}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
      }
      rmSync(index, { recursive: true, force: true });
    },
  };
  extraNodes.push(node);
  const ready = await eventually(async () => {
    if (child.exitCode !== null) return true;
    try { return (await fetch(`${node.base}/status`)).status === 200; } catch { return false; }
  }, 120_000, 250);
  if (!ready || child.exitCode !== null) {
    await node.stop();
    throw new Error(`second node did not start:\n${log}`);
  }
  return node;
}
const extraNodes = [];

export async function stopHub() {
  for (const n of extraNodes.splice(0)) await n.stop();
  hub = null;
  await stopPortalWithLogin();
  if (keysDir) rmSync(keysDir, { recursive: true, force: true });
  keysDir = null;
}

async function registerClient(run, db, clientId, ente, publicJwks) {
  const file = path.join(keysDir, `${clientId}-${randomBytes(4).toString('hex')}.jwks.json`);
  writeFileSync(file, JSON.stringify({ keys: publicJwks }));
  await run(['--database', db, 'backoffice', 'register', '--client-id', clientId, '--ente', ente,
    '--system', 'VBG', '--name', `Back office di prova ${clientId}`, '--keys', file, '--mapping', MAPPING_FILE]);
}

const exec = promisify(execFile);
async function sql(db, text) {
  if (db.startsWith('sqlite:')) return (await exec('sqlite3', [db.slice('sqlite:'.length), text])).stdout;
  return (await exec('psql', [db, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', text])).stdout;
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

export const sha256Digest = (body) => 'SHA-256=' + createHash('sha256').update(body).digest('base64');

/** A valid opening document for the cittadina (or `applicant`), with `extra` members. */
export function opening(extra = {}) {
  return {
    service: SERVICE,
    reference: unique('VBG'),
    title: 'Passo carrabile - Via dei Priori 12',
    applicant: { id: CF.cittadino, name: 'Maria Rossi' },
    backoffice_url: 'https://suape.comune.perugia.it/pratiche/1',
    status_code: 'AT',
    status_label: 'Presentata',
    ...extra,
  };
}

/** Opens a practice and asserts 201; returns the body ({ id, reference, ... }). */
export async function openPractice(client, extra = {}) {
  const doc = opening(extra);
  const r = await client.open(doc);
  assert.equal(r.status, 201, `open ${doc.reference}: ${r.status} ${r.text}`);
  assert.match(r.json.id, /^pr-/);
  return { ...r.json, doc };
}

/** A CloudEvent of the vocabulary about `subject`, with a unique id and this client's source. */
export function ev(client, type, subject, data = {}, { time, id } = {}) {
  return practiceEvent({ source: `urn:vbg:test:${client.clientId}`, id: id ?? unique('ev'), type, subject, time, data });
}

/** Reads a practice back through the interop API; asserts 200 and returns the detail. */
export async function readBack(client, id, reason) {
  const r = await client.read(id, reason);
  assert.equal(r.status, 200, `read back ${id}: ${r.status} ${r.text}`);
  return r.json;
}

/** Asserts an RFC 9457 problem with that status; returns the body. */
export function assertProblem(r, status, what = '') {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status}: ${(r.text ?? '').slice(0, 400)}`);
  assert.match(r.headers['content-type'] ?? '', /^application\/problem\+json/, `${what}: Content-Type`);
  assert.ok(r.json && typeof r.json === 'object', `${what}: the body is JSON`);
  assert.equal(r.json.status, status, `${what}: problem "status"`);
  assert.ok(r.json.title?.length > 0 && r.json.detail?.length > 0, `${what}: title and detail`);
  return r.json;
}

/** The `errors` paths of a 422/404/403 problem. */
export const errorPaths = (body) => (body.errors ?? []).map((e) => e.path);

/**
 * One HTTP request with node:http that tolerates a server answering before it has read the
 * body (413 on Content-Length) and closing: resolves with the answer when one arrived.
 * Returns { status, headers (lower-case names), text, json }.
 */
export function request(url, { method = 'GET', headers = {}, body = '' } = {}) {
  return new Promise((resolve, reject) => {
    let answered = null;
    const req = http.request(url, { method, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        answered = { status: res.statusCode, headers: res.headers, text, json };
        resolve(answered);
      });
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${url}: no answer in 60 s`)));
    req.on('error', (e) => { if (!answered) setTimeout(() => (answered ? resolve(answered) : reject(e)), 200); });
    req.end(body);
  });
}

/** A POST whose body may be refused before it is read (see request()). */
export const postLarge = (url, headers, body) => request(url, { method: 'POST', headers, body });

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Retries `fn` until it returns a truthy value or `ms` pass; returns the last value. */
export async function eventually(fn, ms = 8000, step = 250) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > until) return v;
    await sleep(step);
  }
}

// ---------------------------------------------------------------------------------------------
// Dates: the Rome calendar and the rules of src/domain/deadlines.h
// ---------------------------------------------------------------------------------------------

/** Today in Italy, YYYY-MM-DD (the date the projection calls "today"). */
export const romeToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date());

/** YYYY-MM-DD plus `n` days. */
export function addDays(date, n) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Rome today plus `n` days. */
export const romeDay = (n) => addDays(romeToday(), n);

/** An instant on that day at 10:00 UTC (11:00 or 12:00 in Rome: the same calendar day). */
export const at10 = (date) => `${date}T10:00:00Z`;

function easterSunday(y) {
  // Anonymous Gregorian computus.
  const a = y % 19, b = Math.floor(y / 100), c = y % 100, d = Math.floor(b / 4), e = b % 4;
  const f = Math.floor((b + 8) / 25), g = Math.floor((b - f + 1) / 3), h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4), k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31), day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Sunday or Italian national holiday (calendar.h). */
export function isHoliday(date) {
  if (new Date(`${date}T00:00:00Z`).getUTCDay() === 0) return true;
  const y = Number(date.slice(0, 4));
  const md = date.slice(5);
  const fixed = ['01-01', '01-06', '04-25', '05-01', '06-02', '08-15', '11-01', '12-08', '12-25', '12-26'];
  if (y >= 2026) fixed.push('10-04');
  const easter = easterSunday(y);
  return fixed.includes(md) || date === easter || date === addDays(easter, 1);
}

/** A last day on a Sunday or holiday moves to the next day that is not one (art. 2963 c.c.). */
export function nextWorkingDay(date) {
  let d = date;
  while (isHoliday(d)) d = addDays(d, 1);
  return d;
}
