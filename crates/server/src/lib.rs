//! The MR Game Operations server: a thin axum layer over PostgreSQL.
//!
//! One module per area; each has `routes.rs` (thin handlers) and `service.rs` (transactions).

pub mod accounts;
pub mod app;
pub mod audit;
pub mod auth;
pub mod config;
pub mod crypto;
pub mod error;
pub mod health;
pub mod json;
pub mod launch;
pub mod overview;
pub mod payments;
pub mod seed;
pub mod state;
pub mod sync;
pub mod telemetry;
pub mod testing;
pub mod uat;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::config::Config;
use crate::state::AppState;

/// The server's PostgreSQL migrations (`migrations/` at the repository root).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

pub async fn connect(config: &Config) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(config.db_max_connections)
        // Fail fast when the database is down, so callers get a 503 instead of hanging.
        .acquire_timeout(Duration::from_secs(3))
        .connect(&config.database_url)
        .await
        .with_context(|| "connecting to PostgreSQL (DATABASE_URL)")
}

/// Creates the database named in the URL when it does not exist yet (first `make run`).
pub async fn ensure_database(url: &str) -> anyhow::Result<()> {
    use sqlx::migrate::MigrateDatabase;
    if !sqlx::Postgres::database_exists(url).await? {
        sqlx::Postgres::create_database(url).await?;
        tracing::info!("created database");
    }
    Ok(())
}

pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await.context("running migrations")
}

/// Runs the server until SIGINT/SIGTERM, then drains in-flight requests.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    ensure_database(&config.database_url).await?;
    let pool = connect(&config).await?;
    migrate(&pool).await?;
    let redis = match &config.redis_url {
        Some(url) => {
            let client = redis::Client::open(url.as_str()).context("REDIS_URL")?;
            Some(
                redis::aio::ConnectionManager::new(client)
                    .await
                    .context("connecting to Redis (REDIS_URL)")?,
            )
        }
        None => None,
    };
    let bind = config.bind;
    let state = AppState::new(pool.clone(), config, telemetry::metrics_handle(), redis).await?;
    launch::ending::spawn_estimator(pool.clone());
    overview::statistics::spawn_rollups(pool.clone());
    payments::low_balance::spawn(pool.clone(), state.config.low_balance.clone());
    payments::ledger_check::spawn(pool.clone());
    payments::reconcile::spawn(pool, state.config.payments.clone());
    let app = app::build_router(state);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    tracing::info!(addr = %listener.local_addr()?, "mr-server listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("mr-server stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; draining requests");
}
