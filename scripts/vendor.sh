#!/usr/bin/env bash
# Rebuilds the patched dependencies in vendor/ from their published crates and their patches,
# vendor/patches/<crate>-<version>.diff. The patches are the source; vendor/<crate> is generated.
# Usage: scripts/vendor.sh          rewrite each vendor/<crate> that differs from crate + patch
#        scripts/vendor.sh --check  list what differs and fail, rewriting nothing
#        scripts/vendor.sh --diff   rewrite each patch from the (edited) vendor/<crate>
set -euo pipefail

mode="${1:-}"
case "$mode" in "" | --check | --diff) ;; *) sed -n '4,6s/^# //p' "$0" >&2; exit 2 ;; esac
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${CARGO_HOME:-$HOME/.cargo}/registry/cache"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cached_crate() { ls "$cache"/*/"$1-$2.crate" 2>/dev/null | head -n1 || true; }

# Unpacks crate $1 version $2 into $3 as vendor/ keeps it.
unpack() {
  local name="$1" version="$2" out="$3" file
  file="$(cached_crate "$name" "$version")"
  if [ -z "$file" ]; then
    # Cargo downloads it (and checks it against the registry's checksum) for a throw-away project
    # that depends on exactly this version; this works wherever cargo can reach the registry.
    mkdir -p "$tmp/fetch/src" && touch "$tmp/fetch/src/lib.rs"
    printf '[package]\nname = "fetch"\nversion = "0.0.0"\nedition = "2021"\n[workspace]\n[dependencies]\n%s = "=%s"\n' \
      "$name" "$version" >"$tmp/fetch/Cargo.toml"
    cargo fetch --quiet --manifest-path "$tmp/fetch/Cargo.toml"
    rm -rf "$tmp/fetch"
    file="$(cached_crate "$name" "$version")"
    [ -n "$file" ] || { echo "cargo fetched $name $version, but not into $cache" >&2; exit 1; }
  fi
  mkdir -p "$out"
  # -m: the files get the current time, so that cargo rebuilds whatever a regeneration changed.
  tar -xzmf "$file" -C "$out" --strip-components=1
  # A crate's integration tests are dropped below, so its manifest loses the [[test]] targets that
  # name them and the dev-dependencies that came with them. Cargo never builds a dependency's tests.
  if [ -d "$out/tests" ]; then
    awk '/^\[/ { drop = /^\[\[test\]\]$/ || /^\[dev-dependencies[].]/ } !drop' "$out/Cargo.toml" >"$tmp/Cargo.toml"
    mv "$tmp/Cargo.toml" "$out/Cargo.toml"
  fi
  # Keep what building the library needs (README.md is the manifest's readme, build.rs its build
  # script); drop tests, benches, examples, other docs, Cargo.lock, Cargo.toml.orig and
  # .cargo_vcs_info.json.
  find "$out" -mindepth 1 -maxdepth 1 ! -name Cargo.toml ! -name README.md ! -name build.rs ! -name src \
    -exec rm -rf {} +
}

status=0
for patch in "$root"/vendor/patches/*.diff; do
  [[ "$(basename "$patch" .diff)" =~ ^(.+)-([0-9]+\.[0-9]+\.[0-9]+.*)$ ]] \
    || { echo "$patch: not named <crate>-<version>.diff" >&2; exit 2; }
  name="${BASH_REMATCH[1]}" version="${BASH_REMATCH[2]}"
  # a: the published crate (plus the patch, except with --diff); b: vendor/<crate>.
  work="$tmp/$name"
  unpack "$name" "$version" "$work/a"
  ln -s "$root/vendor/$name" "$work/b"

  if [ "$mode" = --diff ]; then
    # Timestamps are cut from the file headers, so that the diff changes only when the code does.
    (cd "$work" && diff -ruN a b || [ $? = 1 ]) | sed -E 's/^((---|\+\+\+) [^\t]*)\t.*$/\1/' >"$patch"
    echo "wrote vendor/patches/$(basename "$patch") ($(wc -l <"$patch") lines)"
    continue
  fi

  if [ -s "$patch" ]; then
    patch --quiet --batch --no-backup-if-mismatch -p1 -d "$work/a" <"$patch" \
      || { echo "vendor/patches/$(basename "$patch") does not apply to $name $version" >&2; exit 1; }
  fi
  if (cd "$work" && diff -rq a b >"$work/differences" 2>&1); then
    echo "vendor/$name is $name $version + its patch"
    continue
  fi
  if [ "$mode" = --check ]; then
    echo "vendor/$name differs from $name $version + vendor/patches/$(basename "$patch"):"
    sed -E "s|^Files a/(.*) and b/.* differ$|  vendor/$name/\1|
            s|^Only in a(/.*)?: (.*)$|  vendor/$name\1/\2 (missing)|
            s|^Only in b(/.*)?: (.*)$|  vendor/$name\1/\2 (not in crate + patch)|" "$work/differences"
    status=1
  else
    rm -rf "$root/vendor/$name"
    mv "$work/a" "$root/vendor/$name"
    echo "regenerated vendor/$name from $name $version + vendor/patches/$(basename "$patch")"
  fi
done
if [ "$status" != 0 ]; then
  echo "Regenerate with scripts/vendor.sh, or after editing vendor/ record the edit with scripts/vendor.sh --diff." >&2
fi
exit "$status"
