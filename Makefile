# The two commands a newcomer needs: `make run` and `make test`. Each installs what is
# missing first (scripts/setup.sh), then says what it does, step by step.

SHELL := /bin/bash
CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TARGET_DIR
APP_BIN := $(CARGO_TARGET_DIR)/debug/agentdesk
# Narrow the Rust packages for `make test-rust` with e.g. PKGS="-p intercom".
PKGS ?= --workspace --exclude agentdesk-e2e
# The whole e2e run's ceiling (each test also has its own deadline): a hang fails CI in minutes.
E2E_TIMEOUT ?= 15m

.PHONY: bench reliability screenshots run test setup setup-test ui app check-display lint-rust test-rust test-ui test-browser test-e2e bundle clean help

help:
	@echo "make run     install what is missing, build, and open Agentdesk"
	@echo "make test    install what is missing, then every check and test the project has"
	@echo "narrower:    make lint-rust | test-rust | test-ui | test-browser | test-e2e | bundle"
	@echo "long runs:   make bench (BENCHMARKS.md) | make reliability (RELIABILITY.md)"

setup:
	@bash scripts/setup.sh

setup-test:
	@bash scripts/setup.sh --test

# After setup, so the xvfb-run it suggests is installed by then. It only sees the variables;
# a DISPLAY nobody answers is caught by the binary itself (same message).
check-display:
	@if [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "error: no display found (DISPLAY and WAYLAND_DISPLAY are unset), so the window cannot open."; \
	  echo "Run it under a virtual display:  xvfb-run -a make run"; \
	  exit 1; \
	fi

ui:
	@echo "==> building the UI (ui/dist)"
	@npm --prefix ui run --silent build -- --logLevel warn

app: ui
	@echo "==> building the app (cargo build)"
	@cargo build --quiet --bin agentdesk

run: setup check-display app
	@echo "==> opening Agentdesk"
	@$(APP_BIN)

test: setup-test lint-rust test-rust test-ui test-browser test-e2e
	@echo "==> all checks passed"

lint-rust: ui
	@echo "==> cargo fmt --check"
	@cargo fmt --all --check
	@echo "==> cargo clippy --all-targets -- -D warnings"
	@cargo clippy --quiet --workspace --all-targets -- -D warnings
	@echo "==> cargo doc --no-deps (warnings denied: broken links, missing docs)"
	@RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps --workspace

test-rust: ui
	@echo "==> Rust tests (every crate but the e2e harness; no display needed)"
	@cargo test --quiet $(PKGS)

test-ui:
	@echo "==> UI typecheck (svelte-check)"
	@npm --prefix ui run --silent check
	@echo "==> UI lint (eslint)"
	@npm --prefix ui run --silent lint
	@echo "==> UI unit tests (vitest)"
	@npm --prefix ui run --silent test:unit

test-browser:
	@echo "==> UI tests in Chromium (playwright-core, mocked IPC)"
	@npm --prefix ui run --silent build:mock -- --logLevel warn
	@npm --prefix ui run --silent test:browser

test-e2e: app
	@echo "==> end-to-end tests of the built app (tauri-driver + WebKitWebDriver, under Xvfb)"
	@cargo build --quiet -p agentdesk-e2e --tests
	@AGENTDESK_BIN=$(APP_BIN) AGENTDESK_LOG=warn NO_AT_BRIDGE=1 timeout -k 30s $(E2E_TIMEOUT) \
	  xvfb-run -a -s "-screen 0 1280x800x24" cargo test --quiet -p agentdesk-e2e -- --test-threads=1

screenshots: setup-test app
	@echo "==> README screenshots from the real app (demo workspace, under Xvfb)"
	@AGENTDESK_BIN=$(APP_BIN) xvfb-run -a -s "-screen 0 1280x800x24" \
	  cargo run --quiet -p agentdesk-e2e --example screenshots -- docs/screenshots

bundle: setup
	@echo "==> building the .deb (tauri build --bundles deb, release)"
	@ui/node_modules/.bin/tauri build --bundles deb

bench: setup-test
	@echo "==> benchmarks (release builds; writes BENCHMARKS.md; about 15 minutes)"
	@bash scripts/bench/run.sh

reliability: setup-test
	@echo "==> long reliability suites (writes RELIABILITY.md figures)"
	@bash scripts/reliability/run.sh

clean:
	cargo clean
	rm -rf ui/dist ui/dist-mock
