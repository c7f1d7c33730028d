// The tokenizer in the page: bytes by default, a BPE trained on the data, the token view, and a
// BPE model trained, saved, reloaded and loaded with its tokenizer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pageAndBrowser, openPage, byTestId, samples, parseSafetensors, pageWithMadeUpText, splitInTokenView } from './harness.js';
import { startHubServer } from './hub-server.js';

const MINUTE = 60_000;
const SENTENCE = 'two plus three equals five';
const env = pageAndBrowser();

const chipIds = async (page) =>
  (await byTestId(page, 'token-view').locator('[data-token-id]').evaluateAll(
    (chips) => chips.map((c) => Number(c.dataset.tokenId)),
  ));

const afterSamplesShown = (page) => page.waitForFunction(
  () => document.querySelectorAll('[data-testid="after-samples"] [data-testid="sample"]').length === 3,
  null,
  { timeout: 5 * MINUTE },
);

test('a BPE trained in the page splits text into fewer tokens, trains a model and travels in its checkpoint', async () => {
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny&steps=40`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });

  // Bytes: one chip per byte, ids are the bytes.
  await splitInTokenView(page, SENTENCE);
  assert.deepEqual(await chipIds(page), [...Buffer.from(SENTENCE)]);

  await byTestId(page, 'tokenizer-kind').selectOption('bpe');
  await byTestId(page, 'vocab-size').fill('400');
  await byTestId(page, 'train-tokenizer').click();
  await byTestId(page, 'tokenizer-in-use').filter({ hasText: 'BPE' }).waitFor({ timeout: MINUTE });
  const vocab = Number((await byTestId(page, 'tokenizer-in-use').textContent()).match(/(\d+) tokens/)[1]);
  assert.ok(vocab > 256 && vocab <= 400, `vocabulary of ${vocab}`);
  await splitInTokenView(page, SENTENCE);
  const ids = await chipIds(page);
  assert.ok(ids.length < SENTENCE.length / 2, `${ids.length} BPE tokens for ${SENTENCE.length} bytes`);
  assert.ok(ids.every((id) => id < vocab));
  assert.equal(await byTestId(page, 'token-view').textContent(), SENTENCE, 'the chips spell the text');

  // Train with it; the checkpoint carries the tokenizer.
  await byTestId(page, 'train').click();
  await afterSamplesShown(page);
  assert.equal(await byTestId(page, 'error').count(), 0);
  const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'download-checkpoint').click()]);
  const file = join(tmpdir(), `gptlab-e2e-bpe-${process.pid}.safetensors`);
  await download.saveAs(file);
  const { tensors, metadata } = parseSafetensors(await readFile(file));
  assert.deepEqual(tensors['wte.weight'].shape.slice(0, 1), [vocab]);
  const tokenizer = JSON.parse(metadata['gptlab.tokenizer']);
  assert.equal(tokenizer.kind, 'hugging_face');
  assert.equal(tokenizer.tokenizer.model.type, 'BPE');
  const losses = JSON.parse(metadata['gptlab.training']).recent_losses;
  assert.ok(losses.at(-1) < Math.log(vocab) - 1, `the loss did not fall: ${losses}`);
  const afterTexts = await samples(page, 'after-samples');

  // A fresh page (bytes tokenizer) loads the file and samples the same text with its BPE.
  await page.reload();
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'load-checkpoint').setInputFiles(file);
  await afterSamplesShown(page);
  assert.deepEqual(await samples(page, 'after-samples'), afterTexts);
  assert.match(await page.locator('.loaded').textContent(), /tokenizer BPE trained here \(\d+ tokens\)/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('an impossible vocabulary size is refused with a clear message', async () => {
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'tokenizer-kind').selectOption('bpe');
  await byTestId(page, 'vocab-size').fill('100');
  await byTestId(page, 'train-tokenizer').click();
  await byTestId(page, 'error').waitFor({ timeout: MINUTE });
  assert.match(await byTestId(page, 'error').textContent(), /between 256 and 32768 tokens, not 100/);
  assert.match(await byTestId(page, 'tokenizer-in-use').textContent(), /bytes/);
  assert.equal(await byTestId(page, 'train').isEnabled(), true);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a pretrained tokenizer.json by Hub model id; a model without one, or with one that does not parse, is explained', async () => {
  const hub = await startHubServer();
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny&hf_hub=${encodeURIComponent(hub.hub)}`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'tokenizer-kind').selectOption('pretrained');
  await byTestId(page, 'tokenizer-model-id').fill('gptlab/tiny-gpt2');
  await byTestId(page, 'load-tokenizer').click();
  await byTestId(page, 'tokenizer-in-use').filter({ hasText: 'tokenizer.json of gptlab/tiny-gpt2 (261 tokens)' })
    .waitFor({ timeout: MINUTE });
  assert.ok(hub.requests.some((r) => r.path === '/hub/gptlab/tiny-gpt2/resolve/main/tokenizer.json'));
  await splitInTokenView(page, 'a the');
  assert.equal((await chipIds(page)).length, 2, 'its merges apply: "a" and " the"');

  await byTestId(page, 'tokenizer-model-id').fill('gptlab/garbled');
  await byTestId(page, 'load-tokenizer').click();
  await byTestId(page, 'error').filter({ hasText: 'the tokenizer.json of gptlab/garbled' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'tokenizer-model-id').fill('gptlab/nope');
  await byTestId(page, 'load-tokenizer').click();
  await byTestId(page, 'error').filter({ hasText: 'model gptlab/nope was not found' }).waitFor({ timeout: MINUTE });
  assert.match(await byTestId(page, 'tokenizer-in-use').textContent(), /gptlab\/tiny-gpt2/, 'the tokenizer in use stays');
  assert.deepEqual(page.problems.filter((p) => !p.includes('Failed to load resource')), []);
  await page.context().close();
  hub.close();
});

test('BPE training runs in a worker: the page answers while it trains', async () => {
  // 2 MB of made-up words: seconds of training, enough to watch the page meanwhile.
  const page = await pageWithMadeUpText(env.browser, env.server.url, 'gptlab-e2e-bpe-text', 2_000_000);
  await byTestId(page, 'tokenizer-kind').selectOption('bpe');
  await byTestId(page, 'vocab-size').fill('3000');
  await byTestId(page, 'train-tokenizer').click();
  await byTestId(page, 'tokenizer-progress').waitFor();
  // While the worker trains, and while the page then counts the tokens of 2 MB with the new
  // tokenizer, the page's thread answers a timer within a frame or two.
  const delays = await page.evaluate(async () => {
    const seen = [];
    const working = () => document.querySelector('[data-testid="tokenizer-progress"]')
      || !/\d+ tokens of training/.test(document.querySelector('[data-testid="dataset-summary"]').textContent);
    while (working() && seen.length < 40) {
      const started = performance.now();
      await new Promise((r) => setTimeout(r, 0));
      seen.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 50));
    }
    return seen;
  });
  assert.ok(delays.length >= 3, `training ended too soon to watch: ${delays.length} samples`);
  assert.ok(Math.max(...delays) < 200, `the page froze while training: ${delays.map(Math.round)}`);
  await byTestId(page, 'tokenizer-in-use').filter({ hasText: 'BPE trained here' }).waitFor({ timeout: 2 * MINUTE });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
