//! Training-step benchmark on a native backend.
//!
//! `cargo run --release --example bench -- [cpu|wgpu|gpu] [tiny|tutorial|small] [steps] [gpt2|llama]`
//! Prints the first step (kernel compilation, autotune) and the median of the rest, with the
//! loss read back every step as the page does; the FLOP/s that median achieves; and the
//! process's peak memory. `bench corpus` prints the training text instead, for PyTorch's run.

#[path = "support/device.rs"]
mod device;

use std::time::Instant;

use gptlab::data::arithmetic;
use gptlab::model::{Family, GptConfig};
use gptlab::tokenize::Tokenizer;
use gptlab::train::{Preset, TrainConfig, Trainer};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = args.first().map_or("cpu", String::as_str);
    if backend == "corpus" {
        print!("{}", arithmetic::corpus(Preset::Tutorial.training().seed, 4).train);
        return;
    }
    let preset =
        Preset::from_name(args.get(1).map_or("tutorial", String::as_str)).expect("preset: tiny or tutorial");
    let steps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(30);
    let family =
        Family::from_name(args.get(3).map_or("gpt2", String::as_str)).expect("family: gpt2 or llama");
    let device = device::by_name(backend);
    let config = TrainConfig { max_steps: steps, ..preset.training() };
    let corpus = arithmetic::corpus(config.seed, 4);
    let tokens = |text: &str| Tokenizer::Bytes.encode(text).unwrap();
    let model = preset.model(256).with_family(family);
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
    let tokens_per_second = trainer.tokens_per_step() as f64 / (median / 1000.0);
    println!(
        "backend={backend} preset={} family={} params={} batch={} context={} steps={steps}: first step {first:.0} ms, \
         median {median:.1} ms/step, {tokens_per_second:.0} tokens/s, {:.2} GFLOP/s, peak memory {} MB, \
         final loss {loss:.3}",
        preset.name(),
        family.name(),
        model.param_count(),
        trainer.config().batch_size,
        model.block_size,
        flops_per_token(&model) * tokens_per_second / 1e9,
        peak_rss_kb() / 1024,
    );
}

/// Training FLOPs per token, as nanoGPT and the PaLM paper count them: 6 per weight (forward
/// and backward matmuls; tables only looked up excluded, the head included) plus attention's
/// 12 × layers × context × width.
fn flops_per_token(model: &GptConfig) -> f64 {
    // GPT-2 looks up its positions (its token table is also the head); a Llama looks up its
    // token embedding (its head is a matrix of its own).
    let lookups = match model.family {
        Family::Gpt2 => model.block_size * model.n_embd,
        Family::Llama => model.vocab_size * model.n_embd,
    };
    let weights = model.param_count() - lookups;
    (6 * weights + 12 * model.n_layer * model.block_size * model.n_embd) as f64
}

/// The process's peak resident memory, from /proc (0 where there is none).
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("");
    line.split_whitespace().nth(1).and_then(|kb| kb.parse().ok()).unwrap_or(0)
}
