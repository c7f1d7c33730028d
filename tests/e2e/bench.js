// Browser training benchmark: `node tests/e2e/bench.js [webgpu|cpu] [preset] [steps]` after
// `trunk build --release`. Times the steps from the page's step counter, which the training
// worker reports at most every 100 ms; prints the median time per step after warm-up.
import { serve, launch, openPage, byTestId } from './harness.js';

const [backend = 'cpu', preset = 'tutorial', steps = '40'] = process.argv.slice(2);
const server = await serve();
const browser = await launch();
try {
  const page = await openPage(browser, `${server.url}/?backend=${backend}&preset=${preset}&steps=${steps}`);
  await byTestId(page, 'backend').filter({ hasText: backend === 'cpu' ? 'CPU' : 'WebGPU' }).waitFor({ timeout: 60_000 });
  const label = await byTestId(page, 'backend').textContent();
  // dispatchEvent, not click(): on a software GPU the page's thread can be busy for longer than
  // click() waits after clicking.
  await page.evaluate(() => { window.benchClickedAt = performance.now(); });
  await byTestId(page, 'train').dispatchEvent('click');
  // Poll inside the page so each step change is seen within a few milliseconds.
  const { stamps, trainingAt, clickedAt } = await page.evaluate(async (total) => {
    const clickedAt = window.benchClickedAt;
    const step = () => Number(document.querySelector('[data-testid="step"]').textContent);
    const training = () => document.querySelector('[data-testid="phase"]').textContent.startsWith('training');
    const seen = [];
    let last = 0;
    let trainingAt = null;
    while (last < total) {
      await new Promise((r) => setTimeout(r, 2));
      const error = document.querySelector('[data-testid="error"]');
      if (error) throw new Error(error.textContent);
      if (trainingAt === null && training()) trainingAt = performance.now();
      const now = step();
      if (now !== last) { seen.push([now, performance.now()]); last = now; }
    }
    return { stamps: seen, trainingAt, clickedAt };
  }, Number(steps));
  // The first step: kernel compilation and autotune on WebGPU, after the "before" samples.
  const firstStep = stamps[0][1] - (trainingAt ?? clickedAt);
  const deltas = [];
  for (let i = 1; i < stamps.length; i++) {
    deltas.push((stamps[i][1] - stamps[i - 1][1]) / (stamps[i][0] - stamps[i - 1][0]));
  }
  const warm = deltas.slice(Math.min(10, Math.floor(deltas.length / 2))).sort((a, b) => a - b);
  const median = warm[Math.floor(warm.length / 2)];
  const tokensPerStep = Number(await byTestId(page, 'batch-size').inputValue()) *
    Number(await byTestId(page, 'context').inputValue());
  console.log(`browser backend=${backend} (${label}) preset=${preset} steps=${steps}: ` +
    `first step ${firstStep.toFixed(0)} ms (${stamps[0][0]} step(s) by then), ` +
    `median ${median.toFixed(1)} ms/step over ${warm.length} warm steps, ` +
    `${(tokensPerStep / median * 1000).toFixed(0)} tokens/s`);
} finally {
  await browser.close();
  server.close();
}
