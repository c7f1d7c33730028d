// Sharing checkpoints: a `?checkpoint=` link loads one from another server, with a model card;
// broken files and links each get a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { pageAndBrowser, openPage, byTestId, samples } from './harness.js';

const MINUTE = 60_000;
const env = pageAndBrowser();

/** A checkpoint trained here for 8 steps, and the samples the page showed after training. */
async function trainedCheckpoint() {
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&preset=tiny&steps=8`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  await byTestId(page, 'train').click();
  const link = byTestId(page, 'download-checkpoint');
  await link.waitFor({ timeout: 2 * MINUTE });
  const after = await samples(page, 'after-samples');
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const chunks = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk);
  await page.context().close();
  return { bytes: Buffer.concat(chunks), after };
}

/** Another origin serving `files` by path; `/nocors/…` without the CORS header. */
async function fileServer(files) {
  const server = createServer((req, res) => {
    const cors = !req.url.startsWith('/nocors/');
    const body = files[req.url.replace('/nocors', '')];
    res.writeHead(body ? 200 : 404, cors ? { 'access-control-allow-origin': '*' } : {});
    res.end(body ?? 'not found');
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

const expected = (problems) => problems.filter((p) => !/Failed to load resource|CORS|Failed to fetch/.test(p));

test('a ?checkpoint= link loads the file from another server, shows its model card and samples as trained', async (t) => {
  const { bytes, after } = await trainedCheckpoint();
  const files = await fileServer({ '/model.safetensors': bytes });
  t.after(() => files.close());
  const link = `${files.url}/model.safetensors`;
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&checkpoint=${encodeURIComponent(link)}`);
  await byTestId(page, 'model-card').waitFor({ timeout: MINUTE });
  const card = await byTestId(page, 'model-card').textContent();
  assert.match(card, /model\.safetensors: 2 layers, 2 heads, 32 wide, context 48/);
  assert.match(card, /trained 8 steps on arithmetic.*last loss \d/);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="after-samples"] [data-testid="sample"]').length === 3,
    null, { timeout: MINUTE });
  assert.deepEqual(await samples(page, 'after-samples'), after, 'the shared model samples what it sampled when trained');
  const share = await byTestId(page, 'share-link').getAttribute('href');
  assert.equal(new URL(share).searchParams.get('checkpoint'), link);
  await byTestId(page, 'generate').click();
  await byTestId(page, 'generation').and(page.locator('[data-streaming="false"]')).waitFor({ timeout: MINUTE });
  assert.ok((await byTestId(page, 'generation').textContent()).length > 'two plus three equals'.length);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a missing file, a server that refuses other sites and a non-https link are explained', async (t) => {
  const files = await fileServer({ '/model.safetensors': Buffer.from('x') });
  t.after(() => files.close());
  const cases = [
    [`${files.url}/missing.safetensors`, /was not found/],
    [`${files.url}/nocors/model.safetensors`, /network failed.*CORS/],
    ['ftp://example.com/model.safetensors', /must be an https: URL/],
  ];
  for (const [link, message] of cases) {
    const page = await openPage(env.browser, `${env.server.url}/?backend=cpu&checkpoint=${encodeURIComponent(link)}`);
    await byTestId(page, 'error').filter({ hasText: message }).waitFor({ timeout: MINUTE });
    await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
    assert.equal(await byTestId(page, 'train').isEnabled(), true, 'the page keeps working');
    assert.deepEqual(expected(page.problems), []);
    await page.context().close();
  }
});

test('truncated, oversized-header, wrong-dtype and wrong-shape files are each refused clearly', async () => {
  const { bytes } = await trainedCheckpoint();
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = bytes.subarray(8, 8 + headerLength).toString('utf8');
  const withHeader = (text) => Buffer.concat([bytes.subarray(0, 8), Buffer.from(text, 'utf8'), bytes.subarray(8 + headerLength)]);
  const oversized = Buffer.from(bytes);
  oversized.writeBigUInt64LE(1n << 40n, 0);
  const shape = JSON.parse(header)['wpe.weight'].shape;
  const cases = [
    ['truncated', bytes.subarray(0, bytes.length - 1000), /not a safetensors file/],
    ['oversized-header', oversized, /not a safetensors file/],
    ['wrong-dtype', withHeader(header.replace('"dtype":"F32"', '"dtype":"I32"')), /I32, expected F32|not a safetensors file/],
    ['wrong-shape', withHeader(header.replace(`"shape":[${shape}]`, `"shape":[${[...shape].reverse()}]`)),
      new RegExp(`wpe.weight has shape \\[${shape[1]}, ${shape[0]}\\], expected \\[${shape[0]}, ${shape[1]}\\]`)],
  ];
  const page = await openPage(env.browser, `${env.server.url}/?backend=cpu`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: MINUTE });
  for (const [name, buffer, message] of cases) {
    await byTestId(page, 'load-checkpoint').setInputFiles({ name: `${name}.safetensors`, mimeType: 'application/octet-stream', buffer });
    await byTestId(page, 'error').filter({ hasText: new RegExp(`${name}\\.safetensors: `) }).waitFor({ timeout: MINUTE });
    assert.match(await byTestId(page, 'error').textContent(), message, name);
  }
  assert.equal(await byTestId(page, 'model-card').count(), 0, 'no broken file was loaded');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
