// Bad input to the interoperability API: every request below is answered with a clear 4xx
// application/problem+json (with the JSON path of each problem where there is one) and writes
// nothing, which is checked by reading the practice back (its timeline does not change).
// Contract: src/practices/ingest.h (validation first and complete, nothing of a refused request
// is written), src/domain/cloud_event.h, src/domain/practice_projection.h.
//
//   AU_BINARY=$PWD/build/accesso-unico node --test tests/practices/interop-invalid.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHub, stopHub, openPractice, opening, ev, readBack, assertProblem, errorPaths, unique, modiHeaders,
  postLarge, romeDay, at10,
} from './hub.mjs';

let hub;
let target; // a Perugia practice every bad request is aimed at

before(async () => {
  hub = await startHub();
  target = await openPractice(hub.perugia, { submitted_on: romeDay(-5) });
  const r = await hub.perugia.send(ev(hub.perugia, 'protocollata', target.id, { protocol_number: 'PG/1', protocol_date: romeDay(-5) }, { time: at10(romeDay(-5)) }));
  assert.equal(r.status, 200, r.text);
}, { timeout: 300_000 });

after(stopHub, { timeout: 120_000 });

/** Runs `fn` and asserts that the target's timeline (and its status) did not change. */
async function nothingWritten(fn) {
  const before = await readBack(hub.perugia, target.id);
  const out = await fn();
  const after = await readBack(hub.perugia, target.id);
  assert.deepEqual(after.timeline, before.timeline, 'the timeline changed: something was written');
  assert.deepEqual(after.status, before.status);
  return out;
}

const valid = (extra = {}) => ev(hub.perugia, 'messaggio', target.id, { text: 'Valido.' }, extra);

/** Sends `body` (value or raw text) and expects a problem; returns its body. */
async function refused(body, status, what, options) {
  return nothingWritten(async () => assertProblem(await hub.perugia.post('/api/v1/interop/events', body, options), status, what));
}

test('malformed JSON is 400', async () => {
  for (const text of ['{"specversion": "1.0",', 'not json', '[{}]]', '{"id": "\\u00"}'])
    await refused(text, 400, `body ${JSON.stringify(text)}`);
  // Empty body: no JSON at all. ModI needs no Digest then, the JSON parse still fails.
  const headers = modiHeaders({ privateJwk: hub.perugia.privateJwk, clientId: hub.perugia.clientId, audience: hub.perugia.audience });
  const r = await postLarge(`${hub.base}/api/v1/interop/events`, { ...headers, 'Content-Type': 'application/json' }, '');
  assertProblem(r, 400, 'empty body');
});

test('a body that is not JSON by its Content-Type is 415', async () => {
  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/jsonx'])
    await refused(JSON.stringify(valid()), 415, contentType, { contentType });
  // The JSON types are all accepted, with parameters and in any case.
  for (const contentType of ['application/cloudevents+json; charset=utf-8', 'Application/JSON', 'application/cloudevents-batch+json']) {
    const body = contentType.includes('batch') ? [valid()] : valid();
    const r = await hub.perugia.post('/api/v1/interop/events', body, { contentType });
    assert.equal(r.status, 200, `${contentType}: ${r.text}`);
  }
});

test('CloudEvents attributes: specversion, required id/source/type, non-object events, empty batch, time', async () => {
  const e = valid();
  const cases = [
    [{ ...e, specversion: '0.3' }, ['/specversion']],
    [{ ...e, specversion: 1.0 }, ['/specversion']],
    [(({ source, ...x }) => x)(e), ['/source']],
    [(({ id, ...x }) => x)(e), ['/id']],
    [(({ type, ...x }) => x)(e), ['/type']],
    [{ ...e, id: '' }, ['/id']],
    [{ ...e, time: '2026-02-30T10:00:00Z' }, ['/time']],
    [{ ...e, time: '2026-01-10 10:00:00' }, ['/time']],
    [{ ...e, time: '2026-01-10T10:00:00' }, ['/time']],
    [{ ...e, time: '2026-01-10T24:00:00Z' }, ['/time']],
    [[valid(), 42], ['/1']],
    [[valid(), [valid()]], ['/1']],
    [[valid(), { ...valid(), specversion: '2.0' }, (({ source, ...x }) => x)(valid())], ['/1/specversion', '/2/source']],
    [[], ['']],
    ['"un evento"', null],
  ];
  for (const [body, paths] of cases) {
    const problem = await refused(body, 422, JSON.stringify(body).slice(0, 120));
    if (paths) assert.deepEqual(errorPaths(problem), paths, JSON.stringify(body).slice(0, 120));
    for (const err of problem.errors ?? []) assert.ok(err.message.length > 5, `an explanation for ${err.path}`);
  }
});

