//! What a Cancel button stops: the operation under way, set when it starts and cleared when it
//! ends (a download's `AbortController`, or a job's worker).

use std::rc::Rc;

use leptos::prelude::*;
use web_sys::{AbortController, AbortSignal};

#[derive(Clone, Copy)]
pub struct Canceller(RwSignal<Option<Rc<dyn Fn()>>, LocalStorage>);

impl Canceller {
    pub fn new() -> Self {
        Self(RwSignal::new_local(None))
    }

    /// `cancel` stops what just started.
    pub fn set(self, cancel: impl Fn() + 'static) {
        self.0.set(Some(Rc::new(cancel)));
    }

    /// A signal for a download that Cancel aborts.
    pub fn download(self) -> Option<AbortSignal> {
        let controller = AbortController::new().ok()?;
        let signal = controller.signal();
        self.set(move || controller.abort());
        Some(signal)
    }

    /// What was under way has ended.
    pub fn clear(self) {
        self.0.set(None);
    }

    pub fn cancel(self) {
        if let Some(cancel) = self.0.get_untracked() {
            cancel();
        }
    }

    /// Something can be cancelled (tracked: a button's `disabled` follows it).
    pub fn active(self) -> bool {
        self.0.with(Option::is_some)
    }
}
