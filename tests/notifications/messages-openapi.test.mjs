// OpenAPI conformance of the notification API, in the style of tests/practices/webhooks-openapi:
// the inbox (/messages), the preferences (/notification-preferences), the calendar feed
// (/calendar-feed) and the bulk sends (/notifications). Every answer is checked against
// docs/openapi.yaml as served (documented status, media type, body with Ajv, no undescribed
// members, documented headers, problem+json for errors, X-RateLimit-* for applications,
// Cache-Control: no-store on success), request bodies are checked against the document (what it
// calls invalid the server refuses), the server is probed for operations the document does not
// describe under these paths, and the last test fails if a documented status was never exercised.
// Fresh random people and recipients (notify-hub.mjs): it passes on a shared PostgreSQL database.
//
//   AU_BINARY=$PWD/build/accesso-unico node --test tests/notifications/messages-openapi.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { openApiSchemas } from '../support/openapi-schema.mjs';
import { registerApp, tokenFor } from '../identity/access-helpers.mjs';
import {
  startNotifyHub, stopNotifyHub, login, openPractice, waitFor, request, unique, randomFiscalCode,
} from './notify-hub.mjs';

const API = '/api/v1';
const BURST = 30; // every application gets this bucket, refilled at 1 call per 100 s
const SERVICE_ID = 'rc-passo-carrabile';
// The operations of this file; every operation of the document under these paths must be here.
const OPERATIONS = Object.freeze([
  'GET /messages',
  'GET /messages/{id}',
  'POST /messages/{id}/read',
  'DELETE /messages/{id}/read',
  'GET /notification-preferences',
  'PUT /notification-preferences',
  'POST /calendar-feed',
  'DELETE /calendar-feed',
  'GET /notifications',
  'POST /notifications',
  'GET /notifications/{id}',
  'POST /notifications/{id}/cancel',
]);
const OURS = /^\/(messages|notification-preferences|calendar-feed|notifications)(\/|$)/;
const PERSON_ONLY = ['POST /messages/{id}/read', 'DELETE /messages/{id}/read', 'GET /notification-preferences',
  'PUT /notification-preferences', 'POST /calendar-feed', 'DELETE /calendar-feed'];

let hub;
let doc;
let deref, validatorFor, ajvErrors, undocumented; // from openApiSchemas(doc)
const exercised = new Map();
const who = {};
const fx = {};

function op(key) {
  const [method, p] = key.split(' ');
  const o = doc.paths[p]?.[method.toLowerCase()];
  assert.ok(o, `${key} is not in the document`);
  return { key, method, path: p, op: o };
}

/**
 * Calls `key` and checks the answer against the document. `as`: a person ({cookie, csrf}: the
 * CSRF token rides along on writes unless csrf:false), an app ({bearer}) or nobody. `id` goes
 * into the path as is (so '%FF' stays percent-encoded).
 */
async function call(key, { as, id, query = '', body, raw, contentType = 'application/json', headers = {}, csrf = true } = {}) {
  const o = op(key);
  const url = `${hub.base}${API}${o.path.replace('{id}', String(id ?? ''))}${query ? `?${query}` : ''}`;
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
  if (res.status < 300) assert.match(res.headers['cache-control'] ?? '', /no-store/, `${where}: Cache-Control`);
  if (!exercised.has(key)) exercised.set(key, new Set());
  exercised.get(key).add(status);
  return res;
}

async function expect(key, req, status, why) {
  const r = await call(key, req);
  assert.equal(r.status, status, `${key} ${why}: ${r.status} ${r.text.slice(0, 300)}`);
  return r;
}

async function app(owner, name, scopes, environment = 'live') {
  const reg = await registerApp(hub.base, owner, { name: `${name} ${unique('oas')}`, scopes, environment });
  assert.equal(reg.status, 200, `registering ${name}`);
  return { bearer: await tokenFor(hub.base, reg.clientId, reg.secret) };
}

const sendAtIn = (ms) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const bulkBody = (extra = {}) => ({
  recipients: [randomFiscalCode()], subject: `Avviso ${unique('invio')}`, text: 'Gli uffici tecnici resteranno chiusi venerdì.', service_id: SERVICE_ID, ...extra,
});

// ---------------------------------------------------------------------------------------------

