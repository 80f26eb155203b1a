// OpenAPI conformance of the practices hub: /practices, /practices/{id}, /practices/accessi
// (people and applications) and /interop/practices, /interop/events, /interop/practices/{id}
// (back offices, ModI). In the style of tests/api/identity-openapi.test.mjs: every answer is
// checked against docs/openapi.yaml as served (documented status, media type, body with Ajv,
// members the document does not describe, documented headers, problem+json for errors), request
// bodies are checked against the document too (what it calls invalid the server refuses), and
// the last test fails if a documented status of these operations was never exercised.
//
//   AU_BINARY=$PWD/build/accesso-unico node --test tests/practices/practices-openapi.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { openApiSchemas } from '../support/openapi-schema.mjs';
import { loginAs } from '../support/portal-login.mjs';
import { registerApp, tokenFor } from '../identity/access-helpers.mjs';
import { PRACTICES_OPERATIONS } from '../api/identity-operations.mjs';
import {
  startHub, stopHub, openPractice, opening, ev, modiHeaders, request, unique, CF, romeDay, at10,
} from './hub.mjs';

const API = '/api/v1';
const BURST = 40; // every application gets this bucket, refilled at 1 call per 100 s
// Documented statuses that no test can provoke from outside, and why.
const NOT_PROVOKED = {
  'POST /interop/practices 503': 'a failed database commit',
  'POST /interop/events 503': 'a failed database commit',
};

let hub;
let doc;
let pointer, deref, validatorFor, ajvErrors, undocumented; // from openApiSchemas(doc)
const exercised = new Map();
const who = {};
const fx = {};

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
 * Calls `key` and checks the answer against the document. `as`: a person ({cookie}), an app
 * ({bearer}), a back-office client ({client}: signed with ModI), or nobody. `body`: a value
 * (sent as JSON) or `raw` text; `headers` override the signed ones.
 */
async function call(key, { as, id, query = '', body, raw, contentType = 'application/json', headers = {}, method } = {}) {
  const o = op(key);
  const url = `${hub.base}${API}${o.path.replace('{id}', id === undefined ? '' : encodeURIComponent(id))}${query ? `?${query}` : ''}`;
  const text = raw ?? (body === undefined ? '' : JSON.stringify(body));
  let h = {};
  if (as?.cookie) h.cookie = as.cookie;
  if (as?.bearer) h.authorization = `Bearer ${as.bearer}`;
  if (as?.client) h = modiHeaders({ privateJwk: as.client.privateJwk, clientId: as.client.clientId, audience: as.client.audience, body: text, contentType });
  else if (text) h['Content-Type'] = contentType;
  const res = await request(url, { method: method ?? o.method, headers: { ...h, ...headers }, body: text });
  const status = String(res.status);
  const where = `${key} -> ${url.slice(hub.base.length, hub.base.length + 120)}`;
  const documented = o.op.responses[status];
  assert.ok(documented, `${where}: answered ${status}, not documented (${Object.keys(o.op.responses).join(', ')}): ${res.text.slice(0, 300)}`);
  const response = deref(documented);
  const media = (res.headers['content-type'] ?? '').split(';')[0].trim();
  const content = response.content?.[media];
  assert.ok(content, `${where}: Content-Type ${media} not documented for ${status}`);
  assert.ok(res.json !== null, `${where}: the body is not JSON: ${res.text.slice(0, 200)}`);
  const validate = validatorFor(`${key} ${status}`, content.schema);
  assert.ok(validate(res.json), `${where}: the ${status} body does not match the document:\n${ajvErrors(validate)}\n${res.text.slice(0, 400)}`);
  const extra = [...undocumented(content.schema, res.json)];
  assert.deepEqual(extra, [], `${where}: members the document does not describe: ${extra.join(', ')}`);
  for (const [name, h0] of Object.entries(response.headers ?? {})) {
    const hd = deref(h0);
    const value = res.headers[name.toLowerCase()];
    if (hd.required) assert.ok(value !== undefined, `${where}: ${status} without ${name}`);
    if (value !== undefined) {
      const typed = deref(hd.schema).type === 'integer' && /^\d+$/.test(value) ? Number(value) : value;
      assert.ok(validatorFor(`${key} ${status} ${name}`, hd.schema)(typed), `${where}: ${name}: ${value}`);
    }
  }
  if (status >= '400') {
    assert.equal(media, 'application/problem+json', where);
    assert.equal(res.json.status, res.status, `${where}: problem status`);
  }
  if (as?.bearer && res.status !== 401)
    for (const n of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) assert.match(res.headers[n] ?? '', /^\d+$/, `${where}: ${n}`);
  if (!exercised.has(key)) exercised.set(key, new Set());
  exercised.get(key).add(status);
  return res;
}

