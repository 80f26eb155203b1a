// Outbound webhooks of the practices hub end to end (src/practices/webhooks.h, the contract for
// receivers; src/api/webhooks_api.h, the subscriptions API): real receivers on 127.0.0.1 record
// what the dispatcher sends, events come from ModI-signed back offices as in production, and
// signatures are checked here with node:crypto exactly as docs/INTEROP.md §6 tells integrators.
// The portal runs with short retry delays (AU_WEBHOOK_*): retries and dead letters take seconds.
//
//   AU_BINARY=$PWD/build/accesso-unico node --test tests/practices/webhooks.test.mjs
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { loginAs } from '../support/portal-login.mjs';
import { registerApp, tokenFor } from '../identity/access-helpers.mjs';
import {
  startHub, stopHub, openPractice, ev, unique, request, assertProblem, errorPaths, eventually, sleep, CF, PERUGIA, TERNI,
} from './hub.mjs';

const PREFIX = 'it.umbria.accessounico.pratica.';
const MAX_ATTEMPTS = 3;
const WAIT = 30_000; // a retry is due within 100-400 ms and picked up by the 1 s poll

let hub;
const who = {};
const receivers = [];
const created = []; // [{ as, id }]: deactivated after each test (PostgreSQL runs share the ente's quota)

before(async () => {
  hub = await startHub({
    env: { AU_WEBHOOK_BACKOFF_BASE_MS: '100', AU_WEBHOOK_TIMEOUT_MS: '3000', AU_WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS) },
  });
  for (const id of ['operatore', 'cittadino', 'professionista']) who[id] = await loginAs(id);
}, { timeout: 300_000 });

// A misbehaving receiver left subscribed would slow every later delivery (one dispatcher thread).
const retire = async () => {
  for (const { as, id } of created.splice(0)) await api('DELETE', `/${id}`, as).catch(() => {});
};
afterEach(retire);

after(async () => {
  await retire();
  for (const r of receivers) {
    r.server.closeAllConnections();
    await new Promise((ok) => r.server.close(ok));
  }
  await stopHub();
}, { timeout: 120_000 });

// --- helpers -----------------------------------------------------------------------------------

