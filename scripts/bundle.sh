#!/usr/bin/env bash
# The release build and this system's bundles, then inspects them (`make bundle`, part of make test):
#   Linux: .deb and .rpm (scripts/check-linux-bundles.sh). The AppImage is not built: its tools are
#          downloaded from GitHub at build time, which our offline machines cannot reach.
#   macOS: .app and .dmg (scripts/check-macos-bundle.sh).
# Windows builds its .msi and NSIS installer with the npm/cargo commands in README.
set -euo pipefail
cd "$(dirname "$0")/.."
case "$(uname -s)" in
  Linux) bundles=deb,rpm check=scripts/check-linux-bundles.sh ;;
  Darwin) bundles=app,dmg check=scripts/check-macos-bundle.sh ;;
  *) echo "bundle: on Windows run: npx --prefix ui tauri build --bundles nsis,msi" >&2; exit 1 ;;
esac
start=$(date +%s)
ui/node_modules/.bin/tauri build --bundles "$bundles"
echo "bundle: built $bundles in $(( $(date +%s) - start )) s"
"$check"
