#!/usr/bin/env bash
# Runs every test: native (CPU), native wgpu (Vulkan; lavapipe when there is no GPU), and the
# browser end-to-end tests on the built page (installs what is missing first).
source "$(dirname "$0")/setup.sh" --browser-tests
cd "$root"

step "vendored crates equal the published crates plus vendor/patches"
scripts/vendor.sh --check

step "native tests (CPU backend)"
cargo test --release --test native --test loss_curves --test fuzz_checkpoints -- --nocapture

step "native wgpu test"
cargo test --release --test wgpu_training -- --nocapture

step "building the page"
trunk build --release

step "browser end-to-end tests"
(cd tests/e2e && node --test --test-concurrency=1 .)
