//! `POST /api/v1/sync/push`: each command applied exactly once, in device order, in its own
//! transaction together with its effect, its record in `sync_commands` and its audit row.

use mr_domain::error::Lang;
use mr_domain::{ErrorCode, OperatorId, Role};
use mr_protocol::sync::{Command, CommandResult, CommandStatus, PushRequest, PushResponse};
use serde_json::json;
use sqlx::{Acquire, PgConnection};
use uuid::Uuid;

use super::commands::{self, Outcome, Rejection};
use super::pull::check_version;
use super::scope::Scope;
use crate::audit::{self, AuditEntry};
use crate::auth::extract::ClientMeta;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const MAX_BATCH: usize = 1000;

#[derive(sqlx::FromRow)]
struct Stored {
    device_id: Uuid,
    seq: i64,
    status: String,
    code: Option<String>,
    server_cursor: Option<String>,
}

fn code_of(name: &str) -> ErrorCode {
    serde_json::from_value(json!(name)).unwrap_or(ErrorCode::InternalError)
}

fn rejected(id: Uuid, seq: i64, code: ErrorCode, lang: Lang, duplicate: bool) -> CommandResult {
    rejected_with(id, seq, code, code.message(lang).to_string(), duplicate)
}

fn rejected_with(
    id: Uuid,
    seq: i64,
    code: ErrorCode,
    message: String,
    duplicate: bool,
) -> CommandResult {
    CommandResult {
        command_id: id,
        seq,
        status: CommandStatus::Rejected,
        duplicate,
        code: Some(code),
        message: Some(message),
        server_cursor: None,
    }
}

