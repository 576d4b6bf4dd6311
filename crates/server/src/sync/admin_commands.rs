//! Administrators' decisions as sync commands (R-A4, R-A5): granted, revoked, approved and
//! rejected offline-first on the desktop, re-checked here when they arrive. A decision that
//! the world has overtaken (the request was handled by someone else, the pair is already
//! granted, the operator closed) is rejected with a code and the facts the conflicts panel
//! shows, never applied twice.

use chrono::{DateTime, Utc};
use mr_domain::ErrorCode;
use mr_protocol::sync::GrantFields;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::commands::Rejection;

pub type Step = Result<Result<(), Rejection>, sqlx::Error>;

fn reject(code: ErrorCode, details: serde_json::Value) -> Step {
    Ok(Err(Rejection { code, details }))
}

fn reason_ok(reason: &str) -> bool {
    let n = reason.trim().chars().count();
    (1..=500).contains(&n)
}

fn expiry_ok(expires_at: Option<DateTime<Utc>>) -> bool {
    expires_at.is_none_or(|t| t > Utc::now())
}

/// The operator must exist and be open; the application must exist and be active.
async fn check_pair(
    conn: &mut PgConnection,
    operator: Uuid,
    app: Uuid,
) -> Result<Option<Rejection>, sqlx::Error> {
    let op: Option<String> = sqlx::query_scalar("SELECT status FROM operators WHERE id = $1")
        .bind(operator)
        .fetch_optional(&mut *conn)
        .await?;
    match op.as_deref() {
        None => return Ok(Some(ErrorCode::NotFound.into())),
        Some("closed") => return Ok(Some(ErrorCode::AccountClosed.into())),
        _ => {}
    }
    let active: Option<bool> =
        sqlx::query_scalar("SELECT is_active FROM applications WHERE id = $1")
            .bind(app)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(match active {
        None => Some(ErrorCode::NotFound.into()),
        Some(false) => Some(Rejection {
            code: ErrorCode::ValidationFailed,
            details: json!({ "field": "application_id", "reason": "application is deactivated" }),
        }),
        Some(true) => None,
    })
}

fn exists_details(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.constraint() == Some("authorizations_one_active_key"))
}

/// Expired grants no longer count as active: they are closed on the way, so a new grant of the
/// same pair can replace them.
async fn close_expired(
    conn: &mut PgConnection,
    operator: Uuid,
    app: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE authorizations SET status = 'revoked', revoked_at = now(),
                revoke_reason = '已过期 (expired)', updated_at = now()
          WHERE operator_id = $1 AND application_id = $2 AND status = 'active'
            AND expires_at IS NOT NULL AND expires_at <= now()",
    )
    .bind(operator)
    .bind(app)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn grant(conn: &mut PgConnection, admin: Uuid, f: &GrantFields) -> Step {
    if !expiry_ok(f.expires_at) {
        return reject(
            ErrorCode::ValidationFailed,
            json!({ "field": "expires_at", "reason": "must be in the future" }),
        );
    }
    if let Some(r) = check_pair(conn, f.operator_id, f.application_id).await? {
        return Ok(Err(r));
    }
    close_expired(conn, f.operator_id, f.application_id).await?;
    // Checked first: a failed INSERT would abort the command's transaction, and the conflicts
    // panel wants to say who granted the pair.
    let by: Option<(Option<String>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT s.display_name, z.granted_at FROM authorizations z
           LEFT JOIN staff_users s ON s.id = z.granted_by
          WHERE z.operator_id = $1 AND z.application_id = $2 AND z.status = 'active'",
    )
    .bind(f.operator_id)
    .bind(f.application_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((name, at)) = by {
        return reject(
            ErrorCode::AuthorizationExists,
            json!({ "granted_by_name": name, "granted_at": at }),
        );
    }
    let r = sqlx::query(
        "INSERT INTO authorizations (id, operator_id, application_id, expires_at, granted_by)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(f.authorization_id)
    .bind(f.operator_id)
    .bind(f.application_id)
    .bind(f.expires_at)
    .bind(admin)
    .execute(&mut *conn)
    .await;
    match r {
        Ok(_) => Ok(Ok(())),
        // A grant of the same pair committed meanwhile by another administrator.
        Err(e) if exists_details(&e) => reject(ErrorCode::AuthorizationExists, json!({})),
        Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("23505") => reject(
            ErrorCode::Conflict,
            json!({ "reason": "authorization id already used" }),
        ),
        Err(e) => Err(e),
    }
}

pub async fn revoke(conn: &mut PgConnection, admin: Uuid, id: Uuid, reason: &str) -> Step {
    if !reason_ok(reason) {
        return reject(
            ErrorCode::ValidationFailed,
            json!({ "field": "reason", "reason": "required, at most 500 characters" }),
        );
    }
    let n = sqlx::query(
        "UPDATE authorizations SET status = 'revoked', revoked_at = now(), revoked_by = $2,
                revoke_reason = $3, updated_at = now()
          WHERE id = $1 AND status = 'active'",
    )
    .bind(id)
    .bind(admin)
    .bind(reason.trim())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 1 {
        return Ok(Ok(()));
    }
    let gone: Option<(Option<String>, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT s.display_name, z.revoked_at FROM authorizations z
           LEFT JOIN staff_users s ON s.id = z.revoked_by WHERE z.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    match gone {
        None => reject(ErrorCode::NotFound, json!({})),
        Some((by, at)) => reject(
            ErrorCode::AuthorizationNotActive,
            json!({ "revoked_by_name": by, "revoked_at": at }),
        ),
    }
}

/// status, decided by (name), decided at, last update
type DecidedRow = (String, Option<String>, Option<DateTime<Utc>>, DateTime<Utc>);

/// A request that is no longer pending: who handled it and when, for the conflicts panel
/// ("该申请已被管理员 X 于 T 处理").
async fn already_decided(conn: &mut PgConnection, request: Uuid) -> Step {
    let row: Option<DecidedRow> = sqlx::query_as(
        "SELECT r.status, s.display_name, r.decided_at, r.updated_at
           FROM authorization_requests r LEFT JOIN staff_users s ON s.id = r.decided_by
          WHERE r.id = $1",
    )
    .bind(request)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        None => reject(ErrorCode::NotFound, json!({})),
        Some((status, by, at, updated)) => reject(
            ErrorCode::RequestAlreadyDecided,
            json!({ "status": status, "decided_by_name": by, "decided_at": at.unwrap_or(updated) }),
        ),
    }
}

/// The pending request, locked: (operator, application).
async fn lock_pending(
    conn: &mut PgConnection,
    request: Uuid,
) -> Result<Option<(Uuid, Uuid)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT operator_id, application_id FROM authorization_requests
          WHERE id = $1 AND status = 'pending' FOR UPDATE",
    )
    .bind(request)
    .fetch_optional(&mut *conn)
    .await
}

