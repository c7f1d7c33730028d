//! GETs that retry: a server's `Retry-After` is waited out, a connection that breaks off
//! half-way is picked up where it broke.

use gptlab::data::fetch::{FetchError, Request, Response};
use gptlab::data::hub::{self, HubError};
use pollster::block_on;

use super::recorded::{BASE, Recorded, ok};

fn get(fetch: &Recorded, request: &Request) -> Result<Response, HubError> {
    block_on(hub::get(fetch, request, "the file", &mut |_, _| {}))
}

fn body() -> Vec<u8> {
    (0..10_000u32).map(|i| (i % 251) as u8).collect()
}

fn url() -> String {
    format!("{BASE}/files/data.bin")
}

#[test]
fn a_rate_limit_waits_as_long_as_the_server_asks() {
    let limited = Response { retry_after_ms: Some(3_000), ..Response::new(429, vec![]) };
    let fetch = Recorded::default().with(url(), limited).with(url(), ok(body()));
    assert_eq!(get(&fetch, &Request::file(url())).unwrap().body, body());
    assert_eq!(*fetch.sleeps.borrow(), [3_000], "the server's wait, not the backoff");

    let for_an_hour = Response { retry_after_ms: Some(3_600_000), ..Response::new(503, vec![]) };
    let fetch = Recorded::default().with(url(), for_an_hour);
    let error = get(&fetch, &Request::file(url())).unwrap_err();
    assert!(matches!(error, HubError::Server { status: 503, tries: 1, .. }), "{error:?}");
    assert!(fetch.sleeps.borrow().is_empty(), "an hour is not waited for: the page says so at once");
}

#[test]
fn a_download_cut_half_way_asks_for_the_rest() {
    let cut = FetchError::Cut { message: "network error".into(), received: body()[..4_000].to_vec() };
    let fetch =
        Recorded { ranges: true, ..Recorded::default() }.then(url(), Err(cut)).with(url(), ok(body()));
    let mut reported = Vec::new();
    let response =
        block_on(hub::get(&fetch, &Request::file(url()), "the file", &mut |bytes, _| reported.push(bytes)))
            .unwrap();
    assert_eq!((response.status, response.body), (200, body()), "the whole file, once");
    let ranges: Vec<_> = fetch.requests.borrow().iter().map(|r| r.range.clone()).collect();
    assert_eq!(ranges, [None, Some(4_000..u64::MAX)]);
    assert_eq!(fetch.requests.borrow()[1].range_header().as_deref(), Some("bytes=4000-"));
    assert_eq!(reported.last(), Some(&10_000), "progress counts what arrived before the cut");
}

#[test]
fn a_cut_range_asks_for_the_rest_of_the_range_and_a_server_without_ranges_sends_all_again() {
    let cut = || FetchError::Cut { message: "reset".into(), received: body()[..300].to_vec() };
    let fetch =
        Recorded { ranges: true, ..Recorded::default() }.then(url(), Err(cut())).with(url(), ok(body()));
    let response = get(&fetch, &Request::file_range(url(), 0..1_000)).unwrap();
    assert_eq!((response.status, response.body), (206, body()[..1_000].to_vec()));
    assert_eq!(fetch.requests.borrow()[1].range, Some(300..1_000));

    let fetch = Recorded::default().then(url(), Err(cut())).with(url(), ok(body()));
    assert_eq!(get(&fetch, &Request::file(url())).unwrap().body, body(), "not the first part twice");
}
