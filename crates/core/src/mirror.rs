//! The mirror tables: the server's rows exactly as the last pull left them.
//!
//! Only the sync engine writes here, inside the transaction that also stores the page's
//! cursor, so the mirror and its cursor never disagree. Nothing optimistic is ever written
//! here: local changes stay in the outbox and are laid over these rows when read
//! ([`crate::overlay`]).

use chrono::{DateTime, SecondsFormat, Utc};
use mr_domain::{Money, Tier};
use mr_protocol::home::OperatorProfile;
use mr_protocol::sync::{Change, Entity, MessageRow, SiteRow, SyncRow};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use uuid::Uuid;

use crate::error::CoreError;

/// The mirror's tables; all of them are wiped together on a re-bootstrap.
pub const TABLES: [&str; 4] = ["operator_profile", "sites", "messages", "mirror_rows"];

/// Times are stored as fixed-width RFC 3339 UTC text, so they sort as text.
pub(crate) fn time_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_time(s: &str) -> Result<DateTime<Utc>, CoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| CoreError::Cache(format!("bad time {s:?}: {e}")))
}

fn parse_opt_time(s: Option<String>) -> Result<Option<DateTime<Utc>>, CoreError> {
    s.as_deref().map(parse_time).transpose()
}

pub(crate) fn parse_uuid(s: &str) -> Result<Uuid, CoreError> {
    Uuid::parse_str(s).map_err(|e| CoreError::Cache(format!("bad id {s:?}: {e}")))
}

/// The typed table of an entity, or `None` for the ones kept as JSON in `mirror_rows`.
fn typed_table(entity: Entity) -> Option<&'static str> {
    match entity {
        Entity::Operator => Some("operator_profile"),
        Entity::Site => Some("sites"),
        Entity::Message => Some("messages"),
        _ => None,
    }
}

/// Applies one change of a pull page (upsert = the row's whole current state; delete = gone).
pub async fn apply(conn: &mut SqliteConnection, change: &Change) -> Result<(), CoreError> {
    match change {
        Change::Delete { entity, id } => match typed_table(*entity) {
            Some(table) => {
                sqlx::query(&format!("DELETE FROM {table} WHERE id = ?"))
                    .bind(id.to_string())
                    .execute(&mut *conn)
                    .await?;
            }
            None => {
                sqlx::query("DELETE FROM mirror_rows WHERE entity = ? AND id = ?")
                    .bind(entity.as_str())
                    .bind(id.to_string())
                    .execute(&mut *conn)
                    .await?;
            }
        },
        Change::Upsert { row } => match row {
            SyncRow::Operator(p) => upsert_operator(conn, p).await?,
            SyncRow::Site(s) => upsert_site(conn, s).await?,
            SyncRow::Message(m) => upsert_message(conn, m).await?,
            other => upsert_json(conn, &[other]).await?,
        },
    }
    Ok(())
}

/// The columns of `mirror_rows` that pages filter and sort by: tenant, main time, status.
fn json_keys(row: &SyncRow) -> (Option<Uuid>, Option<String>, Option<String>) {
    let t = |d: &DateTime<Utc>| Some(time_text(d));
    match row {
        SyncRow::OperatorAccount(r) => (Some(r.id), t(&r.created_at), Some(r.status.clone())),
        SyncRow::Application(r) => (
            None,
            t(&r.created_at),
            Some(if r.is_active { "active" } else { "inactive" }.to_string()),
        ),
        SyncRow::AuthorizationRequest(r) => (
            Some(r.operator_id),
            t(&r.created_at),
            Some(r.status.clone()),
        ),
        SyncRow::Authorization(r) => (
            Some(r.operator_id),
            t(&r.granted_at),
            Some(r.status.clone()),
        ),
        SyncRow::Announcement(r) => (None, t(&r.published_at), Some(r.audience.clone())),
        SyncRow::LedgerEntry(r) => (
            Some(r.operator_id),
            t(&r.created_at),
            Some(r.entry_type.clone()),
        ),
        SyncRow::PaymentOrder(r) => (
            Some(r.operator_id),
            t(&r.created_at),
            Some(r.status.clone()),
        ),
        SyncRow::Refund(r) => (
            Some(r.operator_id),
            t(&r.created_at),
            Some(r.status.clone()),
        ),
        SyncRow::Invoice(r) => (
            Some(r.operator_id),
            t(&r.created_at),
            Some(r.status.clone()),
        ),
        SyncRow::AuditEntry(r) => (None, t(&r.occurred_at), Some(r.action.clone())),
        SyncRow::StatDaily(r) => (Some(r.operator_id), Some(r.day.to_string()), None),
        SyncRow::ApplicationPrice(r) => (None, t(&r.changed_at), None),
        SyncRow::Operator(_) | SyncRow::Site(_) | SyncRow::Message(_) => (None, None, None),
    }
}

