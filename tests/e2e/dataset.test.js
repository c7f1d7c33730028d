// Data from the Hub in the page, against a local stand-in for the Hub and its dataset viewer:
// the viewer and Parquet path, the plain-text path with a Range, the browser cache, and errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pageAndBrowser, openPage, byTestId, samples } from './harness.js';
import { startHubServer } from './hub-server.js';

const MINUTE = 60_000;
const STEPS = 40;
const env = pageAndBrowser();
let hub;
before(async () => { hub = await startHubServer({ failing: ['gptlab/broken'] }); });
after(() => hub.close());

async function openStudio() {
  const url = `${env.server.url}/?backend=cpu&preset=tiny&steps=${STEPS}`
    + `&hf_hub=${encodeURIComponent(hub.hub)}&hf_viewer=${encodeURIComponent(hub.viewer)}`;
  const page = await openPage(env.browser, url);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  return page;
}

const options = (page, id) => byTestId(page, id).locator('option').evaluateAll((os) => os.map((o) => o.value));
const inUse = (page) => page.locator('.dataset .in-use b').textContent();
// The browser logs each answer with an error status itself; only other problems count.
const problems = (page) => page.problems.filter((p) => !p.includes('Failed to load resource'));

/** Types a dataset id and waits until the page has listed what it holds. */
async function lookUp(page, dataset, column) {
  await byTestId(page, 'dataset-id').fill(dataset);
  await page.waitForFunction(
    (c) => [...document.querySelectorAll('[data-testid="dataset-column"] option, [data-testid="dataset-split"] option')]
      .some((o) => o.value === c),
    column, { timeout: MINUTE },
  );
}

async function loadDataset(page, megabytes, expectedName) {
  await byTestId(page, 'dataset-size').fill(String(megabytes));
  await byTestId(page, 'load-dataset').click();
  await page.locator('.dataset .in-use b').filter({ hasText: expectedName }).waitFor({ timeout: MINUTE });
  const summary = await countedSummary(page);
  const [, rows, characters, tokens] = summary.match(/(\d+) rows, (\d+) characters.*?(\d+) tokens/).map(Number);
  return { rows, characters, tokens };
}

test('a Hub dataset through the viewer and its Parquet files: a BPE of 512 and a model trained on it, then a reload served from the cache', async () => {
  const page = await openStudio();
  await lookUp(page, 'gptlab/tiny-stories', 'text');
  assert.deepEqual(await options(page, 'dataset-config'), ['default']);
  assert.deepEqual(await options(page, 'dataset-split'), ['train', 'validation']);
  assert.deepEqual(await options(page, 'dataset-column'), ['text'], 'only text columns are offered');

  const taken = await loadDataset(page, 0.03, 'gptlab/tiny-stories');
  assert.ok(taken.rows > 100 && taken.characters > 25_000, JSON.stringify(taken));
  const parquet = hub.downloads().map((r) => r.path);
  assert.ok(parquet.some((p) => p.endsWith('/default/train/0000.parquet')), parquet.join());
  assert.ok(parquet.some((p) => p.endsWith('/default/validation/0000.parquet')), 'validates on the validation split');
  assert.equal(await byTestId(page, 'dataset-progress').count(), 1);

  await byTestId(page, 'tokenizer-kind').selectOption('bpe');
  await byTestId(page, 'vocab-size').fill('512');
  await byTestId(page, 'train-tokenizer').click();
  await byTestId(page, 'tokenizer-in-use').filter({ hasText: '512 tokens' }).waitFor({ timeout: MINUTE });
  const bpe = await loadSummaryTokens(page);
  assert.ok(bpe < taken.tokens / 2, `BPE: ${bpe} tokens, bytes: ${taken.tokens}`);

  await byTestId(page, 'train').click();
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="after-samples"] [data-testid="sample"]').length > 0,
    null, { timeout: 5 * MINUTE },
  );
  assert.equal(await byTestId(page, 'error').count(), 0);
  const losses = (await byTestId(page, 'loss-chart').locator('polyline.train').getAttribute('data-losses'))
    .split(',').map(Number);
  assert.ok(losses.length >= 2, 'the chart has points');
  assert.ok(losses.at(-1) < losses[0] - 1, `the loss did not fall: ${losses[0]} → ${losses.at(-1)}`);
  for (const sample of await samples(page, 'after-samples')) assert.match(sample, /^Once upon a/);

  // A reload loads the same take from the browser's cache: no data file is downloaded again.
  const downloads = hub.downloads().length;
  await page.reload();
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'cache-summary').filter({ hasText: /Cached downloads: [1-9]/ }).waitFor();
  await lookUp(page, 'gptlab/tiny-stories', 'text');
  const again = await loadDataset(page, 0.03, 'gptlab/tiny-stories');
  assert.deepEqual(again, taken);
  assert.equal(hub.downloads().length, downloads, 'the reload downloaded data again');

  await byTestId(page, 'cache-clear').click();
  await byTestId(page, 'cache-summary').filter({ hasText: 'Cached downloads: 0' }).waitFor();
  assert.deepEqual(problems(page), []);
  await page.context().close();
});

