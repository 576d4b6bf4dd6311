//! `GET /api/v1/sync/pull`: the changes visible to the caller after its cursor.

use std::collections::HashMap;

use chrono::Utc;
use mr_domain::{ErrorCode, OperatorId};
use mr_protocol::sync::{Change, Entity, MessageRow, PullResponse, SiteRow, SyncRow};
use sqlx::PgConnection;
use uuid::Uuid;

use super::cursor::{self, Cursor};
use crate::accounts::service::operator_profile;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const DEFAULT_LIMIT: u32 = 500;
pub const MAX_LIMIT: u32 = 2000;
/// Scopes change only by re-bootstrap for now; a later scope change (role change, revoked
/// visibility) bumps this so clients rebuild their mirror.
pub const SCOPE_EPOCH: i64 = 1;

#[derive(sqlx::FromRow)]
struct LogEntry {
    txid: String,
    version: i64,
    entity: String,
    row_id: Uuid,
}

pub async fn pull(
    state: &AppState,
    user: &AuthUser,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> ApiResult<PullResponse> {
    // Staff scopes (admin, finance) arrive with the admin and finance issues; today only the
    // operator's own rows are replicated.
    let operator = user.operator_id()?;
    let from = cursor.map(cursor::parse).transpose()?.unwrap_or_default();
    let limit = limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let mut conn = state.pool.acquire().await?;
    // One statement, one snapshot: only entries of transactions older than every transaction
    // still running are read, in (txid, version) order. Transaction ids are cluster-wide, so
    // writers known to belong to *other* databases are left out of that horizon; anything not
    // known (e.g. it committed meanwhile, or its session is not visible to us) still counts,
    // which can only make the horizon earlier, never skip a row.
    let entries: Vec<LogEntry> = sqlx::query_as(
        "SELECT txid::text AS txid, version, entity, row_id FROM sync_changes
         WHERE operator_id = $1
           AND (txid, version) > ($2::text::xid8, $3)
           AND txid < COALESCE(
                 (SELECT min(x) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
                   WHERE x::xid NOT IN (
                     SELECT a.backend_xid FROM pg_stat_activity a
                      WHERE a.backend_xid IS NOT NULL
                        AND a.datname IS DISTINCT FROM current_database())),
                 pg_snapshot_xmax(pg_current_snapshot()))
         ORDER BY txid, version
         LIMIT $4",
    )
    .bind(operator.0)
    .bind(from.txid.to_string())
    .bind(from.version)
    .bind(i64::from(limit) + 1)
    .fetch_all(&mut *conn)
    .await?;
    let has_more = entries.len() > limit as usize;
    let page = &entries[..entries.len().min(limit as usize)];
    let next = match page.last() {
        Some(e) => Cursor {
            txid: e.txid.parse().map_err(|e| ApiError::internal("txid", e))?,
            version: e.version,
        },
        None => from,
    };
    let changes = materialize(&mut conn, operator, page).await?;
    metrics::counter!("mr_sync_pulls_total").increment(1);
    metrics::counter!("mr_sync_pulled_changes_total").increment(changes.len() as u64);
    Ok(PullResponse {
        changes,
        cursor: next.to_string(),
        has_more,
        up_to_date: !has_more,
        scope_epoch: SCOPE_EPOCH,
        server_time: Utc::now(),
    })
}

/// Turns log entries into current rows. A row changed several times in the page is sent once,
/// at its last position; a row that is gone, or logically deleted, becomes a tombstone. Every
/// lookup filters on the operator again: the log's tenant column is not trusted alone.
async fn materialize(
    conn: &mut PgConnection,
    operator: OperatorId,
    page: &[LogEntry],
) -> ApiResult<Vec<Change>> {
    let mut last_at: HashMap<(&str, Uuid), usize> = HashMap::new();
    for (i, e) in page.iter().enumerate() {
        last_at.insert((e.entity.as_str(), e.row_id), i);
    }
    let ids = |entity: &str| -> Vec<Uuid> {
        last_at
            .keys()
            .filter(|(e, _)| *e == entity)
            .map(|(_, id)| *id)
            .collect()
    };
    let site_ids = ids("site");
    let sites: Vec<SiteDbRow> = if site_ids.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(
            "SELECT id, operator_id, name, address, contact_name, contact_phone, description,
                    created_at, updated_at
             FROM sites WHERE id = ANY($1) AND operator_id = $2 AND NOT is_deleted",
        )
        .bind(&site_ids)
        .bind(operator.0)
        .fetch_all(&mut *conn)
        .await?
    };
    let message_ids = ids("message");
    let messages: Vec<MessageRow> = if message_ids.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as::<_, MessageDbRow>(
            "SELECT id, operator_id, kind, title, body, is_read, read_at, created_at
             FROM messages WHERE id = ANY($1) AND operator_id = $2",
        )
        .bind(&message_ids)
        .bind(operator.0)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(MessageDbRow::into_row)
        .collect()
    };
    let profile = if last_at.contains_key(&("operator", operator.0)) {
        operator_profile(conn, operator).await?
    } else {
        None
    };

    let mut rows: HashMap<(Entity, Uuid), SyncRow> = HashMap::new();
    for s in sites {
        rows.insert((Entity::Site, s.id), SyncRow::Site(s.into_row()));
    }
    for m in messages {
        rows.insert((Entity::Message, m.id), SyncRow::Message(m));
    }
    if let Some(p) = profile {
        rows.insert((Entity::Operator, p.id), SyncRow::Operator(p));
    }

    let mut ordered: Vec<(usize, Entity, Uuid)> = last_at
        .into_iter()
        .filter_map(|((e, id), i)| entity(e).map(|e| (i, e, id)))
        .collect();
    ordered.sort_unstable_by_key(|(i, _, _)| *i);
    Ok(ordered
        .into_iter()
        .map(|(_, entity, id)| match rows.remove(&(entity, id)) {
            Some(row) => Change::Upsert { row },
            None => Change::Delete { entity, id },
        })
        .collect())
}

