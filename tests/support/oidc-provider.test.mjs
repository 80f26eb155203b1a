// Proves that tools/oidc-provider/provider.mjs is a working OpenID Connect provider, with a small
// relying party written here from the specs (node:crypto + fetch), independent of oidc-provider
// and of the portal's C++ client. Also checks data/demo/people.json.
//
//   node --test tests/support/
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CookieJar, demoPeopleFile, loginWithoutBrowser, logoutWithoutBrowser, startProvider,
} from './oidc-provider.mjs';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const people = JSON.parse(readFileSync(demoPeopleFile, 'utf8'));
const SPID = 'https://attributes.eid.gov.it/';
const REDIRECT = 'http://127.0.0.1:1/auth/callback'; // never fetched: loginWithoutBrowser stops there
const POST_LOGOUT = 'http://127.0.0.1:1/uscita';
const ES_CLIENT = {
  client_id: 'app-es256', client_secret: 'es256-secret', redirect_uris: [REDIRECT],
  id_token_signed_response_alg: 'ES256',
};

// ---- Italian codes (Agenzia delle Entrate algorithms) --------------------------------------

const ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
function fiscalCodeValid(cf) {
  if (!/^[A-Z]{6}\d{2}[ABCDEHLMPRST]\d{2}[A-Z]\d{3}[A-Z]$/.test(cf)) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = cf[i];
    const n = /\d/.test(c) ? Number(c) : c.charCodeAt(0) - 65;
    sum += i % 2 === 0 ? ODD[n] : n; // position 1 (index 0) is odd; digits map like A, B, ...
  }
  return cf[15] === String.fromCharCode(65 + (sum % 26));
}

function vatNumberValid(piva) {
  if (!/^\d{11}$/.test(piva)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    let n = Number(piva[i]);
    if (i % 2 === 1) n = n * 2 > 9 ? n * 2 - 9 : n * 2;
    sum += n;
  }
  return Number(piva[10]) === (10 - (sum % 10)) % 10;
}

// ---- the relying party -----------------------------------------------------------------------

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const random = () => b64url(crypto.randomBytes(32));

async function getJson(url, init) {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

function authorizeUrl(discovery, { clientId, scope = 'openid profile email', pkce = true } = {}) {
  const state = random();
  const nonce = random();
  const verifier = random();
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, scope, state, nonce,
    ...(pkce && {
      code_challenge: b64url(crypto.createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
    }),
  }).toString();
  return { url: url.href, state, nonce, verifier };
}

async function exchange(discovery, { clientId, clientSecret }, code, verifier) {
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
  return getJson(discovery.token_endpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier,
    }).toString(),
  });
}

// Verifies a JWS (compact) with the JWKS: returns {header, payload} or throws.
async function verifyIdToken(discovery, idToken) {
  const [h, p, s] = idToken.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const { body: jwks } = await getJson(discovery.jwks_uri);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `kid ${header.kid} not in JWKS`);
  assert.equal(jwk.d, undefined, 'JWKS must not publish private keys');
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const expectedType = { RS256: 'rsa', ES256: 'ec' }[header.alg];
  assert.equal(key.asymmetricKeyType, expectedType, `alg ${header.alg} with a ${key.asymmetricKeyType} key`);
  const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), {
    key, ...(header.alg === 'ES256' && { dsaEncoding: 'ieee-p1363' }),
  }, Buffer.from(s, 'base64url'));
  assert.ok(ok, 'ID token signature');
  return { header, payload: JSON.parse(Buffer.from(p, 'base64url')) };
}

// The whole code flow for one person: returns {header, payload, tokens}.
async function codeFlow(op, discovery, personId, client = op, jar = new CookieJar()) {
  const req = authorizeUrl(discovery, { clientId: client.clientId });
  const callback = new URL(await loginWithoutBrowser(req.url, personId, { jar }));
  assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT);
  assert.equal(callback.searchParams.get('state'), req.state);
  assert.equal(callback.searchParams.get('iss'), discovery.issuer); // RFC 9207
  const code = callback.searchParams.get('code');
  assert.ok(code, `no code in ${callback}`);
  const { status, body: tokens } = await exchange(discovery, client, code, req.verifier);
  assert.equal(status, 200, JSON.stringify(tokens));
  const { header, payload } = await verifyIdToken(discovery, tokens.id_token);
  const now = Math.floor(Date.now() / 1000);
  assert.equal(payload.iss, discovery.issuer);
  assert.equal(payload.aud, client.clientId);
  assert.equal(payload.nonce, req.nonce);
  assert.ok(payload.exp > now && payload.exp <= now + 600 + 5, 'exp within the 600 s ttl');
  assert.ok(Math.abs(payload.iat - now) < 60);
  return { header, payload, tokens, code, verifier: req.verifier };
}

