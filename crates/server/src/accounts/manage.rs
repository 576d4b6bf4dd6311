//! Account management by staff: operators created and edited by an administrator (R-A1) and
//! staff accounts run by a super admin (R-A9). Every change is one transaction with its audit
//! row (before and after).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use mr_domain::{validate, ErrorCode, OperatorId, Permission, Role};
use mr_protocol::auth::{
    CreateOperatorRequest, RegisterOperatorRequest, RegisterOperatorResponse, ResetPasswordRequest,
    StaffAccount, StaffStatusRequest, UpdateOperatorRequest,
};
use mr_protocol::home::OperatorProfile;
use serde_json::json;
use uuid::Uuid;

use super::service::{self, check_all, contact_name};
use crate::audit::{self, AuditEntry};
use crate::auth::extract::{AuthUser, ClientMeta};
use crate::auth::password;
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/operators", post(create_operator))
        .route("/api/v1/staff/{id}/password", post(reset_password))
        .route("/api/v1/staff/{id}/status", post(set_status))
}

type PathId = Result<Path<Uuid>, axum::extract::rejection::PathRejection>;

async fn create_operator(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    Json(req): Json<CreateOperatorRequest>,
) -> ApiResult<(StatusCode, Json<RegisterOperatorResponse>)> {
    user.require(Permission::ManageOperators)?;
    let base = RegisterOperatorRequest {
        username: req.username,
        password: req.password,
        display_name: req.display_name,
        contact_name: req.contact_name,
        phone: req.phone,
        email: req.email,
    };
    let r = service::create_operator(&state, &base, req.tier, Some(&user), &meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(RegisterOperatorResponse {
            operator: r.profile,
            api_key: r.api_key,
        }),
    ))
}

pub(super) async fn update_operator(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: PathId,
    Json(req): Json<UpdateOperatorRequest>,
) -> ApiResult<Json<OperatorProfile>> {
    let Path(id) = id.map_err(ApiError::from)?;
    user.require(Permission::ManageOperators)?;
    let contact = contact_name(req.contact_name.as_deref());
    check_all(&service::operator_details(
        &req.display_name,
        contact,
        &req.phone,
        &req.email,
    ))?;
    let mut tx = state.pool.begin().await?;
    let before = service::operator_profile_locked(&mut tx, OperatorId(id))
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    if before.status != "active" {
        return Err(ErrorCode::AccountClosed.into());
    }
    sqlx::query(
        "UPDATE operators SET display_name = $2, contact_name = $3, phone = $4, email = $5,
                              tier = $6, updated_at = now()
          WHERE id = $1",
    )
    .bind(id)
    .bind(req.display_name.trim())
    .bind(contact)
    .bind(req.phone.trim())
    .bind(req.email.trim())
    .bind(req.tier.as_str())
    .execute(&mut *tx)
    .await?;
    let after = service::operator_profile(&mut tx, OperatorId(id))
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    let shown = |p: &OperatorProfile| {
        json!({
            "display_name": p.display_name, "contact_name": p.contact_name,
            "phone": p.phone, "email": p.email, "tier": p.tier,
        })
    };
    let action = if before.tier == after.tier {
        "operator.update"
    } else {
        "operator.tier_change"
    };
    audit::append(
        &mut tx,
        AuditEntry::by(&user, action, "operator", id).change(shown(&before), shown(&after)),
        &meta,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(after))
}

