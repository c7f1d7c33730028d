//! The worker that trains: it runs the training session (`session::Session`), handing it the
//! page's commands between training steps, so the page's thread only draws. This file is the
//! loop and the browser's side of the session's effects; the rules live in `session`.

use futures::StreamExt;
use futures::channel::mpsc::{self, UnboundedReceiver, UnboundedSender};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::backend;
use super::browser::{now_ms, sleep_ms, try_lock};
use super::storage;
use super::worker::{self, READY};
use crate::checkpoint::RunIdentity;
use crate::data::Corpus;
use crate::session::protocol::{BackendChoice, Command, Event};
use crate::session::{
    Backend, Clock, Devices, Outbox, RunStore, SavedRun, Session, StoreError, TrainingLock,
};
use crate::train::{self, StepShape};

/// The Web Lock a tab holds while it trains.
const TRAINING_LOCK: &str = "gptlab-training";
/// How long a page asks for the lock before it says another tab holds it: 2 s.
const LOCK_TRIES: u32 = 10;
const LOCK_RETRY_MS: u32 = 200;

/// Longest stretch of training between two looks at the page's messages.
const SLICE_MS: f64 = 50.0;

/// What the session's loop takes in: the page's commands, and the GPU warm-up's reports.
enum Input {
    Command(Command),
    WarmUpProgress(usize),
    WarmedUp(Result<(), String>),
}

/// Runs in the worker: takes the page's commands and serves them until the page goes away.
pub fn serve_training() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let (sender, inputs) = mpsc::unbounded();
    let from_page = sender.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        // A message this module cannot read came from another version of the page: ignore it.
        if let Ok(command) = worker::decode::<Command>(&event.data()) {
            let _ = from_page.unbounded_send(Input::Command(command));
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let fx = BrowserEffects { scope: scope.clone(), release: None, inputs: sender };
    spawn_local(serve(Session::new(), fx, inputs));
    let _ = scope.post_message(&READY.into());
}

async fn serve(mut session: Session, mut fx: BrowserEffects, mut inputs: UnboundedReceiver<Input>) {
    let mut slice_started = now_ms();
    loop {
        let input = if session.working() {
            inputs.try_recv().ok() // None: nothing new
        } else {
            match inputs.next().await {
                Some(input) => Some(input),
                None => return,
            }
        };
        match input {
            Some(Input::Command(command)) => session.handle(command, &mut fx).await,
            Some(Input::WarmUpProgress(done)) => session.warm_up_progress(done, &mut fx),
            Some(Input::WarmedUp(outcome)) => session.warmed_up(outcome, &mut fx).await,
            None => {}
        }
        if session.working() {
            session.step(&mut fx).await;
            if now_ms() - slice_started > SLICE_MS {
                sleep_ms(0).await; // a macrotask boundary: the page's messages arrive
                slice_started = now_ms();
            }
        }
    }
}

/// The session's effects in a worker: `performance.now()`, `postMessage` to the page, the
/// Cache API for the autosave, a Web Lock shared by the page's tabs, and the browser's WebGPU or
/// the CPU.
struct BrowserEffects {
    scope: DedicatedWorkerGlobalScope,
    /// Gives back the training lock, while this worker holds it.
    release: Option<js_sys::Function>,
    /// Where the GPU warm-up reports, beside the page's commands.
    inputs: UnboundedSender<Input>,
}

impl Clock for BrowserEffects {
    fn now_ms(&self) -> f64 {
        now_ms()
    }
}

impl Outbox for BrowserEffects {
    fn post(&mut self, event: Event) {
        let _ = worker::post(&self.scope, event);
    }
}

impl RunStore for BrowserEffects {
    async fn save(
        &mut self,
        run: &RunIdentity,
        checkpoint: &[u8],
        corpus: Option<&Corpus>,
    ) -> Result<(), StoreError> {
        storage::save_run(run, checkpoint, corpus).await.map_err(|e| StoreError(e.to_string()))
    }

    async fn load(&mut self) -> Result<Option<SavedRun>, StoreError> {
        storage::load_run().await.map_err(|e| StoreError(e.to_string()))
    }
}

impl TrainingLock for BrowserEffects {
    /// A page that replaced another (a reload, a link followed) can find the lock still held
    /// for a moment while the old page's worker ends: it asks again for a while before calling
    /// the holder another tab.
    async fn acquire(&mut self) -> bool {
        for attempt in 0..LOCK_TRIES {
            if self.release.is_some() {
                break;
            }
            if attempt > 0 {
                sleep_ms(LOCK_RETRY_MS).await;
            }
            self.release = try_lock(TRAINING_LOCK).await;
        }
        self.release.is_some()
    }

    fn release(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.call0(&wasm_bindgen::JsValue::NULL);
        }
    }
}

impl Devices for BrowserEffects {
    fn cpu(&mut self) -> Backend {
        backend::cpu()
    }

    async fn open_gpu(&mut self, _: BackendChoice) -> Result<Backend, String> {
        backend::open_gpu().await
    }

    /// The warm-up runs as a task of this worker, between the session's steps: the run's
    /// weights live in this worker's memory and move to the GPU between two steps, which a
    /// second worker could do only by copying them across. Its steps mostly wait on the GPU, so
    /// the CPU's steps go on meanwhile.
    fn warm_up(&mut self, gpu: &Backend, shape: &StepShape) {
        let (device, shape, inputs) = (gpu.device.clone(), shape.clone(), self.inputs.clone());
        spawn_local(async move {
            let progress = |done| drop(inputs.unbounded_send(Input::WarmUpProgress(done)));
            let outcome = train::warm_up(&device, &shape, progress).await;
            let _ = inputs.unbounded_send(Input::WarmedUp(outcome));
        });
    }
}
