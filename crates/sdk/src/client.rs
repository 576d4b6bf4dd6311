//! The HTTP client for the headset launch API.
//!
//! One [`Client`] wraps one `reqwest::Client`, whose connection pool keeps TCP connections
//! alive between launches; clones share that pool, so a headset (or the simulator driving
//! thousands of launches) never pays a TCP handshake per request.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mr_domain::error::Lang;
use mr_protocol::launch::{
    self, AppsResponse, GameEndRequest, GameEndResponse, Jwks, LaunchRequest, LaunchResponse,
    VerifyResponse, APPS_PATH, AUTHORIZE_PATH, GAME_END_PATH, HEADER_API_KEY, HEADER_SESSION_ID,
    HEADER_SIGNATURE, HEADER_TIMESTAMP, JWKS_PATH, VERIFY_PATH,
};
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, ACCEPT_LANGUAGE, CONTENT_TYPE, RETRY_AFTER,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::SdkError;

/// How long one request may take, connection included, unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long establishing a TCP/TLS connection may take.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How many times [`Client::launch`] repeats a launch (with the same session id) after a
/// timeout, a connection failure or a 502/503/504.
pub const DEFAULT_LAUNCH_RETRIES: u32 = 2;

fn json_header() -> HeaderValue {
    HeaderValue::from_static("application/json")
}

/// The `Accept-Language` value for a language: the server localises error messages with it.
pub fn accept_language(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    }
}

/// Parses `zh-CN` / `zh` / `en` (case-insensitive), as accepted by `--lang`.
pub fn parse_lang(text: &str) -> Result<Lang, SdkError> {
    let t = text.trim().to_ascii_lowercase();
    if t == "zh" || t.starts_with("zh-") || t.starts_with("zh_") {
        Ok(Lang::Zh)
    } else if t == "en" || t.starts_with("en-") || t.starts_with("en_") {
        Ok(Lang::En)
    } else {
        Err(SdkError::Config(format!(
            "语言只能是 zh-CN 或 en / language must be zh-CN or en, not {text:?}"
        )))
    }
}

/// Unix seconds now (0 if the system clock is before 1970).
pub fn unix_now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Unix milliseconds now (0 if the system clock is before 1970).
pub fn unix_now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The three authentication headers for one request: `X-Api-Key`, `X-Timestamp` and
/// `X-Signature = sign(key, timestamp, METHOD, path, body)`. `path` must exclude the query
/// string and `body` must be the exact bytes sent (empty for GET).
pub fn signed_headers(
    api_key: &str,
    method: &Method,
    path: &str,
    body: &[u8],
    now_unix_secs: i64,
) -> Result<HeaderMap, SdkError> {
    let timestamp = now_unix_secs.to_string();
    let signature = launch::sign(api_key, &timestamp, method.as_str(), path, body);
    let mut headers = HeaderMap::with_capacity(4);
    headers.insert(HEADER_API_KEY, api_key_header(api_key)?);
    headers.insert(HEADER_TIMESTAMP, header_value(&timestamp, "X-Timestamp")?);
    headers.insert(HEADER_SIGNATURE, header_value(&signature, "X-Signature")?);
    Ok(headers)
}

fn header_value(text: &str, what: &str) -> Result<HeaderValue, SdkError> {
    HeaderValue::from_str(text).map_err(|_| {
        SdkError::Config(format!(
            "{what} 含有不能放进 HTTP 头的字符 / {what} contains characters not allowed in an HTTP header"
        ))
    })
}

fn api_key_header(api_key: &str) -> Result<HeaderValue, SdkError> {
    let mut v = header_value(api_key, "API key")?;
    // Keeps the key out of reqwest's and hyper's debug output.
    v.set_sensitive(true);
    Ok(v)
}

/// An HTTP answer as received, for callers (and tests) that need the status and headers of
/// deliberately unusual requests.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// The error body, read leniently: a code this SDK version does not know must still reach
/// the developer as text rather than become a decode failure.
#[derive(Deserialize)]
struct LenientErrorBody {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    details: serde_json::Value,
}

