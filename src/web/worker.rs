//! Work that would freeze the page runs in a Web Worker: the same wasm module, started a second
//! time in a module worker, with one job per worker. The jobs are single long calls into
//! `tokenizers` that cannot yield: training a BPE, and encoding a large text to count its tokens.

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, DedicatedWorkerGlobalScope, MessageEvent, Url, Worker, WorkerOptions, WorkerType,
};

use crate::tokenize::Tokenizer;

/// Runs in the worker: answers one job message with `{ok}` (a string) or `{error}`.
/// A job is `{job: "train-bpe", text, vocabSize}` or `{job: "count-tokens", text, tokenizer}`.
pub fn serve_jobs() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let reply = Object::new();
        let (key, value) = match run_job(&event.data()) {
            Ok(answer) => ("ok", answer),
            Err(e) => ("error", e),
        };
        let _ = Reflect::set(&reply, &key.into(), &value.into());
        let _ = reply_scope.post_message(&reply);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget(); // the worker lives for this one job
    let _ = scope.post_message(&"ready".into());
}

fn run_job(job: &JsValue) -> Result<String, String> {
    let text =
        |key: &str| Reflect::get(job, &key.into()).ok().and_then(|t| t.as_string()).unwrap_or_default();
    match text("job").as_str() {
        "train-bpe" => {
            let vocab_size =
                Reflect::get(job, &"vocabSize".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
            let trained =
                Tokenizer::train_bpe(&text("text"), vocab_size as usize).map_err(|e| e.to_string())?;
            serde_json::to_string(&trained).map_err(|e| e.to_string())
        }
        "count-tokens" => {
            let tokenizer: Tokenizer = serde_json::from_str(&text("tokenizer")).map_err(|e| e.to_string())?;
            Ok(tokenizer.encode(&text("text")).map_err(|e| e.to_string())?.len().to_string())
        }
        other => Err(format!("unknown job {other:?}")),
    }
}

/// Trains a BPE on `text` in a worker; the page stays responsive meanwhile.
pub async fn train_bpe(text: &str, vocab_size: usize) -> Result<Tokenizer, String> {
    let json = run_in_worker(&[
        ("job", "train-bpe".into()),
        ("text", text.into()),
        ("vocabSize", (vocab_size as f64).into()),
    ])
    .await?;
    serde_json::from_str(&json).map_err(|e| format!("the worker's tokenizer is unreadable: {e}"))
}

/// How many tokens `tokenizer` makes of `text`, counted in a worker.
pub async fn count_tokens(tokenizer: &Tokenizer, text: &str) -> Result<usize, String> {
    let tokenizer = serde_json::to_string(tokenizer).map_err(|e| e.to_string())?;
    let count = run_in_worker(&[
        ("job", "count-tokens".into()),
        ("text", text.into()),
        ("tokenizer", tokenizer.into()),
    ])
    .await?;
    count.parse().map_err(|e| format!("the worker's count is unreadable: {e}"))
}

/// Starts a worker, sends it one job, and returns its answer.
async fn run_in_worker(fields: &[(&str, JsValue)]) -> Result<String, String> {
    let worker = start("lab_worker")?;
    let ready = next_message(&worker);
    JsFuture::from(ready).await.map_err(describe)?;
    let job = Object::new();
    for (key, value) in fields {
        Reflect::set(&job, &(*key).into(), value).map_err(describe)?;
    }
    let answer = next_message(&worker);
    worker.post_message(&job).map_err(describe)?;
    let reply = JsFuture::from(answer).await.map_err(describe);
    worker.terminate();
    let reply = reply?;
    let field = |key: &str| Reflect::get(&reply, &key.into()).ok().and_then(|v| v.as_string());
    match field("error") {
        Some(error) => Err(error),
        None => field("ok").ok_or_else(|| "the worker answered nothing".to_string()),
    }
}

/// A module worker that loads this page's wasm and calls its export `entry`.
pub(super) fn start(entry: &str) -> Result<Worker, String> {
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
