//! `make bench-launch`: the launch API against the hardware limit (issue "Game launch
//! authorization", Benchmark). The release `mr-server` runs in its own process; PostgreSQL and
//! this load generator (the `mr_sdk` simulator) share the same 2-core machine.
//!
//! Prints a Markdown section for BENCHMARKS.md on stdout; progress goes to stderr.

// Only `start` is used here; the database helper serves the other benchmarks.
#[allow(dead_code)]
#[path = "../server.rs"]
mod server;

use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use mr_sdk::{simulate, SimulateConfig, SimulateReport};
use rust_decimal::Decimal;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

const OPERATORS: usize = 1_000;
const CLIENTS: usize = 64;
const THROUGHPUT_LAUNCHES: u64 = 40_000;
const RATE: u64 = 500;
const RATE_SECONDS: u64 = 20;
const HISTORY: i64 = 1_000_000;

fn db_url(base: &str, db: &str) -> String {
    let (prefix, _) = base.rsplit_once('/').unwrap_or((base, ""));
    format!("{prefix}/{db}")
}

async fn fresh_db(admin: &PgPool, name: &str) -> anyhow::Result<()> {
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(admin)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(admin)
        .await?;
    Ok(())
}

fn pgbench_tps(base_url: &str, clients: usize, seconds: u64) -> anyhow::Result<u64> {
    let url = db_url(base_url, "mr_bench_pgbench");
    let out = Command::new("pgbench")
        .args(["-i", "-s", "10", "-q", &url])
        .output()
        .context("pgbench -i (apt-get install postgresql-client)")?;
    anyhow::ensure!(
        out.status.success(),
        "pgbench -i: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("pgbench")
        .args([
            "-b",
            "tpcb-like",
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            &seconds.to_string(),
            "-n",
            &url,
        ])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("tps = "))
        .with_context(|| format!("pgbench output: {text}"))?;
    let tps = line
        .trim_start_matches("tps = ")
        .split(['.', ' '])
        .next()
        .unwrap_or("0");
    Ok(tps.parse()?)
}

async fn run_load(
    base: &str,
    accounts: &[mr_sdk::Account],
    launches: u64,
    rate: Option<u64>,
) -> anyhow::Result<SimulateReport> {
    let mut cfg = SimulateConfig::new(base, launches, if rate.is_some() { 128 } else { CLIENTS });
    cfg.rate_per_sec = rate;
    Ok(simulate(&cfg, accounts).await?)
}

