// The reminder scheduler (src/notify/reminder_scheduler.h) driven by explicit runs of the CLI
// `accesso-unico worker --once` while `serve` runs without background workers
// (AU_BACKGROUND_WORKERS=0), so only those runs act: one `promemoria-scadenza` per deadline and
// band (default 7 and 1 days), never twice (again, or two processes at once), per-service offsets
// with `reminders set|unset`, none for a concluded practice, and a `scadenza-superata` alert to
// the operator of the ente when a practice passes its legal term.
//
//   AU_BINARY=$PWD/build/accesso-unico node --test tests/notifications/reminders.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startNotifyHub, stopNotifyHub, login, openPractice, send, ev, practiceDetail, inbox,
  MARIA, OPERATORE, romeToday, romeDay, addDays, nextWorkingDay,
} from './notify-hub.mjs';

const SERVICE_ID = 'rc-passo-carrabile';
let hub;
const who = {};

before(async () => {
  hub = await startNotifyHub({
    env: { AU_BACKGROUND_WORKERS: '0' },
    channels: { smtp: false, io: false, sms: false }, // the inbox is what is looked at here
  });
  for (const id of ['cittadino', 'operatore']) who[id] = await login(id);
  await hub.cli(['reminders', 'unset', SERVICE_ID]); // a shared database may carry another suite's setting
}, { timeout: 300_000 });

after(async () => {
  await hub?.cli(['reminders', 'unset', SERVICE_ID]).catch(() => {});
  await stopNotifyHub();
}, { timeout: 120_000 });

const maria = { id: MARIA, name: 'Maria Rossi' };
const itDate = (iso) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
const daysBetween = (a, b) => Math.round((Date.parse(b) - Date.parse(a)) / 86400_000);

/** One `worker --once` (with the portal's address, for the links it writes); returns its counts. */
async function workerOnce() {
  const out = await hub.cli(['--listen', new URL(hub.base).host, 'worker', '--once']);
  const m = out.match(/promemoria creati: (\d+), avvisi di scadenza: (\d+); messaggi preparati: (\d+)/);
  assert.ok(m, `worker --once summary: ${out.slice(-500)}`);
  return { reminders: Number(m[1]), alerts: Number(m[2]), prepared: Number(m[3]) };
}

/** A practice of Maria's with an open request due on `due` (YYYY-MM-DD); returns { id, title, due }. */
async function withRequestDue(due, extra = {}) {
  const p = await openPractice(maria, extra);
  await send(ev('richiesta-integrazione', p.id, { request_id: 'INT-1', description: 'Relazione tecnica firmata', due_date: due }));
  const d = await practiceDetail(p.id);
  assert.deepEqual(d.open_requests.map((r) => r.due), [due], 'the request is open with that due date');
  return { ...p, due };
}

/** The messages of `kind` about practice `id`, as stored (pending ones too): [{recipient, dedup_key, state}]. */
async function stored(id, kind) {
  const out = await hub.sql(`SELECT recipient || '|' || dedup_key || '|' || state FROM messages WHERE practice_id = '${id}' AND kind = '${kind}' ORDER BY id`);
  return out.split('\n').filter(Boolean).map((l) => {
    const [recipient, dedup_key, state] = l.split('|');
    return { recipient, dedup_key, state };
  });
}

const inInbox = async (as, id, kind) => (await inbox(as)).messages.filter((m) => m.practice_id === id && m.kind === kind);

test('an open request due in 5 days: one promemoria-scadenza (the 7-day band), in her inbox', async () => {
  const p = await withRequestDue(romeDay(5));
  assert.deepEqual(await stored(p.id, 'promemoria-scadenza'), [], 'nothing before the scheduler runs');
  const run = await workerOnce();
  assert.ok(run.reminders >= 1, `reminders created: ${run.reminders}`);
  assert.deepEqual(await stored(p.id, 'promemoria-scadenza'), [{ recipient: MARIA, dedup_key: `promemoria:${p.id}:${p.due}:7:${MARIA}`, state: 'ready' }]);
  const [m, ...more] = await inInbox(who.cittadino, p.id, 'promemoria-scadenza');
  assert.equal(more.length, 0, 'one reminder in the inbox');
  assert.equal(m.due_date, p.due);
  assert.equal(m.subject, `Promemoria: scadenza del ${itDate(p.due)} per la pratica ${p.title}`);
  assert.ok(m.body.includes(`hai una scadenza il **${itDate(p.due)}**`), m.body);
  assert.ok(m.body.endsWith(`[Vedi la pratica](${hub.base}/area-personale/pratiche/${p.id})`), m.body);
  // The days that are really left, not the band's offset.
  assert.ok(m.body.includes(`(giorni rimasti: ${daysBetween(romeToday(), p.due)})`), `days left in: ${m.body}`);
});