impl RawResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `Retry-After` in seconds, if present and numeric.
    pub fn retry_after(&self) -> Option<u64> {
        self.headers
            .get(RETRY_AFTER)?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// The body as text (lossy), e.g. for printing.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Decodes a 2xx body as `T`; any other status becomes [`SdkError::Api`].
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, SdkError> {
        if !self.is_success() {
            return Err(self.api_error());
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            SdkError::Decode(format!(
                "{e} (HTTP {}, body: {})",
                self.status,
                snippet(&self.body)
            ))
        })
    }

    /// The answer as an [`SdkError::Api`] (meant for non-2xx answers).
    pub fn api_error(&self) -> SdkError {
        let retry_after = self.retry_after();
        match serde_json::from_slice::<LenientErrorBody>(&self.body) {
            Ok(b) => SdkError::Api {
                status: self.status,
                code: b.code,
                message: b.message,
                details: b.details,
                retry_after,
            },
            Err(_) => SdkError::Api {
                status: self.status,
                code: format!("HTTP_{}", self.status),
                message: snippet(&self.body),
                details: serde_json::Value::Object(Default::default()),
                retry_after,
            },
        }
    }
}

/// At most 200 characters of a body, for error messages.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(200).collect();
    if text.chars().nth(200).is_some() {
        out.push('…');
    }
    out
}

/// Configures a [`Client`] and its connection pool.
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: String,
    api_key: String,
    lang: Lang,
    timeout: Duration,
    connect_timeout: Duration,
    pool_max_idle_per_host: Option<usize>,
    operator_id: Option<Uuid>,
    launch_retries: u32,
}

impl ClientBuilder {
    pub fn new(base_url: &str, api_key: &str) -> Self {
        ClientBuilder {
            base_url: base_url.to_string(),
            api_key: api_key.to_string(),
            lang: Lang::Zh,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            pool_max_idle_per_host: None,
            operator_id: None,
            launch_retries: DEFAULT_LAUNCH_RETRIES,
        }
    }

    pub fn lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Idle keep-alive connections kept per host; set it to at least the number of
    /// concurrent requests so a burst does not close and reopen connections.
    pub fn pool_max_idle_per_host(mut self, n: usize) -> Self {
        self.pool_max_idle_per_host = Some(n);
        self
    }

    pub fn operator(mut self, operator_id: Uuid) -> Self {
        self.operator_id = Some(operator_id);
        self
    }

    pub fn launch_retries(mut self, retries: u32) -> Self {
        self.launch_retries = retries;
        self
    }

    pub fn build(self) -> Result<Client, SdkError> {
        let mut http = reqwest::Client::builder()
            .tcp_nodelay(true)
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(concat!("mr-headset/", env!("CARGO_PKG_VERSION")));
        if let Some(n) = self.pool_max_idle_per_host {
            http = http.pool_max_idle_per_host(n);
        }
        let http = http.build().map_err(|e| {
            SdkError::Config(format!(
                "无法创建 HTTP 客户端 / cannot create the HTTP client: {e}"
            ))
        })?;
        let mut client = Client::with_http(http, &self.base_url, &self.api_key)?
            .with_lang(self.lang)
            .with_timeout(self.timeout)
            .with_launch_retries(self.launch_retries);
        if let Some(op) = self.operator_id {
            client = client.with_operator(op);
        }
        Ok(client)
    }
}

/// A launch-API client for one API key. Cheap to clone; clones share the connection pool
/// and the cached operator id.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: Arc<str>,
    api_key: Arc<str>,
    /// Validated once, so a key that cannot be sent fails at construction, not per request.
    api_key_header: HeaderValue,
    lang: Lang,
    timeout: Duration,
    launch_retries: u32,
    /// Needed to form session ids; filled by `with_operator` or the first `verify()`.
    operator_id: Arc<OnceLock<Uuid>>,
}

impl Client {
    /// A client with its own connection pool and default settings (zh-CN, 30 s timeout).
    pub fn new(base_url: &str, api_key: &str) -> Result<Self, SdkError> {
        ClientBuilder::new(base_url, api_key).build()
    }

    pub fn builder(base_url: &str, api_key: &str) -> ClientBuilder {
        ClientBuilder::new(base_url, api_key)
    }

