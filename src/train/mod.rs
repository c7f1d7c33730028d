//! Training: presets, batches of random windows, the learning-rate schedule and the loop's step.

mod batch;
mod config;
mod data_parallel;
mod loss;
mod memory;
mod optimizer;
mod schedule;
mod trainer;
mod warm_up;

pub use batch::{Batch, random_windows};
pub use config::{Preset, TrainConfig};
pub use data_parallel::loss_and_grads;
pub use loss::cross_entropy;
pub use memory::{StepBuffer, check_buffer_limit, largest_buffer, memory_estimate_bytes, step_buffers};
pub use optimizer::{ModelOptimizer, Moments, clip_grad_norm, global_grad_norm, moments};
pub use schedule::learning_rate;
pub use trainer::{StepOutput, TrainError, Trainer};
pub use warm_up::{StepShape, WARM_UP_STEPS, choose_kernels_untimed, warm_up};
