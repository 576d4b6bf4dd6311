//! Low-balance reminders (issue "Wallet and payments", jobs) on the real PostgreSQL: one
//! message per operator under its tier's line, not repeated until money comes in, and the job
//! run from two replicas at once still sends each reminder once.

use mr_server::launch::fixture;
use mr_server::payments::low_balance::{remind, Thresholds};
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

async fn reminders(pool: &PgPool, op: Uuid) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM messages WHERE operator_id = $1 AND kind = 'low_balance'",
    )
    .bind(op)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn each_operator_under_its_line_is_reminded_once_until_money_comes_in(pool: PgPool) {
    let config = mr_server::config::Config::for_test("postgres://unused");
    let low = fixture::create(&pool, &config.master_key, 3, "50.00".parse().unwrap())
        .await
        .unwrap();
    let rich = fixture::create(&pool, &config.master_key, 1, "500.00".parse().unwrap())
        .await
        .unwrap();
    // The third low one is VIP with a line of 20.00: 50.00 is fine for it.
    sqlx::query("UPDATE operators SET tier = 'vip' WHERE id = $1")
        .bind(low[2].operator_id)
        .execute(&pool)
        .await
        .unwrap();
    let lines = Thresholds {
        vip: "20.00".parse().unwrap(),
        ..Thresholds::default()
    };

    // Two replicas run the job at the same moment.
    let (a, b) = tokio::join!(remind(&pool, &lines), remind(&pool, &lines));
    assert_eq!(a.unwrap() + b.unwrap(), 2);
    for op in &low[..2] {
        assert_eq!(reminders(&pool, op.operator_id).await, 1);
    }
    assert_eq!(
        reminders(&pool, low[2].operator_id).await,
        0,
        "above its VIP line"
    );
    assert_eq!(reminders(&pool, rich[0].operator_id).await, 0);
    let body: String = sqlx::query_scalar(
        "SELECT body FROM messages WHERE operator_id = $1 AND kind = 'low_balance'",
    )
    .bind(low[0].operator_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(body.contains("¥50.00") && body.contains("¥100"), "{body}");

    // Nothing new to say: nothing sent.
    assert_eq!(remind(&pool, &lines).await.unwrap(), 0);

    // A recharge of 10.00 leaves it at 60.00, still under the line: reminded again, once.
    let op = low[0].operator_id;
    sqlx::query("UPDATE operators SET balance = balance + 10 WHERE id = $1")
        .bind(op)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO ledger_entries (operator_id, entry_type, amount, balance_before, balance_after,
                                     created_at)
         VALUES ($1, 'recharge', 10.00, 50.00, 60.00, now() + interval '1 millisecond')",
    )
    .bind(op)
    .execute(&pool)
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert_eq!(remind(&pool, &lines).await.unwrap(), 1);
    assert_eq!(reminders(&pool, op).await, 2);
    let balance: Decimal = sqlx::query_scalar("SELECT balance FROM operators WHERE id = $1")
        .bind(op)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(balance, "60.00".parse::<Decimal>().unwrap());
}

/// The ledger check (Build 1): balances equal to their ledgers pass; a balance changed without
/// a ledger entry raises one critical alert — not again on the next run, nor from a second
/// replica running at the same moment.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn the_ledger_check_alerts_once_on_a_balance_that_differs_from_its_ledger(pool: PgPool) {
    use mr_server::payments::ledger_check;
    let config = mr_server::config::Config::for_test("postgres://unused");
    let ops = fixture::create(&pool, &config.master_key, 3, "80.00".parse().unwrap())
        .await
        .unwrap();
    let clean = ledger_check::run(&pool).await.unwrap();
    assert!(clean.ran);
    assert_eq!(clean.operators, 3);
    assert!(clean.mismatches.is_empty(), "{clean:?}");

    // Money appears without a ledger entry (what the check exists to catch).
    sqlx::query("UPDATE operators SET balance = balance + 5 WHERE id = $1")
        .bind(ops[1].operator_id)
        .execute(&pool)
        .await
        .unwrap();
    let (a, b) = tokio::join!(ledger_check::run(&pool), ledger_check::run(&pool));
    let (a, b) = (a.unwrap(), b.unwrap());
    // Whether they overlap or not, the difference is raised once.
    assert_eq!(a.alerted + b.alerted, 1, "{a:?} {b:?}");
    let found = if a.alerted == 1 { a } else { b };
    assert_eq!(
        found.mismatches,
        vec![(
            ops[1].operator_id,
            "85.00".parse().unwrap(),
            "80.00".parse().unwrap()
        )]
    );
    assert_eq!(found.alerted, 1);
    let again = ledger_check::run(&pool).await.unwrap();
    assert_eq!(
        (again.mismatches.len(), again.alerted),
        (1, 0),
        "not raised twice"
    );
    let (severity, body): (String, String) =
        sqlx::query_as("SELECT severity, body FROM admin_alerts WHERE kind = 'ledger_mismatch'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(severity, "critical");
    assert!(
        body.contains("¥85.00") && body.contains("¥80.00") && body.contains("¥5.00"),
        "{body}"
    );
}
