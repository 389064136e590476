#!/usr/bin/env bash
# Checks the .deb that `make deb` built: it exists, installs the app binary, and depends on the
# GStreamer plugins that play H.264/AAC clips in WebKitGTK.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(ls -t target/release/bundle/deb/*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "no .deb under target/release/bundle/deb" >&2; exit 1; }
depends=$(dpkg-deb -f "$deb" Depends)
for p in gstreamer1.0-plugins-good gstreamer1.0-libav libwebkit2gtk-4.1-0; do
  grep -q "$p" <<<"$depends" || { echo "$deb does not depend on $p (Depends: $depends)" >&2; exit 1; }
done
dpkg-deb -c "$deb" | grep -q "usr/bin/kyma-studio" || { echo "$deb has no usr/bin/kyma-studio" >&2; exit 1; }
echo "$deb: $(du -h "$deb" | cut -f1), Depends: $depends"
