// The user journey of the issue: home → search "carta d'identità" → the CIE service page with
// every Modello Comuni section; then the "Accedi al servizio" smart link of a chosen comune.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { baseUrl, startWithBrowser, stop, stubOrigin } from './harness.mjs';

const SUAPE_ORIGIN = 'https://suape.regione.umbria.it';
const SUAPE_STUB = '<html lang="it"><title>SUAPE</title><body>SUAPE</body></html>';
const ACQUASPARTA_SUAPE = 'https://suape.regione.umbria.it/frontend/index/A045/SS';

const clean = (s) => (s ?? '').replace(/\s+/g, ' ').trim();

let browser;

before(async () => {
  browser = await startWithBrowser();
});

after(async () => {
  await browser?.close();
  await stop();
});

describe('journey: home → search → service page', () => {
  let context;
  let page;

  before(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });
  after(() => context?.close());

  it('searching "carta d\'identità" from the home page leads to the CIE service page', async () => {
    const home = await page.goto(baseUrl() + '/');
    assert.equal(home.status(), 200, 'home page status');

    const form = page.locator('main form[role="search"]');
    assert.equal(await form.count(), 1, 'the home page has one search form in <main>');
    await form.locator('input[name="q"]').fill("carta d'identità");
    await Promise.all([page.waitForURL('**/cerca?**'), form.locator('button[type="submit"]').click()]);

    const searchUrl = new URL(page.url());
    assert.equal(searchUrl.pathname, '/cerca');
    assert.equal(searchUrl.searchParams.get('q'), "carta d'identità", 'the query travels in the form submission');

    // Result links: the links inside the result list(s) of <main>.
    const resultLinks = await page.locator('main ol li a[href]').evaluateAll((as) =>
      as.map((a) => ({ path: new URL(a.href).pathname, text: a.textContent.replace(/\s+/g, ' ').trim() })),
    );
    const index = resultLinks.findIndex((l) => l.path === '/servizi/carta-identita-elettronica');
    const headings = clean(await page.locator('main').locator('h1, h2').allInnerTexts().then((t) => t.join(' | ')));
    assert.ok(
      index >= 0,
      `no search result links to /servizi/carta-identita-elettronica.\n` +
        `  result links found: ${JSON.stringify(resultLinks)}\n  headings of the page: ${headings}`,
    );

    await Promise.all([
      page.waitForURL('**/servizi/carta-identita-elettronica'),
      page.locator('main ol li a[href]').nth(index).click(),
    ]);
    assert.equal(new URL(page.url()).pathname, '/servizi/carta-identita-elettronica');
  });

  it('the service page has every Modello Comuni section', async (t) => {
    if (new URL(page.url()).pathname !== '/servizi/carta-identita-elettronica') {
      // The search step failed: still check the service page, opened directly.
      t.diagnostic('search step did not reach the page: opening /servizi/carta-identita-elettronica directly');
      await page.goto(baseUrl() + '/servizi/carta-identita-elettronica');
    }

    const index = page.locator('[data-element="page-index"]');
    assert.equal(await index.count(), 1, 'one [data-element="page-index"]');
    const entries = (await index.locator('li > a').allTextContents()).map(clean);
    const required = [
      'A chi è rivolto',
      'Come fare',
      'Cosa serve',
      'Cosa si ottiene',
      'Tempi e scadenze',
      'Accedi al servizio',
      'Condizioni di servizio',
      'Contatti',
    ];
    let from = 0;
    for (const title of required) {
      const at = entries.indexOf(title, from);
      assert.ok(at >= 0, `page index: "${title}" missing or out of order.\n  index entries: ${JSON.stringify(entries)}`);
      from = at + 1;
    }
    // Every index entry points to an element of the page.
    for (const href of await index.locator('li > a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
      assert.match(href, /^#./, `page index link ${href} is an in-page anchor`);
      assert.equal(await page.locator(href).count(), 1, `page index target ${href} exists once`);
    }

    const single = [
      'service-title',
      'service-description',
      'service-status',
      'service-addressed',
      'service-how-to',
      'service-needed',
      'service-achieved',
      'service-calendar-text',
      'service-file',
      'service-area',
      'feedback',
    ];
    for (const name of single) {
      const el = page.locator(`[data-element="${name}"]`);
      const n = await el.count();
      assert.ok(n >= 1, `missing [data-element="${name}"]`);
      assert.notEqual(clean(await el.first().textContent()), '', `[data-element="${name}"] is empty`);
    }

    const topics = page.locator('[data-element="service-topic"]');
    assert.ok((await topics.count()) >= 1, 'at least one [data-element="service-topic"]');

    const crumbs = page.locator('[data-element="breadcrumb"]');
    assert.equal(await crumbs.count(), 1, 'one [data-element="breadcrumb"]');
    const crumbTexts = (await crumbs.locator('li').allTextContents()).map(clean);
    assert.ok(
      crumbTexts.some((text) => text.includes('Servizi')),
      `breadcrumb contains "Servizi": ${JSON.stringify(crumbTexts)}`,
    );
  });
});

describe('Accedi al servizio for a chosen comune leads to that comune\'s URL', () => {
  for (const javaScriptEnabled of [true, false]) {
    it(`Acquasparta on /servizi/autorizzazione-unica-ambientale → SUAPE A045 (JavaScript ${javaScriptEnabled ? 'enabled' : 'disabled'})`, async () => {
      const context = await browser.newContext({ javaScriptEnabled });
      try {
        const page = await context.newPage();
        const stubbed = await stubOrigin(page, SUAPE_ORIGIN, SUAPE_STUB);
        const requests = [];
        page.on('request', (r) => {
          if (r.isNavigationRequest()) requests.push({ url: r.url(), from: r.redirectedFrom()?.url() ?? null });
        });

        const res = await page.goto(baseUrl() + '/servizi/autorizzazione-unica-ambientale');
        assert.equal(res.status(), 200);

        const section = page
          .locator('section')
          .filter({ has: page.getByRole('heading', { name: 'Accedi al servizio', exact: true }) });
        assert.equal(await section.count(), 1, 'one section with the heading "Accedi al servizio"');
        const select = section.locator('select');
        assert.equal(await select.count(), 1, 'one comune <select> in "Accedi al servizio"');
        await select.selectOption({ label: 'Acquasparta' });

        const submit = section
          .locator('form', { has: page.locator('select') })
          .locator('button[type="submit"], input[type="submit"]');
        assert.equal(await submit.count(), 1, 'one submit button in the form of the comune <select>');
        await Promise.all([page.waitForURL(`${SUAPE_ORIGIN}/**`), submit.click()]);

        assert.equal(page.url(), ACQUASPARTA_SUAPE, `navigations: ${JSON.stringify(requests)}`);
        assert.ok(stubbed.includes(ACQUASPARTA_SUAPE), `the browser requested ${ACQUASPARTA_SUAPE}`);
        assert.equal(await page.title(), 'SUAPE');
      } finally {
        await context.close();
      }
    });
  }
});
