// BPE training, in the page (its worker, wasm) and natively, interleaved in one invocation:
// `node tests/e2e/data-bench.js [runs] [MB]` after `trunk build --release` and
// `cargo build --release --example data_bench` (scripts/bench-data.sh does all three).
// Trains a 4096-token BPE on the same text (5 MB unless MB says) each way and prints the medians.
import { execFileSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, launch, openPage, byTestId } from './harness.js';

const runs = Number(process.argv[2] ?? 3);
const VOCAB = 4096;
const target = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/gptlab/target');
const native = (...args) => execFileSync(join(target, 'release/examples/data_bench'), args, { encoding: 'utf8' });
const file = join(tmpdir(), `gptlab-bench-bpe-${process.pid}.txt`);
native('write-text', file, String(Number(process.argv[3] ?? 5)));

const server = await serve();
const browser = await launch();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const page = [];
  const nativeSeconds = [];
  for (let run = 0; run < runs; run++) {
    nativeSeconds.push(Number(native('bpe', file)));
    page.push(await trainInPage());
  }
  const mb = ((await stat(file)).size / 1e6).toFixed(1);
  const [p, n] = [median(page), median(nativeSeconds)];
  console.log(`BPE training, ${mb} MB of text to ${VOCAB} tokens, median of ${runs} interleaved runs: `
    + `page (wasm, in a worker) ${p.toFixed(2)} s, native ${n.toFixed(2)} s, ratio ${(p / n).toFixed(2)}`);
} finally {
  await browser.close();
  server.close();
}

/** Seconds from clicking "Train tokenizer" until the new tokenizer is in use, timed in the page. */
async function trainInPage() {
  const page = await openPage(browser, `${server.url}/?backend=cpu`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: 60_000 });
  await byTestId(page, 'dataset-file').setInputFiles(file);
  await page.locator('.dataset .in-use b').filter({ hasText: '.txt' }).waitFor({ timeout: 60_000 });
  await byTestId(page, 'tokenizer-kind').selectOption('bpe');
  await byTestId(page, 'vocab-size').fill(String(VOCAB));
  const ms = await page.evaluate(async (vocab) => {
    const text = (id) => document.querySelector(`[data-testid="${id}"]`)?.textContent;
    const started = performance.now();
    document.querySelector('[data-testid="train-tokenizer"]').click();
    while (!text('tokenizer-in-use').includes(`${vocab} tokens`)) {
      if (text('error')) throw new Error(text('error'));
      await new Promise((r) => setTimeout(r, 10));
    }
    return performance.now() - started;
  }, VOCAB);
  await page.context().close();
  return ms / 1000;
}
