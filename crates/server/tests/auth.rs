//! Login, tokens, refresh rotation, logout and password change against the real PostgreSQL.

mod common;

use chrono::Utc;
use common::*;
use mr_domain::{Role, Workspace};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn each_uat_account_logs_into_its_own_workspace(pool: PgPool) {
    let c = start(pool).await;
    for (user, ws, role) in [
        ("uat_operator", "operator", "operator"),
        ("uat_admin", "admin", "super_admin"),
        ("uat_finance", "finance", "accountant"),
    ] {
        let r = c.login(user, PW, ws).await;
        assert_eq!(r.status, StatusCode::OK, "{user}: {r:?}");
        assert_eq!(r.body["user"]["username"], user);
        assert_eq!(r.body["user"]["role"], role);
        assert!(r.body["access_token"].as_str().unwrap().len() > 20);
        assert!(r.body["refresh_token"].as_str().unwrap().len() > 20);
        assert_eq!(r.body["expires_in"], 900);
        let me = c
            .get("/api/v1/me", r.body["access_token"].as_str().unwrap())
            .await;
        assert_eq!(me.status, StatusCode::OK, "{me:?}");
        assert_eq!(me.body["workspace"], ws);
        assert_eq!(me.body["user"]["id"], r.body["user"]["id"]);
    }
    // Usernames are case-insensitive.
    assert_eq!(
        c.login("UAT_Admin", PW, "admin").await.status,
        StatusCode::OK
    );
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn wrong_workspace_is_403_with_its_code(pool: PgPool) {
    let c = start(pool).await;
    for (user, ws) in [
        ("uat_operator", "admin"),
        ("uat_operator", "finance"),
        ("uat_admin", "finance"),
        ("uat_admin", "operator"),
        ("uat_finance", "admin"),
        ("uat_finance", "operator"),
    ] {
        let r = c.login(user, PW, ws).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}->{ws}: {r:?}");
        assert_eq!(r.error_code(), "WRONG_WORKSPACE");
        assert_eq!(r.body["message"], "该账号不能登录此工作台");
    }
    // Without the right password the workspace mismatch is not revealed.
    let r = c.login("uat_operator", "Wrong12345", "admin").await;
    assert_eq!(r.error_code(), "INVALID_CREDENTIALS");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn bad_credentials_get_one_answer_in_the_callers_language(pool: PgPool) {
    let c = start(pool).await;
    for (user, pw) in [
        ("uat_admin", "Wrong12345"),
        ("nobody_here", PW),
        ("", ""),
        ("uat_admin", ""),
    ] {
        let r = c.login(user, pw, "admin").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{user}: {r:?}");
        assert_eq!(r.error_code(), "INVALID_CREDENTIALS");
        assert_eq!(r.body["message"], "用户名或密码错误");
        assert_eq!(r.headers["content-language"], "zh-CN");
    }
    let r = c
        .http
        .post(c.url("/api/v1/auth/login"))
        .header("Accept-Language", "en-US,en;q=0.9")
        .json(&json!({"username":"uat_admin","password":"nope12345","workspace":"admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "INVALID_CREDENTIALS");
    assert_eq!(body["message"], "Wrong username or password");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn disabled_and_closed_accounts_cannot_sign_in(pool: PgPool) {
    let c = start(pool.clone()).await;
    sqlx::query("UPDATE staff_users SET status = 'disabled' WHERE username = 'uat_finance'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        c.login("uat_finance", PW, "finance").await.error_code(),
        "ACCOUNT_DISABLED"
    );
    sqlx::query(
        "UPDATE operators SET status = 'closed', closed_at = now() WHERE username = 'uat_operator'",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(
        c.login("uat_operator", PW, "operator").await.error_code(),
        "ACCOUNT_CLOSED"
    );
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn missing_expired_forged_and_garbage_tokens_are_401(pool: PgPool) {
    let c = start(pool).await;
    let r = c.call(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "UNAUTHENTICATED");

    let login = c.login("uat_admin", PW, "admin").await;
    let sid: Uuid = {
        let me = c
            .get("/api/v1/me", login.body["access_token"].as_str().unwrap())
            .await;
        me.body["session_id"].as_str().unwrap().parse().unwrap()
    };
    let uid: Uuid = login.body["user"]["id"].as_str().unwrap().parse().unwrap();
    let secret = c.server.state.config.token_secret.clone();
    let past = Utc::now().timestamp() - 3600;
    let expired = mr_server::auth::tokens::issue(
        &secret,
        &mr_server::auth::tokens::claims(uid, Role::SuperAdmin, Workspace::Admin, sid, past, 60),
    )
    .unwrap();
    let r = c.get("/api/v1/me", &expired).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "TOKEN_EXPIRED");

    let forged = mr_server::auth::tokens::issue(
        b"an-attacker-secret-that-is-long-enough",
        &mr_server::auth::tokens::claims(
            uid,
            Role::SuperAdmin,
            Workspace::Admin,
            sid,
            Utc::now().timestamp(),
            600,
        ),
    )
    .unwrap();
    assert_eq!(
        c.get("/api/v1/me", &forged).await.error_code(),
        "TOKEN_INVALID"
    );
    assert_eq!(
        c.get("/api/v1/me", "not.a.jwt").await.error_code(),
        "TOKEN_INVALID"
    );

    // A correctly signed token for a session that never existed is refused too.
    let ghost = mr_server::auth::tokens::issue(
        &secret,
        &mr_server::auth::tokens::claims(
            uid,
            Role::SuperAdmin,
            Workspace::Admin,
            Uuid::now_v7(),
            Utc::now().timestamp(),
            600,
        ),
    )
    .unwrap();
    assert_eq!(
        c.get("/api/v1/me", &ghost).await.error_code(),
        "SESSION_REVOKED"
    );
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn refresh_rotates_and_a_reused_token_revokes_the_family(pool: PgPool) {
    let c = start(pool).await;
    let (access1, refresh1) = c.tokens("uat_operator", "operator").await;

    let r = c
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": refresh1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let access2 = r.body["access_token"].as_str().unwrap().to_string();
    let refresh2 = r.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(refresh1, refresh2);
    assert_eq!(c.get("/api/v1/me", &access2).await.status, StatusCode::OK);

    // The old refresh token comes back: somebody has a copy. The whole session ends.
    let r = c
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": refresh1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "REFRESH_TOKEN_REUSED");
    let r = c
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": refresh2 }),
        )
        .await;
    assert_eq!(r.error_code(), "SESSION_REVOKED");
    assert_eq!(
        c.get("/api/v1/me", &access1).await.error_code(),
        "SESSION_REVOKED"
    );
    assert_eq!(
        c.get("/api/v1/me", &access2).await.error_code(),
        "SESSION_REVOKED"
    );

    // Unknown tokens are simply invalid.
    let r = c
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": "made-up" }),
        )
        .await;
    assert_eq!(r.error_code(), "REFRESH_TOKEN_INVALID");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn logout_ends_only_that_session(pool: PgPool) {
    let c = start(pool).await;
    let (a1, r1) = c.tokens("uat_admin", "admin").await;
    let (a2, _) = c.tokens("uat_admin", "admin").await;
    let r = c
        .call(Method::POST, "/api/v1/auth/logout", Some(&a1), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    assert_eq!(
        c.get("/api/v1/me", &a1).await.error_code(),
        "SESSION_REVOKED"
    );
    let r = c
        .post("/api/v1/auth/refresh", None, json!({ "refresh_token": r1 }))
        .await;
    assert_eq!(r.error_code(), "SESSION_REVOKED");
    assert_eq!(c.get("/api/v1/me", &a2).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn password_change_revokes_every_other_session(pool: PgPool) {
    let c = start(pool).await;
    let (a1, _) = c.tokens("uat_finance", "finance").await;
    let (a2, r2) = c.tokens("uat_finance", "finance").await;

    let r = c
        .post(
            "/api/v1/auth/password",
            Some(&a1),
            json!({"current_password":"wrong-pass1","new_password":"NewPass2026"}),
        )
        .await;
    assert_eq!(r.error_code(), "WRONG_PASSWORD");
    let r = c
        .post(
            "/api/v1/auth/password",
            Some(&a1),
            json!({"current_password":PW,"new_password":"short"}),
        )
        .await;
    assert_eq!(r.error_code(), "WEAK_PASSWORD");

    let r = c
        .post(
            "/api/v1/auth/password",
            Some(&a1),
            json!({"current_password":PW,"new_password":"NewPass2026"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["revoked_sessions"], 1);
    assert_eq!(c.get("/api/v1/me", &a1).await.status, StatusCode::OK);
    assert_eq!(
        c.get("/api/v1/me", &a2).await.error_code(),
        "SESSION_REVOKED"
    );
    assert_eq!(
        c.post("/api/v1/auth/refresh", None, json!({"refresh_token": r2}))
            .await
            .error_code(),
        "SESSION_REVOKED"
    );
    assert_eq!(
        c.login("uat_finance", PW, "finance").await.error_code(),
        "INVALID_CREDENTIALS"
    );
    c.tokens_pw("uat_finance", "NewPass2026", "finance").await;
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn login_and_logout_are_audited_in_an_intact_chain(pool: PgPool) {
    let c = start(pool.clone()).await;
    let (a, _) = c.tokens("uat_admin", "admin").await;
    c.call(Method::POST, "/api/v1/auth/logout", Some(&a), None)
        .await;
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(actions, ["auth.login", "auth.logout"]);
    let broken: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_verify()")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(broken, 0);
    // Nothing token-like is stored in clear.
    let (a2, r2) = c.tokens("uat_admin", "admin").await;
    let dump: String =
        sqlx::query_scalar("SELECT string_agg(t::text, '|') FROM (SELECT * FROM refresh_tokens) t")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!dump.contains(&r2) && !dump.contains(&a2));
}
