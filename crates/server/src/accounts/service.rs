use chrono::{DateTime, Utc};
use mr_domain::{validate, DomainError, ErrorCode, Money, OperatorId, Role, Tier};
use mr_protocol::auth::{CreateStaffRequest, RegisterOperatorRequest, StaffAccount};
use mr_protocol::home::OperatorProfile;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::audit::{self, AuditEntry};
use crate::auth::extract::{AuthUser, ClientMeta};
use crate::auth::password;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Collects every failing field so a form can show all its errors at once.
pub(super) fn check_all(checks: &[Result<(), DomainError>]) -> ApiResult<()> {
    let mut fields = Map::new();
    let mut code = ErrorCode::ValidationFailed;
    for e in checks.iter().filter_map(|r| r.as_ref().err()) {
        if e.code == ErrorCode::WeakPassword && fields.is_empty() {
            code = ErrorCode::WeakPassword;
        }
        fields.insert(e.field.to_string(), Value::String(e.reason.to_string()));
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(ApiError::with(code, json!({ "fields": fields })))
    }
}

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("23505"))
}

#[derive(sqlx::FromRow)]
struct OperatorRow {
    id: Uuid,
    username: String,
    display_name: String,
    contact_name: Option<String>,
    phone: String,
    email: String,
    tier: String,
    status: String,
    balance: Decimal,
    is_locked: bool,
    api_key_last4: String,
    created_at: DateTime<Utc>,
}

impl OperatorRow {
    fn into_profile(self) -> ApiResult<OperatorProfile> {
        Ok(OperatorProfile {
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            contact_name: self.contact_name,
            phone: self.phone,
            email: self.email,
            tier: Tier::parse(&self.tier).ok_or_else(|| ApiError::internal("tier", &self.tier))?,
            status: self.status,
            balance: Money::from_decimal(self.balance)
                .map_err(|e| ApiError::internal("balance", e))?,
            is_locked: self.is_locked,
            api_key_masked: crypto::mask_api_key(&self.api_key_last4),
            created_at: self.created_at,
        })
    }
}

pub async fn operator_profile(
    conn: &mut PgConnection,
    id: OperatorId,
) -> ApiResult<Option<OperatorProfile>> {
    let row: Option<OperatorRow> = sqlx::query_as(
        "SELECT id, username, display_name, contact_name, phone, email, tier, status, balance,
                is_locked, api_key_last4, created_at
         FROM operators WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(conn)
    .await?;
    row.map(OperatorRow::into_profile).transpose()
}

/// An operator reads only itself; staff who may view operators read any. Anything else is a
/// 404, so the caller cannot even learn that the id exists.
pub async fn get_operator(
    state: &AppState,
    user: &AuthUser,
    id: Uuid,
) -> ApiResult<OperatorProfile> {
    let allowed = match user.role {
        Role::Operator => user.user_id == id,
        r => r.can(mr_domain::Permission::ViewOperators),
    };
    if !allowed {
        return Err(ErrorCode::NotFound.into());
    }
    let mut conn = state.pool.acquire().await?;
    operator_profile(&mut conn, OperatorId(id))
        .await?
        .ok_or_else(|| ErrorCode::NotFound.into())
}

pub struct Registered {
    pub profile: OperatorProfile,
    pub api_key: String,
}

/// The optional contact name as stored: trimmed, absent when blank.
pub(super) fn contact_name(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

/// The checks of an operator's details (creation and edits).
pub(super) fn operator_details(
    display_name: &str,
    contact: Option<&str>,
    phone: &str,
    email: &str,
) -> [Result<(), DomainError>; 4] {
    [
        validate::display_name(display_name).map(|_| ()),
        validate::phone(phone).map(|_| ()),
        validate::email(email).map(|_| ()),
        match contact {
            Some(c) if c.chars().count() > 32 => Err(DomainError::invalid(
                "contact_name",
                "at most 32 characters",
            )),
            _ => Ok(()),
        },
    ]
}

/// The operator row locked for a change.
pub async fn operator_profile_locked(
    conn: &mut PgConnection,
    id: OperatorId,
) -> ApiResult<Option<OperatorProfile>> {
    sqlx::query("SELECT 1 FROM operators WHERE id = $1 FOR UPDATE")
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    operator_profile(conn, id).await
}

/// A new operator account with its API key: self-registered (`by` None, trial tier) or
/// created by an administrator (any tier; the audit row names them).
pub async fn create_operator(
    state: &AppState,
    req: &RegisterOperatorRequest,
    tier: Tier,
    by: Option<&AuthUser>,
    meta: &ClientMeta,
) -> ApiResult<Registered> {
    let contact = contact_name(req.contact_name.as_deref());
    let [name, phone, email, contact_check] =
        operator_details(&req.display_name, contact, &req.phone, &req.email);
    check_all(&[
        validate::username(&req.username).map(|_| ()),
        validate::password(&req.password).map(|_| ()),
        name,
        phone,
        email,
        contact_check,
    ])?;
    let hash = password::hash_blocking(req.password.clone())
        .await
        .map_err(|e| ApiError::internal("hash", e))?;
    let key = crypto::issue_api_key(&state.config.master_key);
    let id = OperatorId::new();
    let mut tx = state.pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO operators (id, username, password_hash, display_name, contact_name, phone, email,
                                api_key_ciphertext, api_key_nonce, api_key_hash, api_key_last4, tier)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id.0)
    .bind(req.username.trim())
    .bind(&hash)
    .bind(req.display_name.trim())
    .bind(contact)
    .bind(req.phone.trim())
    .bind(req.email.trim())
    .bind(&key.ciphertext)
    .bind(&key.nonce)
    .bind(&key.lookup_hash)
    .bind(&key.last4)
    .bind(tier.as_str())
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(e) if unique_violation(&e) => {
            return Err(ApiError::with(
                ErrorCode::UsernameTaken,
                json!({ "fields": { "username": "taken" } }),
            ))
        }
        other => other?,
    };
    let profile = operator_profile(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::internal("register", "row vanished"))?;
    let (actor_kind, actor_id, actor_name, action) = match by {
        Some(staff) => ("staff", staff.user_id, None, "operator.create"),
        None => (
            "operator",
            id.0,
            Some(req.username.trim()),
            "operator.register",
        ),
    };
    audit::append(
        &mut tx,
        AuditEntry {
            actor_kind,
            actor_id: Some(actor_id),
            actor_name,
            action,
            target_type: Some("operator"),
            target_id: Some(id.to_string()),
            details: json!({ "display_name": req.display_name.trim() }),
            before: None,
            after: Some(json!({
                "username": profile.username, "display_name": profile.display_name,
                "tier": profile.tier, "phone": profile.phone, "email": profile.email,
            })),
        },
        meta,
    )
    .await?;
    tx.commit().await?;
    Ok(Registered {
        profile,
        api_key: key.plaintext,
    })
}

