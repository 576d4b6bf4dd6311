//! Administrators' offline-first decisions (issue "Admin workspace", R-A4, R-A5) as sync
//! commands, applied and re-checked by the real server: grants and revocations take effect on
//! the real launch API; stale decisions are rejected with the facts the conflicts panel shows.

mod common;

use chrono::Utc;
use common::headset::{expect_error, Headset};
use common::{Ctx, Device, PW};
use mr_protocol::sync::{Command, GrantFields};
use mr_server::launch::fixture;
use mr_server::testing::TestServer;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

async fn setup(pool: PgPool) -> (Ctx, Headset) {
    mr_server::uat::create_uat(&pool, PW).await.unwrap();
    let server = TestServer::spawn_with(pool.clone(), |c| {
        c.rate_limit_operator_per_min = 0;
        c.abuse_lock_enabled = false;
    })
    .await;
    let acct = fixture::create(
        &pool,
        &server.state.config.master_key,
        1,
        "500.00".parse().unwrap(),
    )
    .await
    .unwrap()
    .remove(0);
    let h = Headset::new(&server.base_url, acct);
    (
        Ctx {
            server,
            http: reqwest::Client::new(),
        },
        h,
    )
}

/// A second application, not yet granted to anyone.
async fn new_app(pool: &PgPool, code: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO applications (code, name, unit_price, min_players, max_players)
         VALUES ($1, '星际探险', 25.00, 1, 6) RETURNING id",
    )
    .bind(code)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn launch_body(h: &Headset, app: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"app_id": app, "site_id": h.acct.site_id, "player_count": 2}))
        .unwrap()
}

