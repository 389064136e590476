#!/usr/bin/env bash
# `make bench`: measured figures, never part of `make test`. The gallery at scale
# (tests/e2e/src/bin/bench_gallery.rs): the release app with 1,000 and 10,000 seeded generations,
# driven under Xvfb in a private D-Bus session (bench/gallery.md); image preparation against
# vipsthumbnail (scripts/bench-image.sh, bench/image.md). Each step appends `<run>\t<metric>\t<value>`
# rows to bench/history.tsv, all of one run under the same BENCH_RUN (bench-image.sh still stamps its
# row with its own clock, to be switched to BENCH_RUN); the last step turns the history
# and the pages into bench/RESULTS.md and bench/history.svg (scripts/bench_report.py). Prints the tables.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_RUN="${BENCH_RUN:-$(date -u +%Y-%m-%dT%H:%MZ)}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
[ -f ui/dist/index.html ] || npm --prefix ui run build
cargo build --release -p kyma-sim --bin kyma-sim -p kyma-studio --bin kyma-studio --bin kyma -p kyma-e2e --bin bench_gallery

scripts/with-xvfb.sh scripts/with-keyring.sh target/release/bench_gallery --app target/release/kyma-studio --kyma target/release/kyma \
  --sim target/release/kyma-sim --sizes "${BENCH_GALLERY_SIZES:-1000,10000}" --out bench/gallery.md
# bench_gallery writes no history row: the 10,000-item "search in the store" median from its table.
python3 scripts/bench_report.py --append-gallery bench/gallery.md --tsv bench/history.tsv
scripts/bench-image.sh target/release/kyma
python3 scripts/bench_report.py