// The data summary once its tokens are counted (a large text is counted in a worker).
async function countedSummary(page) {
  const summary = byTestId(page, 'dataset-summary').filter({ hasText: /\d+ tokens/ });
  await summary.waitFor({ timeout: MINUTE });
  return summary.textContent();
}

async function loadSummaryTokens(page) {
  return Number((await countedSummary(page)).match(/(\d+) tokens/)[1]);
}

test('a plain-text file of a dataset repository, taken with a Range request, and a local text file', async () => {
  const page = await openStudio();
  await lookUp(page, 'gptlab/little-text', 'input.txt');
  assert.deepEqual(await options(page, 'dataset-config'), ['text files']);
  assert.deepEqual(await options(page, 'dataset-split'), ['input.txt']);
  const taken = await loadDataset(page, 0.004, 'gptlab/little-text/input.txt');
  assert.ok(taken.rows >= 10 && taken.characters <= 4_000, JSON.stringify(taken));
  const request = hub.requests.find((r) => r.path.endsWith('/resolve/main/input.txt'));
  assert.equal(request.range, 'bytes=0-3999');

  // A local file, a line per row.
  const file = join(tmpdir(), `gptlab-e2e-local-${process.pid}.txt`);
  await writeFile(file, Array.from({ length: 50 }, (_, i) => `line ${i} of a local file`).join('\n'));
  await byTestId(page, 'dataset-file').setInputFiles(file);
  await page.locator('.dataset .in-use b').filter({ hasText: /gptlab-e2e-local-\d+\.txt/ }).waitFor();
  assert.match(await byTestId(page, 'dataset-summary').textContent(), /^50 rows/);
  assert.deepEqual(problems(page), []);
  await page.context().close();
});

test('a missing dataset and a failing server each give a clear error, and the page keeps working', async () => {
  const page = await openStudio();
  await byTestId(page, 'dataset-id').fill('gptlab/missing');
  await byTestId(page, 'error').filter({ hasText: 'not found, or it is private or gated' }).waitFor({ timeout: MINUTE });

  await byTestId(page, 'dataset-id').fill('gptlab/broken');
  await byTestId(page, 'error').filter({ hasText: /HTTP 500.*after 4 tries/ }).waitFor({ timeout: MINUTE });

  assert.match(await inUse(page), /arithmetic/, 'the data in use is unchanged');
  assert.equal(await byTestId(page, 'train').isEnabled(), true);
  await byTestId(page, 'dataset-id').fill('gptlab/tiny-stories');
  await lookUp(page, 'gptlab/tiny-stories', 'text');
  assert.equal(await byTestId(page, 'error').count(), 0, 'a good lookup clears the error');
  assert.deepEqual(problems(page), []);
  await page.context().close();
});

test('Cancel stops a download half-way and keeps the data in use', async () => {
  const slowHub = await startHubServer({ slow: ['gptlab/little-text'] });
  const url = `${env.server.url}/?backend=cpu&preset=tiny`
    + `&hf_hub=${encodeURIComponent(slowHub.hub)}&hf_viewer=${encodeURIComponent(slowHub.viewer)}`;
  const page = await openPage(env.browser, url);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await lookUp(page, 'gptlab/little-text', 'input.txt');
  await byTestId(page, 'load-dataset').click();
  // Half the file has arrived; the rest is seconds away.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="dataset-progress"]')?.value) > 0,
    null, { timeout: MINUTE });
  await byTestId(page, 'dataset-cancel').click();
  await page.locator('.dataset .status').filter({ hasText: 'cancelled' }).waitFor({ timeout: MINUTE });
  assert.match(await inUse(page), /arithmetic/);
  assert.equal(await byTestId(page, 'error').count(), 0);
  assert.equal(await byTestId(page, 'load-dataset').isEnabled(), true);
  assert.deepEqual(problems(page), []);
  await page.context().close();
  slowHub.close();
});

test('Parquet files compressed with zstd, gzip, lz4 and brotli load in the page', async () => {
  for (const codec of ['zstd', 'gzip', 'lz4', 'brotli']) {
    const page = await openStudio();
    await lookUp(page, `gptlab/stories-${codec}`, 'text');
    const taken = await loadDataset(page, 1, `gptlab/stories-${codec}`);
    assert.equal(taken.rows, 60, codec);
    assert.ok(hub.downloads().some((r) => r.path.includes(`stories-${codec}/`) && r.path.endsWith('.parquet')), codec);
    assert.deepEqual(await byTestId(page, 'error').allTextContents(), [], codec);
    assert.deepEqual(problems(page), [], codec);
    await page.context().close();
  }
});
