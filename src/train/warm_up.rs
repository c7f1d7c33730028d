//! A GPU's first steps compile every kernel a step needs: seconds to minutes on a slow GPU, paid
//! once per model size. `warm_up` pays it with steps of a throwaway model on made-up tokens, so
//! the run itself can train elsewhere meanwhile.

use burn::prelude::*;
use cubecl_runtime::config::CubeClRuntimeConfig;

use super::{TrainConfig, Trainer, Unread};
use crate::model::{GptConfig, read_floats};

/// Steps that compile a step's kernels: the first, and a second, for which burn's fusion builds
/// a few kernels of its own (7 of the tiny preset's 79, BENCHMARKS.md).
pub const WARM_UP_STEPS: usize = 2;

/// What a GPU's kernels are compiled for: the model's sizes and the batch.
#[derive(Debug, Clone, PartialEq)]
pub struct StepShape {
    pub model: GptConfig,
    pub train: TrainConfig,
}

impl StepShape {
    /// Whether a step of `other` runs the kernels of a step of this one.
    pub fn same_kernels(&self, other: &StepShape) -> bool {
        self.model == other.model
            && self.train.batch_size == other.train.batch_size
            && self.train.max_grad_norm.is_some() == other.train.max_grad_norm.is_some()
    }
}

/// Has autotune take each GPU operation's first-priority kernel instead of timing every candidate
/// (`untimed`, a patch of ours: vendor/README.md), for the GPUs this process opens from now on.
/// Timing compiles every candidate and reads the GPU back several times apiece, one round trip
/// each in a browser: on a first visit that held the first GPU step back by minutes on a slow GPU.
/// Untimed, a step compiles only the kernels it runs (BENCHMARKS.md compares the two). False when
/// autotune had read its settings already (a GPU was opened before), which then stay.
pub fn choose_kernels_untimed() -> bool {
    use cubecl_environment::config::RuntimeConfig;
    CubeClRuntimeConfig::try_set(untimed_kernel_settings())
}

/// cubecl's settings as `choose_kernels_untimed` sets them, for a tool or test that adds its own
/// (a log of the kernels compiled) before setting them.
pub fn untimed_kernel_settings() -> CubeClRuntimeConfig {
    let mut config = CubeClRuntimeConfig::default();
    config.autotune.bench.untimed = true;
    config
}

/// Takes `WARM_UP_STEPS` training steps of `shape` on `device`, each read back (so a browser's
/// event loop runs other work while the GPU is busy), calling `progress` with the steps done.
pub async fn warm_up(
    device: &Device,
    shape: &StepShape,
    mut progress: impl FnMut(usize),
) -> Result<(), String> {
    let mut trainer = scratch_trainer(device, shape, WARM_UP_STEPS)?;
    // Gathered as a run gathers its steps' values, so those joins are compiled here too; the
    // last step is waited for by reading them all.
    let mut unread = Unread::default();
    for done in 1..=WARM_UP_STEPS {
        let output = trainer.step();
        let loss = output.loss.clone();
        unread.push(done, output);
        match done < WARM_UP_STEPS {
            true => read_floats(loss).await?,
            false => read_floats(unread.take().expect("a step was pushed").1).await?,
        };
        progress(done);
    }
    Ok(())
}

/// Models up to this many parameters are initialised on the CPU for a scratch trainer.
const CPU_INIT_MAX_PARAMS: usize = 20_000_000;

/// A throwaway trainer of `shape` for `max_steps` steps, on made-up tokens: enough for the
/// batch's windows, every id in the vocabulary's range.
pub(super) fn scratch_trainer(
    device: &Device,
    shape: &StepShape,
    max_steps: usize,
) -> Result<Trainer, String> {
    let model = &shape.model;
    let tokens: Vec<u32> =
        (0..2 * (model.block_size + 1)).map(|i| (i * 7919 % model.vocab_size) as u32).collect();
    let config = TrainConfig { max_steps, eval_batches: 1, ..shape.train.clone() };
    // Initialised on the CPU and copied over, the model costs the GPU no kernels of its own: an
    // initialisation's random draws and fills are kernels no training step runs. A large model
    // is initialised where it trains rather than held twice.
    let on_cpu = *device != Device::flex() && model.param_count() <= CPU_INIT_MAX_PARAMS;
    let init_device = if on_cpu { Device::flex() } else { device.clone() };
    let mut trainer =
        Trainer::new(model, config, tokens.clone(), tokens, &init_device).map_err(|e| e.to_string())?;
    if on_cpu {
        trainer.fork_to(device);
    }
    Ok(trainer)
}