    /// A client on an existing `reqwest::Client` (and so its connection pool).
    pub fn with_http(
        http: reqwest::Client,
        base_url: &str,
        api_key: &str,
    ) -> Result<Self, SdkError> {
        let base = normalize_base_url(base_url)?;
        Ok(Client {
            http,
            base_url: base.into(),
            api_key: api_key.into(),
            api_key_header: api_key_header(api_key)?,
            lang: Lang::Zh,
            timeout: DEFAULT_TIMEOUT,
            launch_retries: DEFAULT_LAUNCH_RETRIES,
            operator_id: Arc::new(OnceLock::new()),
        })
    }

    /// The same server, settings and connection pool with another API key (another
    /// operator): the operator-id cache is not carried over.
    pub fn with_api_key(&self, api_key: &str) -> Result<Self, SdkError> {
        Ok(Client {
            api_key: api_key.into(),
            api_key_header: api_key_header(api_key)?,
            operator_id: Arc::new(OnceLock::new()),
            ..self.clone()
        })
    }

    /// Language of the server's error messages.
    pub fn with_lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// Total time allowed per request.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the operator id used in session ids, so `launch` need not call `verify` first.
    pub fn with_operator(mut self, operator_id: Uuid) -> Self {
        let cell = OnceLock::new();
        let _ = cell.set(operator_id);
        self.operator_id = Arc::new(cell);
        self
    }

