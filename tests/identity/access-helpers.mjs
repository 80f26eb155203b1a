// Shared by tests/identity/access-matrix, delegations and api-store: requests as a person
// (session cookie + CSRF token), as an application (bearer token) or as nobody, and the few
// parsers those tests need. Not a test file itself.
import assert from 'node:assert/strict';
import { demoPeople, fiscalCodeOf } from '../support/portal-login.mjs';

export const VAT_TESSITURE = '02876540549';
export const PERUGIA_ID = 'comune-054039';
export const TERNI_ID = 'comune-055032';

/** The demo person with that id: { id, cf, name ("Maria Rossi"), given, family }. */
export function person(id) {
  const p = demoPeople.find((x) => x.id === id);
  return { id, cf: fiscalCodeOf(id), name: `${p.given_name} ${p.family_name}`, given: p.given_name, family: p.family_name };
}
export const PEOPLE = ['cittadino', 'impresa', 'professionista', 'operatore', 'redattore', 'amministratore'];

/** YYYY-MM-DD of today (UTC) plus `days`. */
export function dayUtc(days = 0) {
  return new Date(Date.now() + days * 86400_000).toISOString().slice(0, 10);
}

/** application/x-www-form-urlencoded body; array values become repeated fields. */
export function formBody(fields) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v === null) continue;
    for (const one of Array.isArray(v) ? v : [v]) p.append(k, one);
  }
  return p.toString();
}

