// Test helper: runs tools/oidc-provider/provider.mjs (a real OpenID Connect provider standing in
// for LoginUmbria) on a free port, and drives its login page without a browser.
//
//   import { startProvider, loginWithoutBrowser } from '../support/oidc-provider.mjs';
//   const op = await startProvider({ redirectUris: [`${portal}/auth/callback`] });
//   // start the portal with issuer op.issuer, client op.clientId / op.clientSecret ...
//   const callback = await loginWithoutBrowser(authorizeUrlFromThePortal, 'cittadino');
//   // callback = "<redirect_uri>?code=...&state=...&iss=..." (not fetched: the test does)
//   await op.restart();   // same port, new signing keys (new kids)
//   await op.stop();
//
// Set AU_OIDC_DEBUG=1 to echo the provider's stderr.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const providerScript = path.join(repoRoot, 'tools', 'oidc-provider', 'provider.mjs');
export const demoPeopleFile = path.join(repoRoot, 'data', 'demo', 'people.json');

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

const running = new Set();
// A test process that dies without its after hook must not leave providers behind.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function spawnProvider(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [providerScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let out = '';
    let err = '';
    const fail = (msg) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`oidc-provider: ${msg}\n${err.slice(-2000)}`));
    };
    const timer = setTimeout(() => fail('nessuna risposta all\'avvio'), START_TIMEOUT_MS);
    child.stderr.on('data', (d) => {
      err += d;
      if (process.env.AU_OIDC_DEBUG) process.stderr.write(d);
    });
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        const { issuer, port } = JSON.parse(out.slice(0, nl));
        resolve({ child, issuer, port, stderr: () => err });
      } catch {
        fail(`prima riga inattesa: ${out.slice(0, nl)}`);
      }
    });
    child.on('exit', (code, signal) => {
      running.delete(child);
      fail(`terminato (${signal ?? 'exit ' + code})`); // no-op once resolved
    });
    child.on('error', (e) => fail(e.message));
  });
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts a provider on a free port of 127.0.0.1.
 * @param {object} [o]
 * @param {string|object[]} [o.people] file, or array of people (format of data/demo/people.json)
 * @param {object[]} [o.clients] more client metadata (e.g. a second client with ES256)
 * @param {'RS256'|'ES256'} [o.idTokenAlg] of the main client
 * @param {string|object} [o.keys] private JWKS, file or object; default fresh keys each start
 * @param {boolean} [o.demo]
 * @param {string} [o.clientId] default "accesso-unico"
 * @param {string} [o.clientSecret] default "accesso-unico-test-secret"
 * @param {string[]} [o.redirectUris] default ["http://127.0.0.1:8080/auth/callback"]
 * @param {string[]} [o.postLogoutRedirectUris] default ["http://127.0.0.1:8080/"]
 * @returns {Promise<{issuer, port, clientId, clientSecret, redirectUris, postLogoutRedirectUris,
 *   stop: () => Promise<void>, restart: (o?: {keys?}) => Promise<void>, stderr: () => string}>}
 */