pub async fn create_staff(
    state: &AppState,
    user: &AuthUser,
    req: &CreateStaffRequest,
    meta: &ClientMeta,
) -> ApiResult<StaffAccount> {
    user.require(mr_domain::Permission::ManageStaff)?;
    check_all(&[
        validate::username(&req.username).map(|_| ()),
        validate::password(&req.password).map(|_| ()),
        validate::display_name(&req.display_name).map(|_| ()),
        if req.role.is_staff() {
            Ok(())
        } else {
            Err(DomainError::invalid("role", "a staff role"))
        },
    ])?;
    let hash = password::hash_blocking(req.password.clone())
        .await
        .map_err(|e| ApiError::internal("hash", e))?;
    let mut tx = state.pool.begin().await?;
    let row: Result<(Uuid, DateTime<Utc>), sqlx::Error> = sqlx::query_as(
        "INSERT INTO staff_users (id, username, password_hash, display_name, role, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, created_at",
    )
    .bind(Uuid::now_v7())
    .bind(req.username.trim())
    .bind(&hash)
    .bind(req.display_name.trim())
    .bind(req.role.as_str())
    .bind(user.user_id)
    .fetch_one(&mut *tx)
    .await;
    let (id, created_at) = match row {
        Err(e) if unique_violation(&e) => {
            return Err(ApiError::with(
                ErrorCode::UsernameTaken,
                json!({ "fields": { "username": "taken" } }),
            ))
        }
        other => other?,
    };
    let account = StaffAccount {
        id,
        username: req.username.trim().to_string(),
        display_name: req.display_name.trim().to_string(),
        role: req.role,
        status: "active".into(),
        created_at,
        last_login_at: None,
    };
    audit::append(
        &mut tx,
        AuditEntry {
            actor_kind: "staff",
            actor_id: Some(user.user_id),
            actor_name: None,
            action: "staff.create",
            target_type: Some("staff"),
            target_id: Some(id.to_string()),
            details: json!({}),
            before: None,
            after: Some(json!({ "username": account.username, "role": req.role.as_str() })),
        },
        meta,
    )
    .await?;
    tx.commit().await?;
    Ok(account)
}
