//! The page and its workers: Leptos components that turn clicks into commands of the training
//! session and its events into signals, the worker loops, and the browser's side of what the
//! layers below need (fetch and cache, storage, clock, the GPU probe). The only module that
//! knows it runs in a browser.

// The page's own build leaves the engine out (see `main.rs`): what only the workers use is
// then unused there.
#![cfg_attr(not(feature = "engine"), allow(dead_code))]

mod app;
mod attention;
#[cfg(feature = "engine")]
mod backend;
mod browser;
mod cancel;
mod chart;
mod checkpoint;
mod clean_report;
mod cleaning;
mod compare_runs;
mod controls;
mod data_summary;
mod dataset;
mod download_cache;
mod fetch;
mod header;
mod hub_picker;
mod job_worker;
mod link;
mod lr_finder;
mod planner;
mod results;
mod run;
mod runs;
mod settings;
mod share;
mod step;
mod storage;
mod studio;
mod tokenizer;
mod tokenizer_comparison;
mod training;
#[cfg(feature = "engine")]
mod training_worker;
mod worker;

pub use app::App;
#[cfg(feature = "engine")]
pub use job_worker::serve_jobs;
#[cfg(feature = "engine")]
pub use training_worker::serve_training;

unsafe extern "C" {
    /// The module's static constructors (burn's kernel dialects register themselves in them).
    /// Unless the module calls this itself, wasm-ld makes every export call it first, so every
    /// call from JavaScript into the module (each event, each object handed over) ran them all
    /// again: tens of milliseconds per call. Calling it once at start turns that off.
    fn __wasm_call_ctors();
}

/// What each of the two binaries (the page and the engine) does first.
pub fn start_module() {
    // SAFETY: wasm-ld's constructor function; `main` calls this once per instance, before
    // anything that reads what the constructors register.
    unsafe { __wasm_call_ctors() };
    console_error_panic_hook::set_once();
}
