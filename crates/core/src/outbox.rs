//! The outbox: commands queued on this device, in the order the server must apply them.
//!
//! A command gets its per-device `seq` in the same SQLite transaction that inserts it, as
//! `max(highest queued seq, highest seq the server settled) + 1`, so seqs never repeat or skip
//! even after settled entries are gone. Entries stay until their effect is in the mirror:
//! `pending` until the server settles them, then `accepted` (with the feed position of the
//! effect) until a pull passes that position. A rejected entry moves to `conflicts`.

use chrono::{DateTime, Utc};
use mr_protocol::sync::{Command, CommandEnvelope, CommandResult, CommandStatus};
use sqlx::{SqliteConnection, SqlitePool};
use uuid::Uuid;

use crate::cache::meta;
use crate::cursor;
use crate::error::CoreError;
use crate::mirror::{parse_time, parse_uuid, time_text};

pub const PENDING: &str = "pending";
pub const ACCEPTED: &str = "accepted";

/// One outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub seq: i64,
    pub command_id: Uuid,
    pub name: String,
    pub args: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// `pending` or `accepted`.
    pub status: String,
    pub server_cursor: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

impl Entry {
    /// The command as it goes on the wire (resends are byte-for-byte the same command).
    pub fn envelope(&self) -> CommandEnvelope {
        CommandEnvelope {
            command_id: self.command_id,
            seq: self.seq,
            name: self.name.clone(),
            args: self.args.clone(),
            client_created_at: self.created_at,
        }
    }

    /// The typed command; `None` for one this version cannot read (it is still pushed).
    pub fn command(&self) -> Option<Command> {
        self.envelope().command().ok()
    }
}

#[derive(sqlx::FromRow)]
struct EntryDb {
    seq: i64,
    command_id: String,
    name: String,
    args: String,
    created_at: String,
    status: String,
    server_cursor: Option<String>,
    attempts: i64,
    last_error: Option<String>,
}

impl TryFrom<EntryDb> for Entry {
    type Error = CoreError;
    fn try_from(r: EntryDb) -> Result<Self, CoreError> {
        Ok(Entry {
            seq: r.seq,
            command_id: parse_uuid(&r.command_id)?,
            name: r.name,
            args: serde_json::from_str(&r.args).map_err(|e| CoreError::Cache(e.to_string()))?,
            created_at: parse_time(&r.created_at)?,
            status: r.status,
            server_cursor: r.server_cursor,
            attempts: r.attempts,
            last_error: r.last_error,
        })
    }
}

/// A write transaction that takes SQLite's write lock at once, so reading the next seq and
/// inserting cannot interleave with another writer (no `SQLITE_BUSY` upgrade either).
pub(crate) async fn write_tx(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, CoreError> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// Queues `command` with a new UUID v7 and the next seq; returns the stored entry.
pub async fn queue(
    pool: &SqlitePool,
    command: &Command,
    now: DateTime<Utc>,
) -> Result<Entry, CoreError> {
    let command_id = Uuid::now_v7();
    let mut tx = write_tx(pool).await?;
    let seq: i64 = sqlx::query_scalar(
        "SELECT max(COALESCE((SELECT max(seq) FROM outbox), 0), \
                    COALESCE((SELECT CAST(value AS INTEGER) FROM cache_meta WHERE key = ?), 0)) + 1",
    )
    .bind(meta::SYNC_LAST_SETTLED_SEQ)
    .fetch_one(&mut *tx)
    .await?;
    let env = CommandEnvelope::new(command_id, seq, command, now);
    let args = serde_json::to_string(&env.args).map_err(|e| CoreError::Cache(e.to_string()))?;
    sqlx::query(
        "INSERT INTO outbox (seq, command_id, name, args, created_at, status) \
         VALUES (?, ?, ?, ?, ?, 'pending')",
    )
    .bind(seq)
    .bind(command_id.to_string())
    .bind(&env.name)
    .bind(&args)
    .bind(time_text(&now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Entry {
        seq,
        command_id,
        name: env.name,
        args: env.args,
        created_at: now,
        status: PENDING.into(),
        server_cursor: None,
        attempts: 0,
        last_error: None,
    })
}

/// Every entry (pending and accepted-not-yet-pulled), in seq order: the overlay.
pub async fn entries(conn: &mut SqliteConnection) -> Result<Vec<Entry>, CoreError> {
    sqlx::query_as::<_, EntryDb>("SELECT * FROM outbox ORDER BY seq")
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(Entry::try_from)
        .collect()
}

/// The first `limit` entries the server has not settled yet, in seq order.
pub async fn unsettled(pool: &SqlitePool, limit: i64) -> Result<Vec<Entry>, CoreError> {
    sqlx::query_as::<_, EntryDb>(
        "SELECT * FROM outbox WHERE status = 'pending' ORDER BY seq LIMIT ?",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(Entry::try_from)
    .collect()
}

/// Entries whose effect is not in the mirror yet (the "待同步" count).
pub async fn count(pool: &SqlitePool) -> Result<i64, CoreError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(pool)
        .await?)
}

/// Accepted entries whose effect no pull has brought yet.
pub async fn awaiting_pull(pool: &SqlitePool) -> Result<i64, CoreError> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE status = 'accepted'")
            .fetch_one(pool)
            .await?,
    )
}

