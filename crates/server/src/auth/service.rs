//! Login, refresh-token rotation, logout and password change, each in one transaction.

use chrono::{DateTime, Utc};
use mr_domain::{validate, ErrorCode, Role, Workspace};
use mr_protocol::auth::{LoginResponse, MeResponse, UserInfo};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::extract::{AuthUser, ClientMeta};
use super::{password, tokens};
use crate::audit::{self, AuditEntry};
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// An account as found by username, in either table.
#[derive(Debug, sqlx::FromRow)]
struct Account {
    id: Uuid,
    username: String,
    display_name: String,
    password_hash: String,
    role: String,
    status: String,
}

impl Account {
    fn role(&self) -> ApiResult<Role> {
        Role::parse(&self.role).ok_or_else(|| ApiError::internal("role", &self.role))
    }

    fn user_info(&self) -> ApiResult<UserInfo> {
        Ok(UserInfo {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role()?,
        })
    }
}

/// Which table an account lives in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Operator,
    Staff,
}

impl Kind {
    fn of(role: Role) -> Kind {
        if role == Role::Operator {
            Kind::Operator
        } else {
            Kind::Staff
        }
    }

    fn select(self) -> &'static str {
        match self {
            Kind::Operator => {
                "SELECT id, username, display_name, password_hash, 'operator' AS role, status FROM operators"
            }
            Kind::Staff => {
                "SELECT id, username, display_name, password_hash, role, status FROM staff_users"
            }
        }
    }
}

async fn find_by_username(
    conn: &mut PgConnection,
    kind: Kind,
    username: &str,
) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(&format!(
        "{} WHERE lower(username) = lower($1)",
        kind.select()
    ))
    .bind(username)
    .fetch_optional(conn)
    .await
}

async fn find_by_id(
    conn: &mut PgConnection,
    kind: Kind,
    id: Uuid,
) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(&format!("{} WHERE id = $1", kind.select()))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn login(
    state: &AppState,
    username: &str,
    pw: &str,
    workspace: Workspace,
    meta: &ClientMeta,
) -> ApiResult<LoginResponse> {
    if username.trim().is_empty() || pw.is_empty() || username.len() > 64 || pw.len() > 128 {
        return Err(ErrorCode::InvalidCredentials.into());
    }
    let mut conn = state.pool.acquire().await?;
    // Look in the table of the requested workspace first; an account of the other kind is
    // only reported as WRONG_WORKSPACE once its password has been proven, so the answer never
    // tells a stranger which usernames exist.
    let (first, other) = if workspace == Workspace::Operator {
        (Kind::Operator, Kind::Staff)
    } else {
        (Kind::Staff, Kind::Operator)
    };
    let account = match find_by_username(&mut conn, first, username).await? {
        Some(a) => Some(a),
        None => find_by_username(&mut conn, other, username).await?,
    };
    drop(conn);

    let ok = password::verify_blocking(
        pw.to_string(),
        account.as_ref().map(|a| a.password_hash.clone()),
    )
    .await;
    let Some(account) = account.filter(|_| ok) else {
        metrics::counter!("mr_logins_total", "result" => "invalid_credentials").increment(1);
        return Err(ErrorCode::InvalidCredentials.into());
    };
    let role = account.role()?;
    if role.workspace() != workspace {
        metrics::counter!("mr_logins_total", "result" => "wrong_workspace").increment(1);
        return Err(ApiError::with(
            ErrorCode::WrongWorkspace,
            json!({ "workspace": workspace.as_str(), "allowed_workspace": role.workspace().as_str() }),
        ));
    }
    match account.status.as_str() {
        "active" => {}
        "closed" => return Err(ErrorCode::AccountClosed.into()),
        _ => return Err(ErrorCode::AccountDisabled.into()),
    }

    let mut tx = state.pool.begin().await?;
    let kind = if role == Role::Operator {
        "operator"
    } else {
        "staff"
    };
    let session_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO auth_sessions (id, subject_kind, subject_id, workspace, expires_at, user_agent, ip)
         VALUES ($1, $2, $3, $4, now() + $5::bigint * interval '1 second', $6, $7)",
    )
    .bind(session_id)
    .bind(kind)
    .bind(account.id)
    .bind(workspace.as_str())
    .bind(i64::try_from(state.config.refresh_token_ttl.as_secs()).unwrap_or(i64::MAX))
    .bind(meta.user_agent.as_deref())
    .bind(meta.ip.as_deref())
    .execute(&mut *tx)
    .await?;
    let table = if kind == "operator" {
        "operators"
    } else {
        "staff_users"
    };
    sqlx::query(&format!(
        "UPDATE {table} SET last_login_at = now() WHERE id = $1"
    ))
    .bind(account.id)
    .execute(&mut *tx)
    .await?;
    let response = issue_pair(state, &mut tx, session_id, account.user_info()?, workspace).await?;
    audit::append(
        &mut tx,
        AuditEntry {
            actor_kind: kind,
            actor_id: Some(account.id),
            actor_name: Some(&account.username),
            action: "auth.login",
            target_type: Some("session"),
            target_id: Some(session_id.to_string()),
            details: json!({ "workspace": workspace.as_str() }),
            before: None,
            after: None,
        },
        meta,
    )
    .await?;
    tx.commit().await?;
    metrics::counter!("mr_logins_total", "result" => "ok").increment(1);
    Ok(response)
}

