#!/usr/bin/env node
// Test helper: an HTTP endpoint that stands in for someone's webhook receiver. It records every
// request (method, path, headers, raw body) as it arrives, before answering, and answers with
// a configurable status after a configurable delay (to test timeouts without sleeping).
//
//   node tests/support/webhook-receiver.mjs [--port N] [--status 204] [--delay-ms 0]
//
// On start it prints ONE JSON line on stdout, {"port": N}; SIGTERM/SIGINT exit 0.
// Every path except /__admin/* is a receiving endpoint. Admin (for tests driving it over HTTP):
//   GET|DELETE /__admin/requests   [{method, path, headers, body, received_at}] | forget them
//   PUT /__admin/behaviour {"status": 204, "delay_ms": 0, "retry_after": S?}   how to answer next
//
// In-process use (Node tests):
//   import { startWebhookReceiver } from '../support/webhook-receiver.mjs';
//   const rx = await startWebhookReceiver({ status: 204, delayMs: 0 });
//   rx.port, rx.url ("http://127.0.0.1:PORT/hook"), rx.requests(), rx.clear(),
//   rx.respondWith({ status, delayMs, retryAfter }), await rx.stop()
// stop() answers nothing more: requests still waiting out their delay are cut.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { readBody, isMain } from '../../tools/stand-ins/http-helpers.mjs';

const MAX_BODY_BYTES = 1 << 20;

function sendJson(res, status, body) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startWebhookReceiver({ status = 204, delayMs = 0, retryAfter, port = 0, host = '127.0.0.1' } = {}) {
  const state = { requests: [], behaviour: { status, delayMs, retryAfter } };
  const timers = new Set();

  function respondWith({ status: s, delayMs: d, retryAfter: r } = {}) {
    state.behaviour = { status: s ?? 204, delayMs: d ?? 0, retryAfter: r };
  }

  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url, 'http://receiver').pathname;
    try {
      const body = await readBody(req, MAX_BODY_BYTES);
      if (path === '/__admin/requests') {
        if (req.method === 'GET') return sendJson(res, 200, state.requests);
        if (req.method === 'DELETE') {
          state.requests = [];
          return sendJson(res, 204);
        }
      }
      if (path === '/__admin/behaviour' && req.method === 'PUT') {
        const b = JSON.parse(body);
        respondWith({ status: b.status, delayMs: b.delay_ms, retryAfter: b.retry_after });
        return sendJson(res, 204);
      }
      if (path.startsWith('/__admin/')) return sendJson(res, 404, { error: 'no such admin operation' });

      // Header names come lower-cased (Node's req.headers).
      state.requests.push({ method: req.method, path, headers: req.headers, body, received_at: new Date().toISOString() });
      const { status: s, delayMs: d, retryAfter: r } = state.behaviour;
      const answer = () => {
        timers.delete(timer);
        if (res.destroyed) return;
        res.writeHead(s, r !== undefined ? { 'Retry-After': String(r) } : {});
        res.end();
      };
      const timer = setTimeout(answer, d);
      timers.add(timer);
    } catch (e) {
      if (!res.headersSent) sendJson(res, e.message === 'too large' ? 413 : 400, { error: e.message });
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;
  return {
    port: actualPort,
    url: `http://${host}:${actualPort}/hook`,
    requests: () => structuredClone(state.requests),
    clear: () => {
      state.requests = [];
    },
    respondWith,
    stop: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, status: { type: 'string' }, 'delay-ms': { type: 'string' } },
  });
  const rx = await startWebhookReceiver({
    port: Number(values.port ?? 0),
    status: Number(values.status ?? 204),
    delayMs: Number(values['delay-ms'] ?? 0),
  });
  process.stdout.write(`${JSON.stringify({ port: rx.port })}\n`);
  const shutdown = () => rx.stop().then(() => process.exit(0));
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
