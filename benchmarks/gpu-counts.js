// Counts the WebGPU calls of gptlab's page and of a TensorFlow.js reference (benchmarks/tfjs/)
// training the same GPT, in one headless Chromium: pipelines created, dispatches, submits and
// read-backs (mapAsync), before the first GPU step and per steady step.
//   node benchmarks/gpu-counts.js [presets...] [--gpu-steps N] [--also DIR] [--shaders FILE]
// (default: tiny, N = 13). --shaders FILE writes the WGSL of every pipeline gptlab's page
// created, in order, to FILE.<preset> at its first GPU step and to FILE.<preset>.end after the
// steps counted: which kernels the warm-up compiled, and which came later.
// --also DIR measures a second build of the page (another `trunk build` output) in the same
// invocation, between this one's run and TF.js's, for a before/after comparison.
// Needs dist/ (the built page), tests/e2e/node_modules and benchmarks/node_modules (npm install).
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { serve, launch, openPage, byTestId } from '../tests/e2e/harness.js';

const presets = {
  tiny: { layers: 2, heads: 2, embd: 32, context: 48, batch: 8, vocab: 256, lr: 1e-2 },
  tutorial: { layers: 4, heads: 4, embd: 128, context: 64, batch: 16, vocab: 256, lr: 3e-3 },
};
const args = process.argv.slice(2);
const at = args.indexOf('--gpu-steps');
const gpuSteps = at < 0 ? 13 : Number(args.splice(at, 2)[1]);
const alsoAt = args.indexOf('--also');
const also = alsoAt < 0 ? null : args.splice(alsoAt, 2)[1];
const shadersAt = args.indexOf('--shaders');
const shadersFile = shadersAt < 0 ? null : args.splice(shadersAt, 2)[1];
const chosen = args.length ? args : ['tiny'];
// Step 10 must lie inside the window for "new pipelines after GPU step 10".
if (!(Number.isInteger(gpuSteps) && gpuSteps > 10)) throw new Error('--gpu-steps must be an integer above 10');
for (const name of chosen) if (!presets[name]) throw new Error(`unknown preset ${name} (${Object.keys(presets)})`);

const MINUTE = 60_000;
const RUN_STEPS = 100_000; // gptlab's run: far more steps than are counted
const HANDOVER_TIMEOUT = 20 * MINUTE; // SwiftShader compiles and autotunes slowly

/**
 * Runs in a page or a worker: counts WebGPU calls on the global object. Prototypes are wrapped,
 * not instances, so every device the page opens later is counted.
 */
function installCounters() {
  if (typeof GPUDevice === 'undefined') return false;
  if (globalThis.__gpuCounts) return true;
  const counts = (globalThis.__gpuCounts = { pipelines: 0, dispatches: 0, submits: 0, readbacks: 0 });
  const wrap = (proto, name, key) => {
    const original = proto[name];
    proto[name] = function (...args) {
      counts[key]++;
      return original.apply(this, args);
    };
  };
  // Pipelines are counted, and each one's WGSL kept in order of creation (for --shaders).
  const sources = new WeakMap();
  const shaders = (globalThis.__gpuShaders = []);
  const createModule = GPUDevice.prototype.createShaderModule;
  GPUDevice.prototype.createShaderModule = function (descriptor) {
    const module = createModule.call(this, descriptor);
    sources.set(module, descriptor.code);
    return module;
  };
  for (const name of ['createComputePipeline', 'createComputePipelineAsync']) {
    const create = GPUDevice.prototype[name];
    GPUDevice.prototype[name] = function (descriptor) {
      counts.pipelines++;
      shaders.push(sources.get(descriptor?.compute?.module) ?? '');
      return create.call(this, descriptor);
    };
  }
  wrap(GPUComputePassEncoder.prototype, 'dispatchWorkgroups', 'dispatches');
  wrap(GPUComputePassEncoder.prototype, 'dispatchWorkgroupsIndirect', 'dispatches');
  wrap(GPUQueue.prototype, 'submit', 'submits');
  // gptlab queues several steps behind each loss read-back and shows the step only once it is
  // read, so counts taken when the step shows run ahead by a varying number of queued steps.
  // The counts at the call of the read-back that settled last match the step shown.
  const map = GPUBuffer.prototype.mapAsync;
  GPUBuffer.prototype.mapAsync = function (...args) {
    counts.readbacks++;
    const at = { ...counts };
    return map.apply(this, args).then(() => { globalThis.__gpuSettled = at; });
  };
  return true;
}

const zero = () => ({ pipelines: 0, dispatches: 0, submits: 0, readbacks: 0 });
const minus = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, a[k] - b[k]]));

/**
 * The counters of the page's main thread and all its workers, summed: now, or with `settled`
 * as they were when the read-back that finished last was issued.
 */
async function countsOf(page, settled = false) {
  const total = zero();
  const read = (settled) => (settled ? globalThis.__gpuSettled : globalThis.__gpuCounts) ?? null;
  // A worker that ended takes its counts with it; gptlab's training worker lives as long as the page.
  const all = await Promise.all([page, ...page.workers()].map((t) => t.evaluate(read, settled).catch(() => null)));
  if (!all.some(Boolean)) throw new Error(`no ${settled ? 'settled read-back' : 'WebGPU counters'} in the page or its workers`);
  for (const c of all) if (c) for (const k in total) total[k] += c[k];
  return total;
}

