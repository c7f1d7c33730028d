//! Native tests of the layers below the page, on burn's CPU backend.

mod accuracy;
mod attention;
mod autosave;
mod axis;
mod backend;
mod checkpoint;
mod choices;
mod clean;
mod clean_corpus;
mod compare;
mod data;
mod download;
mod format;
mod gpt2;
mod gpu;
mod history;
mod hub;
mod layers;
mod learning;
mod llama;
mod lr_finder;
mod model;
mod models;
mod planner;
mod recorded;
mod reference;
mod sampling;
mod session;
mod tokenize;
mod tokenizer_lab;
mod training;
mod untrusted;
mod words;
mod world;

use burn::prelude::*;
use gptlab::model::{Gpt, GptConfig};

/// A model small enough to run many times per test.
pub fn small_config() -> GptConfig {
    GptConfig::new(256).with_n_layer(2).with_n_head(2).with_n_embd(32).with_block_size(16)
}

pub fn seeded_model(config: &GptConfig, seed: u64) -> Gpt {
    let device = Device::flex();
    device.seed(seed);
    Gpt::new(config, &device)
}

pub fn tokens(ids: &[i64], device: &Device) -> Tensor<2, Int> {
    Tensor::from_data(TensorData::new(ids.to_vec(), [1, ids.len()]), device)
}

pub fn floats<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}
