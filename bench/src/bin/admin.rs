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
    println!("| page read (desktop core, SQLite cache) | goal | median | slowest of {RUNS} | |\n|---|---|---|---|---|");
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
    Ok(rows)
}
