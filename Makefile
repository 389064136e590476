# Kyma Studio — the two commands a newcomer runs are `make demo` and `make test`.
SHELL := /bin/bash
export CARGO_TERM_COLOR ?= never
# Debug info off: a CI target/ of ~1 GB instead of ~4 GB, and faster links.
export CARGO_PROFILE_DEV_DEBUG ?= false

.PHONY: deps build demo test lint test-rust clean

deps:            ## install what is missing (Debian packages via apt only when absent)
	@scripts/install-deps.sh

build: deps
	cargo build --workspace --all-targets

demo: deps       ## start kyma-sim and make one clip with the CLI (works offline)
	cargo build -p kyma-sim --bin kyma-sim -p kyma-studio --bin kyma
	@scripts/demo.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	@scripts/check-core-has-no-tauri.sh

test-rust:
	cargo build -p kyma-sim --bin kyma-sim
	scripts/with-keyring.sh cargo test --workspace

test: deps lint test-rust   ## every test: lints, unit, integration (sim, CLI, crash, faults, keychain)

clean:
	cargo clean
