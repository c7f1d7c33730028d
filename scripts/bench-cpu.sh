#!/usr/bin/env bash
# gptlab's native CPU training step against PyTorch's, same model, batch, context and data,
# interleaved: ROUNDS rounds of one gptlab run then one PyTorch run, then the medians and ratio.
# Usage: scripts/bench-cpu.sh [preset] [steps] [rounds]
# PyTorch comes from $PYTHON (default python3); without torch there the comparison is skipped
# with the reason.
source "$(dirname "$0")/setup.sh"
cd "$root"
preset="${1:-tutorial}"
steps="${2:-30}"
rounds="${3:-3}"
python="${PYTHON:-python3}"

cargo build --release --example bench
text="$(mktemp)"
trap 'rm -f "$text"' EXIT
"$CARGO_TARGET_DIR/release/examples/bench" corpus > "$text"

torch_missing=""
if ! "$python" -c 'import torch' 2>/dev/null; then
  torch_missing="$("$python" -c 'import torch' 2>&1 | tail -1)"
fi

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ms() { sed -n 's/.*median \([0-9.]*\) ms\/step.*/\1/p'; }

ours=(); theirs=()
for round in $(seq "$rounds"); do
  line="$("$CARGO_TARGET_DIR/release/examples/bench" cpu "$preset" "$steps")"
  echo "round $round: $line"
  ours+=("$(echo "$line" | ms)")
  if [ -z "$torch_missing" ]; then
    line="$("$python" benchmarks/pytorch_gpt.py "$preset" "$steps" "$text")"
    echo "round $round: $line"
    theirs+=("$(echo "$line" | ms)")
  fi
done

gptlab_ms="$(printf '%s\n' "${ours[@]}" | median)"
echo "gptlab (burn flex) median of $rounds runs: $gptlab_ms ms/step"
if [ -n "$torch_missing" ]; then
  echo "PyTorch skipped: $python cannot import torch ($torch_missing); set PYTHON to an interpreter that has it"
  exit 0
fi
torch_ms="$(printf '%s\n' "${theirs[@]}" | median)"
echo "PyTorch median of $rounds runs: $torch_ms ms/step"
awk -v a="$gptlab_ms" -v b="$torch_ms" 'BEGIN { printf "gptlab tokens/s = %.2f x PyTorch tokens/s\n", b / a }'
