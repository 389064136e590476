#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with its own unlocked GNOME Keyring (the Secret
# Service), so keychain tests use the real OS keychain without touching the user's own.
# Linux only: macOS and Windows have no D-Bus, and their keychains belong to the logged-in user,
# so there the command runs as is and the real-keychain tests skip themselves (they need
# KYMA_KEYRING_SESSION); the app's own tests use an in-memory secret store on every OS.
set -euo pipefail
[ "$(uname -s)" = Linux ] || exec "$@"
if [ -z "${KYMA_KEYRING_SESSION:-}" ]; then
  exec dbus-run-session -- env KYMA_KEYRING_SESSION=1 "$0" "$@"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
eval "$(printf 'kyma-test' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
status=0
"$@" || status=$?
# Stop only this session's daemon (others may belong to concurrent runs): it holds our control dir.
if [ -n "${GNOME_KEYRING_CONTROL:-}" ]; then
  for pid in $(pgrep -u "$(id -u)" gnome-keyring-d); do
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR" && kill "$pid" 2>/dev/null
  done
fi
true
exit $status