/// The conflicts panel shows this text as it is: for a decision someone else made first it
/// names who and when ("该申请已被管理员 X 于 T 处理"), in China Standard Time.
fn rejection_message(code: ErrorCode, details: &serde_json::Value, lang: Lang) -> String {
    let when = |key: &str| {
        details[key]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| {
                t.with_timezone(&mr_domain::time::business_tz())
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
    };
    let who = |key: &str| details[key].as_str().map(str::to_string);
    match (code, lang) {
        (ErrorCode::RequestAlreadyDecided, Lang::Zh) => {
            match (who("decided_by_name"), when("decided_at")) {
                (Some(by), Some(at)) => format!("该申请已被管理员 {by} 于 {at} 处理"),
                (None, Some(at)) => format!("该申请已于 {at} 被运营商撤回或处理"),
                _ => code.message(lang).to_string(),
            }
        }
        (ErrorCode::RequestAlreadyDecided, Lang::En) => {
            match (who("decided_by_name"), when("decided_at")) {
                (Some(by), Some(at)) => format!("This request was already handled by {by} at {at}"),
                (None, Some(at)) => format!("This request was withdrawn or handled at {at}"),
                _ => code.message(lang).to_string(),
            }
        }
        (ErrorCode::AuthorizationExists, Lang::Zh) => {
            match (who("granted_by_name"), when("granted_at")) {
                (Some(by), Some(at)) => {
                    format!("该运营商已拥有此应用的有效授权（{by} 于 {at} 授予）")
                }
                _ => code.message(lang).to_string(),
            }
        }
        (ErrorCode::AuthorizationExists, Lang::En) => {
            match (who("granted_by_name"), when("granted_at")) {
                (Some(by), Some(at)) => format!(
                    "This operator already holds an active authorization (granted by {by} at {at})"
                ),
                _ => code.message(lang).to_string(),
            }
        }
        _ => code.message(lang).to_string(),
    }
}

pub async fn push(
    state: &AppState,
    user: &AuthUser,
    req: &PushRequest,
    lang: Lang,
    meta: &ClientMeta,
) -> ApiResult<PushResponse> {
    check_version(Some(req.protocol_version))?;
    if req.commands.len() > MAX_BATCH {
        return Err(ApiError::with(
            ErrorCode::InvalidParams,
            json!({ "reason": format!("at most {MAX_BATCH} commands per push") }),
        ));
    }
    register_device(state, user, req.device_id).await?;
    // The scope as the token states it (the pull re-reads the account; a stale role only
    // makes a client wait for one more pull).
    let scope = if user.role == Role::Operator {
        Scope::Operator(OperatorId(user.user_id))
    } else {
        Scope::Staff(user.role)
    };

    let mut results = Vec::with_capacity(req.commands.len());
    let mut last_seq = 0;
    for env in &req.commands {
        let mut tx = state.pool.begin().await?;
        last_seq = sqlx::query_scalar(
            "UPDATE sync_devices SET last_seen_at = now() WHERE device_id = $1 RETURNING last_seq",
        )
        .bind(req.device_id)
        .fetch_one(&mut *tx)
        .await?;

        let stored: Option<Stored> = sqlx::query_as(
            "SELECT device_id, seq, status, code, server_cursor FROM sync_commands WHERE command_id = $1",
        )
        .bind(env.command_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(s) = stored {
            // A retry: answer with what was decided the first time, change nothing.
            results.push(if s.device_id != req.device_id {
                rejected(
                    env.command_id,
                    env.seq,
                    ErrorCode::InvalidParams,
                    lang,
                    false,
                )
            } else if s.status == "accepted" {
                CommandResult {
                    command_id: env.command_id,
                    seq: s.seq,
                    status: CommandStatus::Accepted,
                    duplicate: true,
                    code: None,
                    message: None,
                    server_cursor: s.server_cursor,
                }
            } else {
                let code = code_of(s.code.as_deref().unwrap_or("INTERNAL_ERROR"));
                rejected(env.command_id, s.seq, code, lang, true)
            });
            continue;
        }
        if env.seq <= last_seq {
            // The number was used by another command: a client bug, refused without a record.
            results.push(rejected(
                env.command_id,
                env.seq,
                ErrorCode::InvalidParams,
                lang,
                false,
            ));
            continue;
        }
        if env.seq != last_seq + 1 {
            // A gap: something earlier has not arrived. Stop; the client resends in order.
            break;
        }

        // The row the command acts on (the command itself when it cannot be decoded), so the
        // audit log answers "who did what to which authorization / request / application",
        // with that row as it was before and after.
        let target = env
            .command()
            .map(|c| command_target(&c, user.user_id))
            .unwrap_or(("command", env.command_id.to_string()));
        let before = row_snapshot(&mut tx, target.0, &target.1).await?;
        let outcome = match (env.command(), user.role) {
            (Err(e), _) => Outcome::Rejected(Rejection {
                code: ErrorCode::ValidationFailed,
                details: json!({ "reason": e.to_string() }),
            }),
            (Ok(command), r) if !commands::permitted(&command, r) => {
                Outcome::Rejected(ErrorCode::Forbidden.into())
            }
            (Ok(command), _) => {
                // A savepoint: a rejected command leaves no trace of its effect.
                let mut sp = (&mut *tx).begin().await?;
                let outcome = commands::apply(&mut sp, user.user_id, &command).await?;
                match outcome {
                    Outcome::Applied => sp.commit().await?,
                    Outcome::Rejected(_) => sp.rollback().await?,
                }
                outcome
            }
        };
        let (status, code, details) = match &outcome {
            Outcome::Applied => ("accepted", None, json!({})),
            Outcome::Rejected(r) => ("rejected", Some(r.code), r.details.clone()),
        };
        let server_cursor = match outcome {
            Outcome::Applied => written_position(&mut tx, &scope).await?,
            Outcome::Rejected(_) => None,
        };
        sqlx::query(
            "INSERT INTO sync_commands (command_id, device_id, seq, name, args, status, code,
                                        server_cursor, client_created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(env.command_id)
        .bind(req.device_id)
        .bind(env.seq)
        .bind(&env.name)
        .bind(&env.args)
        .bind(status)
        .bind(code.map(|c| c.as_str()))
        .bind(&server_cursor)
        .bind(env.client_created_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE sync_devices SET last_seq = $2 WHERE device_id = $1")
            .bind(req.device_id)
            .bind(env.seq)
            .execute(&mut *tx)
            .await?;
        let after = match status {
            "accepted" => row_snapshot(&mut tx, target.0, &target.1).await?,
            _ => None,
        };
        audit::append(
            &mut tx,
            AuditEntry {
                actor_kind: user.subject_kind(),
                actor_id: Some(user.user_id),
                actor_name: None,
                action: "sync.command",
                target_type: Some(target.0),
                target_id: Some(target.1),
                details: json!({
                    "name": env.name, "seq": env.seq, "device_id": req.device_id,
                    "status": status, "code": code.map(|c| c.as_str()), "reason": details,
                    "args": env.args,
                }),
                before,
                after,
            },
            meta,
        )
        .await?;
        tx.commit().await?;
        last_seq = env.seq;
        metrics::counter!("mr_sync_commands_total", "status" => status).increment(1);
        results.push(match code {
            None => CommandResult {
                command_id: env.command_id,
                seq: env.seq,
                status: CommandStatus::Accepted,
                duplicate: false,
                code: None,
                message: None,
                server_cursor,
            },
            Some(code) => rejected_with(
                env.command_id,
                env.seq,
                code,
                rejection_message(code, &details, lang),
                false,
            ),
        });
    }
    if req.commands.is_empty() {
        last_seq = sqlx::query_scalar("SELECT last_seq FROM sync_devices WHERE device_id = $1")
            .bind(req.device_id)
            .fetch_one(&state.pool)
            .await?;
    }
    Ok(PushResponse { results, last_seq })
}

/// A device belongs to the account that first used it; another account may not borrow it.
async fn register_device(state: &AppState, user: &AuthUser, device: Uuid) -> ApiResult<()> {
    let owner: (String, Uuid) = sqlx::query_as(
        "WITH ins AS (
           INSERT INTO sync_devices (device_id, subject_kind, subject_id) VALUES ($1, $2, $3)
           ON CONFLICT (device_id) DO NOTHING RETURNING subject_kind, subject_id)
         SELECT subject_kind, subject_id FROM ins
         UNION ALL
         SELECT subject_kind, subject_id FROM sync_devices WHERE device_id = $1
         LIMIT 1",
    )
    .bind(device)
    .bind(user.subject_kind())
    .bind(user.user_id)
    .fetch_one(&state.pool)
    .await?;
    if owner != (user.subject_kind().to_string(), user.user_id) {
        return Err(ApiError::with(
            ErrorCode::Forbidden,
            json!({ "reason": "device belongs to another account" }),
        ));
    }
    Ok(())
}

/// Where this transaction's changes sit in the feed, once committed: a pull whose cursor has
/// reached it includes them.
/// The entity and id a command acts on.
fn command_target(c: &Command, caller: Uuid) -> (&'static str, String) {
    let (kind, id) = match c {
        Command::SiteCreate(f) | Command::SiteUpdate(f) => ("site", f.site_id),
        Command::SiteDelete { site_id } => ("site", *site_id),
        Command::MessageMarkRead { message_id } => ("message", *message_id),
        Command::ProfileUpdate(_) => ("operator", caller),
        Command::AuthorizationGrant(f) => ("authorization", f.authorization_id),
        Command::AuthorizationRevoke {
            authorization_id, ..
        } => ("authorization", *authorization_id),
        Command::RequestApprove { request_id, .. } | Command::RequestReject { request_id, .. } => {
            ("authorization_request", *request_id)
        }
        Command::ApplicationCreate(f) => ("application", f.application_id),
        Command::ApplicationUpdate(f) => ("application", f.application_id),
        Command::ApplicationSetActive { application_id, .. } => ("application", *application_id),
        Command::AnnouncementPublish(f) => ("announcement", f.announcement_id),
    };
    (kind, id.to_string())
}

/// The audited state of a command's target row, secrets left out.
async fn row_snapshot(
    conn: &mut PgConnection,
    kind: &str,
    id: &str,
) -> ApiResult<Option<serde_json::Value>> {
    let table = match kind {
        "site" => "sites",
        "message" => "messages",
        "operator" => "operators",
        "authorization" => "authorizations",
        "authorization_request" => "authorization_requests",
        "application" => "applications",
        "announcement" => "announcements",
        _ => return Ok(None),
    };
    let Ok(id) = Uuid::parse_str(id) else {
        return Ok(None);
    };
    // Numbers as their exact text: money must not pass through a binary double.
    Ok(sqlx::query_scalar(&format!(
        "SELECT (SELECT jsonb_object_agg(k, CASE WHEN jsonb_typeof(v) = 'number'
                                                 THEN to_jsonb(v #>> '{{}}') ELSE v END)
                   FROM jsonb_each(to_jsonb(t) - 'password_hash' - 'api_key_ciphertext'
                                   - 'api_key_nonce' - 'api_key_hash') AS e(k, v))
           FROM {table} t WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

async fn written_position(conn: &mut PgConnection, scope: &Scope) -> ApiResult<Option<String>> {
    // Only changes the sender's feed will serve count: a decision that also writes into an
    // operator's scope (a message) must not make the admin wait for a position their feed
    // never reaches.
    let rows: Vec<(String, String, Option<Uuid>, i64)> = sqlx::query_as(
        "SELECT pg_current_xact_id()::text, entity, operator_id, max(version) FROM sync_changes
          WHERE txid = pg_current_xact_id() GROUP BY entity, operator_id",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, entity, tenant, _)| scope.wants(entity, *tenant))
        .max_by_key(|r| r.3)
        .map(|(txid, _, _, v)| format!("{txid}-{v}")))
}
