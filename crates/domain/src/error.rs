//! The error-code catalogue: one stable code per failure, its HTTP status and its message in
//! Simplified Chinese and English. The UI switches on the code, never on message text.

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($($variant:ident = $status:literal, $zh:literal, $en:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// HTTP status at the server edge.
            pub fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)* }
            }

            pub fn message_zh(self) -> &'static str {
                match self { $(ErrorCode::$variant => $zh,)* }
            }

            pub fn message_en(self) -> &'static str {
                match self { $(ErrorCode::$variant => $en,)* }
            }
        }
    };
}

codes! {
    // Request shape
    ValidationFailed = 422, "提交的信息有误，请检查后重试", "Some fields are invalid";
    MalformedJson = 400, "请求内容不是有效的 JSON", "The request body is not valid JSON";
    InvalidParams = 400, "请求参数错误", "Invalid request parameters";
    PayloadTooLarge = 413, "请求内容过大", "The request body is too large";
    UnsupportedMediaType = 415, "请求内容类型不受支持，请使用 application/json", "Unsupported content type; use application/json";
    RouteNotFound = 404, "接口不存在", "No such endpoint";
    MethodNotAllowed = 405, "不支持该请求方法", "Method not allowed";
    // Authentication and sessions
    InvalidCredentials = 401, "用户名或密码错误", "Wrong username or password";
    WrongWorkspace = 403, "该账号不能登录此工作台", "This account cannot sign in to this workspace";
    AccountDisabled = 403, "账号已停用，请联系管理员", "This account is disabled; contact an administrator";
    AccountClosed = 403, "账号已注销", "This account has been closed";
    Unauthenticated = 401, "请先登录", "Please sign in";
    TokenInvalid = 401, "登录凭证无效，请重新登录", "Invalid credentials token; please sign in again";
    TokenExpired = 401, "登录已过期，请重新登录", "Your session has expired; please sign in again";
    SessionRevoked = 401, "会话已失效，请重新登录", "This session has ended; please sign in again";
    RefreshTokenInvalid = 401, "刷新凭证无效，请重新登录", "Invalid refresh token; please sign in again";
    RefreshTokenReused = 401, "检测到刷新凭证被重复使用，所有相关会话已注销", "A refresh token was reused; the session has been ended for safety";
    Forbidden = 403, "没有权限执行此操作", "You do not have permission to do this";
    WrongPassword = 400, "当前密码不正确", "The current password is wrong";
    WeakPassword = 422, "密码需为 8-64 位，且同时包含字母和数字", "Passwords need 8-64 characters with letters and digits";
    UsernameTaken = 409, "用户名已被占用", "That username is taken";
    NotFound = 404, "记录不存在或无权查看", "Not found, or not visible to you";
    Conflict = 409, "数据已被修改，请刷新后重试", "The data changed meanwhile; refresh and try again";
    // Sync
    ProtocolUnsupported = 426, "客户端版本过旧，请更新应用", "This app version is too old; please update";
    CursorInvalid = 400, "同步游标无效，请重建本地缓存", "Invalid sync cursor; rebuild the local cache";
    SequenceGap = 409, "命令序号不连续，请稍后重试同步", "Command sequence has a gap; sync again";
    SiteNameTaken = 409, "已存在同名运营点", "A site with this name already exists";
    // Admin decisions (applied from offline queues, so stale ones are expected)
    AuthorizationExists = 409, "该运营商已拥有此应用的有效授权", "This operator already holds an active authorization for this application";
    AuthorizationNotActive = 409, "该授权已被撤销或已过期", "This authorization is already revoked or expired";
    RequestAlreadyDecided = 409, "该申请已被处理", "This request has already been handled";
    ApplicationCodeTaken = 409, "应用编码已被使用", "This application code is already in use";
    // Staff accounts
    SelfActionForbidden = 409, "不能停用自己的账号", "You cannot disable your own account";
    // Launch API (kept as headsets in the field know them)
    InvalidApiKey = 401, "API Key 无效", "Invalid API key";
    InvalidSignature = 400, "签名验证失败", "Signature verification failed";
    TimestampExpired = 400, "请求时间戳已过期", "Request timestamp expired";
    OperatorLocked = 403, "运营商账号已锁定，请联系管理员", "Operator account is locked; contact an administrator";
    ResourceNotFound = 404, "资源不存在", "Resource not found";
    AppNotAuthorized = 403, "未获得该应用的授权", "Not authorized for this application";
    PlayerCountOutOfRange = 400, "玩家数量超出应用允许范围", "Player count out of the application's range";
    InsufficientBalance = 402, "账户余额不足，请先充值", "Insufficient balance; please recharge";
    RateLimitExceeded = 429, "请求过于频繁，请稍后再试", "Too many requests; try again later";
    // Server state
    ServiceUnavailable = 503, "系统维护中，请稍后重试", "Service temporarily unavailable; try again later";
    PaymentUnavailable = 503, "支付服务暂时不可用，请稍后再试", "The payment service is temporarily unavailable; try again later";
    InternalError = 500, "服务器内部错误，请稍后重试", "Internal server error; try again later";
    // Desktop-side
    ServerUnreachable = 503, "无法连接服务器，请检查网络或服务器地址", "Cannot reach the server; check the network or the server address";
    NotSignedIn = 401, "尚未登录此工作台", "Not signed in to this workspace";
    LocalCacheError = 500, "本地缓存出错", "Local cache error";
    KeychainError = 500, "无法访问系统钥匙串", "Cannot access the system keychain";
}

