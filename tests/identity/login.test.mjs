// Login through the OpenID provider, sessions, logout and the attacks of the issue ("Login",
// "Sessions", "Bad input and attacks"), against the real binary and a real oidc-provider.
//
//   node --test tests/identity/login.test.mjs
//   (PostgreSQL: AU_TEST_DATABASE_URL=postgresql://... node --test tests/identity/login.test.mjs)
//
// ES256 ID tokens: login-es256.test.mjs. Invalid fiscal-code claims: login-invalid-claims.test.mjs.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { demoPeople, fiscalCodeOf, startPortalWithLogin, stopPortalWithLogin } from '../support/portal-login.mjs';
import { CookieJar, loginWithoutBrowser, logoutWithoutBrowser } from '../support/oidc-provider.mjs';
import {
  SPID_L2, assertAnonymous, assertErrorPage, beginLogin, callback, decodeJwt, loginOk, me, rawRequest, setCookieNamed,
  setsSession, withParam,
} from './login-helpers.mjs';

const ALNUM = /^[A-Za-z0-9]+$/;
const randomAlnum = (n) => {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.randomBytes(n), (b) => chars[b % chars.length]).join('');
};

let base;
let provider;
let discovery;
// The portal fetches the provider's JWKS at the first login and then at most once every 10 s
// (refetch on unknown kid, rate-limited): the key-rotation test waits until that window passed.
let firstLoginAt = null;

async function firstLogin(personId, options) {
  const l = await loginOk(base, personId, options);
  firstLoginAt ??= Date.now();
  return l;
}

/** GET a personal-area page with a session: its HTML (asserting 200). */
async function page(path, cookie) {
  const res = await fetch(base + path, { headers: { cookie } });
  const html = await res.text();
  assert.equal(res.status, 200, `${path} answered ${res.status}`);
  return html;
}

function csrfOf(html) {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  assert.ok(m, 'the page has a csrf field');
  return m[1];
}

function post(path, { cookie, form = {}, origin, contentType = 'application/x-www-form-urlencoded' }) {
  const headers = { cookie, 'content-type': contentType };
  if (origin !== undefined) headers.origin = origin;
  return fetch(base + path, { method: 'POST', redirect: 'manual', headers, body: new URLSearchParams(form).toString() });
}

