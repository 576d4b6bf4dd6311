//! Applying one command authoritatively. Each function runs inside the command's transaction
//! and either changes rows or returns the reason it cannot (a permanent rejection).

use mr_domain::site::{self, SiteDraft};
use mr_domain::{validate, DomainError, ErrorCode, OperatorId, Permission, Role};
use uuid::Uuid;

use super::{admin_commands, app_commands};
use mr_protocol::sync::{Command, ProfileFields, SiteFields};
use serde_json::json;
use sqlx::PgConnection;

use crate::error::ApiError;

/// Why a command was refused: a code for the client plus details for the conflicts panel.
pub struct Rejection {
    pub code: ErrorCode,
    pub details: serde_json::Value,
}

impl From<ErrorCode> for Rejection {
    fn from(code: ErrorCode) -> Self {
        Rejection {
            code,
            details: json!({}),
        }
    }
}

impl From<DomainError> for Rejection {
    fn from(e: DomainError) -> Self {
        Rejection {
            code: e.code,
            details: json!({ "field": e.field, "reason": e.reason }),
        }
    }
}

pub enum Outcome {
    Applied,
    Rejected(Rejection),
}

/// Who may send a command: operators their own self-service commands, staff what their role
/// grants (checked again on every command, whatever the client believed offline).
pub fn permitted(command: &Command, role: Role) -> bool {
    match command {
        Command::AuthorizationGrant(_) | Command::AuthorizationRevoke { .. } => {
            role.can(Permission::ManageAuthorizations)
        }
        Command::RequestApprove { .. } | Command::RequestReject { .. } => {
            role.can(Permission::DecideAuthorizationRequests)
        }
        Command::ApplicationCreate(_)
        | Command::ApplicationUpdate(_)
        | Command::ApplicationSetActive { .. } => role.can(Permission::ManageApplications),
        Command::AnnouncementPublish(_) => role.can(Permission::PublishAnnouncements),
        _ => role == Role::Operator,
    }
}

/// Database failures are not rejections: they abort the push so the client retries.
/// `caller` is the operator for self-service commands, the staff member for the others.
pub async fn apply(
    conn: &mut PgConnection,
    caller: Uuid,
    command: &Command,
) -> Result<Outcome, ApiError> {
    let operator = OperatorId(caller);
    let result = match command {
        Command::SiteCreate(f) => site_create(conn, operator, f).await,
        Command::SiteUpdate(f) => site_update(conn, operator, f).await,
        Command::SiteDelete { site_id } => {
            let n = sqlx::query(
                "UPDATE sites SET is_deleted = true, deleted_at = now(), updated_at = now()
                 WHERE id = $1 AND operator_id = $2 AND NOT is_deleted",
            )
            .bind(site_id)
            .bind(operator.0)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            Ok(if n == 1 {
                Ok(())
            } else {
                Err(ErrorCode::NotFound.into())
            })
        }
        Command::MessageMarkRead { message_id } => {
            // Marking an already-read message again is harmless and accepted.
            let found: Option<bool> = sqlx::query_scalar(
                "UPDATE messages SET is_read = true, read_at = COALESCE(read_at, now()), updated_at = now()
                 WHERE id = $1 AND operator_id = $2 RETURNING true",
            )
            .bind(message_id)
            .bind(operator.0)
            .fetch_optional(&mut *conn)
            .await?;
            Ok(if found.is_some() {
                Ok(())
            } else {
                Err(ErrorCode::NotFound.into())
            })
        }
        Command::ProfileUpdate(f) => profile_update(conn, operator, f).await,
        Command::AuthorizationGrant(f) => admin_commands::grant(conn, caller, f).await,
        Command::AuthorizationRevoke {
            authorization_id,
            reason,
        } => admin_commands::revoke(conn, caller, *authorization_id, reason).await,
        Command::RequestApprove {
            request_id,
            authorization_id,
            expires_at,
        } => {
            admin_commands::approve(conn, caller, *request_id, *authorization_id, *expires_at).await
        }
        Command::RequestReject { request_id, reason } => {
            admin_commands::reject_request(conn, caller, *request_id, reason).await
        }
        Command::ApplicationCreate(f) => app_commands::create(conn, caller, f).await,
        Command::ApplicationUpdate(f) => app_commands::update(conn, caller, f).await,
        Command::ApplicationSetActive {
            application_id,
            active,
        } => app_commands::set_active(conn, *application_id, *active).await,
        Command::AnnouncementPublish(f) => app_commands::announce(conn, caller, f).await,
    }?;
    Ok(match result {
        Ok(()) => Outcome::Applied,
        Err(r) => Outcome::Rejected(r),
    })
}