    /// How many times `launch`/`launch_with_session` repeat after a retryable failure.
    pub fn with_launch_retries(mut self, retries: u32) -> Self {
        self.launch_retries = retries;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The operator id, if known (set explicitly or learnt from `verify`).
    pub fn operator_id(&self) -> Option<Uuid> {
        self.operator_id.get().copied()
    }

    /// The underlying `reqwest::Client`, to share its pool with other clients.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The absolute URL of a path (which may carry a query string).
    pub fn url(&self, path_and_query: &str) -> String {
        let mut url = String::with_capacity(self.base_url.len() + path_and_query.len());
        url.push_str(&self.base_url);
        url.push_str(path_and_query);
        url
    }

    /// The authentication headers for a request by this client's key; see the free
    /// function [`signed_headers`]. Exposed so tests can sign and then break requests.
    pub fn signed_headers(
        &self,
        method: &Method,
        path: &str,
        body: &[u8],
        now_unix_secs: i64,
    ) -> Result<HeaderMap, SdkError> {
        let timestamp = now_unix_secs.to_string();
        let signature = launch::sign(&self.api_key, &timestamp, method.as_str(), path, body);
        let mut headers = HeaderMap::with_capacity(6);
        headers.insert(HEADER_API_KEY, self.api_key_header.clone());
        headers.insert(HEADER_TIMESTAMP, header_value(&timestamp, "X-Timestamp")?);
        headers.insert(HEADER_SIGNATURE, header_value(&signature, "X-Signature")?);
        Ok(headers)
    }

    /// Sends exactly what it is given — no signing. `Accept-Language`, `Accept` and (for a
    /// non-empty body) `Content-Type: application/json` are added unless `headers` already
    /// has them. Any HTTP status is returned as `Ok`; only transport failures are `Err`.
    pub async fn send_raw(
        &self,
        method: Method,
        path_and_query: &str,
        mut headers: HeaderMap,
        body: Vec<u8>,
    ) -> Result<RawResponse, SdkError> {
        if !headers.contains_key(ACCEPT_LANGUAGE) {
            headers.insert(
                ACCEPT_LANGUAGE,
                HeaderValue::from_static(accept_language(self.lang)),
            );
        }
        if !headers.contains_key(ACCEPT) {
            headers.insert(ACCEPT, json_header());
        }
        if !body.is_empty() && !headers.contains_key(CONTENT_TYPE) {
            headers.insert(CONTENT_TYPE, json_header());
        }
        let mut response = self
            .http
            .request(method, self.url(path_and_query))
            .headers(headers)
            .timeout(self.timeout)
            .body(body)
            .send()
            .await
            .map_err(SdkError::from_reqwest)?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let body: Vec<u8> = response
            .bytes()
            .await
            .map_err(SdkError::from_reqwest)?
            .into();
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    /// Signs `body` for `method path` at the current time, adds `extra` headers and sends.
    pub async fn send_signed(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
        extra: HeaderMap,
    ) -> Result<RawResponse, SdkError> {
        let mut headers = self.signed_headers(&method, path, &body, unix_now_secs())?;
        headers.extend(extra);
        self.send_raw(method, path, headers, body).await
    }

    async fn signed_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
        extra: HeaderMap,
    ) -> Result<T, SdkError> {
        self.send_signed(method, path, body, extra).await?.json()
    }

    /// `GET /api/v1/headset/verify`: checks the key and lists the operator's sites. Caches
    /// the operator id for session ids.
    pub async fn verify(&self) -> Result<VerifyResponse, SdkError> {
        let v: VerifyResponse = self
            .signed_json(Method::GET, VERIFY_PATH, Vec::new(), HeaderMap::new())
            .await?;
        let _ = self.operator_id.set(v.operator_id);
        Ok(v)
    }

    /// `GET /api/v1/headset/apps`: the applications this operator may launch now.
    pub async fn apps(&self) -> Result<AppsResponse, SdkError> {
        self.signed_json(Method::GET, APPS_PATH, Vec::new(), HeaderMap::new())
            .await
    }

    /// `GET /.well-known/jwks.json` (unsigned): the keys that sign launch tokens.
    pub async fn jwks(&self) -> Result<Jwks, SdkError> {
        self.send_raw(Method::GET, JWKS_PATH, HeaderMap::new(), Vec::new())
            .await?
            .json()
    }

    /// The operator id, from the cache or else from one `verify()` call.
    pub async fn resolve_operator_id(&self) -> Result<Uuid, SdkError> {
        match self.operator_id() {
            Some(op) => Ok(op),
            None => Ok(self.verify().await?.operator_id),
        }
    }

    /// Authorises (and bills) a game with a fresh session id. The id is in the response;
    /// to control it (e.g. to retry yourself), use [`Client::launch_with_session`].
    pub async fn launch(&self, request: &LaunchRequest) -> Result<LaunchResponse, SdkError> {
        let operator_id = self.resolve_operator_id().await?;
        let session_id = crate::session::new_session_id(operator_id);
        self.launch_with_session(&session_id, request).await
    }

    /// Authorises a game under a caller-chosen session id. Retryable failures (timeout,
    /// connection error, 502/503/504) are retried up to the configured count with the *same*
    /// session id and body, which the server answers idempotently — never double billing.
    pub async fn launch_with_session(
        &self,
        session_id: &str,
        request: &LaunchRequest,
    ) -> Result<LaunchResponse, SdkError> {
        let mut body = serde_json::to_vec(request)
            .map_err(|e| SdkError::Config(format!("cannot serialise the launch request: {e}")))?;
        let session = header_value(session_id, "X-Session-ID")?;
        let mut attempt: u32 = 0;
        loop {
            let last = attempt >= self.launch_retries;
            // Only the last attempt may consume the body; earlier ones send a copy.
            let this_body = if last {
                std::mem::take(&mut body)
            } else {
                body.clone()
            };
            let mut extra = HeaderMap::with_capacity(1);
            extra.insert(HeaderName::from_static(HEADER_SESSION_ID), session.clone());
            match self
                .signed_json(Method::POST, AUTHORIZE_PATH, this_body, extra)
                .await
            {
                Err(e) if !last && e.is_retryable() => {
                    attempt += 1;
                    tokio::time::sleep(retry_backoff(attempt)).await;
                }
                result => return result,
            }
        }
    }

    /// `POST /api/v1/auth/game/end`: reports the end of a game. Without `duration_seconds`
    /// the server uses the time since authorisation. Not retried automatically.
    pub async fn end(
        &self,
        session_id: &str,
        duration_seconds: Option<i64>,
    ) -> Result<GameEndResponse, SdkError> {
        let body = serde_json::to_vec(&GameEndRequest {
            session_id: session_id.to_string(),
            duration_seconds,
        })
        .map_err(|e| SdkError::Config(format!("cannot serialise the end request: {e}")))?;
        self.signed_json(Method::POST, GAME_END_PATH, body, HeaderMap::new())
            .await
    }
}

/// Shows at most the first 4 characters of a key: enough to tell keys apart in logs,
/// useless to an attacker.
fn redacted(key: &str) -> String {
    let head: String = key.chars().take(4).collect();
    format!("{head}…({} chars)", key.chars().count())
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_key", &redacted(&self.api_key))
            .field("lang", &self.lang)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("pool_max_idle_per_host", &self.pool_max_idle_per_host)
            .field("operator_id", &self.operator_id)
            .field("launch_retries", &self.launch_retries)
            .finish()
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("api_key", &redacted(&self.api_key))
            .field("lang", &self.lang)
            .field("timeout", &self.timeout)
            .field("launch_retries", &self.launch_retries)
            .field("operator_id", &self.operator_id())
            .finish()
    }
}

