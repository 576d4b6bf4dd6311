//! Shared application state handed to every handler.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::PgPool;

use crate::config::Config;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub pool: PgPool,
    pub config: Config,
    pub metrics: PrometheusHandle,
    pub redis: Option<redis::aio::ConnectionManager>,
    pub live: crate::sync::live::LiveHub,
    pub launch: crate::launch::LaunchHub,
    /// Settles verified payment notifications in batches (group commit).
    pub settler: crate::payments::settle::Settler,
}

impl AppState {
    /// Starts the live-update listener and the launch path's workers too, so it must run
    /// inside the Tokio runtime; loads (or creates) the launch signing keys.
    pub async fn new(
        pool: PgPool,
        config: Config,
        metrics: PrometheusHandle,
        redis: Option<redis::aio::ConnectionManager>,
    ) -> anyhow::Result<Self> {
        let live = crate::sync::live::LiveHub::start(pool.clone());
        let launch = crate::launch::LaunchHub::start(pool.clone(), &config, redis.clone()).await?;
        let settler = crate::payments::settle::Settler::start(pool.clone());
        Ok(AppState(Arc::new(Inner {
            settler,
            pool,
            config,
            metrics,
            redis,
            live,
            launch,
        })))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
