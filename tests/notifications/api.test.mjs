// The notification API (src/api/messages_api.h, src/api/notifications_api.h) as people, operators
// and applications use it: preferences (every bad value a 422 with its JSON path, nothing
// written; 400/403/413/415), quiet hours that hold an email back while the inbox gets the message
// at once, the private calendar feed parsed by an independent iCalendar parser (Debian's
// python3-icalendar) and revoked, and bulk sends by an operator and by a live application (202 +
// Location, inbox and email but never App IO, scheduled and cancelled, 409 once gone, 422 for
// every bad field, 403/404 for who may not, 429 under the per-key rate limit).
//
//   AU_BINARY=$PWD/build/accesso-unico node --test tests/notifications/api.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { registerApp, tokenFor } from '../identity/access-helpers.mjs';
import {
  startNotifyHub, stopNotifyHub, login, openPractice, send, ev, practiceDetail, inbox, waitFor, waitForMessage,
  messageDetail, waitForDelivery, emailsAbout, resetPreferences, apiCall, request, unique, randomFiscalCode,
  MARIA, romeDay,
} from './notify-hub.mjs';

const SERVICE_ID = 'rc-passo-carrabile';
const BURST = 4;
let hub;
const who = {};

before(async () => {
  hub = await startNotifyHub({
    people: ['preferenze', 'silenzio', 'calendario'],
    env: { AU_API_RATE_PER_SECOND: '1', AU_API_BURST: String(BURST) },
  });
  for (const id of ['cittadino', 'operatore', 'preferenze', 'silenzio', 'calendario']) who[id] = await login(id);
  await resetPreferences(who.cittadino, [SERVICE_ID]);
}, { timeout: 300_000 });

after(async () => {
  if (who.cittadino) await resetPreferences(who.cittadino, [SERVICE_ID]).catch(() => {});
  await stopNotifyHub();
}, { timeout: 120_000 });

const call = (method, path, as, body, opts) => apiCall(hub.base, method, path, as, body, opts);
const prefs = async (as) => {
  const r = await call('GET', '/api/v1/notification-preferences', as);
  assert.equal(r.status, 200, r.body);
  return r.json;
};

