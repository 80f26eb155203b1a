// Login with SPID/CIE in Chromium, through the real OpenID provider (tools/oidc-provider) that
// stands in for LoginUmbria: /area-personale → /accedi → "Entra con SPID o CIE" → the provider's
// page → the person's button → back in the personal area; the header of a catalogue page names
// the person; "Esci" ends the session at the portal and at the provider. The same login works
// without JavaScript (links, forms and redirects only). Then axe-core (WCAG 2.0/2.1 A and AA)
// finds no violation on the login page, on the personal area of each role and on the developer
// pages, anonymous and logged in.
//
//   cd /work/main && node --test tests/browser/login.test.mjs
//
// Environment: AU_BINARY (default build/accesso-unico); AU_BROWSER_DEBUG=1 echoes the server log,
// AU_OIDC_DEBUG=1 the provider's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import { launchBrowser, serverOutput } from './harness.mjs';
import { startPortalWithLogin, stopPortalWithLogin, loginAs, demoPeople, fiscalCodeOf } from '../support/portal-login.mjs';

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const ACTION_TIMEOUT_MS = 60_000; // the machine is shared: page loads can be slow
const CATALOGUE_PAGE = '/servizi';

const clean = (s) => (s ?? '').replace(/\s+/g, ' ').trim();
const person = (id) => demoPeople.find((p) => p.id === id);
const fullName = (id) => `${person(id).given_name} ${person(id).family_name}`;

let base;
let provider;
let browser;

before(async () => {
  const [b, s] = await Promise.allSettled([launchBrowser(), startPortalWithLogin()]);
  if (b.status === 'rejected' || s.status === 'rejected') {
    if (b.status === 'fulfilled') await b.value.close().catch(() => {});
    await stopPortalWithLogin();
    throw s.status === 'rejected' ? s.reason : b.reason;
  }
  browser = b.value;
  ({ base, provider } = s.value);
});

after(async () => {
  await browser?.close();
  await stopPortalWithLogin();
});

async function newPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  return page;
}

/** The text of the header's personal-area button (data-element="personal-area-login"). */
async function headerButton(page) {
  const button = page.locator('header [data-element="personal-area-login"]');
  assert.equal(await button.count(), 1, `one header [data-element="personal-area-login"] on ${page.url()}`);
  return { text: clean(await button.innerText()), href: await button.getAttribute('href') };
}

function where(page) {
  const u = new URL(page.url());
  return { origin: u.origin, path: u.pathname, url: u };
}

/**
 * The whole round trip in one browser context: login from /area-personale, the header on a
 * catalogue page, logout. `js` tells whether the context runs JavaScript.
 */
