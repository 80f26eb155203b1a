// Attacks on the ModI authentication of the interoperability API (ID_AUTH_REST_02 +
// INTEGRITY_REST_01, src/identity/modi.h): every forged, stale, replayed or tampered request is
// 401 problem+json with WWW-Authenticate and a reason that never reveals which clients or keys
// exist, and nothing of it is written (the target practice's timeline does not change).
// Key rotation through the CLI while the server runs takes effect within the registry's 5 s.
//
//   AU_BINARY=$PWD/build/accesso-unico node --test tests/practices/interop-attacks.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, randomBytes } from 'node:crypto';
import {
  startHub, stopHub, openPractice, ev, readBack, assertProblem, modiHeaders, rawRequest, sha256Digest,
  generateKey, InteropClient, unique, eventually, startSecondNode, PERUGIA, romeDay, at10,
} from './hub.mjs';

let hub;
let target;
const EVENTS = '/api/v1/interop/events';

before(async () => {
  hub = await startHub({ extraClients: [{ name: 'revocato', ente: PERUGIA, alg: 'ES256' }] });
  target = await openPractice(hub.perugia, { submitted_on: romeDay(-3) });
  const r = await hub.perugia.send(ev(hub.perugia, 'protocollata', target.id, { protocol_number: 'PG/9', protocol_date: romeDay(-3) }, { time: at10(romeDay(-3)) }));
  assert.equal(r.status, 200, r.text);
}, { timeout: 300_000 });

after(stopHub, { timeout: 120_000 });

const b64u = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const claims = (client, extra = {}) => ({
  iss: client.clientId, sub: client.clientId, aud: client.audience, iat: now(), nbf: now(), exp: now() + 300,
  jti: randomBytes(16).toString('hex'), ...extra,
});

/** A fresh valid event for the target, its body text and correctly signed headers. */
function signedEvent(client = hub.perugia, overrides = {}) {
  const body = JSON.stringify(ev(client, 'messaggio', target.id, { text: 'Tentativo.' }));
  const headers = modiHeaders({ privateJwk: client.privateJwk, clientId: client.clientId, audience: client.audience, body, overrides });
  return { body, headers };
}

const post = (headers, body) => rawRequest(hub.base + EVENTS, { method: 'POST', headers, body });

/** Asserts a 401 with the ModI challenge and that reason; returns the problem body. */
function assert401(r, reason, what) {
  const p = assertProblem(r, 401, what);
  assert.equal(r.headers['www-authenticate'], 'Bearer realm="interop"', `${what}: WWW-Authenticate`);
  assert.equal(p.reason, reason, `${what}: reason`);
  return p;
}

/** Sends and expects 401 `reason`, and that the target practice got nothing. */
async function refused(headers, body, reason, what) {
  const before = (await readBack(hub.perugia, target.id)).timeline;
  const p = assert401(await post(headers, body), reason, what);
  assert.deepEqual((await readBack(hub.perugia, target.id)).timeline, before, `${what}: something was written`);
  return p;
}

test('no Authorization, or not a Bearer JWT: 401', async () => {
  const { body, headers } = signedEvent();
  const { Authorization, ...rest } = headers;
  await refused(rest, body, 'missing-authorization', 'no Authorization');
  await refused({ ...rest, Authorization: Authorization.replace('Bearer ', 'Basic ') }, body, 'missing-authorization', 'Basic');
  await refused({ ...rest, Authorization: 'Bearer non.un.jwt' }, body, 'malformed-token', 'not a JWT');
  assert401(await rawRequest(`${hub.base}/api/v1/interop/practices/${target.id}`), 'missing-authorization', 'read without Authorization');
  assert401(await rawRequest(`${hub.base}/api/v1/interop/practices`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } }), 'missing-authorization', 'open without Authorization');
});