function problem(r, status, what) {
  assert.equal(r.status, status, `${what}: ${r.status} ${r.body.slice(0, 300)}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/, `${what}: Content-Type`);
  assert.equal(r.json.status, status, `${what}: problem status`);
  assert.ok(r.json.title && r.json.detail, `${what}: title and detail`);
  return r.json;
}
const paths = (body) => (body.errors ?? []).map((e) => e.path).sort();

// --- preferences -------------------------------------------------------------------------------

test('preferences: the defaults, then every choice saved and read back (the webhook secret shown once)', async () => {
  const person = hub.people.preferenze;
  assert.deepEqual(await prefs(who.preferenze), {
    contacts: { email: person.email, sms: null, webhook: null },
    invalid_contacts: {},
    channels: { email: true, io: true, sms: true, webhook: true },
    services: {},
    quiet_hours: null,
    daily_digest: false,
    calendar_feed_since: null,
  });
  const r = await call('PUT', '/api/v1/notification-preferences', who.preferenze, {
    contacts: { email: 'altra.casella@example.org', sms: '+393401234567', webhook: 'https://ricevitore.example.org/avvisi' },
    channels: { sms: false },
    services: { [SERVICE_ID]: { email: false, io: true } },
    quiet_hours: { start: '22:00', end: '07:30' },
    daily_digest: true,
  });
  assert.equal(r.status, 200, r.body);
  assert.match(r.headers.get('cache-control') ?? '', /no-store/);
  assert.match(r.json.webhook_secret ?? '', /^[A-Za-z0-9_-]{43}$/, 'a fresh 32-byte secret');
  const expected = {
    contacts: { email: 'altra.casella@example.org', sms: '+393401234567', webhook: 'https://ricevitore.example.org/avvisi' },
    invalid_contacts: {},
    channels: { email: true, io: true, sms: false, webhook: true },
    services: { [SERVICE_ID]: { email: false, io: true } },
    quiet_hours: { start: '22:00', end: '07:30' },
    daily_digest: true,
    calendar_feed_since: null,
  };
  const { webhook_secret: _, ...saved } = r.json;
  assert.deepEqual(saved, expected);
  assert.deepEqual(await prefs(who.preferenze), expected, 'read back, without the secret');
  // null removes a contact; quiet hours off.
  const off = await call('PUT', '/api/v1/notification-preferences', who.preferenze,
    { contacts: { webhook: null, sms: null }, quiet_hours: null, daily_digest: false });
  assert.equal(off.status, 200, off.body);
  assert.equal(off.json.webhook_secret, undefined, 'no secret without a new webhook');
  assert.deepEqual(off.json.contacts, { email: 'altra.casella@example.org', sms: null, webhook: null });
  assert.equal(off.json.quiet_hours, null);
  assert.equal(off.json.daily_digest, false);
});

test('preferences: 422 with the JSON path of every bad value, and nothing written', async () => {
  const before = await prefs(who.preferenze);
  const put = (body) => call('PUT', '/api/v1/notification-preferences', who.preferenze, body);
  const cases = [
    [{ contacts: { email: 'non-una-email' } }, ['/contacts/email']],
    [{ daily_digest: 'sì' }, ['/daily_digest']],
    [{ contacts: { email: 'a@b@example.org' } }, ['/contacts/email']],
    [{ contacts: { sms: '3331234567x' } }, ['/contacts/sms']],
    [{ contacts: { sms: 12345 } }, ['/contacts/sms']],
    [{ contacts: { webhook: 'ftp://example.org/x' } }, ['/contacts/webhook']],
    [{ contacts: { webhook: 'http://example.org/x' } }, ['/contacts/webhook']],
    [{ contacts: { webhook: 'https://utente@example.org/x' } }, ['/contacts/webhook']],
    [{ contacts: { fax: '+39075123456' } }, ['/contacts/fax']],
    [{ contacts: 'io@example.org' }, ['/contacts']],
    [{ channels: { fax: true } }, ['/channels/fax']],
    [{ channels: { inbox: false } }, ['/channels/inbox']],
    [{ channels: { email: 'no' } }, ['/channels/email']],
    [{ services: { 'servizio-inesistente': { email: false } } }, ['/services/servizio-inesistente']],
    [{ services: { [SERVICE_ID]: { piccione: true } } }, [`/services/${SERVICE_ID}/piccione`]],
    [{ quiet_hours: { start: '25:00', end: '07:00' } }, ['/quiet_hours']],
    [{ quiet_hours: { start: '22:00', end: '22:00' } }, ['/quiet_hours']],
    [{ quiet_hours: { start: '22:00' } }, ['/quiet_hours']],
    [{ quiet_hours: '22-07' }, ['/quiet_hours']],
    [{ colore: 'blu' }, ['/colore']],
    [[], ['']],
    [{ contacts: { email: 'x', sms: 'y', webhook: 'z' }, channels: { fax: true }, quiet_hours: { start: 'a', end: 'b' }, extra: 1 },
      ['/channels/fax', '/contacts/email', '/contacts/sms', '/contacts/webhook', '/extra', '/quiet_hours']],
  ];
  for (const [body, expected] of cases) {
    const p = problem(await put(body), 422, JSON.stringify(body));
    assert.deepEqual(paths(p), expected, JSON.stringify(body));
    for (const e of p.errors) assert.ok(typeof e.message === 'string' && e.message.length > 5, `a message for ${e.path}`);
  }
  assert.deepEqual(await prefs(who.preferenze), before, 'nothing written');
});

test('error paths are JSON Pointers (RFC 6901): "/" and "~" in member names are escaped', async () => {
  const prefsError = problem(await call('PUT', '/api/v1/notification-preferences', who.preferenze,
    { services: { 'uffici/tecnici': { email: false } }, 'a~b': 1 }), 422, 'preferences');
  assert.deepEqual(paths(prefsError), ['/a~0b', '/services/uffici~1tecnici']);
  const bulkError = problem(await bulk(who.operatore, bulkBody({ 'note/interne': 'x' })), 422, 'bulk send');
  assert.deepEqual(paths(bulkError), ['/note~1interne']);
});

test('preferences: 415, 400, 403 without X-CSRF-Token, 413, no query parameters, not for applications', async () => {
  const before = await prefs(who.preferenze);
  const good = JSON.stringify({ channels: { sms: true } });
  problem(await call('PUT', '/api/v1/notification-preferences', who.preferenze, undefined, { raw: good, contentType: 'text/plain' }), 415, 'text/plain');
  problem(await call('PUT', '/api/v1/notification-preferences', who.preferenze, undefined, { raw: '{"channels": {', contentType: 'application/json' }), 400, 'bad JSON');
  problem(await call('PUT', '/api/v1/notification-preferences', who.preferenze, { channels: { sms: true } }, { csrf: false }), 403, 'no X-CSRF-Token');
  problem(await call('PUT', '/api/v1/notification-preferences', who.preferenze, { channels: { sms: true } }, { csrf: false, headers: { 'x-csrf-token': 'sbagliato' } }), 403, 'a wrong X-CSRF-Token');
  problem(await call('GET', '/api/v1/notification-preferences?x=1', who.preferenze), 400, 'a query string');
  const big = await request(`${hub.base}/api/v1/notification-preferences`, {
    method: 'PUT',
    headers: { cookie: who.preferenze.cookie, 'x-csrf-token': who.preferenze.csrf, 'content-type': 'application/json' },
    body: JSON.stringify({ contacts: { webhook: `https://example.org/${'a'.repeat(70_000)}` } }),
  });
  assert.equal(big.status, 413, `a 68 KiB body: ${big.status}`);
  const app = await liveApp(['pratiche:lettura']);
  problem(await call('GET', '/api/v1/notification-preferences', null, undefined, { bearer: app }), 403, 'an application reads preferences');
  assert.deepEqual(await prefs(who.preferenze), before, 'nothing written');
});

