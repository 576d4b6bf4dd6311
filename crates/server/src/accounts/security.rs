//! API-key resets (R-O2, R-A2) and unlocking an operator (R-L10: only an administrator).
//!
//! A reset replaces the stored ciphertext and lookup hash in one statement, so the old key
//! stops working for the very next request: the launch path looks keys up by hash and the
//! charging step re-checks the hash inside its transaction.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::Router;
use mr_domain::{ErrorCode, Permission, Role};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, AuditEntry};
use crate::auth::extract::{AuthUser, ClientMeta};
use crate::crypto::{issue_api_key, mask_api_key};
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/operators/{id}/api-key/reset", post(reset_key))
        .route("/api/v1/operators/{id}/api-key/reveal", post(reveal_key))
        .route("/api/v1/operators/{id}/unlock", post(unlock))
}

/// Shown once after a reset; only its last four characters are kept readable.
pub use mr_protocol::auth::ApiKeyShown as ApiKeyReset;

#[derive(Debug, Deserialize)]
pub struct UnlockRequest {
    pub reason: String,
}

async fn reset_key(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
) -> ApiResult<Json<ApiKeyReset>> {
    let Path(id) = id.map_err(ApiError::from)?;
    let by_admin = user.role != Role::Operator;
    if by_admin {
        user.require(Permission::ManageApiKeys)?;
    } else if user.user_id != id {
        // An operator resets only its own key; another operator's id is "not found".
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    let key = issue_api_key(&state.config.master_key);
    let mut tx = state.pool.begin().await?;
    let found: Option<String> = sqlx::query_scalar(
        "UPDATE operators SET api_key_ciphertext = $2, api_key_nonce = $3, api_key_hash = $4,
                              api_key_last4 = $5, api_key_rotated_at = now(), updated_at = now()
          WHERE id = $1 AND status = 'active'
         RETURNING display_name",
    )
    .bind(id)
    .bind(&key.ciphertext)
    .bind(&key.nonce)
    .bind(&key.lookup_hash)
    .bind(&key.last4)
    .fetch_optional(&mut *tx)
    .await?;
    if found.is_none() {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    if by_admin {
        sqlx::query(
            "INSERT INTO messages (operator_id, kind, title, body) VALUES ($1, 'api_key_reset', $2, $3)",
        )
        .bind(id)
        .bind("API Key 已被管理员重置")
        .bind("管理员已重置您的 API Key，旧 Key 已立即失效。请在运营商工作台查看新 Key 并更新头显配置。")
        .execute(&mut *tx)
        .await?;
    }
    audit::append(
        &mut tx,
        AuditEntry {
            actor_kind: user.subject_kind(),
            actor_id: Some(user.user_id),
            actor_name: None,
            action: "operator.api_key_reset",
            target_type: Some("operator"),
            target_id: Some(id.to_string()),
            details: json!({ "last4": key.last4 }),
            before: None,
            after: None,
        },
        &meta,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(ApiKeyReset {
        api_key_masked: mask_api_key(&key.last4),
        api_key: key.plaintext,
    }))
}

/// R-A2: an administrator reads an operator's key in clear (to help set up a headset). Every
/// reveal is audited with who, when and from where; the key itself is never logged.
async fn reveal_key(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
) -> ApiResult<Json<ApiKeyReset>> {
    let Path(id) = id.map_err(ApiError::from)?;
    user.require(Permission::ManageApiKeys)?;
    let mut tx = state.pool.begin().await?;
    let row: Option<(Vec<u8>, Vec<u8>, String)> = sqlx::query_as(
        "SELECT api_key_ciphertext, api_key_nonce, api_key_last4 FROM operators WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((ct, nonce, last4)) = row else {
        return Err(ApiError::new(ErrorCode::NotFound));
    };
    let plain = crate::crypto::decrypt(&state.config.master_key, "api-key", &ct, &nonce)
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| ApiError::internal("api key", "cannot decrypt with this master key"))?;
    audit::append(
        &mut tx,
        AuditEntry {
            actor_kind: user.subject_kind(),
            actor_id: Some(user.user_id),
            actor_name: None,
            action: "operator.api_key_reveal",
            target_type: Some("operator"),
            target_id: Some(id.to_string()),
            details: json!({ "last4": last4 }),
            before: None,
            after: None,
        },
        &meta,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(ApiKeyReset {
        api_key_masked: mask_api_key(&last4),
        api_key: plain,
    }))
}

async fn unlock(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
    Json(req): Json<UnlockRequest>,
) -> ApiResult<Json<serde_json::Value>> {
    let Path(id) = id.map_err(ApiError::from)?;
    user.require(Permission::ManageOperators)?;
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::with(
            ErrorCode::ValidationFailed,
            json!({ "field": "reason", "reason": "required, at most 500 characters" }),
        ));
    }
    let mut tx = state.pool.begin().await?;
    let before: Option<(bool, Option<String>)> =
        sqlx::query_as("SELECT is_locked, locked_reason FROM operators WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((locked, locked_reason)) = before else {
        return Err(ApiError::new(ErrorCode::NotFound));
    };
    if !locked {
        return Err(ApiError::with(
            ErrorCode::Conflict,
            json!({ "reason": "the operator is not locked" }),
        ));
    }
    sqlx::query(
        "UPDATE operators SET is_locked = false, locked_at = NULL, locked_by = NULL,
                              locked_reason = NULL, updated_at = now()
          WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        AuditEntry {
            actor_kind: "staff",
            actor_id: Some(user.user_id),
            actor_name: None,
            action: "operator.unlock",
            target_type: Some("operator"),
            target_id: Some(id.to_string()),
            details: json!({ "reason": reason }),
            before: Some(json!({ "is_locked": true, "locked_reason": locked_reason })),
            after: Some(json!({ "is_locked": false })),
        },
        &meta,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({ "operator_id": id, "is_locked": false })))
}
