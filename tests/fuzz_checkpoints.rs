//! Untrusted checkpoint files, generated: random bytes and bit flips, and mutations that know the
//! format (the JSON metadata, the tensor table, a Hub GPT-2's three files). No input may make
//! loading panic or allocate past what the page allows; every file that loads is sampled.
//!
//! `GPTLAB_FUZZ_INPUTS=1000000 cargo test --release --test fuzz_checkpoints -- --nocapture` runs
//! the long version (BENCHMARKS.md has its figure).
//!
//! A test binary of its own: it counts the largest allocation, which other tests would inflate.

use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::prelude::*;
use gptlab::checkpoint::{self, CheckpointInfo, HfGpt2, TrainingState};
use gptlab::model::{Gpt, GptConfig};
use gptlab::sample::{SampleConfig, generate};
use gptlab::tokenize::Tokenizer;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

/// The system allocator, noting the largest single allocation.
struct Counting;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded as it came.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as it came.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: forwarded as it came.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// No input here is larger than a megabyte: an allocation past this was asked for by a lying
/// header, not by the file's contents.
const MAX_ALLOCATION: usize = 64 << 20;

fn config() -> GptConfig {
    GptConfig::new(256).with_n_layer(2).with_n_head(2).with_n_embd(32).with_block_size(16)
}

fn valid_checkpoint() -> Vec<u8> {
    let device = Device::flex();
    device.seed(1);
    let training = TrainingState {
        step: 3,
        recent_losses: vec![5.0, 4.5],
        validation_loss: Some(4.4),
        dataset: "arithmetic".into(),
        seed: 1,
        prompts: Some(gptlab::data::arithmetic::corpus(1, 1).prompts),
        ..Default::default()
    };
    let info = CheckpointInfo { model: config(), tokenizer: Tokenizer::Bytes, training };
    pollster::block_on(checkpoint::save(&Gpt::new(&config(), &device), &info)).unwrap()
}