/** What the page shows: step, device, and its error line if any. */
const shown = (page) => page.evaluate(() => {
  const text = (id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '';
  return { step: Number(text('step')) || 0, loss: text('loss'), device: text('training-device'), error: text('error') };
});

/** Polls the page every ~100 ms until `done(state)`; fails on the page's error or at `timeout`. */
async function until(page, what, timeout, done) {
  const start = Date.now();
  for (;;) {
    const state = await shown(page);
    if (state.error) throw new Error(`gptlab shows an error while waiting for ${what}: ${state.error}`);
    if (done(state)) return state;
    if (Date.now() - start > timeout) {
      throw new Error(`timed out after ${timeout / 1000} s waiting for ${what} (step ${state.step}, device "${state.device}")`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runGptlab(browser, server, name, build = 'dist') {
  const context = await browser.newContext();
  await context.addInitScript(installCounters);
  // The training worker starts at page load but touches the GPU only after Train: wrapping it
  // from here, before Train is pressed, is in time.
  const installs = [];
  context.on('page', (p) => p.on('worker', (w) => installs.push(w.evaluate(installCounters).catch(() => false))));
  let page;
  try {
    page = await openPage(context, `${server.url}/?backend=webgpu&preset=${name}&steps=${RUN_STEPS}`);
    await byTestId(page, 'training-device').filter({ hasText: 'CPU' }).waitFor({ timeout: 2 * MINUTE });
    const installed = await Promise.all(installs);
    if (!installed.length || !installed.every(Boolean)) {
      console.warn(`gptlab: counters in ${installed.filter(Boolean).length} of ${installed.length} workers`);
    }
    const idle = await countsOf(page);
    if (idle.dispatches || idle.pipelines) console.warn(`gptlab: GPU calls before Train: ${JSON.stringify(idle)}`);
    // No evaluation and autosave (every 40 steps for tiny): one in the counted steps would add
    // its own kernels and read-backs, which TF.js's loop does not have.
    await byTestId(page, 'eval-interval').fill(String(RUN_STEPS * 10));
    const clicked = Date.now();
    // dispatchEvent, not click(): a busy page can keep click() waiting.
    await byTestId(page, 'train').dispatchEvent('click');
    await until(page, 'the first step', 5 * MINUTE, (s) => s.step > 0);
    const firstStep = Date.now() - clicked;
    const handover = await until(page, 'the hand-over to WebGPU', HANDOVER_TIMEOUT, (s) => s.device.includes('WebGPU'));
    const toGpu = Date.now() - clicked;
    const before = await countsOf(page);
    const dumpShaders = shadersFile && build === 'dist'; // the build measured, not --also's
    if (dumpShaders) await writeShaders(page, `${shadersFile}.${name}`);
    const s0 = handover.step;
    const snaps = {};
    for (const k of [1, 3, 10, gpuSteps]) {
      let state, time, counts;
      do {
        state = await until(page, `GPU step ${k} (step ${s0 + k})`, 10 * MINUTE, (s) => s.step >= s0 + k);
        time = Date.now();
        counts = await countsOf(page, true);
      } while ((await shown(page)).step !== state.step); // a read-back settled meanwhile: a later step's counts
      snaps[k] = { step: state.step, loss: state.loss, time, counts };
    }
    if (dumpShaders) await writeShaders(page, `${shadersFile}.${name}.end`);
    const [a, b] = [snaps[3], snaps[gpuSteps]];
    // The page reads losses back (and shows the step) every few steps, so the counter jumps.
    const seen = Object.entries(snaps).map(([k, s]) => `${s.step} for GPU step ${k} (${s.counts.pipelines} pipelines)`);
    console.error(`gptlab ${name}: ${installed.length} worker(s); hand-over at step ${s0} ` +
      `(${before.pipelines} pipelines); step counter read as ${seen.join(', ')}`);
    return {
      what: `gptlab ${build} (${name}; GPU from step ${s0 + 1}; counted ${a.step}..${b.step}; loss ${b.loss})`,
      firstStep, toGpu, before,
      perStep: perStep(minus(b.counts, a.counts), b.step - a.step),
      newPipelines: b.counts.pipelines - snaps[10].counts.pipelines,
      msPerStep: (b.time - a.time) / (b.step - a.step),
    };
  } finally {
    for (const problem of page?.problems ?? []) console.error(`gptlab ${name}: ${problem}`);
    await context.close();
  }
}

async function runTfjs(browser, tfServer, name) {
  const context = await browser.newContext();
  // The runs before may leave minutes of GPU work queued in the browser's GPU process, which
  // holds up this page's load: 30 s was too short after two long tutorial runs.
  context.setDefaultNavigationTimeout(5 * MINUTE);
  await context.addInitScript(installCounters);
  const p = presets[name];
  const steps = gpuSteps + 1;
  const query = new URLSearchParams({ ...p, steps }).toString();
  let page;
  try {
    page = await openPage(context, `${tfServer.url}/tfjs/index.html?${query}`);
    await page.waitForFunction(() => window.bench?.done || window.bench?.error, null, { timeout: HANDOVER_TIMEOUT, polling: 500 })
      .catch(() => { throw new Error(`TF.js timed out after ${HANDOVER_TIMEOUT / 1000} s`); });
    const bench = await page.evaluate(() => window.bench);
    if (bench.error) throw new Error(`TF.js failed: ${bench.error}`);
    // counts[i] is copied by the page after step i + 1's read-back.
    const c = bench.counts;
    if (!c[0]) throw new Error('TF.js: the WebGPU counters were not installed');
    const steady = bench.stepMs.slice(2).sort((x, y) => x - y);
    return {
      what: `TF.js 4.22.0 webgpu (${name}; counted 3..${steps}; loss ${bench.loss.toFixed(4)})`,
      firstStep: bench.stepMs[0], toGpu: bench.stepMs[0], before: c[0],
      perStep: perStep(minus(c[steps - 1], c[2]), steps - 3),
      newPipelines: c[steps - 1].pipelines - c[9].pipelines,
      msPerStep: steady[Math.floor((steady.length - 1) / 2)],
    };
  } finally {
    for (const problem of page?.problems ?? []) console.error(`TF.js ${name}: ${problem}`);
    await context.close();
  }
}

/** Writes the WGSL of every pipeline the page and its workers created so far to `file`. */
async function writeShaders(page, file) {
  const lists = await Promise.all([page, ...page.workers()].map((t) => t.evaluate(() => globalThis.__gpuShaders ?? []).catch(() => [])));
  const all = lists.flat();
  await writeFile(file, all.map((code, i) => `// ===== pipeline ${i + 1} of ${all.length}\n${code}`).join('\n'));
  console.error(`gptlab: ${all.length} pipelines' WGSL written to ${file}`);
}

const perStep = (d, n) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v / n]));
const secs = (ms) => (ms / 1000).toFixed(1);
const one = (x) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

function row(r) {
  const { before: b, perStep: s } = r;
  return `| ${r.what} | ${secs(r.firstStep)} | ${secs(r.toGpu)} | ${b.pipelines} | ${b.dispatches} / ${b.submits} / ${b.readbacks} | ` +
    `${one(s.dispatches)} / ${one(s.submits)} / ${one(s.readbacks)} | ${r.newPipelines} | ${r.msPerStep.toFixed(1)} |`;
}

const server = await serve();
const alsoServer = also && (await serve(also));
const tfServer = await serve(fileURLToPath(new URL('.', import.meta.url)));
const browser = await launch();
let failed = false;
try {
  // The adapter as a page sees it (a page of our origin: WebGPU needs a secure context).
  const probe = await (await browser.newContext()).newPage();
  await probe.goto(`${tfServer.url}/package.json`);
  const adapter = await probe.evaluate(async () => {
    const a = await navigator.gpu?.requestAdapter();
    if (!a) return 'none';
    const { vendor, architecture, device, description, isFallbackAdapter } = a.info;
    return JSON.stringify({ vendor, architecture, device, description, isFallbackAdapter });
  });
  await probe.context().close();
  console.log(`Command: node benchmarks/gpu-counts.js ${process.argv.slice(2).join(' ')}`.trimEnd());
  console.log(`Chromium ${browser.version()}, WebGPU adapter ${adapter}\n`);
  const rows = [];
  const runs = [
    { what: 'gptlab', run: (name) => runGptlab(browser, server, name) },
    ...(also ? [{ what: `gptlab ${also}`, run: (name) => runGptlab(browser, alsoServer, name, also) }] : []),
    { what: 'TF.js', run: (name) => runTfjs(browser, tfServer, name) },
  ];
  for (const name of chosen) {
    for (const { what, run } of runs) {
      const r = await run(name).catch((e) => {
        failed = true;
        console.error(`${name}, ${what}: ${e.message}`);
        return null;
      });
      if (!r) continue;
      rows.push(row(r));
      console.error(`progress: ${rows.at(-1)}`); // shown while the next run goes on
    }
  }
  console.log('| what | first step (s) | time to GPU step (s) | pipelines before the first GPU step | ' +
    'dispatches / submits / read-backs before it | per steady step: dispatches / submits / read-backs | ' +
    'new pipelines after GPU step 10 | steady ms/step |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log('\nBefore the first GPU step: gptlab at the hand-over to WebGPU (its CPU steps, the GPU ' +
    'warm-up and autotune), TF.js after its first step (compilation and step 1). Time to GPU step: ' +
    'gptlab from Train to the hand-over; TF.js its first step, which is on the GPU. Per steady step: ' +
    'counter differences over the steps counted (gptlab with evaluation turned off); gptlab ms/step is ' +
    'wall time over them, TF.js the median step.');
} finally {
  await browser.close();
  server.close();
  alsoServer?.close();
  tfServer.close();
}
process.exitCode = failed ? 1 : 0;
