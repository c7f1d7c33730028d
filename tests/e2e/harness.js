// Shared set-up for the browser tests: a static server for the built page, and Debian's
// Chromium with WebGPU enabled (SwiftShader on machines without a GPU).
import { createServer } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../..', import.meta.url));
// GPTLAB_DIST: a page built elsewhere (`trunk build --release --dist DIR`), so builds can run side by side.
export const dist = process.env.GPTLAB_DIST ?? join(root, 'dist');

/** Content types of the files a built page holds. */
export const contentTypes = {
  '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml',
};

/** Serves `dir` on a free loopback port; resolves to { url, close }. */
export async function serve(dir = dist) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const file = join(dir, path.endsWith('/') ? join(path, 'index.html') : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

const chromiumOptions = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
  ],
};

/** Chromium with a fresh, throw-away profile for each context, and any `extraArgs`. */
export async function launch(extraArgs = []) {
  return chromium.launch({ ...chromiumOptions, args: [...chromiumOptions.args, ...extraArgs] });
}

/**
 * Chromium on the profile in `dir`, as a returning visitor's browser: what one launch stores
 * (the origin's storage, Chromium's shader cache) the next launch on `dir` finds.
 */
export async function launchWithProfile(dir) {
  return chromium.launchPersistentContext(dir, { ...chromiumOptions, acceptDownloads: true });
}

/** Serves the page and starts Chromium before a test file's tests, and stops both after. */
export function pageAndBrowser() {
  const env = {};
  before(async () => {
    env.server = await serve();
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    env.server?.close();
  });
  return env;
}

/**
 * A page that records uncaught errors and console errors, which no test should see. In a fresh
 * context of `browser`, or in `browser` itself when it is a profile's context. Unless `folded`,
 * the page's folded settings (`<details>`) open as they appear, so tests reach every control.
 */
export async function openPage(browser, url, { folded = false } = {}) {
  const context = browser.newContext ? await browser.newContext({ acceptDownloads: true }) : browser;
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && page.problems.push(`console: ${m.text()}`));
  await page.addInitScript(reportShaderErrors);
  if (!folded) await page.addInitScript(unfoldSettings);
  await page.goto(url);
  return page;
}

/** Runs in the page: opens each `<details>` as it is added. */
function unfoldSettings() {
  new MutationObserver(() => {
    for (const details of document.querySelectorAll('details:not([open])')) details.open = true;
  }).observe(document, { childList: true, subtree: true });
}

/**
 * Runs in the page: logs every WGSL shader that fails to compile as a console error. The browser
 * only reports these asynchronously, so a kernel that does not compile can otherwise go unseen
 * while its dispatches silently do nothing.
 */
function reportShaderErrors() {
  if (typeof GPUDevice === 'undefined') return;
  const create = GPUDevice.prototype.createShaderModule;
  GPUDevice.prototype.createShaderModule = function (descriptor) {
    const module = create.call(this, descriptor);
    module.getCompilationInfo().then((info) => {
      for (const m of info.messages.filter((m) => m.type === 'error')) {
        console.error(`WGSL shader ${descriptor.label} does not compile: ${m.message} (line ${m.lineNum})`);
      }
    });
    return module;
  };
}

export const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** Types `text` into the token view and waits until its chips are of that text: a trained or
 * Hub tokenizer's tokens come from the engine. */
export async function splitInTokenView(page, text) {
  await byTestId(page, 'token-view-input').fill(text);
  await page.waitForFunction(
    (text) => document.querySelector('[data-testid="token-view"]')?.dataset.text === text,
    text, { timeout: 60_000 },
  );
}

/** The texts of the samples in a column (`before-samples` or `after-samples`). */
export async function samples(page, column) {
  return byTestId(page, column).locator('[data-testid="sample"]').allTextContents();
}

/** A safetensors file with its `__metadata__` rewritten by `change`; the tensors are unchanged. */
export function withMetadata(bytes, change) {
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
  change(header.__metadata__);
  const json = JSON.stringify(header);
  const text = json + ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // padded as writers do
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
  return Buffer.concat([prefix, Buffer.from(text), bytes.subarray(8 + length)]);
}

/** Checks the safetensors layout and returns { header, metadata }; throws on anything off. */
export function parseSafetensors(bytes) {
  const length = Number(bytes.readBigUInt64LE(0));
  if (8 + length > bytes.length) throw new Error(`header of ${length} bytes overruns the file`);
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
  const { __metadata__: metadata = {}, ...tensors } = header;
  const dataLength = bytes.length - 8 - length;
  let covered = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const [start, end] = t.data_offsets;
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (t.dtype !== 'F32' || end - start !== 4 * elements || end > dataLength) {
      throw new Error(`tensor ${name} is malformed: ${JSON.stringify(t)}`);
    }
    covered += end - start;
  }
  if (covered !== dataLength) throw new Error(`tensors cover ${covered} of ${dataLength} data bytes`);
  return { tensors, metadata };
}

/**
 * A page on the CPU (tiny preset) whose data is `bytes` of made-up words from a local file
 * (see `madeUpTextFile`): seconds of tokenizer training, to watch the page meanwhile.
 */
export async function pageWithMadeUpText(browser, url, name, bytes) {
  const file = await madeUpTextFile(name, bytes);
  const page = await openPage(browser, `${url}/?backend=cpu&preset=tiny`);
  await byTestId(page, 'backend').filter({ hasText: 'CPU' }).waitFor({ timeout: 60_000 });
  await byTestId(page, 'dataset-file').setInputFiles(file);
  await page.locator('.dataset .in-use b').filter({ hasText: name }).waitFor({ timeout: 60_000 });
  return page;
}

/** A text file of about `bytes` bytes of made-up words (3000 of them, from a fixed seed). */
async function madeUpTextFile(name, bytes) {
  let seed = 7;
  const random = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sha', 'ti', 'po', 'an', 'el', 'or', 'us', 'in', 'be'];
  const words = Array.from({ length: 3000 }, () => Array.from({ length: 1 + random(3) }, () => syllables[random(14)]).join(''));
  const lines = [];
  for (let size = 0; size < bytes;) {
    const line = Array.from({ length: 5 + random(10) }, () => words[random(3000)]).join(' ') + '.';
    lines.push(line);
    size += line.length + 1;
  }
  const file = join(tmpdir(), `${name}-${process.pid}.txt`);
  await writeFile(file, lines.join('\n'));
  return file;
}
