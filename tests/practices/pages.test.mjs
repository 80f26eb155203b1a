// The practices pages of the personal area (src/portal/practice_pages.h), with real HTTP and
// Chromium: a back office of the Comune di Perugia, registered through the CLI with a key of
// modi-client.mjs and the VBG state table, pushes the simulator's life cycle for the demo
// cittadina with ModI-signed requests; the pages show it step by step ("Le mie pratiche", the
// detail with requests, deadline, timeline and documents, "Chi ha consultato i miei dati"), the
// operator's ente list asks a reason before opening a practice, strangers get 404, anonymous
// visitors go to /accedi, malformed input gets an Italian 4xx page. axe-core on every page.
//
//   AU_BINARY=$PWD/build/accesso-unico node --test tests/practices/pages.test.mjs
//
// On PostgreSQL (AU_TEST_DATABASE_URL) the database is shared with other suites: the client id
// and the reference carry a random tag and nothing assumes empty tables.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { launchBrowser, repoRoot } from '../browser/harness.mjs';
import { startPortalWithLogin, stopPortalWithLogin, loginAs, fiscalCodeOf } from '../support/portal-login.mjs';
import { generateKey, saveKey, InteropClient, practiceEvent } from '../../tools/backoffice-simulator/modi-client.mjs';
import { lifecycleSteps } from '../../tools/backoffice-simulator/simulator.mjs';
import { enteSlug } from '../identity/access-helpers.mjs';

const PERUGIA = 'comune-054039';
const TERNI = 'comune-055032';
const MAPPING = path.join(repoRoot, 'data', 'demo', 'backoffice', 'vbg-perugia-stati.json');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const tag = randomBytes(4).toString('hex');
const clientId = `pages-vbg-${tag}`;
const clientName = `Back office VBG di Perugia ${tag}`;
const reference = `VBG-PAGES-${tag}`;
const CF = fiscalCodeOf('cittadino');
const MONTHS = ['gennaio', 'febbraio', 'marzo', 'aprile', 'maggio', 'giugno', 'luglio', 'agosto', 'settembre',
  'ottobre', 'novembre', 'dicembre'];

let base;
let keysDir;
let client;
let browser;
let practiceId;
let perugia, terni; // ente slugs
const who = {};
const steps = lifecycleSteps(reference); // times fixed once, relative to now
let sent = 0;

/** "2026-11-27" -> "27 novembre 2026", as the pages write dates. */
const itDate = (iso) => `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
const isoDay = (d) => d.toISOString().slice(0, 10);
/** The few entities the templates produce, decoded; tags kept. */
const decode = (s) => s.replace(/&#39;|&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
/** Visible text of some HTML, whitespace collapsed. */
const textOf = (html) => decode(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();

async function page(path, as, { method = 'GET' } = {}) {
  const headers = as ? { cookie: as.cookie } : {};
  const res = await fetch(base + path, { method, headers, redirect: 'manual', signal: AbortSignal.timeout(60_000) });
  const body = await res.text();
  return { status: res.status, headers: res.headers, body, text: textOf(body), location: res.headers.get('location') };
}

async function ok(path, as) {
  const r = await page(path, as);
  assert.equal(r.status, 200, `GET ${path}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.match(r.headers.get('cache-control') ?? '', /\bno-store\b/, `${path}: Cache-Control`);
  return r;
}

/** The citizen's own JSON view of the practice (the API the pages mirror). */
async function apiDetail() {
  const res = await fetch(`${base}/api/v1/practices/${practiceId}`, { headers: { cookie: who.cittadino.cookie } });
  assert.equal(res.status, 200);
  return res.json();
}

/** The card of our practice in "Le mie pratiche" (its <li>), as text. */
function cardOf(html) {
  const start = html.indexOf(`id="pratica-${practiceId}"`);
  assert.ok(start > 0, `practice ${practiceId} listed`);
  return textOf(html.slice(start, html.indexOf('</li>', start)));
}

