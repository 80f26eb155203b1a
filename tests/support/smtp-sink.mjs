// Test helper: a real SMTP server (npm smtp-server) that keeps what it receives and can be told
// to refuse recipients, so the email channel is tested against a real peer, not a mock.
//
// As a program (what the C++ tests run; cwd = repository root so node_modules resolves):
//   node tests/support/smtp-sink.mjs [--port N] [--starttls CERTDIR]
//   -> prints ONE line when ready: {"smtp": <port>, "admin": <port>}   (both on 127.0.0.1)
//   --port 0 (default) picks a free port; --port N lets a test restart a sink on the same port.
//   --starttls CERTDIR offers STARTTLS with CERTDIR/cert.pem and CERTDIR/key.pem; without it
//   STARTTLS is not advertised at all.
//
// Admin API (HTTP, 127.0.0.1:<admin>):
//   GET    /messages  -> [{envelope: {from, to: [..]}, secure (TLS was on), user (AUTH name or
//                          null), raw, subject, text, html, messageId,
//                          from: [{address, name}], to: [{address, name}],
//                          headers: {<lowercase name>: <raw unfolded value>}}]
//                         (subject/text/html/from names are decoded; headers are as sent, a
//                          header sent more than once gives an array)
//   DELETE /messages  -> forget them
//   POST   /reject    {"addresses": [...]}  RCPT TO for these -> 550 5.1.1 (replaces the list)
//   POST   /tempfail  {"count": N}          the next N RCPT TO -> 451 4.3.0
//   GET    /stats     -> {connections, messages}  (connections = SMTP connections ever accepted)
//
// As a module (Node tests):
//   import { startSmtpSink } from '../support/smtp-sink.mjs';
//   const sink = await startSmtpSink({ port: 0, starttls: certDir });
//   ... sink.smtpPort, sink.adminPort, await sink.messages(), await sink.clear(),
//   await sink.reject(['a@b.it']), await sink.tempfail(2), await sink.stats(),
//   await sink.restart()  // drops every SMTP connection, listens again on the SAME port
//   await sink.stop()     // closes SMTP and admin listeners
//
// Any AUTH (PLAIN, LOGIN) is accepted, as is none; messages up to 10 MB; no client limit.
import { readFileSync, realpathSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
const HOST = '127.0.0.1';

// Header values exactly as sent (folding removed), so tests can check the bytes we produce.
function rawHeaders(headerLines) {
  const out = {};
  for (const { key, line } of headerLines || []) {
    const colon = line.indexOf(':');
    const value = line.slice(colon + 1).replace(/\r?\n[ \t]/g, ' ').trim();
    if (key in out) out[key] = [].concat(out[key], value);
    else out[key] = value;
  }
  return out;
}

function addressList(field) {
  return field ? field.value.map(({ address, name }) => ({ address, name })) : [];
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    const onError = (err) => reject(err);
    server.once('error', onError);
    server.listen(port, HOST, () => {
      server.removeListener('error', onError);
      resolve(server.address().port);
    });
  });
}

