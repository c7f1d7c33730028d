// The Llama-style family in the page: chosen in the model step, it trains on the built-in data
// on the CPU and its loss falls; its checkpoint says so and loads back; its Hugging Face export is
// Llama's, and an independent numpy Llama gives the probabilities the page shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pageAndBrowser, openPage, byTestId, samples, parseSafetensors } from './harness.js';

const MINUTE = 60_000;
const STEPS = 60;
const PROMPT = 'two plus three equals';
const reference = fileURLToPath(new URL('../python/llama_reference.py', import.meta.url));
// The tiny preset's sizes as a Llama (2 layers, 2 heads, 32 wide, context 48, bytes): per layer
// two RMSNorms, q/k/v and output projections, SwiGLU 96 wide; the embedding, final norm and head.
const TINY_LLAMA_PARAMS = 2 * (2 * 32 + 32 * 96 + 32 * 32 + 3 * 32 * 96) + 2 * 256 * 32 + 32;
const env = pageAndBrowser();

const afterSamples = (page) => page.waitForFunction(
  () => document.querySelectorAll('[data-testid="after-samples"] [data-testid="sample"]').length === 3,
  null, { timeout: 5 * MINUTE },
);

test('a Llama-style model trains on the built-in data, saves as llama, loads back and exports for LlamaForCausalLM', async () => {
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny&steps=${STEPS}`);
  await byTestId(page, 'training-device').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  const family = byTestId(page, 'model-family');
  assert.deepEqual(await family.locator('option').evaluateAll((os) => os.map((o) => o.value)), ['gpt2', 'llama']);
  assert.equal(await family.inputValue(), 'gpt2', 'GPT-2 stays the default');
  await family.selectOption('llama');
  await page.waitForFunction((n) => document.querySelector('[data-testid="param-count"]').dataset.params === String(n),
    TINY_LLAMA_PARAMS, { timeout: MINUTE });
  assert.equal(await byTestId(page, 'preset').inputValue(), 'tiny', 'the preset sizes either family');
  assert.equal(await byTestId(page, 'n-kv-head').inputValue(), '2', 'one key/value head per head to start');

  await byTestId(page, 'train').click();
  await afterSamples(page);
  assert.deepEqual(await byTestId(page, 'error').allTextContents(), []);
  assert.equal(Number(await byTestId(page, 'step').textContent()), STEPS);
  const afterTexts = await samples(page, 'after-samples');

  const link = byTestId(page, 'download-checkpoint');
  await link.waitFor({ timeout: MINUTE });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const dir = await mkdtemp(join(tmpdir(), 'gptlab-e2e-llama-'));
  const file = join(dir, 'llama.safetensors');
  await download.saveAs(file);
  const { tensors, metadata } = parseSafetensors(await readFile(file));
  const model = JSON.parse(metadata['gptlab.model']);
  assert.equal(model.family, 'llama');
  assert.ok('lm_head.weight' in tensors && 'h.1.ln_2.gamma' in tensors, Object.keys(tensors).join(' '));
  assert.ok(!('wpe.weight' in tensors) && !('h.0.ln_1.beta' in tensors), 'no position table, no biases');
  const history = JSON.parse(metadata['gptlab.training']).history.train.map(([, loss]) => loss);
  assert.ok(history[0] > 5, `first loss ${history[0]} should be near ln(256) = 5.5`);
  assert.ok(history.at(-1) < history[0] - 2, `the loss did not fall: ${history[0]} -> ${history.at(-1)}`);

  // The export is Llama's layout, and numpy's Llama gives the probabilities the bars show.
  await byTestId(page, 'phase').filter({ hasText: 'done' }).waitFor({ timeout: MINUTE });
  await page.waitForFunction(() => {
    const first = document.querySelector('[data-testid="next-token-bars"] .bar');
    return first && Number(first.dataset.prob) > 0.2;
  }, null, { timeout: MINUTE });
  const bars = await byTestId(page, 'next-token-bars').locator('.bar').evaluateAll((els) =>
    els.map((e) => ({ token: e.dataset.token, prob: Number(e.dataset.prob) })));
  const [exported] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'export-hf').click()]);
  assert.match(exported.suggestedFilename(), /-llama\.zip$/);
  await exported.saveAs(join(dir, 'export.zip'));
  const ids = JSON.stringify([...Buffer.from(PROMPT)]);
  const probabilities = JSON.parse(execFileSync('python3', [reference, 'next-token', dir, ids]).toString());
  const checked = bars.filter((b) => b.token.length === 1);
  assert.ok(checked.length > 0, JSON.stringify(bars));
  for (const { token, prob } of checked) {
    const theirs = probabilities[token.charCodeAt(0)];
    assert.ok(Math.abs(theirs - prob) < 1e-4, `"${token}": the page says ${prob}, numpy ${theirs}`);
  }

  // A fresh page loads the checkpoint as a Llama and draws the same samples.
  await page.reload();
  await byTestId(page, 'training-device').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'load-checkpoint').setInputFiles(file);
  await afterSamples(page);
  assert.deepEqual(await samples(page, 'after-samples'), afterTexts, 'the loaded model samples differently');
  assert.match(await byTestId(page, 'model-card').textContent(),
    /llama\.safetensors: 2 layers, 2 heads, 32 wide, context 48, Llama-style blocks, 43168 parameters/);
  assert.equal(await byTestId(page, 'model-family').inputValue(), 'llama', 'the settings take the loaded family');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
