#!/usr/bin/env bash
# Starts the desktop app: `scripts/launch-app.sh path/to/kyma-studio [args…]`.
# Linux: inside the user's D-Bus session when there is one (so the key goes to their keyring);
# without one (a bare console, ssh, CI) inside a private session from dbus-run-session, because
# WebKitGTK waits for a desktop portal on the session bus and would stall start-up without it.
# macOS and Windows have no D-Bus: the app starts directly.
set -euo pipefail
if [ "$(uname -s)" = Linux ] && [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  exec dbus-run-session -- "$@"
fi
exec "$@"
