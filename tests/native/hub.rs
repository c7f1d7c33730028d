//! The Hugging Face client against recorded responses: the fixture files the browser tests'
//! server also serves (`cargo run --example hub_fixtures` writes them).

use std::collections::VecDeque;

use gptlab::data::Corpus;
use gptlab::data::fetch::FetchError;
use gptlab::data::hub::{self, ConfigInfo, Endpoints, HubError, ParquetFiles, Rows, Splits};
use gptlab::data::parquet::{self, ParquetError, for_each_text};
use gptlab::data::take::{self, Amount, Progress, Source, SplitColumn, TakeError};
use pollster::block_on;

use super::recorded::{BASE, Recorded, endpoints, fixture, ok, status};

const STORIES: &str = "gptlab/tiny-stories";
const TEXT_REPO: &str = "gptlab/little-text";

/// The fixture datasets as the Hub and the viewer serve them.
impl Recorded {
    /// The stories dataset as the viewer serves it (its repository's tree is not listed).
    fn stories() -> Self {
        let e = endpoints();
        let mut fake = Recorded::default()
            .with(e.splits(STORIES), ok(fixture(&format!("viewer/splits/{STORIES}.json"))))
            .with(e.info(STORIES, "default"), ok(fixture(&format!("viewer/info/{STORIES}/default.json"))))
            .with(e.parquet_files(STORIES), ok(fixture(&format!("viewer/parquet/{STORIES}.json"))));
        let listing: ParquetFiles =
            serde_json::from_slice(&fixture(&format!("viewer/parquet/{STORIES}.json"))).unwrap();
        for file in listing.parquet_files {
            let path = format!(
                "hub/datasets/{STORIES}/resolve/refs/convert/parquet/{}/{}/{}",
                file.config, file.split, file.filename
            );
            fake = fake.with(file.url, ok(fixture(&path)));
        }
        for split in ["train", "validation"] {
            let all: serde_json::Value =
                serde_json::from_slice(&fixture(&format!("viewer/rows/{STORIES}/default/{split}.json")))
                    .unwrap();
            let rows = all["rows"].as_array().unwrap();
            for offset in (0..rows.len() + 100).step_by(100) {
                for length in 1..=100 {
                    let page: Vec<_> = rows.iter().skip(offset).take(length).cloned().collect();
                    let body = serde_json::json!({"features": all["features"], "rows": page,
                        "num_rows_total": rows.len(), "num_rows_per_page": 100, "partial": false});
                    let url = e.rows(STORIES, "default", split, offset, length);
                    fake = fake.with(url, ok(body.to_string().into_bytes()));
                }
            }
        }
        fake
    }

    /// A repository of one text file; `ranges`: whether its server honours `Range`.
    fn text_repo(ranges: bool) -> Self {
        let e = endpoints();
        let base = format!("hub/datasets/{TEXT_REPO}/resolve/main");
        Recorded { ranges, ..Default::default() }
            .with(e.repo_files(TEXT_REPO), ok(fixture(&format!("hub/api/datasets/{TEXT_REPO}/tree/main"))))
            .with(e.raw_file(TEXT_REPO, "input.txt"), ok(fixture(&format!("{base}/input.txt"))))
    }
}

fn column_of(dataset: &str, split: &str, column: &str) -> Source {
    Source::Viewer(SplitColumn {
        dataset: dataset.into(),
        config: "default".into(),
        split: split.into(),
        column: column.into(),
    })
}

fn viewer_source(split: &str, column: &str) -> Source {
    column_of(STORIES, split, column)
}

fn take(fetch: &Recorded, source: &Source, amount: Amount) -> Result<Vec<String>, TakeError> {
    block_on(take::take(fetch, &endpoints(), source, amount, &mut |_| {}))
}

