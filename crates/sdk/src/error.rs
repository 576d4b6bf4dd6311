//! The SDK's one error type. Every failure a studio developer can meet is one variant, and each
//! variant has a stable short code (`SdkError::code`) so logs and the simulator's report can
//! group failures without matching on message text.

use crate::token::TokenError;

/// What went wrong talking to the launch API (or checking what it returned).
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    /// The server answered with a non-2xx status and (normally) the standard error body
    /// `{"code","message","details"}`. `message` is localised by `Accept-Language`.
    #[error("服务器拒绝了请求 / the server rejected the request: HTTP {status} {code} — {message}{}", retry_hint(.retry_after))]
    Api {
        status: u16,
        /// The stable error code, e.g. `INSUFFICIENT_BALANCE`; `HTTP_<status>` when the body
        /// was not the standard error body (for example a proxy's HTML page).
        code: String,
        message: String,
        details: serde_json::Value,
        /// Seconds from the `Retry-After` header (sent with 429).
        retry_after: Option<u64>,
    },
    /// No answer arrived in time. For `launch` the server may still have billed the game:
    /// retry with the *same* session id, which the server answers idempotently.
    #[error("请求超时 / the request timed out: {0} (重试启动时请使用同一个会话 ID / retry a launch with the same session id)")]
    Timeout(String),
    /// The request never got an HTTP answer: connection refused, DNS, TLS, reset.
    #[error("无法连接服务器 / could not reach the server: {0}")]
    Transport(String),
    /// A 2xx answer whose body is not what the contract promises.
    #[error("无法解析服务器响应 / the server's response could not be decoded: {0}")]
    Decode(String),
    /// A launch token failed offline verification.
    #[error("启动令牌无效 / the launch token is not valid: {0}")]
    Token(#[from] TokenError),
    /// Bad input from the caller (URL, API key, options) caught before anything was sent.
    #[error("配置错误 / invalid configuration: {0}")]
    Config(String),
    /// A local file could not be read or parsed.
    #[error("文件错误 / file error: {0}")]
    Io(String),
}

fn retry_hint(retry_after: &Option<u64>) -> String {
    match retry_after {
        Some(s) => format!(" (请 {s} 秒后重试 / retry after {s} s)"),
        None => String::new(),
    }
}

impl SdkError {
    /// A short stable code: the server's error code for [`SdkError::Api`], otherwise one of
    /// `TIMEOUT`, `TRANSPORT`, `DECODE`, `TOKEN_<KIND>`, `CONFIG`, `IO`.
    pub fn code(&self) -> &str {
        match self {
            SdkError::Api { code, .. } => code,
            SdkError::Timeout(_) => "TIMEOUT",
            SdkError::Transport(_) => "TRANSPORT",
            SdkError::Decode(_) => "DECODE",
            SdkError::Token(t) => t.code(),
            SdkError::Config(_) => "CONFIG",
            SdkError::Io(_) => "IO",
        }
    }

    /// The human part of the error without the code: the server's localised message for
    /// [`SdkError::Api`], the full description otherwise.
    pub fn message(&self) -> String {
        match self {
            SdkError::Api { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            SdkError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True when repeating the same request (for a launch: with the same session id) may
    /// succeed: no answer arrived, or the server said it is temporarily unavailable.
    pub fn is_retryable(&self) -> bool {
        match self {
            SdkError::Timeout(_) | SdkError::Transport(_) => true,
            SdkError::Api { status, .. } => *status == 503 || *status == 502 || *status == 504,
            _ => false,
        }
    }

    /// Maps a reqwest failure onto `Timeout` / `Transport` / `Decode`.
    pub(crate) fn from_reqwest(e: reqwest::Error) -> Self {
        // `{:#}`-style chains are not provided by reqwest; walk the sources so that
        // "connection refused" is visible instead of just "error sending request".
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        if e.is_timeout() {
            SdkError::Timeout(text)
        } else if e.is_decode() {
            SdkError::Decode(text)
        } else if e.is_builder() {
            SdkError::Config(text)
        } else {
            SdkError::Transport(text)
        }
    }
}
