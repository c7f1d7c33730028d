#!/usr/bin/env bash
# The benchmark suite: for each preset, the training step on every backend this machine has
# (native CPU, native wgpu: Vulkan, lavapipe without a GPU, and on Chromium's SwiftShader; the
# built page in headless Chromium on the CPU and on WebGPU), then generation with and without the
# KV cache natively (the page's generation with it). One line a figure: ms/step (median after the
# first step), tokens/s, GFLOP/s, peak memory, first step (on WebGPU in the page also with the
# kernel choices of an earlier run), ms/token.
# Usage: scripts/bench.sh [presets] [native steps] [browser steps]
#   e.g. scripts/bench.sh "tiny tutorial" 40 40
# scripts/bench-cpu.sh compares the native CPU step with PyTorch's, interleaved.
source "$(dirname "$0")/setup.sh" --browser-tests
cd "$root"
presets="${1:-tiny tutorial}"
native_steps="${2:-40}"
browser_steps="${3:-40}"

cargo build --release --example bench --example generate_bench
trunk build --release
bench="$CARGO_TARGET_DIR/release/examples/bench"
generate="$CARGO_TARGET_DIR/release/examples/generate_bench"
swiftshader=/usr/lib/chromium/vk_swiftshader_icd.json

for preset in $presets; do
  step "training, preset $preset"
  "$bench" cpu "$preset" "$native_steps"
  # Software Vulkan and software WebGPU are ~20-100x slower than the CPU: few steps suffice.
  "$bench" wgpu "$preset" 8
  # The browser's WebGPU adapter here is Chromium's own SwiftShader: native wgpu on that same
  # Vulkan driver tells the browser path's cost apart from the adapter's. Autotune at the "full"
  # level: the lower levels first probe the device's peak throughput with buffers SwiftShader's
  # Vulkan cannot allocate natively (wgpu "Out of Memory", a panic).
  if [ -f "$swiftshader" ]; then
    echo "native wgpu on Chromium's SwiftShader:"
    CUBECL_AUTOTUNE_LEVEL=full VK_ICD_FILENAMES="$swiftshader" "$bench" wgpu "$preset" 8 \
      || echo "native wgpu on SwiftShader $preset: failed (above)"
  fi
  # The page: training, generation, memory; on WebGPU also a second run that reuses the kernel
  # choices the first run's autotune stored in the browser.
  node tests/e2e/bench.js cpu "$preset" "$browser_steps"
  node tests/e2e/bench.js webgpu "$preset" 8 || echo "browser webgpu $preset: failed (above)"

  step "generation, preset $preset (KV cache against full recompute)"
  "$generate" cpu "$preset" fill 3
  "$generate" wgpu "$preset" fill 3
done
