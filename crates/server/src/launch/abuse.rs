//! R-L10: one IP with more than 20 failed headset requests in 5 minutes, or more than 5
//! different API keys in 1 minute, locks the operators whose keys came from it, at once, and
//! alerts administrators. Only an administrator unlocks.
//!
//! Failures that a well-behaved venue produces in normal use (balance exhausted, a player
//! count outside the range, already locked, rate-limited) do not count: they would lock honest
//! venues. Forgery and probing do: bad keys, bad signatures, stale timestamps, malformed
//! requests, unknown sites or applications.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mr_domain::ErrorCode;
use sqlx::PgPool;
use uuid::Uuid;

use super::limits::Counters;

pub const FAILURES_PER_5_MIN: u64 = 20;
pub const KEYS_PER_MIN: u64 = 5;

#[derive(Clone)]
pub struct AbuseGuard {
    counters: Arc<Counters>,
    pool: PgPool,
    enabled: bool,
    /// Operators this process locked lately, so a continuing attack does not rewrite the row.
    recent: Arc<Mutex<HashMap<Uuid, Instant>>>,
}

/// What one request showed about its sender.
pub struct Observation {
    pub ip: String,
    /// Hex prefix of the presented key's keyed hash (never the key itself).
    pub key_tag: Option<String>,
    /// The operator of the presented key, when the key is valid.
    pub operator_id: Option<Uuid>,
    pub result: Option<ErrorCode>,
}

pub fn counts_as_abuse(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::InvalidApiKey
            | ErrorCode::InvalidSignature
            | ErrorCode::TimestampExpired
            | ErrorCode::InvalidParams
            | ErrorCode::ResourceNotFound
            | ErrorCode::AppNotAuthorized
    )
}

impl AbuseGuard {
    pub fn new(counters: Arc<Counters>, pool: PgPool, enabled: bool) -> Self {
        AbuseGuard {
            counters,
            pool,
            enabled,
            recent: Arc::default(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Records the request and, if its IP has crossed a threshold, locks the operators seen
    /// from it. Runs off the request path (spawned by the caller).
    pub async fn observe(&self, o: Observation) {
        if !self.enabled {
            return;
        }
        let now = unix_now();
        let ip = &o.ip;
        let mut keys = 0;
        if let Some(tag) = &o.key_tag {
            keys = self
                .counters
                .add_to_set(&format!("abuse:keys:{ip}"), 60, tag, now)
                .await;
        }
        if let Some(op) = o.operator_id {
            self.counters
                .add_to_set(&format!("abuse:ops:{ip}"), 300, &op.to_string(), now)
                .await;
        }
        let mut failures = 0;
        if o.result.is_some_and(counts_as_abuse) {
            failures = self
                .counters
                .incr(&[(&format!("abuse:fail:{ip}"), 300)], now)
                .await[0]
                .count;
        } else if keys <= KEYS_PER_MIN {
            return;
        }
        if failures <= FAILURES_PER_5_MIN && keys <= KEYS_PER_MIN {
            return;
        }
        let mut ops: Vec<Uuid> = self
            .counters
            .members(&format!("abuse:ops:{ip}"), 300, now)
            .await
            .iter()
            .filter_map(|s| Uuid::parse_str(s).ok())
            .collect();
        ops.extend(o.operator_id);
        ops.sort();
        ops.dedup();
        {
            let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
            recent.retain(|_, at| at.elapsed() < Duration::from_secs(60));
            ops.retain(|op| !recent.contains_key(op));
            if ops.is_empty() && (failures != FAILURES_PER_5_MIN + 1 && keys != KEYS_PER_MIN + 1) {
                return;
            }
            for op in &ops {
                recent.insert(*op, Instant::now());
            }
        }
        let why = if failures > FAILURES_PER_5_MIN {
            format!("5 分钟内失败请求 {failures} 次")
        } else {
            format!("1 分钟内使用 {keys} 个不同的 API Key")
        };
        if let Err(e) = lock(&self.pool, ip, &why, &ops).await {
            tracing::error!(error = %e, ip, "abuse lock failed");
            let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
            for op in &ops {
                recent.remove(op);
            }
        }
    }
}

fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// Locks the operators (by the system: `locked_by` stays NULL), tells each of them, raises one
/// administrator alert and writes the audit rows — one transaction.
async fn lock(pool: &PgPool, ip: &str, why: &str, ops: &[Uuid]) -> Result<(), sqlx::Error> {
    let reason =
        format!("系统检测到来自 IP {ip} 的异常请求（{why}），已自动锁定，请联系管理员解锁");
    let mut tx = pool.begin().await?;
    let locked: Vec<(Uuid, String)> = sqlx::query_as(
        "UPDATE operators SET is_locked = true, locked_at = now(), locked_reason = $2,
                              locked_by = NULL, updated_at = now()
          WHERE id = ANY($1) AND NOT is_locked
         RETURNING id, display_name",
    )
    .bind(ops)
    .bind(&reason)
    .fetch_all(&mut *tx)
    .await?;
    let names: Vec<String> = locked.iter().map(|(_, n)| n.clone()).collect();
    sqlx::query(
        "INSERT INTO admin_alerts (kind, severity, title, body, details)
         VALUES ('abuse_lock', 'critical', $1, $2, $3)",
    )
    .bind(format!("异常请求：IP {ip}"))
    .bind(if names.is_empty() {
        format!("来自 IP {ip} 的异常请求（{why}），未涉及有效的运营商 API Key。")
    } else {
        format!(
            "来自 IP {ip} 的异常请求（{why}），已自动锁定运营商：{}。",
            names.join("、")
        )
    })
    .bind(serde_json::json!({
        "ip": ip,
        "reason": why,
        "locked_operator_ids": locked.iter().map(|(id, _)| id).collect::<Vec<_>>(),
    }))
    .execute(&mut *tx)
    .await?;
    for (id, _) in &locked {
        sqlx::query(
            "INSERT INTO messages (operator_id, kind, title, body) VALUES ($1, 'system', $2, $3)",
        )
        .bind(id)
        .bind("账号已被系统锁定")
        .bind(&reason)
        .execute(&mut *tx)
        .await?;
        sqlx::query("SELECT audit_append('system', NULL, NULL, 'operator.auto_lock', 'operator', $1, $2, NULL, NULL, $3, NULL)")
            .bind(id.to_string())
            .bind(serde_json::json!({ "reason": reason }))
            .bind(ip)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    metrics::counter!("mr_abuse_locks_total").increment(locked.len() as u64);
    tracing::warn!(
        ip,
        why,
        locked = locked.len(),
        "abuse detected: operators locked"
    );
    Ok(())
}
