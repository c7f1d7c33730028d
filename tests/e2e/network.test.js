// Downloads against a server that misbehaves as real ones do: a file that changes after the page
// cached it, a connection cut half-way, a server that stalls, and a rate limit with Retry-After.
// Each through a `?checkpoint=` link, which the page downloads, caches and loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { pageAndBrowser, openPage, byTestId } from './harness.js';

const MINUTE = 60_000;
const env = pageAndBrowser();
const fixture = (name) => readFile(fileURLToPath(new URL(`../fixtures/checkpoints/${name}`, import.meta.url)));

/**
 * Serves `files` by path with ETags and single ranges; `misbehave(path, count)` may answer a
 * request itself (the count-th of that path) and return true. Records every request.
 */
async function fileServer(files, misbehave = () => false) {
  const requests = [];
  const server = createServer((req, res) => {
    const count = requests.filter((r) => r.path === req.url).length + 1;
    requests.push({ path: req.url, method: req.method, range: req.headers.range ?? null, at: Date.now() });
    const body = files[req.url];
    const headers = {
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'ETag, Retry-After, Content-Range, Content-Length',
    };
    if (!body) return res.writeHead(404, headers).end('not found');
    if (misbehave(req.url, count, req, res, headers, body)) return;
    headers.etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const [start, end] = range ? [Number(range[1]), range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1] : [0, body.length - 1];
    if (range) headers['content-range'] = `bytes ${start}-${end}/${body.length}`;
    res.writeHead(range ? 206 : 200, headers);
    res.end(req.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, files, requests, close: () => { server.closeAllConnections(); server.close(); } };
}

async function loadLink(context, link) {
  const page = await openPage(context, `${env.server.url}/?backend=cpu&checkpoint=${encodeURIComponent(link)}`);
  await byTestId(page, 'model-card').waitFor({ timeout: 2 * MINUTE });
  assert.deepEqual(await byTestId(page, 'error').allTextContents(), []);
  return page;
}

test('a file that changed on the server after the page cached it is downloaded again', async (t) => {
  const server = await fileServer({ '/model.safetensors': await fixture('v1-bytes.safetensors') });
  const context = await env.browser.newContext();
  t.after(async () => { server.close(); await context.close(); });
  const link = `${server.url}/model.safetensors`;
  let page = await loadLink(context, link);
  assert.match(await byTestId(page, 'model-card').textContent(), /tokenizer bytes/);
  await page.close();

  const gets = () => server.requests.filter((r) => r.method === 'GET').length;
  const before = gets();
  page = await loadLink(context, link);
  assert.equal(gets(), before, 'unchanged: the cached copy, after a HEAD');
  assert.ok(server.requests.some((r) => r.method === 'HEAD'));
  await page.close();

  server.files['/model.safetensors'] = await fixture('v1-bpe.safetensors');
  page = await loadLink(context, link);
  assert.match(await byTestId(page, 'model-card').textContent(), /tokenizer BPE trained here/, 'the new file');
  assert.equal(gets(), before + 1);
  await page.close();
});

test('a download cut half-way goes on from where it broke', async (t) => {
  const file = await fixture('v1-bpe.safetensors');
  const server = await fileServer({ '/cut.safetensors': file }, (path, count, req, res, headers, body) => {
    if (count > 1) return false;
    res.writeHead(200, { ...headers, 'content-length': body.length });
    res.write(body.subarray(0, body.length >> 1));
    setTimeout(() => res.destroy(), 300);
    return true;
  });
  t.after(() => server.close());
  const page = await loadLink(env.browser, `${server.url}/cut.safetensors`);
  assert.match(await byTestId(page, 'model-card').textContent(), /cut\.safetensors: 2 layers/);
  const ranges = server.requests.map((r) => r.range);
  assert.equal(ranges.length, 2);
  assert.match(ranges[1], /^bytes=[1-9]\d*-$/, 'the second request asked for the rest');
  assert.deepEqual(page.problems.filter((p) => !/Failed to load resource|ERR_/.test(p)), []);
  await page.context().close();
});

test('a server that stalls is given up on and asked again; a rate limit waits as long as it says', async (t) => {
  const file = await fixture('v1-bytes.safetensors');
  const server = await fileServer({ '/stall.safetensors': file, '/limited.safetensors': file }, (path, count, req, res, headers) => {
    if (count > 1) return false;
    if (path === '/stall.safetensors') {
      res.writeHead(200, { ...headers, 'content-length': file.length }); // and then nothing
      return true;
    }
    res.writeHead(429, { ...headers, 'retry-after': '2' }).end('slow down');
    return true;
  });
  t.after(() => server.close());
  let page = await loadLink(env.browser, `${server.url}/stall.safetensors`);
  const stalled = server.requests.filter((r) => r.path === '/stall.safetensors');
  assert.equal(stalled.length, 2);
  assert.ok(stalled[1].at - stalled[0].at >= 19_000, 'after the stall timeout');
  await page.context().close();

  page = await loadLink(env.browser, `${server.url}/limited.safetensors`);
  const limited = server.requests.filter((r) => r.path === '/limited.safetensors');
  assert.equal(limited.length, 2);
  assert.ok(limited[1].at - limited[0].at >= 1_900, `waited ${limited[1].at - limited[0].at} ms, as Retry-After asked`);
  await page.context().close();
});
