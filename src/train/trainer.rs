use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{TrainConfig, learning_rate, random_windows};
use crate::model::{ConfigError, Gpt, GptConfig};

/// Why a run cannot start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    #[error("invalid model: {0}")]
    Config(#[from] ConfigError),
    #[error("the {split} text has {tokens} tokens; one training window needs {needed}")]
    TooLittleData { split: &'static str, tokens: usize, needed: usize },
    #[error(
        "a training step needs a {} MB buffer for its logits (batch {batch} × context {block_size} × \
         vocabulary {vocab_size} numbers), more than this GPU allows for one buffer ({} MB); choose a \
         smaller vocabulary, batch or context",
        needed / 1_000_000, limit / 1_000_000
    )]
    BufferTooLarge { needed: u64, limit: u64, batch: usize, block_size: usize, vocab_size: usize },
}

/// Bytes of the largest buffer a training step allocates: the logits, `[batch, block, vocab]`
/// f32 (their softmax and gradient are the same size).
pub fn largest_buffer_bytes(model: &GptConfig, batch_size: usize) -> u64 {
    (batch_size * model.block_size * model.vocab_size * size_of::<f32>()) as u64
}

/// Refuses a model whose step would need a buffer larger than the device's `limit` (WebGPU's
/// `maxStorageBufferBindingSize`) before anything is allocated.
pub fn check_buffer_limit(model: &GptConfig, batch_size: usize, limit: u64) -> Result<(), TrainError> {
    let needed = largest_buffer_bytes(model, batch_size);
    if needed <= limit {
        return Ok(());
    }
    let (block_size, vocab_size) = (model.block_size, model.vocab_size);
    Err(TrainError::BufferTooLarge { needed, limit, batch: batch_size, block_size, vocab_size })
}

/// Owns the model being trained, its optimizer and the batch sampler's state.
pub struct Trainer {
    /// On an autodiff device.
    model: Gpt,
    optimizer: ModuleOptimizer,
    config: TrainConfig,
    block_size: usize,
    train_tokens: Vec<u32>,
    validation_tokens: Vec<u32>,
    rng: StdRng,
    device: Device,
    step: usize,
}

impl Trainer {
    /// A fresh model for `model_config`, initialised from `config.seed`, ready to train on `device`.
    pub fn new(
        model_config: &GptConfig,
        config: TrainConfig,
        train_tokens: Vec<u32>,
        validation_tokens: Vec<u32>,
        device: &Device,
    ) -> Result<Self, TrainError> {
        model_config.validate()?;
        let needed = model_config.block_size + 1;
        for (split, tokens) in [("training", &train_tokens), ("validation", &validation_tokens)] {
            if tokens.len() < needed {
                return Err(TrainError::TooLittleData { split, tokens: tokens.len(), needed });
            }
        }
        let device = device.clone().autodiff();
        device.seed(config.seed);
        let optimizer = AdamWConfig::new()
            .with_beta_2(0.95)
            .with_epsilon(1e-8)
            .with_weight_decay(config.weight_decay)
            .init();
        Ok(Self {
            model: Gpt::new(model_config, &device),
            optimizer,
            rng: StdRng::seed_from_u64(config.seed),
            block_size: model_config.block_size,
            config,
            train_tokens,
            validation_tokens,
            device,
            step: 0,
        })
    }

    /// Steps taken so far.
    pub fn step_count(&self) -> usize {
        self.step
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The model as it stands, without autodiff, for sampling and saving.
    pub fn model(&self) -> Gpt {
        self.model.valid()
    }

    /// Tokens one step consumes.
    pub fn tokens_per_step(&self) -> usize {
        self.config.batch_size * self.block_size
    }

    /// One optimisation step on a fresh random batch. Returns the batch's loss, not yet read
    /// back: the caller decides when to pay for the read.
    pub fn step(&mut self) -> Tensor<1> {
        let lr = learning_rate(self.step, &self.config);
        let batch = random_windows(
            &self.train_tokens,
            self.block_size,
            self.config.batch_size,
            &mut self.rng,
            &self.device,
        );
        let loss = cross_entropy(self.model.forward(batch.inputs), batch.targets);
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        self.model = self.optimizer.step(lr, self.model.clone(), grads);
        self.step += 1;
        loss.inner()
    }

    /// Mean loss over the same `eval_batches` validation batches every time, so successive
    /// evaluations are comparable.
    pub fn validation_loss(&self) -> Tensor<1> {
        let model = self.model.valid();
        let device = self.device.clone().inner();
        let mut rng = StdRng::seed_from_u64(self.config.seed ^ 0xe7a1);
        let batches = self.config.eval_batches.max(1);
        let total = (0..batches)
            .map(|_| {
                let batch = random_windows(
                    &self.validation_tokens,
                    self.block_size,
                    self.config.batch_size,
                    &mut rng,
                    &device,
                );
                cross_entropy(model.forward(batch.inputs), batch.targets)
            })
            .reduce(|a, b| a + b)
            .expect("at least one batch");
        total.div_scalar(batches as f64)
    }
}

/// Mean next-token cross-entropy.
///
/// # Shapes
/// - logits: `[batch, seq, vocab]`, targets: `[batch, seq]` -> `[1]`
pub fn cross_entropy(logits: Tensor<3>, targets: Tensor<2, Int>) -> Tensor<1> {
    let [b, t, v] = logits.dims();
    CrossEntropyLossConfig::new()
        .init(&logits.device())
        .forward(logits.reshape([b * t, v]), targets.reshape([b * t]))
}
