// Opens one personal-area session for bench/run.sh ("authenticated page vs anonymous"), the way a
// person does: through the demo OpenID provider (tools/oidc-provider, started here with the test
// support code) and the portal's own /auth/login and /auth/callback. No database row is written
// by hand.
//
//   node bench/login-session.mjs --portal http://127.0.0.1:PORT [--person cittadino] [--timeout 600]
//
// Prints, one per line on stdout:
//   issuer URL            as soon as the provider runs: start `serve` with AU_OIDC_ISSUER=URL,
//   client_id ID          AU_OIDC_CLIENT_ID=ID and AU_OIDC_CLIENT_SECRET=SECRET, listening on
//   client_secret SECRET  the --portal address (its /auth/callback is the registered redirect)
//   cookie NAME=VALUE     once the portal answered /status and the login went through
// then stops the provider and exits 0 (the session lives in the portal's database). Exits 1 with
// a message on stderr if anything fails or --timeout seconds pass.
import { startProvider, loginWithoutBrowser, demoPeopleFile } from '../tests/support/oidc-provider.mjs';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const portal = option('portal', '').replace(/\/$/, '');
const person = option('person', 'cittadino');
const timeoutS = Number(option('timeout', '600'));
if (!/^https?:\/\/[^/]+$/.test(portal) || !(timeoutS > 0)) {
  console.error('uso: node bench/login-session.mjs --portal http://127.0.0.1:PORTA [--person ID] [--timeout SECONDI]');
  process.exit(2);
}
const deadline = Date.now() + timeoutS * 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The value "name=value" of the Set-Cookie header named `name` (or its __Host- form). */
function sessionCookie(setCookies, names) {
  for (const line of setCookies) {
    const pair = line.split(';')[0];
    if (names.includes(pair.slice(0, pair.indexOf('=')))) return pair;
  }
  return null;
}

let provider = null;
// Stopped by bench/run.sh (error, Ctrl-C): take the provider down too.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, async () => {
    if (provider) await provider.stop().catch(() => {});
    process.exit(1);
  });
}
try {
  provider = await startProvider({
    people: demoPeopleFile,
    redirectUris: [`${portal}/auth/callback`],
    postLogoutRedirectUris: [`${portal}/`],
  });
  process.stdout.write(`issuer ${provider.issuer}\nclient_id ${provider.clientId}\nclient_secret ${provider.clientSecret}\n`);

  // Wait for the portal (started by the caller with the lines above).
  for (;;) {
    try {
      const res = await fetch(`${portal}/status`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${portal}/status non risponde 200 entro ${timeoutS} s`);
    await sleep(250);
  }

  const start = await fetch(`${portal}/auth/login?ritorno=%2Farea-personale`, { redirect: 'manual' });
  await start.arrayBuffer();
  if (start.status !== 302) throw new Error(`/auth/login ha risposto ${start.status} (il portale conosce il provider?)`);
  const loginCookie = sessionCookie(start.headers.getSetCookie(), ['au_login', '__Host-au_login']);
  if (!loginCookie) throw new Error('/auth/login non ha impostato il cookie au_login');
  const callback = await loginWithoutBrowser(start.headers.get('location'), person);
  if (!callback.startsWith(`${portal}/auth/callback?`) || new URL(callback).searchParams.has('error'))
    throw new Error(`il provider non ha autenticato "${person}": ${callback}`);
  const done = await fetch(callback, { redirect: 'manual', headers: { cookie: loginCookie } });
  const body = await done.text();
  if (done.status !== 302) throw new Error(`/auth/callback ha risposto ${done.status}: ${body.slice(0, 300)}`);
  const cookie = sessionCookie(done.headers.getSetCookie(), ['au_session', '__Host-au_session']);
  if (!cookie) throw new Error('/auth/callback non ha aperto una sessione');
  // The session works: the personal area answers 200 instead of redirecting to /accedi.
  const area = await fetch(`${portal}/area-personale`, { redirect: 'manual', headers: { cookie } });
  await area.arrayBuffer();
  if (area.status !== 200) throw new Error(`/area-personale con la sessione ha risposto ${area.status}`);
  process.stdout.write(`cookie ${cookie}\n`);
} catch (e) {
  console.error(`login-session: ${e.message}`);
  if (provider) console.error(provider.stderr().slice(-2000));
  process.exitCode = 1;
} finally {
  if (provider) await provider.stop();
}