export async function startProvider(o = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'au-oidc-'));
  const toFile = (name, value) => {
    if (value === undefined || typeof value === 'string') return value;
    const file = path.join(dir, `${name}-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(value));
    return file;
  };
  const op = {
    clientId: o.clientId ?? 'accesso-unico',
    clientSecret: o.clientSecret ?? 'accesso-unico-test-secret',
    redirectUris: o.redirectUris ?? ['http://127.0.0.1:8080/auth/callback'],
    postLogoutRedirectUris: o.postLogoutRedirectUris ?? ['http://127.0.0.1:8080/'],
  };
  const baseArgs = [
    '--people', toFile('people', o.people) ?? demoPeopleFile,
    '--client-id', op.clientId,
    '--client-secret', op.clientSecret,
    '--id-token-alg', o.idTokenAlg ?? 'RS256',
    ...op.redirectUris.flatMap((u) => ['--redirect-uri', u]),
    ...op.postLogoutRedirectUris.flatMap((u) => ['--post-logout-redirect-uri', u]),
    ...(o.clients ? ['--clients', toFile('clients', o.clients)] : []),
    ...(o.demo ? ['--demo'] : []),
  ];
  const keyArgs = (keys) => (keys ? ['--keys', toFile('keys', keys)] : []);

  let proc = await spawnProvider(['--port', '0', ...baseArgs, ...keyArgs(o.keys)]);
  return Object.assign(op, {
    issuer: proc.issuer,
    port: proc.port,
    stderr: () => proc.stderr(),
    async stop() {
      await stopChild(proc.child);
      rmSync(dir, { recursive: true, force: true });
    },
    // Same port and issuer, new process: all sessions and codes are lost, and the signing keys
    // are fresh unless `keys` is given (a relying party must then refetch the JWKS).
    async restart({ keys } = {}) {
      await stopChild(proc.child);
      proc = await spawnProvider(['--port', String(op.port), ...baseArgs, ...keyArgs(keys)]);
    },
  });
}

/** A minimal cookie jar for one host: enough for the provider's session/interaction cookies. */
export class CookieJar {
  #cookies = new Map(); // "name;path" -> {name, value, path}

  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let cookiePath = '/';
      let expired = value === '';
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        if (/^path$/i.test(k)) cookiePath = v || '/';
        if (/^expires$/i.test(k) && Date.parse(v) <= Date.now()) expired = true;
        if (/^max-age$/i.test(k) && Number(v) <= 0) expired = true;
      }
      const key = `${name};${cookiePath}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { name, value, path: cookiePath });
    }
  }

  header(url) {
    const p = new URL(url).pathname;
    return [...this.#cookies.values()]
      .filter((c) => p === c.path || p.startsWith(c.path.endsWith('/') ? c.path : c.path + '/'))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }
}

async function request(jar, url, init = {}) {
  const headers = { ...init.headers };
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.store(res);
  return res;
}

const MAX_STEPS = 20;

/**
 * Logs in as `personId` (an id of the people file) by following the provider's redirects and
 * posting its login form. Returns the URL the provider finally redirects to, outside the provider
 * (the client's redirect_uri with code, state and iss, or with error=...), without fetching it.
 * Pass the same `jar` to logoutWithoutBrowser() to end that session.
 */
export async function loginWithoutBrowser(authorizeUrl, personId, { jar = new CookieJar() } = {}) {
  const origin = new URL(authorizeUrl).origin;
  let url = authorizeUrl;
  let init = {};
  for (let step = 0; step < MAX_STEPS; step++) {
    const res = await request(jar, url, init);
    init = {};
    if (res.status >= 300 && res.status < 400) {
      await res.arrayBuffer();
      const next = new URL(res.headers.get('location'), url);
      if (next.origin !== origin) return next.href;
      url = next.href;
      continue;
    }
    const body = await res.text();
    const here = new URL(url);
    if (res.status === 200 && /^\/interaction\/[\w-]+$/.test(here.pathname) && body.includes('name="person"')) {
      url = `${origin}${here.pathname}/login`;
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ person: personId }).toString(),
      };
      continue;
    }
    throw new Error(`loginWithoutBrowser: risposta inattesa ${res.status} da ${here.pathname}: ${body.slice(0, 500)}`);
  }
  throw new Error('loginWithoutBrowser: troppi reindirizzamenti');
}

/**
 * RP-initiated logout: opens `endSessionUrl` (with id_token_hint, post_logout_redirect_uri, state),
 * confirms "Sì, esci" and returns the URL the provider redirects to (the post_logout_redirect_uri
 * with state, or the provider's own "Sei uscito" page), without fetching it.
 */
export async function logoutWithoutBrowser(endSessionUrl, { jar = new CookieJar() } = {}) {
  const res = await request(jar, endSessionUrl);
  const body = await res.text();
  const action = /<form[^>]*action="([^"]+)"/.exec(body)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(body)?.[1];
  if (res.status !== 200 || !action || !xsrf) {
    throw new Error(`logoutWithoutBrowser: risposta inattesa ${res.status}: ${body.slice(0, 500)}`);
  }
  const confirmUrl = new URL(action.replace(/&amp;/g, '&'), endSessionUrl).href;
  const confirm = await request(jar, confirmUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
  });
  await confirm.arrayBuffer();
  const location = confirm.headers.get('location');
  if (confirm.status !== 303 || !location) throw new Error(`logoutWithoutBrowser: conferma rifiutata (${confirm.status})`);
  return new URL(location, confirmUrl).href;
}
