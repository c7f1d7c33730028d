// Data cleaning in the page (its job worker, wasm): `node tests/e2e/clean-bench.js [MB | FILE]` after
// `trunk build --release` and `cargo build --release --example clean_bench`, which writes the
// text (the native benchmark's made-up web text). Cleans it with each step alone, then all in
// order, and prints each step's MB/s as the report times it, and the time from the click to the
// report (worker start and copying the text included).
import { execFileSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, launch, openPage, byTestId } from './harness.js';

const STEPS = ['html', 'language', 'dedup', 'near-dedup', 'quality', 'pii'];
const target = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/gptlab/target');
// A text file of one's own instead of the made-up text: `clean-bench.js FILE`.
const own = process.argv[2] && Number.isNaN(Number(process.argv[2])) ? process.argv[2] : null;
const file = own ?? join(tmpdir(), `gptlab-bench-clean-${process.pid}.txt`);
if (!own) {
  const megabytes = Number(process.argv[2] ?? 8);
  execFileSync(join(target, 'release/examples/clean_bench'), ['write-text', file, String(megabytes)]);
}
const mb = (await stat(file)).size / 1e6;

const server = await serve();
const browser = await launch();
try {
  const page = await openPage(browser, `${server.url}/?backend=cpu`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: 60_000 });
  console.log(`${mb.toFixed(1)} MB of text, cleaned in the page's job worker (chars/ms as the report times each step)`);
  for (const steps of [...STEPS.map((s) => [s]), STEPS]) {
    const { seconds, rows } = await cleanInPage(page, steps);
    const each = rows.map((r) => `${r.step} ${(r.charsIn / r.millis / 1e3).toFixed(1)} MB/s`).join(', ');
    console.log(`${steps.length > 1 ? 'all in order' : steps[0]}: ${each}; ${seconds.toFixed(2)} s click to report`);
  }
} finally {
  await browser.close();
  server.close();
}

/** Loads the text afresh (cleaning replaces it), cleans it with `steps` on, and reads the report. */
async function cleanInPage(page, steps) {
  await byTestId(page, 'dataset-builtin').click();
  await byTestId(page, 'dataset-file').setInputFiles(file);
  await page.locator('.dataset .in-use b').filter({ hasText: /\.txt$/ }).waitFor({ timeout: 60_000 });
  for (const step of STEPS) await byTestId(page, `clean-${step}`).setChecked(steps.includes(step));
  const ms = await page.evaluate(async () => {
    const started = performance.now();
    document.querySelector('[data-testid="clean-run"]').click();
    while (!document.querySelector('[data-testid="clean-report"]')) {
      const error = document.querySelector('[data-testid="error"]')?.textContent;
      if (error) throw new Error(error);
      await new Promise((r) => setTimeout(r, 10));
    }
    return performance.now() - started;
  });
  const rows = await byTestId(page, 'clean-report').locator('tr[data-step]').evaluateAll((trs) =>
    trs.map((r) => ({ step: r.dataset.step, millis: Number(r.dataset.millis), charsIn: Number(r.dataset.charsIn) })));
  return { seconds: ms / 1000, rows };
}
