#!/usr/bin/env bash
# Inspects the .deb and the .rpm that `make bundle` built: each installs the app, the kyma CLI,
# the desktop entry and the icons, and declares the GStreamer plugins the player needs (H.264/AAC in
# WebKitGTK) and recommends a CJK font (Chinese, Japanese, Korean prompts) under its
# distribution's names, exactly as tauri.conf.json lists them.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "check-linux-bundles: $*" >&2; exit 1; }
conf() { python3 -c "import json,sys; c=json.load(open('tauri.conf.json')); print(' '.join($1))"; }
deb=$(ls -t target/release/bundle/deb/*.deb 2>/dev/null | head -1)
rpm=$(ls -t target/release/bundle/rpm/*.rpm 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no .deb under target/release/bundle/deb"
[ -n "$rpm" ] || fail "no .rpm under target/release/bundle/rpm"
command -v rpm >/dev/null || fail "rpm is missing (make deps installs it)"
# The hicolor sizes the Linux PNGs in tauri.conf.json install.
icon_sizes="32x32 64x64 128x128 256x256 512x512"

# .deb (Debian, Ubuntu)
depends=$(dpkg-deb -f "$deb" Depends)
for p in $(conf "c['bundle']['linux']['deb']['depends']") libwebkit2gtk-4.1-0 libgtk-3-0; do
  grep -qw -- "$p" <<<"$depends" || fail "$deb does not depend on $p (Depends: $depends)"
done
deb_recommends=$(dpkg-deb -f "$deb" Recommends)
for p in $(conf "c['bundle']['linux']['deb'].get('recommends', [])"); do
  grep -qw -- "$p" <<<"$deb_recommends" || fail "$deb does not recommend $p (Recommends: $deb_recommends)"
done
files=$(dpkg-deb -c "$deb" | awk '{ $1=$2=$3=$4=$5=""; sub(/^ +/, ""); print }')
for f in usr/bin/kyma-studio usr/bin/kyma "usr/share/applications/Kyma Studio.desktop"; do
  grep -qx -- "$f" <<<"$files" || fail "$deb has no $f"
done
for s in $icon_sizes; do
  grep -q "usr/share/icons/hicolor/$s/apps/kyma-studio.png" <<<"$files" || fail "$deb has no $s icon"
done
echo "$deb: $(du -h "$deb" | cut -f1), Depends: $depends; Recommends: $deb_recommends"

# .rpm (Fedora, openSUSE, RHEL): digests intact, then what it requires and recommends.
rpm -K --nosignature "$rpm" >/dev/null || fail "$rpm fails its digest check"
requires=$(rpm -qp --requires "$rpm" 2>/dev/null)
for p in $(conf "c['bundle']['linux']['rpm']['depends']") 'libwebkit2gtk-4.1.so.0()(64bit)'; do
  grep -qx -- "$p" <<<"$requires" || fail "$rpm does not require $p (Requires: $(tr '\n' ' ' <<<"$requires"))"
done
recommends=$(rpm -qp --recommends "$rpm" 2>/dev/null)
for p in $(conf "c['bundle']['linux']['rpm'].get('recommends', [])"); do
  grep -qx -- "$p" <<<"$recommends" || fail "$rpm does not recommend $p"
done
files=$(rpm -qpl "$rpm" 2>/dev/null)
for f in /usr/bin/kyma-studio /usr/bin/kyma "/usr/share/applications/Kyma Studio.desktop"; do
  grep -qx -- "$f" <<<"$files" || fail "$rpm has no $f"
done
for s in $icon_sizes; do
  grep -q "/usr/share/icons/hicolor/$s/apps/kyma-studio.png" <<<"$files" || fail "$rpm has no $s icon"
done
echo "$rpm: $(du -h "$rpm" | cut -f1), Requires: $(grep -v '^rpmlib' <<<"$requires" | tr '\n' ' ')Recommends: $(tr '\n' ' ' <<<"$recommends")"
