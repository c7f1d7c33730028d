// The page as a newcomer meets it: accessible to a screen reader (axe-core finds no serious or
// critical violation), usable from a phone's 360 px to a desktop's 1280 px with no sideways
// scroll, the whole loop (train, compare, download) done with the keyboard alone, and the ids it
// offers real ones that load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { pageAndBrowser, openPage, byTestId } from './harness.js';
import { startHubServer } from './hub-server.js';

const env = pageAndBrowser();
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The page once its first screen is drawn, its settings folded as a visitor finds them. */
async function freshPage(query = '', viewport = { width: 1280, height: 900 }) {
  const page = await openPage(env.browser, `${env.server.url}/${query}`, { folded: true });
  await page.setViewportSize(viewport);
  await byTestId(page, 'train').waitFor();
  return page;
}

test('axe-core finds no serious or critical accessibility violation, settings folded or open', async () => {
  const page = await freshPage('?preset=tiny&backend=cpu');
  await page.locator('[data-testid=train]:enabled').waitFor();
  await page.addScriptTag({ path: axePath });
  const serious = async () => {
    const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    return violations.filter((v) => ['serious', 'critical'].includes(v.impact))
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  };
  assert.deepEqual(await serious(), []);
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  assert.deepEqual(await serious(), []);
  assert.deepEqual(page.problems, []);
});

for (const width of [360, 768, 1280]) {
  test(`at ${width} px wide nothing scrolls sideways and every control can be reached`, async () => {
    const page = await freshPage('?preset=tiny&backend=cpu', { width, height: 800 });
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `the page is ${overflow} px wider than the window`);
    // Every control lies within the window's width (it may be further down, never off to the side).
    const outside = await page.evaluate(() => [...document.querySelectorAll('button, input, select, summary, a[href]')]
      .filter((el) => el.getClientRects().length > 0)
      .filter((el) => { const r = el.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth + 0.5; })
      .map((el) => el.dataset.testid ?? el.outerHTML.slice(0, 60)));
    assert.deepEqual(outside, []);
    const dir = join(tmpdir(), 'gptlab-screens');
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `page-${width}.png`), fullPage: true });
    assert.deepEqual(page.problems, []);
  });
}

/** Presses Tab until `testid` has the focus, at most `limit` times; fails if it never does. */
async function tabTo(page, testid, limit = 200) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((id) => document.activeElement?.dataset?.testid === id, testid)) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${testid}`);
}

test('the whole loop by keyboard alone: open the settings, set the steps, train, compare, download', async () => {
  const page = await freshPage('?preset=tiny&backend=cpu');
  await page.locator('[data-testid=train]:enabled').waitFor();
  await page.locator('body').focus();
  // The folded training settings open from the keyboard too.
  await tabTo(page, 'max-steps');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('30');
  await tabTo(page, 'train');
  await page.keyboard.press('Enter');
  await byTestId(page, 'phase').filter({ hasText: 'done' }).waitFor({ timeout: 180_000 });
  assert.equal(await byTestId(page, 'step').textContent(), '30');
  assert.ok((await byTestId(page, 'after-samples').locator('[data-testid=sample]').count()) > 0);
  await tabTo(page, 'download-checkpoint');
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  assert.match(download.suggestedFilename(), /\.safetensors$/);
  assert.deepEqual(page.problems, []);
});

test('the ids the page offers are real ones and load: the two suggested datasets and the default GPT-2 import', async (t) => {
  // The fixture server serves them under their real names; the GPT-2 is the tiny fixture model.
  const tinyGpt2 = fileURLToPath(new URL('../fixtures/hf/hub/gptlab/tiny-gpt2/resolve/main', import.meta.url));
  const hub = await startHubServer({ models: { 'openai-community/gpt2': tinyGpt2 } });
  t.after(() => hub.close());
  const page = await freshPage(`?preset=tiny&backend=cpu&hf_hub=${encodeURIComponent(hub.hub)}&hf_viewer=${encodeURIComponent(hub.viewer)}`);
  const splits = { 'karpathy/tiny_shakespeare': 'train,validation,test', 'roneneldan/TinyStories': 'train,validation' };
  for (const [dataset, listed] of Object.entries(splits)) {
    await byTestId(page, 'dataset-suggestion').filter({ hasText: dataset }).click();
    assert.equal(await byTestId(page, 'dataset-id').inputValue(), dataset);
    await page.waitForFunction((l) => [...document.querySelectorAll('[data-testid=dataset-split] option')]
      .map((o) => o.value).join() === l, listed, { timeout: 60_000 });
    await byTestId(page, 'load-dataset').click();
    await page.locator('.dataset .in-use b').filter({ hasText: dataset }).waitFor({ timeout: 60_000 });
  }
  assert.ok(hub.downloads().some((r) => r.path.includes('/datasets/karpathy/tiny_shakespeare/')));
  assert.ok(hub.downloads().some((r) => r.path.includes('/datasets/roneneldan/TinyStories/')));

  assert.equal(await byTestId(page, 'import-hf-model-id').inputValue(), 'openai-community/gpt2');
  await byTestId(page, 'import-hf').click();
  await byTestId(page, 'model-card').filter({ hasText: 'imported from openai-community/gpt2' }).waitFor({ timeout: 60_000 });
  // The browser logs each answer with an error status itself (the Hub's probes for optional
  // files); only other problems count.
  assert.deepEqual(page.problems.filter((p) => !p.includes('Failed to load resource')), []);
});
