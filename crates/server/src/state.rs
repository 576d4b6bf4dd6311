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
}

impl AppState {
    /// Starts the live-update listener too, so it must run inside the Tokio runtime.
    pub fn new(
        pool: PgPool,
        config: Config,
        metrics: PrometheusHandle,
        redis: Option<redis::aio::ConnectionManager>,
    ) -> Self {
        let live = crate::sync::live::LiveHub::start(pool.clone());
        AppState(Arc::new(Inner {
            pool,
            config,
            metrics,
            redis,
            live,
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
