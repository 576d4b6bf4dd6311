#!/usr/bin/env bash
# Installs what is missing on a fresh Debian 12 machine: system packages for the Tauri/WebKitGTK
# build and the end-to-end tests, tauri-driver, the UI's npm packages, and a running PostgreSQL.
# Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev
  libjavascriptcoregtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev file
  xvfb xauth imagemagick webkit2gtk-driver xdotool dbus-x11 gnome-keyring libsecret-tools
  fonts-noto-cjk postgresql-client python3-venv curl
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "==> installing tauri-driver"
  cargo install tauri-driver --locked --version '^2'
fi

# The schema-driven fuzzer of the launch API (scripts/fuzz.sh), pinned, in its own venv.
SCHEMATHESIS_VERSION=4.32.5
if ! /var/tmp/mr-venv/bin/schemathesis --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "==> installing schemathesis $SCHEMATHESIS_VERSION (PyPI) into /var/tmp/mr-venv"
  [ -x /var/tmp/mr-venv/bin/python ] || python3 -m venv /var/tmp/mr-venv
  /var/tmp/mr-venv/bin/python -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# npm ci only when the lock file changed since the last install.
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "==> installing UI packages (npm ci)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

# PostgreSQL: started before sessions and CI on this machine kind; start it if it is down.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "==> starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
fi

# Redis: optional for the server, used by its health test. Started before sessions and CI on
# this machine kind; start it if it is down.
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "==> starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    sleep 0.5
  fi
  (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
fi