test('types: unknown, reserved to the hub, data_base64 instead of data', async () => {
  let p = await refused(ev(hub.perugia, 'archiviata', target.id), 422, 'unknown type');
  assert.deepEqual(errorPaths(p), ['/type']);
  assert.match(p.errors[0].message, /it\.umbria\.accessounico\.pratica\.protocollata/, 'the message lists the accepted types');
  p = await refused({ ...valid(), type: 'it.umbria.accessounico.pratica.aperta' }, 422, 'aperta is written by the hub only');
  assert.deepEqual(errorPaths(p), ['/type']);
  p = await refused({ ...valid(), type: 'com.example.other' }, 422, 'a foreign vocabulary');
  assert.deepEqual(errorPaths(p), ['/type']);
  const { data, ...noData } = valid();
  p = await refused({ ...noData, data_base64: Buffer.from('{"text":"x"}').toString('base64') }, 422, 'data_base64');
  // The base64 data is not read, so the type's required members are missing too.
  assert.equal(errorPaths(p)[0], '/data_base64');
  p = await refused({ ...valid(), subject: undefined }, 422, 'no subject');
  assert.deepEqual(errorPaths(p), ['/subject']);
});

test('invalid data for each type, with the exact JSON path', async () => {
  const s = target.id;
  const cases = [
    [[valid(), ev(hub.perugia, 'richiesta-integrazione', s, { description: 'Manca la planimetria' })], ['/1/data/request_id']],
    [ev(hub.perugia, 'protocollata', s, { protocol_number: 'PG/1' }), ['/data/protocol_date']],
    [ev(hub.perugia, 'protocollata', s, { protocol_number: '', protocol_date: '2026-13-01' }), ['/data/protocol_number', '/data/protocol_date']],
    [ev(hub.perugia, 'richiesta-integrazione', s, { request_id: 'I', description: 'd', due_days: 0 }), ['/data/due_days']],
    [ev(hub.perugia, 'richiesta-integrazione', s, { request_id: 'I', description: 'd', due_days: 5, due_date: romeDay(5) }), ['/data/due_days']],
    [ev(hub.perugia, 'integrazione-ricevuta', s, { request_id: 'x'.repeat(65) }), ['/data/request_id']],
    [ev(hub.perugia, 'preavviso-rigetto', s, { request_id: 'P' }), ['/data/description']],
    [ev(hub.perugia, 'documento', s, { title: 'Atto', url: 'javascript:alert(1)' }), ['/data/url']],
    [ev(hub.perugia, 'documento', s, { title: 'Atto', url: 'https://comune.it@altro.example/x' }), ['/data/url']],
    [ev(hub.perugia, 'messaggio', s, { text: 42 }), ['/data/text']],
    [ev(hub.perugia, 'conclusa', s, { esito: 'forse' }), ['/data/esito']],
    [ev(hub.perugia, 'stato', s, {}), ['/data/status_code']],
    [{ ...valid(), data: 'testo' }, ['/data']],
  ];
  for (const [body, paths] of cases) {
    const problem = await refused(body, 422, JSON.stringify(body).slice(0, 160));
    assert.deepEqual(errorPaths(problem), paths, JSON.stringify(body).slice(0, 160));
  }
});

test('a status code missing from the mapping is 422 naming it, and nothing of the batch is written', async () => {
  const batch = [
    valid(),
    ev(hub.perugia, 'stato', target.id, { status_code: 'ZZ', status_label: 'Sconosciuto' }),
    valid(),
  ];
  const p = await refused(batch, 422, 'unknown status code');
  assert.deepEqual(errorPaths(p), ['/1/data/status_code']);
  assert.match(p.errors[0].message, /'ZZ'/, 'the message names the code');
  // The valid events of that batch were not stored: sent alone now, they are new.
  const r = await hub.perugia.send(batch[0]);
  assert.equal(r.status, 200);
  const tl = (await readBack(hub.perugia, target.id)).timeline;
  assert.equal(tl.filter((x) => x.sequence === r.json.sequence).length, 1);
  assert.ok(r.json.sequence > Math.max(...tl.filter((x) => x.sequence !== r.json.sequence).map((x) => x.sequence)), 'stored now, not before');
});

test('too much: a batch of 1001 events and a body over 1 MiB are 413', async () => {
  const many = Array.from({ length: 1001 }, () => valid());
  const p = await refused(many, 413, 'batch of 1001');
  assert.match(p.detail, /1000/);
  // 1000 is the limit itself: accepted (checked on another practice to keep the target small).
  const other = await openPractice(hub.perugia);
  const thousand = Array.from({ length: 1000 }, (_, i) => ev(hub.perugia, 'messaggio', other.id, { text: `n. ${i}` }));
  const ok = await hub.perugia.send(thousand);
  assert.equal(ok.status, 200, ok.text.slice(0, 300));
  assert.equal(ok.json.accepted, 1000);

  const big = JSON.stringify([{ ...valid(), data: { text: 'x', riempitivo: 'y'.repeat(1024 * 1024) } }]);
  const headers = modiHeaders({ privateJwk: hub.perugia.privateJwk, clientId: hub.perugia.clientId, audience: hub.perugia.audience, body: big });
  await nothingWritten(async () => assertProblem(await postLarge(`${hub.base}/api/v1/interop/events`, headers, big), 413, 'body over 1 MiB'));
});

