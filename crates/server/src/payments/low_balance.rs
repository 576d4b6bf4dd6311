//! Low-balance reminders (issue "Wallet and payments", jobs): an operator whose balance is
//! under its tier's line gets one message in its message centre — once, until money comes in
//! again. Safe to run from every server replica at once: one runs (advisory lock), and the
//! "not since the last credit" rule makes a repeat harmless anyway.

use std::time::Duration;

use rust_decimal::Decimal;
use sqlx::PgPool;

/// The reminder lines per tier, in yuan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thresholds {
    pub trial: Decimal,
    pub standard: Decimal,
    pub vip: Decimal,
}

impl Default for Thresholds {
    fn default() -> Self {
        let hundred = Decimal::from(100);
        Thresholds {
            trial: hundred,
            standard: hundred,
            vip: hundred,
        }
    }
}

/// Sends the reminders that are due; returns how many were sent (0 when another replica
/// holds the job right now).
pub async fn remind(pool: &PgPool, t: &Thresholds) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mine: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext('mr.job.low_balance'))")
            .fetch_one(&mut *tx)
            .await?;
    if !mine {
        return Ok(0);
    }
    let sent = sqlx::query(
        "INSERT INTO messages (operator_id, kind, title, body)
         SELECT o.id, 'low_balance', '余额不足提醒',
                format('您的账户余额为 ¥%s，低于提醒线 ¥%s。余额不足时头显将无法启动游戏，请及时充值。',
                       o.balance, l.line)
           FROM operators o
           JOIN (VALUES ('trial', $1::numeric), ('standard', $2::numeric), ('vip', $3::numeric))
                AS l (tier, line) ON l.tier = o.tier
          WHERE o.status = 'active' AND o.balance < l.line
            AND NOT EXISTS (
                SELECT 1 FROM messages m
                 WHERE m.operator_id = o.id AND m.kind = 'low_balance'
                   AND m.created_at >= coalesce(
                       (SELECT max(e.created_at) FROM ledger_entries e
                         WHERE e.operator_id = o.id AND e.amount > 0),
                       '-infinity'))",
    )
    .bind(t.trial)
    .bind(t.standard)
    .bind(t.vip)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(sent)
}

/// Runs the reminders every five minutes in the background.
pub fn spawn(pool: PgPool, t: Thresholds) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            match remind(&pool, &t).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sent = n, "low-balance reminders"),
                Err(e) => tracing::warn!(error = %e, "low-balance reminders"),
            }
        }
    });
}