async fn launch(h: &Headset, app: &str) -> common::Resp {
    let s = h.session_id();
    h.send(
        reqwest::Method::POST,
        mr_protocol::launch::AUTHORIZE_PATH,
        &launch_body(h, app),
        Some(&s),
        &common::headset::Forge::default(),
    )
    .await
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_grant_and_a_revocation_take_effect_on_the_launch_api(pool: PgPool) {
    let (c, h) = setup(pool.clone()).await;
    let app = new_app(&pool, "star_quest").await;
    let mut admin = Device::admin(&c, "uat_admin").await;
    expect_error(&launch(&h, "star_quest").await, 403, "APP_NOT_AUTHORIZED");

    let auth_id = Uuid::now_v7();
    let grant = GrantFields {
        authorization_id: auth_id,
        operator_id: h.acct.operator_id,
        application_id: app,
        expires_at: None,
    };
    let r = admin
        .push(&c, Command::AuthorizationGrant(grant.clone()))
        .await;
    assert_eq!(r["status"], "accepted", "{r}");
    let ok = launch(&h, "star_quest").await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    assert_eq!(ok.body["total_cost"], "50.00");

    // Granting an already-active pair again is a clear error naming who granted it.
    let again = admin
        .push(
            &c,
            Command::AuthorizationGrant(GrantFields {
                authorization_id: Uuid::now_v7(),
                ..grant.clone()
            }),
        )
        .await;
    assert_eq!(again["status"], "rejected");
    assert_eq!(again["code"], "AUTHORIZATION_EXISTS");
    let msg = again["message"].as_str().unwrap();
    assert!(
        msg.starts_with("该运营商已拥有此应用的有效授权（UAT 超级管理员 于 "),
        "{msg}"
    );

    // A grant that expires in the past, or a revocation without a reason, is refused.
    let past = admin
        .push(
            &c,
            Command::AuthorizationGrant(GrantFields {
                authorization_id: Uuid::now_v7(),
                expires_at: Some(Utc::now() - chrono::Duration::days(1)),
                ..grant.clone()
            }),
        )
        .await;
    assert_eq!(past["code"], "VALIDATION_FAILED");
    let no_reason = admin
        .push(
            &c,
            Command::AuthorizationRevoke {
                authorization_id: auth_id,
                reason: " ".into(),
            },
        )
        .await;
    assert_eq!(no_reason["code"], "VALIDATION_FAILED");

    // Revoked: the next launch of that app by that operator fails with APP_NOT_AUTHORIZED.
    let r = admin
        .push(
            &c,
            Command::AuthorizationRevoke {
                authorization_id: auth_id,
                reason: "合同到期".into(),
            },
        )
        .await;
    assert_eq!(r["status"], "accepted", "{r}");
    expect_error(&launch(&h, "star_quest").await, 403, "APP_NOT_AUTHORIZED");
    let (by, why): (Option<Uuid>, String) =
        sqlx::query_as("SELECT revoked_by, revoke_reason FROM authorizations WHERE id = $1")
            .bind(auth_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(by.is_some());
    assert_eq!(why, "合同到期");
    let twice = admin
        .push(
            &c,
            Command::AuthorizationRevoke {
                authorization_id: auth_id,
                reason: "再次".into(),
            },
        )
        .await;
    assert_eq!(twice["code"], "AUTHORIZATION_NOT_ACTIVE");

    // After a revocation the pair can be granted again.
    let regrant = admin
        .push(
            &c,
            Command::AuthorizationGrant(GrantFields {
                authorization_id: Uuid::now_v7(),
                ..grant
            }),
        )
        .await;
    assert_eq!(regrant["status"], "accepted", "{regrant}");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn only_roles_that_may_decide_can_send_decisions(pool: PgPool) {
    let (c, h) = setup(pool.clone()).await;
    let app = new_app(&pool, "star_quest").await;
    let grant = Command::AuthorizationGrant(GrantFields {
        authorization_id: Uuid::now_v7(),
        operator_id: h.acct.operator_id,
        application_id: app,
        expires_at: None,
    });
    // Finance staff and the operator itself are refused; nothing is granted.
    let mut finance = Device {
        id: Uuid::now_v7(),
        seq: 0,
        token: c.tokens("uat_finance", "finance").await.0,
    };
    assert_eq!(finance.push(&c, grant.clone()).await["code"], "FORBIDDEN");
    let username: String = sqlx::query_scalar("SELECT username FROM operators WHERE id = $1")
        .bind(h.acct.operator_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut operator = Device {
        id: Uuid::now_v7(),
        seq: 0,
        token: c
            .tokens_pw(&username, fixture::PASSWORD, "operator")
            .await
            .0,
    };
    assert_eq!(operator.push(&c, grant.clone()).await["code"], "FORBIDDEN");
    // And an administrator may not send an operator's self-service command.
    let mut admin = Device::admin(&c, "uat_admin").await;
    let r = admin
        .push(
            &c,
            Command::MessageMarkRead {
                message_id: Uuid::now_v7(),
            },
        )
        .await;
    assert_eq!(r["code"], "FORBIDDEN");
    let active: i64 =
        sqlx::query_scalar("SELECT count(*) FROM authorizations WHERE application_id = $1")
            .bind(app)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(active, 0);
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_request_decided_by_another_admin_first_is_a_conflict_with_who_and_when(pool: PgPool) {
    let (c, h) = setup(pool.clone()).await;
    let app = new_app(&pool, "star_quest").await;
    let other_app = new_app(&pool, "deep_sea").await;
    let request = |app: Uuid| {
        let pool = pool.clone();
        let op = h.acct.operator_id;
        async move {
            sqlx::query_scalar::<_, Uuid>(
                "INSERT INTO authorization_requests (operator_id, application_id, reason)
                 VALUES ($1, $2, '新店开业需要') RETURNING id",
            )
            .bind(op)
            .bind(app)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let req = request(app).await;
    let rejected_req = request(other_app).await;

    // A second administrator (created by the super admin) decides first.
    let (root, _) = c.tokens("uat_admin", "admin").await;
    assert_eq!(
        c.create_staff(&root, "admin_wang", "admin").await.status,
        StatusCode::CREATED
    );
    let mut first = Device {
        id: Uuid::now_v7(),
        seq: 0,
        token: c.tokens_pw("admin_wang", "Staff123456", "admin").await.0,
    };
    let mut late = Device::admin(&c, "uat_admin").await;

    let r = first
        .push(
            &c,
            Command::RequestApprove {
                request_id: req,
                authorization_id: Uuid::now_v7(),
                expires_at: Some(Utc::now() + chrono::Duration::days(30)),
            },
        )
        .await;
    assert_eq!(r["status"], "accepted", "{r}");
    assert_eq!(launch(&h, "star_quest").await.status, StatusCode::OK);

    // The late admin's queued rejection arrives afterwards: refused, with who and when.
    let stale = late
        .push(
            &c,
            Command::RequestReject {
                request_id: req,
                reason: "资料不全".into(),
            },
        )
        .await;
    assert_eq!(stale["status"], "rejected");
    assert_eq!(stale["code"], "REQUEST_ALREADY_DECIDED");
    let msg = stale["message"].as_str().unwrap();
    assert!(
        msg.starts_with("该申请已被管理员 测试员工 于 ") && msg.ends_with(" 处理"),
        "{msg}"
    );
    let (status, by): (String, String) = sqlx::query_as(
        "SELECT r.status, s.display_name FROM authorization_requests r
           JOIN staff_users s ON s.id = r.decided_by WHERE r.id = $1",
    )
    .bind(req)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), by.as_str()), ("approved", "测试员工"));
    let details: Value = sqlx::query_scalar(
        "SELECT details->'reason' FROM audit_log WHERE action = 'sync.command'
          AND details->>'code' = 'REQUEST_ALREADY_DECIDED'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(details["decided_by_name"], "测试员工");
    assert_eq!(details["status"], "approved");
    assert!(details["decided_at"].is_string());

    // A rejection needs a reason; with one, the operator is told why.
    let r = late
        .push(
            &c,
            Command::RequestReject {
                request_id: rejected_req,
                reason: "".into(),
            },
        )
        .await;
    assert_eq!(r["code"], "VALIDATION_FAILED");
    let r = late
        .push(
            &c,
            Command::RequestReject {
                request_id: rejected_req,
                reason: "该应用仅限 VIP 运营商".into(),
            },
        )
        .await;
    assert_eq!(r["status"], "accepted", "{r}");
    let told: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM messages WHERE operator_id = $1 AND kind = 'request_result' ORDER BY created_at",
    )
    .bind(h.acct.operator_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(told.len(), 2);
    assert!(told[1].contains("该应用仅限 VIP 运营商"), "{told:?}");
    expect_error(&launch(&h, "deep_sea").await, 403, "APP_NOT_AUTHORIZED");
}

/// A decision queued while the operator closed their account is refused at apply time, for a
/// direct grant and for the approval of a request they made before closing.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn decisions_about_a_closed_operator_are_refused(pool: PgPool) {
    let (c, h) = setup(pool.clone()).await;
    let app = new_app(&pool, "star_quest").await;
    let op = h.acct.operator_id;
    let req: Uuid = sqlx::query_scalar(
        "INSERT INTO authorization_requests (operator_id, application_id, reason)
         VALUES ($1, $2, '新店开业需要') RETURNING id",
    )
    .bind(op)
    .bind(app)
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE operators SET status = 'closed', closed_at = now() WHERE id = $1")
        .bind(op)
        .execute(&pool)
        .await
        .unwrap();
    let mut admin = Device::admin(&c, "uat_admin").await;
    let grant = admin
        .push(
            &c,
            Command::AuthorizationGrant(GrantFields {
                authorization_id: Uuid::now_v7(),
                operator_id: op,
                application_id: app,
                expires_at: None,
            }),
        )
        .await;
    assert_eq!(grant["status"], "rejected", "{grant}");
    assert_eq!(grant["code"], "ACCOUNT_CLOSED");
    let approve = admin
        .push(
            &c,
            Command::RequestApprove {
                request_id: req,
                authorization_id: Uuid::now_v7(),
                expires_at: None,
            },
        )
        .await;
    assert_eq!(approve["status"], "rejected", "{approve}");
    assert_eq!(approve["code"], "ACCOUNT_CLOSED");
    let granted: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM authorizations WHERE operator_id = $1 AND application_id = $2",
    )
    .bind(op)
    .bind(app)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(granted, 0, "nothing half-written");
}