async function expect(key, request, status, why) {
  const r = await call(key, request);
  assert.equal(r.status, status, `${key} ${why}: ${r.status} ${r.text.slice(0, 300)}`);
  return r;
}

async function app(name, scopes, environment) {
  const reg = await registerApp(hub.base, who.cittadino, { name: `${name} ${unique('oas')}`, scopes, environment });
  assert.equal(reg.status, 200, `registering ${name}`);
  return { bearer: await tokenFor(hub.base, reg.clientId, reg.secret) };
}

// ---------------------------------------------------------------------------------------------

before(async () => {
  hub = await startHub({ env: { AU_API_BURST: String(BURST), AU_API_RATE_PER_SECOND: '0.01' } });
  const served = await request(`${hub.base}${API}/openapi.yaml`);
  assert.equal(served.status, 200);
  doc = yaml.load(served.text);
  ({ pointer, deref, validatorFor, ajvErrors, undocumented } = openApiSchemas(doc, 'practices-openapi-components.json'));
  for (const id of ['cittadino', 'operatore']) who[id] = await loginAs(id);
  fx.own = await openPractice(hub.perugia, { submitted_on: romeDay(-8) });
  const r = await hub.perugia.send(ev(hub.perugia, 'richiesta-integrazione', fx.own.id, { request_id: 'I-1', description: 'Planimetria', status_code: 'SI' }, { time: at10(romeDay(-3)) }));
  assert.equal(r.status, 200, r.text);
  fx.other = await openPractice(hub.perugia, { applicant: { id: CF.professionista, name: 'Luca Verdi' } });
  fx.live = await app('App live', ['pratiche:lettura'], 'live');
  fx.catalogue = await app('App del catalogo', ['catalogo:lettura'], 'live');
}, { timeout: 300_000 });

after(stopHub, { timeout: 120_000 });

test('the document describes the practices hub: security, tags, schemas', () => {
  assert.equal(doc.info.version, '1.4.0');
  const modi = doc.components.securitySchemes.modi;
  assert.deepEqual({ type: modi.type, in: modi.in, name: modi.name }, { type: 'apiKey', in: 'header', name: 'Authorization' });
  for (const word of ['ID_AUTH_REST_02', 'INTEGRITY_REST_01', 'Agid-JWT-Signature', 'Digest', 'jti']) assert.ok(modi.description.includes(word), `modi: ${word}`);
  for (const key of PRACTICES_OPERATIONS) {
    const o = op(key).op;
    assert.ok(o.operationId && o.summary && o.tags?.length, `${key}: operationId, summary, tags`);
    const schemes = o.security.map((s) => Object.keys(s)[0]).sort();
    if (key.includes('/interop/')) assert.deepEqual(schemes, ['modi'], key);
    else assert.deepEqual(schemes, ['bearer', 'oauth2', 'sessione', 'sessioneLocale'], key);
  }
  for (const key of ['POST /interop/practices', 'POST /interop/events'])
    assert.deepEqual(op(key).op.parameters.map((p) => deref(p).name).sort(), ['Agid-JWT-Signature', 'Digest'], key);
  for (const s of ['CloudEvent', 'PracticeSummary', 'PracticeDetail', 'ValidationProblem', 'ModiProblem'])
    assert.ok(doc.components.schemas[s], `schema ${s}`);
});

