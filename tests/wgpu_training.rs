//! The training code on burn's wgpu backend: Vulkan through Mesa's lavapipe on a machine without
//! a GPU (set GPTLAB_WGPU=gpu to use the default, usually a real GPU), so the GPU kernels run.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use burn::prelude::*;
use burn::tensor::DeviceKind;
use burn::tensor::wgpu::WgpuBackend;
use cubecl_environment::config::RuntimeConfig;
use cubecl_runtime::config::CubeClRuntimeConfig;
use cubecl_runtime::config::compilation::CompilationLogLevel;
use gptlab::checkpoint::{self, CheckpointInfo, TrainingState};
use gptlab::data::arithmetic;
use gptlab::model::Gpt;
use gptlab::sample::{SampleConfig, generate};
use gptlab::tokenize::Tokenizer;
use gptlab::train::{
    Preset, StepShape, TrainConfig, Trainer, WARM_UP_STEPS, untimed_kernel_settings, warm_up,
};

/// The one wgpu device of this test binary: burn starts a device's service once per process.
/// Its kernels are chosen as the page chooses them (untimed), and cubecl logs each kernel it
/// compiles to `kernel_log()`. Each test holds the returned guard while it uses the device, so
/// one test's compilations do not land in another's count.
fn wgpu_device() -> (Device, MutexGuard<'static, ()>) {
    static DEVICE: OnceLock<Device> = OnceLock::new();
    static IN_USE: Mutex<()> = Mutex::new(());
    let guard = IN_USE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let device = DEVICE.get_or_init(|| {
        let mut config = untimed_kernel_settings();
        config.compilation.logger.level = CompilationLogLevel::Basic;
        config.compilation.logger.file = Some(kernel_log());
        assert!(CubeClRuntimeConfig::try_set(config), "autotune read its settings before the test set them");
        let options = Device::wgpu_options();
        let options = match std::env::var("GPTLAB_WGPU").as_deref() {
            Ok("gpu") => options,
            _ => options.device_kind(DeviceKind::Cpu).graphics_api(WgpuBackend::Vulkan),
        };
        options.init().expect("no wgpu device: install mesa-vulkan-drivers for lavapipe")
    });
    (device.clone(), guard)
}

fn kernel_log() -> PathBuf {
    std::env::temp_dir().join(format!("gptlab-wgpu-kernels-{}.log", std::process::id()))
}

/// Kernels cubecl has compiled so far in this process.
fn kernels_compiled() -> usize {
    // cubecl writes its log from a task of its own: give it time to catch up.
    std::thread::sleep(Duration::from_millis(500));
    let log = std::fs::read_to_string(kernel_log()).unwrap_or_default();
    log.lines().filter(|line| line.starts_with("[Compiling kernel]")).count()
}

#[test]
fn training_on_wgpu_lowers_the_loss_and_agrees_with_the_cpu() {
    let (device, _in_use) = wgpu_device();
    let preset = Preset::Tiny;
    let config = TrainConfig { max_steps: 30, ..preset.training() };
    let corpus = arithmetic::corpus(config.seed, 2);
    let model_config = preset.model(256);
    let tokens = |text: &str| Tokenizer::Bytes.encode(text).unwrap();
    let mut trainer =
        Trainer::new(&model_config, config, tokens(&corpus.train), tokens(&corpus.validation), &device)
            .unwrap();

    let losses: Vec<f32> = (0..30).map(|_| trainer.step().loss.into_scalar::<f32>()).collect();
    println!("wgpu losses: first {:.3}, last {:.3}", losses[0], losses[29]);
    assert!(losses.iter().all(|l| l.is_finite()));
    let recent = losses[25..].iter().sum::<f32>() / 5.0;
    assert!(recent < 0.75 * losses[0], "loss did not fall: {losses:?}");

    // The trained weights give the same logits on the CPU backend, within float tolerance.
    let model = trainer.model();
    let info = CheckpointInfo {
        model: model_config,
        tokenizer: Tokenizer::Bytes,
        training: TrainingState {
            step: 30,
            recent_losses: vec![],
            validation_loss: None,
            dataset: corpus.name,
            seed: 0,
            prompts: None,
            ..Default::default()
        },
    };
    let bytes = pollster::block_on(checkpoint::save(&model, &info)).unwrap();
    let (on_cpu, _) = checkpoint::load(&bytes, &Device::flex()).unwrap();
    let ids: Vec<i64> = tokens("two plus three equals").iter().map(|&t| t as i64).collect();
    let input =
        |device: &Device| Tensor::<2, Int>::from_data(TensorData::new(ids.clone(), [1, ids.len()]), device);
    let gpu_logits = model.forward(input(&device)).into_data().try_to_vec::<f32>().unwrap();
    let cpu_logits = on_cpu.forward(input(&Device::flex())).into_data().try_to_vec::<f32>().unwrap();
    let worst = gpu_logits.iter().zip(&cpu_logits).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(worst < 1e-3, "wgpu and CPU logits differ by {worst}");

    // Generation (the KV cache and the backend's attention kernels) draws the same tokens.
    let prompt = tokens("two plus three equals");
    let sampling = SampleConfig { max_new_tokens: 20, temperature: 0.8, seed: 7, ..Default::default() };
    let drawn = |model: &Gpt| pollster::block_on(generate(model, &prompt, &sampling)).unwrap();
    assert_eq!(drawn(&model), drawn(&on_cpu), "wgpu and the CPU generate different text");
}