// --- quiet hours -------------------------------------------------------------------------------

const romeHHMM = (ms) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Rome', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
const inRome = (instant) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Rome', dateStyle: 'short', timeStyle: 'medium' }).format(new Date(instant));

test('quiet hours hold the email back to their end; the inbox gets the message at once', async () => {
  const person = hub.people.silenzio;
  const start = romeHHMM(Date.now() - 3600_000), end = romeHHMM(Date.now() + 3600_000);
  const r = await call('PUT', '/api/v1/notification-preferences', who.silenzio, { quiet_hours: { start, end } });
  assert.equal(r.status, 200, r.body);
  try {
    const p = await openPractice({ id: person.cf, name: person.given });
    const m = await waitForMessage(who.silenzio, 'pratica-aperta', (x) => x.practice_id === p.id);
    assert.equal(m.read, false);
    const email = await waitForDelivery(who.silenzio, m.id, 'email', () => true);
    assert.equal(email.status, 'created', 'waiting');
    assert.equal(email.attempts, 0);
    const io = await waitForDelivery(who.silenzio, m.id, 'io', () => true);
    assert.equal(io.status, 'created', 'App IO waits too');
    const next = (await hub.sql(`SELECT next_attempt_at FROM notifications WHERE message_id = ${m.id} AND channel = 'email'`)).trim();
    assert.ok(Date.parse(next) > Date.now() + 30 * 60_000, `next_attempt_at ${next} is later`);
    assert.equal(inRome(next).slice(11), `${end}:00`, `at the end of the quiet hours (${next})`);
    assert.ok(Date.parse(next) < Date.now() + 3 * 3600_000);
    assert.equal((await emailsAbout(p.title)).length, 0, 'no email yet');
  } finally {
    // Nothing left pending for a later suite on a shared database.
    const off = await call('PUT', '/api/v1/notification-preferences', who.silenzio, { channels: { email: false, io: false }, quiet_hours: null });
    assert.equal(off.status, 200, off.body);
  }
  // Switching the channels off is effective at once: what was waiting is cancelled.
  const m = (await inbox(who.silenzio)).messages[0];
  const held = (await messageDetail(who.silenzio, m.id)).deliveries;
  assert.deepEqual(held.map((d) => [d.channel, d.status]).sort(), [['email', 'cancelled'], ['io', 'cancelled']]);
});

// --- calendar feed -----------------------------------------------------------------------------

