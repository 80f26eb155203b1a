// Shared harness of the notification suites (delivery, api, reminders): the real binary with the
// demo OpenID provider and a registered back office of Perugia (ModI-signed InteropClient), and
// the real peers of every channel started FIRST so their addresses go into the portal's
// environment: an SMTP server (tests/support/smtp-sink.mjs), the App IO fake
// (tools/io-fake/io-fake.mjs), the SMS gateway stand-in (tools/sms-gateway/sms-gateway.mjs).
// Retries and polling are shortened so faults heal in seconds.
//
//   const hub = await startNotifyHub({ people: ['senza-canali', 'rimbalzo'] });
//   after(stopNotifyHub);
//   hub.base, hub.perugia (InteropClient), hub.cli(args), hub.sql(text), hub.sink, hub.io, hub.sms,
//   hub.person('rimbalzo') -> { id, cf, email, given }, await hub.login('cittadino')
//
// `people`: extra people known to the provider, each with a fresh random fiscal code (so suites
// sharing a PostgreSQL database never see each other's), an email only when the name does not
// start with "senza-". On PostgreSQL (AU_TEST_DATABASE_URL) nothing assumes empty tables: every
// lookup filters by this run's practices, titles or subjects.
//
// Waiting is always "poll until true or a deadline", never a fixed sleep: waitFor().
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../browser/harness.mjs';
import { startPortalWithLogin, stopPortalWithLogin, cookieFrom, demoPeople, fiscalCodeOf } from '../support/portal-login.mjs';
import { loginWithoutBrowser } from '../support/oidc-provider.mjs';
import { startSmtpSink } from '../support/smtp-sink.mjs';
import { startIoFake } from '../../tools/io-fake/io-fake.mjs';
import { startSmsGateway } from '../../tools/sms-gateway/sms-gateway.mjs';
import { generateKey, InteropClient, practiceEvent } from '../../tools/backoffice-simulator/modi-client.mjs';
import { apiCall } from '../identity/access-helpers.mjs';

export { apiCall };
export { romeToday, romeDay, addDays, at10, nextWorkingDay, request } from '../practices/hub.mjs';

export const PERUGIA = 'comune-054039';
export const SERVICE = 'passo-carrabile';
export const MARIA = fiscalCodeOf('cittadino');
export const OPERATORE = fiscalCodeOf('operatore');
export const IO_KEY = 'chiave-io-di-prova';
export const SMS_TOKEN = 'token-sms-di-prova';
const MAPPING_FILE = path.join(repoRoot, 'data', 'demo', 'backoffice', 'vbg-perugia-stati.json');

export const tag = randomBytes(3).toString('hex');
let seq = 0;
/** Unique to this run (titles, references, event ids). */
export const unique = (what) => `${what}-${tag}-${++seq}`;

// ---------------------------------------------------------------------------------------------
// Fiscal codes
// ---------------------------------------------------------------------------------------------

const ODD = { 0: 1, 1: 0, 2: 5, 3: 7, 4: 9, 5: 13, 6: 15, 7: 17, 8: 19, 9: 21, A: 1, B: 0, C: 5, D: 7, E: 9, F: 13, G: 15,
  H: 17, I: 19, J: 21, K: 2, L: 4, M: 18, N: 20, O: 11, P: 3, Q: 6, R: 8, S: 12, T: 14, U: 16, V: 10, W: 22, X: 25, Y: 24, Z: 23 };
const even = (c) => (/\d/.test(c) ? Number(c) : c.charCodeAt(0) - 65);

/** The check character of the first 15 characters of a personal fiscal code. */
export function checkCharacter(first15) {
  let sum = 0;
  for (let i = 0; i < 15; i++) sum += i % 2 === 0 ? ODD[first15[i]] : even(first15[i]);
  return String.fromCharCode(65 + (sum % 26));
}
assert.equal(checkCharacter('RSSMRA85C52G478'), 'I', 'the check character algorithm');

/** A random, valid personal fiscal code (born in Perugia, G478). */
export function randomFiscalCode() {
  const letter = () => String.fromCharCode(65 + randomInt(26));
  const head = Array.from({ length: 6 }, letter).join('');
  const year = String(randomInt(40, 99));
  const month = 'ABCDEHLMPRST'[randomInt(12)];
  const day = String(randomInt(1, 29) + (randomInt(2) ? 40 : 0)).padStart(2, '0');
  const first15 = `${head}${year}${month}${day}G478`;
  return first15 + checkCharacter(first15);
}

// ---------------------------------------------------------------------------------------------
// Polling
// ---------------------------------------------------------------------------------------------

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `fn` until it returns a truthy value (returned) or `timeout` ms pass: then fails with
 * `what` and the last value seen. Never a fixed sleep.
 */
export async function waitFor(what, fn, { timeout = 20_000, step = 100 } = {}) {
  const until = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > until) assert.fail(`timed out (${timeout} ms) waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 600)}`);
    await sleep(step);
  }
}

