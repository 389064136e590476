#!/usr/bin/env bash
# Installs what Kyma Studio needs and is missing, for one purpose:
#   scripts/install-deps.sh demo    what `make demo` needs: build the app and the simulator, run them
#   scripts/install-deps.sh test    the above plus the test-only tools (default)
#   scripts/install-deps.sh bench   the above plus make bench's baselines
#   scripts/install-deps.sh cross   the above (demo) plus make check-windows / check-macos's Rust
#                                   targets and mingw-w64 (Linux only)
# Branches on the system: Debian/Ubuntu (apt, only the absent packages), macOS (Homebrew). Windows
# has its own script, scripts/install-deps.ps1. Safe to run again; quiet when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-test}
case "$purpose" in demo | test | bench | cross) ;; *) echo "usage: $0 [demo|test|bench|cross]" >&2; exit 2 ;; esac
wants() { # wants test → true when the purpose includes the test tools
  case "$1/$purpose" in demo/*| test/test | test/bench | bench/bench) return 0 ;; *) return 1 ;; esac
}

linux_packages() {
  # The app and the simulator: building them, and what the demo runs.
  echo build-essential pkg-config libssl-dev
  echo ffmpeg                       # kyma-sim renders real MP4s (and tests probe them with ffprobe)
  echo dbus procps                  # dbus-run-session when there is no session bus; pkill in scripts
  # The Tauri 2 shell on Linux (WebKitGTK 4.1) and playing clips in it (GStreamer, H.264/AAC):
  echo libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev
  echo gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav
  if wants test; then
    echo dbus-x11 gnome-keyring     # the OS keychain (Secret Service) for the keychain tests
    # Driving the real window in end-to-end tests: a virtual display, WebDriver, an OS file drop
    # (a GTK drag source, tests/e2e/drop), a real clipboard, screenshots:
    echo xvfb webkit2gtk-driver xdotool python3-gi gir1.2-gtk-3.0 imagemagick
    echo rpm cpio                    # inspecting the .rpm that make test builds
    echo python3-venv                # make lint's workflow linters live in a project-local venv
    # The window test's paste step: pictures and text on the X clipboard (tests/e2e/src/clipboard.rs).
    echo xclip
    # The clock test (tests/clock.rs): a real process whose wall clock jumps a day (libfaketime).
    echo faketime
  fi
  if wants bench; then
    echo libvips-tools               # make bench's baseline for image preparation (vipsthumbnail)
  fi
  if [ "$purpose" = cross ]; then
    # make check-windows: mingw-w64's C compiler (the build scripts of ring and the bundled
    # SQLite) and binutils (windres, for the icon and manifest resource tauri-build writes).
    echo gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64
  fi
}

install_linux() {
  command -v dpkg-query >/dev/null || {
    echo "This Linux has no apt/dpkg. Install the packages listed in scripts/install-deps.sh by your" \
      "distribution's names (see README, Build from source), then run make again." >&2
    exit 1
  }
  local packages missing=()
  read -r -a packages <<<"$(linux_packages | tr '\n' ' ')"
  command -v node >/dev/null || packages+=(nodejs npm)
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

install_macos() {
  xcode-select -p >/dev/null 2>&1 || {
    echo "The Xcode Command Line Tools are missing: run \`xcode-select --install\`, then make again." >&2
    exit 1
  }
  command -v brew >/dev/null || {
    echo "Homebrew is missing: install it from https://brew.sh, then run make again." >&2
    exit 1
  }
  # WKWebView, the Keychain and AVFoundation (H.264/AAC playback) come with macOS itself.
  local formulae=(node ffmpeg) missing=()
  wants bench && formulae+=(vips)
  wants test && formulae+=(libfaketime)
  for f in "${formulae[@]}"; do brew list --formula "$f" >/dev/null 2>&1 || missing+=("$f"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing with Homebrew: ${missing[*]}"
    brew install --quiet "${missing[@]}"
  fi
}

case "$(uname -s)" in
  Linux) install_linux ;;
  Darwin) install_macos ;;
  *)
    echo "On Windows use scripts/install-deps.ps1 and the npm/cargo commands in README (Build from source)." >&2
    exit 1
    ;;
esac

if ! command -v cargo >/dev/null; then
  echo "Rust is missing: install it with rustup (https://rustup.rs), then run make again." >&2
  exit 1
fi
if [ -f ui/package-lock.json ] && { [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; }; then
  echo "Installing the UI's npm packages (npm ci)"
  npm --prefix ui ci --no-audit --no-fund --loglevel=error
fi
cargo_tool() { command -v "$1" >/dev/null || [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/$1" ]; }
if wants test; then
  # A real S3-compatible server for the image-hosting tests (pinned: 0.17 needs a newer rustc).
  if ! cargo_tool s3s-fs; then
    echo "Installing s3s-fs (local S3 server for the image-hosting tests; ~4 minutes once)"
    cargo install s3s-fs@0.14.1 --features binary --locked --quiet
  fi
  # The WebDriver bridge between the end-to-end tests and WebKitWebDriver (Linux only: there is
  # no WebDriver for WKWebView on macOS).
  if [ "$(uname -s)" = Linux ] && ! cargo_tool tauri-driver; then
    echo "Installing tauri-driver (end-to-end tests of the window)"
    cargo install tauri-driver@2.1.0 --locked --quiet
  fi
  for comp in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$comp" || rustup component add "$comp"
  done
fi
if [ "$purpose" = cross ]; then
  for target in x86_64-pc-windows-gnu aarch64-apple-darwin; do
    rustup target list --installed | grep -qx "$target" || rustup target add "$target"
  done
fi