test('the scheduler is idempotent: again, and two `worker --once` processes at the same time, still one each', async () => {
  const first = await withRequestDue(romeDay(6));
  await workerOnce();
  assert.equal((await stored(first.id, 'promemoria-scadenza')).length, 1);
  await workerOnce();
  assert.equal((await stored(first.id, 'promemoria-scadenza')).length, 1, 'a second run adds nothing');

  const raced = await withRequestDue(romeDay(4));
  const runs = await Promise.all([workerOnce(), workerOnce()]);
  assert.ok(runs.every((r) => Number.isInteger(r.reminders)), 'both processes finished');
  for (const p of [first, raced]) {
    const rows = await stored(p.id, 'promemoria-scadenza');
    assert.equal(rows.length, 1, `${p.title}: exactly one reminder (${JSON.stringify(rows)})`);
    assert.equal(rows[0].dedup_key, `promemoria:${p.id}:${p.due}:7:${MARIA}`);
  }
  await workerOnce(); // whatever the race left pending is fanned out now
  assert.equal((await inInbox(who.cittadino, raced.id, 'promemoria-scadenza')).length, 1, 'one in the inbox');
});

test('`reminders set <service> \'[3]\'` changes the band; `unset` brings the defaults back', async () => {
  await assert.rejects(hub.cli(['reminders', 'set', SERVICE_ID, '[0]']), /giorni non validi/, 'an offset of 0 days');
  await assert.rejects(hub.cli(['reminders', 'set', SERVICE_ID, 'tre']), /giorni non validi/, 'not a list');
  await assert.rejects(hub.cli(['reminders', 'set', 'servizio-inesistente', '[3]']), /servizio sconosciuto/);
  try {
    assert.match(await hub.cli(['reminders', 'set', SERVICE_ID, '[3]']), new RegExp(`promemoria di ${SERVICE_ID}: \\[3\\] giorni prima`));
    assert.match(await hub.cli(['reminders', 'list']), new RegExp(`^${SERVICE_ID}\\t\\[3\\]$`, 'm'));
    const five = await withRequestDue(romeDay(5));
    const two = await withRequestDue(romeDay(2));
    await workerOnce();
    assert.deepEqual(await stored(five.id, 'promemoria-scadenza'), [], '5 days ahead: outside the only band (1-3 days)');
    assert.deepEqual((await stored(two.id, 'promemoria-scadenza')).map((r) => r.dedup_key), [`promemoria:${two.id}:${two.due}:3:${MARIA}`]);

    assert.match(await hub.cli(['reminders', 'unset', SERVICE_ID]), /tornato ai giorni predefiniti/);
    assert.doesNotMatch(await hub.cli(['reminders', 'list']), new RegExp(`^${SERVICE_ID}\\t`, 'm'));
    await workerOnce();
    assert.deepEqual((await stored(five.id, 'promemoria-scadenza')).map((r) => r.dedup_key), [`promemoria:${five.id}:${five.due}:7:${MARIA}`], 'the default 7-day band again');
  } finally {
    await hub.cli(['reminders', 'unset', SERVICE_ID]);
  }
});

test('a concluded practice gets no reminder', async () => {
  const p = await withRequestDue(romeDay(5));
  await send(ev('conclusa', p.id, { esito: 'positivo', description: 'Autorizzazione rilasciata' }));
  assert.match((await practiceDetail(p.id)).status.code, /^concluso/);
  await workerOnce();
  assert.deepEqual(await stored(p.id, 'promemoria-scadenza'), []);
  assert.equal((await inInbox(who.cittadino, p.id, 'pratica-conclusa')).length, 1, 'the conclusion itself was notified');
});

test('a practice past its legal term: one scadenza-superata to the operator of the ente, none to the applicant', async () => {
  // Submitted long enough ago that the 30-day term ended 2-7 days ago (moved off holidays).
  let submitted = null;
  for (let k = 33; k <= 40 && !submitted; k++) {
    const due = nextWorkingDay(addDays(romeDay(-k), 30));
    if (due <= romeDay(-2) && due >= romeDay(-6)) submitted = romeDay(-k);
  }
  assert.ok(submitted, 'a submission date whose term ended a few days ago');
  const p = await openPractice(maria, { submitted_on: submitted, legal_term_days: 30 });
  const d = await practiceDetail(p.id);
  assert.equal(d.deadline.overdue, true, JSON.stringify(d.deadline));
  const due = d.deadline.due;

  const run = await workerOnce();
  assert.ok(run.alerts >= 1, `alerts created: ${run.alerts}`);
  const rows = await stored(p.id, 'scadenza-superata');
  assert.deepEqual(rows.map((r) => [r.recipient, r.dedup_key, r.state]), [[OPERATORE, `scadenza-superata:${p.id}:${due}:${OPERATORE}`, 'ready']]);
  assert.equal((await inInbox(who.cittadino, p.id, 'scadenza-superata')).length, 0, 'not to the applicant');
  const [m, ...more] = await inInbox(who.operatore, p.id, 'scadenza-superata');
  assert.equal(more.length, 0);
  assert.equal(m.due_date, due);
  assert.match(m.subject, new RegExp(`^Termine superato: pratica ${p.title} \\(`));
  assert.ok(m.body.includes(`è scaduto il **${itDate(due)}**`), m.body);
  assert.ok(m.body.startsWith('Buongiorno Francesca,'), m.body);
  assert.ok(m.body.endsWith(`[Apri la pratica](${hub.base}/area-personale/pratiche/${p.id})`), m.body);
  await workerOnce();
  assert.equal((await stored(p.id, 'scadenza-superata')).length, 1, 'still one after another run');
  // How late it is, in days (not 0).
  assert.ok(m.body.includes(`(giorni di ritardo: ${daysBetween(due, romeToday())})`), `days late in: ${m.body}`);
});
