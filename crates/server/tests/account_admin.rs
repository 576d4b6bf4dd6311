//! Accounts run by staff (issue "Admin workspace"): an administrator creates an operator (the
//! API key shown once and working), edits it and changes its tier, locks and unlocks it with a
//! reason (R-A1); a super admin lists staff, resets a password and disables / re-enables an
//! account (R-A9). Each change leaves an audit row with the state before and after; every
//! endpoint refuses the roles that may not use it.

mod common;

use common::headset::Headset;
use common::Ctx;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

async fn audit_row(pool: &PgPool, action: &str, target: Uuid) -> (Option<Value>, Option<Value>) {
    sqlx::query_as(
        "SELECT before, after FROM audit_log WHERE action = $1 AND target_id = $2
          ORDER BY id DESC LIMIT 1",
    )
    .bind(action)
    .bind(target.to_string())
    .fetch_one(pool)
    .await
    .unwrap_or_else(|e| panic!("no audit row {action}: {e}"))
}

async fn launch(c: &Ctx, acct: &mr_server::launch::fixture::FixtureAccount) -> common::Resp {
    Headset::new(&c.server.base_url, acct.clone())
        .launch(1)
        .await
}

fn new_operator(username: &str) -> Value {
    json!({
        "username": username, "password": "Venue12345", "display_name": "星河 VR 乐园",
        "contact_name": "李经理", "phone": "13900001111", "email": format!("{username}@example.cn"),
        "tier": "vip"
    })
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn an_admin_creates_edits_and_locks_an_operator(pool: PgPool) {
    let (c, accts) = common::with_fixtures(&pool, 1, "100.00").await;
    let admin = c.tokens("uat_admin", "admin").await.0;

    // Create: the key comes back once, in full, and the tier is the one chosen.
    let r = c
        .post("/api/v1/operators", Some(&admin), new_operator("xinghe_vr"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let key = r.body["api_key"].as_str().unwrap();
    assert_eq!(key.len(), 64);
    assert_eq!(r.body["operator"]["tier"], "vip");
    assert!(r.body["operator"]["api_key_masked"]
        .as_str()
        .unwrap()
        .ends_with(&key[60..]));
    let id: Uuid = r.body["operator"]["id"].as_str().unwrap().parse().unwrap();
    let (_, after) = audit_row(&pool, "operator.create", id).await;
    assert_eq!(after.unwrap()["tier"], "vip");
    // The new operator can sign in with the password the admin set.
    let op = c.login("xinghe_vr", "Venue12345", "operator").await;
    assert_eq!(op.status, StatusCode::OK, "{op:?}");
    // The same username again, and a bad form.
    let again = c
        .post("/api/v1/operators", Some(&admin), new_operator("XingHe_VR"))
        .await;
    assert_eq!(again.error_code(), "USERNAME_TAKEN");
    let mut bad = new_operator("bad_venue");
    bad["phone"] = json!("12");
    bad["email"] = json!("not-an-email");
    let r = c.post("/api/v1/operators", Some(&admin), bad).await;
    assert_eq!(r.error_code(), "VALIDATION_FAILED");
    assert!(r.body["details"]["fields"]["phone"].is_string(), "{r:?}");
    assert!(r.body["details"]["fields"]["email"].is_string(), "{r:?}");

    // Edit and change the tier: the audit row keeps both states.
    let edit = json!({
        "display_name": "星河 VR 乐园（旗舰店）", "contact_name": null,
        "phone": "13900002222", "email": "xinghe@example.cn", "tier": "standard"
    });
    let r = c
        .call(
            Method::PUT,
            &format!("/api/v1/operators/{id}"),
            Some(&admin),
            Some(edit.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["tier"], "standard");
    assert_eq!(r.body["display_name"], "星河 VR 乐园（旗舰店）");
    assert_eq!(r.body["contact_name"], Value::Null);
    let (before, after) = audit_row(&pool, "operator.tier_change", id).await;
    assert_eq!(before.unwrap()["tier"], "vip");
    assert_eq!(after.unwrap()["tier"], "standard");

    // Lock with a reason: launches stop and the operator is told why; unlock: they resume.
    let target = accts[0].operator_id;
    let lock = format!("/api/v1/operators/{target}/lock");
    let unlock = format!("/api/v1/operators/{target}/unlock");
    assert_eq!(
        c.post(&lock, Some(&admin), json!({"reason": "  "}))
            .await
            .error_code(),
        "VALIDATION_FAILED"
    );
    let r = c
        .post(&lock, Some(&admin), json!({"reason": "合同到期未续签"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["is_locked"], true);
    assert_eq!(launch(&c, &accts[0]).await.error_code(), "OPERATOR_LOCKED");
    let told: String = sqlx::query_scalar(
        "SELECT body FROM messages WHERE operator_id = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(target)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(told.contains("合同到期未续签"), "{told}");
    let (before, after) = audit_row(&pool, "operator.lock", target).await;
    assert_eq!(before.unwrap()["is_locked"], false);
    assert_eq!(after.unwrap()["locked_reason"], "合同到期未续签");
    assert_eq!(
        c.post(&lock, Some(&admin), json!({"reason": "再锁一次"}))
            .await
            .error_code(),
        "CONFLICT"
    );
    let r = c
        .post(&unlock, Some(&admin), json!({"reason": "已续签"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["is_locked"], false);
    assert_eq!(launch(&c, &accts[0]).await.status, StatusCode::OK);

    // Nobody else may do any of it.
    let finance = c.tokens("uat_finance", "finance").await.0;
    let op_token = op.body["access_token"].as_str().unwrap().to_string();
    for token in [&finance, &op_token] {
        assert_eq!(
            c.post("/api/v1/operators", Some(token), new_operator("someone"))
                .await
                .error_code(),
            "FORBIDDEN"
        );
        assert_eq!(
            c.post(&lock, Some(token), json!({"reason": "x"}))
                .await
                .error_code(),
            "FORBIDDEN"
        );
        let r = c
            .call(
                Method::PUT,
                &format!("/api/v1/operators/{id}"),
                Some(token),
                Some(edit.clone()),
            )
            .await;
        assert_eq!(r.error_code(), "FORBIDDEN");
    }
    let unknown = format!("/api/v1/operators/{}/lock", Uuid::nil());
    assert_eq!(
        c.post(&unknown, Some(&admin), json!({"reason": "x"}))
            .await
            .error_code(),
        "NOT_FOUND"
    );
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_super_admin_resets_passwords_and_disables_staff(pool: PgPool) {
    let (c, _) = common::with_fixtures(&pool, 1, "10.00").await;
    let sa = c.tokens("uat_admin", "admin").await.0;
    let r = c.create_staff(&sa, "li_auditor", "auditor").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let id: Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        c.create_staff(&sa, "wang_admin", "admin").await.status,
        StatusCode::CREATED
    );

    let list = c.get("/api/v1/staff", &sa).await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    let names: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["username"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"li_auditor") && names.contains(&"uat_admin"),
        "{names:?}"
    );

    // Reset: the old password and the live session stop working, the new one signs in.
    let (old_token, _) = c.tokens_pw("li_auditor", "Staff123456", "finance").await;
    let path = format!("/api/v1/staff/{id}/password");
    assert_eq!(
        c.post(&path, Some(&sa), json!({"password": "short"}))
            .await
            .error_code(),
        "WEAK_PASSWORD"
    );
    let r = c
        .post(&path, Some(&sa), json!({"password": "NewPass2026"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        c.get("/api/v1/finance/overview", &old_token)
            .await
            .error_code(),
        "SESSION_REVOKED"
    );
    assert_eq!(
        c.login("li_auditor", "Staff123456", "finance")
            .await
            .error_code(),
        "INVALID_CREDENTIALS"
    );
    let (token, _) = c.tokens_pw("li_auditor", "NewPass2026", "finance").await;

    // Disable: the session ends, signing in is refused; enable: it works again.
    let status = format!("/api/v1/staff/{id}/status");
    let r = c.post(&status, Some(&sa), json!({"disabled": true})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["status"], "disabled");
    assert_eq!(
        c.get("/api/v1/finance/overview", &token).await.error_code(),
        "SESSION_REVOKED"
    );
    assert_eq!(
        c.login("li_auditor", "NewPass2026", "finance")
            .await
            .error_code(),
        "ACCOUNT_DISABLED"
    );
    let (before, after) = audit_row(&pool, "staff.disable", id).await;
    assert_eq!(before.unwrap()["status"], "active");
    assert_eq!(after.unwrap()["status"], "disabled");
    let r = c.post(&status, Some(&sa), json!({"disabled": false})).await;
    assert_eq!(r.body["status"], "active");
    c.tokens_pw("li_auditor", "NewPass2026", "finance").await;

    // A super admin cannot disable themselves; an admin cannot manage staff at all.
    let me: Uuid = sqlx::query_scalar("SELECT id FROM staff_users WHERE username = 'uat_admin'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        c.post(
            &format!("/api/v1/staff/{me}/status"),
            Some(&sa),
            json!({"disabled": true})
        )
        .await
        .error_code(),
        "SELF_ACTION_FORBIDDEN"
    );
    let admin = c.tokens_pw("wang_admin", "Staff123456", "admin").await.0;
    assert_eq!(
        c.get("/api/v1/staff", &admin).await.error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        c.post(&status, Some(&admin), json!({"disabled": true}))
            .await
            .error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        c.post(&path, Some(&admin), json!({"password": "Another2026"}))
            .await
            .error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        c.post(
            &format!("/api/v1/staff/{}/status", Uuid::nil()),
            Some(&sa),
            json!({"disabled": true})
        )
        .await
        .error_code(),
        "NOT_FOUND"
    );
}
