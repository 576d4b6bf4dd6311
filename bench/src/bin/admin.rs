//! `make bench` (admin part): the admin workspace's pages read from the desktop core's cache
//! (issue "Admin workspace", Performance). 10,000 operators and 100,000 authorizations are
//! seeded on a fresh database, served by the release `mr-server` in its own process, pulled
//! into a fresh SQLite cache by the desktop core in this process; then each page's read (the
//! data the window renders: one page of rows with the names joined and the summary counts)
//! and each filter change is timed.
//!
//! Prints a Markdown table on stdout; progress goes to stderr.

#[path = "../server.rs"]
mod server;

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::Context;
use mr_core::admin_views::{
    AuthorizationQuery, AuthorizationState, OperatorQuery, OperatorSort, RequestQuery,
};
use sqlx::PgPool;
use uuid::Uuid;

const OPERATORS: usize = 10_000;
/// Game sessions over the last year, for the statistics page.
const SESSIONS: i64 = 1_000_000;
const APPS: i64 = 100;
/// Runs per figure; the median and the slowest are printed.
const RUNS: usize = 15;

struct Row {
    what: String,
    goal: &'static str,
    median: Duration,
    worst: Duration,
    limit: Duration,
}

fn ms(d: Duration) -> String {
    format!("{}.{:02} ms", d.as_millis(), (d.as_micros() % 1000) / 10)
}

async fn timed<F, Fut, T>(mut f: F) -> anyhow::Result<(Duration, Duration, T)>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        last = Some(f().await?);
        times.push(t.elapsed());
    }
    times.sort();
    Ok((times[RUNS / 2], times[RUNS - 1], last.context("no run")?))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rows =
        server::with_fresh_database("admin", 8, |pool, url| async move { run(pool, &url).await })
            .await?;
    println!(
        "| page read (desktop core) | goal | median | slowest of {RUNS} | |\n|---|---|---|---|---|"
    );
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} |",
            r.what,
            r.goal,
            ms(r.median),
            ms(r.worst),
            if r.worst <= r.limit {
                "met"
            } else if r.median <= r.limit {
                "met (median)"
            } else {
                "**not met**"
            }
        );
    }
    Ok(())
}

async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    let t = Instant::now();
    mr_server::uat::create_uat(pool, mr_server::uat::DEFAULT_PASSWORD).await?;
    let config = mr_server::config::Config::for_test("postgres://unused");
    mr_server::launch::fixture::create(pool, &config.master_key, OPERATORS, "100.00".parse()?)
        .await?;
    sqlx::query("UPDATE operators SET tier = 'vip' WHERE username LIKE 'fixture_%' AND right(username, 1) IN ('0', '5')")
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO applications (code, name, unit_price, min_players, max_players)
         SELECT 'bench_app_' || lpad(g::text, 3, '0'), '基准应用 ' || g, 10.00 + g, 1, 8
           FROM generate_series(0, $1 - 1) g",
    )
    .bind(APPS)
    .execute(pool)
    .await?;
    // Nine more per operator (the fixture gave each one): 100,000 in all, with revoked,
    // expired and dated ones spread through.
    sqlx::query(
        "INSERT INTO authorizations (operator_id, application_id, status, granted_at, expires_at,
                                     revoked_at, revoke_reason)
         SELECT o.id, a.id,
                CASE WHEN (o.n + k) % 20 = 0 THEN 'revoked' ELSE 'active' END,
                now() - interval '200 days',
                CASE WHEN (o.n + k) % 20 = 1 THEN now() - interval '1 day'
                     WHEN (o.n + k) % 4 = 2 THEN now() + ((o.n + k) % 365 + 1) * interval '1 day' END,
                CASE WHEN (o.n + k) % 20 = 0 THEN now() - interval '10 days' END,
                CASE WHEN (o.n + k) % 20 = 0 THEN '合同终止' END
           FROM (SELECT id, row_number() OVER (ORDER BY username) AS n FROM operators
                  WHERE username LIKE 'fixture_%') o
          CROSS JOIN generate_series(0, 8) k
           JOIN (SELECT id, row_number() OVER (ORDER BY code) - 1 AS m FROM applications
                  WHERE code LIKE 'bench_app_%') a ON a.m = (o.n + k * 11) % 100",
    )
    .execute(pool)
    .await?;
    // Some pending requests for the approval page.
    sqlx::query(
        "INSERT INTO authorization_requests (operator_id, application_id, reason)
         SELECT o.id, a.id, '新店开业'
           FROM (SELECT id, row_number() OVER (ORDER BY username) AS n FROM operators
                  WHERE username LIKE 'fixture_%' LIMIT 2000) o
           JOIN (SELECT id, row_number() OVER (ORDER BY code) - 1 AS m FROM applications
                  WHERE code LIKE 'bench_app_%') a ON a.m = (o.n * 7 + 50) % 100
          WHERE NOT EXISTS (SELECT 1 FROM authorizations z WHERE z.operator_id = o.id AND z.application_id = a.id)",
    )
    .execute(pool)
    .await?;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM authorizations")
        .fetch_one(pool)
        .await?;
    eprintln!(
        "seeded {OPERATORS} operators, {n} authorizations in {:?}",
        t.elapsed()
    );
    seed_sessions(pool).await
}

