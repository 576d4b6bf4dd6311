//! `GET /api/v1/sync/pull`: the changes visible to the caller after its cursor.

use std::collections::HashMap;

use chrono::Utc;
use mr_domain::ErrorCode;
use mr_protocol::sync::{Change, Entity, MessageRow, PullResponse, SiteRow, SyncRow};
use sqlx::PgConnection;
use uuid::Uuid;

use super::cursor::{self, Cursor};
use super::scope::Scope;
use crate::accounts::service::operator_profile;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const DEFAULT_LIMIT: u32 = 500;
pub const MAX_LIMIT: u32 = 2000;

#[derive(sqlx::FromRow)]
struct LogEntry {
    txid: String,
    version: i64,
    entity: String,
    row_id: Uuid,
}

/// The feed's safe horizon, computed once per statement (one snapshot): only entries of
/// transactions older than every transaction still running are read. Transaction ids are
/// cluster-wide, so writers known to belong to *other* databases are left out; anything not
/// known (it committed meanwhile, or its session is not visible to us) still counts, which can
/// only make the horizon earlier, never skip a row.
const HORIZON: &str = "WITH h AS (SELECT COALESCE(
         (SELECT min(x) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
           WHERE x::xid NOT IN (
             SELECT a.backend_xid FROM pg_stat_activity a
              WHERE a.backend_xid IS NOT NULL
                AND a.datname IS DISTINCT FROM current_database())),
         pg_snapshot_xmax(pg_current_snapshot())) AS horizon) ";

pub async fn pull(
    state: &AppState,
    user: &AuthUser,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> ApiResult<PullResponse> {
    let from = cursor.map(cursor::parse).transpose()?.unwrap_or_default();
    let limit = limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let mut conn = state.pool.acquire().await?;
    let (scope, scope_epoch) = Scope::resolve(&mut conn, user).await?;
    let entries = read_log(&mut conn, &scope, from, i64::from(limit) + 1).await?;
    let has_more = entries.len() > limit as usize;
    let page = &entries[..entries.len().min(limit as usize)];
    let next = match page.last() {
        Some(e) => Cursor {
            txid: e.txid.parse().map_err(|e| ApiError::internal("txid", e))?,
            version: e.version,
        },
        None => from,
    };
    // The first page of a bootstrap says how much is coming, for the progress bar.
    let estimated_total = if cursor.is_none() && has_more {
        Some(count_log(&mut conn, &scope).await?)
    } else {
        None
    };
    let changes = materialize(&mut conn, &scope, page).await?;
    metrics::counter!("mr_sync_pulls_total").increment(1);
    metrics::counter!("mr_sync_pulled_changes_total").increment(changes.len() as u64);
    Ok(PullResponse {
        changes,
        cursor: next.to_string(),
        has_more,
        up_to_date: !has_more,
        scope_epoch,
        server_time: Utc::now(),
        estimated_total,
    })
}

/// Log entries after `from` in the scope, in (txid, version) order, below the horizon. An
/// operator's are its tenant's entries plus the global entities it sees, read as two index
/// range scans merged by one ORDER BY.
async fn read_log(
    conn: &mut PgConnection,
    scope: &Scope,
    from: Cursor,
    take: i64,
) -> ApiResult<Vec<LogEntry>> {
    let after = "(txid, version) > ($1::text::xid8, $2) AND txid < h.horizon";
    let sql;
    let q = match scope.operator() {
        Some(op) => sqlx::query_as({
            sql = format!(
                "{HORIZON} SELECT txid::text AS txid, version, entity, row_id FROM (
               (SELECT txid, version, entity, row_id FROM sync_changes, h
                 WHERE operator_id = $4 AND {after} ORDER BY txid, version LIMIT $3)
               UNION ALL
               (SELECT txid, version, entity, row_id FROM sync_changes, h
                 WHERE operator_id IS NULL AND entity = ANY($5) AND {after}
                 ORDER BY txid, version LIMIT $3)
             ) u ORDER BY txid, version LIMIT $3"
            );
            &sql
        })
        .bind(from.txid.to_string())
        .bind(from.version)
        .bind(take)
        .bind(op.0)
        .bind(scope.untenanted_entities()),
        None => sqlx::query_as({
            sql = format!(
                "{HORIZON} SELECT txid::text AS txid, version, entity, row_id FROM sync_changes, h
                  WHERE entity = ANY($4) AND {after} ORDER BY txid, version LIMIT $3"
            );
            &sql
        })
        .bind(from.txid.to_string())
        .bind(from.version)
        .bind(take)
        .bind(scope.log_entities()),
    };
    Ok(q.fetch_all(&mut *conn).await?)
}

