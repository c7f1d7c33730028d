//! The one service the data layer needs from outside: HTTP GETs. The page implements it with the
//! browser's `fetch` and its cache; native tests with recorded responses.

use std::ops::Range;

use crate::format;

/// The most a document (the Hub's JSON answers, a `tokenizer.json`) may take.
pub const MAX_DOCUMENT_BYTES: u64 = 50_000_000;
/// The most a file (a model's weights, a checkpoint, a data file) may take: the page holds it
/// in memory, and a browser tab has a few GB for everything.
pub const MAX_FILE_BYTES: u64 = 1_000_000_000;

/// A GET, of a whole resource or of a range of its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub url: String,
    /// Ask for only these bytes (`Range: bytes={start}-{end - 1}`, or `bytes={start}-` for an
    /// `end` of `u64::MAX`: one range, which browsers send to other sites without asking first).
    /// A server may ignore that and send everything (200 rather than 206); the caller then cuts
    /// what it needs.
    pub range: Option<Range<u64>>,
    /// Refuse a body larger than this: by its declared length before anything is read, or as
    /// it streams in past it.
    pub max_bytes: u64,
}

impl Request {
    /// A whole document, up to `MAX_DOCUMENT_BYTES`.
    pub fn whole(url: impl Into<String>) -> Self {
        Self { url: url.into(), range: None, max_bytes: MAX_DOCUMENT_BYTES }
    }

    /// A whole file, up to `MAX_FILE_BYTES`.
    pub fn file(url: impl Into<String>) -> Self {
        Self { max_bytes: MAX_FILE_BYTES, ..Self::whole(url) }
    }

    /// A document (a Hub answer, a `tokenizer.json`): small, and it changes, so the page fetches
    /// it again rather than ask whether its copy is current.
    pub fn is_document(&self) -> bool {
        self.max_bytes <= MAX_DOCUMENT_BYTES
    }

    /// `range` of a file.
    pub fn file_range(url: impl Into<String>, range: Range<u64>) -> Self {
        Self { range: Some(range), ..Self::file(url) }
    }

    /// The `Range` header's value: `bytes=a-b`, both ends included, or `bytes=a-` to the end.
    pub fn range_header(&self) -> Option<String> {
        self.range.as_ref().map(|r| match r.end {
            u64::MAX => format!("bytes={}-", r.start),
            end => format!("bytes={}-{}", r.start, end.saturating_sub(1).max(r.start)),
        })
    }
}

/// What came back: any status, since mapping statuses to messages is the caller's job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// The Hub's `X-Error-Code` header (`RepoNotFound`, `GatedRepo`, …), the one error header it
    /// exposes to pages on other origins.
    pub error_code: Option<String>,
    pub body: Vec<u8>,
    /// How long the server asked to wait before trying again (`Retry-After`, with a 429 or 503).
    pub retry_after_ms: Option<u32>,
}

impl Response {
    pub fn new(status: u16, body: Vec<u8>) -> Self {
        Self { status, error_code: None, body, retry_after_ms: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// No response at all: offline, DNS, CORS, a server that stopped answering.
    #[error("{0}")]
    Network(String),
    /// The connection broke after `received` bytes of the body: a retry asks for the rest.
    #[error("{message}")]
    Cut { message: String, received: Vec<u8> },
    #[error("cancelled")]
    Cancelled,
    /// The body is larger than the request's `max_bytes`: `size` is what the server declared,
    /// or `None` when it declared nothing and streamed past the cap.
    #[error("{}", too_large(*size, *cap))]
    TooLarge { size: Option<u64>, cap: u64 },
}

fn too_large(size: Option<u64>, cap: u64) -> String {
    match size {
        Some(size) => {
            format!("it is {}, more than the {} the page downloads", format::bytes(size), format::bytes(cap))
        }
        None => format!(
            "it went past {}, the most the page downloads, without saying its size",
            format::bytes(cap)
        ),
    }
}

/// Refuses a body of `size` bytes (declared or received so far) for `request`.
pub fn check_size(request: &Request, size: u64, declared: bool) -> Result<(), FetchError> {
    if size <= request.max_bytes {
        return Ok(());
    }
    Err(FetchError::TooLarge { size: declared.then_some(size), cap: request.max_bytes })
}

/// Bytes received so far, and the whole size when the server said it.
pub type OnProgress<'a> = &'a mut dyn FnMut(u64, Option<u64>);

// Implementations live on the page's single thread, so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Fetch {
    async fn get(&self, request: &Request, progress: OnProgress<'_>) -> Result<Response, FetchError>;

    /// Waits before a retry.
    async fn sleep(&self, ms: u32);
}