async function sendStep(step) {
  const e = practiceEvent({ source: `urn:vbg:perugia:${clientId}`, id: `${reference}-${++sent}`, type: step.type,
    subject: reference, time: step.at.toISOString(), data: step.data });
  const r = await client.send(e);
  assert.equal(r.status, 200, `${step.label}: ${r.status} ${r.text}`);
}

const stepNamed = (type) => steps.find((s) => s.type === type);

before(async () => {
  keysDir = mkdtempSync(path.join(os.tmpdir(), 'au-pages-keys-'));
  const key = generateKey('ES256');
  const { jwksFile } = saveKey(keysDir, clientId, key);
  ({ base } = await startPortalWithLogin({
    setup: (run, db) => run(['--database', db, 'backoffice', 'register', '--client-id', clientId, '--ente', PERUGIA,
      '--system', 'VBG', '--name', clientName, '--keys', jwksFile, '--mapping', MAPPING]),
  }));
  perugia = await enteSlug(base, PERUGIA);
  terni = await enteSlug(base, TERNI);
  client = new InteropClient({ base, clientId, privateJwk: key.privateJwk });
  for (const id of ['cittadino', 'operatore', 'impresa']) who[id] = await loginAs(id);
  const opened = await client.open({
    service: 'passo-carrabile',
    reference,
    title: 'Autorizzazione passo carrabile - Via dei Priori 12',
    applicant: { id: CF, name: 'Maria Rossi' },
    submitted_on: isoDay(new Date(Date.now() - 46 * 86400_000)),
    backoffice_url: `https://suape.comune.perugia.it/pratiche/${reference}`,
    status_code: 'AT',
    status_label: 'Presentata',
  });
  assert.equal(opened.status, 201, opened.text);
  practiceId = opened.json.id;
  browser = await launchBrowser();
}, { timeout: 300_000 });

after(async () => {
  await browser?.close();
  await stopPortalWithLogin();
  if (keysDir) rmSync(keysDir, { recursive: true, force: true });
}, { timeout: 120_000 });

test('anonymous visitors are sent to /accedi with the page to come back to', async () => {
  for (const p of ['/area-personale/pratiche', '/area-personale/pratiche?stato=in-corso', `/area-personale/pratiche/${practiceId}`,
    '/area-personale/pratiche/accessi', `/area-personale/enti/${perugia}/pratiche`]) {
    const r = await page(p);
    assert.equal(r.status, 302, p);
    assert.equal(r.location, `/accedi?ritorno=${encodeURIComponent(p)}`, p);
    assert.match(r.headers.get('cache-control') ?? '', /\bno-store\b/);
  }
});

