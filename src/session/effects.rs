//! What the session needs from the world around it, as small traits: the training worker
//! implements them with the browser's clock, storage, `postMessage` and WebGPU; native tests
//! with a fake clock, an in-memory store and a list of events.

use burn::prelude::*;

use super::protocol::{BackendChoice, DeviceInfo, Event};
use crate::data::Corpus;

/// Milliseconds from any fixed origin: time per step, the time budget, how often to report.
pub trait Clock {
    fn now_ms(&self) -> f64;
}

/// Where events go: the page.
pub trait Outbox {
    fn post(&mut self, event: Event);
}

/// The autosaved run: a checkpoint with the optimizer's moments, and the corpus it trains on.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedRun {
    pub checkpoint: Vec<u8>,
    pub corpus: Corpus,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

// Implementations live on one thread (a worker), so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait RunStore {
    /// Saves the run's checkpoint, and its corpus when given (a run's corpus never changes, and
    /// it can be large: it is written once per run).
    async fn save(&mut self, checkpoint: &[u8], corpus: Option<&Corpus>) -> Result<(), StoreError>;

    /// The saved run, if there is one.
    async fn load(&mut self) -> Result<Option<SavedRun>, StoreError>;
}

/// A device to train on, and what the page says of it.
pub struct Backend {
    pub device: Device,
    pub info: DeviceInfo,
}

#[allow(async_fn_in_trait)]
pub trait Devices {
    /// The device for `choice`: the one asked for where it works, else the CPU, with a note why.
    async fn open(&mut self, choice: BackendChoice) -> Backend;
}

/// Everything the session asks of its surroundings.
pub trait Effects: Clock + Outbox + RunStore + Devices {}

impl<T: Clock + Outbox + RunStore + Devices> Effects for T {}