/// Writes rows kept as JSON, a hundred per statement.
async fn upsert_json(conn: &mut SqliteConnection, rows: &[&SyncRow]) -> Result<(), CoreError> {
    let mut encoded = Vec::with_capacity(rows.len());
    for row in rows {
        let json = row
            .row_json()
            .map_err(|e| CoreError::Cache(e.to_string()))?;
        encoded.push((row.entity(), row.id(), json_keys(row), json));
    }
    for chunk in encoded.chunks(BATCH_ROWS) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT OR REPLACE INTO mirror_rows (entity, id, operator_id, at, status, json) ",
        );
        q.push_values(chunk, |mut b, (entity, id, (tenant, at, status), json)| {
            b.push_bind(entity.as_str())
                .push_bind(id.to_string())
                .push_bind(tenant.map(|t| t.to_string()))
                .push_bind(at.clone())
                .push_bind(status.clone())
                .push_bind(json.clone());
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Rows of an entity kept as JSON, newest first (by their main time).
pub async fn json_rows(
    conn: &mut SqliteConnection,
    entity: Entity,
) -> Result<Vec<SyncRow>, CoreError> {
    let texts: Vec<String> =
        sqlx::query_scalar("SELECT json FROM mirror_rows WHERE entity = ? ORDER BY at DESC, id")
            .bind(entity.as_str())
            .fetch_all(&mut *conn)
            .await?;
    texts
        .iter()
        .map(|t| {
            SyncRow::from_json_str(entity, t)
                .map_err(|e| CoreError::Cache(format!("{entity:?}: {e}")))
        })
        .collect()
}

/// How many rows of each entity the mirror holds (diagnostics view).
pub async fn counts(conn: &mut SqliteConnection) -> Result<Vec<(Entity, i64)>, CoreError> {
    let mut out = Vec::new();
    for (entity, table) in [
        (Entity::Operator, "operator_profile"),
        (Entity::Site, "sites"),
        (Entity::Message, "messages"),
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut *conn)
            .await?;
        if n > 0 {
            out.push((entity, n));
        }
    }
    let rest: Vec<(String, i64)> =
        sqlx::query_as("SELECT entity, count(*) FROM mirror_rows GROUP BY entity ORDER BY entity")
            .fetch_all(&mut *conn)
            .await?;
    for (name, n) in rest {
        if let Some(e) = Entity::parse(&name) {
            out.push((e, n));
        }
    }
    Ok(out)
}

async fn upsert_operator(
    conn: &mut SqliteConnection,
    p: &OperatorProfile,
) -> Result<(), CoreError> {
    sqlx::query(
        "INSERT OR REPLACE INTO operator_profile (id, username, display_name, contact_name, phone, \
         email, tier, status, balance, is_locked, api_key_masked, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(p.id.to_string())
    .bind(&p.username)
    .bind(&p.display_name)
    .bind(&p.contact_name)
    .bind(&p.phone)
    .bind(&p.email)
    .bind(p.tier.as_str())
    .bind(&p.status)
    .bind(p.balance.to_string())
    .bind(p.is_locked)
    .bind(&p.api_key_masked)
    .bind(time_text(&p.created_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Rows per multi-row INSERT: well under SQLite's bound-parameter limit.
const BATCH_ROWS: usize = 100;

/// Applies a whole pull page. The server sends each row at most once per page, so rows are
/// independent and are written in multi-row statements per table: one round trip to SQLite's
/// worker per hundred rows instead of one per row (the initial sync is mostly this).
pub async fn apply_all(conn: &mut SqliteConnection, changes: &[Change]) -> Result<(), CoreError> {
    let mut sites = Vec::new();
    let mut messages = Vec::new();
    let mut json = Vec::new();
    for change in changes {
        match change {
            Change::Upsert {
                row: SyncRow::Site(s),
            } => sites.push(s),
            Change::Upsert {
                row: SyncRow::Message(m),
            } => messages.push(m),
            Change::Upsert { row } if typed_table(row.entity()).is_none() => json.push(row),
            other => apply(conn, other).await?,
        }
    }
    upsert_json(conn, &json).await?;
    for chunk in sites.chunks(BATCH_ROWS) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT OR REPLACE INTO sites (id, operator_id, name, address, contact_name, \
             contact_phone, description, created_at, updated_at) ",
        );
        q.push_values(chunk, |mut b, s| {
            b.push_bind(s.id.to_string())
                .push_bind(s.operator_id.to_string())
                .push_bind(&s.name)
                .push_bind(&s.address)
                .push_bind(&s.contact_name)
                .push_bind(&s.contact_phone)
                .push_bind(&s.description)
                .push_bind(time_text(&s.created_at))
                .push_bind(time_text(&s.updated_at));
        });
        q.build().execute(&mut *conn).await?;
    }
    for chunk in messages.chunks(BATCH_ROWS) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT OR REPLACE INTO messages (id, operator_id, kind, title, body, is_read, \
             read_at, created_at) ",
        );
        q.push_values(chunk, |mut b, m| {
            b.push_bind(m.id.to_string())
                .push_bind(m.operator_id.to_string())
                .push_bind(&m.kind)
                .push_bind(&m.title)
                .push_bind(&m.body)
                .push_bind(m.is_read)
                .push_bind(m.read_at.as_ref().map(time_text))
                .push_bind(time_text(&m.created_at));
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn upsert_site(conn: &mut SqliteConnection, s: &SiteRow) -> Result<(), CoreError> {
    sqlx::query(
        "INSERT OR REPLACE INTO sites (id, operator_id, name, address, contact_name, \
         contact_phone, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(s.id.to_string())
    .bind(s.operator_id.to_string())
    .bind(&s.name)
    .bind(&s.address)
    .bind(&s.contact_name)
    .bind(&s.contact_phone)
    .bind(&s.description)
    .bind(time_text(&s.created_at))
    .bind(time_text(&s.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_message(conn: &mut SqliteConnection, m: &MessageRow) -> Result<(), CoreError> {
    sqlx::query(
        "INSERT OR REPLACE INTO messages (id, operator_id, kind, title, body, is_read, read_at, \
         created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(m.id.to_string())
    .bind(m.operator_id.to_string())
    .bind(&m.kind)
    .bind(&m.title)
    .bind(&m.body)
    .bind(m.is_read)
    .bind(m.read_at.as_ref().map(time_text))
    .bind(time_text(&m.created_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Empties every mirror table (the outbox and conflicts stay).
pub async fn wipe(conn: &mut SqliteConnection) -> Result<(), CoreError> {
    for t in TABLES {
        sqlx::query(&format!("DELETE FROM {t}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SiteDb {
    id: String,
    operator_id: String,
    name: String,
    address: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    description: Option<String>,
    created_at: String,
    updated_at: String,
}

impl TryFrom<SiteDb> for SiteRow {
    type Error = CoreError;
    fn try_from(r: SiteDb) -> Result<Self, CoreError> {
        Ok(SiteRow {
            id: parse_uuid(&r.id)?,
            operator_id: parse_uuid(&r.operator_id)?,
            name: r.name,
            address: r.address,
            contact_name: r.contact_name,
            contact_phone: r.contact_phone,
            description: r.description,
            created_at: parse_time(&r.created_at)?,
            updated_at: parse_time(&r.updated_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct MessageDb {
    id: String,
    operator_id: String,
    kind: String,
    title: String,
    body: String,
    is_read: bool,
    read_at: Option<String>,
    created_at: String,
}

impl TryFrom<MessageDb> for MessageRow {
    type Error = CoreError;
    fn try_from(r: MessageDb) -> Result<Self, CoreError> {
        Ok(MessageRow {
            id: parse_uuid(&r.id)?,
            operator_id: parse_uuid(&r.operator_id)?,
            kind: r.kind,
            title: r.title,
            body: r.body,
            is_read: r.is_read,
            read_at: parse_opt_time(r.read_at)?,
            created_at: parse_time(&r.created_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct OperatorDb {
    id: String,
    username: String,
    display_name: String,
    contact_name: Option<String>,
    phone: String,
    email: String,
    tier: String,
    status: String,
    balance: String,
    is_locked: bool,
    api_key_masked: String,
    created_at: String,
}

impl TryFrom<OperatorDb> for OperatorProfile {
    type Error = CoreError;
    fn try_from(r: OperatorDb) -> Result<Self, CoreError> {
        Ok(OperatorProfile {
            id: parse_uuid(&r.id)?,
            username: r.username,
            display_name: r.display_name,
            contact_name: r.contact_name,
            phone: r.phone,
            email: r.email,
            tier: Tier::parse(&r.tier)
                .ok_or_else(|| CoreError::Cache(format!("bad tier {:?}", r.tier)))?,
            status: r.status,
            balance: r
                .balance
                .parse::<Money>()
                .map_err(|e| CoreError::Cache(e.to_string()))?,
            is_locked: r.is_locked,
            api_key_masked: r.api_key_masked,
            created_at: parse_time(&r.created_at)?,
        })
    }
}

/// Sites in the mirror, newest first.
pub async fn sites(conn: &mut SqliteConnection) -> Result<Vec<SiteRow>, CoreError> {
    sqlx::query_as::<_, SiteDb>("SELECT * FROM sites ORDER BY created_at DESC, id DESC")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(SiteRow::try_from)
        .collect()
}

/// Messages in the mirror, newest first.
pub async fn messages(conn: &mut SqliteConnection) -> Result<Vec<MessageRow>, CoreError> {
    sqlx::query_as::<_, MessageDb>("SELECT * FROM messages ORDER BY created_at DESC, id DESC")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(MessageRow::try_from)
        .collect()
}

/// One message, if the mirror has it.
pub async fn message(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<MessageRow>, CoreError> {
    sqlx::query_as::<_, MessageDb>("SELECT * FROM messages WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?
        .map(MessageRow::try_from)
        .transpose()
}

/// Ids of the unread messages, `read_here` (marked read on this device) left out.
pub async fn unread_message_ids(
    conn: &mut SqliteConnection,
    read_here: &[Uuid],
) -> Result<Vec<Uuid>, CoreError> {
    let ids = serde_json::to_string(&read_here).map_err(|e| CoreError::Cache(e.to_string()))?;
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM messages
          WHERE is_read = 0 AND id NOT IN (SELECT value FROM json_each(?))
          ORDER BY created_at DESC, id DESC",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|s| parse_uuid(s)).collect()
}

/// One page of messages, newest first. `read_here` are messages marked read on this device
/// and not confirmed yet: they count as read (and leave an unread-only page).
pub async fn messages_page(
    conn: &mut SqliteConnection,
    offset: i64,
    limit: i64,
    unread_only: bool,
    read_here: &[Uuid],
) -> Result<Vec<MessageRow>, CoreError> {
    let ids = serde_json::to_string(&read_here).map_err(|e| CoreError::Cache(e.to_string()))?;
    sqlx::query_as::<_, MessageDb>(
        "SELECT * FROM messages
          WHERE NOT ? OR (is_read = 0 AND id NOT IN (SELECT value FROM json_each(?)))
          ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
    )
    .bind(unread_only)
    .bind(ids)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(MessageRow::try_from)
    .collect()
}

/// (all messages, unread ones), with `read_here` counted as read.
pub async fn message_counts(
    conn: &mut SqliteConnection,
    read_here: &[Uuid],
) -> Result<(i64, i64), CoreError> {
    let ids = serde_json::to_string(&read_here).map_err(|e| CoreError::Cache(e.to_string()))?;
    Ok(sqlx::query_as(
        "SELECT count(*),
                coalesce(sum(is_read = 0 AND id NOT IN (SELECT value FROM json_each(?))), 0)
           FROM messages",
    )
    .bind(ids)
    .fetch_one(&mut *conn)
    .await?)
}

/// One operator row (an operator's cache holds just its own).
pub async fn operator(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<OperatorProfile>, CoreError> {
    sqlx::query_as::<_, OperatorDb>("SELECT * FROM operator_profile WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?
        .map(OperatorProfile::try_from)
        .transpose()
}