test('back offices: every answer of the interop operations, as documented', async () => {
  const client = { client: hub.perugia };
  const doc0 = opening();
  const opened = await expect('POST /interop/practices', { as: client, body: doc0 }, 201, 'valid opening');
  await expect('POST /interop/practices', { as: client, body: doc0 }, 201, 'the same opening again');
  await expect('POST /interop/practices', { as: client, body: { ...doc0, title: 'Altro' } }, 409, 'other content');
  await expect('POST /interop/practices', { as: client, raw: '{"service":' }, 400, 'malformed JSON');
  await expect('POST /interop/practices', { as: client, body: doc0, headers: { Digest: 'SHA-256=???' } }, 400, 'unreadable Digest');
  await expect('POST /interop/practices', { body: doc0 }, 401, 'unsigned');
  await expect('POST /interop/practices', { as: client, body: doc0, contentType: 'text/plain' }, 415, 'text/plain');
  await expect('POST /interop/practices', { as: client, body: { ...opening(), service: 'nessuno' } }, 422, 'unknown service');
  await expect('POST /interop/practices', { as: client, raw: JSON.stringify({ ...opening(), note: 'x'.repeat(1024 * 1024) }) }, 413, 'over 1 MiB');

  const id = opened.json.id;
  const e = () => ev(hub.perugia, 'messaggio', id, { text: 'Conforme.' });
  await expect('POST /interop/events', { as: client, body: e() }, 200, 'one event');
  await expect('POST /interop/events', { as: client, body: [e(), e()] }, 200, 'a batch');
  await expect('POST /interop/events', { as: client, body: [e()], contentType: 'application/cloudevents-batch+json' }, 200, 'cloudevents-batch+json');
  await expect('POST /interop/events', { as: client, raw: '[{]' }, 400, 'malformed JSON');
  await expect('POST /interop/events', { body: e() }, 401, 'unsigned');
  const replayed = JSON.stringify(e());
  const signed = modiHeaders({ privateJwk: hub.perugia.privateJwk, clientId: hub.perugia.clientId, audience: hub.perugia.audience, body: replayed });
  await expect('POST /interop/events', { raw: replayed, headers: signed }, 200, 'signed once');
  await expect('POST /interop/events', { raw: replayed, headers: signed }, 401, 'replayed');
  await expect('POST /interop/events', { as: { client: hub.terni }, body: e() }, 403, 'another ente\'s practice');
  await expect('POST /interop/events', { as: client, body: ev(hub.perugia, 'messaggio', unique('pr-x'), { text: 'x' }) }, 404, 'unknown practice');
  await expect('POST /interop/events', { as: client, body: Array.from({ length: 1001 }, e) }, 413, '1001 events');
  await expect('POST /interop/events', { as: client, body: e(), contentType: 'application/xml' }, 415, 'XML');
  await expect('POST /interop/events', { as: client, body: [e(), { ...e(), time: 'ieri' }] }, 422, 'bad time');

  await expect('GET /interop/practices/{id}', { as: client, id }, 200, 'by id');
  await expect('GET /interop/practices/{id}', { as: client, id: doc0.reference, headers: { 'X-Motivo-Accesso': 'verifica' } }, 200, 'by reference');
  await expect('GET /interop/practices/{id}', { as: client, id, headers: { Digest: 'MD5=abc' } }, 400, 'a Digest without SHA-256');
  await expect('GET /interop/practices/{id}', { id }, 401, 'unsigned');
  await expect('GET /interop/practices/{id}', { as: client, id: unique('pr-x') }, 404, 'unknown');
  await expect('GET /interop/practices/{id}', { as: { client: hub.terni }, id }, 404, 'another ente\'s');
});

test('request bodies: what the document calls invalid the server refuses, and valid bodies are accepted', async () => {
  const eventSchema = op('POST /interop/events').op.requestBody.content['application/json'].schema;
  const openSchema = op('POST /interop/practices').op.requestBody.content['application/json'].schema;
  const e = (over = {}, data = { text: 'x' }) => ({ ...ev(hub.perugia, 'messaggio', fx.own.id, data), ...over });
  const drop = (o, k) => Object.fromEntries(Object.entries(o).filter(([x]) => x !== k));
  const events = [
    [e(), true], [[e(), e()], true], [e({ time: '2026-01-10T10:00:00+01:00' }), true], [e({ estensione: 'x', numero: 3 }), true],
    [drop(e(), 'id'), false], [drop(e(), 'source'), false], [drop(e(), 'subject'), false], [drop(e(), 'specversion'), false],
    [e({ specversion: '0.3' }), false], [e({ type: 'it.umbria.accessounico.pratica.aperta' }), false], [e({ type: 'altro' }), false],
    [e({ time: '10/01/2026' }), false], [e({}, { text: '' }), false], [e({}, { text: 'x', status_code: 'ZZ*' }), false],
    [[], false], [e({ id: 7 }), false], [e({ oggetto: { a: 1 } }), false],
  ];
  for (const [body, valid] of events) {
    const v = validatorFor('events body', eventSchema);
    assert.equal(v(body), valid, `the document calls ${JSON.stringify(body).slice(0, 140)} ${valid ? 'invalid' : 'valid'}:\n${ajvErrors(v)}`);
    const r = await call('POST /interop/events', { as: { client: hub.perugia }, body });
    assert.equal(r.status, valid ? 200 : 422, `${JSON.stringify(body).slice(0, 140)}: ${r.text.slice(0, 200)}`);
  }
  const openings = [
    [opening(), true], [opening({ beneficiary: { id: CF.impresa }, legal_term_days: 60, silenzio_assenso: true, altro: 1 }), true],
    [drop(opening(), 'service'), false], [drop(opening(), 'applicant'), false], [opening({ reference: '' }), false],
    [opening({ submitted_on: '2026-1-5' }), false], [opening({ legal_term_days: 0 }), false], [opening({ legal_term_days: 3651 }), false],
    [opening({ silenzio_assenso: 'no' }), false], [opening({ backoffice_url: 'ftp://x' }), false], [opening({ applicant: { name: 'M' } }), false],
  ];
  for (const [body, valid] of openings) {
    const v = validatorFor('open body', openSchema);
    assert.equal(v(body), valid, `the document calls ${JSON.stringify(body).slice(0, 140)} ${valid ? 'invalid' : 'valid'}:\n${ajvErrors(v)}`);
    const r = await call('POST /interop/practices', { as: { client: hub.perugia }, body });
    assert.equal(r.status, valid ? 201 : 422, `${JSON.stringify(body).slice(0, 140)}: ${r.text.slice(0, 200)}`);
  }
});