/// Issues an access token and a new refresh token for a live session.
async fn issue_pair(
    state: &AppState,
    conn: &mut PgConnection,
    session_id: Uuid,
    user: UserInfo,
    workspace: Workspace,
) -> ApiResult<LoginResponse> {
    let refresh = crypto::random_token();
    sqlx::query(
        "INSERT INTO refresh_tokens (id, session_id, token_hash, expires_at)
         SELECT $1, $2, $3, expires_at FROM auth_sessions WHERE id = $2",
    )
    .bind(Uuid::now_v7())
    .bind(session_id)
    .bind(crypto::sha256(refresh.as_bytes()))
    .execute(conn)
    .await?;
    let ttl = state.config.access_token_ttl.as_secs();
    let claims = tokens::claims(
        user.id,
        user.role,
        workspace,
        session_id,
        Utc::now().timestamp(),
        i64::try_from(ttl).unwrap_or(900),
    );
    let access = tokens::issue(&state.config.token_secret, &claims)
        .map_err(|e| ApiError::internal("issue token", e))?;
    Ok(LoginResponse {
        access_token: access,
        refresh_token: refresh,
        expires_in: u32::try_from(ttl).unwrap_or(u32::MAX),
        user,
    })
}

#[derive(sqlx::FromRow)]
struct RefreshRow {
    token_id: Uuid,
    session_id: Uuid,
    used_at: Option<DateTime<Utc>>,
    token_expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    session_expires_at: DateTime<Utc>,
    subject_kind: String,
    subject_id: Uuid,
    workspace: String,
}

pub async fn refresh(state: &AppState, refresh_token: &str) -> ApiResult<LoginResponse> {
    let mut tx = state.pool.begin().await?;
    let row: Option<RefreshRow> = sqlx::query_as(
        "SELECT t.id AS token_id, t.session_id, t.used_at, t.expires_at AS token_expires_at,
                s.revoked_at, s.expires_at AS session_expires_at, s.subject_kind, s.subject_id, s.workspace
         FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
         WHERE t.token_hash = $1
         FOR UPDATE OF t, s",
    )
    .bind(crypto::sha256(refresh_token.as_bytes()))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Err(ErrorCode::RefreshTokenInvalid.into());
    };
    if row.revoked_at.is_some() {
        return Err(ErrorCode::SessionRevoked.into());
    }
    if row.used_at.is_some() {
        // A rotated token came back: someone holds a copy. End the whole session (family).
        revoke_session(&mut tx, row.session_id, "refresh_token_reuse").await?;
        tx.commit().await?;
        metrics::counter!("mr_refresh_reuse_total").increment(1);
        return Err(ErrorCode::RefreshTokenReused.into());
    }
    let now = Utc::now();
    if row.token_expires_at <= now || row.session_expires_at <= now {
        return Err(ErrorCode::RefreshTokenInvalid.into());
    }
    let kind = if row.subject_kind == "operator" {
        Kind::Operator
    } else {
        Kind::Staff
    };
    let account = find_by_id(&mut tx, kind, row.subject_id).await?;
    let Some(account) = account.filter(|a| a.status == "active") else {
        revoke_session(&mut tx, row.session_id, "account_inactive").await?;
        tx.commit().await?;
        return Err(ErrorCode::SessionRevoked.into());
    };
    sqlx::query("UPDATE refresh_tokens SET used_at = now() WHERE id = $1")
        .bind(row.token_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE auth_sessions SET last_seen_at = now() WHERE id = $1")
        .bind(row.session_id)
        .execute(&mut *tx)
        .await?;
    let workspace = Workspace::parse(&row.workspace)
        .ok_or_else(|| ApiError::internal("workspace", &row.workspace))?;
    let response = issue_pair(
        state,
        &mut tx,
        row.session_id,
        account.user_info()?,
        workspace,
    )
    .await?;
    tx.commit().await?;
    Ok(response)
}

