// The API store end to end: an integrator registers an application through /sviluppatori,
// gets client-credentials tokens (secret with HTTP Basic or in the body, or private_key_jwt
// with an ES256 client assertion), calls the API under low limits (per-second bucket and daily
// quota: X-RateLimit-* headers, 429 + Retry-After), rotates the secret, revokes the
// application; malformed token requests and forged bearer tokens are refused with the right
// RFC 6749 / RFC 6750 answers, never 5xx; the JWKS verifies the tokens.
//
// The portal runs with AU_API_RATE_PER_SECOND=2, AU_API_BURST=5, AU_API_DAILY_QUOTA=40, so
// every application registered here gets those limits. Each test uses its own applications.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto, { randomBytes, randomUUID } from 'node:crypto';
import { startPortalWithLogin, stopPortalWithLogin, loginAs } from '../support/portal-login.mjs';
import {
  get,
  getBearer,
  postForm,
  registerApp,
  tokenRequest,
  tokenFor,
  basicAuth,
  clientSecretIn,
  htmlText,
  sleep,
} from './access-helpers.mjs';

const RATE = 2;
const BURST = 5;
const QUOTA = 40;

let base;
let dev; // the integrator (the cittadina)
let other; // someone else (the professional)
const tag = randomBytes(3).toString('hex');
let seq = 0;
const appName = (what) => `${what} ${tag}-${++seq}`;

before(async () => {
  ({ base } = await startPortalWithLogin({
    env: { AU_API_RATE_PER_SECOND: String(RATE), AU_API_BURST: String(BURST), AU_API_DAILY_QUOTA: String(QUOTA) },
  }));
  dev = await loginAs('cittadino');
  other = await loginAs('professionista');
}, { timeout: 300_000 });

after(stopPortalWithLogin, { timeout: 120_000 });

// --- helpers -----------------------------------------------------------------------------------

const b64u = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');

/** Compact JWS. alg: ES256 (JOSE r||s), RS256, HS256 (key = secret) or none. */
function signJwt(header, payload, key) {
  const input = `${b64u(header)}.${b64u(payload)}`;
  let sig = Buffer.alloc(0);
  if (header.alg === 'ES256') sig = crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  else if (header.alg === 'RS256') sig = crypto.sign('sha256', Buffer.from(input), key);
  else if (header.alg === 'HS256') sig = crypto.createHmac('sha256', key).update(input).digest();
  return `${input}.${sig.toString('base64url')}`;
}

const decodePart = (jwt, i) => JSON.parse(Buffer.from(jwt.split('.')[i], 'base64url').toString('utf8'));

/** Registers an application (secret) and returns { clientId, secret, body }. */
async function newApp(what, scopes = ['catalogo:lettura']) {
  const reg = await registerApp(base, dev, { name: appName(what), scopes });
  assert.equal(reg.status, 200, `registration of ${what}: ${reg.status} ${htmlText(reg.body).match(/alert-danger[\s\S]{0,200}/)?.[0]}`);
  assert.match(reg.clientId ?? '', /^au-/);
  assert.ok(reg.secret, 'secret shown once');
  return reg;
}

/** Asserts an RFC 6749 §5.2 error answer: JSON with `error`, never 5xx. */
function assertOAuthError(a, statuses, errors, what) {
  const st = [statuses].flat();
  const er = [errors].flat();
  assert.ok(a.status < 500, `${what}: ${a.status} (5xx)`);
  assert.ok(st.includes(a.status), `${what}: status ${a.status}, expected ${st.join('/')}: ${a.body.slice(0, 200)}`);
  assert.match(a.headers.get('content-type') || '', /^application\/json/, `${what}: content type`);
  assert.ok(a.json && typeof a.json.error === 'string', `${what}: JSON body with "error"`);
  assert.ok(er.includes(a.json.error), `${what}: error "${a.json.error}", expected ${er.join('/')}`);
  assert.match(a.json.error, /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/, `${what}: error code charset`);
  if (a.json.error_description !== undefined) assert.equal(typeof a.json.error_description, 'string');
  assert.match(a.headers.get('cache-control') || '', /no-store/, `${what}: Cache-Control no-store`);
  if (a.status === 401) assert.ok(a.headers.get('www-authenticate'), `${what}: 401 without WWW-Authenticate`);
}

