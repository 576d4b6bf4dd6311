//! The core's one error type. Every variant maps to a stable [`ErrorCode`], and
//! [`CoreError::to_body`] turns it into the `{code, message, details}` body the UI receives.

use mr_domain::error::Lang;
use mr_domain::{DomainError, ErrorCode, Workspace};
use mr_protocol::ErrorBody;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The server answered with an error body (its message is already in the requested language).
    #[error("server error {}: {}", .0.code.as_str(), .0.message)]
    Server(ErrorBody),
    /// No answer from the server: connection refused, DNS, TLS, timeout.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// No session in this workspace (never signed in, logged out, or the server ended it).
    #[error("not signed in to the {} workspace", .workspace.as_str())]
    NotSignedIn {
        workspace: Workspace,
        /// Why a session that existed was ended (e.g. `SESSION_REVOKED`).
        reason: Option<ErrorCode>,
    },
    /// The signed-in account's role does not allow this workspace's operations.
    #[error("the signed-in role cannot do this")]
    Forbidden,
    /// Input rejected locally before any request (same rules as the server).
    #[error("invalid {field}: {reason}")]
    Invalid {
        code: ErrorCode,
        field: &'static str,
        reason: String,
    },
    #[error("local cache: {0}")]
    Cache(String),
    #[error("keychain: {0}")]
    Keychain(String),
    /// Reading or writing local files other than the cache (settings).
    #[error("local file: {0}")]
    Io(String),
    /// The server answered something this client does not understand.
    #[error("unexpected server response: {0}")]
    Protocol(String),
}

impl CoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::Server(body) => body.code,
            CoreError::Unreachable(_) => ErrorCode::ServerUnreachable,
            CoreError::NotSignedIn { .. } => ErrorCode::NotSignedIn,
            CoreError::Forbidden => ErrorCode::Forbidden,
            CoreError::Invalid { code, .. } => *code,
            CoreError::Cache(_) | CoreError::Io(_) => ErrorCode::LocalCacheError,
            CoreError::Keychain(_) => ErrorCode::KeychainError,
            CoreError::Protocol(_) => ErrorCode::InternalError,
        }
    }

    /// True when the server could not be reached, or said it is temporarily unavailable:
    /// the cases where a workspace falls back to its cached data (R-D3).
    pub fn is_offline(&self) -> bool {
        match self {
            CoreError::Unreachable(_) => true,
            CoreError::Server(body) => body.code == ErrorCode::ServiceUnavailable,
            _ => false,
        }
    }

    /// The body the UI receives. Server bodies pass through unchanged (they were requested in
    /// `lang` already); local errors get the catalogue message in `lang` and a few details.
    /// Internal details (paths, OS errors) go to the log, not to the user.
    pub fn to_body(&self, lang: Lang) -> ErrorBody {
        match self {
            CoreError::Server(body) => body.clone(),
            CoreError::NotSignedIn { workspace, reason } => {
                let mut details = json!({ "workspace": workspace.as_str() });
                if let Some(r) = reason {
                    details["reason"] = json!(r.as_str());
                    details["reason_message"] = json!(r.message(lang));
                }
                ErrorBody::new(ErrorCode::NotSignedIn, ErrorCode::NotSignedIn.message(lang))
                    .with_details(details)
            }
            CoreError::Invalid {
                code,
                field,
                reason,
            } => ErrorBody::new(*code, code.message(lang))
                .with_details(json!({ "field": field, "reason": reason })),
            other => {
                let code = other.code();
                ErrorBody::new(code, code.message(lang))
            }
        }
    }
}

impl CoreError {
    /// A row the request names is not in the local cache (deleted, or not synced yet).
    pub(crate) fn not_cached(field: &'static str, id: uuid::Uuid) -> CoreError {
        CoreError::Invalid {
            code: ErrorCode::NotFound,
            field,
            reason: format!("{id} is not in the local cache"),
        }
    }
}

impl From<DomainError> for CoreError {
    fn from(e: DomainError) -> Self {
        CoreError::Invalid {
            code: e.code,
            field: e.field,
            reason: e.reason.to_string(),
        }
    }
}

impl From<sqlx::Error> for CoreError {
    fn from(e: sqlx::Error) -> Self {
        CoreError::Cache(e.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for CoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        CoreError::Cache(e.to_string())
    }
}

impl From<keyring::Error> for CoreError {
    fn from(e: keyring::Error) -> Self {
        CoreError::Keychain(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_errors_use_the_catalogue_in_the_ui_language() {
        let e = CoreError::Unreachable("connection refused".into());
        let zh = e.to_body(Lang::Zh);
        assert_eq!(zh.code, ErrorCode::ServerUnreachable);
        assert_eq!(zh.message, "无法连接服务器，请检查网络或服务器地址");
        assert!(
            !zh.message.contains("refused"),
            "OS details stay out of the UI"
        );
        assert_eq!(
            e.to_body(Lang::En).message,
            ErrorCode::ServerUnreachable.message_en()
        );
        assert!(e.is_offline());
    }

    #[test]
    fn server_bodies_pass_through() {
        let body = ErrorBody::new(ErrorCode::InvalidCredentials, "用户名或密码错误");
        let e = CoreError::Server(body.clone());
        assert_eq!(e.to_body(Lang::En), body);
        assert!(!e.is_offline());
        let unavailable = CoreError::Server(ErrorBody::new(ErrorCode::ServiceUnavailable, "x"));
        assert!(unavailable.is_offline());
    }

    #[test]
    fn ended_sessions_say_why() {
        let e = CoreError::NotSignedIn {
            workspace: Workspace::Admin,
            reason: Some(ErrorCode::SessionRevoked),
        };
        let b = e.to_body(Lang::Zh);
        assert_eq!(b.code, ErrorCode::NotSignedIn);
        assert_eq!(b.details["workspace"], "admin");
        assert_eq!(b.details["reason"], "SESSION_REVOKED");
    }

    #[test]
    fn domain_errors_name_the_field() {
        let e: CoreError = mr_domain::validate::password("short").unwrap_err().into();
        let b = e.to_body(Lang::Zh);
        assert_eq!(b.code, ErrorCode::WeakPassword);
        assert_eq!(b.details["field"], "password");
    }
}
