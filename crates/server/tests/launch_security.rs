//! Keys, locks and abuse (R-L9, R-L10, R-O2, R-A2) through real HTTP: a reset kills the old key
//! at once; an abusive IP gets the operators seen from it locked, administrators alerted, and
//! only an administrator unlocks.

mod common;

use common::headset::{expect_error, fresh_window, random_ip, Forge, Headset};
use common::{Ctx, PW};
use mr_protocol::launch::{AUTHORIZE_PATH, VERIFY_PATH};
use mr_server::launch::fixture;
use mr_server::testing::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

async fn setup(pool: PgPool, n: usize, abuse: bool) -> (Ctx, Vec<Headset>) {
    mr_server::uat::create_uat(&pool, PW).await.unwrap();
    let server = TestServer::spawn_with(pool.clone(), |c| {
        c.rate_limit_ip_per_min = 0;
        c.rate_limit_operator_per_min = 0;
        c.abuse_lock_enabled = abuse;
    })
    .await;
    let accounts = fixture::create(
        &pool,
        &server.state.config.master_key,
        n,
        "100.00".parse().unwrap(),
    )
    .await
    .unwrap();
    let hs = accounts
        .into_iter()
        .map(|a| Headset::new(&server.base_url, a))
        .collect();
    (
        Ctx {
            server,
            http: reqwest::Client::new(),
        },
        hs,
    )
}

