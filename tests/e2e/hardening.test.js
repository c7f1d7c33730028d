// Untrusted input never crashes, hangs or misleads the page: oversized downloads, hostile
// checkpoint metadata, tokenizers with ids past the model, models larger than the GPU's buffers,
// and links that try to point the page at other hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { pageAndBrowser, openPage, byTestId, launch, withMetadata } from './harness.js';
import { startHubServer } from './hub-server.js';
import { parquetWriteBuffer } from 'hyparquet-writer';

const MINUTE = 60_000;
const env = pageAndBrowser();
const fixture = (name) => readFile(fileURLToPath(new URL(`../fixtures/checkpoints/${name}`, import.meta.url)));

/** A server of endless or oversized bodies; `closed` counts the connections the page dropped. */
async function hostileServer() {
  const state = { closed: 0 };
  const server = createServer((req, res) => {
    req.on('close', () => { state.closed += 1; });
    const cors = { 'access-control-allow-origin': '*' };
    if (req.url.endsWith('/declared.safetensors')) {
      // Says 5 GB, sends a little, and keeps the connection open.
      res.writeHead(200, { ...cors, 'content-length': String(5e9) });
      return res.write(Buffer.alloc(1 << 16));
    }
    if (req.url.includes('/slow/')) {
      // A kilobyte every half second, for as long as the page reads.
      res.writeHead(200, cors);
      const timer = setInterval(() => res.write(Buffer.alloc(1024, 0x20)), 500);
      return res.on('close', () => clearInterval(timer));
    }
    if (req.url.endsWith('/tokenizer.json')) {
      // Streams without a declared length until the page stops reading.
      res.writeHead(200, cors);
      const chunk = Buffer.alloc(1 << 20, 0x20);
      const more = () => { while (!res.destroyed && res.write(chunk)); };
      res.on('drain', more);
      return more();
    }
    res.writeHead(404, cors).end('not found');
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, state, close: () => { server.closeAllConnections(); server.close(); } };
}

async function cpuPage(query = '') {
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&${query}`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  return page;
}

const expected = (problems) => problems.filter((p) => !/Failed to load resource|net::ERR/.test(p));

test('a link whose server declares 5 GB is refused at once, naming the size and the cap', async (t) => {
  const server = await hostileServer();
  t.after(() => server.close());
  const link = `${server.url}/declared.safetensors`;
  const started = Date.now();
  const page = await cpuPage(`checkpoint=${encodeURIComponent(link)}`);
  await byTestId(page, 'error').filter({ hasText: 'is 5.00 GB, more than the 1.00 GB the page downloads' })
    .waitFor({ timeout: MINUTE });
  assert.ok(Date.now() - started < MINUTE);
  assert.ok(server.state.closed >= 1, 'the page stopped the download');
  assert.equal(await byTestId(page, 'train').isEnabled(), true, 'the page keeps working');
  assert.deepEqual(expected(page.problems), []);
  await page.context().close();
});

test('a body that streams past the cap without declaring its size is cut off with a message', async (t) => {
  const server = await hostileServer();
  t.after(() => server.close());
  const page = await cpuPage(`hf_hub=${encodeURIComponent(`${server.url}/hub`)}`);
  await byTestId(page, 'tokenizer-kind').selectOption('pretrained');
  await byTestId(page, 'tokenizer-model-id').fill('gptlab/endless');
  await byTestId(page, 'load-tokenizer').click();
  await byTestId(page, 'error').filter({ hasText: 'went past 50.0 MB, the most the page downloads, without saying its size' })
    .waitFor({ timeout: MINUTE });
  assert.match(await byTestId(page, 'tokenizer-in-use').textContent(), /bytes/, 'the tokenizer in use is unchanged');
  assert.deepEqual(expected(page.problems), []);
  await page.context().close();
});

test('a checkpoint whose tokenizer makes ids past its model is refused, naming the id', async () => {
  const gap = withMetadata(await fixture('v1-bpe.safetensors'), (metadata) => {
    const tokenizer = JSON.parse(metadata['gptlab.tokenizer']);
    tokenizer.tokenizer.model.vocab['!'] = 900;
    metadata['gptlab.tokenizer'] = JSON.stringify(tokenizer);
  });
  const page = await cpuPage();
  await byTestId(page, 'load-checkpoint').setInputFiles({ name: 'gap.safetensors', mimeType: 'application/octet-stream', buffer: gap });
  await byTestId(page, 'error').filter({ hasText: 'gap.safetensors: ' }).waitFor({ timeout: MINUTE });
  assert.match(await byTestId(page, 'error').textContent(), /makes token id 900 but its model embeds only ids 0 to \d+/);
  assert.equal(await byTestId(page, 'model-card').count(), 0);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a checkpoint that asks for 100,000 prompts is refused at once', async () => {
  const prompts = withMetadata(await fixture('v1-bpe.safetensors'), (metadata) => {
    const training = JSON.parse(metadata['gptlab.training']);
    training.prompts = { inputs: Array(100_000).fill('two plus'), stop_at_newline: true };
    metadata['gptlab.training'] = JSON.stringify(training);
  });
  const page = await cpuPage();
  const started = Date.now();
  await byTestId(page, 'load-checkpoint').setInputFiles({ name: 'prompts.safetensors', mimeType: 'application/octet-stream', buffer: prompts });
  await byTestId(page, 'error').filter({ hasText: 'holds 100000 prompts; the page takes at most 16' }).waitFor({ timeout: MINUTE });
  assert.ok(Date.now() - started < 20_000, `refused after ${Date.now() - started} ms`);
  assert.equal(await byTestId(page, 'phase').textContent(), '', 'nothing is sampled');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a model whose attention scores would not fit a GPU buffer is refused before training', async () => {
  const page = await openPage(env.browser, `${env.server.url}/?backend=webgpu&preset=tiny`);
  await byTestId(page, 'gpu-status').filter({ hasText: 'WebGPU' }).waitFor({ timeout: 2 * MINUTE });
  await byTestId(page, 'context').fill('4096');
  await byTestId(page, 'batch-size').fill('64');
  await byTestId(page, 'train').click();
  await byTestId(page, 'error').filter({ hasText: 'buffer for its attention scores' }).waitFor({ timeout: MINUTE });
  assert.match(await byTestId(page, 'error').textContent(), /batch 64 × 2 heads × context 4096 × 4096.*more than this GPU allows/);
  assert.equal(await byTestId(page, 'step').textContent(), '0');
  assert.equal(await byTestId(page, 'phase').textContent(), '', 'training never started');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a page out on the web ignores ?hf_hub= and plain-http links to this machine, and says so', async (t) => {
  const hub = await startHubServer();
  const port = new URL(env.server.url).port;
  const browser = await launch(['--host-resolver-rules=MAP gptlab.test 127.0.0.1']);
  t.after(async () => { hub.close(); await browser.close(); });
  const link = `${hub.url}/hub/anything.safetensors`;
  const query = `backend=cpu&hf_hub=${encodeURIComponent(hub.hub)}&hf_viewer=${encodeURIComponent(hub.viewer)}`
    + `&checkpoint=${encodeURIComponent(link)}`;
  const page = await openPage(browser, `http://gptlab.test:${port}/?${query}`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  assert.match(await byTestId(page, 'endpoints-note').textContent(), /only a page served from this machine uses them/);
  await byTestId(page, 'error').filter({ hasText: 'must be an https: URL, not http:' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'dataset-id').fill('gptlab/tiny-stories');
  await byTestId(page, 'error').filter({ hasText: /network failed|not found/ }).waitFor({ timeout: MINUTE });
  assert.deepEqual(hub.requests, [], 'nothing went to the named host');
  assert.deepEqual(expected(page.problems), [], 'a page without the Cache API (not a secure context) works');
  await page.context().close();
});

test('a second tab is told that the first is training; each run keeps its own autosave', async () => {
  const context = await env.browser.newContext({ acceptDownloads: true });
  const tab = async (steps) => {
    const page = await openPage(context, `${env.server.url}/?backend=cpu&preset=tiny&steps=${steps}`);
    await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
    await byTestId(page, 'eval-interval').fill('20');
    return page;
  };
  const first = await tab(100_000);
  await byTestId(first, 'train').click();
  await byTestId(first, 'autosaved').filter({ hasText: 'autosaved at step' }).waitFor({ timeout: MINUTE });
  const second = await tab(40);
  await byTestId(second, 'train').click();
  await byTestId(second, 'error').filter({ hasText: 'another tab of this page is training' }).waitFor({ timeout: MINUTE });
  assert.equal(await byTestId(second, 'phase').textContent(), '', 'the second tab did not start');

  await byTestId(first, 'stop').click();
  await byTestId(first, 'phase').filter({ hasText: 'stopped' }).waitFor({ timeout: MINUTE });
  await byTestId(second, 'train').click();
  await byTestId(second, 'phase').filter({ hasText: 'done' }).waitFor({ timeout: 2 * MINUTE });
  const saved = await second.evaluate(async () => {
    const keys = await (await caches.open('gptlab-runs')).keys();
    return keys.map((request) => request.url).filter((url) => url.includes('/autosave/runs/'));
  });
  assert.equal(saved.length, 2, `one autosave per run: ${saved}`);
  assert.deepEqual(first.problems, []);
  assert.deepEqual(second.problems, []);
  await context.close();
});

/** A Parquet file of about `megabytes` MB of made-up words, in row groups of 4,000 rows. */
function largeParquet(megabytes) {
  let seed = 7;
  const random = () => { seed = (seed * 48271) % 2147483647; return seed; };
  const word = () => Array.from({ length: 3 + (random() % 6) }, () => String.fromCharCode(97 + (random() % 26))).join('');
  const rows = [];
  for (let size = 0; size < megabytes * 1.4e6;) {
    const row = Array.from({ length: 150 }, word).join(' ');
    rows.push(row);
    size += row.length;
  }
  return Buffer.from(parquetWriteBuffer({ columnData: [{ name: 'text', data: rows, type: 'STRING' }], rowGroupSize: 4_000 }));
}

/** The viewer and the Hub for one dataset of one Parquet file, with single byte ranges. */
async function oneFileHub(file) {
  const served = { parquet: [] };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const json = (body) => res.writeHead(200, { 'access-control-allow-origin': '*', 'content-type': 'application/json' })
      .end(JSON.stringify(body));
    const dataset = 'gptlab/large';
    if (url.pathname === '/viewer/splits') return json({ splits: [{ dataset, config: 'default', split: 'train' }] });
    if (url.pathname === '/viewer/info') {
      return json({ dataset_info: { features: { text: { dtype: 'string', _type: 'Value' } } } });
    }
    if (url.pathname === '/viewer/parquet') {
      const fileUrl = `http://${req.headers.host}/files/0000.parquet`;
      return json({ parquet_files: [{ dataset, config: 'default', split: 'train', url: fileUrl, filename: '0000.parquet', size: file.length }] });
    }
    if (url.pathname === '/files/0000.parquet') {
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      const [start, end] = range ? [Number(range[1]), Math.min(Number(range[2]), file.length - 1)] : [0, file.length - 1];
      served.parquet.push({ range: req.headers.range ?? null, bytes: end - start + 1 });
      const headers = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'Content-Range, Content-Length' };
      if (range) headers['content-range'] = `bytes ${start}-${end}/${file.length}`;
      return res.writeHead(range ? 206 : 200, headers).end(file.subarray(start, end + 1));
    }
    res.writeHead(404, { 'access-control-allow-origin': '*' }).end('{"error":"not found"}');
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { served, hub: `${url}/hub`, viewer: `${url}/viewer`, close: () => server.close() };
}

