//! 交易监控 (issue "Admin workspace", R-A6): `GET /api/v1/admin/transactions` over the real
//! ledger: filters, totals over the whole filter, paging, China-time days, the role matrix and
//! clear errors for bad parameters.

mod common;

use common::headset::Headset;
use common::Ctx;
use mr_server::launch::fixture;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

async fn setup(pool: &PgPool) -> (Ctx, Vec<fixture::FixtureAccount>) {
    let (c, accts) = common::with_fixtures(pool, 3, "100.00").await;
    // Two launches by the first operator: two consumption entries of 20.00.
    let h = Headset::new(&c.server.base_url, accts[0].clone());
    for _ in 0..2 {
        let body = serde_json::to_vec(
            &json!({"app_id": accts[0].app_code, "site_id": accts[0].site_id, "player_count": 2}),
        )
        .unwrap();
        let s = h.session_id();
        let r = h
            .send(
                reqwest::Method::POST,
                mr_protocol::launch::AUTHORIZE_PATH,
                &body,
                Some(&s),
                &common::headset::Forge::default(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
    }
    (c, accts)
}

async fn get(c: &Ctx, token: &str, query: &str) -> common::Resp {
    c.get(&format!("/api/v1/admin/transactions?{query}"), token)
        .await
}

fn types(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["entry_type"].as_str().unwrap().to_string())
        .collect()
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn every_operators_ledger_with_filters_and_totals(pool: PgPool) {
    let (c, accts) = setup(&pool).await;
    let admin = c.tokens("uat_admin", "admin").await.0;

    let all = get(&c, &admin, "").await;
    assert_eq!(all.status, StatusCode::OK, "{all:?}");
    // Three opening balances of 100.00 (adjustments) and two launches of 20.00, newest first.
    assert_eq!(all.body["totals"]["count"], 5);
    assert_eq!(all.body["totals"]["credits"], "300.00");
    assert_eq!(all.body["totals"]["debits"], "-40.00");
    assert_eq!(all.body["totals"]["net"], "260.00");
    assert_eq!(types(&all.body)[..2], ["consumption", "consumption"]);
    let first = &all.body["items"][0];
    assert_eq!(first["amount"], "-20.00");
    assert_eq!(first["balance_before"], "80.00");
    assert_eq!(first["balance_after"], "60.00");
    assert!(first["operator_username"]
        .as_str()
        .unwrap()
        .starts_with("fixture_"));

    let openings = get(&c, &admin, "entry_type=adjustment").await;
    assert_eq!(types(&openings.body), ["adjustment"; 3]);
    assert_eq!(openings.body["totals"]["net"], "300.00");
    let none = get(&c, &admin, "entry_type=recharge").await;
    assert_eq!(none.body["totals"]["count"], 0);
    let mine = get(&c, &admin, &format!("operator_id={}", accts[0].operator_id)).await;
    assert_eq!(mine.body["totals"]["count"], 3);
    let paged = get(&c, &admin, "offset=4&limit=2").await;
    assert_eq!(paged.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        paged.body["totals"]["count"], 5,
        "totals cover the filter, not the page"
    );

    // Days are China days: today there (UTC+8) holds everything; yesterday nothing.
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let yesterday = today.pred_opt().unwrap();
    let t = get(&c, &admin, &format!("from={today}&to={today}")).await;
    assert_eq!(t.body["totals"]["count"], 5);
    let y = get(&c, &admin, &format!("from={yesterday}&to={yesterday}")).await;
    assert_eq!(y.body["totals"]["count"], 0);

    // Finance staff read the ledger from their own synced cache; this page is the admins'.
    let finance = c.tokens("uat_finance", "finance").await.0;
    assert_eq!(get(&c, &finance, "").await.status, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn bad_parameters_and_other_roles_get_clear_errors(pool: PgPool) {
    let (c, accts) = setup(&pool).await;
    let admin = c.tokens("uat_admin", "admin").await.0;
    for (q, field) in [
        ("limit=0", "limit"),
        ("limit=2001", "limit"),
        ("offset=-1", "limit"),
        ("entry_type=gift", "entry_type"),
        ("from=2026-11-30&to=2026-11-01", "to"),
    ] {
        let r = get(&c, &admin, q).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {r:?}");
        assert_eq!(r.body["code"], "INVALID_PARAMS", "{q}");
        assert_eq!(r.body["details"]["field"], field, "{q}");
    }
    for q in ["from=yesterday", "operator_id=42", "limit=ten"] {
        let r = get(&c, &admin, q).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {r:?}");
    }
    let username: String = sqlx::query_scalar("SELECT username FROM operators WHERE id = $1")
        .bind(accts[0].operator_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let op = c
        .tokens_pw(&username, fixture::PASSWORD, "operator")
        .await
        .0;
    let r = get(&c, &op, "").await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("FORBIDDEN"))
    );
    let r = c
        .http
        .get(format!("{}/api/v1/admin/transactions", c.server.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
