//! The data layer's `Fetch` in the browser (the page's or a worker's `fetch`): progress, cancel,
//! a stall timeout, and the download cache. A response that breaks off half-way gives back what
//! arrived, so a retry asks for the rest.

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, Headers, ReadableStreamDefaultReader, RequestInit, Response as JsResponse,
};

use super::browser::sleep_ms;
use super::download_cache::{DownloadCache, validators};
use crate::data::fetch::{Fetch, FetchError, OnProgress, Request, Response, check_size};

/// A server that sends nothing for this long is given up on (and tried again, from where it
/// stopped).
const STALL_MS: u32 = 20_000;

pub struct BrowserFetch {
    /// Cancels every request, when the user asks.
    signal: Option<AbortSignal>,
    cache: Option<DownloadCache>,
}

impl BrowserFetch {
    /// Fetches that `signal` cancels; the cache is skipped where the browser has none.
    pub async fn new(signal: Option<AbortSignal>) -> Self {
        Self { signal, cache: DownloadCache::open().await }
    }

    /// The kept copy of a file, if the server still has the same (a `HEAD` gives the same
    /// validators).
    async fn current_copy(&self, request: &Request) -> Option<Response> {
        let kept = self.cache.as_ref()?.get(request).await?;
        let init = RequestInit::new();
        init.set_method("HEAD");
        let (now, _) = self.send(&request.url, &init).await.ok()?;
        if validators(&now.headers()) != kept.validators {
            return None;
        }
        kept.response().await
    }

    /// The kept copy of a document, for when the network is down.
    async fn offline_copy(&self, request: &Request) -> Option<Response> {
        self.cache.as_ref()?.get(request).await?.response().await
    }

    /// Sends `init` to `url`, aborting it on Cancel or a stall: the response, and the controller
    /// that stops its body.
    async fn send(&self, url: &str, init: &RequestInit) -> Result<(JsResponse, AbortController), FetchError> {
        let controller = AbortController::new().map_err(|e| self.failure(e))?;
        if let Some(signal) = &self.signal {
            let stop = controller.clone();
            let on_abort = Closure::once_into_js(move || stop.abort());
            let _ = signal.add_event_listener_with_callback("abort", on_abort.unchecked_ref());
        }
        init.set_signal(Some(&controller.signal()));
        // The page's `fetch` or a worker's: takes run in a job worker.
        let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        let answer = within(scope.fetch_with_str_and_init(url, init), STALL_MS).await;
        match answer {
            Ok(response) => Ok((response.unchecked_into(), controller)),
            Err(error) => {
                controller.abort();
                Err(self.failure(error))
            }
        }
    }

    async fn download(
        &self,
        request: &Request,
        progress: OnProgress<'_>,
    ) -> Result<(Response, Vec<(String, String)>), FetchError> {
        let init = RequestInit::new();
        if let Some(range) = request.range_header() {
            let headers = Headers::new().map_err(|e| self.failure(e))?;
            headers.set("Range", &range).map_err(|e| self.failure(e))?;
            init.set_headers(&headers);
        }
        let (response, controller) = self.send(&request.url, &init).await?;
        let header = |name: &str| response.headers().get(name).ok().flatten();
        let total = header("content-length").and_then(|l| l.parse().ok());
        let retry_after_ms =
            header("retry-after").and_then(|s| s.trim().parse::<u32>().ok()).map(|s| s.saturating_mul(1000));
        let body = self.read_body(request, &response, &controller, total, progress).await?;
        let answer =
            Response { status: response.status(), error_code: header("x-error-code"), body, retry_after_ms };
        Ok((answer, validators(&response.headers())))
    }

    /// The body, chunk by chunk as it arrives, reporting each. A body over the request's cap is
    /// refused by its declared length before anything is read, or as soon as it passes the cap,
    /// and the download stops there.
    async fn read_body(
        &self,
        request: &Request,
        response: &JsResponse,
        controller: &AbortController,
        total: Option<u64>,
        progress: OnProgress<'_>,
    ) -> Result<Vec<u8>, FetchError> {
        let Some(stream) = response.body() else { return Ok(Vec::new()) };
        let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        let stop = |error: FetchError| {
            controller.abort();
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
            let chunk = match within(reader.read(), STALL_MS).await {
                Ok(chunk) => chunk,
                Err(error) => {
                    controller.abort();
                    return Err(match self.failure(error) {
                        FetchError::Network(message) if !body.is_empty() => {
                            FetchError::Cut { message, received: body }
                        }
                        other => other,
                    });
                }
            };
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
        let message = error.dyn_ref::<js_sys::Error>().map_or_else(
            || error.as_string().unwrap_or_else(|| format!("{error:?}")),
            |e| e.message().into(),
        );
        FetchError::Network(message)
    }
}

impl Fetch for BrowserFetch {
    /// A file comes from the cache while the server still has the same; a document (the Hub's
    /// small JSON answers, which change and cost little) is always asked again, and its kept copy
    /// serves only when the network is down.
    async fn get(&self, request: &Request, progress: OnProgress<'_>) -> Result<Response, FetchError> {
        if !request.is_document()
            && let Some(response) = self.current_copy(request).await
        {
            check_size(request, response.body.len() as u64, true)?;
            progress(response.body.len() as u64, Some(response.body.len() as u64));
            return Ok(response);
        }
        match self.download(request, progress).await {
            Ok((response, validators)) => {
                if let Some(cache) = &self.cache
                    && (200..300).contains(&response.status)
                {
                    cache.put(request, &response, &validators).await;
                }
                Ok(response)
            }
            Err(FetchError::Network(message)) if request.is_document() => {
                self.offline_copy(request).await.ok_or(FetchError::Network(message))
            }
            Err(error) => Err(error),
        }
    }

    async fn sleep(&self, ms: u32) {
        sleep_ms(ms).await;
    }
}

/// `promise`, or a rejection once it has been pending for `ms`.
async fn within(promise: Promise, ms: u32) -> Result<JsValue, JsValue> {
    let timeout = Promise::new(&mut |_, reject| {
        let message = JsValue::from_str(&format!("no answer for {} s", ms / 1000));
        let fail = Closure::once_into_js(move || reject.call1(&JsValue::NULL, &message));
        let global = js_sys::global();
        let set_timeout =
            Reflect::get(&global, &"setTimeout".into()).ok().and_then(|f| f.dyn_into::<Function>().ok());
        if let Some(set_timeout) = set_timeout {
            let _ = set_timeout.call2(&global, &fail, &ms.into());
        }
    });
    JsFuture::from(Promise::race(&js_sys::Array::of2(&promise, &timeout))).await
}