async fn locked(pool: &PgPool, op: Uuid) -> bool {
    sqlx::query_scalar("SELECT is_locked FROM operators WHERE id = $1")
        .bind(op)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// R-L10 says "within 1 minute"; ours is immediate, but runs off the request path.
async fn wait_locked(pool: &PgPool, op: Uuid) {
    for _ in 0..100 {
        if locked(pool, op).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("operator {op} was not locked");
}

async fn login_operator(c: &Ctx, pool: &PgPool, op: Uuid) -> String {
    let username: String = sqlx::query_scalar("SELECT username FROM operators WHERE id = $1")
        .bind(op)
        .fetch_one(pool)
        .await
        .unwrap();
    c.tokens_pw(&username, fixture::PASSWORD, "operator")
        .await
        .0
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_key_reset_kills_the_old_key_at_once(pool: PgPool) {
    let (c, hs) = setup(pool.clone(), 2, false).await;
    let h = &hs[0];
    assert_eq!(h.launch(1).await.status, StatusCode::OK);

    // The operator resets its own key.
    let token = login_operator(&c, &pool, h.acct.operator_id).await;
    let path = format!("/api/v1/operators/{}/api-key/reset", h.acct.operator_id);
    let r = c.post(&path, Some(&token), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let new_key = r.body["api_key"].as_str().unwrap().to_string();
    assert_eq!(new_key.len(), 64);
    assert!(r.body["api_key_masked"]
        .as_str()
        .unwrap()
        .ends_with(&new_key[60..]));
    let d = expect_error(&h.launch(1).await, 401, "INVALID_API_KEY");
    assert_eq!(d["reason"], "unknown or reset API key");
    let mut renewed = h.clone();
    renewed.acct.api_key = new_key;
    assert_eq!(renewed.launch(1).await.status, StatusCode::OK);
    // Not another operator's key.
    let theirs = format!("/api/v1/operators/{}/api-key/reset", hs[1].acct.operator_id);
    assert_eq!(
        c.post(&theirs, Some(&token), json!({})).await.error_code(),
        "NOT_FOUND"
    );

    // An administrator resets it: the operator is told, the old key dies.
    let (admin, _) = c.tokens("uat_admin", "admin").await;
    let r = c.post(&path, Some(&admin), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    expect_error(&renewed.launch(1).await, 401, "INVALID_API_KEY");
    let told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages WHERE operator_id = $1 AND kind = 'api_key_reset'",
    )
    .bind(h.acct.operator_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(told, 1);
    let audits: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'operator.api_key_reset' AND target_id = $1",
    )
    .bind(h.acct.operator_id.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audits, 2);
    // The admin's reset row names the replaced key and the new one by their last four.
    let new_key = r.body["api_key"].as_str().unwrap().to_string();
    let (before, after): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT before->>'api_key_last4', after->>'api_key_last4' FROM audit_log
          WHERE action = 'operator.api_key_reset' AND target_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(h.acct.operator_id.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(before.as_deref(), Some(&renewed.acct.api_key[60..]));
    assert_eq!(after.as_deref(), Some(&new_key[60..]));

    // R-A2: an administrator reveals the current key (audited); operators and finance may not.
    let reveal = format!("/api/v1/operators/{}/api-key/reveal", h.acct.operator_id);
    let shown = c.post(&reveal, Some(&admin), json!({})).await;
    assert_eq!(shown.status, StatusCode::OK, "{shown:?}");
    assert_eq!(shown.body["api_key"], new_key.as_str());
    let (finance, _) = c.tokens("uat_finance", "finance").await;
    assert_eq!(
        c.post(&reveal, Some(&finance), json!({}))
            .await
            .error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        c.post(&reveal, Some(&token), json!({})).await.error_code(),
        "FORBIDDEN"
    );
    let missing = format!("/api/v1/operators/{}/api-key/reveal", uuid::Uuid::now_v7());
    assert_eq!(
        c.post(&missing, Some(&admin), json!({})).await.error_code(),
        "NOT_FOUND"
    );
    let reveals: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'operator.api_key_reveal' AND target_id = $1
            AND details->>'last4' = $2 AND NOT (details::text LIKE '%' || $3 || '%')",
    )
    .bind(h.acct.operator_id.to_string())
    .bind(&new_key[60..])
    .bind(&new_key)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(reveals, 1, "one audited reveal, without the key in it");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn twenty_one_failures_from_one_ip_lock_its_operators_until_an_admin_unlocks(pool: PgPool) {
    fresh_window(300, 20).await;
    let (c, hs) = setup(pool.clone(), 3, true).await;
    let ip = random_ip();
    let mut venue = hs[0].clone();
    venue.ip = Some(ip.clone());
    let mut bystander = hs[1].clone();
    bystander.ip = Some(random_ip());
    // The venue works normally from this IP, then something there forges signatures.
    assert_eq!(venue.launch(1).await.status, StatusCode::OK);
    let forged = Forge {
        signature: Some("Zm9yZ2Vk".into()),
        ..Forge::default()
    };
    for i in 0..20 {
        let s = venue.session_id();
        let r = venue
            .send(
                Method::POST,
                AUTHORIZE_PATH,
                &venue.body(1),
                Some(&s),
                &forged,
            )
            .await;
        expect_error(&r, 400, "INVALID_SIGNATURE");
        if i == 10 {
            // Honest failures do not count: a venue out of players or balance is not an attack.
            expect_error(&venue.launch(99).await, 400, "PLAYER_COUNT_OUT_OF_RANGE");
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !locked(&pool, venue.acct.operator_id).await,
        "20 failures are allowed"
    );
    let s = venue.session_id();
    venue
        .send(
            Method::POST,
            AUTHORIZE_PATH,
            &venue.body(1),
            Some(&s),
            &forged,
        )
        .await;
    wait_locked(&pool, venue.acct.operator_id).await;
    expect_error(&venue.launch(1).await, 403, "OPERATOR_LOCKED");
    // Another venue elsewhere is untouched.
    assert_eq!(bystander.launch(1).await.status, StatusCode::OK);
    assert!(!locked(&pool, bystander.acct.operator_id).await);

    // Administrators are alerted; the operator is told; the lock is audited, by the system.
    let (title, details): (String, serde_json::Value) =
        sqlx::query_as("SELECT title, details FROM admin_alerts WHERE kind = 'abuse_lock'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(title.contains(&ip), "{title}");
    assert_eq!(
        details["locked_operator_ids"],
        json!([venue.acct.operator_id])
    );
    let (reason, by): (String, Option<Uuid>) =
        sqlx::query_as("SELECT locked_reason, locked_by FROM operators WHERE id = $1")
            .bind(venue.acct.operator_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(reason.contains("异常请求"), "{reason}");
    assert_eq!(by, None, "locked by the system");
    // The admin home lists the alert with the operator it locked, until someone handles it.
    let (sa, _) = c.tokens("uat_admin", "admin").await;
    let home = c.get("/api/v1/admin/overview", &sa).await;
    assert_eq!(home.body["alerts_open"], 1, "{home:?}");
    let alert = &home.body["alerts"][0];
    assert_eq!(alert["kind"], "abuse_lock");
    assert_eq!(alert["severity"], "critical");
    assert_eq!(alert["operator_ids"], json!([venue.acct.operator_id]));
    let ack = format!("/api/v1/admin/alerts/{}/ack", alert["id"].as_str().unwrap());
    let (fin, _) = c.tokens("uat_finance", "finance").await;
    assert_eq!(
        c.post(&ack, Some(&fin), json!({})).await.error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        c.post(&ack, Some(&sa), json!({})).await.status,
        StatusCode::NO_CONTENT
    );
    // A second click (another admin, a retry) is harmless.
    assert_eq!(
        c.post(&ack, Some(&sa), json!({})).await.status,
        StatusCode::NO_CONTENT
    );
    let home = c.get("/api/v1/admin/overview", &sa).await;
    assert_eq!(home.body["alerts_open"], 0);
    assert_eq!(home.body["alerts"], json!([]));
    assert_eq!(
        c.post(
            &format!("/api/v1/admin/alerts/{}/ack", Uuid::nil()),
            Some(&sa),
            json!({})
        )
        .await
        .error_code(),
        "NOT_FOUND"
    );

    // Only an administrator unlocks: not the operator, not finance staff.
    let path = format!("/api/v1/operators/{}/unlock", venue.acct.operator_id);
    let op_token = login_operator(&c, &pool, venue.acct.operator_id).await;
    let r = c
        .post(&path, Some(&op_token), json!({"reason": "我自己解锁"}))
        .await;
    assert_eq!(
        (r.status.as_u16(), r.error_code()),
        (403, "FORBIDDEN".into())
    );
    let (finance, _) = c.tokens("uat_finance", "finance").await;
    let r = c
        .post(&path, Some(&finance), json!({"reason": "财务解锁"}))
        .await;
    assert_eq!(r.error_code(), "FORBIDDEN");
    let (admin, _) = c.tokens("uat_admin", "admin").await;
    let r = c.post(&path, Some(&admin), json!({"reason": ""})).await;
    assert_eq!(r.error_code(), "VALIDATION_FAILED");
    let r = c
        .post(
            &path,
            Some(&admin),
            json!({"reason": "已核实为头显配置错误"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut fixed = venue.clone();
    fixed.ip = Some(random_ip());
    assert_eq!(fixed.launch(1).await.status, StatusCode::OK);
    assert_eq!(
        c.post(&path, Some(&admin), json!({"reason": "再次"}))
            .await
            .error_code(),
        "CONFLICT"
    );
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn six_keys_from_one_ip_in_a_minute_lock_those_operators(pool: PgPool) {
    fresh_window(60, 10).await;
    let (_c, hs) = setup(pool.clone(), 6, true).await;
    let ip = random_ip();
    let from_ip: Vec<Headset> = hs
        .iter()
        .map(|h| {
            let mut h = h.clone();
            h.ip = Some(ip.clone());
            h
        })
        .collect();
    for h in &from_ip[..5] {
        assert_eq!(h.get(VERIFY_PATH).await.status, StatusCode::OK);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for h in &hs {
        assert!(
            !locked(&pool, h.acct.operator_id).await,
            "five keys are allowed"
        );
    }
    // The sixth key: every operator seen from this IP is locked.
    from_ip[5].get(VERIFY_PATH).await;
    for h in &hs {
        wait_locked(&pool, h.acct.operator_id).await;
    }
    let alerts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM admin_alerts WHERE kind = 'abuse_lock'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(alerts, 1);
}

/// Pulls the caller's whole feed until `done` holds for it (a pull may trail a commit briefly).
async fn feed_until(
    c: &Ctx,
    token: &str,
    done: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let mut last = Vec::new();
    for _ in 0..50 {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let r = common::pull(c, token, cursor.as_deref(), 500).await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            all.extend(r.body["changes"].as_array().unwrap().iter().cloned());
            cursor = Some(r.body["cursor"].as_str().unwrap().to_string());
            if r.body["up_to_date"] == true {
                break;
            }
        }
        if done(&all) {
            return all;
        }
        last = all;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown: Vec<String> = last
        .iter()
        .filter(|ch| ch["entity"] != "application")
        .map(|ch| format!("{} {}", ch["entity"], ch["row"]))
        .collect();
    panic!("the feed never showed the launch: {shown:#?}");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_launch_reaches_every_scope_through_the_sync_feed(pool: PgPool) {
    // The charging step writes the change log for a whole batch itself (the per-row triggers
    // step aside): each workspace must still see what the launch changed.
    let (c, hs) = setup(pool.clone(), 1, false).await;
    let h = &hs[0];
    let r = h.launch(2).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let op = h.acct.operator_id.to_string();
    let has =
        |all: &[serde_json::Value], entity: &str, check: &dyn Fn(&serde_json::Value) -> bool| {
            all.iter()
                .any(|ch| ch["entity"] == entity && ch["op"] == "upsert" && check(&ch["row"]))
        };

    let operator = login_operator(&c, &pool, h.acct.operator_id).await;
    feed_until(&c, &operator, |all| {
        has(all, "ledger_entry", &|row| {
            row["amount"] == "-20.00" && row["balance_after"] == "80.00"
        })
    })
    .await;

    let (admin, _) = c.tokens("uat_admin", "admin").await;
    feed_until(&c, &admin, |all| {
        has(all, "stat_daily", &|row| {
            row["operator_id"] == op.as_str() && row["sessions"] == 1
        }) && has(all, "operator_account", &|row| {
            row["id"] == op.as_str() && row["balance"] == "80.00"
        })
    })
    .await;

    let (finance, _) = c.tokens("uat_finance", "finance").await;
    feed_until(&c, &finance, |all| {
        has(all, "audit_entry", &|row| {
            row["action"] == "launch.authorize"
        }) && has(all, "ledger_entry", &|row| row["amount"] == "-20.00")
    })
    .await;
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn keys_are_stored_encrypted_and_found_by_index_not_by_scan(pool: PgPool) {
    // A realistic number of operators, so the planner's choice is the one production sees.
    let (_c, hs) = setup(pool.clone(), 1500, false).await;
    let h = &hs[777];
    // At rest: no plaintext, only AES-GCM ciphertext, nonce, keyed hash and the last four.
    let (ct, hash, last4): (Vec<u8>, Vec<u8>, String) = sqlx::query_as(
        "SELECT api_key_ciphertext, api_key_hash, api_key_last4 FROM operators WHERE id = $1",
    )
    .bind(h.acct.operator_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(last4, h.acct.api_key[60..]);
    assert!(!ct
        .windows(8)
        .any(|w| h.acct.api_key.as_bytes().windows(8).any(|k| k == w)));
    let master = mr_server::config::Config::for_test("unused").master_key;
    assert_eq!(
        hash,
        mr_server::crypto::api_key_lookup_hash(&master, &h.acct.api_key)
    );
    // The lookup the launch path runs is a unique-index probe, whatever the table's size.
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("ANALYZE operators")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("SET enable_seqscan = on")
        .execute(&mut *conn)
        .await
        .unwrap();
    let plan: Vec<(String,)> = sqlx::query_as(
        "EXPLAIN SELECT id, display_name, status, is_locked FROM operators WHERE api_key_hash = $1",
    )
    .bind(&hash)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let plan: String = plan
        .into_iter()
        .map(|(l,)| l)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(plan.contains("operators_api_key_hash_key"), "{plan}");
    assert!(!plan.contains("Seq Scan"), "{plan}");
}
