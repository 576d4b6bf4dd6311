//! Registration (R-O1), staff creation (R-A9), tenant isolation and role checks (REQUIREMENTS §2).

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn registration_creates_a_trial_operator_with_a_key_shown_once(pool: PgPool) {
    let c = start(pool.clone()).await;
    let r = c.register("venue_one").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let key = r.body["api_key"].as_str().unwrap();
    assert_eq!(key.len(), 64);
    assert!(key.chars().all(|ch| ch.is_ascii_alphanumeric()));
    let op = &r.body["operator"];
    assert_eq!(op["balance"], "0.00");
    assert_eq!(op["tier"], "trial");
    assert_eq!(op["status"], "active");
    assert!(op["api_key_masked"].as_str().unwrap().ends_with(&key[60..]));
    assert!(!op["api_key_masked"].as_str().unwrap().contains(&key[..20]));

    // The key is stored encrypted and looked up by keyed hash, never in clear.
    let (ct, hash): (Vec<u8>, Vec<u8>) = sqlx::query_as(
        "SELECT api_key_ciphertext, api_key_hash FROM operators WHERE username = 'venue_one'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(!ct.windows(16).any(|w| w == &key.as_bytes()[..16]));
    assert_eq!(
        hash,
        mr_server::crypto::api_key_lookup_hash(&c.server.state.config.master_key, key)
    );

    let (token, _) = c.tokens_pw("venue_one", "Passw0rd!", "operator").await;
    let home = c.get("/api/v1/operator/home", &token).await;
    assert_eq!(home.status, StatusCode::OK, "{home:?}");
    assert_eq!(home.body["profile"]["username"], "venue_one");
    assert_eq!(home.body["profile"]["balance"], "0.00");

    let dup = c.register("VENUE_ONE").await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.error_code(), "USERNAME_TAKEN");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn registration_reports_every_bad_field(pool: PgPool) {
    let c = start(pool.clone()).await;
    let r = c
        .post(
            "/api/v1/operators/register",
            None,
            json!({"username":"1x","password":"short","display_name":"  ","phone":"123","email":"nope"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 422, "{r:?}");
    let fields = r.body["details"]["fields"].as_object().unwrap();
    for f in ["username", "password", "display_name", "phone", "email"] {
        assert!(fields.contains_key(f), "{f} missing in {r:?}");
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM operators WHERE username = '1x'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing half-written");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn an_operator_token_reads_nothing_of_another_operator(pool: PgPool) {
    let c = start(pool.clone()).await;
    let a = c.register("venue_a").await.body["operator"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = c.register("venue_b").await.body["operator"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    sqlx::query("UPDATE operators SET balance = 0 WHERE id::text = $1")
        .bind(&b)
        .execute(&pool)
        .await
        .unwrap();
    let (ta, _) = c.tokens_pw("venue_a", "Passw0rd!", "operator").await;

    let own = c.get(&format!("/api/v1/operators/{a}"), &ta).await;
    assert_eq!(own.status, StatusCode::OK);
    let other = c.get(&format!("/api/v1/operators/{b}"), &ta).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{other:?}");
    assert_eq!(other.error_code(), "NOT_FOUND");
    assert!(!other.body.to_string().contains("venue_b"));

    let home = c.get("/api/v1/operator/home", &ta).await;
    assert_eq!(home.body["profile"]["id"], a.as_str());
    assert!(!home.body.to_string().contains(&b));

    // Staff-only pages are closed to operators.
    for path in ["/api/v1/admin/overview", "/api/v1/finance/overview"] {
        let r = c.get(path, &ta).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(r.error_code(), "FORBIDDEN");
    }
    // An admin reads any operator; staff have no operator home.
    let (admin, _) = c.tokens("uat_admin", "admin").await;
    assert_eq!(
        c.get(&format!("/api/v1/operators/{b}"), &admin)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        c.get("/api/v1/operator/home", &admin).await.error_code(),
        "FORBIDDEN"
    );
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn only_a_super_admin_creates_staff(pool: PgPool) {
    let c = start(pool).await;
    let (root, _) = c.tokens("uat_admin", "admin").await;
    let r = c.create_staff(&root, "plain_admin", "admin").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["role"], "admin");
    let r = c.create_staff(&root, "an_analyst", "analyst").await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = c.create_staff(&root, "plain_admin", "auditor").await;
    assert_eq!(r.error_code(), "USERNAME_TAKEN");
    let r = c.create_staff(&root, "bad_role", "operator").await;
    assert_eq!(r.error_code(), "VALIDATION_FAILED");

    let (plain, _) = c.tokens_pw("plain_admin", "Staff123456", "admin").await;
    let r = c.create_staff(&plain, "sneaky", "super_admin").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.error_code(), "FORBIDDEN");

    // The analyst signs into the admin workspace but sees no operator data.
    let (analyst, _) = c.tokens_pw("an_analyst", "Staff123456", "admin").await;
    assert_eq!(
        c.get("/api/v1/admin/overview", &analyst).await.error_code(),
        "FORBIDDEN"
    );
}

/// Every write endpoint that exists, called by a finance auditor: all refused, nothing written
/// (except changing one's own password, which every account may do).
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_finance_auditor_cannot_call_a_write_endpoint(pool: PgPool) {
    let c = start(pool.clone()).await;
    let (root, _) = c.tokens("uat_admin", "admin").await;
    assert_eq!(
        c.create_staff(&root, "an_auditor", "auditor").await.status,
        StatusCode::CREATED
    );
    let (auditor, _) = c.tokens_pw("an_auditor", "Staff123456", "finance").await;

    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM staff_users")
        .fetch_one(&pool)
        .await
        .unwrap();
    let r = c
        .create_staff(&auditor, "made_by_auditor", "accountant")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    assert_eq!(r.error_code(), "FORBIDDEN");
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM staff_users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(before, after);

    // Reading is allowed.
    let r = c.get("/api/v1/finance/overview", &auditor).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        c.get("/api/v1/admin/overview", &auditor).await.error_code(),
        "FORBIDDEN"
    );
    let r = c
        .call(Method::GET, "/api/v1/me", Some(&auditor), None)
        .await;
    assert_eq!(r.body["user"]["role"], "auditor");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn home_pages_show_real_figures(pool: PgPool) {
    let c = start(pool.clone()).await;
    let op_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM operators WHERE username = 'uat_operator'")
            .fetch_one(&pool)
            .await
            .unwrap();
    // A recharge of 100.00 now, as the payment webhook will write it: balance and ledger together.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("UPDATE operators SET balance = balance + 100.00 WHERE id = $1")
        .bind(op_id)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO ledger_entries (id, operator_id, entry_type, amount, balance_before, balance_after, description)
         VALUES ($1, $2, 'recharge', 100.00, 0, 100.00, 'test')",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(op_id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let (op, _) = c.tokens("uat_operator", "operator").await;
    let home = c.get("/api/v1/operator/home", &op).await;
    assert_eq!(home.body["profile"]["balance"], "100.00", "{home:?}");
    assert_eq!(home.body["month_spend"], "0.00");

    let (fin, _) = c.tokens("uat_finance", "finance").await;
    let f = c.get("/api/v1/finance/overview", &fin).await;
    assert_eq!(f.status, StatusCode::OK, "{f:?}");
    assert_eq!(f.body["recharge_total"], "100.00");
    assert_eq!(f.body["recharge_count"], 1);
    assert_eq!(f.body["net_income"], "100.00");

    let (admin, _) = c.tokens("uat_admin", "admin").await;
    let a = c.get("/api/v1/admin/overview", &admin).await;
    assert_eq!(a.body["operators_total"], 1, "{a:?}");
    assert_eq!(a.body["operators_active"], 1);
}
