// OpenAPI conformance of the identity API (/api/v1/me, /api/v1/delegations...), logged in.
//
// Starts the portal with the demo OpenID provider (tests/support/portal-login.mjs), logs the demo
// people in, registers applications through the developer pages and takes their tokens from
// /oauth/token; then, for every operation of docs/openapi.yaml that needs a caller (the list in
// identity-operations.mjs):
//   - calls it as people and applications do, and validates status, Content-Type, body (Ajv,
//     OpenAPI 3.0 schemas converted to JSON Schema) and documented response headers;
//   - reports body members that the document does not describe;
//   - drives every documented error status: 400, 401 (WWW-Authenticate), 403, 404, 409, 413, 415,
//     422 and 429 (Retry-After, X-RateLimit-*), always application/problem+json (RFC 9457);
//   - sends malformed input for each parameter (path id, X-CSRF-Token, query) and for each member
//     of the request bodies, checking that the document too calls it invalid.
// The last test fails if an operation, or a documented status of one, was never exercised.
//
//   cd /work/main && node --test tests/api/
//
// Environment: AU_BINARY (default build/accesso-unico), AU_BROWSER_DEBUG=1 echoes the server log,
// AU_OIDC_DEBUG=1 the provider's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { openApiSchemas } from '../support/openapi-schema.mjs';
import { serverOutput } from '../browser/harness.mjs';
import { startPortalWithLogin, stopPortalWithLogin, loginAs, demoPeople, fiscalCodeOf } from '../support/portal-login.mjs';
import { IDENTITY_OPERATIONS, securedOperationKeys } from './identity-operations.mjs';

const API_PREFIX = '/api/v1';
const REQUEST_TIMEOUT_MS = 20_000;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
// Every application registered here gets this bucket: BURST calls, then one more every 100 s.
// Enough for the calls the tests make with one token, and a throttled app stays throttled.
const API_BURST = 60;
const API_RATE_PER_SECOND = 0.01;
const RATE_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
const SCOPES = ['catalogo:lettura', 'pratiche:lettura', 'pratiche:scrittura', 'notifiche:invio'];

let base = null;
let doc = null;
let ops = new Map(); // key -> {key, method, path, op, params}
let pointer, deref, validatorFor, ajvErrors, undocumented; // from openApiSchemas(doc)
const exercised = new Map(); // operation key -> set of statuses (validated answers)
const who = {}; // demo person id -> {cookie, csrf, fiscalCode}
const fx = {}; // values discovered from the public API and the developer pages

// ---------------------------------------------------------------------------------------------
// The document ($ref, OpenAPI 3.0 schema -> JSON Schema, members that no schema describes:
// tests/support/openapi-schema.mjs, set up in before())
// ---------------------------------------------------------------------------------------------

function collectOperations() {
  const out = new Map();
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      const byKey = new Map([...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref).map((q) => [`${q.in}:${q.name}`, q]));
      const key = `${method.toUpperCase()} ${p}`;
      out.set(key, { key, method, path: p, op, params: [...byKey.values()] });
    }
  }
  return out;
}

function op(key) {
  const o = ops.get(key);
  assert.ok(o, `${key} is not in the document`);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Calling the API and checking each answer against the document
// ---------------------------------------------------------------------------------------------

const mediaType = (ct) => (ct ?? '').split(';')[0].trim().toLowerCase();

/** The path of `o` with its parameters filled in (encoded, unless values.raw is set). */
function expandPath(o, values) {
  return o.path.replace(/\{([^}]+)\}/g, (_, name) => {
    assert.ok(name in values, `${o.key}: no value for path parameter {${name}}`);
    return values[name] === undefined ? '' : values.raw ? values[name] : encodeURIComponent(values[name]);
  });
}

async function send(method, url, { headers = {}, body } = {}) {
  try {
    const res = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return { res, text: await res.text() };
  } catch (e) {
    throw new Error(`${method} ${url}: ${e.message}\n--- server output ---\n${serverOutput()}`);
  }
}

/** Request headers for a caller: a person ({cookie, csrf}), an application ({bearer}) or nobody. */
function authHeaders(as, csrf) {
  const h = {};
  if (as?.cookie) h.cookie = as.cookie;
  if (as?.bearer !== undefined) h.authorization = `Bearer ${as.bearer}`;
  const token = csrf === undefined ? as?.csrf : csrf;
  if (token !== null && token !== undefined) h['x-csrf-token'] = token;
  return h;
}

/**
 * Calls operation `o` and checks the answer against the document: documented status, media type,
 * body schema, undocumented members, documented response headers (required ones present, values
 * valid), problem+json for errors, X-RateLimit-* on every answer to an application.
 *
 * Options: as (caller), pathValues, query (raw string), json (a value sent as JSON), body (raw),
 * contentType (default application/json when there is a body; null for none), csrf (override:
 * null omits it), headers (more), method (override, e.g. HEAD).
 */
