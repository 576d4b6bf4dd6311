#!/usr/bin/env bash
# `make bench-launch`: the launch API's throughput and latency against PostgreSQL's own limit
# (pgbench in the same run), written as the "launch" section of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
command -v pgbench >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-client; }
cargo build --release -p mr-bench -p mr-server
TARGET="${CARGO_TARGET_DIR:-target}"
table="$("$TARGET/release/mr-bench-launch")"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
{
  echo "## Launch authorization (issue: Game launch authorization)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(. /etc/os-release && echo "$PRETTY_NAME"), PostgreSQL $(psql -V | awk '{print $3}')"
  echo "- command: \`make bench-launch\` (\`scripts/bench-launch.sh\` → \`bench/src/bin/launch.rs\`): the release \`mr-server\` in its own process, PostgreSQL and the load generator (\`mr_sdk::simulate\`, the engine of \`mr-headset simulate\`) on the same machine, over loopback HTTP/1.1"
  echo "$table"
} | python3 scripts/bench_section.py launch
sed -n '/<!-- launch:begin -->/,/<!-- launch:end -->/p' BENCHMARKS.md