/// 250 ms, 500 ms, 1 s, then 2 s.
fn retry_backoff(attempt: u32) -> Duration {
    let shift = attempt.saturating_sub(1).min(3);
    Duration::from_millis(250u64 << shift)
}

/// Checks the scheme and strips a trailing `/` so paths can be appended.
fn normalize_base_url(base_url: &str) -> Result<String, SdkError> {
    let trimmed = base_url.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed).map_err(|e| {
        SdkError::Config(format!(
            "服务器地址无效 / invalid server URL {base_url:?}: {e}"
        ))
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(SdkError::Config(format!(
            "服务器地址必须以 http:// 或 https:// 开头 / the server URL must start with http:// or https://: {base_url:?}"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(SdkError::Config(format!(
            "服务器地址不能带查询参数 / the server URL must not have a query or fragment: {base_url:?}"
        )));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
        h.get(name).unwrap().to_str().unwrap()
    }

    #[test]
    fn signed_headers_reproduce_the_protocol_signature() {
        let client = Client::new("http://127.0.0.1:8080/", KEY).unwrap();
        let body = br#"{"app_id":"space_adventure","site_id":"7d1c8c2e-2f4b-4b7a-9a39-0c4f9e0b6a11","player_count":4}"#;
        let h = client
            .signed_headers(&Method::POST, AUTHORIZE_PATH, body, 1_704_067_200)
            .unwrap();
        assert_eq!(header(&h, HEADER_API_KEY), KEY);
        assert_eq!(header(&h, HEADER_TIMESTAMP), "1704067200");
        let expected = launch::sign(KEY, "1704067200", "POST", AUTHORIZE_PATH, body);
        assert_eq!(header(&h, HEADER_SIGNATURE), expected);
        assert!(launch::verify_signature(
            KEY,
            header(&h, HEADER_SIGNATURE),
            "1704067200",
            "POST",
            AUTHORIZE_PATH,
            body
        ));
        // The free function agrees, and a GET signs the empty body.
        let free = signed_headers(KEY, &Method::GET, VERIFY_PATH, b"", 1_704_067_200).unwrap();
        assert_eq!(
            header(&free, HEADER_SIGNATURE),
            launch::sign(KEY, "1704067200", "GET", VERIFY_PATH, b"")
        );
    }

    #[test]
    fn the_documented_example_signature_comes_out() {
        // docs/launch-api.md's worked example, also pinned in mr-protocol.
        let key = "a".repeat(64);
        let body = br#"{"app_id":"space_adventure","site_id":"7d1c8c2e-2f4b-4b7a-9a39-0c4f9e0b6a11","player_count":4}"#;
        let h = signed_headers(&key, &Method::POST, AUTHORIZE_PATH, body, 1_704_067_200).unwrap();
        assert_eq!(
            header(&h, HEADER_SIGNATURE),
            "tTmGDZtA5quI5pecKxYjEtGpT487YVrt+8iCFQ7k+Do="
        );
    }

    #[test]
    fn base_urls_are_checked_and_normalised() {
        let c = Client::new("http://example.test:8080///", KEY).unwrap();
        assert_eq!(c.base_url(), "http://example.test:8080");
        assert_eq!(
            c.url(VERIFY_PATH),
            "http://example.test:8080/api/v1/headset/verify"
        );
        for bad in ["", "example.test", "ftp://example.test", "http://x/?a=1"] {
            assert!(
                matches!(Client::new(bad, KEY), Err(SdkError::Config(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Client::new("http://x", "bad\nkey"),
            Err(SdkError::Config(_))
        ));
    }

    #[test]
    fn operator_cache_and_key_swap() {
        let op = Uuid::new_v4();
        let c = Client::new("http://x", KEY).unwrap().with_operator(op);
        assert_eq!(c.operator_id(), Some(op));
        assert_eq!(c.clone().operator_id(), Some(op));
        let other = c.with_api_key("other").unwrap();
        assert_eq!(other.operator_id(), None);
        assert_eq!(other.api_key(), "other");
        assert_eq!(c.api_key(), KEY);
        let debug = format!("{c:?}");
        assert!(!debug.contains(KEY), "{debug}");
        assert!(debug.contains("0123…(64 chars)"), "{debug}");
    }

    #[test]
    fn languages_parse() {
        assert_eq!(parse_lang("zh-CN").unwrap(), Lang::Zh);
        assert_eq!(parse_lang("ZH").unwrap(), Lang::Zh);
        assert_eq!(parse_lang("en").unwrap(), Lang::En);
        assert_eq!(parse_lang("en-US").unwrap(), Lang::En);
        assert!(parse_lang("fr").is_err());
        assert_eq!(accept_language(Lang::Zh), "zh-CN");
        assert_eq!(accept_language(Lang::En), "en");
    }

    fn raw(status: u16, body: &str, retry_after: Option<&str>) -> RawResponse {
        let mut headers = HeaderMap::new();
        if let Some(r) = retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from_str(r).unwrap());
        }
        RawResponse {
            status,
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn error_bodies_become_api_errors() {
        let r = raw(
            429,
            r#"{"code":"RATE_LIMIT_EXCEEDED","message":"请求过于频繁","details":{"limit":10}}"#,
            Some("3"),
        );
        match r.json::<VerifyResponse>() {
            Err(SdkError::Api {
                status,
                code,
                message,
                details,
                retry_after,
            }) => {
                assert_eq!(status, 429);
                assert_eq!(code, "RATE_LIMIT_EXCEEDED");
                assert_eq!(message, "请求过于频繁");
                assert_eq!(details["limit"], 10);
                assert_eq!(retry_after, Some(3));
            }
            other => panic!("unexpected {other:?}"),
        }
        // A code this SDK does not know still comes through.
        let e = raw(
            400,
            r#"{"code":"SOMETHING_NEW","message":"m","details":{}}"#,
            None,
        )
        .api_error();
        assert_eq!(e.code(), "SOMETHING_NEW");
        // A non-JSON body (a proxy page) keeps the status as the code.
        let e = raw(502, "<html>bad gateway</html>", None).api_error();
        assert_eq!(e.code(), "HTTP_502");
        assert!(e.is_retryable());
        assert!(e.message().contains("bad gateway"));
        // A 2xx that is not the promised body is a decode error.
        assert!(matches!(
            raw(200, "{}", None).json::<VerifyResponse>(),
            Err(SdkError::Decode(_))
        ));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(retry_backoff(1), Duration::from_millis(250));
        assert_eq!(retry_backoff(2), Duration::from_millis(500));
        assert_eq!(retry_backoff(3), Duration::from_millis(1000));
        assert_eq!(retry_backoff(9), Duration::from_millis(2000));
    }

    #[tokio::test]
    async fn an_unreachable_server_is_a_transport_error() {
        // Port 9 on loopback: nothing listens there in the test environment.
        let c = Client::new("http://127.0.0.1:9", KEY)
            .unwrap()
            .with_launch_retries(0)
            .with_timeout(Duration::from_secs(5));
        let e = c.verify().await.unwrap_err();
        assert!(
            matches!(e, SdkError::Transport(_) | SdkError::Timeout(_)),
            "{e:?}"
        );
        assert!(e.is_retryable());
    }
}
