// The attention view: after a short run on the tiny preset, a prompt's attention is drawn for
// every layer and head, untrained beside trained; each cell carries its weight, each row is a
// distribution over the tokens up to its own; hovering a token says where it looks; and a
// validation line's tokens carry their losses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageAndBrowser, openPage, byTestId } from './harness.js';

const MINUTE = 60_000;
const PROMPT = 'two plus'; // 8 byte tokens
const T = PROMPT.length;
const LAYERS = 2; // the tiny preset
const HEADS = 2;
const env = pageAndBrowser();

/** The cells of one grid (`attention-map` or `attention-map-before`), as numbers. */
const cells = (page, testid) => byTestId(page, testid).locator('[data-weight]').evaluateAll((els) =>
  els.map((e) => ({
    layer: Number(e.dataset.layer), head: Number(e.dataset.head),
    row: Number(e.dataset.row), col: Number(e.dataset.col), weight: Number(e.dataset.weight),
  })));

/** Each row of each head a distribution over the tokens up to its own, and every cell there. */
function assertCausalDistributions(grid, name) {
  assert.equal(grid.length, LAYERS * HEADS * T * T, `${name}: a cell per layer, head, row and column`);
  const sums = new Map();
  for (const { layer, head, row, col, weight } of grid) {
    assert.ok(Number.isFinite(weight) && weight >= 0, `${name}: weight ${weight}`);
    if (col > row) assert.equal(weight, 0, `${name}: layer ${layer} head ${head} row ${row} sees column ${col}`);
    const key = `${layer}/${head}/${row}`;
    sums.set(key, (sums.get(key) ?? 0) + weight);
  }
  assert.equal(sums.size, LAYERS * HEADS * T);
  for (const [key, sum] of sums) assert.ok(Math.abs(sum - 1) < 1e-3, `${name}: row ${key} sums to ${sum}`);
}

test('a prompt\'s attention is drawn per layer and head, before and after training, causal rows summing to 1', async () => {
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny&steps=60`);
  await byTestId(page, 'training-device').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  assert.ok(await byTestId(page, 'attention-show').isDisabled(), 'no model to look into yet');

  await byTestId(page, 'train').click();
  await byTestId(page, 'phase').filter({ hasText: 'done' }).waitFor({ timeout: 5 * MINUTE });
  await byTestId(page, 'attention-prompt').fill(PROMPT);
  await byTestId(page, 'attention-show').click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="attention-map"] [data-weight]').length === n,
    LAYERS * HEADS * T * T, { timeout: MINUTE });

  const after = await cells(page, 'attention-map');
  const before = await cells(page, 'attention-map-before');
  assertCausalDistributions(after, 'after');
  assertCausalDistributions(before, 'before');
  // Untrained, every token looks almost evenly at itself and the tokens before it.
  for (const { row, col, weight } of before.filter((c) => c.col <= c.row)) {
    assert.ok(Math.abs(weight - 1 / (row + 1)) < 0.05, `untrained row ${row} col ${col}: ${weight}`);
  }
  const changed = after.some((c, i) => Math.abs(c.weight - before[i].weight) > 1e-3);
  assert.ok(changed, 'training changed where the tokens look');

  const labels = await byTestId(page, 'attention-map').locator('svg').first().locator('[data-token-row]').allTextContents();
  assert.deepEqual(labels, [...PROMPT].map((c) => c), 'the rows are labelled with the prompt\'s tokens');
  await byTestId(page, 'attention-map').locator('[data-token-row="5"]').first().hover();
  assert.match(await byTestId(page, 'attention-looks').textContent(), /Layer 1 head 1 \(now\): "l" looks at "/);
  assert.equal(await page.locator('.attention-row').count(), 2 * LAYERS * HEADS, 'the row is outlined in every map');

  const losses = await byTestId(page, 'line-losses').locator('[data-loss]').evaluateAll((els) =>
    els.map((e) => Number(e.dataset.loss)));
  assert.ok(losses.length > 5, `the validation line's tokens: ${losses}`);
  assert.ok(losses.every((l) => Number.isFinite(l) && l >= 0), `${losses}`);
  assert.deepEqual(page.problems, []);
});
