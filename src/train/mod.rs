//! Training: presets, batches of random windows, the learning-rate schedule and the loop's step.

mod batch;
mod config;
mod schedule;
mod trainer;

pub use batch::{Batch, random_windows};
pub use config::{Preset, TrainConfig};
pub use schedule::learning_rate;
pub use trainer::{TrainError, Trainer, check_buffer_limit, cross_entropy, largest_buffer_bytes};