function assertRateHeaders(a, what) {
  for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'])
    assert.match(a.headers.get(h) ?? '', /^\d+$/, `${what}: ${h} = ${a.headers.get(h)}`);
  return {
    limit: Number(a.headers.get('x-ratelimit-limit')),
    remaining: Number(a.headers.get('x-ratelimit-remaining')),
    reset: Number(a.headers.get('x-ratelimit-reset')),
  };
}

function assertProblemBody(a, status, what) {
  assert.equal(a.status, status, `${what}: ${a.status} ${a.body.slice(0, 200)}`);
  assert.match(a.headers.get('content-type') || '', /^application\/problem\+json/, `${what}: content type`);
  const p = JSON.parse(a.body);
  assert.equal(p.status, status);
  assert.equal(typeof p.title, 'string');
  return p;
}

/** Served / throttled counts of today's row of the usage table of an application page. */
function usageToday(html) {
  const d = new Date().toISOString().slice(0, 10);
  const day = `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;
  const m = html.match(new RegExp(`<tr><td>${day.replace(/\//g, '\\/')}</td><td>(\\d+)</td><td>(\\d+)</td></tr>`));
  return m ? { calls: Number(m[1]), throttled: Number(m[2]) } : null;
}

const assertion = (clientId, key, claims = {}, header = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    { alg: 'ES256', typ: 'JWT', ...header },
    { iss: clientId, sub: clientId, aud: `${base}/oauth/token`, iat: now, exp: now + 120, jti: randomUUID(), ...claims },
    key,
  );
};
const assertionRequest = (jwt) =>
  tokenRequest(base, {
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: jwt,
  });

// --- registration and tokens -----------------------------------------------------------------

test('register through /sviluppatori, get a token (Basic and client_secret_post), call the API', async () => {
  const home = await get(base, '/sviluppatori', dev);
  assert.equal(home.status, 200);
  assert.match(home.body, /action="\/sviluppatori\/applicazioni"/);

  const name = appName('Gestionale dello studio');
  const reg = await registerApp(base, dev, { name, description: 'Prova di integrazione', scopes: ['catalogo:lettura'] });
  assert.equal(reg.status, 200);
  assert.match(reg.headers.get('cache-control') || '', /no-store/, 'the page with the secret is not cached');
  assert.match(reg.clientId, /^au-/);
  assert.ok(reg.secret && reg.secret.length >= 32, 'a long secret');
  assert.ok(htmlText(reg.body).includes('Applicazione registrata.'));

  // Shown once.
  const page = await get(base, `/sviluppatori/applicazioni/${reg.clientId}`, dev);
  assert.equal(page.status, 200);
  assert.equal(clientSecretIn(page.body), null, 'the secret is shown again');
  assert.ok(!page.body.includes(reg.secret));
  assert.ok((await get(base, '/sviluppatori', dev)).body.includes(reg.clientId), 'listed on /sviluppatori');
  assert.ok(!(await get(base, '/sviluppatori', other)).body.includes(reg.clientId), "listed on someone else's /sviluppatori");

  const t = await tokenRequest(base, { grant_type: 'client_credentials' }, { headers: { authorization: basicAuth(reg.clientId, reg.secret) } });
  assert.equal(t.status, 200, t.body);
  assert.match(t.headers.get('content-type') || '', /^application\/json/);
  assert.match(t.headers.get('cache-control') || '', /no-store/);
  assert.equal(t.headers.get('pragma'), 'no-cache');
  assert.equal(typeof t.json.access_token, 'string');
  assert.equal(t.json.token_type, 'Bearer');
  assert.ok(Number.isInteger(t.json.expires_in) && t.json.expires_in > 0, 'expires_in');
  assert.equal(t.json.scope, 'catalogo:lettura');

  const post = await tokenRequest(base, { grant_type: 'client_credentials', client_id: reg.clientId, client_secret: reg.secret, scope: 'catalogo:lettura' });
  assert.equal(post.status, 200, `client_secret_post: ${post.body}`);

  const call = await getBearer(base, '/api/v1/services', t.json.access_token);
  assert.equal(call.status, 200);
  const h = assertRateHeaders(call, 'first call');
  assert.equal(h.limit, BURST);
  assert.ok(h.remaining >= 0 && h.remaining < BURST, `remaining ${h.remaining}`);
  assert.ok(Array.isArray(JSON.parse(call.body).items));
  // Every answer to a token-authenticated API call carries them, errors included.
  const missing = await getBearer(base, '/api/v1/services/servizio-che-non-esiste', t.json.access_token);
  assert.equal(missing.status, 404);
  assertRateHeaders(missing, '404 answer');
  const me = await getBearer(base, '/api/v1/me', t.json.access_token);
  assert.equal(me.status, 200);
  assertRateHeaders(me, '/api/v1/me');
});

test('registration errors are 422 with an Italian message', async () => {
  const cases = [
    [{ name: 'ab' }, /nome dell'applicazione/],
    [{ name: appName('Senza ambiti'), scopes: [] }, /almeno un ambito/],
    [{ name: appName('Ambito ignoto'), scopes: ['tutto:tutto'] }, /non esiste/],
    [{ name: appName('Ambiente ignoto'), environment: 'produzione' }, /ambiente/i],
  ];
  for (const [opts, message] of cases) {
    const a = await registerApp(base, dev, { scopes: ['catalogo:lettura'], ...opts });
    assert.equal(a.status, 422, `${JSON.stringify(opts)}: ${a.status}`);
    assert.match(htmlText(a.body), message);
    assert.equal(a.clientId, null);
  }
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const withPrivate = await registerApp(base, dev, { name: appName('Chiave privata'), jwk: privateKey.export({ format: 'jwk' }) });
  assert.equal(withPrivate.status, 422, 'a JWK with its private part');
  assert.match(htmlText(withPrivate.body), /senza parte privata/);
  const garbage = await postForm(base, '/sviluppatori/applicazioni', dev, { nome: appName('Chiave rotta'), ambiente: 'test', scope: 'catalogo:lettura', chiave_pubblica: '{"kty":"EC"' });
  assert.equal(garbage.status, 422);
  const noCsrf = await postForm(base, '/sviluppatori/applicazioni', dev, { nome: appName('Senza csrf'), ambiente: 'test', scope: 'catalogo:lettura' }, { csrf: false });
  assert.equal(noCsrf.status, 403);
  const anon = await postForm(base, '/sviluppatori/applicazioni', null, { nome: appName('Anonima'), ambiente: 'test', scope: 'catalogo:lettura' }, { csrf: false });
  assert.equal(anon.status, 401);
});

test('the application page shows its limits, numbers written the Italian way', async () => {
  const reg = await newApp('Limiti');
  const dd = reg.body.match(/<dt>Limiti<\/dt><dd>([^<]*)<\/dd>/)?.[1];
  assert.equal(htmlText(dd ?? ''), `${RATE} richieste al secondo (picchi fino a ${BURST}), ${QUOTA} al giorno`);
});

test('token endpoint: two client authentication methods in one request are invalid_request', async () => {
  // RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each
  // request"; §5.2: invalid_request covers a request that "utilizes more than one mechanism
  // for authenticating the client".
  const reg = await newApp('Doppia autenticazione');
  const both = await tokenRequest(
    base,
    { grant_type: 'client_credentials', client_id: reg.clientId, client_secret: reg.secret },
    { headers: { authorization: basicAuth(reg.clientId, reg.secret) } },
  );
  assertOAuthError(both, 400, 'invalid_request', 'Basic and client_secret_post together');
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const withAssertion = await tokenRequest(
    base,
    {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion(reg.clientId, privateKey),
    },
    { headers: { authorization: basicAuth(reg.clientId, reg.secret) } },
  );
  assertOAuthError(withAssertion, 400, 'invalid_request', 'Basic and client_assertion together');
});

// --- limits ------------------------------------------------------------------------------------

test('per-second limit: hammering gets 429 with Retry-After; after waiting, allowed again', async () => {
  const reg = await newApp('Martello');
  const token = await tokenFor(base, reg.clientId, reg.secret);
  // Twice the burst at once: the bucket serves BURST (plus what refills meanwhile), refuses the rest.
  const batch = await Promise.all(Array.from({ length: 2 * BURST }, () => getBearer(base, '/api/v1/services?per_page=1', token)));
  const served = batch.filter((a) => a.status === 200).length;
  const throttled = batch.find((a) => a.status === 429);
  for (const a of batch) {
    assert.ok(a.status === 200 || a.status === 429, `status ${a.status}`);
    const h = assertRateHeaders(a, `status ${a.status}`);
    assert.ok(h.remaining <= BURST - 1);
  }
  assert.ok(throttled, 'never throttled');
  assert.ok(served >= BURST && served <= BURST + 2, `served ${served} of ${2 * BURST} simultaneous calls (burst ${BURST})`);
  if (served === BURST) {
    // Each served call took its own token: the remaining counts are BURST-1 … 0, once each.
    const left = batch.filter((a) => a.status === 200).map((a) => Number(a.headers.get('x-ratelimit-remaining')));
    assert.deepEqual(left.sort((x, y) => x - y), Array.from({ length: BURST }, (_, i) => i));
  }
  const p = assertProblemBody(throttled, 429, '429');
  assert.equal(typeof p.detail, 'string');
  const retry = throttled.headers.get('retry-after');
  assert.match(retry ?? '', /^\d+$/, 'Retry-After in seconds');
  assert.ok(Number(retry) >= 1, 'Retry-After >= 1');
  assert.ok(Number(retry) <= Math.ceil(1 / RATE) + 1, `Retry-After ${retry} for ${RATE}/s`);
  const h = assertRateHeaders(throttled, '429');
  assert.equal(h.remaining, 0);
  assert.equal(h.limit, BURST);

  await sleep(Number(retry) * 1000 + 200);
  const again = await getBearer(base, '/api/v1/services?per_page=1', token);
  assert.equal(again.status, 200, 'allowed again after Retry-After');
  assertRateHeaders(again, 'after waiting');

  const page = await get(base, `/sviluppatori/applicazioni/${reg.clientId}`, dev);
  const usage = usageToday(page.body);
  assert.ok(usage, 'usage row of today');
  assert.ok(usage.calls >= served + 1, `served count ${usage.calls}`);
  assert.ok(usage.throttled >= 1, `throttled count ${usage.throttled}`);
});

test('daily quota: past it, 429 until midnight (UTC); the application page shows the usage', { timeout: 170_000 }, async () => {
  const reg = await newApp('Quota');
  const token = await tokenFor(base, reg.clientId, reg.secret);
  let served = 0;
  let last200 = null;
  let quotaHit = null;
  const deadline = Date.now() + 120_000;
  while (!quotaHit && Date.now() < deadline) {
    const a = await getBearer(base, '/api/v1/services?per_page=1', token);
    if (a.status === 200) {
      served++;
      last200 = a;
      continue;
    }
    assert.equal(a.status, 429, a.body.slice(0, 200));
    const retry = Number(a.headers.get('retry-after'));
    if (Number(a.headers.get('x-ratelimit-limit')) === QUOTA || retry > 60) quotaHit = a;
    else await sleep(retry * 1000 + 50); // the per-second bucket: wait as told
  }
  assert.ok(quotaHit, `quota never reached (served ${served})`);
  assert.equal(served, QUOTA, 'served exactly the daily quota');
  assert.equal(last200.headers.get('x-ratelimit-remaining'), '0', 'the last allowed call says nothing remains');
  assertProblemBody(quotaHit, 429, 'over quota');
  const retry = Number(quotaHit.headers.get('retry-after'));
  const now = Date.now() / 1000;
  const toMidnight = 86400 - (Math.floor(now) % 86400);
  assert.ok(retry >= 1 && retry <= 86400, `Retry-After ${retry}`);
  assert.ok(Math.abs(retry - toMidnight) <= 5, `Retry-After ${retry}, seconds to midnight UTC ${toMidnight}`);
  const h = assertRateHeaders(quotaHit, 'over quota');
  assert.equal(h.remaining, 0);
  assert.equal(h.limit, QUOTA);
  assert.ok(Math.abs(h.reset - toMidnight) <= 5, `X-RateLimit-Reset ${h.reset}`);

  // Waiting a second does not help: it is the day's quota.
  await sleep(1200);
  const still = await getBearer(base, '/api/v1/services?per_page=1', token);
  assert.equal(still.status, 429);
  assert.ok(Number(still.headers.get('retry-after')) > 60);

  const page = await get(base, `/sviluppatori/applicazioni/${reg.clientId}`, dev);
  const usage = usageToday(page.body);
  assert.ok(usage, 'usage row of today');
  assert.equal(usage.calls, QUOTA, 'served count on the page');
  assert.ok(usage.throttled >= 2, `throttled count on the page ${usage.throttled}`);
});

// --- rotation and revocation ---------------------------------------------------------------------

test('secret rotation: both secrets work during the overlap; revocation stops everything at once', async () => {
  const reg = await newApp('Rotazione');
  const oldToken = await tokenFor(base, reg.clientId, reg.secret);
  const rotated = await postForm(base, `/sviluppatori/applicazioni/${reg.clientId}/ruota-segreto`, dev, {});
  assert.equal(rotated.status, 200);
  const fresh = clientSecretIn(rotated.body);
  assert.ok(fresh, 'the new secret is shown');
  assert.notEqual(fresh, reg.secret);
  assert.match(htmlText(rotated.body), /Nuovo segreto creato/);
  assert.equal((rotated.body.match(/Segreti validi<\/h2>\s*<ul>([\s\S]*?)<\/ul>/)?.[1].match(/<li>/g) ?? []).length, 2, 'two valid secrets listed');
  const t1 = await tokenFor(base, reg.clientId, reg.secret);
  const t2 = await tokenFor(base, reg.clientId, fresh);
  assert.equal((await getBearer(base, '/api/v1/me', t2)).status, 200);

  // Someone else cannot rotate or revoke it.
  assert.equal((await postForm(base, `/sviluppatori/applicazioni/${reg.clientId}/ruota-segreto`, other, {})).status, 404);
  assert.equal((await postForm(base, `/sviluppatori/applicazioni/${reg.clientId}/revoca`, other, {})).status, 404);
  assert.equal((await postForm(base, `/sviluppatori/applicazioni/${reg.clientId}/revoca`, dev, {}, { csrf: false })).status, 403);
  assert.equal((await getBearer(base, '/api/v1/me', t1)).status, 200, 'still active');

  const revoked = await postForm(base, `/sviluppatori/applicazioni/${reg.clientId}/revoca`, dev, {});
  assert.equal(revoked.status, 200);
  assert.match(revoked.body, /<dt>Stato<\/dt><dd>revocata<\/dd>/);
  for (const [token, what] of [[oldToken, 'token issued before rotation'], [t1, 'old-secret token'], [t2, 'new-secret token']]) {
    const a = await getBearer(base, '/api/v1/services', token);
    assertProblemBody(a, 401, what);
    assert.match(a.headers.get('www-authenticate') || '', /^Bearer .*error="invalid_token"/, what);
  }
  for (const secret of [reg.secret, fresh]) {
    const t = await tokenRequest(base, { grant_type: 'client_credentials' }, { headers: { authorization: basicAuth(reg.clientId, secret) } });
    assertOAuthError(t, 401, 'invalid_client', 'token for a revoked application');
  }
  const rotateAgain = await postForm(base, `/sviluppatori/applicazioni/${reg.clientId}/ruota-segreto`, dev, {});
  assert.equal(rotateAgain.status, 409, 'rotating the secret of a revoked application');
  assert.equal(clientSecretIn(rotateAgain.body), null);
});

// --- private_key_jwt -----------------------------------------------------------------------------

test('private_key_jwt: an ES256 client assertion gets a token; replay, wrong aud, wrong key are 401', async () => {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  assert.equal(jwk.d, undefined);
  const reg = await registerApp(base, dev, { name: appName('Con chiave'), jwk, scopes: ['catalogo:lettura'] });
  assert.equal(reg.status, 200, htmlText(reg.body).match(/alert-danger[\s\S]{0,200}/)?.[0]);
  assert.ok(reg.clientId);
  assert.equal(reg.secret, null, 'no secret for a key-authenticated application');
  assert.match(htmlText(reg.body), /private_key_jwt/);

  const jwt = assertion(reg.clientId, privateKey, {}, { kid: 'chiave-1' });
  const t = await assertionRequest(jwt);
  assert.equal(t.status, 200, t.body);
  assert.equal(t.json.token_type, 'Bearer');
  assert.equal(t.json.scope, 'catalogo:lettura');
  const call = await getBearer(base, '/api/v1/services?per_page=1', t.json.access_token);
  assert.equal(call.status, 200);

  assertOAuthError(await assertionRequest(jwt), 401, 'invalid_client', 'replayed assertion');
  const cases = [
    [assertion(reg.clientId, privateKey, { aud: `${base}/api/v1` }), 'wrong aud'],
    [assertion(reg.clientId, privateKey, { aud: 'https://altro.example/oauth/token' }), 'foreign aud'],
    [assertion(reg.clientId, privateKey, { sub: 'au-qualcun-altro' }), 'sub != iss'],
    [assertion(reg.clientId, privateKey, { exp: Math.floor(Date.now() / 1000) - 600, iat: Math.floor(Date.now() / 1000) - 900 }), 'expired'],
    [assertion(reg.clientId, privateKey, { jti: undefined }), 'without jti'],
    [assertion(reg.clientId, crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey), 'signed by another key'],
    [signJwt({ alg: 'none', typ: 'JWT' }, decodePart(assertion(reg.clientId, privateKey), 1)), 'alg none'],
    [assertion('au-client-che-non-esiste', privateKey), 'unknown client'],
  ];
  for (const [bad, what] of cases) assertOAuthError(await assertionRequest(bad), 401, 'invalid_client', what);
  const wrongType = await tokenRequest(base, {
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
    client_assertion: assertion(reg.clientId, privateKey),
  });
  assertOAuthError(wrongType, [400, 401], ['invalid_request', 'invalid_client'], 'wrong client_assertion_type');
  // The key application has no secret: Basic is refused.
  const basic = await tokenRequest(base, { grant_type: 'client_credentials' }, { headers: { authorization: basicAuth(reg.clientId, 'qualsiasi') } });
  assertOAuthError(basic, 401, 'invalid_client', 'Basic for a key application');
  assert.equal((await postForm(base, `/sviluppatori/applicazioni/${reg.clientId}/ruota-segreto`, dev, {})).status, 409, 'no secret to rotate');
  // A fresh assertion still works after all the refusals.
  assert.equal((await assertionRequest(assertion(reg.clientId, privateKey))).status, 200);
});

// --- scopes ---------------------------------------------------------------------------------------

test('scopes: an application without catalogo:lettura gets 403 on the catalogue', async () => {
  const reg = await newApp('Solo pratiche', ['pratiche:lettura']);
  const t = await tokenRequest(base, { grant_type: 'client_credentials' }, { headers: { authorization: basicAuth(reg.clientId, reg.secret) } });
  assert.equal(t.status, 200);
  assert.equal(t.json.scope, 'pratiche:lettura');
  const a = await getBearer(base, '/api/v1/services', t.json.access_token);
  assertProblemBody(a, 403, 'catalogue without catalogo:lettura');
  assertRateHeaders(a, '403 answer');
  const asked = await tokenRequest(
    base,
    { grant_type: 'client_credentials', scope: 'catalogo:lettura' },
    { headers: { authorization: basicAuth(reg.clientId, reg.secret) } },
  );
  assertOAuthError(asked, 400, 'invalid_scope', 'asking for a scope not granted');
});

// --- the token endpoint, malformed --------------------------------------------------------------

test('token endpoint: malformed requests get RFC 6749 errors, never 5xx', async () => {
  const reg = await newApp('Richieste sbagliate');
  const auth = { authorization: basicAuth(reg.clientId, reg.secret) };

  for (const method of ['GET', 'PUT', 'DELETE']) {
    const a = await fetch(`${base}/oauth/token`, { method, redirect: 'manual' });
    await a.arrayBuffer();
    assert.equal(a.status, 405, method);
    assert.equal(a.headers.get('allow'), 'POST', `${method}: Allow`);
  }
  const cases = [
    [() => tokenRequest(base, undefined, { headers: auth, contentType: 'application/json', raw: '{"grant_type":"client_credentials"}' }), 400, 'invalid_request', 'JSON body'],
    [() => tokenRequest(base, { grant_type: 'client_credentials' }, { headers: auth, contentType: 'text/plain' }), 400, 'invalid_request', 'text/plain'],
    [() => tokenRequest(base, {}, { headers: auth }), 400, 'invalid_request', 'no grant_type'],
    [() => tokenRequest(base, { grant_type: 'password', username: 'a', password: 'b' }, { headers: auth }), 400, 'unsupported_grant_type', 'password grant'],
    [() => tokenRequest(base, { grant_type: 'authorization_code', code: 'x' }, { headers: auth }), 400, 'unsupported_grant_type', 'authorization_code grant'],
    [() => tokenRequest(base, { grant_type: ['client_credentials', 'client_credentials'] }, { headers: auth }), 400, 'invalid_request', 'repeated grant_type'],
    [() => tokenRequest(base, { grant_type: 'client_credentials', scope: ['catalogo:lettura', 'catalogo:lettura'] }, { headers: auth }), 400, 'invalid_request', 'repeated scope'],
    [() => tokenRequest(base, { grant_type: 'client_credentials' }, { headers: { authorization: basicAuth('au-sconosciuto', 'x') } }), 401, 'invalid_client', 'unknown client (Basic)'],
    [() => tokenRequest(base, { grant_type: 'client_credentials', client_id: 'au-sconosciuto', client_secret: 'x' }), [400, 401], 'invalid_client', 'unknown client (post)'],
    [() => tokenRequest(base, { grant_type: 'client_credentials' }, { headers: { authorization: basicAuth(reg.clientId, reg.secret + 'x') } }), 401, 'invalid_client', 'wrong secret'],
    [() => tokenRequest(base, { grant_type: 'client_credentials', client_id: reg.clientId, client_secret: 'sbagliato' }), [400, 401], 'invalid_client', 'wrong secret (post)'],
    [() => tokenRequest(base, { grant_type: 'client_credentials' }), [400, 401], 'invalid_client', 'no client authentication'],
    [() => tokenRequest(base, { grant_type: 'client_credentials', client_id: reg.clientId }), [400, 401], ['invalid_client', 'invalid_request'], 'client_id without secret'],
    [() => tokenRequest(base, { grant_type: 'client_credentials', scope: 'amministrazione:tutto' }, { headers: auth }), 400, 'invalid_scope', 'unknown scope'],
    [() => tokenRequest(base, { grant_type: 'client_credentials', scope: 'pratiche:lettura' }, { headers: auth }), 400, 'invalid_scope', 'scope not granted'],
    [() => tokenRequest(base, { grant_type: 'client_credentials' }, { headers: { authorization: 'Basic !!!non-base64!!!' } }), [400, 401], ['invalid_client', 'invalid_request'], 'Basic not base64'],
    [() => tokenRequest(base, { grant_type: 'client_credentials' }, { headers: { authorization: 'Basic ' + Buffer.from('senza-due-punti').toString('base64') } }), [400, 401], ['invalid_client', 'invalid_request'], 'Basic without colon'],
    [() => tokenRequest(base, { grant_type: 'client_credentials' }, { headers: { authorization: 'Basic ' } }), [400, 401], ['invalid_client', 'invalid_request'], 'empty Basic'],
    [() => tokenRequest(base, { grant_type: 'client_credentials' }, { headers: { authorization: 'Basic ' + Buffer.from(`${reg.clientId}:%zz`).toString('base64') } }), [400, 401], ['invalid_client', 'invalid_request'], 'Basic with bad percent-encoding'],
    [() => tokenRequest(base, undefined, { headers: auth, raw: 'grant_type=client_credentials&%zz' }), 400, 'invalid_request', 'undecodable form'],
    [() => tokenRequest(base, undefined, { headers: auth, raw: 'grant_type=client_credentials&x=' + 'a'.repeat(20_000) }), [400, 413], 'invalid_request', 'oversized body'],
  ];
  const problems = [];
  for (const [run, status, error, what] of cases) {
    try {
      assertOAuthError(await run(), status, error, what);
    } catch (e) {
      problems.push(e.message);
    }
  }
  assert.deepEqual(problems, [], 'token requests answered wrongly');
});

// --- JWKS and bearer tokens ---------------------------------------------------------------------

test('JWKS: the key whose kid is in the token header verifies its signature; claims as documented', async () => {
  const reg = await newApp('Verifica firma');
  const t = await tokenRequest(base, { grant_type: 'client_credentials' }, { headers: { authorization: basicAuth(reg.clientId, reg.secret) } });
  const token = t.json.access_token;
  const header = decodePart(token, 0);
  const claims = decodePart(token, 1);
  assert.equal(header.alg, 'RS256');
  assert.equal(header.typ, 'at+jwt');
  assert.ok(header.kid, 'kid in the header');

  const res = await fetch(`${base}/.well-known/jwks.json`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') || '', /^application\/(jwk-set\+)?json/);
  const jwks = await res.json();
  assert.ok(Array.isArray(jwks.keys) && jwks.keys.length >= 1);
  for (const k of jwks.keys)
    for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.equal(k[priv], undefined, `JWKS publishes "${priv}"`);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `no JWKS key with kid ${header.kid}`);
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const [h, p, s] = token.split('.');
  assert.ok(crypto.verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url')), 'signature verifies');
  // A changed payload does not.
  const forged = b64u({ ...claims, scope: 'notifiche:invio' });
  assert.ok(!crypto.verify('sha256', Buffer.from(`${h}.${forged}`), key, Buffer.from(s, 'base64url')));

  assert.equal(claims.iss, base);
  assert.equal(claims.aud, `${base}/api/v1`);
  assert.equal(claims.client_id, reg.clientId);
  assert.equal(claims.sub, reg.clientId);
  assert.equal(claims.scope, 'catalogo:lettura');
  assert.equal(claims.env, 'test');
  assert.equal(claims.exp - claims.iat, t.json.expires_in);
  assert.ok(claims.jti);
});

test('bearer tokens: garbage, alg none, another key, HS256 with the public key, tampered → 401 + WWW-Authenticate', async () => {
  const reg = await newApp('Token falsi');
  const real = await tokenFor(base, reg.clientId, reg.secret);
  const header = decodePart(real, 0);
  const claims = decodePart(real, 1);
  const jwks = await (await fetch(`${base}/.well-known/jwks.json`)).json();
  const publicPem = crypto.createPublicKey({ key: jwks.keys.find((k) => k.kid === header.kid), format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const { privateKey: otherKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const [rh, rp, rs] = real.split('.');
  const tokens = [
    ['garbage', 'questo-non-e-un-token'],
    ['three dots of garbage', 'a.b.c'],
    ['alg none', signJwt({ alg: 'none', typ: 'at+jwt', kid: header.kid }, claims)],
    ['alg none, empty kid', `${b64u({ alg: 'none', typ: 'at+jwt' })}.${b64u(claims)}.`],
    ['another key, same kid', signJwt({ alg: 'RS256', typ: 'at+jwt', kid: header.kid }, claims, otherKey)],
    ['HS256 keyed with the public key', signJwt({ alg: 'HS256', typ: 'at+jwt', kid: header.kid }, claims, publicPem)],
    ['tampered scope', `${rh}.${b64u({ ...claims, scope: 'catalogo:lettura notifiche:invio' })}.${rs}`],
    ['tampered client', `${rh}.${b64u({ ...claims, client_id: 'au-altro' })}.${rs}`],
    ['signature removed', `${rh}.${rp}.`],
  ];
  for (const [what, token] of tokens) {
    for (const path of ['/api/v1/services', '/api/v1/me']) {
      const a = await getBearer(base, path, token);
      assert.equal(a.status, 401, `${what} on ${path}: ${a.status}`);
      assert.match(a.headers.get('www-authenticate') || '', /^Bearer realm="[^"]+", error="invalid_token"/, `${what}: WWW-Authenticate`);
      assert.match(a.headers.get('content-type') || '', /^application\/problem\+json/);
      assert.equal(a.headers.get('x-ratelimit-limit'), null, `${what}: rate headers for an unauthenticated call`);
    }
  }
  // The genuine one still works.
  assert.equal((await getBearer(base, '/api/v1/me', real)).status, 200);
});

test('per-application limits: the administrator changes one application\'s limits, nobody else can', async () => {
  const reg = await newApp('limiti');
  const admin = await loginAs('amministratore');
  const path = `/area-personale/amministrazione/applicazioni/${reg.clientId}/limiti`;
  // Not the administrator: 403, nothing changed.
  assert.equal((await postForm(base, path, dev, { al_secondo: '1', picco: '1', al_giorno: '1' })).status, 403);
  // Malformed and out-of-range values: 422 with an Italian message.
  for (const bad of [{ al_secondo: 'tanti', picco: '2', al_giorno: '10' }, { al_secondo: '1', picco: '0', al_giorno: '10' },
                     { al_secondo: '1', picco: '2', al_giorno: '-5' }, { al_secondo: '1e9', picco: '2', al_giorno: '10' },
                     { al_secondo: '1', picco: '2x', al_giorno: '10' }]) {
    const r = await postForm(base, path, admin, bad);
    assert.equal(r.status, 422, JSON.stringify(bad));
    assert.match(htmlText(r.body), /limiti/i);
  }
  // Burst 2, slow refill: the third immediate call is throttled, with the new limit in the headers.
  const ok = await postForm(base, path, admin, { al_secondo: '0.01', picco: '2', al_giorno: '1000' });
  assert.equal(ok.status, 200);
  assert.match(htmlText(ok.body), /Limiti aggiornati/);
  const token = await tokenFor(base, reg.clientId, reg.secret);
  const statuses = [];
  let last;
  for (let i = 0; i < 3; i++) {
    last = await getBearer(base, '/api/v1/enti', token);
    statuses.push(last.status);
  }
  assert.deepEqual(statuses, [200, 200, 429]);
  assert.equal(last.headers.get('x-ratelimit-limit'), '2');
  assert.ok(Number(last.headers.get('retry-after')) >= 1);
  // Unknown application: 422, not 500.
  assert.equal((await postForm(base, '/area-personale/amministrazione/applicazioni/au-nessuna/limiti', admin,
    { al_secondo: '1', picco: '2', al_giorno: '10' })).status, 422);
});
