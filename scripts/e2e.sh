#!/usr/bin/env bash
# The window tests: builds kyma-sim and the app, then runs `cargo test -p kyma-e2e` on a private
# Xvfb display inside a private D-Bus session with an unlocked GNOME Keyring (with-keyring.sh).
# The test starts kyma-sim and tauri-driver itself. Screenshots: target/e2e-shots/.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}" CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-false}"

for tool in Xvfb xdotool xclip import ffmpeg ffprobe /usr/bin/WebKitWebDriver dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool is missing (make deps installs it)" >&2; exit 1; }
done
command -v tauri-driver >/dev/null || [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ] \
  || { echo "e2e: tauri-driver is missing: cargo install tauri-driver --locked" >&2; exit 1; }
# The project's own OS-level drop helper (a GTK drag source driven by xdotool).
export OS_DROP="${OS_DROP:-$PWD/tests/e2e/drop/os-drop}"
[ -x "$OS_DROP" ] || { echo "e2e: os-drop not found at $OS_DROP (set OS_DROP)" >&2; exit 1; }
[ -f ui/dist/index.html ] || npm --prefix ui run build

cargo build -p kyma-sim --bin kyma-sim -p kyma-studio --bin kyma-studio --bin kyma
cargo test -p kyma-e2e --no-run

export KYMA_E2E=1
start=$(date +%s)
scripts/with-xvfb.sh scripts/with-keyring.sh cargo test -p kyma-e2e -- --nocapture
echo "e2e: passed in $(( $(date +%s) - start )) s; screenshots in target/e2e-shots/"