before(async () => {
  hub = await startNotifyHub({
    people: ['lettrice', 'vicina', 'preferenze-oas'],
    env: { AU_API_BURST: String(BURST), AU_API_RATE_PER_SECOND: '0.01' },
  });
  const served = await request(`${hub.base}${API}/openapi.yaml`);
  assert.equal(served.status, 200);
  doc = yaml.load(served.text);
  ({ deref, validatorFor, ajvErrors, undocumented } = openApiSchemas(doc, 'messages-openapi-components.json'));
  for (const id of ['lettrice', 'vicina', 'preferenze-oas', 'operatore', 'cittadino']) who[id] = await login(id);
  const lettrice = hub.people.lettrice;
  for (let i = 0; i < 2; i++) await openPractice({ id: lettrice.cf, name: lettrice.given });
  const r = await waitFor('two messages in the inbox', async () => {
    const x = await request(`${hub.base}${API}/messages`, { headers: { cookie: who.lettrice.cookie } });
    return x.status === 200 && x.json.messages.length >= 2 ? x.json : null;
  });
  fx.messages = r.messages.map((m) => m.id);
  fx.reader = await app(who.lettrice, 'Lettore della casella', ['pratiche:lettura']);
  fx.sender = await app(who.cittadino, 'Gestionale invii', ['notifiche:invio']);
  fx.testApp = await app(who.cittadino, 'Prova invii', ['notifiche:invio', 'pratiche:lettura'], 'test');
}, { timeout: 300_000 });

after(stopNotifyHub, { timeout: 120_000 });

test('the document describes the notification operations: version, tags, security, schemas', () => {
  assert.equal(doc.info.version, '1.4.0');
  assert.match(doc.info.description, /Dalla versione 1\.4\.0/);
  for (const t of ['messaggi', 'preferenze', 'invii']) assert.ok(doc.tags.some((x) => x.name === t), `tag ${t}`);
  for (const key of OPERATIONS) {
    const o = op(key).op;
    assert.ok(o.operationId && o.summary && o.description && o.tags?.length === 1, `${key}: operationId, summary, description, one tag`);
    const schemes = o.security.map((s) => Object.keys(s)[0]).sort();
    const scope = key.includes('/notifications') ? 'notifiche:invio' : 'pratiche:lettura';
    if (PERSON_ONLY.includes(key)) assert.deepEqual(schemes, ['sessione', 'sessioneLocale'], key);
    else {
      assert.deepEqual(schemes, ['bearer', 'oauth2', 'sessione', 'sessioneLocale'], key);
      assert.deepEqual(o.security.find((s) => s.oauth2).oauth2, [scope], `${key}: the scope`);
    }
    for (const s of ['400', '401', '403', '429']) assert.ok(o.responses[s], `${key} documents ${s}`);
    for (const [s, r] of Object.entries(o.responses)) if (s >= '400') assert.ok(deref(r).content['application/problem+json'], `${key} ${s}: problem+json`);
    if (key.startsWith('GET')) continue;
    const csrf = (o.parameters ?? []).map(deref).find((p) => p.name === 'X-CSRF-Token');
    assert.ok(csrf && csrf.in === 'header' && csrf.required === PERSON_ONLY.includes(key), `${key}: X-CSRF-Token, required for person-only writes`);
  }
  const text = [op('POST /calendar-feed').op.description, op('PUT /notification-preferences').op.description].join('\n');
  for (const word of ['/calendario/{token}.ics', 'text/calendar', '/disiscrizione/{token}', 'RFC 8058', 'webhook_secret'])
    assert.ok(text.includes(word), `the descriptions mention ${word}`);
  for (const s of ['Message', 'MessageDetail', 'MessageList', 'NotificationPreferences', 'NotificationPreferencesUpdate', 'BulkSend', 'BulkSendRequest', 'CalendarFeed'])
    assert.ok(doc.components.schemas[s], `schema ${s}`);
  const keys = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
  assert.deepEqual(keys.filter((k) => OURS.test(k.split(' ')[1])).sort(), [...OPERATIONS].sort(), 'the operations of the document under these paths');
});

