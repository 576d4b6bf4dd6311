#!/usr/bin/env bash
# Runs end-to-end tests in the real app window, as `make test` does (private D-Bus with
# gnome-keyring, Xvfb), without the rest of the suite:
#   scripts/e2e.sh e2e_operator_sync            # one test file
#   scripts/e2e.sh e2e_workspaces e2e_l02       # one file, tests whose name contains e2e_l02
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
file="${1:?which e2e test file (e.g. e2e_workspaces)}"
shift || true
KEYRING_HOME="$(mktemp -d)"
export KEYRING_HOME
trap 'rm -rf "$KEYRING_HOME"' EXIT
dbus-run-session -- bash -c '
  eval "$(printf "ci-keyring-password" | XDG_DATA_HOME="$KEYRING_HOME" gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
  "$@"' _ xvfb-run -a -s "-screen 0 1440x900x24" \
  cargo test --workspace --features mr-desktop/custom-protocol --test "$file" -- --test-threads=1 "$@"
