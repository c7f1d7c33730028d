//! gptlab: train a small GPT in a browser tab, on the visitor's own GPU.
//!
//! The layers only look down: `web` (the page and its workers) drives `session` (the training
//! session: a run's rules, commands in and events out), which drives `train`, `sample` and
//! `checkpoint`, which use `model`; `data` and `tokenize` prepare what the model reads; `axis`
//! places values on a chart's axis. Only `web` knows the browser.

pub mod axis;
pub mod checkpoint;
pub mod data;
pub mod format;
pub mod model;
pub mod sample;
pub mod session;
pub mod tokenize;
pub mod train;
#[cfg(target_arch = "wasm32")]
pub mod web;
