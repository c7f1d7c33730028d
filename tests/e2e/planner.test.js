// The learning-rate finder and the time planner, on the CPU backend with the tiny preset: the
// finder suggests a rate that one click makes the run's, and leaves the model it tried as it was;
// the planner times a few steps and says what a budget of minutes buys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pageAndBrowser, openPage, byTestId } from './harness.js';

const MINUTE = 60_000;
const env = pageAndBrowser();

async function tinyPage(params = '') {
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny${params}`);
  await byTestId(page, 'training-device').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  return page;
}

/** Runs the finder and waits for its end; resolves to the suggestion's text ('' without one). */
async function findRate(page) {
  await byTestId(page, 'lr-find').click();
  await page.locator('.lr-result').filter({ hasNotText: 'trying' }).filter({ hasText: /\S/ })
    .waitFor({ timeout: 3 * MINUTE });
  const suggestion = byTestId(page, 'lr-suggestion');
  return (await suggestion.count()) ? suggestion.textContent() : '';
}

/** The range test's curve as drawn: [[rate, smoothed loss], ...]. */
async function curve(page) {
  const points = await byTestId(page, 'lr-chart').getAttribute('data-points');
  return points.split(' ').map((p) => p.split(',').map(Number));
}

const barsOf = (page) => byTestId(page, 'next-token-bars').locator('.bar')
  .evaluateAll((els) => els.map((e) => `${e.dataset.token}=${e.dataset.prob}`).join(' '));

/**
 * A seeded generation from the current model for `prompt`, and its next-token bars, once they
 * have replaced `previous` (the bars of another prompt).
 */
async function sampleAndBars(page, prompt, previous) {
  await byTestId(page, 'prompt').fill(prompt);
  await byTestId(page, 'generate').click();
  await byTestId(page, 'generation').and(page.locator('[data-streaming="false"]')).waitFor({ timeout: MINUTE });
  await page.waitForFunction((old) => {
    const bars = [...document.querySelectorAll('[data-testid="next-token-bars"] .bar')];
    return bars.length > 0 && bars.map((e) => `${e.dataset.token}=${e.dataset.prob}`).join(' ') !== old;
  }, previous, { timeout: MINUTE });
  return { text: await byTestId(page, 'generation').textContent(), bars: await barsOf(page) };
}

test('the finder plots loss against a rising rate and its suggestion becomes the learning rate in one click', async () => {
  const page = await tinyPage();
  assert.equal(await byTestId(page, 'learning-rate').inputValue(), '0.01');
  const suggestion = await findRate(page);
  assert.notEqual(suggestion, '', 'the loss of a fresh model falls: a suggestion');
  const rate = Number(suggestion);
  assert.ok(rate > 1e-6 && rate < 1, `suggested ${suggestion}`);

  const points = await curve(page);
  assert.ok(points.length > 20, `${points.length} points`);
  const rates = points.map(([r]) => r);
  assert.ok(rates.every((r, i) => i === 0 || r > rates[i - 1]), 'the rate rises step by step');
  const lowest = Math.min(...points.map(([, loss]) => loss));
  assert.ok(lowest < points[0][1] - 0.5, `the loss fell from ${points[0][1]} only to ${lowest}`);
  // The suggestion sits on the falling part: before the lowest loss, the loss lower after it.
  const at = rates.findIndex((r) => r >= rate * 0.9);
  const lowestAt = points.findIndex(([, loss]) => loss === lowest);
  assert.ok(at > 0 && at < lowestAt, `suggested at point ${at}, lowest at ${lowestAt}`);
  assert.ok(points[Math.min(at + 3, lowestAt)][1] < points[at - 1][1], 'the loss falls through the suggestion');

  await byTestId(page, 'lr-apply').click();
  assert.equal(await byTestId(page, 'learning-rate').inputValue(), suggestion);
  assert.deepEqual(await byTestId(page, 'error').allTextContents(), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the finder tries the loaded model on a copy: it samples the same before and after', async () => {
  const page = await tinyPage('&steps=8');
  await byTestId(page, 'train').click();
  const link = byTestId(page, 'download-checkpoint');
  await byTestId(page, 'phase').filter({ hasText: 'done' }).waitFor({ timeout: 5 * MINUTE });
  await link.waitFor({ timeout: MINUTE });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const file = join(tmpdir(), `gptlab-e2e-lr-${process.pid}.safetensors`);
  await download.saveAs(file);
  await byTestId(page, 'load-checkpoint').setInputFiles(file);
  await byTestId(page, 'model-card').waitFor({ timeout: MINUTE });
  assert.equal(await byTestId(page, 'fine-tune').isChecked(), true);

  await page.waitForFunction(() => document.querySelectorAll('[data-testid="next-token-bars"] .bar').length > 0);
  const sum = await sampleAndBars(page, 'two plus', await barsOf(page));
  const longer = await sampleAndBars(page, 'two plus three equals', sum.bars);
  await findRate(page);
  // The curve starts from the trained model's loss, below a fresh model's ln(256) = 5.5.
  const [[, first]] = await curve(page);
  assert.ok(first < 5.0, `the finder started at loss ${first}: not the loaded model`);
  const sumAfter = await sampleAndBars(page, 'two plus', longer.bars);
  const longerAfter = await sampleAndBars(page, 'two plus three equals', sumAfter.bars);
  assert.deepEqual([sumAfter, longerAfter], [sum, longer], 'the finder changed the loaded model');
  assert.deepEqual(await byTestId(page, 'error').allTextContents(), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the planner times a few steps and says what a budget of minutes buys', async () => {
  const page = await tinyPage();
  const summary = byTestId(page, 'plan-summary');
  assert.match(await summary.textContent(), /Time a few steps/);
  await byTestId(page, 'plan-measure').click();
  await summary.filter({ hasText: 'tokens/s' }).waitFor({ timeout: MINUTE });
  assert.equal(await summary.getAttribute('data-tokens-per-step'), String(8 * 48));
  assert.match(await summary.textContent(), /In 10 minutes: ~[\d.]+[kMG]? tokens, [\d.]+ tokens per parameter/);

  await byTestId(page, 'plan-minutes').fill('2');
  await summary.filter({ hasText: 'In 2 minutes' }).waitFor({ timeout: MINUTE });
  const tokensPerSecond = Number(await summary.getAttribute('data-tokens-per-second'));
  assert.ok(tokensPerSecond > 0);
  const steps = Math.floor(2 * 60 * tokensPerSecond / 384);
  assert.equal(Number(await summary.getAttribute('data-budget-steps')), steps);
  assert.equal(Number(await summary.getAttribute('data-budget-tokens')), steps * 384);
  const text = await summary.textContent();
  assert.match(text, /200 steps take ~[\d.]+ (s|min|h) and show the model 76\.8k tokens/);
  assert.match(text, /20 tokens per parameter \(compute-optimal\): [\d.]+[kMG]? tokens, ~[\d.]+ (s|min|h)/);

  // Other sizes need timing again.
  await byTestId(page, 'batch-size').fill('16');
  await summary.filter({ hasText: 'Time a few steps' }).waitFor({ timeout: MINUTE });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
