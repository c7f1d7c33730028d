//! Training-step benchmark on a native backend.
//!
//! `cargo run --release --example bench -- [cpu|wgpu] [tiny|tutorial] [steps]`
//! Prints the first step (kernel compilation, autotune) and the median of the rest, with the
//! loss read back every step as the page does.

use std::time::Instant;

use burn::prelude::*;
use burn::tensor::DeviceKind;
use burn::tensor::wgpu::WgpuBackend;
use gptlab::data::arithmetic;
use gptlab::tokenize::Tokenizer;
use gptlab::train::{Preset, TrainConfig, Trainer};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = args.first().map_or("cpu", String::as_str);
    let preset =
        Preset::from_name(args.get(1).map_or("tutorial", String::as_str)).expect("preset: tiny or tutorial");
    let steps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(30);
    let device = match backend {
        "cpu" => Device::flex(),
        "wgpu" => Device::wgpu_options()
            .device_kind(DeviceKind::Cpu)
            .graphics_api(WgpuBackend::Vulkan)
            .init()
            .expect("no Vulkan device (lavapipe)"),
        "gpu" => Device::wgpu_options().init().expect("no GPU"),
        other => panic!("unknown backend {other}: cpu, wgpu (lavapipe) or gpu"),
    };
    let config = TrainConfig { max_steps: steps, ..preset.training() };
    let corpus = arithmetic::corpus(config.seed, 4);
    let tokens = |text: &str| Tokenizer::Bytes.encode(text).unwrap();
    let model = preset.model(256);
    let mut trainer =
        Trainer::new(&model, config, tokens(&corpus.train), tokens(&corpus.validation), &device).unwrap();

    let mut times = Vec::with_capacity(steps);
    let mut loss = 0.0;
    for _ in 0..steps {
        let start = Instant::now();
        loss = trainer.step().loss.into_scalar::<f32>();
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let first = times.remove(0);
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "backend={backend} preset={} params={} batch={} context={} steps={steps}: first step {first:.0} ms, \
         median {median:.1} ms/step, {:.0} tokens/s, final loss {loss:.3}",
        preset.name(),
        model.param_count(),
        trainer.config().batch_size,
        model.block_size,
        trainer.tokens_per_step() as f64 / (median / 1000.0),
    );
}
