//! The page: Leptos components that turn clicks into calls of the layers below and their
//! results into signals. The only module that knows it runs in a browser.

mod app;
mod backend;
mod browser;
mod chart;
mod dataset;
mod fetch;
mod lab;
mod lab_worker;
mod link;
mod run;
mod settings;
mod share;
mod storage;
mod studio;
mod tokenizer;
mod worker;

pub use app::App;
pub use lab_worker::serve_lab;
pub use worker::serve_jobs;
