#!/usr/bin/env bash
# A static check of the Windows build, from Linux (`make check-windows`; not part of `make test`):
#  1. each OS's build links its own keychain store — the keyring crate picks it per target at
#     build time, and a build without one has no store at all (cargo tree; nothing is built);
#  2. `cargo check` and `cargo clippy -D warnings` of the whole workspace, every target, for
#     x86_64-pc-windows-gnu: the cfg(windows) code compiles and is lint-clean. mingw-w64 provides
#     the C compiler (the build scripts of ring and the bundled SQLite) and windres (the icon and
#     manifest resource tauri-build writes). Nothing is linked or run: no Windows behaviour is tested.
# Installs the Rust target and the mingw-w64 packages when missing (scripts/install-deps.sh cross).
# About 10 minutes the first time on 2 cores, a minute after a change.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh cross

echo "== keychain stores per OS (cargo tree)"
store_of() { # target store [feature]
  local tree
  tree=$(cargo tree --locked -q --target "$1" -p kyma-studio -e features -i "$2")
  if [ -z "$tree" ]; then
    echo "$1: $2 is not in the build: the keychain would have no store there." >&2
    return 1
  fi
  if [ -n "${3:-}" ] && ! grep -q "$2 feature \"$3\"" <<<"$tree"; then
    echo "$1: $2 is built without its \"$3\" feature." >&2
    return 1
  fi
  echo "$1: $2 ${3:+($3)}"
}
store_of x86_64-pc-windows-gnu windows-native-keyring-store
store_of aarch64-apple-darwin apple-native-keyring-store keychain
store_of x86_64-apple-darwin apple-native-keyring-store keychain
store_of x86_64-unknown-linux-gnu zbus-secret-service-keyring-store crypto-rust

echo "== cargo check, Windows (x86_64-pc-windows-gnu)"
cargo check --locked --target x86_64-pc-windows-gnu --workspace --all-targets
echo "== cargo clippy, Windows (x86_64-pc-windows-gnu)"
cargo clippy --locked --target x86_64-pc-windows-gnu --workspace --all-targets -- -D warnings
echo "The Windows build checks clean."
