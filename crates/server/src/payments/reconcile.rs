//! Reconciliation (issue "Wallet and payments", jobs; R-P3), every five minutes on every
//! replica, one at a time (a transaction-scoped advisory lock): each pending order is asked
//! about at its channel.
//!
//! - Paid there but no notification came: credited through the same path as a notification
//!   (recorded in the callback inbox as coming from reconciliation).
//! - Unpaid past its time: closed at the channel, then here.
//! - Three failed queries in a row: flagged `abnormal` for finance, with an alert.

use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::alipay_client::ChannelError;
use super::channel::{Gateway, Trade};
use super::settings::Channels;
use super::settle::{settle, Payment};

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Whether this run held the job (false: another replica had it).
    pub ran: bool,
    pub credited: u32,
    pub closed: u32,
    pub flagged: u32,
    pub failed_queries: u32,
}

/// Queries this many failures in a row make the order abnormal.
const MAX_FAILURES: i32 = 3;

type Pending = (Uuid, String, String, bool);

pub async fn run(pool: &PgPool, channels: &Channels) -> Result<Report, sqlx::Error> {
    // The lock lives in a transaction held open for the run; the work itself commits order
    // by order on other connections.
    let mut guard = pool.begin().await?;
    let mine: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext('mr.job.reconcile'))")
            .fetch_one(&mut *guard)
            .await?;
    if !mine {
        return Ok(Report::default());
    }
    let mut report = Report {
        ran: true,
        ..Report::default()
    };
    let pending: Vec<Pending> = sqlx::query_as(
        "SELECT id, out_trade_no, channel, expires_at < now()
           FROM payment_orders WHERE status = 'pending' ORDER BY created_at LIMIT 500",
    )
    .fetch_all(pool)
    .await?;
    for (id, no, channel, expired) in pending {
        let Some(gateway) = Gateway::of(channels, &channel) else {
            continue;
        };
        match gateway.query(&no).await {
            Ok(Trade::Paid {
                trade_no,
                amount,
                status,
            }) => {
                let raw = json!({ "source": "reconciliation", "out_trade_no": no,
                                  "trade_no": trade_no, "trade_status": status,
                                  "total_amount": amount.to_string() });
                let callback = super::store(
                    pool,
                    &channel,
                    channels.sandbox,
                    json!({ "source": "reconciliation" }),
                    &raw.to_string(),
                )
                .await?;
                let payment = Payment {
                    channel: gateway.channel(),
                    out_trade_no: no.clone(),
                    channel_trade_no: trade_no,
                    amount,
                    paid_at: Utc::now(),
                };
                match settle(pool, callback, &payment).await?.result() {
                    "credited" => report.credited += 1,
                    "flagged" => report.flagged += 1,
                    _ => {}
                }
            }
            Ok(state) if expired => {
                let closed_there = match state {
                    Trade::Closed => Ok(()),
                    _ => gateway.close(&no).await,
                };
                match closed_there {
                    Ok(()) => {
                        sqlx::query(
                            "UPDATE payment_orders SET status = 'closed', closed_at = now(),
                                                       query_failures = 0, updated_at = now()
                              WHERE id = $1 AND status = 'pending'",
                        )
                        .bind(id)
                        .execute(pool)
                        .await?;
                        report.closed += 1;
                    }
                    Err(e) => note_failure(pool, id, &e, &mut report).await?,
                }
            }
            Ok(_) => {
                sqlx::query("UPDATE payment_orders SET query_failures = 0 WHERE id = $1")
                    .bind(id)
                    .execute(pool)
                    .await?;
            }
            Err(e) => note_failure(pool, id, &e, &mut report).await?,
        }
    }
    guard.commit().await?;
    Ok(report)
}

async fn note_failure(
    pool: &PgPool,
    order: Uuid,
    e: &ChannelError,
    report: &mut Report,
) -> Result<(), sqlx::Error> {
    report.failed_queries += 1;
    let reason = format!("{MAX_FAILURES} reconciliation queries failed: {e}");
    let flagged: Option<i32> = sqlx::query_scalar(
        "UPDATE payment_orders
            SET query_failures = query_failures + 1,
                status = CASE WHEN query_failures + 1 >= $2 THEN 'abnormal' ELSE status END,
                flagged_reason = CASE WHEN query_failures + 1 >= $2 THEN $3 ELSE flagged_reason END,
                updated_at = now()
          WHERE id = $1 AND status = 'pending'
         RETURNING CASE WHEN status = 'abnormal' THEN 1 END",
    )
    .bind(order)
    .bind(MAX_FAILURES)
    .bind(&reason)
    .fetch_optional(pool)
    .await?
    .flatten();
    if flagged.is_some() {
        report.flagged += 1;
        let mut conn = pool.acquire().await?;
        super::alert(
            &mut conn,
            "warning",
            "支付订单状态无法确认",
            format!("订单 {order} 连续 {MAX_FAILURES} 次查询失败，请财务核实。"),
            json!({ "order_id": order, "reason": reason }),
        )
        .await?;
    }
    Ok(())
}

/// Runs reconciliation every five minutes in the background.
pub fn spawn(pool: PgPool, channels: Channels) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            match run(&pool, &channels).await {
                Ok(r) if r.credited + r.closed + r.flagged > 0 => {
                    tracing::info!(?r, "payment reconciliation")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "payment reconciliation"),
            }
        }
    });
}