async fn revoke_session(conn: &mut PgConnection, id: Uuid, reason: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2
         WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(reason)
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn logout(state: &AppState, user: &AuthUser, meta: &ClientMeta) -> ApiResult<()> {
    let mut tx = state.pool.begin().await?;
    revoke_session(&mut tx, user.session_id, "logout").await?;
    audit::append(
        &mut tx,
        AuditEntry {
            actor_kind: user.subject_kind(),
            actor_id: Some(user.user_id),
            actor_name: None,
            action: "auth.logout",
            target_type: Some("session"),
            target_id: Some(user.session_id.to_string()),
            details: json!({}),
            before: None,
            after: None,
        },
        meta,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn me(state: &AppState, user: &AuthUser) -> ApiResult<MeResponse> {
    let mut conn = state.pool.acquire().await?;
    let account = find_by_id(&mut conn, Kind::of(user.role), user.user_id).await?;
    let account = account.ok_or(ErrorCode::SessionRevoked)?;
    let started: DateTime<Utc> =
        sqlx::query_scalar("SELECT created_at FROM auth_sessions WHERE id = $1")
            .bind(user.session_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(MeResponse {
        user: account.user_info()?,
        workspace: user.workspace,
        session_id: user.session_id,
        session_started_at: started,
    })
}

/// Changes the caller's password and ends every other session of the account.
pub async fn change_password(
    state: &AppState,
    user: &AuthUser,
    current: &str,
    new: &str,
    meta: &ClientMeta,
) -> ApiResult<u32> {
    validate::password(new)?;
    let table = if user.role == Role::Operator {
        "operators"
    } else {
        "staff_users"
    };
    let stored: Option<String> =
        sqlx::query_scalar(&format!("SELECT password_hash FROM {table} WHERE id = $1"))
            .bind(user.user_id)
            .fetch_optional(&state.pool)
            .await?;
    if !password::verify_blocking(current.to_string(), stored).await {
        return Err(ErrorCode::WrongPassword.into());
    }
    let hash = password::hash_blocking(new.to_string())
        .await
        .map_err(|e| ApiError::internal("hash", e))?;
    let mut tx = state.pool.begin().await?;
    sqlx::query(&format!(
        "UPDATE {table} SET password_hash = $2, updated_at = now() WHERE id = $1"
    ))
    .bind(user.user_id)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    let revoked = sqlx::query(
        "UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'password_changed'
         WHERE subject_kind = $1 AND subject_id = $2 AND id <> $3 AND revoked_at IS NULL",
    )
    .bind(user.subject_kind())
    .bind(user.user_id)
    .bind(user.session_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    audit::append(
        &mut tx,
        AuditEntry {
            actor_kind: user.subject_kind(),
            actor_id: Some(user.user_id),
            actor_name: None,
            action: "auth.password_changed",
            target_type: Some(user.subject_kind()),
            target_id: Some(user.user_id.to_string()),
            details: json!({ "revoked_sessions": revoked }),
            before: None,
            after: None,
        },
        meta,
    )
    .await?;
    tx.commit().await?;
    Ok(u32::try_from(revoked).unwrap_or(u32::MAX))
}
