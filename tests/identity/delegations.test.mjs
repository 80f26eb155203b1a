// Delegations (deleghe) end to end, through the personal-area pages and through the JSON API:
// a citizen delegates a professional, who accepts with the code, acts on her behalf (and she
// sees it), until she revokes; a business delegates through its representative; wrong codes,
// non-intermediaries, rejections, validation errors (422, Italian messages), CSRF; and the
// API's answers (201/200, 401, 403, 405, 409, 415, 400, 422 as problem+json).
//
// Real portal + real OpenID provider. On PostgreSQL the database is shared with other suites:
// lists are searched for the delegations made here, never counted as a whole.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startPortalWithLogin, stopPortalWithLogin, loginAs } from '../support/portal-login.mjs';
import {
  VAT_TESSITURE,
  person,
  dayUtc,
  get,
  postForm,
  apiCall,
  assertProblem,
  assertNoLeak,
  createDelegationPage,
  delegationIdsIn,
  delegationRow,
  revokeOpenDelegations,
  registerApp,
  tokenFor,
  htmlText,
} from './access-helpers.mjs';

let base;
const who = {};
const CITTADINO = person('cittadino');
const IMPRESA = person('impresa');
const PRO = person('professionista');
const OPERATORE = person('operatore');
const PARTIES = ['cittadino', 'impresa', 'professionista', 'operatore'];

/** "2026-12-27" -> "27/12/2026", as the pages show dates. */
const shown = (ymd) => `${ymd.slice(8, 10)}/${ymd.slice(5, 7)}/${ymd.slice(0, 4)}`;

