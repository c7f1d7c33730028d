// How fast the built page arrives: bytes transferred (gzip and brotli, as a static host serves
// them) and times, over a link throttled to 20 Mbit/s with 40 ms round trips, cold cache.
//   node benchmarks/startup.js [runs]          (default 3 runs of each encoding; prints medians)
// For each encoding it prints each file's compressed size, then:
//   - first screen: the page has drawn its steps, a control answers (the model preset select
//     changes the parameter count) and Train is enabled (a run asked for now starts as soon as
//     the engine is in); the bytes sent by then (and how many of them were the engine's, whose
//     download starts once the page has drawn) and the time since navigation;
//   - engine ready: the training worker has loaded the engine and found its device; bytes, time;
//   - total: every byte the page loaded, two seconds after the engine was ready.
// Needs dist/ (`trunk build --release`) and tests/e2e/node_modules.
import { createServer } from 'node:http';
import { readFile, readdir } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { contentTypes, dist, launch } from '../tests/e2e/harness.js';

const runs = Number(process.argv[2] ?? 3);
const LINK = { rttMs: 40, bitsPerMs: 20e6 / 1000 };
const CHUNK = 16 * 1024;

/** Every file of dist/ compressed once each way, as a host that compresses at upload would. */
async function compressedDist() {
  const files = new Map();
  for (const entry of await readdir(dist, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    const body = await readFile(path);
    files.set('/' + path.slice(dist.length + 1), {
      gzip: gzipSync(body, { level: 9 }),
      br: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    });
  }
  return files;
}

/**
 * Serves `files` with `encoding` over an emulated link: every request waits one round trip, then
 * its body streams at the link's rate, one link shared by every connection (the page's and its
 * workers'). Throttling here, rather than in the browser, covers the workers' downloads too.
 */
function serveCompressed(files, encoding) {
  const link = { free: 0, sent: [] }; // when the link is next free (ms); [time, bytes, path] per chunk
  const server = createServer(async (req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (path.endsWith('/')) path += 'index.html';
    const file = files.get(path);
    await sleep(LINK.rttMs);
    if (!file) return res.writeHead(404).end('not found');
    const body = file[encoding];
    res.writeHead(200, {
      'content-type': contentTypes[extname(path)] ?? 'application/octet-stream',
      'content-encoding': encoding, 'content-length': body.length, 'cache-control': 'no-store',
    });
    for (let at = 0; at < body.length; at += CHUNK) {
      const chunk = body.subarray(at, at + CHUNK);
      const now = Date.now();
      link.free = Math.max(link.free, now) + (chunk.length * 8) / LINK.bitsPerMs;
      await sleep(link.free - now);
      link.sent.push([Date.now(), chunk.length, path]);
      if (!res.write(chunk)) await new Promise((ok) => res.once('drain', ok));
    }
    res.end();
  });
  server.sentSince = (start, until, of = () => true) => link.sent
    .filter(([t, , path]) => t >= start && t <= until && of(path))
    .reduce((sum, [, n]) => sum + n, 0);
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, Math.max(0, ms)));

/** One cold visit in a new context: times from navigation, bytes the server sent by then. */
async function visit(browser, server) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const start = Date.now();
  await page.goto(`http://127.0.0.1:${server.address().port}/`, { waitUntil: 'commit' });
  // First screen: the steps are drawn and a control answers. Watched from inside the page, each
  // animation frame, so the moment is the page's and not the test driver's next poll.
  const firstScreen = await page.evaluate(async () => {
    const frame = () => new Promise((ok) => requestAnimationFrame(ok));
    const find = (id) => document.querySelector(`[data-testid=${id}]`);
    while (!find('param-count') || !find('preset')) await frame();
    const before = find('param-count').dataset.params;
    const preset = find('preset');
    preset.value = 'tiny';
    preset.dispatchEvent(new Event('change', { bubbles: true }));
    while (find('param-count').dataset.params === before || find('train')?.disabled !== false) await frame();
    return Math.round(performance.timeOrigin + performance.now());
  });
  // The engine: the training worker has loaded it and found its device.
  await page.waitForFunction(() => {
    const device = document.querySelector('[data-testid=training-device]')?.textContent ?? '';
    return device !== '' && !device.startsWith('starting');
  }, null, { timeout: 300_000 });
  const engine = Date.now();
  await page.waitForTimeout(2000);
  const end = Date.now();
  await context.close();
  const isEngine = (path) => path.includes('gptlab-engine');
  const at = (t) => ({ ms: t - start, bytes: server.sentSince(start, t), engineBytes: server.sentSince(start, t, isEngine) });
  return { firstScreen: at(firstScreen), engine: at(engine), total: server.sentSince(start, end) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;

const files = await compressedDist();
const browser = await launch();
console.log(`link: 20 Mbit/s, 40 ms round trips; cold cache; ${runs} visits per encoding, interleaved; medians; Chromium ${browser.version()}`);
for (const encoding of ['gzip', 'br']) {
  const sizes = [...files].map(([path, f]) => `${path.slice(1)} ${mb(f[encoding].length)}`).join(', ');
  console.log(`${encoding} files: ${sizes}`);
}
const servers = { gzip: await serveCompressed(files, 'gzip'), br: await serveCompressed(files, 'br') };
const results = { gzip: [], br: [] };
for (let i = 0; i < runs; i++) {
  for (const encoding of ['gzip', 'br']) results[encoding].push(await visit(browser, servers[encoding]));
}
for (const [encoding, visits] of Object.entries(results)) {
  const pick = (f) => median(visits.map(f));
  console.log(`${encoding}: first screen answers (Train works) ${pick((v) => v.firstScreen.ms)} ms, after ${mb(pick((v) => v.firstScreen.bytes))} `
    + `(${mb(pick((v) => v.firstScreen.bytes - v.firstScreen.engineBytes))} the page's, the rest the engine's start); `
    + `engine ready ${pick((v) => v.engine.ms)} ms, after ${mb(pick((v) => v.engine.bytes))}; `
    + `total ${mb(pick((v) => v.total))}`);
}
await browser.close();
for (const server of Object.values(servers)) server.close();
