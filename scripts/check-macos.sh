#!/usr/bin/env bash
# A type check of the macOS build, from Linux (`make check-macos`; not part of `make test`):
# `cargo check` and `cargo clippy -D warnings` of the whole workspace, every target, for
# aarch64-apple-darwin, so the cfg(target_os = "macos") Rust code compiles and is lint-clean.
# There is no macOS SDK here, so the C and Objective-C that four build scripts compile with cc-rs
# (objc2-exception-helper, mac-notification-sys, ring, libsqlite3-sys's bundled SQLite) are not
# compiled: CC and AR for that target are stubs that write empty objects and archives, which
# `cargo check` never links. A real macOS build is still the only proof of those parts.
# Installs the Rust target when missing. About 5 minutes the first time on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
target=aarch64-apple-darwin
scripts/install-deps.sh cross
# A fixed place, so the build scripts (which rerun when CC changes) are not rerun every time.
stubs="$(realpath -m "${CARGO_TARGET_DIR:-target}")/macos-stub-cc"
mkdir -p "$stubs"
cat >"$stubs/cc" <<'STUB'
#!/bin/sh
# Stub compiler: an empty object wherever -o points.
out=""
while [ $# -gt 0 ]; do
  case "$1" in -o) out="$2"; shift ;; --version|-v) echo "stub-cc 0"; exit 0 ;; esac
  shift
done
[ -z "$out" ] || : >"$out"
STUB
cat >"$stubs/ar" <<'STUB'
#!/bin/sh
# Stub archiver: an empty archive at the path cc-rs names.
case "${2:-}" in *.a) printf '!<arch>\n' >"$2" ;; esac
STUB
chmod +x "$stubs/cc" "$stubs/ar"
export CC_aarch64_apple_darwin="$stubs/cc" CXX_aarch64_apple_darwin="$stubs/cc" AR_aarch64_apple_darwin="$stubs/ar"
echo "== cargo check, macOS ($target; C and Objective-C stubbed)"
cargo check --locked --target "$target" --workspace --all-targets
echo "== cargo clippy, macOS ($target)"
cargo clippy --locked --target "$target" --workspace --all-targets -- -D warnings
echo "The macOS build's Rust checks clean (its C and Objective-C were not compiled)."
