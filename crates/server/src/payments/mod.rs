//! Money coming in (issue "Wallet and payments", R-P1..R-P5): the channels' notifications are
//! stored raw first, verified with the channel's key, matched against our order and credited
//! exactly once in one transaction with the ledger entry; anything that cannot be accepted is
//! recorded with its reason and counted, never a 500.

pub mod alipay_client;
pub mod alipay_notify;
pub mod channel;
pub mod ledger_check;
pub mod low_balance;
pub mod orders;
pub mod reconcile;
pub mod sandbox_alipay;
pub mod sandbox_buyer;
pub mod sandbox_wechat;
pub mod settings;
pub mod settle;
pub mod wechat_client;
pub mod wechat_notify;

use axum::routing::post;
use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(alipay_notify::PATH, post(alipay_notify::handler))
        .route(wechat_notify::PATH, post(wechat_notify::handler))
        .merge(orders::router())
}

/// Counts a callback by channel and outcome (`mr_payment_callbacks_total`).
fn count(channel: &'static str, result: &'static str) {
    metrics::counter!("mr_payment_callbacks_total", "channel" => channel, "result" => result)
        .increment(1);
}

/// Stores a callback as received, before anything else looks at it (R-P2).
async fn store(
    pool: &sqlx::PgPool,
    channel: &str,
    sandbox: bool,
    headers: serde_json::Value,
    raw: &str,
) -> Result<i64, sqlx::Error> {
    // payment_callback_store(): the insert without waiting for the disk (see its migration
    // for why that is safe: nothing is answered before the settle commit flushes it).
    sqlx::query_scalar("SELECT payment_callback_store($1, $2, $3, $4)")
        .bind(channel)
        .bind(sandbox)
        .bind(headers)
        .bind(raw)
        .fetch_one(pool)
        .await
}

/// Records why a stored callback was refused (`verified` false when its signature failed).
async fn reject(pool: &sqlx::PgPool, id: i64, verified: Option<bool>, reason: &str) {
    let r = sqlx::query(
        "UPDATE payment_callbacks SET result = 'rejected', verified = $2, reject_reason = $3,
                                      processed_at = now()
          WHERE id = $1",
    )
    .bind(id)
    .bind(verified)
    .bind(reason)
    .execute(pool)
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, callback = id, "recording a refused payment callback");
    }
}

/// Raises an administrator alert about a payment that needs finance (shown on the admin home).
async fn alert(
    conn: &mut sqlx::PgConnection,
    severity: &str,
    title: &str,
    body: String,
    details: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO admin_alerts (kind, severity, title, body, details)
         VALUES ('payment_abnormal', $1, $2, $3, $4)",
    )
    .bind(severity)
    .bind(title)
    .bind(body)
    .bind(details)
    .execute(conn)
    .await
    .map(drop)
}
