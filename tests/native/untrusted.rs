//! Loading untrusted checkpoint files: what a file asks for is checked against what it holds and
//! against the page's limits before anything is built. (`tests/fuzz_checkpoints.rs` feeds the
//! loader generated files.)

use std::collections::HashMap;

use burn::prelude::*;
use gptlab::checkpoint::{self, CheckpointInfo, TrainingState};
use gptlab::model::Gpt;
use gptlab::tokenize::Tokenizer;
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
