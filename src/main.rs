//! The page's entry point: everything lives in `gptlab::web`.

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    /// The module's static constructors (burn's kernel dialects register themselves in them).
    /// Unless the module calls this itself, wasm-ld makes every export call it first, so every
    /// call from JavaScript into the page (each event, each object handed over) ran them all
    /// again: tens of milliseconds per call. Calling it once here turns that off.
    fn __wasm_call_ctors();
}

#[cfg(target_arch = "wasm32")]
fn main() {
    // SAFETY: wasm-ld's constructor function; main runs once per instance, before anything that
    // reads what the constructors register.
    unsafe { __wasm_call_ctors() };
    console_error_panic_hook::set_once();
    // The module also starts in the page's workers, which have no page to show.
    if web_sys::window().is_some() {
        leptos::mount::mount_to_body(gptlab::web::App);
    }
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
    eprintln!("gptlab is a web page: serve it with `trunk serve` (see README.md)");
}
