// The training studio: model and training settings, pause and resume, sampling tools (the next
// token and the next word), exact answers to unseen sums, the loss axis, autosave and resume after
// a reload, divergence. On the CPU backend, which is fast here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageAndBrowser, openPage, byTestId, samples } from './harness.js';

const MINUTE = 60_000;
const env = pageAndBrowser();

async function studio(params) {
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&${params}`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  return page;
}

const number = async (page, id) => Number(await byTestId(page, id).textContent());
const attribute = async (page, id, name) => Number(await byTestId(page, id).getAttribute(name));
const phase = (page, text) => byTestId(page, 'phase').filter({ hasText: text }).waitFor({ timeout: 5 * MINUTE });

/** The next-token bars as [{ token, prob }], or the next-word bars as [{ word, complete, prob }]. */
async function bars(page, testid = 'next-token-bars') {
  return byTestId(page, testid).locator('.bar').evaluateAll((els) =>
    els.map((e) => ({ ...e.dataset, prob: Number(e.dataset.prob) })));
}

test('presets and sizes set by hand change the parameter count and the memory estimate', async () => {
  const page = await studio('');
  assert.equal(await byTestId(page, 'preset').inputValue(), 'tutorial');
  assert.equal(await byTestId(page, 'n-layer').inputValue(), '4');
  const tutorial = await attribute(page, 'param-count', 'data-params');
  await byTestId(page, 'preset').selectOption('small');
  assert.equal(await byTestId(page, 'n-embd').inputValue(), '384');
  const small = await attribute(page, 'param-count', 'data-params');
  assert.ok(small > 10 * tutorial, `small ${small} vs tutorial ${tutorial}`);
  await byTestId(page, 'preset').selectOption('tiny');
  const tiny = await attribute(page, 'param-count', 'data-params');
  assert.ok(tiny < tutorial, `tiny ${tiny} vs tutorial ${tutorial}`);

  // A size set by hand makes the model custom and is counted at once.
  await byTestId(page, 'n-layer').fill('3');
  assert.equal(await byTestId(page, 'preset').inputValue(), 'custom');
  assert.ok(await attribute(page, 'param-count', 'data-params') > tiny);
  const memory = await attribute(page, 'memory-estimate', 'data-bytes');
  await byTestId(page, 'batch-size').fill('64');
  assert.ok(await attribute(page, 'memory-estimate', 'data-bytes') > memory, 'a larger batch needs more memory');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('train, pause and resume in a worker; the page never blocks; sampling streams; next-token bars change', async () => {
  const page = await studio('preset=tiny&steps=400');
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => ({
      duration: Math.round(e.duration), at: Math.round(e.startTime),
      step: document.querySelector('[data-testid="step"]').textContent,
      phase: document.querySelector('[data-testid="phase"]').textContent,
    }))))
      .observe({ type: 'longtask', buffered: false });
  });
  await byTestId(page, 'eval-interval').fill('50');
  await byTestId(page, 'train').click();

  // The untrained model's next tokens, as soon as training starts.
  await byTestId(page, 'next-token-bars').locator('.bar').first().waitFor({ timeout: MINUTE });
  const untrained = await bars(page);
  const total = (list) => list.reduce((sum, b) => sum + b.prob, 0);
  assert.ok(untrained.length >= 3 && total(untrained) <= 1 + 1e-6, JSON.stringify(untrained));

  await page.waitForFunction(() => Number(document.querySelector('[data-testid="step"]').textContent) >= 30, null, { timeout: MINUTE });
  await byTestId(page, 'pause').click();
  await phase(page, 'paused');
  const paused = await number(page, 'step');
  await page.waitForTimeout(1000);
  assert.equal(await number(page, 'step'), paused, 'training went on while paused');
  assert.ok(paused < 400);
  assert.ok(await number(page, 'grad-norm') > 0, 'the gradient norm is shown');
  assert.ok(Number(await byTestId(page, 'lr').textContent()) > 0, 'the learning rate is shown');

  await byTestId(page, 'resume').click();
  await phase(page, 'done');
  assert.equal(await number(page, 'step'), 400);
  assert.ok(await number(page, 'val-loss') < 3, 'the validation loss fell');
  const trained = await bars(page).then(async (now) => {
    // The bars are asked again when training ends; wait until they differ.
    await page.waitForFunction((before) => {
      const first = document.querySelector('[data-testid="next-token-bars"] .bar');
      return first && first.dataset.prob !== String(before);
    }, untrained[0].prob, { timeout: MINUTE });
    return bars(page);
  });
  assert.ok(total(trained) <= 1 + 1e-6);
  assert.ok(trained[0].prob > untrained[0].prob + 0.2,
    `training made the top next token surer: ${JSON.stringify(untrained.slice(0, 3))} -> ${JSON.stringify(trained.slice(0, 3))}`);
  const longTasks = await page.evaluate(() => window.longTasks);
  const longest = Math.max(0, ...longTasks.map((t) => t.duration));
  assert.ok(longest < 200, `the page's thread was blocked for ${longest} ms while the worker trained: ${JSON.stringify(longTasks)}`);

  // Generation streams: the text grows a token at a time while it is drawn.
  await byTestId(page, 'max-tokens').fill('60');
  await byTestId(page, 'max-tokens').dispatchEvent('change');
  // Every text the element shows, recorded from before the click: a small model draws its
  // tokens faster than a poll from the test could look.
  await page.evaluate(() => {
    const out = document.querySelector('[data-testid="generation"]');
    window.shown = [];
    new MutationObserver(() => window.shown.push(out.textContent))
      .observe(out, { childList: true, subtree: true, characterData: true });
  });
  await byTestId(page, 'generate').click();
  await byTestId(page, 'generation').and(page.locator('[data-streaming="false"]')).waitFor({ timeout: MINUTE });
  const partial = [...new Set(await page.evaluate(() => window.shown))];
  const final = await byTestId(page, 'generation').textContent();
  assert.ok(final.startsWith('two plus three equals') && final.length > 60, final);
  const growing = partial.filter((text) => text.length > 'two plus three equals'.length);
  assert.ok(growing.length >= 2, `the text arrived in ${growing.length} pieces: ${JSON.stringify(partial)}`);
  for (const text of growing) assert.ok(final.startsWith(text), `${JSON.stringify(text)} is not how the text began`);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a reload in the middle of a run resumes from the autosave, on the same loss curve', async () => {
  const page = await studio('preset=tiny&steps=300');
  await byTestId(page, 'eval-interval').fill('20');
  await byTestId(page, 'train').click();
  await byTestId(page, 'autosaved').filter({ hasText: /step ([4-9]\d|\d{3})/ }).waitFor({ timeout: 2 * MINUTE });
  await page.reload();
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  const offer = byTestId(page, 'resume-run');
  await offer.waitFor({ timeout: MINUTE });
  const saved = Number((await page.locator('.saved-run').textContent()).match(/step (\d+) of 300/)[1]);
  assert.ok(saved >= 40, `saved at step ${saved}`);
  await offer.click();
  await page.waitForFunction((s) => Number(document.querySelector('[data-testid="step"]').textContent) > s, saved, { timeout: MINUTE });
  const losses = await page.locator('[data-testid="loss-chart"] polyline.train').getAttribute('data-losses');
  assert.ok(losses.split(',').length > saved, 'the chart keeps the losses from before the reload');
  await phase(page, 'done');
  assert.equal(await number(page, 'step'), 300);
  const all = (await page.locator('[data-testid="loss-chart"] polyline.train').getAttribute('data-losses')).split(',');
  assert.equal(all.length, 300, 'one loss per step, across the reload');
  assert.ok(Number(all.at(-1)) < Number(all[0]) - 1, 'the curve went on falling');
  await byTestId(page, 'after-samples').locator('[data-testid="sample"]').first().waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a loss that becomes NaN stops training with a message and keeps the last good autosave', async () => {
  // A good run, paused: the pause autosaves it.
  const good = await studio('preset=tiny&steps=500');
  await byTestId(good, 'train').click();
  await good.waitForFunction(() => Number(document.querySelector('[data-testid="step"]').textContent) >= 10, null, { timeout: MINUTE });
  await byTestId(good, 'pause').click();
  await byTestId(good, 'autosaved').filter({ hasText: 'autosaved at step' }).waitFor({ timeout: MINUTE });
  const kept = Number((await byTestId(good, 'autosaved').textContent()).match(/\d+/)[0]);

  // In the same browser profile, a run with an absurd learning rate diverges at once.
  const page = good;
  await page.goto(`${env.server.url}/?backend=cpu&preset=tiny&steps=500&lr=1e30`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'train').click();
  await byTestId(page, 'error').filter({ hasText: /diverged/ }).waitFor({ timeout: MINUTE });
  assert.match(await byTestId(page, 'error').textContent(), /became (NaN|inf)/);
  await phase(page, 'failed');
  await byTestId(page, 'resume-run').waitFor({ timeout: MINUTE });
  assert.match(await page.locator('.saved-run').textContent(), new RegExp(`step ${kept} of 500`));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a time budget ends the run after its minutes, whatever the steps', async () => {
  const page = await studio('preset=tiny&steps=1000000');
  await byTestId(page, 'max-minutes').fill('0.05'); // 3 seconds
  const started = Date.now();
  await byTestId(page, 'train').click();
  await phase(page, 'done');
  const step = await number(page, 'step');
  assert.ok(step > 5 && step < 1_000_000, `stopped at step ${step}`);
  assert.ok(Date.now() - started < 2 * MINUTE);
  await byTestId(page, 'download-checkpoint').waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a training worker that dies is reported and started again, and the run resumes from its autosave', async () => {
  const page = await studio('preset=tiny&steps=300');
  await byTestId(page, 'eval-interval').fill('20');
  await byTestId(page, 'train').click();
  await byTestId(page, 'autosaved').filter({ hasText: /step ([4-9]\d|\d{3})/ }).waitFor({ timeout: 2 * MINUTE });
  // What a lost GPU does to the worker: an error it does not catch.
  const trainer = page.workers().at(-1);
  await trainer.evaluate(() => setTimeout(() => { throw new Error('simulated device loss'); }));
  await byTestId(page, 'error').filter({ hasText: /training worker stopped.*simulated device loss.*started again/ })
    .waitFor({ timeout: MINUTE });
  await phase(page, 'failed');
  await byTestId(page, 'resume-run').click();
  await phase(page, 'done');
  assert.equal(await number(page, 'step'), 300);
  assert.equal(await byTestId(page, 'error').count(), 0, 'the resumed run ended well');
  assert.deepEqual(page.problems.filter((p) => !p.includes('simulated device loss')), []);
  await page.context().close();
});

