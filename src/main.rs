//! The page's entry point: everything lives in `gptlab::web`.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    // The module also starts in the page's workers, which have no page to show.
    if web_sys::window().is_some() {
        leptos::mount::mount_to_body(gptlab::web::App);
    }
}

/// The entry point of the page's workers (see `gptlab::web::worker`).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn lab_worker() {
    gptlab::web::serve_jobs();
}

/// The entry point of the worker that trains (see `gptlab::web::lab_worker`).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn training_worker() {
    gptlab::web::serve_lab();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("gptlab is a web page: serve it with `trunk serve` (see README.md)");
}