test('forged tokens: another client\'s key, alg none, HS256 with the public key as secret, tampered signature', async () => {
  // Terni's key (RS256) claiming to be Perugia.
  const impostor = new InteropClient({ base: hub.base, clientId: hub.perugia.clientId, privateJwk: hub.terni.key.privateJwk });
  let s = signedEvent(impostor);
  const byOtherKey = await refused(s.headers, s.body, 'bad-signature', 'Terni key, iss Perugia');

  s = signedEvent();
  const none = `${b64u({ alg: 'none', typ: 'JWT' })}.${b64u(claims(hub.perugia))}.`;
  await refused({ ...s.headers, Authorization: `Bearer ${none}` }, s.body, 'unsupported-algorithm', 'alg none, empty signature');
  const noneKid = `${b64u({ alg: 'none', typ: 'JWT', kid: hub.perugia.key.publicJwk.kid })}.${b64u(claims(hub.perugia))}.${b64u('x')}`;
  await refused({ ...s.headers, Authorization: `Bearer ${noneKid}` }, s.body, 'unsupported-algorithm', 'alg none with a signature');

  // The classic confusion: HMAC keyed with the client's public key (PEM and JWK text).
  const pem = createPublicKey({ key: hub.terni.key.publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  for (const secret of [pem, JSON.stringify(hub.terni.key.publicJwk)]) {
    const input = `${b64u({ alg: 'HS256', typ: 'JWT', kid: hub.terni.key.publicJwk.kid })}.${b64u(claims(hub.terni))}`;
    const hs = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    const t = signedEvent(hub.terni);
    await refused({ ...t.headers, Authorization: `Bearer ${hs}` }, t.body, 'unsupported-algorithm', 'HS256 keyed with the public key');
  }

  // A valid token whose signature is altered.
  s = signedEvent();
  const parts = s.headers.Authorization.slice(7).split('.');
  const sig = Buffer.from(parts[2], 'base64url');
  sig[5] ^= 1;
  const tampered = await refused({ ...s.headers, Authorization: `Bearer ${parts[0]}.${parts[1]}.${sig.toString('base64url')}` }, s.body, 'bad-signature', 'altered signature');
  assert.deepEqual(byOtherKey, tampered, 'an unknown key and a bad signature look the same');
  // Claims changed after signing.
  const changed = `${parts[0]}.${b64u({ ...JSON.parse(Buffer.from(parts[1], 'base64url')), sub: hub.terni.clientId })}.${parts[2]}`;
  await refused({ ...s.headers, Authorization: `Bearer ${changed}` }, s.body, 'bad-signature', 'payload changed after signing');
});

test('claims: wrong audience, expired, issued too long ago, other subject, no jti', async () => {
  const t = now();
  const cases = [
    [{ aud: `${hub.base}/api/v1` }, 'wrong-audience'],
    [{ aud: 'https://altro.example/api/v1/interop' }, 'wrong-audience'],
    [{ exp: t - 120, iat: t - 200, nbf: t - 200 }, 'expired'],
    [{ iat: t - 400, nbf: t - 400, exp: t + 100 }, 'too-old'],
    [{ iat: t + 600, nbf: t + 600, exp: t + 900 }, 'not-yet-valid'],
    [{ sub: hub.terni.clientId }, 'wrong-subject'],
    [{ jti: undefined }, 'missing-jti'],
  ];
  for (const [auth, reason] of cases) {
    const s = signedEvent(hub.perugia, { auth });
    await refused(s.headers, s.body, reason, `Authorization with ${JSON.stringify(auth)}`);
  }
  // The same faults in the integrity token carry the "signature-" prefix.
  for (const [integrity, reason] of [[{ aud: 'https://altro.example' }, 'signature-wrong-audience'], [{ exp: t - 120, iat: t - 200 }, 'signature-expired'], [{ iss: hub.terni.clientId }, 'signature-wrong-issuer']]) {
    const s = signedEvent(hub.perugia, { integrity });
    await refused(s.headers, s.body, reason, `Agid-JWT-Signature with ${JSON.stringify(integrity)}`);
  }
});

// The jti values are checked where they are recorded: in the transaction of a write, on their
// own for a read (interop_api.h). Every replay says reason replayed-jti.
const readReplays = [];
test('a replayed request (same headers and body) is refused and stores nothing twice', async () => {
  const { body, headers } = signedEvent();
  const first = await post(headers, body);
  assert.equal(first.status, 200, first.text);
  const stored = (await readBack(hub.perugia, target.id)).timeline;
  assert.equal(stored.filter((x) => x.sequence === first.json.sequence).length, 1);
  await refused(headers, body, 'replayed-jti', 'the same request again');
  // The same Authorization with a fresh integrity token: still a replay of its jti.
  const fresh = modiHeaders({ privateJwk: hub.perugia.privateJwk, clientId: hub.perugia.clientId, audience: hub.perugia.audience, body });
  await refused({ ...fresh, Authorization: headers.Authorization }, body, 'replayed-jti', 'Authorization reused');
  // A fresh Authorization with the used integrity token.
  const sig = modiHeaders({ privateJwk: hub.perugia.privateJwk, clientId: hub.perugia.clientId, audience: hub.perugia.audience, body });
  await refused({ ...headers, Authorization: sig.Authorization }, body, 'replayed-jti', 'Agid-JWT-Signature reused');
  // The same event signed anew is no replay: idempotent, answered as the first time.
  const anew = modiHeaders({ privateJwk: hub.perugia.privateJwk, clientId: hub.perugia.clientId, audience: hub.perugia.audience, body });
  assert.deepEqual((await post(anew, body)).json, first.json, 'a new signature of the same event');
  // A read is a request too: its token is single use.
  const read = modiHeaders({ privateJwk: hub.perugia.privateJwk, clientId: hub.perugia.clientId, audience: hub.perugia.audience });
  const url = `${hub.base}/api/v1/interop/practices/${target.id}`;
  assert.equal((await rawRequest(url, { headers: read })).status, 200);
  const again = await rawRequest(url, { headers: read });
  assert.equal(assertProblem(again, 401, 'the same read again').reason, 'replayed-jti');
  readReplays.push(again);
  // A request refused before the replay check did not burn its jti.
  const later = signedEvent();
  await refused({ ...later.headers, Digest: sha256Digest('altro') }, later.body, 'digest-mismatch', 'wrong digest first');
  assert.equal((await post(later.headers, later.body)).status, 200, 'the same tokens with the right digest are accepted');
});

test('integrity: Digest, body and signed headers must agree', async () => {
  let s = signedEvent();
  await refused({ ...s.headers, Digest: sha256Digest(s.body + ' ') }, s.body, 'digest-mismatch', 'Digest of another body');
  s = signedEvent();
  const changed = s.body.replace('Tentativo.', 'Modificato.');
  await refused(s.headers, changed, 'digest-mismatch', 'body changed after signing');
  await refused({ ...s.headers, Digest: sha256Digest(changed) }, changed, 'signed-headers-mismatch', 'body and Digest changed after signing');
  s = signedEvent();
  const { 'Agid-JWT-Signature': _sig, ...noSignature } = s.headers;
  await refused(noSignature, s.body, 'missing-signature', 'no Agid-JWT-Signature');
  const { Digest: _d, ...noDigest } = s.headers;
  await refused(noDigest, s.body, 'missing-digest', 'no Digest');
  s = signedEvent(hub.perugia, { integrity: { signed_headers: [{ digest: sha256Digest(JSON.stringify(ev(hub.perugia, 'messaggio', target.id, { text: 'x' }))) }] } });
  await refused(s.headers, s.body, 'signed-headers-mismatch', 'signed_headers without content-type (and another digest)');
  const body = JSON.stringify(ev(hub.perugia, 'messaggio', target.id, { text: 'Tentativo.' }));
  const h = modiHeaders({ privateJwk: hub.perugia.privateJwk, clientId: hub.perugia.clientId, audience: hub.perugia.audience, body,
    overrides: { integrity: { signed_headers: [{ digest: sha256Digest(body) }] } } });
  await refused(h, body, 'signed-headers-mismatch', 'signed_headers without content-type');
  s = signedEvent();
  await refused({ ...s.headers, 'Content-Type': 'application/cloudevents+json' }, s.body, 'signed-headers-mismatch', 'Content-Type changed after signing');
  // The integrity token signed with another key (its kid is unknown: said as a bad signature)
  // or with its signature altered.
  const other = signedEvent(new InteropClient({ base: hub.base, clientId: hub.perugia.clientId, privateJwk: hub.terni.key.privateJwk }));
  s = signedEvent();
  await refused({ ...s.headers, 'Agid-JWT-Signature': other.headers['Agid-JWT-Signature'] }, s.body, 'bad-signature', 'integrity token by another key');
  const [h0, p0, sig0] = s.headers['Agid-JWT-Signature'].split('.');
  const flipped = Buffer.from(sig0, 'base64url');
  flipped[3] ^= 1;
  await refused({ ...s.headers, 'Agid-JWT-Signature': `${h0}.${p0}.${flipped.toString('base64url')}` }, s.body, 'signature-bad-signature', 'integrity signature altered');
});

test('a Digest we cannot read is 400', async () => {
  for (const [digest, reason] of [['SHA-256=non base64!', 'malformed-digest'], ['SHA-256', 'malformed-digest'], ['SHA-512=' + Buffer.alloc(64).toString('base64'), 'unsupported-digest-algorithm']]) {
    const s = signedEvent();
    const before = (await readBack(hub.perugia, target.id)).timeline;
    const p = assertProblem(await post({ ...s.headers, Digest: digest }, s.body), 400, digest);
    assert.equal(p.reason, reason, digest);
    assert.deepEqual((await readBack(hub.perugia, target.id)).timeline, before);
  }
});

test('unknown and revoked clients get the answer of a bad signature', async () => {
  const s = signedEvent(hub.terni, {});
  const bad = assert401(await post({ ...s.headers, Authorization: s.headers.Authorization.slice(0, -4) + 'AAAA' }, s.body), 'bad-signature', 'bad signature');
  const ghost = new InteropClient({ base: hub.base, clientId: unique('fantasma'), privateJwk: generateKey('ES256').privateJwk });
  const g = signedEvent(ghost);
  const unknown = await refused(g.headers, g.body, 'bad-signature', 'unknown client');
  assert.deepEqual(unknown, bad, 'the body does not tell an unknown client from a bad signature');

  const revoked = hub.clients.revocato;
  assert.equal((await revoked.read(target.id)).status, 200, 'registered: accepted');
  await hub.sql(`UPDATE backoffice_clients SET revoked_at = '2026-01-01T00:00:00Z' WHERE client_id = '${revoked.clientId}'`);
  const r = await eventually(async () => ((await revoked.read(target.id)).status === 401), 8000);
  assert.ok(r, 'the revocation takes effect within the registry refresh (5 s)');
  const v = signedEvent(revoked);
  const p = await refused(v.headers, v.body, 'bad-signature', 'revoked client');
  assert.deepEqual(p, bad, 'a revoked client looks like a bad signature too');
});

test('key rotation through the CLI while the server runs: both keys during the rotation, then only the new one', async () => {
  const clientId = unique('ruota');
  const k1 = generateKey('ES256');
  const k2 = generateKey('RS256');
  const c1 = new InteropClient({ base: hub.base, clientId, privateJwk: k1.privateJwk });
  const c2 = new InteropClient({ base: hub.base, clientId, privateJwk: k2.privateJwk });
  const accepted = async (c) => (await c.read(target.id)).status === 200;
  const refusedNow = async (c) => {
    const r = await c.read(target.id);
    if (r.status !== 401) return false;
    assert.equal(r.json.reason, 'bad-signature');
    return true;
  };

  await hub.register(clientId, PERUGIA, [k1.publicJwk]);
  assert.ok(await eventually(() => accepted(c1), 8000), 'a new client is accepted within 5 s');
  assert.ok(await refusedNow(c2), 'the second key is not registered yet');

  let t0 = Date.now();
  await hub.register(clientId, PERUGIA, [k1.publicJwk, k2.publicJwk]);
  assert.ok(await eventually(() => accepted(c2), 8000), 'the new key is accepted within 5 s');
  assert.ok(Date.now() - t0 < 8000);
  for (let i = 0; i < 3; i++) {
    assert.ok(await accepted(c1), 'old key still valid during the rotation');
    assert.ok(await accepted(c2), 'new key valid during the rotation');
  }
  const ok = await c1.send(ev(c1, 'messaggio', target.id, { text: 'Firmato con la chiave vecchia.' }));
  assert.equal(ok.status, 200, ok.text);

  t0 = Date.now();
  await hub.register(clientId, PERUGIA, [k2.publicJwk]);
  assert.ok(await eventually(() => refusedNow(c1), 8000), 'the removed key is refused within 5 s');
  assert.ok(Date.now() - t0 < 8000);
  assert.ok(await accepted(c2), 'the new key still works');
  const s = signedEvent(c1);
  await refused(s.headers, s.body, 'bad-signature', 'write signed with the removed key');
});

// interop_api.h: "a replay, to any node, at any time before the token expires, finds it there
// and gets 401 with nothing written". The second node shares only the database.
test('a request replayed to another node is refused with the ModI 401 and stores nothing', async () => {
  const node2 = await startSecondNode();
  const { body, headers } = signedEvent();
  assert.equal((await post(headers, body)).status, 200, 'accepted by the first node');
  const before = (await readBack(hub.perugia, target.id)).timeline;
  assert401(await rawRequest(node2.base + EVENTS, { method: 'POST', headers, body }), 'replayed-jti', 'a write replayed to the second node');
  assert.deepEqual((await readBack(hub.perugia, target.id)).timeline, before, 'nothing written twice');
  const read = modiHeaders({ privateJwk: hub.perugia.privateJwk, clientId: hub.perugia.clientId, audience: hub.perugia.audience });
  assert.equal((await rawRequest(`${hub.base}/api/v1/interop/practices/${target.id}`, { headers: read })).status, 200);
  const r = await rawRequest(`${node2.base}/api/v1/interop/practices/${target.id}`, { headers: read });
  assert.equal(assertProblem(r, 401, 'a read replayed to the second node').reason, 'replayed-jti');
  readReplays.push(r);
});

test('a replayed read carries the ModI challenge like every other 401', () => {
  assert.ok(readReplays.length > 0, 'the replay tests ran');
  for (const r of readReplays) assert.equal(r.headers['www-authenticate'], 'Bearer realm="interop"', 'read replayed: WWW-Authenticate');
});
