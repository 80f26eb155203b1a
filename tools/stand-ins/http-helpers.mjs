// Small HTTP helpers shared by the local stand-ins of outside services (tools/io-fake,
// tools/sms-gateway, tests/support/webhook-receiver.mjs): bounded request bodies, JSON that may
// be malformed, and "run as a command or import as a module" detection.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The request body as UTF-8 text; rejects (and drops the connection) past `maxBytes`. */
export function readBody(req, maxBytes) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > maxBytes) {
        reject(new Error('too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** { ok: true, value } or { ok: false } for text that is not JSON. */
export function parseJson(text) {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** True when the module at `moduleUrl` (import.meta.url) is the script node was started with. */
export function isMain(moduleUrl) {
  try {
    return process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