/// A million sessions spread over the last 365 days, every operator's site and the hundred
/// applications, with the per-operator daily roll-up the launch path keeps; then the closed
/// days are rolled up as the server does in the background.
async fn seed_sessions(pool: &PgPool) -> anyhow::Result<()> {
    let t = Instant::now();
    let mut tx = pool.begin().await?;
    // The rows are built from existing ids, and the roll-up below stands in for the launch
    // path's triggers: skip them (and the sync feed) for the bulk load.
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO game_sessions (session_id, operator_id, site_id, application_id, player_count,
                                    unit_price, total_cost, balance_after, authorized_at)
         SELECT 'bench-' || g, o.id, o.site_id, a.id, 1 + (g * 13) % 7, a.unit_price,
                a.unit_price * (1 + (g * 13) % 7), 0,
                now() - (g % 365) * interval '1 day' - ((g * 7) % 86400) * interval '1 second'
           FROM generate_series(1, $1) g
           JOIN (SELECT o.id, s.id AS site_id, row_number() OVER (ORDER BY o.username) - 1 AS n
                   FROM operators o JOIN sites s ON s.operator_id = o.id
                  WHERE o.username LIKE 'fixture_%') o ON o.n = (g * 7919) % $2
           JOIN (SELECT id, unit_price, row_number() OVER (ORDER BY code) - 1 AS m
                   FROM applications WHERE code LIKE 'bench_app_%') a
             ON a.m = ((g * 31) % 97 + g / 10000) % 100",
    )
    .bind(SESSIONS)
    .bind(OPERATORS as i64)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO stats_daily (day, operator_id, site_id, application_id, sessions, players, revenue)
         SELECT (authorized_at AT TIME ZONE 'Asia/Shanghai')::date, operator_id, site_id,
                application_id, count(*), sum(player_count), sum(total_cost)
           FROM game_sessions WHERE session_id LIKE 'bench-%'
          GROUP BY 1, 2, 3, 4",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("ANALYZE game_sessions").execute(pool).await?;
    sqlx::query("ANALYZE stats_daily").execute(pool).await?;
    let daily: i64 = sqlx::query_scalar("SELECT count(*) FROM stats_daily")
        .fetch_one(pool)
        .await?;
    eprintln!(
        "seeded {SESSIONS} game sessions ({daily} daily roll-up rows) in {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    mr_server::overview::statistics::rollup(pool).await?;
    eprintln!("rolled up the closed days in {:?}", t.elapsed());
    Ok(())
}