impl ErrorCode {
    /// The stable wire name, e.g. `INSUFFICIENT_BALANCE`.
    pub fn as_str(self) -> &'static str {
        // serde's SCREAMING_SNAKE_CASE rename is the single source of the names.
        match serde_json_like_name(self) {
            Some(s) => s,
            None => "INTERNAL_ERROR",
        }
    }

    pub fn message(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.message_zh(),
            Lang::En => self.message_en(),
        }
    }
}

/// Stable names without depending on serde_json at runtime in the domain crate.
fn serde_json_like_name(code: ErrorCode) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

macro_rules! names {
    ($($variant:ident => $name:literal,)*) => {
        const NAMES: &[(ErrorCode, &str)] = &[$((ErrorCode::$variant, $name),)*];
    };
}

names! {
    ValidationFailed => "VALIDATION_FAILED",
    MalformedJson => "MALFORMED_JSON",
    InvalidParams => "INVALID_PARAMS",
    PayloadTooLarge => "PAYLOAD_TOO_LARGE",
    UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
    RouteNotFound => "ROUTE_NOT_FOUND",
    MethodNotAllowed => "METHOD_NOT_ALLOWED",
    InvalidCredentials => "INVALID_CREDENTIALS",
    WrongWorkspace => "WRONG_WORKSPACE",
    AccountDisabled => "ACCOUNT_DISABLED",
    AccountClosed => "ACCOUNT_CLOSED",
    Unauthenticated => "UNAUTHENTICATED",
    TokenInvalid => "TOKEN_INVALID",
    TokenExpired => "TOKEN_EXPIRED",
    SessionRevoked => "SESSION_REVOKED",
    RefreshTokenInvalid => "REFRESH_TOKEN_INVALID",
    RefreshTokenReused => "REFRESH_TOKEN_REUSED",
    Forbidden => "FORBIDDEN",
    WrongPassword => "WRONG_PASSWORD",
    WeakPassword => "WEAK_PASSWORD",
    UsernameTaken => "USERNAME_TAKEN",
    NotFound => "NOT_FOUND",
    Conflict => "CONFLICT",
    ProtocolUnsupported => "PROTOCOL_UNSUPPORTED",
    CursorInvalid => "CURSOR_INVALID",
    SequenceGap => "SEQUENCE_GAP",
    SiteNameTaken => "SITE_NAME_TAKEN",
    AuthorizationExists => "AUTHORIZATION_EXISTS",
    AuthorizationNotActive => "AUTHORIZATION_NOT_ACTIVE",
    RequestAlreadyDecided => "REQUEST_ALREADY_DECIDED",
    ApplicationCodeTaken => "APPLICATION_CODE_TAKEN",
    SelfActionForbidden => "SELF_ACTION_FORBIDDEN",
    InvalidApiKey => "INVALID_API_KEY",
    InvalidSignature => "INVALID_SIGNATURE",
    TimestampExpired => "TIMESTAMP_EXPIRED",
    OperatorLocked => "OPERATOR_LOCKED",
    ResourceNotFound => "RESOURCE_NOT_FOUND",
    AppNotAuthorized => "APP_NOT_AUTHORIZED",
    PlayerCountOutOfRange => "PLAYER_COUNT_OUT_OF_RANGE",
    InsufficientBalance => "INSUFFICIENT_BALANCE",
    RateLimitExceeded => "RATE_LIMIT_EXCEEDED",
    ServiceUnavailable => "SERVICE_UNAVAILABLE",
    PaymentUnavailable => "PAYMENT_UNAVAILABLE",
    InternalError => "INTERNAL_ERROR",
    ServerUnreachable => "SERVER_UNREACHABLE",
    NotSignedIn => "NOT_SIGNED_IN",
    LocalCacheError => "LOCAL_CACHE_ERROR",
    KeychainError => "KEYCHAIN_ERROR",
}

