//! The page's workers: the engine's wasm module started in a module worker, and the messages
//! that cross to and from them (`session::protocol`), as `{json, bytes?}` objects whose bytes
//! are transferred, not copied.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::JsValue;
use web_sys::{Blob, BlobPropertyBag, Url, Worker, WorkerOptions, WorkerType};

use super::browser::{WebError, js_error};
use crate::session::protocol::{Message, Wire, WireError};

/// A module worker that loads the engine (the `gptlab-engine` binary) and calls its export `entry`.
pub fn start(entry: &str) -> Result<Worker, WebError> {
    let (glue, wasm) = engine_urls().ok_or(WebError::NoModule)?;
    let source = format!(
        "import init, {{ {entry} }} from '{glue}';\n\
         await init({{ module_or_path: '{wasm}' }});\n\
         {entry}();\n"
    );
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob =
        Blob::new_with_str_sequence_and_options(&Array::of1(&source.into()), &options).map_err(js_error)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(js_error)?;
    let worker_options = WorkerOptions::new();
    worker_options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options(&url, &worker_options).map_err(js_error);
    Url::revoke_object_url(&url).ok();
    worker
}

/// The absolute URLs of the engine's wasm-bindgen glue and wasm file. Trunk names a worker's
/// files after its binary, without a content hash, so they carry the page module's hash as a
/// query: a build that changed the page (and so the messages it sends) never starts an engine
/// a cache kept from before. A build that changed only the engine relies on the host's cache
/// revalidation.
fn engine_urls() -> Option<(String, String)> {
    let document = web_sys::window()?.document()?;
    let base = document.base_uri().ok()??;
    let page_module = document.query_selector("link[rel=modulepreload][href$='.js']").ok()??;
    let page_module = page_module.get_attribute("href")?;
    let build = page_module.rsplit(['-', '/']).next()?.trim_end_matches(".js");
    let url = |file: &str| {
        Url::new_with_base(&format!("{ENGINE}{file}?build={build}"), &base).ok().map(|u| u.href())
    };
    Some((url(".js")?, url("_bg.wasm")?))
}

/// The engine binary's name, which Trunk gives its files.
const ENGINE: &str = "gptlab-engine";

/// A message as a JS object, and the buffers to transfer with it.
fn encode(message: impl Message) -> (JsValue, Array) {
    let Wire { json, bytes } = message.to_wire();
    let object = Object::new();
    let transfer = Array::new();
    let _ = Reflect::set(&object, &"json".into(), &json.into());
    if let Some(bytes) = bytes {
        let array = Uint8Array::from(bytes.as_slice());
        transfer.push(&array.buffer());
        let _ = Reflect::set(&object, &"bytes".into(), &array);
    }
    (object.into(), transfer)
}

pub fn decode<M: Message>(data: &JsValue) -> Result<M, WireError> {
    let field = |key: &str| Reflect::get(data, &key.into()).ok().filter(|v| !v.is_undefined());
    let json = field("json").and_then(|j| j.as_string()).ok_or(WireError::Unreadable("no JSON".into()))?;
    let bytes = field("bytes").map(|b| Uint8Array::new(&b).to_vec());
    M::from_wire(Wire { json, bytes })
}

/// Anything messages are posted to: a worker from the page, the page from a worker.
pub trait PostTarget {
    fn post_with_transfer(&self, message: &JsValue, transfer: &Array) -> Result<(), JsValue>;
}

impl PostTarget for Worker {
    fn post_with_transfer(&self, message: &JsValue, transfer: &Array) -> Result<(), JsValue> {
        self.post_message_with_transfer(message, transfer)
    }
}

impl PostTarget for web_sys::DedicatedWorkerGlobalScope {
    fn post_with_transfer(&self, message: &JsValue, transfer: &Array) -> Result<(), JsValue> {
        self.post_message_with_transfer(message, transfer)
    }
}

/// Posts `message` to `target`, its bytes transferred.
pub fn post(target: &impl PostTarget, message: impl Message) -> Result<(), WebError> {
    let (value, transfer) = encode(message);
    target.post_with_transfer(&value, &transfer).map_err(js_error)
}

/// What a worker's `error` event says.
pub fn error_message(event: &JsValue) -> String {
    Reflect::get(event, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default()
}

/// The `ready` a worker posts once its module has loaded.
pub const READY: &str = "ready";

pub fn is_ready(data: &JsValue) -> bool {
    data.as_string().as_deref() == Some(READY)
}