test('the inbox: every answer of /messages, as documented', async () => {
  const l = who.lettrice;
  const [newest, older] = fx.messages;
  const page = await expect('GET /messages', { as: l, query: 'limite=1' }, 200, 'one per page');
  assert.equal(page.json.messages[0].id, newest);
  assert.equal(page.json.next_before, newest);
  const next = await expect('GET /messages', { as: l, query: `limite=1&prima_di=${newest}&non_letti=false` }, 200, 'the next page');
  assert.equal(next.json.messages[0].id, older);
  await expect('GET /messages', { as: l, query: 'non_letti=true' }, 200, 'unread only');
  const byApp = await expect('GET /messages', { as: fx.reader }, 200, 'the owner\'s live app');
  assert.ok(byApp.json.messages.some((m) => m.id === newest), 'the app reads its owner\'s inbox');
  for (const q of ['limite=0', 'limite=101', 'prima_di=abc', 'non_letti=si', 'pagina=2', 'x=%ZZ'])
    await expect('GET /messages', { as: l, query: q }, 400, q);
  await expect('GET /messages', {}, 401, 'nobody');
  await expect('GET /messages', { as: { bearer: 'x.y.z' } }, 401, 'a forged token');
  await expect('GET /messages', { as: fx.sender }, 403, 'an app without pratiche:lettura');
  await expect('GET /messages', { as: fx.testApp }, 403, 'a test app');

  const d = await expect('GET /messages/{id}', { as: l, id: newest }, 200, 'her own');
  assert.ok(d.json.deliveries.length >= 1, 'with its deliveries');
  await expect('GET /messages/{id}', { as: fx.reader, id: newest }, 200, 'the owner\'s app');
  await expect('GET /messages/{id}', { as: l, id: '%FF' }, 400, 'invalid UTF-8 in the path');
  await expect('GET /messages/{id}', { id: newest }, 401, 'nobody');
  await expect('GET /messages/{id}', { as: fx.sender, id: newest }, 403, 'an app without pratiche:lettura');
  await expect('GET /messages/{id}', { as: who.vicina, id: newest }, 404, 'someone else\'s');
  for (const id of ['123456789012345', '0', 'abc']) await expect('GET /messages/{id}', { as: l, id }, 404, `id ${id}`);

  for (const key of ['POST /messages/{id}/read', 'DELETE /messages/{id}/read']) {
    await expect(key, { as: l, id: newest }, 204, 'her own');
    await expect(key, { as: l, id: newest }, 204, 'again');
    const read = (await expect('GET /messages/{id}', { as: l, id: newest }, 200, 'read back')).json;
    assert.equal(read.read, key.startsWith('POST'), `${key}: read`);
    assert.equal(read.read_at === null, !key.startsWith('POST'), `${key}: read_at`);
    await expect(key, { as: l, id: '%FF' }, 400, 'invalid UTF-8 in the path');
    await expect(key, { id: newest }, 401, 'nobody');
    await expect(key, { as: l, id: newest, csrf: false }, 403, 'no X-CSRF-Token');
    await expect(key, { as: l, id: newest, csrf: false, headers: { 'X-CSRF-Token': 'sbagliato' } }, 403, 'a wrong X-CSRF-Token');
    await expect(key, { as: fx.reader, id: newest }, 403, 'an application');
    await expect(key, { as: who.vicina, id: newest }, 404, 'someone else\'s');
  }
  const unread = (await expect('GET /messages', { as: l, query: 'non_letti=true&limite=100' }, 200, 'unread')).json;
  assert.ok(unread.messages.every((m) => !m.read) && unread.unread >= unread.messages.length);
});

