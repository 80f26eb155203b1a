// The portal started with a real OpenID provider (tests/support/oidc-provider.mjs) and the
// demo people's roles, plus logging in as one of them without a browser.
//
//   const { base, provider } = await startPortalWithLogin();
//   const alice = await loginAs('cittadino');       // { cookie, csrf, fiscalCode }
//   await fetch(base + '/area-personale', { headers: { cookie: alice.cookie } });
//   after(stopPortalWithLogin);
//
// Runs on SQLite, or on AU_TEST_DATABASE_URL when set (scripts/run-tests.sh, PostgreSQL pass).
import { readFileSync } from 'node:fs';
import { start, stop, freePort } from '../browser/harness.mjs';
import { startProvider, loginWithoutBrowser, demoPeopleFile } from './oidc-provider.mjs';

let provider = null;
let base = null;

export const demoPeople = JSON.parse(readFileSync(demoPeopleFile, 'utf8'));
export const fiscalCodeOf = (id) => demoPeople.find((p) => p.id === id).fiscal_number.replace(/^TINIT-/, '');

/**
 * Starts provider + portal. Options: idTokenAlg ('RS256'|'ES256'), env (extra AU_* variables of
 * the portal, e.g. API limits), people (provider's people, default the demo ones), setup
 * (async (runCli, databaseUrl), more CLI commands before serving, after the roles import).
 */
export async function startPortalWithLogin({ idTokenAlg, env = {}, people, setup } = {}) {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  provider = await startProvider({
    idTokenAlg,
    people,
    redirectUris: [`${base}/auth/callback`],
    postLogoutRedirectUris: [`${base}/`],
  });
  try {
    await start({
      port,
      env: {
        AU_OIDC_ISSUER: provider.issuer,
        AU_OIDC_CLIENT_ID: provider.clientId,
        AU_OIDC_CLIENT_SECRET: provider.clientSecret,
        ...env,
      },
      setup: async (runCli, db) => {
        await runCli(['--database', db, 'roles', 'import', demoPeopleFile]);
        if (setup) await setup(runCli, db);
      },
    });
  } catch (e) {
    await provider.stop();
    provider = null;
    throw e;
  }
  return { base, provider };
}

export async function stopPortalWithLogin() {
  await stop();
  if (provider) await provider.stop();
  provider = null;
}

/** Cookie header value ("name=value") of a Set-Cookie list entry with that name, or null. */
export function cookieFrom(setCookies, name) {
  const c = setCookies.find((s) => s.startsWith(name + '='));
  return c ? c.split(';')[0] : null;
}

/**
 * Logs in as a person of the provider. Returns { cookie, csrf, fiscalCode, location, setCookies }:
 * cookie is the session cookie ("au_session=..."), csrf the token of the personal area's forms.
 */
export async function loginAs(personId, { returnTo = '/area-personale' } = {}) {
  const startRes = await fetch(`${base}/auth/login?ritorno=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
  if (startRes.status !== 302) throw new Error(`login start answered ${startRes.status}`);
  const loginCookie = cookieFrom(startRes.headers.getSetCookie(), 'au_login');
  const callback = await loginWithoutBrowser(startRes.headers.get('location'), personId);
  const cb = await fetch(callback, { redirect: 'manual', headers: { cookie: loginCookie } });
  if (cb.status !== 302) throw new Error(`callback answered ${cb.status}: ${(await cb.text()).slice(0, 300)}`);
  const setCookies = cb.headers.getSetCookie();
  const cookie = cookieFrom(setCookies, 'au_session');
  const page = await fetch(`${base}/area-personale`, { headers: { cookie } });
  const html = await page.text();
  const csrf = (html.match(/name="csrf" value="([^"]+)"/) || [])[1];
  return { cookie, csrf, fiscalCode: fiscalCodeOf(personId), location: cb.headers.get('location'), setCookies };
}
