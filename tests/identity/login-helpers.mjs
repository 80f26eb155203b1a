// Shared by tests/identity/login*.test.mjs: a login driven step by step (so a test can tamper
// with any step), and assertions on the portal's answers. Not a test file itself.
import assert from 'node:assert/strict';
import net from 'node:net';
import { cookieFrom } from '../support/portal-login.mjs';
import { CookieJar, loginWithoutBrowser } from '../support/oidc-provider.mjs';

export const SPID_L2 = 'https://www.spid.gov.it/SpidL2';

/** Attributes of one Set-Cookie line: { name, value, attrs: Map(lowercase name -> value) }. */
export function parseSetCookie(line) {
  const [pair, ...rest] = line.split(';').map((s) => s.trim());
  const eq = pair.indexOf('=');
  const attrs = new Map();
  for (const a of rest) {
    const i = a.indexOf('=');
    attrs.set((i < 0 ? a : a.slice(0, i)).toLowerCase(), i < 0 ? '' : a.slice(i + 1));
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attrs };
}

/** The Set-Cookie line of `name`, parsed, or undefined. */
export function setCookieNamed(res, name) {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(name + '='));
  return line && parseSetCookie(line);
}

/** True when the answer sets a (non-clearing) session cookie. */
export function setsSession(res) {
  return res.headers.getSetCookie().some((line) => {
    const c = parseSetCookie(line);
    return /^(__Host-)?au_session$/.test(c.name) && c.value !== '' && c.attrs.get('max-age') !== '0';
  });
}

/** GET /auth/login?<query>: returns the authorize URL, the au_login cookie and the answer. */
export async function beginLogin(base, query = 'ritorno=%2Farea-personale') {
  const res = await fetch(`${base}/auth/login${query ? '?' + query : ''}`, { redirect: 'manual' });
  await res.arrayBuffer();
  assert.equal(res.status, 302, `/auth/login answered ${res.status}`);
  return { res, authorizeUrl: res.headers.get('location'), loginCookie: cookieFrom(res.headers.getSetCookie(), 'au_login') };
}

/** GET <callbackUrl> with a Cookie header (or none). */
export async function callback(callbackUrl, cookie) {
  const res = await fetch(callbackUrl, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const body = await res.text();
  return { res, body };
}

/**
 * A whole login of `personId`: /auth/login?<query>, the provider's pages, the callback with the
 * au_login cookie (plus `extraCookie` if given, e.g. a planted session). Does not assert success.
 */
export async function login(base, personId, { query, extraCookie, jar = new CookieJar() } = {}) {
  const start = await beginLogin(base, query);
  const callbackUrl = await loginWithoutBrowser(start.authorizeUrl, personId, { jar });
  const cookieHeader = [extraCookie, start.loginCookie].filter(Boolean).join('; ');
  const cb = await callback(callbackUrl, cookieHeader);
  const cookie = cookieFrom(cb.res.headers.getSetCookie(), 'au_session');
  return { ...start, callbackUrl, jar, cb, cookie, location: cb.res.headers.get('location') };
}

/** A login that must succeed: returns what login() returns. */
export async function loginOk(base, personId, options) {
  const l = await login(base, personId, options);
  assert.equal(l.cb.res.status, 302, `callback answered ${l.cb.res.status}: ${l.cb.body.slice(0, 300)}`);
  assert.ok(l.cookie, 'the callback sets au_session');
  return l;
}

/** Same URL with one query parameter replaced (or removed when value is null). */
export function withParam(url, name, value) {
  const u = new URL(url);
  if (value === null) u.searchParams.delete(name);
  else u.searchParams.set(name, value);
  return u.href;
}

/** An error page of the portal: that status, HTML, the Italian phrase, no session cookie. */
export function assertErrorPage({ res, body }, status, phrase) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${body.slice(0, 300)}`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(body, /<html[^>]*lang="it"/);
  assert.match(body, phrase);
  assert.equal(setsSession(res), false, 'an error answer sets no session cookie');
}

/** GET /api/v1/me with that Cookie header: { status, body, res }. */
export async function me(base, cookie) {
  const res = await fetch(`${base}/api/v1/me`, { headers: cookie ? { cookie } : {} });
  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: left null, the test says what it expected
  }
  return { status: res.status, body, res };
}

/** /api/v1/me says "anonymous": 401 problem+json with a Bearer challenge. */
export async function assertAnonymous(base, cookie) {
  const m = await me(base, cookie);
  assert.equal(m.status, 401);
  assert.match(m.res.headers.get('content-type'), /^application\/problem\+json/);
  assert.match(m.res.headers.get('www-authenticate') ?? '', /^Bearer /);
  const page = await fetch(`${base}/area-personale`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  await page.arrayBuffer();
  assert.equal(page.status, 302);
  assert.equal(page.headers.get('location'), '/accedi?ritorno=%2Farea-personale');
}

/** Decodes a JWT's header and payload (no verification: the portal did that). */
export function decodeJwt(jwt) {
  const [h, p] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), payload: JSON.parse(Buffer.from(p, 'base64url')) };
}

/**
 * Sends raw bytes over one TCP connection and reads the answer until the server closes it (or
 * `timeoutMs`). Returns { status, head, text } (status 0 if nothing came back). For requests
 * fetch() would refuse or reshape (huge headers).
 */
export function rawRequest(base, bytes, timeoutMs = 20_000) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    const chunks = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const headEnd = text.indexOf('\r\n\r\n');
      resolve({ status, head: headEnd < 0 ? text : text.slice(0, headEnd), text });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (d) => {
      chunks.push(d);
      // One answer is enough: stop at the end of its body when its length is known.
      const text = Buffer.concat(chunks).toString('latin1');
      const headEnd = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headEnd))?.[1];
      if (headEnd >= 0 && len !== undefined && Buffer.byteLength(text, 'latin1') >= headEnd + 4 + Number(len)) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish); // a reset after the answer is fine: what came back is kept
    socket.write(bytes);
  });
}
