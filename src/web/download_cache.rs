//! Downloads kept in the browser's Cache API, so a reload downloads nothing again, each with the
//! validators its server sent (`ETag`, `Last-Modified`, its length), so a changed file is seen:
//! before a kept file is used, a `HEAD` asks the server whether it still has the same.

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, Headers, Response as JsResponse, ResponseInit};

use super::browser::{WebError, cache_storage, js_error};
use crate::data::fetch::{Request, Response};

/// The browser cache that holds downloaded data.
const CACHE_NAME: &str = "gptlab-data";
/// Stored beside a cached body: the status it came with (a 206 is a range) and its size.
const STATUS: &str = "x-gptlab-status";
const SIZE: &str = "x-gptlab-size";
/// The response headers that tell one version of a file from another.
const VALIDATORS: [&str; 2] = ["etag", "last-modified"];

/// A response as kept, with the validators its server sent; its body is read only when used.
pub struct Kept {
    stored: JsResponse,
    status: u16,
    pub validators: Vec<(String, String)>,
}

impl Kept {
    pub async fn response(self) -> Option<Response> {
        let body = JsFuture::from(self.stored.array_buffer().ok()?).await.ok()?;
        Some(Response::new(self.status, Uint8Array::new(&body).to_vec()))
    }
}

/// The validators among `headers` (those a server lets pages read).
pub fn validators(headers: &Headers) -> Vec<(String, String)> {
    VALIDATORS.iter().filter_map(|name| Some((name.to_string(), headers.get(name).ok()??))).collect()
}

pub struct DownloadCache(Cache);

impl DownloadCache {
    /// The cache, where the browser has one (not on an insecure origin, nor in some private
    /// windows).
    pub async fn open() -> Option<Self> {
        let caches = cache_storage().ok()?;
        JsFuture::from(caches.open(CACHE_NAME)).await.ok()?.dyn_into().ok().map(Self)
    }

    pub async fn get(&self, request: &Request) -> Option<Kept> {
        let found = JsFuture::from(self.0.match_with_str(&key(request))).await.ok()?;
        let stored: JsResponse = found.dyn_into().ok()?;
        let status = stored.headers().get(STATUS).ok()??.parse().ok()?;
        let validators = validators(&stored.headers());
        Some(Kept { stored, status, validators })
    }

    /// Keeps `response` with its `validators`. A full disk or a refused quota only means the next
    /// load downloads again.
    pub async fn put(&self, request: &Request, response: &Response, validators: &[(String, String)]) {
        let init = ResponseInit::new();
        if let Ok(headers) = Headers::new() {
            let _ = headers.set(STATUS, &response.status.to_string());
            let _ = headers.set(SIZE, &response.body.len().to_string());
            for (name, value) in validators {
                let _ = headers.set(name, value);
            }
            init.set_headers(&headers);
        }
        let body = Uint8Array::from(response.body.as_slice());
        if let Ok(stored) = JsResponse::new_with_opt_buffer_source_and_init(Some(&body), &init) {
            let _ = JsFuture::from(self.0.put_with_str(&key(request), &stored)).await;
        }
    }
}

/// A key per URL and range (the Cache API ignores request headers such as `Range`).
fn key(request: &Request) -> String {
    match &request.range {
        None => request.url.clone(),
        Some(range) => {
            let separator = if request.url.contains('?') { '&' } else { '?' };
            format!("{}{separator}gptlab-bytes={}-{}", request.url, range.start, range.end)
        }
    }
}

/// How many responses the cache holds and their total size in bytes.
pub async fn usage() -> (usize, u64) {
    let Some(DownloadCache(cache)) = DownloadCache::open().await else { return (0, 0) };
    let Ok(keys) = JsFuture::from(cache.keys()).await else { return (0, 0) };
    let keys: js_sys::Array = keys.unchecked_into();
    let mut bytes = 0;
    for key in keys.iter() {
        let Ok(request) = key.dyn_into::<web_sys::Request>() else { continue };
        let Ok(found) = JsFuture::from(cache.match_with_request(&request)).await else { continue };
        if let Ok(response) = found.dyn_into::<JsResponse>() {
            let size = response.headers().get(SIZE).ok().flatten().and_then(|s| s.parse::<u64>().ok());
            bytes += size.unwrap_or(0);
        }
    }
    (keys.length() as usize, bytes)
}

/// Empties the cache.
pub async fn clear() -> Result<(), WebError> {
    JsFuture::from(cache_storage()?.delete(CACHE_NAME)).await.map_err(js_error)?;
    Ok(())
}
