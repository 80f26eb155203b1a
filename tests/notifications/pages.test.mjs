// The notification pages of the personal area (src/portal/notification_pages.h), with real HTTP,
// a real SMTP server and Chromium: an operator of the Comune di Perugia sends messages to the
// demo cittadina through the API; she reads them in "Messaggi" (unread first in bold, read when
// opened, "segna come non letto"), unsubscribes from the email's one-click link as a mail client
// does (RFC 8058: no cookie, no CSRF), changes her contacts, channels and quiet hours (bad values
// refused in Italian, nothing saved), creates, fetches and revokes her calendar address; the
// administrator previews and saves a template (an unknown field refused), others get 403.
// axe-core on every page.
//
//   AU_BINARY=$PWD/build/accesso-unico node --test tests/notifications/pages.test.mjs
//
// On PostgreSQL (AU_TEST_DATABASE_URL) the database is shared with other suites: subjects carry
// a random tag, nothing assumes empty tables, and the cittadina's preferences are put back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { launchBrowser, repoRoot } from '../browser/harness.mjs';
import { startPortalWithLogin, stopPortalWithLogin, loginAs, fiscalCodeOf } from '../support/portal-login.mjs';
import { startSmtpSink } from '../support/smtp-sink.mjs';
import { generateKey, saveKey, InteropClient } from '../../tools/backoffice-simulator/modi-client.mjs';
import { get, postForm, apiCall, htmlText } from '../identity/access-helpers.mjs';

const PERUGIA = 'comune-054039';
const SERVICE = 'rc-passo-carrabile'; // catalogue id (slug passo-carrabile)
const MAPPING = path.join(repoRoot, 'data', 'demo', 'backoffice', 'vbg-perugia-stati.json');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const tag = randomBytes(4).toString('hex');
const clientId = `notify-pages-${tag}`;
const CF = fiscalCodeOf('cittadino');

let base;
let sink;
let keysDir;
let browser;
const who = {};
const sent = {}; // name -> { subject, id }

const textOf = (html) => htmlText(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function eventually(fn, ms = 30_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > until) return v;
    await sleep(200);
  }
}

async function ok(p, as) {
  const r = await get(base, p, as);
  assert.equal(r.status, 200, `GET ${p}: ${r.status} ${textOf(r.body).slice(0, 300)}`);
  assert.match(r.headers.get('cache-control') ?? '', /\bno-store\b/, `${p}: Cache-Control`);
  return r;
}

/** The <li> of a message in the inbox page, or null. */
function inboxItem(html, id) {
  const start = html.indexOf(`id="messaggio-${id}"`);
  if (start < 0) return null;
  const from = html.lastIndexOf('<li', start);
  return html.slice(from, html.indexOf('</li>', start));
}

const preferences = async () => (await apiCall(base, 'GET', '/api/v1/notification-preferences', who.cittadino)).json;

/** A bulk send by the operator to the cittadina; waits until it is in her inbox. */
async function sendMessage(name, { service = SERVICE } = {}) {
  const subject = `Avviso ${name} di prova ${tag}`;
  const r = await apiCall(base, 'POST', '/api/v1/notifications', who.operatore, {
    recipients: [CF],
    subject,
    text: `Gentile cittadina, questo è il messaggio **${name}**.\n\n<script>alert(1)</script> [un collegamento](javascript:alert(1))`,
    ...(service ? { service_id: service } : {}),
  });
  assert.equal(r.status, 202, `bulk send: ${r.status} ${r.body}`);
  const id = await eventually(async () => {
    const list = await apiCall(base, 'GET', '/api/v1/messages?limite=100', who.cittadino);
    return list.json?.messages?.find((m) => m.subject === subject)?.id;
  });
  assert.ok(id, `message "${subject}" reached the inbox`);
  sent[name] = { subject, id };
  return sent[name];
}

