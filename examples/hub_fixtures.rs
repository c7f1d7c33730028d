//! Writes `tests/fixtures/hf`: a small copy of the Hugging Face Hub and dataset viewer, laid out
//! the way `tests/e2e/hub-server.js` serves it and with the same JSON shapes as the real hosts.
//!
//! `cargo run --example hub_fixtures` (the files are committed; rerun after changing this).
//!
//! - `hub/…` is served by path: `hub/datasets/{id}/resolve/main/{file}`, `hub/api/…`.
//! - `viewer/{endpoint}/{dataset}[/{config}[/{split}]].json` answers `/{endpoint}?dataset=…`;
//!   `rows` files hold every row and the server slices them by `offset` and `length`.
//! - `{hub}` in a file stands for the hub's base URL, filled in when served.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

const ROOT: &str = "tests/fixtures/hf";
const STORIES: &str = "gptlab/tiny-stories";
const TEXT_REPO: &str = "gptlab/little-text";
/// The datasets the page suggests, under their real ids (the real ones are far larger).
const TINY_STORIES: &str = "roneneldan/TinyStories";
const TINY_SHAKESPEARE: &str = "karpathy/tiny_shakespeare";

fn main() {
    let _ = fs::remove_dir_all(ROOT);
    let train = stories(1, 240);
    let validation = stories(2, 30);
    write_viewer_dataset(STORIES, Compression::SNAPPY, &[("train", &train), ("validation", &validation)]);
    // The codecs uploaders' own Parquet files use, which the Hub serves as they are.
    for (name, codec) in [
        ("zstd", Compression::ZSTD(Default::default())),
        ("gzip", Compression::GZIP(Default::default())),
        ("lz4", Compression::LZ4_RAW),
        ("brotli", Compression::BROTLI(Default::default())),
    ] {
        write_viewer_dataset(&format!("gptlab/stories-{name}"), codec, &[("train", &stories(4, 60))]);
    }
    write_text_repo(&stories(3, 200).join("\n"));
    write_viewer_dataset(
        TINY_STORIES,
        Compression::SNAPPY,
        &[("train", &stories(5, 240)), ("validation", &stories(6, 30))],
    );
    // As on the Hub: each split of tiny_shakespeare is one row holding the whole text.
    let plays = shakespeare();
    let split = |range: std::ops::Range<usize>| vec![plays[range].join("\n")];
    let n = plays.len();
    write_viewer_dataset(
        TINY_SHAKESPEARE,
        Compression::SNAPPY,
        &[("train", &split(0..n - 8)), ("validation", &split(n - 8..n - 4)), ("test", &split(n - 4..n))],
    );
    write_tokenizers();
    println!("wrote {ROOT}");
}

/// Short stories in the style of TinyStories, one per row, the same for the same seed; varied
/// enough (names, things, numbers) for a BPE of more than 512 tokens.
fn stories(seed: u64, count: usize) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let names = [
        "Lily", "Tom", "Mia", "Ben", "Sue", "Max", "Anna", "Sam", "Zoe", "Jack", "Ella", "Leo", "Ruby",
        "Finn", "Olive", "Theo", "Daisy", "Oscar", "Hazel", "Felix",
    ];
    let animals = [
        "cat", "dog", "bird", "fox", "frog", "bear", "duck", "fish", "rabbit", "turtle", "squirrel", "mouse",
        "owl", "puppy", "kitten", "dragon", "penguin", "elephant",
    ];
    let places =
        ["park", "forest", "garden", "river", "house", "hill", "beach", "village", "meadow", "kitchen"];
    let things = [
        "a red ball",
        "a big box",
        "a shiny stone",
        "a blue kite",
        "a small boat",
        "a warm hat",
        "a golden key",
        "a funny book",
        "a yellow flower",
        "a wooden spoon",
        "a magic wand",
        "a purple umbrella",
    ];
    let feelings =
        ["happy", "sad", "scared", "proud", "tired", "excited", "curious", "grumpy", "brave", "sleepy"];
    (0..count)
        .map(|_| {
            let name = names.choose(&mut rng).unwrap();
            let animal = animals.choose(&mut rng).unwrap();
            let place = places.choose(&mut rng).unwrap();
            let thing = things.choose(&mut rng).unwrap();
            let feeling = feelings.choose(&mut rng).unwrap();
            let friend = names.choose(&mut rng).unwrap();
            let pebbles = rng.random_range(2..1000);
            let ending = if rng.random_bool(0.5) {
                format!("{name} and {friend} played with {thing} until the sun went down.")
            } else {
                format!("{friend} said thank you, and {name} felt {feeling} all day.")
            };
            format!(
                "Once upon a time, there was a little {animal} named {name}. One day, {name} went to \
                 the {place} and found {thing} and {pebbles} pebbles. {name} was very {feeling}. {ending}"
            )
        })
        .collect()
}

