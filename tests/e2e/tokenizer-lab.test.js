// The tokenizer lab in the page: tokenizers compared on a fixture dataset with the figures the
// native code gives (tests/fixtures/tokenizer-lab.json, written and checked by the native test
// tokenizer_lab_figures_for_the_browser_test_are_the_native_ones), a comparison cancelled, and a
// word-level model trained, saved and loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pageAndBrowser, openPage, byTestId, samples, parseSafetensors, pageWithMadeUpText, splitInTokenView } from './harness.js';
import { startHubServer } from './hub-server.js';

const MINUTE = 60_000;
const env = pageAndBrowser();
const expected = JSON.parse(await readFile(new URL('../fixtures/tokenizer-lab.json', import.meta.url), 'utf8'));

/** The number a cell's text stands for: a percentage as a share. */
const parseCell = (text) => (text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text));
const metricFields = {
  'vocab-size': 'vocab_size',
  'tokens-per-1000-chars': 'tokens_per_1000_chars',
  'bytes-per-token': 'bytes_per_token',
  'unknown-rate': 'unknown_rate',
  'rare-rate': 'rare_rate',
  'embedding-params': 'embedding_params',
};

/** Ticks exactly the tokenizers named by `keys` in the comparison. */
async function tick(page, keys) {
  const boxes = page.locator('[data-testid^="compare-"][type="checkbox"]');
  for (const box of await boxes.all()) {
    const key = (await box.getAttribute('data-testid')).slice('compare-'.length);
    await box.setChecked(keys.includes(key));
  }
}

test('the comparison table shows, for bytes, characters and words on a Hub dataset, the figures the native code gives; a Hub tokenizer joins once loaded', async (t) => {
  const hub = await startHubServer();
  const url = `${env.server.url}/?backend=cpu&preset=${expected.preset}`
    + `&hf_hub=${encodeURIComponent(hub.hub)}&hf_viewer=${encodeURIComponent(hub.viewer)}`;
  const page = await openPage(env.browser, url);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'dataset-id').fill(expected.dataset);
  await page.locator(`[data-testid="dataset-split"] option[value="${expected.file}"]`).waitFor({ state: 'attached', timeout: MINUTE });
  await byTestId(page, 'dataset-size').fill(String(expected.megabytes));
  await byTestId(page, 'load-dataset').click();
  await page.locator('.dataset .in-use b').filter({ hasText: expected.dataset }).waitFor({ timeout: MINUTE });

  await byTestId(page, 'token-view-input').fill(expected.sample);
  const keys = expected.rows.map((r) => r.name);
  await tick(page, keys);
  const started = Date.now();
  await byTestId(page, 'compare-tokenizers').click();
  const table = byTestId(page, 'tokenizer-comparison');
  await table.waitFor({ timeout: MINUTE });
  const seconds = (Date.now() - started) / 1000;
  const pageMs = Number(await byTestId(page, 'comparison-summary').getAttribute('data-ms'));
  t.diagnostic(`comparison of ${keys.join(', ')}: ${seconds.toFixed(2)} s from the click, ${pageMs} ms in the page`);

  assert.deepEqual(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.tokenizer)), keys);
  for (const row of expected.rows) {
    const tr = table.locator(`tr[data-tokenizer="${row.name}"]`);
    const cells = Object.fromEntries(await tr.locator('[data-metric]').evaluateAll(
      (tds) => tds.map((td) => [td.dataset.metric, td.textContent]),
    ));
    assert.deepEqual(cells, row.cells, `the cells of ${row.name}`);
    for (const [metric, field] of Object.entries(metricFields)) {
      const shown = parseCell(cells[metric]);
      assert.ok(Math.abs(shown - row[field]) <= 0.005 * Math.max(1, Math.abs(row[field])),
        `${row.name} ${metric}: ${cells[metric]} reads ${shown}, natively ${row[field]}`);
    }
    const chips = await tr.locator('[data-testid="comparison-sample"] [data-token-id]').evaluateAll(
      (spans) => spans.map((s) => [Number(s.dataset.tokenId), s.textContent]),
    );
    assert.deepEqual(chips, row.sample.map((p) => [p.id, p.text]), `the sample as ${row.name} splits it`);
  }
  assert.equal(await table.locator('tr[data-tokenizer="words"] [data-metric="embedding-params"]').textContent(),
    String(expected.rows[2].vocab_size * expected.n_embd));
  assert.equal(await byTestId(page, 'comparison-progress').count(), 0, 'the progress bar goes when it is done');
  assert.match(await page.locator('.meanings').textContent(), /unknown: the share of tokens that are \[UNK\]/);

  // A Hub model's tokenizer, once loaded, can be compared too, beside a BPE trained here.
  await byTestId(page, 'tokenizer-kind').selectOption('pretrained');
  await byTestId(page, 'tokenizer-model-id').fill('gptlab/tiny-gpt2');
  await byTestId(page, 'load-tokenizer').click();
  await byTestId(page, 'compare-hub').waitFor({ timeout: MINUTE });
  await tick(page, ['bpe-512', 'hub']);
  await byTestId(page, 'compare-tokenizers').click();
  await table.locator('tr[data-tokenizer="hub"]').waitFor({ timeout: MINUTE });
  assert.deepEqual(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.tokenizer)), ['bpe-512', 'hub']);
  assert.equal(await table.locator('tr[data-tokenizer="hub"] [data-metric="vocab-size"]').textContent(), '261');
  assert.match(await table.locator('tr[data-tokenizer="hub"] th').textContent(), /tokenizer\.json of gptlab\/tiny-gpt2/);
  // The browser logs the Hub's 401 for each partial id typed on the way to the full one.
  assert.deepEqual(page.problems.filter((p) => !p.includes('Failed to load resource')), []);
  await page.context().close();
  hub.close();
});

