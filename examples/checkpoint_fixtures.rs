//! Writes `tests/fixtures/checkpoints`: one checkpoint of each released format version, and the
//! logits each model gives for fixed tokens, so a test can hold later readers to them.
//!
//! `cargo run --release --example checkpoint_fixtures` writes the files of the current version
//! only; the files of older versions are committed and never rewritten.

use std::fs;

use burn::prelude::*;
use gptlab::checkpoint::{self, CheckpointInfo, FORMAT_VERSION, History, TrainingState};
use gptlab::data::arithmetic;
use gptlab::model::{Gpt, GptConfig};
use gptlab::tokenize::Tokenizer;
use gptlab::train::Preset;
use serde_json::json;

const DIR: &str = "tests/fixtures/checkpoints";
/// The tokens whose logits are recorded.
const INPUT: [i64; 6] = [10, 116, 119, 111, 32, 112];

fn main() {
    fs::create_dir_all(DIR).unwrap();
    // The first files of a version: a byte tokenizer, no prompts, settings or chart.
    let plain = TrainingState {
        step: 12,
        recent_losses: vec![3.5, 3.25],
        validation_loss: Some(3.75),
        dataset: "arithmetic".into(),
        seed: 1337,
        ..Default::default()
    };
    write(
        "bytes",
        GptConfig::new(256).with_n_layer(1).with_n_head(2).with_n_embd(16).with_block_size(8),
        Tokenizer::Bytes,
        plain,
    );
    // Everything a file of this version may hold: a BPE, prompts, settings and the chart.
    let text = arithmetic::corpus(1337, 1).train;
    let bpe = Tokenizer::train_bpe(&text, 300).unwrap();
    let full = TrainingState {
        step: 3,
        recent_losses: vec![5.0, 4.5, 4.0],
        validation_loss: Some(4.25),
        dataset: "arithmetic".into(),
        seed: 1337,
        prompts: Some(arithmetic::corpus(1337, 1).prompts),
        config: Some(Preset::Tiny.training()),
        history: History { train: vec![(1, 5.0), (2, 4.5), (3, 4.0)], validation: vec![(3, 4.25)] },
        run: None,
        cleaning: None,
    };
    let config =
        GptConfig::new(bpe.vocab_size()).with_n_layer(2).with_n_head(2).with_n_embd(16).with_block_size(8);
    write("bpe", config, bpe, full);
}

fn write(name: &str, model: GptConfig, tokenizer: Tokenizer, training: TrainingState) {
    let device = Device::flex();
    device.seed(5);
    let gpt = Gpt::new(&model, &device);
    let info = CheckpointInfo { model, tokenizer, training };
    let bytes = pollster::block_on(checkpoint::save(&gpt, &info)).unwrap();
    let input = Tensor::<2, Int>::from_data(TensorData::new(INPUT.to_vec(), [1, INPUT.len()]), &device);
    let logits = gpt.forward(input).into_data().try_to_vec::<f32>().unwrap();
    let stem = format!("{DIR}/v{FORMAT_VERSION}-{name}");
    fs::write(format!("{stem}.safetensors"), bytes).unwrap();
    fs::write(format!("{stem}.logits.json"), json!({"input": INPUT, "logits": logits}).to_string()).unwrap();
    println!("wrote {stem}.safetensors");
}
