// A back-office client of the interoperability API, as a vendor would write it: key pairs,
// ModI ID_AUTH_REST_02 (signed JWT in Authorization, unique jti) and INTEGRITY_REST_01
// (Digest: SHA-256 of the body, covered by the Agid-JWT-Signature JWS), on Node's own crypto.
// Used by the back-office simulator, the interop tests, the reliability test and the benchmark.
import { createHash, generateKeyPairSync, createPrivateKey, randomBytes, sign as cryptoSign } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import http from 'node:http';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** A new key pair: { privateJwk, publicJwk } with a kid; 'ES256' (P-256) or 'RS256' (2048). */
export function generateKey(alg = 'ES256', kid = 'k-' + randomBytes(6).toString('hex')) {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return { privateJwk, publicJwk };
}

/** Writes <dir>/<name>.key.json (private, 0600) and <name>.jwks.json (public); returns paths. */
export function saveKey(dir, name, key) {
  mkdirSync(dir, { recursive: true });
  const keyFile = path.join(dir, `${name}.key.json`);
  const jwksFile = path.join(dir, `${name}.jwks.json`);
  writeFileSync(keyFile, JSON.stringify(key.privateJwk), { mode: 0o600 });
  writeFileSync(jwksFile, JSON.stringify({ keys: [key.publicJwk] }));
  return { keyFile, jwksFile };
}

export function loadPrivateJwk(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

const keyObjects = new WeakMap();

/** Compact JWS over `payload` with the private JWK (header alg, typ JWT, kid). */
export function signJwt(privateJwk, payload) {
  const header = { alg: privateJwk.alg, typ: 'JWT', kid: privateJwk.kid };
  const input = b64url(JSON.stringify(header)) + '.' + b64url(JSON.stringify(payload));
  // Importing the JWK costs ~110 µs: keep one key object per JWK (two signatures per request).
  let key = keyObjects.get(privateJwk);
  if (!key) keyObjects.set(privateJwk, (key = createPrivateKey({ key: privateJwk, format: 'jwk' })));
  const signature =
    privateJwk.alg === 'ES256'
      ? cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
      : cryptoSign('sha256', Buffer.from(input), key);
  return input + '.' + b64url(signature);
}

/**
 * Headers of a signed request: Authorization (ID_AUTH_REST_02) and, with a body, Digest,
 * Content-Type and Agid-JWT-Signature (INTEGRITY_REST_01). `overrides` lets tests forge claims.
 */
export function modiHeaders({ privateJwk, clientId, audience, body = '', contentType = 'application/json',
                              now = Math.floor(Date.now() / 1000), overrides = {} }) {
  const base = { iss: clientId, sub: clientId, aud: audience, iat: now, nbf: now, exp: now + 300 };
  const headers = {
    Authorization: 'Bearer ' + signJwt(privateJwk, { ...base, jti: randomBytes(16).toString('hex'), ...overrides.auth }),
  };
  if (body) {
    const digest = 'SHA-256=' + createHash('sha256').update(body).digest('base64');
    headers.Digest = overrides.digest ?? digest;
    headers['Content-Type'] = contentType;
    const signedHeaders = [{ digest }, { 'content-type': contentType }];
    headers['Agid-JWT-Signature'] = signJwt(privateJwk, {
      ...base, jti: randomBytes(16).toString('hex'), signed_headers: signedHeaders, ...overrides.integrity,
    });
  }
  return headers;
}

// Keep-alive agent: the reliability test and the benchmark send many requests per client.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** One HTTP request with node:http (no fetch: we need precise control of headers and agents). */
export function rawRequest(url, { method = 'GET', headers = {}, body = '' } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) }, agent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json = null;
          try { json = JSON.parse(text); } catch { /* not JSON */ }
          resolve({ status: res.statusCode, headers: res.headers, text, json });
        });
      });
    req.on('error', reject);
    req.end(body);
  });
}

/** A signed client bound to one portal: open(), send(events), read(id). */
export class InteropClient {
  constructor({ base, clientId, privateJwk }) {
    this.base = base;
    this.clientId = clientId;
    this.privateJwk = privateJwk;
    this.audience = base + '/api/v1/interop';
  }

  post(pathname, payload, { contentType = 'application/json', overrides } = {}) {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const headers = modiHeaders({ privateJwk: this.privateJwk, clientId: this.clientId, audience: this.audience,
      body, contentType, overrides });
    return rawRequest(this.base + pathname, { method: 'POST', headers, body });
  }

  open(practice) { return this.post('/api/v1/interop/practices', practice); }
  send(events) { return this.post('/api/v1/interop/events', events); }

  read(id, reason) {
    const headers = modiHeaders({ privateJwk: this.privateJwk, clientId: this.clientId, audience: this.audience });
    if (reason) headers['X-Motivo-Accesso'] = reason;
    return rawRequest(`${this.base}/api/v1/interop/practices/${encodeURIComponent(id)}`, { headers });
  }
}

export const EVENT_PREFIX = 'it.umbria.accessounico.pratica.';

/** A CloudEvent of the practices vocabulary. */
export function practiceEvent({ source, id, type, subject, time, data = {} }) {
  const ev = { specversion: '1.0', id, source, type: EVENT_PREFIX + type, subject, datacontenttype: 'application/json', data };
  if (time) ev.time = time;
  return ev;
}
