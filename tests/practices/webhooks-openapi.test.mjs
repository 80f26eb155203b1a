// OpenAPI conformance of the webhook subscriptions (/webhooks...), in the style of
// practices-openapi.test.mjs: every answer is checked against docs/openapi.yaml as served
// (documented status, media type, body with Ajv, no undescribed members, documented headers,
// problem+json for errors), request bodies are checked against the document (what it calls
// invalid the server refuses), the delivery a receiver gets is checked against the contract
// written in the description of POST /webhooks, and the last test fails if a documented status
// of these operations was never exercised.
//
//   AU_BINARY=$PWD/build/accesso-unico node --test tests/practices/webhooks-openapi.test.mjs
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import yaml from 'js-yaml';
import { openApiSchemas } from '../support/openapi-schema.mjs';
import { loginAs } from '../support/portal-login.mjs';
import { registerApp, tokenFor } from '../identity/access-helpers.mjs';
import { WEBHOOKS_OPERATIONS } from '../api/identity-operations.mjs';
import { startHub, stopHub, openPractice, ev, request, unique, eventually, PERUGIA, TERNI } from './hub.mjs';

const API = '/api/v1';
const BURST = 40; // every application gets this bucket, refilled at 1 call per 100 s
const PREFIX = 'it.umbria.accessounico.pratica.';
const OK_URL = 'https://gestionale.comune.perugia.it/webhook';

let hub;
let doc;
let pointer, deref, validatorFor, ajvErrors, undocumented; // from openApiSchemas(doc)
const exercised = new Map();
const who = {};
const fx = {};
const created = []; // [{ as, id }], deactivated after each test
let rx;

// --- the document ---------------------------------------------------------------------------

// pointer, deref, validatorFor, ajvErrors, undocumented: tests/support/openapi-schema.mjs, set in before().

function op(key) {
  const [method, p] = key.split(' ');
  const o = doc.paths[p]?.[method.toLowerCase()];
  assert.ok(o, `${key} is not in the document`);
  return { key, method, path: p, op: o };
}

// --- calling and checking --------------------------------------------------------------------

/**
 * Calls `key` and checks the answer against the document. `as`: a person ({cookie, csrf}: the
 * CSRF token rides along on writes unless csrf:false), an app ({bearer}) or nobody.
 */
async function call(key, { as, id, query = '', body, raw, contentType = 'application/json', headers = {}, csrf = true } = {}) {
  const o = op(key);
  const url = `${hub.base}${API}${o.path.replace('{id}', encodeURIComponent(id ?? ''))}${query ? `?${query}` : ''}`;
  const text = raw ?? (body === undefined ? '' : JSON.stringify(body));
  const h = {};
  if (as?.cookie) h.cookie = as.cookie;
  if (as?.cookie && csrf && o.method !== 'GET') h['X-CSRF-Token'] = as.csrf;
  if (as?.bearer) h.authorization = `Bearer ${as.bearer}`;
  if (text) h['Content-Type'] = contentType;
  const res = await request(url, { method: o.method, headers: { ...h, ...headers }, body: text });
  const status = String(res.status);
  const where = `${key} -> ${url.slice(hub.base.length, hub.base.length + 120)}`;
  const documented = o.op.responses[status];
  assert.ok(documented, `${where}: answered ${status}, not documented (${Object.keys(o.op.responses).join(', ')}): ${res.text.slice(0, 300)}`);
  const response = deref(documented);
  if (!response.content) {
    assert.equal(res.text, '', `${where}: ${status} has no documented body`);
  } else {
    const media = (res.headers['content-type'] ?? '').split(';')[0].trim();
    const content = response.content[media];
    assert.ok(content, `${where}: Content-Type ${media} not documented for ${status}`);
    assert.ok(res.json !== null, `${where}: the body is not JSON: ${res.text.slice(0, 200)}`);
    const validate = validatorFor(`${key} ${status} ${media}`, content.schema);
    assert.ok(validate(res.json), `${where}: the ${status} body does not match the document:\n${ajvErrors(validate)}\n${res.text.slice(0, 400)}`);
    const extra = [...undocumented(content.schema, res.json)];
    assert.deepEqual(extra, [], `${where}: members the document does not describe: ${extra.join(', ')}`);
    if (res.status >= 400) {
      assert.equal(media, 'application/problem+json', where);
      assert.equal(res.json.status, res.status, `${where}: problem status`);
    }
  }
  for (const [name, h0] of Object.entries(response.headers ?? {})) {
    const hd = deref(h0);
    const value = res.headers[name.toLowerCase()];
    if (hd.required) assert.ok(value !== undefined, `${where}: ${status} without ${name}`);
    if (value !== undefined) {
      const typed = deref(hd.schema).type === 'integer' && /^\d+$/.test(value) ? Number(value) : value;
      assert.ok(validatorFor(`${key} ${status} ${name}`, hd.schema)(typed), `${where}: ${name}: ${value}`);
    }
  }
  if (as?.bearer && res.status !== 401)
    for (const n of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) assert.match(res.headers[n] ?? '', /^\d+$/, `${where}: ${n}`);
  if (!exercised.has(key)) exercised.set(key, new Set());
  exercised.get(key).add(status);
  if (key === 'POST /webhooks' && res.status === 201) created.push({ as, id: res.json.id });
  return res;
}