/** A call under /api/v1/webhooks as a person ({cookie, csrf}), an app ({bearer}) or nobody. */
async function api(method, path, as = null, { body, raw, contentType = 'application/json', csrf = true, headers = {} } = {}) {
  const h = {};
  if (as?.cookie) h.cookie = as.cookie;
  if (as?.cookie && csrf && method !== 'GET' && method !== 'HEAD') h['X-CSRF-Token'] = as.csrf;
  if (as?.bearer) h.authorization = `Bearer ${as.bearer}`;
  const text = raw ?? (body === undefined ? '' : JSON.stringify(body));
  if (text) h['Content-Type'] = contentType;
  const r = await request(`${hub.base}/api/v1/webhooks${path}`, { method, headers: { ...h, ...headers }, body: text });
  assert.ok(r.status < 500, `${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
  return r;
}

async function subscribe(as, body) {
  const r = await api('POST', '', as, { body });
  assert.equal(r.status, 201, `subscribe ${JSON.stringify(body).slice(0, 200)}: ${r.text.slice(0, 300)}`);
  created.push({ as, id: r.json.id });
  return r.json;
}

async function deliveries(as, id) {
  const r = await api('GET', `/${id}/deliveries?limit=200`, as);
  assert.equal(r.status, 200, r.text);
  return r.json.deliveries;
}

/** The delivery of the event with that sequence, once `done(d)` holds (or the last seen). */
async function deliveryOf(as, subscription, sequence, done = () => true) {
  let last;
  await eventually(async () => {
    last = (await deliveries(as, subscription)).find((d) => d.event_sequence === sequence);
    return last && done(last);
  }, WAIT, 200);
  assert.ok(last, `no delivery of event ${sequence} for ${subscription}`);
  return last;
}

/**
 * A receiver on 127.0.0.1: records every request; `answer(request, nth)` gives the status, or
 * { status, body } (nth = how many requests for that event id so far, this one included).
 */
async function receiver(answer = () => 200) {
  const r = { requests: [], answer };
  r.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let json = null;
      try { json = JSON.parse(raw); } catch { /* recorded as is */ }
      const got = { method: req.method, url: req.url, headers: req.headers, raw, json };
      r.requests.push(got);
      const a = await r.answer(got, r.requests.filter((x) => x.json?.id === json?.id).length);
      const { status, body } = typeof a === 'number' ? { status: a, body: a < 300 ? 'ricevuto' : 'errore' } : a;
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(body);
    });
  });
  await new Promise((ok) => r.server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${r.server.address().port}/eventi?canale=${unique('c')}`;
  r.of = (eventId) => r.requests.filter((x) => x.json?.id === eventId);
  r.got = (eventId, n = 1) => eventually(() => r.of(eventId).length >= n, WAIT, 100);
  receivers.push(r);
  return r;
}

/**
 * The receiver's check, as documented: key = the secret's bytes (base64url), HMAC-SHA256 over
 * "id.timestamp.body", base64 with the "v1," prefix, compared in constant time; timestamps more
 * than 5 minutes away are refused.
 */
function verifies(secret, { id, timestamp, signature, body }, now = Math.floor(Date.now() / 1000)) {
  if (!/^\d{1,12}$/.test(timestamp ?? '') || Math.abs(now - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret, 'base64url');
  const expected = Buffer.from('v1,' + createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64'));
  return (signature ?? '').split(' ').some((s) => {
    const b = Buffer.from(s);
    return b.length === expected.length && timingSafeEqual(b, expected);
  });
}
const signed = (got) => ({
  id: got.headers['webhook-id'], timestamp: got.headers['webhook-timestamp'], signature: got.headers['webhook-signature'], body: got.raw,
});

/** Pushes one event through the interop API; returns { event, sequence }. */
async function push(client, type, subject, data) {
  const event = ev(client, type, subject, data);
  const r = await client.send(event);
  assert.equal(r.status, 200, r.text);
  return { event, sequence: r.json.sequence };
}
const message = (client, subject) => push(client, 'messaggio', subject, { text: `Aggiornamento ${unique('m')}` });

async function app(owner, name, scopes, environment) {
  const reg = await registerApp(hub.base, who[owner], { name: `${name} ${unique('wh')}`, scopes, environment });
  assert.equal(reg.status, 200, `registering ${name}: ${reg.status}`);
  return { bearer: await tokenFor(hub.base, reg.clientId, reg.secret) };
}

// --- the delivery contract ---------------------------------------------------------------------

test('an operator subscribes, sees the secret once, and receives Perugia\'s events signed as documented', async () => {
  const op = who.operatore;
  const rx = await receiver();
  const r = await api('POST', '', op, { body: { url: rx.url } });
  assert.equal(r.status, 201, r.text);
  created.push({ as: op, id: r.json.id });
  const sub = r.json;
  assert.match(sub.id, /^wh-[A-Za-z0-9]{16}$/);
  assert.equal(r.headers.location, `/api/v1/webhooks/${sub.id}`);
  assert.match(r.headers['cache-control'] ?? '', /no-store/);
  assert.deepEqual({ ...sub, id: 0, secret: 0, created_at: 0 }, { id: 0, secret: 0, created_at: 0, url: rx.url, event_types: [], ente: null, active: true });
  assert.match(sub.secret, /^[A-Za-z0-9_-]{43}$/, 'base64url without padding');
  assert.equal(Buffer.from(sub.secret, 'base64url').length, 32, 'the secret encodes 32 bytes');

  const shown = await api('GET', `/${sub.id}`, op);
  assert.equal(shown.status, 200, shown.text);
  const { secret, ...withoutSecret } = sub;
  assert.deepEqual(shown.json, withoutSecret);
  const list = await api('GET', '', op);
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.webhooks.find((w) => w.id === sub.id), withoutSecret, 'listed');
  for (const x of [shown, list]) assert.ok(!x.text.includes(secret) && !x.text.includes('"secret"'), 'never shown again');

  const practice = await openPractice(hub.perugia);
  const { event, sequence } = await message(hub.perugia, practice.id);
  assert.ok(await rx.got(event.id), 'the event reached the receiver');
  const got = rx.of(event.id)[0];
  assert.equal(got.method, 'POST');
  assert.equal(got.url, new URL(rx.url).pathname + new URL(rx.url).search, 'the subscribed URL, query included');
  assert.equal(got.headers['content-type'], 'application/cloudevents+json');
  assert.deepEqual(got.json, event, 'the event as the back office sent it');
  assert.match(got.headers['webhook-id'], /^\d+$/);
  assert.ok(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000) < 60, 'a current timestamp');
  assert.match(got.headers['webhook-signature'], /^v1,[A-Za-z0-9+/]{43}=$/);
  assert.ok(verifies(sub.secret, signed(got)), 'the signature verifies with the secret');

  // What an attacker could change does not verify.
  const s = signed(got);
  const tampered = got.raw.replace(event.data.text, event.data.text + '!');
  assert.notEqual(tampered, got.raw);
  assert.ok(!verifies(sub.secret, { ...s, body: tampered }), 'a tampered body');
  assert.ok(!verifies(sub.secret, { ...s, id: String(Number(s.id) + 1) }), 'another delivery id');
  assert.ok(!verifies(sub.secret, { ...s, timestamp: String(Number(s.timestamp) + 1) }), 'another timestamp');
  assert.ok(!verifies(Buffer.alloc(32, 7).toString('base64url'), s), 'another secret');
  assert.ok(!verifies(sub.secret, s, Number(s.timestamp) + 301), 'a replay 5 minutes later');
  assert.ok(verifies(sub.secret, { ...s, signature: `v1,${Buffer.alloc(32).toString('base64')} ${s.signature}` }), 'one of several signatures (rotation)');

  // The opening was delivered too, as the hub wrote it.
  const opened = rx.requests.find((x) => x.json?.type === `${PREFIX}aperta` && x.json?.subject === practice.reference);
  assert.ok(opened, 'the opening event');
  assert.equal(opened.json.data.reference, practice.reference);
  assert.ok(verifies(sub.secret, signed(opened)));

  const d = await deliveryOf(who.operatore, sub.id, sequence, (x) => x.status === 'delivered');
  assert.equal(String(d.id), got.headers['webhook-id'], 'Webhook-Id is the delivery id');
  assert.deepEqual({ status: d.status, attempts: d.attempts, last_status: d.last_status, last_error: d.last_error },
    { status: 'delivered', attempts: 1, last_status: 200, last_error: '' });

  // At least once: a delivered event may be sent again on request, with the same Webhook-Id.
  const again = await api('POST', `/deliveries/${d.id}/redeliver`, op);
  assert.equal(again.status, 202, again.text);
  assert.equal(again.json.id, d.id);
  assert.ok(await rx.got(event.id, 2), 'sent again');
  const second = rx.of(event.id)[1];
  assert.equal(second.headers['webhook-id'], got.headers['webhook-id']);
  assert.equal(second.raw, got.raw, 'the same body');
  assert.ok(verifies(sub.secret, signed(second)));
});

test('a receiver that answers 500 twice gets the event at the third attempt, with the same Webhook-Id', async () => {
  const rx = await receiver((_, nth) => (nth <= 2 ? 500 : 200));
  const sub = await subscribe(who.operatore, { url: rx.url, event_types: [`${PREFIX}messaggio`] });
  const practice = await openPractice(hub.perugia);
  const other = await push(hub.perugia, 'documento', practice.id, { title: 'Ricevuta', url: 'https://suape.comune.perugia.it/doc/1' });
  const { event, sequence } = await message(hub.perugia, practice.id);
  const d = await deliveryOf(who.operatore, sub.id, sequence, (x) => x.status === 'delivered');
  assert.deepEqual({ status: d.status, attempts: d.attempts, last_status: d.last_status }, { status: 'delivered', attempts: 3, last_status: 200 });
  const got = rx.of(event.id);
  assert.equal(got.length, 3, 'two failures and the success');
  assert.deepEqual([...new Set(got.map((x) => x.headers['webhook-id']))], [String(d.id)], 'one Webhook-Id for every attempt');
  for (const x of got) assert.ok(verifies(sub.secret, signed(x)), 'each attempt is signed');
  // The subscription lists only messaggio: the document and the opening were not queued.
  const seqs = (await deliveries(who.operatore, sub.id)).map((x) => x.event_sequence);
  assert.deepEqual(seqs, [sequence], 'only the subscribed type');
  assert.equal(rx.of(other.event.id).length, 0);
  assert.ok(!rx.requests.some((x) => x.json?.type !== `${PREFIX}messaggio`));
});

test('a receiver that always fails: dead after the last attempt, then redelivered once it is fixed', async () => {
  const rx = await receiver(() => 503);
  const sub = await subscribe(who.operatore, { url: rx.url, event_types: [`${PREFIX}messaggio`], ente: PERUGIA });
  assert.equal(sub.ente, PERUGIA);
  const practice = await openPractice(hub.perugia);
  const { event, sequence } = await message(hub.perugia, practice.id);
  const dead = await deliveryOf(who.operatore, sub.id, sequence, (x) => x.status === 'dead');
  assert.deepEqual({ status: dead.status, attempts: dead.attempts, last_status: dead.last_status },
    { status: 'dead', attempts: MAX_ATTEMPTS, last_status: 503 });
  assert.match(dead.last_error, /503/);
  await sleep(1500);
  assert.equal(rx.of(event.id).length, MAX_ATTEMPTS, 'no attempt after the last one');

  rx.answer = () => 204;
  const r = await api('POST', `/deliveries/${dead.id}/redeliver`, who.operatore);
  assert.equal(r.status, 202, r.text);
  assert.deepEqual({ id: r.json.id, status: r.json.status, attempts: r.json.attempts, last_status: r.json.last_status },
    { id: dead.id, status: 'pending', attempts: 0, last_status: 0 });
  const done = await deliveryOf(who.operatore, sub.id, sequence, (x) => x.status === 'delivered');
  assert.deepEqual({ attempts: done.attempts, last_status: done.last_status, last_error: done.last_error }, { attempts: 1, last_status: 204, last_error: '' });
  const got = rx.of(event.id);
  assert.equal(got.length, MAX_ATTEMPTS + 1);
  assert.equal(got.at(-1).headers['webhook-id'], String(dead.id));
  assert.ok(verifies(sub.secret, signed(got.at(-1))));
});

test('no answer in time, a redirect or a refused connection is a failure; a huge answer is not', async () => {
  const slow = await receiver((got, nth) => (nth === 1 ? new Promise((ok) => setTimeout(() => ok(200), 4500)) : 302));
  const huge = await receiver(() => ({ status: 200, body: 'x'.repeat(2 * 1024 * 1024) }));
  const gone = await receiver();
  gone.server.close();
  const types = [`${PREFIX}messaggio`];
  const subs = {};
  for (const [name, rx] of Object.entries({ slow, huge, gone })) subs[name] = await subscribe(who.operatore, { url: rx.url, event_types: types });
  const practice = await openPractice(hub.perugia);
  const { event, sequence } = await message(hub.perugia, practice.id);
  const d = await deliveryOf(who.operatore, subs.slow.id, sequence, (x) => x.status === 'dead');
  assert.equal(d.attempts, MAX_ATTEMPTS);
  assert.equal(d.last_status, 302, 'a redirect is not followed');
  assert.equal(slow.of(event.id).length, MAX_ATTEMPTS);
  const refused = await deliveryOf(who.operatore, subs.gone.id, sequence, (x) => x.status === 'dead');
  assert.deepEqual({ attempts: refused.attempts, last_status: refused.last_status }, { attempts: MAX_ATTEMPTS, last_status: 0 });
  assert.ok(refused.last_error.length > 0, 'says why');
  assert.ok(!refused.last_error.includes(gone.url), 'URLs are not echoed (they may carry tokens)');
  const big = await deliveryOf(who.operatore, subs.huge.id, sequence, (x) => x.status !== 'pending');
  assert.deepEqual({ status: big.status, attempts: big.attempts }, { status: 'delivered', attempts: 1 }, 'the answer\'s body is not needed');
});

test('a Terni event is not delivered to a Perugia subscription, and an operator cannot subscribe to Terni', async () => {
  const rx = await receiver();
  const sub = await subscribe(who.operatore, { url: rx.url });
  const terni = await openPractice(hub.terni);
  const t = await message(hub.terni, terni.id);
  const perugia = await openPractice(hub.perugia);
  const p = await message(hub.perugia, perugia.id);
  assert.ok(await rx.got(p.event.id), 'the later Perugia event arrived');
  await sleep(1000);
  assert.equal(rx.of(t.event.id).length, 0, 'the Terni event did not');
  assert.ok(!rx.requests.some((x) => x.json?.subject === terni.reference || x.json?.subject === terni.id), 'nor the Terni opening');
  assert.ok(!(await deliveries(who.operatore, sub.id)).some((d) => d.event_sequence === t.sequence), 'not even queued');

  const r = await api('POST', '', who.operatore, { body: { url: rx.url, ente: TERNI } });
  assertProblem(r, 422, 'ente Terni for a Perugia operator');
  assert.deepEqual(errorPaths(r.json), ['/ente']);
});

test('an API-store application receives the events of its owner\'s practices; test and catalogue apps are refused', async () => {
  const live = await app('professionista', 'Gestionale dello studio', ['pratiche:lettura'], 'live');
  const rx = await receiver();
  const rxPerugia = await receiver();
  const all = await subscribe(live, { url: rx.url });
  const onlyPerugia = await subscribe(live, { url: rxPerugia.url, ente: PERUGIA });
  const asApplicant = await openPractice(hub.perugia, { applicant: { id: CF.professionista, name: 'Luca Verdi' } });
  const asIntermediary = await openPractice(hub.terni, { intermediary: { id: CF.professionista, name: 'Luca Verdi' } });
  const notHis = await openPractice(hub.perugia);
  const a = await message(hub.perugia, asApplicant.id);
  const b = await message(hub.terni, asIntermediary.id);
  const c = await message(hub.perugia, notHis.id);
  assert.ok(await rx.got(a.event.id) && await rx.got(b.event.id), 'applicant and intermediary practices, every ente');
  assert.ok(await rxPerugia.got(a.event.id), 'the Perugia-only subscription');
  await sleep(1000);
  assert.equal(rx.of(c.event.id).length, 0, 'someone else\'s practice is not delivered');
  assert.equal(rxPerugia.of(b.event.id).length, 0, 'the ente filter holds for applications');
  const seqs = (await deliveries(live, all.id)).map((d) => d.event_sequence);
  assert.ok(seqs.includes(a.sequence) && seqs.includes(b.sequence) && !seqs.includes(c.sequence), `queued: ${seqs}`);
  for (const x of [...rx.of(a.event.id), ...rx.of(b.event.id)]) assert.ok(verifies(all.secret, signed(x)));
  assert.ok(!verifies(onlyPerugia.secret, signed(rx.of(a.event.id)[0])), 'each subscription has its own secret');
  assert.ok((await api('GET', '', live)).json.webhooks.every((w) => [all.id, onlyPerugia.id].includes(w.id)), 'the app sees its own');

  const testApp = await app('professionista', 'Gestionale di prova', ['pratiche:lettura'], 'test');
  for (const [method, body] of [['POST', { url: rx.url }], ['GET', undefined]]) {
    const r = await api(method, '', testApp, { body });
    assertProblem(r, 403, `${method} by a test app`);
    assert.match(r.json.detail, /live/);
  }
  assertProblem(await api('GET', `/${all.id}`, testApp), 403, 'a test app of the same owner');
  const catalogue = await app('professionista', 'App del catalogo', ['catalogo:lettura'], 'live');
  const r = await api('POST', '', catalogue, { body: { url: rx.url } });
  assertProblem(r, 403, 'an app without pratiche:lettura');
  assert.match(r.json.detail, /pratiche:lettura/);
});

test('a deactivated subscription receives nothing more and its deliveries cannot be redelivered', async () => {
  const rx = await receiver();
  const sub = await subscribe(who.operatore, { url: rx.url, event_types: [`${PREFIX}messaggio`] });
  const practice = await openPractice(hub.perugia);
  const first = await message(hub.perugia, practice.id);
  const d = await deliveryOf(who.operatore, sub.id, first.sequence, (x) => x.status === 'delivered');
  const del = await api('DELETE', `/${sub.id}`, who.operatore);
  assert.equal(del.status, 204, del.text);
  assert.equal(del.text, '');
  assert.equal((await api('DELETE', `/${sub.id}`, who.operatore)).status, 204, 'idempotent');
  const shown = await api('GET', `/${sub.id}`, who.operatore);
  assert.equal(shown.json.active, false, 'still readable, inactive');
  const later = await message(hub.perugia, practice.id);
  await sleep(1500);
  assert.equal(rx.of(later.event.id).length, 0);
  assert.ok(!(await deliveries(who.operatore, sub.id)).some((x) => x.event_sequence === later.sequence));
  const r = await api('POST', `/deliveries/${d.id}/redeliver`, who.operatore);
  assertProblem(r, 409, 'redeliver on an inactive subscription');
});

// --- refusals: always a clear 4xx problem ------------------------------------------------------

test('invalid subscriptions are 422 problems naming each wrong member', async () => {
  const op = who.operatore;
  const ok = 'https://gestionale.comune.perugia.it/webhook';
  const ids = async () => (await api('GET', '', op)).json.webhooks.map((w) => w.id);
  const before = await ids();
  const cases = [
    [{ url: 'ftp://gestionale.comune.perugia.it/x' }, ['/url']],
    [{ url: 'http://gestionale.comune.perugia.it/x' }, ['/url']],
    [{ url: 'http://127.0.0.1.example.org/x' }, ['/url']],
    [{ url: 'http://localhost@example.org/x' }, ['/url']],
    [{ url: `https://gestionale.comune.perugia.it/${'a'.repeat(2000)}` }, ['/url']],
    [{ url: 'https://gestionale.comune.perugia.it/a b' }, ['/url']],
    [{ url: 'https://gestionale.comune.perugia.it/x#frammento' }, ['/url']],
    [{ url: 'https://gestionale.comune.perugia.it:99999/x' }, ['/url']],
    [{ url: 'https:///x' }, ['/url']],
    [{ url: 'https://città.it/x' }, ['/url']],
    [{ url: '' }, ['/url']],
    [{ url: 42 }, ['/url']],
    [{}, ['/url']],
    [{ url: ok, extra: 1, 'a/b': 2 }, ['/extra', '/a~1b']],
    [{ url: ok, event_types: 'messaggio' }, ['/event_types']],
    [{ url: ok, event_types: [`${PREFIX}messaggio`, 'messaggio', 7, `${PREFIX}Maiuscolo`] }, ['/event_types/1', '/event_types/2', '/event_types/3']],
    [{ url: ok, event_types: Array.from({ length: 21 }, (_, i) => `${PREFIX}t${i}`) }, ['/event_types']],
    [{ url: ok, ente: 7 }, ['/ente']],
    [{ url: ok, ente: 'Comune di Perugia' }, ['/ente']],
    [{ url: 'ftp://x', event_types: {}, ente: '', altro: null }, ['/altro', '/url', '/event_types', '/ente']],
  ];
  for (const [body, paths] of cases) {
    const r = await api('POST', '', op, { body });
    const p = assertProblem(r, 422, JSON.stringify(body).slice(0, 120));
    assert.deepEqual(errorPaths(p).sort(), [...paths].sort(), JSON.stringify(body).slice(0, 120));
    for (const e of p.errors) assert.ok(e.message.length > 5, 'an Italian message');
  }
  assert.deepEqual(await ids(), before, 'nothing was stored');
});

test('wrong media type, oversized or malformed bodies and bad query parameters are 4xx problems', async () => {
  const op = who.operatore;
  const body = JSON.stringify({ url: 'https://gestionale.comune.perugia.it/webhook' });
  assertProblem(await api('POST', '', op, { raw: body, contentType: 'text/plain' }), 415, 'text/plain');
  assertProblem(await api('POST', '', op, { raw: body, contentType: 'application/x-www-form-urlencoded' }), 415, 'a form');
  assertProblem(await api('POST', '', op, { headers: { 'Content-Type': '' }, raw: body }), 415, 'no content type');
  const big = JSON.stringify({ url: 'https://gestionale.comune.perugia.it/webhook', pad: 'x'.repeat(64 * 1024) });
  assertProblem(await api('POST', '', op, { raw: big }), 413, 'over 64 KiB');
  assertProblem(await api('POST', '', op, { raw: 'x'.repeat(2 * 1024 * 1024) }), 413, 'over the server limit');
  for (const raw of ['{"url":', '[]', '"https://x"', 'null', '', '{"url":"https://a.it"}{}'])
    assertProblem(await api('POST', '', op, { raw: raw || ' ' }), 400, `malformed ${raw}`);
  assertProblem(await api('POST', '', op, { raw: '[' .repeat(5000) + ']'.repeat(5000) }), 400, 'deeply nested');

  const sub = await subscribe(op, { url: 'https://gestionale.comune.perugia.it/webhook' });
  for (const q of ['limit=0', 'limit=201', 'limit=-1', 'limit=1e2', 'limit=', 'limite=5', 'limit=5&altro=1', 'limit=5&limit=6', 'limit=%ZZ', 'limit=99999999999999999999'])
    assertProblem(await api('GET', `/${sub.id}/deliveries?${q}`, op), 400, q);
  assert.equal((await api('GET', `/${sub.id}/deliveries?limit=200`, op)).status, 200);
  for (const path of ['?limit=5', `/${sub.id}?x=1`]) assertProblem(await api('GET', path, op), 400, `query on ${path}`);
});

test('ownership and credentials: 404 for another owner\'s, 401 without credentials, 403 without CSRF or role', async () => {
  const op = who.operatore;
  const rx = await receiver();
  const opSub = await subscribe(op, { url: rx.url, event_types: [`${PREFIX}messaggio`] });
  const live = await app('cittadino', 'App della cittadina', ['pratiche:lettura'], 'live');
  const appSub = await subscribe(live, { url: rx.url });
  const practice = await openPractice(hub.perugia);
  const { sequence } = await message(hub.perugia, practice.id);
  const d = await deliveryOf(op, opSub.id, sequence, (x) => x.status === 'delivered');
  const appDelivery = await deliveryOf(live, appSub.id, sequence, (x) => x.status === 'delivered');

  for (const [as, id, delivery, what] of [[op, appSub.id, appDelivery.id, 'the operator on the app\'s'], [live, opSub.id, d.id, 'the app on the ente\'s']]) {
    assertProblem(await api('GET', `/${id}`, as), 404, `${what} subscription`);
    assertProblem(await api('GET', `/${id}/deliveries`, as), 404, `${what} deliveries`);
    assertProblem(await api('DELETE', `/${id}`, as), 404, `${what} deactivation`);
    assertProblem(await api('POST', `/deliveries/${delivery}/redeliver`, as), 404, `${what} delivery`);
  }
  assert.equal((await api('GET', `/${appSub.id}`, live)).json.active, true, 'the 404 deactivated nothing');
  for (const id of ['wh-nessuna', unique('wh'), '..', 'deliveries'])
    assertProblem(await api('GET', `/${encodeURIComponent(id)}`, op), 404, `unknown ${id}`);
  for (const id of ['999999999999999999', '9999999999999999999999', 'abc', '-1', '1.5'])
    assertProblem(await api('POST', `/deliveries/${id}/redeliver`, op), 404, `unknown delivery ${id}`);
  assertProblem(await api('GET', '/a/b/c/d', op), 404, 'an unknown shape');

  const calls = [['GET', ''], ['POST', ''], ['GET', `/${opSub.id}`], ['DELETE', `/${opSub.id}`], ['GET', `/${opSub.id}/deliveries`], ['POST', `/deliveries/${d.id}/redeliver`]];
  for (const [method, path] of calls) {
    const r = await api(method, path, null, { body: method === 'POST' ? { url: rx.url } : undefined });
    assertProblem(r, 401, `${method} ${path} by nobody`);
    assert.match(r.headers['www-authenticate'] ?? '', /^Bearer realm="accesso-unico"/);
    assertProblem(await api(method, path, { bearer: 'eyJhbGciOiJub25lIn0.e30.' }), 401, `${method} ${path} with a forged token`);
    if (method === 'GET') continue;
    const body = method === 'POST' && !path ? { url: rx.url } : undefined;
    assertProblem(await api(method, path, op, { body, csrf: false }), 403, `${method} ${path} without X-CSRF-Token`);
    assertProblem(await api(method, path, op, { body, csrf: false, headers: { 'X-CSRF-Token': 'x'.repeat(43) } }), 403, `${method} ${path} with a wrong token`);
    assertProblem(await api(method, path, op, { body, headers: { Origin: 'https://malevolo.example' } }), 403, `${method} ${path} from another site`);
    for (const person of ['cittadino', 'professionista'])
      assertProblem(await api(method, path, who[person], { body }), 403, `${method} ${path} by ${person}`);
  }
  assert.equal((await api('GET', `/${opSub.id}`, op)).json.active, true, 'the refused DELETEs deactivated nothing');
  for (const person of ['cittadino', 'professionista']) assertProblem(await api('GET', '', who[person]), 403, `${person} lists`);
});

test('only the documented methods: 405 with Allow', async () => {
  const op = who.operatore;
  const sub = await subscribe(op, { url: 'https://gestionale.comune.perugia.it/webhook' });
  for (const [method, path, allow] of [['PUT', '', 'GET, HEAD, POST'], ['PATCH', `/${sub.id}`, 'GET, HEAD, DELETE'],
    ['POST', `/${sub.id}/deliveries`, 'GET, HEAD'], ['GET', '/deliveries/1/redeliver', 'POST']]) {
    const r = await api(method, path, op);
    assertProblem(r, 405, `${method} ${path}`);
    assert.equal(r.headers.allow, allow);
  }
});