function parseIcs(text) {
  const script = `
import sys, json
from icalendar import Calendar
cal = Calendar.from_ical(sys.stdin.read())
events = []
for ev in cal.walk('VEVENT'):
    d = ev.get('dtstart')
    events.append({'uid': str(ev.get('uid')), 'summary': str(ev.get('summary')), 'dtstart': d.dt.isoformat(),
                   'value': d.params.get('VALUE'), 'kind': type(d.dt).__name__,
                   'alarms': [a.get('trigger').to_ical().decode() for a in ev.walk('VALARM')]})
print(json.dumps({'version': str(cal.get('version')), 'prodid': str(cal.get('prodid')), 'events': events}))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `icalendar could not parse the feed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('calendar feed: a secret URL, parsed by icalendar, with the request due date and the legal deadline; revocable', async () => {
  const person = hub.people.calendario;
  const p = await openPractice({ id: person.cf, name: person.given }, { submitted_on: romeDay(-3), legal_term_days: 60 });
  await send(ev('richiesta-integrazione', p.id, { request_id: 'INT-1', description: 'Planimetria', due_days: 12 }));
  const detail = await practiceDetail(p.id);
  const requestDue = detail.open_requests[0].due, legalDue = detail.deadline.due;
  assert.ok(requestDue && legalDue && requestDue !== legalDue);

  problem(await call('POST', '/api/v1/calendar-feed', who.calendario, undefined, { csrf: false }), 403, 'no X-CSRF-Token');
  problem(await call('POST', '/api/v1/calendar-feed?x=1', who.calendario), 400, 'a query string');
  const created = await call('POST', '/api/v1/calendar-feed', who.calendario);
  assert.equal(created.status, 201, created.body);
  const url = created.json.url;
  assert.match(url, new RegExp(`^${hub.base}/calendario/[A-Za-z0-9]{32}\\.ics$`));
  assert.ok((await prefs(who.calendario)).calendar_feed_since, 'calendar_feed_since set');

  const feed = await fetch(url); // no cookie: the URL is the credential
  const text = await feed.text();
  assert.equal(feed.status, 200, text);
  assert.match(feed.headers.get('content-type') ?? '', /^text\/calendar/);
  assert.match(feed.headers.get('cache-control') ?? '', /no-store/);
  const cal = parseIcs(text);
  assert.equal(cal.version, '2.0');
  const mine = cal.events.filter((e) => e.summary.includes(p.title) || e.uid.includes(p.id));
  const request = mine.find((e) => e.dtstart === requestDue);
  const legal = mine.find((e) => e.dtstart === legalDue);
  assert.ok(request, `a VEVENT on the request's due date ${requestDue}: ${JSON.stringify(mine)}`);
  assert.ok(legal, `a VEVENT on the legal deadline ${legalDue}: ${JSON.stringify(mine)}`);
  for (const e of [request, legal]) {
    assert.equal(e.kind, 'date', 'an all-day date');
    assert.equal(e.value, 'DATE');
  }
  assert.deepEqual([...request.alarms].sort(), ['-P1D', '-P7D'], 'her due date: alarms 7 days and 1 day before');
  assert.match(request.summary, /^Documenti da inviare: /);
  assert.match(legal.summary, /^Termine per la conclusione: /);
  assert.ok(text.includes(`DTSTART;VALUE=DATE:${requestDue.replace(/-/g, '')}`));
  assert.equal(new Set(cal.events.map((e) => e.uid)).size, cal.events.length, 'unique UIDs');

  // A new address revokes the old one; DELETE revokes the new one.
  const again = await call('POST', '/api/v1/calendar-feed', who.calendario);
  assert.equal(again.status, 201);
  assert.notEqual(again.json.url, url);
  assert.equal((await fetch(url)).status, 404, 'the old address is gone');
  assert.equal((await fetch(again.json.url)).status, 200);
  assert.equal((await call('DELETE', '/api/v1/calendar-feed', who.calendario)).status, 204);
  assert.equal((await fetch(again.json.url)).status, 404, 'revoked');
  assert.equal((await prefs(who.calendario)).calendar_feed_since, null);

  const token = again.json.url.match(/calendario\/([A-Za-z0-9]{32})\.ics$/)[1];
  for (const bad of ['abc.ics', `${token.slice(1)}.ics`, `${token.slice(1)}-.ics`, `${'A'.repeat(32)}.ics`, token, `${token}.ics.ics`, `${'%C3%A0'.repeat(16)}.ics`]) {
    const r = await fetch(`${hub.base}/calendario/${bad}`);
    assert.equal(r.status, 404, `/calendario/${bad}`);
  }
  assert.equal((await fetch(`${hub.base}/calendario/${'%00'.repeat(32)}.ics`)).status, 400, 'NUL bytes in the path: a bad request');
  assert.equal((await fetch(again.json.url, { method: 'POST' })).status, 405, 'POST to a feed');
});

// --- bulk sends --------------------------------------------------------------------------------

const sendAtIn = (ms) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
let apps = 0;
async function liveApp(scopes, environment = 'live') {
  const reg = await registerApp(hub.base, who.cittadino, { name: `App notifiche ${unique('app')} ${++apps}`, scopes, environment });
  assert.equal(reg.status, 200, `registering an app with ${scopes}: ${reg.status}`);
  return tokenFor(hub.base, reg.clientId, reg.secret);
}
const bulk = (as, body, opts) => call('POST', '/api/v1/notifications', as, body, opts);
const bulkBody = (extra = {}) => ({ recipients: [MARIA], subject: `Avviso ${unique('invio')}`, text: 'Gentile cittadina, **chiusura** degli uffici venerdì.', service_id: SERVICE_ID, ...extra });

async function assertSentToInboxAndEmail(r, body, what, sender = null) {
  assert.equal(r.status, 202, `${what}: ${r.status} ${r.body}`);
  assert.match(r.json.id, /^inv-/);
  assert.equal(r.headers.get('location'), `/api/v1/notifications/${r.json.id}`);
  assert.equal(r.json.recipients, 1);
  assert.equal(r.json.subject, body.subject);
  const m = await waitForMessage(who.cittadino, body.subject, (x) => x.subject === body.subject);
  assert.equal(m.kind, 'comunicazione');
  // The sender's text is a value like any other: escaped, it cannot add formatting or links.
  assert.ok(m.body.includes('Gentile cittadina, \\*\\*chiusura\\*\\* degli uffici venerdì.'), m.body);
  if (sender) assert.ok(m.body.endsWith(`Mittente: ${sender}`), m.body);
  else assert.ok(!m.body.includes('Mittente'), m.body);
  const email = await waitForDelivery(who.cittadino, m.id, 'email', (d) => d.status === 'delivered');
  assert.equal(email.attempts, 1);
  assert.equal((await emailsAbout(body.subject)).length, 1, `${what}: the email`);
  assert.equal((await messageDetail(who.cittadino, m.id)).deliveries.find((d) => d.channel === 'io'), undefined, `${what}: no App IO delivery`);
  assert.ok(!hub.io.messages().some((x) => x.content.subject.includes(body.subject) || x.content.markdown.includes('chiusura')), `${what}: nothing at App IO`);
  return m;
}

test('bulk sends: an operator (session + CSRF) and a live app with notifiche:invio reach the inbox and email, never App IO', async () => {
  const body = bulkBody();
  const byOperator = await bulk(who.operatore, body);
  await assertSentToInboxAndEmail(byOperator, body, 'operator', 'Comune di Perugia, Autorizzazione per passo carrabile');
  const got = await call('GET', byOperator.headers.get('location'), who.operatore);
  assert.equal(got.status, 200);
  assert.equal(got.json.messages.ready, 1);
  assert.equal(got.json.service_id, SERVICE_ID);
  assert.ok((await call('GET', '/api/v1/notifications', who.operatore)).json.notifications.some((n) => n.id === byOperator.json.id), 'listed');

  const dup = await bulk(who.operatore, bulkBody({ recipients: [MARIA, MARIA.toLowerCase(), ` ${MARIA}`.trim()] }));
  assert.equal(dup.status, 202, dup.body);
  assert.equal(dup.json.recipients, 1, 'duplicates dropped');

  // A business: its representative reads it.
  const impresa = await login('impresa');
  const toBusiness = bulkBody({ recipients: ['02876540549'] });
  assert.equal((await bulk(who.operatore, toBusiness)).status, 202);
  const b = await waitForMessage(impresa, toBusiness.subject, (x) => x.subject === toBusiness.subject);
  assert.equal(b.kind, 'comunicazione');

  const token = await liveApp(['notifiche:invio']);
  const appBody = bulkBody();
  const byApp = await bulk(null, appBody, { bearer: token });
  await assertSentToInboxAndEmail(byApp, appBody, 'application');
  for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) assert.match(byApp.headers.get(h) ?? '', /^\d+$/, h);

  // Owners see only their own sends.
  problem(await call('GET', `/api/v1/notifications/${byOperator.json.id}`, null, undefined, { bearer: token }), 404, 'the app reads the operator\'s send');
  problem(await call('POST', `/api/v1/notifications/${byOperator.json.id}/cancel`, null, {}, { bearer: token }), 404, 'the app cancels the operator\'s send');
  problem(await call('GET', `/api/v1/notifications/${byApp.json.id}`, who.operatore), 404, 'the operator reads the app\'s send');
  const other = await liveApp(['notifiche:invio']);
  problem(await call('GET', `/api/v1/notifications/${byApp.json.id}`, null, undefined, { bearer: other }), 404, 'another app');
  assert.ok(!(await call('GET', '/api/v1/notifications', null, undefined, { bearer: other })).json.notifications.some((n) => n.id === byApp.json.id));
});