type Step = Result<Result<(), Rejection>, sqlx::Error>;

/// Site rules shared with the desktop (`mr_domain::site`).
fn clean_site(f: &SiteFields) -> Result<SiteDraft, DomainError> {
    SiteDraft::parse(
        &f.name,
        f.address.as_deref(),
        f.contact_name.as_deref(),
        f.contact_phone.as_deref(),
        f.description.as_deref(),
    )
}

fn name_taken(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.constraint() == Some("sites_operator_name_key"))
}

async fn site_create(conn: &mut PgConnection, operator: OperatorId, f: &SiteFields) -> Step {
    let s = match clean_site(f) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e.into())),
    };
    let r = sqlx::query(
        "INSERT INTO sites (id, operator_id, name, address, contact_name, contact_phone, description)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(f.site_id)
    .bind(operator.0)
    .bind(&s.name)
    .bind(&s.address)
    .bind(&s.contact_name)
    .bind(&s.contact_phone)
    .bind(&s.description)
    .execute(&mut *conn)
    .await;
    match r {
        Ok(_) => Ok(Ok(())),
        Err(e) if name_taken(&e) => Ok(Err(ErrorCode::SiteNameTaken.into())),
        // The id exists already (another operator's, or a reused id): a conflict, not a crash.
        Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("23505") => {
            Ok(Err(ErrorCode::Conflict.into()))
        }
        Err(e) => Err(e),
    }
}

async fn site_update(conn: &mut PgConnection, operator: OperatorId, f: &SiteFields) -> Step {
    let s = match clean_site(f) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e.into())),
    };
    let r = sqlx::query(
        "UPDATE sites SET name = $3, address = $4, contact_name = $5, contact_phone = $6,
                description = $7, updated_at = now()
         WHERE id = $1 AND operator_id = $2 AND NOT is_deleted",
    )
    .bind(f.site_id)
    .bind(operator.0)
    .bind(&s.name)
    .bind(&s.address)
    .bind(&s.contact_name)
    .bind(&s.contact_phone)
    .bind(&s.description)
    .execute(&mut *conn)
    .await;
    match r {
        Ok(done) if done.rows_affected() == 1 => Ok(Ok(())),
        Ok(_) => Ok(Err(ErrorCode::NotFound.into())),
        Err(e) if name_taken(&e) => Ok(Err(ErrorCode::SiteNameTaken.into())),
        Err(e) => Err(e),
    }
}

async fn profile_update(conn: &mut PgConnection, operator: OperatorId, f: &ProfileFields) -> Step {
    let checked = (|| {
        let name = validate::display_name(&f.display_name)?.to_string();
        let phone = validate::phone(&f.phone)?.to_string();
        let email = validate::email(&f.email)?.to_string();
        let contact = validate::optional_text(
            f.contact_name.as_deref(),
            site::CONTACT_NAME_MAX,
            "contact_name",
        )?;
        Ok::<_, DomainError>((name, phone, email, contact))
    })();
    let (name, phone, email, contact) = match checked {
        Ok(v) => v,
        Err(e) => return Ok(Err(e.into())),
    };
    let n = sqlx::query(
        "UPDATE operators SET display_name = $2, phone = $3, email = $4, contact_name = $5,
                updated_at = now()
         WHERE id = $1 AND status = 'active'",
    )
    .bind(operator.0)
    .bind(name)
    .bind(phone)
    .bind(email)
    .bind(contact)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(if n == 1 {
        Ok(())
    } else {
        Err(ErrorCode::AccountClosed.into())
    })
}
