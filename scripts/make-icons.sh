#!/usr/bin/env bash
# Makes every platform's icon from the one master, icons/master.svg, with the Tauri CLI (offline):
# icon.ico (Windows, 16–256 px), icon.icns (macOS, 16–1024 px), and the PNGs the Linux bundles
# install into the hicolor theme. `make test-icons` checks what this wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ui/node_modules/.bin/tauri icon icons/master.svg --output "$out" >/dev/null 2>&1
# Only what our bundles use (the CLI also writes Android, iOS and Microsoft Store images).
for f in 32x32.png 64x64.png 128x128.png icon.png icon.ico icon.icns; do
  cp "$out/$f" "icons/$f"
done
# The CLI's 256 px PNG is "128x128@2x.png", which the Linux bundlers install as hicolor/256x256@2
# (a HiDPI folder for 512 px); named for its size it lands in hicolor/256x256, where desktops look.
cp "$out/128x128@2x.png" icons/256x256.png
python3 scripts/check_icons.py icons
