//! The page and its workers: Leptos components that turn clicks into commands of the training
//! session and its events into signals, the worker loops, and the browser's side of what the
//! layers below need (fetch and cache, storage, clock, the GPU probe). The only module that
//! knows it runs in a browser.

mod app;
mod backend;
mod browser;
mod cancel;
mod chart;
mod checkpoint;
mod controls;
mod data_summary;
mod dataset;
mod download_cache;
mod fetch;
mod header;
mod hub_picker;
mod job_worker;
mod link;
mod results;
mod run;
mod settings;
mod share;
mod storage;
mod studio;
mod tokenizer;
mod training;
mod training_worker;
mod worker;

pub use app::App;
pub use job_worker::serve_jobs;
pub use training_worker::serve_training;
