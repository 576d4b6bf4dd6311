//! `AuthUser`: the authenticated caller, checked on every protected request.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use mr_domain::{ErrorCode, OperatorId, Permission, Role, Workspace};
use std::net::SocketAddr;
use uuid::Uuid;

use super::tokens;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: Uuid,
    pub role: Role,
    pub workspace: Workspace,
    pub session_id: Uuid,
}

impl AuthUser {
    /// Fails with 403 FORBIDDEN unless the caller's role grants `p`.
    pub fn require(&self, p: Permission) -> Result<(), ApiError> {
        if self.role.can(p) {
            Ok(())
        } else {
            Err(ApiError::new(ErrorCode::Forbidden))
        }
    }

    /// The operator this caller *is*; staff are refused (tenant scope comes from the token only).
    pub fn operator_id(&self) -> Result<OperatorId, ApiError> {
        self.require(Permission::OperatorSelfService)?;
        Ok(OperatorId(self.user_id))
    }

    pub fn subject_kind(&self) -> &'static str {
        if self.role == Role::Operator {
            "operator"
        } else {
            "staff"
        }
    }
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers).ok_or(ErrorCode::Unauthenticated)?;
        let claims = tokens::verify(&state.config.token_secret, token)?;
        // A signed token is not enough: its session may have been revoked (logout, password
        // change, refresh-token reuse). One primary-key lookup per request.
        let live: Option<bool> = sqlx::query_scalar(
            "SELECT revoked_at IS NULL AND expires_at > now() FROM auth_sessions WHERE id = $1",
        )
        .bind(claims.sid)
        .fetch_optional(&state.pool)
        .await?;
        match live {
            Some(true) => {
                tracing::Span::current().record("user_id", tracing::field::display(claims.sub));
                Ok(AuthUser {
                    user_id: claims.sub,
                    role: claims.role,
                    workspace: claims.ws,
                    session_id: claims.sid,
                })
            }
            _ => Err(ErrorCode::SessionRevoked.into()),
        }
    }
}

/// Who is calling from where, for audit rows.
#[derive(Debug, Clone, Default)]
pub struct ClientMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        // Forwarded headers are trusted only from a proxy on this host (nginx in front).
        let forwarded = peer
            .filter(|ip| ip.is_loopback())
            .and_then(|_| parts.headers.get("x-forwarded-for"))
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next_back())
            .map(|s| s.trim().to_string())
            .filter(|s| s.parse::<std::net::IpAddr>().is_ok());
        let header_str = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(256).collect::<String>())
        };
        Ok(ClientMeta {
            ip: forwarded.or(peer.map(|p| p.to_string())),
            user_agent: header_str("user-agent"),
            request_id: header_str("x-request-id"),
        })
    }
}