test('a 1 MB take of a 50 MB Parquet file reads its footer and one row group, off the page thread', async (t) => {
  const file = largeParquet(50);
  assert.ok(file.length > 45e6, `${file.length} bytes`);
  const hub = await oneFileHub(file);
  t.after(() => hub.close());
  const page = await cpuPage(`hf_hub=${encodeURIComponent(hub.hub)}&hf_viewer=${encodeURIComponent(hub.viewer)}`);
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => Math.round(e.duration))))
      .observe({ type: 'longtask', buffered: false });
  });
  await byTestId(page, 'dataset-id').fill('gptlab/large');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="dataset-column"] option')].some((o) => o.value === 'text'),
    null, { timeout: MINUTE });
  await byTestId(page, 'dataset-size').fill('1');
  await byTestId(page, 'load-dataset').click();
  await page.locator('.dataset .in-use b').filter({ hasText: 'gptlab/large' }).waitFor({ timeout: MINUTE });
  const fetched = hub.served.parquet.reduce((sum, r) => sum + r.bytes, 0);
  assert.ok(hub.served.parquet.every((r) => r.range), `every request a range: ${JSON.stringify(hub.served.parquet)}`);
  assert.ok(fetched < file.length / 5, `${fetched} of ${file.length} bytes`);
  const longTasks = await page.evaluate(() => window.longTasks);
  assert.ok(longTasks.every((ms) => ms <= 200), `tasks of ${longTasks} ms`);
  assert.deepEqual(await byTestId(page, 'error').allTextContents(), []);
  assert.deepEqual(expected(page.problems), []);
  await page.context().close();
});