async function call(o, { as, pathValues = {}, query = '', json, body, contentType, csrf, headers = {}, method } = {}) {
  const m = (method ?? o.method).toUpperCase();
  const url = `${base}${API_PREFIX}${expandPath(o, pathValues)}${query ? `?${query}` : ''}`;
  const h = { ...authHeaders(as, csrf), ...headers };
  let payload = json !== undefined ? JSON.stringify(json) : body;
  if (payload !== undefined) {
    const ct = contentType === undefined ? 'application/json' : contentType;
    if (ct !== null) h['content-type'] = ct;
    else if (typeof payload === 'string') payload = new TextEncoder().encode(payload); // no Content-Type at all
  }
  const { res, text } = await send(m, url, { headers: h, body: payload });
  const status = String(res.status);
  const where = `${o.key} -> ${m} ${url.slice(base.length)}`;
  const documented = o.op.responses?.[status];
  assert.ok(documented, `${where}: answered ${status}, not documented (documented: ${Object.keys(o.op.responses).join(', ')}). Body: ${text.slice(0, 300)}`);
  const response = deref(documented);
  const ct = res.headers.get('content-type');
  let parsed = text;
  if (m === 'HEAD') {
    assert.equal(text, '', `${where}: HEAD answer with a body`);
  } else if (response.content) {
    const media = mediaType(ct);
    assert.ok(response.content[media], `${where}: Content-Type "${ct}" not documented for ${status} (documented: ${Object.keys(response.content).join(', ')})`);
    if (/[/+]json$/.test(media)) {
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        assert.fail(`${where}: the body is not JSON (${e.message}): ${text.slice(0, 200)}`);
      }
    }
    const schema = response.content[media].schema;
    if (schema) {
      const validate = validatorFor(`${o.key} ${status} ${media}`, schema);
      assert.ok(validate(parsed), `${where}: the ${status} body does not match the document:\n${ajvErrors(validate)}\nBody: ${text.slice(0, 500)}`);
      const extra = [...undocumented(schema, parsed)];
      assert.deepEqual(extra, [], `${where}: the ${status} body has members the document does not describe: ${extra.join(', ')}`);
    }
  } else {
    assert.equal(text, '', `${where}: the document declares no content for ${status}, the body is not empty`);
  }
  for (const [name, h0] of Object.entries(response.headers ?? {})) {
    const hd = deref(h0);
    const value = res.headers.get(name);
    if (hd.required) assert.ok(value !== null, `${where}: ${status} without the required header ${name}`);
    if (value !== null && hd.schema) {
      const s = deref(hd.schema);
      const typed = (s.type === 'integer' || s.type === 'number') && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
      const validate = validatorFor(`${o.key} ${status} header ${name}`, hd.schema);
      assert.ok(validate(typed), `${where}: header ${name}: ${value} does not match the document:\n${ajvErrors(validate)}`);
    }
  }
  if (/^[45]/.test(status)) {
    assert.equal(mediaType(ct), 'application/problem+json', `${where}: error with Content-Type ${ct}`);
    if (m !== 'HEAD') assertProblem(parsed, res.status, where);
  }
  if (as?.bearer !== undefined && as.valid) {
    for (const name of RATE_HEADERS) assert.match(res.headers.get(name) ?? '', /^\d+$/, `${where}: answer to an application without ${name}`);
  }
  if (!exercised.has(o.key)) exercised.set(o.key, new Set());
  exercised.get(o.key).add(status);
  return { status: res.status, headers: res.headers, body: parsed, text, url };
}

function assertProblem(body, status, label) {
  const validate = validatorFor('Problem', { $ref: '#/components/schemas/Problem' });
  assert.ok(validate(body), `${label}: not a Problem:\n${ajvErrors(validate)}\n${JSON.stringify(body)}`);
  assert.equal(body.status, status, `${label}: problem "status" ${body.status} differs from the HTTP status ${status}`);
  assert.ok(body.title.length > 0 && body.detail.length > 0, `${label}: empty title or detail`);
}

