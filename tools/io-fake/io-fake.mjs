#!/usr/bin/env node
// A local fake of App IO's "IO API for Public Administration Services" (pagopa/io-functions-services
// openapi v4; docs: standards/italia.md §5). It is NOT App IO: nothing reaches a phone. It
// enforces the published validation rules, so a message the fake accepts has the shape IO
// accepts, and it keeps what it accepted for the tests to read back.
//
//   node tools/io-fake/io-fake.mjs --key KEY [--port N] [--profiles FILE.json]
//
// --port 0 (the default) takes a free port. Profiles file: {"RSSMRA85C52G478I": {"sender_allowed": true}}.
// On start it prints ONE JSON line on stdout, {"port": N}, and nothing else there; diagnostics
// go to stderr. SIGTERM/SIGINT close the server and exit 0.
//
// IO operations (base path /api/v1; header Ocp-Apim-Subscription-Key must equal --key, else 401):
//   POST /profiles {fiscal_code}  GET /profiles/{fiscal_code}  -> 200 LimitedProfile | 404 ProblemJson
//   POST /messages {fiscal_code, content, ...}  POST /messages/{fiscal_code} {content, ...}
//        -> 201 {id} + Location | 400 ProblemJson
//   GET  /messages/{fiscal_code}/{id}  -> 200 MessageResponseWithContent | 404 ProblemJson
// Rules enforced (schema of NewMessage / MessageContent): fiscal_code pattern below; content
// required; subject 10-120 and markdown 80-10000 code points (JSON Schema minLength/maxLength
// count code points); due_date an ISO 8601 date-time; time_to_live integer 3600-604800;
// feature_level_type STANDARD|ADVANCED; default_addresses.email a string; require_secure_channels
// boolean; payment_data {amount 1..9999999999, notice_number ^[0123][0-9]{17}$,
// invalid_after_due_date boolean, payee {fiscal_code: 11 digits} required}; prescription_data,
// legal_data, third_party_data objects (not checked further). Unknown properties are ignored,
// as IO's io-ts decoders ignore them.
// Where the fake is stricter than real IO, on purpose: real IO accepts a message to a citizen
// who is not on IO or who has opted out of the service and rejects it later (message status
// REJECTED). The spec makes the profile check the sender's duty, so the fake refuses those
// messages at once: 404 ProblemJson (no profile) and 403 ProblemJson (sender_allowed false),
// and a sender that skips the check fails its tests.
//
// Not IO (for tests), no key needed, under /__admin:
//   GET|DELETE /__admin/messages        accepted messages (oldest first) | forget them
//   GET|DELETE /__admin/calls           IO calls received: [{method, path, status}] | forget them
//   PUT|DELETE /__admin/profiles/{cf}   {"sender_allowed": bool} | remove the profile
//   POST /__admin/faults {"status": 429|500|..., "count": N, "retry_after": S?, "detail": "..."?}
//        the next N authenticated IO calls answer that status (ProblemJson; Retry-After when given);
//        faults queue up: a second POST applies once the first is used up (429 then 500, no race)
//   DELETE /__admin/faults             cancel the pending faults
//
// In-process use (Node tests):
//   import { startIoFake } from '../../tools/io-fake/io-fake.mjs';
//   const io = await startIoFake({ key: 'k', profiles: { RSSMRA85C52G478I: { sender_allowed: true } } });
//   io.port, io.baseUrl ("http://127.0.0.1:PORT/api/v1"), io.messages(), io.calls(), io.clear(),
//   io.setProfile(cf, allowed), io.removeProfile(cf), io.fault(status, count, retryAfter, detail?),
//   await io.stop()
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { readBody, parseJson, isMain } from '../stand-ins/http-helpers.mjs';

export const FISCAL_CODE = /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/;
const BASE = '/api/v1';
const MAX_BODY_BYTES = 1 << 20;
// ISO 8601 date-time with a zone, as IO's Timestamp codec takes it ("2018-10-13T00:00:00.000Z").
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

const codePoints = (s) => [...s].length;

// IO's validation errors read "value <json> at root.<path> is not a valid [<type>]".
class Invalid extends Error {
  constructor(title, detail) {
    super(detail);
    this.title = title;
    this.detail = detail;
  }
}
const invalid = (value, path, type) =>
  `value ${JSON.stringify(value) ?? 'undefined'} at root.${path} is not a valid [${type}]`;

