//! The autosaved run, kept in the browser's Cache API (open to the page and to workers alike):
//! a checkpoint with the optimizer's moments, and the corpus it trains on.

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, Response};

use super::browser::{WebError, cache_storage, js_error};
use crate::data::Corpus;
use crate::session::SavedRun;

const CACHE_NAME: &str = "gptlab-runs";
// The Cache API keys entries by http(s) URL; these are names, never fetched.
const RUN_KEY: &str = "https://gptlab.invalid/autosave/run.safetensors";
const CORPUS_KEY: &str = "https://gptlab.invalid/autosave/corpus.json";

/// Saves the run's checkpoint; the corpus only when given (it does not change during a run).
pub async fn save_run(checkpoint: &[u8], corpus: Option<&Corpus>) -> Result<(), WebError> {
    let cache = open().await?;
    if let Some(corpus) = corpus {
        let json = serde_json::to_string(corpus).map_err(|e| WebError::Js(e.to_string()))?;
        put(&cache, CORPUS_KEY, &JsValue::from_str(&json)).await?;
    }
    put(&cache, RUN_KEY, &Uint8Array::from(checkpoint).into()).await
}

/// The autosaved run, if one was saved.
pub async fn load_run() -> Result<Option<SavedRun>, WebError> {
    let cache = open().await?;
    let (Some(checkpoint), Some(corpus)) = (body(&cache, RUN_KEY).await, body(&cache, CORPUS_KEY).await)
    else {
        return Ok(None);
    };
    let corpus = serde_json::from_slice(&corpus).map_err(|e| WebError::Js(format!("its corpus: {e}")))?;
    Ok(Some(SavedRun { checkpoint, corpus }))
}

/// Just the checkpoint, to describe the saved run.
pub async fn saved_checkpoint() -> Option<Vec<u8>> {
    body(&open().await.ok()?, RUN_KEY).await
}

async fn open() -> Result<Cache, WebError> {
    let caches = cache_storage()?;
    Ok(JsFuture::from(caches.open(CACHE_NAME)).await.map_err(js_error)?.unchecked_into())
}

async fn put(cache: &Cache, key: &str, body: &JsValue) -> Result<(), WebError> {
    // A JS string or byte array: `Response` takes either as its body.
    let response = Response::new_with_opt_buffer_source(Some(body.unchecked_ref())).map_err(js_error)?;
    JsFuture::from(cache.put_with_str(key, &response))
        .await
        .map(|_| ())
        .map_err(|e| WebError::Js(format!("saving the run failed (is the storage full?): {}", js_error(e))))
}

async fn body(cache: &Cache, key: &str) -> Option<Vec<u8>> {
    let found = JsFuture::from(cache.match_with_str(key)).await.ok()?;
    let response: Response = found.dyn_into().ok()?;
    let buffer = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    Some(Uint8Array::new(&buffer).to_vec())
}
