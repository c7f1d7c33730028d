#!/usr/bin/env bash
# The training step of the two model families, GPT-2 and the Llama-style block, at the same
# sizes, batch, context and data, on one native backend, interleaved: ROUNDS rounds of one run of
# each (which goes first alternates), then each family's median of the runs' medians and the ratio.
# Usage: scripts/bench-family.sh [cpu|wgpu|gpu] [preset] [steps] [rounds]
source "$(dirname "$0")/setup.sh"
cd "$root"
backend="${1:-cpu}"
preset="${2:-tutorial}"
steps="${3:-30}"
rounds="${4:-5}"

cargo build --release --example bench
bench="$CARGO_TARGET_DIR/release/examples/bench"

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ms() { sed -n 's/.*median \([0-9.]*\) ms\/step.*/\1/p'; }

gpt2=(); llama=()
for round in $(seq "$rounds"); do
  order=(gpt2 llama)
  [ $((round % 2)) -eq 0 ] && order=(llama gpt2)
  for family in "${order[@]}"; do
    line="$("$bench" "$backend" "$preset" "$steps" "$family")"
    echo "round $round: $line"
    if [ "$family" = gpt2 ]; then gpt2+=("$(echo "$line" | ms)"); else llama+=("$(echo "$line" | ms)"); fi
  done
done

gpt2_ms="$(printf '%s\n' "${gpt2[@]}" | median)"
llama_ms="$(printf '%s\n' "${llama[@]}" | median)"
echo "$backend, $preset preset, median of $rounds runs: GPT-2 $gpt2_ms ms/step, Llama-style $llama_ms ms/step"
awk -v a="$gpt2_ms" -v b="$llama_ms" 'BEGIN { printf "Llama-style step = %.2f x GPT-2 step\n", b / a }'
