//! Launch tokens (R-L7): compact JWS signed with Ed25519, keys rotated, public halves published
//! at `/.well-known/jwks.json`.
//!
//! Keys live in `launch_signing_keys`, the private half encrypted under the master key, so every
//! server process signs with the same current key. A retired key stays published until every
//! token it may have signed has expired.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use mr_protocol::launch::{Jwk, Jwks, JwsHeader, LaunchClaims};
use sqlx::PgPool;

use crate::crypto::{self, MasterKey};

const PURPOSE: &str = "launch-signing-key";
/// Every process re-reads the key set this often, so a rotation made by another process is
/// picked up; retired keys are published long enough to cover this delay.
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);
/// 7240612003: advisory lock serialising rotations across processes.
const ROTATE_LOCK: i64 = 7_240_612_003;

struct KeySet {
    kid: String,
    signing: SigningKey,
    /// The precomputed `base64url(header)` of tokens signed with the current key.
    header_b64: String,
    jwks: Jwks,
}

#[derive(Clone)]
pub struct LaunchSigner {
    keys: Arc<RwLock<Arc<KeySet>>>,
    pool: PgPool,
    master: MasterKey,
    pub ttl: Duration,
    rotation: Duration,
}

impl LaunchSigner {
    /// Loads the key set, creating the first key (or rotating an old one) when needed.
    pub async fn load(
        pool: PgPool,
        master: MasterKey,
        ttl: Duration,
        rotation: Duration,
    ) -> anyhow::Result<Self> {
        ensure_current(&pool, &master, ttl, rotation, false).await?;
        let set = read_set(&pool, &master).await?;
        Ok(LaunchSigner {
            keys: Arc::new(RwLock::new(Arc::new(set))),
            pool,
            master,
            ttl,
            rotation,
        })
    }

    /// Rotates when the current key is older than the rotation period (or now, if `force`),
    /// then re-reads the key set.
    pub async fn refresh(&self, force: bool) -> anyhow::Result<()> {
        ensure_current(&self.pool, &self.master, self.ttl, self.rotation, force).await?;
        let set = read_set(&self.pool, &self.master).await?;
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(set);
        Ok(())
    }

    /// Keeps the key set fresh in the background (rotations by other processes, expiries).
    pub fn spawn_refresh(&self) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(REFRESH_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = me.refresh(false).await {
                    tracing::warn!(error = %e, "refreshing launch signing keys");
                }
            }
        });
    }

    fn current(&self) -> Arc<KeySet> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn current_kid(&self) -> String {
        self.current().kid.clone()
    }

    pub fn jwks(&self) -> Jwks {
        self.current().jwks.clone()
    }

    /// Signs the claims of one launch; returns the token and its expiry.
    pub fn sign(&self, claims: &LaunchClaims) -> String {
        let set = self.current();
        let payload = serde_json::to_vec(claims).expect("claims serialise");
        let mut token = String::with_capacity(set.header_b64.len() + payload.len() * 4 / 3 + 90);
        token.push_str(&set.header_b64);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let sig = set.signing.sign(token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(sig.to_bytes(), &mut token);
        token
    }
}

/// The `exp` claim of a token this server issued (for repeats, whose token is stored).
pub fn token_expiry(token: &str) -> Option<DateTime<Utc>> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: LaunchClaims = serde_json::from_slice(&bytes).ok()?;
    DateTime::from_timestamp(claims.exp, 0)
}

fn new_kid() -> String {
    // Date-prefixed, so a JWKS reader sees which key is newer.
    // random_token is URL-safe base64: letters, digits, '-' and '_', as the kid allows.
    format!(
        "{}-{}",
        Utc::now().format("%Y%m%d"),
        &crypto::random_token()[..12]
    )
}

async fn ensure_current(
    pool: &PgPool,
    master: &MasterKey,
    ttl: Duration,
    rotation: Duration,
    force: bool,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(ROTATE_LOCK)
        .execute(&mut *tx)
        .await?;
    let current: Option<(String, DateTime<Utc>)> =
        sqlx::query_as("SELECT kid, created_at FROM launch_signing_keys WHERE retired_at IS NULL")
            .fetch_optional(&mut *tx)
            .await?;
    let due = match &current {
        None => true,
        Some((_, created)) => {
            force
                || Utc::now().signed_duration_since(*created)
                    > chrono::Duration::from_std(rotation)?
        }
    };
    if !due {
        tx.rollback().await?;
        return Ok(());
    }
    if let Some((kid, _)) = current {
        // Published for the longest token lifetime plus the time other processes may keep
        // signing with it before their next refresh, with a margin.
        let keep = ttl + REFRESH_EVERY * 2 + Duration::from_secs(300);
        sqlx::query(
            "UPDATE launch_signing_keys SET retired_at = now(), published_until = now() + $2
              WHERE kid = $1",
        )
        .bind(&kid)
        .bind(chrono::Duration::from_std(keep)?)
        .execute(&mut *tx)
        .await?;
        tracing::info!(kid, "launch signing key retired");
    }
    let signing = SigningKey::generate(&mut rand::rngs::OsRng);
    let (ct, nonce) = crypto::encrypt(master, PURPOSE, &signing.to_bytes());
    let kid = new_kid();
    sqlx::query(
        "INSERT INTO launch_signing_keys (kid, public_key, private_ciphertext, private_nonce)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(&kid)
    .bind(signing.verifying_key().to_bytes().to_vec())
    .bind(ct)
    .bind(nonce)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(kid, "launch signing key created");
    Ok(())
}

/// kid, public key, encrypted private key, nonce, is current.
type KeyRow = (String, Vec<u8>, Vec<u8>, Vec<u8>, bool);

async fn read_set(pool: &PgPool, master: &MasterKey) -> anyhow::Result<KeySet> {
    let rows: Vec<KeyRow> = sqlx::query_as(
        "SELECT kid, public_key, private_ciphertext, private_nonce, retired_at IS NULL
           FROM launch_signing_keys
          WHERE retired_at IS NULL OR published_until > now()
          ORDER BY created_at DESC",
    )
    .fetch_all(pool)
    .await?;
    let mut current = None;
    let mut keys = Vec::with_capacity(rows.len());
    for (kid, public, ct, nonce, is_current) in rows {
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| anyhow::anyhow!("launch key {kid}: bad public key"))?;
        VerifyingKey::from_bytes(&public)?;
        keys.push(Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: URL_SAFE_NO_PAD.encode(public),
            kid: kid.clone(),
            alg: "EdDSA".into(),
            use_: "sig".into(),
        });
        if is_current {
            let secret = crypto::decrypt(master, PURPOSE, &ct, &nonce).ok_or_else(|| {
                anyhow::anyhow!("launch key {kid} does not decrypt: was MASTER_KEY changed?")
            })?;
            let secret: [u8; 32] = secret
                .try_into()
                .map_err(|_| anyhow::anyhow!("launch key {kid}: bad private key"))?;
            current = Some((kid, SigningKey::from_bytes(&secret)));
        }
    }
    let (kid, signing) = current.ok_or_else(|| anyhow::anyhow!("no current launch key"))?;
    let header = JwsHeader {
        alg: "EdDSA".into(),
        typ: "JWT".into(),
        kid: kid.clone(),
    };
    let header_b64 = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?);
    Ok(KeySet {
        kid,
        signing,
        header_b64,
        jwks: Jwks { keys },
    })
}
