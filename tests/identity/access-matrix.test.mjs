// THE authorization matrix of Accesso Unico: every protected page and API resource, asked by
// nobody, by each of the six demo people and by an application token, with the expected
// answer of each cell (200, 302 to /accedi, 401, 403 or 404) and, for every denial, the check
// that the answer leaks nothing (no other person's fiscal code or name, no other ente's data,
// no other integrator's application). Then the cells that depend on state: delegations
// pending, active, scoped to one service, not yet valid, ending today, revoked; someone else's
// delegation; admin-only writes; a revoked application.
//
// Real portal + real OpenID provider (tests/support/portal-login.mjs). On PostgreSQL the
// database is shared with the other suites: nothing here assumes empty tables.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startPortalWithLogin, stopPortalWithLogin, loginAs } from '../support/portal-login.mjs';
import {
  PEOPLE,
  PERUGIA_ID,
  TERNI_ID,
  VAT_TESSITURE,
  person,
  dayUtc,
  get,
  getBearer,
  postForm,
  apiCall,
  assertProblem,
  assertLoginRedirect,
  assertNoLeak,
  othersSecrets,
  createDelegationPage,
  revokeOpenDelegations,
  enteSlug,
  registerApp,
  tokenFor,
  htmlText,
} from './access-helpers.mjs';

let base;
const who = {}; // person id -> loginAs() result
let perugia, terni; // ente slugs
let app; // { clientId, secret, name, description, token }: an application of the cittadino
const tag = randomBytes(4).toString('hex');

const CITTADINO = person('cittadino');
const IMPRESA = person('impresa');
const PRO = person('professionista');

before(async () => {
  ({ base } = await startPortalWithLogin());
  for (const id of PEOPLE) who[id] = await loginAs(id);
  perugia = await enteSlug(base, PERUGIA_ID);
  terni = await enteSlug(base, TERNI_ID);
  // A shared database may hold open delegations of other suites: start from none.
  for (const id of ['cittadino', 'impresa', 'professionista', 'operatore']) await revokeOpenDelegations(base, who[id]);
  const name = `Gestionale riservato ${tag}`;
  const description = `Descrizione riservata ${tag}`;
  const reg = await registerApp(base, who.cittadino, { name, description, scopes: ['catalogo:lettura'] });
  assert.equal(reg.status, 200, `registration: ${reg.status} ${reg.body.slice(0, 300)}`);
  assert.ok(reg.clientId && reg.secret, 'client id and secret shown after registration');
  app = { ...reg, name, description, token: await tokenFor(base, reg.clientId, reg.secret) };
}, { timeout: 300_000 });

after(async () => {
  try {
    if (base) for (const id of ['cittadino', 'impresa', 'professionista', 'operatore']) if (who[id]) await revokeOpenDelegations(base, who[id]);
  } finally {
    await stopPortalWithLogin();
  }
}, { timeout: 120_000 });

// --- the static matrix ------------------------------------------------------------------------

const ALL = Object.fromEntries(PEOPLE.map((id) => [id, 200]));
const only = (allowed, denied) => Object.fromEntries(PEOPLE.map((id) => [id, allowed.includes(id) ? 200 : denied]));

/**
 * Rows of the matrix: path, expected status per person, what a 200 must show, and what a
 * denial must not show (on top of the other people's fiscal codes and names).
 */
