// "Le mie pratiche" for people and apps (src/api/practices_api.h): who sees which practice,
// the operator's view of the ente (overdue first, a reason for every detail read), the log of
// who read a person's practices, the filters, and API-store applications (scope and
// environment, src/domain/access_policy.h application_access).
// Practices are written by the back offices through the interop API, as in production.
//
//   AU_BINARY=$PWD/build/accesso-unico node --test tests/practices/practices-api.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loginAs } from '../support/portal-login.mjs';
import { registerApp, tokenFor } from '../identity/access-helpers.mjs';
import {
  startHub, stopHub, openPractice, ev, unique, CF, PERUGIA, TERNI, romeDay, addDays, at10, nextWorkingDay,
} from './hub.mjs';

let hub;
const who = {};
const px = {}; // the practices of this file

before(async () => {
  hub = await startHub();
  for (const id of ['cittadino', 'operatore', 'professionista']) who[id] = await loginAs(id);
  const send = async (client, e) => {
    const r = await client.send(e);
    assert.equal(r.status, 200, r.text);
  };
  // The cittadina's practice in Perugia, waiting for her documents.
  px.own = await openPractice(hub.perugia, { submitted_on: romeDay(-10) });
  await send(hub.perugia, ev(hub.perugia, 'protocollata', px.own.id, { protocol_number: 'PG/5', protocol_date: romeDay(-10), status_code: 'PR' }, { time: at10(romeDay(-10)) }));
  await send(hub.perugia, ev(hub.perugia, 'richiesta-integrazione', px.own.id,
    { request_id: 'INT-1', description: 'Planimetria', due_days: 20, status_code: 'SI', status_label: 'Sospesa per integrazione' }, { time: at10(romeDay(-2)) }));
  // Hers too, overdue: submitted 60 days ago, protocolled then, never concluded.
  px.overdue = await openPractice(hub.perugia, { submitted_on: romeDay(-60) });
  await send(hub.perugia, ev(hub.perugia, 'protocollata', px.overdue.id, { protocol_number: 'PG/6', protocol_date: romeDay(-60), status_code: 'PR' }, { time: at10(romeDay(-60)) }));
  // Hers in Terni; and someone else's in Perugia.
  px.terni = await openPractice(hub.terni, { submitted_on: romeDay(-1) });
  px.other = await openPractice(hub.perugia, { applicant: { id: CF.professionista, name: 'Luca Verdi' }, submitted_on: romeDay(-1) });
}, { timeout: 300_000 });

after(stopHub, { timeout: 120_000 });

