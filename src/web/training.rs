//! The page's end of the training worker: starts it, passes messages both ways, and starts it
//! again when it dies.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::{LocalStorage, StoredValue, WithValue};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use super::browser::{WebError, after_next_paint};
use super::worker;
use crate::session::protocol::{Command, Event, Phase};

/// The worker that trains. It starts once the page has been drawn: the engine it loads is most
/// of the page's bytes, and the first screen should not share the network with it. Commands sent
/// before it has loaded wait for it. A worker that dies
/// (a panic, a lost GPU) is reported, the run marked failed, and a new worker started, from
/// which the run resumes at its last autosave.
pub struct TrainingWorker {
    inner: Rc<Inner>,
}

type OnEvent = Box<dyn FnMut(Event)>;

struct Inner {
    worker: RefCell<Option<Worker>>,
    /// Commands held until the worker says it is ready (sent after `init`); `None` once it has.
    waiting: RefCell<Option<Vec<Command>>>,
    on_event: RefCell<OnEvent>,
    /// The first command of every worker.
    init: Command,
    restarts: Cell<u32>,
}

/// A worker that dies this often is not started again.
const MAX_RESTARTS: u32 = 3;

impl TrainingWorker {
    /// Starts the worker after the next paint; its events go to `on_event`. If it cannot start,
    /// an error event says why.
    pub fn start(init: Command, on_event: impl FnMut(Event) + 'static) -> Self {
        let inner = Rc::new(Inner {
            worker: RefCell::new(None),
            waiting: RefCell::new(Some(Vec::new())),
            on_event: RefCell::new(Box::new(on_event)),
            init,
            restarts: Cell::new(0),
        });
        let this = Rc::downgrade(&inner);
        after_next_paint(move || {
            let Some(inner) = this.upgrade() else { return };
            if let Err(error) = connect(&inner) {
                inner.emit(Event::Error { message: format!("the training worker could not start: {error}") });
            }
        });
        Self { inner }
    }

    pub fn send(&self, command: Command) {
        self.inner.send(command);
    }
}

impl Inner {
    fn send(&self, command: Command) {
        if let Some(queue) = self.waiting.borrow_mut().as_mut() {
            queue.push(command);
        } else if let Some(worker) = self.worker.borrow().as_ref() {
            let _ = worker::post(worker, command);
        }
    }

    fn emit(&self, event: Event) {
        (self.on_event.borrow_mut())(event);
    }

    /// The worker died: say so, and start another unless this happens too often.
    fn restart(self: &Rc<Self>, reason: &str) {
        if let Some(dead) = self.worker.borrow_mut().take() {
            dead.terminate();
        }
        let restarts = self.restarts.get() + 1;
        self.restarts.set(restarts);
        let restarted = restarts <= MAX_RESTARTS && connect(self).is_ok();
        let next = if restarted {
            "It was started again: resume the run from its last autosave."
        } else {
            "Reload the page to resume the run from its last autosave."
        };
        self.emit(Event::Error { message: format!("the training worker stopped ({reason}). {next}") });
        self.emit(Event::Phase(Phase::Failed));
    }
}

/// Starts a worker for `inner` and sends it the init command.
fn connect(inner: &Rc<Inner>) -> Result<(), WebError> {
    let worker = worker::start("training_worker")?;
    inner.waiting.borrow_mut().get_or_insert_default();
    let this = Rc::downgrade(inner);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(inner) = this.upgrade() else { return };
        let data = event.data();
        if worker::is_ready(&data) {
            let waiting = inner.waiting.borrow_mut().take().unwrap_or_default();
            inner.send(inner.init.clone());
            waiting.into_iter().for_each(|command| inner.send(command));
            return;
        }
        match worker::decode::<Event>(&data) {
            Ok(event) => inner.emit(event),
            Err(e) => inner.emit(Event::Error { message: format!("the training worker: {e}") }),
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget(); // lives as long as the worker
    let this = Rc::downgrade(inner);
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |error: JsValue| {
        if let Some(inner) = this.upgrade() {
            inner.restart(&worker::error_message(&error));
        }
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    *inner.worker.borrow_mut() = Some(worker);
    Ok(())
}

/// A `Copy` handle on the training worker for the page's components.
#[derive(Clone, Copy)]
pub struct Commands(StoredValue<TrainingWorker, LocalStorage>);

impl Commands {
    /// Starts the worker (see `TrainingWorker::start`).
    pub fn start(init: Command, on_event: impl FnMut(Event) + 'static) -> Self {
        Self(StoredValue::new_local(TrainingWorker::start(init, on_event)))
    }

    pub fn send(self, command: Command) {
        self.0.with_value(|worker| worker.send(command));
    }
}