/** call() that must answer `expected` (a status or a list of acceptable ones). */
async function expectStatus(o, request, expected, why) {
  const r = await call(o, request);
  const list = [].concat(expected);
  assert.ok(list.includes(r.status), `${o.key} ${why}: expected ${list.join(' or ')}, got ${r.status}: ${r.text.slice(0, 300)}`);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Fixtures: people, applications, dates, catalogue ids
// ---------------------------------------------------------------------------------------------

const day = (offsetDays) => new Date(Date.now() + offsetDays * 86400_000).toISOString().slice(0, 10);

/** A valid body for POST /delegations to the demo person `delegateId`, with `extra` members. */
function delegationBody(delegateId, extra = {}) {
  return { delegate: fiscalCodeOf(delegateId), scope: 'tutti', valid_from: day(0), valid_until: day(365), ...extra };
}

async function createDelegation(grantorId, delegateId, extra = {}) {
  const r = await expectStatus(op('POST /delegations'), { as: who[grantorId], json: delegationBody(delegateId, extra) }, 201, 'valid delegation');
  return r.body;
}

async function form(path, as, fields) {
  const { res, text } = await send('POST', `${base}${path}`, {
    headers: { cookie: as.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([['csrf', as.csrf], ...fields]).toString(),
  });
  return { res, text };
}

/** Registers an application through the developer pages (as the person `as`) and takes a token. */
async function registerApp(as, name, scopes = ['catalogo:lettura']) {
  const { res, text } = await form('/sviluppatori/applicazioni', as, [
    ['nome', name],
    ['descrizione', 'Registrata da identity-openapi.test.mjs'],
    ['ambiente', 'test'],
    ...scopes.map((s) => ['scope', s]),
  ]);
  assert.equal(res.status, 200, `registering ${name}: ${res.status} ${text.slice(0, 300)}`);
  const clientId = /data-testid="client-id">([^<]+)</.exec(text)?.[1];
  const secret = /data-testid="client-secret">([^<]+)</.exec(text)?.[1];
  assert.ok(clientId && secret, `registering ${name}: no client id or secret in the page`);
  const app = { name, clientId, secret, scopes };
  app.bearer = await accessToken(app);
  app.valid = true;
  return app;
}

function basic(app) {
  return 'Basic ' + Buffer.from(`${encodeURIComponent(app.clientId)}:${encodeURIComponent(app.secret)}`).toString('base64');
}

async function tokenRequest(body, headers = {}) {
  const { res, text } = await send('POST', `${base}/oauth/token`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // checked by the caller
  }
  return { res, text, json };
}

async function accessToken(app) {
  const t = await tokenRequest('grant_type=client_credentials', { authorization: basic(app) });
  assert.equal(t.res.status, 200, `token for ${app.name}: ${t.res.status} ${t.text.slice(0, 300)}`);
  return t.json.access_token;
}

// ---------------------------------------------------------------------------------------------

before(async () => {
  ({ base } = await startPortalWithLogin({
    env: { AU_API_BURST: String(API_BURST), AU_API_RATE_PER_SECOND: String(API_RATE_PER_SECOND) },
  }));
  const { res, text } = await send('GET', `${base}${API_PREFIX}/openapi.yaml`);
  assert.equal(res.status, 200, `GET ${API_PREFIX}/openapi.yaml answered ${res.status}`);
  doc = yaml.load(text);
  ({ pointer, deref, validatorFor, ajvErrors, undocumented } = openApiSchemas(doc, 'identity-openapi-components.json'));
  ops = collectOperations();
  for (const p of demoPeople) who[p.id] = await loginAs(p.id);
  for (const [id, w] of Object.entries(who)) assert.ok(w.cookie && w.csrf, `login of ${id}: no session cookie or CSRF token`);
  // Real catalogue ids, from the public API.
  const services = JSON.parse((await send('GET', `${base}${API_PREFIX}/services?per_page=5`)).text);
  fx.serviceIds = services.items.map((s) => s.id);
  const enti = JSON.parse((await send('GET', `${base}${API_PREFIX}/enti?kind=comune&per_page=5`)).text);
  fx.enteIds = enti.items.map((e) => e.id);
  assert.ok(fx.serviceIds.length && fx.enteIds.length, 'no services or enti in the catalogue');
  fx.app = await registerApp(who.cittadino, 'App di prova delle API di identità');
});

after(async () => {
  await stopPortalWithLogin();
});

// ---------------------------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------------------------

test('the document: version, security schemes, rate-limit headers and error responses', () => {
  assert.equal(doc.info.version, '1.4.0', 'info.version');
  assert.deepEqual(securedOperationKeys(doc).sort(), [...IDENTITY_OPERATIONS].sort(), 'operations with a security requirement');
  assert.equal(doc.security, undefined, 'no global security requirement: the catalogue stays public');
  assert.ok(!Object.keys(doc.paths).some((p) => p.includes('oauth')), 'the token endpoint is outside /api/v1: not a path');

  const schemes = doc.components.securitySchemes;
  assert.deepEqual(
    { type: schemes.sessione?.type, in: schemes.sessione?.in, name: schemes.sessione?.name },
    { type: 'apiKey', in: 'cookie', name: '__Host-au_session' },
  );
  assert.deepEqual(
    { type: schemes.sessioneLocale?.type, in: schemes.sessioneLocale?.in, name: schemes.sessioneLocale?.name },
    { type: 'apiKey', in: 'cookie', name: 'au_session' },
  );
  assert.equal(schemes.bearer?.type, 'http');
  assert.equal(schemes.bearer?.scheme, 'bearer');
  const cc = schemes.oauth2?.flows?.clientCredentials;
  assert.equal(schemes.oauth2?.type, 'oauth2');
  assert.equal(cc?.tokenUrl, '/oauth/token');
  assert.deepEqual(Object.keys(cc.scopes).sort(), [...SCOPES].sort(), 'oauth2 scopes');
  for (const k of Object.keys(schemes)) assert.ok(schemes[k].description?.length > 20, `securitySchemes.${k}: no description`);

  for (const name of [...RATE_HEADERS, 'Retry-After', 'WWW-Authenticate'])
    assert.ok(doc.components.headers?.[name]?.schema, `components.headers.${name}`);

  for (const key of IDENTITY_OPERATIONS) {
    const o = op(key);
    assert.ok(o.op.operationId && o.op.summary && o.op.tags?.length, `${key}: operationId, summary and tags`);
    const responses = o.op.responses;
    for (const [status, r] of Object.entries(responses)) {
      const resp = deref(r);
      assert.ok(resp.description, `${key} ${status}: description`);
      if (/^2/.test(status))
        for (const h of RATE_HEADERS) assert.ok(resp.headers?.[h], `${key} ${status}: header ${h} not documented`);
      if (/^[45]/.test(status)) assert.deepEqual(Object.keys(resp.content ?? {}), ['application/problem+json'], `${key} ${status}: errors are problem+json`);
    }
    for (const s of ['401', '429']) assert.ok(responses[s], `${key}: ${s} not documented`);
    assert.equal(deref(deref(responses['401']).headers?.['WWW-Authenticate'])?.required, true, `${key} 401: WWW-Authenticate required`);
    const tooMany = deref(responses['429']).headers ?? {};
    for (const h of ['Retry-After', ...RATE_HEADERS]) assert.equal(deref(tooMany[h])?.required, true, `${key} 429: ${h} required`);
    if (o.method === 'post') {
      assert.ok(o.op.requestBody?.content?.['application/json']?.schema, `${key}: JSON request body`);
      // Only revoke and reject, which carry nothing, may omit it.
      assert.equal(o.op.requestBody.required, !/\/(revoke|reject)$/.test(o.path ?? key), `${key}: body required or optional as it should be`);
      assert.ok(o.params.some((p) => p.in === 'header' && p.name === 'X-CSRF-Token' && p.required), `${key}: X-CSRF-Token header`);
      for (const s of ['403', '413', '415']) assert.ok(responses[s], `${key}: ${s} not documented`);
    }
  }
  assert.ok(op('POST /delegations').op.responses['422'], 'POST /delegations 422');
  for (const key of ['POST /delegations/{id}/revoke', 'POST /delegations/{id}/reject'])
    for (const s of ['404', '409']) assert.ok(op(key).op.responses[s], `${key}: ${s} not documented`);
});

test('the oauth2 scopes are those offered on the developer pages', async () => {
  const { res, text } = await send('GET', `${base}/sviluppatori`, { headers: { cookie: who.cittadino.cookie } });
  assert.equal(res.status, 200);
  const offered = [...text.matchAll(/name="scope"[^>]*value="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(offered.sort(), Object.keys(doc.components.securitySchemes.oauth2.flows.clientCredentials.scopes).sort());
});

// ---------------------------------------------------------------------------------------------
// 2xx
// ---------------------------------------------------------------------------------------------

test('GET /me with a session: the person, for every demo person', async (t) => {
  const o = op('GET /me');
  for (const p of demoPeople) {
    await t.test(p.id, async () => {
      const r = await expectStatus(o, { as: who[p.id] }, 200, `as ${p.id}`);
      assert.equal(r.body.kind, 'person');
      assert.equal(r.body.fiscal_code, fiscalCodeOf(p.id));
      assert.equal(r.body.given_name, p.given_name);
      assert.equal(r.body.family_name, p.family_name);
      assert.equal(r.body.spid_level, p.acr);
      // Every role of people.json (a database shared with other suites may hold more).
      for (const role of ['cittadino', ...p.roles.map((x) => x.role)]) assert.ok(r.body.roles.includes(role), `role ${role} in ${JSON.stringify(r.body.roles)}`);
      for (const role of p.roles) {
        if (role.role === 'rappresentante-impresa') assert.ok(r.body.businesses?.includes(role.scope), `businesses ${JSON.stringify(r.body.businesses)}`);
        if (role.role === 'operatore-ente') assert.equal(r.body.ente, role.scope);
        if (role.role === 'redattore') assert.ok(r.body.communities?.includes(role.scope), `communities ${JSON.stringify(r.body.communities)}`);
      }
      assert.match(r.headers.get('cache-control') ?? '', /no-store/, 'personal data must not be stored by caches');
      for (const h of RATE_HEADERS) assert.equal(r.headers.get(h), null, `${h} is for applications, not for sessions`);
    });
  }
  await t.test('HEAD', async () => {
    await expectStatus(o, { as: who.cittadino, method: 'HEAD' }, 200, 'HEAD');
  });
});

test('GET /me with a bearer token: the application, with the X-RateLimit-* headers', async () => {
  const o = op('GET /me');
  const first = await expectStatus(o, { as: fx.app }, 200, 'as the application');
  assert.deepEqual(first.body, { kind: 'application', client_id: fx.app.clientId, name: fx.app.name, environment: 'test', scopes: ['catalogo:lettura'] });
  assert.match(first.headers.get('cache-control') ?? '', /no-store/);
  const second = await expectStatus(o, { as: fx.app }, 200, 'as the application, again');
  const n = (r, h) => Number(r.headers.get(h));
  assert.equal(n(first, 'X-RateLimit-Limit'), API_BURST, 'X-RateLimit-Limit is the burst of the bucket');
  assert.equal(n(second, 'X-RateLimit-Remaining'), n(first, 'X-RateLimit-Remaining') - 1, 'X-RateLimit-Remaining goes down by one a call');
  assert.ok(n(second, 'X-RateLimit-Reset') > 0, 'X-RateLimit-Reset');
  // A token asked for a subset of the scopes carries only that subset.
  const app2 = await registerApp(who.impresa, 'Gestionale di prova', ['catalogo:lettura', 'pratiche:lettura']);
  const t2 = await tokenRequest('grant_type=client_credentials&scope=pratiche%3Alettura', { authorization: basic(app2) });
  assert.equal(t2.res.status, 200, t2.text);
  const r = await expectStatus(o, { as: { bearer: t2.json.access_token, valid: true } }, 200, 'token with one scope');
  assert.deepEqual(r.body.scopes, ['pratiche:lettura']);
  const all = await expectStatus(o, { as: app2 }, 200, 'token with every granted scope');
  assert.deepEqual(all.body.scopes.sort(), ['catalogo:lettura', 'pratiche:lettura']);
});

test('delegations: create, list, accept, revoke and reject as documented', async (t) => {
  const list = op('GET /delegations');
  const accept = op('POST /delegations/accept');
  const revoke = op('POST /delegations/{id}/revoke');
  const reject = op('POST /delegations/{id}/reject');
  let d;
  await t.test('POST /delegations: 201, in-attesa, the end date included, the acceptance code once', async () => {
    // A lower-case fiscal code is accepted (the document says so) and stored upper-case.
    d = await createDelegation('cittadino', 'professionista', { delegate: fiscalCodeOf('professionista').toLowerCase() });
    assert.equal(d.status, 'in-attesa');
    assert.equal(d.grantor, fiscalCodeOf('cittadino'));
    assert.equal(d.grantor_kind, 'persona');
    assert.equal(d.grantor_name, 'Maria Rossi');
    assert.equal(d.delegate, fiscalCodeOf('professionista'));
    assert.equal(d.all_services, true);
    assert.equal(d.valid_from, `${day(0)}T00:00:00Z`);
    assert.equal(d.valid_until, `${day(366)}T00:00:00Z`, 'valid_until is the end of the last day');
    assert.match(d.acceptance_code, /^[A-Z0-9]{6,}$/);
  });
  await t.test('GET /delegations: granted by the grantor, received by the delegate, without the code', async () => {
    const mine = await expectStatus(list, { as: who.cittadino }, 200, 'grantor');
    const found = mine.body.granted.find((x) => x.id === d.id);
    assert.ok(found, 'the new delegation is among the granted ones');
    assert.equal(found.acceptance_code, undefined, 'the acceptance code is never shown again');
    const his = await expectStatus(list, { as: who.professionista }, 200, 'delegate');
    assert.ok(his.body.received.some((x) => x.id === d.id), 'the new delegation is among the received ones');
    const other = await expectStatus(list, { as: who.operatore }, 200, 'somebody else');
    assert.ok(![...other.body.granted, ...other.body.received].some((x) => x.id === d.id), 'nobody else sees it');
    await expectStatus(list, { as: who.cittadino, method: 'HEAD' }, 200, 'HEAD');
  });
  await t.test('POST /delegations/accept: the code, in lower case and with dashes', async () => {
    const code = d.acceptance_code.toLowerCase().replace(/(.{3})/g, '$1-');
    const r = await expectStatus(accept, { as: who.professionista, json: { code } }, 200, 'valid code');
    assert.equal(r.body.id, d.id);
    assert.equal(r.body.status, 'attiva');
  });
  await t.test('POST /delegations/{id}/revoke by the grantor: revocata', async () => {
    const r = await expectStatus(revoke, { as: who.cittadino, pathValues: { id: d.id }, json: {} }, 200, 'grantor revokes');
    assert.equal(r.body.status, 'revocata');
  });
  await t.test('POST /delegations/{id}/revoke by the delegate (renounces): revocata', async () => {
    const d2 = await createDelegation('cittadino', 'professionista', { scope: 'servizi', services: fx.serviceIds.slice(0, 2) });
    assert.deepEqual(d2.services, fx.serviceIds.slice(0, 2));
    assert.equal(d2.all_services, false);
    const r = await expectStatus(revoke, { as: who.professionista, pathValues: { id: d2.id }, json: {} }, 200, 'delegate renounces');
    assert.equal(r.body.status, 'revocata');
  });
  await t.test('POST /delegations/{id}/reject by the delegate: rifiutata', async () => {
    const d3 = await createDelegation('cittadino', 'professionista', { scope: 'enti', enti: fx.enteIds.slice(0, 1) });
    assert.deepEqual(d3.enti, fx.enteIds.slice(0, 1));
    const r = await expectStatus(reject, { as: who.professionista, pathValues: { id: d3.id }, json: {} }, 200, 'delegate rejects');
    assert.equal(r.body.status, 'rifiutata');
  });
  await t.test('a company delegates: grantor = the VAT number of the business its representative acts for', async () => {
    const vat = demoPeople.find((p) => p.id === 'impresa').roles[0].scope;
    const r = await createDelegation('impresa', 'professionista', { grantor: vat });
    assert.equal(r.grantor, vat);
    assert.equal(r.grantor_kind, 'impresa');
    assert.equal(r.grantor_name, 'Tessiture Umbre S.r.l.');
    const mine = await expectStatus(list, { as: who.impresa }, 200, 'representative');
    assert.ok(mine.body.granted.some((x) => x.id === r.id), 'listed among the granted ones of the representative');
  });
  await t.test('Content-Type application/json with a charset, and the portal\'s own Origin, are accepted', async () => {
    await expectStatus(op('POST /delegations'), {
      as: who.cittadino,
      json: delegationBody('professionista'),
      contentType: 'application/json; charset=utf-8',
      headers: { origin: base },
    }, 201, 'charset and same Origin');
  });
});

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** A request for each operation that is valid but for what the test varies. */
function validRequest(key, as = who.cittadino) {
  switch (key) {
    case 'GET /me':
    case 'GET /delegations':
      return { as };
    case 'POST /delegations':
      return { as, json: delegationBody('professionista') };
    case 'POST /delegations/accept':
      return { as, json: { code: 'ABCDEFGHJK' } };
    default:
      return { as, pathValues: { id: 'dlg-non-esiste' }, json: {} };
  }
}

test('401 with WWW-Authenticate: no session, an unknown session, a malformed, foreign or revoked token', async (t) => {
  const victim = await registerApp(who.cittadino, 'App da revocare');
  const { res } = await form(`/sviluppatori/applicazioni/${victim.clientId}/revoca`, who.cittadino, []);
  assert.ok(res.status < 400, `revoking the application: ${res.status}`);
  const idToken = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'; // unsigned: never accepted
  const callers = [
    ['anonymous', null, null],
    ['an unknown session cookie', { cookie: 'au_session=' + 'x'.repeat(43), csrf: 'x' }, null],
    ['a malformed bearer token', { bearer: 'non-un-jwt' }, 'invalid_token'],
    ['an unsigned token', { bearer: idToken }, 'invalid_token'],
    ['the token of a revoked application', { bearer: victim.bearer }, 'invalid_token'],
  ];
  for (const key of IDENTITY_OPERATIONS) {
    await t.test(key, async () => {
      for (const [label, as, error] of callers) {
        const r = await expectStatus(op(key), { ...validRequest(key), as }, 401, label);
        const challenge = r.headers.get('www-authenticate');
        if (error) assert.match(challenge, new RegExp(`error="${error}"`), `${label}: ${challenge}`);
        else assert.doesNotMatch(challenge, /error=/, `${label}: no error without a token (RFC 6750 §3.1): ${challenge}`);
      }
    });
  }
});

test('403: an application on the delegations; missing or wrong X-CSRF-Token; a foreign Origin; a grantor not represented; a party without the right', async (t) => {
  for (const key of IDENTITY_OPERATIONS.filter((k) => k !== 'GET /me')) {
    await t.test(`${key}: an application's token`, async () => {
      await expectStatus(op(key), { ...validRequest(key), as: fx.app }, 403, 'application');
    });
  }
  for (const key of IDENTITY_OPERATIONS.filter((k) => k.startsWith('POST'))) {
    await t.test(`${key}: X-CSRF-Token and Origin`, async () => {
      const valid = validRequest(key);
      await expectStatus(op(key), { ...valid, csrf: null }, 403, 'without X-CSRF-Token');
      await expectStatus(op(key), { ...valid, csrf: '' }, 403, 'with an empty X-CSRF-Token');
      // One character changed (a token that already ends in Z would stay right with "+ 'Z'").
      const csrf = who.cittadino.csrf;
      const wrong = csrf.slice(0, -1) + (csrf.endsWith('Z') ? 'Y' : 'Z');
      await expectStatus(op(key), { ...valid, csrf: wrong }, 403, 'with a wrong X-CSRF-Token');
      await expectStatus(op(key), { ...valid, csrf: who.professionista.csrf }, 403, "with another session's X-CSRF-Token");
      await expectStatus(op(key), { ...valid, headers: { origin: 'https://example.org' } }, 403, 'from another Origin');
      // The token is not taken from a form field either: JSON bodies carry no "csrf" member.
      if (valid.json && Object.keys(valid.json).length)
        await expectStatus(op(key), { ...valid, csrf: null, json: { ...valid.json, csrf: who.cittadino.csrf } }, 403, 'token in the body instead of the header');
    });
  }
  await t.test('POST /delegations for somebody else (a grantor the caller does not represent)', async () => {
    await expectStatus(op('POST /delegations'), { as: who.cittadino, json: delegationBody('professionista', { grantor: fiscalCodeOf('operatore') }) }, 403, 'foreign grantor');
    await expectStatus(op('POST /delegations'), { as: who.cittadino, json: delegationBody('professionista', { grantor: '02876540549' }) }, 403, 'a company she does not represent');
  });
  await t.test('accept by a delegate who is not an intermediary (who may still turn it down)', async () => {
    const d = await createDelegation('cittadino', 'impresa');
    await expectStatus(op('POST /delegations/accept'), { as: who.impresa, json: { code: d.acceptance_code } }, 403, 'not an intermediary accepts');
    const r = await expectStatus(op('POST /delegations/{id}/reject'), { as: who.impresa, pathValues: { id: d.id }, json: {} }, 200, 'not an intermediary rejects');
    assert.equal(r.body.status, 'rifiutata');
  });
  await t.test('reject by the grantor (who withdraws with revoke instead)', async () => {
    const d = await createDelegation('cittadino', 'professionista');
    await expectStatus(op('POST /delegations/{id}/reject'), { as: who.cittadino, pathValues: { id: d.id }, json: {} }, 403, 'the grantor rejects');
    await expectStatus(op('POST /delegations/{id}/revoke'), { as: who.cittadino, pathValues: { id: d.id }, json: {} }, 200, 'clean up');
  });
});

test('404: unknown delegations and delegations of others; 409: a state that does not allow it', async (t) => {
  const revoke = op('POST /delegations/{id}/revoke');
  const reject = op('POST /delegations/{id}/reject');
  const d = await createDelegation('cittadino', 'professionista');
  await t.test('malformed and unknown {id}', async () => {
    for (const o of [revoke, reject]) {
      for (const [id, why] of [
        ['dlg-non-esiste', 'unknown id'],
        ['x', 'one character'],
        ['dlg-' + 'a'.repeat(300), 'very long id'],
        ['dlg-àèìòù', 'non-ASCII id'],
        [d.id + 'x', 'a real id plus one character'],
        [d.id.toUpperCase(), 'a real id in upper case'],
      ])
        await expectStatus(o, { as: who.cittadino, pathValues: { id }, json: {} }, 404, why);
    }
  });
  await t.test('{id} with invalid percent-encoding: a documented 400 or 404, problem+json', async () => {
    for (const o of [revoke, reject])
      await expectStatus(o, { as: who.cittadino, pathValues: { id: '%ZZ', raw: true }, json: {} }, [400, 404], 'invalid percent-encoding');
  });
  await t.test('a delegation of others is not found', async () => {
    await expectStatus(revoke, { as: who.operatore, pathValues: { id: d.id }, json: {} }, 404, 'revoke by a stranger');
    await expectStatus(reject, { as: who.operatore, pathValues: { id: d.id }, json: {} }, 404, 'reject by a stranger');
  });
  await t.test('409: reject an active delegation, revoke or reject a concluded one', async () => {
    await expectStatus(op('POST /delegations/accept'), { as: who.professionista, json: { code: d.acceptance_code } }, 200, 'accept');
    await expectStatus(reject, { as: who.professionista, pathValues: { id: d.id }, json: {} }, 409, 'reject an active delegation');
    await expectStatus(revoke, { as: who.cittadino, pathValues: { id: d.id }, json: {} }, 200, 'revoke');
    await expectStatus(revoke, { as: who.cittadino, pathValues: { id: d.id }, json: {} }, 409, 'revoke twice');
    await expectStatus(revoke, { as: who.professionista, pathValues: { id: d.id }, json: {} }, 409, 'renounce a revoked delegation');
    await expectStatus(reject, { as: who.professionista, pathValues: { id: d.id }, json: {} }, 409, 'reject a revoked delegation');
  });
  await t.test('an accepted code cannot be used again (422, no other delegation for it)', async () => {
    await expectStatus(op('POST /delegations/accept'), { as: who.professionista, json: { code: d.acceptance_code } }, 422, 'code used twice');
  });
});

test('413 and 415 on every write', async (t) => {
  for (const key of IDENTITY_OPERATIONS.filter((k) => k.startsWith('POST'))) {
    await t.test(key, async () => {
      const valid = validRequest(key);
      await expectStatus(op(key), { ...valid, json: { ...(valid.json ?? {}), riempitivo: 'x'.repeat(70_000) } }, 413, 'a 70 KB body');
      await expectStatus(op(key), { ...valid, json: undefined, body: '{' + ' '.repeat(65_600) + '}' }, 413, 'a 64 KiB + 66 B body of blanks');
      await expectStatus(op(key), { ...valid, contentType: 'text/plain' }, 415, 'text/plain');
      await expectStatus(op(key), { ...valid, contentType: 'application/x-www-form-urlencoded' }, 415, 'a form');
      await expectStatus(op(key), { ...valid, contentType: null }, 415, 'no Content-Type');
    });
  }
});

test('a body over the server-wide 1 MiB limit is a 413 application/problem+json too', async (t) => {
  // The document promises problem+json for every error of these operations.
  for (const key of IDENTITY_OPERATIONS.filter((k) => k.startsWith('POST'))) {
    await t.test(key, async () => {
      const valid = validRequest(key);
      await expectStatus(op(key), { ...valid, json: { riempitivo: 'x'.repeat(1_100_000) } }, 413, 'a 1.1 MB body');
    });
  }
});

test('400: query parameters on operations without any; bodies that are not a JSON object', async (t) => {
  for (const key of ['GET /me', 'GET /delegations']) {
    await t.test(key, async () => {
      for (const [q, why] of [
        ['parametro_sconosciuto=1', 'unknown parameter'],
        ['x=%ZZ', 'invalid percent-encoding'],
        ['page=1', 'a parameter of the catalogue lists'],
        ['a', 'a bare word'],
      ])
        await expectStatus(op(key), { as: who.cittadino, query: q }, 400, why);
    });
  }
  for (const key of IDENTITY_OPERATIONS.filter((k) => k.startsWith('POST'))) {
    await t.test(key, async () => {
      const valid = validRequest(key);
      const schema = deref(op(key).op.requestBody.content['application/json'].schema);
      for (const [raw, why] of [
        ['{', 'truncated JSON'],
        // revoke and reject have an optional body: an empty one means {}.
        ...(op(key).op.requestBody.required ? [['', 'empty body']] : []),
        ['[]', 'an array'],
        ['null', 'null'],
        ['"testo"', 'a string'],
        ['{"a":1}{"b":2}', 'two objects'],
        ["{'a': 1}", 'single quotes'],
        ['\u00ff', 'a lone non-JSON character'],
      ]) {
        let value;
        try {
          value = JSON.parse(raw);
        } catch {
          value = undefined; // not JSON at all
        }
        if (value !== undefined) assert.ok(!validatorFor(`${key} body`, schema)(value), `${key}: ${why} is valid per the document`);
        await expectStatus(op(key), { ...valid, json: undefined, body: raw }, 400, why);
      }
    });
  }
});

test('unknown query parameters are refused on every operation, writes included', async (t) => {
  // info.description: "Parametri di query non documentati ... sono rifiutati con 400."
  for (const key of IDENTITY_OPERATIONS) {
    await t.test(key, async () => {
      await expectStatus(op(key), { ...validRequest(key), query: 'parametro_sconosciuto=1' }, 400, 'unknown query parameter');
    });
  }
});

test('422: each member of the request bodies, malformed', async (t) => {
  const create = op('POST /delegations');
  const createSchema = create.op.requestBody.content['application/json'].schema;
  const bad = (over, drop = []) => {
    const b = delegationBody('professionista', over);
    for (const k of drop) delete b[k];
    return b;
  };
  // [body, why, invalid per the document?] — some are well-formed but refused by the rules.
  const cases = [
    [bad({}, ['delegate']), 'delegate missing', true],
    [bad({ delegate: 12345 }), 'delegate not a string', true],
    [bad({ delegate: 'RSSMRA85' }), 'delegate too short', true],
    [bad({ delegate: fiscalCodeOf('professionista').slice(0, 15) + 'Z' }), 'delegate with a wrong check character', false],
    [bad({ delegate: fiscalCodeOf('professionista') + 'X' }), 'delegate of 17 characters', false],
    [bad({ delegate: fiscalCodeOf('cittadino') }), 'delegating oneself', false],
    [bad({}, ['scope']), 'scope missing', true],
    [bad({ scope: 'alcuni' }), 'scope not in the enum', true],
    [bad({ scope: 3 }), 'scope not a string', true],
    [bad({ scope: 'servizi' }), 'scope "servizi" without services', false],
    [bad({ scope: 'servizi', services: ['servizio-che-non-esiste'] }), 'an unknown service', false],
    [bad({ scope: 'servizi', services: 'x' }), 'services not an array', true],
    [bad({ scope: 'servizi', services: [1] }), 'services with a number', true],
    [bad({ scope: 'servizi', services: Array(101).fill(fx.serviceIds[0]) }), 'more than 100 services', true],
    [bad({ scope: 'enti' }), 'scope "enti" without enti', false],
    [bad({ scope: 'enti', enti: ['ente-che-non-esiste'] }), 'an unknown ente', false],
    [bad({ scope: 'enti', enti: { id: fx.enteIds[0] } }), 'enti not an array', true],
    [bad({ scope: 'enti', enti: Array(101).fill(fx.enteIds[0]) }), 'more than 100 enti', true],
    [bad({}, ['valid_from']), 'valid_from missing', true],
    [bad({ valid_from: '31/12/2026' }), 'valid_from not AAAA-MM-GG', true],
    [bad({ valid_from: '2026-02-30' }), 'valid_from not a real day', true],
    [bad({ valid_from: 20260101 }), 'valid_from a number', true],
    [bad({}, ['valid_until']), 'valid_until missing', true],
    [bad({ valid_until: `${day(365)}T00:00:00Z` }), 'valid_until a date-time', true],
    [bad({ valid_until: day(-1), valid_from: day(-10) }), 'ending in the past', false],
    [bad({ valid_until: day(0), valid_from: day(1) }), 'ending before it starts', false],
    [bad({ valid_until: day(6 * 366) }), 'longer than five years', false],
    [bad({ grantor: ['02876540549'] }), 'grantor not a string', true],
    [bad({ grantor: 2876540549 }), 'grantor a number', true],
  ];
  await t.test('POST /delegations', async () => {
    const failures = [];
    for (const [body, why, invalid] of cases) {
      const validate = validatorFor('POST /delegations body', createSchema);
      assert.equal(!validate(body), invalid, `${why}: the document ${invalid ? 'accepts' : 'refuses'} ${JSON.stringify(body).slice(0, 200)}`);
      const as = body.grantor !== undefined ? who.impresa : who.cittadino;
      const r = await call(create, { as, json: body });
      if (![400, 422].includes(r.status)) failures.push(`${why}: ${r.status} ${r.text.slice(0, 200)}`);
      if (r.status === 201) await call(op('POST /delegations/{id}/revoke'), { as, pathValues: { id: r.body.id }, json: {} });
    }
    assert.deepEqual(failures, [], 'malformed bodies that were not refused with 400 or 422');
  });
  await t.test('POST /delegations/accept', async () => {
    const accept = op('POST /delegations/accept');
    const schema = accept.op.requestBody.content['application/json'].schema;
    for (const [body, why, invalid] of [
      [{}, 'code missing', true],
      [{ code: 123 }, 'code not a string', true],
      [{ code: '' }, 'code empty', true],
      [{ code: 'ABCDEFGHJK' }, 'a code of no delegation', false],
      [{ code: 'x'.repeat(40) }, 'a code too long', false],
      [{ code: '-- --' }, 'only dashes and blanks', false],
      [{ codice: 'ABCDEFGHJK' }, 'the Italian member name of the form', true],
    ]) {
      assert.equal(!validatorFor('POST /delegations/accept body', schema)(body), invalid, `${why}: the document disagrees`);
      await expectStatus(accept, { as: who.professionista, json: body }, 422, why);
    }
  });
});

test('429 with Retry-After and X-RateLimit-* once an application is over its limit, on every operation', async (t) => {
  const app = await registerApp(who.professionista, 'App che supera il limite');
  const me = op('GET /me');
  let r;
  let calls = 0;
  do {
    r = await call(me, { as: app });
    calls++;
  } while (r.status === 200 && calls <= API_BURST + 5);
  assert.equal(r.status, 429, `still ${r.status} after ${calls} calls`);
  assert.equal(calls, API_BURST + 1, `the burst lets ${API_BURST} calls through`);
  for (const key of IDENTITY_OPERATIONS) {
    await t.test(key, async () => {
      const x = await expectStatus(op(key), validRequest(key, app), 429, 'throttled application');
      assert.equal(x.headers.get('X-RateLimit-Remaining'), '0');
      assert.equal(x.headers.get('X-RateLimit-Limit'), String(API_BURST));
      assert.ok(Number(x.headers.get('Retry-After')) >= 1);
    });
  }
});

test('other methods answer 405 with Allow; unknown delegation actions 404 (problem+json)', async () => {
  const cases = [
    ['PUT', '/me', 'GET, HEAD'],
    ['POST', '/me', 'GET, HEAD'],
    ['DELETE', '/delegations', 'GET, HEAD, POST'],
    ['PUT', '/delegations', 'GET, HEAD, POST'],
    ['GET', '/delegations/accept', 'POST'],
    ['GET', '/delegations/dlg-x/revoke', 'POST'],
    ['DELETE', '/delegations/dlg-x/reject', 'POST'],
  ];
  for (const [method, p, allow] of cases) {
    const { res, text } = await send(method, `${base}${API_PREFIX}${p}`, { headers: authHeaders(who.cittadino) });
    assert.equal(res.status, 405, `${method} ${p}: ${res.status} ${text.slice(0, 200)}`);
    assert.equal(res.headers.get('allow'), allow, `${method} ${p}: Allow`);
    assert.equal(mediaType(res.headers.get('content-type')), 'application/problem+json', `${method} ${p}`);
    assertProblem(JSON.parse(text), 405, `${method} ${p}`);
  }
  for (const p of ['/delegations/dlg-x/cancella', '/delegations/dlg-x', '/delegations/a/b/c', '/me/extra']) {
    const { res, text } = await send('POST', `${base}${API_PREFIX}${p}`, {
      headers: { ...authHeaders(who.cittadino), 'content-type': 'application/json' },
      body: '{}',
    });
    assert.ok([404, 405].includes(res.status), `POST ${p}: ${res.status} ${text.slice(0, 200)}`);
    assert.equal(mediaType(res.headers.get('content-type')), 'application/problem+json', `POST ${p}`);
    assertProblem(JSON.parse(text), res.status, `POST ${p}`);
  }
});

test('the token endpoint (/oauth/token) works as the oauth2 security scheme describes', async () => {
  const tokenUrl = new URL(doc.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl, `${base}${API_PREFIX}/`).href;
  assert.equal(tokenUrl, `${base}/oauth/token`, 'tokenUrl resolves to the root of the server');
  const app = fx.app;
  const ok = await tokenRequest('grant_type=client_credentials', { authorization: basic(app) });
  assert.equal(ok.res.status, 200, ok.text);
  assert.match(ok.res.headers.get('cache-control') ?? '', /no-store/);
  assert.deepEqual(Object.keys(ok.json).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
  assert.equal(ok.json.token_type, 'Bearer');
  assert.equal(ok.json.expires_in, 600);
  assert.equal(ok.json.scope, 'catalogo:lettura');
  const header = JSON.parse(Buffer.from(ok.json.access_token.split('.')[0], 'base64url').toString());
  assert.equal(header.typ, 'at+jwt');
  assert.equal(header.alg, 'RS256');
  const post = await tokenRequest(new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret }).toString());
  assert.equal(post.res.status, 200, `client_secret_post: ${post.text}`);
  const errors = [
    ['grant_type=client_credentials', { authorization: basic({ ...app, secret: 'sbagliato' }) }, 401, 'invalid_client'],
    ['grant_type=client_credentials', {}, 401, 'invalid_client'],
    ['grant_type=password&username=a&password=b', { authorization: basic(app) }, 400, 'unsupported_grant_type'],
    ['grant_type=client_credentials&scope=notifiche%3Ainvio', { authorization: basic(app) }, 400, 'invalid_scope'],
    ['grant_type=client_credentials&grant_type=client_credentials', { authorization: basic(app) }, 400, 'invalid_request'],
    ['', { authorization: basic(app) }, 400, 'invalid_request'],
  ];
  for (const [body, headers, status, error] of errors) {
    const r = await tokenRequest(body, headers);
    assert.equal(r.res.status, status, `${body}: ${r.text}`);
    assert.equal(r.json?.error, error, `${body}: ${r.text}`);
    assert.ok(r.json.error_description, `${body}: error_description`);
    if (status === 401) assert.match(r.res.headers.get('www-authenticate') ?? '', /^Basic /, `${body}: WWW-Authenticate`);
  }
  const json = await send('POST', tokenUrl, { headers: { authorization: basic(app), 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"}' });
  assert.equal(json.res.status, 400, 'a JSON body is refused (the document says form-urlencoded)');
  const get = await send('GET', tokenUrl);
  assert.equal(get.res.status, 405);
  assert.equal(get.res.headers.get('allow'), 'POST');
});

test('coverage: every identity operation and every documented status was exercised', () => {
  const missingOps = IDENTITY_OPERATIONS.filter((k) => ![...(exercised.get(k) ?? [])].some((s) => /^2/.test(s)));
  assert.deepEqual(missingOps, [], `never answered 2xx: ${missingOps.join(', ')}`);
  const missing = [];
  for (const key of IDENTITY_OPERATIONS)
    for (const s of Object.keys(op(key).op.responses)) if (!exercised.get(key)?.has(s)) missing.push(`${key} ${s}`);
  assert.deepEqual(missing, [], `documented responses never exercised: ${missing.join(', ')}`);
});