function pageRows() {
  return [
    { path: '/area-personale', expect: ALL, shows: (id) => [person(id).cf] },
    { path: '/area-personale/deleghe', expect: ALL, shows: () => ['<h1>Deleghe</h1>'] },
    {
      path: '/area-personale/redazione',
      expect: only(['redattore', 'amministratore'], 403),
      shows: () => ['<h1>Redazione</h1>'],
      secret: ['Completezza delle schede', '<h1>Redazione'],
    },
    {
      path: '/area-personale/amministrazione',
      expect: only(['amministratore'], 403),
      shows: () => ['<h1>Amministrazione</h1>', app.clientId],
      secret: ['Ruoli assegnati', '<h1>Amministrazione', app.clientId],
    },
    {
      path: `/area-personale/enti/${perugia}`,
      expect: only(['operatore', 'amministratore'], 403),
      shows: () => ['<h1>Perugia</h1>', 'Servizi offerti ai cittadini'],
      secret: ['<h1>Perugia', 'Servizi offerti ai cittadini'],
    },
    {
      path: `/area-personale/enti/${terni}`,
      expect: only(['amministratore'], 403),
      shows: () => ['<h1>Terni</h1>', 'Servizi offerti ai cittadini'],
      secret: ['<h1>Terni', 'Servizi offerti ai cittadini'],
    },
    {
      // Nobody has a delegation from the cittadina yet. Not even she herself has an
      // "assistito" page: it is the professional's view of a client (and it records an access
      // "on her behalf").
      path: `/area-personale/assistiti/${CITTADINO.cf}`,
      expect: only([], 404),
      secret: [CITTADINO.cf, CITTADINO.name, 'Deleghe ricevute da'],
    },
    {
      path: `/area-personale/assistiti/${IMPRESA.cf}`,
      expect: only([], 404),
      secret: [IMPRESA.cf, IMPRESA.name, 'Deleghe ricevute da'],
    },
    {
      path: `/sviluppatori/applicazioni/${app.clientId}`,
      expect: only(['cittadino', 'amministratore'], 404),
      shows: () => [app.clientId, app.name],
      secret: [app.clientId, app.name, app.description],
    },
  ];
}

/** Checks one cell; returns a description of what is wrong, or null. */
function checkCell(row, viewer, a) {
  const want = row.expect[viewer];
  if (a.status !== want) return `${viewer} GET ${row.path}: expected ${want}, got ${a.status}`;
  if (want === 200) {
    for (const s of row.shows?.(viewer) ?? []) if (!a.body.includes(s)) return `${viewer} GET ${row.path}: 200 without "${s}"`;
    return null;
  }
  const secrets = [...othersSecrets(viewer), ...(row.secret ?? [])];
  const text = htmlText(a.body);
  for (const s of secrets) {
    // The viewer's own name and code may appear (the header greets them); nobody else's.
    if (s === person(viewer).cf || s === person(viewer).name) continue;
    if (text.includes(s)) return `${viewer} GET ${row.path}: the ${a.status} answer leaks "${s}"`;
  }
  if (!a.body.includes(`Codice errore: ${want}`)) return `${viewer} GET ${row.path}: not the ${want} error page`;
  if (!/no-store/.test(a.headers.get('cache-control') || '')) return `${viewer} GET ${row.path}: denial without Cache-Control no-store`;
  return null;
}

test('pages: nobody (and an application token, which pages ignore) is sent to /accedi', async () => {
  for (const row of pageRows()) {
    assertLoginRedirect(await get(base, row.path), row.path, `anonymous ${row.path}`);
    const withToken = await getBearer(base, row.path, app.token);
    assertLoginRedirect(withToken, row.path, `application token ${row.path}`);
  }
});

test('pages: the matrix of the six demo people', async (t) => {
  const problems = [];
  const grid = [['', ...PEOPLE].join(' | ')];
  for (const row of pageRows()) {
    const seen = [];
    for (const viewer of PEOPLE) {
      const a = await get(base, row.path, who[viewer]);
      seen.push(a.status === row.expect[viewer] ? String(a.status) : `${a.status}≠${row.expect[viewer]}`);
      const wrong = checkCell(row, viewer, a);
      if (wrong) problems.push(wrong);
    }
    const label = row.path.replace(CITTADINO.cf, '<CF cittadino>').replace(IMPRESA.cf, '<CF impresa>').replace(app.clientId, '<client id>');
    grid.push([label, ...seen].join(' | '));
  }
  for (const line of grid) t.diagnostic(line);
  assert.deepEqual(problems, [], 'cells of the matrix that do not hold');
});

test('pages: an ente that does not exist is 404 for everybody, the operator included', async () => {
  for (const viewer of ['operatore', 'amministratore', 'cittadino']) {
    const a = await get(base, '/area-personale/enti/ente-che-non-esiste', who[viewer]);
    assert.equal(a.status, 404, viewer);
  }
});

