// The Hugging Face GPT-2 layout in the page: an export that an independent numpy GPT-2 agrees
// with, imported back by model id and fine-tuned; the Hub's own GPT-2 files; what cannot load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pageAndBrowser, openPage, byTestId, samples } from './harness.js';
import { startHubServer } from './hub-server.js';

const MINUTE = 60_000;
const PROMPT = 'two plus three equals';
const reference = fileURLToPath(new URL('../python/gpt2_reference.py', import.meta.url));
const env = pageAndBrowser();

const afterSamples = (page) => page.waitForFunction(
  () => document.querySelectorAll('[data-testid="after-samples"] [data-testid="sample"]').length === 3,
  null, { timeout: 5 * MINUTE },
);

/** The next-token bars as [{ token, prob }], once they are the trained model's. */
async function trainedBars(page) {
  await byTestId(page, 'phase').filter({ hasText: 'done' }).waitFor({ timeout: 5 * MINUTE });
  await page.waitForFunction(() => {
    const first = document.querySelector('[data-testid="next-token-bars"] .bar');
    return first && Number(first.dataset.prob) > 0.2;
  }, null, { timeout: MINUTE });
  return byTestId(page, 'next-token-bars').locator('.bar').evaluateAll((els) =>
    els.map((e) => ({ token: e.dataset.token, prob: Number(e.dataset.prob) })));
}

test('the export agrees with numpy, imports back by model id with the same samples, and fine-tunes', async (t) => {
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny&steps=60`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'train').click();
  await afterSamples(page);
  const bars = await trainedBars(page);
  const trainedSamples = await samples(page, 'after-samples');

  const dir = await mkdtemp(join(tmpdir(), 'gptlab-e2e-gpt2-'));
  const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'export-hf').click()]);
  assert.match(download.suggestedFilename(), /\.zip$/);
  await download.saveAs(join(dir, 'export.zip'));
  // numpy's GPT-2 reads the files and gives the probabilities the bars show (bytes: ids are bytes).
  const ids = JSON.stringify([...Buffer.from(PROMPT)]);
  const probabilities = JSON.parse(execFileSync('python3', [reference, 'next-token', dir, ids]).toString());
  for (const { token, prob } of bars.filter((b) => b.token.length === 1)) {
    const theirs = probabilities[token.charCodeAt(0)];
    assert.ok(Math.abs(theirs - prob) < 1e-4, `"${token}": the page says ${prob}, numpy ${theirs}`);
  }
  await page.context().close();

  // Served as a Hub model, the export imports by id: the same card and the same samples.
  const unpacked = join(dir, 'model');
  execFileSync('python3', ['-m', 'zipfile', '-e', join(dir, 'export.zip'), unpacked]);
  const hub = await startHubServer({ models: { 'someone/exported': unpacked } });
  t.after(() => hub.close());
  const fresh = await openPage(env.browser, `${env.server.url}/?backend=cpu&steps=20&hf_hub=${encodeURIComponent(hub.hub)}`);
  await byTestId(fresh, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(fresh, 'import-hf-model-id').fill('someone/exported');
  await byTestId(fresh, 'import-hf').click();
  await byTestId(fresh, 'model-card').filter({ hasText: 'trained 60 steps on arithmetic' }).waitFor({ timeout: MINUTE });
  assert.match(await byTestId(fresh, 'model-card').textContent(), /someone\/exported: 2 layers, 2 heads, 32 wide, context 48/);
  await afterSamples(fresh);
  assert.deepEqual(await samples(fresh, 'after-samples'), trainedSamples);
  assert.ok(hub.requests.some((r) => r.path === '/hub/someone/exported/resolve/main/model.safetensors'));

  // Train fine-tunes the imported model: its loss starts where the export left off, far below
  // the ln(256) = 5.5 of a fresh model.
  assert.equal(await byTestId(fresh, 'n-embd').inputValue(), '32', 'the settings take the model\'s sizes');
  assert.equal(await byTestId(fresh, 'fine-tune').isChecked(), true);
  await byTestId(fresh, 'train').click();
  await fresh.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '20', null, { timeout: 2 * MINUTE });
  await byTestId(fresh, 'phase').filter({ hasText: 'done' }).waitFor({ timeout: 2 * MINUTE });
  const losses = (await fresh.locator('[data-testid="loss-chart"] polyline.train').getAttribute('data-losses')).split(',').map(Number);
  assert.equal(losses.length, 20);
  assert.ok(losses[0] < 3, `the fine-tune started from the imported weights: first loss ${losses[0]}`);
  assert.deepEqual(fresh.problems, []);
  await fresh.context().close();
});

test('a GPT-2 in the Hub\'s own layout imports; a missing model and one gptlab cannot run are explained', async (t) => {
  const hub = await startHubServer();
  t.after(() => hub.close());
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&hf_hub=${encodeURIComponent(hub.hub)}`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'import-hf-model-id').fill('gptlab/tiny-gpt2');
  await byTestId(page, 'import-hf').click();
  await byTestId(page, 'model-card').waitFor({ timeout: MINUTE });
  assert.match(await byTestId(page, 'model-card').textContent(),
    /gptlab\/tiny-gpt2: 2 layers, 4 heads, 32 wide, context 32, .* tokenizer tokenizer\.json of gptlab\/tiny-gpt2 \(261 tokens\); imported from gptlab\/tiny-gpt2/);
  await afterSamples(page);
  assert.match(await byTestId(page, 'tokenizer-in-use').textContent(), /gptlab\/tiny-gpt2/, 'the page uses its tokenizer');
  await byTestId(page, 'generate').click();
  await byTestId(page, 'generation').and(page.locator('[data-streaming="false"]')).waitFor({ timeout: MINUTE });

  const cases = [
    ['gptlab/nope', /config\.json of the model gptlab\/nope was not found/],
    ['gptlab/tiny-relu', /gptlab\/tiny-relu: this is not a GPT-2 model gptlab can run: it uses the "relu" activation/],
    ['not a model id', /is not a Hugging Face id/],
  ];
  for (const [id, message] of cases) {
    await byTestId(page, 'import-hf-model-id').fill(id);
    await byTestId(page, 'import-hf').click();
    await byTestId(page, 'error').filter({ hasText: message }).waitFor({ timeout: MINUTE });
    assert.match(await byTestId(page, 'model-card').textContent(), /gptlab\/tiny-gpt2/, 'the imported model stays');
  }
  assert.deepEqual(page.problems.filter((p) => !p.includes('Failed to load resource')), []);
  await page.context().close();
});
