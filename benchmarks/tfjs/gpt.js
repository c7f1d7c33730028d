// A GPT-2-style model trained with TensorFlow.js on WebGPU: the reference whose WebGPU calls
// benchmarks/gpu-counts.js counts against gptlab's. Sizes come from the URL's parameters.
const tf = window.tf;
const params = new URLSearchParams(location.search);
const num = (name, fallback) => Number(params.get(name) ?? fallback);
const cfg = {
  layers: num('layers', 2), heads: num('heads', 2), embd: num('embd', 32), context: num('context', 48),
  batch: num('batch', 8), vocab: num('vocab', 256), steps: num('steps', 20), lr: num('lr', 1e-2),
};
const status = document.getElementById('status');
// Read by the benchmark; `counts` are the page's WebGPU call counters (when the benchmark
// installed them) copied after each step's read-back: a snapshot taken from outside would land
// in the middle of the next step.
window.bench = { step: 0, stepMs: [], loss: null, counts: [], done: false, error: null };

// Deterministic random numbers (mulberry32), so runs draw the same weights and batches.
let seed = 1234;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function weight(shape, std = 0.02) {
  return tf.variable(tf.randomNormal(shape, 0, std, 'float32', Math.floor(random() * 2 ** 31)));
}
const zeros = (shape) => tf.variable(tf.zeros(shape));
const ones = (shape) => tf.variable(tf.ones(shape));

function buildModel({ layers, embd: C, context: T, vocab: V }) {
  const block = () => ({
    ln1: [ones([C]), zeros([C])],
    qkv: [weight([C, 3 * C]), zeros([3 * C])],
    proj: [weight([C, C]), zeros([C])],
    ln2: [ones([C]), zeros([C])],
    fc: [weight([C, 4 * C]), zeros([4 * C])],
    fcProj: [weight([4 * C, C]), zeros([C])],
  });
  return {
    wte: weight([V, C]), wpe: weight([T, C]),
    blocks: Array.from({ length: layers }, block),
    lnF: [ones([C]), zeros([C])],
  };
}

function layerNorm(x, [gain, bias]) {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).mul(tf.rsqrt(variance.add(1e-5))).mul(gain).add(bias);
}

const linear = (x, [w, b]) => tf.matMul(x, w).add(b);

// GELU, tanh approximation (as GPT-2).
function gelu(x) {
  const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
  return x.mul(0.5).mul(tf.tanh(inner).add(1));
}

// x: [B*T, C]; mask: [T, T], -1e9 above the diagonal.
function attention(x, p, mask, { batch: B, context: T, heads: H, embd: C }) {
  const D = C / H;
  const heads = (t) => t.reshape([B, T, H, D]).transpose([0, 2, 1, 3]);
  const [q, k, v] = tf.split(linear(x, p.qkv), 3, -1).map(heads); // one fused matmul
  const scores = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(D)).add(mask);
  const y = tf.matMul(tf.softmax(scores), v).transpose([0, 2, 1, 3]).reshape([B * T, C]);
  return linear(y, p.proj);
}

function loss(model, inputs, targets, mask) {
  const { batch: B, context: T, embd: C, vocab: V } = cfg;
  let x = tf.gather(model.wte, inputs.reshape([B * T])).reshape([B, T, C]).add(model.wpe).reshape([B * T, C]);
  for (const p of model.blocks) {
    x = x.add(attention(layerNorm(x, p.ln1), p, mask, cfg));
    x = x.add(linear(gelu(linear(layerNorm(x, p.ln2), p.fc)), p.fcProj));
  }
  const logits = tf.matMul(layerNorm(x, model.lnF), model.wte, false, true); // tied to wte
  return tf.losses.softmaxCrossEntropy(tf.oneHot(targets.reshape([B * T]), V), logits);
}

// Made-up bytes with structure to learn, so the loss falls.
const text = new TextEncoder().encode('The quick brown fox jumps over the lazy dog. '.repeat(200));

// Random windows of `context` bytes; targets are the inputs shifted by one.
function batch({ batch: B, context: T }) {
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    const start = Math.floor(random() * (text.length - T - 1));
    for (let t = 0; t < T; t++) {
      inputs[b * T + t] = text[start + t];
      targets[b * T + t] = text[start + t + 1];
    }
  }
  return [tf.tensor2d(inputs, [B, T], 'int32'), tf.tensor2d(targets, [B, T], 'int32')];
}

async function main() {
  await tf.setBackend('webgpu');
  await tf.ready();
  const model = buildModel(cfg);
  const T = cfg.context;
  const mask = tf.linalg.bandPart(tf.ones([T, T]), -1, 0).sub(1).mul(1e9); // 0 on and below the diagonal
  const optimizer = tf.train.adam(cfg.lr);
  for (let step = 1; step <= cfg.steps; step++) {
    const started = performance.now();
    const [inputs, targets] = batch(cfg);
    const value = optimizer.minimize(() => loss(model, inputs, targets, mask), true);
    const [l] = await value.data(); // the step's one read-back
    tf.dispose([value, inputs, targets]);
    const b = window.bench;
    b.stepMs.push(performance.now() - started);
    b.counts.push(globalThis.__gpuCounts ? { ...globalThis.__gpuCounts } : null);
    b.loss = l;
    b.step = step;
    status.textContent = `step ${step} / ${cfg.steps}, loss ${l.toFixed(4)}, ${b.stepMs.at(-1).toFixed(1)} ms`;
  }
  window.bench.done = true;
  status.textContent += ' — done';
}

main().catch((e) => {
  window.bench.error = String(e?.stack ?? e);
  status.textContent = `error: ${window.bench.error}`;
  console.error(e);
});