test('API: /api/v1/me and /api/v1/delegations for nobody, each person and an application', async () => {
  for (const path of ['/api/v1/me', '/api/v1/delegations']) {
    const anon = await apiCall(base, 'GET', path);
    assertProblem(anon, 401, `anonymous ${path}`);
    assert.match(anon.headers.get('www-authenticate') || '', /^Bearer /, `anonymous ${path}: WWW-Authenticate`);
  }
  const meApp = await getBearer(base, '/api/v1/me', app.token);
  assert.equal(meApp.status, 200, meApp.body);
  const meAppJson = JSON.parse(meApp.body);
  assert.equal(meAppJson.kind, 'application');
  assert.equal(meAppJson.client_id, app.clientId);
  assertNoLeak(meApp.body, othersSecrets(null), 'application /api/v1/me');
  assert.ok(meApp.headers.get('x-ratelimit-limit'), 'a token-authenticated answer carries X-RateLimit-Limit');

  const delApp = await apiCall(base, 'GET', '/api/v1/delegations', null, undefined, { bearer: app.token });
  assertProblem(delApp, 403, 'application /api/v1/delegations');
  const postApp = await apiCall(base, 'POST', '/api/v1/delegations', null, { delegate: PRO.cf, scope: 'tutti' }, { bearer: app.token });
  assertProblem(postApp, 403, 'application POST /api/v1/delegations');

  for (const viewer of PEOPLE) {
    const me = await apiCall(base, 'GET', '/api/v1/me', who[viewer]);
    assert.equal(me.status, 200, `${viewer} /api/v1/me`);
    assert.equal(me.json.kind, 'person');
    assert.equal(me.json.fiscal_code, person(viewer).cf, `${viewer} sees their own code`);
    assertNoLeak(me.body, othersSecrets(viewer), `${viewer} /api/v1/me`);
    assert.equal(me.headers.get('x-ratelimit-limit'), null, 'no rate-limit headers for a browser session');
    const list = await apiCall(base, 'GET', '/api/v1/delegations', who[viewer]);
    assert.equal(list.status, 200, `${viewer} /api/v1/delegations`);
    assert.ok(Array.isArray(list.json.granted) && Array.isArray(list.json.received));
    const mine = new Set([person(viewer).cf, ...(viewer === 'impresa' ? [VAT_TESSITURE] : [])]);
    for (const d of list.json.granted) assert.ok(mine.has(d.grantor), `${viewer} lists a delegation granted by ${d.grantor}`);
    for (const d of list.json.received) assert.equal(d.delegate, person(viewer).cf, `${viewer} lists a delegation received by someone else`);
  }
});

test('admin endpoints: non-admins get 403 and change nothing; nobody gets 401', async () => {
  const posts = [
    ['/area-personale/amministrazione/ruoli', (viewer) => ({ codice_fiscale: person(viewer).cf, ruolo: 'amministratore', ambito: '', etichetta: '' })],
    ['/area-personale/amministrazione/revoca-ruolo', () => ({ codice_fiscale: PRO.cf, ruolo: 'intermediario', ambito: '' })],
    [`/area-personale/amministrazione/applicazioni/${app.clientId}/revoca`, () => ({})],
  ];
  for (const [path, fields] of posts) {
    const anon = await postForm(base, path, null, fields('cittadino'), { csrf: false });
    assert.equal(anon.status, 401, `anonymous POST ${path}`);
    const withToken = await postForm(base, path, null, fields('cittadino'), { csrf: false, headers: { authorization: `Bearer ${app.token}` } });
    assert.equal(withToken.status, 401, `application token POST ${path}`);
    for (const viewer of PEOPLE.filter((id) => id !== 'amministratore')) {
      const a = await postForm(base, path, who[viewer], fields(viewer));
      assert.equal(a.status, 403, `${viewer} POST ${path}: ${a.status}`);
      assertNoLeak(a.body, [...othersSecrets(viewer), app.clientId, 'Ruoli assegnati'], `${viewer} POST ${path}`);
    }
  }
  // Nothing changed: nobody became administrator, the professional is still an intermediary,
  // the application still works.
  for (const viewer of PEOPLE.filter((id) => id !== 'amministratore')) {
    const fresh = await loginAs(viewer);
    const me = await apiCall(base, 'GET', '/api/v1/me', fresh);
    assert.ok(!me.json.roles.includes('amministratore'), `${viewer} became administrator`);
    assert.equal((await get(base, '/area-personale/amministrazione', fresh)).status, 403, `${viewer} reaches the admin page`);
  }
  const pro = await apiCall(base, 'GET', '/api/v1/me', await loginAs('professionista'));
  assert.ok(pro.json.roles.includes('intermediario'), 'the professional lost the intermediary role');
  assert.equal((await getBearer(base, '/api/v1/me', app.token)).status, 200, 'the application was revoked by a non-admin');
});

