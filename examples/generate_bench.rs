//! Generation benchmark: tokens per second with the KV cache (`Generator`, the page's path)
//! against recomputing the whole context for every token, interleaved after one untimed run of
//! each, medians of the rounds.
//!
//! `cargo run --release --example generate_bench -- [cpu|wgpu|gpu] [tiny|tutorial|small] [tokens|fill] [rounds]`
//! (`fill`, the default: as many tokens as fill the context after the prompt)

#[path = "support/device.rs"]
mod device;

use std::time::Instant;

use burn::prelude::*;
use gptlab::model::Gpt;
use gptlab::sample::{Generator, SampleConfig, pick};
use gptlab::train::Preset;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = args.first().map_or("cpu", String::as_str);
    let preset = Preset::from_name(args.get(1).map_or("tutorial", String::as_str)).expect("preset");
    let rounds: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);
    let device = device::by_name(backend);
    let config = preset.model(256);
    device.seed(1);
    let model = Gpt::new(&config, &device);
    let prompt: Vec<u32> = b"two plus three equals".iter().map(|&b| b as u32).collect();
    // By default as many tokens as fill the context, the longest generation the cache serves.
    let tokens: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(config.block_size - prompt.len());
    let sampling = SampleConfig { max_new_tokens: tokens, temperature: 0.8, seed: 3, ..Default::default() };

    // Untimed: a GPU compiles (and autotunes) each way's kernels on its first run.
    cached_run(&model, &prompt, &sampling);
    recompute_run(&model, &prompt, &sampling, &device);
    let (mut cached, mut recomputed) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        cached.push(time(|| cached_run(&model, &prompt, &sampling)));
        recomputed.push(time(|| recompute_run(&model, &prompt, &sampling, &device)));
    }
    let (cached, recomputed) = (median(cached), median(recomputed));
    let ms_per_token = |seconds: f64| seconds * 1000.0 / tokens as f64;
    println!(
        "backend={backend} preset={} context={} tokens={tokens} rounds={rounds}: KV cache {:.2} ms/token \
         ({:.0} tokens/s), full recompute {:.2} ms/token ({:.0} tokens/s): {:.1}x",
        preset.name(),
        config.block_size,
        ms_per_token(cached),
        tokens as f64 / cached,
        ms_per_token(recomputed),
        tokens as f64 / recomputed,
        recomputed / cached,
    );
}

fn time(run: impl FnOnce() -> usize) -> f64 {
    let start = Instant::now();
    assert!(run() > 0);
    start.elapsed().as_secs_f64()
}

fn median(mut seconds: Vec<f64>) -> f64 {
    seconds.sort_by(f64::total_cmp);
    seconds[seconds.len() / 2]
}

fn cached_run(model: &Gpt, prompt: &[u32], config: &SampleConfig) -> usize {
    let mut generator = Generator::new(model, prompt, config.clone()).unwrap();
    let mut count = 0;
    while pollster::block_on(generator.next_token()).unwrap().is_some() {
        count += 1;
    }
    count
}

/// What generation cost before the cache: the whole (cropped) context through the model per token.
fn recompute_run(model: &Gpt, prompt: &[u32], config: &SampleConfig, device: &Device) -> usize {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut tokens = prompt.to_vec();
    for _ in 0..config.max_new_tokens {
        let context = &tokens[tokens.len().saturating_sub(model.block_size())..];
        let ids: Vec<i64> = context.iter().map(|&t| t as i64).collect();
        let logits = model.forward(Tensor::from_data(TensorData::new(ids, [1, context.len()]), device));
        let [_, t, vocab] = logits.dims();
        let last = logits.narrow(1, t - 1, 1).reshape([vocab]).into_data().try_to_vec::<f32>().unwrap();
        tokens.push(pick(&last, config, &mut rng));
    }
    tokens.len() - prompt.len()
}