test('just opened and protocolled: listed as "In corso", with the back office\'s own state', async () => {
  await sendStep(steps[0]);
  const list = await ok('/area-personale/pratiche', who.cittadino);
  assert.match(list.body, /<h1>Le mie pratiche<\/h1>/);
  const card = cardOf(list.body);
  assert.match(card, /Autorizzazione passo carrabile - Via dei Priori 12/);
  assert.match(card, /In corso/);
  assert.match(card, /Stato nel sistema dell'ente: Protocollata \(PR\)/);
  assert.match(card, /Comune di Perugia|Perugia/);
  assert.match(card, /Chi deve agire L'amministrazione/);
  const api = await apiDetail();
  assert.ok(card.includes(`Prossima scadenza ${itDate(api.next_deadline)}`), `${card} / ${api.next_deadline}`);
  assert.match(list.body, new RegExp(`href="/area-personale/pratiche/${practiceId}"`));
  assert.match(list.body, /href="\/area-personale\/pratiche\/accessi"/, 'link to "Chi ha consultato i miei dati"');
});

let dueWhileSuspended;
test('after the integration request: the open request with its due date, "Sospeso – azione dell\'utente"', async () => {
  await sendStep(stepNamed('richiesta-integrazione'));
  const api = await apiDetail();
  assert.equal(api.status.code, 'sospeso-utente');
  assert.equal(api.open_requests.length, 1);
  const list = await ok('/area-personale/pratiche', who.cittadino);
  const card = cardOf(list.body);
  assert.match(card, /Sospeso – azione dell'utente/);
  assert.match(card, /Chi deve agire Tu \(il richiedente\)/);
  const d = await ok(`/area-personale/pratiche/${practiceId}`, who.cittadino);
  assert.match(d.text, /Sospeso – azione dell'utente/);
  assert.match(d.text, /Richieste in attesa di risposta/);
  assert.match(d.text, /Planimetria aggiornata dell'accesso carrabile/);
  const req = api.open_requests[0];
  assert.ok(d.text.includes(`Da presentare entro il ${itDate(req.due)}`), `request due ${req.due}`);
  if (req.overdue) assert.match(d.body, /alert-danger[\s\S]*Scaduta/, 'an overdue request is highlighted');
  dueWhileSuspended = api.deadline.due;
  // The overdue highlights (alert, badges) must pass axe too.
  for (const p of [`/area-personale/pratiche/${practiceId}`, '/area-personale/pratiche']) {
    const r = await audit(who.cittadino, p);
    await r.context.close();
    assert.equal(r.axe.violations.length, 0, `${p}:\n${describe(r.axe.violations)}`);
  }
  // The request is 35 days old: art. 2 c.7 caps the suspension at 30 days, then the term runs again.
  if (api.deadline.suspended_now) assert.match(d.text, /Il termine è sospeso ora: l'ente attende l'integrazione richiesta/);
  else assert.doesNotMatch(d.text, /Il termine è sospeso ora/);
  assert.ok(d.text.includes(`Giorni di sospensione ${api.deadline.suspended_days}`), `suspended ${api.deadline.suspended_days} days`);
  assert.ok(d.text.includes(`Scadenza ${itDate(dueWhileSuspended)}`), `due ${dueWhileSuspended}`);
});

test('after "integrazione ricevuta": the request is closed and the due date moves', async () => {
  await sendStep(stepNamed('integrazione-ricevuta'));
  const api = await apiDetail();
  assert.equal(api.open_requests.length, 0);
  assert.notEqual(api.deadline.due, dueWhileSuspended, 'the projection moved the due date');
  const d = await ok(`/area-personale/pratiche/${practiceId}`, who.cittadino);
  assert.doesNotMatch(d.text, /Richieste in attesa di risposta/);
  assert.doesNotMatch(d.text, /Il termine è sospeso ora/);
  assert.ok(d.text.includes(`Scadenza ${itDate(api.deadline.due)}`), `new due ${api.deadline.due}`);
  assert.ok(!d.text.includes(`Scadenza ${itDate(dueWhileSuspended)}`), 'the old due date is gone');
  assert.match(d.text, new RegExp(`Giorni di sospensione ${api.deadline.suspended_days}`));
  if (api.deadline.overdue) assert.match(d.text, /Termine scaduto/);
});

test('the operator sees the ente list (overdue first, applicant masked) and must give a reason to open a practice', async () => {
  const perugiaPath = `/area-personale/enti/${perugia}`;
  const dash = await ok(perugiaPath, who.operatore);
  assert.ok(dash.body.includes(`${perugiaPath}/pratiche"`), 'link from the ente dashboard');
  const list = await ok(`${perugiaPath}/pratiche`, who.operatore);
  assert.match(list.body, /<h1>Pratiche di [^<]*Perugia<\/h1>/);
  assert.match(list.body, /<caption>/);
  const start = list.body.indexOf(`id="pratica-${practiceId}"`);
  assert.ok(start > 0, 'our practice is in the ente list');
  const row = textOf(list.body.slice(start, list.body.indexOf('</tr>', start)));
  assert.match(row, /RSS\*\*\*/);
  assert.doesNotMatch(list.text, /Tu \(il richiedente\)/, 'the operator reads "Il richiedente", not "Tu"');
  assert.ok(!list.body.includes(CF), 'no full fiscal code in the ente list');
  const api = await apiDetail();
  assert.ok(row.includes(itDate(api.deadline.due)), `${row} / ${api.deadline.due}`);
  if (api.deadline.overdue) {
    assert.match(row, new RegExp(`${-api.deadline.days_remaining} giorn[oi] di ritardo`));
    // Overdue rows come first: no row "Nei termini" before ours.
    const before = list.body.slice(0, start);
    assert.doesNotMatch(textOf(before.slice(before.indexOf('<tbody>'))), /Nei termini|Procedimento concluso/);
  }

  const detailPath = `/area-personale/pratiche/${practiceId}`;
  const ask = await ok(detailPath, who.operatore);
  assert.match(ask.body, /<h1>Motivo della consultazione<\/h1>/);
  assert.match(ask.body, /name="motivo"/);
  assert.ok(!ask.text.includes(api.protocol.number), 'nothing of the practice before the reason');
  const short = await page(`${detailPath}?motivo=ab`, who.operatore);
  assert.equal(short.status, 400);
  assert.match(short.text, /Il motivo deve avere da 3 a 200 caratteri/);
  const long = await page(`${detailPath}?motivo=${'x'.repeat(201)}`, who.operatore);
  assert.equal(long.status, 400);
  assert.match(long.text, /Il motivo deve avere da 3 a 200 caratteri/);

  const reason = `Verifica delle scadenze ${tag}`;
  const d = await ok(`${detailPath}?motivo=${encodeURIComponent(reason)}`, who.operatore);
  assert.match(d.text, /Stai consultando la pratica di Maria Rossi/);
  assert.ok(d.text.includes(api.protocol.number));
  const log = await ok('/area-personale/pratiche/accessi', who.cittadino);
  assert.ok(log.text.includes(reason), 'the citizen sees the operator\'s reason');
  assert.match(log.text, /Francesca Marchetti Operatore dell'ente/);

  const other = await page(`/area-personale/enti/${terni}/pratiche`, who.operatore);
  assert.equal(other.status, 403, 'another ente: 403');
  assert.ok(!other.body.includes(practiceId));
  const citizen = await page(`${perugiaPath}/pratiche`, who.cittadino);
  assert.equal(citizen.status, 403);
  assert.equal((await page('/area-personale/enti/nessun-ente/pratiche', who.operatore)).status, 404);
});

test('a term suspended now: the page says so and why, the request is not overdue', async () => {
  const ref = `${reference}-B`;
  const day = (n) => new Date(Date.now() + n * 86400_000);
  const opened = await client.open({ service: 'passo-carrabile', reference: ref, title: `Passo carrabile sospeso ${tag}`,
    applicant: { id: CF, name: 'Maria Rossi' }, submitted_on: isoDay(day(-5)), status_code: 'AT', status_label: 'Presentata' });
  assert.equal(opened.status, 201, opened.text);
  const id = opened.json.id;
  const send = async (n, type, at, data) => {
    const r = await client.send(practiceEvent({ source: `urn:vbg:perugia:${clientId}`, id: `${ref}-${n}`, type, subject: ref,
      time: at.toISOString(), data }));
    assert.equal(r.status, 200, r.text);
  };
  await send(1, 'protocollata', day(-5), { protocol_number: `PG/${ref}`, protocol_date: isoDay(day(-5)), status_code: 'PR' });
  await send(2, 'richiesta-integrazione', day(-1), { request_id: 'INT-B', description: `Foto del varco ${tag}`, due_days: 10, status_code: 'SI' });
  const api = await (await fetch(`${base}/api/v1/practices/${id}`, { headers: { cookie: who.cittadino.cookie } })).json();
  assert.ok(api.deadline.suspended_now);
  const d = await ok(`/area-personale/pratiche/${id}`, who.cittadino);
  assert.match(d.text, /Il termine è sospeso ora: l'ente attende l'integrazione richiesta \(art\. 2, comma 7/);
  assert.match(d.text, /La scadenza indicata è provvisoria/);
  assert.ok(d.text.includes(`Da presentare entro il ${itDate(api.open_requests[0].due)} (mancano`), d.text);
  assert.doesNotMatch(d.text, /Scaduta/);
  if (api.deadline.silence_is_consent_from) assert.ok(d.text.includes(`dal ${itDate(api.deadline.silence_is_consent_from)} la domanda si considera accolta`));
  else assert.doesNotMatch(d.text, /Silenzio-assenso/);
  const mine = await ok('/area-personale/pratiche?di=mie&stato=sospeso-utente', who.cittadino);
  assert.ok(mine.text.includes(`Foto del varco ${tag}`) || mine.body.includes(`id="pratica-${id}"`), 'listed under "Solo le mie"');
});

test('a business representative sees the business\'s practice, filters by it and gives a reason to open it', async () => {
  const VAT = '02876540549';
  const ref = `${reference}-IMP`;
  const day = (n) => new Date(Date.now() + n * 86400_000);
  const opened = await client.open({ service: 'passo-carrabile', reference: ref, title: `Passo carrabile dello stabilimento ${tag}`,
    applicant: { id: VAT, name: 'Tessiture Umbre S.r.l.' }, submitted_on: isoDay(day(-3)), silenzio_assenso: true,
    status_code: 'AT', status_label: 'Presentata' });
  assert.equal(opened.status, 201, opened.text);
  const id = opened.json.id;
  const r = await client.send(practiceEvent({ source: `urn:vbg:perugia:${clientId}`, id: `${ref}-1`, type: 'protocollata',
    subject: ref, time: day(-3).toISOString(), data: { protocol_number: `PG/${ref}`, protocol_date: isoDay(day(-3)), status_code: 'PR' } }));
  assert.equal(r.status, 200, r.text);

  const list = await ok('/area-personale/pratiche', who.impresa);
  const start = list.body.indexOf(`id="pratica-${id}"`);
  assert.ok(start > 0, 'the business\'s practice is listed');
  assert.match(textOf(list.body.slice(start, list.body.indexOf('</li>', start))), /Intestata a Tessiture Umbre S\.r\.l\. \(P\.IVA 02876540549\)/);
  assert.match(list.body, new RegExp(`<option value="${VAT}">Tessiture Umbre`), '"di chi" offers the business');
  assert.ok((await ok(`/area-personale/pratiche?di=${VAT}`, who.impresa)).body.includes(`id="pratica-${id}"`));
  assert.ok(!(await ok('/area-personale/pratiche?di=mie', who.impresa)).body.includes(`id="pratica-${id}"`));

  const ask = await ok(`/area-personale/pratiche/${id}`, who.impresa);
  assert.match(ask.body, /<h1>Motivo della consultazione<\/h1>/, 'the representative is not the data subject: a reason first');
  const d = await ok(`/area-personale/pratiche/${id}?motivo=${encodeURIComponent("Adempimento per l'impresa che rappresento")}`, who.impresa);
  const api = await (await fetch(`${base}/api/v1/practices/${id}?motivo=verifica`, { headers: { cookie: who.impresa.cookie } })).json();
  assert.ok(api.deadline.silence_is_consent_from, 'silenzio-assenso applies');
  assert.ok(d.text.includes(`Silenzio-assenso: se l'ente non conclude il procedimento, dal ${itDate(api.deadline.silence_is_consent_from)} la domanda si considera accolta`), d.text);
  assert.ok(d.text.includes(`Scadenza ${itDate(api.deadline.due)} (mancano`));
  assert.match(d.text, /Chi deve agire L'amministrazione/);
  // The cittadina never sees it.
  assert.equal((await page(`/area-personale/pratiche/${id}`, who.cittadino)).status, 404);
});

test('the whole life cycle: concluded, every step of the timeline in order, protocol, deadline, documents, links', async () => {
  for (const s of steps.slice(3)) await sendStep(s);
  const api = await apiDetail();
  assert.equal(api.status.code, 'concluso-positivo');
  const list = await ok('/area-personale/pratiche', who.cittadino);
  const card = cardOf(list.body);
  assert.match(card, /Concluso – esito positivo/);
  assert.match(card, /Stato nel sistema dell'ente: Chiusa positivamente \(CP\)/);
  assert.match(card, /Chi deve agire Nessuno/);
  const filtered = await ok('/area-personale/pratiche?stato=concluso-positivo&ente=comune-054039&di=mie', who.cittadino);
  assert.match(cardOf(filtered.body), /Concluso – esito positivo/);
  const other = await ok('/area-personale/pratiche?stato=in-corso', who.cittadino);
  assert.ok(!other.body.includes(`id="pratica-${practiceId}"`), 'filtered out by status');

  const d = await ok(`/area-personale/pratiche/${practiceId}`, who.cittadino);
  assert.match(d.body, /<h1>Autorizzazione passo carrabile - Via dei Priori 12<\/h1>/);
  assert.match(d.text, /Concluso – esito positivo/);
  assert.ok(d.text.includes(`Numero di protocollo ${api.protocol.number}`), api.protocol.number);
  assert.ok(d.text.includes(`Data di protocollo ${itDate(api.protocol.date)}`));
  assert.ok(d.text.includes(`Scadenza ${itDate(api.deadline.due)}`));
  assert.match(d.text, /Il procedimento è concluso/);
  // The timeline: oldest first, one item per event, labels in the order they happened.
  const ol = d.body.slice(d.body.indexOf('data-element="practice-timeline"'), d.body.indexOf('</ol>', d.body.indexOf('data-element="practice-timeline"')));
  const labels = [...ol.matchAll(/<h3[^>]*>([^<]+)<\/h3>/g)].map((m) => decode(m[1]));
  assert.deepEqual(labels, ['Pratica aperta', 'Protocollata', 'Richiesta di integrazione', 'Integrazione ricevuta',
    'Preavviso di rigetto (art. 10-bis)', 'Osservazioni ricevute', 'Documento', 'Procedimento concluso']);
  assert.deepEqual(labels, api.timeline.map((t) => t.label));
  for (const s of steps) {
    const when = new Intl.DateTimeFormat('it-IT', { timeZone: 'Europe/Rome', day: 'numeric', month: 'long', year: 'numeric' }).format(s.at);
    assert.ok(textOf(ol).includes(when), `${s.label} dated ${when}`);
    if (s.data.status_label) assert.ok(textOf(ol).includes(`Stato nel sistema dell'ente: ${s.data.status_label}`), s.data.status_label);
  }
  assert.match(textOf(ol), /Autorizzazione rilasciata/);
  assert.match(textOf(ol), /distanza minima dall'incrocio/);
  // Documents and links.
  assert.match(d.body, /<a href="https:\/\/www\.comune\.perugia\.it\/pagine\/passi-carrabili" rel="noopener noreferrer external">Autorizzazione al passo carrabile/);
  assert.match(d.text, /Autorizzazione al passo carrabile \(sito esterno\) \(PDF\)/);
  assert.ok(d.body.includes(`href="https://suape.comune.perugia.it/pratiche/${reference}" rel="noopener noreferrer external"`), 'back office link');
  assert.match(d.body, new RegExp(`href="${base.replace(/[.]/g, '\\.')}/servizi/[^"]+">Scheda del servizio`), 'catalogue link');
  assert.doesNotMatch(d.text, /Richieste in attesa di risposta/, 'no open request once concluded');
});

test('the back office reads the practice back: "Chi ha consultato i miei dati" lists that read', async () => {
  const reason = `controllo del fascicolo ${tag}`;
  const r = await client.read(practiceId, reason);
  assert.equal(r.status, 200, r.text);
  const log = await ok('/area-personale/pratiche/accessi', who.cittadino);
  assert.match(log.body, /<h1>Chi ha consultato i miei dati<\/h1>/);
  assert.match(log.body, /<caption>/);
  assert.match(log.body, /<th scope="col">Quando<\/th>/);
  const row = log.body.slice(log.body.lastIndexOf('<tr', log.body.indexOf(reason)), log.body.indexOf('</tr>', log.body.indexOf(reason)));
  assert.ok(row.includes(reason), 'the reason is listed');
  const rowText = textOf(row);
  assert.ok(rowText.includes(clientName), rowText);
  assert.match(rowText, /Sistema di back office dell'ente/);
  assert.ok(rowText.includes(itDate(new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date()))), rowText);
  assert.ok(row.includes(`href="/area-personale/pratiche/${practiceId}"`));
});

test('someone else gets the 404 page: existence does not leak', async () => {
  for (const p of [`/area-personale/pratiche/${practiceId}`, `/area-personale/pratiche/${practiceId}?motivo=curiosit%C3%A0`]) {
    const r = await page(p, who.impresa);
    assert.equal(r.status, 404, p);
    assert.match(r.headers.get('cache-control') ?? '', /\bno-store\b/);
    assert.match(r.text, /Pagina non trovata/);
    assert.ok(!r.body.includes('Via dei Priori') && !r.body.includes(reference), 'nothing of the practice');
  }
  const list = await ok('/area-personale/pratiche', who.impresa);
  assert.ok(!list.body.includes(practiceId));
  const nobody = await page('/area-personale/pratiche/pr-doesnotexist0000000000', who.cittadino);
  assert.equal(nobody.status, 404);
});

test('malformed input: an Italian 4xx page, never a 5xx', async () => {
  const cases = [
    ['/area-personale/pratiche?stato=chiuso', 400, /Il filtro «stato» non è valido/],
    ['/area-personale/pratiche?ente=comune-999999', 400, /Il filtro «ente» non è valido/],
    ['/area-personale/pratiche?di=XXXXXX00X00X000X', 400, /Il filtro «di chi» non è valido/],
    ['/area-personale/pratiche?stato=%ZZ', 400, /non è codificato correttamente/],
    ['/area-personale/pratiche?stato=%C0%AF', 400, /non è codificato correttamente/],
    ['/area-personale/pratiche/pr-%3Cscript%3E', 400, /L'identificativo della pratica non è valido/],
    [`/area-personale/pratiche/${'a'.repeat(65)}`, 400, /L'identificativo della pratica non è valido/],
    ['/area-personale/pratiche/pr-x%27%20OR%201=1', 400, /L'identificativo della pratica non è valido/],
    [`/area-personale/pratiche/${practiceId}?motivo=%ZZ`, 400, /non è codificato correttamente/],
    ['/area-personale/pratiche/a/b', 404, /non esiste/],
  ];
  for (const [p, status, message] of cases) {
    const r = await page(p, who.operatore);
    assert.equal(r.status, status, `${p}: ${r.status}`);
    assert.match(r.body, /<html lang="it"/, `${p}: an HTML page in Italian`);
    assert.match(r.text, message, p);
    assert.match(r.headers.get('cache-control') ?? '', /\bno-store\b/, p);
  }
  const post = await page('/area-personale/pratiche', who.cittadino, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  const empty = await ok('/area-personale/pratiche?stato=in-bozza', who.cittadino);
  assert.match(empty.text, /Nessuna pratica corrisponde ai filtri scelti/);
});

test('navigation: the personal area links to the new pages', async () => {
  const dash = await ok('/area-personale', who.cittadino);
  assert.match(dash.body, /href="\/area-personale\/pratiche"/);
  assert.match(dash.body, /href="\/area-personale\/pratiche\/accessi"/);
  // The operator goes through her ente's dashboard.
  const op = await ok('/area-personale', who.operatore);
  assert.ok(op.body.includes(`href="/area-personale/enti/${perugia}"`));
  const ente = await ok(`/area-personale/enti/${perugia}`, who.operatore);
  assert.ok(ente.body.includes(`/area-personale/enti/${perugia}/pratiche"`));
});

// --- Chromium + axe-core ----------------------------------------------------------------------

async function audit(as, path) {
  const context = await browser.newContext();
  try {
    const [name, value] = as.cookie.split(/=(.*)/s);
    await context.addCookies([{ name, value, url: base, httpOnly: true, sameSite: 'Lax' }]);
    const p = await context.newPage();
    p.setDefaultTimeout(60_000);
    const errors = [];
    p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const res = await p.goto(base + path, { waitUntil: 'load' });
    assert.equal(res.status(), 200, path);
    const axe = await new AxeBuilder({ page: p }).withTags(AXE_TAGS).analyze();
    const levels = await p.$$eval('main h1, main h2, main h3, main h4, main h5, main h6', (hs) => hs.map((h) => Number(h.tagName[1])));
    return { axe, levels, errors, page: p, context };
  } catch (e) {
    await context.close();
    throw e;
  }
}

const describe = (violations) => violations.map((v) => `${v.id}: ${v.help} -> ${v.nodes.slice(0, 3).map((n) => n.html).join(' | ')}`).join('\n');

test('Chromium: no axe-core violations, headings in order, no CSP errors', { timeout: 240_000 }, async () => {
  const pages = [
    [who.cittadino, '/area-personale/pratiche'],
    [who.cittadino, `/area-personale/pratiche/${practiceId}`],
    [who.cittadino, '/area-personale/pratiche/accessi'],
    [who.operatore, `/area-personale/enti/${perugia}/pratiche`],
    [who.operatore, `/area-personale/pratiche/${practiceId}`],
  ];
  for (const [as, path] of pages) {
    const r = await audit(as, path);
    try {
      assert.equal(r.axe.violations.length, 0, `${path}:\n${describe(r.axe.violations)}`);
      assert.equal(r.levels[0], 1, `${path}: starts with h1`);
      assert.equal(r.levels.filter((l) => l === 1).length, 1, `${path}: one h1`);
      for (let i = 1; i < r.levels.length; i++) assert.ok(r.levels[i] <= r.levels[i - 1] + 1, `${path}: heading levels ${r.levels}`);
      assert.deepEqual(r.errors.filter((e) => e.includes('Content Security Policy')), [], `${path}: CSP`);
      if (path === '/area-personale/pratiche') {
        // The filter form works without JavaScript: a GET to the same page.
        await r.page.selectOption('#filtro-stato', 'concluso-positivo');
        await Promise.all([r.page.waitForNavigation(), r.page.click('button[type="submit"]:has-text("Applica i filtri")')]);
        assert.match(r.page.url(), /\?stato=concluso-positivo/);
        assert.ok((await r.page.content()).includes(`id="pratica-${practiceId}"`));
      }
      if (as === who.operatore && path.startsWith('/area-personale/pratiche/')) {
        // The reason form opens the practice.
        await r.page.fill('#motivo', 'Istruttoria della pratica');
        await Promise.all([r.page.waitForNavigation(), r.page.click('button[type="submit"]:has-text("Apri la pratica")')]);
        assert.equal(await r.page.locator('h1').innerText(), 'Autorizzazione passo carrabile - Via dei Priori 12');
        const axe = await new AxeBuilder({ page: r.page }).withTags(AXE_TAGS).analyze();
        assert.equal(axe.violations.length, 0, `detail read by the operator:\n${describe(axe.violations)}`);
      }
    } finally {
      await r.context.close();
    }
  }
});
