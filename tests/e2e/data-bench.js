// BPE training in the page: `node tests/e2e/data-bench.js text.txt [runs]` after
// `trunk build --release`, with the text `cargo run --release --example data_bench -- 3 text.txt`
// wrote (and timed natively). Loads the file as the data, trains a 4096-token BPE, prints the median.
import { stat } from 'node:fs/promises';
import { serve, launch, openPage, byTestId } from './harness.js';

const [file, runs = '3'] = process.argv.slice(2);
const VOCAB = 4096;
const server = await serve();
const browser = await launch();
try {
  const times = [];
  for (let run = 0; run < Number(runs); run++) {
    const page = await openPage(browser, `${server.url}/?backend=cpu`);
    await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: 60_000 });
    await byTestId(page, 'dataset-file').setInputFiles(file);
    await page.locator('.dataset .in-use b').filter({ hasText: '.txt' }).waitFor({ timeout: 60_000 });
    await byTestId(page, 'tokenizer-kind').selectOption('bpe');
    await byTestId(page, 'vocab-size').fill(String(VOCAB));
    // Training runs inside the click handler, so click() returns when it is done.
    times.push(await page.evaluate(() => {
      const started = performance.now();
      document.querySelector('[data-testid="train-tokenizer"]').click();
      return performance.now() - started;
    }));
    const inUse = await byTestId(page, 'tokenizer-in-use').textContent();
    if (!inUse.includes(`${VOCAB} tokens`)) throw new Error(`trained: ${inUse}`);
    await page.context().close();
  }
  times.sort((a, b) => a - b);
  const mb = (await stat(file)).size / 1e6;
  console.log(`browser (wasm) BPE training, ${mb.toFixed(1)} MB of text to ${VOCAB} tokens: `
    + `${(times[Math.floor(times.length / 2)] / 1000).toFixed(2)} s (median of ${runs})`);
} finally {
  await browser.close();
  server.close();
}