// ---- tests ---------------------------------------------------------------------------------

describe('data/demo/people.json', () => {
  const roleCodes = new Set(['rappresentante-impresa', 'intermediario', 'operatore-ente', 'redattore', 'amministratore']);

  test('six fictional people with valid codes and the portal\'s roles', () => {
    assert.equal(people.length, 6);
    assert.equal(new Set(people.map((p) => p.id)).size, 6);
    for (const p of people) {
      for (const f of ['id', 'label', 'given_name', 'family_name', 'email', 'fiscal_number', 'acr']) {
        assert.equal(typeof p[f], 'string', `${p.id}.${f}`);
      }
      assert.match(p.email, /@example\.org$/);
      assert.match(p.fiscal_number, /^TINIT-/);
      assert.ok(fiscalCodeValid(p.fiscal_number.slice(6)), `${p.id}: ${p.fiscal_number}`);
      assert.equal(p.acr, 'https://www.spid.gov.it/SpidL2');
      if (p.vat_number) assert.ok(vatNumberValid(p.vat_number.replace(/^VATIT-/, '')), p.vat_number);
      for (const r of p.roles) assert.ok(roleCodes.has(r.role), r.role);
    }
    const withRole = (code) => people.filter((p) => p.roles.some((r) => r.role === code));
    assert.ok(people.some((p) => p.roles.length === 0), 'a plain citizen');
    for (const code of roleCodes) assert.equal(withRole(code).length, 1, code);
  });

  test('role scopes exist in the portal\'s data', () => {
    const scope = (code) => people.flatMap((p) => p.roles).find((r) => r.role === code);
    const impresa = scope('rappresentante-impresa');
    assert.ok(vatNumberValid(impresa.scope));
    assert.equal(impresa.label, 'Tessiture Umbre S.r.l.');
    // Ente ids are "comune-<ISTAT>" (src/importer); Perugia is 054039, Belfiore G478.
    const comuni = readFileSync(path.join(repoRoot, 'data/comuni/comuni_umbria.csv'), 'utf8');
    assert.match(comuni, /^054039,Perugia,.*,G478,/m);
    assert.deepEqual(scope('operatore-ente'), { role: 'operatore-ente', scope: 'comune-054039', label: 'Comune di Perugia' });
    // Redattore scopes are subject-matter codes (Codice_1_livello) used as service categories.
    const r = scope('redattore');
    const vocab = readFileSync(path.join(repoRoot, 'data/vocabolari/public-services-subject-matters.csv'), 'utf8');
    assert.match(vocab, new RegExp(`^${r.scope},${r.label},`, 'm'));
    assert.equal(scope('intermediario').scope, '');
    assert.equal(scope('amministratore').scope, '');
  });
});

