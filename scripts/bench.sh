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

# The admin workspace's pages (issue "Admin workspace", Performance).
admin_table="$("$TARGET/release/mr-bench-admin")"
{
  echo "## Admin workspace pages (issue: Admin workspace)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(. /etc/os-release && echo "$PRETTY_NAME"), PostgreSQL $(psql -V | awk '{print $3}')"
  echo "- command: \`make bench\` (\`bench/src/bin/admin.rs\`)"
  echo "- data: 10,000 operators, 100,000 authorizations (5 % revoked, 5 % expired, a quarter dated),"
  echo "  about 1,800 pending requests, pulled by the desktop core from the release \`mr-server\`"
  echo "  into a fresh SQLite cache; each figure is the core's read behind the page (one page of"
  echo "  rows with names joined, plus the summary counts on 授权管理), timed over 15 runs."
  echo "- statistics: 1,000,000 game sessions over the last 365 days across every operator's site"
  echo "  and 100 applications (about as many per-operator daily roll-up rows, the worst case);"
  echo "  the closed days rolled up as the server does in the background; each figure is the"
  echo "  core's request to the release server, which answers every chart of the page at once."
  echo
  echo "$admin_table"
  echo
  echo "The window renders only what these reads return (20 to 100 table rows; the operator list"
  echo "is virtually scrolled, about 15 rows in the DOM), so the page cost does not grow with the"
  echo "data. The statistics page draws what the one answer holds (at most 100 applications,"
  echo "8 sites, 10 operators): the figure above is the whole wait behind it."
} | python3 scripts/bench_section.py admin
sed -n '/<!-- admin:begin -->/,/<!-- admin:end -->/p' BENCHMARKS.md

# Payment notifications (issue "Wallet and payments", Benchmark).
payments_table="$("$TARGET/release/mr-bench-payments")"
{
  echo "## Payment notifications (issue: Wallet and payments)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(. /etc/os-release && echo "$PRETTY_NAME"), PostgreSQL $(psql -V | awk '{print $3}')"
  echo "- command: \`make bench\` (\`bench/src/bin/payments.rs\`)"
  echo "- data: 4,000 pending orders of 100.00 across 400 operators; each order's Alipay"
  echo "  notification signed beforehand with the test key (the channel's work) and sent twice"
  echo "  (the second as a resend) over 64 connections to the release \`mr-server\`; each one is"
  echo "  stored raw, RSA2-verified, matched and settled under the order's row lock; notifications"
  echo "  arriving together are settled in one transaction (\`payment_settle_batch\`: group commit,"
  echo "  one audit-chain lock and one WAL flush per batch)."
  echo
  echo "$payments_table"
  echo
  echo "Half the notifications are first deliveries (a credit: balance, ledger entry, message,"
  echo "audit row in one transaction) and half are resends (acknowledged, nothing credited); the"
  echo "run fails unless every order was credited exactly once and the ledger has one recharge"
  echo "entry per credit."
} | python3 scripts/bench_section.py payments
sed -n '/<!-- payments:begin -->/,/<!-- payments:end -->/p' BENCHMARKS.md
