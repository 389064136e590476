# Kyma Studio — the two commands a newcomer runs are `make demo` and `make test`.
SHELL := /bin/bash
export CARGO_TERM_COLOR ?= never
# Debug info off: a CI target/ of ~1 GB instead of ~4 GB, and faster links.
export CARGO_PROFILE_DEV_DEBUG ?= false

OS := $(shell uname -s)

.PHONY: deps deps-demo ui demo demo-cli run bundle deb icons test-icons test-bench-report test-e2e test check lint lint-workflows \
	test-rust test-ui bindings-check bench soak live-smoke check-windows check-macos clean

deps:            ## install what is missing for building and testing (apt on Debian/Ubuntu, Homebrew on macOS)
	@scripts/install-deps.sh test

deps-demo:       ## only what the demo needs (no test tools)
	@scripts/install-deps.sh demo

ui: deps         ## build the web UI into ui/dist (the app embeds it)
	npm --prefix ui run build

demo: deps-demo  ## start kyma-sim offline and launch the app against it with a demo key
	npm --prefix ui run build
	cargo build -p kyma-sim --bin kyma-sim -p kyma-studio --bin kyma-studio
	@scripts/app-demo.sh

demo-cli: deps-demo  ## the same simulator, driven by the kyma CLI: makes one clip
	cargo build -p kyma-sim --bin kyma-sim -p kyma-studio --bin kyma
	@scripts/demo.sh

run: deps-demo   ## launch the app against real Kyma (https://kymaapi.com/v1)
	npm --prefix ui run build
	cargo build -p kyma-studio --bin kyma-studio
	scripts/launch-app.sh target/debug/kyma-studio

bundle: ui       ## the release build and this system's bundles, inspected (Linux: .deb and .rpm; macOS: .app and .dmg)
	@scripts/bundle.sh

deb: bundle

icons:           ## every platform's icon, made again from icons/master.svg
	@scripts/make-icons.sh

test-icons:      ## each icon decodes and holds the sizes its platform needs (and the checker catches damage)
	python3 scripts/check_icons.py icons
	python3 scripts/test_check_icons.py

test-bench-report: ## bench_report.py reads the sub-benches' pages and judges each target as it should
	python3 scripts/test_bench_report.py

check: deps      ## the fast inner loop: fmt, clippy, unit tests, vitest (no simulator, no window)
	@[ -f ui/dist/index.html ] || npm --prefix ui run build
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo test --workspace --lib --bins
	npm --prefix ui test

lint: ui lint-workflows
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	@scripts/check-core-has-no-tauri.sh
	npm --prefix ui run check

lint-workflows: deps   ## actionlint and zizmor on .github/workflows, offline (pinned, in target/tools/venv)
	@scripts/lint-workflows.sh

test-rust: ui
	cargo build -p kyma-sim --bin kyma-sim
	scripts/with-keyring.sh cargo test --workspace --exclude kyma-e2e

test-ui: deps
	npm --prefix ui test

# ts-rs regenerates ui/src/lib/ipc/bindings during `cargo test`; committed files must match.
bindings-check: test-rust
	@git diff --exit-code --stat -- ui/src/lib/ipc/bindings || { echo "IPC bindings drifted from the Rust types: commit ui/src/lib/ipc/bindings" >&2; exit 1; }
	@untracked=$$(git ls-files --others --exclude-standard -- ui/src/lib/ipc/bindings); [ -z "$$untracked" ] || { echo "New IPC bindings not committed: $$untracked" >&2; exit 1; }

test-e2e: ui     ## the real window under Xvfb: tauri-driver + WebKitWebDriver against kyma-sim (Linux only)
ifeq ($(OS),Linux)
	@scripts/e2e.sh
else
	@echo "test-e2e: skipped on $(OS): tauri-driver drives only WebKitGTK (Linux) and WebView2 (Windows)"
endif

test: deps lint test-icons test-bench-report test-rust test-ui bindings-check test-e2e bundle   ## every test: lints, icons, the bench report, Rust, UI, the real window, the bundles

bench: ui        ## measured figures (not part of make test): the gallery with 1,000 and 10,000 clips, a 50-picture batch at tier 1
	@scripts/install-deps.sh bench
	@scripts/bench.sh

live-smoke: ui   ## the whole path against real Kyma for about $1.50, asking first (never in make test): needs KYMA_API_KEY; ARGS=--yes skips the question
	@test -n "$$KYMA_API_KEY" || { echo "live-smoke: set KYMA_API_KEY to the key to test with (and KYMA_API_BASE for another server than Kyma)"; exit 2; }
	@cargo run --quiet --bin kyma -- live-smoke --report target/live-smoke/report.json $(ARGS)

soak: ui         ## the long crash matrix (CLI and app, 8 points × 5 models) and the 200-job fault soak
	@scripts/soak.sh

check-windows: ui  ## cargo check + clippy of the Windows build from Linux (mingw-w64), and each OS's keychain store
	@scripts/check-windows.sh

check-macos: ui    ## cargo check + clippy of the macOS build's Rust from Linux (its C/Objective-C stubbed: no SDK here)
	@scripts/check-macos.sh

clean:
	cargo clean
