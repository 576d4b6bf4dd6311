//! 统计分析 (issue "Admin workspace", R-A8): `GET /api/v1/admin/statistics` on the real
//! PostgreSQL — the figures equal sums over the raw sessions whether they come from the
//! roll-ups or live, a session recorded late for a rolled-up day is counted, China days, the
//! role matrix and clear errors for bad ranges.

mod common;

use common::headset::Headset;
use common::Ctx;
use mr_server::launch::fixture::FixtureAccount;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

/// `n` finished sessions of `players` players at `at` (an RFC 3339 time), as the launch path
/// would have written them (the per-operator roll-up follows by trigger).
async fn sessions(
    pool: &PgPool,
    acct: &FixtureAccount,
    app: Uuid,
    price: &str,
    players: i32,
    at: &str,
    n: i32,
) {
    sqlx::query(
        "INSERT INTO game_sessions (session_id, operator_id, site_id, application_id, player_count,
                                    unit_price, total_cost, balance_after, authorized_at)
         SELECT gen_random_uuid()::text, $1, $2, $3, $4, $5::numeric, $5::numeric * $4, 0, $6::timestamptz
           FROM generate_series(1, $7)",
    )
    .bind(acct.operator_id)
    .bind(acct.site_id)
    .bind(app)
    .bind(players)
    .bind(price)
    .bind(at)
    .bind(n)
    .execute(pool)
    .await
    .unwrap();
}