test('people and applications: every answer of the practices operations, as documented', async () => {
  const c = who.cittadino;
  const list = await expect('GET /practices', { as: c }, 200, 'the cittadina');
  assert.ok(list.json.items.some((x) => x.id === fx.own.id));
  await expect('GET /practices', { as: c, query: 'stato=sospeso-utente&ente=comune-054039' }, 200, 'filters');
  await expect('GET /practices', { as: who.operatore, query: 'vista=ente' }, 200, 'the operator');
  await expect('GET /practices', { as: fx.live }, 200, 'a live app');
  await expect('GET /practices', { as: c, query: 'stato=chiusa' }, 400, 'bad stato');
  await expect('GET /practices', {}, 401, 'nobody');
  await expect('GET /practices', { as: { bearer: 'x.y.z' } }, 401, 'a forged token');
  await expect('GET /practices', { as: c, query: 'vista=ente' }, 403, 'vista=ente for a citizen');
  await expect('GET /practices', { as: fx.catalogue }, 403, 'an app without pratiche:lettura');

  await expect('GET /practices/{id}', { as: c, id: fx.own.id }, 200, 'her own');
  await expect('GET /practices/{id}', { as: who.operatore, id: fx.own.id, query: 'motivo=verifica' }, 200, 'the operator with a reason');
  await expect('GET /practices/{id}', { as: fx.live, id: fx.own.id, query: 'motivo=sincronizzazione' }, 200, 'a live app with a reason');
  await expect('GET /practices/{id}', { as: who.operatore, id: fx.own.id }, 400, 'the operator without a reason');
  await expect('GET /practices/{id}', { id: fx.own.id }, 401, 'nobody');
  await expect('GET /practices/{id}', { as: fx.catalogue, id: fx.own.id }, 403, 'an app without pratiche:lettura');
  await expect('GET /practices/{id}', { as: c, id: fx.other.id }, 404, 'someone else\'s');

  const log = await expect('GET /practices/accessi', { as: c }, 200, 'the cittadina');
  assert.ok(log.json.items.some((x) => x.reason === 'verifica' && x.kind === 'operatore'));
  await expect('GET /practices/accessi', { as: c, query: 'x=%ZZ' }, 400, 'bad encoding');
  await expect('GET /practices/accessi', {}, 401, 'nobody');
  await expect('GET /practices/accessi', { as: fx.live }, 403, 'an application');
});

test('429 with Retry-After and X-RateLimit-* once an application is over its limit', async () => {
  const throttled = await app('App che supera il limite', ['pratiche:lettura'], 'live');
  let r;
  let calls = 0;
  do {
    r = await call('GET /practices/accessi', { as: throttled });
    calls++;
  } while (r.status !== 429 && calls <= BURST + 5);
  assert.equal(r.status, 429);
  for (const [key, id] of [['GET /practices', undefined], ['GET /practices/{id}', fx.own.id], ['GET /practices/accessi', undefined]]) {
    const x = await expect(key, { as: throttled, id, query: id ? 'motivo=x' : '' }, 429, 'throttled');
    assert.ok(Number(x.headers['retry-after']) >= 1);
  }
});

test('coverage: every documented status of the practices operations was exercised', () => {
  const missing = [];
  for (const key of PRACTICES_OPERATIONS)
    for (const s of Object.keys(op(key).op.responses))
      if (!exercised.get(key)?.has(s) && !NOT_PROVOKED[`${key} ${s}`]) missing.push(`${key} ${s}`);
  assert.deepEqual(missing, [], `documented responses never exercised: ${missing.join(', ')}`);
  const keys = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
  const hub0 = keys.filter((k) => / \/(interop|practices)/.test(k));
  assert.deepEqual(hub0.sort(), [...PRACTICES_OPERATIONS].sort(), 'the list in identity-operations.mjs matches the document');
});