async function expect(key, req, status, why) {
  const r = await call(key, req);
  assert.equal(r.status, status, `${key} ${why}: ${r.status} ${r.text.slice(0, 300)}`);
  return r;
}

async function app(name, scopes, environment) {
  const reg = await registerApp(hub.base, who.cittadino, { name: `${name} ${unique('oas')}`, scopes, environment });
  assert.equal(reg.status, 200, `registering ${name}`);
  return { bearer: await tokenFor(hub.base, reg.clientId, reg.secret) };
}

/** A receiver on 127.0.0.1 whose answer is `rx.answer(request)` (a status, or a promise of one). */
async function startReceiver() {
  const r = { requests: [], answer: () => 200 };
  r.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const got = { headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') };
      try { got.json = JSON.parse(got.raw); } catch { got.json = null; }
      r.requests.push(got);
      res.writeHead(await r.answer(got)).end();
    });
  });
  await new Promise((ok) => r.server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${r.server.address().port}/eventi`;
  r.of = (eventId) => r.requests.filter((x) => x.json?.id === eventId);
  return r;
}

async function message(practiceId) {
  const event = ev(hub.perugia, 'messaggio', practiceId, { text: `Nota ${unique('m')}` });
  const r = await hub.perugia.send(event);
  assert.equal(r.status, 200, r.text);
  return { event, sequence: r.json.sequence };
}

async function deliveryOf(as, subscription, sequence, done) {
  let d;
  await eventually(async () => {
    const r = await call('GET /webhooks/{id}/deliveries', { as, id: subscription, query: 'limit=200' });
    d = r.json.deliveries.find((x) => x.event_sequence === sequence);
    return d && done(d);
  }, 30_000, 200);
  assert.ok(d && done(d), `delivery of ${sequence}: ${JSON.stringify(d)}`);
  return d;
}

// ---------------------------------------------------------------------------------------------

before(async () => {
  hub = await startHub({
    env: {
      AU_API_BURST: String(BURST), AU_API_RATE_PER_SECOND: '0.01',
      AU_WEBHOOK_BACKOFF_BASE_MS: '100', AU_WEBHOOK_TIMEOUT_MS: '5000', AU_WEBHOOK_MAX_ATTEMPTS: '2',
    },
  });
  const served = await request(`${hub.base}${API}/openapi.yaml`);
  assert.equal(served.status, 200);
  doc = yaml.load(served.text);
  ({ pointer, deref, validatorFor, ajvErrors, undocumented } = openApiSchemas(doc, 'webhooks-openapi-components.json'));
  for (const id of ['cittadino', 'operatore']) who[id] = await loginAs(id);
  fx.live = await app('Gestionale live', ['pratiche:lettura'], 'live');
  fx.test = await app('Gestionale di prova', ['pratiche:lettura'], 'test');
  fx.catalogue = await app('App del catalogo', ['catalogo:lettura'], 'live');
  rx = await startReceiver();
}, { timeout: 300_000 });

const retire = async () => {
  for (const { as, id } of created.splice(0)) await call('DELETE /webhooks/{id}', { as, id }).catch(() => {});
};
afterEach(retire);
after(async () => {
  await retire();
  if (rx) {
    rx.server.closeAllConnections();
    await new Promise((ok) => rx.server.close(ok));
  }
  await stopHub();
}, { timeout: 120_000 });

test('the document describes the webhook operations and the delivery a receiver gets', () => {
  assert.equal(doc.info.version, '1.4.0');
  assert.ok(doc.tags.some((t) => t.name === 'webhook'), 'the webhook tag');
  for (const key of WEBHOOKS_OPERATIONS) {
    const o = op(key).op;
    assert.ok(o.operationId && o.summary && o.description, `${key}: operationId, summary, description`);
    assert.deepEqual(o.tags, ['webhook'], key);
    assert.deepEqual(o.security.map((s) => Object.keys(s)[0]).sort(), ['bearer', 'oauth2', 'sessione', 'sessioneLocale'], key);
    assert.deepEqual(o.security.find((s) => s.oauth2).oauth2, ['pratiche:lettura'], `${key}: the scope`);
    for (const s of ['401', '403', '429']) assert.ok(o.responses[s], `${key} documents ${s}`);
    if (key.startsWith('GET')) continue;
    const csrf = (o.parameters ?? []).map(deref).find((p) => p.name === 'X-CSRF-Token');
    assert.ok(csrf && csrf.in === 'header' && csrf.required === false, `${key}: X-CSRF-Token, required only for sessions`);
  }
  for (const s of ['Webhook', 'WebhookCreated', 'WebhookCreate', 'WebhookList', 'WebhookDelivery', 'WebhookDeliveryList'])
    assert.ok(doc.components.schemas[s], `schema ${s}`);
  // OpenAPI 3.0 has no `webhooks`: the receivers' contract is in the description of POST /webhooks.
  if (/^3\.1\./.test(doc.openapi)) assert.ok(doc.webhooks && Object.keys(doc.webhooks).length, 'a 3.1 document describes the delivery in `webhooks`');
  const text = op('POST /webhooks').op.description;
  for (const word of ['application/cloudevents+json', 'Webhook-Id', 'Webhook-Timestamp', 'Webhook-Signature', 'v1,', 'HMAC-SHA256',
    'base64url', '<Webhook-Id>.<Webhook-Timestamp>.<corpo>', '5 minuti', '2xx', 'almeno una volta', 'redeliver', '`CloudEvent`'])
    assert.ok(text.includes(word), `POST /webhooks describes ${word}`);
});

test('every answer of the webhook operations, as documented', async () => {
  const o = who.operatore;
  const c = who.cittadino;
  const sub = (await expect('POST /webhooks', { as: o, body: { url: rx.url, event_types: [`${PREFIX}messaggio`] } }, 201, 'an operator')).json;
  const appSub = (await expect('POST /webhooks', { as: fx.live, body: { url: rx.url, ente: PERUGIA, event_types: [`${PREFIX}conclusa`] } }, 201, 'a live app')).json;
  await expect('POST /webhooks', { as: o, raw: '{"url":' }, 400, 'malformed JSON');
  await expect('POST /webhooks', { body: { url: rx.url } }, 401, 'nobody');
  await expect('POST /webhooks', { as: { bearer: 'x.y.z' }, body: { url: rx.url } }, 401, 'a forged token');
  await expect('POST /webhooks', { as: o, body: { url: rx.url }, csrf: false }, 403, 'no CSRF token');
  await expect('POST /webhooks', { as: c, body: { url: rx.url } }, 403, 'a citizen');
  await expect('POST /webhooks', { as: fx.test, body: { url: rx.url } }, 403, 'a test app');
  await expect('POST /webhooks', { as: fx.catalogue, body: { url: rx.url } }, 403, 'no pratiche:lettura');
  await expect('POST /webhooks', { as: o, raw: JSON.stringify({ url: OK_URL, x: 'y'.repeat(70_000) }) }, 413, 'over 64 KiB');
  await expect('POST /webhooks', { as: o, raw: JSON.stringify({ url: OK_URL }), contentType: 'text/plain' }, 415, 'text/plain');
  const invalid = await expect('POST /webhooks', { as: o, body: { url: 'ftp://x', ente: TERNI } }, 422, 'bad url and ente');
  assert.deepEqual(invalid.json.errors.map((e) => e.path).sort(), ['/ente', '/url']);

  await expect('GET /webhooks', { as: o }, 200, 'the operator');
  const listed = await expect('GET /webhooks', { as: fx.live }, 200, 'the app');
  assert.deepEqual(listed.json.webhooks.map((w) => w.id), [appSub.id]);
  await expect('GET /webhooks', { as: o, query: 'x=1' }, 400, 'a query');
  await expect('GET /webhooks', {}, 401, 'nobody');
  await expect('GET /webhooks', { as: c }, 403, 'a citizen');
  await expect('GET /webhooks', { as: fx.test }, 403, 'a test app');

  await expect('GET /webhooks/{id}', { as: o, id: sub.id }, 200, 'its own');
  await expect('GET /webhooks/{id}', { as: fx.live, id: appSub.id }, 200, 'the app\'s own');
  await expect('GET /webhooks/{id}', { as: o, id: sub.id, query: 'x=1' }, 400, 'a query');
  await expect('GET /webhooks/{id}', { id: sub.id }, 401, 'nobody');
  await expect('GET /webhooks/{id}', { as: c, id: sub.id }, 403, 'a citizen');
  await expect('GET /webhooks/{id}', { as: o, id: appSub.id }, 404, 'another owner\'s');
  await expect('GET /webhooks/{id}', { as: fx.live, id: sub.id }, 404, 'the ente\'s, for the app');

  // A delivery held by the receiver is pending: redelivering it is a conflict.
  const practice = await openPractice(hub.perugia);
  let release;
  rx.answer = () => new Promise((ok) => { release = () => ok(200); });
  const held = await message(practice.id);
  assert.ok(await eventually(() => rx.of(held.event.id).length === 1, 20_000, 50), 'the receiver got the event');
  const deliveryId = rx.of(held.event.id)[0].headers['webhook-id'];
  await expect('POST /webhooks/deliveries/{id}/redeliver', { as: o, id: deliveryId }, 409, 'still pending');
  rx.answer = () => 200;
  release();
  const d = await deliveryOf(o, sub.id, held.sequence, (x) => x.status === 'delivered');
  assert.equal(String(d.id), deliveryId);

  await expect('GET /webhooks/{id}/deliveries', { as: o, id: sub.id, query: 'limit=1' }, 200, 'limit=1');
  await expect('GET /webhooks/{id}/deliveries', { as: fx.live, id: appSub.id }, 200, 'the app');
  await expect('GET /webhooks/{id}/deliveries', { as: o, id: sub.id, query: 'limit=0' }, 400, 'limit=0');
  await expect('GET /webhooks/{id}/deliveries', { id: sub.id }, 401, 'nobody');
  await expect('GET /webhooks/{id}/deliveries', { as: fx.catalogue, id: sub.id }, 403, 'no pratiche:lettura');
  await expect('GET /webhooks/{id}/deliveries', { as: fx.live, id: sub.id }, 404, 'another owner\'s');

  const again = await expect('POST /webhooks/deliveries/{id}/redeliver', { as: o, id: d.id }, 202, 'a delivered one');
  assert.equal(again.json.status, 'pending');
  await deliveryOf(o, sub.id, held.sequence, (x) => x.status === 'delivered');
  await expect('POST /webhooks/deliveries/{id}/redeliver', { as: o, id: d.id, query: 'subito=1' }, 400, 'a query');
  await expect('POST /webhooks/deliveries/{id}/redeliver', { id: d.id }, 401, 'nobody');
  await expect('POST /webhooks/deliveries/{id}/redeliver', { as: o, id: d.id, csrf: false }, 403, 'no CSRF token');
  await expect('POST /webhooks/deliveries/{id}/redeliver', { as: fx.live, id: d.id }, 404, 'another owner\'s');
  await expect('POST /webhooks/deliveries/{id}/redeliver', { as: o, id: '123456789012345678' }, 404, 'unknown');

  await expect('DELETE /webhooks/{id}', { as: o, id: sub.id, query: 'x=1' }, 400, 'a query');
  await expect('DELETE /webhooks/{id}', { id: sub.id }, 401, 'nobody');
  await expect('DELETE /webhooks/{id}', { as: o, id: sub.id, csrf: false }, 403, 'no CSRF token');
  await expect('DELETE /webhooks/{id}', { as: fx.live, id: sub.id }, 404, 'another owner\'s');
  await expect('DELETE /webhooks/{id}', { as: o, id: sub.id }, 204, 'its own');
  await expect('DELETE /webhooks/{id}', { as: fx.live, id: appSub.id }, 204, 'the app\'s own');
  await expect('POST /webhooks/deliveries/{id}/redeliver', { as: o, id: d.id }, 409, 'a deactivated subscription');
  assert.equal((await expect('GET /webhooks/{id}', { as: o, id: sub.id }, 200, 'deactivated')).json.active, false);
});

test('409 beyond 20 active subscriptions per owner', async () => {
  const o = who.operatore;
  const active = (await expect('GET /webhooks', { as: o }, 200, 'before')).json.webhooks.filter((w) => w.active).length;
  for (let i = active; i < 20; i++) await expect('POST /webhooks', { as: o, body: { url: `${OK_URL}/${i}` } }, 201, `subscription ${i + 1}`);
  const r = await expect('POST /webhooks', { as: o, body: { url: OK_URL } }, 409, 'the 21st');
  assert.match(r.json.detail, /20/);
  await retire();
  await expect('POST /webhooks', { as: o, body: { url: OK_URL } }, 201, 'after deactivating them');
});

test('request bodies: what the document calls invalid the server refuses, and valid bodies are accepted', async () => {
  const schema = op('POST /webhooks').op.requestBody.content['application/json'].schema;
  const v = validatorFor('create body', schema);
  const with_ = (extra) => ({ url: OK_URL, ...extra });
  const samples = [
    [with_(), true], [with_({ event_types: [`${PREFIX}messaggio`, `${PREFIX}aperta`], ente: PERUGIA }), true],
    [with_({ event_types: null, ente: null }), true], [with_({ event_types: [] }), true],
    [{ url: 'HTTPS://Gestionale.Example.it:8443/x?token=1&a=%20' }, true], [{ url: 'http://localhost:9/x' }, true],
    [{}, false], [{ url: '' }, false], [{ url: 7 }, false], [{ url: 'ftp://x.it/' }, false], [{ url: 'https://a.it/a b' }, false],
    [{ url: 'https://a.it/x#f' }, false], [{ url: `${OK_URL}/${'a'.repeat(2000)}` }, false], [{ url: 'https://città.it/' }, false],
    [with_({ altro: 1 }), false], [with_({ event_types: 'messaggio' }), false], [with_({ event_types: ['messaggio'] }), false],
    [with_({ event_types: [`${PREFIX}Messaggio`] }), false], [with_({ event_types: Array.from({ length: 21 }, (_, i) => `${PREFIX}t${i}`) }), false],
    [with_({ ente: '' }), false], [with_({ ente: 'Comune di Perugia' }), false], [with_({ ente: '-054039' }), false], [with_({ ente: 1 }), false],
  ];
  for (const [body, valid] of samples) {
    const what = JSON.stringify(body).slice(0, 140);
    assert.equal(v(body), valid, `the document calls ${what} ${valid ? 'invalid' : 'valid'}:\n${ajvErrors(v)}`);
    const r = await call('POST /webhooks', { as: who.operatore, body });
    assert.equal(r.status, valid ? 201 : 422, `${what}: ${r.text.slice(0, 200)}`);
    await retire();
  }
  // Valid by the schema, refused as its descriptions say (host, credentials, another ente).
  for (const body of [{ url: 'http://gestionale.comune.perugia.it/x' }, { url: 'https://utente@a.it/x' }, with_({ ente: TERNI })]) {
    assert.ok(v(body), JSON.stringify(body));
    await expect('POST /webhooks', { as: who.operatore, body }, 422, JSON.stringify(body));
  }
});

test('the request a receiver gets is the one the description documents', async () => {
  const sub = (await expect('POST /webhooks', { as: who.operatore, body: { url: rx.url } }, 201, 'subscribe')).json;
  const practice = await openPractice(hub.perugia);
  const { event } = await message(practice.id);
  assert.ok(await eventually(() => rx.of(event.id).length > 0, 20_000, 50), 'delivered');
  const got = rx.of(event.id)[0];
  assert.equal(got.headers['content-type'], 'application/cloudevents+json');
  const v = validatorFor('CloudEvent', { $ref: '#/components/schemas/CloudEvent' });
  assert.ok(v(got.json), `the body is a CloudEvent of the document:\n${ajvErrors(v)}`);
  assert.deepEqual(got.json, event);
  const { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sig } = got.headers;
  assert.match(id, /^\d+$/);
  assert.match(ts, /^\d+$/);
  const mac = createHmac('sha256', Buffer.from(sub.secret, 'base64url')).update(`${id}.${ts}.${got.raw}`).digest('base64');
  assert.equal(sig, `v1,${mac}`);
  // The standard base64 of the same bytes is what a Standard Webhooks library wants after "whsec_".
  assert.equal(Buffer.from(Buffer.from(sub.secret, 'base64url').toString('base64'), 'base64').toString('base64url'), sub.secret);
  const opening = rx.requests.find((x) => x.json?.type === `${PREFIX}aperta` && x.json.subject === practice.reference);
  assert.ok(opening, 'the opening, as the description says');
  assert.equal(opening.json.specversion, '1.0');
  assert.equal(opening.json.data.reference, practice.reference);
});

test('429 with Retry-After and X-RateLimit-* once an application is over its limit', async () => {
  const throttled = await app('App che supera il limite', ['pratiche:lettura'], 'live');
  let r;
  let calls = 0;
  do {
    r = await call('GET /webhooks', { as: throttled });
    calls++;
  } while (r.status !== 429 && calls <= BURST + 5);
  assert.equal(r.status, 429);
  for (const key of WEBHOOKS_OPERATIONS) {
    const id = key.includes('deliveries/') ? '1' : 'wh-qualsiasi';
    const x = await expect(key, { as: throttled, id, body: key === 'POST /webhooks' ? { url: OK_URL } : undefined }, 429, 'throttled');
    assert.ok(Number(x.headers['retry-after']) >= 1);
  }
});

test('coverage: every documented status of the webhook operations was exercised', () => {
  const missing = [];
  for (const key of WEBHOOKS_OPERATIONS)
    for (const s of Object.keys(op(key).op.responses)) if (!exercised.get(key)?.has(s)) missing.push(`${key} ${s}`);
  assert.deepEqual(missing, [], `documented responses never exercised: ${missing.join(', ')}`);
  const keys = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
  assert.deepEqual(keys.filter((k) => / \/webhooks/.test(k)).sort(), [...WEBHOOKS_OPERATIONS].sort(), 'the list in identity-operations.mjs matches the document');
});
