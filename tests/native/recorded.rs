//! A `Fetch` that answers from recorded responses, for tests of the Hugging Face clients: the
//! fixture files the browser tests' server also serves (`cargo run --example hub_fixtures`
//! writes them), or responses a test writes itself.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::path::Path;

use gptlab::data::fetch::{Fetch, FetchError, OnProgress, Request, Response, check_size};
use gptlab::data::hub::Endpoints;

pub const BASE: &str = "http://fixtures.test";

/// The Hub and the viewer, as the fixtures' URLs name them.
pub fn endpoints() -> Endpoints {
    Endpoints { hub: format!("{BASE}/hub"), viewer: format!("{BASE}/viewer") }
}

/// A file of `tests/fixtures/hf`, with `{hub}` in a text file filled in as the server does.
pub fn fixture(path: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hf").join(path);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    String::from_utf8(bytes.clone())
        .map_or(bytes, |text| text.replace("{hub}", &endpoints().hub).into_bytes())
}

pub fn ok(body: Vec<u8>) -> Response {
    Response::new(200, body)
}

pub fn status(status: u16, error_code: Option<&str>, body: &str) -> Response {
    Response { error_code: error_code.map(str::to_string), ..Response::new(status, body.as_bytes().to_vec()) }
}

/// Answers each URL from a queue of responses (the last one repeats), honouring a byte `range`
/// with a 206 when `ranges` is set, and records what was asked and how long it slept. A URL
/// it has no answer for gets the Hub's 404 for a missing file.
#[derive(Default)]
pub struct Recorded {
    pub routes: RefCell<HashMap<String, VecDeque<Result<Response, FetchError>>>>,
    pub ranges: bool,
    pub requests: RefCell<Vec<Request>>,
    pub sleeps: RefCell<Vec<u32>>,
}

impl Recorded {
    pub fn with(self, url: String, response: Response) -> Self {
        self.then(url, Ok(response))
    }

    pub fn then(self, url: String, response: Result<Response, FetchError>) -> Self {
        self.routes.borrow_mut().entry(url).or_default().push_back(response);
        self
    }

    pub fn urls(&self) -> Vec<String> {
        self.requests.borrow().iter().map(|r| r.url.clone()).collect()
    }
}

impl Fetch for Recorded {
    async fn get(&self, request: &Request, progress: OnProgress<'_>) -> Result<Response, FetchError> {
        self.requests.borrow_mut().push(request.clone());
        let mut routes = self.routes.borrow_mut();
        let queue = routes.get_mut(&request.url);
        let Some(queue) = queue else { return Ok(status(404, Some("EntryNotFound"), "Entry not found")) };
        let mut response = if queue.len() > 1 { queue.pop_front().unwrap() } else { queue[0].clone() }?;
        if let (true, Some(range), 200) = (self.ranges, &request.range, response.status) {
            let end = (range.end as usize).min(response.body.len());
            response.body = response.body[(range.start as usize).min(end)..end].to_vec();
            response.status = 206;
        }
        // As a server that declares each body's length.
        check_size(request, response.body.len() as u64, true)?;
        progress(response.body.len() as u64, Some(response.body.len() as u64));
        Ok(response)
    }

    async fn sleep(&self, ms: u32) {
        self.sleeps.borrow_mut().push(ms);
    }
}
