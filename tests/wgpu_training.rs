//! The training code on burn's wgpu backend: Vulkan through Mesa's lavapipe on a machine without
//! a GPU (set GPTLAB_WGPU=gpu to use the default, usually a real GPU), so the GPU kernels run.

use burn::prelude::*;
use burn::tensor::DeviceKind;
use burn::tensor::wgpu::WgpuBackend;
use gptlab::checkpoint::{self, CheckpointInfo, TrainingState};
use gptlab::data::arithmetic;
use gptlab::model::Gpt;
use gptlab::sample::{SampleConfig, generate};
use gptlab::tokenize::Tokenizer;
use gptlab::train::{Preset, TrainConfig, Trainer};

fn wgpu_device() -> Device {
    let options = Device::wgpu_options();
    let options = match std::env::var("GPTLAB_WGPU").as_deref() {
        Ok("gpu") => options,
        _ => options.device_kind(DeviceKind::Cpu).graphics_api(WgpuBackend::Vulkan),
    };
    options.init().expect("no wgpu device: install mesa-vulkan-drivers for lavapipe")
}

#[test]
fn training_on_wgpu_lowers_the_loss_and_agrees_with_the_cpu() {
    let device = wgpu_device();
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
