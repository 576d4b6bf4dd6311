//! The launch API's contract (REQUIREMENTS §3), through real HTTP against the real server and
//! PostgreSQL: what a launch charges and answers, and every error a headset can get.

mod common;

use common::headset::{expect_error, now_secs, Forge, Headset};
use common::Resp;
use mr_protocol::launch::{AUTHORIZE_PATH, GAME_END_PATH, VERIFY_PATH};
use mr_server::launch::fixture;
use mr_server::testing::TestServer;
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::json;
use sqlx::PgPool;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A server with its rate limits and abuse lock as given, and `n` fixture operators.
async fn setup(
    pool: PgPool,
    n: usize,
    balance: &str,
    tweak: impl FnOnce(&mut mr_server::config::Config),
) -> (TestServer, Vec<Headset>) {
    let server = TestServer::spawn_with(pool.clone(), tweak).await;
    let accounts = fixture::create(&pool, &server.state.config.master_key, n, dec(balance))
        .await
        .unwrap();
    let hs = accounts
        .into_iter()
        .map(|a| Headset::new(&server.base_url, a))
        .collect();
    (server, hs)
}

fn no_limits(c: &mut mr_server::config::Config) {
    c.rate_limit_ip_per_min = 0;
    c.rate_limit_operator_per_min = 0;
    c.abuse_lock_enabled = false;
}