function checkString(obj, key, path, min, max, errors) {
  const v = obj[key];
  if (typeof v !== 'string' || codePoints(v) < min || codePoints(v) > max) {
    errors.push(invalid(v, `${path}.${key}`, `string of length >= ${min} and <= ${max}`));
  }
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function validateContent(content, errors) {
  if (!isObject(content)) {
    errors.push(invalid(content, 'content', 'MessageContent'));
    return;
  }
  checkString(content, 'subject', 'content', 10, 120, errors);
  checkString(content, 'markdown', 'content', 80, 10000, errors);
  if ('due_date' in content) {
    const d = content.due_date;
    if (typeof d !== 'string' || !DATE_TIME.test(d) || Number.isNaN(Date.parse(d))) {
      errors.push(invalid(d, 'content.due_date', 'Timestamp'));
    }
  }
  if ('require_secure_channels' in content && typeof content.require_secure_channels !== 'boolean') {
    errors.push(invalid(content.require_secure_channels, 'content.require_secure_channels', 'boolean'));
  }
  if ('payment_data' in content) {
    const p = content.payment_data;
    if (!isObject(p)) {
      errors.push(invalid(p, 'content.payment_data', 'PaymentData'));
    } else {
      if (!Number.isInteger(p.amount) || p.amount < 1 || p.amount > 9999999999) {
        errors.push(invalid(p.amount, 'content.payment_data.amount', 'integer >= 1 and <= 9999999999'));
      }
      if (typeof p.notice_number !== 'string' || !/^[0123][0-9]{17}$/.test(p.notice_number)) {
        errors.push(invalid(p.notice_number, 'content.payment_data.notice_number', 'PaymentNoticeNumber'));
      }
      if ('invalid_after_due_date' in p && typeof p.invalid_after_due_date !== 'boolean') {
        errors.push(invalid(p.invalid_after_due_date, 'content.payment_data.invalid_after_due_date', 'boolean'));
      }
      if (!isObject(p.payee) || typeof p.payee.fiscal_code !== 'string' || !/^[0-9]{11}$/.test(p.payee.fiscal_code)) {
        errors.push(invalid(p.payee, 'content.payment_data.payee', 'Payee'));
      }
    }
  }
  for (const key of ['prescription_data', 'legal_data', 'third_party_data']) {
    if (key in content && !isObject(content[key])) errors.push(invalid(content[key], `content.${key}`, 'object'));
  }
}

// The NewMessage body, with the fiscal code from the path when the operation has one.
function validateNewMessage(body, pathFiscalCode) {
  const errors = [];
  if (!isObject(body)) throw new Invalid('Invalid NewMessage', invalid(body, '', 'NewMessage'));
  const fiscalCode = pathFiscalCode ?? body.fiscal_code;
  if (pathFiscalCode === undefined && (typeof fiscalCode !== 'string' || !FISCAL_CODE.test(fiscalCode))) {
    errors.push(invalid(fiscalCode, 'fiscal_code', 'FiscalCode'));
  }
  validateContent(body.content, errors);
  if ('time_to_live' in body) {
    const t = body.time_to_live;
    if (!Number.isInteger(t) || t < 3600 || t > 604800) errors.push(invalid(t, 'time_to_live', 'TimeToLiveSeconds'));
  }
  if ('feature_level_type' in body && !['STANDARD', 'ADVANCED'].includes(body.feature_level_type)) {
    errors.push(invalid(body.feature_level_type, 'feature_level_type', 'FeatureLevelType'));
  }
  if ('default_addresses' in body) {
    const a = body.default_addresses;
    if (!isObject(a) || ('email' in a && typeof a.email !== 'string')) {
      errors.push(invalid(a, 'default_addresses', 'NewMessageDefaultAddresses'));
    }
  }
  if (errors.length) throw new Invalid('Invalid NewMessage', errors.join(' / '));
  return fiscalCode;
}

// IO's message ids are ULIDs: 48-bit time then 80 random bits, Crockford base32.
function ulid() {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let time = Date.now();
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = alphabet[time % 32] + out;
    time = Math.floor(time / 32);
  }
  for (const b of crypto.randomBytes(16)) out += alphabet[b % 32];
  return out;
}

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const type = status >= 400 && body !== undefined ? 'application/problem+json' : 'application/json';
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const problem = (status, title, detail) => ({ type: 'about:blank', title, status, detail });