fn entity(name: &str) -> Option<Entity> {
    match name {
        "operator" => Some(Entity::Operator),
        "site" => Some(Entity::Site),
        "message" => Some(Entity::Message),
        _ => None,
    }
}

#[derive(sqlx::FromRow)]
struct SiteDbRow {
    id: Uuid,
    operator_id: Uuid,
    name: String,
    address: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    description: Option<String>,
    created_at: chrono::DateTime<Utc>,
    updated_at: chrono::DateTime<Utc>,
}

impl SiteDbRow {
    fn into_row(self) -> SiteRow {
        SiteRow {
            id: self.id,
            operator_id: self.operator_id,
            name: self.name,
            address: self.address,
            contact_name: self.contact_name,
            contact_phone: self.contact_phone,
            description: self.description,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct MessageDbRow {
    id: Uuid,
    operator_id: Uuid,
    kind: String,
    title: String,
    body: String,
    is_read: bool,
    read_at: Option<chrono::DateTime<Utc>>,
    created_at: chrono::DateTime<Utc>,
}

impl MessageDbRow {
    fn into_row(self) -> MessageRow {
        MessageRow {
            id: self.id,
            operator_id: self.operator_id,
            kind: self.kind,
            title: self.title,
            body: self.body,
            is_read: self.is_read,
            read_at: self.read_at,
            created_at: self.created_at,
        }
    }
}

/// 426 for a client speaking another protocol version.
pub fn check_version(v: Option<u32>) -> ApiResult<()> {
    match v {
        None => Ok(()),
        Some(v) if v == mr_protocol::sync::SYNC_PROTOCOL_VERSION => Ok(()),
        Some(v) => Err(ApiError::with(
            ErrorCode::ProtocolUnsupported,
            serde_json::json!({ "supported": mr_protocol::sync::SYNC_PROTOCOL_VERSION, "requested": v }),
        )),
    }
}
