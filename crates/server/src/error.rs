//! The one error type of the HTTP edge. Each variant carries a stable code; the response body is
//! always `{"code","message","details"}` and the message follows `Accept-Language`.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use mr_domain::{DomainError, ErrorCode};
use mr_protocol::ErrorBody;
use serde_json::{json, Value};

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub details: Value,
    /// Seconds for a `Retry-After` header (rate limits).
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        ApiError {
            code,
            details: json!({}),
            retry_after: None,
        }
    }

    pub fn with(code: ErrorCode, details: Value) -> Self {
        ApiError {
            code,
            details,
            retry_after: None,
        }
    }

    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(context, error = %err, "internal error");
        ApiError::new(ErrorCode::InternalError)
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError::new(code)
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError::with(e.code, json!({ "field": e.field, "reason": e.reason }))
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            // The database is down or saturated: a retryable 503, never a 500.
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => {
                tracing::warn!(error = %e, "database unavailable");
                ApiError::new(ErrorCode::ServiceUnavailable)
            }
            sqlx::Error::Database(db) if db.code().as_deref() == Some("57P01") => {
                tracing::warn!(error = %e, "database shutting down");
                ApiError::new(ErrorCode::ServiceUnavailable)
            }
            _ => ApiError::internal("database", e),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let detail = json!({ "reason": r.body_text() });
        match r {
            JsonRejection::JsonDataError(_) => ApiError::with(ErrorCode::ValidationFailed, detail),
            JsonRejection::JsonSyntaxError(_) => ApiError::with(ErrorCode::MalformedJson, detail),
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::new(ErrorCode::UnsupportedMediaType)
            }
            JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::new(ErrorCode::PayloadTooLarge)
            }
            _ => ApiError::with(ErrorCode::MalformedJson, detail),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::with(ErrorCode::InvalidParams, json!({ "reason": r.body_text() }))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::with(ErrorCode::InvalidParams, json!({ "reason": r.body_text() }))
    }
}

/// Marker left on error responses so the localisation middleware can re-render the message
/// in the caller's language (handlers do not see request headers when errors are built).
#[derive(Clone)]
pub struct ErrorMarker {
    pub code: ErrorCode,
    pub details: Value,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body =
            ErrorBody::new(self.code, self.code.message_zh()).with_details(self.details.clone());
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        metrics::counter!("mr_errors_total", "code" => self.code.as_str()).increment(1);
        resp.extensions_mut().insert(ErrorMarker {
            code: self.code,
            details: self.details,
        });
        resp
    }
}
