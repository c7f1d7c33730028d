//! The training session: the run as a state machine that takes the page's commands and posts
//! events back. It owns the device, the model and the optimizer; what it needs from outside (a
//! clock, a store for the autosave, an outbox, devices) comes in through the traits of
//! `effects`; `gpu` holds the rules for moving a run between the CPU and the GPU. The
//! training worker drives it in the browser, native tests with fakes:
//!
//! ```text
//! loop {
//!     if let Some(command) = next command (waiting for one unless working) {
//!         session.handle(command, &mut effects).await;
//!     }
//!     if session.working() { session.step(&mut effects).await; }
//! }
//! ```

mod card;
#[cfg(feature = "engine")]
pub mod effects;
#[cfg(feature = "engine")]
mod error;
#[cfg(feature = "engine")]
mod gpu;
pub mod history;
#[cfg(feature = "engine")]
mod inspect;
#[cfg(feature = "engine")]
mod jobs;
#[cfg(feature = "engine")]
mod machine;
#[cfg(feature = "engine")]
mod models;
pub mod protocol;
#[cfg(feature = "engine")]
mod run;
#[cfg(feature = "engine")]
mod sampling;
mod store;
#[cfg(feature = "engine")]
mod training;
#[cfg(feature = "engine")]
mod trials;

pub use card::{SavedRunSummary, describe_saved_run, model_card, model_name};
#[cfg(feature = "engine")]
pub use effects::{Backend, Clock, Devices, Effects, Outbox, TrainingLock};
#[cfg(feature = "engine")]
pub use error::SessionError;
#[cfg(feature = "engine")]
pub use jobs::run_job;
#[cfg(feature = "engine")]
pub use machine::Session;
pub use protocol::{Command, Event, Phase};
pub use store::{RunStore, SavedRun, StoreError};
