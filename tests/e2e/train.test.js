// Training in the tab: the CPU at once, the GPU once it is ready (or not, where it is slower);
// then the whole loop: compare before/after, download, reload, load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pageAndBrowser, openPage, byTestId, samples, parseSafetensors } from './harness.js';

const STEPS = 8;
const MINUTE = 60_000;
const env = pageAndBrowser();

/** Presses Train and resolves to the milliseconds until the step counter first moves. */
async function train(page) {
  // dispatchEvent, not click(): on a software GPU the page's thread can be busy for longer than
  // click() waits after clicking.
  const pressed = Date.now();
  await byTestId(page, 'train').dispatchEvent('click');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="step"]').textContent) > 0,
    null, { timeout: MINUTE, polling: 50 });
  return Date.now() - pressed;
}

test('by default the page times the software GPU against the CPU and stays on the faster CPU, saying why', async () => {
  const page = await openPage(env.browser, `${env.server.url}/?preset=tiny&steps=100000`);
  await byTestId(page, 'gpu-status').filter({ hasText: 'software renderer' }).waitFor({ timeout: MINUTE });
  const firstStep = await train(page);
  assert.ok(firstStep < 2000, `the first step showed after ${firstStep} ms`);
  assert.match(await byTestId(page, 'training-device').textContent(), /CPU/);
  const decided = byTestId(page, 'gpu-status').filter({ hasText: 'ready, not in use' });
  await decided.waitFor({ timeout: 10 * MINUTE });
  const why = /the CPU is faster for this model: [\d.]+ m?s a step against the GPU's [\d.]+ m?s/;
  assert.match(await decided.textContent(), why);
  assert.match(await byTestId(page, 'training-device').textContent(), /CPU/);
  assert.match(await byTestId(page, 'backend').textContent(), why);
  const step = Number(await byTestId(page, 'step').textContent());
  await page.waitForFunction((from) => Number(document.querySelector('[data-testid="step"]').textContent) > from + 50,
    step, { timeout: MINUTE });
  await byTestId(page, 'stop').click();
  await byTestId(page, 'phase').filter({ hasText: 'stopped' }).waitFor({ timeout: MINUTE });
  assert.deepEqual(await byTestId(page, 'error').allTextContents(), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('with WebGPU chosen the CPU trains at once, and the GPU takes over during the run without losing a step', async () => {
  const page = await openPage(env.browser, `${env.server.url}/?backend=webgpu&preset=tiny&steps=100000`);
  await byTestId(page, 'gpu-status').filter({ hasText: 'WebGPU' }).waitFor({ timeout: MINUTE });
  const firstStep = await train(page);
  assert.ok(firstStep < 2000, `the first step showed after ${firstStep} ms`);
  assert.match(await byTestId(page, 'training-device').textContent(), /CPU/);
  await byTestId(page, 'gpu-status').filter({ hasText: 'preparing kernels' }).waitFor({ timeout: MINUTE });

  await byTestId(page, 'training-device').filter({ hasText: 'WebGPU' }).waitFor({ timeout: 10 * MINUTE });
  const note = await byTestId(page, 'backend').textContent();
  const handOver = Number(note.match(/took over at step (\d+)/)?.[1]);
  assert.ok(handOver > 0, note);
  assert.match(await byTestId(page, 'gpu-status').textContent(), /in use/);
  await page.waitForFunction((from) => Number(document.querySelector('[data-testid="step"]').textContent) >= from + 3,
    handOver, { timeout: 5 * MINUTE });
  await byTestId(page, 'stop').click();
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="after-samples"] [data-testid="sample"]').length === 3,
    null, { timeout: 5 * MINUTE });
  assert.deepEqual(await byTestId(page, 'error').allTextContents(), []);
  const afterTexts = await samples(page, 'after-samples');

  // One loss curve: every step once, and no jump at the hand-over beyond the steps' own noise.
  const link = byTestId(page, 'download-checkpoint');
  await link.waitFor({ timeout: MINUTE });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const file = join(tmpdir(), `gptlab-e2e-handover-${process.pid}.safetensors`);
  await download.saveAs(file);
  const training = JSON.parse(parseSafetensors(await readFile(file)).metadata['gptlab.training']);
  const steps = training.history.train.map(([step]) => step);
  assert.deepEqual(steps, Array.from({ length: training.step }, (_, i) => i + 1), 'each step once');
  const losses = training.history.train.map(([, loss]) => loss);
  const before = losses.slice(handOver - 20, handOver);
  const noise = Math.max(...before.slice(1).map((loss, i) => Math.abs(loss - before[i])));
  const jump = Math.abs(losses[handOver] - losses[handOver - 1]);
  assert.ok(jump <= 3 * noise, `the loss moved ${jump} at the hand-over; ${noise} between earlier steps`);

  // The GPU's model draws on the CPU the text it drew on the GPU.
  const cpu = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny`);
  await byTestId(cpu, 'training-device').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(cpu, 'load-checkpoint').setInputFiles(file);
  await cpu.waitForFunction(
    () => document.querySelectorAll('[data-testid="after-samples"] [data-testid="sample"]').length === 3,
    null, { timeout: MINUTE });
  assert.deepEqual(await samples(cpu, 'after-samples'), afterTexts, 'the CPU samples the same model differently');
  assert.deepEqual(cpu.problems, []);
  await cpu.context().close();

  // A GPU lost mid-run, on a fresh page: the run goes back to the CPU, from the state it moved
  // with, and on.
  const devices = keepGpuDevices(page);
  await page.reload();
  await train(page);
  await byTestId(page, 'training-device').filter({ hasText: 'WebGPU' }).waitFor({ timeout: 10 * MINUTE });
  const onGpu = Number(await byTestId(page, 'step').textContent());
  await page.waitForFunction((from) => Number(document.querySelector('[data-testid="step"]').textContent) > from,
    onGpu, { timeout: 5 * MINUTE });
  assert.equal(await devices.destroy(), 1, 'the page holds one GPU device');
  await byTestId(page, 'gpu-status').filter({ hasText: 'lost' }).waitFor({ timeout: 5 * MINUTE });

  assert.match(await byTestId(page, 'gpu-status').textContent(), /lost \(.+\); training went back to the CPU/);
  assert.match(await byTestId(page, 'training-device').textContent(), /CPU/);
  assert.match(await byTestId(page, 'backend').textContent(), /the GPU was lost at step \d+; the run went on from its last save/);
  const back = Number(await byTestId(page, 'step').textContent());
  await page.waitForFunction((from) => Number(document.querySelector('[data-testid="step"]').textContent) > from + 20,
    back, { timeout: MINUTE });
  assert.equal(await byTestId(page, 'phase').textContent(), 'training…');
  assert.deepEqual(await byTestId(page, 'error').allTextContents(), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

/**
 * Keeps the GPU devices the page's workers request (from the next worker on), so that a test
 * can take them away as a driver reset would: `destroy()` resolves to how many it destroyed.
 */
function keepGpuDevices(page) {
  const workers = [];
  page.on('worker', (worker) => {
    workers.push(worker);
    worker.evaluate(() => {
      const request = GPUAdapter.prototype.requestDevice;
      GPUAdapter.prototype.requestDevice = async function (...args) {
        const device = await request.apply(this, args);
        (self.gpuDevices ??= []).push(device);
        return device;
      };
    }).catch(() => {}); // a worker that is gone
  });
  const destroyEach = () => (self.gpuDevices ?? []).map((device) => device.destroy()).length;
  return {
    destroy: async () => (await Promise.all(workers.map((w) => w.evaluate(destroyEach).catch(() => 0))))
      .reduce((a, b) => a + b, 0),
  };
}

/**
 * Train, see the loss fall by at least `minDrop`, download the checkpoint, reload, load it, get
 * the same samples.
 */
async function wholeLoop(minDrop) {
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny&steps=${STEPS}`);
  await byTestId(page, 'training-device').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'train').click();
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
  await byTestId(page, 'training-device').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  assert.deepEqual(await samples(page, 'after-samples'), [], 'a reload starts empty');
  await byTestId(page, 'load-checkpoint').setInputFiles(file);
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="after-samples"] [data-testid="sample"]').length === 3,
    null,
    { timeout: 5 * MINUTE },
  );
  assert.deepEqual(await samples(page, 'after-samples'), afterTexts, 'the loaded model samples differently');
  assert.match(await page.locator('.loaded').textContent(), /trained 8 steps/);

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

test('the whole loop on the CPU backend', () => wholeLoop(1.0));
