#!/usr/bin/env bash
# `make run`: build, create + migrate the database, load demo and UAT data (both idempotent),
# start the server, open the desktop app. Without a display the server stays in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mr_ops}"
export BIND="${BIND:-127.0.0.1:8080}"
export LOG_FORMAT="${LOG_FORMAT:-pretty}"
# R-P4: recharges go to the local sandbox gateways (test keys), marked 沙箱.
export PAYMENT_SANDBOX="${PAYMENT_SANDBOX:-on}"
TARGET="${CARGO_TARGET_DIR:-target}"
mkdir -p .run

echo "==> building the UI, the server and the desktop app"
(cd ui && npx vite build --logLevel warn)
cargo build -p mr-server -p mr-desktop --features mr-desktop/custom-protocol

SERVER="$TARGET/debug/mr-server"
"$SERVER" migrate
"$SERVER" seed-demo
"$SERVER" create-uat

if [ "${1:-}" = "--server-only" ] || { [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; }; then
  [ "${1:-}" = "--server-only" ] || echo "==> no display found: not opening the desktop app; the server keeps running here (Ctrl-C stops it)"
  echo "==> server on http://$BIND  (UAT: uat_operator / uat_admin / uat_finance, password ${UAT_PASSWORD:-Uat@123456})"
  exec "$SERVER" serve
fi

if [ -f .run/server.pid ] && kill -0 "$(cat .run/server.pid)" 2>/dev/null; then
  kill "$(cat .run/server.pid)" && sleep 1
fi
"$SERVER" serve >.run/server.log 2>&1 &
echo $! >.run/server.pid
trap 'kill "$(cat .run/server.pid)" 2>/dev/null || true; rm -f .run/server.pid' EXIT
for _ in $(seq 1 50); do curl -sf "http://$BIND/health" >/dev/null && break; sleep 0.2; done
curl -sf "http://$BIND/health" >/dev/null || { echo "server did not start; see .run/server.log" >&2; exit 1; }
echo "==> server on http://$BIND (log: .run/server.log); opening the app"
echo "    UAT accounts: uat_operator / uat_admin / uat_finance, password ${UAT_PASSWORD:-Uat@123456}"

export MR_SERVER_URL="http://$BIND"
APP="$TARGET/debug/mr-desktop"
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  "$APP"
else
  # A display but no desktop session (e.g. Xvfb): give the app a private Secret Service so
  # tokens still go to a real keychain, never to a file.
  # Its keyring lives in .run/keyring with a password of its own.
  [ -f .run/keyring-password ] || head -c 24 /dev/urandom | base64 >.run/keyring-password
  mkdir -p .run/keyring
  dbus-run-session -- bash -c '
    eval "$(XDG_DATA_HOME=$PWD/.run/keyring gnome-keyring-daemon --unlock --components=secrets <.run/keyring-password)" >/dev/null
    "$0"' "$APP"
fi