before(async () => {
  sink = await startSmtpSink();
  keysDir = mkdtempSync(path.join(os.tmpdir(), 'au-notify-keys-'));
  const key = generateKey('ES256');
  const { jwksFile } = saveKey(keysDir, clientId, key);
  ({ base } = await startPortalWithLogin({
    env: { AU_SMTP_URL: `smtp://127.0.0.1:${sink.smtpPort}`, AU_NOTIFY_POLL_MS: '200' },
    setup: (run, db) => run(['--database', db, 'backoffice', 'register', '--client-id', clientId, '--ente', PERUGIA,
      '--system', 'VBG', '--name', `Back office ${tag}`, '--keys', jwksFile, '--mapping', MAPPING]),
  }));
  for (const id of ['cittadino', 'operatore', 'impresa', 'amministratore']) who[id] = await loginAs(id);
  // A practice of hers for the per-service switches.
  const client = new InteropClient({ base, clientId, privateJwk: key.privateJwk });
  const opened = await client.open({ service: 'passo-carrabile', reference: `VBG-NOTIFY-${tag}`, title: `Passo carrabile ${tag}`,
    applicant: { id: CF, name: 'Maria Rossi' }, status_code: 'AT', status_label: 'Presentata' });
  assert.equal(opened.status, 201, opened.text);
  browser = await launchBrowser();
}, { timeout: 300_000 });

after(async () => {
  // Shared databases: her choices back to the defaults.
  if (who.cittadino) {
    await apiCall(base, 'PUT', '/api/v1/notification-preferences', who.cittadino, {
      contacts: { email: null, sms: null, webhook: null },
      channels: { email: true, io: true, sms: true, webhook: true },
      services: { [SERVICE]: { email: true, io: true, sms: true, webhook: true } },
      quiet_hours: null,
    }).catch(() => {});
    await apiCall(base, 'DELETE', '/api/v1/calendar-feed', who.cittadino).catch(() => {});
  }
  await browser?.close();
  await stopPortalWithLogin();
  await sink?.stop();
  if (keysDir) rmSync(keysDir, { recursive: true, force: true });
}, { timeout: 120_000 });

test('anonymous visitors are sent to /accedi with the page to come back to', async () => {
  for (const p of ['/area-personale/messaggi', '/area-personale/messaggi?filtro=non-letti', '/area-personale/messaggi/1',
    '/area-personale/notifiche', '/area-personale/amministrazione/modelli']) {
    const r = await get(base, p);
    assert.equal(r.status, 302, p);
    assert.equal(r.location, `/accedi?ritorno=${encodeURIComponent(p)}`, p);
  }
  const post = await postForm(base, '/area-personale/notifiche', null, { azione: 'salva' });
  assert.equal(post.status, 401);
});

test('the inbox lists the new messages as unread, newest first, with the count in the navigation', async () => {
  await sendMessage('primo');
  await sendMessage('secondo');
  const r = await ok('/area-personale/messaggi', who.cittadino);
  assert.match(r.body, /<h1>Messaggi<\/h1>/);
  const first = inboxItem(r.body, sent.primo.id), second = inboxItem(r.body, sent.secondo.id);
  assert.ok(first && second, 'both listed');
  for (const item of [first, second]) {
    assert.match(item, /data-unread="true"/);
    assert.match(item, /fw-bold/);
    assert.match(textOf(item), /Da leggere/);
    assert.match(textOf(item), /Comunicazione/);
  }
  assert.ok(r.body.indexOf(`messaggio-${sent.secondo.id}`) < r.body.indexOf(`messaggio-${sent.primo.id}`), 'newest first');
  assert.match(r.body, /href="\/area-personale\/messaggi">Messaggi <span class="badge bg-primary">\d+<span class="visually-hidden"> da leggere/);
  const unread = await ok('/area-personale/messaggi?filtro=non-letti', who.cittadino);
  assert.ok(inboxItem(unread.body, sent.primo.id), 'in "solo da leggere"');
});

