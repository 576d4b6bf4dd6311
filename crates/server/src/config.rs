//! Typed configuration, read once from the environment at start-up (see `.env.example`).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::crypto::MasterKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Test,
    Production,
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
    pub redis_url: Option<String>,
    pub environment: Environment,
    pub master_key: MasterKey,
    /// HMAC secret that signs access tokens.
    pub token_secret: Vec<u8>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub max_body_bytes: usize,
    pub db_max_connections: u32,
    pub log_json: bool,
    /// R-L9: launches per operator per minute; 0 turns the limit off.
    pub rate_limit_operator_per_min: u32,
    /// R-L9: headset requests per client IP per minute; 0 turns the limit off.
    pub rate_limit_ip_per_min: u32,
    /// R-L10: lock operators whose keys are used from an abusive IP.
    pub abuse_lock_enabled: bool,
    /// How long a launch token stays valid.
    pub launch_token_ttl: Duration,
    /// How long one launch-token signing key signs before a new one takes over.
    pub launch_key_rotation: Duration,
    /// Launches charged in one database transaction at most, and how many such transactions
    /// run at once (the hot path's group commit).
    pub launch_batch_max: usize,
    pub launch_workers: usize,
    /// Payment channels (R-P1..R-P4): keys and identities; a channel without them is off.
    pub payments: crate::payments::settings::Channels,
    /// Where the channels reach this server (notify URLs): `PUBLIC_BASE_URL`, by default
    /// `http://<BIND>`.
    pub public_base_url: String,
    /// Low-balance reminder lines per tier (yuan; default 100 each).
    pub low_balance: crate::payments::low_balance::Thresholds,
}

impl std::fmt::Debug for Config {
    /// Secrets are never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("redis_url", &self.redis_url.as_ref().map(|_| "<set>"))
            .field("environment", &self.environment)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .finish_non_exhaustive()
    }
}