fn gpt2_fixture() -> HfGpt2 {
    let read =
        |path: &str| std::fs::read(format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    HfGpt2 {
        model_safetensors: read("gpt2/model.safetensors"),
        config_json: String::from_utf8(read("gpt2/config.json")).unwrap(),
        tokenizer_json: String::from_utf8(read("tokenizer-gpt2-style.json")).unwrap(),
    }
}

/// A safetensors file's header as JSON, and its data.
fn split(file: &[u8]) -> (Value, &[u8]) {
    let length = u64::from_le_bytes(file[..8].try_into().unwrap()) as usize;
    (serde_json::from_slice(&file[8..8 + length]).unwrap(), &file[8 + length..])
}

fn join(header: &Value, data: &[u8]) -> Vec<u8> {
    let json = header.to_string();
    let mut file = (json.len() as u64).to_le_bytes().to_vec();
    file.extend(json.as_bytes());
    file.extend(data);
    file
}

/// A value that breaks whatever expects a small positive number.
fn odd_value(rng: &mut StdRng) -> Value {
    let pool = [
        json!(0),
        json!(1),
        json!(2),
        json!(3),
        json!(7),
        json!(16),
        json!(1 << 20),
        json!(1u64 << 40),
        json!(u64::MAX),
        json!(-1),
        json!(0.5),
        json!(1e300),
        json!("x"),
        json!(null),
        json!([]),
        json!({}),
    ];
    pool.choose(rng).unwrap().clone()
}

fn odd_text(rng: &mut StdRng) -> String {
    let length = *[0, 1, 5, 100, 2_000].choose(rng).unwrap();
    (0..length).map(|_| *['a', ' ', '\n', 'é', '😀', '\u{0}', '"'].choose(rng).unwrap()).collect()
}

/// Sets, replaces or removes a random key of `object`.
fn mutate_object(object: &mut Value, keys: &[&str], rng: &mut StdRng) {
    let key = *keys.choose(rng).unwrap();
    match rng.random_range(0..3) {
        0 => {
            object.as_object_mut().map(|o| o.remove(key));
        }
        1 => object[key] = odd_value(rng),
        _ => object[key] = json!(odd_text(rng)),
    }
}

/// A metadata entry (a JSON string holding JSON) rewritten by `change`.
fn mutate_json_entry(metadata: &mut Value, key: &str, change: impl FnOnce(&mut Value)) {
    let mut value: Value =
        metadata[key].as_str().and_then(|s| serde_json::from_str(s).ok()).unwrap_or(json!({}));
    change(&mut value);
    metadata[key] = json!(value.to_string());
}

/// A tokenizer JSON: the byte tokenizer with some ids moved, or not a tokenizer at all.
fn odd_tokenizer(rng: &mut StdRng) -> Value {
    match rng.random_range(0..4) {
        0 => json!({"kind": "bytes"}),
        1 => json!({"kind": odd_text(rng)}),
        2 => json!({"kind": "hugging_face", "source": "x", "tokenizer": odd_value(rng)}),
        _ => {
            let mut hf: Value = serde_json::from_str(&Tokenizer::Bytes.to_hf_json().unwrap()).unwrap();
            for _ in 0..rng.random_range(1..4) {
                let token = ["!", "a", "Ġ", "Ā"].choose(rng).unwrap().to_string();
                hf["model"]["vocab"][token] =
                    json!([0, 255, 256, 900, 70_000, u32::MAX as u64].choose(rng).unwrap());
            }
            json!({"kind": "hugging_face", "source": "fuzz", "tokenizer": hf})
        }
    }
}

fn mutate_training(training: &mut Value, rng: &mut StdRng) {
    match rng.random_range(0..4) {
        0 => {
            let count = *[0, 1, 3, 16, 17, 40].choose(rng).unwrap();
            let inputs: Vec<String> = (0..count).map(|_| odd_text(rng)).collect();
            training["prompts"] = json!({"inputs": inputs, "stop_at_newline": rng.random::<bool>()});
        }
        1 => {
            let points = *[0, 1, 1000].choose(rng).unwrap();
            let curve: Vec<Value> = (0..points).map(|_| json!([odd_value(rng), odd_value(rng)])).collect();
            training["history"] = json!({"train": curve, "validation": []});
        }
        2 => mutate_object(
            &mut training["config"],
            &["batch_size", "max_steps", "learning_rate", "eval_interval", "seed"],
            rng,
        ),
        _ => mutate_object(
            training,
            &["step", "recent_losses", "validation_loss", "dataset", "seed", "prompts"],
            rng,
        ),
    }
}

/// Deletes, renames, retypes, reshapes or moves a random tensor of the table.
fn mutate_tensor_table(header: &mut Value, rng: &mut StdRng) {
    let names: Vec<String> =
        header.as_object().unwrap().keys().filter(|k| *k != "__metadata__").cloned().collect();
    let name = names.choose(rng).unwrap().clone();
    let tensor = &mut header[&name];
    match rng.random_range(0..5) {
        0 => {
            header.as_object_mut().unwrap().remove(&name);
        }
        1 => {
            let entry = header.as_object_mut().unwrap().remove(&name).unwrap();
            header[format!("{name}.x")] = entry;
        }
        2 => tensor["dtype"] = json!(["F16", "BF16", "I32", "U8", "F64", "Q4"].choose(rng).unwrap()),
        3 => {
            let dims = rng.random_range(0..4);
            tensor["shape"] = json!((0..dims).map(|_| odd_value(rng)).collect::<Vec<_>>());
        }
        _ => tensor["data_offsets"] = json!([odd_value(rng), odd_value(rng)]),
    }
}

/// One structure-aware mutation of a gptlab checkpoint.
fn mutated_checkpoint(valid: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let (mut header, data) = split(valid);
    let metadata = &mut header["__metadata__"];
    match rng.random_range(0..5) {
        0 => mutate_json_entry(metadata, "gptlab.model", |m| {
            mutate_object(m, &["vocab_size", "n_layer", "n_head", "n_embd", "block_size", "dropout"], rng)
        }),
        1 => metadata["gptlab.tokenizer"] = json!(odd_tokenizer(rng).to_string()),
        2 => mutate_json_entry(metadata, "gptlab.training", |t| mutate_training(t, rng)),
        3 => metadata["gptlab.format_version"] = json!(odd_value(rng).to_string()),
        _ => mutate_tensor_table(&mut header, rng),
    }
    join(&header, data)
}

/// One mutation of a Hub GPT-2's files: its config, its tokenizer or its weights' tensor table.
fn mutated_gpt2(valid: &HfGpt2, rng: &mut StdRng) -> HfGpt2 {
    let mut files = valid.clone();
    match rng.random_range(0..3) {
        0 => {
            let mut config: Value = serde_json::from_str(&files.config_json).unwrap();
            let keys =
                ["vocab_size", "n_positions", "n_embd", "n_layer", "n_head", "n_inner", "layer_norm_epsilon"];
            mutate_object(&mut config, &keys, rng);
            files.config_json = config.to_string();
        }
        1 => {
            let mut tokenizer: Value = serde_json::from_str(&files.tokenizer_json).unwrap();
            let id = json!([0, 260, 261, 5000, u32::MAX as u64].choose(rng).unwrap());
            tokenizer["model"]["vocab"]["a"] = id;
            files.tokenizer_json = tokenizer.to_string();
        }
        _ => {
            let (mut header, data) = split(&valid.model_safetensors);
            mutate_tensor_table(&mut header, rng);
            files.model_safetensors = join(&header, data);
        }
    }
    files
}

/// Random bytes, bit flips in the header, a truncation, or a random header length.
fn mangled_bytes(valid: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let header_end = 8 + u64::from_le_bytes(valid[..8].try_into().unwrap()) as usize;
    let mut bytes = valid.to_vec();
    match rng.random_range(0..4) {
        0 => bytes = (0..rng.random_range(0..600)).map(|_| rng.random()).collect(),
        1 => {
            for _ in 0..rng.random_range(1..8) {
                let at = rng.random_range(0..header_end);
                bytes[at] ^= 1 << rng.random_range(0..8);
            }
        }
        2 => bytes.truncate(rng.random_range(0..valid.len())),
        _ => {
            let length = match rng.random_range(0..3) {
                0 => rng.random::<u64>(),
                1 => rng.random_range(0..valid.len() as u64 * 2),
                _ => (header_end as u64 - 8).wrapping_add(rng.random_range(0..16)).wrapping_sub(8),
            };
            bytes[..8].copy_from_slice(&length.to_le_bytes());
        }
    }
    bytes
}

/// Samples a loaded model a few tokens for each of its prompts, as the page does on load.
fn sample(model: &Gpt, info: &CheckpointInfo) {
    let config = SampleConfig { max_new_tokens: 2, ..Default::default() };
    let prompts = info.training.prompts.as_ref().map_or(vec!["two".to_string()], |p| p.inputs.clone());
    for prompt in prompts {
        if let Ok(ids) = info.tokenizer.encode(&prompt) {
            let _ = pollster::block_on(generate(model, &ids, &config));
        }
    }
}

#[test]
fn no_input_makes_loading_or_sampling_panic_or_allocate_past_the_caps() {
    let total: usize =
        std::env::var("GPTLAB_FUZZ_INPUTS").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let (valid, gpt2) = (valid_checkpoint(), gpt2_fixture());
    let device = Device::flex();
    let mut rng = StdRng::seed_from_u64(20261205);
    let mut loaded = [0usize; 3];
    LARGEST.store(0, Ordering::Relaxed);
    for i in 0..total {
        let kind = i % 3;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let survivor = match kind {
                0 => checkpoint::load(&mangled_bytes(&valid, &mut rng), &device).ok(),
                1 => {
                    let file = mutated_checkpoint(&valid, &mut rng);
                    let _ = checkpoint::load_moments(&file, &device);
                    checkpoint::load(&file, &device).ok()
                }
                _ => checkpoint::import_gpt2(&mutated_gpt2(&gpt2, &mut rng), "fuzz/gpt2", &device).ok(),
            };
            if let Some((model, info)) = &survivor {
                sample(model, info);
            }
            survivor.is_some()
        }));
        match outcome {
            Ok(survived) => loaded[kind] += survived as usize,
            Err(_) => panic!("input {i} (kind {kind}) made loading or sampling panic"),
        }
        let largest = LARGEST.load(Ordering::Relaxed);
        assert!(largest <= MAX_ALLOCATION, "input {i} (kind {kind}) allocated {largest} bytes at once");
    }
    println!(
        "checkpoint fuzz: {total} inputs (mangled bytes, mutated metadata and tensor tables, mutated Hub \
         GPT-2 files), no panic, largest allocation {} bytes; {} / {} / {} of each kind loaded and were sampled",
        LARGEST.load(Ordering::Relaxed),
        loaded[0],
        loaded[1],
        loaded[2]
    );
    assert!(loaded.iter().all(|&n| n < total / 3), "most mutations must be refused");
    assert!(
        loaded[1] > 0 && loaded[2] > 0,
        "some mutations leave a usable file: the mutators reach past the parser"
    );
}