/// A trainer on `device` continuing from `bytes` (a `save_run`), with its moments unless `fresh`.
fn moved(trainer: &mut Trainer, bytes: &[u8], device: &Device, fresh: bool) {
    let on = device.clone().autodiff();
    let (model, _) = checkpoint::load(bytes, &on).unwrap();
    let moments = if fresh { Default::default() } else { checkpoint::load_moments(bytes, &on).unwrap() };
    trainer.move_to(device, model, moments);
}

#[test]
fn a_run_that_moves_to_wgpu_at_step_k_reaches_the_loss_of_one_that_never_moved() {
    let (gpu, _in_use) = wgpu_device();
    let preset = Preset::Tiny;
    let config = TrainConfig { max_steps: 20, ..preset.training() };
    let model_config = preset.model(256);
    let corpus = arithmetic::corpus(config.seed, 2);
    let tokens = |text: &str| Tokenizer::Bytes.encode(text).unwrap();
    let trainer = || {
        let (train, validation) = (tokens(&corpus.train), tokens(&corpus.validation));
        Trainer::new(&model_config, config.clone(), train, validation, &Device::flex()).unwrap()
    };
    let info = |trainer: &Trainer| CheckpointInfo {
        model: model_config.clone(),
        tokenizer: Tokenizer::Bytes,
        training: TrainingState { step: trainer.step_count(), ..Default::default() },
    };
    let save = |trainer: &Trainer| {
        pollster::block_on(checkpoint::save_run(&trainer.model(), trainer.moments(), &info(trainer))).unwrap()
    };

    // The GPU warms up for the run's sizes as the session has it do, beside the CPU's steps.
    let shape = StepShape { model: model_config.clone(), train: config.clone() };
    let mut reported = Vec::new();
    pollster::block_on(warm_up(&gpu, &shape, |done| reported.push(done))).expect("the warm-up runs");
    assert_eq!(reported, (1..=WARM_UP_STEPS).collect::<Vec<_>>());

    // Three runs from one initial model: one stays on the CPU, one moves to the GPU at step 10,
    // and one moves there without its optimizer's moments.
    let mut stays = trainer();
    let start = save(&stays);
    let (mut moves, mut forgets) = (trainer(), trainer());
    moved(&mut moves, &start, &Device::flex(), false);
    moved(&mut forgets, &start, &Device::flex(), false);
    let step = |trainer: &mut Trainer| trainer.step().loss.into_scalar::<f32>();
    for _ in 0..10 {
        let loss = step(&mut stays);
        assert_eq!((step(&mut moves), step(&mut forgets)), (loss, loss));
    }
    let at_k = save(&moves);
    let warmed_up = kernels_compiled();
    assert!(warmed_up > 0, "cubecl logged no compilation to {}", kernel_log().display());
    moved(&mut moves, &at_k, &gpu, false);
    moved(&mut forgets, &at_k, &gpu, true);
    let mut worst = (0.0f32, 0.0f32);
    for k in 10..20 {
        let loss = step(&mut stays);
        worst.0 = worst.0.max((step(&mut moves) - loss).abs());
        if k == 10 {
            // The move and the first step there ran only kernels the warm-up compiled: the
            // hand-over waits on no compilation.
            let compiled = kernels_compiled() - warmed_up;
            assert_eq!(compiled, 0, "the moved run's first step compiled {compiled} kernels");
        }
        worst.1 = worst.1.max((step(&mut forgets) - loss).abs());
    }
    println!("after the move: {} at worst with the moments, {} without", worst.0, worst.1);
    assert_eq!(moves.step_count(), 20);
    assert!(worst.0 < 2e-3, "the moved run's losses differ by {}", worst.0);
    assert!(worst.1 > 10.0 * worst.0.max(1e-4), "the moments make no difference: {worst:?}");
}
