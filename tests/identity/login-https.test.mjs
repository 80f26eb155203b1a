// The cookies when the portal's public address is https (behind a TLS proxy): __Host- names,
// Secure, and the CSRF Origin check against the https origin. The portal itself still listens on
// plain HTTP here; the test plays the proxy by fetching http:// for the https:// URLs it is given.
//
//   node --test tests/identity/login-https.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, start, stop } from '../browser/harness.mjs';
import { demoPeopleFile, loginWithoutBrowser, startProvider } from '../support/oidc-provider.mjs';
import { fiscalCodeOf } from '../support/portal-login.mjs';
import { me, parseSetCookie } from './login-helpers.mjs';

let provider;
let local; // http://127.0.0.1:PORT, where the portal listens
let publicBase; // https://127.0.0.1:PORT, its public address

const named = (res, name) => res.headers.getSetCookie().map(parseSetCookie).find((c) => c.name === name);
const toLocal = (url) => url.replace(publicBase, local);

async function httpsLogin(personId) {
  const startRes = await fetch(`${local}/auth/login?ritorno=%2Farea-personale`, { redirect: 'manual' });
  await startRes.arrayBuffer();
  assert.equal(startRes.status, 302);
  const loginCookie = named(startRes, '__Host-au_login');
  const callbackUrl = await loginWithoutBrowser(startRes.headers.get('location'), personId);
  assert.ok(callbackUrl.startsWith(`${publicBase}/auth/callback?`), callbackUrl);
  const cb = await fetch(toLocal(callbackUrl), { redirect: 'manual', headers: { cookie: `__Host-au_login=${loginCookie?.value}` } });
  const body = await cb.text();
  return { startRes, loginCookie, cb, body, session: named(cb, '__Host-au_session') };
}

describe('cookies of a portal served over https', () => {
  before(async () => {
    const port = await freePort();
    local = `http://127.0.0.1:${port}`;
    publicBase = `https://127.0.0.1:${port}`;
    provider = await startProvider({
      redirectUris: [`${publicBase}/auth/callback`],
      postLogoutRedirectUris: [`${publicBase}/`],
    });
    try {
      await start({
        port,
        env: {
          AU_BASE_URL: publicBase,
          AU_OIDC_ISSUER: provider.issuer,
          AU_OIDC_CLIENT_ID: provider.clientId,
          AU_OIDC_CLIENT_SECRET: provider.clientSecret,
        },
        setup: (runCli, db) => runCli(['--database', db, 'roles', 'import', demoPeopleFile]),
      });
    } catch (e) {
      await provider.stop();
      provider = null;
      throw e;
    }
  }, { timeout: 240_000 });
  after(async () => {
    await stop();
    if (provider) await provider.stop();
  }, { timeout: 60_000 });

  it('names the login cookie __Host-au_login, Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
    const { startRes, loginCookie } = await httpsLogin('cittadino');
    assert.ok(loginCookie, 'the __Host- login cookie is set');
    assert.equal(named(startRes, 'au_login'), undefined, 'no plain-named login cookie');
    for (const a of ['secure', 'httponly']) assert.ok(loginCookie.attrs.has(a), a);
    assert.equal(loginCookie.attrs.get('samesite')?.toLowerCase(), 'lax');
    assert.equal(loginCookie.attrs.get('path'), '/');
    assert.ok(!loginCookie.attrs.has('domain'));
  });

  it('names the session cookie __Host-au_session, Secure, HttpOnly, SameSite=Lax, Path=/, and reads only that name', async () => {
    const l = await httpsLogin('impresa');
    assert.equal(l.cb.status, 302, l.body.slice(0, 300));
    assert.equal(l.cb.headers.get('location'), '/area-personale');
    const s = l.session;
    assert.ok(s, '__Host-au_session is set');
    assert.equal(named(l.cb, 'au_session'), undefined, 'no plain-named session cookie');
    assert.match(s.value, /^[A-Za-z0-9]{43}$/);
    for (const a of ['secure', 'httponly']) assert.ok(s.attrs.has(a), a);
    assert.equal(s.attrs.get('samesite')?.toLowerCase(), 'lax');
    assert.equal(s.attrs.get('path'), '/');
    assert.ok(!s.attrs.has('domain'));
    assert.equal((await me(local, `__Host-au_session=${s.value}`)).body.fiscal_code, fiscalCodeOf('impresa'));
    // a cookie without the prefix could have been set by a sibling (sub)domain: not read
    assert.equal((await me(local, `au_session=${s.value}`)).status, 401);
  });

  it('checks the Origin of forms against the https address', async () => {
    const l = await httpsLogin('cittadino');
    const cookie = `__Host-au_session=${l.session.value}`;
    const html = await (await fetch(`${local}/area-personale`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(csrf);
    const logout = (origin) => fetch(`${local}/esci`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }).toString(),
    });
    const wrong = await logout(local); // the http origin is not the portal's
    await wrong.arrayBuffer();
    assert.equal(wrong.status, 403);
    const right = await logout(publicBase);
    await right.arrayBuffer();
    assert.equal(right.status, 302);
    const cleared = named(right, '__Host-au_session');
    assert.ok(cleared && cleared.value === '' && cleared.attrs.get('max-age') === '0' && cleared.attrs.has('secure'));
    const target = new URL(right.headers.get('location'));
    assert.equal(target.searchParams.get('post_logout_redirect_uri'), `${publicBase}/`);
    assert.equal((await me(local, cookie)).status, 401);
  });
});
