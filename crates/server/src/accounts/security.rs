//! API-key resets (R-O2, R-A2) and locking / unlocking an operator (R-A1; R-L10: only an
//! administrator unlocks).
//!
//! A reset replaces the stored ciphertext and lookup hash in one statement, so the old key
//! stops working for the very next request: the launch path looks keys up by hash and the
//! charging step re-checks the hash inside its transaction.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::Router;
use mr_domain::{ErrorCode, Permission, Role};
use mr_protocol::auth::LockRequest;
use mr_protocol::home::OperatorProfile;
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
        .route("/api/v1/operators/{id}/lock", post(lock))
        .route("/api/v1/operators/{id}/unlock", post(unlock))
}

/// Shown once after a reset; only its last four characters are kept readable.
pub use mr_protocol::auth::ApiKeyShown as ApiKeyReset;

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
    // The old key's last four characters, for the audit row's before/after.
    let old_last4: Option<String> = sqlx::query_scalar(
        "SELECT api_key_last4 FROM operators WHERE id = $1 AND status = 'active' FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE operators SET api_key_ciphertext = $2, api_key_nonce = $3, api_key_hash = $4,
                              api_key_last4 = $5, api_key_rotated_at = now(), updated_at = now()
          WHERE id = $1 AND status = 'active'",
    )
    .bind(id)
    .bind(&key.ciphertext)
    .bind(&key.nonce)
    .bind(&key.lookup_hash)
    .bind(&key.last4)
    .execute(&mut *tx)
    .await?;
    let Some(old_last4) = old_last4 else {
        return Err(ApiError::new(ErrorCode::NotFound));
    };
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
        AuditEntry::by(&user, "operator.api_key_reset", "operator", id).change(
            json!({ "api_key_last4": old_last4 }),
            json!({ "api_key_last4": key.last4 }),
        ),
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

async fn lock(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
    Json(req): Json<LockRequest>,
) -> ApiResult<Json<OperatorProfile>> {
    let Path(id) = id.map_err(ApiError::from)?;
    set_locked(&state, &user, &meta, id, &req.reason, true)
        .await
        .map(Json)
}

async fn unlock(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
    Json(req): Json<LockRequest>,
) -> ApiResult<Json<OperatorProfile>> {
    let Path(id) = id.map_err(ApiError::from)?;
    set_locked(&state, &user, &meta, id, &req.reason, false)
        .await
        .map(Json)
}

/// An administrator locks (launches refused with OPERATOR_LOCKED) or unlocks an operator, with
/// a reason that goes to the audit row and, for a lock, to the operator's message centre.
async fn set_locked(
    state: &AppState,
    user: &AuthUser,
    meta: &ClientMeta,
    id: Uuid,
    reason: &str,
    lock: bool,
) -> ApiResult<OperatorProfile> {
    user.require(Permission::ManageOperators)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::with(
            ErrorCode::ValidationFailed,
            json!({ "field": "reason", "reason": "required, at most 500 characters" }),
        ));
    }
    let mut tx = state.pool.begin().await?;
    let before: Option<(bool, Option<String>, String)> = sqlx::query_as(
        "SELECT is_locked, locked_reason, status FROM operators WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((locked, locked_reason, status)) = before else {
        return Err(ApiError::new(ErrorCode::NotFound));
    };
    if status != "active" {
        return Err(ErrorCode::AccountClosed.into());
    }
    if locked == lock {
        let why = if lock {
            "the operator is already locked"
        } else {
            "the operator is not locked"
        };
        return Err(ApiError::with(
            ErrorCode::Conflict,
            json!({ "reason": why }),
        ));
    }
    if lock {
        sqlx::query(
            "UPDATE operators SET is_locked = true, locked_at = now(), locked_by = $2,
                                  locked_reason = $3, updated_at = now()
              WHERE id = $1",
        )
        .bind(id)
        .bind(user.user_id)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO messages (operator_id, kind, title, body) VALUES ($1, 'system', $2, $3)",
        )
        .bind(id)
        .bind("账号已被管理员锁定")
        .bind(format!(
            "您的账号已被管理员锁定，锁定期间头显无法启动游戏。原因：{reason}。如有疑问请联系平台客服。"
        ))
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query(
            "UPDATE operators SET is_locked = false, locked_at = NULL, locked_by = NULL,
                                  locked_reason = NULL, updated_at = now()
              WHERE id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    let action = if lock {
        "operator.lock"
    } else {
        "operator.unlock"
    };
    audit::append(
        &mut tx,
        AuditEntry::by(user, action, "operator", id)
            .details(json!({ "reason": reason }))
            .change(
                json!({ "is_locked": locked, "locked_reason": locked_reason }),
                json!({ "is_locked": lock, "locked_reason": lock.then_some(reason) }),
            ),
        meta,
    )
    .await?;
    let profile = super::service::operator_profile(&mut tx, mr_domain::OperatorId(id))
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    tx.commit().await?;
    Ok(profile)
}
