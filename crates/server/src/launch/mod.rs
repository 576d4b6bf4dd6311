//! The headset-facing launch API (REQUIREMENTS §3, docs/launch-api.md): authorize and bill a
//! game launch, report its end, set-up calls, the JWKS.

pub mod abuse;
pub mod attempts;
pub mod charge;
pub mod ending;
pub mod fixture;
pub mod headset_auth;
pub mod limits;
pub mod routes;
pub mod signer;

use std::sync::Arc;

use crate::config::Config;

/// Everything the launch path keeps between requests.
#[derive(Clone)]
pub struct LaunchHub {
    pub signer: signer::LaunchSigner,
    pub charger: charge::Charger,
    pub counters: Arc<limits::Counters>,
    pub abuse: abuse::AbuseGuard,
    pub attempts: attempts::AttemptLog,
    pub keys: Arc<headset_auth::KeyCache>,
}

impl LaunchHub {
    /// Loads (or creates) the signing keys and starts the background workers.
    pub async fn start(
        pool: sqlx::PgPool,
        config: &Config,
        redis: Option<redis::aio::ConnectionManager>,
    ) -> anyhow::Result<Self> {
        let signer = signer::LaunchSigner::load(
            pool.clone(),
            config.master_key.clone(),
            config.launch_token_ttl,
            config.launch_key_rotation,
        )
        .await?;
        signer.spawn_refresh();
        let counters = Arc::new(limits::Counters::new(redis));
        Ok(LaunchHub {
            signer,
            charger: charge::Charger::start(
                pool.clone(),
                config.launch_workers,
                config.launch_batch_max,
            ),
            abuse: abuse::AbuseGuard::new(
                counters.clone(),
                pool.clone(),
                config.abuse_lock_enabled,
            ),
            counters,
            attempts: attempts::AttemptLog::start(pool),
            keys: Arc::default(),
        })
    }
}