test("someone else's delegation: revoke and reject through page and API are 404 and leak nothing", async () => {
  // The business grants the professional; the professional accepts.
  const created = await createDelegationPage(base, who.impresa, {
    per_conto: VAT_TESSITURE,
    delegato: PRO.cf,
    ambito: 'tutti',
    dal: dayUtc(0),
    al: dayUtc(60),
  });
  assert.equal(created.status, 200, created.body.slice(0, 300));
  assert.ok(created.code && created.id, 'code and id of the new delegation');
  const acc = await postForm(base, '/area-personale/deleghe/accetta', who.professionista, { codice: created.code });
  assert.equal(acc.status, 200);

  const secrets = [IMPRESA.cf, IMPRESA.name, 'Tessiture Umbre', VAT_TESSITURE, PRO.cf, PRO.name];
  for (const viewer of ['cittadino', 'operatore', 'redattore', 'amministratore']) {
    for (const op of ['revoca', 'rifiuta']) {
      const a = await postForm(base, `/area-personale/deleghe/${created.id}/${op}`, who[viewer], {});
      assert.equal(a.status, 404, `${viewer} ${op} via page: ${a.status}`);
      assertNoLeak(a.body, secrets, `${viewer} ${op} via page`);
    }
    for (const op of ['revoke', 'reject']) {
      const a = await apiCall(base, 'POST', `/api/v1/delegations/${created.id}/${op}`, who[viewer], {});
      assertProblem(a, 404, `${viewer} ${op} via API`);
      assertNoLeak(a.body, secrets, `${viewer} ${op} via API`);
    }
    // Not in their lists either.
    const list = await apiCall(base, 'GET', '/api/v1/delegations', who[viewer]);
    assert.ok(!list.body.includes(created.id), `${viewer} lists the business's delegation`);
    const page = await get(base, '/area-personale/deleghe', who[viewer]);
    assert.ok(!page.body.includes(created.id), `${viewer}'s delegations page shows the business's delegation`);
    assert.ok(!page.body.includes('Tessiture Umbre'), `${viewer}'s delegations page names the business`);
  }
  // A delegation that does not exist: 404 as well (the same answer: existence does not leak).
  const none = await apiCall(base, 'POST', '/api/v1/delegations/dlg-non-esiste/revoke', who.cittadino, {});
  assertProblem(none, 404, 'unknown delegation');
  assert.equal((await postForm(base, '/area-personale/deleghe/dlg-non-esiste/revoca', who.cittadino, {})).status, 404);

  // Still active for its parties.
  const mine = await apiCall(base, 'GET', '/api/v1/delegations', who.impresa);
  assert.equal(mine.json.granted.find((d) => d.id === created.id)?.status, 'attiva');

  // Data of the business: its representative and its professional only.
  const fresh = await loginAs('professionista');
  assert.equal((await get(base, `/area-personale/assistiti/${VAT_TESSITURE}`, fresh)).status, 200, 'professional, business client');
  // The delegation is the business's, not the person's: the representative's own data stay closed.
  assert.equal((await get(base, `/area-personale/assistiti/${IMPRESA.cf}`, fresh)).status, 404, 'professional, the representative as a person');
  for (const viewer of ['cittadino', 'operatore', 'redattore', 'amministratore']) {
    const a = await get(base, `/area-personale/assistiti/${VAT_TESSITURE}`, who[viewer]);
    assert.equal(a.status, 404, `${viewer}, business client`);
    assertNoLeak(a.body, secrets, `${viewer}, business client`);
  }
  const rv = await apiCall(base, 'POST', `/api/v1/delegations/${created.id}/revoke`, who.impresa, {});
  assert.equal(rv.status, 200);
});