test('bulk sends: a scheduled send stays pending, is cancelled, and nothing goes out after its time; a sent one is 409', async () => {
  const later = bulkBody({ send_at: sendAtIn(3600_000) });
  const r = await bulk(who.operatore, later);
  assert.equal(r.status, 202, r.body);
  assert.equal(r.json.send_at, later.send_at);
  const pending = await call('GET', `/api/v1/notifications/${r.json.id}`, who.operatore);
  assert.deepEqual(pending.json.messages, { pending: 1 });

  const soonAt = sendAtIn(2500);
  const soon = bulkBody({ send_at: soonAt });
  const s = await bulk(who.operatore, soon);
  assert.equal(s.status, 202, s.body);
  for (const id of [s.json.id, r.json.id]) {
    const c = await call('POST', `/api/v1/notifications/${id}/cancel`, who.operatore, {});
    assert.equal(c.status, 200, c.body);
    assert.equal(c.json.status, 'annullato');
    assert.ok(c.json.cancelled_at);
    assert.deepEqual(c.json.messages, { cancelled: 1 });
  }
  assert.equal((await call('POST', `/api/v1/notifications/${s.json.id}/cancel`, who.operatore, {})).status, 200, 'cancelling twice is harmless');
  // Past its time, a send made now goes out; the cancelled one, due earlier, never does.
  await waitFor('the scheduled time to pass', () => Date.now() > Date.parse(soonAt) + 200, { timeout: 10_000 });
  const marker = bulkBody();
  await assertSentToInboxAndEmail(await bulk(who.operatore, marker), marker, 'the marker', 'Comune di Perugia, Autorizzazione per passo carrabile');
  assert.ok(!(await inbox(who.cittadino)).messages.some((x) => x.subject === soon.subject), 'the cancelled send is not in the inbox');
  assert.equal((await emailsAbout(soon.subject)).length, 0, 'and was not emailed');
  assert.deepEqual((await call('GET', `/api/v1/notifications/${s.json.id}`, who.operatore)).json.messages, { cancelled: 1 });

  const sent = await call('GET', '/api/v1/notifications', who.operatore);
  const gone = sent.json.notifications.find((n) => n.subject === marker.subject);
  problem(await call('POST', `/api/v1/notifications/${gone.id}/cancel`, who.operatore, {}), 409, 'cancelling a send that went out');
  problem(await call('POST', `/api/v1/notifications/${gone.id}/cancel`, who.operatore, {}, { csrf: false }), 403, 'no X-CSRF-Token');
});

