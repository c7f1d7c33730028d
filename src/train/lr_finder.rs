//! The learning-rate range test, run on a copy of a trainer's model and optimizer: the copy
//! trains at rates rising step by step (`LrRange`) and is dropped afterwards, so the trainer's
//! own weights and moments stay exactly as they were. burn's tensors are immutable values
//! shared by clones; an update writes new ones.

use burn::prelude::*;

use super::optimizer::ModelOptimizer;
use super::trainer::step_seed;
use super::{LrCurve, LrRange, Trainer};
use crate::model::{Gpt, read_floats};

pub struct LrFinder {
    /// The copy that trains, on the trainer's autodiff device.
    model: Gpt,
    optimizer: ModelOptimizer,
    range: LrRange,
    step: usize,
}

impl LrFinder {
    /// A test of `range` on a copy of `trainer`'s model and optimizer.
    pub fn new(trainer: &Trainer, range: LrRange) -> Self {
        let (model, optimizer) = trainer.model_and_optimizer();
        Self { model: model.clone(), optimizer: optimizer.clone(), range, step: 0 }
    }

    /// Trains the copy one step at the range's next rate: returns that rate and the step's loss
    /// (before its update; `[1]`, not read back), or `None` after the range's last step. The
    /// batches are the run's first ones, from `trainer`'s data and seed.
    pub fn step(&mut self, trainer: &Trainer) -> Option<(f64, Tensor<1>)> {
        if self.step >= self.range.steps {
            return None;
        }
        let learning_rate = self.range.learning_rate(self.step);
        let (loss, grads) = trainer.loss_and_grads(&self.model, step_seed(trainer.config().seed, self.step));
        let (model, _) = self.optimizer.step(learning_rate, self.model.clone(), grads);
        self.model = model;
        self.step += 1;
        Some((learning_rate, loss))
    }
}

/// The whole range test on a copy of `trainer`'s model, each loss read back, stopped where the
/// loss blows up.
pub async fn find_learning_rate(trainer: &Trainer, range: LrRange) -> Result<LrCurve, String> {
    let mut finder = LrFinder::new(trainer, range);
    let mut curve = LrCurve::default();
    while let Some((learning_rate, loss)) = finder.step(trainer) {
        let loss = read_floats(loss).await?[0];
        if !curve.record(learning_rate, loss) {
            break;
        }
    }
    Ok(curve)
}