test('Cancel stops a link download, a Hub import, a tokenizer download and BPE training', async (t) => {
  const server = await hostileServer();
  t.after(() => server.close());
  const link = `${server.url}/slow/model.safetensors`;
  const page = await cpuPage(`hf_hub=${encodeURIComponent(`${server.url}/hub`)}&checkpoint=${encodeURIComponent(link)}`);
  const cancelled = async (button, what) => {
    await byTestId(page, button).and(page.locator(':enabled')).waitFor({ timeout: MINUTE });
    await byTestId(page, button).click();
    await page.waitForFunction((id) => !document.querySelector(`[data-testid="${id}"]`) || document.querySelector(`[data-testid="${id}"]`).disabled,
      button, { timeout: MINUTE });
    assert.deepEqual(await byTestId(page, 'error').allTextContents(), [], `${what}: cancelling is no error`);
  };
  await cancelled('share-cancel', 'the link');
  assert.equal(await byTestId(page, 'model-card').count(), 0);

  await byTestId(page, 'import-hf-model-id').fill('gptlab/slow');
  await byTestId(page, 'import-hf').click();
  await cancelled('share-cancel', 'the import');

  await byTestId(page, 'tokenizer-kind').selectOption('pretrained');
  await byTestId(page, 'tokenizer-model-id').fill('gptlab/slow');
  await byTestId(page, 'load-tokenizer').click();
  await cancelled('tokenizer-cancel', 'the tokenizer');
  assert.match(await byTestId(page, 'tokenizer-in-use').textContent(), /bytes/);

  // BPE training on 2 MB of made-up words: seconds of work, stopped at once.
  const words = Array.from({ length: 400_000 }, (_, i) => `w${(i * 7919) % 20011}`).join(' ');
  await byTestId(page, 'dataset-file').setInputFiles({ name: 'words.txt', mimeType: 'text/plain', buffer: Buffer.from(words) });
  await page.locator('.dataset .in-use b').filter({ hasText: 'words.txt' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'tokenizer-kind').selectOption('bpe');
  await byTestId(page, 'vocab-size').fill('4000');
  await byTestId(page, 'train-tokenizer').click();
  await cancelled('tokenizer-cancel', 'BPE training');
  assert.match(await byTestId(page, 'tokenizer-in-use').textContent(), /bytes/, 'the tokenizer in use is unchanged');
  assert.equal(await byTestId(page, 'train').isEnabled(), true);
  assert.deepEqual(expected(page.problems), []);
  await page.context().close();
});

test('a long generation stops when asked and keeps its text', async () => {
  const page = await cpuPage();
  await byTestId(page, 'load-checkpoint').setInputFiles({
    name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: await fixture('v1-bytes.safetensors'),
  });
  await byTestId(page, 'model-card').waitFor({ timeout: MINUTE });
  await byTestId(page, 'max-tokens').fill('2000');
  await byTestId(page, 'max-tokens').dispatchEvent('change');
  const finished = () => byTestId(page, 'generation').and(page.locator('[data-streaming="false"]'))
    .waitFor({ timeout: MINUTE });

  // The whole generation first: the seed is fixed, so a stopped one is a prefix of it.
  await byTestId(page, 'generate').click();
  await page.locator('[data-testid="generation"][data-streaming="true"]').waitFor({ timeout: MINUTE });
  await finished();
  const whole = await byTestId(page, 'generation').textContent();

  // The tiny model draws 2,000 tokens in well under a second, so Stop is pressed by the page
  // itself as soon as the text starts streaming, not after a round trip to this test.
  await page.evaluate(() => new Promise((resolve) => {
    const text = document.querySelector('[data-testid="generation"]');
    const stop = document.querySelector('[data-testid="stop-generation"]');
    const watch = new MutationObserver(() => {
      if (text.dataset.streaming === 'true' && text.textContent.length > 0 && !stop.disabled) {
        watch.disconnect();
        stop.click();
        resolve();
      }
    });
    watch.observe(text, { attributes: true, characterData: true, childList: true, subtree: true });
    document.querySelector('[data-testid="generate"]').click();
  }));
  await finished();
  const stopped = await byTestId(page, 'generation').textContent();
  await page.waitForTimeout(1000);
  assert.equal(await byTestId(page, 'generation').textContent(), stopped, 'no text after the stop');
  assert.ok(stopped.length > 0 && stopped.length < whole.length,
    `${stopped.length} of ${whole.length} characters: stopped early`);
  // Byte tokens stopped inside a character show as escapes (`\xe4`) the whole text joins.
  const kept = stopped.replace(/(\\x[0-9a-f]{2})+$/, '');
  assert.ok(whole.startsWith(kept), `the text drawn before the stop is kept: ${JSON.stringify(kept.slice(-20))}`);
  assert.equal(await byTestId(page, 'generate').isEnabled(), true);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
