#!/usr/bin/env bash
# Installs what Kyma Studio's build and tests need and is missing: Debian packages via apt (only
# the absent ones), then the Rust toolchain's components. Safe to run again; quiet when all is there.
set -euo pipefail
packages=(
  build-essential pkg-config libssl-dev
  ffmpeg                       # kyma-sim renders real MP4s; tests probe them with ffprobe
  dbus dbus-x11 gnome-keyring  # the OS keychain (Secret Service) for keychain tests
  procps                       # pkill in scripts
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null; then
  echo "Rust is missing: install it with rustup (https://rustup.rs), then run make again." >&2
  exit 1
fi
for comp in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$comp" || rustup component add "$comp"
done
