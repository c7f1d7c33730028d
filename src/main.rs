//! The page: the user interface only. The training engine (burn, cubecl, tokenizers' trainers,
//! parquet) is a second binary, `gptlab-engine`, that the page's workers load while the page
//! already answers (see `gptlab::web::worker`).

#[cfg(target_arch = "wasm32")]
fn main() {
    gptlab::web::start_module();
    leptos::mount::mount_to_body(gptlab::web::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("gptlab is a web page: serve it with `trunk serve` (see README.md)");
}