describe('oidc provider', () => {
  let op;
  let discovery;

  before(async () => {
    op = await startProvider({
      redirectUris: [REDIRECT], postLogoutRedirectUris: [POST_LOGOUT], clients: [ES_CLIENT], demo: true,
    });
    ({ body: discovery } = await getJson(`${op.issuer}/.well-known/openid-configuration`));
  });
  after(async () => {
    await op?.stop();
  });

  test('discovery document and JWKS', async () => {
    assert.equal(discovery.issuer, op.issuer);
    assert.match(op.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(discovery.response_types_supported, ['code']);
    assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
    assert.ok(discovery.end_session_endpoint);
    assert.ok(discovery.acr_values_supported.includes('https://www.spid.gov.it/SpidL2'));
    assert.ok(discovery.claims_supported.includes(`${SPID}fiscal_number`));
    for (const alg of ['RS256', 'ES256']) assert.ok(discovery.id_token_signing_alg_values_supported.includes(alg));
    const { body: jwks } = await getJson(discovery.jwks_uri);
    assert.deepEqual(jwks.keys.map((k) => k.kty).sort(), ['EC', 'RSA']);
    assert.equal(new Set(jwks.keys.map((k) => k.kid)).size, 2);
    for (const k of jwks.keys) assert.equal(k.d, undefined);
  });

  test('the login page is an Italian page listing every person, with the demo banner', async () => {
    const req = authorizeUrl(discovery, { clientId: op.clientId });
    const jar = new CookieJar();
    let res = await fetch(req.url, { redirect: 'manual' });
    jar.store(res);
    assert.equal(res.status, 303);
    const page = new URL(res.headers.get('location'), op.issuer).href;
    res = await fetch(page, { headers: { cookie: jar.header(page) } });
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(html, /<html lang="it">/);
    assert.match(html, /<h1>Accedi con SPID o CIE \(provider dimostrativo\)<\/h1>/);
    assert.match(html, /Provider di identità DIMOSTRATIVO/);
    for (const p of people) {
      assert.ok(html.includes(`name="person" value="${p.id}"`), p.id);
      assert.ok(html.includes(p.label.replace(/&/g, '&#38;')), p.label);
    }
  });

  for (const person of people) {
    test(`code flow with PKCE, client_secret_basic, RS256: ${person.id}`, async () => {
      const { header, payload, tokens } = await codeFlow(op, discovery, person.id);
      assert.equal(header.alg, 'RS256');
      assert.equal(tokens.token_type, 'Bearer');
      assert.equal(tokens.refresh_token, undefined);
      assert.equal(payload.sub, person.id);
      assert.equal(payload.acr, person.acr);
      assert.equal(payload[`${SPID}fiscal_number`], person.fiscal_number);
      assert.ok(fiscalCodeValid(payload[`${SPID}fiscal_number`].replace(/^TINIT-/, '')));
      assert.equal(payload.given_name, person.given_name);
      assert.equal(payload.family_name, person.family_name);
      assert.equal(payload.email, person.email);
      assert.equal(payload[`${SPID}vat_number`], person.vat_number);
      assert.equal(payload[`${SPID}company_name`], person.company_name);
      assert.equal(payload.roles, undefined, 'roles are the portal\'s, not the provider\'s');
    });
  }

  test('scope "openid" alone releases no personal attribute; "spid" releases the SPID ones', async () => {
    for (const [scope, has] of [['openid', false], ['openid spid', true]]) {
      const req = authorizeUrl(discovery, { clientId: op.clientId, scope });
      const code = new URL(await loginWithoutBrowser(req.url, 'impresa')).searchParams.get('code');
      const { body } = await exchange(discovery, op, code, req.verifier);
      const { payload } = await verifyIdToken(discovery, body.id_token);
      assert.equal(payload[`${SPID}fiscal_number`] !== undefined, has, scope);
      assert.equal(payload[`${SPID}vat_number`] !== undefined, has, scope);
      assert.equal(payload.email, undefined, scope);
    }
  });

  test('a code is single use and needs the right verifier and secret', async () => {
    const { code, verifier } = await codeFlow(op, discovery, 'cittadino');
    const again = await exchange(discovery, op, code, verifier);
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_grant');

    const req = authorizeUrl(discovery, { clientId: op.clientId });
    const code2 = new URL(await loginWithoutBrowser(req.url, 'cittadino')).searchParams.get('code');
    const wrongVerifier = await exchange(discovery, op, code2, random());
    assert.equal(wrongVerifier.body.error, 'invalid_grant');

    const req3 = authorizeUrl(discovery, { clientId: op.clientId });
    const code3 = new URL(await loginWithoutBrowser(req3.url, 'cittadino')).searchParams.get('code');
    const wrongSecret = await exchange(discovery, { ...op, clientSecret: 'sbagliato' }, code3, req3.verifier);
    assert.equal(wrongSecret.status, 401);
    assert.equal(wrongSecret.body.error, 'invalid_client');
  });

  test('an authorization request without PKCE is refused', async () => {
    const req = authorizeUrl(discovery, { clientId: op.clientId, pkce: false });
    const callback = new URL(await loginWithoutBrowser(req.url, 'cittadino'));
    assert.equal(callback.searchParams.get('error'), 'invalid_request');
    assert.match(callback.searchParams.get('error_description'), /PKCE/);
    assert.equal(callback.searchParams.get('code'), null);
  });

  test('"plain" PKCE is refused', async () => {
    const req = authorizeUrl(discovery, { clientId: op.clientId });
    const url = new URL(req.url);
    url.searchParams.set('code_challenge_method', 'plain');
    url.searchParams.set('code_challenge', req.verifier);
    const callback = new URL(await loginWithoutBrowser(url.href, 'cittadino'));
    assert.equal(callback.searchParams.get('error'), 'invalid_request');
  });

  test('an unknown person is refused; cancelling returns access_denied', async () => {
    const req = authorizeUrl(discovery, { clientId: op.clientId });
    await assert.rejects(loginWithoutBrowser(req.url, 'nessuno'), /400/);

    const jar = new CookieJar();
    const req2 = authorizeUrl(discovery, { clientId: op.clientId });
    const res = await fetch(req2.url, { redirect: 'manual' });
    jar.store(res);
    const page = new URL(res.headers.get('location'), op.issuer).href;
    const abort = await fetch(`${page}/abort`, { method: 'POST', redirect: 'manual', headers: { cookie: jar.header(page) } });
    jar.store(abort);
    const resume = new URL(abort.headers.get('location'), op.issuer).href;
    const back = await fetch(resume, { redirect: 'manual', headers: { cookie: jar.header(resume) } });
    const callback = new URL(back.headers.get('location'));
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(callback.searchParams.get('state'), req2.state);
  });

  test('a client registered with ES256 gets ES256 ID tokens', async () => {
    const client = { clientId: ES_CLIENT.client_id, clientSecret: ES_CLIENT.client_secret };
    const { header, payload } = await codeFlow(op, discovery, 'operatore', client);
    assert.equal(header.alg, 'ES256');
    assert.equal(payload.aud, ES_CLIENT.client_id);
    assert.equal(payload[`${SPID}fiscal_number`], people.find((p) => p.id === 'operatore').fiscal_number);
  });

  test('a second login in the same browser session needs no click', async () => {
    const jar = new CookieJar();
    await codeFlow(op, discovery, 'cittadino', op, jar);
    // "nessuno" would be refused if the login page were shown again: the session answers.
    const { payload } = await codeFlow(op, discovery, 'nessuno', op, jar);
    assert.equal(payload.sub, 'cittadino');
  });

  test('RP-initiated logout redirects to the post_logout_redirect_uri with the state', async () => {
    const jar = new CookieJar();
    const { tokens } = await codeFlow(op, discovery, 'cittadino', op, jar);
    const url = new URL(discovery.end_session_endpoint);
    url.search = new URLSearchParams({
      id_token_hint: tokens.id_token, post_logout_redirect_uri: POST_LOGOUT, state: 'abc123',
    }).toString();
    const back = await logoutWithoutBrowser(url.href, { jar });
    assert.equal(back, `${POST_LOGOUT}?state=abc123`);
    // The session is gone: the next authorization shows the login page again.
    await assert.rejects(codeFlow(op, discovery, 'nessuno', op, jar), /400/);

    const bad = new URL(url);
    bad.searchParams.set('post_logout_redirect_uri', 'http://127.0.0.1:1/altrove');
    const res = await fetch(bad, { redirect: 'manual' });
    assert.equal(res.status, 400);
  });
});

describe('oidc provider restart', () => {
  test('restart on the same port with new keys changes the kids; given keys are used', async () => {
    const op = await startProvider({ redirectUris: [REDIRECT] });
    try {
      const disco = async () => (await getJson(`${op.issuer}/.well-known/openid-configuration`)).body;
      const kids = async (d) => (await getJson(d.jwks_uri)).body.keys.map((k) => k.kid).sort();
      const before = await kids(await disco());
      const { header: h1 } = await codeFlow(op, await disco(), 'cittadino');
      assert.ok(before.includes(h1.kid));

      const port = op.port;
      await op.restart();
      assert.equal(op.port, port);
      const d2 = await disco();
      assert.equal(d2.issuer, op.issuer);
      const fresh = await kids(d2);
      assert.equal(fresh.filter((k) => before.includes(k)).length, 0, 'all kids are new');
      const { header: h2 } = await codeFlow(op, d2, 'cittadino');
      assert.ok(fresh.includes(h2.kid) && h2.kid !== h1.kid);

      // Keys given by the test are used as they are.
      const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
      const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
      await op.restart({ keys: { keys: [{ ...rsa, kid: 'chiave-rsa-test', alg: 'RS256', use: 'sig' }, { ...ec, kid: 'chiave-ec-test', alg: 'ES256', use: 'sig' }] } });
      const d3 = await disco();
      assert.deepEqual(await kids(d3), ['chiave-ec-test', 'chiave-rsa-test']);
      const { header: h3 } = await codeFlow(op, d3, 'impresa');
      assert.equal(h3.kid, 'chiave-rsa-test');
    } finally {
      await op.stop();
    }
  });

  test('stdout carries only the JSON line and SIGTERM exits 0', async () => {
    const { spawn } = await import('node:child_process');
    const { providerScript } = await import('./oidc-provider.mjs');
    const child = spawn(process.execPath, [providerScript, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const { issuer } = JSON.parse(out.trim());
    await fetch(`${issuer}/.well-known/openid-configuration`).then((r) => r.arrayBuffer());
    const code = await new Promise((resolve) => {
      child.once('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0);
    assert.equal(out.trim().split('\n').length, 1);
  });
});
