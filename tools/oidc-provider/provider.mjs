#!/usr/bin/env node
// A real OpenID Connect provider (npm "oidc-provider" 8) standing in for LoginUmbria, the
// regional gateway to SPID and CIE. Used by `make run` (with --demo, demo people) and by the
// tests (tests/support/oidc-provider.mjs). It is NOT an identity provider: anyone can log in as
// any person of the people file by clicking a button.
//
//   node tools/oidc-provider/provider.mjs --demo --port 8081 \
//        --redirect-uri http://127.0.0.1:8080/auth/callback
//
// Flags (each also from an environment variable, the flag wins):
//   --port N                    OIDC_PROVIDER_PORT       default 8081; 0 = a free port
//   --issuer URL                OIDC_PROVIDER_ISSUER     default http://127.0.0.1:PORT
//   --people FILE               OIDC_PROVIDER_PEOPLE     default data/demo/people.json
//   --client-id ID              OIDC_PROVIDER_CLIENT_ID  default accesso-unico
//   --client-secret S           OIDC_PROVIDER_CLIENT_SECRET  default accesso-unico-demo-secret
//   --redirect-uri URL ...      OIDC_PROVIDER_REDIRECT_URIS (space-separated)
//                               default http://127.0.0.1:8080/auth/callback
//   --post-logout-redirect-uri URL ...  OIDC_PROVIDER_POST_LOGOUT_REDIRECT_URIS (space-separated)
//                               default http://127.0.0.1:8080/
//   --id-token-alg RS256|ES256  OIDC_PROVIDER_ID_TOKEN_ALG  default RS256 (of the client above)
//   --clients FILE              OIDC_PROVIDER_CLIENTS    JSON array of more client metadata
//   --keys FILE                 OIDC_PROVIDER_KEYS       private JWKS ({"keys":[...]}); default:
//                               fresh RSA-2048 + EC P-256 keys with new kids at every start
//   --demo                      OIDC_PROVIDER_DEMO=1     pages show the "DIMOSTRATIVO" banner
//
// On start it prints one JSON line on stdout, {"issuer": "...", "port": N}, and nothing else
// there; diagnostics go to stderr. SIGTERM/SIGINT close the server and exit 0.
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// oidc-provider prints its notices with console.info, i.e. on stdout, which is reserved for the
// JSON line the harness reads: send them to stderr.
console.info = (...args) => console.error(...args);

const { default: Provider } = await import('oidc-provider');
// The stock in-memory store is what a throw-away provider wants; subclassing it only avoids the
// "development-only adapter" warning printed when the library's own class is used.
const { default: MemoryAdapter } = await import('oidc-provider/lib/adapters/memory_adapter.js');
class DemoAdapter extends MemoryAdapter {}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SPID = 'https://attributes.eid.gov.it/';
const ACR_VALUES = ['https://www.spid.gov.it/SpidL1', 'https://www.spid.gov.it/SpidL2', 'https://www.spid.gov.it/SpidL3'];

// ---- options ------------------------------------------------------------------------------

function options() {
  const { values: v } = parseArgs({
    options: {
      port: { type: 'string' },
      issuer: { type: 'string' },
      people: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'id-token-alg': { type: 'string' },
      clients: { type: 'string' },
      keys: { type: 'string' },
      demo: { type: 'boolean' },
    },
  });
  const env = (name) => process.env[`OIDC_PROVIDER_${name}`] || undefined;
  const list = (s) => (s ? s.split(/\s+/).filter(Boolean) : undefined);
  const o = {
    port: Number(v.port ?? env('PORT') ?? 8081),
    issuer: v.issuer ?? env('ISSUER'),
    people: v.people ?? env('PEOPLE') ?? path.join(repoRoot, 'data', 'demo', 'people.json'),
    clientId: v['client-id'] ?? env('CLIENT_ID') ?? 'accesso-unico',
    clientSecret: v['client-secret'] ?? env('CLIENT_SECRET') ?? 'accesso-unico-demo-secret',
    redirectUris: v['redirect-uri'] ?? list(env('REDIRECT_URIS')) ?? ['http://127.0.0.1:8080/auth/callback'],
    postLogoutRedirectUris: v['post-logout-redirect-uri'] ?? list(env('POST_LOGOUT_REDIRECT_URIS')) ?? ['http://127.0.0.1:8080/'],
    idTokenAlg: v['id-token-alg'] ?? env('ID_TOKEN_ALG') ?? 'RS256',
    clients: v.clients ?? env('CLIENTS'),
    keys: v.keys ?? env('KEYS'),
    demo: v.demo ?? ['1', 'true'].includes(env('DEMO')),
  };
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`--port non valida: ${v.port}`);
  if (!['RS256', 'ES256'].includes(o.idTokenAlg)) throw new Error(`--id-token-alg deve essere RS256 o ES256`);
  return o;
}