/** Creates (page) and accepts (page) a delegation of the cittadina to the professional. */
async function activeDelegation(fields) {
  const created = await createDelegationPage(base, who.cittadino, { per_conto: 'persona', delegato: PRO.cf, ...fields });
  assert.equal(created.status, 200, `creation: ${created.status} ${htmlText(created.body).match(/alert-danger[\s\S]{0,200}/)?.[0]}`);
  assert.ok(created.code, 'acceptance code shown');
  const acc = await postForm(base, '/area-personale/deleghe/accetta', who.professionista, { codice: created.code });
  assert.equal(acc.status, 200, `acceptance: ${acc.status}`);
  return created.id;
}

async function revokeAsGrantor(id) {
  const a = await postForm(base, `/area-personale/deleghe/${id}/revoca`, who.cittadino, {});
  assert.equal(a.status, 200, `revoke ${id}: ${a.status}`);
}

const CLIENT = `/area-personale/assistiti/${CITTADINO.cf}`;
const CLIENT_SECRETS = [CITTADINO.cf, CITTADINO.name, 'Deleghe ricevute da'];
const actForCittadina = () => postForm(base, '/area-personale/per-conto-di', who.professionista, { soggetto: CITTADINO.cf });

async function assertOthersClosed(when) {
  for (const viewer of ['impresa', 'operatore', 'redattore', 'amministratore']) {
    const a = await get(base, CLIENT, who[viewer]);
    assert.equal(a.status, 404, `${viewer} ${when}: ${a.status}`);
    assertNoLeak(a.body, CLIENT_SECRETS, `${viewer} ${when}`);
  }
}

/** Runs `body`, then revokes whatever the cittadina left open (even when an assertion failed). */
async function withCleanup(body) {
  try {
    await body();
  } finally {
    await revokeOpenDelegations(base, who.cittadino);
  }
}

test('client page of the cittadina: pending no, active yes (professional only), revoked no', () =>
  withCleanup(async () => {
    const pending = await createDelegationPage(base, who.cittadino, { per_conto: 'persona', delegato: PRO.cf, ambito: 'tutti', dal: dayUtc(0), al: dayUtc(30) });
    assert.equal(pending.status, 200);
    let a = await get(base, CLIENT, who.professionista);
    assert.equal(a.status, 404, 'pending delegation');
    assertNoLeak(a.body, CLIENT_SECRETS, 'pending delegation');
    assert.ok([403, 404].includes((await actForCittadina()).status), 'acting for with a pending delegation');
    await assertOthersClosed('while the delegation is pending');

    assert.equal((await postForm(base, '/area-personale/deleghe/accetta', who.professionista, { codice: pending.code })).status, 200);
    a = await get(base, CLIENT, who.professionista);
    assert.equal(a.status, 200, 'active delegation');
    assert.ok(a.body.includes(CITTADINO.name), 'the client page names the client');
    await assertOthersClosed('while the professional has an active delegation');
    assert.equal((await actForCittadina()).status, 302, 'acting for with an active delegation');

    await revokeAsGrantor(pending.id);
    a = await get(base, CLIENT, who.professionista);
    assert.equal(a.status, 404, 'revoked delegation');
    assertNoLeak(a.body, CLIENT_SECRETS, 'revoked delegation');
    const again = await actForCittadina();
    assert.ok([403, 404].includes(again.status), `acting for after revocation: ${again.status}`);
    assertNoLeak(again.body, CLIENT_SECRETS, 'acting for after revocation');
    await assertOthersClosed('after revocation');
  }));

