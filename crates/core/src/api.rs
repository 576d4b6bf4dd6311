//! HTTP client for the sync server's REST API.
//!
//! Sends `Accept-Language` so error messages come back in the UI language, maps every error
//! body to [`CoreError::Server`] and every connection failure to [`CoreError::Unreachable`].

use std::time::{Duration, Instant};

use mr_domain::error::Lang;
use mr_domain::ErrorCode;
use mr_protocol::auth::{
    LoginRequest, LoginResponse, MeResponse, RefreshRequest, RegisterOperatorRequest,
    RegisterOperatorResponse,
};
use mr_protocol::sync::{PullResponse, PushRequest, PushResponse, SYNC_PROTOCOL_VERSION};
use mr_protocol::ErrorBody;
use reqwest::{header, Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::settings::normalize_server_url;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Server paths, in one place.
pub mod paths {
    pub const LOGIN: &str = "/api/v1/auth/login";
    pub const REFRESH: &str = "/api/v1/auth/refresh";
    pub const LOGOUT: &str = "/api/v1/auth/logout";
    pub const ME: &str = "/api/v1/me";
    pub const REGISTER_OPERATOR: &str = "/api/v1/operators/register";
    pub const OPERATOR_HOME: &str = "/api/v1/operator/home";
    pub const ADMIN_OVERVIEW: &str = "/api/v1/admin/overview";
    pub const FINANCE_OVERVIEW: &str = "/api/v1/finance/overview";
    pub const HEALTH: &str = "/health";
    pub const SYNC_PULL: &str = "/api/v1/sync/pull";
    pub const SYNC_PUSH: &str = "/api/v1/sync/push";
    pub const SYNC_EVENTS: &str = "/api/v1/sync/events";
}

/// `/health` as far as the client needs it (lenient: extra fields are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct HealthProbe {
    pub status: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base_url: String,
    lang: Lang,
}

impl ApiClient {
    pub fn new(base_url: &str, lang: Lang) -> Result<Self, CoreError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("mr-desktop/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::Unreachable(e.to_string()))?;
        Ok(ApiClient {
            http,
            base_url: normalize_server_url(base_url)?,
            lang,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The same connection pool with another message language.
    pub fn with_lang(&self, lang: Lang) -> Self {
        ApiClient {
            lang,
            ..self.clone()
        }
    }

    fn request(&self, method: Method, path: &str, bearer: Option<&str>) -> RequestBuilder {
        let accept_language = match self.lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        };
        let rb = self
            .http
            .request(method, format!("{}{}", self.base_url, path))
            .header(header::ACCEPT, "application/json")
            .header(header::ACCEPT_LANGUAGE, accept_language);
        match bearer {
            Some(token) => rb.bearer_auth(token),
            None => rb,
        }
    }

    async fn send(&self, rb: RequestBuilder) -> Result<reqwest::Response, CoreError> {
        let resp = rb.send().await.map_err(transport_error)?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        Err(self.error_from(resp).await)
    }

    async fn error_from(&self, resp: reqwest::Response) -> CoreError {
        let status = resp.status();
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return transport_error(e),
        };
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => CoreError::Server(body),
            // Not our server's error body (a proxy page, another service): keep the status.
            Err(_) => {
                let code = match status {
                    StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT => ErrorCode::ServiceUnavailable,
                    StatusCode::NOT_FOUND => ErrorCode::RouteNotFound,
                    StatusCode::UNAUTHORIZED => ErrorCode::Unauthenticated,
                    StatusCode::FORBIDDEN => ErrorCode::Forbidden,
                    StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimitExceeded,
                    _ => ErrorCode::InternalError,
                };
                CoreError::Server(
                    ErrorBody::new(code, code.message(self.lang))
                        .with_details(serde_json::json!({ "http_status": status.as_u16() })),
                )
            }
        }
    }