// Fresh signing keys at every start unless --keys is given: the relying party must cope with a
// provider that rotates keys (distinct kids make the rotation visible).
function freshJwks() {
  const stamp = Date.now().toString(36) + '-' + crypto.randomBytes(4).toString('hex');
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return {
    keys: [
      { ...rsa, kid: `rsa-${stamp}`, alg: 'RS256', use: 'sig' },
      { ...ec, kid: `ec-${stamp}`, alg: 'ES256', use: 'sig' },
    ],
  };
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

// ---- pages --------------------------------------------------------------------------------

const escapeHtml = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
body{font-family:"Titillium Web",system-ui,sans-serif;margin:0;color:#1a1a1a;background:#f5f5f5;line-height:1.5}
main{max-width:40rem;margin:0 auto;padding:1rem 1.5rem 2rem}
h1{font-size:1.6rem;color:#003366}
.demo{background:#fff3cd;border:3px solid #8a6d00;padding:.75rem 1rem;font-weight:600}
.test{background:#e8eef5;border:2px solid #003366;padding:.5rem 1rem}
ul{list-style:none;padding:0}
li{margin:.5rem 0}
button{font:inherit;width:100%;text-align:left;padding:.75rem 1rem;border:2px solid #0066cc;background:#fff;color:#004d99;border-radius:4px;cursor:pointer}
button:hover{background:#e6f0fa}
button:focus-visible{outline:3px solid #ff9900;outline-offset:2px}
button.secondary{border-color:#5c6f82;color:#33414e}
.roles{display:block;font-size:.9rem;color:#33414e}
`;

function page(title, demo, body) {
  const banner = demo
    ? `<p class="demo" role="note"><strong>Provider di identità DIMOSTRATIVO.</strong> Non è SPID né CIE: le persone
       sono fittizie e chiunque può entrare con un clic. Usalo solo per provare il portale.</p>`
    : `<p class="test" role="note">Provider di prova per i test automatici: non è SPID né CIE.</p>`;
  return `<!DOCTYPE html>
<html lang="it">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${banner}
<h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>`;
}

function send(res, status, html) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(html);
}

function loginPage(uid, clientName, people, demo) {
  const items = people.map((p) => {
    const roles = (p.roles ?? []).map((r) => r.label ? `${r.role} (${r.label})` : r.role).join(', ');
    return `<li><form method="post" action="/interaction/${escapeHtml(uid)}/login">
<input type="hidden" name="person" value="${escapeHtml(p.id)}">
<button type="submit">${escapeHtml(p.label)}<span class="roles">Ruoli: ${escapeHtml(roles || 'cittadino')}</span></button>
</form></li>`;
  }).join('\n');
  return page('Accedi con SPID o CIE (provider dimostrativo)', demo, `
<p>Stai accedendo a <strong>${escapeHtml(clientName)}</strong>. Scegli la persona con cui entrare:</p>
<ul>${items}</ul>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort">
<button type="submit" class="secondary">Annulla e torna al servizio</button>
</form>`);
}

// ---- provider -----------------------------------------------------------------------------

function configuration(o, people, jwks) {
  const byId = new Map(people.map((p) => [p.id, p]));
  const client = {
    client_id: o.clientId,
    client_secret: o.clientSecret,
    client_name: 'UmbriaSemplice — Accesso Unico', // shown on the login page
    redirect_uris: o.redirectUris,
    post_logout_redirect_uris: o.postLogoutRedirectUris,
    id_token_signed_response_alg: o.idTokenAlg,
  };
  const extra = o.clients ? readJson(o.clients) : [];
  const clients = [client, ...extra].map((c) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    ...c,
  }));
  const spidClaims = [`${SPID}fiscal_number`, `${SPID}vat_number`, `${SPID}company_name`];
  return {
    adapter: DemoAdapter,
    clients,
    jwks,
    findAccount: async (ctx, sub) => {
      const p = byId.get(sub);
      if (!p) return undefined;
      return {
        accountId: sub,
        // All the person's claims: oidc-provider releases only those of the granted scopes.
        claims: async () => ({
          sub,
          given_name: p.given_name,
          family_name: p.family_name,
          email: p.email,
          [`${SPID}fiscal_number`]: p.fiscal_number,
          ...(p.vat_number && { [`${SPID}vat_number`]: p.vat_number }),
          ...(p.company_name && { [`${SPID}company_name`]: p.company_name }),
        }),
      };
    },
    scopes: ['openid'], // no offline_access: the portal gets no refresh tokens
    claims: {
      sid: null, iss: null,
      // acr (the SPID level) in every ID token, as the broker's relying parties expect: as a
      // standalone claim oidc-provider would release it only when asked with acr_values/claims.
      openid: ['sub', 'acr', 'auth_time'],
      // The SPID attributes are in "profile" too, so that a relying party asking for the usual
      // "openid profile email" gets the fiscal code; "spid" asks for them alone.
      profile: ['given_name', 'family_name', ...spidClaims],
      email: ['email'],
      spid: spidClaims,
    },
    acrValues: ACR_VALUES,
    // Claims requested by scope go into the ID token too, not only to the userinfo endpoint:
    // LoginUmbria's relying parties read the person from the ID token alone.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { methods: ['S256'], required: () => true },
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'] },
    clientBasedCORS: () => false,
    cookies: {
      keys: [crypto.randomBytes(32).toString('base64url')],
      // oidc-provider marks cookies Secure only on https requests; sameSite "none" (its default
      // for the session cookie) without Secure is refused by browsers, so use "lax" over http.
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Session: 3600,
      Grant: 3600,
      Interaction: 600,
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: false }, // LoginUmbria has no PAR endpoint
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page('Vuoi uscire?', o.demo, `${form}
<p>Stai per chiudere la sessione con il provider di identità.</p>
<ul><li><button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sì, esci</button></li>
<li><button type="submit" form="op.logoutForm" class="secondary">No, resta connesso</button></li></ul>`);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = page('Sei uscito', o.demo, '<p>La sessione con il provider di identità è chiusa.</p>');
        },
      },
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Accesso non riuscito', o.demo,
        `<p>Il provider di identità non ha potuto completare la richiesta.</p>
<p><code>${escapeHtml(out.error)}</code>: ${escapeHtml(out.error_description)}</p>`);
    },
  };
}

// ---- interactions (our own pages instead of devInteractions) -------------------------------

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('corpo troppo grande');
  }
  return new URLSearchParams(body);
}

function interactionHandler(provider, people, demo) {
  const byId = new Map(people.map((p) => [p.id, p]));
  return async (req, res, uid, action) => {
    let details;
    try {
      details = await provider.interactionDetails(req, res);
      if (details.uid !== uid) throw new Error('uid');
    } catch {
      return send(res, 400, page('Sessione di accesso scaduta', demo,
        '<p>La richiesta di accesso è scaduta o non è valida. Torna al servizio e riprova.</p>'));
    }
    const { prompt, params } = details;

    if (req.method === 'GET' && !action) {
      if (prompt.name === 'login') {
        const client = await provider.Client.find(params.client_id);
        return send(res, 200, loginPage(uid, client?.clientName || params.client_id, people, demo));
      }
      if (prompt.name === 'consent') {
        // Consent is implied (the region's broker asks none): grant what the client asked for,
        // so that the person clicks once, on the login page.
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
        const d = prompt.details;
        if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
        if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) {
          grant.addResourceScope(indicator, scopes.join(' '));
        }
        const grantId = await grant.save();
        return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      }
      return send(res, 400, page('Richiesta non gestita', demo, `<p>Richiesta non gestita: ${escapeHtml(prompt.name)}.</p>`));
    }

    if (req.method === 'POST' && action === 'login') {
      const person = byId.get((await readForm(req)).get('person'));
      if (!person || prompt.name !== 'login') {
        return send(res, 400, page('Persona sconosciuta', demo, '<p>Scegli una delle persone elencate.</p>'));
      }
      // remember: false = a browser-session cookie, like the real broker's.
      const login = { accountId: person.id, acr: person.acr, amr: ['pwd'], remember: false };
      return provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
    }

    if (req.method === 'POST' && action === 'abort') {
      return provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: "accesso annullato dall'utente",
      }, { mergeWithLastSubmission: false });
    }
    return send(res, 405, page('Metodo non ammesso', demo, ''));
  };
}

// ---- main ---------------------------------------------------------------------------------

async function main() {
  const o = options();
  const people = readJson(o.people);
  const jwks = o.keys ? readJson(o.keys) : freshJwks();
  if (Array.isArray(jwks)) throw new Error('--keys: atteso un JWKS {"keys": [...]}');

  // Listen first: with --port 0 the issuer (which contains the port) is known only afterwards.
  let handle = (req, res) => { res.statusCode = 503; res.end(); };
  const server = http.createServer((req, res) => handle(req, res));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const issuer = (o.issuer ?? `http://127.0.0.1:${port}`).replace(/\/$/, '');

  const provider = new Provider(issuer, configuration(o, people, jwks));
  provider.on('server_error', (ctx, err) => console.error('oidc-provider: errore interno:', err.message));
  const oidc = provider.callback();
  const interaction = interactionHandler(provider, people, o.demo);
  handle = (req, res) => {
    const m = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(new URL(req.url, issuer).pathname);
    if (!m) return oidc(req, res);
    interaction(req, res, m[1], m[2]).catch((err) => {
      console.error('interazione fallita:', err.message);
      if (!res.headersSent) send(res, 500, page('Errore', o.demo, '<p>Errore interno del provider.</p>'));
    });
  };

  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections(); // keep-alive connections would hold close() forever
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  process.stdout.write(JSON.stringify({ issuer, port }) + '\n');
}

main().catch((err) => {
  console.error(`oidc-provider: ${err.message}`);
  process.exit(1);
});