/// Development keys, used only outside production so `make run` works out of the box.
const DEV_MASTER_KEY: &str = "ZGV2LW9ubHktbWFzdGVyLWtleS1kby1ub3QtdXNlISE=";
const DEV_TOKEN_SECRET: &str = "dev-only-token-secret-change-me-in-production";

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads from any key lookup, so tests can build a config without touching the process env.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let environment = match get("ENVIRONMENT").as_deref().unwrap_or("development") {
            "development" | "dev" => Environment::Development,
            "test" => Environment::Test,
            "production" | "prod" => Environment::Production,
            other => bail!("ENVIRONMENT must be development, test or production, not {other:?}"),
        };
        let prod = environment == Environment::Production;
        let secret = |name: &str, dev: &str| -> anyhow::Result<String> {
            match get(name).filter(|v| !v.is_empty()) {
                Some(v) => Ok(v),
                None if prod => bail!("{name} is required in production"),
                None => Ok(dev.to_string()),
            }
        };
        let master_key = MasterKey::from_base64(&secret("MASTER_KEY", DEV_MASTER_KEY)?)
            .context("MASTER_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)")?;
        let token_secret = secret("TOKEN_SECRET", DEV_TOKEN_SECRET)?.into_bytes();
        if token_secret.len() < 32 {
            bail!("TOKEN_SECRET must be at least 32 bytes");
        }
        let num = |name: &str, default: u64| -> anyhow::Result<u64> {
            get(name)
                .map(|v| {
                    v.parse::<u64>()
                        .with_context(|| format!("{name} must be a whole number"))
                })
                .transpose()
                .map(|v| v.unwrap_or(default))
        };
        Ok(Config {
            database_url: get("DATABASE_URL")
                .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/mr_ops".into()),
            bind: get("BIND")
                .unwrap_or_else(|| "127.0.0.1:8080".into())
                .parse()
                .context("BIND must be host:port, e.g. 127.0.0.1:8080")?,
            redis_url: get("REDIS_URL").filter(|v| !v.is_empty()),
            environment,
            master_key,
            token_secret,
            access_token_ttl: Duration::from_secs(num("ACCESS_TOKEN_TTL_SECS", 900)?),
            refresh_token_ttl: Duration::from_secs(num("REFRESH_TOKEN_TTL_DAYS", 30)? * 86_400),
            max_body_bytes: usize::try_from(num("MAX_BODY_BYTES", 64 * 1024)?)?,
            db_max_connections: u32::try_from(num("DB_MAX_CONNECTIONS", 20)?)?,
            log_json: get("LOG_FORMAT").as_deref() != Some("pretty"),
            rate_limit_operator_per_min: u32::try_from(num("RATE_LIMIT_OPERATOR_PER_MIN", 10)?)?,
            rate_limit_ip_per_min: u32::try_from(num("RATE_LIMIT_IP_PER_MIN", 100)?)?,
            abuse_lock_enabled: !matches!(
                get("ABUSE_LOCK").as_deref(),
                Some("off" | "0" | "false")
            ),
            launch_token_ttl: Duration::from_secs(num("LAUNCH_TOKEN_TTL_SECS", 900)?.max(60)),
            launch_key_rotation: Duration::from_secs(
                num("LAUNCH_KEY_ROTATION_DAYS", 30)?.max(1) * 86_400,
            ),
            launch_batch_max: usize::try_from(num("LAUNCH_BATCH_MAX", 64)?.clamp(1, 1000))?,
            launch_workers: usize::try_from(num("LAUNCH_WORKERS", 2)?.clamp(1, 64))?,
            public_base_url: get("PUBLIC_BASE_URL")
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| {
                    format!(
                        "http://{}",
                        get("BIND").unwrap_or_else(|| "127.0.0.1:8080".into())
                    )
                }),
            low_balance: {
                let line = |name: &str| -> anyhow::Result<rust_decimal::Decimal> {
                    match get(name).filter(|v| !v.is_empty()) {
                        None => Ok(rust_decimal::Decimal::from(100)),
                        Some(v) => v
                            .parse::<rust_decimal::Decimal>()
                            .ok()
                            .filter(|d| *d >= rust_decimal::Decimal::ZERO && d.scale() <= 2)
                            .with_context(|| {
                                format!("{name} must be an amount in yuan, e.g. 100.00")
                            }),
                    }
                };
                crate::payments::low_balance::Thresholds {
                    trial: line("LOW_BALANCE_TRIAL")?,
                    standard: line("LOW_BALANCE_STANDARD")?,
                    vip: line("LOW_BALANCE_VIP")?,
                }
            },
            payments: {
                let base = get("PUBLIC_BASE_URL")
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| {
                        format!(
                            "http://{}",
                            get("BIND").unwrap_or_else(|| "127.0.0.1:8080".into())
                        )
                    });
                let channels = crate::payments::settings::Channels::from_lookup(&get)?
                    .with_sandbox_defaults(&base)?;
                if prod && channels.sandbox {
                    bail!("PAYMENT_SANDBOX cannot be on in production (R-P4)");
                }
                channels
            },
        })
    }

    /// A config for in-process tests: development keys, random port.
    pub fn for_test(database_url: &str) -> Self {
        let mut c = Self::from_lookup(|k| match k {
            "ENVIRONMENT" => Some("test".into()),
            "BIND" => Some("127.0.0.1:0".into()),
            _ => None,
        })
        .expect("test config");
        c.database_url = database_url.to_string();
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_to_start_without_secrets() {
        let err = Config::from_lookup(|k| (k == "ENVIRONMENT").then(|| "production".into()));
        assert!(err.unwrap_err().to_string().contains("MASTER_KEY"));
    }

    #[test]
    fn defaults_are_local() {
        let c = Config::from_lookup(|_| None).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.environment, Environment::Development);
        assert!(c.redis_url.is_none());
        assert!(
            !format!("{c:?}").contains("dev-only"),
            "secrets must not be printed"
        );
    }

    #[test]
    fn payment_channels_name_what_is_missing_and_the_sandbox_stays_out_of_production() {
        let e = Config::from_lookup(|k| (k == "ALIPAY_APP_ID").then(|| "2021".into())).unwrap_err();
        assert!(format!("{e:#}").contains("ALIPAY_APP_PRIVATE_KEY"), "{e:#}");
        let e = Config::from_lookup(|k| match k {
            "ENVIRONMENT" => Some("production".into()),
            "MASTER_KEY" => Some(DEV_MASTER_KEY.into()),
            "TOKEN_SECRET" => Some("x".repeat(40)),
            "PAYMENT_SANDBOX" => Some("on".into()),
            _ => None,
        })
        .unwrap_err();
        assert!(e.to_string().contains("PAYMENT_SANDBOX"), "{e:#}");
        let c = Config::from_lookup(|_| None).unwrap();
        assert!(c.payments.alipay.is_none() && c.payments.wechat.is_none());
        assert_eq!(c.low_balance.vip, rust_decimal::Decimal::from(100));
        let e =
            Config::from_lookup(|k| (k == "LOW_BALANCE_VIP").then(|| "lots".into())).unwrap_err();
        assert!(e.to_string().contains("LOW_BALANCE_VIP"), "{e:#}");
    }

    #[test]
    fn bad_values_are_named() {
        let e = Config::from_lookup(|k| (k == "BIND").then(|| "nope".into())).unwrap_err();
        assert!(e.to_string().contains("BIND"));
        let e =
            Config::from_lookup(|k| (k == "MASTER_KEY").then(|| "c2hvcnQ=".into())).unwrap_err();
        assert!(e.to_string().contains("MASTER_KEY"));
    }
}
