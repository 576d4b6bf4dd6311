#!/usr/bin/env bash
# `make bench`: builds the benchmark in release mode, runs it against the real PostgreSQL and
# writes the figures, with the machine and date, into BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
cargo build --release -p mr-bench
TARGET="${CARGO_TARGET_DIR:-target}"
table="$("$TARGET/release/mr-bench")"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` (\`scripts/bench.sh\` → \`bench/src/main.rs\`). Server, PostgreSQL"
  echo "and load generator share one machine; the server runs in the benchmark process on a"
  echo "loopback port, release build, on a fresh database."
  echo
  echo "## Sync engine (issue: Sync engine)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(. /etc/os-release && echo "$PRETTY_NAME"), PostgreSQL $(psql -V | awk '{print $3}')"
  echo "- command: \`make bench\`"
  echo
  echo "$table"
  echo
  echo "Not measured yet: client memory during the initial sync (≤ 200 MB goal; the server runs"
  echo "in the same process here, so its memory would be counted too) and the UI's render time of"
  echo "the list (the figure above is the Rust core's read that feeds it)."
} > BENCHMARKS.md
cat BENCHMARKS.md
