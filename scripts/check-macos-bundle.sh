#!/usr/bin/env bash
# Inspects the macOS bundles `make bundle` built (run on macOS only: the CI workflow's macos-14 leg):
# the .app holds the binary, the .icns and an Info.plist stating the minimum macOS version that
# tauri.conf.json declares; the .dmg exists and verifies.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "check-macos-bundle: $*" >&2; exit 1; }
app=$(ls -d target/release/bundle/macos/*.app 2>/dev/null | head -1)
dmg=$(ls -t target/release/bundle/dmg/*.dmg 2>/dev/null | head -1)
[ -n "$app" ] || fail "no .app under target/release/bundle/macos"
[ -n "$dmg" ] || fail "no .dmg under target/release/bundle/dmg"
[ -x "$app/Contents/MacOS/kyma-studio" ] || fail "$app has no Contents/MacOS/kyma-studio"
[ -f "$app/Contents/Resources/icon.icns" ] || fail "$app has no icon.icns"
want=$(python3 -c "import json; print(json.load(open('tauri.conf.json'))['bundle']['macOS']['minimumSystemVersion'])")
got=$(/usr/libexec/PlistBuddy -c 'Print :LSMinimumSystemVersion' "$app/Contents/Info.plist")
[ "$got" = "$want" ] || fail "Info.plist says LSMinimumSystemVersion $got, tauri.conf.json $want"
hdiutil verify "$dmg" >/dev/null || fail "$dmg does not verify"
echo "$app: minimum macOS $got; $dmg: $(du -h "$dmg" | cut -f1)"
