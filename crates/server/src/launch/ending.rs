//! R-L8: the headset reports a game's end (and optionally its duration); games that never
//! report are given an estimated duration by a background job.

use std::time::Duration;

use chrono::{DateTime, Utc};
use mr_domain::ErrorCode;
use mr_protocol::launch::{GameEndRequest, GameEndResponse};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// A reported duration above this is refused (a day: no arcade game runs longer).
pub const MAX_DURATION_SECS: i64 = 86_400;
/// A game that has not reported after this long gets an estimate.
pub const ESTIMATE_AFTER: Duration = Duration::from_secs(4 * 3600);
/// Estimate when an application has no reported games to learn from.
pub const DEFAULT_ESTIMATE_SECS: i32 = 1_800;

/// Records the end once; a repeated report returns the first one unchanged.
pub async fn report(
    pool: &PgPool,
    operator: Uuid,
    req: &GameEndRequest,
) -> ApiResult<GameEndResponse> {
    if let Some(d) = req.duration_seconds {
        if !(0..=MAX_DURATION_SECS).contains(&d) {
            return Err(ApiError::with(
                ErrorCode::InvalidParams,
                json!({ "field": "duration_seconds", "rule": "duration_range", "reason": "duration_seconds must be between 0 and 86400" }),
            ));
        }
    }
    let updated: Option<(DateTime<Utc>, i32, bool)> = sqlx::query_as(
        "UPDATE game_sessions
            SET ended_at = greatest(now(), authorized_at),
                duration_seconds = coalesce($3::int,
                    greatest(0, extract(epoch FROM now() - authorized_at))::int),
                duration_estimated = false, updated_at = now()
          WHERE session_id = $1 AND operator_id = $2
            AND (ended_at IS NULL OR duration_estimated)
         RETURNING ended_at, duration_seconds, duration_estimated",
    )
    .bind(&req.session_id)
    .bind(operator)
    .bind(req.duration_seconds.and_then(|d| i32::try_from(d).ok()))
    .fetch_optional(pool)
    .await?;
    let row = match updated {
        Some(r) => Some(r),
        None => {
            sqlx::query_as(
                "SELECT ended_at, duration_seconds, duration_estimated FROM game_sessions
                  WHERE session_id = $1 AND operator_id = $2 AND ended_at IS NOT NULL",
            )
            .bind(&req.session_id)
            .bind(operator)
            .fetch_optional(pool)
            .await?
        }
    };
    let (ended_at, duration_seconds, duration_estimated) = row.ok_or_else(|| {
        ApiError::with(
            ErrorCode::ResourceNotFound,
            json!({ "resource": "game_session", "session_id": req.session_id.chars().take(128).collect::<String>() }),
        )
    })?;
    Ok(GameEndResponse {
        session_id: req.session_id.clone(),
        ended_at,
        duration_seconds,
        duration_estimated,
    })
}

/// Gives every game silent for longer than `after` the median reported duration of its
/// application over the last 30 days (or the default). Safe to run on several replicas at
/// once: each row is only touched while it has no end. Returns how many were estimated.
pub async fn estimate_silent(pool: &PgPool, after: Duration) -> Result<u64, sqlx::Error> {
    let r = sqlx::query(
        "WITH silent AS (
             SELECT id, application_id, authorized_at FROM game_sessions
              WHERE ended_at IS NULL AND authorized_at < now() - $1::interval
              ORDER BY authorized_at LIMIT 5000
              FOR UPDATE SKIP LOCKED
         ), typical AS (
             SELECT g.application_id,
                    percentile_disc(0.5) WITHIN GROUP (ORDER BY g.duration_seconds) AS secs
               FROM game_sessions g
              WHERE g.application_id IN (SELECT application_id FROM silent)
                AND NOT g.duration_estimated AND g.duration_seconds IS NOT NULL
                AND g.authorized_at > now() - interval '30 days'
              GROUP BY g.application_id
         )
         UPDATE game_sessions g
            SET duration_seconds = coalesce(t.secs, $2),
                ended_at = s.authorized_at + make_interval(secs => coalesce(t.secs, $2)),
                duration_estimated = true, updated_at = now()
           FROM silent s LEFT JOIN typical t ON t.application_id = s.application_id
          WHERE g.id = s.id",
    )
    .bind(chrono::Duration::from_std(after).unwrap_or_else(|_| chrono::Duration::hours(4)))
    .bind(DEFAULT_ESTIMATE_SECS)
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}

/// Runs the estimator every ten minutes.
pub fn spawn_estimator(pool: PgPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            match estimate_silent(&pool, ESTIMATE_AFTER).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(estimated = n, "game durations estimated"),
                Err(e) => tracing::warn!(error = %e, "estimating game durations"),
            }
        }
    });
}