/** The first word of the answers to the built-in sums (0 to 36). */
const NUMBER_WORDS = new Set(['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty',
  'thirty']);

test('after training the next word is a number where the next token is only a space', async () => {
  const page = await studio('preset=tiny&steps=1500');
  await byTestId(page, 'train').click();
  // The untrained model's words: none it is sure of, each shown as far as the search went.
  await byTestId(page, 'next-word-bars').locator('.bar').first().waitFor({ timeout: MINUTE });
  const untrained = await bars(page, 'next-word-bars');
  assert.ok(untrained.every((w) => w.prob < 0.5), JSON.stringify(untrained));
  await phase(page, 'done');
  await page.waitForFunction(() => {
    const first = document.querySelector('[data-testid="next-word-bars"] .bar');
    return first && first.dataset.complete === 'true' && Number(first.dataset.prob) > 0.3;
  }, null, { timeout: MINUTE });
  const tokens = await bars(page, 'next-token-bars');
  const words = await bars(page, 'next-word-bars');
  assert.equal(tokens[0].token, ' ', `the next byte after "equals" is a space: ${JSON.stringify(tokens.slice(0, 3))}`);
  assert.ok(NUMBER_WORDS.has(words[0].word), `the next word is a number: ${JSON.stringify(words)}`);
  assert.ok(words.every((w) => !/\s/.test(w.word)), JSON.stringify(words));
  assert.ok(words.reduce((sum, w) => sum + w.prob, 0) <= 1 + 1e-6);
  assert.ok(words.every((w, i) => i === 0 || w.prob <= words[i - 1].prob), 'most likely first');
  const shown = await byTestId(page, 'next-word-bars').locator('.bar').first().textContent();
  assert.match(shown, new RegExp(`^${words[0].word}\\d+%$`), 'the word and its percentage');
  assert.match(await page.locator('.next-words h3').textContent(), /Next word/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('exact answers to unseen sums are counted before and after training', async () => {
  const page = await studio('preset=tiny&steps=300');
  await byTestId(page, 'train').click();
  const before = byTestId(page, 'before-samples').getByTestId('accuracy-before');
  await before.waitFor({ timeout: MINUTE });
  assert.match(await before.textContent(), /^0 of 12 unseen sums right$/, 'an untrained model knows no sum');
  await phase(page, 'done');
  const after = byTestId(page, 'after-samples').getByTestId('accuracy-after');
  await after.waitFor({ timeout: MINUTE });
  const [, right, total] = (await after.textContent()).match(/^(\d+) of (\d+) unseen sums right$/);
  assert.equal(Number(total), 12);
  assert.ok(Number(right) <= 12);
  assert.equal(await after.getAttribute('data-right'), right);
  assert.equal(await byTestId(page, 'after-samples').locator('[data-testid="sample"]').count(), 3,
    'beside the samples');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the loss axis switches between linear and log, with ticks that suit each', async () => {
  const page = await studio('preset=tiny&steps=200');
  await byTestId(page, 'train').click();
  await phase(page, 'done');
  const chart = byTestId(page, 'loss-chart');
  const ticks = () => chart.locator('.y-tick').evaluateAll((els) => els.map((e) => Number(e.dataset.value)));
  const line = () => chart.locator('polyline.train').getAttribute('points');
  const scale = byTestId(page, 'chart-scale');
  assert.equal(await scale.inputValue(), 'linear');
  assert.match(await page.locator('label.chart-scale').textContent(), /loss axis/);
  const linear = await ticks();
  assert.equal(linear[0], 0);
  const steps = linear.slice(1).map((t, i) => t - linear[i]);
  assert.ok(steps.every((s) => Math.abs(s - steps[0]) < 1e-9), `evenly spaced: ${linear}`);
  const linearLine = await line();

  await scale.selectOption('log');
  await page.locator('[data-testid="loss-chart"][data-scale="log"]').waitFor();
  const log = await ticks();
  assert.ok(log.length >= 2 && log.every((t) => t > 0), `log ticks: ${log}`);
  const mantissas = log.map((t) => Number((t / 10 ** Math.floor(Math.log10(t) + 1e-9)).toFixed(6)));
  assert.ok(mantissas.every((m) => Number.isInteger(m)), `round values: ${log}`);
  assert.notEqual(await line(), linearLine, 'the curve is redrawn');
  assert.equal(await chart.locator('polyline.train').getAttribute('data-losses').then((l) => l.split(',').length), 200);

  await scale.selectOption('linear');
  await page.locator('[data-testid="loss-chart"][data-scale="linear"]').waitFor();
  assert.deepEqual(await ticks(), linear);
  assert.equal(await line(), linearLine);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('bytes that are not text show as escapes, never as replacement characters or empty boxes', async () => {
  const page = await studio('preset=tiny&steps=2');
  await byTestId(page, 'train').click();
  await byTestId(page, 'before-samples').locator('[data-testid="sample"]').first().waitFor({ timeout: MINUTE });
  const before = (await samples(page, 'before-samples')).join('');
  assert.ok(!before.includes('\uFFFD'), before);
  assert.match(before, /\\x[89a-f][0-9a-f]/, 'an untrained model writes bytes that are not UTF-8');
  assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(before), `control characters spelled out: ${before}`);
  await phase(page, 'done');
  await byTestId(page, 'generate').click();
  await byTestId(page, 'generation').and(page.locator('[data-streaming="false"]')).waitFor({ timeout: MINUTE });
  const generation = await byTestId(page, 'generation').textContent();
  assert.ok(!generation.includes('\uFFFD') && /\\x[89a-f][0-9a-f]/.test(generation), generation);
  const shown = await page.locator('.next').textContent();
  assert.ok(!shown.includes('\uFFFD'), shown);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
