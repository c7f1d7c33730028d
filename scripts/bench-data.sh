#!/usr/bin/env bash
# Data benchmark: Parquet and text preparation throughput (native), and BPE training on MB
# (default 10) of text in the page (its worker) and natively, interleaved. One line per figure.
# Usage: scripts/bench-data.sh [runs] [MB]
source "$(dirname "$0")/setup.sh" --browser-tests
cd "$root"
runs="${1:-3}"
megabytes="${2:-10}"

cargo build --release --example data_bench
trunk build --release

step "native data preparation"
"$CARGO_TARGET_DIR/release/examples/data_bench" prepare "$runs"

step "BPE training, page and native"
node tests/e2e/data-bench.js "$runs" "$megabytes"
