//! What the session needs from the world around it, as small traits: the training worker
//! implements them with the browser's clock, storage, `postMessage` and WebGPU; native tests
//! with a fake clock, an in-memory store and a list of events.

use burn::prelude::*;

use super::protocol::{BackendChoice, DeviceInfo, Event};
use super::store::RunStore;
use crate::train::StepShape;

/// Milliseconds from any fixed origin: time per step, the time budget, how often to report.
pub trait Clock {
    fn now_ms(&self) -> f64;
}

/// Where events go: the page.
pub trait Outbox {
    fn post(&mut self, event: Event);
}

/// One run at a time across the page's tabs: they share the autosaves, and a GPU.
#[allow(async_fn_in_trait)]
pub trait TrainingLock {
    /// Takes the lock for a run unless another tab holds it; true when taken (or held already).
    async fn acquire(&mut self) -> bool;

    /// Lets another tab train.
    fn release(&mut self);
}

/// A device to train on, and what the page says of it.
#[derive(Clone)]
pub struct Backend {
    pub device: Device,
    pub info: DeviceInfo,
}

#[allow(async_fn_in_trait)]
pub trait Devices {
    /// The CPU: ready at once.
    fn cpu(&mut self) -> Backend;

    /// The GPU `choice` allows, opened, or why there is none to use.
    async fn open_gpu(&mut self, choice: BackendChoice) -> Result<Backend, String>;

    /// Starts `train::warm_up` of `gpu` for steps of `shape`, beside the session's own work.
    /// The driver hands what it reports to `Session::warm_up_progress` and `warmed_up`.
    fn warm_up(&mut self, gpu: &Backend, shape: &StepShape);
}

/// Everything the session asks of its surroundings.
pub trait Effects: Clock + Outbox + RunStore + TrainingLock + Devices {}

impl<T: Clock + Outbox + RunStore + TrainingLock + Devices> Effects for T {}
