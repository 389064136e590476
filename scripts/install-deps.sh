#!/usr/bin/env bash
# Installs what Kyma Studio's build and tests need and is missing: Debian packages via apt (only
# the absent ones), then the Rust toolchain's components. Safe to run again; quiet when all is there.
set -euo pipefail

# --- make check-windows only (scripts/check-windows.sh) --------------------------------------
# `install-deps.sh --windows-check` installs just what the Windows cross-check needs, if missing:
# the Rust target x86_64-pc-windows-gnu, mingw-w64's C compiler (build scripts of ring and the
# bundled SQLite) and binutils (windres, for tauri-build's icon and manifest resource).
if [ "${1:-}" = "--windows-check" ]; then
  rustup target list --installed | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
  win_missing=()
  for p in gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || win_missing+=("$p")
  done
  if [ ${#win_missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${win_missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${win_missing[@]}" >/dev/null
  fi
  exit 0
fi
# ----------------------------------------------------------------------------------------------

packages=(
  build-essential pkg-config libssl-dev
  ffmpeg                       # kyma-sim renders real MP4s; tests probe them with ffprobe
  dbus dbus-x11 gnome-keyring  # the OS keychain (Secret Service) for keychain tests
  procps                       # pkill in scripts
  # The Tauri 2 shell on Linux (WebKitGTK 4.1) and playing clips in it (GStreamer, H.264/AAC):
  libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav
  # Driving the real window in end-to-end tests: a virtual display, WebDriver, an OS file drop:
  xvfb webkit2gtk-driver xdotool python3-gi gir1.2-gtk-3.0 imagemagick
  # make bench's baselines: libvips' vipsthumbnail for image preparation
  libvips-tools
)
command -v node >/dev/null || packages+=(nodejs npm)
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
if [ -f ui/package-lock.json ] && { [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; }; then
  echo "Installing the UI's npm packages (npm ci)"
  npm --prefix ui ci --no-audit --no-fund --loglevel=error
fi
# A real S3-compatible server for the image-hosting tests (pinned: 0.17 needs a newer rustc).
if ! command -v s3s-fs >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/s3s-fs" ]; then
  echo "Installing s3s-fs (local S3 server for the image-hosting tests; ~4 minutes once)"
  cargo install s3s-fs@0.14.1 --features binary --locked --quiet
fi
# The WebDriver bridge between the end-to-end tests and the app's WebKitWebDriver.
if ! command -v tauri-driver >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
  echo "Installing tauri-driver (end-to-end tests of the window)"
  cargo install tauri-driver@2.1.0 --locked --quiet
fi
for comp in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$comp" || rustup component add "$comp"
done