fn ms(us: u64) -> String {
    format!("{}.{:02} ms", us / 1000, (us % 1000) / 10)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let base_url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let admin = PgPoolOptions::new()
        .max_connections(2)
        .connect(&base_url)
        .await?;
    fresh_db(&admin, "mr_bench_launch").await?;
    fresh_db(&admin, "mr_bench_pgbench").await?;
    let url = db_url(&base_url, "mr_bench_launch");
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect(&url)
        .await?;
    mr_server::migrate(&pool).await?;

    eprintln!("creating {OPERATORS} fixture operators…");
    let master = mr_server::config::Config::for_test("unused").master_key;
    let accounts =
        mr_server::launch::fixture::create(&pool, &master, OPERATORS, "1000000.00".parse()?)
            .await?;
    let file = tempfile::NamedTempFile::new()?;
    mr_server::launch::fixture::write_jsonl(file.path(), &accounts)?;
    let accounts = mr_sdk::simulate::load_accounts(file.path())?;
    let (server, base) = server::start(
        &url,
        &[
            ("RATE_LIMIT_OPERATOR_PER_MIN", "0"),
            ("RATE_LIMIT_IP_PER_MIN", "0"),
            ("ABUSE_LOCK", "off"),
            ("REDIS_URL", ""),
        ],
    )
    .await?;

    eprintln!("warming up…");
    let warm = run_load(&base, &accounts, 3_000, None).await?;

    eprintln!("throughput, empty history…");
    let t0 = run_load(&base, &accounts, THROUGHPUT_LAUNCHES, None).await?;
    eprintln!("{t0}");
    eprintln!("latency at {RATE}/s…");
    let lat = run_load(&base, &accounts, RATE * RATE_SECONDS, Some(RATE)).await?;
    eprintln!("{lat}");

    eprintln!("pgbench tpcb-like, {CLIENTS} clients…");
    let pg_tps = pgbench_tps(&base_url, CLIENTS, 15)?;

    eprintln!("adding {HISTORY} game sessions of history…");
    let started = Instant::now();
    let history_op = add_history(&pool, HISTORY).await?;
    let history_secs = started.elapsed().as_secs();
    eprintln!("throughput, {HISTORY} sessions of history…");
    let t1 = run_load(&base, &accounts, THROUGHPUT_LAUNCHES, None).await?;
    eprintln!("{t1}");
    drop(server);

    let audit = balance_audit(&pool, history_op).await?;
    let succeeded = warm.succeeded + t0.succeeded + t1.succeeded + lat.succeeded;

    let ratio_pct = t0.throughput_per_sec * 100 / pg_tps.max(1);
    let mut out = String::new();
    out.push_str(&format!(
        "- load: {OPERATORS} operators with valid keys, {CLIENTS} concurrent clients (closed loop) for throughput; \
         open loop at {RATE} launches/s for {RATE_SECONDS} s for latency; 1 player × 10.00 per launch\n\
         - server configuration for the run: `RATE_LIMIT_OPERATOR_PER_MIN=0 RATE_LIMIT_IP_PER_MIN=0 ABUSE_LOCK=off` \
         (1,000 venues from one loopback address would otherwise trip R-L9/R-L10), defaults otherwise \
         (`LAUNCH_BATCH_MAX=64`, `LAUNCH_WORKERS=2`, `DB_MAX_CONNECTIONS=20`)\n\n"
    ));
    out.push_str("| figure | goal | measured |\n|---|---|---|\n");
    out.push_str(&format!(
        "| sustained successful launches/s (0 sessions of history) | ≥ 2,500 | **{}** ({} ok of {} in {:.1?}) |\n",
        t0.throughput_per_sec, t0.succeeded, t0.attempted, t0.elapsed
    ));
    out.push_str(&format!(
        "| sustained successful launches/s ({HISTORY} sessions of history) | no decline | **{}** ({} ok of {}) |\n",
        t1.throughput_per_sec, t1.succeeded, t1.attempted
    ));
    out.push_str(&format!(
        "| `pgbench -b tpcb-like -c {CLIENTS} -j 2 -T 15` TPS, same run | — | {pg_tps} |\n"
    ));
    out.push_str(&format!(
        "| launches/s ÷ pgbench TPS | ≥ 60 % | **{ratio_pct} %** |\n"
    ));
    out.push_str(&format!(
        "| latency at {RATE}/s: p50 | ≤ 3 ms | **{}** |\n| latency at {RATE}/s: p99 | ≤ 15 ms | **{}** |\n",
        ms(lat.p50_us),
        ms(lat.p99_us)
    ));
    out.push_str(&format!(
        "| latency at {RATE}/s: p90 / max; launches behind schedule | — | {} / {}; {} of {} |\n",
        ms(lat.p90_us),
        ms(lat.max_us),
        lat.behind_schedule,
        lat.attempted
    ));
    out.push_str(&format!(
        "| failed launches (all runs) | 0 | {} |\n",
        t0.failed() + t1.failed() + lat.failed()
    ));
    out.push_str(&format!(
        "| balance audit: successes × 10.00 = total deducted = −(consumption ledger); no negative balance | holds | {} |\n",
        audit.summary(succeeded)
    ));
    out.push_str(&format!(
        "\nLoading the {HISTORY} sessions of history took {history_secs} s (bulk insert, roll-up trigger off during the load).\n"
    ));
    println!("{out}");
    anyhow::ensure!(audit.holds(succeeded), "balance audit failed: {audit:?}");
    Ok(())
}

#[derive(Debug)]
struct Audit {
    sessions: i64,
    charged: Decimal,
    ledger: Decimal,
    deducted: Decimal,
    negative: i64,
    mismatched: i64,
}