describe('login with the OpenID provider', () => {
  before(async () => {
    ({ base, provider } = await startPortalWithLogin({ env: { AU_OIDC_DEMO: '1' } }));
    const res = await fetch(`${provider.issuer}/.well-known/openid-configuration`);
    discovery = await res.json();
  }, { timeout: 240_000 });
  after(stopPortalWithLogin, { timeout: 60_000 });

  describe('anonymous visitor and the login page', () => {
    it('sends an anonymous visitor of /area-personale to /accedi with the way back', async () => {
      for (const [path, back] of [
        ['/area-personale', '%2Farea-personale'],
        ['/area-personale/deleghe', '%2Farea-personale%2Fdeleghe'],
      ]) {
        const res = await fetch(base + path, { redirect: 'manual' });
        await res.arrayBuffer();
        assert.equal(res.status, 302, path);
        assert.equal(res.headers.get('location'), `/accedi?ritorno=${back}`);
        assert.equal(res.headers.get('cache-control'), 'no-store');
      }
    });

    it('refuses anonymous state-changing requests to the personal area with 401', async () => {
      const res = await fetch(`${base}/area-personale/deleghe`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'delegato=VRDLCU78S23L117P',
      });
      const html = await res.text();
      assert.equal(res.status, 401);
      assert.match(res.headers.get('content-type'), /^text\/html/);
      assert.match(html, /La sessione è scaduta: accedi di nuovo/);
    });

    it('/accedi says that login is configured, with the demo provider, and links /auth/login', async () => {
      const res = await fetch(`${base}/accedi?ritorno=%2Farea-personale%2Fdeleghe`);
      const html = await res.text();
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.match(html, /Entra con SPID o CIE/);
      assert.match(html, /data-element="personal-area-login-button"/);
      assert.match(html, /href="\/auth\/login\?ritorno=%2Farea-personale%2Fdeleghe"/);
      assert.match(html, /Provider di identità dimostrativo/);
      assert.match(html, /<strong>dimostrativo<\/strong>/);
      assert.doesNotMatch(html, /non è configurato su questo server/);
      // the header button of an anonymous visitor
      assert.match(html, /data-element="personal-area-login"[^>]*>[\s\S]*?<span>Accedi all(&#39;|')area personale<\/span>/);
    });

    it('/auth/login redirects to the authorization endpoint with PKCE S256, state and nonce', async () => {
      const { res, authorizeUrl } = await beginLogin(base);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const u = new URL(authorizeUrl);
      assert.equal(u.origin + u.pathname, discovery.authorization_endpoint);
      const p = u.searchParams;
      assert.equal(p.get('response_type'), 'code');
      assert.equal(p.get('client_id'), provider.clientId);
      assert.equal(p.get('redirect_uri'), `${base}/auth/callback`);
      assert.ok(p.get('scope').split(' ').includes('openid'), `scope ${p.get('scope')}`);
      for (const name of ['state', 'nonce']) {
        const v = p.get(name);
        assert.ok(v && v.length >= 32, `${name} has at least 32 characters: ${v}`);
        assert.match(v, ALNUM, name);
      }
      assert.notEqual(p.get('state'), p.get('nonce'));
      assert.match(p.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
      assert.equal(p.get('code_challenge_method'), 'S256');
      assert.equal(p.get('code_verifier'), null, 'the verifier never leaves the portal');
    });

    it('/auth/login sets the au_login cookie: HttpOnly, SameSite=Lax, Path=/, short-lived, not Secure on http', async () => {
      const { res, loginCookie } = await beginLogin(base);
      const c = setCookieNamed(res, 'au_login');
      assert.ok(c, 'au_login is set');
      assert.match(c.value, /^[A-Za-z0-9]{43}$/);
      assert.equal(loginCookie, `au_login=${c.value}`);
      assert.ok(c.attrs.has('httponly'));
      assert.equal(c.attrs.get('samesite')?.toLowerCase(), 'lax');
      assert.equal(c.attrs.get('path'), '/');
      assert.ok(Number(c.attrs.get('max-age')) > 0 && Number(c.attrs.get('max-age')) <= 3600, 'Max-Age up to one hour');
      assert.ok(!c.attrs.has('secure'), 'no Secure on plain-HTTP localhost');
      assert.equal(setsSession(res), false);
    });

    it('every /auth/login has its own state, nonce, PKCE challenge and browser cookie', async () => {
      const a = await beginLogin(base);
      const b = await beginLogin(base);
      const pa = new URL(a.authorizeUrl).searchParams;
      const pb = new URL(b.authorizeUrl).searchParams;
      for (const name of ['state', 'nonce', 'code_challenge']) assert.notEqual(pa.get(name), pb.get(name), name);
      assert.notEqual(a.loginCookie, b.loginCookie);
    });

    it('/auth/login and /auth/callback accept only GET', async () => {
      for (const path of ['/auth/login', '/auth/callback']) {
        const res = await fetch(base + path, { method: 'POST', redirect: 'manual' });
        const html = await res.text();
        assert.equal(res.status, 405, path);
        assert.match(res.headers.get('allow'), /GET/);
        assert.match(html, /Questa pagina accetta solo/);
      }
    });
  });

  describe('login of each demo person', () => {
    for (const person of demoPeople) {
      it(`logs in ${person.id} (${person.given_name} ${person.family_name}) with the right identity and roles`, async () => {
        const l = await firstLogin(person.id);
        assert.ok(l.callbackUrl.startsWith(`${base}/auth/callback?`), l.callbackUrl);
        assert.equal(l.location, '/area-personale');
        assert.equal(l.cb.res.headers.get('cache-control'), 'no-store');

        // the session cookie
        const c = setCookieNamed(l.cb.res, 'au_session');
        assert.match(c.value, /^[A-Za-z0-9]{43}$/);
        assert.ok(c.attrs.has('httponly'));
        assert.equal(c.attrs.get('samesite')?.toLowerCase(), 'lax');
        assert.equal(c.attrs.get('path'), '/');
        assert.ok(!c.attrs.has('secure'), 'no Secure on plain-HTTP localhost');
        assert.ok(!c.attrs.has('domain'), 'host-only cookie');
        assert.equal(setCookieNamed(l.cb.res, '__Host-au_session'), undefined);
        // the login cookie has done its job
        const lc = setCookieNamed(l.cb.res, 'au_login');
        assert.ok(lc && lc.value === '' && lc.attrs.get('max-age') === '0', 'au_login is cleared');

        // who the portal thinks this is
        const m = await me(base, l.cookie);
        assert.equal(m.status, 200);
        assert.equal(m.body.kind, 'person');
        assert.equal(m.body.fiscal_code, fiscalCodeOf(person.id));
        assert.equal(m.body.given_name, person.given_name);
        assert.equal(m.body.family_name, person.family_name);
        assert.equal(m.body.spid_level, person.acr);
        assert.equal(m.body.spid_level, SPID_L2);
        const expected = ['cittadino', ...person.roles.map((r) => r.role)];
        assert.deepEqual([...m.body.roles].sort(), [...new Set(expected)].sort());
        for (const r of person.roles) {
          if (r.role === 'operatore-ente') assert.equal(m.body.ente, r.scope);
          if (r.role === 'rappresentante-impresa') assert.ok(m.body.businesses.includes(r.scope));
          if (r.role === 'redattore') assert.ok(m.body.communities.includes(r.scope));
        }

        // the personal area and the header button
        const name = `${person.given_name} ${person.family_name}`;
        const res = await fetch(`${base}/area-personale`, { headers: { cookie: l.cookie } });
        const html = await res.text();
        assert.equal(res.status, 200);
        assert.match(res.headers.get('cache-control'), /no-store/);
        assert.match(html, new RegExp(`Benvenuta/o, ${name}\\.`));
        assert.ok(html.includes(fiscalCodeOf(person.id)));
        assert.match(html, new RegExp(`data-element="personal-area-login"[^>]*>[\\s\\S]*?<span>Area personale di ${name}</span>`));
        assert.match(html, /<form method="post" action="\/esci">\s*<input type="hidden" name="csrf" value="[A-Za-z0-9]{43}">/);
      });
    }

    it('personalises the header of public pages too, and keeps such copies out of shared caches', async () => {
      const l = await loginOk(base, 'operatore');
      const res = await fetch(`${base}/`, { headers: { cookie: l.cookie } });
      const html = await res.text();
      assert.equal(res.status, 200);
      assert.match(html, /data-element="personal-area-login"[^>]*>[\s\S]*?<span>Area personale di Francesca Marchetti<\/span>/);
      assert.equal(res.headers.get('cache-control'), 'private, no-store');
      assert.equal(res.headers.get('etag'), null);
      const anon = await (await fetch(`${base}/`)).text();
      assert.doesNotMatch(anon, /Francesca Marchetti/);
    });

    it('gives a new session id at every login, and both sessions are valid', async () => {
      const a = await loginOk(base, 'cittadino');
      const b = await loginOk(base, 'cittadino');
      assert.notEqual(a.cookie, b.cookie);
      for (const cookie of [a.cookie, b.cookie]) assert.equal((await me(base, cookie)).body.fiscal_code, fiscalCodeOf('cittadino'));
    });

    it('goes back to the page the login started from', async () => {
      const l = await loginOk(base, 'cittadino', { query: 'ritorno=%2Farea-personale%2Fdeleghe' });
      assert.equal(l.location, '/area-personale/deleghe');
      const l2 = await loginOk(base, 'cittadino', { query: 'ritorno=%2Fservizi%3Fq%3Danagrafe' });
      assert.equal(l2.location, '/servizi?q=anagrafe');
    });

    it('/accedi with a session goes straight to the way back', async () => {
      const l = await loginOk(base, 'cittadino');
      const res = await fetch(`${base}/accedi?ritorno=%2Farea-personale%2Fdeleghe`, { redirect: 'manual', headers: { cookie: l.cookie } });
      await res.arrayBuffer();
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), '/area-personale/deleghe');
    });

    it('puts the session CSRF token in every state-changing form of the personal area', async () => {
      const l = await loginOk(base, 'amministratore');
      const token = csrfOf(await page('/area-personale', l.cookie));
      assert.match(token, /^[A-Za-z0-9]{43}$/);
      let forms = 0;
      for (const path of ['/area-personale', '/area-personale/deleghe', '/area-personale/amministrazione', '/area-personale/redazione']) {
        const html = await page(path, l.cookie);
        for (const [form] of html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)) {
          if (!/method="post"/i.test(form)) continue;
          forms++;
          assert.ok(form.includes(`name="csrf" value="${token}"`), `${path}: form without the token: ${form.slice(0, 200)}`);
        }
      }
      assert.ok(forms >= 4, `found ${forms} POST forms`);
    });
  });

  describe('attacks on the callback', () => {
    it('refuses a replayed callback (same code and state) with 400', async () => {
      const l = await loginOk(base, 'cittadino');
      const again = await callback(l.callbackUrl, l.loginCookie);
      assertErrorPage(again, 400, /già stato usato o è scaduto/);
    });

    it('refuses a replayed authorization code presented with a fresh state', async () => {
      const l = await loginOk(base, 'cittadino');
      const code = new URL(l.callbackUrl).searchParams.get('code');
      const fresh = await beginLogin(base);
      const state = new URL(fresh.authorizeUrl).searchParams.get('state');
      const forged = withParam(withParam(l.callbackUrl, 'state', state), 'code', code);
      assertErrorPage(await callback(forged, fresh.loginCookie), 400, /Non è stato possibile verificare la tua identità/);
    });

    it('refuses an unused code injected into another login attempt (PKCE and nonce bind it)', async () => {
      // The attacker obtains a code for their own attempt but does not redeem it ...
      const attacker = await beginLogin(base);
      const attackerCallback = await loginWithoutBrowser(attacker.authorizeUrl, 'impresa');
      // ... and injects it into the victim's callback, with the victim's state and cookie.
      const victim = await beginLogin(base);
      const victimState = new URL(victim.authorizeUrl).searchParams.get('state');
      const injected = withParam(attackerCallback, 'state', victimState);
      assertErrorPage(await callback(injected, victim.loginCookie), 400, /Non è stato possibile verificare la tua identità/);
    });

    it('refuses a tampered state, and the untouched callback still works once', async () => {
      const start = await beginLogin(base);
      const callbackUrl = await loginWithoutBrowser(start.authorizeUrl, 'cittadino');
      const state = new URL(callbackUrl).searchParams.get('state');
      const flipped = state.slice(0, -1) + (state.endsWith('A') ? 'B' : 'A');
      for (const bad of [flipped, state + 'x', state.slice(1), '']) {
        assertErrorPage(await callback(withParam(callbackUrl, 'state', bad), start.loginCookie), 400, /Riprova ad accedere/);
      }
      assertErrorPage(await callback(withParam(callbackUrl, 'state', null), start.loginCookie), 400, /non è valida/);
      assertErrorPage(await callback(withParam(callbackUrl, 'state', 'a'.repeat(300)), start.loginCookie), 400, /non è valida/);
      const ok = await callback(callbackUrl, start.loginCookie);
      assert.equal(ok.res.status, 302, ok.body.slice(0, 300));
      assert.ok(setsSession(ok.res));
    });

    it('refuses a callback without the au_login cookie (started in another browser)', async () => {
      const start = await beginLogin(base);
      const callbackUrl = await loginWithoutBrowser(start.authorizeUrl, 'cittadino');
      assertErrorPage(await callback(callbackUrl, null), 400, /avviato da un altro browser/);
      // the attempt is spent: the right browser cannot finish it afterwards either
      assertErrorPage(await callback(callbackUrl, start.loginCookie), 400, /già stato usato o è scaduto/);
    });

    it('refuses a callback with another browser\'s au_login cookie', async () => {
      const victim = await beginLogin(base);
      const other = await beginLogin(base); // a real, valid cookie, but of another attempt
      const callbackUrl = await loginWithoutBrowser(victim.authorizeUrl, 'cittadino');
      assertErrorPage(await callback(callbackUrl, other.loginCookie), 400, /avviato da un altro browser/);
      const c2 = await beginLogin(base);
      const cb2 = await loginWithoutBrowser(c2.authorizeUrl, 'cittadino');
      assertErrorPage(await callback(cb2, `au_login=${'x'.repeat(43)}`), 400, /avviato da un altro browser/);
      const c3 = await beginLogin(base);
      const cb3 = await loginWithoutBrowser(c3.authorizeUrl, 'cittadino');
      assertErrorPage(await callback(cb3, `au_session=${c3.loginCookie.split('=')[1]}`), 400, /avviato da un altro browser/);
    });

    it('answers the provider\'s error=access_denied (the person cancelled) with 400 and no session', async () => {
      const start = await beginLogin(base);
      // The provider's own "Annulla" button: its login page, then POST .../abort.
      const jar = new CookieJar();
      const origin = new URL(start.authorizeUrl).origin;
      let url = start.authorizeUrl;
      let res;
      for (let i = 0; i < 10; i++) {
        res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
        jar.store(res);
        await res.arrayBuffer();
        if (res.status < 300 || res.status >= 400) break;
        url = new URL(res.headers.get('location'), url).href;
      }
      assert.match(new URL(url).pathname, /^\/interaction\/[\w-]+$/);
      let next = `${url}/abort`;
      let init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' };
      for (let i = 0; i < 10 && new URL(next).origin === origin; i++) {
        res = await fetch(next, { ...init, redirect: 'manual', headers: { ...init.headers, cookie: jar.header(next) } });
        jar.store(res);
        await res.arrayBuffer();
        assert.ok(res.status >= 300 && res.status < 400, `provider answered ${res.status}`);
        next = new URL(res.headers.get('location'), next).href;
        init = {};
      }
      const cbUrl = new URL(next);
      assert.equal(cbUrl.origin + cbUrl.pathname, `${base}/auth/callback`);
      assert.equal(cbUrl.searchParams.get('error'), 'access_denied');
      assert.equal(cbUrl.searchParams.get('code'), null);
      assertErrorPage(await callback(next, start.loginCookie), 400, /annullato o non è riuscito/);
    });

    it('refuses an error=access_denied that does not match an attempt of this browser', async () => {
      const start = await beginLogin(base);
      const state = new URL(start.authorizeUrl).searchParams.get('state');
      const bare = `${base}/auth/callback?error=access_denied&state=${state}`;
      assertErrorPage(await callback(`${base}/auth/callback?error=access_denied`, start.loginCookie), 400, /non è valida/);
      assertErrorPage(await callback(bare, null), 400, /avviato da un altro browser/);
    });

    it('refuses a callback without a code, or with an invented one', async () => {
      const a = await beginLogin(base);
      const sa = new URL(a.authorizeUrl).searchParams.get('state');
      assertErrorPage(await callback(`${base}/auth/callback?state=${sa}`, a.loginCookie), 400, /non è valida/);
      const b = await beginLogin(base);
      const sb = new URL(b.authorizeUrl).searchParams.get('state');
      assertErrorPage(await callback(`${base}/auth/callback?state=${sb}&code=invented`, b.loginCookie), 400,
        /Non è stato possibile verificare la tua identità/);
      assertErrorPage(await callback(`${base}/auth/callback`, null), 400, /non è valida/);
      assertErrorPage(await callback(`${base}/auth/callback?state=%ZZ`, null), 400, /non è valida/);
    });
  });

  describe('session fixation', () => {
    it('does not accept a planted session id, and does not keep it after login', async () => {
      const planted = randomAlnum(43);
      await assertAnonymous(base, `au_session=${planted}`);
      const l = await loginOk(base, 'cittadino', { extraCookie: `au_session=${planted}` });
      assert.notEqual(l.cookie, `au_session=${planted}`);
      assert.equal((await me(base, l.cookie)).body.fiscal_code, fiscalCodeOf('cittadino'));
      await assertAnonymous(base, `au_session=${planted}`);
    });

    it('does not promote the attacker\'s own session: the victim gets a new one', async () => {
      const attacker = await loginOk(base, 'impresa');
      const victim = await loginOk(base, 'cittadino', { extraCookie: attacker.cookie });
      assert.notEqual(victim.cookie, attacker.cookie);
      assert.equal((await me(base, victim.cookie)).body.fiscal_code, fiscalCodeOf('cittadino'));
      // the planted session is ended by the login (a browser keeps one session): it never
      // becomes the victim's, and it no longer works at all
      assert.equal((await me(base, attacker.cookie)).status, 401);
    });
  });

  describe('forged and garbage session cookies', () => {
    it('treats garbage and forged session cookies as anonymous', async () => {
      const real = await loginOk(base, 'cittadino');
      const id = real.cookie.split('=')[1];
      const flipped = id.slice(0, -1) + (id.endsWith('A') ? 'B' : 'A');
      const values = [
        'garbage',
        '',
        randomAlnum(43),
        flipped,
        id.toLowerCase() === id ? id.toUpperCase() : id.toLowerCase(),
        id + 'A',
        id.slice(1),
        `${id.slice(0, 42)}%41`,
        "' OR '1'='1",
        '../../etc/passwd',
        `"${id}"`,
        Buffer.from(id).toString('base64'),
        'A'.repeat(4000),
        `${'é'.repeat(20)}`,
      ];
      for (const v of values) {
        const cookie = `au_session=${v}`;
        await assertAnonymous(base, cookie);
      }
      // The __Host- name is the https one: on plain http it is not read.
      await assertAnonymous(base, `__Host-au_session=${id}`);
      await assertAnonymous(base, `AU_SESSION=${id}`);
      await assertAnonymous(base, `xau_session=${id}`);
      // and the real one is still fine
      assert.equal((await me(base, real.cookie)).status, 200);
    });
  });

  describe('CSRF', () => {
    let session;
    let csrf;
    before(async () => {
      session = await loginOk(base, 'cittadino');
      csrf = csrfOf(await page('/area-personale', session.cookie));
    });

    it('refuses POST /esci without the token, with a wrong one and with a foreign Origin', async () => {
      const cases = [
        { form: {} },
        { form: { csrf: 'x'.repeat(43) } },
        { form: { csrf: csrf.slice(0, -1) } },
        { form: { csrf }, origin: 'https://evil.example' },
        { form: { csrf }, origin: 'null' },
        { form: { csrf }, origin: base.replace('127.0.0.1', 'localhost') },
      ];
      for (const c of cases) {
        const res = await post('/esci', { cookie: session.cookie, ...c });
        const html = await res.text();
        assert.equal(res.status, 403, JSON.stringify(c));
        assert.match(res.headers.get('content-type'), /^text\/html/);
        assert.match(html, /non proviene da questo sito/);
        assert.equal(res.headers.getSetCookie().length, 0, 'the session is not cleared');
      }
      assert.equal((await me(base, session.cookie)).status, 200, 'still logged in');
    });

    it('refuses POST /area-personale/deleghe without the token and with a foreign Origin', async () => {
      const form = { per_conto: 'persona', delegato: fiscalCodeOf('professionista'), ambito: 'tutti', dal: '2030-01-01', al: '2030-12-31' };
      for (const c of [
        { form },
        { form: { ...form, csrf: 'x'.repeat(43) } },
        { form: { ...form, csrf }, origin: 'https://evil.example' },
      ]) {
        const res = await post('/area-personale/deleghe', { cookie: session.cookie, ...c });
        const html = await res.text();
        assert.equal(res.status, 403, JSON.stringify(c));
        assert.match(html, /non proviene da questo sito/);
      }
      // nothing was created
      const list = await fetch(`${base}/api/v1/delegations`, { headers: { cookie: session.cookie } });
      const body = await list.json();
      assert.equal(list.status, 200);
      assert.ok(!body.granted.some((d) => d.delegate === fiscalCodeOf('professionista') && d.valid_from.startsWith('2030-01-01')),
        'no delegation was created by the refused requests');
    });

    it('accepts the same form with the token and the portal\'s Origin (control)', async () => {
      // An incomplete form: the token passes, the validation answers (not 403).
      const res = await post('/area-personale/deleghe', { cookie: session.cookie, form: { csrf, delegato: '' }, origin: base });
      const html = await res.text();
      assert.equal(res.status, 422, html.slice(0, 300));
      assert.match(html, /Deleghe/);
    });

    it('refuses a form that is not form-encoded', async () => {
      const res = await post('/esci', { cookie: session.cookie, form: { csrf }, contentType: 'text/plain' });
      const html = await res.text();
      assert.equal(res.status, 400);
      assert.match(html, /Il modulo inviato non è valido/);
      assert.equal((await me(base, session.cookie)).status, 200);
    });
  });

  describe('open redirects', () => {
    const evil = [
      ['//evil.example', 'ritorno=%2F%2Fevil.example'],
      ['//evil.example unencoded', 'ritorno=//evil.example'],
      ['https://evil.example', 'ritorno=https%3A%2F%2Fevil.example'],
      ['/\\evil.example', 'ritorno=%2F%5Cevil.example'],
      ['\\\\evil.example', 'ritorno=%5C%5Cevil.example'],
      ['%2F%2Fevil (encoded twice)', 'ritorno=%252F%252Fevil.example'],
      ['///evil.example', 'ritorno=%2F%2F%2Fevil.example'],
      ['/<TAB>/evil.example (browsers drop the tab)', 'ritorno=%2F%09%2Fevil.example'],
      ['/<CR><LF>Location: https://evil.example', 'ritorno=%2F%0D%0ALocation%3A%20https%3A%2F%2Fevil.example'],
      ['/<NUL>/evil.example', 'ritorno=%2F%00%2Fevil.example'],
      ['/<DEL>evil', 'ritorno=%2F%7Fevil.example'],
      ['javascript:alert(1)', 'ritorno=javascript%3Aalert(1)'],
      ['evil.example (relative)', 'ritorno=evil.example'],
      ['a 600-character path', `ritorno=%2F${'a'.repeat(600)}`],
    ];
    for (const [label, query] of evil) {
      it(`after login the Location is /area-personale, not ${label}`, async () => {
        const l = await loginOk(base, 'cittadino', { query });
        assert.equal(l.location, '/area-personale');
        assert.ok(!l.cb.res.headers.has('refresh'));
        // and the login page does not pass it on either
        const res = await fetch(`${base}/accedi?${query}`);
        const html = await res.text();
        assert.equal(res.status, 200);
        assert.match(html, /href="\/auth\/login\?ritorno=%2Farea-personale"/);
        assert.doesNotMatch(html, /evil\.example/);
      });
    }

    it('/accedi with a session does not redirect outside either', async () => {
      const l = await loginOk(base, 'cittadino');
      for (const [, query] of evil) {
        const res = await fetch(`${base}/accedi?${query}`, { redirect: 'manual', headers: { cookie: l.cookie } });
        await res.arrayBuffer();
        assert.equal(res.status, 302, query);
        assert.equal(res.headers.get('location'), '/area-personale', query);
      }
    });
  });

  describe('oversized and malformed Cookie headers', () => {
    const host = () => new URL(base).host;
    const request = (cookie) => `GET /area-personale HTTP/1.1\r\nHost: ${host()}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`;

    for (const kb of [20, 70]) {
      it(`answers a ${kb} KB Cookie header with 431, not 5xx, and keeps serving`, async () => {
        const big = await rawRequest(base, request(`au_session=${'A'.repeat(kb * 1024)}`));
        assert.equal(big.status, 431, big.head.slice(0, 200));
        assert.match(big.text, /Intestazioni della richiesta troppo grandi/);
        const many = Array.from({ length: kb * 32 }, (_, i) => `c${i}=${'v'.repeat(24)}`).join('; ');
        const split = await rawRequest(base, request(many));
        assert.equal(split.status, 431, split.head.slice(0, 200));
        const status = await fetch(`${base}/status`);
        await status.arrayBuffer();
        assert.equal(status.status, 200);
      });
    }

    it('reads a session cookie among a few KB of other cookies (control)', async () => {
      const l = await loginOk(base, 'cittadino');
      const noise = Array.from({ length: 40 }, (_, i) => `tracker${i}=${'z'.repeat(150)}`).join('; ');
      assert.equal((await me(base, `${noise}; ${l.cookie}; other=1`)).body.fiscal_code, fiscalCodeOf('cittadino'));
    });

    it('treats malformed Cookie headers as anonymous, never 5xx', async () => {
      for (const cookie of ['au_session', 'au_session=;;;', '=au_session', ';', 'au_session==', 'au_session=\t', 'a=b; au_session; c']) {
        const r = await rawRequest(base, request(cookie));
        assert.equal(r.status, 302, `${JSON.stringify(cookie)} → ${r.status}`);
        assert.match(r.head, /\r\nLocation: \/accedi\?ritorno=%2Farea-personale\r\n/i);
      }
    });
  });

  describe('logout', () => {
    it('GET /esci is not a logout (405): logging out needs the form', async () => {
      const l = await loginOk(base, 'cittadino');
      const res = await fetch(`${base}/esci`, { redirect: 'manual', headers: { cookie: l.cookie } });
      await res.arrayBuffer();
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('allow'), 'POST');
      assert.equal((await me(base, l.cookie)).status, 200);
    });

    it('POST /esci ends the session here and at the provider (RP-initiated logout)', async () => {
      const jar = new CookieJar();
      const l = await loginOk(base, 'professionista', { jar });
      const csrf = csrfOf(await page('/area-personale', l.cookie));
      const res = await post('/esci', { cookie: l.cookie, form: { csrf }, origin: base });
      await res.arrayBuffer();
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('cache-control'), 'no-store');

      // the session cookie is cleared
      const cleared = setCookieNamed(res, 'au_session');
      assert.ok(cleared, 'au_session is cleared');
      assert.equal(cleared.value, '');
      assert.equal(cleared.attrs.get('max-age'), '0');
      assert.equal(cleared.attrs.get('path'), '/');

      // to the provider's end_session endpoint, with the ID token of this login
      const target = new URL(res.headers.get('location'));
      assert.equal(target.origin + target.pathname, discovery.end_session_endpoint);
      const p = target.searchParams;
      assert.equal(p.get('post_logout_redirect_uri'), `${base}/`);
      assert.equal(p.get('client_id'), provider.clientId);
      assert.ok((p.get('state') ?? '').length >= 32, 'a state for the way back');
      const hint = p.get('id_token_hint');
      assert.ok(hint, 'id_token_hint');
      const { header, payload } = decodeJwt(hint);
      assert.equal(header.alg, 'RS256');
      assert.equal(payload.iss, provider.issuer);
      assert.equal(payload.aud, provider.clientId);
      assert.equal(payload['https://attributes.eid.gov.it/fiscal_number'], `TINIT-${fiscalCodeOf('professionista')}`);
      assert.equal(payload.acr, SPID_L2);
      assert.equal(payload.nonce, new URL(l.authorizeUrl).searchParams.get('nonce'));

      // the provider accepts it and sends the person back to the portal
      const back = await logoutWithoutBrowser(target.href, { jar });
      const backUrl = new URL(back);
      assert.equal(backUrl.origin + backUrl.pathname, `${base}/`);
      assert.equal(backUrl.searchParams.get('state'), p.get('state'));

      // the old cookie is worth nothing now
      await assertAnonymous(base, l.cookie);
      const again = await post('/esci', { cookie: l.cookie, form: { csrf }, origin: base });
      await again.arrayBuffer();
      assert.equal(again.status, 302);
      assert.equal(again.headers.get('location'), '/');
    });

    it('logging out ends only that session', async () => {
      const a = await loginOk(base, 'redattore');
      const b = await loginOk(base, 'redattore');
      const csrf = csrfOf(await page('/area-personale', a.cookie));
      const res = await post('/esci', { cookie: a.cookie, form: { csrf } });
      await res.arrayBuffer();
      assert.equal(res.status, 302);
      await assertAnonymous(base, a.cookie);
      assert.equal((await me(base, b.cookie)).body.fiscal_code, fiscalCodeOf('redattore'));
    });
  });

  describe('provider key rotation', () => {
    it('logs in after the provider restarts with new signing keys (JWKS refetched on the unknown kid)', { timeout: 120_000 }, async () => {
      const before = await loginOk(base, 'cittadino');
      firstLoginAt ??= Date.now();
      const kids = async () => (await (await fetch(discovery.jwks_uri)).json()).keys.map((k) => k.kid).sort();
      const oldKids = await kids();
      await provider.restart();
      const newKids = await kids();
      assert.ok(newKids.length > 0);
      assert.ok(!newKids.some((k) => oldKids.includes(k)), 'the provider has new kids');
      // The portal refetches the JWKS at most once every 10 s: let that window pass.
      const wait = firstLoginAt + 11_000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const l = await loginOk(base, 'amministratore');
      assert.equal(l.location, '/area-personale');
      const { header } = decodeJwt(new URL(
        (await post('/esci', { cookie: l.cookie, form: { csrf: csrfOf(await page('/area-personale', l.cookie)) } })).headers.get('location'),
      ).searchParams.get('id_token_hint'));
      assert.ok(newKids.includes(header.kid), 'the accepted ID token is signed with a new key');
      // sessions live in the portal: one opened before the restart is unaffected
      assert.equal((await me(base, before.cookie)).body.fiscal_code, fiscalCodeOf('cittadino'));
    });
  });
});