test('a comparison shows its progress and Cancel ends it; the page answers meanwhile', async () => {
  // 3 MB of made-up words: a BPE of 8192 on it takes long enough to cancel.
  const page = await pageWithMadeUpText(env.browser, env.server.url, 'gptlab-e2e-lab-text', 3_000_000);
  await tick(page, ['bytes', 'bpe-8192']);
  await byTestId(page, 'compare-tokenizers').click();
  await page.locator('.tokenizer-comparison .progress').filter({ hasText: 'training BPE 8192' }).waitFor({ timeout: MINUTE });
  const delay = await page.evaluate(async () => {
    const started = performance.now();
    await new Promise((r) => setTimeout(r, 0));
    return performance.now() - started;
  });
  assert.ok(delay < 200, `the page froze while comparing: ${delay} ms`);
  await byTestId(page, 'comparison-cancel').click();
  await byTestId(page, 'comparison-progress').waitFor({ state: 'detached', timeout: 5000 });
  assert.equal(await byTestId(page, 'tokenizer-comparison').count(), 0);
  assert.equal(await byTestId(page, 'error').count(), 0);
  assert.equal(await byTestId(page, 'compare-tokenizers').isEnabled(), true);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a word-level tokenizer trained in the page trains a model and travels in its checkpoint as WordLevel', async () => {
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny&steps=40`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'tokenizer-kind').selectOption('words');
  await byTestId(page, 'vocab-size').fill('100');
  await byTestId(page, 'train-tokenizer').click();
  await byTestId(page, 'tokenizer-in-use').filter({ hasText: 'words trained here' }).waitFor({ timeout: MINUTE });
  const vocab = Number((await byTestId(page, 'tokenizer-in-use').textContent()).match(/(\d+) tokens/)[1]);
  assert.ok(vocab > 10 && vocab <= 100, `vocabulary of ${vocab}`);
  await splitInTokenView(page, 'two plus three');
  assert.deepEqual(await byTestId(page, 'token-view').locator('[data-token-id]').allTextContents(), ['two', ' plus', ' three']);

  await byTestId(page, 'train').click();
  const afterSamplesShown = () => page.waitForFunction(
    () => document.querySelectorAll('[data-testid="after-samples"] [data-testid="sample"]').length === 3,
    null, { timeout: 5 * MINUTE },
  );
  await afterSamplesShown();
  assert.equal(await byTestId(page, 'error').count(), 0);
  const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'download-checkpoint').click()]);
  const file = join(tmpdir(), `gptlab-e2e-words-${process.pid}.safetensors`);
  await download.saveAs(file);
  const { tensors, metadata } = parseSafetensors(await readFile(file));
  assert.deepEqual(tensors['wte.weight'].shape.slice(0, 1), [vocab]);
  const tokenizer = JSON.parse(metadata['gptlab.tokenizer']);
  assert.equal(tokenizer.tokenizer.model.type, 'WordLevel');
  assert.equal(tokenizer.tokenizer.model.unk_token, '[UNK]');
  const losses = JSON.parse(metadata['gptlab.training']).recent_losses;
  assert.ok(losses.at(-1) < Math.log(vocab), `the loss did not fall: ${losses}`);
  const afterTexts = await samples(page, 'after-samples');

  await page.reload();
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'load-checkpoint').setInputFiles(file);
  await afterSamplesShown();
  assert.deepEqual(await samples(page, 'after-samples'), afterTexts);
  assert.match(await page.locator('.loaded').textContent(), /tokenizer words trained here \(\d+ tokens\)/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
