//! Small browser services: URL parameters, yielding to the event loop, clocks and files, and
//! the error a browser API gives.

use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, HtmlAnchorElement, Url, UrlSearchParams};

use crate::format;

/// Why something the browser was asked failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WebError {
    /// A browser API threw, with its message.
    #[error("{0}")]
    Js(String),
    #[error("the page's wasm module was not found")]
    NoModule,
    #[error("this browser offers no storage here (a private window?)")]
    NoStorage,
    #[error("could not read the file: {0}")]
    File(String),
    #[error("{name} is {}, more than the {} the page reads", format::bytes(*size), format::bytes(*cap))]
    FileTooLarge { name: String, size: u64, cap: u64 },
    #[error("the page has no document")]
    NoDocument,
}

/// A thrown JS value as a `WebError`: an `Error`'s message, else the value as it prints.
pub fn js_error(error: JsValue) -> WebError {
    WebError::Js(
        error.dyn_ref::<js_sys::Error>().map_or_else(|| format!("{error:?}"), |e| e.message().into()),
    )
}

/// The Cache API of the page or worker, where there is one: a page served over plain `http:`
/// from another machine (not a secure context) has none, nor some private windows.
pub fn cache_storage() -> Result<web_sys::CacheStorage, WebError> {
    let caches = Reflect::get(&js_sys::global(), &"caches".into()).unwrap_or(JsValue::UNDEFINED);
    if caches.is_undefined() || caches.is_null() {
        return Err(WebError::NoStorage);
    }
    Ok(caches.unchecked_into())
}

/// A query parameter of the page's URL, e.g. `preset` in `?preset=tiny`.
pub fn url_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    UrlSearchParams::new_with_str(&search).ok()?.get(name)
}

/// Reloads the page with one query parameter changed.
pub fn reload_with_param(name: &str, value: &str) {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let search = location.search().unwrap_or_default();
    if let Ok(params) = UrlSearchParams::new_with_str(&search) {
        params.set(name, value);
        let _ = location.set_search(&String::from(params.to_string()));
    }
}

/// Milliseconds since the page (or worker) started.
pub fn now_ms() -> f64 {
    let performance = Reflect::get(&js_sys::global(), &"performance".into()).ok();
    performance.and_then(|p| p.dyn_into::<web_sys::Performance>().ok()).map_or(0.0, |p| p.now())
}

/// Lets the browser paint and handle input before the next piece of work (a macrotask,
/// not a microtask: microtasks run before painting).
pub async fn yield_to_browser() {
    sleep_ms(0).await;
}

/// Runs `f` once the browser has painted its next frame: a timeout set from an animation frame
/// callback, which runs just before that paint, runs after it.
pub fn after_next_paint(f: impl FnOnce() + 'static) {
    let Some(window) = web_sys::window() else { return f() };
    let after_paint = Closure::once_into_js(move || {
        let later = Closure::once_into_js(f);
        let _ = web_sys::window().map(|w| w.set_timeout_with_callback(later.unchecked_ref()));
    });
    if window.request_animation_frame(after_paint.unchecked_ref()).is_err() {
        let _ = window.set_timeout_with_callback(after_paint.unchecked_ref());
    }
}

/// Waits `ms` milliseconds without blocking the page (or the worker: `setTimeout` of either).
pub async fn sleep_ms(ms: u32) {
    let promise = Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let set_timeout =
            Reflect::get(&global, &"setTimeout".into()).ok().and_then(|f| f.dyn_into::<Function>().ok());
        if let Some(set_timeout) = set_timeout {
            let _ = set_timeout.call2(&global, &resolve, &ms.into());
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// The bytes of a file the user picked, if it is at most `cap` bytes: checked before reading.
pub async fn read_file(file: &File, cap: u64) -> Result<Vec<u8>, WebError> {
    let size = file.size() as u64; // a float in JS; exact for any size a disk holds
    if size > cap {
        return Err(WebError::FileTooLarge { name: file.name(), size, cap });
    }
    let buffer =
        JsFuture::from(file.array_buffer()).await.map_err(|e| WebError::File(js_error(e).to_string()))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// An object URL for `bytes`, for a download link. Revoke it with `Url::revoke_object_url`.
pub fn object_url(bytes: &[u8], mime: &str) -> Result<String, WebError> {
    let parts = Array::of1(&Uint8Array::from(bytes).into());
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(js_error)?;
    Url::create_object_url_with_blob(&blob).map_err(js_error)
}

/// Saves `bytes` as a download named `file_name`, as a click on a download link would.
pub fn save_file(bytes: &[u8], file_name: &str, mime: &str) -> Result<(), WebError> {
    let url = object_url(bytes, mime)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or(WebError::NoDocument)?;
    let link: HtmlAnchorElement = document.create_element("a").map_err(js_error)?.unchecked_into();
    link.set_href(&url);
    link.set_download(file_name);
    link.click();
    // The download has taken the blob's URL; revoking it later frees the bytes.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || revoke_object_url(&url));
    let window = web_sys::window().ok_or(WebError::NoDocument)?;
    window
        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000)
        .map_err(js_error)?;
    Ok(())
}

pub fn revoke_object_url(url: &str) {
    let _ = Url::revoke_object_url(url);
}

/// The page's or the worker's navigator.
pub fn navigator() -> JsValue {
    Reflect::get(&js_sys::global(), &"navigator".into()).unwrap_or(JsValue::UNDEFINED)
}

/// Takes the Web Lock `name` unless another tab or worker holds it: `Some(release)`, a function
/// that gives it back (the browser also frees it when its holder goes away), or `None`. A browser
/// without Web Locks gives every caller the lock.
pub async fn try_lock(name: &str) -> Option<Function> {
    let locks = Reflect::get(&navigator(), &"locks".into()).unwrap_or(JsValue::UNDEFINED);
    let request = Reflect::get(&locks, &"request".into()).ok().and_then(|f| f.dyn_into::<Function>().ok());
    let Some(request) = request else { return Some(Function::new_no_args("")) };
    let (taken, answer) = futures::channel::oneshot::channel::<Option<Function>>();
    // Called with the lock, or null when it is held elsewhere; the lock is held until the
    // returned promise settles, that is until `release` is called.
    let callback = wasm_bindgen::closure::Closure::once_into_js(move |lock: JsValue| -> Promise {
        let mut taken = Some(taken);
        if lock.is_null() {
            let _ = taken.take().map(|t| t.send(None));
            return Promise::resolve(&JsValue::UNDEFINED);
        }
        Promise::new(&mut |release, _| {
            let _ = taken.take().map(|t| t.send(Some(release)));
        })
    });
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    request.call3(&locks, &name.into(), &options, &callback).ok()?;
    answer.await.ok().flatten()
}
