//! The worker that trains: it runs the training session (`session::Session`), handing it the
//! page's commands between training steps, so the page's thread only draws. This file is the
//! loop and the browser's side of the session's effects; the rules live in `session`.

use futures::StreamExt;
use futures::channel::mpsc::{self, UnboundedReceiver};
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

/// The Web Lock a tab holds while it trains.
const TRAINING_LOCK: &str = "gptlab-training";

/// Longest stretch of training between two looks at the page's messages.
const SLICE_MS: f64 = 50.0;

/// Runs in the worker: takes the page's commands and serves them until the page goes away.
pub fn serve_training() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let (sender, commands) = mpsc::unbounded();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        // A message this module cannot read came from another version of the page: ignore it.
        if let Ok(command) = worker::decode::<Command>(&event.data()) {
            let _ = sender.unbounded_send(command);
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    spawn_local(serve(Session::new(), BrowserEffects { scope: scope.clone(), release: None }, commands));
    let _ = scope.post_message(&READY.into());
}

async fn serve(mut session: Session, mut fx: BrowserEffects, mut commands: UnboundedReceiver<Command>) {
    let mut slice_started = now_ms();
    loop {
        let command = if session.working() {
            commands.try_recv().ok() // None: nothing new
        } else {
            match commands.next().await {
                Some(command) => Some(command),
                None => return,
            }
        };
        if let Some(command) = command {
            session.handle(command, &mut fx).await;
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
    async fn acquire(&mut self) -> bool {
        if self.release.is_none() {
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
    async fn open(&mut self, choice: BackendChoice) -> Backend {
        backend::select(choice).await
    }
}
