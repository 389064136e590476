#!/usr/bin/env bash
# `make soak`: the long versions of the crash and fault tests (their short versions run in
# `make test`). The crash matrix kills the `kyma` CLI and the app at 8 points of a job's life ×
# the 5 models, and a batch and a board through the CLI (kill -9 once 2 of a batch's 6 jobs reached
# Kyma; a 5-model board at after_post_response), and audits the library against the simulator's
# books; the fault soak drives 200 jobs through kyma-sim's faults; the desktop faults (issue 15)
# fill a real small disk mid-download and run two processes on one library. Prints the tables and writes them to target/soak/SOAK.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}" CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-false}"
export KYMA_SOAK_FULL=1 KYMA_SOAK_REPORT="$PWD/target/soak" KYMA_E2E=1
rm -rf "$KYMA_SOAK_REPORT"
mkdir -p "$KYMA_SOAK_REPORT"
[ -f ui/dist/index.html ] || npm --prefix ui run build

start=$(date +%s)
cargo build -p kyma-sim --bin kyma-sim -p kyma-studio --bin kyma-studio --bin kyma
cargo test --no-run --test crash --test engine_faults --test disk_full --test two_processes --test sleep --test damaged_library --test clock --test library_folder
cargo test -p kyma-e2e --no-run --test crash_app
built=$(date +%s)

echo "== the CLI's crash matrix and the 200-job fault soak"
scripts/with-keyring.sh cargo test --no-fail-fast --test crash --test engine_faults -- --test-threads 1 --nocapture \
  crash_matrix jobs_under_faults 2>&1 | grep -v '^dbus-daemon' | tee "$KYMA_SOAK_REPORT/cli.log" | grep -E '^test |^test result' || true
echo "== desktop faults: a full disk, a sleeping laptop, a damaged database, the clock, a vanished library folder, two processes on one library"
scripts/with-keyring.sh cargo test --no-fail-fast --test disk_full --test two_processes --test sleep --test damaged_library --test clock --test library_folder -- --test-threads 1 --nocapture 2>&1 \
  | grep -v '^dbus-daemon' | tee "$KYMA_SOAK_REPORT/desktop.log" | grep -E '^test |^test result' || true
echo "== the app's crash matrix (the real window under Xvfb)"
scripts/with-xvfb.sh scripts/with-keyring.sh cargo test -p kyma-e2e --test crash_app -- --nocapture 2>&1 \
  | grep -v '^dbus-daemon' | tee "$KYMA_SOAK_REPORT/app.log" | grep -E '^  [a-z_]+ × |^test |^test result' || true

{
  printf '# make soak — %s\n\n%s · %s cores · build %d s, soak %d s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    "$(uname -srm)" "$(nproc)" $((built - start)) $(($(date +%s) - built))
  for f in crash-cli crash-groups crash-app fault-soak; do
    if [ -f "$KYMA_SOAK_REPORT/$f.md" ]; then cat "$KYMA_SOAK_REPORT/$f.md"; echo; else echo "### $f: no report (the test failed before writing it)"; echo; fi
  done
  echo "### Desktop faults (issue 15), each × the 5 models"
  echo
  echo "| fault | runs | lost paid clips | duplicate charges | broken files | double downloads |"
  echo "|---|---:|---:|---:|---:|---:|"
  cat "$KYMA_SOAK_REPORT/desktop-faults.md" 2>/dev/null || echo "| (no rows: the tests failed before writing them) | | | | | |"
  echo
} > "$KYMA_SOAK_REPORT/SOAK.md"
cat "$KYMA_SOAK_REPORT/SOAK.md"
# Fail when any test failed (each log ends with its result line).
if grep -q '^test result: FAILED\|panicked' "$KYMA_SOAK_REPORT/cli.log" "$KYMA_SOAK_REPORT/app.log" "$KYMA_SOAK_REPORT/desktop.log"; then
  echo "make soak: FAILED (logs in $KYMA_SOAK_REPORT/)" >&2
  exit 1
fi
for f in crash-cli crash-groups crash-app fault-soak; do [ -f "$KYMA_SOAK_REPORT/$f.md" ] || { echo "make soak: $f did not run" >&2; exit 1; }; done
echo "make soak: passed in $(($(date +%s) - start)) s"
