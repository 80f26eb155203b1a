// Notifications end to end (issue 5): a back office of Perugia sends events about Maria Rossi's
// practice and the message reaches her inbox, a real SMTP server, the App IO fake, the SMS
// gateway and her own signed webhook; the email's one-click unsubscribe (RFC 8058) works from a
// mail client (no cookie); the inbox API answers 401/404/405/400 where it must; and the faults:
// a 550 bounce (permanent, contact flagged, no retry), the SMTP server stopped and restarted,
// App IO answering 429 then 500, a person not on App IO or who refused the service, a person with
// no channel at all, a webhook receiver slower than the channel timeout.
//
//   AU_BINARY=$PWD/build/accesso-unico node --test tests/notifications/delivery.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startWebhookReceiver } from '../support/webhook-receiver.mjs';
import { registerApp, tokenFor } from '../identity/access-helpers.mjs';
import {
  startNotifyHub, stopNotifyHub, stopSmtpForAWhile, login, openPractice, send, ev, practiceDetail, inbox,
  waitForMessage, messageDetail, waitForDelivery, waitFor, emailsAbout, resetPreferences, apiCall,
  MARIA, romeDay, nextWorkingDay, tag, randomFiscalCode,
} from './notify-hub.mjs';

const SERVICE_ID = 'rc-passo-carrabile';
const MARIA_EMAIL = 'maria.rossi@example.org';
const MARIA_MOBILE = '+393331234567';
const TIMEOUT_MS = 1500; // AU_NOTIFY_CHANNEL_TIMEOUT_MS of this file
let hub;
let rx;
let webhookSecret;
const who = {};

before(async () => {
  rx = await startWebhookReceiver();
  hub = await startNotifyHub({
    people: ['rimbalzo', 'senza-canali', 'io-negato', 'lettrice'],
    env: { AU_NOTIFY_CHANNEL_TIMEOUT_MS: String(TIMEOUT_MS) },
  });
  for (const id of ['cittadino', 'impresa', 'rimbalzo', 'senza-canali', 'io-negato', 'lettrice']) who[id] = await login(id);
  await resetPreferences(who.cittadino, [SERVICE_ID]);
  // Her contacts as an operator loads them: a file for email and mobile, one command for the webhook.
  const file = path.join(hub.dir, 'contatti.json');
  writeFileSync(file, JSON.stringify([{ fiscal_number: `TINIT-${MARIA}`, email: MARIA_EMAIL, mobile: MARIA_MOBILE }]));
  assert.match(await hub.cli(['contacts', 'import', file]), /recapiti importati: 2/);
  const out = await hub.cli(['contacts', 'set', MARIA, 'webhook', rx.url]);
  webhookSecret = (out.match(new RegExp(`${MARIA} webhook secret: (\\S+)`)) || [])[1];
  assert.ok(webhookSecret, `the webhook secret is printed once: ${out}`);
  hub.io.setProfile(who['io-negato'].fiscalCode, false);
}, { timeout: 300_000 });

after(async () => {
  if (who.cittadino) await resetPreferences(who.cittadino, [SERVICE_ID]).catch(() => {});
  await stopNotifyHub();
  await rx?.stop();
}, { timeout: 120_000 });

const maria = { id: MARIA, name: 'Maria Rossi' };
let apps = 0;
async function appToken(scopes, environment, owner = who.cittadino) {
  const reg = await registerApp(hub.base, owner, { name: `App messaggi ${tag}-${++apps}`, scopes, environment });
  assert.equal(reg.status, 200, `registering an app: ${reg.status}`);
  return tokenFor(hub.base, reg.clientId, reg.secret);
}
const itDate = (iso) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

/** Opens a practice for `applicant` and asks for documents due in `days`; returns the practice, the message, the due date. */
async function requestDocuments(as, applicant = maria, days = 15) {
  const p = await openPractice(applicant);
  await send(ev('richiesta-integrazione', p.id, { request_id: 'INT-1', description: 'Planimetria aggiornata in scala 1:100', due_days: days }));
  const m = await waitForMessage(as, `richiesta-integrazione of ${p.title}`, (x) => x.practice_id === p.id && x.kind === 'richiesta-integrazione');
  return { p, m };
}

