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
