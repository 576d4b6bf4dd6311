//! The error contract at the edge: malformed input never reaches a 500, and every failure has
//! the same `{code, message, details}` body. Plus health and metrics.

mod common;

use common::*;
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn malformed_requests_get_specific_4xx_codes(pool: PgPool) {
    let c = start(pool).await;
    let login = c.url("/api/v1/auth/login");
    let send = |body: &'static str, ct: Option<&'static str>| {
        let mut r = c.http.post(&login).body(body);
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        async move {
            let r = r.send().await.unwrap();
            let status = r.status();
            let v: serde_json::Value = r.json().await.expect("error bodies are JSON");
            (status, v)
        }
    };
    let cases = [
        ("{not json", Some("application/json"), 400, "MALFORMED_JSON"),
        ("", Some("application/json"), 400, "MALFORMED_JSON"),
        (
            r#"{"username":"a","password":"b","workspace":"admin","extra":1}"#,
            Some("application/json"),
            422,
            "VALIDATION_FAILED",
        ),
        (
            r#"{"username":5,"password":"b","workspace":"admin"}"#,
            Some("application/json"),
            422,
            "VALIDATION_FAILED",
        ),
        (
            r#"{"username":"a","password":"b","workspace":"root"}"#,
            Some("application/json"),
            422,
            "VALIDATION_FAILED",
        ),
        (
            r#"{"username":"a"}"#,
            Some("application/json"),
            422,
            "VALIDATION_FAILED",
        ),
        (
            r#"{"username":"a","password":"b","workspace":"admin"}"#,
            None,
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            r#"{"username":"a","password":"b","workspace":"admin"}"#,
            Some("text/plain"),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
    ];
    for (body, ct, status, code) in cases {
        let (s, v) = send(body, ct).await;
        assert_eq!(s.as_u16(), status, "{body}: {v}");
        assert_eq!(v["code"], code, "{body}: {v}");
        assert!(v["message"]
            .as_str()
            .unwrap()
            .chars()
            .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)));
        assert!(v["details"].is_object());
    }

    let huge = format!(
        r#"{{"username":"{}","password":"x","workspace":"admin"}}"#,
        "a".repeat(200_000)
    );
    let r = c
        .http
        .post(&login)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["code"], "PAYLOAD_TOO_LARGE");

    let r = c.http.get(c.url("/api/v1/nope")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "ROUTE_NOT_FOUND"
    );
    let r = c
        .http
        .delete(c.url("/api/v1/auth/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "METHOD_NOT_ALLOWED"
    );

    let (admin, _) = c.tokens("uat_admin", "admin").await;
    let r = c.get("/api/v1/operators/not-a-uuid", &admin).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "INVALID_PARAMS");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn english_messages_follow_accept_language(pool: PgPool) {
    let c = start(pool).await;
    let r = c
        .http
        .get(c.url("/api/v1/nope"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-language"], "en");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["message"], "No such endpoint");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn every_response_carries_a_request_id(pool: PgPool) {
    let c = start(pool).await;
    let r = c.http.get(c.url("/health")).send().await.unwrap();
    assert!(r.headers().get("x-request-id").is_some());
    let r = c
        .http
        .get(c.url("/health"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc-123");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn health_endpoints_and_metrics(pool: PgPool) {
    let c = start(pool).await;
    for (path, status) in [
        ("/health", "ok"),
        ("/health/db", "ok"),
        ("/health/redis", "not_configured"),
    ] {
        let r = c.http.get(c.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["status"], status, "{path}");
        assert!(v["latency_ms"].as_u64().unwrap() < 500, "{path}");
    }
    c.login("uat_admin", "bad-password-1", "admin").await;
    let text = c
        .http
        .get(c.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("mr_http_requests_total"), "{text}");
    assert!(text.contains("mr_logins_total"), "{text}");
    assert!(text.contains("mr_errors_total"), "{text}");
    assert!(
        !text
            .lines()
            .any(|l| !l.starts_with('#') && !l.is_empty() && !l.starts_with("mr_")),
        "metrics must be prefixed mr_:\n{text}"
    );
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn database_down_is_503_not_500(pool: PgPool) {
    let c = start(pool.clone()).await;
    let (admin, _) = c.tokens("uat_admin", "admin").await;
    pool.close().await;
    let r = c.get("/api/v1/admin/overview", &admin).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{r:?}");
    assert_eq!(r.error_code(), "SERVICE_UNAVAILABLE");
    let r = c.http.get(c.url("/health/db")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let r = c.login("uat_admin", PW, "admin").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{r:?}");
}

/// With `REDIS_URL` set, `/health/redis` really pings Redis (running on this machine).
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn health_redis_pings_a_configured_redis(pool: PgPool) {
    let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let server =
        mr_server::testing::TestServer::spawn_with(pool, |c| c.redis_url = Some(url)).await;
    let r = reqwest::get(format!("{}/health/redis", server.base_url))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["status"], "ok", "{v}");
    assert!(v["latency_ms"].as_u64().unwrap() < 500);
}
