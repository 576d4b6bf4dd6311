//! `/health`, `/health/db`, `/health/redis`: each answers within 500 ms.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use mr_protocol::home::HealthStatus;

use crate::json::Json;
use crate::state::AppState;

const PROBE_TIMEOUT: Duration = Duration::from_millis(450);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/health/db", get(db))
        .route("/health/redis", get(redis_health))
}

fn status(
    code: StatusCode,
    status: &str,
    started: Instant,
    detail: Option<String>,
) -> (StatusCode, Json<HealthStatus>) {
    (
        code,
        Json(HealthStatus {
            status: status.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            latency_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
            detail,
        }),
    )
}

async fn health() -> (StatusCode, Json<HealthStatus>) {
    status(StatusCode::OK, "ok", Instant::now(), None)
}

async fn db(State(state): State<AppState>) -> (StatusCode, Json<HealthStatus>) {
    let started = Instant::now();
    let probe = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool);
    match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Ok(Ok(_)) => status(StatusCode::OK, "ok", started, None),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "database health check failed");
            status(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                started,
                Some("database error".into()),
            )
        }
        Err(_) => status(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            started,
            Some("timeout".into()),
        ),
    }
}

async fn redis_health(State(state): State<AppState>) -> (StatusCode, Json<HealthStatus>) {
    let started = Instant::now();
    let Some(mut conn) = state.redis.clone() else {
        // Redis is optional: without it rate limits stay per process.
        return status(StatusCode::OK, "not_configured", started, None);
    };
    let cmd = redis::cmd("PING");
    let ping = cmd.query_async::<String>(&mut conn);
    match tokio::time::timeout(PROBE_TIMEOUT, ping).await {
        Ok(Ok(_)) => status(StatusCode::OK, "ok", started, None),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "redis health check failed");
            status(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                started,
                Some("redis error".into()),
            )
        }
        Err(_) => status(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            started,
            Some("timeout".into()),
        ),
    }
}
