# Sourced by serve.sh and test.sh: installs what is missing, skips what is present.
# Usage: source scripts/setup.sh [--browser-tests]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Build outside the clone, so a fresh clone on the same machine reuses earlier builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gptlab/target}"
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n== %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  step "installing ${missing[*]} (apt)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

# clang compiles zstd's C for wasm32 (Parquet files compressed with zstd are read in the page).
apt_install clang

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

# trunk 0.22 needs a newer rustc than this machine's; 0.21 builds with it.
if ! command -v trunk >/dev/null; then
  step "installing trunk"
  cargo install trunk --version "~0.21" --locked
fi

# The CLI must match the wasm-bindgen crate in Cargo.lock exactly. No --locked: its own lock
# pins a crate version the registry no longer serves.
bindgen_version="$(grep -A1 '^name = "wasm-bindgen"$' "$root/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')"
if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$bindgen_version" ]; then
  step "installing wasm-bindgen-cli $bindgen_version"
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

if [ "${1:-}" = "--browser-tests" ]; then
  # numpy and safetensors for the independent GPT-2 check of the Hugging Face export.
  if ! python3 -c 'import numpy, safetensors' 2>/dev/null; then
    step "installing numpy and safetensors (pip)"
    python3 -m pip install --quiet numpy safetensors \
      || python3 -m pip install --quiet --user --break-system-packages numpy safetensors
  fi
  # Chromium for the browser tests; Mesa's lavapipe gives native wgpu a Vulkan device without a GPU.
  apt_install chromium mesa-vulkan-drivers libvulkan1
  # Installed again whenever the lock file changes (a copy of it marks what is installed).
  e2e="$root/tests/e2e"
  if ! cmp -s "$e2e/package-lock.json" "$e2e/node_modules/.installed-lock.json"; then
    step "installing the browser test packages (npm)"
    (cd "$e2e" && npm ci --no-audit --no-fund && cp package-lock.json node_modules/.installed-lock.json)
  fi
fi
