//! Shared helpers: the real server on a random port and a small JSON client.
#![allow(dead_code)]

pub mod headset;

use mr_server::testing::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

pub const PW: &str = "Uat@123456";

pub struct Ctx {
    pub server: TestServer,
    pub http: reqwest::Client,
}

pub async fn start(pool: PgPool) -> Ctx {
    mr_server::uat::create_uat(&pool, PW)
        .await
        .expect("uat accounts");
    Ctx {
        server: TestServer::spawn(pool).await,
        http: reqwest::Client::new(),
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Resp {
    /// Asserts the one error body shape and returns its code.
    pub fn error_code(&self) -> String {
        assert!(
            self.status.is_client_error() || self.status.is_server_error(),
            "{self:?}"
        );
        let obj = self
            .body
            .as_object()
            .unwrap_or_else(|| panic!("not an object: {self:?}"));
        assert!(
            obj["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{self:?}"
        );
        assert!(obj["details"].is_object(), "{self:?}");
        obj["code"].as_str().unwrap().to_string()
    }
}

impl std::fmt::Debug for Resp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}

impl Ctx {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.base_url, path)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("request");
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Resp {
            status,
            body,
            headers,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn login(&self, username: &str, password: &str, workspace: &str) -> Resp {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({ "username": username, "password": password, "workspace": workspace }),
        )
        .await
    }

    /// Logs in and returns (access, refresh); panics unless it works.
    pub async fn tokens(&self, username: &str, workspace: &str) -> (String, String) {
        self.tokens_pw(username, PW, workspace).await
    }

    pub async fn tokens_pw(
        &self,
        username: &str,
        password: &str,
        workspace: &str,
    ) -> (String, String) {
        let r = self.login(username, password, workspace).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        (
            r.body["access_token"].as_str().unwrap().to_string(),
            r.body["refresh_token"].as_str().unwrap().to_string(),
        )
    }

    pub async fn register(&self, username: &str) -> Resp {
        self.post(
            "/api/v1/operators/register",
            None,
            json!({
                "username": username, "password": "Passw0rd!", "display_name": "星际乐园",
                "phone": "13912345678", "email": format!("{username}@example.cn")
            }),
        )
        .await
    }

    pub async fn create_staff(&self, admin_token: &str, username: &str, role: &str) -> Resp {
        self.post(
            "/api/v1/staff",
            Some(admin_token),
            json!({ "username": username, "password": "Staff123456", "display_name": "测试员工", "role": role }),
        )
        .await
    }
}

/// Reads the event stream until `event: <name>` arrives, or `None` after `wait`.
pub async fn next_event(
    resp: &mut reqwest::Response,
    buf: &mut String,
    name: &str,
    wait: Duration,
) -> Option<()> {
    let needle = format!("event: {name}");
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if let Some(pos) = buf.find(&needle) {
            buf.drain(..pos + needle.len());
            return Some(());
        }
        let chunk = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .ok()?
            .ok()??;
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// One page of the caller's change feed.
pub async fn pull(c: &Ctx, token: &str, cursor: Option<&str>, limit: u32) -> Resp {
    let mut path = format!("/api/v1/sync/pull?limit={limit}&protocol_version=1");
    if let Some(cur) = cursor {
        path.push_str(&format!("&cursor={cur}"));
    }
    c.get(&path, token).await
}

/// A desktop device pushing sync commands as one signed-in user.
pub struct Device {
    pub id: Uuid,
    pub seq: i64,
    pub token: String,
}

impl Device {
    pub async fn admin(c: &Ctx, username: &str) -> Device {
        Device {
            id: Uuid::now_v7(),
            seq: 0,
            token: c.tokens(username, "admin").await.0,
        }
    }

    /// Pushes one command; returns its result.
    pub async fn push(&mut self, c: &Ctx, cmd: mr_protocol::sync::Command) -> Value {
        self.seq += 1;
        let env = mr_protocol::sync::CommandEnvelope::new(
            Uuid::now_v7(),
            self.seq,
            &cmd,
            chrono::Utc::now(),
        );
        let r = c
            .post(
                "/api/v1/sync/push",
                Some(&self.token),
                json!({ "device_id": self.id, "protocol_version": 1, "commands": [env] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        r.body["results"][0].clone()
    }
}

/// The UAT accounts, a server with the launch rate limit and the abuse lock off (tests that
/// launch a lot), and `n` fixture operators with `balance` each, a site and an authorization.
pub async fn with_fixtures(
    pool: &PgPool,
    n: usize,
    balance: &str,
) -> (Ctx, Vec<mr_server::launch::fixture::FixtureAccount>) {
    mr_server::uat::create_uat(pool, PW).await.unwrap();
    let server = TestServer::spawn_with(pool.clone(), |c| {
        c.rate_limit_operator_per_min = 0;
        c.abuse_lock_enabled = false;
    })
    .await;
    let accts = mr_server::launch::fixture::create(
        pool,
        &server.state.config.master_key,
        n,
        balance.parse().unwrap(),
    )
    .await
    .unwrap();
    (
        Ctx {
            server,
            http: reqwest::Client::new(),
        },
        accts,
    )
}

/// A key of the payment test fixtures (`crates/payments/tests/fixtures`).
pub fn payment_key(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../payments/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}
