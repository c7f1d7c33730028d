//! The data layer's `Fetch` in the browser: `fetch` with progress and cancel, answered from the
//! Cache API when the same request succeeded before, so a reload downloads nothing again.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Cache, Headers, ReadableStreamDefaultReader, RequestInit, Response as JsResponse,
    ResponseInit,
};

use super::browser::{WebError, cache_storage, js_error, sleep_ms};
use crate::data::fetch::{Fetch, FetchError, OnProgress, Request, Response, check_size};

/// The browser cache that holds downloaded data.
const CACHE_NAME: &str = "gptlab-data";
/// Stored beside a cached body: the status it came with (a 206 is a prefix) and its size.
const STATUS_HEADER: &str = "x-gptlab-status";
const SIZE_HEADER: &str = "x-gptlab-size";

pub struct BrowserFetch {
    signal: Option<AbortSignal>,
    cache: Option<Cache>,
}

impl BrowserFetch {
    /// Fetches that `signal` cancels; the cache is skipped where the browser has none (an insecure
    /// origin, a private window that refuses storage).
    pub async fn new(signal: Option<AbortSignal>) -> Self {
        Self { signal, cache: open_cache().await }
    }

    async fn cached(&self, key: &str) -> Option<Response> {
        let cache = self.cache.as_ref()?;
        let found = JsFuture::from(cache.match_with_str(key)).await.ok()?;
        let response: JsResponse = found.dyn_into().ok()?;
        let status = response.headers().get(STATUS_HEADER).ok()??.parse().ok()?;
        let body = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
        Some(Response { status, error_code: None, body: Uint8Array::new(&body).to_vec() })
    }

    async fn store(&self, key: &str, response: &Response) {
        let Some(cache) = &self.cache else { return };
        let init = ResponseInit::new();
        if let Ok(headers) = Headers::new() {
            let _ = headers.set(STATUS_HEADER, &response.status.to_string());
            let _ = headers.set(SIZE_HEADER, &response.body.len().to_string());
            init.set_headers(&headers);
        }
        let body = Uint8Array::from(response.body.as_slice());
        if let Ok(stored) = JsResponse::new_with_opt_buffer_source_and_init(Some(&body), &init) {
            // A full disk or a refused quota only means the next load downloads again.
            let _ = JsFuture::from(cache.put_with_str(key, &stored)).await;
        }
    }

    async fn download(&self, request: &Request, progress: OnProgress<'_>) -> Result<Response, FetchError> {
        let init = RequestInit::new();
        if let Some(signal) = &self.signal {
            init.set_signal(Some(signal));
        }
        if let Some(range) = request.range_header() {
            let headers = Headers::new().map_err(|e| self.failure(e))?;
            headers.set("Range", &range).map_err(|e| self.failure(e))?;
            init.set_headers(&headers);
        }
        // The page's `fetch` or a worker's: takes run in a job worker.
        let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        let answer = JsFuture::from(scope.fetch_with_str_and_init(&request.url, &init)).await;
        let response: JsResponse = answer.map_err(|e| self.failure(e))?.unchecked_into();
        let error_code = response.headers().get("x-error-code").ok().flatten();
        let total = response.headers().get("content-length").ok().flatten().and_then(|l| l.parse().ok());
        let body = self.read_body(request, &response, total, progress).await?;
        Ok(Response { status: response.status(), error_code, body })
    }

    /// The body, chunk by chunk as it arrives, reporting each. A body over the request's cap is
    /// refused by its declared length before anything is read, or as soon as it passes the cap,
    /// and the download stops there.
    async fn read_body(
        &self,
        request: &Request,
        response: &JsResponse,
        total: Option<u64>,
        progress: OnProgress<'_>,
    ) -> Result<Vec<u8>, FetchError> {
        let Some(stream) = response.body() else { return Ok(Vec::new()) };
        let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        let stop = |error: FetchError| {
            let _ = reader.cancel();
            Err(error)
        };
        if let Some(total) = total
            && let Err(error) = check_size(request, total, true)
        {
            return stop(error);
        }
        // Within the cap, so it fits in memory: `as usize` cannot wrap.
        let mut body = Vec::with_capacity(total.unwrap_or(0) as usize);
        loop {
            let chunk = JsFuture::from(reader.read()).await.map_err(|e| self.failure(e))?;
            if Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
                return Ok(body);
            }
            let value: Uint8Array =
                Reflect::get(&chunk, &"value".into()).map_err(|e| self.failure(e))?.unchecked_into();
            let received = body.len() as u64 + u64::from(value.length());
            if let Err(error) = check_size(request, received, false) {
                return stop(error);
            }
            let start = body.len();
            body.resize(start + value.length() as usize, 0);
            value.copy_to(&mut body[start..]);
            progress(received, total);
        }
    }

    fn failure(&self, error: JsValue) -> FetchError {
        if self.signal.as_ref().is_some_and(AbortSignal::aborted) {
            return FetchError::Cancelled;
        }
        let message =
            error.dyn_ref::<js_sys::Error>().map_or_else(|| format!("{error:?}"), |e| e.message().into());
        FetchError::Network(message)
    }
}

impl Fetch for BrowserFetch {
    async fn get(&self, request: &Request, progress: OnProgress<'_>) -> Result<Response, FetchError> {
        let key = cache_key(request);
        if let Some(response) = self.cached(&key).await {
            check_size(request, response.body.len() as u64, true)?;
            progress(response.body.len() as u64, Some(response.body.len() as u64));
            return Ok(response);
        }
        let response = self.download(request, progress).await?;
        if (200..300).contains(&response.status) {
            self.store(&key, &response).await;
        }
        Ok(response)
    }

    async fn sleep(&self, ms: u32) {
        sleep_ms(ms).await;
    }
}

/// A cache key per URL and range (the Cache API ignores request headers such as `Range`).
fn cache_key(request: &Request) -> String {
    match &request.range {
        None => request.url.clone(),
        Some(range) => {
            let separator = if request.url.contains('?') { '&' } else { '?' };
            format!("{}{separator}gptlab-bytes={}-{}", request.url, range.start, range.end)
        }
    }
}

async fn open_cache() -> Option<Cache> {
    let caches = cache_storage().ok()?;
    JsFuture::from(caches.open(CACHE_NAME)).await.ok()?.dyn_into().ok()
}

/// How many responses the cache holds and their total size in bytes.
pub async fn cache_usage() -> (usize, u64) {
    let Some(cache) = open_cache().await else { return (0, 0) };
    let Ok(keys) = JsFuture::from(cache.keys()).await else { return (0, 0) };
    let keys: js_sys::Array = keys.unchecked_into();
    let mut bytes = 0;
    for key in keys.iter() {
        let Ok(request) = key.dyn_into::<web_sys::Request>() else { continue };
        let Ok(found) = JsFuture::from(cache.match_with_request(&request)).await else { continue };
        if let Ok(response) = found.dyn_into::<JsResponse>() {
            bytes += response
                .headers()
                .get(SIZE_HEADER)
                .ok()
                .flatten()
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    (keys.length() as usize, bytes)
}

/// Empties the data cache.
pub async fn clear_cache() -> Result<(), WebError> {
    JsFuture::from(cache_storage()?.delete(CACHE_NAME)).await.map_err(js_error)?;
    Ok(())
}
