// The whole loop in the tab: train on WebGPU, compare before/after, download, reload, load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pageAndBrowser, openPage, byTestId, samples, parseSafetensors } from './harness.js';

const STEPS = 8;
const MINUTE = 60_000;
const env = pageAndBrowser();

test('without a hardware GPU the page prefers the CPU and says why', async () => {
  const page = await openPage(env.browser, `${env.server.url}/?preset=tiny`);
  await assert.doesNotReject(byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE }));
  assert.match(await page.locator('.backend').textContent(), /software renderer|no WebGPU|no GPU adapter/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

/**
 * Train, see the loss fall by at least `minDrop`, download the checkpoint, reload, load it, get
 * the same samples. On WebGPU the reloaded page also finds the kernel choices of the first, and
 * the CPU draws the same samples from the file.
 */
async function wholeLoop(backend, label, minDrop) {
  const url = `${env.server.url}/?backend=${backend}&preset=tiny&steps=${STEPS}`;
  const page = await openPage(env.browser, url);
  await byTestId(page, 'backend').filter({ hasText: label }).waitFor({ timeout: MINUTE });
  const gpu = backend === 'webgpu';
  if (gpu) assert.match(await byTestId(page, 'kernel-cache').textContent(), /first steps try several GPU kernels/);

  // dispatchEvent, not click(): on a software GPU the page's thread can be busy for longer than
  // click() waits after clicking.
  await byTestId(page, 'train').dispatchEvent('click');
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="after-samples"] [data-testid="sample"]').length === 3,
    null,
    { timeout: 10 * MINUTE },
  );
  const errors = await byTestId(page, 'error').allTextContents();
  assert.deepEqual(errors, [], 'an error appeared while training');
  assert.equal(Number(await byTestId(page, 'step').textContent()), STEPS);
  assert.ok(Number(await byTestId(page, 'tokens-per-second').textContent()) > 0);
  assert.equal(await byTestId(page, 'loss-chart').locator('polyline.train').count(), 1);

  const beforeTexts = await samples(page, 'before-samples');
  const afterTexts = await samples(page, 'after-samples');
  assert.equal(beforeTexts.length, 3);
  assert.notDeepEqual(afterTexts, beforeTexts, 'training changed nothing the samples show');

  const link = byTestId(page, 'download-checkpoint');
  await link.waitFor({ timeout: MINUTE });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.match(download.suggestedFilename(), /\.safetensors$/);
  const file = join(tmpdir(), `gptlab-e2e-${process.pid}.safetensors`);
  await download.saveAs(file);
  const { tensors, metadata } = parseSafetensors(await readFile(file));
  assert.ok('wte.weight' in tensors && 'h.1.mlp.c_fc.weight' in tensors);
  assert.equal(metadata['gptlab.format_version'], '1');
  // The checkpoint keeps the last ten losses: with fewer steps, all of them.
  const training = JSON.parse(metadata['gptlab.training']);
  assert.equal(training.step, STEPS);
  const losses = training.recent_losses;
  assert.equal(losses.length, STEPS);
  assert.ok(losses[0] > 4, `first loss ${losses[0]} should be near ln(256) = 5.5`);
  assert.ok(losses.at(-1) < losses[0] - minDrop, `the loss did not fall by ${minDrop}: ${losses}`);
  const shown = Number(await byTestId(page, 'loss').textContent());
  assert.ok(Math.abs(shown - losses.at(-1)) < 1e-4, `the page shows ${shown}, the file ${losses.at(-1)}`);

  await page.reload();
  await byTestId(page, 'backend').filter({ hasText: label }).waitFor({ timeout: MINUTE });
  if (gpu) {
    // Autotune's choices outlive the page: the browser's storage kept them for this visit.
    const remembered = await byTestId(page, 'kernel-cache').textContent();
    assert.ok(Number(remembered.match(/^(\d+) GPU kernel choices remembered/)?.[1]) > 0, remembered);
  }
  assert.deepEqual(await samples(page, 'after-samples'), [], 'a reload starts empty');
  await byTestId(page, 'load-checkpoint').setInputFiles(file);
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="after-samples"] [data-testid="sample"]').length === 3,
    null,
    { timeout: 5 * MINUTE },
  );
  assert.deepEqual(await samples(page, 'after-samples'), afterTexts, 'the loaded model samples differently');
  assert.match(await page.locator('.loaded').textContent(), /trained 8 steps/);
  if (gpu) {
    // WebGPU's kernels compute what the CPU's do: the same file draws the same text there.
    const cpu = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny`);
    await byTestId(cpu, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
    await byTestId(cpu, 'load-checkpoint').setInputFiles(file);
    await cpu.waitForFunction(
      () => document.querySelectorAll('[data-testid="after-samples"] [data-testid="sample"]').length === 3,
      null,
      { timeout: MINUTE },
    );
    assert.deepEqual(await samples(cpu, 'after-samples'), afterTexts, 'the CPU samples the same model differently');
    assert.deepEqual(cpu.problems, []);
    await cpu.context().close();
  }

  // A corrupt file: a clear message, and the page keeps working.
  await byTestId(page, 'load-checkpoint').setInputFiles({
    name: 'broken.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('not a checkpoint at all'),
  });
  await byTestId(page, 'error').waitFor({ timeout: MINUTE });
  assert.match(await byTestId(page, 'error').textContent(), /broken\.safetensors: this is not a safetensors file/);
  assert.equal(await byTestId(page, 'train').isEnabled(), true);
  assert.deepEqual(await samples(page, 'after-samples'), afterTexts, 'a bad file must not replace the loaded model');
  assert.deepEqual(page.problems, []);
  await page.context().close();
}

test('the whole loop on the CPU backend', () => wholeLoop('cpu', 'CPU', 1.0));

test('the whole loop on WebGPU', () => wholeLoop('webgpu', 'WebGPU', 1.0));