/// Lines in the layout of tiny_shakespeare (speaker, then speech), from the sonnets and plays.
fn shakespeare() -> Vec<String> {
    let speeches = [
        ("First Citizen", "Before we proceed any further, hear me speak."),
        ("All", "Speak, speak."),
        ("First Citizen", "You are all resolved rather to die than to famish?"),
        (
            "HAMLET",
            "To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\nThe slings and arrows of outrageous fortune,",
        ),
        ("JULIET", "What's in a name? That which we call a rose\nBy any other word would smell as sweet."),
        (
            "ROMEO",
            "But, soft! what light through yonder window breaks?\nIt is the east, and Juliet is the sun.",
        ),
        ("MACBETH", "Tomorrow, and tomorrow, and tomorrow,\nCreeps in this petty pace from day to day."),
        ("PORTIA", "The quality of mercy is not strain'd,\nIt droppeth as the gentle rain from heaven."),
        (
            "KING RICHARD III",
            "Now is the winter of our discontent\nMade glorious summer by this sun of York.",
        ),
        (
            "PROSPERO",
            "We are such stuff\nAs dreams are made on, and our little life\nIs rounded with a sleep.",
        ),
        ("JAQUES", "All the world's a stage,\nAnd all the men and women merely players."),
        (
            "MARK ANTONY",
            "Friends, Romans, countrymen, lend me your ears;\nI come to bury Caesar, not to praise him.",
        ),
    ];
    (0..6).flat_map(|_| speeches.iter().map(|(who, what)| format!("{who}:\n{what}\n"))).collect()
}

/// A dataset the viewer knows, with a `default` config of `splits`, each in Parquet files
/// compressed with `compression`.
fn write_viewer_dataset(dataset: &str, compression: Compression, splits: &[(&str, &[String])]) {
    let name = dataset.split('/').next_back().unwrap();
    write_json(
        &format!("viewer/splits/{dataset}.json"),
        &json!({
            "splits": splits.iter().map(|(split, _)| json!({"dataset": dataset, "config": "default", "split": split}))
                .collect::<Vec<_>>(),
            "pending": [],
            "failed": []
        }),
    );
    let features = json!({
        "id": {"dtype": "int64", "_type": "Value"},
        "text": {"dtype": "string", "_type": "Value"},
    });
    let split_sizes: serde_json::Map<String, Value> = splits
        .iter()
        .map(|(split, rows)| {
            let bytes: usize = rows.iter().map(String::len).sum();
            (
                split.to_string(),
                json!({"name": split, "num_bytes": bytes, "num_examples": rows.len(), "dataset_name": name}),
            )
        })
        .collect();
    write_json(
        &format!("viewer/info/{dataset}/default.json"),
        &json!({
            "dataset_info": {
                "description": "", "citation": "", "homepage": "", "license": "",
                "features": features,
                "builder_name": "parquet", "dataset_name": name, "config_name": "default",
                "version": {"version_str": "0.0.0", "major": 0, "minor": 0, "patch": 0},
                "splits": split_sizes,
            },
            "partial": false
        }),
    );

    let mut files = Vec::new();
    for &(split, rows) in splits {
        // A large train split comes in two files, as large splits do, to exercise reading
        // across files.
        let shards: Vec<&[String]> = if split == "train" && rows.len() > 100 {
            rows.chunks(rows.len() / 2).collect()
        } else {
            vec![rows]
        };
        let mut first_id = 0;
        for (n, shard) in shards.iter().enumerate() {
            let filename = format!("{n:04}.parquet");
            let path =
                format!("hub/datasets/{dataset}/resolve/refs/convert/parquet/default/{split}/{filename}");
            let size = write_parquet(&path, shard, first_id, compression);
            first_id += shard.len() as i64;
            files.push(json!({
                "dataset": dataset, "config": "default", "split": split,
                "url": format!("{{hub}}/datasets/{dataset}/resolve/refs%2Fconvert%2Fparquet/default/{split}/{filename}"),
                "filename": filename, "size": size
            }));
        }
        write_rows(dataset, split, rows);
    }
    write_json(
        &format!("viewer/parquet/{dataset}.json"),
        &json!({"parquet_files": files, "pending": [], "failed": [], "partial": false}),
    );
}

