use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::prelude::*;
use gptlab::checkpoint::{self, CheckpointError, CheckpointInfo, TrainingState};
use gptlab::model::Gpt;
use gptlab::tokenize::Tokenizer;

use super::{floats, seeded_model, small_config, tokens};

fn info() -> CheckpointInfo {
    CheckpointInfo {
        model: small_config(),
        tokenizer: Tokenizer::Bytes,
        training: TrainingState {
            step: 42,
            recent_losses: vec![2.5, 2.25],
            validation_loss: Some(2.75),
            dataset: "arithmetic".into(),
            seed: 7,
            prompts: None,
            ..Default::default()
        },
    }
}

/// Every parameter's bits, in visiting order.
pub fn param_bits(model: &Gpt) -> Vec<Vec<u32>> {
    struct Bits(Vec<Vec<u32>>);
    impl ModuleVisitor for Bits {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let values = param.val().into_data().try_to_vec::<f32>().unwrap();
            self.0.push(values.iter().map(|v| v.to_bits()).collect());
        }
    }
    let mut bits = Bits(Vec::new());
    model.visit(&mut bits);
    bits.0
}

fn saved() -> (Gpt, Vec<u8>) {
    let model = seeded_model(&small_config(), 11);
    let bytes = pollster::block_on(checkpoint::save(&model, &info())).unwrap();
    (model, bytes)
}

#[test]
fn a_checkpoint_round_trip_is_bit_exact() {
    let (model, bytes) = saved();
    let device = Device::flex();
    let (loaded, loaded_info) = checkpoint::load(&bytes, &device).unwrap();
    assert_eq!(loaded_info, info());
    assert_eq!(param_bits(&loaded), param_bits(&model));
    let input = tokens(&[1, 2, 3, 4], &device);
    assert_eq!(floats(loaded.forward(input.clone())), floats(model.forward(input)));
}

/// Fine-tuning and resuming start from a loaded model: every one of its parameters must still
/// be tracked for gradients on an autodiff device.
#[test]
fn a_loaded_model_can_train_on() {
    struct Untracked<'a>(&'a GradientsParams, Vec<ParamId>);
    impl ModuleVisitor for Untracked<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if self.0.get::<D>(param.id).is_none() {
                self.1.push(param.id);
            }
        }
    }
    let (_, bytes) = saved();
    let device = Device::flex().autodiff();
    let (model, _) = checkpoint::load(&bytes, &device).unwrap();
    let logits = model.forward(tokens(&[1, 2, 3, 4], &device));
    let grads = GradientsParams::from_grads(logits.sum().backward(), &model);
    let mut untracked = Untracked(&grads, Vec::new());
    model.visit(&mut untracked);
    assert!(untracked.1.is_empty(), "{} parameters got no gradient", untracked.1.len());
}

#[test]
fn a_checkpoint_names_tensors_by_module_path() {
    let (_, bytes) = saved();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let names = file.names();
    for name in ["wte.weight", "wpe.weight", "h.0.attn.c_attn.weight", "h.1.mlp.c_proj.bias", "ln_f.gamma"] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
}

#[test]
fn truncated_and_random_bytes_are_rejected() {
    let (_, bytes) = saved();
    let device = Device::flex();
    for cut in [0, 7, 100, bytes.len() / 2, bytes.len() - 1] {
        assert!(checkpoint::load(&bytes[..cut], &device).is_err(), "cut at {cut} loaded");
    }
    let noise: Vec<u8> = (0..5000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    assert!(matches!(checkpoint::load(&noise, &device), Err(CheckpointError::NotSafetensors(_))));
}

#[test]
fn a_safetensors_file_from_elsewhere_is_called_foreign() {
    let data = vec![0u8; 16];
    let view = safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![4], &data).unwrap();
    let bytes = safetensors::serialize([("weight", view)], None).unwrap();
    assert_eq!(checkpoint::load(&bytes, &Device::flex()).unwrap_err(), CheckpointError::Foreign);
}

#[test]
fn a_checkpoint_whose_config_disagrees_with_its_tensors_names_the_culprits() {
    let model = seeded_model(&small_config(), 12);
    let mut lying = info();
    // Smaller than the file, so that the tensors themselves are checked.
    lying.model = small_config().with_n_layer(3).with_n_embd(24);
    let bytes = pollster::block_on(checkpoint::save(&model, &lying)).unwrap();
    let Err(CheckpointError::Mismatch(reason)) = checkpoint::load(&bytes, &Device::flex()) else {
        panic!("a mismatched file loaded");
    };
    assert!(reason.contains("missing tensor h.2.ln_1.gamma"), "{reason}");
    assert!(reason.contains("wte.weight has shape [256, 32], expected [256, 24]"), "{reason}");
}

/// Files of every released format version, as that version wrote them, load to the same model.
#[test]
fn every_released_format_version_still_loads_to_the_same_logits() {
    let dir = "tests/fixtures/checkpoints";
    let mut versions = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "safetensors") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let (model, info) = checkpoint::load(&std::fs::read(&path).unwrap(), &Device::flex())
            .unwrap_or_else(|e| panic!("{name} no longer loads: {e}"));
        let recorded: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path.with_extension("logits.json")).unwrap())
                .unwrap();
        let input: Vec<i64> = serde_json::from_value(recorded["input"].clone()).unwrap();
        let want: Vec<f32> = serde_json::from_value(recorded["logits"].clone()).unwrap();
        let got = floats(model.forward(tokens(&input, &Device::flex())));
        let worst = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(got.len() == want.len() && worst < 1e-5, "{name}: logits moved by {worst}");
        assert!(info.training.step > 0 && info.tokenizer.vocab_size() == info.model.vocab_size, "{name}");
        versions.insert(name.split('-').next().unwrap().trim_start_matches('v').parse::<u32>().unwrap());
    }
    let released: std::collections::BTreeSet<u32> = (1..=checkpoint::FORMAT_VERSION).collect();
    assert_eq!(versions, released, "a fixture for each released version");
}
