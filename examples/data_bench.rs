//! Data preparation benchmark, native: BPE training on 5 MB of text, and preparing a corpus from a
//! Parquet file and from a text file (decoding, cutting, splitting; the download is not timed).
//!
//! `cargo run --release --example data_bench -- <command>`:
//! - `prepare [runs]`: Parquet and text preparation throughput, median of `runs` (default 3);
//! - `write-text FILE [MB]`: writes the BPE text, 5 MB unless MB says otherwise;
//! - `bpe FILE`: trains a 4096-token BPE on FILE once and prints the seconds it took.
//!
//! `tests/e2e/data-bench.js` runs the `bpe` command interleaved with the same training in the page.

use std::time::Instant;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use gptlab::data::fetch::{Fetch, FetchError, OnProgress, Request, Response};
use gptlab::data::hub::Endpoints;
use gptlab::data::take::{self, Amount, Source, SplitColumn};
use gptlab::tokenize::Tokenizer;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const BPE_TEXT_BYTES: usize = 5_000_000;
const BPE_VOCAB: usize = 4096;
const TAKE_BYTES: usize = 20_000_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match (args.first().map(String::as_str), args.get(1)) {
        (Some("write-text"), Some(file)) => {
            let megabytes = args.get(2).and_then(|mb| mb.parse::<f64>().ok());
            let bytes = megabytes.map_or(BPE_TEXT_BYTES, |mb| (mb * 1e6) as usize);
            std::fs::write(file, varied_text(bytes, 1)).unwrap()
        }
        (Some("bpe"), Some(file)) => {
            let text = std::fs::read_to_string(file).unwrap();
            let started = Instant::now();
            let bpe = Tokenizer::train_bpe(&text, BPE_VOCAB).unwrap();
            assert_eq!(bpe.vocab_size(), BPE_VOCAB);
            println!("{:.3}", started.elapsed().as_secs_f64());
        }
        (Some("prepare"), runs) => prepare(runs.and_then(|r| r.parse().ok()).unwrap_or(3)),
        _ => eprintln!("usage: data_bench prepare [runs] | write-text FILE [MB] | bpe FILE"),
    }
}

fn prepare(runs: usize) {
    let big = varied_text(TAKE_BYTES, 2);
    let rows: Vec<&str> = big.lines().collect();
    let fetch = Memory::new(&rows);
    let parquet = Source::Viewer(SplitColumn {
        dataset: "bench/data".into(),
        config: "default".into(),
        split: "train".into(),
        column: "text".into(),
    });
    let text = Source::TextFile { dataset: "bench/data".into(), path: "input.txt".into() };
    for (name, source) in [("parquet", parquet), ("text", text)] {
        let seconds = median(runs, || {
            let started = Instant::now();
            let amount = Amount::Bytes(TAKE_BYTES as u64);
            let corpus = pollster::block_on(take::corpus(
                &fetch,
                &fetch.endpoints,
                &source,
                None,
                amount,
                &mut |_| {},
            ))
            .unwrap();
            assert!(corpus.train.len() + corpus.validation.len() > TAKE_BYTES * 9 / 10);
            started.elapsed().as_secs_f64()
        });
        let megabytes = TAKE_BYTES as f64 / 1e6;
        println!(
            "native {name} preparation, {megabytes:.0} MB of text: {seconds:.3} s, {:.0} MB/s (median of {runs})",
            megabytes / seconds
        );
    }
}

/// Serves one dataset from memory: a Parquet conversion of `rows` and the same rows as a text file.
struct Memory {
    endpoints: Endpoints,
    parquet_listing: Vec<u8>,
    parquet: Vec<u8>,
    text: Vec<u8>,
}

impl Memory {
    fn new(rows: &[&str]) -> Self {
        let endpoints = Endpoints { hub: "http://memory/hub".into(), viewer: "http://memory/viewer".into() };
        let parquet = parquet_file(rows);
        let url = format!(
            "{}/datasets/bench/data/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet",
            endpoints.hub
        );
        let parquet_listing =
            serde_json::json!({"parquet_files": [{"dataset": "bench/data", "config": "default",
            "split": "train", "url": url, "filename": "0000.parquet", "size": parquet.len()}]})
            .to_string()
            .into_bytes();
        Self { endpoints, parquet_listing, parquet, text: rows.join("\n").into_bytes() }
    }
}

impl Fetch for Memory {
    async fn get(&self, request: &Request, _: OnProgress<'_>) -> Result<Response, FetchError> {
        let body = if request.url == self.endpoints.parquet_files("bench/data") {
            &self.parquet_listing
        } else if request.url.ends_with(".parquet") {
            &self.parquet
        } else {
            &self.text
        };
        Ok(Response::new(200, body.clone()))
    }

    async fn sleep(&self, _: u32) {}
}

fn parquet_file(rows: &[&str]) -> Vec<u8> {
    let texts: ArrayRef = std::sync::Arc::new(StringArray::from_iter_values(rows));
    let batch = RecordBatch::try_from_iter([("text", texts)]).unwrap();
    let properties = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    bytes
}

/// Sentences of made-up words (a vocabulary of thousands, Zipf-like use), a line each: text with
/// the statistics BPE meets in natural language, the same for the same seed.
pub fn varied_text(bytes: usize, seed: u64) -> String {
    const SYLLABLES: [&str; 24] = [
        "ka", "lo", "mi", "ne", "ru", "sha", "ti", "po", "an", "el", "or", "us", "in", "be", "da", "fo",
        "gu", "he", "ja", "ku", "ma", "no", "pe", "ri",
    ];
    let mut rng = StdRng::seed_from_u64(seed);
    let words: Vec<String> = (0..5000)
        .map(|_| {
            (0..rng.random_range(1..4)).map(|_| SYLLABLES[rng.random_range(0..SYLLABLES.len())]).collect()
        })
        .collect();
    let mut text = String::with_capacity(bytes + 200);
    while text.len() < bytes {
        let length = rng.random_range(5..16);
        for i in 0..length {
            // Squaring a uniform draw favours the first words, as natural text favours common ones.
            let word = &words[(rng.random::<f64>().powi(2) * words.len() as f64) as usize];
            text.push_str(if i == 0 { "" } else { " " });
            text.push_str(word);
        }
        text.push_str(".\n");
    }
    text
}

fn median(runs: usize, mut run: impl FnMut() -> f64) -> f64 {
    let mut times: Vec<f64> = (0..runs.max(1)).map(|_| run()).collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
