//! The page's release modules ship without wasm's name section (the function names, ~15% of a
//! module): a panic still reads well through the panic hook's message and source location.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32");
    let release = std::env::var("PROFILE").as_deref() == Ok("release");
    // `GPTLAB_WASM_NAMES=1` keeps them, for a size profile that names what costs the bytes.
    println!("cargo:rerun-if-env-changed=GPTLAB_WASM_NAMES");
    let names = std::env::var_os("GPTLAB_WASM_NAMES").is_some();
    if wasm && release && !names {
        println!("cargo:rustc-link-arg-bins=--strip-all");
        // wasm-bindgen reads from it which wasm features the module may use.
        println!("cargo:rustc-link-arg-bins=--keep-section=target_features");
    }
}
