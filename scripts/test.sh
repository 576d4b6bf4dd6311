#!/usr/bin/env bash
# Every test: lints, UI type check and unit tests, Rust unit + integration tests on the real
# PostgreSQL, the real keychain round trip, and the end-to-end suite in the real app window.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
FEATURES=(--features mr-desktop/custom-protocol)
step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

step "rustfmt"
cargo fmt --all -- --check

step "UI: type check, unit tests, build"
(cd ui && npx vue-tsc --noEmit && npx vitest run && npx vite build --logLevel warn)

step "clippy"
cargo clippy --workspace --all-targets "${FEATURES[@]}" -- -D warnings

step "build (app binary with the UI embedded, all test targets)"
cargo build --workspace --all-targets "${FEATURES[@]}"

step "Rust tests (domain, protocol, server, desktop core) on the real PostgreSQL"
cargo test --workspace --exclude mr-tests "${FEATURES[@]}"

step "fuzz: schemathesis against the real server, from its OpenAPI document (no 5xx, no panic)"
bash scripts/fuzz.sh

# The keychain test and the end-to-end suite use a real Secret Service: a private D-Bus with
# gnome-keyring, whose keyrings live in a fresh folder so an existing login keyring with
# another password on this machine cannot lock the run out.
KEYRING_HOME="$(mktemp -d)"
export KEYRING_HOME
with_keyring() {
  dbus-run-session -- bash -c '
    eval "$(printf "ci-keyring-password" | XDG_DATA_HOME="$KEYRING_HOME" gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
    "$@"' _ "$@"
}

step "desktop core against the real OS keychain (Secret Service under a private D-Bus)"
with_keyring cargo test --workspace "${FEATURES[@]}" --test keychain -- --ignored

step "end-to-end: the real app window under Xvfb (tauri-driver + WebKitWebDriver)"
rm -rf target/e2e-screenshots
with_keyring xvfb-run -a -s "-screen 0 1440x900x24" \
  cargo test --workspace "${FEATURES[@]}" --test e2e_workspaces --test e2e_operator_sync \
    --test e2e_staff_sync --test e2e_admin --test e2e_admin_accounts --test e2e_operator_wallet -- --test-threads=1
rm -rf "$KEYRING_HOME"
echo "screenshots: $(ls target/e2e-screenshots | wc -l) in target/e2e-screenshots/"

echo
echo "all tests passed in $(( $(date +%s) - started )) s"