/// `/rows` as the viewer answers it, with every row; the server slices.
fn write_rows(dataset: &str, split: &str, rows: &[String]) {
    let features = json!([
        {"feature_idx": 0, "name": "id", "type": {"dtype": "int64", "_type": "Value"}},
        {"feature_idx": 1, "name": "text", "type": {"dtype": "string", "_type": "Value"}},
    ]);
    let rows: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, text)| json!({"row_idx": i, "row": {"id": i, "text": text}, "truncated_cells": []}))
        .collect();
    write_json(
        &format!("viewer/rows/{dataset}/default/{split}.json"),
        &json!({"features": features, "rows": rows, "num_rows_total": rows.len(), "num_rows_per_page": 100, "partial": false}),
    );
}

/// A Parquet file with an `id` and a `text` column; returns its size.
fn write_parquet(path: &str, rows: &[String], first_id: i64, compression: Compression) -> u64 {
    let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(first_id..first_id + rows.len() as i64));
    let texts: ArrayRef = Arc::new(StringArray::from_iter_values(rows));
    let batch = RecordBatch::try_from_iter([("id", ids), ("text", texts)]).unwrap();
    // Small row groups, as in big files, so a reader meets more than one.
    let properties = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(50))
        .build();
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    write(path, &bytes);
    bytes.len() as u64
}

fn write_text_repo(text: &str) {
    write(&format!("hub/datasets/{TEXT_REPO}/resolve/main/input.txt"), text.as_bytes());
    write(
        &format!("hub/datasets/{TEXT_REPO}/resolve/main/README.md"),
        b"# little-text\n\nStories, one per line.\n",
    );
    let entry = |path: &str, size: usize| json!({"type": "file", "oid": "0", "size": size, "path": path});
    write_json(
        &format!("hub/api/datasets/{TEXT_REPO}/tree/main"),
        &json!([entry(".gitattributes", 2460), entry("README.md", 38), entry("input.txt", text.len())]),
    );
    // The viewer would offer this repository too; it has no configs the page needs here.
}

/// Models with a `tokenizer.json`: a small GPT-2 (weights and config from
/// `tests/python/gpt2_reference.py make-fixture tests/fixtures/gpt2`) with a GPT-2 style
/// tokenizer, and one whose tokenizer does not parse.
fn write_tokenizers() {
    let gpt2_style = fs::read("tests/fixtures/tokenizer-gpt2-style.json").unwrap();
    write("hub/gptlab/tiny-gpt2/resolve/main/tokenizer.json", &gpt2_style);
    let weights = fs::read("tests/fixtures/gpt2/model.safetensors").unwrap();
    let config = fs::read_to_string("tests/fixtures/gpt2/config.json").unwrap();
    write("hub/gptlab/tiny-gpt2/resolve/main/model.safetensors", &weights);
    write("hub/gptlab/tiny-gpt2/resolve/main/config.json", config.as_bytes());
    // The same files with an activation gptlab's blocks do not have.
    let mut relu: Value = serde_json::from_str(&config).unwrap();
    relu["activation_function"] = json!("relu");
    write("hub/gptlab/tiny-relu/resolve/main/model.safetensors", &weights);
    write_json("hub/gptlab/tiny-relu/resolve/main/config.json", &relu);
    write("hub/gptlab/tiny-relu/resolve/main/tokenizer.json", &gpt2_style);
    write("hub/gptlab/garbled/resolve/main/tokenizer.json", b"{\"version\": \"1.0\", \"model\": ");
}

fn write_json(path: &str, value: &Value) {
    write(path, serde_json::to_string_pretty(value).unwrap().as_bytes());
}

fn write(path: &str, bytes: &[u8]) {
    let path = Path::new(ROOT).join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}
