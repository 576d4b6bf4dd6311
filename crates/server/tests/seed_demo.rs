//! The demo data set (`mr-server seed-demo`): consistent with every money invariant, and
//! idempotent.

use std::time::Instant;

use chrono::Utc;
use mr_server::crypto::MasterKey;
use mr_server::seed::seed_demo;
use rust_decimal::Decimal;
use sqlx::PgPool;

fn master() -> MasterKey {
    MasterKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").expect("test key")
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Row counts of every table the seed writes.
async fn table_counts(pool: &PgPool) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for table in [
        "staff_users",
        "operators",
        "sites",
        "applications",
        "application_price_history",
        "authorization_requests",
        "authorizations",
        "game_sessions",
        "ledger_entries",
        "payment_orders",
        "refunds",
        "invoices",
        "announcements",
        "messages",
        "audit_log",
        "system_settings",
    ] {
        out.push((
            table.to_string(),
            count(pool, &format!("SELECT count(*) FROM {table}")).await,
        ));
    }
    out
}

#[sqlx::test(migrations = "../../migrations")]
async fn seed_demo_is_consistent_and_idempotent(pool: PgPool) {
    let master = master();
    let now = Utc::now();

    let started = Instant::now();
    let report = seed_demo(&pool, &master, now).await.expect("seed");
    println!("seed_demo took {:?}: {report:?}", started.elapsed());

    assert!(report.created);
    assert!((10..=15).contains(&report.operators), "{report:?}");
    assert!((12..=60).contains(&report.sites), "{report:?}");
    assert!((6..=10).contains(&report.applications), "{report:?}");
    assert!(
        (8_000..=15_000).contains(&report.game_sessions),
        "{report:?}"
    );
    assert!(report.ledger_entries > report.game_sessions, "{report:?}");

    // Staff, one locked and one closed operator, one inactive application.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM staff_users WHERE username LIKE 'demo\\_%'"
        )
        .await,
        4
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM operators WHERE is_locked").await,
        1
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM operators WHERE status = 'closed'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM applications WHERE NOT is_active"
        )
        .await,
        1
    );

    // Every balance is the sum of its ledger, and never negative.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM operators o
             WHERE o.balance <> coalesce((SELECT sum(l.amount) FROM ledger_entries l
                                          WHERE l.operator_id = o.id), 0)"
        )
        .await,
        0,
        "balance <> SUM(ledger)"
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM operators WHERE balance < 0").await,
        0
    );

    // Replaying each operator's ledger in time order gives its balances: every entry starts
    // where the previous one ended.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM (
                 SELECT balance_before,
                        coalesce(lag(balance_after) OVER (PARTITION BY operator_id
                                                          ORDER BY created_at), 0) AS prev
                 FROM ledger_entries) x
             WHERE balance_before <> prev"
        )
        .await,
        0,
        "ledger chain broken"
    );

    // Every game session has exactly one consumption entry of -total_cost, and vice versa.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM game_sessions g
             WHERE (SELECT count(*) FROM ledger_entries l
                    WHERE l.entry_type = 'consumption' AND l.reference_type = 'game_session'
                      AND l.reference_id = g.id AND l.amount = -g.total_cost
                      AND l.balance_after = g.balance_after
                      AND l.operator_id = g.operator_id) <> 1"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM ledger_entries WHERE entry_type = 'consumption'"
        )
        .await,
        report.game_sessions
    );

    // Session ids in the field format, naming their operator and launch time.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM game_sessions
             WHERE session_id !~ '^[0-9a-f-]{36}_[0-9]{13}_[A-Za-z0-9]{16}$'
                OR split_part(session_id, '_', 1) <> operator_id::text
                OR split_part(session_id, '_', 2)::bigint
                   <> (extract(epoch FROM authorized_at) * 1000)::bigint"
        )
        .await,
        0
    );
    // Nothing in the future; prices snapshotted from the price in force at launch.
    let future: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM game_sessions WHERE authorized_at > $1)
              + (SELECT count(*) FROM ledger_entries WHERE created_at > $1)",
    )
    .bind(now)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(future, 0);
    let prices: Vec<(Decimal, i64)> = sqlx::query_as(
        "SELECT g.unit_price, count(*) FROM game_sessions g
         JOIN applications a ON a.id = g.application_id
         WHERE a.code = 'space_adventure' GROUP BY g.unit_price ORDER BY g.unit_price",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        prices.iter().map(|p| p.0.to_string()).collect::<Vec<_>>(),
        ["35.00", "38.00"],
        "space_adventure was 35.00 before the change 30 days ago"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM game_sessions g
             JOIN applications a ON a.id = g.application_id
             WHERE g.player_count NOT BETWEEN a.min_players AND a.max_players"
        )
        .await,
        0
    );

    // Each recharge has its paid order, for the same amount.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM ledger_entries l
             LEFT JOIN payment_orders p ON p.id = l.reference_id AND p.status = 'paid'
                                       AND p.amount = l.amount AND p.operator_id = l.operator_id
             WHERE l.entry_type = 'recharge' AND p.id IS NULL"
        )
        .await,
        0
    );

    // Today's Shanghai business day has recharges (the finance home page).
    let today_recharges: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ledger_entries
         WHERE entry_type = 'recharge'
           AND (created_at AT TIME ZONE 'Asia/Shanghai')::date
               = ($1::timestamptz AT TIME ZONE 'Asia/Shanghai')::date",
    )
    .bind(now)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(today_recharges >= 1, "no recharge today");

    // Workflows in every state.
    for (sql, expected) in [
        (
            "SELECT count(*) FROM authorization_requests WHERE status = 'pending'",
            3..=4,
        ),
        (
            "SELECT count(*) FROM authorization_requests WHERE status = 'rejected'",
            1..=1,
        ),
        (
            "SELECT count(*) FROM authorization_requests WHERE status = 'approved'",
            1..=1,
        ),
        (
            "SELECT count(*) FROM authorizations WHERE status = 'revoked'",
            1..=1,
        ),
        (
            "SELECT count(*) FROM authorizations WHERE expires_at > now()",
            1..=1,
        ),
        (
            "SELECT count(*) FROM refunds WHERE status = 'pending'",
            1..=1,
        ),
        (
            "SELECT count(*) FROM refunds WHERE status = 'approved'",
            1..=1,
        ),
        (
            "SELECT count(*) FROM refunds WHERE status = 'rejected'",
            1..=1,
        ),
        (
            "SELECT count(*) FROM ledger_entries WHERE entry_type = 'refund'",
            1..=1,
        ),
        ("SELECT count(*) FROM invoices", 3..=3),
        ("SELECT count(*) FROM announcements", 2..=2),
        ("SELECT count(*) FROM messages WHERE is_read", 1..=1_000),
        ("SELECT count(*) FROM messages WHERE NOT is_read", 1..=1_000),
        ("SELECT count(*) FROM audit_log", 5..=100),
    ] {
        let n = count(&pool, sql).await;
        assert!(expected.contains(&n), "{sql}: {n}");
    }
    // The pending refund asks for exactly the current balance; the approved one emptied it.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM refunds r JOIN operators o ON o.id = r.operator_id
             WHERE r.status = 'pending' AND r.requested_amount = o.balance AND o.balance > 0"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM refunds r
             JOIN ledger_entries l ON l.reference_type = 'refund' AND l.reference_id = r.id
             WHERE r.status = 'approved' AND l.amount = -r.approved_amount"
        )
        .await,
        1
    );
    // Invoices stay within what was recharged.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM invoices i
             WHERE i.amount > (SELECT sum(amount) FROM ledger_entries l
                               WHERE l.operator_id = i.operator_id AND l.entry_type = 'recharge')"
        )
        .await,
        0
    );

    // The audit chain is intact.
    assert_eq!(count(&pool, "SELECT count(*) FROM audit_verify()").await, 0);

    // Again: nothing happens.
    let before = table_counts(&pool).await;
    let again = seed_demo(&pool, &master, Utc::now())
        .await
        .expect("second seed");
    assert!(!again.created);
    assert_eq!(
        (
            again.operators,
            again.sites,
            again.applications,
            again.game_sessions,
            again.ledger_entries
        ),
        (
            report.operators,
            report.sites,
            report.applications,
            report.game_sessions,
            report.ledger_entries
        )
    );
    assert_eq!(table_counts(&pool).await, before);
}