// ---------------------------------------------------------------------------------------------
// The hub
// ---------------------------------------------------------------------------------------------

let hub = null;
let keysDir = null;
const exec = promisify(execFile);

/**
 * Starts the peers, the provider and the portal. Options: env (more AU_* variables, they win
 * over the defaults here), people (extra people ids), channels ({smtp, io, sms}: false to leave
 * a channel unconfigured).
 */
export async function startNotifyHub({ env = {}, people = [], channels = {} } = {}) {
  const want = { smtp: true, io: true, sms: true, ...channels };
  const extra = people.map((id) => {
    const cf = randomFiscalCode();
    const given = id.replace(/-/g, ' ');
    return {
      id,
      label: `${given} (prova notifiche)`,
      given_name: `Persona ${given}`,
      family_name: `Prova ${tag}`,
      ...(id.startsWith('senza-') ? {} : { email: `${id}-${tag}@example.org` }),
      fiscal_number: `TINIT-${cf}`,
      acr: 'https://www.spid.gov.it/SpidL2',
      roles: [],
    };
  });
  const sink = want.smtp ? await startSmtpSink() : null;
  const io = want.io ? await startIoFake({ key: IO_KEY, profiles: { [MARIA]: { sender_allowed: true } } }) : null;
  const sms = want.sms ? await startSmsGateway({ token: SMS_TOKEN }) : null;
  keysDir = mkdtempSync(path.join(os.tmpdir(), 'au-notify-hub-'));
  const key = generateKey('ES256');
  const clientId = `test-notify-${tag}`;
  const channelEnv = {
    ...(sink ? { AU_SMTP_URL: `smtp://127.0.0.1:${sink.smtpPort}`, AU_SMTP_FROM: 'avvisi@umbriasemplice.it' } : {}),
    ...(io ? { AU_IO_BASE_URL: io.baseUrl, AU_IO_API_KEY: IO_KEY } : {}),
    ...(sms ? { AU_SMS_URL: sms.url, AU_SMS_TOKEN: SMS_TOKEN } : {}),
  };
  let runCli = null;
  let database = null;
  hub = { sink, io, sms, peers: [sink, io, sms].filter(Boolean) };
  try {
    const { base } = await startPortalWithLogin({
      people: [...demoPeople, ...extra],
      env: {
        ...channelEnv,
        AU_NOTIFY_POLL_MS: '100',
        AU_NOTIFY_RETRY_BASE_MS: '200',
        AU_NOTIFY_RETRY_CAP_MS: '1000',
        AU_NOTIFY_CHANNEL_TIMEOUT_MS: '2000',
        AU_NOTIFY_LEASE_MS: '15000',
        AU_NOTIFY_SCHEDULER_MS: '3600000',
        AU_NOTIFY_WEBHOOK_PRIVATE_NETWORKS: '1', // the webhook receivers listen on 127.0.0.1
        ...env,
      },
      setup: async (run, db) => {
        runCli = run;
        database = db;
        const jwks = path.join(keysDir, 'perugia.jwks.json');
        writeFileSync(jwks, JSON.stringify({ keys: [key.publicJwk] }));
        await run(['--database', db, 'backoffice', 'register', '--client-id', clientId, '--ente', PERUGIA,
          '--system', 'VBG', '--name', `Back office notifiche ${tag}`, '--keys', jwks, '--mapping', MAPPING_FILE]);
      },
    });
    Object.assign(hub, {
      base,
      db: database,
      perugia: new InteropClient({ base, clientId, privateJwk: key.privateJwk }),
      people: Object.fromEntries(extra.map((p) => [p.id, { id: p.id, cf: p.fiscal_number.slice(6), email: p.email ?? null, given: p.given_name }])),
      /** The CLI on the portal's database (with the portal's environment); resolves with its output. */
      cli: (args) => runCli(['--database', database, ...args]),
      sql: (text) => sql(database, text),
      dir: keysDir,
    });
  } catch (e) {
    await stopNotifyHub();
    throw e;
  }
  return hub;
}

export async function stopNotifyHub() {
  await stopPortalWithLogin().catch(() => {});
  if (hub) for (const p of hub.peers) await p.stop().catch(() => {});
  hub = null;
  if (keysDir) rmSync(keysDir, { recursive: true, force: true });
  keysDir = null;
}

/** Stops the SMTP server; the returned function starts a new one on the same port. */
export async function stopSmtpForAWhile() {
  const port = hub.sink.smtpPort;
  const old = hub.sink;
  await old.stop();
  hub.peers = hub.peers.filter((p) => p !== old);
  return async () => {
    hub.sink = await startSmtpSink({ port });
    hub.peers.push(hub.sink);
    return hub.sink;
  };
}