async fn app_id(pool: &PgPool, code: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM applications WHERE code = $1")
        .bind(code)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn stats(c: &Ctx, token: &str, from: &str, to: &str) -> common::Resp {
    c.get(
        &format!("/api/v1/admin/statistics?from={from}&to={to}"),
        token,
    )
    .await
}

/// What the raw sessions say for China days `[from, to]`: (sessions, players, revenue).
async fn raw(pool: &PgPool, from: &str, to: &str) -> (i64, i64, String) {
    sqlx::query_as(
        "SELECT count(*), coalesce(sum(player_count), 0)::int8, coalesce(sum(total_cost), 0)::numeric(14,2)::text
           FROM game_sessions
          WHERE (authorized_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $1::date AND $2::date",
    )
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn totals(v: &Value) -> (i64, i64, String) {
    (
        v["totals"]["sessions"].as_i64().unwrap(),
        v["totals"]["players"].as_i64().unwrap(),
        v["totals"]["revenue"].as_str().unwrap().to_string(),
    )
}

/// Three operators over a few past months plus a launch today through the real API.
async fn setup(pool: &PgPool) -> (Ctx, Vec<FixtureAccount>, Uuid, Uuid) {
    let (c, accts) = common::with_fixtures(pool, 3, "1000.00").await;
    sqlx::query(
        "INSERT INTO applications (code, name, unit_price, min_players, max_players)
         VALUES ('stat_galaxy', '银河守卫', 25.00, 1, 6)",
    )
    .execute(pool)
    .await
    .unwrap();
    let arena = app_id(pool, &accts[0].app_code).await;
    let galaxy = app_id(pool, "stat_galaxy").await;
    // Operator 0: the arena, busy in August and September; operator 1: the galaxy in
    // September; operator 2: one late-evening session that is 1 September in China but
    // 31 August in UTC.
    sessions(
        pool,
        &accts[0],
        arena,
        "10.00",
        2,
        "2026-08-10T12:00:00+08:00",
        5,
    )
    .await;
    sessions(
        pool,
        &accts[0],
        arena,
        "10.00",
        4,
        "2026-09-03T15:00:00+08:00",
        3,
    )
    .await;
    sessions(
        pool,
        &accts[1],
        galaxy,
        "25.00",
        3,
        "2026-09-20T10:00:00+08:00",
        4,
    )
    .await;
    sessions(
        pool,
        &accts[2],
        arena,
        "10.00",
        1,
        "2026-08-31T23:30:00+00:00",
        1,
    )
    .await;
    // Today, through the launch API: the open day is read live.
    let h = Headset::new(&c.server.base_url, accts[1].clone());
    let body = serde_json::to_vec(
        &json!({"app_id": accts[1].app_code, "site_id": accts[1].site_id, "player_count": 2}),
    )
    .unwrap();
    let r = h
        .send(
            reqwest::Method::POST,
            mr_protocol::launch::AUTHORIZE_PATH,
            &body,
            Some(&h.session_id()),
            &common::headset::Forge::default(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    (c, accts, arena, galaxy)
}

fn today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string()
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn the_figures_equal_the_raw_sessions_from_rollups_and_live(pool: PgPool) {
    let (c, accts, arena, galaxy) = setup(&pool).await;
    let admin = c.tokens("uat_admin", "admin").await.0;
    let to = today();

    // Over half a year: by month.
    let r = stats(&c, &admin, "2026-05-01", &to).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let v = &r.body;
    assert_eq!(totals(v), raw(&pool, "2026-05-01", &to).await);
    // 5×2×10 + 3×4×10 + 1×1×10 + today 2×10 = 250 for the arena; 4×3×25 = 300 for the galaxy.
    assert_eq!(totals(v), (14, 37, "550.00".into()));
    assert_eq!(v["totals"]["active_operators"], 3);
    // the three venues and uat_operator
    assert_eq!(v["totals"]["operators"], 4);
    assert_eq!(v["granularity"], "month");
    // The ranking is by revenue.
    let apps: Vec<(&str, i64, &str)> = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap(),
                a["sessions"].as_i64().unwrap(),
                a["revenue"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(apps[0], ("银河守卫", 4, "300.00"));
    assert_eq!(apps[1].1, 10);
    assert_eq!(apps[1].2, "250.00");
    // Player counts: 1 (one), 2 (five + today's), 3 (four), 4 (three).
    let pie: Vec<(i64, i64)> = v["player_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["player_count"].as_i64().unwrap(),
                p["sessions"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(pie, [(1, 1), (2, 6), (3, 4), (4, 3)]);
    let cell = v["app_players"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["application_id"] == galaxy.to_string())
        .unwrap();
    assert_eq!(
        (cell["player_count"].as_i64(), cell["sessions"].as_i64()),
        (Some(3), Some(4))
    );
    // Sites by revenue: operator 1's (300 + 20), operator 0's (220), operator 2's (10).
    let sites = v["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 3);
    assert_eq!(sites[0]["site_id"], accts[1].site_id.to_string());
    assert_eq!(sites[0]["revenue"], "320.00");
    assert_eq!(sites[1]["revenue"], "220.00");
    // Operator 0's site by month: August 100.00, September 120.00.
    let points: Vec<(&str, &str)> = sites[1]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["bucket"].as_str().unwrap(),
                p["revenue"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(points, [("2026-08-01", "100.00"), ("2026-09-01", "120.00")]);
    // The late-evening UTC session counts for 1 September, China time.
    let sept = stats(&c, &admin, "2026-09-01", "2026-09-30").await.body;
    assert_eq!(totals(&sept), (8, 25, "430.00".into()));
    assert_eq!(sept["granularity"], "day");
    // Operator × application for the top operators.
    let op0: Vec<&Value> = v["operator_apps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["operator_id"] == accts[0].operator_id.to_string())
        .collect();
    assert_eq!(op0.len(), 1);
    assert_eq!(op0[0]["application_id"], arena.to_string());
    assert_eq!(op0[0]["sessions"], 8);
    assert_eq!(
        v["operators"][0]["operator_id"],
        accts[1].operator_id.to_string()
    );

    // The roll-ups now reach the last closed day; rebuilt from nothing they give the same
    // answer.
    let through: Option<chrono::NaiveDate> =
        sqlx::query_scalar("SELECT through FROM stats_rollup_state WHERE name = 'app_players'")
            .fetch_optional(&pool)
            .await
            .unwrap();
    assert!(through.is_some(), "the request rolled up the closed days");
    let rolled: i64 = sqlx::query_scalar("SELECT count(*) FROM stats_site_monthly")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(rolled >= 3, "August and September are rolled up by site");
    let from_rollups = r.body.clone();
    sqlx::query("TRUNCATE stats_rollup_state, stats_app_players_daily, stats_site_monthly")
        .execute(&pool)
        .await
        .unwrap();
    let live = stats(&c, &admin, "2026-05-01", &to).await.body;
    assert_eq!(live, from_rollups);
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_session_recorded_late_for_a_rolled_up_day_is_counted(pool: PgPool) {
    let (c, accts, arena, _) = setup(&pool).await;
    let admin = c.tokens("uat_admin", "admin").await.0;
    let first = stats(&c, &admin, "2026-08-01", "2026-08-31").await.body;
    assert_eq!(totals(&first), (5, 10, "100.00".into()));
    // An import writes a session for 10 August after the roll-up counted that day.
    sessions(
        &pool,
        &accts[2],
        arena,
        "10.00",
        6,
        "2026-08-10T09:00:00+08:00",
        1,
    )
    .await;
    let after = stats(&c, &admin, "2026-08-01", "2026-08-31").await.body;
    assert_eq!(totals(&after), (6, 16, "160.00".into()));
    assert_eq!(totals(&after), raw(&pool, "2026-08-01", "2026-08-31").await);
    let six = after["player_counts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["player_count"] == 6 && p["sessions"] == 1);
    assert!(six, "{after}");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn statistics_are_for_admins_and_analysts_with_clear_errors(pool: PgPool) {
    let (c, _accts) = common::with_fixtures(&pool, 1, "10.00").await;
    let admin = c.tokens("uat_admin", "admin").await.0;
    assert_eq!(
        c.create_staff(&admin, "stat_analyst", "analyst")
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        c.create_staff(&admin, "stat_auditor", "auditor")
            .await
            .status,
        StatusCode::CREATED
    );
    let analyst = c.tokens_pw("stat_analyst", "Staff123456", "admin").await.0;
    let r = stats(&c, &analyst, "2026-01-01", "2026-01-31").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    // Nothing played: zeros, empty lists, not an error.
    assert_eq!(totals(&r.body), (0, 0, "0.00".into()));
    assert_eq!(r.body["apps"], json!([]));
    let auditor = c
        .tokens_pw("stat_auditor", "Staff123456", "finance")
        .await
        .0;
    assert_eq!(
        stats(&c, &auditor, "2026-01-01", "2026-01-31")
            .await
            .error_code(),
        "FORBIDDEN"
    );
    let finance = c.tokens("uat_finance", "finance").await.0;
    assert_eq!(
        stats(&c, &finance, "2026-01-01", "2026-01-31").await.status,
        StatusCode::FORBIDDEN
    );

    for (query, field) in [
        ("from=2026-02-01&to=2026-01-01", Some("to")),
        ("from=2020-01-01&to=2026-01-01", Some("to")),
        ("from=2026-01-01", None),
        ("from=yesterday&to=2026-01-01", None),
    ] {
        let r = c
            .get(&format!("/api/v1/admin/statistics?{query}"), &admin)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {r:?}");
        assert_eq!(r.error_code(), "INVALID_PARAMS", "{query}");
        if let Some(f) = field {
            assert_eq!(r.body["details"]["field"], f, "{query}");
        }
    }
}