/// Counts one more try for entries that were sent but not settled, with why.
pub async fn note_attempt(pool: &SqlitePool, seqs: &[i64], error: &str) -> Result<(), CoreError> {
    let mut tx = write_tx(pool).await?;
    for seq in seqs {
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?")
            .bind(error)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What [`settle`] did with a push response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settled {
    pub accepted: i64,
    pub rejected: i64,
}

/// Records the server's results in one transaction: accepted entries wait for the pull with
/// their `server_cursor`; rejected ones move to `conflicts` (their optimistic effect vanishes
/// with them); the highest settled seq is remembered so no seq is ever reused.
pub async fn settle(
    pool: &SqlitePool,
    results: &[CommandResult],
    last_seq: i64,
    now: DateTime<Utc>,
) -> Result<Settled, CoreError> {
    let mut done = Settled::default();
    let mut tx = write_tx(pool).await?;
    let mut highest = last_seq;
    for r in results {
        highest = highest.max(r.seq);
        let id = r.command_id.to_string();
        match r.status {
            CommandStatus::Accepted => {
                let n = sqlx::query(
                    "UPDATE outbox SET status = 'accepted', server_cursor = ?, \
                     attempts = attempts + 1, last_error = NULL WHERE command_id = ?",
                )
                .bind(&r.server_cursor)
                .bind(&id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n > 0 {
                    done.accepted += 1;
                }
            }
            CommandStatus::Rejected => {
                let message = r
                    .message
                    .clone()
                    .or_else(|| r.code.map(|c| c.message_zh().to_owned()))
                    .unwrap_or_default();
                let n = sqlx::query(
                    "INSERT OR IGNORE INTO conflicts \
                       (command_id, seq, name, args, code, message, created_at, rejected_at) \
                     SELECT command_id, seq, name, args, ?, ?, created_at, ? \
                       FROM outbox WHERE command_id = ?",
                )
                .bind(r.code.map(|c| c.as_str()))
                .bind(&message)
                .bind(time_text(&now))
                .bind(&id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                sqlx::query("DELETE FROM outbox WHERE command_id = ?")
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                if n > 0 {
                    done.rejected += 1;
                }
            }
        }
    }
    sqlx::query(
        "INSERT INTO cache_meta (key, value) VALUES (?, ?) \
         ON CONFLICT(key) DO UPDATE SET value = \
           CAST(max(CAST(cache_meta.value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)",
    )
    .bind(meta::SYNC_LAST_SETTLED_SEQ)
    .bind(highest.to_string())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done)
}

/// Inside a pull page's transaction: drops accepted entries whose effect the mirror now holds
/// (their `server_cursor` ≤ `pulled`). Entries without a comparable cursor go once a pull is
/// complete (`up_to_date`). Returns how many were dropped.
pub async fn drop_reached(
    conn: &mut SqliteConnection,
    pulled: &str,
    up_to_date: bool,
) -> Result<u64, CoreError> {
    let accepted: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT seq, server_cursor FROM outbox WHERE status = 'accepted'")
            .fetch_all(&mut *conn)
            .await?;
    let mut dropped = 0;
    for (seq, server_cursor) in accepted {
        let reached = server_cursor
            .as_deref()
            .and_then(|effect| cursor::reached(pulled, effect))
            .unwrap_or(up_to_date);
        if reached {
            dropped += sqlx::query("DELETE FROM outbox WHERE seq = ?")
                .bind(seq)
                .execute(&mut *conn)
                .await?
                .rows_affected();
        }
    }
    Ok(dropped)
}