/** The text of the success / error alert of a page ("" when none). */
const notice = (html) => htmlText((html.match(/alert-success"[^>]*><p class="mb-0">([^<]*)</) || [])[1] ?? '');
const errorAlert = (html) => htmlText((html.match(/alert-danger"[^>]*><p class="mb-0">([^<]*)</) || [])[1] ?? '');

/** Events of the "Cronologia" of a delegation row, in order. */
const historyOf = (row) => [...(row ?? '').matchAll(/<li>[^<]*?: ([^<]*)<\/li>/g)].map((m) => m[1]);

/** The status cell text of a delegation row. */
const statusOf = (row) => (row ?? '').match(/<td>([^<]*)<details/)?.[1] ?? null;

async function cleanAll() {
  for (const id of PARTIES) await revokeOpenDelegations(base, who[id]);
}

before(async () => {
  ({ base } = await startPortalWithLogin());
  for (const id of [...PARTIES, 'amministratore']) who[id] = await loginAs(id);
  await cleanAll();
}, { timeout: 300_000 });

after(async () => {
  try {
    if (base) await cleanAll();
  } finally {
    await stopPortalWithLogin();
  }
}, { timeout: 120_000 });

/** Each test leaves no open delegation behind, even when it fails half-way. */
const clean = (body) => async () => {
  try {
    await body();
  } finally {
    await cleanAll();
  }
};

// --- through the pages -------------------------------------------------------------------------

test('pages: create, accept with the code, act on behalf, see it, revoke', clean(async () => {
  const pro = await loginAs('professionista');
  const form = await get(base, '/area-personale/deleghe', who.cittadino);
  assert.equal(form.status, 200);
  assert.match(form.body, /<form method="post" action="\/area-personale\/deleghe"/);

  const created = await createDelegationPage(base, who.cittadino, {
    per_conto: 'persona',
    delegato: PRO.cf.toLowerCase(), // typed in lower case: normalised
    ambito: 'tutti',
    dal: dayUtc(0),
    al: dayUtc(30),
  });
  assert.equal(created.status, 200, errorAlert(created.body));
  assert.match(notice(created.body), /^Delega creata\./);
  assert.ok(created.code, 'the acceptance code is shown');
  assert.ok(created.id, 'the new delegation is listed');
  let row = delegationRow(created.body, created.id);
  assert.equal(statusOf(row), 'In attesa di accettazione');
  assert.ok(row.includes(PRO.cf), 'the row names the professional');
  assert.ok(row.includes('Tutti i servizi'));

  // Shown once: not on the next visit.
  const reload = await get(base, '/area-personale/deleghe', who.cittadino);
  assert.ok(!reload.body.includes(created.code), 'the acceptance code is shown again');

  // The professional accepts (case and dashes do not matter).
  const typed = created.code.toLowerCase().replace(/^(.{5})/, '$1-');
  const accepted = await postForm(base, '/area-personale/deleghe/accetta', pro, { codice: typed });
  assert.equal(accepted.status, 200, errorAlert(accepted.body));
  assert.equal(notice(accepted.body), `Delega accettata: ora puoi operare per conto di ${CITTADINO.name}.`);
  row = delegationRow(accepted.body, created.id);
  assert.equal(statusOf(row), 'Attiva');

  // The dashboard lists the client and offers to act for her.
  let dash = await get(base, '/area-personale', pro);
  assert.ok(dash.body.includes(`href="/area-personale/assistiti/${CITTADINO.cf}"`), 'client link');
  assert.ok(htmlText(dash.body).includes(`Opera per conto di ${CITTADINO.name}`), '"Opera per conto di" button');

  const act = await postForm(base, '/area-personale/per-conto-di', pro, { soggetto: CITTADINO.cf });
  assert.equal(act.status, 302);
  assert.equal(act.location, '/area-personale');
  dash = await get(base, '/area-personale', pro);
  assert.ok(htmlText(dash.body).includes(`per conto di ${CITTADINO.name}`), 'the dashboard says "per conto di"');
  const me = await apiCall(base, 'GET', '/api/v1/me', pro);
  assert.equal(me.json.acting_for, CITTADINO.cf);
  assert.equal((await get(base, `/area-personale/assistiti/${CITTADINO.cf}`, pro)).status, 200);
  // Back to acting for oneself.
  const stop = await postForm(base, '/area-personale/per-conto-di', pro, { soggetto: '' });
  assert.equal(stop.status, 302);
  dash = await get(base, '/area-personale', pro);
  assert.ok(!/Stai operando/.test(dash.body), 'still acting for after "Torna a operare per te"');

  // The cittadina sees who acted for her, with the professional's code masked.
  const hers = await get(base, '/area-personale', who.cittadino);
  const log = hers.body.match(/Chi ha operato per tuo conto<\/h2>([\s\S]*?)<\/section>/)[1];
  const masked = `${PRO.cf.slice(0, 6)}*****${PRO.cf.slice(11)}`;
  const entries = [...log.matchAll(/<tr><td>[^<]*<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => ({
    actor: m[1],
    action: htmlText(m[2]),
  }));
  for (const action of ["inizio dell'operatività per conto", "consultazione dell'area personale", "fine dell'operatività per conto"])
    assert.ok(entries.some((e) => e.actor === masked && e.action === action), `log entry "${action}" by ${masked}`);
  assert.ok(!log.includes(PRO.cf), "the log shows the professional's full fiscal code");

  // She revokes: the professional can no longer act for her.
  const revoked = await postForm(base, `/area-personale/deleghe/${created.id}/revoca`, who.cittadino, {});
  assert.equal(revoked.status, 200);
  assert.equal(notice(revoked.body), 'Delega revocata: non è più utilizzabile.');
  row = delegationRow(revoked.body, created.id);
  assert.equal(statusOf(row), 'Revocata');
  assert.deepEqual(historyOf(row), ['creata', 'accettata', 'revocata']);
  assert.ok(!row.includes('/revoca"'), 'a revoked delegation still offers "Revoca"');

  const denied = await postForm(base, '/area-personale/per-conto-di', pro, { soggetto: CITTADINO.cf });
  assert.ok([403, 404].includes(denied.status), `acting for after revocation: ${denied.status}`);
  assert.equal((await get(base, `/area-personale/assistiti/${CITTADINO.cf}`, pro)).status, 404);
  dash = await get(base, '/area-personale', pro);
  assert.ok(!dash.body.includes(`href="/area-personale/assistiti/${CITTADINO.cf}"`), 'revoked client still listed');
  const theirs = await get(base, '/area-personale/deleghe', pro);
  assert.deepEqual(historyOf(delegationRow(theirs.body, created.id)), ['creata', 'accettata', 'revocata'], "the professional's history");

  // Revoking twice: the delegation is over (409, Italian message).
  const twice = await postForm(base, `/area-personale/deleghe/${created.id}/revoca`, who.cittadino, {});
  assert.equal(twice.status, 409);
  assert.match(errorAlert(twice.body), /già conclusa/);
}));

test('pages: the validity shown is the one chosen (end date included)', clean(async () => {
  const from = dayUtc(2);
  const until = dayUtc(30);
  const created = await createDelegationPage(base, who.cittadino, { per_conto: 'persona', delegato: PRO.cf, ambito: 'tutti', dal: from, al: until });
  assert.equal(created.status, 200);
  const row = delegationRow(created.body, created.id);
  assert.ok(row.includes(`dal ${shown(from)} al ${shown(until)}`), `validity of the row: ${row.match(/dal [^<]*/)?.[0]}`);
  // The API says the same thing the RFC 3339 way: valid_until is exclusive (the day after).
  const list = await apiCall(base, 'GET', '/api/v1/delegations', who.cittadino);
  const d = list.json.granted.find((x) => x.id === created.id);
  assert.equal(d.valid_from, `${from}T00:00:00Z`);
  assert.equal(d.valid_until, `${dayUtc(31)}T00:00:00Z`);
}));

test('pages: a business delegates through its representative', clean(async () => {
  const created = await createDelegationPage(base, who.impresa, {
    per_conto: VAT_TESSITURE,
    delegato: PRO.cf,
    ambito: 'tutti',
    dal: dayUtc(0),
    al: dayUtc(90),
  });
  assert.equal(created.status, 200, errorAlert(created.body));
  assert.ok(created.code);
  assert.ok(delegationRow(created.body, created.id).includes('Tessiture Umbre S.r.l.'), 'granted for the business');
  const list = await apiCall(base, 'GET', '/api/v1/delegations', who.impresa);
  const d = list.json.granted.find((x) => x.id === created.id);
  assert.equal(d.grantor, VAT_TESSITURE);
  assert.equal(d.grantor_kind, 'impresa');
  assert.equal(d.grantor_name, 'Tessiture Umbre S.r.l.');

  const pro = await loginAs('professionista');
  const accepted = await postForm(base, '/area-personale/deleghe/accetta', pro, { codice: created.code });
  assert.equal(accepted.status, 200);
  assert.equal(notice(accepted.body), 'Delega accettata: ora puoi operare per conto di Tessiture Umbre S.r.l..');
  const dash = await get(base, '/area-personale', pro);
  assert.ok(dash.body.includes(`href="/area-personale/assistiti/${VAT_TESSITURE}"`), 'business client listed');
  const act = await postForm(base, '/area-personale/per-conto-di', pro, { soggetto: VAT_TESSITURE });
  assert.equal(act.status, 302);
  assert.ok(htmlText((await get(base, '/area-personale', pro)).body).includes('per conto di Tessiture Umbre S.r.l.'));

  // Someone who does not represent the business cannot delegate for it.
  const notTheirs = await postForm(base, '/area-personale/deleghe', who.cittadino, {
    per_conto: VAT_TESSITURE,
    delegato: PRO.cf,
    ambito: 'tutti',
    dal: dayUtc(0),
    al: dayUtc(10),
  });
  assert.equal(notTheirs.status, 403);
  assertNoLeak(notTheirs.body, ['Tessiture Umbre', IMPRESA.cf], 'granting for a business one does not represent');
}));

test('pages: a wrong or empty code is refused (422) and the delegation stays pending', clean(async () => {
  const created = await createDelegationPage(base, who.cittadino, { per_conto: 'persona', delegato: PRO.cf, ambito: 'tutti', dal: dayUtc(0), al: dayUtc(5) });
  assert.equal(created.status, 200);
  const wrongCode = created.code.startsWith('A') ? 'B' + created.code.slice(1) : 'A' + created.code.slice(1);
  const wrong = await postForm(base, '/area-personale/deleghe/accetta', who.professionista, { codice: wrongCode });
  assert.equal(wrong.status, 422);
  assert.equal(errorAlert(wrong.body), 'Il codice non corrisponde a nessuna delega in attesa per te.');
  const empty = await postForm(base, '/area-personale/deleghe/accetta', who.professionista, { codice: '' });
  assert.equal(empty.status, 422);
  assert.equal(errorAlert(empty.body), 'Inserisci il codice di accettazione ricevuto.');
  // The right code, by someone else (the code is for the professional only).
  const other = await postForm(base, '/area-personale/deleghe/accetta', who.impresa, { codice: created.code });
  assert.equal(other.status, 422);
  const page = await get(base, '/area-personale/deleghe', who.cittadino);
  assert.equal(statusOf(delegationRow(page.body, created.id)), 'In attesa di accettazione');
}));

test('pages: a non-intermediary (the operator) cannot accept a delegation addressed to her', clean(async () => {
  const created = await createDelegationPage(base, who.cittadino, { per_conto: 'persona', delegato: OPERATORE.cf, ambito: 'tutti', dal: dayUtc(0), al: dayUtc(5) });
  assert.equal(created.status, 200);
  const op = await loginAs('operatore');
  const page = await get(base, '/area-personale/deleghe', op);
  assert.ok(!page.body.includes('/area-personale/deleghe/accetta'), 'the acceptance form is offered to a non-intermediary');
  const refused = await postForm(base, '/area-personale/deleghe/accetta', op, { codice: created.code });
  assert.equal(refused.status, 403);
  const api = await apiCall(base, 'POST', '/api/v1/delegations/accept', op, { code: created.code });
  assertProblem(api, 403, 'operator accepting via API');
  const list = await apiCall(base, 'GET', '/api/v1/delegations', who.cittadino);
  assert.equal(list.json.granted.find((d) => d.id === created.id).status, 'in-attesa');
  assert.ok([403, 404].includes((await get(base, `/area-personale/assistiti/${CITTADINO.cf}`, op)).status));
}));

test('pages: a non-intermediary can decline a delegation addressed to her, with the buttons she is offered', clean(async () => {
  const op = await loginAs('operatore');
  for (const action of ['rifiuta', 'revoca']) {
    const created = await createDelegationPage(base, who.cittadino, { per_conto: 'persona', delegato: OPERATORE.cf, ambito: 'tutti', dal: dayUtc(0), al: dayUtc(5) });
    assert.equal(created.status, 200);
    const row = delegationRow((await get(base, '/area-personale/deleghe', op)).body, created.id);
    assert.ok(row, 'the delegation addressed to her is listed');
    if (!row.includes(`/area-personale/deleghe/${created.id}/${action}"`)) continue; // not offered: fine
    const a = await postForm(base, `/area-personale/deleghe/${created.id}/${action}`, op, {});
    assert.equal(a.status, 200, `the "${action}" button offered to a non-intermediary answers ${a.status}`);
  }
}));

test('pages: the professional rejects a pending delegation', clean(async () => {
  const created = await createDelegationPage(base, who.cittadino, { per_conto: 'persona', delegato: PRO.cf, ambito: 'tutti', dal: dayUtc(0), al: dayUtc(5) });
  assert.equal(created.status, 200);
  const pro = await loginAs('professionista');
  const offered = await get(base, '/area-personale/deleghe', pro);
  assert.ok(delegationRow(offered.body, created.id).includes(`/area-personale/deleghe/${created.id}/rifiuta`), '"Rifiuta" offered');
  // The grantor is not the one who rejects (she withdraws it with "Revoca"): 403, she knows it exists.
  assert.equal((await postForm(base, `/area-personale/deleghe/${created.id}/rifiuta`, who.cittadino, {})).status, 403);
  const rejected = await postForm(base, `/area-personale/deleghe/${created.id}/rifiuta`, pro, {});
  assert.equal(rejected.status, 200);
  assert.equal(notice(rejected.body), 'Delega rifiutata.');
  const row = delegationRow(rejected.body, created.id);
  assert.equal(statusOf(row), 'Rifiutata');
  assert.deepEqual(historyOf(row), ['creata', 'rifiutata']);
  const hers = await get(base, '/area-personale/deleghe', who.cittadino);
  assert.equal(statusOf(delegationRow(hers.body, created.id)), 'Rifiutata');
  // Over: neither the code nor a second rejection works.
  assert.equal((await postForm(base, '/area-personale/deleghe/accetta', pro, { codice: created.code })).status, 422);
  const again = await postForm(base, `/area-personale/deleghe/${created.id}/rifiuta`, pro, {});
  assert.equal(again.status, 409);
  assert.match(errorAlert(again.body), /in attesa/);
}));

test('pages: invalid delegations are answered 422 with an Italian message and not created', clean(async () => {
  const ok = { per_conto: 'persona', delegato: PRO.cf, ambito: 'tutti', dal: dayUtc(0), al: dayUtc(10) };
  const cases = [
    [{ delegato: 'RSSMRA85C52G478X' }, 'Il codice fiscale del professionista non è valido: controlla i 16 caratteri.'],
    [{ delegato: 'NONVALIDO' }, 'Il codice fiscale del professionista non è valido: controlla i 16 caratteri.'],
    [{ delegato: CITTADINO.cf }, 'Non puoi delegare te stesso.'],
    [{ dal: dayUtc(10), al: dayUtc(2) }, 'La data di fine non può precedere quella di inizio.'],
    [{ ambito: 'servizi', servizi: 'servizio-che-non-esiste' }, 'Uno dei servizi scelti non esiste.'],
    [{ ambito: 'servizi' }, 'Scegli almeno un servizio.'],
    [{ ambito: 'enti', enti: 'ente-che-non-esiste' }, 'Uno degli enti scelti non esiste.'],
    [{ ambito: 'qualcosa' }, "Scegli l'ambito della delega: tutti i servizi, alcuni servizi o alcuni enti."],
    [{ dal: '27/11/2026' }, 'Indica le date di inizio e di fine nel formato AAAA-MM-GG.'],
    [{ al: '2026-02-30' }, 'Indica le date di inizio e di fine nel formato AAAA-MM-GG.'],
    [{ al: dayUtc(6 * 366) }, 'Una delega può durare al massimo cinque anni.'],
    [{ dal: dayUtc(-20), al: dayUtc(-2) }, 'La delega terminerebbe nel passato.'],
  ];
  const before = new Set(delegationIdsIn((await get(base, '/area-personale/deleghe', who.cittadino)).body));
  for (const [change, message] of cases) {
    const a = await postForm(base, '/area-personale/deleghe', who.cittadino, { ...ok, ...change });
    assert.equal(a.status, 422, `${JSON.stringify(change)}: ${a.status}`);
    assert.equal(errorAlert(a.body), message, JSON.stringify(change));
    assert.ok(!/codice di accettazione:/.test(a.body), `${JSON.stringify(change)}: a code was shown`);
  }
  const afterIds = delegationIdsIn((await get(base, '/area-personale/deleghe', who.cittadino)).body);
  assert.deepEqual(afterIds.filter((id) => !before.has(id)), [], 'an invalid delegation was created');
}));

test('pages: writes without the CSRF token (or from another origin) are refused 403', clean(async () => {
  const fields = { per_conto: 'persona', delegato: PRO.cf, ambito: 'tutti', dal: dayUtc(0), al: dayUtc(10) };
  const before = new Set(delegationIdsIn((await get(base, '/area-personale/deleghe', who.cittadino)).body));
  const none = await postForm(base, '/area-personale/deleghe', who.cittadino, fields, { csrf: false });
  assert.equal(none.status, 403);
  const wrong = await postForm(base, '/area-personale/deleghe', who.cittadino, fields, { csrf: 'x'.repeat(43) });
  assert.equal(wrong.status, 403);
  const otherSession = await postForm(base, '/area-personale/deleghe', who.cittadino, fields, { csrf: who.impresa.csrf });
  assert.equal(otherSession.status, 403, "another session's token");
  const crossSite = await postForm(base, '/area-personale/deleghe', who.cittadino, fields, { headers: { origin: 'https://attacker.example' } });
  assert.equal(crossSite.status, 403, 'right token, foreign Origin');
  const notForm = await postForm(base, '/area-personale/deleghe', who.cittadino, fields, { headers: { 'content-type': 'text/plain' } });
  assert.equal(notForm.status, 400, 'not a form');
  const afterIds = delegationIdsIn((await get(base, '/area-personale/deleghe', who.cittadino)).body);
  assert.deepEqual(afterIds.filter((id) => !before.has(id)), [], 'a delegation was created without a valid token');

  // Accept and revoke need it too.
  const created = await createDelegationPage(base, who.cittadino, fields);
  assert.equal(created.status, 200);
  assert.equal((await postForm(base, '/area-personale/deleghe/accetta', who.professionista, { codice: created.code }, { csrf: false })).status, 403);
  assert.equal((await postForm(base, `/area-personale/deleghe/${created.id}/revoca`, who.cittadino, {}, { csrf: false })).status, 403);
  assert.equal((await postForm(base, '/area-personale/per-conto-di', who.professionista, { soggetto: CITTADINO.cf }, { csrf: false })).status, 403);
  const list = await apiCall(base, 'GET', '/api/v1/delegations', who.cittadino);
  assert.equal(list.json.granted.find((d) => d.id === created.id).status, 'in-attesa');
  // Without a session at all: 401.
  assert.equal((await postForm(base, '/area-personale/deleghe', null, fields, { csrf: false })).status, 401);
}));

// --- through the JSON API ------------------------------------------------------------------------

const apiBody = (extra = {}) => ({ delegate: PRO.cf, scope: 'tutti', valid_from: dayUtc(0), valid_until: dayUtc(30), ...extra });

test('API: create (201, code once), accept, list, renounce, reject', clean(async () => {
  const created = await apiCall(base, 'POST', '/api/v1/delegations', who.cittadino, apiBody());
  assert.equal(created.status, 201, created.body);
  assert.match(created.headers.get('content-type'), /^application\/json/);
  assert.match(created.headers.get('cache-control') || '', /no-store/);
  const d = created.json;
  assert.match(d.id, /^dlg-/);
  assert.equal(d.status, 'in-attesa');
  assert.equal(d.grantor, CITTADINO.cf);
  assert.equal(d.grantor_kind, 'persona');
  assert.equal(d.grantor_name, CITTADINO.name);
  assert.equal(d.delegate, PRO.cf);
  assert.equal(d.all_services, true);
  assert.equal(d.valid_from, `${dayUtc(0)}T00:00:00Z`);
  assert.equal(d.valid_until, `${dayUtc(31)}T00:00:00Z`, 'valid_until is exclusive: the day after the last one');
  assert.match(d.acceptance_code, /^[A-Z0-9]{6,32}$/);

  const mine = await apiCall(base, 'GET', '/api/v1/delegations', who.cittadino);
  const listed = mine.json.granted.find((x) => x.id === d.id);
  assert.ok(listed, 'listed among the granted ones');
  assert.equal(listed.acceptance_code, undefined, 'the code is shown only at creation');
  assert.ok(!mine.body.includes(d.acceptance_code));

  const accepted = await apiCall(base, 'POST', '/api/v1/delegations/accept', who.professionista, { code: d.acceptance_code });
  assert.equal(accepted.status, 200, accepted.body);
  assert.equal(accepted.json.status, 'attiva');
  assert.equal(accepted.json.id, d.id);
  const theirs = await apiCall(base, 'GET', '/api/v1/delegations', who.professionista);
  assert.equal(theirs.json.received.find((x) => x.id === d.id)?.status, 'attiva');
  assert.equal((await get(base, `/area-personale/assistiti/${CITTADINO.cf}`, await loginAs('professionista'))).status, 200);

  // The professional renounces (revoke by the delegate).
  const renounced = await apiCall(base, 'POST', `/api/v1/delegations/${d.id}/revoke`, who.professionista, {});
  assert.equal(renounced.status, 200);
  assert.equal(renounced.json.status, 'revocata');
  assert.equal((await get(base, `/area-personale/assistiti/${CITTADINO.cf}`, await loginAs('professionista'))).status, 404);
  const again = await apiCall(base, 'POST', `/api/v1/delegations/${d.id}/revoke`, who.cittadino, {});
  assertProblem(again, 409, 'revoking twice');
  assert.match(again.json.detail, /già conclusa/);

  // Reject.
  const second = await apiCall(base, 'POST', '/api/v1/delegations', who.cittadino, apiBody({ scope: 'enti', enti: ['comune-054039'] }));
  assert.equal(second.status, 201, second.body);
  assert.deepEqual(second.json.enti, ['comune-054039']);
  assert.equal(second.json.all_services, false);
  assertProblem(await apiCall(base, 'POST', `/api/v1/delegations/${second.json.id}/reject`, who.cittadino, {}), 403, 'the grantor rejecting');
  const rejected = await apiCall(base, 'POST', `/api/v1/delegations/${second.json.id}/reject`, who.professionista, {});
  assert.equal(rejected.status, 200);
  assert.equal(rejected.json.status, 'rifiutata');
  const reAccept = await apiCall(base, 'POST', '/api/v1/delegations/accept', who.professionista, { code: second.json.acceptance_code });
  assertProblem(reAccept, 422, 'accepting a rejected delegation');

  // For a business, by its representative.
  const biz = await apiCall(base, 'POST', '/api/v1/delegations', who.impresa, apiBody({ grantor: VAT_TESSITURE }));
  assert.equal(biz.status, 201, biz.body);
  assert.equal(biz.json.grantor, VAT_TESSITURE);
  assert.equal(biz.json.grantor_kind, 'impresa');
  assert.equal(biz.json.grantor_name, 'Tessiture Umbre S.r.l.');
  assertProblem(await apiCall(base, 'POST', '/api/v1/delegations', who.cittadino, apiBody({ grantor: VAT_TESSITURE })), 403, 'not the representative');
}));

test('API: 401 without a session, 403 for an application token or without X-CSRF-Token', clean(async () => {
  const anon = await apiCall(base, 'POST', '/api/v1/delegations', null, apiBody());
  assertProblem(anon, 401, 'no session');
  assert.match(anon.headers.get('www-authenticate') || '', /^Bearer /);
  assertProblem(await apiCall(base, 'GET', '/api/v1/delegations', null), 401, 'GET without a session');
  assertProblem(await apiCall(base, 'POST', '/api/v1/delegations/accept', null, { code: 'ABCDEFGHJK' }), 401, 'accept without a session');

  const reg = await registerApp(base, who.cittadino, { name: `Integrazione deleghe ${randomBytes(3).toString('hex')}`, scopes: ['catalogo:lettura', 'pratiche:lettura'] });
  assert.equal(reg.status, 200);
  const token = await tokenFor(base, reg.clientId, reg.secret);
  assertProblem(await apiCall(base, 'GET', '/api/v1/delegations', null, undefined, { bearer: token }), 403, 'application token, GET');
  assertProblem(await apiCall(base, 'POST', '/api/v1/delegations', null, apiBody(), { bearer: token }), 403, 'application token, POST');
  // A token next to a session cookie: the token decides (applications never manage delegations).
  assertProblem(await apiCall(base, 'POST', '/api/v1/delegations', who.cittadino, apiBody(), { bearer: token }), 403, 'token + cookie');

  assertProblem(await apiCall(base, 'POST', '/api/v1/delegations', who.cittadino, apiBody(), { csrf: false }), 403, 'no X-CSRF-Token');
  assertProblem(
    await apiCall(base, 'POST', '/api/v1/delegations', who.cittadino, apiBody(), { csrf: false, headers: { 'x-csrf-token': who.impresa.csrf } }),
    403,
    "another session's X-CSRF-Token",
  );
  assertProblem(
    await apiCall(base, 'POST', '/api/v1/delegations', who.cittadino, apiBody(), { headers: { origin: 'https://attacker.example' } }),
    403,
    'foreign Origin',
  );
  const list = await apiCall(base, 'GET', '/api/v1/delegations', who.cittadino);
  assert.ok(!list.json.granted.some((d) => d.status === 'in-attesa' && d.delegate === PRO.cf), 'a refused request created a delegation');
}));

test('API: 415, 400, 405, 404 and 422 answers are problem+json', clean(async () => {
  const c = who.cittadino;
  assertProblem(await apiCall(base, 'POST', '/api/v1/delegations', c, undefined, { raw: JSON.stringify(apiBody()), contentType: 'text/plain' }), 415, 'text/plain');
  assertProblem(
    await apiCall(base, 'POST', '/api/v1/delegations', c, undefined, { raw: 'delegate=x', contentType: 'application/x-www-form-urlencoded' }),
    415,
    'form body',
  );
  assertProblem(await apiCall(base, 'POST', '/api/v1/delegations', c, undefined, { raw: '{"delegate": ' }), 400, 'truncated JSON');
  assertProblem(await apiCall(base, 'POST', '/api/v1/delegations', c, undefined, { raw: '[1,2]' }), 400, 'JSON array');
  assertProblem(await apiCall(base, 'POST', '/api/v1/delegations', c, undefined, { raw: '' }), 400, 'empty body');
  const put = await apiCall(base, 'PUT', '/api/v1/delegations', c, apiBody());
  assertProblem(put, 405, 'PUT');
  assert.match(put.headers.get('allow') || '', /POST/);
  assertProblem(await apiCall(base, 'POST', '/api/v1/delegations/x/y/z', c, {}), 404, 'unknown operation');
  assertProblem(await apiCall(base, 'GET', '/api/v1/delegations?status=attiva', c), 400, 'unexpected query');

  const invalid = [
    [{ delegate: 'RSSMRA85C52G478X' }, /codice fiscale del professionista non è valido/],
    [{ delegate: CITTADINO.cf }, /Non puoi delegare te stesso/],
    [{ valid_from: dayUtc(10), valid_until: dayUtc(1) }, /data di fine non può precedere/],
    [{ scope: 'servizi', services: ['servizio-che-non-esiste'] }, /servizi scelti non esiste/],
    [{ scope: 'servizi', services: 'ru-albotutori' }, /elenchi/],
    [{ scope: 'enti', enti: [42] }, /elenchi/],
    [{ scope: undefined }, /ambito della delega/],
    [{ valid_until: '2026/12/31' }, /AAAA-MM-GG/],
    [{ valid_from: dayUtc(-20), valid_until: dayUtc(-3) }, /terminerebbe nel passato/],
  ];
  for (const [change, detail] of invalid) {
    const a = await apiCall(base, 'POST', '/api/v1/delegations', c, apiBody(change));
    assertProblem(a, 422, JSON.stringify(change));
    assert.match(a.json.detail, detail, JSON.stringify(change));
  }
  const badCode = await apiCall(base, 'POST', '/api/v1/delegations/accept', who.professionista, { code: 'ZZZZZZZZZZ' });
  assertProblem(badCode, 422, 'wrong code');
  assert.match(badCode.json.detail, /codice non corrisponde/);
  assertProblem(await apiCall(base, 'POST', '/api/v1/delegations/accept', who.professionista, {}), 422, 'no code');
  const list = await apiCall(base, 'GET', '/api/v1/delegations', c);
  assert.ok(!list.json.granted.some((d) => d.status === 'in-attesa' && d.delegate === PRO.cf), 'an invalid request created a delegation');
}));