test('opening a message marks it read and shows it safely; "segna come non letto" brings it back', async () => {
  const { id, subject } = sent.primo;
  const m = await ok(`/area-personale/messaggi/${id}`, who.cittadino);
  assert.ok(m.body.includes(`<h1>${subject}</h1>`), 'subject as h1');
  assert.match(m.body, /<p>Buongiorno Maria,<\/p>/, 'the markdown body as HTML paragraphs');
  // The sender's text is a field value: escaped by the template, so it stays text.
  assert.match(m.body, /questo è il messaggio \*\*primo\*\*\./);
  assert.match(m.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(m.body, /<script>alert|href="javascript:/, 'raw HTML and javascript: links dropped');
  assert.match(textOf(m.body), /Area personale Disponibile/);
  assert.match(textOf(m.body), /Email (In coda|In invio|Consegnato)/, 'the email delivery and its state');
  assert.doesNotMatch(m.body, /maria\.rossi@example\.org/, 'never the address');
  let list = await ok('/area-personale/messaggi', who.cittadino);
  assert.match(inboxItem(list.body, id), /data-unread="false"/);
  assert.match(inboxItem(list.body, sent.secondo.id), /data-unread="true"/);
  assert.ok(!inboxItem((await ok('/area-personale/messaggi?filtro=non-letti', who.cittadino)).body, id), 'not among the unread');

  const forged = await postForm(base, `/area-personale/messaggi/${id}`, who.cittadino, { azione: 'non-letto' }, { csrf: 'sbagliato' });
  assert.equal(forged.status, 403);
  const back = await postForm(base, `/area-personale/messaggi/${id}`, who.cittadino, { azione: 'non-letto' });
  assert.equal(back.status, 302);
  assert.equal(back.location, '/area-personale/messaggi');
  list = await ok('/area-personale/messaggi', who.cittadino);
  assert.match(inboxItem(list.body, id), /data-unread="true"/);
  const api = await apiCall(base, 'GET', `/api/v1/messages/${id}`, who.cittadino);
  assert.equal(api.json.read, false);
});

test('someone else\'s message is the 404 page; malformed input is an Italian 400 page', async () => {
  const other = await get(base, `/area-personale/messaggi/${sent.primo.id}`, who.impresa);
  assert.equal(other.status, 404);
  assert.ok(!other.body.includes(sent.primo.subject));
  const notMine = await postForm(base, `/area-personale/messaggi/${sent.primo.id}`, who.impresa, { azione: 'non-letto' });
  assert.equal(notMine.status, 404);
  const cases = [
    ['/area-personale/messaggi?filtro=tutto', 400, /parametro non valido/],
    ['/area-personale/messaggi?prima_di=abc', 400, /parametro non valido/],
    ['/area-personale/messaggi?pagina=2', 400, /parametro non valido/],
    ['/area-personale/messaggi?filtro=%ZZ', 400, /non è codificato correttamente/],
    ['/area-personale/messaggi/abc', 400, /identificativo del messaggio non è valido/],
    ['/area-personale/messaggi/-1', 400, /identificativo del messaggio non è valido/],
    ['/area-personale/messaggi/99999999999999999999', 400, /identificativo del messaggio non è valido/],
    ['/area-personale/messaggi/999999999', 404, /non esiste/],
    ['/area-personale/notifiche?x=1', 400, /non accetta parametri/],
  ];
  for (const [p, status, message] of cases) {
    const r = await get(base, p, who.cittadino);
    assert.equal(r.status, status, `${p}: ${r.status}`);
    assert.match(r.body, /<html lang="it"/);
    assert.match(textOf(r.body), message, p);
    assert.match(r.headers.get('cache-control') ?? '', /\bno-store\b/, p);
  }
  const unknownField = await postForm(base, '/area-personale/notifiche', who.cittadino, { azione: 'salva', colore: 'blu' });
  assert.equal(unknownField.status, 400);
  const badAction = await postForm(base, `/area-personale/messaggi/${sent.primo.id}`, who.cittadino, { azione: 'cancella' });
  assert.equal(badAction.status, 400);
  const huge = await postForm(base, '/area-personale/notifiche', who.cittadino, { azione: 'salva', email: 'x'.repeat(70_000) });
  assert.equal(huge.status, 400);
  const put = await get(base, '/area-personale/messaggi', who.cittadino, { method: 'PUT' });
  assert.equal(put.status, 405);
  assert.equal(put.headers.get('allow'), 'GET, HEAD');
});

test('one-click unsubscribe from the email: a page to confirm, a mail client\'s POST without cookie, the switch off', async () => {
  const mail = await eventually(async () => (await sink.messages()).find((m) => m.subject === sent.primo.subject));
  assert.ok(mail, 'the email arrived');
  const header = [].concat(mail.headers['list-unsubscribe'])[0];
  const url = header.match(/<(http[^>]+\/disiscrizione\/[A-Za-z0-9]{32})>/)?.[1];
  assert.ok(url, `List-Unsubscribe: ${header}`);
  assert.match([].concat(mail.headers['list-unsubscribe-post'])[0], /List-Unsubscribe=One-Click/);
  const p = new URL(url).pathname;

  const page = await get(base, p);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('cache-control') ?? '', /\bno-store\b/);
  assert.match(textOf(page.body), /Vuoi smettere di ricevere email per il servizio «[^»]+»\?/);
  assert.match(page.body, new RegExp(`<form method="post" action="${p}"`));
  const a = await audit(null, p);
  await a.context.close();
  assert.equal(a.axe.violations.length, 0, describe(a.axe.violations));

  assert.equal((await fetch(base + p, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status, 400);
  const res = await fetch(base + p, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click', redirect: 'manual' });
  assert.equal(res.status, 200);
  const done = await res.text();
  assert.match(textOf(done), /Non riceverai più queste email/);
  assert.match(done, /href="\/area-personale\/notifiche"/);
  assert.equal((await preferences()).services[SERVICE].email, false, 'the API shows the service\'s email off');
  const prefs = await ok('/area-personale/notifiche', who.cittadino);
  const row = prefs.body.slice(prefs.body.indexOf(`name="servizi" value="${SERVICE}"`));
  assert.match(row.slice(0, row.indexOf('</tr>')), /name="servizio-email" value="rc-passo-carrabile">/, 'unchecked on the page');
  assert.match(row.slice(0, row.indexOf('</tr>')), /name="servizio-io" value="rc-passo-carrabile" checked>/);
  assert.equal((await get(base, '/disiscrizione/' + 'A'.repeat(32))).status, 404);
  assert.equal((await get(base, '/disiscrizione/corto')).status, 404);
  assert.equal((await get(base, p, null, { method: 'DELETE' })).status, 405);
});

test('preferences: saved and shown again; a bad email, number or webhook is refused in Italian and nothing is saved', async () => {
  const { context, page } = await browserAs(who.cittadino, '/area-personale/notifiche');
  try {
    assert.match(await page.textContent('#email-aiuto'), /maria\.rossi@example\.org/, 'the login email as default');
    await page.fill('#email', 'maria.nuova@example.org');
    await page.fill('#cellulare', '+393331234567');
    await page.fill('#webhook', 'http://127.0.0.1:9/avvisi');
    await page.click('label[for="canale-sms"]'); // Bootstrap Italia draws the box on the label
    await page.fill('#silenzio-inizio', '22:30');
    await page.fill('#silenzio-fine', '06:45');
    await Promise.all([page.waitForNavigation(), page.click('button[value="salva"]')]);
    const saved = await page.content();
    assert.match(textOf(saved), /Preferenze salvate/);
    assert.match(textOf(saved), /Segreto di firma del tuo webhook: [A-Za-z0-9_-]{20,}/, 'the secret, once');
    let axe = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
    assert.equal(axe.violations.length, 0, describe(axe.violations));

    await page.goto(base + '/area-personale/notifiche');
    assert.equal(await page.inputValue('#email'), 'maria.nuova@example.org');
    assert.equal(await page.inputValue('#cellulare'), '+393331234567');
    assert.equal(await page.inputValue('#webhook'), 'http://127.0.0.1:9/avvisi');
    assert.equal(await page.inputValue('#silenzio-inizio'), '22:30');
    assert.equal(await page.isChecked('#canale-sms'), false);
    assert.equal(await page.isChecked('#canale-email'), true);
    assert.doesNotMatch(await page.content(), /Segreto di firma/, 'not shown again');
    const stored = await preferences();
    assert.deepEqual(stored.contacts, { email: 'maria.nuova@example.org', sms: '+393331234567', webhook: 'http://127.0.0.1:9/avvisi' });
    assert.deepEqual(stored.quiet_hours, { start: '22:30', end: '06:45' });
    assert.equal(stored.channels.sms, false);
    assert.equal(stored.services[SERVICE].email, false, 'the unsubscribe is kept: the row was not touched');

    const bad = [
      ['#email', 'maria.nuova@', /Email: manca il dominio dopo la @/],
      ['#cellulare', '3331234567', /Numero di cellulare: il numero di telefono deve iniziare con \+/],
      ['#webhook', 'ftp://example.org/x', /Indirizzo del webhook: L'indirizzo del webhook deve iniziare con https:\/\//],
    ];
    for (const [field, value, message] of bad) {
      await page.goto(base + '/area-personale/notifiche');
      await page.fill(field, value);
      await page.fill('#silenzio-inizio', '21:00');
      const [res] = await Promise.all([page.waitForNavigation(), page.click('button[value="salva"]')]);
      assert.equal(res.status(), 400, field);
      const alert = await page.textContent('[role="alert"]');
      assert.match(alert, /Le preferenze non sono state salvate/);
      assert.match(alert, message, field);
      assert.equal(await page.getAttribute(field, 'aria-invalid'), 'true');
      assert.equal(await page.inputValue(field), value, 'what was typed stays in the field');
      assert.deepEqual(await preferences(), stored, `${field}: nothing saved`);
    }
    axe = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
    assert.equal(axe.violations.length, 0, `with errors:\n${describe(axe.violations)}`);
    const quiet = await postForm(base, '/area-personale/notifiche', who.cittadino, { azione: 'salva', 'silenzio-inizio': '22:00' });
    assert.equal(quiet.status, 400);
    assert.match(textOf(quiet.body), /indica sia l'inizio sia la fine delle ore di silenzio/);
    assert.deepEqual(await preferences(), stored);
  } finally {
    await context.close();
  }
});

test('calendar: an address shown once, served as text/calendar, 404 once revoked', async () => {
  const made = await postForm(base, '/area-personale/notifiche', who.cittadino, { azione: 'calendario' });
  assert.equal(made.status, 200);
  const url = made.body.match(/id="calendario-indirizzo">([^<]+)</)?.[1];
  assert.ok(url?.startsWith(`${base}/calendario/`) && url.endsWith('.ics'), url);
  assert.ok(made.body.includes(`href="${url.replace(/^http/, 'webcal')}"`), 'webcal:// link');
  assert.match(textOf(made.body), /Google Calendar.*Calendario di Apple.*Outlook/);
  const feed = await fetch(url);
  assert.equal(feed.status, 200);
  assert.match(feed.headers.get('content-type'), /^text\/calendar; charset=utf-8/);
  assert.equal(feed.headers.get('cache-control'), 'no-store');
  assert.equal(feed.headers.get('content-disposition'), 'inline; filename="scadenze.ics"');
  assert.match(await feed.text(), /^BEGIN:VCALENDAR/);
  const again = await ok('/area-personale/notifiche', who.cittadino);
  assert.ok(!again.body.includes(url), 'not shown again');
  assert.match(textOf(again.body), /Hai un indirizzo attivo, creato il/);
  const post = await fetch(url, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');

  const revoked = await postForm(base, '/area-personale/notifiche', who.cittadino, { azione: 'revoca-calendario' });
  assert.equal(revoked.status, 200);
  assert.match(textOf(revoked.body), /Indirizzo del calendario revocato/);
  const gone = await fetch(url);
  assert.equal(gone.status, 404);
  assert.match(gone.headers.get('content-type'), /^text\/plain/);
  for (const p of ['/calendario/abc.ics', `/calendario/${'a'.repeat(32)}.ics`, `/calendario/${'a'.repeat(32)}`])
    assert.equal((await fetch(base + p)).status, 404, p);
});

test('templates: the administrator previews, an unknown field is refused, a valid one becomes the next version', async () => {
  const list = await ok('/area-personale/amministrazione/modelli', who.amministratore);
  assert.match(list.body, /<h1>Modelli dei messaggi<\/h1>/);
  assert.match(textOf(list.body), /Richiesta di integrazione/);
  const editPath = '/area-personale/amministrazione/modelli/comunicazione/inbox';
  assert.ok(list.body.includes(`href="${editPath}"`));
  const edit = await ok(editPath, who.amministratore);
  const version = Number(edit.body.match(/In uso la versione (\d+)/)?.[1]);
  assert.ok(version >= 1, 'a current version');
  const subject = htmlText(edit.body.match(/id="oggetto" name="oggetto" value="([^"]*)"/)[1]);
  const body = htmlText(edit.body.match(/<textarea[^>]*>([\s\S]*?)<\/textarea>/)[1]);
  assert.match(textOf(edit.body), /\{\{oggetto\}\}/, 'the fields the kind may use');

  const preview = await postForm(base, editPath, who.amministratore, { azione: 'anteprima', oggetto: 'Novità: {{oggetto}}', testo: 'Ciao **{{nome}}**, {{testo}}' });
  assert.equal(preview.status, 200);
  const shown = preview.body.slice(preview.body.indexOf('data-element="template-preview"'));
  assert.match(textOf(shown), /Oggetto: Novità: \S+/);
  assert.match(shown, /Ciao <strong>Maria Grazia<\/strong>, Nelle giornate/);
  assert.equal(Number((await ok(editPath, who.amministratore)).body.match(/In uso la versione (\d+)/)[1]), version, 'a preview never saves');

  const wrong = await postForm(base, editPath, who.amministratore, { azione: 'salva', oggetto: subject, testo: `${body}\n\nCodice: {{codice}}` });
  assert.equal(wrong.status, 400);
  assert.match(textOf(wrong.body), /il campo \{\{codice\}\} non esiste per questo tipo di messaggio/);
  assert.match(wrong.body, /role="alert"/);
  assert.equal(Number((await ok(editPath, who.amministratore)).body.match(/In uso la versione (\d+)/)[1]), version, 'nothing saved');

  // The same text again: a valid template, and other suites sharing the database see no change.
  const saved = await postForm(base, editPath, who.amministratore, { azione: 'salva', oggetto: subject, testo: body });
  assert.equal(saved.status, 200, textOf(saved.body).slice(0, 400));
  assert.match(textOf(saved.body), new RegExp(`Modello salvato: è la versione ${version + 1}`));
  assert.match(textOf(saved.body), new RegExp(`${version + 1} \\(in uso\\)`), 'in the history');

  const sms = await ok('/area-personale/amministrazione/modelli/richiesta-integrazione/sms', who.amministratore);
  assert.ok(!sms.body.includes('name="oggetto"'), 'no subject for SMS');
  assert.match(textOf(sms.body), /Lunghezza: \d+ SMS/);
  assert.equal((await get(base, '/area-personale/amministrazione/modelli/nessuno/inbox', who.amministratore)).status, 404);
  assert.equal((await get(base, '/area-personale/amministrazione/modelli/comunicazione/fax', who.amministratore)).status, 404);
  const big = await postForm(base, editPath, who.amministratore, { azione: 'anteprima', oggetto: subject, testo: 'x'.repeat(20_001) });
  assert.equal(big.status, 400);
  for (const p of ['/area-personale/amministrazione/modelli', editPath]) {
    const r = await get(base, p, who.cittadino);
    assert.equal(r.status, 403, p);
    assert.match(textOf(r.body), /riservati agli amministratori/);
  }
  const forbidden = await postForm(base, editPath, who.operatore, { azione: 'salva', oggetto: subject, testo: body });
  assert.equal(forbidden.status, 403);
});

// --- Chromium + axe-core ----------------------------------------------------------------------

async function browserAs(as, p) {
  const context = await browser.newContext();
  if (as) {
    const [name, value] = as.cookie.split(/=(.*)/s);
    await context.addCookies([{ name, value, url: base, httpOnly: true, sameSite: 'Lax' }]);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const res = await page.goto(base + p, { waitUntil: 'load' });
  assert.equal(res.status(), 200, p);
  return { context, page, errors };
}

async function audit(as, p) {
  const { context, page, errors } = await browserAs(as, p);
  try {
    const axe = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
    const levels = await page.$$eval('main h1, main h2, main h3, main h4, main h5, main h6', (hs) => hs.map((h) => Number(h.tagName[1])));
    return { axe, levels, errors, page, context };
  } catch (e) {
    await context.close();
    throw e;
  }
}

const describe = (violations) => violations.map((v) => `${v.id}: ${v.help} -> ${v.nodes.slice(0, 3).map((n) => n.html).join(' | ')}`).join('\n');

test('Chromium: no axe-core violations, headings in order, no CSP errors', { timeout: 240_000 }, async () => {
  const pages = [
    [who.cittadino, '/area-personale/messaggi'],
    [who.cittadino, `/area-personale/messaggi/${sent.secondo.id}`],
    [who.cittadino, '/area-personale/notifiche'],
    [who.amministratore, '/area-personale/amministrazione/modelli'],
    [who.amministratore, '/area-personale/amministrazione/modelli/richiesta-integrazione/email'],
    [who.amministratore, '/area-personale/amministrazione/modelli/richiesta-integrazione/sms'],
  ];
  for (const [as, p] of pages) {
    const r = await audit(as, p);
    try {
      assert.equal(r.axe.violations.length, 0, `${p}:\n${describe(r.axe.violations)}`);
      assert.equal(r.levels[0], 1, `${p}: starts with h1`);
      assert.equal(r.levels.filter((l) => l === 1).length, 1, `${p}: one h1`);
      for (let i = 1; i < r.levels.length; i++) assert.ok(r.levels[i] <= r.levels[i - 1] + 1, `${p}: heading levels ${r.levels}`);
      assert.deepEqual(r.errors.filter((e) => e.includes('Content Security Policy')), [], `${p}: CSP`);
      if (p.endsWith('/email')) {
        // The editor works in the browser: a preview with an unknown field shows the problem.
        await r.page.fill('#testo', 'Buongiorno {{codice}}');
        await Promise.all([r.page.waitForNavigation(), r.page.click('button[value="anteprima"]')]);
        assert.match(await r.page.textContent('[role="alert"]'), /il campo \{\{codice\}\} non esiste/);
        const axe = await new AxeBuilder({ page: r.page }).withTags(AXE_TAGS).analyze();
        assert.equal(axe.violations.length, 0, `editor with problems:\n${describe(axe.violations)}`);
      }
      if (p === '/area-personale/messaggi') {
        await Promise.all([r.page.waitForNavigation(), r.page.click(`#messaggio-${sent.primo.id} a`)]);
        await Promise.all([r.page.waitForNavigation(), r.page.click('button:has-text("Segna come non letto")')]);
        assert.equal(new URL(r.page.url()).pathname, '/area-personale/messaggi');
        assert.equal(await r.page.getAttribute(`#messaggio-${sent.primo.id}`, 'data-unread'), 'true');
      }
    } finally {
      await r.context.close();
    }
  }
});
