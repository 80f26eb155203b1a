// The interoperability API as a back office uses it (src/api/interop_api.h,
// src/practices/ingest.h): opening practices, appending CloudEvents one at a time or in
// batches, idempotency, late events, the legal deadline as the citizen reads it.
// Real binary, real HTTP, requests signed with ModI (tools/backoffice-simulator/modi-client.mjs).
// Bad input is in interop-invalid.test.mjs, ModI attacks in interop-attacks.test.mjs.
//
//   AU_BINARY=$PWD/build/accesso-unico node --test tests/practices/interop.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../support/portal-login.mjs';
import {
  startHub, stopHub, openPractice, opening, ev, readBack, assertProblem, unique, CF, PERUGIA, TERNI,
  romeDay, addDays, at10, nextWorkingDay, romeToday,
} from './hub.mjs';

let hub;
let cittadino;

before(async () => {
  hub = await startHub();
  cittadino = await loginAs('cittadino');
}, { timeout: 300_000 });

after(stopHub, { timeout: 120_000 });

const timeline = async (id) => (await readBack(hub.perugia, id)).timeline;

/** GET /api/v1/practices/{id} as the cittadina (her own practice: no motivo needed). */
async function citizenDetail(id) {
  const r = await fetch(`${hub.base}/api/v1/practices/${encodeURIComponent(id)}`, { headers: { cookie: cittadino.cookie } });
  const body = await r.json();
  assert.equal(r.status, 200, `GET /api/v1/practices/${id}: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

test('opening a practice: 201 with our id; the same opening again is the same answer; other content is 409', async () => {
  const doc = opening({ submitted_on: romeDay(-3) });
  const first = await hub.perugia.open(doc);
  assert.equal(first.status, 201, first.text);
  assert.match(first.json.id, /^pr-[A-Za-z0-9_-]+$/);
  assert.equal(first.json.ente, PERUGIA);
  assert.equal(first.json.reference, doc.reference);
  assert.equal(first.json.status, 'in-corso');
  assert.match(first.headers['cache-control'] ?? '', /no-store/);

  const again = await hub.perugia.open(doc);
  assert.equal(again.status, 201, again.text);
  assert.deepEqual(again.json, first.json, 'the repeated opening answers exactly as the first');
  assert.equal((await timeline(first.json.id)).length, 1, 'one opening event only');

  const other = await hub.perugia.open({ ...doc, applicant: { id: CF.professionista, name: 'Luca Verdi' } });
  const problem = assertProblem(other, 409, 'same reference, other applicant');
  assert.equal(problem.practice_id, first.json.id, 'the 409 names the existing practice');
  const detail = await readBack(hub.perugia, first.json.id);
  assert.equal(detail.applicant.id, CF.cittadino, 'the conflicting opening changed nothing');

  // The reference is the back office's own: another ente may use the same one.
  const terni = await hub.terni.open(doc);
  assert.equal(terni.status, 201, terni.text);
  assert.notEqual(terni.json.id, first.json.id);
  assert.equal(terni.json.ente, TERNI);
});

test('one event: 200 {id, source, practice_id, sequence}; the same event again is the same answer and stores nothing', async () => {
  const p = await openPractice(hub.perugia);
  const e = ev(hub.perugia, 'messaggio', p.id, { text: 'Abbiamo ricevuto la domanda.' });
  const r = await hub.perugia.send(e);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['id', 'practice_id', 'sequence', 'source']);
  assert.equal(r.json.id, e.id);
  assert.equal(r.json.source, e.source);
  assert.equal(r.json.practice_id, p.id);
  assert.ok(Number.isInteger(r.json.sequence) && r.json.sequence > 0);
  const before = await timeline(p.id);
  assert.equal(before.length, 2);

  const again = await hub.perugia.send(e);
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.json, r.json, 'a repeated event is answered as the first time');
  const afterwards = await timeline(p.id);
  assert.deepEqual(afterwards, before, 'nothing new stored');

  // Idempotency is by (source, id): the same id from another source is another event.
  const otherSource = await hub.perugia.send({ ...e, source: `${e.source}:bis` });
  assert.equal(otherSource.status, 200, otherSource.text);
  assert.ok(otherSource.json.sequence > r.json.sequence);
  assert.equal((await timeline(p.id)).length, 3);
});

test('a batch of 3: 200 with one result per event, in order; a stored event in a batch keeps its sequence', async () => {
  const p = await openPractice(hub.perugia);
  const batch = [
    ev(hub.perugia, 'protocollata', p.id, { protocol_number: 'PG/2026/1', protocol_date: romeDay(-2), status_code: 'PR' }, { time: at10(romeDay(-2)) }),
    ev(hub.perugia, 'messaggio', p.id, { text: 'Pratica assegnata all\'ufficio mobilità.' }, { time: at10(romeDay(-1)) }),
    ev(hub.perugia, 'documento', p.id, { title: 'Ricevuta', url: 'https://www.comune.perugia.it/ricevuta.pdf', media_type: 'application/pdf' }, { time: at10(romeDay(-1)) }),
  ];
  const r = await hub.perugia.send(batch);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.accepted, 3);
  assert.equal(r.json.results.length, 3);
  r.json.results.forEach((x, i) => {
    assert.deepEqual(x, { id: batch[i].id, source: batch[i].source, practice_id: p.id, sequence: x.sequence });
    if (i) assert.ok(x.sequence > r.json.results[i - 1].sequence, 'sequences grow in the order sent');
  });
  assert.equal((await timeline(p.id)).length, 4);

  const fresh = ev(hub.perugia, 'messaggio', p.id, { text: 'Sopralluogo fissato.' });
  const mixed = await hub.perugia.send([batch[1], fresh]);
  assert.equal(mixed.status, 200, mixed.text);
  assert.equal(mixed.json.accepted, 2);
  assert.deepEqual(mixed.json.results[0], r.json.results[1], 'the stored event answers with its original sequence');
  assert.ok(mixed.json.results[1].sequence > r.json.results[2].sequence);
  const tl = await timeline(p.id);
  assert.equal(tl.length, 5, 'only the new event was stored');
  assert.equal(tl.filter((x) => x.sequence === r.json.results[1].sequence).length, 1);
});

test('late events land where their time says; the status is that of the latest event in time', async () => {
  const p = await openPractice(hub.perugia, { submitted_on: romeDay(-10) });
  const later = ev(hub.perugia, 'stato', p.id, { status_code: 'EP', status_label: 'In attesa di parere' }, { time: at10(romeDay(-1)) });
  const earlier = ev(hub.perugia, 'stato', p.id, { status_code: 'PR', status_label: 'Protocollata' }, { time: at10(romeDay(-5)) });
  const a = await hub.perugia.send(later);
  assert.equal(a.status, 200, a.text);
  const b = await hub.perugia.send(earlier);
  assert.equal(b.status, 200, b.text);
  assert.ok(b.json.sequence > a.json.sequence, 'the earlier event arrived second');

  const d = await readBack(hub.perugia, p.id);
  assert.deepEqual(d.timeline.map((x) => x.sequence), [d.timeline[0].sequence, b.json.sequence, a.json.sequence], 'ordered by time, not by arrival');
  assert.deepEqual(d.timeline.map((x) => x.time), [`${romeDay(-10)}T00:00:00Z`, earlier.time, later.time]);
  assert.equal(d.status.code, 'sospeso-pa', 'the latest event in time sets the status');
  assert.deepEqual(d.backoffice_status, { code: 'EP', label: 'In attesa di parere' });
  const summary = (await citizenDetail(p.id));
  assert.equal(summary.status.code, 'sospeso-pa');
});

test('an event without time takes the time of receipt', async () => {
  const p = await openPractice(hub.perugia, { submitted_on: romeDay(-1) });
  const e = ev(hub.perugia, 'messaggio', p.id, { text: 'Senza orario.' });
  assert.equal(e.time, undefined);
  const t0 = Date.now();
  const r = await hub.perugia.send(e);
  const t1 = Date.now();
  assert.equal(r.status, 200, r.text);
  const item = (await timeline(p.id)).find((x) => x.sequence === r.json.sequence);
  assert.match(item.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'RFC 3339 UTC with milliseconds');
  const ms = Date.parse(item.time);
  assert.ok(ms >= t0 - 1000 && ms <= t1 + 1000, `receipt time ${item.time} outside [${new Date(t0).toISOString()}, ${new Date(t1).toISOString()}]`);
});

test('the subject may be our practice id or the back office reference, of the client\'s own ente only', async () => {
  const p = await openPractice(hub.perugia);
  const byId = await hub.perugia.send(ev(hub.perugia, 'messaggio', p.id, { text: 'Per id.' }));
  assert.equal(byId.status, 200, byId.text);
  const byRef = await hub.perugia.send(ev(hub.perugia, 'messaggio', p.reference, { text: 'Per riferimento.' }));
  assert.equal(byRef.status, 200, byRef.text);
  assert.equal(byRef.json.practice_id, p.id, 'the reference resolves to our id');
  assert.equal((await timeline(p.id)).length, 3);
  const read = await hub.perugia.read(p.reference);
  assert.equal(read.status, 200, 'reading back by reference works too');
  assert.equal(read.json.id, p.id);

  // Terni's reference space is its own: Perugia's reference names nothing there.
  const terni = await hub.terni.send(ev(hub.terni, 'messaggio', p.reference, { text: 'Riferimento di un altro ente.' }));
  const problem = assertProblem(terni, 404, 'a reference of another ente');
  assert.deepEqual(problem.errors.map((e) => e.path), ['/subject']);
  assert.equal((await timeline(p.id)).length, 3);
});

test('unknown members are accepted and stored, never shown whole to the citizen', async () => {
  const p = await openPractice(hub.perugia);
  const e = { ...ev(hub.perugia, 'messaggio', p.id, { text: 'Con estensioni.', note_interne: 'solo per l\'ufficio', priorita: 3 }), traceparent: '00-abc', partizione: 7 };
  const r = await hub.perugia.send(e);
  assert.equal(r.status, 200, `an extension attribute and an unknown data member must not be refused: ${r.text}`);
  const again = await hub.perugia.send(e);
  assert.deepEqual(again.json, r.json, 'stored once, with its extensions');
  const item = (await timeline(p.id)).find((x) => x.sequence === r.json.sequence);
  assert.equal(item.text, 'Con estensioni.');
  // The read-back shows the descriptive members only (src/practices/practice_view.cpp).
  for (const hidden of ['note_interne', 'priorita', 'traceparent', 'partizione'])
    assert.equal(item[hidden], undefined, `${hidden} is not exposed`);
  const text = JSON.stringify(await citizenDetail(p.id));
  assert.ok(!text.includes('solo per l\'ufficio'), 'internal notes do not reach the citizen');
});

test('the deadline moves with the integration request and its receipt (L. 241/1990 art. 2 c.7)', async () => {
  const today = romeToday();
  const received = romeDay(-20);
  const p = await openPractice(hub.perugia, { submitted_on: received, legal_term_days: 30 });
  const check = (d, { suspended, now, status, next }) => {
    const unadjusted = addDays(received, 30 + suspended);
    assert.equal(d.deadline.received, received);
    assert.equal(d.deadline.suspended_days, suspended, 'suspended days');
    assert.equal(d.deadline.suspended_now, now, 'suspended now');
    assert.equal(d.deadline.due_unadjusted, unadjusted);
    assert.equal(d.deadline.due, nextWorkingDay(unadjusted), 'moved off Sundays and holidays');
    assert.equal(d.deadline.overdue, false);
    assert.equal(d.status.code, status);
    assert.equal(d.next_deadline, next ?? d.deadline.due);
  };
  check(await citizenDetail(p.id), { suspended: 0, now: false, status: 'in-corso' });

  const send = async (e) => {
    const r = await hub.perugia.send(e);
    assert.equal(r.status, 200, r.text);
  };
  await send(ev(hub.perugia, 'protocollata', p.id, { protocol_number: 'PG/2026/77', protocol_date: received, status_code: 'PR' }, { time: at10(received) }));
  check(await citizenDetail(p.id), { suspended: 0, now: false, status: 'in-corso' });

  // Requested 16 days ago, still open: the term is suspended up to today.
  const requested = addDays(received, 4);
  await send(ev(hub.perugia, 'richiesta-integrazione', p.id,
    { request_id: 'INT-1', description: 'Planimetria aggiornata', due_days: 15, status_code: 'SI', status_label: 'Sospesa per integrazione' },
    { time: at10(requested) }));
  let d = await citizenDetail(p.id);
  const requestDue = nextWorkingDay(addDays(requested, 15));
  check(d, { suspended: 16, now: true, status: 'sospeso-utente', next: requestDue });
  assert.deepEqual(d.open_requests, [{ id: 'INT-1', type: 'richiesta-integrazione', description: 'Planimetria aggiornata', requested_on: requested, due: requestDue, overdue: today > requestDue }]);
  assert.equal(d.backoffice_status.label, 'Sospesa per integrazione');

  // Documents received 6 days after the request: 6 days of suspension, the term runs again.
  await send(ev(hub.perugia, 'integrazione-ricevuta', p.id, { request_id: 'INT-1', status_code: 'IR' }, { time: at10(addDays(received, 10)) }));
  d = await citizenDetail(p.id);
  check(d, { suspended: 6, now: false, status: 'in-corso' });
  assert.deepEqual(d.open_requests, []);
  assert.equal(d.days_remaining, Math.round((Date.parse(d.deadline.due) - Date.parse(today)) / 86400_000));
  assert.deepEqual(d.timeline.map((x) => x.type), ['aperta', 'protocollata', 'richiesta-integrazione', 'integrazione-ricevuta']);
});

test('reading back: 200 for the client\'s practices, 404 for unknown ids and for another ente\'s practice', async () => {
  const p = await openPractice(hub.perugia);
  const d = await readBack(hub.perugia, p.id, 'verifica del test');
  assert.equal(d.id, p.id);
  assert.equal(d.ente.id, PERUGIA);
  assertProblem(await hub.perugia.read(unique('pr-inesistente')), 404, 'unknown id');
  assertProblem(await hub.terni.read(p.id), 404, 'a practice of another ente is not revealed');
});