async fn balance(pool: &PgPool, h: &Headset) -> Decimal {
    sqlx::query_scalar("SELECT balance FROM operators WHERE id = $1")
        .bind(h.acct.operator_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_launch_charges_once_in_one_transaction_and_answers_every_field(pool: PgPool) {
    let (_server, hs) = setup(pool.clone(), 1, "100.00", no_limits).await;
    let h = &hs[0];
    let session = h.session_id();
    let r = h.launch_as(&session, 4).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let b = &r.body;
    assert_eq!(b["session_id"], session.as_str());
    assert_eq!(b["app_id"], fixture::APP_CODE);
    assert_eq!(b["app_name"], "压力测试竞技场");
    assert_eq!(b["site_id"], h.acct.site_id.to_string());
    assert_eq!(b["player_count"], 4);
    // Money is a decimal string, never a JSON number.
    assert_eq!(b["unit_price"], "10.00");
    assert_eq!(b["total_cost"], "40.00");
    assert_eq!(b["balance_after"], "60.00");
    assert!(b["authorized_at"].as_str().is_some());
    assert_eq!(b["launch_token"].as_str().unwrap().split('.').count(), 3);

    // R-L5: balance, ledger, usage record and audit row, all together.
    assert_eq!(balance(&pool, h).await, dec("60.00"));
    let (sessions, cost, price, after): (i64, Decimal, Decimal, Decimal) = sqlx::query_as(
        "SELECT count(*), sum(total_cost), max(unit_price), min(balance_after) FROM game_sessions
          WHERE operator_id = $1",
    )
    .bind(h.acct.operator_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (sessions, cost, price, after),
        (1, dec("40.00"), dec("10.00"), dec("60.00"))
    );
    let ledger: Vec<(String, Decimal, Decimal, Decimal)> = sqlx::query_as(
        "SELECT entry_type, amount, balance_before, balance_after FROM ledger_entries
          WHERE operator_id = $1 ORDER BY created_at",
    )
    .bind(h.acct.operator_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        ledger[1],
        (
            "consumption".into(),
            dec("-40.00"),
            dec("100.00"),
            dec("60.00")
        )
    );
    let audits: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'launch.authorize' AND actor_id = $1
            AND details->>'session_id' = $2 AND details->>'total_cost' = '40.00'",
    )
    .bind(h.acct.operator_id)
    .bind(&session)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audits, 1);
    let broken: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_verify()")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(broken, 0, "the audit chain stays intact");

    // R-L6: the same session id again returns the original result and charges nothing, even
    // when the body now asks for something else.
    let again = h.launch_as(&session, 2).await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(again.body, r.body);
    assert_eq!(balance(&pool, h).await, dec("60.00"));
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn the_same_session_fired_concurrently_is_charged_once_with_one_token(pool: PgPool) {
    let (_server, hs) = setup(pool.clone(), 1, "100.00", no_limits).await;
    let h = hs[0].clone();
    let session = h.session_id();
    let k = 24;
    let tasks: Vec<_> = (0..k)
        .map(|_| {
            let h = h.clone();
            let s = session.clone();
            tokio::spawn(async move { h.launch_as(&s, 3).await })
        })
        .collect();
    let mut tokens = std::collections::HashSet::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        assert_eq!(r.body["balance_after"], "70.00");
        tokens.insert(r.body["launch_token"].as_str().unwrap().to_string());
    }
    assert_eq!(tokens.len(), 1, "every response carries the same token");
    assert_eq!(balance(&pool, &h).await, dec("70.00"));
    let charged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ledger_entries WHERE operator_id = $1 AND entry_type = 'consumption'",
    )
    .bind(h.acct.operator_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(charged, 1);
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_price_change_applies_to_the_next_launch_and_history_keeps_the_old_price(pool: PgPool) {
    let (_server, hs) = setup(pool.clone(), 1, "100.00", no_limits).await;
    let h = &hs[0];
    let first = h.launch(2).await;
    assert_eq!(first.body["total_cost"], "20.00", "{first:?}");
    sqlx::query("UPDATE applications SET unit_price = 12.50 WHERE code = $1")
        .bind(fixture::APP_CODE)
        .execute(&pool)
        .await
        .unwrap();
    let second = h.launch(2).await;
    assert_eq!(second.body["unit_price"], "12.50", "{second:?}");
    assert_eq!(second.body["total_cost"], "25.00");
    assert_eq!(second.body["balance_after"], "55.00");
    let prices: Vec<(Decimal, Decimal)> = sqlx::query_as(
        "SELECT unit_price, total_cost FROM game_sessions WHERE operator_id = $1
          ORDER BY authorized_at",
    )
    .bind(h.acct.operator_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        prices,
        vec![(dec("10.00"), dec("20.00")), (dec("12.50"), dec("25.00"))]
    );
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn every_error_code_is_reached_over_http(pool: PgPool) {
    let (_server, hs) = setup(pool.clone(), 2, "25.00", no_limits).await;
    let (h, other) = (&hs[0], &hs[1]);
    let post = |f: Forge, body: Vec<u8>| {
        let h = h.clone();
        async move {
            let s = h.session_id();
            h.send(Method::POST, AUTHORIZE_PATH, &body, Some(&s), &f)
                .await
        }
    };
    let ok_body = h.body(2);

    // INVALID_API_KEY: missing, malformed, unknown.
    let d = expect_error(
        &post(
            Forge {
                omit_key: true,
                ..Forge::default()
            },
            ok_body.clone(),
        )
        .await,
        401,
        "INVALID_API_KEY",
    );
    assert!(d["reason"].as_str().unwrap().contains("missing"));
    expect_error(
        &post(
            Forge {
                key: Some("short".into()),
                ..Forge::default()
            },
            ok_body.clone(),
        )
        .await,
        401,
        "INVALID_API_KEY",
    );
    expect_error(
        &post(
            Forge {
                key: Some("Z".repeat(64)),
                ..Forge::default()
            },
            ok_body.clone(),
        )
        .await,
        401,
        "INVALID_API_KEY",
    );
    // INVALID_SIGNATURE: a wrong signature, and a body changed after signing.
    expect_error(
        &post(
            Forge {
                signature: Some("AAAA".into()),
                ..Forge::default()
            },
            ok_body.clone(),
        )
        .await,
        400,
        "INVALID_SIGNATURE",
    );
    let ts = now_secs().to_string();
    let signed_for_two =
        mr_protocol::launch::sign(&h.acct.api_key, &ts, "POST", AUTHORIZE_PATH, &h.body(2));
    expect_error(
        &post(
            Forge {
                timestamp: Some(ts),
                signature: Some(signed_for_two),
                ..Forge::default()
            },
            h.body(8),
        )
        .await,
        400,
        "INVALID_SIGNATURE",
    );
    // TIMESTAMP_EXPIRED (±300 s), and a timestamp that is not a number.
    let d = expect_error(
        &post(
            Forge {
                timestamp: Some((now_secs() - 301).to_string()),
                ..Forge::default()
            },
            ok_body.clone(),
        )
        .await,
        400,
        "TIMESTAMP_EXPIRED",
    );
    assert_eq!(d["allowed_skew_seconds"], 300);
    let d = expect_error(
        &post(
            Forge {
                timestamp: Some("yesterday".into()),
                ..Forge::default()
            },
            ok_body.clone(),
        )
        .await,
        400,
        "INVALID_PARAMS",
    );
    assert_eq!(d["rule"], "timestamp_format");
    // INVALID_PARAMS: each session-id rule is named.
    let op = h.acct.operator_id;
    let ms = chrono::Utc::now().timestamp_millis();
    for (session, rule) in [
        (None, "session_id_missing"),
        (Some("garbage".to_string()), "session_id_format"),
        (
            Some(format!("{op}_{}_AbCdEfGh12345678", ms / 10)),
            "session_id_timestamp_format",
        ),
        (Some(format!("{op}_{ms}_short")), "session_id_random_part"),
        (
            Some(format!("{}_{ms}_AbCdEfGh12345678", other.acct.operator_id)),
            "session_id_operator_mismatch",
        ),
        (
            Some(format!("{op}_{}_AbCdEfGh12345678", ms - 400_000)),
            "session_id_timestamp_window",
        ),
    ] {
        let d = expect_error(
            &post(
                Forge {
                    session: Some(session),
                    ..Forge::default()
                },
                ok_body.clone(),
            )
            .await,
            400,
            "INVALID_PARAMS",
        );
        assert_eq!(d["rule"], rule, "{d}");
        assert_eq!(d["field"], "X-Session-ID");
    }
    let d = expect_error(
        &post(Forge::default(), b"{\"app_id\":1".to_vec()).await,
        400,
        "INVALID_PARAMS",
    );
    assert_eq!(d["rule"], "body_shape");

    // RESOURCE_NOT_FOUND: another operator's site, a site id that is not one, a deleted site.
    let with_site = |site: String| {
        serde_json::to_vec(
            &json!({"app_id": fixture::APP_CODE, "site_id": site, "player_count": 2}),
        )
        .unwrap()
    };
    let d = expect_error(
        &post(Forge::default(), with_site(other.acct.site_id.to_string())).await,
        404,
        "RESOURCE_NOT_FOUND",
    );
    assert_eq!(d["resource"], "site");
    expect_error(
        &post(Forge::default(), with_site("门店-1".into())).await,
        404,
        "RESOURCE_NOT_FOUND",
    );

    // PLAYER_COUNT_OUT_OF_RANGE with min/max/requested.
    let d = expect_error(
        &post(Forge::default(), h.body(9)).await,
        400,
        "PLAYER_COUNT_OUT_OF_RANGE",
    );
    assert_eq!(d, json!({"min": 1, "max": 8, "requested": 9}));
    expect_error(
        &post(Forge::default(), h.body(0)).await,
        400,
        "PLAYER_COUNT_OUT_OF_RANGE",
    );

    // INSUFFICIENT_BALANCE (402) with balance and cost; nothing is charged.
    let d = expect_error(
        &post(Forge::default(), h.body(3)).await,
        402,
        "INSUFFICIENT_BALANCE",
    );
    assert_eq!(d, json!({"balance": "25.00", "cost": "30.00"}));
    assert_eq!(balance(&pool, h).await, dec("25.00"));

    // APP_NOT_AUTHORIZED: unknown app; revoked, expired, and deactivated app.
    let unknown = serde_json::to_vec(
        &json!({"app_id": "no_such_game", "site_id": h.acct.site_id, "player_count": 2}),
    )
    .unwrap();
    expect_error(
        &post(Forge::default(), unknown).await,
        403,
        "APP_NOT_AUTHORIZED",
    );
    sqlx::query(
        "UPDATE authorizations SET status = 'revoked', revoked_at = now(), revoke_reason = '测试撤销'
          WHERE operator_id = $1",
    )
    .bind(op)
    .execute(&pool)
    .await
    .unwrap();
    expect_error(
        &post(Forge::default(), h.body(2)).await,
        403,
        "APP_NOT_AUTHORIZED",
    );
    sqlx::query(
        "INSERT INTO authorizations (operator_id, application_id, granted_at, expires_at)
         SELECT $1, id, now() - interval '2 days', now() - interval '1 day' FROM applications WHERE code = $2",
    )
    .bind(op)
    .bind(fixture::APP_CODE)
    .execute(&pool)
    .await
    .unwrap();
    expect_error(
        &post(Forge::default(), h.body(2)).await,
        403,
        "APP_NOT_AUTHORIZED",
    );
    sqlx::query("UPDATE applications SET is_active = false WHERE code = $1")
        .bind(fixture::APP_CODE)
        .execute(&pool)
        .await
        .unwrap();
    let r: Resp = {
        let o = other.clone();
        let s = o.session_id();
        o.send(
            Method::POST,
            AUTHORIZE_PATH,
            &o.body(2),
            Some(&s),
            &Forge {
                lang_en: true,
                ..Forge::default()
            },
        )
        .await
    };
    expect_error(&r, 403, "APP_NOT_AUTHORIZED");
    assert_eq!(r.body["message"], "Not authorized for this application");

    // OPERATOR_LOCKED (403), before anything is charged; the message is Chinese by default.
    sqlx::query(
        "UPDATE operators SET is_locked = true, locked_at = now(), locked_reason = '测试' WHERE id = $1",
    )
    .bind(op)
    .execute(&pool)
    .await
    .unwrap();
    let r = post(Forge::default(), h.body(1)).await;
    expect_error(&r, 403, "OPERATOR_LOCKED");
    assert_eq!(r.body["message"], "运营商账号已锁定，请联系管理员");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn the_database_down_gives_503(pool: PgPool) {
    // Keys and the signer need the database at start-up; then it "goes down": every pooled
    // connection is closed and new ones are refused.
    let (server, hs) = setup(pool.clone(), 1, "100.00", no_limits).await;
    assert_eq!(hs[0].launch(1).await.status, StatusCode::OK);
    server.pool.close().await;
    let r = hs[0].launch(1).await;
    expect_error(&r, 503, "SERVICE_UNAVAILABLE");
    let r = hs[0].get(VERIFY_PATH).await;
    expect_error(&r, 503, "SERVICE_UNAVAILABLE");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn rate_limits_answer_429_with_retry_after(pool: PgPool) {
    common::headset::fresh_window(60, 5).await;
    let (_server, hs) = setup(pool.clone(), 2, "1000.00", |c| {
        c.rate_limit_operator_per_min = 3;
        c.rate_limit_ip_per_min = 8;
        c.abuse_lock_enabled = false;
    })
    .await;
    let h = &hs[0];
    for _ in 0..3 {
        assert_eq!(h.launch(1).await.status, StatusCode::OK);
    }
    let r = h.launch(1).await;
    let d = expect_error(&r, 429, "RATE_LIMIT_EXCEEDED");
    assert_eq!(d["limit_per_minute"], 3);
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // The other operator has its own budget; the IP's (8/min) runs out after 4 more.
    let o = &hs[1];
    for _ in 0..3 {
        assert_eq!(o.launch(1).await.status, StatusCode::OK);
    }
    let r = o.launch(1).await;
    expect_error(&r, 429, "RATE_LIMIT_EXCEEDED");
    let r = o.get(VERIFY_PATH).await;
    let d = expect_error(&r, 429, "RATE_LIMIT_EXCEEDED");
    assert_eq!(d["limit_per_minute"], 8);
    assert!(r.headers.contains_key("retry-after"));
    // A venue behind another IP is not affected.
    let mut elsewhere = o.clone();
    elsewhere.ip = Some("203.0.113.9".into());
    assert_eq!(elsewhere.get(VERIFY_PATH).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn set_up_calls_list_sites_and_authorized_apps(pool: PgPool) {
    let (_server, hs) = setup(pool.clone(), 1, "10.00", no_limits).await;
    let h = &hs[0];
    let r = h.get(VERIFY_PATH).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["operator_id"], h.acct.operator_id.to_string());
    assert_eq!(r.body["sites"][0]["site_id"], h.acct.site_id.to_string());
    let r = h.get(mr_protocol::launch::APPS_PATH).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        r.body["apps"],
        json!([{ "app_id": fixture::APP_CODE, "name": "压力测试竞技场",
                 "description": "演示与压测用的应用 (fixture application)", "unit_price": "10.00",
                 "min_players": 1, "max_players": 8, "authorization_expires_at": null }])
    );
    // A forged GET is refused like a forged launch.
    let r = h
        .send(
            Method::GET,
            VERIFY_PATH,
            b"",
            None,
            &Forge {
                signature: Some("bm9wZQ==".into()),
                ..Forge::default()
            },
        )
        .await;
    expect_error(&r, 400, "INVALID_SIGNATURE");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn game_end_is_recorded_once_and_silent_games_are_estimated(pool: PgPool) {
    let (_server, hs) = setup(pool.clone(), 2, "100.00", no_limits).await;
    let h = &hs[0];
    let played = h.launch(2).await.body["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let silent = h.launch(2).await.body["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let end = |s: &str, d: Option<i64>| {
        let body = serde_json::to_vec(&json!({"session_id": s, "duration_seconds": d})).unwrap();
        let h = h.clone();
        async move {
            h.send(Method::POST, GAME_END_PATH, &body, None, &Forge::default())
                .await
        }
    };
    let r = end(&played, Some(1260)).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["duration_seconds"], 1260);
    assert_eq!(r.body["duration_estimated"], false);
    // Reported twice: the first report stands.
    let again = end(&played, Some(5)).await;
    assert_eq!(again.body["duration_seconds"], 1260);
    assert_eq!(again.body["ended_at"], r.body["ended_at"]);
    // Another operator's session, an unknown one, a silly duration.
    let theirs = hs[1]
        .send(
            Method::POST,
            GAME_END_PATH,
            &serde_json::to_vec(&json!({"session_id": played})).unwrap(),
            None,
            &Forge::default(),
        )
        .await;
    expect_error(&theirs, 404, "RESOURCE_NOT_FOUND");
    expect_error(&end("nope", None).await, 404, "RESOURCE_NOT_FOUND");
    let d = expect_error(&end(&silent, Some(-5)).await, 400, "INVALID_PARAMS");
    assert_eq!(d["rule"], "duration_range");

    // The silent game, five hours later, gets the application's typical duration.
    sqlx::query("UPDATE game_sessions SET authorized_at = authorized_at - interval '5 hours' WHERE session_id = $1")
        .bind(&silent)
        .execute(&pool)
        .await
        .unwrap();
    let n = mr_server::launch::ending::estimate_silent(
        &pool,
        mr_server::launch::ending::ESTIMATE_AFTER,
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    let (secs, estimated): (i32, bool) = sqlx::query_as(
        "SELECT duration_seconds, duration_estimated FROM game_sessions WHERE session_id = $1",
    )
    .bind(&silent)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((secs, estimated), (1260, true));
    // A report that comes after the estimate still wins.
    let late = end(&silent, Some(900)).await;
    assert_eq!(late.body["duration_seconds"], 900, "{late:?}");
    assert_eq!(late.body["duration_estimated"], false);
}

/// operator, result, players, client IP
type AttemptRow = (Option<uuid::Uuid>, String, Option<i32>, Option<String>);

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn every_attempt_is_recorded(pool: PgPool) {
    let (_server, hs) = setup(pool.clone(), 1, "100.00", no_limits).await;
    let h = &hs[0];
    assert_eq!(h.launch(2).await.status, StatusCode::OK);
    expect_error(&h.launch(99).await, 400, "PLAYER_COUNT_OUT_OF_RANGE");
    let forged = h
        .send(
            Method::POST,
            AUTHORIZE_PATH,
            &h.body(2),
            Some(&h.session_id()),
            &Forge {
                key: Some("Q".repeat(64)),
                ..Forge::default()
            },
        )
        .await;
    expect_error(&forged, 401, "INVALID_API_KEY");
    // Written in batches in the background: wait for the flush.
    let mut rows: Vec<AttemptRow> = vec![];
    for _ in 0..50 {
        rows = sqlx::query_as(
            "SELECT operator_id, result, player_count, client_ip FROM launch_attempts ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        if rows.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let op = Some(h.acct.operator_id);
    let ip = Some("127.0.0.1".to_string());
    assert_eq!(
        rows,
        vec![
            (op, "OK".into(), Some(2), ip.clone()),
            (op, "PLAYER_COUNT_OUT_OF_RANGE".into(), Some(99), ip.clone()),
            (None, "INVALID_API_KEY".into(), Some(2), ip),
        ]
    );
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn the_openapi_document_describes_the_served_endpoints(pool: PgPool) {
    let (server, hs) = setup(pool, 1, "10.00", no_limits).await;
    let r = reqwest::get(format!(
        "{}{}",
        server.base_url,
        mr_protocol::launch::OPENAPI_PATH
    ))
    .await
    .unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    let doc: serde_json::Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    for p in [
        AUTHORIZE_PATH,
        GAME_END_PATH,
        VERIFY_PATH,
        mr_protocol::launch::APPS_PATH,
        mr_protocol::launch::JWKS_PATH,
    ] {
        assert!(
            paths.iter().any(|x| x.as_str() == p),
            "{p} missing from {paths:?}"
        );
    }
    // Every documented operation exists on the server (no 404/405 for its method).
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = hs[0].send(m, path, b"", None, &Forge::default()).await;
            assert!(
                r.status != StatusCode::NOT_FOUND || r.body["code"] != "ROUTE_NOT_FOUND",
                "{method} {path}: {r:?}"
            );
            assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        }
    }
}