/** Decodes the few HTML entities the templates produce. */
export function htmlText(s) {
  return s
    .replace(/&apos;|&#39;|&#x27;/g, "'")
    .replace(/&quot;|&#34;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** { status, headers, body (text), location } of a fetch, without following redirects. */
async function answer(res) {
  const body = await res.text();
  return { status: res.status, headers: res.headers, body, location: res.headers.get('location') };
}

/** GET (or another method without body) as `who` (a loginAs() result, or null for nobody). */
export async function get(base, path, who = null, { headers = {}, method = 'GET' } = {}) {
  const h = { ...headers };
  if (who?.cookie) h.cookie = who.cookie;
  return answer(await fetch(base + path, { method, headers: h, redirect: 'manual', signal: AbortSignal.timeout(60_000) }));
}

/** GET with a bearer token (and nothing else). */
export async function getBearer(base, path, token, { headers = {} } = {}) {
  return answer(
    await fetch(base + path, {
      headers: { authorization: `Bearer ${token}`, ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(60_000),
    }),
  );
}

/**
 * POSTs a form as `who`. The session's CSRF token is added unless `csrf: false` (or a string to
 * send instead).
 */
export async function postForm(base, path, who, fields = {}, { csrf = true, headers = {} } = {}) {
  const h = { 'content-type': 'application/x-www-form-urlencoded', ...headers };
  if (who?.cookie) h.cookie = who.cookie;
  const all = { ...fields };
  if (csrf === true && who?.csrf) all.csrf = who.csrf;
  else if (typeof csrf === 'string') all.csrf = csrf;
  return answer(
    await fetch(base + path, { method: 'POST', headers: h, body: formBody(all), redirect: 'manual', signal: AbortSignal.timeout(60_000) }),
  );
}

/**
 * JSON call to the API as `who` (session: cookie + X-CSRF-Token unless csrf:false). `raw`
 * sends a string body as is; `contentType` overrides application/json. Adds `json` (parsed
 * body or undefined) to the answer.
 */
export async function apiCall(base, method, path, who, body, { csrf = true, contentType = 'application/json', raw, bearer, headers = {} } = {}) {
  const h = { ...headers };
  if (who?.cookie) h.cookie = who.cookie;
  if (who?.csrf && csrf === true && method !== 'GET') h['x-csrf-token'] = who.csrf;
  if (bearer) h.authorization = `Bearer ${bearer}`;
  let payload;
  if (raw !== undefined) payload = raw;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) h['content-type'] = contentType;
  const a = await answer(
    await fetch(base + path, { method, headers: h, body: payload, redirect: 'manual', signal: AbortSignal.timeout(60_000) }),
  );
  try {
    a.json = JSON.parse(a.body);
  } catch {
    a.json = undefined;
  }
  return a;
}

/** Asserts an RFC 9457 problem answer with that status. */
export function assertProblem(a, status, what = '') {
  assert.equal(a.status, status, `${what}: expected ${status}, got ${a.status}: ${a.body.slice(0, 300)}`);
  assert.match(a.headers.get('content-type') || '', /^application\/problem\+json/, `${what}: content type`);
  assert.ok(a.json && typeof a.json === 'object', `${what}: body is JSON`);
  assert.equal(a.json.status, status, `${what}: problem status member`);
  assert.equal(typeof a.json.title, 'string', `${what}: problem title`);
  assert.ok(a.json.title.length > 0, `${what}: problem title not empty`);
}

/** Asserts a 302 to the login page that brings back to `path`. */
export function assertLoginRedirect(a, path, what = '') {
  assert.equal(a.status, 302, `${what}: expected 302 to /accedi, got ${a.status}`);
  const loc = new URL(a.location, 'http://x');
  assert.equal(loc.pathname, '/accedi', `${what}: Location ${a.location}`);
  assert.equal(loc.searchParams.get('ritorno'), path, `${what}: ritorno`);
}

/** The acceptance code in the notice shown once after creating a delegation through the page. */
export function acceptanceCodeIn(html) {
  const m = htmlText(html).match(/codice di accettazione: ([A-Z0-9-]{6,32}) \(lo vedi solo ora\)/);
  return m ? m[1] : null;
}

/** The delegation ids of the rows of a /area-personale/deleghe page, in order. */
export function delegationIdsIn(html) {
  return [...html.matchAll(/data-delegation="([^"]+)"/g)].map((m) => m[1]);
}

/** The <tr data-delegation="id">…</tr> row of that delegation (HTML), or null. */
export function delegationRow(html, id) {
  const at = html.indexOf(`data-delegation="${id}"`);
  if (at < 0) return null;
  const end = html.indexOf('</tr>', at);
  return html.slice(at, end < 0 ? undefined : end);
}

/** Creates a delegation through the page; returns { status, body, code, id }. */
export async function createDelegationPage(base, who, fields) {
  const before = new Set(delegationIdsIn((await get(base, '/area-personale/deleghe', who)).body));
  const a = await postForm(base, '/area-personale/deleghe', who, fields);
  const code = a.status === 200 ? acceptanceCodeIn(a.body) : null;
  const id = delegationIdsIn(a.body).find((x) => !before.has(x)) ?? null;
  return { ...a, code, id };
}

/**
 * Revokes every open (pending or active) delegation the session's person granted or received,
 * through the API: suites sharing a database (the PostgreSQL pass) start and end clean.
 */
export async function revokeOpenDelegations(base, who) {
  const list = await apiCall(base, 'GET', '/api/v1/delegations', who);
  assert.equal(list.status, 200, `GET /api/v1/delegations: ${list.status}`);
  for (const d of [...list.json.granted, ...list.json.received]) {
    if (d.status !== 'in-attesa' && d.status !== 'attiva') continue;
    const r = await apiCall(base, 'POST', `/api/v1/delegations/${encodeURIComponent(d.id)}/revoke`, who, {});
    assert.ok(r.status === 200 || r.status === 409, `cleanup revoke ${d.id}: ${r.status} ${r.body.slice(0, 200)}`);
  }
}

/** Slug of the ente with that id, from the public API (walks the pages). */
export async function enteSlug(base, id) {
  for (let page = 1; page < 50; page++) {
    const res = await fetch(`${base}/api/v1/enti?page=${page}&per_page=100`);
    if (res.status !== 200) break;
    const body = await res.json();
    const e = body.items.find((x) => x.id === id);
    if (e) return e.slug;
    if (page >= body.pages) break;
  }
  throw new Error(`ente ${id} non trovato in /api/v1/enti`);
}

/** The client id shown on an application page. */
export function clientIdIn(html) {
  return (html.match(/data-testid="client-id">([^<]+)</) || [])[1] ?? null;
}
/** The client secret shown once on an application page (after creation or rotation). */
export function clientSecretIn(html) {
  const m = html.match(/data-testid="client-secret">([^<]+)</);
  return m ? htmlText(m[1]) : null;
}

/**
 * Registers an application through the /sviluppatori form as `who`.
 * Returns { status, body, clientId, secret }.
 */
export async function registerApp(base, who, { name, description = '', environment = 'test', scopes = ['catalogo:lettura'], jwk } = {}) {
  const a = await postForm(base, '/sviluppatori/applicazioni', who, {
    nome: name,
    descrizione: description,
    ambiente: environment,
    scope: scopes,
    chiave_pubblica: jwk ? JSON.stringify(jwk) : undefined,
  });
  return { ...a, clientId: clientIdIn(a.body), secret: clientSecretIn(a.body) };
}

/** Basic credentials per RFC 6749 §2.3.1 (both parts form-url-encoded, then base64). */
export function basicAuth(clientId, secret) {
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64');
}

/** POST /oauth/token; `fields` form fields, `headers` extra headers. Adds `json`. */
export async function tokenRequest(base, fields, { headers = {}, contentType = 'application/x-www-form-urlencoded', raw } = {}) {
  const a = await answer(
    await fetch(base + '/oauth/token', {
      method: 'POST',
      headers: { 'content-type': contentType, ...headers },
      body: raw ?? formBody(fields),
      redirect: 'manual',
      signal: AbortSignal.timeout(60_000),
    }),
  );
  try {
    a.json = JSON.parse(a.body);
  } catch {
    a.json = undefined;
  }
  return a;
}

/** client_credentials token with HTTP Basic; asserts 200 and returns the access token. */
export async function tokenFor(base, clientId, secret, extra = {}) {
  const a = await tokenRequest(base, { grant_type: 'client_credentials', ...extra }, { headers: { authorization: basicAuth(clientId, secret) } });
  assert.equal(a.status, 200, `token for ${clientId}: ${a.status} ${a.body.slice(0, 300)}`);
  return a.json.access_token;
}

/** Strings that must not appear in an answer meant for `viewerId` about other people. */
export function othersSecrets(viewerId, { extra = [] } = {}) {
  const out = [];
  for (const id of PEOPLE) {
    if (id === viewerId) continue;
    const p = person(id);
    out.push(p.cf, p.name);
  }
  return [...out, ...extra];
}

/** Asserts that `body` contains none of `secrets`. */
export function assertNoLeak(body, secrets, what = '') {
  const text = htmlText(body);
  for (const s of secrets) assert.ok(!text.includes(s), `${what}: the answer leaks "${s}"`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
