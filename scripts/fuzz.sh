#!/usr/bin/env bash
# Schema-driven fuzzing of the headset API (issue "Game launch authorization", Tests): the real
# `mr-server` on a fresh database, schemathesis generating thousands of requests from
# /api/v1/openapi.json — most of them correctly signed with fixture keys so they reach the
# charging step. Fails on any 5xx, any response outside the schema, or a panic in the log.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/debug/mr-server"
[ -x "$BIN" ] || cargo build -p mr-server
BASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DB="mr_fuzz_$$"
URL="${BASE_URL%/*}/$DB"
WORK="$(mktemp -d)"
cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  psql "$BASE_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

DATABASE_URL="$URL" "$BIN" migrate >/dev/null
DATABASE_URL="$URL" "$BIN" fixture launch --operators 3 --balance 10000.00 --out "$WORK/accounts.jsonl"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
DATABASE_URL="$URL" BIND="127.0.0.1:$PORT" RATE_LIMIT_IP_PER_MIN=0 RATE_LIMIT_OPERATOR_PER_MIN=0 \
  ABUSE_LOCK=off RUST_LOG=warn LOG_FORMAT=json REDIS_URL= "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.1; done

MR_FUZZ_BASE="http://127.0.0.1:$PORT" MR_FUZZ_FIXTURE="$WORK/accounts.jsonl" \
  MR_FUZZ_EXAMPLES="${MR_FUZZ_EXAMPLES:-1000}" bash scripts/fuzz/run.sh

if grep -qi 'panicked' "$WORK/server.log"; then
  echo "fuzz: the server panicked:" >&2
  grep -i -m5 'panicked' "$WORK/server.log" >&2
  exit 1
fi
launched="$(psql "$URL" -Atc "SELECT count(*) FROM game_sessions")"
attempts="$(psql "$URL" -Atc "SELECT count(*) FROM launch_attempts")"
echo "fuzz: no 5xx, no panic; $launched launches charged, $attempts launch attempts recorded"
