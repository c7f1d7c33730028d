#!/usr/bin/env bash
# Training-speed benchmark of the default (tutorial) preset on every backend this machine has:
# native CPU (burn flex), native wgpu (Vulkan; lavapipe without a GPU), and the built page in
# headless Chromium on the CPU (wasm) and on WebGPU. Prints one line per backend.
# Usage: scripts/bench.sh [preset] [native steps] [browser steps]
source "$(dirname "$0")/setup.sh" --browser-tests
cd "$root"
preset="${1:-tutorial}"
native_steps="${2:-40}"
browser_steps="${3:-40}"

cargo build --release --example bench
trunk build --release

step "native"
"$CARGO_TARGET_DIR/release/examples/bench" cpu "$preset" "$native_steps"
"$CARGO_TARGET_DIR/release/examples/bench" wgpu "$preset" 12

step "browser"
node tests/e2e/bench.js cpu "$preset" "$browser_steps"
# A software WebGPU adapter is ~100x slower than the CPU: few steps suffice.
node tests/e2e/bench.js webgpu "$preset" 6

step "generation (KV cache vs full recompute)"
cargo run --release --example generate_bench -- cpu "$preset" 40 3
