// Browser-test harness of UmbriaSemplice: imports the bundled data into a throw-away SQLite
// database, starts the real server on a free port, launches Debian's Chromium.
//
//   import { startWithBrowser, stop, baseUrl } from "./harness.mjs";
//   before(async () => { browser = await startWithBrowser(); }); after(async () => { await browser?.close(); await stop(); });
//
// Environment: AU_BINARY (default <repo>/build/accesso-unico). Set AU_BROWSER_DEBUG=1 to echo
// the server log on stderr.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binary = process.env.AU_BINARY || path.join(repoRoot, 'build', 'accesso-unico');

const IMPORT_TIMEOUT_MS = 180_000; // the import rebuilds the search index: slow on a busy machine
const READY_TIMEOUT_MS = 120_000; // so does "serve" when it starts
const STOP_TIMEOUT_MS = 15_000;

let tmpDir = null;
let server = null;
let serverLog = '';
let url = null;

// If the test process dies without running its after hook, do not leave the server behind.
process.on('exit', () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
});

/** Base URL of the running server, e.g. "http://127.0.0.1:40123" (no trailing slash). */
export function baseUrl() {
  if (!url) throw new Error('harness: server not started (call start() in a before hook)');
  return url;
}

/** The tail of the server's stdout+stderr, for failure messages. */
export function serverOutput(maxChars = 4000) {
  return serverLog.slice(-maxChars);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

let extraEnv = {};
function env() {
  return { ...process.env, ...extraEnv, AU_SEARCH_INDEX: path.join(tmpDir, 'index'), AU_SHARE_DIR: repoRoot };
}

function run(args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`harness: cannot run ${binary}: ${e.message} (build it with "cmake --build build -j2")`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`harness: "${path.basename(binary)} ${args.join(' ')}" failed (${signal ?? 'exit ' + code}):\n${out.slice(-4000)}`));
    });
  });
}

async function waitReady(child, statusUrl) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = null;
  child.once('exit', (code, signal) => (exited = signal ?? `exit ${code}`));
  child.once('error', (e) => (exited = `cannot run ${binary}: ${e.message}`));
  for (;;) {
    if (exited) throw new Error(`harness: the server stopped before answering /status (${exited}):\n${serverOutput()}`);
    try {
      const res = await fetch(statusUrl, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`harness: GET /status did not answer 200 within ${READY_TIMEOUT_MS / 1000}s:\n${serverOutput()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Creates the temp dir, imports data/ into a fresh SQLite database, starts "serve", waits for /status 200.
 * Options: port (default: a free one), env (extra environment of every command, e.g. AU_OIDC_*),
 * setup(runCli, databaseUrl) (async, runs CLI commands such as "roles import" before serving).
 */
export async function start({ port: wantedPort, env: moreEnv = {}, setup } = {}) {
  if (server) return baseUrl();
  extraEnv = moreEnv;
  tmpDir = await mkdtemp(path.join(os.tmpdir(), 'au-browser-'));
  // AU_TEST_DATABASE_URL (set by scripts/run-tests.sh for its PostgreSQL pass) replaces the
  // private SQLite file; the import is idempotent, so suites may share that database.
  const db = process.env.AU_TEST_DATABASE_URL || `sqlite:${path.join(tmpDir, 'db.sqlite')}`;
  try {
    await run(['--database', db, 'import', path.join(repoRoot, 'data')], IMPORT_TIMEOUT_MS);
    if (setup) await setup((args) => run(args, IMPORT_TIMEOUT_MS), db);
    const port = wantedPort ?? (await freePort());
    const listen = `127.0.0.1:${port}`;
    serverLog = '';
    server = spawn(binary, ['--database', db, '--listen', listen, 'serve'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d) => {
      serverLog = (serverLog + d).slice(-100_000);
      if (process.env.AU_BROWSER_DEBUG) process.stderr.write(d);
    };
    server.stdout.on('data', keep);
    server.stderr.on('data', keep);
    server.on('error', (e) => (serverLog += `\nspawn error: ${e.message}`));
    await waitReady(server, `http://${listen}/status`);
    url = `http://${listen}`;
    return url;
  } catch (e) {
    await stop();
    throw e;
  }
}

/** SIGTERM to the server (SIGKILL after 15 s), then removes the temp dir. Safe to call twice. */
export async function stop() {
  const child = server;
  server = null;
  url = null;
  if (child && child.pid && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    let timer;
    const killed = new Promise((resolve) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, STOP_TIMEOUT_MS);
    });
    await Promise.race([exited, killed]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  if (tmpDir) {
    await rm(tmpDir, { recursive: true, force: true });
    tmpDir = null;
  }
}

/** Headless Debian Chromium, no network side traffic. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * start() and launchBrowser() in parallel. If either fails, whatever did start is closed again
 * (so that a failing before hook never leaves a browser keeping the test process alive).
 */
export async function startWithBrowser(options) {
  const [b, s] = await Promise.allSettled([launchBrowser(), start(options)]);
  if (s.status === 'rejected' || b.status === 'rejected') {
    if (b.status === 'fulfilled') await b.value.close().catch(() => {});
    await stop();
    throw s.status === 'rejected' ? s.reason : b.reason;
  }
  return b.value;
}

/**
 * Answers every request of the page to `origin` (e.g. "https://suape.regione.umbria.it") with a
 * small HTML page, including requests that are the target of an HTTP redirect. Playwright's
 * page.route() does not see redirect targets (documented, microsoft/playwright#17161), and the
 * smart links answer 302, so this uses the Chrome DevTools Fetch domain directly.
 * Returns the list of intercepted URLs (filled as requests arrive).
 */
export async function stubOrigin(page, origin, body) {
  const seen = [];
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Fetch.requestPaused', (e) => {
    seen.push(e.request.url);
    cdp
      .send('Fetch.fulfillRequest', {
        requestId: e.requestId,
        responseCode: 200,
        responseHeaders: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }],
        body: Buffer.from(body).toString('base64'),
      })
      .catch(() => {});
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${origin}/*`, requestStage: 'Request' }] });
  return seen;
}
