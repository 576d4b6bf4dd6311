#!/usr/bin/env bash
# `make bench`: builds the benchmark in release mode, runs it against the real PostgreSQL and
# writes the figures, with the machine and date, into BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
cargo build --release -p mr-bench -p mr-server
TARGET="${CARGO_TARGET_DIR:-target}"
table="$("$TARGET/release/mr-bench")"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
{
  echo "Written by \`make bench\` (\`scripts/bench.sh\` → \`bench/src/main.rs\`). Server, PostgreSQL"
  echo "and client share one machine: the release \`mr-server\` binary in its own process on a"
  echo "loopback port, on a fresh database; the desktop core (the client) in the benchmark process."
  echo
  echo "## Sync engine (issue: Sync engine)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(. /etc/os-release && echo "$PRETTY_NAME"), PostgreSQL $(psql -V | awk '{print $3}')"
  echo "- command: \`make bench\`"
  echo
  echo "$table"
  echo
  echo "The 10,000-row list figure is the Rust core's read that feeds the page; the page renders"
  echo "one page of rows at a time (20 to 100, paginated), so its render cost does not grow with"
  echo "the row count. Run to run, figures on this shared 2-core VM vary by about ±30 %."
} | python3 scripts/bench_section.py sync
sed -n '/<!-- sync:begin -->/,/<!-- sync:end -->/p' BENCHMARKS.md
