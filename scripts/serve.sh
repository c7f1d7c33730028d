#!/usr/bin/env bash
# Builds the page and serves it at http://127.0.0.1:8080 (installs what is missing first).
source "$(dirname "$0")/setup.sh"
cd "$root"
step "serving at http://127.0.0.1:8080"
exec trunk serve --release "$@"
