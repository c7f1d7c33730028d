//! Work that would freeze the page runs in a Web Worker: the same wasm module, started a second
//! time in a module worker, with one job per worker. Today that job is BPE training, which is one
//! long call into `tokenizers` that cannot yield.

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, DedicatedWorkerGlobalScope, MessageEvent, Url, Worker, WorkerOptions, WorkerType,
};

use crate::tokenize::Tokenizer;

/// Runs in the worker: answers one `{text, vocabSize}` message with `{tokenizer}` (its JSON) or
/// `{error}`.
pub fn serve_bpe_training() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        let text = Reflect::get(&data, &"text".into()).ok().and_then(|t| t.as_string()).unwrap_or_default();
        let vocab_size =
            Reflect::get(&data, &"vocabSize".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        let reply = Object::new();
        let (key, value) = match Tokenizer::train_bpe(&text, vocab_size as usize) {
            Ok(trained) => ("tokenizer", serde_json::to_string(&trained).unwrap_or_default()),
            Err(e) => ("error", e.to_string()),
        };
        let _ = Reflect::set(&reply, &key.into(), &value.into());
        let _ = reply_scope.post_message(&reply);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget(); // the worker lives for this one job
    let _ = scope.post_message(&"ready".into());
}

/// Trains a BPE on `text` in a worker; the page stays responsive meanwhile.
pub async fn train_bpe(text: &str, vocab_size: usize) -> Result<Tokenizer, String> {
    let worker = start("bpe_training_worker")?;
    let ready = next_message(&worker);
    JsFuture::from(ready).await.map_err(describe)?;
    let job = Object::new();
    Reflect::set(&job, &"text".into(), &text.into()).map_err(describe)?;
    Reflect::set(&job, &"vocabSize".into(), &(vocab_size as f64).into()).map_err(describe)?;
    let answer = next_message(&worker);
    worker.post_message(&job).map_err(describe)?;
    let reply = JsFuture::from(answer).await.map_err(describe);
    worker.terminate();
    let reply = reply?;
    if let Some(error) = Reflect::get(&reply, &"error".into()).ok().and_then(|e| e.as_string()) {
        return Err(error);
    }
    let json = Reflect::get(&reply, &"tokenizer".into()).ok().and_then(|t| t.as_string()).unwrap_or_default();
    serde_json::from_str(&json).map_err(|e| format!("the worker's tokenizer is unreadable: {e}"))
}

/// A module worker that loads this page's wasm and calls its export `entry`.
fn start(entry: &str) -> Result<Worker, String> {
    let (glue, wasm) = module_urls().ok_or("the page's wasm module was not found")?;
    let source = format!(
        "import init, {{ {entry} }} from '{glue}';\n\
         await init({{ module_or_path: '{wasm}' }});\n\
         {entry}();\n"
    );
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob =
        Blob::new_with_str_sequence_and_options(&Array::of1(&source.into()), &options).map_err(describe)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(describe)?;
    let worker_options = WorkerOptions::new();
    worker_options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options(&url, &worker_options).map_err(describe);
    Url::revoke_object_url(&url).ok();
    worker
}

/// The absolute URLs of the wasm-bindgen glue and the wasm file, from the preload links Trunk
/// writes into the page.
fn module_urls() -> Option<(String, String)> {
    let document = web_sys::window()?.document()?;
    let base = document.base_uri().ok()??;
    let href = |selector: &str| {
        let link = document.query_selector(selector).ok()??;
        let href = link.get_attribute("href")?;
        Url::new_with_base(&href, &base).ok().map(|u| u.href())
    };
    Some((href("link[rel=modulepreload][href$='.js']")?, href("link[rel=preload][href$='.wasm']")?))
}

/// Resolves with the worker's next message, or rejects with its error.
fn next_message(worker: &Worker) -> Promise {
    let worker = worker.clone();
    Promise::new(&mut |resolve, reject| {
        let on_message = Closure::once_into_js(move |event: MessageEvent| {
            let _ = resolve.call1(&JsValue::NULL, &event.data());
        });
        let on_error = Closure::once_into_js(move |event: JsValue| {
            let message = Reflect::get(&event, &"message".into()).unwrap_or(event);
            let _ = reject.call1(&JsValue::NULL, &message);
        });
        worker.set_onmessage(Some(on_message.unchecked_ref()));
        worker.set_onerror(Some(on_error.unchecked_ref()));
    })
}

fn describe(error: JsValue) -> String {
    error.as_string().unwrap_or_else(|| format!("{error:?}"))
}
