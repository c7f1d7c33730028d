// A local stand-in for huggingface.co and datasets-server.huggingface.co: the same paths, JSON
// shapes, status codes and headers, served from tests/fixtures/hf (see examples/hub_fixtures.rs).
// The page reaches it through `?hf_hub=…/hub&hf_viewer=…/viewer`.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = fileURLToPath(new URL('../fixtures/hf', import.meta.url));

const cors = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'X-Error-Code, Content-Range, Content-Length',
};

/**
 * Starts the server. Requests for a dataset in `failing` answer HTTP 500, as a broken host would;
 * files of a dataset in `slow` arrive in two halves a few seconds apart; `models` maps more model
 * ids to folders whose files the Hub serves as theirs. Resolves to
 * { url, hub, viewer, requests, downloads, close }; `requests` lists each request as { path, range, method }.
 */
export async function startHubServer({ failing = [], slow = [], models = {} } = {}) {
  const requests = [];
  const server = createServer(async (req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-allow-headers': 'Range', 'access-control-allow-methods': 'GET' });
      return res.end();
    }
    const url = new URL(req.url, 'http://x');
    requests.push({ path: url.pathname + url.search, range: req.headers.range ?? null, method: req.method });
    const origin = `http://${req.headers.host}`;
    const [, host, ...rest] = url.pathname.split('/');
    const dataset = url.searchParams.get('dataset') ?? rest.slice(host === 'hub' ? 1 : 0).join('/');
    if (failing.some((id) => dataset.includes(id))) {
      return send(res, 500, { 'x-error-code': 'UnexpectedError' }, JSON.stringify({ error: 'Unexpected error.' }));
    }
    if (host === 'viewer') return viewer(res, url, origin);
    const pause = slow.some((id) => dataset.includes(id)) ? 3000 : 0;
    const path = rest.map(decodeURIComponent).join('/');
    const model = Object.keys(models).find((id) => path.startsWith(`${id}/resolve/main/`));
    if (host === 'hub' && model) {
      const file = join(models[model], path.slice(`${model}/resolve/main/`.length));
      return readFile(file).then((body) => send(res, 200, {}, body), () => send(res, 404, { 'x-error-code': 'EntryNotFound' }, 'not found'));
    }
    if (host === 'hub') return hub(req, res, path, origin, pause);
    send(res, 404, {}, 'not found');
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url, hub: `${url}/hub`, viewer: `${url}/viewer`, requests,
    /** GETs of data files (Parquet and text), not of JSON metadata (nor HEADs that ask whether a copy is current). */
    downloads: () => requests.filter((r) => r.method === 'GET' && /\.(parquet|txt)$/.test(r.path)),
    close: () => server.close(),
  };
}

/** `/viewer/{endpoint}?dataset=&config=&split=` from `viewer/{endpoint}/{dataset}/{config}/{split}.json`. */
async function viewer(res, url, origin) {
  const endpoint = url.pathname.split('/')[2];
  const p = url.searchParams;
  const file = [endpoint, p.get('dataset'), p.get('config'), p.get('split')].filter(Boolean).join('/') + '.json';
  const body = await fixture(join('viewer', file), origin);
  if (body === null) {
    // What the real viewer answers for a dataset that is missing, private or gated.
    return send(res, 401, { 'x-error-code': 'ExternalUnauthenticatedError' }, JSON.stringify({
      error: 'The dataset does not exist, or is not accessible without authentication (private or gated). '
        + 'Please check the spelling of the dataset name or retry with authentication.',
    }));
  }
  if (endpoint === 'rows') {
    const all = JSON.parse(body);
    const offset = Number(p.get('offset') ?? 0);
    const length = Math.min(Number(p.get('length') ?? 100), 100);
    all.rows = all.rows.slice(offset, offset + length);
    return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify(all));
  }
  send(res, 200, { 'content-type': 'application/json' }, body);
}

/** The Hub by path, with single byte ranges as its file storage serves them. */
async function hub(req, res, path, origin, pause) {
  const body = await fixture(join('hub', path), origin, true);
  if (body === null) {
    // Anonymous requests for a repository that is missing (or private, or gated) get a 401.
    const [code, status] = await repoExists(path) ? ['EntryNotFound', 404] : ['RepoNotFound', 401];
    return send(res, status, { 'x-error-code': code }, JSON.stringify({ error: `${code}: ${path}` }));
  }
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    const end = Math.min(range[2] === '' ? body.length - 1 : Number(range[2]), body.length - 1);
    return send(res, 206, { 'content-range': `bytes ${start}-${end}/${body.length}` }, body.subarray(start, end + 1), pause);
  }
  send(res, 200, {}, body, pause);
}

/** Whether the fixtures hold anything of the repository `path` is in. */
async function repoExists(path) {
  const parts = path.split('/').filter((p) => p !== 'api');
  const start = parts[0] === 'datasets' ? 1 : 0;
  const owned = !['resolve', 'tree', undefined].includes(parts[start + 1]);
  const repo = parts.slice(0, start + (owned ? 2 : 1)).join('/');
  for (const dir of [join(fixtures, 'hub', repo), join(fixtures, 'hub', 'api', repo)]) {
    if (await stat(dir).then(() => true, () => false)) return true;
  }
  return false;
}

/** A fixture file's bytes, with `{hub}` replaced in JSON; null when there is none. */
async function fixture(path, origin, binary = false) {
  const file = join(fixtures, normalize(path).replace(/^(\.\.[/\\])+/, ''));
  if (!file.startsWith(fixtures)) return null;
  try {
    const bytes = await readFile(file);
    if (binary && !path.startsWith('api/') && !path.includes('/api/')) return bytes;
    return bytes.toString('utf8').replaceAll('{hub}', `${origin}/hub`);
  } catch {
    return null;
  }
}

/** Sends `body`; with a `pause`, its first half, then the rest that many milliseconds later. */
function send(res, status, headers, body, pause = 0) {
  res.writeHead(status, { ...cors, 'content-length': Buffer.byteLength(body), ...headers });
  if (!pause) return res.end(body);
  const bytes = Buffer.from(body);
  res.write(bytes.subarray(0, bytes.length >> 1));
  setTimeout(() => res.end(bytes.subarray(bytes.length >> 1)), pause);
}