    async fn json<T: DeserializeOwned>(resp: reqwest::Response) -> Result<T, CoreError> {
        let bytes = resp.bytes().await.map_err(transport_error)?;
        serde_json::from_slice(&bytes).map_err(|e| CoreError::Protocol(e.to_string()))
    }

    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        bearer: Option<&str>,
    ) -> Result<T, CoreError> {
        let resp = self.send(self.request(Method::GET, path, bearer)).await?;
        Self::json(resp).await
    }

    pub async fn post_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        bearer: Option<&str>,
    ) -> Result<T, CoreError> {
        self.send_json(Method::POST, path, body, bearer).await
    }

    pub async fn put_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        bearer: Option<&str>,
    ) -> Result<T, CoreError> {
        self.send_json(Method::PUT, path, body, bearer).await
    }

    async fn send_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
        bearer: Option<&str>,
    ) -> Result<T, CoreError> {
        let resp = self
            .send(self.request(method, path, bearer).json(body))
            .await?;
        Self::json(resp).await
    }

    pub async fn login(&self, req: &LoginRequest) -> Result<LoginResponse, CoreError> {
        self.post_json(paths::LOGIN, req, None).await
    }

    /// Rotates the refresh token: the one sent is dead afterwards.
    pub async fn refresh(&self, refresh_token: &str) -> Result<LoginResponse, CoreError> {
        let req = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        self.post_json(paths::REFRESH, &req, None).await
    }

    pub async fn logout(&self, access_token: &str) -> Result<(), CoreError> {
        self.post_empty(paths::LOGOUT, Some(access_token)).await
    }

    /// A POST without a body whose success answer is empty (204).
    pub async fn post_empty(&self, path: &str, bearer: Option<&str>) -> Result<(), CoreError> {
        self.send(self.request(Method::POST, path, bearer))
            .await
            .map(drop)
    }

    pub async fn me(&self, access_token: &str) -> Result<MeResponse, CoreError> {
        self.get_json(paths::ME, Some(access_token)).await
    }

    pub async fn register_operator(
        &self,
        req: &RegisterOperatorRequest,
    ) -> Result<RegisterOperatorResponse, CoreError> {
        self.post_json(paths::REGISTER_OPERATOR, req, None).await
    }

    /// One page of the caller's change feed (`cursor` absent = from the beginning).
    pub async fn sync_pull(
        &self,
        access_token: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<PullResponse, CoreError> {
        let mut query = vec![
            ("limit", limit.to_string()),
            ("protocol_version", SYNC_PROTOCOL_VERSION.to_string()),
        ];
        if let Some(c) = cursor {
            query.push(("cursor", c.to_owned()));
        }
        let rb = self
            .request(Method::GET, paths::SYNC_PULL, Some(access_token))
            .query(&query);
        Self::json(self.send(rb).await?).await
    }

    /// Sends a batch of queued commands; the server settles them in seq order, exactly once.
    pub async fn sync_push(
        &self,
        access_token: &str,
        req: &PushRequest,
    ) -> Result<PushResponse, CoreError> {
        self.post_json(paths::SYNC_PUSH, req, Some(access_token))
            .await
    }

    /// Opens the server's change-signal stream (server-sent events). The answer is returned as
    /// soon as the headers arrive; read it with `chunk()`. It lives at most `lifetime` (the
    /// client's usual 10 s request timeout would cut it).
    pub async fn sync_events(
        &self,
        access_token: &str,
        lifetime: Duration,
    ) -> Result<reqwest::Response, CoreError> {
        let rb = self
            .request(Method::GET, paths::SYNC_EVENTS, Some(access_token))
            .timeout(lifetime);
        self.send(rb).await
    }

    /// `GET /health` with its round-trip time. Any HTTP answer counts as reachable; the probe
    /// tells whether the server reports itself healthy.
    pub async fn health(&self) -> Result<(HealthProbe, Duration), CoreError> {
        let started = Instant::now();
        let resp = self
            .request(Method::GET, paths::HEALTH, None)
            .send()
            .await
            .map_err(transport_error)?;
        let elapsed = started.elapsed();
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(transport_error)?;
        match serde_json::from_slice::<HealthProbe>(&bytes) {
            Ok(probe) => Ok((probe, elapsed)),
            Err(_) if status.is_success() => Err(CoreError::Protocol(
                "the address answers but is not an MR server".into(),
            )),
            Err(_) => Err(CoreError::Server(
                ErrorBody::new(
                    ErrorCode::ServiceUnavailable,
                    ErrorCode::ServiceUnavailable.message(self.lang),
                )
                .with_details(serde_json::json!({ "http_status": status.as_u16() })),
            )),
        }
    }
}

fn transport_error(e: reqwest::Error) -> CoreError {
    // Log the cause without the URL's query (there is none with secrets, but be strict).
    let e = e.without_url();
    CoreError::Unreachable(e.to_string())
}