test('bulk sends: 422 for every bad field, with its path; 400, 415; nothing written', async () => {
  const count = async () => (await call('GET', '/api/v1/notifications', who.operatore)).json.notifications.length;
  const before = await count();
  const bad = [...MARIA.slice(0, 15), MARIA[15] === 'A' ? 'B' : 'A'].join('');
  const cases = [
    [{ recipients: [] }, '/recipients'],
    [{ recipients: Array(1001).fill(MARIA) }, '/recipients'],
    [{ recipients: 'RSSMRA85C52G478I' }, '/recipients'],
    [{ recipients: [bad] }, '/recipients/0'],
    [{ recipients: [MARIA, '12345678901'] }, '/recipients/1'],
    [{ recipients: [MARIA, 42] }, '/recipients/1'],
    [{ subject: 'Nove car.' }, '/subject'],
    [{ subject: 'x'.repeat(121) }, '/subject'],
    [{ subject: 'Oggetto con\na capo' }, '/subject'],
    [{ text: '' }, '/text'],
    [{ text: 'Testo con un campanello \u0007' }, '/text'],
    [{ text: 'x'.repeat(5001) }, '/text'],
    [{ service_id: 'servizio-inesistente' }, '/service_id'],
    [{ send_at: sendAtIn(-10 * 60_000) }, '/send_at'],
    [{ send_at: sendAtIn(91 * 86400_000) }, '/send_at'],
    [{ send_at: '2026-13-01T08:00:00Z' }, '/send_at'],
    [{ send_at: 'domani mattina' }, '/send_at'],
    [{ send_at: 1764576000 }, '/send_at'],
    [{ priorita: 'alta' }, '/priorita'],
  ];
  for (const [extra, path] of cases) {
    const p = problem(await bulk(who.operatore, bulkBody(extra)), 422, `${JSON.stringify(extra).slice(0, 80)}`);
    assert.deepEqual(paths(p), [path], JSON.stringify(extra).slice(0, 80));
  }
  const { subject: _s, text: _t, ...noTexts } = bulkBody();
  assert.deepEqual(paths(problem(await bulk(who.operatore, noTexts), 422, 'no subject and text')), ['/subject', '/text']);
  problem(await bulk(who.operatore, undefined, { raw: '{"recipients": [', contentType: 'application/json' }), 400, 'bad JSON');
  const big = await request(`${hub.base}/api/v1/notifications`, {
    method: 'POST',
    headers: { cookie: who.operatore.cookie, 'x-csrf-token': who.operatore.csrf, 'content-type': 'application/json' },
    body: JSON.stringify(bulkBody({ text: 'x'.repeat(300 * 1024) })),
  });
  assert.equal(big.status, 413, `a 300 KiB body: ${big.status}`);
  problem(await bulk(who.operatore, undefined, { raw: JSON.stringify(bulkBody()), contentType: 'text/plain' }), 415, 'text/plain');
  problem(await bulk(who.operatore, bulkBody(), { csrf: false }), 403, 'no X-CSRF-Token');
  problem(await call('GET', '/api/v1/notifications?pagina=2', who.operatore), 400, 'a query string');
  problem(await call('GET', `/api/v1/notifications/${'x'.repeat(41)}`, who.operatore), 404, 'a long id');
  problem(await call('GET', '/api/v1/notifications/inv-inesistente', who.operatore), 404, 'an unknown id');
  problem(await call('DELETE', '/api/v1/notifications', who.operatore), 405, 'DELETE');
  assert.equal(await count(), before, 'nothing written');
});

