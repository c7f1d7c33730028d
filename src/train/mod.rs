//! Training: presets, batches of random windows, the learning-rate schedule and the loop's step,
//! the learning-rate range test and the time planner. Presets, the schedule, the memory a step
//! needs, the range test's curve and the plan are plain data and arithmetic, which the page's
//! interface uses too; the rest needs the engine.

#[cfg(feature = "engine")]
mod batch;
mod config;
#[cfg(feature = "engine")]
mod data_parallel;
mod error;
#[cfg(feature = "engine")]
mod loss;
#[cfg(feature = "engine")]
mod lr_finder;
mod lr_range;
mod memory;
#[cfg(feature = "engine")]
mod optimizer;
mod planner;
mod schedule;
#[cfg(feature = "engine")]
mod speed;
#[cfg(feature = "engine")]
mod trainer;
#[cfg(feature = "engine")]
mod warm_up;

#[cfg(feature = "engine")]
pub use batch::{Batch, random_windows};
pub use config::{Preset, TrainConfig};
#[cfg(feature = "engine")]
pub use data_parallel::loss_and_grads;
pub use error::TrainError;
#[cfg(feature = "engine")]
pub use loss::cross_entropy;
#[cfg(feature = "engine")]
pub use lr_finder::{LrFinder, find_learning_rate};
pub use lr_range::{LrCurve, LrPoint, LrRange};
pub use memory::{StepBuffer, check_buffer_limit, largest_buffer, memory_estimate_bytes, step_buffers};
#[cfg(feature = "engine")]
pub use optimizer::{ModelOptimizer, Moments, clip_grad_norm, global_grad_norm, moments};
pub use planner::{COMPUTE_OPTIMAL_TOKENS_PER_PARAMETER, MeasuredSpeed, Plan};
pub use schedule::learning_rate;
#[cfg(feature = "engine")]
pub use speed::tokens_per_second;
#[cfg(feature = "engine")]
pub use trainer::{StepOutput, Trainer, Unread};
#[cfg(feature = "engine")]
pub use warm_up::{StepShape, WARM_UP_STEPS, choose_kernels_untimed, untimed_kernel_settings, warm_up};
