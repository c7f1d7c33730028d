// The runs trained in this browser: kept across a reload, compared on one chart (the loss, or
// bits per byte across tokenizers) with their settings side by side, and carried to another
// browser as a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pageAndBrowser, openPage, byTestId } from './harness.js';

const MINUTE = 60_000;
const env = pageAndBrowser();

const runRows = (page) => byTestId(page, 'runs').locator('li[data-run-id]');

async function trainAndWaitForRecord(page, count) {
  await byTestId(page, 'train').dispatchEvent('click');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="runs"] li').length === n,
    count, { timeout: 5 * MINUTE });
}

/** The chart's train curve of each run: `[x, y]` pairs, by run id. */
const drawnCurves = (page) => page.$$eval('[data-testid="compare-chart"] polyline[data-series="train"]', (lines) =>
  Object.fromEntries(lines.map((l) => [l.dataset.runId, l.dataset.values.split(' ').map((p) => p.split(',').map(Number))])));

test('two runs with different tokenizers compare on one bits-per-byte chart after a reload, and travel as a file', async () => {
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny&steps=12`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await trainAndWaitForRecord(page, 1);
  await byTestId(page, 'tokenizer-kind').selectOption('bpe');
  await byTestId(page, 'vocab-size').fill('320');
  await byTestId(page, 'train-tokenizer').click();
  await byTestId(page, 'tokenizer-in-use').filter({ hasText: 'BPE' }).waitFor({ timeout: MINUTE });
  await trainAndWaitForRecord(page, 2);

  await page.reload();
  await runRows(page).nth(1).waitFor({ timeout: MINUTE });
  assert.equal(await runRows(page).count(), 2, 'both runs are kept across the reload');
  const records = await page.evaluate(() => JSON.parse(localStorage.getItem('gptlab-runs')).runs);
  const [bytesRun, bpeRun] = records;
  assert.equal(bytesRun.validation_tokens, bytesRun.validation_bytes, 'bytes: a token per byte');
  assert.ok(bpeRun.validation_tokens < bpeRun.validation_bytes, 'a BPE token covers more than a byte');

  for (const box of await byTestId(page, 'run-select').all()) await box.check();
  await byTestId(page, 'compare-runs').click();
  const losses = await drawnCurves(page);
  assert.deepEqual(Object.keys(losses).sort(), records.map((r) => r.id).sort(), 'one curve per run');
  await byTestId(page, 'chart-axis').selectOption('bits-per-byte');
  await byTestId(page, 'bits-per-byte-note').waitFor();
  const bits = await drawnCurves(page);
  for (const run of records) {
    const expected = run.history.train.map(([, loss]) => loss * run.validation_tokens / (run.validation_bytes * Math.LN2));
    const drawn = bits[run.id].map(([, y]) => y);
    assert.equal(drawn.length, expected.length);
    drawn.forEach((y, i) => assert.ok(Math.abs(y - expected[i]) < 1e-4, `${run.tokenizer} point ${i}: ${y} vs ${expected[i]}`));
  }
  const tokenizerRow = byTestId(page, 'run-settings').locator('tr[data-setting="tokenizer"]');
  assert.match(await tokenizerRow.getAttribute('class'), /differs/);
  const stepsRow = byTestId(page, 'run-settings').locator('tr[data-setting="training.max_steps"]');
  assert.doesNotMatch((await stepsRow.getAttribute('class')) ?? '', /differs/);

  const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'export-runs').click()]);
  const file = join(tmpdir(), `gptlab-e2e-runs-${process.pid}.json`);
  await download.saveAs(file);
  const elsewhere = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny`);
  assert.equal(await runRows(elsewhere).count(), 0, 'a fresh browser has no runs');
  await byTestId(elsewhere, 'import-runs').setInputFiles(file);
  await runRows(elsewhere).nth(1).waitFor({ timeout: MINUTE });
  const imported = await elsewhere.evaluate(() => JSON.parse(localStorage.getItem('gptlab-runs')).runs);
  assert.deepEqual(imported.map((r) => r.id), records.map((r) => r.id));
  assert.ok(JSON.parse(await readFile(file, 'utf8')).runs.every((r) => !('weights' in r)));

  await byTestId(elsewhere, 'clear-runs').click();
  assert.equal(await runRows(elsewhere).count(), 0);
  assert.deepEqual([...page.problems, ...elsewhere.problems], []);
});
