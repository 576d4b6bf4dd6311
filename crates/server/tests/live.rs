//! Live updates: a change committed through one server replica reaches a client connected to
//! another replica as a server-sent event, and only the operator whose rows changed hears it.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::*;
use mr_protocol::sync::{Command, CommandEnvelope, SiteFields};
use mr_server::testing::TestServer;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_change_through_one_replica_reaches_a_client_on_another(pool: PgPool) {
    let c = start(pool.clone()).await; // replica A
    let replica_b = TestServer::spawn(pool.clone()).await;
    let (op, token) = {
        let r = c.register("live_one").await;
        let id: Uuid = r.body["operator"]["id"].as_str().unwrap().parse().unwrap();
        (id, c.tokens_pw("live_one", "Passw0rd!", "operator").await.0)
    };
    let other: Uuid = c.register("live_two").await.body["operator"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    let mut events = c
        .http
        .get(format!("{}/api/v1/sync/events", replica_b.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let mut buf = String::new();
    next_event(&mut events, &mut buf, "ready", Duration::from_secs(5))
        .await
        .expect("ready");

    // Another operator's change is not announced to this one.
    sqlx::query("INSERT INTO sites (id, operator_id, name) VALUES ($1, $2, '别人的店')")
        .bind(Uuid::now_v7())
        .bind(other)
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        next_event(&mut events, &mut buf, "changed", Duration::from_millis(800))
            .await
            .is_none(),
        "heard another operator's change: {buf}"
    );

    // A command pushed through replica A is announced on replica B.
    let cmd = Command::SiteCreate(SiteFields {
        site_id: Uuid::now_v7(),
        name: "实时店".into(),
        address: None,
        contact_name: None,
        contact_phone: None,
        description: None,
    });
    let r = c
        .post(
            "/api/v1/sync/push",
            Some(&token),
            json!({"device_id": Uuid::now_v7(), "protocol_version": 1,
                   "commands": [CommandEnvelope::new(Uuid::now_v7(), 1, &cmd, Utc::now())]}),
        )
        .await;
    assert_eq!(r.body["results"][0]["status"], "accepted", "{r:?}");
    next_event(&mut events, &mut buf, "changed", Duration::from_secs(5))
        .await
        .expect("the change was announced");

    // An uncommitted change is not announced until it commits.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("UPDATE operators SET contact_name = '王五' WHERE id = $1")
        .bind(op)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert!(
        next_event(&mut events, &mut buf, "changed", Duration::from_millis(500))
            .await
            .is_none()
    );
    tx.commit().await.unwrap();
    next_event(&mut events, &mut buf, "changed", Duration::from_secs(5))
        .await
        .expect("announced at commit");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn the_event_stream_needs_a_valid_token(pool: PgPool) {
    let c = start(pool).await;
    let r = c
        .http
        .get(c.url("/api/v1/sync/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .http
        .get(c.url("/api/v1/sync/events"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
