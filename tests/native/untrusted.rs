//! Loading untrusted checkpoint files: random and mutated inputs never make the parser panic
//! or allocate what the file cannot back.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use burn::prelude::*;
use gptlab::checkpoint::{self, CheckpointInfo, TrainingState};
use gptlab::model::Gpt;
use gptlab::tokenize::Tokenizer;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use safetensors::SafeTensors;

use super::small_config;

fn valid_file() -> Vec<u8> {
    let device = Device::flex();
    device.seed(1);
    let model = Gpt::new(&small_config(), &device);
    let info = CheckpointInfo {
        model: small_config(),
        tokenizer: Tokenizer::Bytes,
        training: TrainingState::default(),
    };
    pollster::block_on(checkpoint::save(&model, &info)).unwrap()
}

/// The valid file with its model config's sizes replaced by `sizes`, tensors unchanged.
fn with_sizes(valid: &[u8], sizes: [usize; 4]) -> Vec<u8> {
    let file = SafeTensors::deserialize(valid).unwrap();
    let (_, header) = SafeTensors::read_metadata(valid).unwrap();
    let mut metadata: HashMap<String, String> = header.metadata().clone().unwrap();
    let mut model: serde_json::Value = serde_json::from_str(&metadata["gptlab.model"]).unwrap();
    for (key, size) in ["vocab_size", "block_size", "n_layer", "n_embd"].iter().zip(sizes) {
        model[*key] = serde_json::json!(size);
    }
    metadata.insert("gptlab.model".into(), model.to_string());
    safetensors::serialize(file.tensors(), Some(metadata)).unwrap()
}

/// One input of the `i`-th kind: random bytes, bit flips in the header, truncation, a random
/// header length, or absurd model sizes.
fn input(i: usize, valid: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let header_end = 8 + u64::from_le_bytes(valid[..8].try_into().unwrap()) as usize;
    match i % 5 {
        0 => (0..rng.random_range(0..600)).map(|_| rng.random()).collect(),
        1 => {
            let mut bytes = valid.to_vec();
            for _ in 0..rng.random_range(1..8) {
                let at = rng.random_range(0..header_end);
                bytes[at] ^= 1 << rng.random_range(0..8);
            }
            bytes
        }
        2 => valid[..rng.random_range(0..valid.len())].to_vec(),
        3 => {
            let mut bytes = valid.to_vec();
            let length = match rng.random_range(0..3) {
                0 => rng.random::<u64>(),
                1 => rng.random_range(0..valid.len() as u64 * 2),
                _ => (header_end as u64 - 8).wrapping_add(rng.random_range(0..16)).wrapping_sub(8),
            };
            bytes[..8].copy_from_slice(&length.to_le_bytes());
            bytes
        }
        _ => {
            let pick =
                |rng: &mut StdRng| [0, 1, 3, 16, 64, 1 << 20, 1 << 40, usize::MAX][rng.random_range(0..8)];
            with_sizes(valid, [pick(rng), pick(rng), pick(rng), pick(rng)])
        }
    }
}

#[test]
fn no_random_or_mutated_file_makes_loading_panic() {
    let total: usize =
        std::env::var("GPTLAB_FUZZ_INPUTS").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let valid = valid_file();
    let device = Device::flex();
    let mut rng = StdRng::seed_from_u64(20261202);
    let mut loaded = 0;
    for i in 0..total {
        let bytes = input(i, &valid, &mut rng);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let _ = checkpoint::read_info(&bytes);
            let _ = checkpoint::load_moments(&bytes, &device);
            checkpoint::load(&bytes, &device).is_ok()
        }));
        match outcome {
            Ok(ok) => loaded += ok as usize,
            Err(_) => panic!("input {i} ({} bytes) made loading panic", bytes.len()),
        }
    }
    println!("checkpoint parser: {total} random and mutated files, no panic ({loaded} of them still loaded)");
    assert!(loaded < total / 2, "most mutations must be refused");
}

#[test]
fn a_config_larger_than_the_file_is_refused_before_anything_is_allocated() {
    let valid = valid_file();
    let huge = with_sizes(&valid, [256, 16, 2, 1 << 20]); // a trillion parameters in a small file
    let error = checkpoint::load(&huge, &Device::flex()).expect_err("refused").to_string();
    assert!(error.contains("parameters") && error.contains("the file is only"), "{error}");
    let overflowing = with_sizes(&valid, [usize::MAX, usize::MAX, usize::MAX, usize::MAX]);
    assert!(checkpoint::load(&overflowing, &Device::flex()).is_err());
}

/// The valid file with its training record rewritten by `change`.
fn with_training(valid: &[u8], change: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let file = SafeTensors::deserialize(valid).unwrap();
    let (_, header) = SafeTensors::read_metadata(valid).unwrap();
    let mut metadata: HashMap<String, String> = header.metadata().clone().unwrap();
    let mut training: serde_json::Value = serde_json::from_str(&metadata["gptlab.training"]).unwrap();
    change(&mut training);
    metadata.insert("gptlab.training".into(), training.to_string());
    safetensors::serialize(file.tensors(), Some(metadata)).unwrap()
}

#[test]
fn metadata_that_would_keep_the_page_busy_is_refused_before_the_weights_are_read() {
    let valid = valid_file();
    let prompts = with_training(&valid, |t| {
        t["prompts"] = serde_json::json!({ "inputs": vec!["two plus"; 100_000], "stop_at_newline": true });
    });
    let started = std::time::Instant::now();
    let error = checkpoint::load(&prompts, &Device::flex()).expect_err("refused").to_string();
    assert_eq!(error, "the checkpoint holds 100000 prompts; the page takes at most 16");
    assert!(started.elapsed().as_secs() < 5, "refused at once");
    let long = with_training(&valid, |t| {
        t["prompts"] = serde_json::json!({ "inputs": ["x".repeat(5000)], "stop_at_newline": false });
    });
    assert!(checkpoint::read_info(&long).unwrap_err().to_string().contains("5000 bytes in a prompt"));
    let name = with_training(&valid, |t| t["dataset"] = "d".repeat(2000).into());
    assert!(
        checkpoint::read_info(&name).unwrap_err().to_string().contains("2000 bytes in its data set's name")
    );
}

#[test]
fn a_header_larger_than_the_limit_is_refused_by_its_length_before_it_is_parsed() {
    let bytes = with_training(&valid_file(), |t| t["dataset"] = "x".repeat(20_000_000).into());
    let error = checkpoint::read_info(&bytes).unwrap_err().to_string();
    assert!(
        error.starts_with("the checkpoint holds a 20.0 MB header; the page takes at most 16.0 MB"),
        "{error}"
    );
    let mut lying = valid_file();
    lying[..8].copy_from_slice(&40_000_000u64.to_le_bytes());
    let error = checkpoint::read_info(&lying).unwrap_err().to_string();
    assert!(error.starts_with("this is not a safetensors file"), "{error}");
}
