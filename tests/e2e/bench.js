// Browser benchmark: `node tests/e2e/bench.js [webgpu|cpu] [preset] [steps]` after
// `trunk build --release`. Trains in the built page and prints, one line each:
// - the training step: the first step, the median time per step after warm-up (from the page's
//   step counter, which the training worker reports at most every 100 ms), tokens/s and the
//   FLOP/s they stand for. On WebGPU the run's first steps are the CPU's while the GPU warms up:
//   the line says when the GPU took over, and the median counts `steps` steps on the GPU after it;
// - generation with the page's sampling tool (the KV cache), ms per token;
// - the peak resident memory of the browser's renderer (the page and its workers) and GPU process;
// - on WebGPU, a second run after the browser starts again on the same profile: its first step
//   with the shaders Chromium cached on the first.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, launchWithProfile, openPage, byTestId } from './harness.js';

const [backend = 'cpu', preset = 'tutorial', steps = '40'] = process.argv.slice(2);
const server = await serve();
const profile = await mkdtemp(join(tmpdir(), 'gptlab-bench-'));
// On WebGPU the run is stopped after `steps` steps on the GPU.
const url = `${server.url}/?backend=${backend}&preset=${preset}&steps=${backend === 'webgpu' ? 1_000_000 : steps}`;
try {
  const what = `browser backend=${backend} preset=${preset} steps=${steps}`;
  let browser = await launchWithProfile(profile);
  let page = await openPage(browser, url);
  const run = await train(page, Number(steps));
  const handOver = run.gpuAfter === null ? '' : `, the GPU took over after ${(run.gpuAfter / 1000).toFixed(1)} s at step ${run.gpuFrom}`;
  console.log(`${what} (${run.label}): first step ${run.firstStep.toFixed(0)} ms (${run.stepsByThen} step(s) by then)${handOver}, ` +
    `median ${run.median.toFixed(1)} ms/step over ${run.warmSteps} warm steps, ` +
    `${run.tokensPerSecond.toFixed(0)} tokens/s, ${(run.tokensPerSecond * run.flopsPerToken / 1e9).toFixed(2)} GFLOP/s`);
  // As many tokens as fill the context after the prompt (bytes: one token a character).
  const tokens = run.context - run.promptLength;
  const msPerToken = await generate(page, tokens);
  console.log(`${what}: generation with the KV cache ${msPerToken.toFixed(1)} ms/token ` +
    `(${tokens} tokens after a ${run.promptLength}-character prompt)`);
  const memory = await peakMemory();
  console.log(`${what}: peak memory ${Object.entries(memory).map(([kind, mb]) => `${kind} ${mb} MB`).join(', ')}`);
  await browser.close();
  if (backend === 'webgpu') {
    // A returning visitor: the same profile holds whatever shaders Chromium cached.
    browser = await launchWithProfile(profile);
    page = await openPage(browser, url);
    const again = await train(page, Number(steps));
    console.log(`${what}, the browser started again on the same profile: first step ` +
      `${again.firstStep.toFixed(0)} ms, the GPU took over after ` +
      `${(again.gpuAfter / 1000).toFixed(1)} s, median ${again.median.toFixed(1)} ms/step`);
    await browser.close();
  }
} finally {
  server.close();
  await rm(profile, { recursive: true, force: true });
}

