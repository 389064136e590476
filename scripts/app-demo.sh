#!/usr/bin/env bash
# Launches the desktop app against kyma-sim (offline) with a demo key. Used by `make demo`.
# KYMA_DEMO_HEADLESS=1 runs it on a virtual display (Xvfb) and saves a screenshot instead.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}/debug
demo_dir=${KYMA_DEMO_DIR:-$PWD/target/demo}
mkdir -p "$demo_dir"
"$target/kyma-sim" --listen 127.0.0.1:0 --key ky-demo-key-0000 --job-seconds 6 >"$demo_dir/sim.out" 2>"$demo_dir/kyma-sim.log" &
sim=$!
pids=($sim)
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$demo_dir/sim.out" ] && break; sleep 0.1; done
base=$(head -1 "$demo_dir/sim.out" | sed -n 's/^kyma-sim listening on //p')
[ -n "$base" ] || { echo "kyma-sim did not start; see $demo_dir/kyma-sim.log" >&2; exit 1; }
export KYMA_API_BASE="$base/v1" KYMA_API_KEY=ky-demo-key-0000 KYMA_DEMO=1
export KYMA_STUDIO_DATA_DIR="${KYMA_STUDIO_DATA_DIR:-$demo_dir/library}"
echo "kyma-sim at $base (offline, demo key); library in $KYMA_STUDIO_DATA_DIR"
if [ "${KYMA_DEMO_HEADLESS:-}" = 1 ]; then
  Xvfb :97 -screen 0 1440x900x24 >/dev/null 2>&1 &
  pids+=($!)
  export DISPLAY=:97
  sleep 1
  scripts/launch-app.sh "$target/kyma-studio" > "$demo_dir/app.log" 2>&1 &
  pids+=($!)
  sleep "${KYMA_DEMO_SECONDS:-8}"
  import -window root -crop 1280x800+0+0 +repage "$demo_dir/screenshot.png"
  echo "screenshot: $demo_dir/screenshot.png"
else
  scripts/launch-app.sh "$target/kyma-studio"
fi
