//! The autosaved run, kept in the browser's Cache API (open to the page and to workers alike):
//! a checkpoint with the optimizer's moments, and the corpus it trains on.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, CacheStorage, Response};

const CACHE_NAME: &str = "gptlab-runs";
// The Cache API keys entries by http(s) URL; these are names, never fetched.
const RUN_KEY: &str = "https://gptlab.invalid/autosave/run.safetensors";
const CORPUS_KEY: &str = "https://gptlab.invalid/autosave/corpus.json";

/// Saves the run's checkpoint; the corpus only when given (it does not change during a run).
pub async fn save_run(checkpoint: &[u8], corpus_json: Option<&str>) -> Result<(), String> {
    let cache = open().await?;
    if let Some(json) = corpus_json {
        put(&cache, CORPUS_KEY, &JsValue::from_str(json)).await?;
    }
    put(&cache, RUN_KEY, &Uint8Array::from(checkpoint).into()).await
}

/// The autosaved checkpoint and corpus JSON, if a run was saved.
pub async fn load_run() -> Option<(Vec<u8>, String)> {
    let cache = open().await.ok()?;
    let checkpoint = body(&cache, RUN_KEY).await?;
    let corpus = body(&cache, CORPUS_KEY).await?;
    Some((checkpoint, String::from_utf8(corpus).ok()?))
}

/// Just the checkpoint, to describe the saved run.
pub async fn saved_checkpoint() -> Option<Vec<u8>> {
    body(&open().await.ok()?, RUN_KEY).await
}

async fn open() -> Result<Cache, String> {
    let caches: CacheStorage = Reflect::get(&js_sys::global(), &"caches".into())
        .ok()
        .filter(|c| !c.is_undefined())
        .ok_or("this browser offers no storage here (a private window?)")?
        .unchecked_into();
    let cache = JsFuture::from(caches.open(CACHE_NAME))
        .await
        .map_err(|e| format!("opening storage failed: {e:?}"))?;
    Ok(cache.unchecked_into())
}

async fn put(cache: &Cache, key: &str, body: &JsValue) -> Result<(), String> {
    // A JS string or byte array: `Response` takes either as its body.
    let response =
        Response::new_with_opt_buffer_source(Some(body.unchecked_ref())).map_err(|e| format!("{e:?}"))?;
    JsFuture::from(cache.put_with_str(key, &response))
        .await
        .map(|_| ())
        .map_err(|e| format!("saving the run failed (is the storage full?): {e:?}"))
}

async fn body(cache: &Cache, key: &str) -> Option<Vec<u8>> {
    let found = JsFuture::from(cache.match_with_str(key)).await.ok()?;
    let response: Response = found.dyn_into().ok()?;
    let buffer = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    Some(Uint8Array::new(&buffer).to_vec())
}