test('a revoked delegation also ends the "per conto di" of the session that was using it', () =>
  withCleanup(async () => {
    const pro = await loginAs('professionista');
    const id = await activeDelegation({ ambito: 'tutti', dal: dayUtc(0), al: dayUtc(30) });
    assert.equal((await postForm(base, '/area-personale/per-conto-di', pro, { soggetto: CITTADINO.cf })).status, 302);
    const acting = await get(base, '/area-personale', pro);
    assert.match(htmlText(acting.body), /per conto di Maria Rossi/);
    await revokeAsGrantor(id);
    const dash = await get(base, '/area-personale', pro);
    assert.equal(dash.status, 200);
    assert.ok(!/Stai operando/.test(dash.body), 'the dashboard still says "Stai operando per conto di" after the revocation');
    assert.ok(!dash.body.includes(CITTADINO.cf), "the professional's dashboard shows the former client's full fiscal code");
    const me = await apiCall(base, 'GET', '/api/v1/me', pro);
    assert.equal(me.json.acting_for, undefined, '/api/v1/me still reports acting_for after the revocation');
  }));

test('client page with a delegation scoped to one service: visible to the professional, with that scope', () =>
  withCleanup(async () => {
    // Reading the client's page needs any delegation in force; the page shows its scope.
    const servicesPage = await get(base, '/area-personale/deleghe', who.cittadino);
    const select = servicesPage.body.match(/<select[^>]*id="servizi"[\s\S]*?<\/select>/)[0];
    const [, serviceId, serviceTitle] = select.match(/<option value="([^"]+)">([^<]+)<\/option>/);
    const scoped = await activeDelegation({ ambito: 'servizi', servizi: serviceId, dal: dayUtc(0), al: dayUtc(10) });
    const a = await get(base, CLIENT, who.professionista);
    assert.equal(a.status, 200, 'delegation scoped to one service');
    // The page lists this professional's delegations from the client, earlier ones included.
    const rows = [...a.body.matchAll(/<tr><td>([^<]*)<\/td><td>dal [^<]*<\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => ({
      scope: htmlText(m[1]),
      status: m[2],
    }));
    const active = rows.filter((r) => r.status === 'Attiva');
    assert.deepEqual(active, [{ scope: htmlText(serviceTitle), status: 'Attiva' }], 'the one active delegation, with its service');
    await assertOthersClosed('with a scoped delegation');
    await revokeAsGrantor(scoped);
    assert.equal((await get(base, CLIENT, who.professionista)).status, 404, 'scoped delegation revoked');
  }));

test('validity window: starting tomorrow is not in force, ended is refused, ending today is in force', () =>
  withCleanup(async () => {
    const future = await activeDelegation({ ambito: 'tutti', dal: dayUtc(1), al: dayUtc(20) });
    const a = await get(base, CLIENT, who.professionista);
    assert.equal(a.status, 404, 'delegation starting tomorrow');
    assertNoLeak(a.body, CLIENT_SECRETS, 'delegation starting tomorrow');
    assert.ok([403, 404].includes((await actForCittadina()).status), 'acting for with a delegation starting tomorrow');
    const dash = await get(base, '/area-personale', await loginAs('professionista'));
    assert.ok(!dash.body.includes(`/area-personale/assistiti/${CITTADINO.cf}`), 'a not-yet-valid delegation listed among the clients');
    await revokeAsGrantor(future);

    // An already expired delegation cannot be created (both dates in the past)...
    const expired = await postForm(base, '/area-personale/deleghe', who.cittadino, {
      per_conto: 'persona',
      delegato: PRO.cf,
      ambito: 'tutti',
      dal: dayUtc(-30),
      al: dayUtc(-1),
    });
    assert.equal(expired.status, 422, 'a delegation ending yesterday');
    assert.match(htmlText(expired.body), /terminerebbe nel passato/);
    // ...one ending today is in force until the end of the day.
    const today = await activeDelegation({ ambito: 'tutti', dal: dayUtc(-5), al: dayUtc(0) });
    assert.equal((await get(base, CLIENT, who.professionista)).status, 200, 'delegation ending today');
    await revokeAsGrantor(today);
    assert.equal((await get(base, CLIENT, who.professionista)).status, 404, 'delegation ending today, revoked');
  }));

