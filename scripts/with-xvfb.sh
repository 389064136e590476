#!/usr/bin/env bash
# Runs a command on a private Xvfb display (1600×1000×24, the first free number from :99),
# then stops the display: `scripts/with-xvfb.sh cmd args…`. Used by the window tests and `make bench`.
set -euo pipefail
command -v Xvfb >/dev/null || { echo "with-xvfb: Xvfb is missing (make deps installs it)" >&2; exit 1; }

# A free display number: no X socket or lock file for it yet.
display=99
while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null || true; wait "$xvfb" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done
[ -e "/tmp/.X11-unix/X$display" ] || { echo "with-xvfb: Xvfb :$display did not start" >&2; exit 1; }

DISPLAY=":$display" "$@"