export async function startSmtpSink(options = {}) {
  const state = { messages: [], rejected: new Set(), tempfails: 0, connections: 0 };
  let tls = {};
  if (options.starttls) {
    tls = {
      key: readFileSync(path.join(options.starttls, 'key.pem')),
      cert: readFileSync(path.join(options.starttls, 'cert.pem')),
    };
  }

  const smtpOptions = {
    ...tls,
    secure: false,
    logger: false,
    banner: 'smtp-sink di prova',
    disabledCommands: options.starttls ? [] : ['STARTTLS'],
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: true,
    allowInsecureAuth: true,
    size: MAX_MESSAGE_BYTES,
    maxClients: 0,
    closeTimeout: 100,
    onConnect(session, callback) {
      state.connections += 1;
      callback();
    },
    onAuth(auth, session, callback) {
      callback(null, { user: auth.username || 'anonimo' });
    },
    onRcptTo(address, session, callback) {
      const addr = address.address.toLowerCase();
      if (state.rejected.has(addr)) {
        const err = new Error('5.1.1 Mailbox unavailable');
        err.responseCode = 550;
        return callback(err);
      }
      if (state.tempfails > 0) {
        state.tempfails -= 1;
        const err = new Error('4.3.0 Try again later');
        err.responseCode = 451;
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', async () => {
        if (stream.sizeExceeded) {
          const err = new Error('5.3.4 Message too big');
          err.responseCode = 552;
          return callback(err);
        }
        const raw = Buffer.concat(chunks);
        try {
          const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
          state.messages.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            secure: Boolean(session.secure),
            user: session.user || null,
            raw: raw.toString('utf8'),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: parsed.html || '',
            messageId: parsed.messageId ?? '',
            from: addressList(parsed.from),
            to: addressList(parsed.to),
            headers: rawHeaders(parsed.headerLines),
          });
          callback(null, 'OK: queued');
        } catch (e) {
          const err = new Error(`5.6.0 Unparseable message: ${e.message}`);
          err.responseCode = 554;
          callback(err);
        }
      });
    },
  };

  let smtp = new SMTPServer(smtpOptions);
  smtp.on('error', () => {});  // a client that vanishes mid-command is not the sink's problem
  const smtpPort = await listen(smtp.server, options.port ?? 0);

  // Closing the listener alone would leave idle client connections open for the grace
  // period; a stopped server must look stopped to a client that kept its connection.
  function closeSmtp() {
    return new Promise((resolve) => {
      const current = smtp;
      current.close(resolve);
      for (const connection of current.connections) {
        connection.send(421, '4.3.2 Server shutting down');
        connection.close();
      }
    });
  }

  const api = {
    smtpPort,
    adminPort: 0,
    async messages() {
      return state.messages;
    },
    async clear() {
      state.messages = [];
    },
    async reject(list) {
      state.rejected = new Set((list || []).map((a) => String(a).toLowerCase()));
    },
    async tempfail(n) {
      state.tempfails = Math.max(0, Number(n) || 0);
    },
    async stats() {
      return { connections: state.connections, messages: state.messages.length };
    },
    async restart() {
      await closeSmtp();
      smtp = new SMTPServer(smtpOptions);
      smtp.on('error', () => {});
      await listen(smtp.server, smtpPort);
    },
    async stop() {
      await Promise.all([closeSmtp(), new Promise((r) => admin.close(r))]);
      admin.closeAllConnections?.();
    },
  };

  const admin = http.createServer((req, res) => {
    const reply = (status, value) => {
      const body = JSON.stringify(value ?? {});
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      let input = {};
      try {
        input = body ? JSON.parse(body) : {};
      } catch {
        return reply(400, { error: 'JSON non valido' });
      }
      const route = `${req.method} ${req.url.split('?')[0]}`;
      if (route === 'GET /messages') return reply(200, await api.messages());
      if (route === 'DELETE /messages') return reply(200, await api.clear());
      if (route === 'POST /reject') return reply(200, await api.reject(input.addresses));
      if (route === 'POST /tempfail') return reply(200, await api.tempfail(input.count));
      if (route === 'GET /stats') return reply(200, await api.stats());
      reply(404, { error: 'non trovato' });
    });
  });
  api.adminPort = await listen(admin, 0);
  return api;
}

function parseArgs(argv) {
  const opts = { port: 0 };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--port') opts.port = Number(argv[++i]);
    else if (argv[i] === '--starttls') opts.starttls = argv[++i];
    else throw new Error(`opzione sconosciuta: ${argv[i]}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('--port non valida');
  return opts;
}

const isMain = process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (isMain) {
  try {
    const sink = await startSmtpSink(parseArgs(process.argv.slice(2)));
    process.stdout.write(`${JSON.stringify({ smtp: sink.smtpPort, admin: sink.adminPort })}\n`);
    // The parent going away (closed stdin is not reliable: it is often /dev/null) is handled by
    // the parent killing us; SIGTERM ends cleanly.
    process.on('SIGTERM', () => process.exit(0));
  } catch (e) {
    process.stderr.write(`smtp-sink: ${e.message}\n`);
    process.exit(1);
  }
}
