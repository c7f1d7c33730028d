use std::collections::BTreeMap;

use burn::optim::GradientsParams;
use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::TrainError;
use super::data_parallel;
use super::loss::cross_entropy;
use super::optimizer::{ModelOptimizer, Moments};
use super::{TrainConfig, learning_rate, random_windows};
use crate::model::{Gpt, GptConfig};

/// What one step reports, not yet read back from the device.
pub struct StepOutput {
    /// The batch's mean loss, `[1]`.
    pub loss: Tensor<1>,
    /// The gradients' global norm before clipping, `[1]`.
    pub grad_norm: Tensor<1>,
}

/// The losses and gradient norms of the steps not read back yet, in one device tensor that
/// each step appends its row to. Two tensors joined at a time run the same kernel whatever the
/// count (rows are always 2 wide, so the copy's vector width is too), where joining all the
/// steps' values at the read compiles a kernel for each new count.
#[derive(Default)]
pub struct Unread {
    steps: Vec<usize>,
    /// `[steps.len(), 2]`: each step's loss and gradient norm.
    values: Option<Tensor<2>>,
}

impl Unread {
    pub fn push(&mut self, step: usize, output: StepOutput) {
        let row = Tensor::cat(vec![output.loss, output.grad_norm], 0).reshape([1, 2]);
        self.values = Some(match self.values.take() {
            Some(values) => Tensor::cat(vec![values, row], 0),
            None => row,
        });
        self.steps.push(step);
    }

    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The steps and their values, `[steps, 2]`, leaving none unread; `None` when there were none.
    pub fn take(&mut self) -> Option<(Vec<usize>, Tensor<2>)> {
        let values = self.values.take()?;
        Some((std::mem::take(&mut self.steps), values))
    }
}

/// Owns the model being trained and its optimizer. Step `n` draws its batch from a generator
/// seeded by `(seed, n)`, so the step count is the whole of the data position: a run restored
/// at step `n` draws the same batches as one that never stopped.
pub struct Trainer {
    /// On an autodiff device.
    model: Gpt,
    model_config: GptConfig,
    optimizer: ModelOptimizer,
    config: TrainConfig,
    block_size: usize,
    train_tokens: Vec<u32>,
    validation_tokens: Vec<u32>,
    device: Device,
    /// Parts each batch is split into, one thread each (see `data_parallel`).
    parts: usize,
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
            // An id past the embedding would read out of bounds on a GPU.
            let vocab_size = model_config.vocab_size;
            if let Some(&id) = tokens.iter().find(|&&id| id as usize >= vocab_size) {
                return Err(TrainError::TokenOutOfRange { split, id, vocab_size });
            }
        }
        let device = device.clone().autodiff();
        device.seed(config.seed);
        Ok(Self {
            model: Gpt::new(model_config, &device),
            model_config: model_config.clone(),
            optimizer: ModelOptimizer::new(&config),
            block_size: model_config.block_size,
            parts: data_parallel::parts(&device, config.batch_size, model_config.dropout),
            config,
            train_tokens,
            validation_tokens,
            device,
            step: 0,
        })
    }

    /// The autodiff device the model trains on; load a saved model here to `restore` it.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Continues a saved run: its weights (loaded on `device()`), optimizer moments and step.
    pub fn restore(&mut self, model: Gpt, moments: BTreeMap<String, Moments>, step: usize) {
        self.model = model;
        self.optimizer.restore(moments);
        self.step = step;
    }

    /// Goes on training on `device` (a device without autodiff) from `model` and `moments`,
    /// loaded on `device.clone().autodiff()`: the step, and so the data position, stay.
    pub fn move_to(&mut self, device: &Device, model: Gpt, moments: BTreeMap<String, Moments>) {
        self.device = device.clone().autodiff();
        self.parts = data_parallel::parts(&self.device, self.config.batch_size, self.model_config.dropout);
        self.model = model;
        self.optimizer.restore(moments);
    }

    /// Goes on training on `device` (without autodiff) from a copy of the model as it stands,
    /// moved through the host, with fresh optimizer moments.
    pub(super) fn fork_to(&mut self, device: &Device) {
        let model = self.model.clone().fork(&device.clone().autodiff());
        self.move_to(device, model, BTreeMap::new());
    }

    /// The optimizer's moments by parameter path, to save with the weights.
    pub fn moments(&self) -> &BTreeMap<String, Moments> {
        self.optimizer.moments()
    }

    /// The learning rate of the next step.
    pub fn learning_rate(&self) -> f64 {
        learning_rate(self.step, &self.config)
    }

    /// Steps taken so far.
    pub fn step_count(&self) -> usize {
        self.step
    }

    pub fn model_config(&self) -> &GptConfig {
        &self.model_config
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The model as it stands, without autodiff, for sampling and saving.
    pub fn model(&self) -> Gpt {
        self.model.valid()
    }

    /// Tokens of the validation text: with its bytes, they turn a loss into bits per byte.
    pub fn validation_token_count(&self) -> usize {
        self.validation_tokens.len()
    }

    /// Tokens one step consumes.
    pub fn tokens_per_step(&self) -> usize {
        self.config.batch_size * self.block_size
    }

    /// One optimisation step on this step's random batch. Returns the loss and gradient norm,
    /// not yet read back: the caller decides when to pay for the read.
    pub fn step(&mut self) -> StepOutput {
        let lr = self.learning_rate();
        let (loss, grads) = self.loss_and_grads(&self.model, step_seed(self.config.seed, self.step));
        let (model, grad_norm) = self.optimizer.step(lr, self.model.clone(), grads);
        self.model = model;
        self.step += 1;
        StepOutput { loss, grad_norm }
    }

    /// The loss of `model` (on the autodiff device) on the training batch `seed` draws, and its
    /// gradients.
    pub(super) fn loss_and_grads(&self, model: &Gpt, seed: u64) -> (Tensor<1>, GradientsParams) {
        // Dropout draws from the device's generator: seeding it per step keeps a restored run
        // on the same draws too.
        self.device.seed(seed);
        let mut rng = StdRng::seed_from_u64(seed);
        let batch = random_windows(
            &self.train_tokens,
            self.block_size,
            self.config.batch_size,
            &mut rng,
            &self.device,
        );
        data_parallel::loss_and_grads(model, batch, self.parts)
    }

    /// The model being trained (on the autodiff device) and its optimizer, for a learning-rate
    /// range test to copy.
    pub(super) fn model_and_optimizer(&self) -> (&Gpt, &ModelOptimizer) {
        (&self.model, &self.optimizer)
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

/// A distinct seed for every step of a run.
pub(super) fn step_seed(seed: u64, step: usize) -> u64 {
    seed ^ (step as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}
