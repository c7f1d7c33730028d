//! The autosaves, kept in the browser's Cache API (open to the page and to workers alike): one
//! entry per run, its checkpoint with the optimizer's moments, written in one `put` so a failure
//! or another tab never leaves half a save; and the corpora, one entry per corpus hash, written
//! before the first save that names them. The few newest runs are kept.

use js_sys::{Date, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, Headers, Request, Response, ResponseInit};

use super::browser::{WebError, cache_storage, js_error};
use crate::checkpoint::RunIdentity;
use crate::data::Corpus;
use crate::session::SavedRun;

const CACHE_NAME: &str = "gptlab-runs";
// The Cache API keys entries by http(s) URL; these are names, never fetched.
const RUNS: &str = "https://gptlab.invalid/autosave/runs/";
const CORPORA: &str = "https://gptlab.invalid/autosave/corpora/";
/// Stored beside a run's checkpoint: when it was saved, and its corpus's hash.
const SAVED_AT: &str = "x-gptlab-saved-at";
const CORPUS: &str = "x-gptlab-corpus";
/// Runs kept: saving another deletes the oldest beyond these, and corpora no kept run names.
const KEPT_RUNS: usize = 3;

/// Saves `run`'s checkpoint, replacing its earlier save; its corpus first, when given.
pub async fn save_run(run: &RunIdentity, checkpoint: &[u8], corpus: Option<&Corpus>) -> Result<(), WebError> {
    let cache = open().await?;
    if let Some(corpus) = corpus {
        let json = serde_json::to_string(corpus).map_err(|e| WebError::Js(e.to_string()))?;
        put(&cache, &format!("{CORPORA}{}", run.corpus_hash), &JsValue::from_str(&json), &[]).await?;
    }
    let saved_at = Date::now().to_string();
    let headers = [(SAVED_AT, saved_at.as_str()), (CORPUS, run.corpus_hash.as_str())];
    put(&cache, &format!("{RUNS}{}", run.id), &Uint8Array::from(checkpoint).into(), &headers).await?;
    prune(&cache).await; // only tidies: a failure leaves more saves, never fewer
    Ok(())
}

/// The run saved last, with its corpus.
pub async fn load_run() -> Result<Option<SavedRun>, WebError> {
    let cache = open().await?;
    let Some(newest) = runs(&cache).await.into_iter().next() else { return Ok(None) };
    let Some(checkpoint) = body(&cache, &newest.key).await else { return Ok(None) };
    let corpus = body(&cache, &format!("{CORPORA}{}", newest.corpus_hash)).await;
    let corpus = corpus.ok_or_else(|| WebError::Js("its data is no longer stored".into()))?;
    let corpus = serde_json::from_slice(&corpus).map_err(|e| WebError::Js(format!("its data: {e}")))?;
    Ok(Some(SavedRun { checkpoint, corpus }))
}

/// Just the newest run's checkpoint, to describe it.
pub async fn saved_checkpoint() -> Option<Vec<u8>> {
    let cache = open().await.ok()?;
    let newest = runs(&cache).await.into_iter().next()?;
    body(&cache, &newest.key).await
}

/// A saved run as the store lists it.
struct Listed {
    key: String,
    saved_at: f64,
    corpus_hash: String,
}

/// The saved runs, newest first.
async fn runs(cache: &Cache) -> Vec<Listed> {
    let mut runs = Vec::new();
    for key in keys(cache, RUNS).await {
        let Some(response) = matching(cache, &key).await else { continue };
        let header = |name| response.headers().get(name).ok().flatten().unwrap_or_default();
        let saved_at = header(SAVED_AT).parse().unwrap_or(0.0);
        runs.push(Listed { key, saved_at, corpus_hash: header(CORPUS) });
    }
    runs.sort_by(|a, b| b.saved_at.total_cmp(&a.saved_at));
    runs
}

/// Deletes the runs past `KEPT_RUNS`, and the corpora no kept run names.
async fn prune(cache: &Cache) {
    let runs = runs(cache).await;
    for old in runs.iter().skip(KEPT_RUNS) {
        let _ = JsFuture::from(cache.delete_with_str(&old.key)).await;
    }
    let named: Vec<String> =
        runs.iter().take(KEPT_RUNS).map(|r| format!("{CORPORA}{}", r.corpus_hash)).collect();
    for key in keys(cache, CORPORA).await.into_iter().filter(|key| !named.contains(key)) {
        let _ = JsFuture::from(cache.delete_with_str(&key)).await;
    }
}

/// The keys under `prefix`.
async fn keys(cache: &Cache, prefix: &str) -> Vec<String> {
    let Ok(requests) = JsFuture::from(cache.keys()).await else { return Vec::new() };
    let requests: js_sys::Array = requests.unchecked_into();
    requests
        .iter()
        .filter_map(|r| r.dyn_into::<Request>().ok())
        .map(|r| r.url())
        .filter(|url| url.starts_with(prefix))
        .collect()
}

async fn open() -> Result<Cache, WebError> {
    let caches = cache_storage()?;
    Ok(JsFuture::from(caches.open(CACHE_NAME)).await.map_err(js_error)?.unchecked_into())
}

async fn put(cache: &Cache, key: &str, body: &JsValue, headers: &[(&str, &str)]) -> Result<(), WebError> {
    let init = ResponseInit::new();
    let fields = Headers::new().map_err(js_error)?;
    for (name, value) in headers {
        fields.set(name, value).map_err(js_error)?;
    }
    init.set_headers(&fields);
    // A JS string or byte array: `Response` takes either as its body.
    let response =
        Response::new_with_opt_buffer_source_and_init(Some(body.unchecked_ref()), &init).map_err(js_error)?;
    JsFuture::from(cache.put_with_str(key, &response))
        .await
        .map(|_| ())
        .map_err(|e| WebError::Js(format!("saving the run failed (is the storage full?): {}", js_error(e))))
}

async fn matching(cache: &Cache, key: &str) -> Option<Response> {
    JsFuture::from(cache.match_with_str(key)).await.ok()?.dyn_into().ok()
}

async fn body(cache: &Cache, key: &str) -> Option<Vec<u8>> {
    let response = matching(cache, key).await?;
    let buffer = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    Some(Uint8Array::new(&buffer).to_vec())
}