/** Presses Train and times the steps until `total`; the run's figures. */
async function train(page, total) {
  const gpu = backend === 'webgpu';
  await byTestId(page, gpu ? 'gpu-status' : 'training-device').filter({ hasText: gpu ? 'WebGPU' : 'CPU' })
    .waitFor({ timeout: 60_000 });
  const label = await byTestId(page, gpu ? 'gpu-status' : 'training-device').textContent();
  await page.evaluate(() => { window.benchClickedAt = performance.now(); });
  // dispatchEvent, not click(): on a software GPU the page's thread can be busy for longer than
  // click() waits after clicking.
  await byTestId(page, 'train').dispatchEvent('click');
  // Poll inside the page so each step change is seen within a few milliseconds.
  const { stamps: all, trainingAt, clickedAt, gpuFrom, gpuAt } = await page.evaluate(async ([total, gpu]) => {
    const clickedAt = window.benchClickedAt;
    const text = (id) => document.querySelector(`[data-testid="${id}"]`).textContent;
    const seen = [];
    let last = 0;
    let trainingAt = null;
    let gpuFrom = null;
    let gpuAt = null;
    while (gpu ? gpuFrom === null || last < gpuFrom + total : last < total) {
      await new Promise((r) => setTimeout(r, 2));
      const error = document.querySelector('[data-testid="error"]');
      if (error) throw new Error(error.textContent);
      if (trainingAt === null && text('phase').startsWith('training')) trainingAt = performance.now();
      const now = Number(text('step'));
      if (now !== last) { seen.push([now, performance.now()]); last = now; }
      if (gpu && gpuFrom === null && text('training-device').includes('WebGPU')) {
        [gpuFrom, gpuAt] = [now, performance.now()];
      }
    }
    if (gpu) document.querySelector('[data-testid="stop"]').click();
    return { stamps: seen, trainingAt, clickedAt, gpuFrom, gpuAt };
  }, [total, gpu]);
  const firstStep = all[0][1] - (trainingAt ?? clickedAt);
  const gpuAfter = gpuAt === null ? null : gpuAt - (trainingAt ?? clickedAt);
  // On WebGPU, the steps after the hand-over.
  const stamps = gpu ? all.filter(([step]) => step >= gpuFrom) : all;
  const deltas = [];
  for (let i = 1; i < stamps.length; i++) {
    deltas.push((stamps[i][1] - stamps[i - 1][1]) / (stamps[i][0] - stamps[i - 1][0]));
  }
  const warm = deltas.slice(Math.min(10, Math.floor(deltas.length / 2))).sort((a, b) => a - b);
  const median = warm[Math.floor(warm.length / 2)];
  const value = async (id) => Number(await byTestId(page, id).inputValue());
  const [batch, context, layers, width] = await Promise.all(['batch-size', 'context', 'n-layer', 'n-embd'].map(value));
  const params = Number(await byTestId(page, 'param-count').getAttribute('data-params'));
  await byTestId(page, 'phase').filter({ hasText: /^(done|stopped)/ }).waitFor({ timeout: 3_600_000 });
  return {
    label,
    firstStep,
    stepsByThen: all[0][0],
    gpuFrom,
    gpuAfter,
    median,
    warmSteps: warm.length,
    context,
    tokensPerSecond: batch * context / median * 1000,
    // nanoGPT's count, as the native benchmark: 6 per weight (position embeddings excluded) and
    // 12 × layers × context × width for attention.
    flopsPerToken: 6 * (params - context * width) + 12 * layers * context * width,
    promptLength: (await byTestId(page, 'prompt').inputValue()).length,
  };
}

/** Generates `tokens` tokens with the page's sampling tool; milliseconds per token. */
async function generate(page, tokens) {
  await byTestId(page, 'max-tokens').fill(String(tokens));
  await byTestId(page, 'max-tokens').dispatchEvent('change');
  const start = Date.now();
  await byTestId(page, 'generate').click();
  await byTestId(page, 'generation').and(page.locator('[data-streaming="false"]')).waitFor({ timeout: 3_600_000 });
  return (Date.now() - start) / tokens;
}

/**
 * The peak resident memory (VmHWM) of this benchmark's browser renderer (the page and its
 * workers) and GPU process, in MB: the processes below this one whose command line names them.
 */
async function peakMemory() {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const read = (pid, file) => readFile(`/proc/${pid}/${file}`, 'utf8').catch(() => '');
  // The parent is the field after the command's name, which is in parentheses and may hold spaces.
  const parents = new Map(await Promise.all(pids.map(async (pid) =>
    [pid, (await read(pid, 'stat')).split(') ')[1]?.split(' ')[1]])));
  const ours = (pid) => {
    for (let p = pid; p && p !== '0' && p !== '1'; p = parents.get(p)) if (p === String(process.pid)) return true;
    return false;
  };
  const peaks = {};
  for (const pid of pids.filter(ours)) {
    const kind = (await read(pid, 'cmdline')).match(/--type=(renderer|gpu-process)/)?.[1];
    const kb = Number((await read(pid, 'status')).match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
    if (kind && kb > 0) peaks[kind] = Math.max(peaks[kind] ?? 0, Math.round(kb / 1024));
  }
  return peaks;
}