test('an unknown practice is 404, a practice of another ente 403; neither writes anything', async () => {
  let p = await refused(ev(hub.perugia, 'messaggio', unique('pr-nessuna'), { text: 'x' }), 404, 'unknown practice');
  assert.deepEqual(errorPaths(p), ['/subject']);
  p = await refused([valid(), ev(hub.perugia, 'messaggio', unique('VBG-nessuna'), { text: 'x' })], 404, 'one unknown subject in a batch');
  assert.deepEqual(errorPaths(p), ['/1/subject']);
  // Terni writing Perugia's practice, by our id.
  const terni = await nothingWritten(async () =>
    assertProblem(await hub.terni.send(ev(hub.terni, 'messaggio', target.id, { text: 'Non è mia.' })), 403, 'another ente'));
  assert.deepEqual(errorPaths(terni), ['/subject']);
});

test('an opening with an invalid fiscal code, service or dates is 422 with paths, and opens nothing', async () => {
  const doc = opening({
    service: 'servizio-che-non-esiste',
    applicant: { id: 'RSSMRA85C52G478X', name: 'Maria Rossi' },
    beneficiary: { id: '12345678901' },
    submitted_on: '2026-02-30',
    backoffice_url: 'ftp://archivio',
    legal_term_days: 0,
    silenzio_assenso: 'sì',
  });
  const r = await hub.perugia.open(doc);
  const p = assertProblem(r, 422, 'invalid opening');
  assert.deepEqual(errorPaths(p).sort(), ['/applicant/id', '/backoffice_url', '/beneficiary/id', '/legal_term_days', '/service', '/silenzio_assenso', '/submitted_on'].sort());
  assertProblem(await hub.perugia.read(doc.reference), 404, 'nothing was opened');

  for (const [body, paths] of [
    [(({ applicant, ...x }) => x)(opening()), ['/applicant/id']],
    [(({ reference, ...x }) => x)(opening()), ['/reference']],
    [opening({ submitted_on: '10/01/2026' }), ['/submitted_on']],
    [opening({ reference: 'r'.repeat(101) }), ['/reference']],
    [opening({ applicant: 'RSSMRA85C52G478I' }), ['/applicant/id']],
    [opening({ status_code: 'ZZ' }), ['/status_code']],
    [[opening()], ['']],
  ]) {
    const x = assertProblem(await hub.perugia.open(body), 422, JSON.stringify(body).slice(0, 100));
    assert.deepEqual(errorPaths(x), paths, JSON.stringify(body).slice(0, 100));
    if (body.reference) assertProblem(await hub.perugia.read(body.reference), 404, 'nothing was opened');
  }
  // A valid partita IVA is a valid applicant (a business).
  const business = await hub.perugia.open(opening({ applicant: { id: '02876540549', name: 'Tessiture Umbre S.r.l.' } }));
  assert.equal(business.status, 201, business.text);
});

test('other methods are 405 with Allow; other paths 404 (after authentication)', async () => {
  const h = modiHeaders({ privateJwk: hub.perugia.privateJwk, clientId: hub.perugia.clientId, audience: hub.perugia.audience });
  for (const [method, p, allow] of [['GET', '/api/v1/interop/events', 'POST'], ['DELETE', '/api/v1/interop/practices', 'POST'], ['POST', `/api/v1/interop/practices/${target.id}`, 'GET, HEAD']]) {
    const res = await fetch(hub.base + p, { method, headers: h });
    assert.equal(res.status, 405, `${method} ${p}`);
    assert.equal(res.headers.get('allow'), allow);
  }
  const res = await fetch(`${hub.base}/api/v1/interop/altro`, { headers: h });
  assert.equal(res.status, 404);
  assert.match(res.headers.get('content-type'), /problem\+json/);
});

// CloudEvents 1.0.2 (Type System, String): control characters U+0000-U+001F and U+007F-U+009F
// MUST NOT be used. On PostgreSQL a U+0000 would also cut the value where it is stored, so
// "dup\u0000one" and "dup\u0000two" would become one event id (and the hash chain would no
// longer match the stored row).
test('control characters in CloudEvents string attributes and in the reference are 422', async () => {
  const p = await openPractice(hub.perugia);
  const base = () => ev(hub.perugia, 'messaggio', p.id, { text: 'x' });
  for (const [over, path] of [[{ id: 'dup\u0000one' }, '/id'], [{ id: 'a\u001fb' }, '/id'], [{ source: 'urn:x\u0000y' }, '/source'], [{ subject: `${p.id}\u0000` }, '/subject'], [{ id: 'c\u0085d' }, '/id']]) {
    const body = { ...base(), ...over };
    const r = await hub.perugia.send(body);
    const problem = assertProblem(r, 422, JSON.stringify(over));
    assert.deepEqual(errorPaths(problem), [path]);
  }
  const o = await hub.perugia.open(opening({ reference: 'NUL\u0000REF' }));
  assert.deepEqual(errorPaths(assertProblem(o, 422, 'a reference with U+0000')), ['/reference']);
});