/** A note from the office on practice `p`; waits for its message in the inbox. */
async function officeMessage(as, p, text) {
  await send(ev('messaggio', p.id, { text }));
  return waitForMessage(as, `messaggio-ente "${text}"`, (x) => x.practice_id === p.id && x.kind === 'messaggio-ente' && x.body.includes(text));
}

const allDelivered = (as, id, channels) => waitFor(`deliveries of ${id} on ${channels}`, async () => {
  const d = await messageDetail(as, id);
  const ok = channels.every((c) => d.deliveries.some((x) => x.channel === c && x.status === 'delivered'));
  return ok ? d : null;
});

/** The rendering in Rome of an instant: "YYYY-MM-DD HH:MM:SS". */
const inRome = (instant) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Rome', dateStyle: 'short', timeStyle: 'medium' }).format(new Date(instant));

function verifySignature(headers, body) {
  const id = headers['webhook-id'], ts = headers['webhook-timestamp'];
  const key = Buffer.from(webhookSecret, 'base64url');
  assert.equal(key.length, 32, 'the secret encodes 32 bytes');
  const expected = 'v1,' + createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  return (headers['webhook-signature'] ?? '').split(' ').includes(expected);
}

test('a request for documents reaches her by email, App IO, SMS and her signed webhook', async () => {
  const { p, m } = await requestDocuments(who.cittadino);
  const due = nextWorkingDay(romeDay(15));
  assert.equal(m.due_date, due, 'the due date of the request (moved off holidays)');
  assert.deepEqual((await practiceDetail(p.id)).open_requests.map((r) => r.due), [due], 'the same date as the practice');
  const detail = await allDelivered(who.cittadino, m.id, ['email', 'io', 'sms', 'webhook']);
  assert.deepEqual(detail.deliveries.map((d) => d.channel).sort(), ['email', 'io', 'sms', 'webhook']);
  for (const d of detail.deliveries) assert.equal(d.attempts, 1, `${d.channel}: one attempt`);
  for (const secret of [MARIA_EMAIL, MARIA_MOBILE, rx.url]) assert.ok(!JSON.stringify(detail).includes(secret), 'never the addresses');

  // Email: Italian subject, text and HTML parts, the due date, one-click unsubscribe headers.
  const [mail, ...more] = await emailsAbout(`documenti per la pratica ${p.title}`);
  assert.equal(more.length, 0, 'one email');
  assert.equal(mail.subject, `Azione richiesta entro il ${itDate(due)}: documenti per la pratica ${p.title}`);
  assert.deepEqual(mail.envelope.to, [MARIA_EMAIL]);
  assert.equal(mail.from[0].address, 'avvisi@umbriasemplice.it');
  assert.match(mail.raw, /Content-Type: multipart\/alternative/i);
  assert.match(mail.raw, /Content-Type: text\/plain; charset="?utf-8"?/i);
  assert.match(mail.raw, /Content-Type: text\/html; charset="?utf-8"?/i);
  assert.match(mail.text, /^Buongiorno Maria,/);
  assert.ok(mail.text.includes(`Entro il **${itDate(due)}**`), 'the due date in the text part');
  assert.ok(mail.text.includes('Planimetria aggiornata in scala 1:100'), 'what the office asks');
  assert.ok(mail.html.includes(`<strong>${itDate(due)}</strong>`), 'the due date in the HTML part');
  assert.ok(mail.html.includes(`href="${hub.base}/area-personale/pratiche/${p.id}"`), 'the link to the practice');
  const unsubscribe = (mail.headers['list-unsubscribe'].match(/^<([^>]+)>$/) || [])[1];
  assert.match(unsubscribe ?? '', new RegExp(`^${hub.base}/disiscrizione/[A-Za-z0-9]{32}$`));
  assert.equal(mail.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
  assert.ok(mail.html.includes(unsubscribe), 'the unsubscribe link in the HTML part too');

  // App IO: subject, markdown, due_date at the end of her due day in Rome.
  const ios = hub.io.messages().filter((x) => x.fiscal_code === MARIA && x.content.markdown.includes('Planimetria aggiornata'));
  const io = ios.find((x) => x.content.markdown.includes(p.title.replace(/-/g, '\\-')));
  assert.ok(io, 'the message at the IO fake');
  assert.equal(io.content.subject, `Servono documenti per la tua pratica, entro il ${itDate(due)}`);
  assert.ok(io.content.markdown.includes(`**Entro quando:** ${itDate(due)}`), io.content.markdown);
  assert.equal(inRome(io.content.due_date), `${due} 23:59:59`, `due_date ${io.content.due_date}`);

  // SMS: the text, an Idempotency-Key.
  const sms = hub.sms.messages().filter((x) => x.text.includes(`"${p.title}"`) && x.text.includes('chiede documenti'));
  assert.equal(sms.length, 1, 'one SMS');
  assert.equal(sms[0].to, MARIA_MOBILE);
  assert.equal(sms[0].text, `UmbriaSemplice: l'ente Comune di Perugia chiede documenti per la pratica "${p.title}", da inviare entro il ${itDate(due)}. Dettagli: ${hub.base}/area-personale/pratiche/${p.id}`);
  assert.match(sms[0].idempotency_key ?? '', new RegExp(`^au-${m.id}-sms-`));

  // Her webhook: Standard Webhooks headers and a valid signature with the secret the CLI printed.
  const hooks = rx.requests().filter((r) => JSON.parse(r.body).message_id === m.id);
  assert.equal(hooks.length, 1, 'one webhook request');
  const hook = hooks[0];
  assert.equal(hook.method, 'POST');
  assert.match(hook.headers['content-type'], /^application\/json/);
  assert.match(hook.headers['webhook-id'], new RegExp(`^au-${m.id}-webhook-`));
  assert.ok(Math.abs(Number(hook.headers['webhook-timestamp']) - Date.now() / 1000) < 300, 'a current timestamp');
  assert.ok(verifySignature(hook.headers, hook.body), `signature ${hook.headers['webhook-signature']}`);
  const body = JSON.parse(hook.body);
  assert.equal(body.type, 'it.umbria.accessounico.messaggio.richiesta-integrazione');
  assert.equal(body.practice_id, p.id);
  assert.equal(body.due_date, due);
  assert.equal(body.subject, m.subject);
  assert.ok(!verifySignature({ ...hook.headers, 'webhook-id': 'altro' }, hook.body), 'the signature covers the id');
});

test('one-click unsubscribe (RFC 8058, no cookie) switches her emails for that service off at once', async () => {
  const { p, m } = await requestDocuments(who.cittadino);
  await allDelivered(who.cittadino, m.id, ['email']);
  const [mail] = await emailsAbout(`documenti per la pratica ${p.title}`);
  const url = mail.headers['list-unsubscribe'].slice(1, -1);
  try {
    const bad = await fetch(url.replace(/.{4}$/, 'zzzz'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(bad.status, 404, 'a token that does not exist');
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click', redirect: 'manual' });
    assert.equal(r.status, 200, await r.text());
    const prefs = await apiCall(hub.base, 'GET', '/api/v1/notification-preferences', who.cittadino);
    assert.equal(prefs.json.services[SERVICE_ID]?.email, false, 'email off for the service');
    assert.equal(prefs.json.channels.email, true, 'still on for other services');

    const next = await officeMessage(who.cittadino, p, 'Abbiamo ricevuto la planimetria, grazie.');
    const d = await allDelivered(who.cittadino, next.id, ['io', 'sms', 'webhook']);
    assert.equal(d.deliveries.find((x) => x.channel === 'email'), undefined, 'no email delivery');
    assert.equal((await emailsAbout(next.subject)).length, 0, 'no email at the server');
    assert.ok((await inbox(who.cittadino)).messages.some((x) => x.id === next.id), 'the inbox still has it');
  } finally {
    const back = await apiCall(hub.base, 'PUT', '/api/v1/notification-preferences', who.cittadino, { services: { [SERVICE_ID]: { email: true } } });
    assert.equal(back.status, 200);
  }
});

test('inbox API: 401 without credentials, newest first, unread count, read and unread, others\' messages 404', async () => {
  for (const [method, p] of [['GET', '/api/v1/messages'], ['GET', '/api/v1/messages/1'], ['POST', '/api/v1/messages/1/read'],
    ['GET', '/api/v1/notification-preferences'], ['POST', '/api/v1/calendar-feed']]) {
    const r = await apiCall(hub.base, method, p, null);
    assert.equal(r.status, 401, `${method} ${p}`);
    assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer realm="accesso-unico"/);
  }
  // Someone who receives nothing else meanwhile: on PostgreSQL the suites share a database and
  // Maria's inbox keeps growing while other messages are fanned out, so her counts would move.
  const reader = who.lettrice;
  const p = await openPractice({ id: hub.people.lettrice.cf, name: hub.people.lettrice.given });
  await waitForMessage(reader, 'pratica-aperta', (x) => x.practice_id === p.id); // counted from here on
  const first = await officeMessage(reader, p, 'Primo avviso di prova.');
  const second = await officeMessage(reader, p, 'Secondo avviso di prova.');
  const list = await inbox(reader);
  const ids = list.messages.map((x) => x.id);
  assert.ok(ids.indexOf(second.id) < ids.indexOf(first.id), 'newest first');
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'ordered by id, descending');
  const unreadListed = list.messages.filter((x) => !x.read).length;
  if (list.next_before === null) assert.equal(list.unread, unreadListed, 'the unread count');
  else assert.ok(list.unread >= unreadListed, 'the unread count');
  assert.ok(unreadListed >= 2);
  assert.equal(first.read, false);
  assert.equal(first.read_at, null);
  assert.equal(first.service_id, SERVICE_ID);
  assert.equal(first.ente_id, 'comune-054039');

  const noCsrf = await apiCall(hub.base, 'POST', `/api/v1/messages/${first.id}/read`, reader, undefined, { csrf: false });
  assert.equal(noCsrf.status, 403, 'writes need X-CSRF-Token');
  const read = await apiCall(hub.base, 'POST', `/api/v1/messages/${first.id}/read`, reader);
  assert.equal(read.status, 204);
  let d = await messageDetail(reader, first.id);
  assert.equal(d.read, true);
  assert.ok(Math.abs(Date.parse(d.read_at) - Date.now()) < 120_000, `read_at ${d.read_at}`);
  const afterRead = await inbox(reader);
  assert.equal(afterRead.unread, list.unread - 1, 'one unread less');
  const unreadOnly = await inbox(reader, 'non_letti=true&limite=100');
  assert.ok(!unreadOnly.messages.some((x) => x.id === first.id) && unreadOnly.messages.some((x) => x.id === second.id));
  assert.ok(unreadOnly.messages.every((x) => !x.read));

  // Someone else: 404, and nothing changes.
  for (const [method, p2] of [['GET', `/api/v1/messages/${first.id}`], ['DELETE', `/api/v1/messages/${first.id}/read`], ['POST', `/api/v1/messages/${second.id}/read`]]) {
    const r = await apiCall(hub.base, method, p2, who.impresa);
    assert.equal(r.status, 404, `${method} ${p2} as someone else`);
    assert.ok(!r.body.includes('Primo avviso'), 'nothing of the message leaks');
  }
  assert.ok(!(await inbox(who.impresa)).messages.some((x) => x.id === first.id), 'not in her inbox');
  assert.equal((await messageDetail(reader, first.id)).read, true);
  assert.equal((await messageDetail(reader, second.id)).read, false);

  const unread = await apiCall(hub.base, 'DELETE', `/api/v1/messages/${first.id}/read`, reader);
  assert.equal(unread.status, 204);
  d = await messageDetail(reader, first.id);
  assert.equal(d.read, false);
  assert.equal(d.read_at, null);
  assert.equal((await inbox(reader)).unread, list.unread, 'the count is back');

  // Her live application with pratiche:lettura reads her inbox, and cannot change it; a test one cannot.
  const live = await appToken(['pratiche:lettura'], 'live', reader);
  const byApp = await apiCall(hub.base, 'GET', '/api/v1/messages?limite=100', null, undefined, { bearer: live });
  assert.equal(byApp.status, 200, byApp.body);
  assert.ok(byApp.json.messages.some((x) => x.id === first.id), 'her messages');
  assert.equal((await apiCall(hub.base, 'POST', `/api/v1/messages/${first.id}/read`, null, undefined, { bearer: live })).status, 403);
  assert.equal((await apiCall(hub.base, 'GET', '/api/v1/messages', null, undefined, { bearer: await appToken(['pratiche:lettura'], 'test', reader) })).status, 403);

  // Pages.
  const one = await inbox(reader, 'limite=1');
  assert.equal(one.messages.length, 1);
  assert.equal(one.next_before, one.messages[0].id);
  const page2 = await inbox(reader, `limite=1&prima_di=${one.next_before}`);
  assert.ok(page2.messages[0].id < one.messages[0].id, 'the next page is older');
});

test('inbox API: malformed query 400, bad ids 404, wrong methods 405 with Allow', async () => {
  const problem = (r, status, what) => {
    assert.equal(r.status, status, `${what}: ${r.status} ${r.body.slice(0, 200)}`);
    assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
    assert.equal(r.json.status, status, what);
  };
  for (const q of ['limite=0', 'limite=101', 'limite=abc', 'limite=', 'non_letti=si', 'prima_di=0', 'prima_di=-3', 'prima_di=1e3', 'pagina=2', 'limite=%ZZ']) {
    const r = await apiCall(hub.base, 'GET', `/api/v1/messages?${q}`, who.cittadino);
    problem(r, 400, q);
  }
  const m = (await inbox(who.cittadino)).messages[0];
  for (const p of ['/api/v1/messages/abc', '/api/v1/messages/0', '/api/v1/messages/-1', '/api/v1/messages/1.5',
    '/api/v1/messages/99999999999999999999', '/api/v1/messages/999999999', `/api/v1/messages/${m.id}/letto`,
    `/api/v1/messages/${m.id}/read/ancora`]) {
    problem(await apiCall(hub.base, 'GET', p, who.cittadino), 404, `GET ${p}`);
  }
  problem(await apiCall(hub.base, 'POST', '/api/v1/messages/abc/read', who.cittadino), 404, 'POST read of a bad id');
  for (const [method, p, allow] of [
    ['PUT', '/api/v1/messages', 'GET, HEAD'], ['POST', '/api/v1/messages', 'GET, HEAD'],
    ['DELETE', `/api/v1/messages/${m.id}`, 'GET, HEAD'], ['GET', `/api/v1/messages/${m.id}/read`, 'POST, DELETE'],
    ['PATCH', '/api/v1/notification-preferences', 'GET, HEAD, PUT'], ['GET', '/api/v1/calendar-feed', 'POST, DELETE'],
  ]) {
    const r = await apiCall(hub.base, method, p, who.cittadino);
    problem(r, 405, `${method} ${p}`);
    assert.equal(r.headers.get('allow'), allow, `${method} ${p}: Allow`);
  }
});

test('an address the server refuses with 550: permanent failure, the contact flagged, no retry', async () => {
  const person = hub.people.rimbalzo;
  await hub.cli(['contacts', 'set', person.cf, 'email', person.email]);
  await hub.sink.reject([person.email]);
  const p = await openPractice({ id: person.cf, name: person.given });
  const m = await waitForMessage(who.rimbalzo, 'pratica-aperta', (x) => x.practice_id === p.id);
  const email = await waitForDelivery(who.rimbalzo, m.id, 'email', (d) => d.status !== 'created' && d.status !== 'sending');
  assert.equal(email.status, 'permanent-failure');
  assert.equal(email.attempts, 1);
  assert.match(email.reason ?? '', /550|non esiste|rifiut/i, `reason: ${email.reason}`);
  const prefs = await apiCall(hub.base, 'GET', '/api/v1/notification-preferences', who.rimbalzo);
  assert.equal(prefs.status, 200);
  assert.equal(prefs.json.contacts.email, person.email);
  assert.ok(prefs.json.invalid_contacts.email, `flagged: ${JSON.stringify(prefs.json.invalid_contacts)}`);
  assert.ok(Math.abs(Date.parse(prefs.json.invalid_contacts.email.since) - Date.now()) < 120_000);
  assert.ok(prefs.json.invalid_contacts.email.reason.length > 0);
  const row = (await hub.sql(`SELECT n.next_attempt_at || '|' || (SELECT COUNT(*) FROM notification_attempts a WHERE a.notification_id = n.id) FROM notifications n WHERE n.message_id = ${m.id} AND n.channel = 'email'`)).trim();
  assert.equal(row, '|1', 'no next attempt, one attempt recorded');
  // The flagged address is skipped for the next message; the first is still not retried.
  const next = await officeMessage(who.rimbalzo, p, 'Un secondo avviso.');
  const d = await waitFor('the second message fanned out', async () => {
    const x = await messageDetail(who.rimbalzo, next.id);
    return x.deliveries.length > 0 && x.deliveries.every((y) => !['created', 'sending'].includes(y.status)) ? x : null;
  });
  assert.equal(d.deliveries.find((x) => x.channel === 'email'), undefined, 'no email to a flagged address');
  assert.equal((await waitForDelivery(who.rimbalzo, m.id, 'email', () => true)).attempts, 1, 'never retried');
  assert.equal((await emailsAbout(p.title)).length, 0, 'nothing accepted by the server');
  // A new address clears the flag: the next message is emailed there.
  await hub.sink.reject([]);
  const fixed = await apiCall(hub.base, 'PUT', '/api/v1/notification-preferences', who.rimbalzo, { contacts: { email: `corretto-${person.email}` } });
  assert.equal(fixed.status, 200, fixed.body);
  assert.deepEqual(fixed.json.invalid_contacts, {}, 'the flag is gone with the old address');
  const third = await officeMessage(who.rimbalzo, p, 'Un terzo avviso, al nuovo indirizzo.');
  await allDelivered(who.rimbalzo, third.id, ['email']);
  assert.deepEqual((await emailsAbout(third.subject)).map((x) => x.envelope.to), [[`corretto-${person.email}`]]);
});

test('the CLI refuses bad contacts with the reason, and stores nothing', async () => {
  const cf = randomFiscalCode();
  await assert.rejects(hub.cli(['contacts', 'set', cf, 'email', 'non-una-email']), new RegExp(`${cf} email: `));
  await assert.rejects(hub.cli(['contacts', 'set', cf, 'sms', '12345']), new RegExp(`${cf} sms: `));
  await assert.rejects(hub.cli(['contacts', 'set', cf, 'webhook', 'http://example.org/x']), /https/);
  await assert.rejects(hub.cli(['contacts', 'set', cf, 'piccione', 'x']), /canale sconosciuto/);
  await assert.rejects(hub.cli(['contacts', 'set', `${cf.slice(0, 15)}${cf[15] === 'A' ? 'B' : 'A'}`, 'email', 'a@example.org']), /codice fiscale o partita IVA non valido/);
  assert.equal((await hub.sql(`SELECT COUNT(*) FROM notification_contacts WHERE subject = '${cf}'`)).trim(), '0');
});

test('the SMTP server stopped mid-run and restarted: the email waits and is delivered after the restart', async () => {
  const p = await openPractice(maria);
  const opened = await waitForMessage(who.cittadino, 'pratica-aperta', (x) => x.practice_id === p.id);
  await allDelivered(who.cittadino, opened.id, ['email']);
  const restart = await stopSmtpForAWhile();
  let m;
  try {
    m = await officeMessage(who.cittadino, p, 'Avviso durante il guasto del server di posta.');
    const failed = await waitForDelivery(who.cittadino, m.id, 'email', (d) => d.status === 'temporary-failure');
    assert.ok(failed.attempts >= 1);
    assert.ok(failed.reason, 'a reason while it waits');
    await allDelivered(who.cittadino, m.id, ['io', 'sms', 'webhook']); // the other channels do not wait
  } finally {
    await restart();
  }
  const email = await waitForDelivery(who.cittadino, m.id, 'email', (d) => d.status === 'delivered', { timeout: 30_000 });
  assert.ok(email.attempts > 1, `attempts ${email.attempts}`);
  const mails = await emailsAbout(m.subject);
  assert.equal(mails.length, 1, 'one email after the restart');
  assert.ok(mails[0].text.includes('Avviso durante il guasto del server di posta.'));
});

test('App IO answering 429 then 500: retried, then delivered once', async () => {
  const p = await openPractice(maria);
  const opened = await waitForMessage(who.cittadino, 'pratica-aperta', (x) => x.practice_id === p.id);
  await allDelivered(who.cittadino, opened.id, ['io']);
  hub.io.clear();
  hub.io.fault(429, 1, 1); // Retry-After: 1 s
  hub.io.fault(500, 1); // queued: the retry after the 429 gets it
  const m = await officeMessage(who.cittadino, p, 'Avviso con App IO in difficoltà.');
  const io = await waitForDelivery(who.cittadino, m.id, 'io', (d) => d.status === 'delivered', { timeout: 30_000 });
  assert.equal(io.attempts, 3, '429, 500, then delivered');
  assert.deepEqual(hub.io.calls().map((c) => c.status), [429, 500, 200, 201], 'the calls IO saw');
  assert.equal(hub.io.messages().filter((x) => x.content.markdown.includes('Avviso con App IO in difficoltà.')).length, 1, 'one message');
});

test('App IO: a person who refused the service (sender_allowed false) gets a permanent failure and nothing at IO', async () => {
  const person = hub.people['io-negato'];
  const p = await openPractice({ id: person.cf, name: person.given });
  const m = await waitForMessage(who['io-negato'], 'pratica-aperta', (x) => x.practice_id === p.id);
  const io = await waitForDelivery(who['io-negato'], m.id, 'io', (d) => !['created', 'sending'].includes(d.status));
  assert.equal(io.status, 'permanent-failure');
  assert.equal(io.attempts, 1);
  assert.ok(io.reason, 'a reason');
  assert.equal(hub.io.messages().filter((x) => x.fiscal_code === person.cf).length, 0);
  await allDelivered(who['io-negato'], m.id, ['email']); // the other channels are not affected
});

test('a person with no channel at all (no email, not on App IO): the message is in the inbox, nothing else goes out', async () => {
  const person = hub.people['senza-canali'];
  const p = await openPractice({ id: person.cf, name: person.given });
  await send(ev('richiesta-integrazione', p.id, { request_id: 'INT-9', description: 'Documento di identità', due_days: 20 }));
  const m = await waitForMessage(who['senza-canali'], 'richiesta-integrazione', (x) => x.practice_id === p.id && x.kind === 'richiesta-integrazione');
  assert.match(m.body, /Documento di identità/);
  assert.equal(m.due_date, nextWorkingDay(romeDay(20)));
  const io = await waitForDelivery(who['senza-canali'], m.id, 'io', (d) => !['created', 'sending'].includes(d.status));
  assert.equal(io.status, 'permanent-failure', 'not on App IO (no profile)');
  assert.equal(io.reason, 'il destinatario non usa App IO');
  assert.deepEqual((await messageDetail(who['senza-canali'], m.id)).deliveries.map((d) => d.channel), ['io'], 'no email, SMS or webhook delivery');
  assert.equal(hub.io.messages().filter((x) => x.fiscal_code === person.cf).length, 0, 'nothing at IO');
  assert.equal((await emailsAbout(p.title)).length, 0, 'no email');
});

test('a webhook receiver slower than the channel timeout: temporary failure, retried, then delivered', async () => {
  const p = await openPractice(maria);
  const opened = await waitForMessage(who.cittadino, 'pratica-aperta', (x) => x.practice_id === p.id);
  await allDelivered(who.cittadino, opened.id, ['webhook']);
  rx.respondWith({ status: 204, delayMs: TIMEOUT_MS * 3 });
  let m;
  try {
    m = await officeMessage(who.cittadino, p, 'Avviso a un ricevitore lento.');
    const slow = await waitForDelivery(who.cittadino, m.id, 'webhook', (d) => d.status === 'temporary-failure');
    assert.ok(slow.attempts >= 1);
    assert.ok(slow.reason, 'the reason of the failure');
  } finally {
    rx.respondWith({ status: 204, delayMs: 0 });
  }
  const hook = await waitForDelivery(who.cittadino, m.id, 'webhook', (d) => d.status === 'delivered', { timeout: 30_000 });
  assert.ok(hook.attempts >= 2, `attempts ${hook.attempts}`);
  const got = rx.requests().filter((r) => JSON.parse(r.body).message_id === m.id);
  assert.ok(got.length >= 2, 'the receiver saw the retry');
  assert.equal(new Set(got.map((r) => r.headers['webhook-id'])).size, 1, 'the same Webhook-Id on every attempt');
  for (const r of got) assert.ok(verifySignature(r.headers, r.body), 'each attempt signed');
});
