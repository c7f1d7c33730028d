//! Which kernels a GPU training step compiles, and where its time goes, on native wgpu.
//!
//! `cargo run --release --example kernel_profile -- [wgpu|gpu] [tiny|tutorial|small] [steps]`
//! Chooses kernels as the page does (autotune untimed), has cubecl log each compilation and each
//! kernel's time, and prints the kernels compiled by the GPU warm-up and by the run moved onto
//! the GPU after it, then the kernels that took the most time over the steps after the first
//! two. Kernels are timed one at a time (cubecl waits for each): the total is slower than a step
//! of `bench`, the shares are what to read.

#[path = "support/device.rs"]
mod device;

use std::collections::BTreeMap;
use std::time::Duration;

use cubecl_environment::config::RuntimeConfig;
use cubecl_runtime::config::CubeClRuntimeConfig;
use cubecl_runtime::config::compilation::CompilationLogLevel;
use cubecl_runtime::config::profiling::ProfilingLogLevel;
use gptlab::checkpoint::{self, CheckpointInfo, TrainingState};
use gptlab::data::arithmetic;
use gptlab::tokenize::Tokenizer;
use gptlab::train::{Preset, StepShape, TrainConfig, Trainer, untimed_kernel_settings, warm_up};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = args.first().map_or("wgpu", String::as_str);
    let preset = Preset::from_name(args.get(1).map_or("tiny", String::as_str))
        .expect("preset: tiny, tutorial or small");
    let steps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(6).max(3);
    let log = std::env::temp_dir().join(format!("gptlab-kernels-{}.log", std::process::id()));
    log_kernels(&log);
    let gpu = device::by_name(backend);

    // The page's order: the warm-up's throwaway model, then the run (trained meanwhile on the
    // CPU) moved onto the GPU through its saved bytes.
    let config = TrainConfig { max_steps: steps, eval_batches: 1, ..preset.training() };
    let model = preset.model(256);
    let shape = StepShape { model: model.clone(), train: config.clone() };
    let phases = ["warm-up step 2", "moving the run"];
    pollster::block_on(warm_up(&gpu, &shape, |done| mark(&log, phases[done - 1]))).unwrap();
    let corpus = arithmetic::corpus(config.seed, 4);
    let tokens = |text: &str| Tokenizer::Bytes.encode(text).unwrap();
    let cpu = device::by_name("cpu");
    let mut trainer =
        Trainer::new(&model, config, tokens(&corpus.train), tokens(&corpus.validation), &cpu).unwrap();
    trainer.step();
    let info = CheckpointInfo {
        model: model.clone(),
        tokenizer: Tokenizer::Bytes,
        training: TrainingState { step: trainer.step_count(), ..Default::default() },
    };
    let bytes = pollster::block_on(checkpoint::save_run(&trainer.model(), trainer.moments(), &info)).unwrap();
    let (weights, moments) = checkpoint::load_run(&bytes, &gpu.clone().autodiff()).unwrap();
    trainer.move_to(&gpu, weights, moments);
    for step in 0..steps {
        match step {
            0 => mark(&log, "the moved run's step 1"),
            1 => mark(&log, "its step 2"),
            2 => mark(&log, "steady steps"),
            _ => {}
        }
        trainer.step().loss.into_scalar::<f32>();
    }
    std::thread::sleep(Duration::from_millis(500)); // cubecl logs from a task of its own
    report(&std::fs::read_to_string(&log).unwrap(), steps - 2);
    std::fs::remove_file(&log).ok();
}

/// Autotune untimed, as in the page; compilations and kernel times logged to `file`.
fn log_kernels(file: &std::path::Path) {
    let mut config = untimed_kernel_settings();
    config.compilation.logger.level = CompilationLogLevel::Basic;
    config.compilation.logger.file = Some(file.into());
    config.profiling.logger.level = ProfilingLogLevel::Medium;
    config.profiling.logger.file = Some(file.into());
    assert!(CubeClRuntimeConfig::try_set(config), "cubecl was configured before");
}

/// Starts a new phase in the log.
fn mark(file: &std::path::Path, phase: &str) {
    std::thread::sleep(Duration::from_millis(500)); // the logger's queue drains first
    use std::io::Write;
    let mut log = std::fs::OpenOptions::new().append(true).open(file).unwrap();
    writeln!(log, "=== {phase}").unwrap();
}

/// Prints the kernels compiled in each phase and the steady steps' most expensive kernels.
fn report(log: &str, steady_steps: usize) {
    let mut phase = "warm-up: the model and step 1";
    let mut compiled: Vec<(&str, Vec<&str>)> = vec![(phase, vec![])];
    let mut times: BTreeMap<&str, (usize, Duration)> = BTreeMap::new();
    for line in log.lines() {
        if let Some(next) = line.strip_prefix("=== ") {
            phase = next;
            compiled.push((phase, vec![]));
        } else if let Some((time, name)) = timed(line) {
            if phase == "steady steps" {
                let entry = times.entry(name).or_default();
                *entry = (entry.0 + 1, entry.1 + time);
            }
        } else if let Some(name) = line.strip_prefix("[Compiling kernel] ") {
            compiled.last_mut().unwrap().1.push(name.rsplit("::").next().unwrap_or(name));
        }
    }
    for (phase, kernels) in &compiled {
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for kernel in kernels {
            *kinds.entry(kernel).or_default() += 1;
        }
        println!("{phase}: {} kernels compiled: {kinds:?}", kernels.len());
    }
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for name in times.keys() {
        *kinds.entry(kind(name)).or_default() += 1;
    }
    println!("steady steps: {} distinct kernels launched: {kinds:?}", times.len());
    let total: Duration = times.values().map(|(_, time)| *time).sum();
    let mut by_time: Vec<_> = times.into_iter().collect();
    by_time.sort_by_key(|(_, (_, time))| std::cmp::Reverse(*time));
    println!("steady steps: {:.1} ms of kernels a step", total.as_secs_f64() * 1e3 / steady_steps as f64);
    for (name, (count, time)) in by_time.iter().take(30) {
        let share = time.as_secs_f64() / total.as_secs_f64() * 100.0;
        let per_step = time.as_secs_f64() * 1e3 / steady_steps as f64;
        println!("{share:5.1}% {per_step:9.2} ms/step {:4} launches/step  {name}", count / steady_steps);
    }
}

/// A kernel's type: its name up to the first `|` or its hash.
fn kind(name: &str) -> &str {
    let end = name.find([' ', '_']).unwrap_or(name.len());
    &name[..end]
}

/// `| 1.234ms    | name` as the profiling logger writes it.
fn timed(line: &str) -> Option<(Duration, &str)> {
    let rest = line.trim_start().strip_prefix('|')?;
    let (time, name) = rest.split_once('|')?;
    Some((parse_duration(time.trim())?, name.trim()))
}

/// A `Debug`-printed `Duration`: `12.3µs`, `4.5ms`, `1.2s`, `800ns`.
fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| c.is_alphabetic() || c == 'µ')?;
    let (value, unit) = text.split_at(split);
    let value: f64 = value.parse().ok()?;
    let seconds = match unit {
        "ns" => value * 1e-9,
        "µs" => value * 1e-6,
        "ms" => value * 1e-3,
        "s" => value,
        _ => return None,
    };
    Some(Duration::from_secs_f64(seconds))
}
