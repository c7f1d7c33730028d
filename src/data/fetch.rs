//! The one service the data layer needs from outside: HTTP GETs. The page implements it with the
//! browser's `fetch` and its cache; native tests with recorded responses.

/// A GET, of a whole resource or of its first bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub url: String,
    /// Ask for only this many bytes from the start (`Range: bytes=0-{n-1}`). A server may ignore
    /// that and send everything; the caller cuts what it does not need.
    pub first_bytes: Option<u64>,
}

impl Request {
    pub fn whole(url: impl Into<String>) -> Self {
        Self { url: url.into(), first_bytes: None }
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
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// No response at all: offline, DNS, CORS, a connection cut half-way.
    #[error("{0}")]
    Network(String),
    #[error("cancelled")]
    Cancelled,
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