type StaffRow = (
    Uuid,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

fn staff_account(r: StaffRow) -> ApiResult<StaffAccount> {
    Ok(StaffAccount {
        id: r.0,
        username: r.1,
        display_name: r.2,
        role: Role::parse(&r.3).ok_or_else(|| ApiError::internal("staff role", &r.3))?,
        status: r.4,
        created_at: r.5,
        last_login_at: r.6,
    })
}

const STAFF_COLUMNS: &str =
    "id, username, display_name, role, status, created_at, last_login_at FROM staff_users";

pub(super) async fn list_staff(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<Vec<StaffAccount>>> {
    user.require(Permission::ManageStaff)?;
    let rows: Vec<StaffRow> = sqlx::query_as(&format!(
        "SELECT {STAFF_COLUMNS} ORDER BY created_at, username"
    ))
    .fetch_all(&state.pool)
    .await?;
    rows.into_iter()
        .map(staff_account)
        .collect::<ApiResult<_>>()
        .map(Json)
}

/// The staff row locked for a change, or 404.
async fn staff_for_update(tx: &mut sqlx::PgConnection, id: Uuid) -> ApiResult<StaffAccount> {
    let row: Option<StaffRow> =
        sqlx::query_as(&format!("SELECT {STAFF_COLUMNS} WHERE id = $1 FOR UPDATE"))
            .bind(id)
            .fetch_optional(tx)
            .await?;
    staff_account(row.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?)
}

/// Ends every live session of a staff member (they must sign in again, or cannot).
async fn end_sessions(tx: &mut sqlx::PgConnection, id: Uuid, why: &str) -> ApiResult<u64> {
    Ok(sqlx::query(
        "UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2
          WHERE subject_kind = 'staff' AND subject_id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(why)
    .execute(tx)
    .await?
    .rows_affected())
}

async fn reset_password(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: PathId,
    Json(req): Json<ResetPasswordRequest>,
) -> ApiResult<Json<StaffAccount>> {
    let Path(id) = id.map_err(ApiError::from)?;
    user.require(Permission::ManageStaff)?;
    check_all(&[validate::password(&req.password).map(|_| ())])?;
    let hash = password::hash_blocking(req.password.clone())
        .await
        .map_err(|e| ApiError::internal("hash", e))?;
    let mut tx = state.pool.begin().await?;
    let account = staff_for_update(&mut tx, id).await?;
    sqlx::query("UPDATE staff_users SET password_hash = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    let ended = end_sessions(&mut tx, id, "password_reset").await?;
    audit::append(
        &mut tx,
        AuditEntry::by(&user, "staff.password_reset", "staff", id)
            .details(json!({ "username": account.username, "sessions_ended": ended })),
        &meta,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(account))
}

async fn set_status(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    id: PathId,
    Json(req): Json<StaffStatusRequest>,
) -> ApiResult<Json<StaffAccount>> {
    let Path(id) = id.map_err(ApiError::from)?;
    user.require(Permission::ManageStaff)?;
    if req.disabled && id == user.user_id {
        return Err(ErrorCode::SelfActionForbidden.into());
    }
    // Nobody disables themselves, so an active super admin always remains — unless two
    // disable each other at once: changes are serialized and the caller must still be active.
    let mut tx = state.pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('mr.staff_status'))")
        .execute(&mut *tx)
        .await?;
    let caller: Option<String> = sqlx::query_scalar("SELECT status FROM staff_users WHERE id = $1")
        .bind(user.user_id)
        .fetch_optional(&mut *tx)
        .await?;
    if caller.as_deref() != Some("active") {
        return Err(ErrorCode::SessionRevoked.into());
    }
    let before = staff_for_update(&mut tx, id).await?;
    let status = if req.disabled { "disabled" } else { "active" };
    if before.status == status {
        return Ok(Json(before));
    }
    sqlx::query("UPDATE staff_users SET status = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(status)
        .execute(&mut *tx)
        .await?;
    let ended = if req.disabled {
        end_sessions(&mut tx, id, "account_disabled").await?
    } else {
        0
    };
    let action = if req.disabled {
        "staff.disable"
    } else {
        "staff.enable"
    };
    audit::append(
        &mut tx,
        AuditEntry::by(&user, action, "staff", id)
            .details(json!({ "username": before.username, "sessions_ended": ended }))
            .change(
                json!({ "status": before.status }),
                json!({ "status": status }),
            ),
        &meta,
    )
    .await?;
    let after = staff_for_update(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(after))
}
