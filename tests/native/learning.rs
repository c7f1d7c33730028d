use burn::prelude::*;
use gptlab::data::arithmetic::{self, Problem};
use gptlab::model::{Gpt, GptConfig};
use gptlab::sample::{SampleConfig, generate};
use gptlab::tokenize::Tokenizer;
use gptlab::train::{Preset, TrainConfig, Trainer};

use super::small_config;

fn read(loss: Tensor<1>) -> f32 {
    loss.into_scalar::<f32>()
}

#[test]
fn initial_loss_is_close_to_uniform_over_the_vocabulary() {
    assert_initial_loss_is_uniform(&small_config());
}

/// The untrained model's validation loss on the arithmetic set is about ln(256): it has no
/// favourite among the byte tokenizer's tokens.
pub fn assert_initial_loss_is_uniform(model: &GptConfig) {
    let corpus = arithmetic::corpus(1, 2);
    let tokens = |text: &str| Tokenizer::Bytes.encode(text).unwrap();
    let config = TrainConfig { eval_batches: 8, ..Preset::Tiny.training() };
    let trainer =
        Trainer::new(model, config, tokens(&corpus.train), tokens(&corpus.validation), &Device::flex())
            .unwrap();
    let loss = read(trainer.validation_loss());
    let uniform = (256f32).ln();
    assert!((loss - uniform).abs() < 0.1 * uniform, "initial loss {loss}, ln(256) = {uniform}");
}

#[test]
fn a_tiny_model_overfits_a_single_batch() {
    assert_overfits_one_batch(&small_config());
}

/// 150 steps on one batch bring its loss below 0.1.
pub fn assert_overfits_one_batch(config: &GptConfig) {
    // Exactly one window of text: every batch is the same batch.
    let text = "seven times eight equals fifty six";
    let window = Tokenizer::Bytes.encode(&text[..config.block_size + 1]).unwrap();
    let train = TrainConfig { batch_size: 4, max_steps: 150, learning_rate: 1e-2, ..Preset::Tiny.training() };
    let mut trainer = Trainer::new(config, train, window.clone(), window, &Device::flex()).unwrap();
    let mut loss = f32::INFINITY;
    for _ in 0..150 {
        loss = read(trainer.step().loss);
    }
    assert!(loss < 0.1, "loss after 150 steps on one batch: {loss}");
}

#[test]
fn too_little_text_for_one_window_is_an_error_not_a_panic() {
    let short = Tokenizer::Bytes.encode("two").unwrap();
    let result =
        Trainer::new(&small_config(), Preset::Tiny.training(), short.clone(), short, &Device::flex());
    assert!(result.is_err());
}

/// Greedy answer to each problem; returns the fraction answered exactly.
fn accuracy(model: &Gpt, problems: &[Problem]) -> f64 {
    let sampling = SampleConfig {
        max_new_tokens: 24,
        temperature: 0.0,
        stop_token: Some(b'\n' as u32),
        ..Default::default()
    };
    let correct = problems
        .iter()
        .filter(|p| {
            let prompt = Tokenizer::Bytes.encode(&arithmetic::model_input(&p.prompt())).unwrap();
            let answer = pollster::block_on(generate(model, &prompt, &sampling)).unwrap();
            Tokenizer::Bytes.decode(&answer) == p.completion()
        })
        .count();
    correct as f64 / problems.len() as f64
}

#[test]
fn a_small_model_learns_the_arithmetic_data_set() {
    let seed = 1337;
    let corpus = arithmetic::corpus(seed, 4);
    let model_config = GptConfig::new(256).with_n_layer(2).with_n_head(4).with_n_embd(64).with_block_size(48);
    let config = TrainConfig {
        batch_size: 32,
        max_steps: 2000,
        learning_rate: 6e-3,
        min_learning_rate: 6e-4,
        warmup_steps: 50,
        ..Preset::Tutorial.training()
    };
    let steps = config.max_steps;
    let tokens = |text: &str| Tokenizer::Bytes.encode(text).unwrap();
    let mut trainer = Trainer::new(
        &model_config,
        config,
        tokens(&corpus.train),
        tokens(&corpus.validation),
        &Device::flex(),
    )
    .unwrap();
    for _ in 0..steps {
        trainer.step();
    }
    let model = trainer.model();
    let (train, held_out) = arithmetic::split(seed);
    let train_accuracy = accuracy(&model, &train);
    let held_out_accuracy = accuracy(&model, &held_out);
    println!(
        "arithmetic after {steps} steps: train accuracy {:.1}% ({} problems), held-out accuracy {:.1}% ({} problems), validation loss {:.3}",
        100.0 * train_accuracy,
        train.len(),
        100.0 * held_out_accuracy,
        held_out.len(),
        read(trainer.validation_loss()),
    );
    assert!(train_accuracy >= 0.95, "exact-answer accuracy {train_accuracy}");
}

#[test]
fn a_vocabulary_too_large_for_the_gpus_buffers_is_refused_before_training() {
    use gptlab::train::{TrainError, check_buffer_limit};
    // WebGPU's default `maxStorageBufferBindingSize`.
    const LIMIT: u64 = 128 << 20;
    let gpt2 = Preset::Tutorial.model(50257);
    let batch = Preset::Tutorial.training().batch_size;
    let error = check_buffer_limit(&gpt2, batch, LIMIT).unwrap_err();
    assert!(matches!(error, TrainError::BufferTooLarge { needed: 205_852_672, .. }), "{error:?}");
    assert!(
        error.to_string().contains("205.9 MB buffer") && error.to_string().contains("(134.2 MB)"),
        "{error}"
    );
    assert_eq!(check_buffer_limit(&Preset::Tutorial.model(8192), batch, LIMIT), Ok(()));
    assert_eq!(check_buffer_limit(&gpt2, 8, LIMIT), Ok(()), "a smaller batch fits");
}
