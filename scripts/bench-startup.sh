#!/usr/bin/env bash
# `make bench`, start-up and idle memory: Kyma Studio (release) against an empty Tauri 2 window
# (tests/bench/empty-app, built here into the same target/ with a copy of the root Cargo.lock), 7
# interleaved launches each, measured by scripts/bench_startup.py under a private X display, D-Bus
# session and keyring. Writes bench/startup.md and appends the ratios to bench/history.tsv.
# Expects target/release/{kyma-studio,kyma,kyma-sim} (scripts/bench.sh builds them).
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(realpath "${CARGO_TARGET_DIR:-target}")
for bin in kyma-studio kyma kyma-sim; do
  [ -x "$target/release/$bin" ] || { echo "bench-startup: $target/release/$bin is missing (scripts/bench.sh builds it)" >&2; exit 1; }
done
# Same crate versions as the app, so the release build reuses what target/release already holds.
cp Cargo.lock tests/bench/empty-app/Cargo.lock
CARGO_TARGET_DIR="$target" cargo build --release --manifest-path tests/bench/empty-app/Cargo.toml

measure=(python3 scripts/bench_startup.py --empty "$target/release/empty-app" --app "$target/release/kyma-studio"
  --kyma "$target/release/kyma" --sim "$target/release/kyma-sim" --out bench/startup.md --history bench/history.tsv)
if [ -n "${KYMA_KEYRING_SESSION:-}" ] && [ -n "${DISPLAY:-}" ]; then
  "${measure[@]}" # already inside with-xvfb.sh and with-keyring.sh
else
  scripts/with-xvfb.sh scripts/with-keyring.sh "${measure[@]}"
fi