function loginRoundTrip(js) {
  return async (t) => {
    const context = await browser.newContext({ javaScriptEnabled: js });
    try {
      const page = await newPage(context);

      // 1. The personal area asks anonymous visitors to log in.
      await page.goto(`${base}/area-personale`);
      let here = where(page);
      assert.equal(here.origin, base, `redirected away from the portal: ${page.url()}`);
      assert.equal(here.path, '/accedi', `GET /area-personale anonymous should end on /accedi, got ${page.url()}`);
      assert.equal(here.url.searchParams.get('ritorno'), '/area-personale', 'the login page keeps where to return');
      assert.equal(clean(await page.locator('h1').innerText()), "Accedi all'area personale");

      // 2. "Entra con SPID o CIE" → the provider's page, one button per person.
      const enter = page.getByRole('link', { name: 'Entra con SPID o CIE' });
      assert.equal(await enter.count(), 1, 'one "Entra con SPID o CIE" link on /accedi');
      await Promise.all([page.waitForURL((u) => u.origin === new URL(provider.issuer).origin), enter.click()]);
      here = where(page);
      assert.match(here.path, /^\/interaction\/[\w-]+$/, `the provider's login page, got ${page.url()}`);
      const choice = page.getByRole('button', { name: new RegExp(`^${person('cittadino').label}`) });
      assert.equal(await choice.count(), 1, `one button for ${person('cittadino').label} on the provider's page`);

      // 3. Choosing the person brings her back to the personal area.
      await Promise.all([page.waitForURL((u) => u.origin === base && u.pathname === '/area-personale'), choice.click()]);
      assert.equal(clean(await page.locator('h1').innerText()), 'Area personale');
      const main = clean(await page.locator('main').innerText());
      assert.ok(main.includes(fullName('cittadino')), `the personal area names ${fullName('cittadino')}:\n${main.slice(0, 500)}`);
      assert.ok(main.includes(fiscalCodeOf('cittadino')), 'the personal area shows her fiscal code');
      const cookies = await context.cookies(base);
      const session = cookies.find((c) => c.name === 'au_session');
      assert.ok(session, `no au_session cookie after login: ${cookies.map((c) => c.name).join(', ')}`);
      assert.equal(session.httpOnly, true, 'the session cookie is HttpOnly');
      assert.equal(session.sameSite, 'Lax', 'the session cookie is SameSite=Lax');
      assert.equal(cookies.find((c) => c.name === 'au_login'), undefined, 'the login cookie is cleared after the callback');

      // 4. A catalogue page (cached for everybody) shows her name in the header.
      const res = await page.goto(`${base}${CATALOGUE_PAGE}`);
      assert.equal(res.status(), 200, `GET ${CATALOGUE_PAGE}`);
      const button = await headerButton(page);
      assert.equal(button.text, `Area personale di ${fullName('cittadino')}`, `header on ${CATALOGUE_PAGE}`);
      assert.equal(button.href, '/area-personale');
      assert.match(res.headers()['cache-control'] ?? '', /private|no-store/, `a personalised ${CATALOGUE_PAGE} must not be stored by shared caches`);

      // 5. "Esci" → the provider's confirmation → back on the portal, anonymous.
      await page.goto(`${base}/area-personale`);
      const logout = page.getByRole('button', { name: 'Esci', exact: true });
      assert.equal(await logout.count(), 1, 'one "Esci" button in the personal area');
      await Promise.all([page.waitForURL((u) => u.pathname !== '/area-personale'), logout.click()]);
      await page.waitForLoadState('load');
      here = where(page);
      if (here.origin !== base) {
        assert.equal(here.origin, new URL(provider.issuer).origin, `after "Esci": ${page.url()}`);
        const confirm = page.getByRole('button', { name: 'Sì, esci' });
        if (await confirm.count()) {
          t.diagnostic(`the provider asked for confirmation at ${here.path}`);
          await Promise.all([page.waitForURL((u) => u.origin === base), confirm.click()]);
        } else {
          await page.waitForURL((u) => u.origin === base);
        }
        here = where(page);
      }
      assert.equal(here.origin, base, `back on the portal after logout, got ${page.url()}`);
      assert.equal(here.path, '/', `the portal's post-logout page is the home page, got ${page.url()}`);
      const after = await headerButton(page);
      assert.equal(after.text, "Accedi all'area personale", 'the header is anonymous again');
      assert.equal((await context.cookies(base)).find((c) => c.name === 'au_session'), undefined, 'the session cookie is cleared');
      await page.goto(`${base}/area-personale`);
      assert.equal(where(page).path, '/accedi', 'the personal area asks to log in again');
      await page.goto(`${base}${CATALOGUE_PAGE}`);
      assert.equal((await headerButton(page)).text, "Accedi all'area personale", `anonymous header on ${CATALOGUE_PAGE}`);

      // 6. The provider's session is over too: logging in again shows the choice of person.
      await page.goto(`${base}/accedi`);
      await Promise.all([
        page.waitForURL((u) => u.origin === new URL(provider.issuer).origin),
        page.getByRole('link', { name: 'Entra con SPID o CIE' }).click(),
      ]);
      assert.match(where(page).path, /^\/interaction\/[\w-]+$/, `after logout the provider asks again, got ${page.url()}`);
    } catch (e) {
      e.message += `\n--- server log (tail) ---\n${serverOutput(2000)}\n--- provider log (tail) ---\n${provider.stderr().slice(-1500)}`;
      throw e;
    } finally {
      await context.close();
    }
  };
}