test('acting for: nobody acts for the cittadina without a delegation, and nobody "acts for" themselves', async () => {
  for (const viewer of PEOPLE.filter((id) => id !== 'cittadino')) {
    const fresh = await loginAs(viewer); // a session that never acted for anybody
    const a = await postForm(base, '/area-personale/per-conto-di', fresh, { soggetto: CITTADINO.cf });
    assert.ok([403, 404].includes(a.status), `${viewer} acting for the cittadina: ${a.status}`);
    assertNoLeak(a.body, CLIENT_SECRETS, `${viewer} acting for the cittadina`);
    const me = await apiCall(base, 'GET', '/api/v1/me', fresh);
    assert.equal(me.json.acting_for, undefined, `${viewer} acts for someone after a refusal`);
  }
  assert.equal((await postForm(base, '/area-personale/per-conto-di', null, { soggetto: CITTADINO.cf }, { csrf: false })).status, 401);
  // Choosing oneself is not acting on someone's behalf: no "per conto di" banner, no acting_for.
  for (const viewer of ['cittadino', 'professionista']) {
    const self = await loginAs(viewer);
    const a = await postForm(base, '/area-personale/per-conto-di', self, { soggetto: person(viewer).cf });
    assert.ok(a.status < 500, `${viewer} acting for themselves: ${a.status}`);
    const dash = await get(base, '/area-personale', self);
    assert.ok(!/Stai operando/.test(dash.body), `${viewer} is shown as acting on their own behalf`);
    const me = await apiCall(base, 'GET', '/api/v1/me', self);
    assert.equal(me.json.acting_for, undefined, `${viewer}: acting_for = themselves`);
  }
});

test('a revoked application: its token is refused at once (401), its page says so', async () => {
  const name = `Applicazione da revocare ${tag}`;
  const reg = await registerApp(base, who.impresa, { name, scopes: ['catalogo:lettura'] });
  assert.equal(reg.status, 200);
  const token = await tokenFor(base, reg.clientId, reg.secret);
  assert.equal((await getBearer(base, '/api/v1/services', token)).status, 200);
  // The owner's page is the owner's (and the administrator's) only.
  for (const viewer of ['cittadino', 'professionista', 'operatore', 'redattore']) {
    const a = await get(base, `/sviluppatori/applicazioni/${reg.clientId}`, who[viewer]);
    assert.equal(a.status, 404, viewer);
    assertNoLeak(a.body, [reg.clientId, name, IMPRESA.cf, IMPRESA.name], viewer);
    const rv = await postForm(base, `/sviluppatori/applicazioni/${reg.clientId}/revoca`, who[viewer], {});
    assert.equal(rv.status, 404, `${viewer} revoking someone else's application`);
    const rot = await postForm(base, `/sviluppatori/applicazioni/${reg.clientId}/ruota-segreto`, who[viewer], {});
    assert.equal(rot.status, 404, `${viewer} rotating someone else's secret`);
    assert.ok(!/data-testid="client-secret"/.test(rot.body), `${viewer} got a secret of someone else's application`);
  }
  assert.equal((await getBearer(base, '/api/v1/services', token)).status, 200, 'still active after the refused attempts');
  const adminPage = await get(base, '/area-personale/amministrazione', who.amministratore);
  assert.ok(adminPage.body.includes(reg.clientId), 'the administrator lists every application');
  const revoked = await postForm(base, `/area-personale/amministrazione/applicazioni/${reg.clientId}/revoca`, who.amministratore, {});
  assert.equal(revoked.status, 200);
  const after = await getBearer(base, '/api/v1/services', token);
  assertProblem({ ...after, json: JSON.parse(after.body) }, 401, 'token of a revoked application');
  assert.match(after.headers.get('www-authenticate') || '', /Bearer .*error="invalid_token"/);
  assert.equal((await getBearer(base, '/api/v1/me', token)).status, 401);
  const page = await get(base, `/sviluppatori/applicazioni/${reg.clientId}`, who.impresa);
  assert.equal(page.status, 200);
  assert.match(page.body, /<dt>Stato<\/dt><dd>revocata<\/dd>/);
});
