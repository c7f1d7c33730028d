use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use gptlab::checkpoint::{self, CheckpointInfo, TrainingState};
use gptlab::data::arithmetic;
use gptlab::model::{Gpt, GptConfig};
use gptlab::tokenize::Tokenizer;
use gptlab::train::{
    ModelOptimizer, Preset, TrainConfig, Trainer, clip_grad_norm, cross_entropy, global_grad_norm,
    loss_and_grads, memory_estimate_bytes, random_windows,
};
use pollster::block_on;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{floats, small_config};

fn text_tokens() -> (Vec<u32>, Vec<u32>) {
    let corpus = arithmetic::corpus(3, 2);
    let encode = |text: &str| Tokenizer::Bytes.encode(text).unwrap();
    (encode(&corpus.train), encode(&corpus.validation))
}

/// A model on an autodiff CPU device and the gradients of one batch's loss.
fn model_and_grads(seed: u64) -> (Gpt, GradientsParams) {
    let device = Device::flex().autodiff();
    device.seed(seed);
    let model = Gpt::new(&small_config(), &device);
    let (train, _) = text_tokens();
    let batch = random_windows(&train, 16, 4, &mut StdRng::seed_from_u64(seed), &device);
    let loss = cross_entropy(model.forward(batch.inputs), batch.targets);
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    (model, grads)
}

/// Every gradient of `model`'s parameters, in the module's order.
fn all_grads(model: &Gpt, grads: &GradientsParams) -> Vec<f32> {
    struct Collect<'a>(&'a GradientsParams, Vec<f32>);
    impl burn::module::ModuleVisitor for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
            self.1.extend(floats(self.0.get::<D>(param.id).expect("every parameter has a gradient")));
        }
    }
    let mut collect = Collect(grads, Vec::new());
    model.visit(&mut collect);
    collect.1
}

#[test]
fn a_batch_split_across_threads_has_the_whole_batchs_loss_and_gradients() {
    let device = Device::flex().autodiff();
    device.seed(5);
    let model = Gpt::new(&small_config(), &device);
    let (train, _) = text_tokens();
    let batch = || random_windows(&train, 16, 5, &mut StdRng::seed_from_u64(9), &device);
    let (whole_loss, whole_grads) = loss_and_grads(&model, batch(), 1);
    // Parts of 2, 2 and 1 windows: the weighting must follow the parts' sizes.
    let (split_loss, split_grads) = loss_and_grads(&model, batch(), 3);
    let (whole_loss, split_loss) = (scalar(whole_loss), scalar(split_loss));
    assert!((whole_loss - split_loss).abs() < 1e-5, "loss {split_loss}, whole batch {whole_loss}");
    let (whole, split) = (all_grads(&model, &whole_grads), all_grads(&model, &split_grads));
    assert_eq!(whole.len(), split.len());
    let largest = whole.iter().fold(0f32, |m, g| m.max(g.abs()));
    assert!(largest > 1e-3, "the gradients are not all zero");
    for (i, (a, b)) in whole.iter().zip(&split).enumerate() {
        assert!((a - b).abs() <= 1e-5 + 1e-4 * largest, "gradient {i}: {b} split, {a} whole");
    }
}

fn scalar(tensor: Tensor<1>) -> f32 {
    tensor.into_scalar::<f32>()
}

#[test]
fn gradient_clipping_bounds_the_global_norm_and_keeps_the_direction() {
    let (model, grads) = model_and_grads(1);
    let norm = scalar(global_grad_norm(&model, &grads));
    assert!(norm > 0.1, "a fresh model's gradients are not tiny: {norm}");

    let wte = |g: &GradientsParams| floats(g.get::<2>(first_param_id(&model)).unwrap());
    let before = wte(&grads);
    let (clipped, reported) = clip_grad_norm(&model, grads, Some(norm / 4.0));
    assert_eq!(scalar(reported), norm, "the norm reported is the one before clipping");
    let clipped_norm = scalar(global_grad_norm(&model, &clipped));
    assert!(
        (clipped_norm - norm / 4.0).abs() < 1e-4 * norm,
        "clipped to {clipped_norm}, wanted {}",
        norm / 4.0
    );
    // Every gradient shrinks by the same factor.
    for (b, c) in before.iter().zip(wte(&clipped)) {
        assert!((b / 4.0 - c).abs() <= 1e-6 + 1e-4 * b.abs(), "{b} became {c}");
    }

    // Within the bound, nothing changes.
    let (unchanged, _) = clip_grad_norm(&model, clipped, Some(norm));
    assert!((scalar(global_grad_norm(&model, &unchanged)) - clipped_norm).abs() < 1e-6 * norm);
}

/// The id of the token embedding (the first parameter).
fn first_param_id(model: &Gpt) -> burn::module::ParamId {
    struct First(Option<burn::module::ParamId>);
    impl burn::module::ModuleVisitor for First {
        fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
            self.0.get_or_insert(param.id);
        }
    }
    let mut first = First(None);
    model.visit(&mut first);
    first.0.unwrap()
}

