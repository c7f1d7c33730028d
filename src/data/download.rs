//! GETs that retry what is worth retrying (a rate limit, a failing server, a broken
//! connection), wait as long as the server asks, pick up a cut download where it broke, and
//! explain what is not worth retrying.

use serde::Deserialize;

use super::fetch::{Fetch, FetchError, OnProgress, Request, Response};
use super::hub::HubError;

/// Tries per request for answers that may go away: 429, 5xx, a network error.
pub const MAX_TRIES: u32 = 4;
/// The first wait between tries; each next one doubles.
const FIRST_BACKOFF_MS: u32 = 500;
/// The longest wait a server's `Retry-After` gets: past it the page gives up and says why.
const MAX_RETRY_AFTER_MS: u32 = 60_000;

/// GETs `request`, retrying with backoff, and returns the response of a 2xx answer. `what`
/// names the thing fetched for messages ("dataset `x`").
pub async fn get(
    fetch: &impl Fetch,
    request: &Request,
    what: &str,
    progress: OnProgress<'_>,
) -> Result<Response, HubError> {
    let mut attempt = request.clone();
    // The body earlier tries received before their connection broke.
    let mut received = Vec::new();
    let mut tries = 0;
    loop {
        tries += 1;
        let offset = received.len() as u64;
        let mut report = |bytes, total: Option<u64>| progress(offset + bytes, total.map(|t| t + offset));
        let (failure, asked_wait) = match fetch.get(&attempt, &mut report).await {
            Ok(response) if (200..300).contains(&response.status) => {
                return Ok(joined(received, response, request));
            }
            Ok(response) if response.status == 429 => {
                (HubError::RateLimited { what: what.into(), tries }, response.retry_after_ms)
            }
            Ok(response) if response.status >= 500 => (
                HubError::Server { what: what.into(), status: response.status, tries },
                response.retry_after_ms,
            ),
            Ok(response) => return Err(refusal(&response, what)),
            Err(FetchError::Cancelled) => return Err(HubError::Cancelled),
            Err(error @ FetchError::TooLarge { .. }) => {
                return Err(HubError::TooLarge { what: what.into(), error });
            }
            Err(FetchError::Network(message)) => {
                (HubError::Network { what: what.into(), message, tries }, None)
            }
            Err(FetchError::Cut { message, received: part }) => {
                received.extend(part);
                attempt = rest_of(request, received.len() as u64);
                (HubError::Network { what: what.into(), message, tries }, None)
            }
        };
        let too_long = asked_wait.is_some_and(|ms| ms > MAX_RETRY_AFTER_MS);
        if tries == MAX_TRIES || too_long {
            return Err(failure);
        }
        fetch.sleep(asked_wait.unwrap_or(FIRST_BACKOFF_MS << (tries - 1))).await;
    }
}

/// What is left of `request` once `received` bytes of its body have arrived: a range from there.
fn rest_of(request: &Request, received: u64) -> Request {
    let range = request.range.clone().unwrap_or(0..u64::MAX);
    Request {
        range: Some(range.start + received..range.end),
        max_bytes: request.max_bytes.saturating_sub(received),
        ..request.clone()
    }
}

/// The body earlier tries received, joined to what this one brought: a server that honoured the
/// range sent the rest (206); one that did not sent everything again.
fn joined(mut received: Vec<u8>, mut response: Response, request: &Request) -> Response {
    if received.is_empty() || response.status != 206 {
        return response;
    }
    received.append(&mut response.body);
    response.body = received;
    response.status = if request.range.is_some() { 206 } else { 200 };
    response
}

/// GETs a JSON document and parses it as `T`.
pub async fn get_json<T: for<'de> Deserialize<'de>>(
    fetch: &impl Fetch,
    url: &str,
    what: &str,
) -> Result<T, HubError> {
    let response = get(fetch, &Request::whole(url), what, &mut |_, _| {}).await?;
    parse_json(&response.body, what)
}

pub fn parse_json<T: for<'de> Deserialize<'de>>(body: &[u8], what: &str) -> Result<T, HubError> {
    serde_json::from_slice(body)
        .map_err(|e| HubError::Unparsable { what: what.into(), reason: e.to_string() })
}

/// The message for a 4xx answer other than 429.
fn refusal(response: &Response, what: &str) -> HubError {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: String,
    }
    let reason = serde_json::from_slice::<ErrorBody>(&response.body).ok().map(|body| body.error);
    let missing =
        matches!(response.error_code.as_deref(), Some("RepoNotFound" | "GatedRepo" | "EntryNotFound"));
    match (response.status, reason) {
        (401 | 403, _) | (404, None) => HubError::NotFound(what.into()),
        _ if missing => HubError::NotFound(what.into()),
        (_, Some(message)) => HubError::Viewer { what: what.into(), message },
        (status, None) => HubError::Http { what: what.into(), status },
    }
}
