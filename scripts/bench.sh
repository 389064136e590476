#!/usr/bin/env bash
# `make bench`: measured figures, never part of `make test`; each a ratio to a baseline run in the
# same script on the same machine, medians of repeated runs:
#   the gallery at 1,000 and 10,000 seeded clips in the release app under Xvfb, its opening
#     against a static copy of its tiles in the empty Tauri window, and switching tabs
#     (tests/e2e/src/bin/bench_gallery.rs → bench/gallery.md);
#   image preparation vs vipsthumbnail (scripts/bench-image.sh → bench/image.md);
#   start-up and idle memory vs an empty Tauri window (scripts/bench-startup.sh → bench/startup.md);
#   a 1 GiB download vs curl, polling 500 jobs in flight, notice of finished clips at tier 4
#     (Kyma's queue full, then 500 more queued here), and a 50-picture `kyma batch` at tier 1
#     against the ideal schedule (scripts/bench_engine.py → bench/download.md, bench/polling.md,
#     bench/notice.md, bench/batch.md).
# Each step appends `<run>\t<metric>\t<value>` rows to bench/history.tsv under one BENCH_RUN; the
# last step writes bench/RESULTS.md and bench/history.svg (scripts/bench_report.py). Prints the tables.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_RUN="${BENCH_RUN:-$(date -u +%Y-%m-%dT%H:%MZ)}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
start=$(date +%s)
[ -f ui/dist/index.html ] || npm --prefix ui run build
cargo build --release -p kyma-sim --bin kyma-sim -p kyma-studio --bin kyma-studio --bin kyma -p kyma-e2e --bin bench_gallery --bin bench_batch_typing
# The empty Tauri window: the baseline of start-up and of opening the gallery (same crate
# versions as the app, so it reuses what target/release holds).
cp Cargo.lock tests/bench/empty-app/Cargo.lock
CARGO_TARGET_DIR="$(realpath "${CARGO_TARGET_DIR:-target}")" cargo build --release --manifest-path tests/bench/empty-app/Cargo.toml
echo "== bench: built in $(( $(date +%s) - start )) s"

echo "== bench: the gallery at 1,000 and 10,000 clips"
scripts/with-xvfb.sh scripts/with-keyring.sh target/release/bench_gallery --app target/release/kyma-studio --kyma target/release/kyma \
  --sim target/release/kyma-sim --empty target/release/empty-app --sizes "${BENCH_GALLERY_SIZES:-1000,10000}" --out bench/gallery.md
# bench_gallery writes no history row: the 10,000-item "search in the store" median from its table.
python3 scripts/bench_report.py --append-gallery bench/gallery.md --tsv bench/history.tsv
echo "== bench: image preparation vs vipsthumbnail"
scripts/bench-image.sh target/release/kyma
echo "== bench: start-up and idle memory vs an empty Tauri window"
scripts/bench-startup.sh
echo "== bench: a 1 GiB download vs curl"
python3 scripts/bench_engine.py download --kyma target/release/kyma --sim target/release/kyma-sim
echo "== bench: polling 500 jobs in flight"
python3 scripts/bench_engine.py polling --kyma target/release/kyma --sim target/release/kyma-sim
echo "== bench: notice of finished clips at tier 4 (about 7 minutes)"
python3 scripts/bench_engine.py notice --kyma target/release/kyma --sim target/release/kyma-sim
echo "== bench: a batch of 50 pictures at tier 1 (about 4 minutes)"
python3 scripts/bench_engine.py batch --kyma target/release/kyma --sim target/release/kyma-sim --images 50 --job-seconds 12
echo "== bench: typing while a batch runs, and a 5-model board in sync (the window)"
scripts/with-xvfb.sh scripts/with-keyring.sh target/release/bench_batch_typing --app target/release/kyma-studio \
  --sim target/release/kyma-sim --images 50 --job-seconds 12 --out bench/batch-typing.md
python3 scripts/bench_report.py
echo "== bench: done in $(( $(date +%s) - start )) s; bench/RESULTS.md, bench/history.svg"