#[test]
fn urls_are_the_hubs() {
    let e = Endpoints::default();
    assert_eq!(
        e.splits("roneneldan/TinyStories"),
        "https://datasets-server.huggingface.co/splits?dataset=roneneldan%2FTinyStories"
    );
    assert_eq!(
        e.info("karpathy/tiny_shakespeare", "default"),
        "https://datasets-server.huggingface.co/info?dataset=karpathy%2Ftiny_shakespeare&config=default"
    );
    assert_eq!(e.parquet_files("a/b"), "https://datasets-server.huggingface.co/parquet?dataset=a%2Fb");
    assert_eq!(
        e.rows("a/b", "en", "train", 200, 100),
        "https://datasets-server.huggingface.co/rows?dataset=a%2Fb&config=en&split=train&offset=200&length=100"
    );
    assert_eq!(e.repo_files("a/b"), "https://huggingface.co/api/datasets/a/b/tree/main?recursive=true");
    assert_eq!(
        e.raw_file("roneneldan/TinyStories", "TinyStoriesV2-GPT4-valid.txt"),
        "https://huggingface.co/datasets/roneneldan/TinyStories/resolve/main/TinyStoriesV2-GPT4-valid.txt"
    );
    assert_eq!(
        e.raw_file("a/b", "data/my file.txt"),
        "https://huggingface.co/datasets/a/b/resolve/main/data/my%20file.txt"
    );
    assert_eq!(e.tokenizer("gpt2"), "https://huggingface.co/gpt2/resolve/main/tokenizer.json");
    assert_eq!(
        e.model_file("openai-community/gpt2", "model.safetensors"),
        "https://huggingface.co/openai-community/gpt2/resolve/main/model.safetensors"
    );
    assert_eq!(endpoints().splits("a/b"), "http://fixtures.test/viewer/splits?dataset=a%2Fb");
}

#[test]
fn ids_are_checked_before_any_request() {
    for good in ["gpt2", "roneneldan/TinyStories", "karpathy/tiny_shakespeare", "a-b/c.d_e"] {
        assert_eq!(hub::check_repo_id(good), Ok(()), "{good}");
    }
    for bad in ["", "a/b/c", "a b", "../x", "a/", "https://huggingface.co/datasets/x"] {
        assert!(matches!(hub::check_repo_id(bad), Err(HubError::BadId(_))), "{bad}");
    }
    let fetch = Recorded::default();
    let error = take(
        &fetch,
        &Source::TextFile { dataset: "not an id".into(), path: "x.txt".into() },
        Amount::Rows(1),
    );
    assert!(error.unwrap_err().to_string().contains("not a Hugging Face id"));
    assert!(fetch.requests.borrow().is_empty());
}

#[test]
fn viewer_answers_parse() {
    let splits: Splits = hub::parse_json(&fixture(&format!("viewer/splits/{STORIES}.json")), "x").unwrap();
    assert_eq!(splits.configs(), ["default"]);
    assert_eq!(splits.splits_of("default"), ["train", "validation"]);
    assert_eq!(take::validation_split("train", &splits.splits_of("default")).as_deref(), Some("validation"));
    assert_eq!(take::validation_split("validation", &splits.splits_of("default")), None);

    let info = ConfigInfo::parse(&fixture(&format!("viewer/info/{STORIES}/default.json")), "x").unwrap();
    assert_eq!(info.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["id", "text"]);
    assert_eq!(info.text_columns(), ["text"]);

    let files: ParquetFiles =
        hub::parse_json(&fixture(&format!("viewer/parquet/{STORIES}.json")), "x").unwrap();
    let train = files.of("default", "train");
    assert_eq!(
        train.iter().map(|f| f.filename.as_str()).collect::<Vec<_>>(),
        ["0000.parquet", "0001.parquet"]
    );
    assert!(train[0].url.starts_with(
        "http://fixtures.test/hub/datasets/gptlab/tiny-stories/resolve/refs%2Fconvert%2Fparquet/"
    ));

    let rows: Rows =
        hub::parse_json(&fixture(&format!("viewer/rows/{STORIES}/default/validation.json")), "x").unwrap();
    assert_eq!(rows.num_rows_total, 30);
    assert!(rows.texts("text")[0].as_deref().unwrap().starts_with("Once upon a time"));
    assert_eq!(rows.texts("id")[0], None, "numbers are not text");

    let tree: Vec<hub::RepoEntry> =
        hub::parse_json(&fixture(&format!("hub/api/datasets/{TEXT_REPO}/tree/main")), "x").unwrap();
    assert_eq!(hub::text_files(&tree).iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), ["input.txt"]);
}