async function sql(db, text) {
  if (db.startsWith('sqlite:')) return (await exec('sqlite3', [db.slice('sqlite:'.length), text])).stdout;
  return (await exec('psql', [db, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', text])).stdout;
}

/**
 * Logs in a demo or extra person through the provider, as portal-login.mjs loginAs() does (which
 * knows the demo people only): { cookie, csrf, fiscalCode }.
 */
export async function login(id) {
  const start = await fetch(`${hub.base}/auth/login?ritorno=%2Farea-personale`, { redirect: 'manual' });
  assert.equal(start.status, 302, `login start: ${start.status}`);
  const loginCookie = cookieFrom(start.headers.getSetCookie(), 'au_login');
  const callback = await loginWithoutBrowser(start.headers.get('location'), id);
  const cb = await fetch(callback, { redirect: 'manual', headers: { cookie: loginCookie } });
  assert.equal(cb.status, 302, `login callback of ${id}: ${cb.status} ${(await cb.text()).slice(0, 300)}`);
  const cookie = cookieFrom(cb.headers.getSetCookie(), 'au_session');
  const html = await (await fetch(`${hub.base}/area-personale`, { headers: { cookie } })).text();
  const csrf = (html.match(/name="csrf" value="([^"]+)"/) || [])[1];
  assert.ok(cookie && csrf, `a session and a CSRF token for ${id}`);
  const extra = hub.people[id];
  return { cookie, csrf, fiscalCode: extra ? extra.cf : fiscalCodeOf(id) };
}

// ---------------------------------------------------------------------------------------------
// Practices
// ---------------------------------------------------------------------------------------------

/** A CloudEvent of the practices vocabulary from the Perugia back office. */
export function ev(type, subject, data = {}, { time } = {}) {
  return practiceEvent({ source: `urn:vbg:test:${hub.perugia.clientId}`, id: unique('ev'), type, subject, time, data });
}

/** Opens a practice of Perugia for `applicant` ({id, name}); asserts 201; returns { id, title }. */
export async function openPractice(applicant, extra = {}) {
  const title = `Passo carrabile ${unique('pratica')}`;
  const r = await hub.perugia.open({
    service: SERVICE,
    reference: unique('VBG'),
    title,
    applicant,
    backoffice_url: 'https://suape.comune.perugia.it/pratiche/1',
    status_code: 'AT',
    status_label: 'Presentata',
    ...extra,
  });
  assert.equal(r.status, 201, `open: ${r.status} ${r.text}`);
  return { id: r.json.id, title };
}

/** Sends events from Perugia; asserts 200. */
export async function send(...events) {
  for (const e of events) {
    const r = await hub.perugia.send(e);
    assert.equal(r.status, 200, `event ${e.type}: ${r.status} ${r.text}`);
  }
}

/** The practice as the back office reads it back (deadline, open requests). */
export async function practiceDetail(id) {
  const r = await hub.perugia.read(id, 'verifica del test');
  assert.equal(r.status, 200, `read back ${id}: ${r.status} ${r.text}`);
  return r.json;
}

// ---------------------------------------------------------------------------------------------
// The inbox, as a person
// ---------------------------------------------------------------------------------------------

/** GET /api/v1/messages as `who` (a login), asserts 200; returns { messages, unread, next_before }. */
export async function inbox(who, query = 'limite=100') {
  const r = await apiCall(hub.base, 'GET', `/api/v1/messages?${query}`, who);
  assert.equal(r.status, 200, `inbox: ${r.status} ${r.body.slice(0, 300)}`);
  return r.json;
}

/** Waits until a message matching `pred` is in the inbox of `who`; returns it. */
export function waitForMessage(who, what, pred, opts) {
  return waitFor(`message ${what} in the inbox`, async () => (await inbox(who)).messages.find(pred), opts);
}

/** GET /api/v1/messages/{id} as `who`, asserts 200; returns the message with its deliveries. */
export async function messageDetail(who, id) {
  const r = await apiCall(hub.base, 'GET', `/api/v1/messages/${id}`, who);
  assert.equal(r.status, 200, `message ${id}: ${r.status} ${r.body.slice(0, 300)}`);
  return r.json;
}

/** Waits until the message's delivery on `channel` satisfies `pred`; returns the delivery. */
export function waitForDelivery(who, id, channel, pred, opts) {
  return waitFor(`the ${channel} delivery of message ${id}`, async () => {
    const d = (await messageDetail(who, id)).deliveries.find((x) => x.channel === channel);
    return d && pred(d) ? d : null;
  }, opts);
}

/** Emails at the (current) sink whose subject contains `text`. */
export async function emailsAbout(text) {
  return (await hub.sink.messages()).filter((m) => m.subject.includes(text));
}

/** Puts a person's choices back to the defaults (shared PostgreSQL database). */
export async function resetPreferences(who, services = [SERVICE]) {
  const on = { email: true, io: true, sms: true, webhook: true };
  const r = await apiCall(hub.base, 'PUT', '/api/v1/notification-preferences', who, {
    contacts: { email: null, sms: null, webhook: null },
    channels: on,
    services: Object.fromEntries(services.map((s) => [s, on])),
    quiet_hours: null,
  });
  assert.equal(r.status, 200, `reset preferences: ${r.status} ${r.body.slice(0, 300)}`);
}