async fn run(pool: PgPool, database_url: &str) -> anyhow::Result<Vec<Row>> {
    mr_server::MIGRATOR.run(&pool).await?;
    seed(&pool).await?;
    let (_server, base) = server::start(database_url, &[]).await?;

    let dir = tempfile::tempdir()?;
    let core = mr_core::Core::new(
        dir.path().join("data"),
        dir.path().join("config"),
        std::sync::Arc::new(mr_core::MemorySecretStore::new()),
    );
    core.set_settings(mr_protocol::ipc::AppSettings {
        server_url: base.clone(),
        locale: "zh-CN".into(),
    })
    .await?;
    core.login(mr_protocol::ipc::LoginArgs {
        workspace: mr_domain::Workspace::Admin,
        username: "uat_admin".into(),
        password: mr_server::uat::DEFAULT_PASSWORD.into(),
    })
    .await?;
    let admin = core.admin().await?;
    let t = Instant::now();
    loop {
        let report = admin.sync_now().await?;
        if report.up_to_date {
            break;
        }
    }
    eprintln!("admin cache filled in {:?}", t.elapsed());
    if std::env::var_os("MR_BENCH_KEEP_CACHE").is_some() {
        eprintln!("cache kept in {}", dir.keep().display());
        return Ok(Vec::new());
    }

    let page = |q: AuthorizationQuery| {
        let admin = admin.clone();
        move || {
            let (admin, q) = (admin.clone(), q.clone());
            async move { Ok(admin.authorizations(q).await?) }
        }
    };
    let all = AuthorizationQuery {
        limit: 20,
        ..Default::default()
    };
    let mut rows = Vec::new();
    let list = Duration::from_millis(100);
    let filter = Duration::from_millis(50);

    let (median, worst, first) = timed(page(all.clone())).await?;
    anyhow::ensure!(
        first.total >= 100_000,
        "seeded {} authorizations",
        first.total
    );
    rows.push(Row {
        what: format!("授权管理: first page of 20 of {} authorizations, names joined, with the summary counts", first.total),
        goal: "≤ 100 ms",
        median,
        worst,
        limit: list,
    });
    let some_app: Uuid =
        sqlx::query_scalar("SELECT id FROM applications WHERE code = 'bench_app_042'")
            .fetch_one(&pool)
            .await?;
    let some_op = first.items[0].operator_id;
    for (what, q) in [
        (
            "授权管理 filter: one application",
            AuthorizationQuery {
                application_id: Some(some_app),
                ..all.clone()
            },
        ),
        (
            "授权管理 filter: one operator",
            AuthorizationQuery {
                operator_id: Some(some_op),
                ..all.clone()
            },
        ),
        (
            "授权管理 filter: expired",
            AuthorizationQuery {
                state: Some(AuthorizationState::Expired),
                ..all.clone()
            },
        ),
        (
            "授权管理 filter: expiring within 30 days",
            AuthorizationQuery {
                expiring_within_days: Some(30),
                ..all.clone()
            },
        ),
        (
            "授权管理: page 200 (offset 3,980)",
            AuthorizationQuery {
                offset: 3_980,
                ..all.clone()
            },
        ),
    ] {
        let (median, worst, p) = timed(page(q)).await?;
        rows.push(Row {
            what: format!("{what} ({} rows match)", p.total),
            goal: "≤ 50 ms",
            median,
            worst,
            limit: filter,
        });
    }

    let ops = |q: OperatorQuery| {
        let admin = admin.clone();
        move || {
            let (admin, q) = (admin.clone(), q.clone());
            async move { Ok(admin.operators(q).await?) }
        }
    };
    let window = OperatorQuery {
        limit: 200,
        ..Default::default()
    };
    let (median, worst, first) = timed(ops(window.clone())).await?;
    rows.push(Row {
        what: format!(
            "运营商管理: first window of 200 of {} operators",
            first.total
        ),
        goal: "≤ 100 ms",
        median,
        worst,
        limit: list,
    });
    for (what, q) in [
        (
            "运营商管理 search: a username fragment",
            OperatorQuery {
                search: Some("_0424".into()),
                ..window.clone()
            },
        ),
        (
            "运营商管理 filter: tier vip",
            OperatorQuery {
                tier: Some(mr_domain::Tier::Vip),
                ..window.clone()
            },
        ),
        (
            "运营商管理 sort: by balance, descending",
            OperatorQuery {
                sort: OperatorSort::Balance,
                descending: true,
                ..window.clone()
            },
        ),
        (
            "运营商管理 scroll: window at row 9,000",
            OperatorQuery {
                offset: 9_000,
                ..window.clone()
            },
        ),
    ] {
        let (median, worst, p) = timed(ops(q)).await?;
        rows.push(Row {
            what: format!("{what} ({} rows match)", p.total),
            goal: "≤ 50 ms",
            median,
            worst,
            limit: filter,
        });
    }

    let pending = RequestQuery {
        status: Some("pending".into()),
        offset: 0,
        limit: 20,
    };
    let (median, worst, p) = timed(|| {
        let (admin, q) = (admin.clone(), pending.clone());
        async move { Ok(admin.requests(q).await?) }
    })
    .await?;
    rows.push(Row {
        what: format!("授权申请审批: first page of {} pending requests", p.total),
        goal: "≤ 100 ms",
        median,
        worst,
        limit: list,
    });

    // 统计分析: the core asks the release server, which aggregates from its roll-ups.
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    for (what, days, goal, limit) in [
        (
            "统计分析: one year",
            365,
            "≤ 500 ms",
            Duration::from_millis(500),
        ),
        (
            "统计分析: the last 30 days",
            30,
            "≤ 500 ms",
            Duration::from_millis(500),
        ),
    ] {
        let q = mr_protocol::statistics::StatisticsQuery {
            from: today - chrono::Duration::days(days - 1),
            to: today,
        };
        let (median, worst, s) = timed(|| {
            let (admin, q) = (admin.clone(), q.clone());
            async move { Ok(admin.statistics(q).await?) }
        })
        .await?;
        rows.push(Row {
            what: format!(
                "{what} ({} sessions, {} applications ranked, {} sites compared; server aggregates over HTTP)",
                s.totals.sessions,
                s.apps.len(),
                s.sites.len()
            ),
            goal,
            median,
            worst,
            limit,
        });
    }
    Ok(rows)
}
