//! Authenticating a headset request: API key shape, timestamp window, HMAC signature, then
//! the key's operator by its keyed hash (one unique-index lookup, never a scan).

use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use mr_domain::ErrorCode;
use mr_protocol::launch::{
    verify_signature, CLOCK_SKEW_SECS, HEADER_API_KEY, HEADER_SIGNATURE, HEADER_TIMESTAMP,
};
use serde_json::json;
use uuid::Uuid;

use crate::crypto::{api_key_lookup_hash, API_KEY_LEN};
use crate::error::ApiError;
use crate::state::AppState;

/// The operator behind a valid key.
#[derive(Debug, Clone)]
pub struct Headset {
    pub operator_id: Uuid,
    pub operator_name: String,
    pub key_hash: Vec<u8>,
}

/// What is known about the caller so far, kept for the attempt log even when a check fails.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    pub key_hash: Option<Vec<u8>>,
    pub operator_id: Option<Uuid>,
}

impl Seen {
    /// Short tag of the presented key for the abuse detector's distinct-key count.
    pub fn key_tag(&self) -> Option<String> {
        self.key_hash.as_ref().map(|h| hex::encode(&h[..8]))
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Recently seen valid keys, for the launch path only: there the charging transaction checks
/// the key hash, the lock and the account status again, so a stale entry can never authorize
/// a charge (a reset key still fails at once with INVALID_API_KEY). It saves the launch path
/// one database round trip per request.
#[derive(Default)]
pub struct KeyCache {
    entries: std::sync::Mutex<std::collections::HashMap<Vec<u8>, (Uuid, String, Instant)>>,
}

const KEY_CACHE_TTL: Duration = Duration::from_secs(10);

impl KeyCache {
    fn get(&self, hash: &[u8]) -> Option<(Uuid, String)> {
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.get(hash)
            .filter(|(_, _, at)| at.elapsed() < KEY_CACHE_TTL)
            .map(|(id, name, _)| (*id, name.clone()))
    }

    fn put(&self, hash: Vec<u8>, id: Uuid, name: String) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= 100_000 {
            map.retain(|_, (_, _, at)| at.elapsed() < KEY_CACHE_TTL);
        }
        map.insert(hash, (id, name, Instant::now()));
    }
}

/// Which lookup the caller trusts: the cache only where the charge re-checks the key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Cached,
    Database,
}

/// Runs every check of the signed headers, in the order that costs least for a forger.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    body: &[u8],
    seen: &mut Seen,
    lookup: Lookup,
) -> Result<Headset, ApiError> {
    let key = header(headers, HEADER_API_KEY).unwrap_or("");
    if key.len() != API_KEY_LEN || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::with(
            ErrorCode::InvalidApiKey,
            json!({ "reason": if key.is_empty() { "X-Api-Key header is missing" } else { "X-Api-Key must be 64 letters or digits" } }),
        ));
    }
    let hash = api_key_lookup_hash(&state.config.master_key, key);
    seen.key_hash = Some(hash.clone());

    let Some(ts_text) = header(headers, HEADER_TIMESTAMP) else {
        return Err(ApiError::with(
            ErrorCode::InvalidParams,
            json!({ "field": "X-Timestamp", "rule": "timestamp_missing", "reason": "X-Timestamp header is required (unix seconds)" }),
        ));
    };
    let Ok(ts) = ts_text.trim().parse::<i64>() else {
        return Err(ApiError::with(
            ErrorCode::InvalidParams,
            json!({ "field": "X-Timestamp", "rule": "timestamp_format", "reason": "X-Timestamp must be unix seconds" }),
        ));
    };
    let now = chrono::Utc::now().timestamp();
    if (now - ts).abs() > CLOCK_SKEW_SECS {
        attribute(state, &hash, seen).await;
        return Err(ApiError::with(
            ErrorCode::TimestampExpired,
            json!({ "server_time": now, "timestamp": ts, "allowed_skew_seconds": CLOCK_SKEW_SECS }),
        ));
    }

    let sig = header(headers, HEADER_SIGNATURE).unwrap_or("");
    if !verify_signature(key, sig, ts_text, method, path, body) {
        attribute(state, &hash, seen).await;
        return Err(ApiError::with(
            ErrorCode::InvalidSignature,
            json!({ "reason": "X-Signature must be base64(HMAC-SHA256(API key, \"{X-Timestamp}\\n{METHOD}\\n{path}\\n{body}\"))" }),
        ));
    }

    if lookup == Lookup::Cached {
        if let Some((operator_id, operator_name)) = state.launch.keys.get(&hash) {
            seen.operator_id = Some(operator_id);
            return Ok(Headset {
                operator_id,
                operator_name,
                key_hash: hash,
            });
        }
    }
    let Some((operator_id, operator_name, status, locked)) = key_owner(state, &hash).await? else {
        return Err(ApiError::with(
            ErrorCode::InvalidApiKey,
            json!({ "reason": "unknown or reset API key" }),
        ));
    };
    seen.operator_id = Some(operator_id);
    if status != "active" {
        return Err(ApiError::with(
            ErrorCode::InvalidApiKey,
            json!({ "reason": "the operator account is closed" }),
        ));
    }
    if locked {
        return Err(ApiError::new(ErrorCode::OperatorLocked));
    }
    state
        .launch
        .keys
        .put(hash.clone(), operator_id, operator_name.clone());
    Ok(Headset {
        operator_id,
        operator_name,
        key_hash: hash,
    })
}

/// A failed request that carried a real key is attributed to that key's operator, so the
/// abuse lock (R-L10) can lock the operator whose key is being misused.
async fn attribute(state: &AppState, hash: &[u8], seen: &mut Seen) {
    if let Ok(Some((id, ..))) = key_owner(state, hash).await {
        seen.operator_id = Some(id);
    }
}

/// The operator holding a key (id, name, status, locked), by the keyed hash's unique index.
async fn key_owner(
    state: &AppState,
    hash: &[u8],
) -> Result<Option<(Uuid, String, String, bool)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, display_name, status, is_locked FROM operators WHERE api_key_hash = $1",
    )
    .bind(hash)
    .fetch_optional(&state.pool)
    .await
}
