# Kyma Studio — the two commands a newcomer runs are `make demo` and `make test`.
SHELL := /bin/bash
export CARGO_TERM_COLOR ?= never
# Debug info off: a CI target/ of ~1 GB instead of ~4 GB, and faster links.
export CARGO_PROFILE_DEV_DEBUG ?= false

.PHONY: deps ui build demo demo-cli run deb test-e2e test lint test-rust test-ui bindings-check bench soak check-windows check-macos clean

deps:            ## install what is missing (Debian packages via apt only when absent, npm packages)
	@scripts/install-deps.sh

ui: deps         ## build the web UI into ui/dist (the app embeds it)
	npm --prefix ui run build

build: ui
	cargo build --workspace --all-targets

demo: ui         ## start kyma-sim offline and launch the app against it with a demo key
	cargo build -p kyma-sim --bin kyma-sim -p kyma-studio --bin kyma-studio
	@scripts/app-demo.sh

demo-cli: ui     ## the same simulator, driven by the kyma CLI: makes one clip
	cargo build -p kyma-sim --bin kyma-sim -p kyma-studio --bin kyma
	@scripts/demo.sh

run: ui          ## launch the app against real Kyma (https://kymaapi.com/v1)
	cargo build -p kyma-studio --bin kyma-studio
	dbus-run-session -- target/debug/kyma-studio

deb: ui          ## the release build and its .deb (depends on GStreamer's plugins for playback)
	ui/node_modules/.bin/tauri build --bundles deb
	@scripts/check-deb.sh

lint: ui
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	@scripts/check-core-has-no-tauri.sh
	npm --prefix ui run check

test-rust: ui
	cargo build -p kyma-sim --bin kyma-sim
	scripts/with-keyring.sh cargo test --workspace --exclude kyma-e2e

test-ui: deps
	npm --prefix ui test

# ts-rs regenerates ui/src/lib/ipc/bindings during `cargo test`; committed files must match.
bindings-check: test-rust
	@git diff --exit-code --stat -- ui/src/lib/ipc/bindings || { echo "IPC bindings drifted from the Rust types: commit ui/src/lib/ipc/bindings" >&2; exit 1; }
	@untracked=$$(git ls-files --others --exclude-standard -- ui/src/lib/ipc/bindings); [ -z "$$untracked" ] || { echo "New IPC bindings not committed: $$untracked" >&2; exit 1; }

test-e2e: ui     ## the real window under Xvfb: tauri-driver + WebKitWebDriver against kyma-sim
	@scripts/e2e.sh

test: deps lint test-rust test-ui bindings-check test-e2e deb   ## every test: lints, Rust, UI, the real window, the .deb

bench: ui        ## measured figures (not part of make test): the gallery with 1,000 and 10,000 clips
	@scripts/bench.sh

soak: ui         ## the long crash matrix (CLI and app, 8 points × 5 models) and the 200-job fault soak
	@scripts/soak.sh

check-windows: ui  ## cargo check + clippy of the Windows build from Linux (mingw-w64), and each OS's keychain store
	@scripts/check-windows.sh

check-macos: ui    ## cargo check + clippy of the macOS build's Rust from Linux (its C/Objective-C stubbed: no SDK here)
	@scripts/check-macos.sh

clean:
	cargo clean
