#!/usr/bin/env node
// A local stand-in for the HTTP SMS gateway of src/channels/sms_channel.h. Nothing is sent to a
// phone: accepted messages are kept for the tests to read back.
//
//   node tools/sms-gateway/sms-gateway.mjs --token TOKEN [--port N]
//
// --port 0 (the default) takes a free port. On start it prints ONE JSON line on stdout,
// {"port": N}, and nothing else there; diagnostics go to stderr. SIGTERM/SIGINT exit 0.
//
// The contract it enforces (errors are JSON {"code", "message"}):
//   POST /v1/sms  Authorization: Bearer TOKEN (else 401 unauthorized)
//        Idempotency-Key: K (optional; at most 255 printable ASCII characters)
//        {"to": E.164 "+" then 8-15 digits, "from": 1-11 letters/digits/spaces or E.164,
//         "text": 1-1600 characters, "reference": string?}
//   -> 201 {"id", "status": "accepted"}
//   -> 422 {"code": "invalid_number"} when "to" is not E.164 or starts with +39000 (numbers that
//          exist nowhere, for tests of permanent failures)
//   -> 400 invalid_json | invalid_sender | invalid_text | invalid_reference | invalid_idempotency_key
//   A repeated Idempotency-Key with the same request answers the first answer again, with 200
//   and Idempotent-Replayed: true, and stores nothing; with a different request, 422
//   idempotency_key_reused (draft-ietf-httpapi-idempotency-key-header). Only accepted requests
//   are remembered: a refused one may be retried with the same key.
//
// Not part of the gateway (for tests), no token needed, under /__admin:
//   GET|DELETE /__admin/messages   accepted SMS, oldest first: [{id, to, from, text, reference,
//                                  idempotency_key, received_at}] | forget them
//   GET|DELETE /__admin/calls      calls received: [{method, path, status}] | forget them
//   POST /__admin/faults {"status": 429|500|..., "count": N, "retry_after": S?}
//        the next N authenticated calls answer that status
//   DELETE /__admin/faults         cancel a pending fault
//
// In-process use (Node tests):
//   import { startSmsGateway } from '../../tools/sms-gateway/sms-gateway.mjs';
//   const gw = await startSmsGateway({ token: 't' });
//   gw.port, gw.url ("http://127.0.0.1:PORT/v1/sms"), gw.messages(), gw.calls(), gw.clear(),
//   gw.fault(status, count, retryAfter), await gw.stop()
import crypto from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { readBody, parseJson, isMain } from '../stand-ins/http-helpers.mjs';

const SEND_PATH = '/v1/sms';
const MAX_BODY_BYTES = 64 * 1024;
const E164 = /^\+[1-9][0-9]{7,14}$/;
const SENDER_NAME = /^[A-Za-z0-9 ]{1,11}$/;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
const error = (code, message) => ({ code, message });

// "" when the request is acceptable, else [status, code, message].
function problemOf(body) {
  if (!isObject(body)) return [400, 'invalid_json', 'the body must be a JSON object'];
  const { to, from, text, reference } = body;
  if (typeof to !== 'string' || !E164.test(to) || to.startsWith('+39000')) {
    return [422, 'invalid_number', 'the recipient is not a valid E.164 number'];
  }
  if (typeof from !== 'string' || !(SENDER_NAME.test(from) || E164.test(from))) {
    return [400, 'invalid_sender', 'from: 1-11 letters, digits or spaces, or an E.164 number'];
  }
  if (typeof text !== 'string' || [...text].length < 1 || [...text].length > 1600) {
    return [400, 'invalid_text', 'text: 1-1600 characters'];
  }
  if (reference !== undefined && (typeof reference !== 'string' || reference.length > 255)) {
    return [400, 'invalid_reference', 'reference: a string of at most 255 characters'];
  }
  return '';
}

