// Cleaning the data in the page: a local file with markup, duplicates and personal data, cleaned
// in a job worker; the report agrees with the native code's counts for the same file
// (tests/fixtures/clean/web-page.expected.json, which tests/native/clean_corpus.rs checks too),
// the cleaned text is what trains, and the checkpoint names the steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pageAndBrowser, openPage, byTestId, parseSafetensors } from './harness.js';

const MINUTE = 60_000;
const fixtures = fileURLToPath(new URL('../fixtures/clean/', import.meta.url));
const env = pageAndBrowser();

/** The report's rows: step, removed documents and characters. */
const reportRows = (page) => byTestId(page, 'clean-report').locator('tr[data-step]').evaluateAll((rows) =>
  rows.map((r) => ({ step: r.dataset.step, removed_docs: Number(r.dataset.removedDocs), removed_chars: Number(r.dataset.removedChars) })));

test('html, dedup and pii clean a local file as natively, and the cleaned text trains and is named in the checkpoint', async () => {
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny&steps=10`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'dataset-file').setInputFiles(join(fixtures, 'web-page.txt'));
  await page.locator('.dataset .in-use b').filter({ hasText: 'web-page.txt' }).waitFor({ timeout: MINUTE });

  for (const step of ['clean-html', 'clean-dedup', 'clean-pii']) await byTestId(page, step).check();
  await byTestId(page, 'clean-run').click();
  await byTestId(page, 'clean-report').waitFor({ timeout: MINUTE });
  const expected = JSON.parse(await readFile(join(fixtures, 'web-page.expected.json'), 'utf8')).steps;
  assert.deepEqual(await reportRows(page), expected);
  assert.equal(await page.locator('.dataset .in-use b').textContent(), 'web-page.txt (cleaned)');
  assert.match(await byTestId(page, 'clean-examples').first().textContent(), /html: no text left/);

  const text = await byTestId(page, 'clean-preview').textContent();
  assert.match(text, /Write to <EMAIL> for the spring catalogue\./);
  assert.match(text, /Pay with the card <CARD>, or write to <EMAIL> with questions\./);
  assert.equal(text.split('The old farmer repaired the wooden bridge').length - 1, 1, text);
  assert.doesNotMatch(text, /<p>|<script>|@/);

  // Cleaning again starts from the file as loaded: with dedup off the repeats are back, and the
  // HTML step does not take the masks for tags; the report is of this run alone.
  await byTestId(page, 'clean-dedup').uncheck();
  await byTestId(page, 'clean-run').click();
  await page.waitForFunction(() => !document.querySelector('[data-testid="clean-report"] tr[data-step="dedup"]'),
    null, { timeout: MINUTE });
  const again = await byTestId(page, 'clean-preview').textContent();
  assert.match(again, /Write to <EMAIL> for the spring catalogue\./);
  assert.ok(again.split('The old farmer repaired the wooden bridge').length - 1 > 1, again);
  assert.deepEqual((await reportRows(page)).map((r) => r.step), ['html', 'pii']);
  // And once more as at first, which is what trains.
  await byTestId(page, 'clean-dedup').check();
  await byTestId(page, 'clean-run').click();
  await byTestId(page, 'clean-report').locator('tr[data-step="dedup"]').waitFor({ timeout: MINUTE });
  assert.deepEqual(await reportRows(page), expected);

  await byTestId(page, 'train').click();
  // One sample per prompt: the fixture's validation text has two lines to take prompts from.
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="after-samples"] [data-testid="sample"]').length === 2,
    null, { timeout: 5 * MINUTE });
  assert.deepEqual(await byTestId(page, 'error').allTextContents(), []);
  const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'download-checkpoint').click()]);
  const file = join(tmpdir(), `gptlab-e2e-cleaned-${process.pid}.safetensors`);
  await download.saveAs(file);
  const training = JSON.parse(parseSafetensors(await readFile(file)).metadata['gptlab.training']);
  assert.equal(training.step, 10);
  assert.equal(training.dataset, 'web-page.txt (cleaned)');
  const on = Object.entries(training.cleaning).filter(([, s]) => s.enabled).map(([step]) => step);
  assert.deepEqual(on, ['html', 'dedup', 'pii']);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('Cancel stops cleaning and keeps the data in use', async () => {
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  // Seconds of near-duplicate search: 20 MB of distinct lines.
  const lines = Array.from({ length: 400_000 }, (_, i) => `line ${i} says ${(i * 7919) % 100_003} and more words here`);
  await byTestId(page, 'dataset-file').setInputFiles({ name: 'lines.txt', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\n')) });
  await page.locator('.dataset .in-use b').filter({ hasText: 'lines.txt' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'clean-near-dedup').check();
  await byTestId(page, 'clean-run').click();
  await byTestId(page, 'clean-progress').waitFor({ timeout: MINUTE });
  await byTestId(page, 'clean-cancel').click();
  await byTestId(page, 'clean-status').filter({ hasText: 'cancelled' }).waitFor({ timeout: MINUTE });
  assert.equal(await page.locator('.dataset .in-use b').textContent(), 'lines.txt');
  assert.equal(await byTestId(page, 'clean-report').count(), 0);
  assert.equal(await byTestId(page, 'train').isEnabled(), true);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