#[test]
fn the_model_optimizer_takes_the_same_steps_as_burns_adamw() {
    let config = TrainConfig { max_grad_norm: None, weight_decay: 0.1, ..Preset::Tiny.training() };
    let mut ours = ModelOptimizer::new(&config);
    let mut burns = AdamWConfig::new()
        .with_beta_1(0.9)
        .with_beta_2(0.95)
        .with_epsilon(1e-8)
        .with_weight_decay(config.weight_decay)
        .init();
    let (mut a, _) = model_and_grads(5);
    let mut b = a.clone(); // the same weights; each optimizer keeps its own moments
    let initial = weights(&a);
    for step in 0..3 {
        let grads_of = |model: &Gpt| {
            let (train, _) = text_tokens();
            let batch = random_windows(&train, 16, 4, &mut StdRng::seed_from_u64(step), &model.devices()[0]);
            let loss = cross_entropy(model.forward(batch.inputs), batch.targets);
            GradientsParams::from_grads(loss.backward(), model)
        };
        let (ga, gb) = (grads_of(&a), grads_of(&b));
        a = ours.step(1e-2, a, ga).0;
        b = burns.step(1e-2, b, gb);
        if step == 0 {
            // Ours starts from zero moments where burn's starts from none: the same numbers.
            assert_eq!(weights(&a), weights(&b), "the first steps differ");
        }
    }
    let (wa, wb) = (weights(&a), weights(&b));
    let worst = wa.iter().zip(&wb).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    assert!(worst < 1e-6, "the weights differ by up to {worst}");
    assert_ne!(wa, initial, "the steps changed the weights");
}

fn weights(model: &Gpt) -> Vec<f32> {
    let info = CheckpointInfo {
        model: small_config(),
        tokenizer: Tokenizer::Bytes,
        training: TrainingState::default(),
    };
    let bytes = block_on(checkpoint::save(&model.valid(), &info)).unwrap();
    let (loaded, _) = checkpoint::load(&bytes, &Device::flex()).unwrap();
    let mut values = Vec::new();
    struct Collect<'a>(&'a mut Vec<f32>);
    impl burn::module::ModuleVisitor for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
            self.0.extend(floats(param.val()));
        }
    }
    loaded.visit(&mut Collect(&mut values));
    values
}

fn trainer(config: &GptConfig, train: TrainConfig) -> Trainer {
    let (train_tokens, validation_tokens) = text_tokens();
    Trainer::new(config, train, train_tokens, validation_tokens, &Device::flex()).unwrap()
}

#[test]
fn a_run_saved_and_restored_takes_the_same_next_steps_as_one_that_never_stopped() {
    // Without dropout: the CPU device's generator is shared by the tests running alongside.
    let model_config = small_config();
    let config = TrainConfig { max_steps: 20, ..Preset::Tiny.training() };
    let mut uninterrupted = trainer(&model_config, config.clone());
    for _ in 0..5 {
        uninterrupted.step();
    }
    let info = CheckpointInfo {
        model: model_config.clone(),
        tokenizer: Tokenizer::Bytes,
        training: TrainingState { step: 5, config: Some(config.clone()), ..Default::default() },
    };
    let saved =
        block_on(checkpoint::save_run(&uninterrupted.model(), uninterrupted.moments(), &info)).unwrap();
    assert_eq!(uninterrupted.moments().len(), 2 + 2 * 12 + 2, "one entry per parameter tensor");

    // A new trainer, built from what the file says, picks the run up.
    let read_info = checkpoint::read_info(&saved).unwrap();
    assert_eq!(read_info.training.config.as_ref(), Some(&config));
    let mut resumed = trainer(&model_config, read_info.training.config.unwrap());
    let (model, _) = checkpoint::load(&saved, resumed.device()).unwrap();
    let moments = checkpoint::load_moments(&saved, resumed.device()).unwrap();
    assert_eq!(moments.len(), uninterrupted.moments().len());
    resumed.restore(model, moments, read_info.training.step);

    for _ in 0..3 {
        let (a, b) = (uninterrupted.step(), resumed.step());
        assert_eq!(scalar(a.loss), scalar(b.loss));
        assert_eq!(scalar(a.grad_norm), scalar(b.grad_norm));
    }
    assert_eq!(weights(&uninterrupted.model()), weights(&resumed.model()));
}

#[test]
fn a_shared_checkpoint_has_no_moments_and_loads_as_before() {
    let run = trainer(&small_config(), Preset::Tiny.training());
    let info = CheckpointInfo {
        model: small_config(),
        tokenizer: Tokenizer::Bytes,
        training: TrainingState::default(),
    };
    let bytes = block_on(checkpoint::save(&run.model(), &info)).unwrap();
    assert!(checkpoint::load_moments(&bytes, &Device::flex()).unwrap().is_empty());
}

#[test]
fn the_memory_estimate_covers_the_weights_and_optimizer_and_grows_with_the_batch() {
    let model = Preset::Small.model(65);
    let one = memory_estimate_bytes(&model, 1);
    let sixty_four = memory_estimate_bytes(&model, 64);
    assert!(one > 16 * model.param_count() as u64, "weights, gradients and two moments: {one}");
    assert!(sixty_four > 10 * one, "activations dominate a large batch: {one} vs {sixty_four}");
    // nanoGPT's Shakespeare model at batch 64 needs a few GB in PyTorch.
    assert!((1_000_000_000..20_000_000_000).contains(&sixty_four), "{sixty_four} bytes");
}

#[test]
fn the_memory_estimate_counts_a_llamas_wider_mlp() {
    use gptlab::model::Family;
    let gpt2 = Preset::Small.model(65);
    let llama = gpt2.clone().with_family(Family::Llama);
    // SwiGLU keeps gate, up, SiLU(gate) and their product: 4 x 8/3 against GPT-2's 2 x 4 per
    // channel, so at a large batch (activations dominate) a Llama-style step needs more.
    let [gpt2_bytes, llama_bytes] = [&gpt2, &llama].map(|model| memory_estimate_bytes(model, 64));
    assert!(llama_bytes as f64 > 1.05 * gpt2_bytes as f64, "{llama_bytes} against GPT-2's {gpt2_bytes}");
}