/// How many log entries the scope holds (an upper bound of a bootstrap's changes).
async fn count_log(conn: &mut PgConnection, scope: &Scope) -> ApiResult<i64> {
    let n: i64 = match scope.operator() {
        Some(op) => {
            sqlx::query_scalar(
                "SELECT (SELECT count(*) FROM sync_changes WHERE operator_id = $1)
                      + (SELECT count(*) FROM sync_changes
                          WHERE operator_id IS NULL AND entity = ANY($2))",
            )
            .bind(op.0)
            .bind(scope.untenanted_entities())
            .fetch_one(&mut *conn)
            .await?
        }
        None => {
            sqlx::query_scalar("SELECT count(*) FROM sync_changes WHERE entity = ANY($1)")
                .bind(scope.log_entities())
                .fetch_one(&mut *conn)
                .await?
        }
    };
    Ok(n)
}

/// Turns log entries into current rows. A row changed several times in the page is sent once,
/// at its last position; a row that is gone, or that the scope may no longer see (a revoked
/// authorization, a deactivated application, a deleted site), becomes a tombstone. Every
/// lookup filters on the scope again: the log's tenant column is not trusted alone.
async fn materialize(
    conn: &mut PgConnection,
    scope: &Scope,
    page: &[LogEntry],
) -> ApiResult<Vec<Change>> {
    let mut last_at: HashMap<(&str, Uuid), usize> = HashMap::new();
    for (i, e) in page.iter().enumerate() {
        last_at.insert((e.entity.as_str(), e.row_id), i);
    }
    let mut by_entity: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for (entity, id) in last_at.keys() {
        by_entity.entry(entity).or_default().push(*id);
    }
    let mut rows: HashMap<(Entity, Uuid), SyncRow> = HashMap::new();
    for (log, ids) in &by_entity {
        let Some(wire) = scope.wire(log) else {
            continue;
        };
        for row in load(conn, scope, wire, ids).await? {
            rows.insert((wire, row.id()), row);
        }
    }

    let mut ordered: Vec<(usize, Entity, Uuid)> = last_at
        .into_iter()
        .filter_map(|((e, id), i)| scope.wire(e).map(|e| (i, e, id)))
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

/// The current rows of `ids` that `scope` may see, as `wire` rows. The operator's own bulk
/// entities (sites, messages) are decoded directly; the rest are built as JSON by PostgreSQL
/// from the statements in [`json_source`] and checked against the wire type on the way out.
async fn load(
    conn: &mut PgConnection,
    scope: &Scope,
    wire: Entity,
    ids: &[Uuid],
) -> ApiResult<Vec<SyncRow>> {
    let tenant = scope.operator();
    match (wire, tenant) {
        (Entity::Operator, Some(op)) => Ok(operator_profile(conn, op)
            .await?
            .filter(|p| ids.contains(&p.id))
            .map(SyncRow::Operator)
            .into_iter()
            .collect()),
        (Entity::Site, Some(op)) => Ok(sqlx::query_as::<_, SiteDbRow>(
            "SELECT id, operator_id, name, address, contact_name, contact_phone, description,
                    created_at, updated_at
             FROM sites WHERE id = ANY($1) AND operator_id = $2 AND NOT is_deleted",
        )
        .bind(ids)
        .bind(op.0)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| SyncRow::Site(r.into_row()))
        .collect()),
        (Entity::Message, Some(op)) => Ok(sqlx::query_as::<_, MessageDbRow>(
            "SELECT id, operator_id, kind, title, body, is_read, read_at, created_at
             FROM messages WHERE id = ANY($1) AND operator_id = $2",
        )
        .bind(ids)
        .bind(op.0)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| SyncRow::Message(r.into_row()))
        .collect()),
        _ => {
            let Some(sql) = json_source(wire) else {
                return Ok(Vec::new());
            };
            let q = sqlx::query_scalar::<_, serde_json::Value>(sql);
            let q = if wire == Entity::AuditEntry {
                // The audit log is keyed by number; the feed carries it as a UUID.
                let seqs: Vec<i64> = ids.iter().map(|u| u.as_u64_pair().1 as i64).collect();
                q.bind(seqs)
            } else {
                q.bind(ids)
            };
            q.bind(tenant.map(|t| t.0))
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .map(|v| SyncRow::from_json(wire, v).map_err(|e| ApiError::internal("sync row", e)))
                .collect()
        }
    }
}