test('preferences and calendar feed: every answer, as documented', async () => {
  const p = who['preferenze-oas'];
  const person = hub.people['preferenze-oas'];
  const got = await expect('GET /notification-preferences', { as: p }, 200, 'the defaults');
  assert.equal(got.json.contacts.email, person.email, 'the login email');
  await expect('GET /notification-preferences', { as: p, query: 'x=1' }, 400, 'a query');
  await expect('GET /notification-preferences', {}, 401, 'nobody');
  await expect('GET /notification-preferences', { as: fx.reader }, 403, 'an application');

  const all = {
    contacts: { email: 'casella.notifiche@example.org', sms: '+393401234567', webhook: 'https://ricevitore.example.org/avvisi' },
    channels: { sms: false },
    services: { [SERVICE_ID]: { email: false, io: true } },
    quiet_hours: { start: '22:00', end: '07:30' },
  };
  const saved = await expect('PUT /notification-preferences', { as: p, body: all }, 200, 'everything');
  assert.match(saved.json.webhook_secret ?? '', /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(saved.json.services, all.services);
  const off = await expect('PUT /notification-preferences', { as: p, body: { contacts: { webhook: null }, quiet_hours: null } }, 200, 'removals');
  assert.equal(off.json.webhook_secret, undefined);
  await expect('PUT /notification-preferences', { as: p, raw: '{"channels": {' }, 400, 'bad JSON');
  await expect('PUT /notification-preferences', { as: p, body: {}, query: 'x=1' }, 400, 'a query');
  await expect('PUT /notification-preferences', { body: {} }, 401, 'nobody');
  await expect('PUT /notification-preferences', { as: p, body: {}, csrf: false }, 403, 'no X-CSRF-Token');
  await expect('PUT /notification-preferences', { as: fx.reader, body: {} }, 403, 'an application');
  await expect('PUT /notification-preferences', { as: p, raw: JSON.stringify({ contacts: { webhook: `https://example.org/${'a'.repeat(70_000)}` } }) }, 413, 'over 64 KiB');
  await expect('PUT /notification-preferences', { as: p, raw: '{}', contentType: 'text/plain' }, 415, 'text/plain');
  const bad = await expect('PUT /notification-preferences', { as: p, body: { contacts: { sms: '3331234567' }, channels: { inbox: false } } }, 422, 'bad values');
  assert.deepEqual(bad.json.errors.map((e) => e.path).sort(), ['/channels/inbox', '/contacts/sms']);

  await expect('POST /calendar-feed', { as: p, csrf: false }, 403, 'no X-CSRF-Token');
  await expect('POST /calendar-feed', { as: fx.reader }, 403, 'an application');
  await expect('POST /calendar-feed', {}, 401, 'nobody');
  await expect('POST /calendar-feed', { as: p, query: 'x=1' }, 400, 'a query');
  const feed = await expect('POST /calendar-feed', { as: p }, 201, 'a new address');
  assert.ok(feed.json.url.startsWith(`${hub.base}/calendario/`), feed.json.url);
  const ics = await request(feed.json.url);
  assert.equal(ics.status, 200, 'the feed, as the description says');
  assert.match(ics.headers['content-type'] ?? '', /^text\/calendar/);
  assert.ok((await expect('GET /notification-preferences', { as: p }, 200, 'since')).json.calendar_feed_since);
  await expect('DELETE /calendar-feed', { as: p, query: 'x=1' }, 400, 'a query');
  await expect('DELETE /calendar-feed', {}, 401, 'nobody');
  await expect('DELETE /calendar-feed', { as: p, csrf: false }, 403, 'no X-CSRF-Token');
  await expect('DELETE /calendar-feed', { as: fx.reader }, 403, 'an application');
  await expect('DELETE /calendar-feed', { as: p }, 204, 'revoked');
  assert.equal((await request(feed.json.url)).status, 404, 'the revoked address');
  await expect('DELETE /calendar-feed', { as: p }, 204, 'nothing to revoke');
});

test('bulk sends: every answer of /notifications, as documented', async () => {
  const o = who.operatore;
  const lettrice = hub.people.lettrice;
  const now = await expect('POST /notifications', { as: o, body: bulkBody({ recipients: [lettrice.cf, randomFiscalCode().toLowerCase()] }) }, 202, 'an operator, now');
  assert.equal(now.headers.location, `/api/v1/notifications/${now.json.id}`);
  const later = await expect('POST /notifications', { as: fx.sender, body: bulkBody({ send_at: sendAtIn(3600_000), service_id: null }) }, 202, 'a live app, later');
  await expect('POST /notifications', { as: o, raw: '{"recipients": [' }, 400, 'bad JSON');
  await expect('POST /notifications', { as: o, body: bulkBody(), query: 'x=1' }, 400, 'a query');
  await expect('POST /notifications', { body: bulkBody() }, 401, 'nobody');
  await expect('POST /notifications', { as: { bearer: 'x.y.z' }, body: bulkBody() }, 401, 'a forged token');
  await expect('POST /notifications', { as: o, body: bulkBody(), csrf: false }, 403, 'no X-CSRF-Token');
  await expect('POST /notifications', { as: who.lettrice, body: bulkBody() }, 403, 'a citizen');
  await expect('POST /notifications', { as: fx.testApp, body: bulkBody() }, 403, 'a test app');
  await expect('POST /notifications', { as: fx.reader, body: bulkBody() }, 403, 'no notifiche:invio');
  await expect('POST /notifications', { as: o, raw: JSON.stringify(bulkBody({ text: 'x'.repeat(300 * 1024) })) }, 413, 'over 256 KiB');
  await expect('POST /notifications', { as: o, raw: JSON.stringify(bulkBody()), contentType: 'text/plain' }, 415, 'text/plain');
  const invalid = await expect('POST /notifications', { as: o, body: bulkBody({ subject: 'Breve', send_at: sendAtIn(-3600_000) }) }, 422, 'short subject, past time');
  assert.deepEqual(invalid.json.errors.map((e) => e.path).sort(), ['/send_at', '/subject']);

  const listed = await expect('GET /notifications', { as: o }, 200, 'the operator');
  assert.ok(listed.json.notifications.some((n) => n.id === now.json.id));
  assert.deepEqual((await expect('GET /notifications', { as: fx.sender }, 200, 'the app')).json.notifications.map((n) => n.id), [later.json.id]);
  await expect('GET /notifications', { as: o, query: 'pagina=2' }, 400, 'a query');
  await expect('GET /notifications', {}, 401, 'nobody');
  await expect('GET /notifications', { as: who.lettrice }, 403, 'a citizen');
  await expect('GET /notifications', { as: fx.testApp }, 403, 'a test app');

  const sent = await waitFor('the send to go out', async () => {
    const r = await call('GET /notifications/{id}', { as: o, id: now.json.id });
    return r.status === 200 && r.json.messages.ready === 2 && Object.keys(r.json.deliveries).length ? r.json : null;
  });
  assert.equal(sent.recipients, 2);
  await expect('GET /notifications/{id}', { as: fx.sender, id: later.json.id }, 200, 'the app\'s own');
  await expect('GET /notifications/{id}', { as: o, id: now.json.id, query: 'x=1' }, 400, 'a query');
  await expect('GET /notifications/{id}', { id: now.json.id }, 401, 'nobody');
  await expect('GET /notifications/{id}', { as: who.lettrice, id: now.json.id }, 403, 'a citizen');
  await expect('GET /notifications/{id}', { as: fx.sender, id: now.json.id }, 404, 'another owner\'s');
  await expect('GET /notifications/{id}', { as: o, id: 'inv-inesistente000' }, 404, 'unknown');
  await expect('GET /notifications/{id}', { as: o, id: 'x'.repeat(41) }, 404, 'too long');

  const cancelled = await expect('POST /notifications/{id}/cancel', { as: fx.sender, id: later.json.id }, 200, 'a scheduled send');
  assert.equal(cancelled.json.status, 'annullato');
  assert.deepEqual(cancelled.json.messages, { cancelled: 1 });
  await expect('POST /notifications/{id}/cancel', { as: fx.sender, id: later.json.id }, 200, 'again');
  await expect('POST /notifications/{id}/cancel', { as: o, id: now.json.id }, 409, 'already sent');
  await expect('POST /notifications/{id}/cancel', { as: o, id: now.json.id, query: 'x=1' }, 400, 'a query');
  await expect('POST /notifications/{id}/cancel', { id: now.json.id }, 401, 'nobody');
  await expect('POST /notifications/{id}/cancel', { as: o, id: now.json.id, csrf: false }, 403, 'no X-CSRF-Token');
  await expect('POST /notifications/{id}/cancel', { as: fx.sender, id: now.json.id }, 404, 'another owner\'s');
  // The message of the send is in the recipient's inbox, as a `comunicazione`.
  const inbox = (await expect('GET /messages', { as: who.lettrice, query: 'limite=100' }, 200, 'her inbox')).json.messages;
  const m = inbox.find((x) => x.subject === sent.subject);
  assert.ok(m && m.kind === 'comunicazione' && m.service_id === SERVICE_ID, JSON.stringify(m));
});

test('request bodies: what the document calls invalid the server refuses, and valid bodies are accepted', async () => {
  const p = who['preferenze-oas'];
  const prefsSchema = op('PUT /notification-preferences').op.requestBody.content['application/json'].schema;
  const vp = validatorFor('preferences body', prefsSchema);
  const on = { email: true, io: true, sms: true, webhook: true };
  const prefs = [
    [{}, true], [{ channels: {} }, true], [{ channels: on }, true], [{ services: { [SERVICE_ID]: { sms: false } } }, true],
    [{ contacts: { email: 'maria.rossi@example.org', sms: '+393401234567' } }, true], [{ contacts: { email: null, sms: '', webhook: null } }, true],
    [{ contacts: { webhook: 'http://127.0.0.1:9/avvisi' } }, true], [{ quiet_hours: { start: '23:15', end: '06:00' } }, true],
    [{ quiet_hours: { start: '08:00', end: '09:00', nota: 'ignorata' } }, true], [{ quiet_hours: null }, true],
    [[], false], [{ colore: 'blu' }, false], [{ contacts: 'io@example.org' }, false], [{ contacts: { fax: '+39075123456' } }, false],
    [{ contacts: { sms: 12345 } }, false], [{ contacts: { sms: '3401234567' } }, false], [{ contacts: { sms: '+39 340 1234567' } }, false],
    [{ contacts: { webhook: `https://example.org/${'a'.repeat(2000)}` } }, false], [{ channels: { inbox: false } }, false],
    [{ channels: { email: 'no' } }, false], [{ channels: [] }, false], [{ services: { [SERVICE_ID]: { piccione: true } } }, false],
    [{ services: { [SERVICE_ID]: true } }, false], [{ quiet_hours: { start: '24:00', end: '07:00' } }, false],
    [{ quiet_hours: { start: '22:00' } }, false], [{ quiet_hours: '22-07' }, false], [{ quiet_hours: { start: '7:00', end: '08:00' } }, false],
  ];
  for (const [body, valid] of prefs) {
    const what = JSON.stringify(body).slice(0, 120);
    assert.equal(vp(body), valid, `the document calls ${what} ${valid ? 'invalid' : 'valid'}:\n${ajvErrors(vp)}`);
    const r = await call('PUT /notification-preferences', { as: p, body });
    assert.equal(r.status, valid ? 200 : 422, `${what}: ${r.text.slice(0, 200)}`);
  }
  // Valid by the schema, refused as the descriptions say (address checks, catalogue, equal times).
  for (const body of [{ contacts: { email: 'non-una-email' } }, { contacts: { webhook: 'ftp://example.org/x' } },
    { contacts: { webhook: 'https://utente@example.org/x' } }, { services: { 'servizio-inesistente': { email: false } } },
    { quiet_hours: { start: '22:00', end: '22:00' } }]) {
    assert.ok(vp(body), JSON.stringify(body));
    await expect('PUT /notification-preferences', { as: p, body }, 422, JSON.stringify(body));
  }

  const vb = validatorFor('bulk body', op('POST /notifications').op.requestBody.content['application/json'].schema);
  const b = (extra) => bulkBody({ send_at: sendAtIn(3600_000), ...extra });
  const drop = (o, k) => Object.fromEntries(Object.entries(o).filter(([x]) => x !== k));
  const bulks = [
    [b(), true], [b({ service_id: null, send_at: null }), true], [drop(drop(b(), 'service_id'), 'send_at'), true],
    [b({ recipients: ['02876540549', randomFiscalCode(), ` ${randomFiscalCode().toLowerCase()} `] }), true],
    [b({ subject: 'Dieci car.' }), true], [b({ subject: 'à'.repeat(120), text: 'è'.repeat(5000) }), true], [b({ text: 'Riga uno\nRiga due' }), true],
    [drop(b(), 'recipients'), false], [drop(b(), 'subject'), false], [drop(b(), 'text'), false], [b({ recipients: [] }), false],
    [b({ recipients: randomFiscalCode() }), false], [b({ recipients: [42] }), false], [b({ recipients: ['x'.repeat(33)] }), false],
    [b({ recipients: Array.from({ length: 1001 }, randomFiscalCode) }), false], [b({ subject: 'Nove car.' }), false],
    [b({ subject: 'x'.repeat(121) }), false], [b({ text: '' }), false], [b({ text: 'x'.repeat(5001) }), false],
    [b({ service_id: 7 }), false], [b({ send_at: 1764576000 }), false], [b({ send_at: '2026-13-01T08:00:00Z' }), false],
    [b({ send_at: sendAtIn(3600_000).replace('Z', '+00:00') }), false], [b({ priorita: 'alta' }), false],
  ];
  for (const [body, valid] of bulks) {
    const what = JSON.stringify(body).slice(0, 120);
    assert.equal(vb(body), valid, `the document calls ${what} ${valid ? 'invalid' : 'valid'}:\n${ajvErrors(vb)}`);
    const r = await call('POST /notifications', { as: who.operatore, body });
    assert.equal(r.status, valid ? 202 : 422, `${what}: ${r.text.slice(0, 200)}`);
    if (valid && body.send_at) await expect('POST /notifications/{id}/cancel', { as: who.operatore, id: r.json.id }, 200, 'tidy up');
  }
  const cf = randomFiscalCode();
  const wrongCheck = cf.slice(0, 15) + (cf[15] === 'A' ? 'B' : 'A');
  for (const body of [b({ recipients: [wrongCheck] }), b({ recipients: ['12345678901'] }),
    b({ subject: 'Oggetto con\na capo' }), b({ text: 'Campanello \u0007' }), b({ service_id: 'servizio-inesistente' }),
    b({ send_at: sendAtIn(-3600_000) }), b({ send_at: sendAtIn(91 * 86400_000) })]) {
    assert.ok(vb(body), JSON.stringify(body).slice(0, 120));
    await expect('POST /notifications', { as: who.operatore, body }, 422, JSON.stringify(body).slice(0, 120));
  }
});

test('nothing undocumented is served under these paths: other methods 405 with Allow, other paths 404', async () => {
  const o = who.operatore;
  const l = who.lettrice;
  const send = (await expect('POST /notifications', { as: o, body: bulkBody({ send_at: sendAtIn(3600_000) }) }, 202, 'a send')).json.id;
  const concrete = { '/messages/{id}': fx.messages[0], '/messages/{id}/read': fx.messages[0], '/notifications/{id}': send, '/notifications/{id}/cancel': send };
  const base = `${hub.base}${API}`;
  const as = (p) => (p.startsWith('/notifications') ? o : l);
  for (const [p, item] of Object.entries(doc.paths).filter(([x]) => OURS.test(x))) {
    const documented = Object.keys(item).map((m) => m.toUpperCase());
    const allowed = new Set(documented.includes('GET') ? [...documented, 'HEAD'] : documented);
    const url = base + p.replace('{id}', concrete[p] ?? '');
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].filter((m) => !documented.includes(m))) {
      const r = await request(url, { method, headers: { cookie: as(p).cookie, 'X-CSRF-Token': as(p).csrf } });
      assert.equal(r.status, 405, `${method} ${p}: ${r.status} ${r.text.slice(0, 200)}`);
      assert.match(r.headers['content-type'] ?? '', /^application\/problem\+json/, `${method} ${p}`);
      assert.deepEqual(new Set((r.headers.allow ?? '').split(/,\s*/)), allowed, `${method} ${p}: Allow`);
    }
  }
  const others = [`/messages/${fx.messages[0]}/archivia`, `/messages/${fx.messages[0]}/read/x`, '/messages/read',
    `/notifications/${send}/invia`, `/notifications/${send}/cancel/x`, '/notification-preferences/email', '/calendar-feed/x', '/notifications-preferences'];
  for (const p of others) {
    for (const method of ['GET', 'POST']) {
      const r = await request(base + p, { method, headers: { cookie: as(p).cookie, 'X-CSRF-Token': as(p).csrf } });
      assert.ok([404, 405].includes(r.status), `${method} ${p}: ${r.status} ${r.text.slice(0, 200)}`);
      assert.match(r.headers['content-type'] ?? '', /^application\/problem\+json/, `${method} ${p}`);
    }
  }
  await expect('POST /notifications/{id}/cancel', { as: o, id: send }, 200, 'tidy up');
});

test('429 with Retry-After and X-RateLimit-* once an application is over its limit', async () => {
  const throttled = await app(who.lettrice, 'App che supera il limite', ['pratiche:lettura', 'notifiche:invio']);
  let r;
  let calls = 0;
  do {
    r = await call('GET /messages', { as: throttled });
    calls++;
  } while (r.status !== 429 && calls <= BURST + 5);
  assert.equal(r.status, 429);
  for (const key of OPERATIONS) {
    const id = key.includes('/messages/') ? fx.messages[0] : 'inv-qualsiasi';
    const x = await expect(key, { as: throttled, id, body: key.startsWith('PUT') || key === 'POST /notifications' ? {} : undefined }, 429, 'throttled');
    assert.ok(Number(x.headers['retry-after']) >= 1);
  }
});

test('coverage: every documented status of the notification operations was exercised', () => {
  const missing = [];
  for (const key of OPERATIONS)
    for (const s of Object.keys(op(key).op.responses)) if (!exercised.get(key)?.has(s)) missing.push(`${key} ${s}`);
  assert.deepEqual(missing, [], `documented responses never exercised: ${missing.join(', ')}`);
});
