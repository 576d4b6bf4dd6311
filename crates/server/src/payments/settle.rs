//! Crediting a paid order: exactly once, in one transaction with the balance update, the
//! ledger entry, the operator's message and the audit row. The order row is locked first, so
//! duplicates — repeated, late or concurrent, in any server process — wait and then find the
//! order paid.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};
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
    let (result, order_id, reason): (String, Option<Uuid>, Option<String>) = sqlx::query_as(
        "SELECT result, order_id, reason FROM payment_settle($1, $2, $3, $4, $5, $6)",
    )
    .bind(callback_id)
    .bind(p.channel)
    .bind(&p.out_trade_no)
    .bind(&p.channel_trade_no)
    .bind(p.amount)
    .bind(p.paid_at)
    .fetch_one(pool)
    .await?;
    Ok(outcome(&result, order_id, reason))
}

/// Settles notifications in batches (group commit): handlers hand their verified payment to
/// the queue; one worker takes whatever has arrived (up to [`BATCH_MAX`]) and settles it with
/// one call of `payment_settle_batch`, so concurrent notifications share one transaction,
/// one audit-chain lock and one WAL flush.
#[derive(Clone)]
pub struct Settler {
    tx: mpsc::Sender<(i64, Payment, Reply)>,
}

type Reply = oneshot::Sender<Result<Outcome, sqlx::Error>>;

/// Notifications settled in one transaction at most.
pub const BATCH_MAX: usize = 128;

impl Settler {
    pub fn start(pool: PgPool) -> Settler {
        let (tx, mut rx) = mpsc::channel::<(i64, Payment, Reply)>(BATCH_MAX * 16);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut jobs = vec![first];
                while jobs.len() < BATCH_MAX {
                    match rx.try_recv() {
                        Ok(j) => jobs.push(j),
                        Err(_) => break,
                    }
                }
                run(&pool, jobs).await;
            }
        });
        Settler { tx }
    }

    /// Settles one payment (stored as callback `callback_id`) together with whatever else is
    /// waiting.
    pub async fn settle(&self, callback_id: i64, p: Payment) -> Result<Outcome, sqlx::Error> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send((callback_id, p, reply))
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        rx.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

fn outcome(result: &str, order_id: Option<Uuid>, reason: Option<String>) -> Outcome {
    let reason = reason.unwrap_or_default();
    match (result, order_id) {
        ("credited", Some(order_id)) => Outcome::Credited { order_id },
        ("duplicate", Some(order_id)) => Outcome::Duplicate { order_id },
        ("flagged", Some(order_id)) => Outcome::Flagged { order_id, reason },
        _ => Outcome::Rejected { order_id, reason },
    }
}

async fn settle_batch(
    pool: &PgPool,
    jobs: &[(i64, Payment, Reply)],
) -> Result<Vec<Outcome>, sqlx::Error> {
    let rows: Vec<(i32, String, Option<Uuid>, Option<String>)> = sqlx::query_as(
        "SELECT idx, result, order_id, reason FROM payment_settle_batch($1, $2, $3, $4, $5, $6)",
    )
    .bind(jobs.iter().map(|j| j.0).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.1.channel).collect::<Vec<_>>())
    .bind(
        jobs.iter()
            .map(|j| j.1.out_trade_no.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(
        jobs.iter()
            .map(|j| j.1.channel_trade_no.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(jobs.iter().map(|j| j.1.amount).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.1.paid_at).collect::<Vec<_>>())
    .fetch_all(pool)
    .await?;
    let mut out: Vec<Option<Outcome>> = vec![None; jobs.len()];
    for (idx, result, order_id, reason) in rows {
        if let Some(slot) = usize::try_from(idx - 1).ok().and_then(|i| out.get_mut(i)) {
            *slot = Some(outcome(&result, order_id, reason));
        }
    }
    out.into_iter()
        .map(|o| o.ok_or_else(|| sqlx::Error::Protocol("payment_settle_batch: missing row".into())))
        .collect()
}

async fn run(pool: &PgPool, jobs: Vec<(i64, Payment, Reply)>) {
    metrics::histogram!("mr_payment_settle_batch_size").record(jobs.len() as f64);
    match settle_batch(pool, &jobs).await {
        Ok(outcomes) => {
            for ((_, _, reply), o) in jobs.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(o));
            }
        }
        Err(e) if jobs.len() > 1 => {
            // One notification must not fail the others: each alone.
            tracing::warn!(error = %e, size = jobs.len(), "payment batch failed; settling one by one");
            for (id, p, reply) in jobs {
                let _ = reply.send(settle(pool, id, &p).await);
            }
        }
        Err(e) => {
            if let Some((_, _, reply)) = jobs.into_iter().next() {
                let _ = reply.send(Err(e));
            }
        }
    }
}
