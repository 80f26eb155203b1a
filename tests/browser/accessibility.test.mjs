// Accessibility of every page type: axe-core (WCAG 2.0/2.1 A and AA) with zero violations,
// html lang="it", a skip link as first focusable element, exactly one h1, no CSP errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import { baseUrl, startWithBrowser, stop } from './harness.mjs';

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// path: a string, or a function called once the server runs (slugs taken from the pages).
const PAGES = [
  { name: '/', path: '/' },
  { name: '/servizi', path: '/servizi' },
  { name: '/servizi?pagina=2', path: '/servizi?pagina=2' },
  { name: '/servizi/autorizzazione-unica-ambientale', path: '/servizi/autorizzazione-unica-ambientale' },
  { name: '/servizi/autorizzazione-unica-ambientale/acquasparta', path: '/servizi/autorizzazione-unica-ambientale/acquasparta' },
  { name: '/servizi/carta-identita-elettronica', path: '/servizi/carta-identita-elettronica' },
  { name: '/categorie/<first category linked from the home page>', path: () => slugs.category },
  { name: '/argomenti', path: '/argomenti' },
  { name: '/argomenti/<first topic linked from /argomenti>', path: () => slugs.topic },
  { name: '/enti', path: '/enti' },
  { name: '/enti/perugia', path: '/enti/perugia' },
  { name: '/cerca?q=caccia', path: '/cerca?q=caccia' },
  { name: '/cerca?q=zzzzzz (no results)', path: '/cerca?q=zzzzzz' },
  { name: '/non-esiste (404 page)', path: '/non-esiste', status: 404 },
  { name: '/servizi/autorizzazione-unica-ambientale/condizioni', path: '/servizi/autorizzazione-unica-ambientale/condizioni' },
];

const CONCURRENCY = 3; // pages analysed at the same time (axe takes ~3 s a page)

const slugs = { category: null, topic: null };
const results = new Map(); // spec -> what the page showed (filled by the before hook)
let browser;
let context;

/** First link of `page` (at `from`) whose path starts with `prefix` and has one more segment. */
async function firstLink(page, from, prefix) {
  await page.goto(baseUrl() + from);
  const paths = await page.locator(`main a[href^="${prefix}"]`).evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
  const found = paths.find((p) => p.length > prefix.length && !p.slice(prefix.length).includes('/'));
  assert.ok(found, `no link to ${prefix}<slug> in <main> of ${from}`);
  return found;
}

/** Loads one page in a fresh tab and records status, axe results, lang, h1s, first Tab stop, console errors. */
async function inspect(spec) {
  const seen = { path: null, status: null, axe: null, lang: null, h1: null, focused: null, csp: [], errors: [], failure: null };
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (m.text().includes('Content Security Policy')) seen.csp.push(m.text());
    else seen.errors.push(m.text());
  });
  try {
    seen.path = typeof spec.path === 'function' ? spec.path() : spec.path;
    const res = await page.goto(baseUrl() + seen.path, { waitUntil: 'load' });
    seen.status = res.status();
    seen.axe = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
    seen.lang = await page.locator('html').getAttribute('lang');
    seen.h1 = await page.locator('h1').allTextContents();
    await page.bringToFront();
    await page.keyboard.press('Tab');
    seen.focused = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      return { tag: el.tagName.toLowerCase(), text: el.textContent.replace(/\s+/g, ' ').trim(), href: el.getAttribute('href') };
    });
  } catch (e) {
    seen.failure = e;
  } finally {
    await page.close();
  }
  return seen;
}

before(async () => {
  browser = await startWithBrowser();
  context = await browser.newContext();
  const page = await context.newPage();
  try {
    slugs.category = await firstLink(page, '/', '/categorie/');
    slugs.topic = await firstLink(page, '/argomenti', '/argomenti/');
  } finally {
    await page.close();
  }
  const queue = [...PAGES];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let spec; (spec = queue.shift()); ) results.set(spec, await inspect(spec));
    }),
  );
});

after(async () => {
  await context?.close();
  await browser?.close();
  await stop();
});

function formatViolations(pagePath, violations) {
  const lines = [`${violations.length} axe violation(s) on ${pagePath}:`];
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

for (const spec of PAGES) {
  describe(`page ${spec.name}`, () => {
    let seen;
    before(() => {
      seen = results.get(spec);
      assert.ok(seen, `page ${spec.name} was not inspected`);
      if (seen.failure) throw seen.failure;
    });

    it(`answers HTTP ${spec.status ?? 200}`, () => {
      assert.equal(seen.status, spec.status ?? 200, `GET ${seen.path}`);
    });

    it('has no axe-core violations (wcag2a, wcag2aa, wcag21a, wcag21aa)', (t) => {
      if (seen.axe.incomplete.length)
        t.diagnostic(`axe "needs review" on ${seen.path}: ${seen.axe.incomplete.map((v) => `${v.id}(${v.nodes.length})`).join(', ')}`);
      assert.equal(seen.axe.violations.length, 0, formatViolations(seen.path, seen.axe.violations));
    });

    it('has <html lang="it">', () => {
      assert.equal(seen.lang, 'it');
    });

    it('has a skip link to the content as first focusable element', () => {
      assert.ok(seen.focused, 'pressing Tab once focused nothing');
      assert.equal(seen.focused.tag, 'a', `first focusable element: ${JSON.stringify(seen.focused)}`);
      assert.match(seen.focused.text, /contenuto/i, `first focusable element: ${JSON.stringify(seen.focused)}`);
    });

    it('has exactly one h1', () => {
      assert.equal(seen.h1.length, 1, `h1 elements: ${JSON.stringify(seen.h1)}`);
    });

    it('logs no Content Security Policy errors', (t) => {
      if (seen.errors.length) t.diagnostic(`other console errors on ${seen.path}:\n  ${[...new Set(seen.errors)].join('\n  ')}`);
      assert.deepEqual(seen.csp, [], `CSP errors on ${seen.path}`);
    });
  });
}
