#!/usr/bin/env bash
# The window tests: builds kyma-sim and the app, then runs `cargo test -p kyma-e2e` on a private
# Xvfb display inside a private D-Bus session with an unlocked GNOME Keyring (with-keyring.sh).
# The test starts kyma-sim and tauri-driver itself. Screenshots: target/e2e-shots/.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}" CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-false}"

for tool in Xvfb xdotool import ffmpeg ffprobe /usr/bin/WebKitWebDriver dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool is missing (make deps installs it)" >&2; exit 1; }
done
command -v tauri-driver >/dev/null || [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ] \
  || { echo "e2e: tauri-driver is missing: cargo install tauri-driver --locked" >&2; exit 1; }
export OS_DROP="${OS_DROP:-$(readlink -f ../shared/tools/os-drop 2>/dev/null || echo ../shared/tools/os-drop)}"
[ -x "$OS_DROP" ] || { echo "e2e: os-drop not found at $OS_DROP (set OS_DROP)" >&2; exit 1; }
[ -f ui/dist/index.html ] || npm --prefix ui run build

cargo build -p kyma-sim --bin kyma-sim -p kyma-studio --bin kyma-studio
cargo test -p kyma-e2e --no-run

# A free display number: no X socket or lock file for it yet.
display=99
while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null || true; wait "$xvfb" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done
[ -e "/tmp/.X11-unix/X$display" ] || { echo "e2e: Xvfb :$display did not start" >&2; exit 1; }

export DISPLAY=":$display" KYMA_E2E=1
start=$(date +%s)
scripts/with-keyring.sh cargo test -p kyma-e2e -- --nocapture
echo "e2e: passed in $(( $(date +%s) - start )) s; screenshots in target/e2e-shots/"
