//! The ledger check (issue "Wallet and payments", Build 1): every operator's balance must
//! equal the sum of its ledger. Any difference raises one `ledger_mismatch` alert for finance
//! (not again while that alert is unhandled and the figures are the same). One replica runs it
//! at a time (advisory lock).

use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// What one run found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// False when another replica held the job.
    pub ran: bool,
    pub operators: i64,
    /// `(operator, balance, sum of its ledger)` for each difference.
    pub mismatches: Vec<(Uuid, Decimal, Decimal)>,
    /// Alerts raised by this run (a known, unhandled difference is not raised again).
    pub alerted: u32,
}

pub async fn run(pool: &PgPool) -> Result<Report, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mine: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext('mr.job.ledger_check'))")
            .fetch_one(&mut *tx)
            .await?;
    if !mine {
        return Ok(Report::default());
    }
    let operators: i64 = sqlx::query_scalar("SELECT count(*) FROM operators")
        .fetch_one(&mut *tx)
        .await?;
    let mismatches: Vec<(Uuid, String, Decimal, Decimal)> = sqlx::query_as(
        "SELECT o.id, o.username, o.balance, coalesce(s.total, 0)
           FROM operators o
           LEFT JOIN (SELECT operator_id, sum(amount) AS total FROM ledger_entries
                       GROUP BY operator_id) s ON s.operator_id = o.id
          WHERE o.balance <> coalesce(s.total, 0)
          ORDER BY o.username",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut alerted = 0;
    for (id, username, balance, ledger) in &mismatches {
        let raised = sqlx::query(
            "INSERT INTO admin_alerts (kind, severity, title, body, details)
             SELECT 'ledger_mismatch', 'critical', '余额与账本不一致',
                    format('运营商 %s 的余额 ¥%s 与账本合计 ¥%s 不一致（差额 ¥%s），请财务核查。',
                           $2::text, $3::numeric, $4::numeric, $3::numeric - $4::numeric),
                    jsonb_build_object('operator_id', $1::uuid, 'balance', $3::numeric::text,
                                       'ledger', $4::numeric::text)
              WHERE NOT EXISTS (
                    SELECT 1 FROM admin_alerts a
                     WHERE a.kind = 'ledger_mismatch' AND a.acknowledged_at IS NULL
                       AND a.details->>'operator_id' = $1::text
                       AND a.details->>'balance' = $3::numeric::text
                       AND a.details->>'ledger' = $4::numeric::text)",
        )
        .bind(id)
        .bind(username)
        .bind(balance)
        .bind(ledger)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        alerted += raised as u32;
    }
    tx.commit().await?;
    if !mismatches.is_empty() {
        tracing::error!(
            count = mismatches.len(),
            details = %json!(mismatches.iter().map(|m| m.0).collect::<Vec<_>>()),
            "balances differ from their ledgers"
        );
    }
    Ok(Report {
        ran: true,
        operators,
        mismatches: mismatches
            .into_iter()
            .map(|(id, _, b, l)| (id, b, l))
            .collect(),
        alerted,
    })
}

/// Runs the check every fifteen minutes in the background.
pub fn spawn(pool: PgPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(900));
        loop {
            tick.tick().await;
            if let Err(e) = run(&pool).await {
                tracing::warn!(error = %e, "ledger check");
            }
        }
    });
}