#[test]
fn parquet_fixture_decodes_to_its_text_column() {
    let file = fixture(&format!(
        "hub/datasets/{STORIES}/resolve/refs/convert/parquet/default/validation/0000.parquet"
    ));
    let mut texts = Vec::new();
    for_each_text(file.clone(), "text", |t| {
        texts.push(t.unwrap().to_string());
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(texts.len(), 30);
    assert!(texts.iter().all(|t| t.starts_with("Once upon a time, there was a little ")));

    let not_text = for_each_text(file.clone(), "id", |_| std::ops::ControlFlow::Continue(())).unwrap_err();
    assert_eq!(not_text, ParquetError::NotText { column: "id".into(), kind: "Int64".into() });
    let missing = for_each_text(file, "story", |_| std::ops::ControlFlow::Continue(())).unwrap_err();
    assert!(missing.to_string().contains("columns are: id, text"), "{missing}");
    assert!(matches!(
        for_each_text(b"PAR1 not really".to_vec(), "text", |_| std::ops::ControlFlow::Continue(())),
        Err(ParquetError::Unreadable(_))
    ));
}

#[test]
fn parquet_files_compressed_with_each_codec_the_hub_serves_decode() {
    for codec in ["zstd", "gzip", "lz4", "brotli"] {
        let dataset = format!("gptlab/stories-{codec}");
        let file = fixture(&format!(
            "hub/datasets/{dataset}/resolve/refs/convert/parquet/default/train/0000.parquet"
        ));
        let mut texts = Vec::new();
        for_each_text(file, "text", |t| {
            texts.push(t.unwrap().to_string());
            std::ops::ControlFlow::Continue(())
        })
        .unwrap_or_else(|e| panic!("{codec}: {e}"));
        assert_eq!(texts.len(), 60, "{codec}");
        assert!(texts.iter().all(|t| t.starts_with("Once upon a time")), "{codec}");
    }
}

#[test]
fn a_byte_take_reads_parquet_files_until_it_has_enough() {
    let fetch = Recorded::stories();
    let small = take(&fetch, &viewer_source("train", "text"), Amount::Bytes(2_000)).unwrap();
    let bytes: usize = small.iter().map(|r| r.len() + 1).sum();
    assert!(bytes <= 2_000 && bytes > 1_500, "{bytes} bytes in {} rows", small.len());
    assert!(
        fetch.urls().iter().all(|u| !u.ends_with("0001.parquet")),
        "the first file had enough: {:?}",
        fetch.urls()
    );

    let fetch = Recorded::stories();
    let all = take(&fetch, &viewer_source("train", "text"), Amount::Bytes(10_000_000)).unwrap();
    assert_eq!(all.len(), 240, "both files, every row");
    assert_eq!(all[..small.len()], small[..]);
}

/// A Parquet file of `rows` rows of about a kilobyte of text in row groups of `group_rows`, with
/// `padding` bytes of key-value metadata to make its footer that much larger.
fn large_parquet(rows: usize, group_rows: usize, padding: usize) -> Vec<u8> {
    use ::parquet::arrow::ArrowWriter;
    use ::parquet::file::metadata::KeyValue;
    use ::parquet::file::properties::WriterProperties;
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    use std::sync::Arc;
    let texts = (0..rows).map(|i| {
        format!(
            "row {i}: {}",
            (0..150).map(|w| format!("w{}", (i * 31 + w * 7) % 997)).collect::<Vec<_>>().join(" ")
        )
    });
    let column: ArrayRef = Arc::new(StringArray::from_iter_values(texts));
    let batch = RecordBatch::try_from_iter([("text", column)]).unwrap();
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(group_rows))
        .set_key_value_metadata(Some(vec![KeyValue::new("padding".into(), "x".repeat(padding))]))
        .build();
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    bytes
}

/// A dataset of one Parquet file, served with ranges.
fn one_file_dataset(file: Vec<u8>) -> Recorded {
    let e = endpoints();
    let url = format!("{BASE}/large/0000.parquet");
    let listing = serde_json::json!({"parquet_files": [{"dataset": "gptlab/large", "config": "default", "split": "train",
        "url": url, "filename": "0000.parquet", "size": file.len()}]});
    Recorded { ranges: true, ..Recorded::default() }
        .with(e.parquet_files("gptlab/large"), ok(listing.to_string().into_bytes()))
        .with(url, ok(file))
}

/// The byte ranges of Parquet files the take asked for.
fn parquet_ranges(fetch: &Recorded) -> Vec<std::ops::Range<u64>> {
    fetch
        .requests
        .borrow()
        .iter()
        .filter(|r| r.url.ends_with(".parquet"))
        .filter_map(|r| r.range.clone())
        .collect()
}

#[test]
fn with_ranges_a_take_fetches_the_footer_and_only_the_row_groups_it_needs() {
    let file = large_parquet(2_000, 100, 0);
    let size = file.len() as u64;
    let fetch = one_file_dataset(file.clone());
    let taken = take(&fetch, &column_of("gptlab/large", "train", "text"), Amount::Bytes(50_000)).unwrap();
    assert!(taken[0].starts_with("row 0: ") && taken.len() < 100, "{} rows", taken.len());
    let ranges = parquet_ranges(&fetch);
    assert_eq!(ranges.len(), 2, "the footer, then the first row group's column: {ranges:?}");
    assert_eq!(ranges[0].end, size, "the footer is at the end");
    let fetched: u64 = ranges.iter().map(|r| r.end - r.start).sum();
    assert!(fetched < size / 4, "{fetched} of {size} bytes");

    let mut whole = Vec::new();
    parquet::for_each_text(file, "text", |t| {
        whole.push(t.unwrap().to_string());
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(taken[..], whole[..taken.len()], "the rows the whole file holds, in order");
}

#[test]
fn a_footer_larger_than_the_first_guess_is_fetched_in_a_second_range() {
    let file = large_parquet(300, 100, 200_000);
    let size = file.len() as u64;
    let fetch = one_file_dataset(file);
    let taken = take(&fetch, &column_of("gptlab/large", "train", "text"), Amount::Rows(2_000)).unwrap();
    assert_eq!(taken.len(), 300);
    let ranges = parquet_ranges(&fetch);
    assert!(ranges[1].start < ranges[0].start && ranges[1].end == size, "a longer tail: {ranges:?}");
}

#[test]
fn a_parquet_footer_that_lies_about_its_chunks_is_refused_not_followed() {
    use gptlab::data::parquet::RangedFile;
    let file =
        fixture(&format!("hub/datasets/{STORIES}/resolve/refs/convert/parquet/default/train/0000.parquet"));
    // The same footer, claimed by a file of half the size: its chunks lie outside it.
    let size = file.len() as u64;
    let mut ranged = RangedFile::new(size / 2);
    ranged.add(0, file[size as usize / 2..].to_vec());
    let refused = ranged.next_footer_range().and_then(|_| ranged.chunk_ranges("text"));
    assert!(matches!(refused, Err(ParquetError::Unreadable(_))), "{refused:?}");
}

#[test]
fn a_small_row_take_pages_through_rows() {
    let fetch = Recorded::stories();
    let mut reports = Vec::new();
    let rows = block_on(take::take(
        &fetch,
        &endpoints(),
        &viewer_source("train", "text"),
        Amount::Rows(150),
        &mut |p| reports.push(p),
    ))
    .unwrap();
    assert_eq!(rows.len(), 150);
    assert_eq!(
        fetch.urls(),
        [
            endpoints().rows(STORIES, "default", "train", 0, 100),
            endpoints().rows(STORIES, "default", "train", 100, 50)
        ]
    );
    assert_eq!(reports.last().map(|p: &Progress| p.rows), Some(150));
    // The same rows as the Parquet path gives.
    let from_parquet =
        take(&Recorded::stories(), &viewer_source("train", "text"), Amount::Rows(1500)).unwrap();
    assert_eq!(rows[..], from_parquet[..150]);
}

#[test]
fn a_text_file_take_asks_for_a_range_and_keeps_whole_lines() {
    for ranges in [true, false] {
        let fetch = Recorded::text_repo(ranges);
        let source = Source::TextFile { dataset: TEXT_REPO.into(), path: "input.txt".into() };
        let lines = take(&fetch, &source, Amount::Bytes(1000)).unwrap();
        assert_eq!(fetch.requests.borrow()[0].range, Some(0..1000));
        let full =
            String::from_utf8(fixture(&format!("hub/datasets/{TEXT_REPO}/resolve/main/input.txt"))).unwrap();
        let expected: Vec<&str> = full.lines().collect();
        assert!(!lines.is_empty());
        assert_eq!(lines, expected[..lines.len()], "whole lines from the start (server ranges: {ranges})");
        assert!(lines.iter().map(|l| l.len() + 1).sum::<usize>() <= 1000);
    }
}

#[test]
fn a_prefix_never_splits_a_character() {
    let e = endpoints();
    let text = "naïve 😀 日本語 ".repeat(40); // one line: no newline to cut at
    let fetch = Recorded { ranges: true, ..Default::default() }
        .with(e.raw_file("a/b", "t.txt"), ok(text.clone().into_bytes()));
    let source = Source::TextFile { dataset: "a/b".into(), path: "t.txt".into() };
    for n in 1..40 {
        let Ok(rows) = take(&fetch, &source, Amount::Bytes(n)) else { continue }; // too short to hold any text
        assert!(text.starts_with(&rows[0]), "{n} bytes gave {:?}", rows[0]);
        assert!(!rows[0].contains('\u{FFFD}'));
    }
}

#[test]
fn missing_private_or_gated_datasets_are_explained() {
    let e = endpoints();
    let fetch = Recorded::default().with(
        e.parquet_files("gptlab/missing"),
        status(401, Some("ExternalUnauthenticatedError"), r#"{"error":"The dataset does not exist, or is not accessible without authentication (private or gated). Please check the spelling of the dataset name or retry with authentication."}"#),
    );
    let error =
        take(&fetch, &column_of("gptlab/missing", "train", "text"), Amount::Bytes(10_000)).unwrap_err();
    assert_eq!(error, TakeError::Hub(HubError::NotFound("dataset gptlab/missing".into())));
    assert!(error.to_string().contains("was not found, or it is private or gated"));
    assert_eq!(fetch.requests.borrow().len(), 1, "a refusal is not retried");

    let fetch = Recorded::default();
    let error =
        take(&fetch, &Source::TextFile { dataset: "a/b".into(), path: "nope.txt".into() }, Amount::Bytes(10))
            .unwrap_err();
    assert!(error.to_string().contains("file nope.txt of dataset a/b was not found"), "{error}");
}

#[test]
fn rate_limits_and_server_errors_are_retried_with_backoff() {
    let e = endpoints();
    let url = e.splits("a/b");
    let body =
        br#"{"splits":[{"dataset":"a/b","config":"default","split":"train"}],"pending":[],"failed":[]}"#
            .to_vec();
    let fetch = Recorded::default()
        .with(url.clone(), status(429, None, "Too Many Requests"))
        .then(url.clone(), Err(FetchError::Network("connection reset".into())))
        .with(url.clone(), status(503, None, ""))
        .with(url.clone(), ok(body));
    let splits: Splits = block_on(hub::get_json(&fetch, &url, "dataset a/b")).unwrap();
    assert_eq!(splits.configs(), ["default"]);
    assert_eq!(*fetch.sleeps.borrow(), [500, 1000, 2000]);

    let fetch = Recorded::default().with(url.clone(), status(429, None, ""));
    let error = block_on(hub::get_json::<Splits>(&fetch, &url, "dataset a/b")).unwrap_err();
    assert_eq!(error, HubError::RateLimited { what: "dataset a/b".into(), tries: hub::MAX_TRIES });
    assert!(error.to_string().contains("HTTP 429"));
    assert_eq!(fetch.requests.borrow().len(), hub::MAX_TRIES as usize);

    let fetch = Recorded::default().with(url.clone(), status(500, None, r#"{"error":"Unexpected error."}"#));
    let error = block_on(hub::get_json::<Splits>(&fetch, &url, "dataset a/b")).unwrap_err();
    assert!(error.to_string().contains("HTTP 500"), "{error}");
}

#[test]
fn a_network_failure_half_way_through_a_take_is_reported_after_retries() {
    let e = endpoints();
    let mut fetch = Recorded::stories();
    let listing: ParquetFiles =
        serde_json::from_slice(&fixture(&format!("viewer/parquet/{STORIES}.json"))).unwrap();
    let second = listing.of("default", "train")[1].url.clone();
    fetch
        .routes
        .get_mut()
        .insert(second, VecDeque::from([Err(FetchError::Network("Failed to fetch".into()))]));
    let error = take(&fetch, &viewer_source("train", "text"), Amount::Bytes(10_000_000)).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("file 0001.parquet: the network failed (Failed to fetch), still after 4 tries"),
        "{error}"
    );
    assert!(fetch.urls().contains(&e.parquet_files(STORIES)));
}

#[test]
fn cancelling_stops_at_once() {
    let url = endpoints().splits("a/b");
    let fetch = Recorded::default().then(url.clone(), Err(FetchError::Cancelled));
    assert_eq!(block_on(hub::get_json::<Splits>(&fetch, &url, "x")).unwrap_err(), HubError::Cancelled);
    assert_eq!(fetch.requests.borrow().len(), 1);
}

#[test]
fn columns_that_are_not_text_and_empty_takes_are_refused() {
    let error = take(&Recorded::stories(), &viewer_source("train", "id"), Amount::Bytes(1000)).unwrap_err();
    assert!(error.to_string().contains("the column “id” holds Int64, not text"), "{error}");
    let error = take(&Recorded::stories(), &viewer_source("train", "id"), Amount::Rows(10)).unwrap_err();
    assert!(error.to_string().contains("not text"), "{error}");

    let e = endpoints();
    let fetch = Recorded::default().with(e.raw_file("a/b", "empty.txt"), ok(b"\n\n  \n".to_vec()));
    let error = take(
        &fetch,
        &Source::TextFile { dataset: "a/b".into(), path: "empty.txt".into() },
        Amount::Bytes(100),
    )
    .unwrap_err();
    assert_eq!(error, TakeError::Empty("a/b/empty.txt".into()));

    let fetch = Recorded::default().with(
        e.parquet_files("a/b"),
        ok(br#"{"parquet_files":[],"pending":[],"failed":[],"partial":false}"#.to_vec()),
    );
    let source = column_of("a/b", "train", "text");
    assert!(matches!(take(&fetch, &source, Amount::Bytes(100)), Err(TakeError::NoParquet(_))));
}

#[test]
fn a_corpus_validates_on_the_datasets_validation_split() {
    let fetch = Recorded::stories();
    let corpus = block_on(take::corpus(
        &fetch,
        &endpoints(),
        &viewer_source("train", "text"),
        Some("validation"),
        Amount::Bytes(20_000),
        &mut |_| {},
    ))
    .unwrap();
    let validation_rows =
        take(&Recorded::stories(), &viewer_source("validation", "text"), Amount::Bytes(2_000)).unwrap();
    assert_eq!(corpus.validation, validation_rows.iter().map(|r| format!("{r}\n")).collect::<String>());
    assert!(corpus.train.len() > 15_000 && corpus.train.len() <= 20_000);
    assert_eq!(corpus.prompts.inputs.len(), 3);
    assert!(corpus.prompts.inputs.iter().all(|p| p == "Once upon a"));
}

#[test]
fn without_a_validation_split_the_last_tenth_is_held_out_at_a_line_break() {
    let rows: Vec<String> = (0..100).map(|i| format!("line number {i} of the text")).collect();
    let corpus = Corpus::from_rows("x".into(), &rows, None);
    assert_eq!(
        corpus.train.clone() + &corpus.validation,
        rows.iter().map(|r| format!("{r}\n")).collect::<String>()
    );
    assert!(corpus.train.ends_with('\n'));
    let share = corpus.validation.len() as f64 / (corpus.train.len() + corpus.validation.len()) as f64;
    assert!((0.05..0.15).contains(&share), "{share}");
    let prompt = &corpus.prompts.inputs[0];
    assert!(
        prompt.starts_with("line number 9") && corpus.validation.starts_with(prompt.as_str()),
        "{prompt}"
    );

    // One long row (a whole book in one cell) is cut too, on a character boundary.
    let corpus = Corpus::from_text("book".into(), &"日本語のテキスト".repeat(50));
    assert!(!corpus.validation.is_empty() && !corpus.train.is_empty());
}

#[test]
fn browsing_lists_the_viewers_splits_and_the_repositorys_text_files() {
    let e = endpoints();
    let listing = block_on(hub::browse(&Recorded::stories(), &e, STORIES)).unwrap();
    assert_eq!(listing.splits.unwrap().configs(), ["default"]);
    assert!(listing.text_files.is_empty(), "its tree is not listed: no text files");

    let listing = block_on(hub::browse(&Recorded::text_repo(true), &e, TEXT_REPO)).unwrap();
    assert_eq!(listing.splits, None, "the viewer does not know it");
    assert_eq!(listing.text_files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), ["input.txt"]);

    let missing =
        status(401, Some("ExternalUnauthenticatedError"), r#"{"error":"The dataset does not exist"}"#);
    let fetch = Recorded::default()
        .with(e.splits("a/missing"), missing)
        .with(e.repo_files("a/missing"), status(401, Some("RepoNotFound"), "{}"));
    let error = block_on(hub::browse(&fetch, &e, "a/missing")).unwrap_err();
    assert_eq!(error, HubError::NotFound("dataset a/missing".into()));
}

#[test]
fn a_config_without_text_columns_names_the_ones_it_has() {
    let e = endpoints();
    let info = br#"{"dataset_info":{"features":{"image":{"_type":"Image"},"label":{"dtype":"int64","_type":"ClassLabel"}}},"partial":false}"#;
    let fetch = Recorded::default().with(e.info("a/b", "default"), ok(info.to_vec()));
    let error = block_on(hub::text_columns(&fetch, &e, "a/b", "default")).unwrap_err();
    assert!(
        error.to_string().contains("no text column to train on (its columns: image (Image), label (int64))"),
        "{error}"
    );
    let fetch = Recorded::stories();
    assert_eq!(block_on(hub::text_columns(&fetch, &e, STORIES, "default")).unwrap(), ["text"]);
}

#[test]
fn the_fixture_stories_support_a_bpe_of_512() {
    let corpus = block_on(take::corpus(
        &Recorded::stories(),
        &endpoints(),
        &viewer_source("train", "text"),
        None,
        Amount::Bytes(30_000),
        &mut |_| {},
    ))
    .unwrap();
    let bpe = gptlab::tokenize::Tokenizer::train_bpe(&corpus.train, 512).unwrap();
    assert_eq!(bpe.vocab_size(), 512);
}
