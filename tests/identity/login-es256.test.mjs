// Login when the provider signs ID tokens with ES256 (P-256) instead of RS256, including a
// rotation of its keys. Runs in its own process with its own provider and portal.
//
//   node --test tests/identity/login-es256.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demoPeople, fiscalCodeOf, startPortalWithLogin, stopPortalWithLogin } from '../support/portal-login.mjs';
import { CookieJar, logoutWithoutBrowser } from '../support/oidc-provider.mjs';
import { SPID_L2, assertAnonymous, decodeJwt, loginOk, me } from './login-helpers.mjs';

let base;
let provider;
let discovery;
let firstLoginAt = null;

/** Logs out with the personal area's form; returns the decoded id_token_hint and the end_session URL. */
async function logout(cookie) {
  const html = await (await fetch(`${base}/area-personale`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(csrf, 'csrf token on the personal area');
  const res = await fetch(`${base}/esci`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: new URLSearchParams({ csrf }).toString(),
  });
  await res.arrayBuffer();
  assert.equal(res.status, 302);
  const url = new URL(res.headers.get('location'));
  assert.equal(url.origin + url.pathname, discovery.end_session_endpoint);
  return { url, token: decodeJwt(url.searchParams.get('id_token_hint')) };
}

const jwksKids = async () => (await (await fetch(discovery.jwks_uri)).json()).keys;

describe('login with ES256 ID tokens', () => {
  before(async () => {
    ({ base, provider } = await startPortalWithLogin({ idTokenAlg: 'ES256' }));
    discovery = await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json();
  }, { timeout: 240_000 });
  after(stopPortalWithLogin, { timeout: 60_000 });

  it('/accedi says login is configured and, without AU_OIDC_DEMO, does not call the provider demonstrative', async () => {
    const res = await fetch(`${base}/accedi`);
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(html, /href="\/auth\/login\?ritorno=%2Farea-personale"/);
    assert.doesNotMatch(html, /dimostrativo/);
  });

  for (const id of ['cittadino', 'impresa']) {
    it(`logs ${id} in with an ES256-signed ID token and logs out at the provider`, async () => {
      const person = demoPeople.find((p) => p.id === id);
      const jar = new CookieJar();
      const l = await loginOk(base, id, { jar });
      firstLoginAt ??= Date.now();
      assert.equal(l.location, '/area-personale');
      const m = await me(base, l.cookie);
      assert.equal(m.status, 200);
      assert.equal(m.body.fiscal_code, fiscalCodeOf(id));
      assert.equal(m.body.given_name, person.given_name);
      assert.equal(m.body.family_name, person.family_name);
      assert.equal(m.body.spid_level, SPID_L2);
      assert.deepEqual([...m.body.roles].sort(), ['cittadino', ...person.roles.map((r) => r.role)].sort());

      const { url, token } = await logout(l.cookie);
      assert.equal(token.header.alg, 'ES256');
      const key = (await jwksKids()).find((k) => k.kid === token.header.kid);
      assert.equal(key?.kty, 'EC', 'signed with an EC key of the JWKS');
      assert.equal(key.crv, 'P-256');
      assert.equal(token.payload.aud, provider.clientId);
      const back = new URL(await logoutWithoutBrowser(url.href, { jar }));
      assert.equal(back.origin + back.pathname, `${base}/`);
      await assertAnonymous(base, l.cookie);
    });
  }

  it('logs in after the provider rotates its ES256 key (JWKS refetched on the unknown kid)', { timeout: 120_000 }, async () => {
    if (firstLoginAt === null) {
      await loginOk(base, 'cittadino');
      firstLoginAt = Date.now();
    }
    const oldKids = (await jwksKids()).map((k) => k.kid);
    await provider.restart();
    const newKids = (await jwksKids()).map((k) => k.kid);
    assert.ok(!newKids.some((k) => oldKids.includes(k)), 'new kids after the restart');
    // The portal refetches the JWKS at most once every 10 s: let that window pass.
    const wait = firstLoginAt + 11_000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const l = await loginOk(base, 'operatore');
    assert.equal((await me(base, l.cookie)).body.fiscal_code, fiscalCodeOf('operatore'));
    const { token } = await logout(l.cookie);
    assert.equal(token.header.alg, 'ES256');
    assert.ok(newKids.includes(token.header.kid), 'the accepted token is signed with the new key');
  });
});
