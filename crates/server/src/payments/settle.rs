//! Crediting a paid order: exactly once, in one transaction with the balance update, the
//! ledger entry, the operator's message and the audit row. The order row is locked first, so
//! duplicates — repeated, late or concurrent, in any server process — wait and then find the
//! order paid.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;
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

    fn order_id(&self) -> Option<Uuid> {
        match self {
            Outcome::Credited { order_id }
            | Outcome::Duplicate { order_id }
            | Outcome::Flagged { order_id, .. } => Some(*order_id),
            Outcome::Rejected { order_id, .. } => *order_id,
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Flagged { reason, .. } | Outcome::Rejected { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

type OrderRow = (Uuid, Uuid, String, Decimal, String, Option<String>);

/// Settles `payment` and records the outcome on the stored callback `callback_id`.
pub async fn settle(pool: &PgPool, callback_id: i64, p: &Payment) -> Result<Outcome, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let order: Option<OrderRow> = sqlx::query_as(
        "SELECT id, operator_id, channel, amount, status, channel_trade_no
           FROM payment_orders WHERE out_trade_no = $1 FOR UPDATE",
    )
    .bind(&p.out_trade_no)
    .fetch_optional(&mut *tx)
    .await?;
    let outcome = match order {
        None => Outcome::Rejected {
            order_id: None,
            reason: format!("unknown order {}", p.out_trade_no),
        },
        Some((id, _, channel, _, _, _)) if channel != p.channel => Outcome::Rejected {
            order_id: Some(id),
            reason: format!("the order was placed with {channel}"),
        },
        Some((id, _, _, amount, _, _)) if amount != p.amount => Outcome::Rejected {
            order_id: Some(id),
            reason: format!("amount {} does not match the order's {amount}", p.amount),
        },
        Some((id, _, _, _, status, trade)) if status == "paid" || status == "abnormal" => {
            if trade.as_deref() == Some(p.channel_trade_no.as_str()) {
                Outcome::Duplicate { order_id: id }
            } else {
                flag(
                    &mut tx,
                    id,
                    &format!("paid again as trade {}", p.channel_trade_no),
                )
                .await?
            }
        }
        Some((id, _, _, _, status, _)) if status != "pending" => {
            flag(&mut tx, id, &format!("paid after the order was {status}")).await?
        }
        Some((id, operator, _, amount, _, _)) => {
            credit(&mut tx, id, operator, amount, p).await?;
            Outcome::Credited { order_id: id }
        }
    };
    sqlx::query(
        "UPDATE payment_callbacks
            SET verified = true, result = $2, reject_reason = $3, order_id = $4,
                out_trade_no = $5, processed_at = now()
          WHERE id = $1",
    )
    .bind(callback_id)
    .bind(outcome.result())
    .bind(outcome.reason())
    .bind(outcome.order_id())
    .bind(&p.out_trade_no)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

async fn credit(
    tx: &mut sqlx::PgConnection,
    order: Uuid,
    operator: Uuid,
    amount: Decimal,
    p: &Payment,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payment_orders SET status = 'paid', channel_trade_no = $2, paid_at = $3,
                                   updated_at = now()
          WHERE id = $1",
    )
    .bind(order)
    .bind(&p.channel_trade_no)
    .bind(p.paid_at)
    .execute(&mut *tx)
    .await?;
    let (before, after): (Decimal, Decimal) = sqlx::query_as(
        "UPDATE operators SET balance = balance + $2, updated_at = now() WHERE id = $1
         RETURNING balance - $2, balance",
    )
    .bind(operator)
    .bind(amount)
    .fetch_one(&mut *tx)
    .await?;
    let channel = if p.channel == "alipay" {
        "支付宝"
    } else {
        "微信支付"
    };
    sqlx::query(
        "INSERT INTO ledger_entries (operator_id, entry_type, amount, balance_before, balance_after,
                                     reference_type, reference_id, description, created_by_kind)
         VALUES ($1, 'recharge', $2, $3, $4, 'payment_order', $5, $6, 'system')",
    )
    .bind(operator)
    .bind(amount)
    .bind(before)
    .bind(after)
    .bind(order)
    .bind(format!("{channel}充值 {}", p.out_trade_no))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO messages (operator_id, kind, title, body) VALUES ($1, 'payment', $2, $3)",
    )
    .bind(operator)
    .bind(format!("充值成功：¥{amount}"))
    .bind(format!(
        "您通过{channel}充值的 ¥{amount} 已到账，当前余额 ¥{after}。订单号 {}。",
        p.out_trade_no
    ))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "SELECT audit_append('system', NULL, NULL, 'payment.credit', 'payment_order', $1, $2,
                             $3, $4, NULL, NULL)",
    )
    .bind(order.to_string())
    .bind(
        json!({ "channel": p.channel, "out_trade_no": p.out_trade_no,
                  "channel_trade_no": p.channel_trade_no, "amount": amount.to_string() }),
    )
    .bind(json!({ "status": "pending", "balance": before.to_string() }))
    .bind(json!({ "status": "paid", "balance": after.to_string() }))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Marks the order abnormal for finance and raises an administrator alert.
async fn flag(
    tx: &mut sqlx::PgConnection,
    order: Uuid,
    reason: &str,
) -> Result<Outcome, sqlx::Error> {
    sqlx::query(
        "UPDATE payment_orders SET status = 'abnormal', flagged_reason = $2, updated_at = now()
          WHERE id = $1",
    )
    .bind(order)
    .bind(reason)
    .execute(&mut *tx)
    .await?;
    super::alert(
        &mut *tx,
        "critical",
        "异常支付待财务处理",
        format!("订单 {order} 收到无法自动入账的付款：{reason}。请核实后处理（退款或人工入账）。"),
        json!({ "order_id": order, "reason": reason }),
    )
    .await?;
    Ok(Outcome::Flagged {
        order_id: order,
        reason: reason.to_string(),
    })
}