/** GET as a person ({cookie}), an application ({bearer}) or nobody; adds `json`. */
async function api(path, as = null, headers = {}) {
  const h = { ...headers };
  if (as?.cookie) h.cookie = as.cookie;
  if (as?.bearer) h.authorization = `Bearer ${as.bearer}`;
  const res = await fetch(hub.base + path, { headers: h, redirect: 'manual' });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

function problem(r, status, what) {
  assert.equal(r.status, status, `${what}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
  assert.equal(r.json.status, status, what);
  return r.json;
}

const accessi = async (as) => {
  const r = await api('/api/v1/practices/accessi', as);
  assert.equal(r.status, 200, r.text);
  return r.json.items;
};

test('without credentials: 401 with WWW-Authenticate on every practices path', async () => {
  for (const p of ['/api/v1/practices', `/api/v1/practices/${px.own.id}`, '/api/v1/practices/accessi', '/api/v1/practices?vista=ente']) {
    const r = await api(p);
    problem(r, 401, p);
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer realm="accesso-unico"/, `${p}: WWW-Authenticate`);
  }
  const forged = await api('/api/v1/practices', { bearer: 'eyJhbGciOiJub25lIn0.e30.' });
  problem(forged, 401, 'a forged token');
  assert.match(forged.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
});

test('the cittadina sees her practices with status, back-office label and next deadline, not others\'', async () => {
  const r = await api('/api/v1/practices', who.cittadino);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('cache-control') ?? '', /no-store/);
  assert.equal(r.json.total, r.json.items.length);
  const ids = r.json.items.map((x) => x.id);
  for (const p of [px.own, px.overdue, px.terni]) assert.ok(ids.includes(p.id), `her practice ${p.id} is listed`);
  assert.ok(!ids.includes(px.other.id), 'someone else\'s practice is not listed');
  const own = r.json.items.find((x) => x.id === px.own.id);
  assert.deepEqual(own.status, { code: 'sospeso-utente', label: own.status.label });
  assert.ok(own.status.label.length > 3);
  assert.deepEqual(own.backoffice_status, { code: 'SI', label: 'Sospesa per integrazione' });
  assert.equal(own.next_deadline, nextWorkingDay(addDays(romeDay(-2), 20)), 'her next deadline is the integration\'s');
  assert.equal(own.next_actor, 'Tu (il richiedente)');
  assert.equal(own.ente.id, PERUGIA);
  assert.equal(own.backoffice.reference, px.own.reference);
  assert.equal(own.applicant, undefined, 'the list does not repeat her fiscal code');

  const d = await api(`/api/v1/practices/${px.own.id}`, who.cittadino);
  assert.equal(d.status, 200, 'her own practice needs no reason');
  assert.equal(d.json.applicant.id, CF.cittadino);
  assert.deepEqual(d.json.open_requests.map((x) => x.id), ['INT-1']);
  for (const as of [who.cittadino, who.professionista]) {
    problem(await api(`/api/v1/practices/${as === who.cittadino ? px.other.id : px.own.id}`, as), 404, 'someone else\'s practice');
    problem(await api(`/api/v1/practices/${as === who.cittadino ? px.other.id : px.own.id}?motivo=curiosit%C3%A0`, as), 404, 'a reason does not open it');
  }
  problem(await api(`/api/v1/practices/${unique('pr-nessuna')}`, who.cittadino), 404, 'unknown id');
  assert.ok(!(await accessi(who.cittadino)).some((x) => x.kind === 'intermediario'), 'refused reads are not logged');
});

test('filters: stato and ente; invalid values are 400', async () => {
  let r = await api('/api/v1/practices?stato=sospeso-utente', who.cittadino);
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.items.some((x) => x.id === px.own.id));
  assert.ok(r.json.items.every((x) => x.status.code === 'sospeso-utente'));
  assert.ok(!r.json.items.some((x) => x.id === px.overdue.id));
  r = await api(`/api/v1/practices?ente=${TERNI}`, who.cittadino);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items.map((x) => x.ente.id).filter((e) => e !== TERNI), []);
  assert.ok(r.json.items.some((x) => x.id === px.terni.id));
  assert.equal(r.json.total, r.json.items.length);
  r = await api(`/api/v1/practices?ente=${TERNI}&stato=concluso-positivo`, who.cittadino);
  assert.ok(!r.json.items.some((x) => x.id === px.terni.id));
  for (const q of ['stato=aperta', 'stato=IN-CORSO', 'vista=tutte', 'vista=ENTE', 'stato=%ZZ', 'stato=%FF'])
    problem(await api(`/api/v1/practices?${q}`, who.cittadino), 400, q);
  // An empty value is no filter.
  r = await api('/api/v1/practices?stato=&ente=', who.cittadino);
  assert.equal(r.status, 200);
  assert.ok(r.json.items.some((x) => x.id === px.own.id) && r.json.items.some((x) => x.id === px.terni.id));
});

test('unknown or repeated query parameters are 400, as the document says for the whole API', async () => {
  problem(await api('/api/v1/practices?stat=in-corso', who.cittadino), 400, 'a typo in a parameter name');
  problem(await api('/api/v1/practices?stato=in-corso&stato=sospeso-pa', who.cittadino), 400, 'repeated stato');
});

test('the operator sees the ente\'s practices overdue first, and reads a detail only with a reason (logged)', async () => {
  const r = await api('/api/v1/practices?vista=ente', who.operatore);
  assert.equal(r.status, 200, r.text);
  const items = r.json.items;
  assert.ok(items.length >= 3);
  assert.deepEqual([...new Set(items.map((x) => x.ente.id))], [PERUGIA], 'only Perugia\'s practices');
  const overdue = items.find((x) => x.id === px.overdue.id);
  assert.ok(overdue, 'the overdue practice is listed');
  assert.equal(overdue.overdue, true);
  assert.ok(overdue.days_remaining < 0);
  const flags = items.map((x) => x.overdue === true);
  assert.equal(flags.indexOf(false) === -1 ? flags.length : flags.indexOf(false), flags.filter(Boolean).length, `overdue first: ${flags.join(',')}`);
  assert.ok(items.some((x) => x.id === px.other.id), 'every applicant of the ente');
  assert.ok(!items.some((x) => x.id === px.terni.id), 'not Terni\'s');
  assert.deepEqual(overdue.applicant, { id: 'RSS***' }, 'the applicant is masked in the list');
  assert.ok(!r.text.includes(CF.cittadino), 'no fiscal code in the list');
  problem(await api('/api/v1/practices?vista=ente', who.cittadino), 403, 'vista=ente is for operators');

  const path = `/api/v1/practices/${px.overdue.id}`;
  let p = problem(await api(path, who.operatore), 400, 'no reason');
  assert.match(p.detail, /motivo/);
  problem(await api(`${path}?motivo=${'x'.repeat(201)}`, who.operatore), 400, 'reason over 200 characters');
  const reason = `sollecito per ritardo ${unique('m')}`;
  const d = await api(`${path}?motivo=${encodeURIComponent(reason)}`, who.operatore);
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.id, px.overdue.id);
  assert.equal(d.json.deadline.overdue, true);
  problem(await api(`/api/v1/practices/${px.terni.id}?motivo=controllo`, who.operatore), 404, 'another ente\'s practice');

  const log = await accessi(who.cittadino);
  const entry = log.find((x) => x.reason === reason);
  assert.ok(entry, 'the cittadina sees the operator\'s read with its reason');
  assert.deepEqual({ ...entry, at: undefined }, {
    practice_id: px.overdue.id, at: undefined, who: 'Francesca Marchetti', kind: 'operatore', kind_label: 'Operatore dell\'ente', reason,
  });
  assert.match(entry.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.ok(log.some((x) => x.practice_id === px.overdue.id && x.reason === 'elenco delle pratiche' && x.kind === 'operatore'), 'the list view is logged too');
  assert.ok(!(await accessi(who.professionista)).some((x) => x.practice_id === px.overdue.id), 'the log is personal');
});

test('a back-office read appears in the cittadina\'s log with its reason', async () => {
  const reason = `verifica di un reclamo ${unique('bo')}`;
  assert.equal((await hub.perugia.read(px.own.id, reason)).status, 200);
  assert.equal((await hub.perugia.read(px.own.id)).status, 200);
  const log = await accessi(who.cittadino);
  const entry = log.find((x) => x.reason === reason);
  assert.ok(entry, 'the back-office read is listed');
  assert.equal(entry.practice_id, px.own.id);
  assert.equal(entry.kind, 'back-office');
  assert.equal(entry.kind_label, 'Sistema di back office dell\'ente');
  assert.match(entry.who, new RegExp(hub.perugia.clientId));
  assert.ok(log.some((x) => x.practice_id === px.own.id && x.kind === 'back-office' && x.reason === 'verifica dello stato da parte del back office'), 'a read without a reason gets the default one');
  const times = log.map((x) => x.at);
  assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
});

async function app(name, { scopes, environment }) {
  const reg = await registerApp(hub.base, who.cittadino, { name: `${name} ${unique('app')}`, scopes, environment });
  assert.equal(reg.status, 200, `registering ${name}: ${reg.status}`);
  assert.ok(reg.clientId && reg.secret);
  return { bearer: await tokenFor(hub.base, reg.clientId, reg.secret), name: reg.clientId };
}

test('applications: a test app sees no live practice, an app without pratiche:lettura is 403', async () => {
  const testApp = await app('App di prova', { scopes: ['pratiche:lettura'], environment: 'test' });
  const r = await api('/api/v1/practices', testApp);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { items: [], total: 0 }, 'test credentials see no live data');
  for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) assert.match(r.headers.get(h) ?? '', /^\d+$/, h);
  problem(await api(`/api/v1/practices/${px.own.id}?motivo=prova`, testApp), 404, 'a test app reading a live practice');

  const catalogueOnly = await app('App del catalogo', { scopes: ['catalogo:lettura'], environment: 'live' });
  for (const p of ['/api/v1/practices', `/api/v1/practices/${px.own.id}`, '/api/v1/practices/accessi']) {
    const x = problem(await api(p, catalogueOnly), 403, `${p} without pratiche:lettura`);
    assert.match(x.detail, /pratiche:lettura/);
  }
});

test('applications: a live app with pratiche:lettura reads its owner\'s practices, each detail logged', async () => {
  const live = await app('App dei servizi', { scopes: ['pratiche:lettura'], environment: 'live' });
  const r = await api('/api/v1/practices', live);
  assert.equal(r.status, 200, r.text);
  const ids = r.json.items.map((x) => x.id);
  assert.ok(ids.includes(px.own.id) && ids.includes(px.terni.id), 'its owner\'s practices');
  assert.ok(!ids.includes(px.other.id), 'nobody else\'s');
  problem(await api(`/api/v1/practices/${px.other.id}?motivo=prova`, live), 404, 'someone else\'s practice');
  problem(await api(`/api/v1/practices/${px.own.id}`, live), 400, 'an app reads a detail with a reason');
  const reason = `sincronizzazione ${unique('app')}`;
  const d = await api(`/api/v1/practices/${px.own.id}?motivo=${encodeURIComponent(reason)}`, live);
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.id, px.own.id);
  const entry = (await accessi(who.cittadino)).find((x) => x.reason === reason);
  assert.ok(entry, 'the app\'s read is in the owner\'s log');
  assert.equal(entry.kind, 'integratore');
  problem(await api('/api/v1/practices/accessi', live), 403, 'the access log is for people');
  problem(await api(`/api/v1/practices?vista=ente`, live), 403, 'vista=ente is for operators');
});

test('only GET and HEAD', async () => {
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const res = await fetch(`${hub.base}/api/v1/practices`, { method, headers: { cookie: who.cittadino.cookie, 'x-csrf-token': who.cittadino.csrf } });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
  }
  const head = await fetch(`${hub.base}/api/v1/practices/${px.own.id}`, { method: 'HEAD', headers: { cookie: who.cittadino.cookie } });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});
