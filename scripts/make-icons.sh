#!/usr/bin/env bash
# Makes every platform's icon from the one master, icons/master.svg, with the Tauri CLI (offline):
# icon.ico (Windows, 16–256 px), icon.icns (macOS, 16–1024 px), and the PNGs the Linux bundles
# install into the hicolor theme. `make test-icons` checks what this wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ui/node_modules/.bin/tauri icon icons/master.svg --output "$out" >/dev/null
# Only what our bundles use (the CLI also writes Android, iOS and Microsoft Store images).
for f in 32x32.png 64x64.png 128x128.png 128x128@2x.png icon.png icon.ico icon.icns; do
  cp "$out/$f" "icons/$f"
done
python3 scripts/check_icons.py icons
