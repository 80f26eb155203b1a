// The Modello Comuni feedback widget of a service page, with JavaScript disabled: the follow-up
// question depends on the rating (CSS only), and the form posts to the server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { baseUrl, startWithBrowser, stop } from './harness.mjs';

const SERVICE = '/servizi/carta-identita-elettronica';

let browser;
let context;

before(async () => {
  browser = await startWithBrowser();
  context = await browser.newContext({ javaScriptEnabled: false });
});

after(async () => {
  await context?.close();
  await browser?.close();
  await stop();
});

async function openWidget() {
  const page = await context.newPage();
  const res = await page.goto(baseUrl() + SERVICE);
  assert.equal(res.status(), 200, `GET ${SERVICE}`);
  const box = page.locator('[data-element="feedback"]');
  assert.equal(await box.count(), 1, 'one [data-element="feedback"]');
  return {
    page,
    box,
    positive: box.locator('[data-element="feedback-rating-positive"]'),
    negative: box.locator('[data-element="feedback-rating-negative"]'),
    rate: (n) => box.locator(`[data-element="feedback-rate-${n}"]`).click(),
  };
}

/** Chooses the first answer of `branch`, types a detail, submits; returns the final response. */
async function answerAndSubmit(page, box, branch, detail) {
  const answer = branch.locator('[data-element="feedback-rating-answer"]').first();
  await answer.click();
  const inputId = await answer.getAttribute('for');
  assert.ok(await page.locator(`#${inputId}`).isChecked(), 'clicking the answer label checks its radio');
  await box.locator('[data-element="feedback-input-text"]').fill(detail);
  const submit = box.locator('button[type="submit"], input[type="submit"]');
  assert.equal(await submit.count(), 1, 'one submit button in the feedback form');
  // waitForNavigation resolves with the response of the last hop (post/redirect/get is fine too).
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), submit.click()]);
  return response;
}

async function assertThanks(page, response) {
  const h1 = (await page.locator('h1').allTextContents()).map((s) => s.trim());
  const body = (await page.locator('main').textContent().catch(() => ''))?.replace(/\s+/g, ' ').trim().slice(0, 300);
  assert.equal(
    response?.status(),
    200,
    `feedback POST to ${response?.url()} answered ${response?.status()}; h1: ${JSON.stringify(h1)}; main: ${body}`,
  );
  assert.deepEqual(h1, ['Grazie per il tuo parere'], `thanks page expected at ${page.url()}; main: ${body}`);
}

describe('feedback widget without JavaScript', () => {
  it('before a rating neither follow-up question is shown', async () => {
    const { page, positive, negative } = await openWidget();
    try {
      assert.equal(await positive.isVisible(), false, 'positive question hidden');
      assert.equal(await negative.isVisible(), false, 'negative question hidden');
    } finally {
      await page.close();
    }
  });

  it('4 stars: the positive question is shown, the negative one hidden; submitting shows the thanks page', async () => {
    const { page, box, positive, negative, rate } = await openWidget();
    try {
      await rate(4);
      assert.ok(await page.locator('#feedback-rating-4, input[name="rating"][value="4"]').first().isChecked(), 'rating 4 checked');
      assert.equal(await positive.isVisible(), true, 'positive question visible after 4 stars');
      assert.equal(await negative.isVisible(), false, 'negative question hidden after 4 stars');
      const response = await answerAndSubmit(page, box, positive, 'Informazioni chiare, grazie.');
      await assertThanks(page, response);
    } finally {
      await page.close();
    }
  });

  it('2 stars: the negative question is shown, the positive one hidden; submitting shows the thanks page', async () => {
    const { page, box, positive, negative, rate } = await openWidget();
    try {
      await rate(2);
      assert.equal(await negative.isVisible(), true, 'negative question visible after 2 stars');
      assert.equal(await positive.isVisible(), false, 'positive question hidden after 2 stars');
      const response = await answerAndSubmit(page, box, negative, 'Non ho capito i costi.');
      await assertThanks(page, response);
    } finally {
      await page.close();
    }
  });

  // Modello Comuni: 1-3 stars are the negative branch. The page shows the negative question for
  // 3 stars, so the server must accept a negative answer with rating 3.
  it('3 stars: the negative question is shown and a negative answer is accepted', async () => {
    const { page, box, positive, negative, rate } = await openWidget();
    try {
      await rate(3);
      assert.equal(await negative.isVisible(), true, 'negative question visible after 3 stars');
      assert.equal(await positive.isVisible(), false, 'positive question hidden after 3 stars');
      const response = await answerAndSubmit(page, box, negative, 'Tempi poco chiari.');
      await assertThanks(page, response);
    } finally {
      await page.close();
    }
  });
});