pub async fn approve(
    conn: &mut PgConnection,
    admin: Uuid,
    request: Uuid,
    authorization_id: Uuid,
    expires_at: Option<DateTime<Utc>>,
) -> Step {
    let Some((operator, app)) = lock_pending(conn, request).await? else {
        return already_decided(conn, request).await;
    };
    if !expiry_ok(expires_at) {
        return reject(
            ErrorCode::ValidationFailed,
            json!({ "field": "expires_at", "reason": "must be in the future" }),
        );
    }
    if let Some(r) = check_pair(conn, operator, app).await? {
        return Ok(Err(r));
    }
    // The operator's message first: the command's feed position (`server_cursor`) is its last
    // change, which must be one the deciding admin's own feed holds (the request, the grant).
    tell_operator(conn, operator, app, true, None).await?;
    sqlx::query(
        "UPDATE authorization_requests SET status = 'approved', decided_by = $2, decided_at = now(),
                updated_at = now()
          WHERE id = $1",
    )
    .bind(request)
    .bind(admin)
    .execute(&mut *conn)
    .await?;
    close_expired(conn, operator, app).await?;
    let r = sqlx::query(
        "INSERT INTO authorizations (id, operator_id, application_id, expires_at, granted_by, request_id)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(authorization_id)
    .bind(operator)
    .bind(app)
    .bind(expires_at)
    .bind(admin)
    .bind(request)
    .execute(&mut *conn)
    .await;
    match r {
        Ok(_) => {}
        Err(e) if exists_details(&e) => {
            return reject(ErrorCode::AuthorizationExists, json!({}));
        }
        Err(e) => return Err(e),
    }
    Ok(Ok(()))
}

pub async fn reject_request(
    conn: &mut PgConnection,
    admin: Uuid,
    request: Uuid,
    reason: &str,
) -> Step {
    if !reason_ok(reason) {
        return reject(
            ErrorCode::ValidationFailed,
            json!({ "field": "reason", "reason": "required, at most 500 characters" }),
        );
    }
    let Some((operator, app)) = lock_pending(conn, request).await? else {
        return already_decided(conn, request).await;
    };
    tell_operator(conn, operator, app, false, Some(reason.trim())).await?;
    sqlx::query(
        "UPDATE authorization_requests SET status = 'rejected', decided_by = $2, decided_at = now(),
                decision_note = $3, updated_at = now()
          WHERE id = $1",
    )
    .bind(request)
    .bind(admin)
    .bind(reason.trim())
    .execute(&mut *conn)
    .await?;
    Ok(Ok(()))
}

/// The operator's message centre hears the result (R-O12).
async fn tell_operator(
    conn: &mut PgConnection,
    operator: Uuid,
    app: Uuid,
    approved: bool,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    let name: String = sqlx::query_scalar("SELECT name FROM applications WHERE id = $1")
        .bind(app)
        .fetch_one(&mut *conn)
        .await?;
    let (title, body) = if approved {
        (
            format!("授权申请已通过：{name}"),
            format!("您对应用「{name}」的授权申请已通过，现在可以在头显上启动该应用。"),
        )
    } else {
        (
            format!("授权申请未通过：{name}"),
            format!(
                "您对应用「{name}」的授权申请未通过。原因：{}",
                reason.unwrap_or("")
            ),
        )
    };
    sqlx::query("INSERT INTO messages (operator_id, kind, title, body) VALUES ($1, 'request_result', $2, $3)")
        .bind(operator)
        .bind(title)
        .bind(body)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
