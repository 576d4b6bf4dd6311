//! Crediting a paid order: exactly once, in one transaction with the balance update, the
//! ledger entry, the operator's message and the audit row. The order row is locked first, so
//! duplicates — repeated, late or concurrent, in any server process — wait and then find the
//! order paid.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

/// What a verified notification says was paid.
#[derive(Debug, Clone)]
pub struct Payment {
    pub channel: &'static str,
    pub out_trade_no: String,
    pub channel_trade_no: String,
    pub amount: Decimal,
    pub paid_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The balance went up now.
    Credited { order_id: Uuid },
    /// Already credited for this trade: nothing more.
    Duplicate { order_id: Uuid },
    /// Money arrived that cannot simply be credited (the order was closed, or paid twice):
    /// kept for finance to decide, never lost, never credited silently.
    Flagged { order_id: Uuid, reason: String },
    /// Not ours to credit (unknown order, another channel, a different amount).
    Rejected {
        order_id: Option<Uuid>,
        reason: String,
    },
}

impl Outcome {
    /// The `payment_callbacks.result` it records.
    pub fn result(&self) -> &'static str {
        match self {
            Outcome::Credited { .. } => "credited",
            Outcome::Duplicate { .. } => "duplicate",
            Outcome::Flagged { .. } => "flagged",
            Outcome::Rejected { .. } => "rejected",
        }
    }

    /// Whether the channel should stop resending (everything but a rejection).
    pub fn accepted(&self) -> bool {
        !matches!(self, Outcome::Rejected { .. })
    }
}

/// Settles `payment` and records the outcome on the stored callback `callback_id`: one call
/// of `payment_settle` (migration 20261126000009), which locks the order row, decides, and
/// writes the balance, ledger entry, message, audit row or alert in the same transaction.
pub async fn settle(pool: &PgPool, callback_id: i64, p: &Payment) -> Result<Outcome, sqlx::Error> {
    let (result, order_id, reason): (String, Option<Uuid>, Option<String>) =
        sqlx::query_as("SELECT result, order_id, reason FROM payment_settle($1, $2, $3, $4, $5, $6)")
            .bind(callback_id)
            .bind(p.channel)
            .bind(&p.out_trade_no)
            .bind(&p.channel_trade_no)
            .bind(p.amount)
            .bind(p.paid_at)
            .fetch_one(pool)
            .await?;
    let reason = reason.unwrap_or_default();
    Ok(match (result.as_str(), order_id) {
        ("credited", Some(order_id)) => Outcome::Credited { order_id },
        ("duplicate", Some(order_id)) => Outcome::Duplicate { order_id },
        ("flagged", Some(order_id)) => Outcome::Flagged { order_id, reason },
        _ => Outcome::Rejected { order_id, reason },
    })
}
