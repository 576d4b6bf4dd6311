//! A headset as the field speaks to us: signed requests, built by hand so tests can also forge
//! every part of them.
#![allow(dead_code)]

use mr_protocol::launch::{sign, AUTHORIZE_PATH};
use mr_server::launch::fixture::FixtureAccount;
use rand::distributions::Alphanumeric;
use rand::Rng;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::Resp;

#[derive(Clone)]
pub struct Headset {
    pub base: String,
    pub http: reqwest::Client,
    pub acct: FixtureAccount,
    /// Sent as X-Forwarded-For (trusted from loopback), to act as different venues.
    pub ip: Option<String>,
}

/// Which part of a request to forge.
#[derive(Default, Clone)]
pub struct Forge {
    pub key: Option<String>,
    pub timestamp: Option<String>,
    pub signature: Option<String>,
    /// `Some(None)`: no X-Session-ID header at all.
    pub session: Option<Option<String>>,
    pub omit_key: bool,
    pub omit_timestamp: bool,
    pub lang_en: bool,
}

pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

pub fn session_for(op: uuid::Uuid) -> String {
    let r: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect();
    format!("{op}_{}_{r}", chrono::Utc::now().timestamp_millis())
}

impl Headset {
    pub fn new(base: &str, acct: FixtureAccount) -> Self {
        Headset {
            base: base.to_string(),
            http: reqwest::Client::new(),
            acct,
            ip: None,
        }
    }

    pub fn session_id(&self) -> String {
        session_for(self.acct.operator_id)
    }

    pub fn body(&self, players: i64) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "app_id": self.acct.app_code, "site_id": self.acct.site_id, "player_count": players
        }))
        .unwrap()
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: &[u8],
        session: Option<&str>,
        f: &Forge,
    ) -> Resp {
        let key = f.key.clone().unwrap_or_else(|| self.acct.api_key.clone());
        let ts = f
            .timestamp
            .clone()
            .unwrap_or_else(|| now_secs().to_string());
        let sig = f
            .signature
            .clone()
            .unwrap_or_else(|| sign(&key, &ts, method.as_str(), path, body));
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-signature", sig)
            .header("content-type", "application/json")
            .body(body.to_vec());
        if !f.omit_key {
            req = req.header("x-api-key", key);
        }
        if !f.omit_timestamp {
            req = req.header("x-timestamp", ts);
        }
        let session = match &f.session {
            Some(s) => s.clone(),
            None => session.map(str::to_string),
        };
        if let Some(s) = session {
            req = req.header("x-session-id", s);
        }
        if let Some(ip) = &self.ip {
            req = req.header("x-forwarded-for", ip);
        }
        if f.lang_en {
            req = req.header("accept-language", "en");
        }
        let r = req.send().await.expect("request");
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Resp {
            status,
            body,
            headers,
        }
    }

    /// A correct launch with a fresh session id.
    pub async fn launch(&self, players: i64) -> Resp {
        let s = self.session_id();
        self.launch_as(&s, players).await
    }

    pub async fn launch_as(&self, session: &str, players: i64) -> Resp {
        self.send(
            Method::POST,
            AUTHORIZE_PATH,
            &self.body(players),
            Some(session),
            &Forge::default(),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, b"", None, &Forge::default())
            .await
    }
}

/// Asserts a failure's status and code, and returns its details.
pub fn expect_error(r: &Resp, status: u16, code: &str) -> Value {
    assert_eq!(r.status, StatusCode::from_u16(status).unwrap(), "{r:?}");
    assert_eq!(r.error_code(), code, "{r:?}");
    r.body["details"].clone()
}

/// Fixed windows (a minute for rate limits, five for the abuse counter) must not end halfway
/// through a test: if the current one ends within `margin` seconds, wait for the next.
pub async fn fresh_window(len: u64, margin: u64) {
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let left = len - now % len;
    if left <= margin {
        tokio::time::sleep(std::time::Duration::from_millis(left * 1000 + 200)).await;
    }
}

/// A made-up client IP (sent as X-Forwarded-For), so tests sharing Redis never share counters.
pub fn random_ip() -> String {
    let mut r = rand::thread_rng();
    format!(
        "10.{}.{}.{}",
        r.gen_range(0..=255),
        r.gen_range(0..=255),
        r.gen_range(1..=254)
    )
}
