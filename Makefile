# The README's commands. `make run` and `make test` install what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

help:
	@echo "make run       install what is missing, migrate, load demo + UAT data, start the server, open the app"
	@echo "make test      every test: lints, UI tests, Rust tests on PostgreSQL, keychain, end-to-end in the real window"
	@echo "make bench     measured figures (release build) written to BENCHMARKS.md"
	@echo "make bench-launch  launch API throughput/latency vs pgbench, written to BENCHMARKS.md"
	@echo "make server    only the server (foreground)"
	@echo "make bindings  regenerate the UI's TypeScript types from the Rust wire types"
	@echo "make lint      rustfmt, clippy, vue-tsc"

setup:
	@bash scripts/setup.sh

run: setup
	@bash scripts/run.sh

server: setup
	@bash scripts/run.sh --server-only

test: setup
	@bash scripts/test.sh

bench: setup
	@bash scripts/bench.sh

bench-launch: setup
	@bash scripts/bench-launch.sh

bindings:
	UPDATE_TS_BINDINGS=1 cargo test -p mr-protocol --test typescript_bindings && UPDATE_TS_BINDINGS=1 cargo test -p mr-core --test typescript_bindings

lint: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --features mr-desktop/custom-protocol -- -D warnings
	cd ui && npx vue-tsc --noEmit

.PHONY: help setup run server test bench bench-launch bindings lint