/// Message language, chosen from `Accept-Language` at the server and the UI setting on the desktop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Simplified Chinese unless the header prefers English over Chinese.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(h) = header else { return Lang::Zh };
        for part in h.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("zh") {
                return Lang::Zh;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::Zh
    }
}

/// A business-rule failure: a code plus which field failed and why (for form errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {field} {reason}")]
pub struct DomainError {
    pub code: ErrorCode,
    pub field: &'static str,
    pub reason: &'static str,
}

impl DomainError {
    pub fn invalid(field: &'static str, reason: &'static str) -> Self {
        DomainError {
            code: ErrorCode::ValidationFailed,
            field,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_name_status_and_two_messages() {
        let mut seen = std::collections::HashSet::new();
        for &c in ErrorCode::ALL {
            let name = serde_json_like_name(c).unwrap_or_else(|| panic!("{c:?} has no name"));
            assert!(seen.insert(name), "duplicate name {name}");
            // The hand-written name must equal serde's rename, which is what goes on the wire.
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{name}\""));
            assert!((400..600).contains(&c.http_status()), "{c:?}");
            assert!(!c.message_en().is_empty());
            assert!(
                c.message_zh()
                    .chars()
                    .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)),
                "{c:?}: zh message has no Chinese"
            );
        }
    }

    #[test]
    fn field_contract_statuses_are_kept() {
        use ErrorCode::*;
        for (c, s) in [
            (InvalidApiKey, 401),
            (InvalidSignature, 400),
            (TimestampExpired, 400),
            (InvalidParams, 400),
            (OperatorLocked, 403),
            (ResourceNotFound, 404),
            (AppNotAuthorized, 403),
            (PlayerCountOutOfRange, 400),
            (InsufficientBalance, 402),
            (RateLimitExceeded, 429),
            (ServiceUnavailable, 503),
        ] {
            assert_eq!(c.http_status(), s, "{c:?}");
        }
    }

    #[test]
    fn accept_language_prefers_chinese() {
        assert_eq!(Lang::from_accept_language(None), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(
            Lang::from_accept_language(Some("zh-CN,zh;q=0.9,en;q=0.8")),
            Lang::Zh
        );
        assert_eq!(Lang::from_accept_language(Some("fr, en;q=0.5")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("fr")), Lang::Zh);
    }
}