export async function startIoFake({ key, profiles = {}, port = 0, host = '127.0.0.1' } = {}) {
  if (!key) throw new Error('io-fake: serve la chiave (key)');
  const state = {
    profiles: new Map(Object.entries(profiles).map(([cf, p]) => [cf, { sender_allowed: Boolean(p?.sender_allowed) }])),
    messages: [],
    calls: [],
    faults: [], // queued {status, count, retryAfter, detail}, the first applies
  };

  function queueFault(status, count, retryAfter, detail) {
    if (count > 0) state.faults.push({ status, count, retryAfter, detail });
  }

  async function admin(req, res, path) {
    if (path === '/__admin/messages') {
      if (req.method === 'GET') return send(res, 200, state.messages);
      if (req.method === 'DELETE') {
        state.messages = [];
        return send(res, 204);
      }
    } else if (path === '/__admin/calls') {
      if (req.method === 'GET') return send(res, 200, state.calls);
      if (req.method === 'DELETE') {
        state.calls = [];
        return send(res, 204);
      }
    } else if (path.startsWith('/__admin/profiles/')) {
      const cf = decodeURIComponent(path.slice('/__admin/profiles/'.length));
      if (req.method === 'PUT') {
        const body = parseJson(await readBody(req, MAX_BODY_BYTES));
        if (!body.ok || !isObject(body.value) || typeof body.value.sender_allowed !== 'boolean') {
          return send(res, 400, problem(400, 'Invalid profile', 'expected {"sender_allowed": boolean}'));
        }
        state.profiles.set(cf, { sender_allowed: body.value.sender_allowed });
        return send(res, 204);
      }
      if (req.method === 'DELETE') {
        state.profiles.delete(cf);
        return send(res, 204);
      }
    } else if (path === '/__admin/faults' && req.method === 'DELETE') {
      state.faults = [];
      return send(res, 204);
    } else if (path === '/__admin/faults' && req.method === 'POST') {
      const body = parseJson(await readBody(req, MAX_BODY_BYTES));
      const f = body.ok && isObject(body.value) ? body.value : null;
      if (!f || !Number.isInteger(f.status) || f.status < 100 || f.status > 599) {
        return send(res, 400, problem(400, 'Invalid fault', 'expected {"status": 429, "count": 1, "retry_after": 5}'));
      }
      queueFault(f.status, Number.isInteger(f.count) ? f.count : 1, f.retry_after, f.detail);
      return send(res, 204);
    }
    return send(res, 404, problem(404, 'Not found', `no admin operation ${req.method} ${path}`));
  }

  function profileAnswer(res, cf) {
    if (typeof cf !== 'string' || !FISCAL_CODE.test(cf)) {
      return send(res, 400, problem(400, 'Invalid FiscalCode', invalid(cf, 'fiscal_code', 'FiscalCode')));
    }
    const p = state.profiles.get(cf);
    if (!p) return send(res, 404, problem(404, 'Profile not found', 'The profile you requested was not found in the system.'));
    return send(res, 200, { sender_allowed: p.sender_allowed, preferred_languages: ['it_IT'] });
  }

  async function submitMessage(req, res, pathFiscalCode) {
    const body = parseJson(await readBody(req, MAX_BODY_BYTES));
    if (!body.ok) return send(res, 400, problem(400, 'Invalid NewMessage', 'the request body is not JSON'));
    let fiscalCode;
    try {
      fiscalCode = validateNewMessage(body.value, pathFiscalCode);
    } catch (e) {
      if (e instanceof Invalid) return send(res, 400, { ...problem(400, e.title, e.detail), type: 'https://example.com/problem/constraint-violation' });
      throw e;
    }
    const profile = state.profiles.get(fiscalCode);
    if (!profile) return send(res, 404, problem(404, 'Recipient not found', 'The recipient is not a user of IO: check the profile before sending.'));
    if (!profile.sender_allowed) {
      return send(res, 403, problem(403, 'Recipient forbidden', 'The recipient has disabled messages from this service: check the profile before sending.'));
    }
    const { content } = body.value;
    const message = {
      id: ulid(),
      fiscal_code: fiscalCode,
      created_at: new Date().toISOString(),
      content,
      time_to_live: body.value.time_to_live ?? 3600,
      feature_level_type: body.value.feature_level_type ?? 'STANDARD',
      sender_service_id: 'io-fake-service',
    };
    state.messages.push(message);
    const location = `${BASE}/messages/${fiscalCode}/${message.id}`;
    return send(res, 201, { id: message.id }, { Location: location });
  }

  async function io(req, res, path) {
    if (req.headers['ocp-apim-subscription-key'] !== key) {
      return send(res, 401, problem(401, 'Unauthorized', 'Access denied due to missing or invalid subscription key.'));
    }
    if (state.faults.length > 0) {
      const f = state.faults[0];
      if (--f.count <= 0) state.faults.shift();
      const headers = f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : {};
      return send(res, f.status, problem(f.status, http.STATUS_CODES[f.status] ?? 'Fault', f.detail ?? 'injected fault'), headers);
    }
    const rest = path.slice(BASE.length);
    let m;
    if (rest === '/profiles') {
      if (req.method !== 'POST') return send(res, 405, problem(405, 'Method not allowed', `${req.method} ${path}`));
      const body = parseJson(await readBody(req, MAX_BODY_BYTES));
      const cf = body.ok && isObject(body.value) ? body.value.fiscal_code : undefined;
      return profileAnswer(res, cf);
    }
    if ((m = rest.match(/^\/profiles\/([^/]+)$/))) {
      if (req.method !== 'GET') return send(res, 405, problem(405, 'Method not allowed', `${req.method} ${path}`));
      return profileAnswer(res, decodeURIComponent(m[1]));
    }
    if (rest === '/messages') {
      if (req.method !== 'POST') return send(res, 405, problem(405, 'Method not allowed', `${req.method} ${path}`));
      return submitMessage(req, res, undefined);
    }
    if ((m = rest.match(/^\/messages\/([^/]+)$/))) {
      if (req.method !== 'POST') return send(res, 405, problem(405, 'Method not allowed', `${req.method} ${path}`));
      const cf = decodeURIComponent(m[1]);
      if (!FISCAL_CODE.test(cf)) return send(res, 400, problem(400, 'Invalid FiscalCode', invalid(cf, 'fiscal_code', 'FiscalCode')));
      return submitMessage(req, res, cf);
    }
    if ((m = rest.match(/^\/messages\/([^/]+)\/([^/]+)$/))) {
      if (req.method !== 'GET') return send(res, 405, problem(405, 'Method not allowed', `${req.method} ${path}`));
      const [cf, id] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
      const msg = state.messages.find((x) => x.id === id && x.fiscal_code === cf);
      if (!msg) return send(res, 404, problem(404, 'Message not found', 'No message found for the provided ID.'));
      const { id: mid, fiscal_code, created_at, content, time_to_live, sender_service_id } = msg;
      return send(res, 200, {
        message: { id: mid, fiscal_code, created_at, content, time_to_live, sender_service_id },
        notification: {},
        status: 'PROCESSED',
      });
    }
    return send(res, 404, problem(404, 'Not found', `no IO operation ${req.method} ${path}`));
  }

  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url, 'http://fake').pathname;
    try {
      if (path.startsWith('/__admin/')) return await admin(req, res, path);
      const record = { method: req.method, path, status: 0 };
      state.calls.push(record);
      res.on('finish', () => {
        record.status = res.statusCode;
      });
      if (path !== BASE && !path.startsWith(`${BASE}/`)) {
        return send(res, 404, problem(404, 'Not found', `no IO operation ${req.method} ${path}`));
      }
      return await io(req, res, path);
    } catch (e) {
      if (e.message === 'too large') return send(res, 413, problem(413, 'Payload too large', 'the body exceeds 1 MiB'));
      console.error('io-fake:', e);
      if (!res.headersSent) send(res, 500, problem(500, 'Internal error', 'io-fake failed'));
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;
  return {
    port: actualPort,
    baseUrl: `http://${host}:${actualPort}${BASE}`,
    messages: () => structuredClone(state.messages),
    calls: () => structuredClone(state.calls),
    // A fresh start for the next test: messages, calls and pending faults go; profiles stay.
    clear: () => {
      state.messages = [];
      state.calls = [];
      state.faults = [];
    },
    setProfile: (cf, allowed) => state.profiles.set(cf, { sender_allowed: Boolean(allowed) }),
    removeProfile: (cf) => state.profiles.delete(cf),
    fault: (status, count = 1, retryAfter = undefined, detail = undefined) => queueFault(status, count, retryAfter, detail),
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: { key: { type: 'string' }, port: { type: 'string' }, profiles: { type: 'string' } },
  });
  if (!values.key) {
    console.error('uso: node tools/io-fake/io-fake.mjs --key CHIAVE [--port N] [--profiles FILE.json]');
    process.exit(2);
  }
  const profiles = values.profiles ? JSON.parse(readFileSync(values.profiles, 'utf8')) : {};
  const fake = await startIoFake({ key: values.key, profiles, port: Number(values.port ?? 0) });
  process.stdout.write(`${JSON.stringify({ port: fake.port })}\n`);
  const shutdown = () => fake.stop().then(() => process.exit(0));
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
