#!/usr/bin/env bash
# `make demo`: starts kyma-sim (Kyma's simulator, offline) with a demo key and makes one clip with
# the kyma CLI — text-to-video, then image-to-video from a generated picture. Stops the simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}/debug
demo_dir=${KYMA_DEMO_DIR:-$PWD/target/demo}
mkdir -p "$demo_dir"
log="$demo_dir/kyma-sim.log"
"$target/kyma-sim" --listen 127.0.0.1:0 --key ky-demo-key-0000 --job-seconds 3 >"$demo_dir/sim.out" 2>"$log" &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  [ -s "$demo_dir/sim.out" ] && break
  sleep 0.1
done
base=$(head -1 "$demo_dir/sim.out" | sed -n 's/^kyma-sim listening on //p')
[ -n "$base" ] || { echo "kyma-sim did not start; see $log" >&2; exit 1; }
export KYMA_API_BASE="$base/v1" KYMA_API_KEY=ky-demo-key-0000 KYMA_STUDIO_DATA_DIR="$demo_dir/library"
echo "kyma-sim is running at $base (offline, demo key). Library: $KYMA_STUDIO_DATA_DIR"
"$target/kyma" catalog
echo
echo "Making a 3-second text-to-video clip with kling-3-pro-audio…"
clip=$("$target/kyma" generate --model kling-3-pro-audio --duration 3 \
  --prompt "a cinematic close-up of an hourglass on a wooden desk, golden hour, slow camera push-in")
echo "Clip: $clip"
if command -v ffprobe >/dev/null; then
  ffprobe -v error -show_entries stream=codec_type,codec_name,width,height -show_entries format=duration -of compact "$clip"
fi
echo
"$target/kyma" jobs