describe('login with SPID or CIE (demo provider)', () => {
  it('with JavaScript: /area-personale → /accedi → provider → personal area → header → Esci', loginRoundTrip(true));
  it('without JavaScript: the same login and logout with links, forms and redirects only', loginRoundTrip(false));
});

// ---------------------------------------------------------------------------------------------
// Accessibility of the pages behind the login
// ---------------------------------------------------------------------------------------------

function formatViolations(label, violations) {
  const lines = [`${violations.length} axe violation(s) on ${label}:`];
  for (const v of violations) {
    lines.push(`- ${v.id} [${v.impact}] ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes.slice(0, 10)) {
      lines.push(`    target: ${n.target.join(' ')}`);
      lines.push(`      html: ${n.html.replace(/\s+/g, ' ').slice(0, 200)}`);
      if (n.failureSummary) lines.push(`      ${n.failureSummary.replace(/\s+/g, ' ').slice(0, 300)}`);
    }
    if (v.nodes.length > 10) lines.push(`    … and ${v.nodes.length - 10} more element(s)`);
  }
  return lines.join('\n');
}

/** A browser context logged in as `personId` (a fresh session through the provider, no browser). */
async function contextFor(personId) {
  const context = await browser.newContext();
  if (personId) {
    const who = await loginAs(personId);
    const [name, value] = who.cookie.split(/=(.*)/s);
    await context.addCookies([{ name, value, url: base, httpOnly: true, sameSite: 'Lax' }]);
  }
  return context;
}

/** Console errors of a page, split into CSP reports and others. */
function watchConsole(page) {
  const seen = { csp: [], errors: [] };
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (m.text().includes('Content Security Policy')) seen.csp.push(m.text());
    else seen.errors.push(m.text());
  });
  return seen;
}

/** axe + the basic checks of accessibility.test.mjs on the page as it is now. */
async function audit(page, label) {
  const axe = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  return {
    label,
    url: page.url(),
    axe,
    lang: await page.locator('html').getAttribute('lang'),
    h1: await page.locator('h1').allTextContents(),
    header: clean(await page.locator('header [data-element="personal-area-login"]').innerText().catch(() => '')),
  };
}

const audits = new Map(); // label -> audit result or Error

async function record(label, fn) {
  try {
    audits.set(label, await fn());
  } catch (e) {
    audits.set(label, e);
  }
}

const PAGES = [
  '/accedi (anonymous)',
  '/area-personale (cittadino)',
  '/area-personale/deleghe (cittadino, after creating a delegation with the form)',
  '/area-personale (professionista, with an accepted delegation)',
  '/area-personale/deleghe (professionista, right after accepting it with the form)',
  '/area-personale/amministrazione (amministratore)',
  '/area-personale/redazione (amministratore)',
  '/area-personale/enti/<Comune di Perugia> (operatore)',
  '/sviluppatori (anonymous)',
  '/sviluppatori (logged in)',
  '/sviluppatori/api/catalogo',
  '/sviluppatori/applicazioni/<new app> (right after registering it, secret shown)',
];

describe('accessibility behind the login: axe-core (wcag2a, wcag2aa, wcag21a, wcag21aa)', () => {
  const consoles = new Map();

  before(async () => {
    // Opens `path`, checks it answered 200 there (and `check(page)` if given), then audits it.
    const visit = async (context, label, path, check) => {
      const page = await newPage(context);
      consoles.set(label, watchConsole(page));
      try {
        const res = await page.goto(base + path, { waitUntil: 'load' });
        assert.equal(res.status(), 200, `GET ${path}: ${res.status()}`);
        assert.equal(new URL(page.url()).pathname, path, `GET ${path} ended on ${page.url()}`);
        if (check) await check(page);
        return await audit(page, label);
      } finally {
        await page.close();
      }
    };

    // Anonymous pages.
    const anonymous = await contextFor(null);
    await record(PAGES[0], () => visit(anonymous, PAGES[0], '/accedi'));
    await record(PAGES[8], () => visit(anonymous, PAGES[8], '/sviluppatori'));
    await record(PAGES[10], () => visit(anonymous, PAGES[10], '/sviluppatori/api/catalogo'));
    await anonymous.close();

    // The cittadino: dashboard; a delegation to the professionista through the form.
    const maria = await contextFor('cittadino');
    const luca = await contextFor('professionista');
    let acceptanceCode = null;
    await record(PAGES[1], () =>
      visit(maria, PAGES[1], '/area-personale', async (page) => {
        assert.ok(clean(await page.locator('main').innerText()).includes(fullName('cittadino')), 'her name in the personal area');
      }),
    );
    await record(PAGES[2], async () => {
      const page = await newPage(maria);
      consoles.set(PAGES[2], watchConsole(page));
      try {
        await page.goto(`${base}/area-personale/deleghe`);
        await page.locator('#delegato').fill(fiscalCodeOf('professionista'));
        await page.locator('label[for="ambito-tutti"]').click();
        assert.ok(await page.locator('#ambito-tutti').isChecked(), 'scope "tutti i servizi" chosen');
        await page.locator('#al').fill(`${new Date().getUTCFullYear() + 1}-12-31`);
        await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Crea la delega' }).click()]);
        await page.waitForSelector('main [role="status"], main [role="alert"]');
        const notice = clean(await page.locator('main [role="status"], main [role="alert"]').first().innerText());
        acceptanceCode = (notice.match(/codice di accettazione: ([A-Z0-9-]+)/) || [])[1] ?? null;
        assert.ok(acceptanceCode, `no acceptance code after creating the delegation: "${notice}"`);
        assert.equal(await page.locator('main table tr[data-delegation]').count() > 0, true, 'the new delegation is listed');
        return await audit(page, PAGES[2]);
      } finally {
        await page.close();
      }
    });

    // The professionista accepts it, then his dashboard lists the client.
    await record(PAGES[4], async () => {
      assert.ok(acceptanceCode, 'no delegation to accept (the previous step failed)');
      const page = await newPage(luca);
      consoles.set(PAGES[4], watchConsole(page));
      try {
        await page.goto(`${base}/area-personale/deleghe`);
        await page.locator('#codice').fill(acceptanceCode);
        await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Accetta la delega' }).click()]);
        const notice = clean(await page.locator('main [role="status"], main [role="alert"]').first().innerText());
        assert.match(notice, /Delega accettata/, `accepting the delegation: "${notice}"`);
        return await audit(page, PAGES[4]);
      } finally {
        await page.close();
      }
    });
    await record(PAGES[3], () =>
      visit(luca, PAGES[3], '/area-personale', async (page) => {
        const clients = clean(await page.locator('main section[aria-labelledby="clients-title"]').innerText());
        assert.ok(clients.includes(fullName('cittadino')), `the dashboard lists his client ${fullName('cittadino')}: "${clients}"`);
      }),
    );
    await luca.close();

    // Developer pages, logged in as the cittadino: home, then an application registered with the form.
    await record(PAGES[9], () =>
      visit(maria, PAGES[9], '/sviluppatori', async (page) => {
        assert.equal(await page.locator('main form[action="/sviluppatori/applicazioni"]').count(), 1, 'the registration form is shown');
      }),
    );
    await record(PAGES[11], async () => {
      const page = await newPage(maria);
      consoles.set(PAGES[11], watchConsole(page));
      try {
        await page.goto(`${base}/sviluppatori`);
        await page.locator('#nome').fill('App di prova accessibilità');
        await page.locator('#descrizione').fill('Registrata dal test di accessibilità.');
        // Bootstrap Italia draws the radio buttons and check boxes on their labels: click those.
        await page.locator('label[for="ambiente-test"]').click();
        await page.locator('label[for="scope-catalogo:lettura"]').click();
        assert.ok(await page.locator('#ambiente-test').isChecked(), 'environment "test" chosen');
        assert.ok(await page.locator('[id="scope-catalogo:lettura"]').isChecked(), 'scope catalogo:lettura chosen');
        await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: "Registra l'applicazione" }).click()]);
        assert.match(new URL(page.url()).pathname, /^\/sviluppatori\/applicazioni$/, `after registering: ${page.url()}`);
        const secret = await page.locator('[data-testid="client-secret"]').innerText();
        assert.ok(secret.length >= 32, 'the new secret is shown');
        return await audit(page, PAGES[11]);
      } finally {
        await page.close();
      }
    });
    await maria.close();

    // The administrator and the operator.
    const chiara = await contextFor('amministratore');
    await record(PAGES[5], () =>
      visit(chiara, PAGES[5], '/area-personale/amministrazione', async (page) => {
        assert.ok((await page.locator('main table').count()) > 0, 'the roles and applications tables are shown');
      }),
    );
    await record(PAGES[6], () => visit(chiara, PAGES[6], '/area-personale/redazione'));
    await chiara.close();
    const francesca = await contextFor('operatore');
    await record(PAGES[7], async () => {
      const page = await newPage(francesca);
      let href;
      try {
        await page.goto(`${base}/area-personale`);
        const links = await page.locator('main a[href^="/area-personale/enti/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        assert.equal(links.length, 1, `the operator's dashboard links her ente once: ${JSON.stringify(links)}`);
        href = links[0];
      } finally {
        await page.close();
      }
      const a = await visit(francesca, PAGES[7], href);
      assert.match(a.h1.join(' '), /Perugia/, `the ente page of the operator is the Comune di Perugia: ${JSON.stringify(a.h1)}`);
      return a;
    });
    await francesca.close();
  });

  for (const label of PAGES) {
    describe(label, () => {
      let seen;
      before(() => {
        seen = audits.get(label);
        assert.ok(seen, `${label} was not audited`);
        if (seen instanceof Error) throw seen;
      });

      it('has no axe-core violations (wcag2a, wcag2aa, wcag21a, wcag21aa)', (t) => {
        if (seen.axe.incomplete.length)
          t.diagnostic(`axe "needs review" on ${seen.url}: ${seen.axe.incomplete.map((v) => `${v.id}(${v.nodes.length})`).join(', ')}`);
        assert.equal(seen.axe.violations.length, 0, formatViolations(`${label} (${seen.url})`, seen.axe.violations));
      });

      it('has <html lang="it"> and exactly one h1', () => {
        assert.equal(seen.lang, 'it');
        assert.equal(seen.h1.length, 1, `h1 elements: ${JSON.stringify(seen.h1)}`);
      });

      it('the header says who is logged in', () => {
        const expected = /anonymous|\/sviluppatori\/api\/catalogo/.test(label) ? "Accedi all'area personale" : /^Area personale di /;
        if (typeof expected === 'string') assert.equal(seen.header, expected);
        else assert.match(seen.header, expected);
      });

      it('logs no Content Security Policy errors', (t) => {
        const c = consoles.get(label) ?? { csp: [], errors: [] };
        if (c.errors.length) t.diagnostic(`other console errors on ${seen.url}:\n  ${[...new Set(c.errors)].join('\n  ')}`);
        assert.deepEqual(c.csp, [], `CSP errors on ${seen.url}`);
      });
    });
  }
});