test('bulk sends: 401 without credentials, 403 for a test app, an app without the scope and a citizen', async () => {
  const r = await bulk(null, bulkBody());
  problem(r, 401, 'anonymous');
  assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
  const testApp = await liveApp(['notifiche:invio'], 'test');
  assert.match(problem(await bulk(null, bulkBody(), { bearer: testApp }), 403, 'a test app').detail, /prova|live/);
  const noScope = await liveApp(['pratiche:lettura']);
  assert.match(problem(await bulk(null, bulkBody(), { bearer: noScope }), 403, 'no notifiche:invio').detail, /notifiche:invio/);
  problem(await bulk(who.cittadino, bulkBody()), 403, 'a citizen');
  problem(await call('GET', '/api/v1/notifications', who.cittadino), 403, 'a citizen lists');
});

test('bulk sends: the per-key rate limit answers 429 with Retry-After and X-RateLimit-* headers', async () => {
  const token = await liveApp(['notifiche:invio']);
  const nobody = randomFiscalCode(); // a valid code nobody uses: nothing reaches a person
  const burst = await Promise.all(Array.from({ length: 3 * BURST }, () => bulk(null, bulkBody({ recipients: [nobody], service_id: null }), { bearer: token })));
  const accepted = burst.filter((x) => x.status === 202), limited = burst.filter((x) => x.status === 429);
  assert.equal(accepted.length + limited.length, burst.length, `only 202 and 429: ${burst.map((x) => x.status)}`);
  assert.ok(accepted.length >= BURST && accepted.length <= BURST + 1, `accepted ${accepted.length} of ${burst.length} (burst ${BURST})`);
  for (const x of limited) {
    problem(x, 429, 'throttled');
    assert.match(x.headers.get('retry-after') ?? '', /^[1-9]\d*$/, 'Retry-After in seconds');
    assert.equal(x.headers.get('x-ratelimit-limit'), String(BURST));
    assert.equal(x.headers.get('x-ratelimit-remaining'), '0');
    assert.match(x.headers.get('x-ratelimit-reset') ?? '', /^\d+$/);
  }
  for (const x of accepted) assert.equal(x.headers.get('x-ratelimit-limit'), String(BURST));
});