impl Audit {
    fn expected(succeeded: u64) -> Decimal {
        Decimal::from(succeeded) * Decimal::new(1000, 2)
    }
    fn holds(&self, succeeded: u64) -> bool {
        let e = Self::expected(succeeded);
        self.charged == e
            && self.ledger == -e
            && self.deducted == e
            && self.negative == 0
            && self.mismatched == 0
            && self.sessions == i64::try_from(succeeded).unwrap_or(-1)
    }
    fn summary(&self, succeeded: u64) -> String {
        format!(
            "{} — {succeeded} successes, {} sessions, charged {}, deducted {}, ledger {}, {} negative balances, {} balances ≠ ledger",
            if self.holds(succeeded) { "**holds**" } else { "**FAILS**" },
            self.sessions,
            self.charged,
            self.deducted,
            self.ledger,
            self.negative,
            self.mismatched
        )
    }
}

/// Over the benchmark's operators only (the history rows belong to a separate operator).
async fn balance_audit(pool: &PgPool, history_op: uuid::Uuid) -> anyhow::Result<Audit> {
    let (sessions, charged, ledger, deducted, negative, mismatched): (
        i64,
        Decimal,
        Decimal,
        Decimal,
        i64,
        i64,
    ) = sqlx::query_as(
        "WITH f AS (SELECT id, balance FROM operators WHERE username LIKE 'fixture\\_%' AND id <> $1)
         SELECT (SELECT count(*) FROM game_sessions g JOIN f ON f.id = g.operator_id),
                (SELECT coalesce(sum(total_cost), 0) FROM game_sessions g JOIN f ON f.id = g.operator_id),
                (SELECT coalesce(sum(amount), 0) FROM ledger_entries l JOIN f ON f.id = l.operator_id
                  WHERE l.entry_type = 'consumption'),
                (SELECT count(*) * 1000000.00 - sum(balance) FROM f),
                (SELECT count(*) FROM f WHERE balance < 0),
                (SELECT count(*) FROM f WHERE balance <>
                    (SELECT coalesce(sum(amount), 0) FROM ledger_entries l WHERE l.operator_id = f.id))",
    )
    .bind(history_op)
    .fetch_one(pool)
    .await?;
    Ok(Audit {
        sessions,
        charged,
        ledger,
        deducted,
        negative,
        mismatched,
    })
}

/// A million past sessions for one separate operator, so the launch path's cost can be shown
/// not to grow with history.
async fn add_history(pool: &PgPool, n: i64) -> anyhow::Result<uuid::Uuid> {
    let master = mr_server::config::Config::for_test("unused").master_key;
    let old = mr_server::launch::fixture::create(pool, &master, 1, "0".parse()?).await?;
    let op = old[0].operator_id;
    let site = old[0].site_id;
    let mut conn = pool.acquire().await?;
    sqlx::query("ALTER TABLE game_sessions DISABLE TRIGGER game_sessions_stats")
        .execute(&mut *conn)
        .await?;
    let step = 100_000;
    let mut from = 0;
    while from < n {
        sqlx::query(
            "INSERT INTO game_sessions (session_id, operator_id, site_id, application_id,
                                        player_count, unit_price, total_cost, balance_after,
                                        authorized_at, ended_at, duration_seconds)
             SELECT $1::text || '_' || (1600000000000 + i)::text || '_HISTORYHISTORY00',
                    $1, $2, a.id, 2, a.unit_price, a.unit_price * 2, 0,
                    now() - make_interval(secs => i), now() - make_interval(secs => i) + interval '20 minutes', 1200
               FROM generate_series($3::bigint, $4::bigint) AS i,
                    (SELECT id, unit_price FROM applications WHERE code = 'fixture_arena') a",
        )
        .bind(op)
        .bind(site)
        .bind(from)
        .bind((from + step).min(n) - 1)
        .execute(&mut *conn)
        .await?;
        from += step;
    }
    sqlx::query("ALTER TABLE game_sessions ENABLE TRIGGER game_sessions_stats")
        .execute(&mut *conn)
        .await?;
    sqlx::query("ANALYZE game_sessions")
        .execute(&mut *conn)
        .await?;
    Ok(op)
}