/// One statement per entity served as JSON: `$1` the ids, `$2` the operator of an operator
/// scope (NULL for staff). Money goes out as text (decimal strings, never numbers).
fn json_source(wire: Entity) -> Option<&'static str> {
    Some(match wire {
        Entity::OperatorAccount => {
            "SELECT to_jsonb(t) FROM (
               SELECT id, username, display_name, contact_name, phone, email, tier, status,
                      balance::text AS balance, is_locked, locked_reason, locked_at,
                      api_key_last4, closed_at, created_at, updated_at
                 FROM operators WHERE id = ANY($1) AND $2::uuid IS NULL) t"
        }
        Entity::Application => {
            "SELECT to_jsonb(t) FROM (
               SELECT id, code, name, description, unit_price::text AS unit_price, min_players,
                      max_players, is_active, created_at, updated_at
                 FROM applications WHERE id = ANY($1) AND ($2::uuid IS NULL OR is_active)) t"
        }
        Entity::AuthorizationRequest => {
            "SELECT to_jsonb(t) FROM (
               SELECT r.id, r.operator_id, r.application_id, r.reason, r.status,
                      s.display_name AS decided_by_name, r.decided_at, r.decision_note,
                      r.requested_expires_at, r.created_at, r.updated_at
                 FROM authorization_requests r LEFT JOIN staff_users s ON s.id = r.decided_by
                WHERE r.id = ANY($1) AND ($2::uuid IS NULL OR r.operator_id = $2)) t"
        }
        Entity::Authorization => {
            "SELECT to_jsonb(t) FROM (
               SELECT a.id, a.operator_id, a.application_id, a.status, a.expires_at,
                      g.display_name AS granted_by_name, a.granted_at, a.request_id,
                      r.display_name AS revoked_by_name, a.revoked_at, a.revoke_reason,
                      a.updated_at
                 FROM authorizations a
                 LEFT JOIN staff_users g ON g.id = a.granted_by
                 LEFT JOIN staff_users r ON r.id = a.revoked_by
                WHERE a.id = ANY($1)
                  AND ($2::uuid IS NULL OR (a.operator_id = $2 AND a.status = 'active'))) t"
        }
        Entity::ApplicationPrice => {
            "SELECT to_jsonb(t) FROM (
               SELECT h.id, h.application_id, h.old_price::text AS old_price,
                      h.new_price::text AS new_price, s.display_name AS changed_by_name,
                      h.changed_at
                 FROM application_price_history h LEFT JOIN staff_users s ON s.id = h.changed_by
                WHERE h.id = ANY($1) AND $2::uuid IS NULL) t"
        }
        Entity::Announcement => {
            "SELECT to_jsonb(t) FROM (
               SELECT a.id, a.title, a.body, a.audience, a.audience_tier,
                      s.display_name AS published_by_name, a.published_at
                 FROM announcements a LEFT JOIN staff_users s ON s.id = a.published_by
                WHERE a.id = ANY($1) AND $2::uuid IS NULL) t"
        }
        Entity::LedgerEntry => {
            "SELECT to_jsonb(t) FROM (
               SELECT id, operator_id, entry_type, amount::text AS amount,
                      balance_before::text AS balance_before, balance_after::text AS balance_after,
                      reference_type, reference_id, description, created_at
                 FROM ledger_entries WHERE id = ANY($1) AND ($2::uuid IS NULL OR operator_id = $2)) t"
        }
        Entity::PaymentOrder => {
            "SELECT to_jsonb(t) FROM (
               SELECT id, out_trade_no, operator_id, channel, is_sandbox, amount::text AS amount,
                      status, channel_trade_no, qr_code, paid_at, closed_at, expires_at, flagged_reason,
                      created_at, updated_at
                 FROM payment_orders WHERE id = ANY($1) AND ($2::uuid IS NULL OR operator_id = $2)) t"
        }
        Entity::Refund => {
            "SELECT to_jsonb(t) FROM (
               SELECT f.id, f.operator_id, f.requested_amount::text AS requested_amount,
                      f.approved_amount::text AS approved_amount, f.reason, f.status,
                      s.display_name AS reviewed_by_name, f.reviewed_at, f.review_note,
                      f.created_at, f.updated_at
                 FROM refunds f LEFT JOIN staff_users s ON s.id = f.reviewed_by
                WHERE f.id = ANY($1) AND ($2::uuid IS NULL OR f.operator_id = $2)) t"
        }
        Entity::Invoice => {
            "SELECT to_jsonb(t) FROM (
               SELECT i.id, i.operator_id, i.invoice_type, i.amount::text AS amount, i.title,
                      i.tax_number, i.status, i.invoice_number,
                      s.display_name AS reviewed_by_name, i.reviewed_at, i.review_note,
                      i.created_at, i.updated_at
                 FROM invoices i LEFT JOIN staff_users s ON s.id = i.reviewed_by
                WHERE i.id = ANY($1) AND ($2::uuid IS NULL OR i.operator_id = $2)) t"
        }
        Entity::AuditEntry => {
            "SELECT to_jsonb(t) FROM (
               SELECT sync_audit_key(id) AS id, id AS seq, occurred_at, actor_kind, actor_id,
                      actor_name, action, target_type, target_id, before, after, ip
                 FROM audit_log WHERE id = ANY($1) AND $2::uuid IS NULL) t"
        }
        Entity::StatDaily => {
            "SELECT to_jsonb(t) FROM (
               SELECT id, day, operator_id, site_id, application_id, sessions, players,
                      revenue::text AS revenue
                 FROM stats_daily WHERE id = ANY($1) AND ($2::uuid IS NULL OR operator_id = $2)) t"
        }
        Entity::Operator | Entity::Site | Entity::Message => return None,
    })
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
