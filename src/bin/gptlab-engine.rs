//! The training engine, loaded by the page's workers: the job worker (downloads, tokenizer
//! training, preparing data) and the training worker. See `gptlab::web::worker`.

#[cfg(target_arch = "wasm32")]
fn main() {
    gptlab::web::start_module();
}

/// The entry point of the job worker (see `gptlab::web::job_worker`).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn job_worker() {
    gptlab::web::serve_jobs();
}

/// The entry point of the worker that trains (see `gptlab::web::training_worker`).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn training_worker() {
    gptlab::web::serve_training();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the engine runs in the page's workers: serve the page with `trunk serve` (see README.md)");
}
