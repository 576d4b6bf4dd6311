//! The conflicts panel: commands the server refused for good.
//!
//! A rejection is permanent (retrying cannot change the answer), so the command leaves the
//! outbox at once and its optimistic effect disappears; what the user meant to do and why it
//! was refused stay here until dismissed, and afterwards as history. Nothing is lost silently.

use chrono::{DateTime, Utc};
use mr_domain::ErrorCode;
use sqlx::SqlitePool;

use crate::error::CoreError;
use crate::mirror::{parse_time, parse_uuid, time_text};
use crate::views::Conflict;

#[derive(sqlx::FromRow)]
struct ConflictDb {
    id: i64,
    command_id: String,
    seq: i64,
    name: String,
    args: String,
    code: Option<String>,
    message: String,
    created_at: String,
    rejected_at: String,
    dismissed_at: Option<String>,
}

impl TryFrom<ConflictDb> for Conflict {
    type Error = CoreError;
    fn try_from(r: ConflictDb) -> Result<Self, CoreError> {
        Ok(Conflict {
            id: r.id,
            command_id: parse_uuid(&r.command_id)?,
            seq: r.seq,
            name: r.name,
            args: serde_json::from_str(&r.args).map_err(|e| CoreError::Cache(e.to_string()))?,
            // A code this version does not know still shows, with its message.
            code: r.code.and_then(|c| {
                serde_json::from_value::<ErrorCode>(serde_json::Value::String(c)).ok()
            }),
            message: r.message,
            created_at: parse_time(&r.created_at)?,
            rejected_at: parse_time(&r.rejected_at)?,
            dismissed_at: r.dismissed_at.as_deref().map(parse_time).transpose()?,
        })
    }
}

/// Conflicts not dismissed yet, oldest first (or all of them, for the diagnostics view).
pub async fn list(pool: &SqlitePool, include_dismissed: bool) -> Result<Vec<Conflict>, CoreError> {
    let sql = if include_dismissed {
        "SELECT * FROM conflicts ORDER BY id"
    } else {
        "SELECT * FROM conflicts WHERE dismissed_at IS NULL ORDER BY id"
    };
    sqlx::query_as::<_, ConflictDb>(sql)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(Conflict::try_from)
        .collect()
}

pub async fn open_count(pool: &SqlitePool) -> Result<i64, CoreError> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM conflicts WHERE dismissed_at IS NULL")
            .fetch_one(pool)
            .await?,
    )
}

/// Marks a conflict as seen. False when there is no such open conflict.
pub async fn dismiss(pool: &SqlitePool, id: i64, now: DateTime<Utc>) -> Result<bool, CoreError> {
    let n =
        sqlx::query("UPDATE conflicts SET dismissed_at = ? WHERE id = ? AND dismissed_at IS NULL")
            .bind(time_text(&now))
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected();
    Ok(n > 0)
}
