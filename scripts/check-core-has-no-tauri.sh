#!/usr/bin/env bash
# The core (api/, jobs/, library/, media/, keychain.rs, fsutil.rs, diskspace.rs, ospath.rs) must never import
# tauri: it is tested without a window and shared with the CLI. Fails listing any file that does.
set -euo pipefail
cd "$(dirname "$0")/.."
core=(src-tauri/src/api src-tauri/src/jobs src-tauri/src/media src-tauri/src/library src-tauri/src/keychain.rs
      src-tauri/src/fsutil.rs src-tauri/src/diskspace.rs src-tauri/src/ospath.rs)
existing=()
for p in "${core[@]}"; do [ -e "$p" ] && existing+=("$p"); done
if hits=$(grep -rnE '(^|[^a-z_])tauri::|use tauri|extern crate tauri' "${existing[@]}"); then
  echo "The core imports tauri:" >&2
  echo "$hits" >&2
  exit 1
fi
echo "core is free of tauri (${existing[*]})"