export async function startSmsGateway({ token, port = 0, host = '127.0.0.1' } = {}) {
  if (!token) throw new Error('sms-gateway: serve il token');
  const state = {
    messages: [],
    calls: [],
    answers: new Map(), // Idempotency-Key -> {fingerprint, body}
    fault: null,
  };

  async function admin(req, res, path) {
    if (path === '/__admin/messages' || path === '/__admin/calls') {
      const key = path === '/__admin/messages' ? 'messages' : 'calls';
      if (req.method === 'GET') return send(res, 200, state[key]);
      if (req.method === 'DELETE') {
        state[key] = [];
        if (key === 'messages') state.answers.clear();
        return send(res, 204);
      }
    } else if (path === '/__admin/faults' && req.method === 'DELETE') {
      state.fault = null;
      return send(res, 204);
    } else if (path === '/__admin/faults' && req.method === 'POST') {
      const body = parseJson(await readBody(req, MAX_BODY_BYTES));
      const f = body.ok && isObject(body.value) ? body.value : null;
      if (!f || !Number.isInteger(f.status) || f.status < 100 || f.status > 599) {
        return send(res, 400, error('invalid_fault', 'expected {"status": 429, "count": 1, "retry_after": 5}'));
      }
      state.fault = { status: f.status, count: Number.isInteger(f.count) ? f.count : 1, retryAfter: f.retry_after };
      return send(res, 204);
    }
    return send(res, 404, error('not_found', `no admin operation ${req.method} ${path}`));
  }

  async function gateway(req, res, path) {
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${token}`) return send(res, 401, error('unauthorized', 'missing or invalid bearer token'));
    if (state.fault && state.fault.count > 0) {
      const f = state.fault;
      if (--f.count === 0) state.fault = null;
      const headers = f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : {};
      return send(res, f.status, error('fault', http.STATUS_CODES[f.status] ?? 'injected fault'), headers);
    }
    if (path !== SEND_PATH) return send(res, 404, error('not_found', `no operation ${req.method} ${path}`));
    if (req.method !== 'POST') return send(res, 405, error('method_not_allowed', 'use POST'));
    const key = req.headers['idempotency-key'];
    if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) {
      return send(res, 400, error('invalid_idempotency_key', 'Idempotency-Key: 1-255 printable ASCII characters'));
    }
    const raw = await readBody(req, MAX_BODY_BYTES);
    const body = parseJson(raw);
    if (!body.ok) return send(res, 400, error('invalid_json', 'the body is not JSON'));
    const p = problemOf(body.value);
    if (p) return send(res, p[0], error(p[1], p[2]));
    const { to, from, text, reference } = body.value;
    const fingerprint = JSON.stringify([to, from, text, reference ?? null]);
    if (key !== undefined && state.answers.has(key)) {
      const first = state.answers.get(key);
      if (first.fingerprint !== fingerprint) {
        return send(res, 422, error('idempotency_key_reused', 'this Idempotency-Key was used for a different request'));
      }
      return send(res, 200, first.body, { 'Idempotent-Replayed': 'true' });
    }
    const id = `sms-${crypto.randomUUID()}`;
    state.messages.push({ id, to, from, text, reference: reference ?? null, idempotency_key: key ?? null, received_at: new Date().toISOString() });
    const answer = { id, status: 'accepted' };
    if (key !== undefined) state.answers.set(key, { fingerprint, body: answer });
    return send(res, 201, answer);
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
      return await gateway(req, res, path);
    } catch (e) {
      if (e.message === 'too large') return send(res, 413, error('too_large', 'the body exceeds 64 KiB'));
      console.error('sms-gateway:', e);
      if (!res.headersSent) send(res, 500, error('internal', 'sms-gateway failed'));
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;
  return {
    port: actualPort,
    url: `http://${host}:${actualPort}${SEND_PATH}`,
    messages: () => structuredClone(state.messages),
    calls: () => structuredClone(state.calls),
    // A fresh start for the next test: messages, remembered keys, calls and pending faults go.
    clear: () => {
      state.messages = [];
      state.calls = [];
      state.answers.clear();
      state.fault = null;
    },
    fault: (status, count = 1, retryAfter = undefined) => {
      state.fault = { status, count, retryAfter };
    },
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({ options: { token: { type: 'string' }, port: { type: 'string' } } });
  if (!values.token) {
    console.error('uso: node tools/sms-gateway/sms-gateway.mjs --token TOKEN [--port N]');
    process.exit(2);
  }
  const gw = await startSmsGateway({ token: values.token, port: Number(values.port ?? 0) });
  process.stdout.write(`${JSON.stringify({ port: gw.port })}\n`);
  const shutdown = () => gw.stop().then(() => process.exit(0));
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
