//! The page's entry point: everything lives in `gptlab::web`.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(gptlab::web::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("gptlab is a web page: serve it with `trunk serve` (see README.md)");
}
