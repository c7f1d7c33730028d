//! How fast a device trains a model of given sizes: a few timed steps of a throwaway model, the
//! planner's input before any run has measured it.

use burn::prelude::*;

use super::StepShape;
use super::warm_up::scratch_trainer;
use crate::model::read_floats;

/// Steps timed, after one untimed step that builds the kernels and the optimizer's moments.
pub const TIMED_STEPS: usize = 3;

/// Tokens per second that `device` trains `shape` at, timed with `now_ms` (milliseconds).
pub async fn tokens_per_second(
    device: &Device,
    shape: &StepShape,
    now_ms: impl Fn() -> f64,
) -> Result<f64, String> {
    let mut trainer = scratch_trainer(device, shape, TIMED_STEPS + 1)?;
    read_floats(trainer.step().loss).await?;
    let started = now_ms();
    let mut last = None;
    for _ in 0..TIMED_STEPS {
        last = Some(trainer.step().loss);
    }
    // The steps queue on the device: reading the last loss waits for all of them.
    read_floats(last.expect("at least one timed step")).await?;
    let seconds = ((now_ms() - started) / 1e3).max(1e-6);
    Ok((TIMED_STEPS * trainer.tokens_per_step()) as f64 / seconds)
}
