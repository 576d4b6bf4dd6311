//! The operator's wallet at the desktop core (R-O3, R-O4): a recharge made through the
//! server's sandbox gateways (both channels), the order's states, the balance and 交易记录
//! arriving in the cache through sync; the ledger's filters and exact totals; the export;
//! offline, a recharge says so and the cached pages still answer. Real server (in-process,
//! sandbox mode), real PostgreSQL, real SQLite cache.

mod common;
use common::*;

use mr_core::transactions::ExportFormat;
use mr_core::{CoreError, OperatorOps};
use mr_domain::ErrorCode;
use mr_protocol::payments::CreateRecharge;
use mr_protocol::transactions::TransactionQuery;
use mr_server::payments::settings::Channels;
use mr_server::testing::TestServer;
use sqlx::PgPool;

async fn sandbox_server(pool: &PgPool) -> TestServer {
    TestServer::spawn_with(pool.clone(), |c| {
        c.payments = Channels::from_lookup(|k| (k == "PAYMENT_SANDBOX").then(|| "on".into()))
            .unwrap()
            .with_sandbox_defaults(&c.public_base_url)
            .unwrap();
    })
    .await
}

fn query(limit: i64) -> TransactionQuery {
    TransactionQuery {
        limit,
        ..Default::default()
    }
}

async fn synced(ops: &OperatorOps) {
    eventually(10, "a complete pull", || async {
        ops.sync_now().await.is_ok_and(|r| r.up_to_date)
    })
    .await;
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn recharges_through_both_sandboxes_reach_the_wallet_and_the_ledger(pool: PgPool) {
    uat(&pool).await;
    let server = sandbox_server(&pool).await;
    let m = Machine::new();
    let core = m.start(&server.base_url).await;
    let (ops, _) = operator_signed_in(&core).await;
    synced(&ops).await;
    let start = ops.wallet().await.unwrap().balance.unwrap().as_decimal();

    let opts = ops.recharge_options().await.unwrap();
    assert!(opts.sandbox);
    assert!(opts.channels.iter().all(|c| c.available));

    // Refused here before any request: the amount's rules are the server's.
    for bad in ["0", "0.001", "50000.01", "abc", ""] {
        let e = ops
            .create_recharge(CreateRecharge {
                channel: "alipay".into(),
                amount: bad.into(),
                mode: None,
            })
            .await
            .unwrap_err();
        assert_eq!(invalid(e), (ErrorCode::ValidationFailed, "amount"), "{bad}");
    }

    let mut paid = rust_decimal::Decimal::ZERO;
    for (channel, amount) in [("alipay", "100.00"), ("wechat", "58.80")] {
        let order = ops
            .create_recharge(CreateRecharge {
                channel: channel.into(),
                amount: amount.into(),
                mode: None,
            })
            .await
            .unwrap();
        assert_eq!(order.status, "pending");
        assert!(order.is_sandbox && order.qr_code.is_some());
        synced(&ops).await;
        let cached = ops.recharge_order(order.id).await.unwrap().unwrap();
        assert_eq!(cached.status, "pending");
        // The synced order carries its code: the page can show it again later.
        assert_eq!(cached.qr_code, order.qr_code);

        ops.sandbox_pay(order.id).await.unwrap();
        synced(&ops).await;
        assert_eq!(
            ops.recharge_order(order.id).await.unwrap().unwrap().status,
            "paid"
        );
        paid += amount.parse::<rust_decimal::Decimal>().unwrap();
        // Paying again is a clear refusal from the sandbox, not a protocol error.
        let again = ops.sandbox_pay(order.id).await.unwrap_err();
        assert!(
            matches!(&again, CoreError::Server(b) if b.code == ErrorCode::Conflict),
            "{again:?}"
        );
    }
    let wallet = ops.wallet().await.unwrap();
    assert_eq!(wallet.balance.unwrap().as_decimal(), start + paid);
    assert_eq!(wallet.orders.len(), 2);
    assert_eq!(wallet.orders[0].channel, "wechat", "newest first");

    // 交易记录: the two recharges, newest first, with balances before and after.
    let page = ops
        .ledger(TransactionQuery {
            entry_type: Some("recharge".into()),
            ..query(50)
        })
        .await
        .unwrap();
    assert_eq!(page.totals.count, 2);
    assert_eq!(page.totals.credits.as_decimal(), paid);
    assert_eq!(page.items[0].entry.amount.to_string(), "58.80");
    assert_eq!(page.items[0].entry.balance_after.as_decimal(), start + paid);
    assert_eq!(
        page.items[0].entry.balance_before,
        page.items[1].entry.balance_after
    );
    assert_eq!(page.items[0].operator_username, "uat_operator");
    // Date filters are China-time days: today has both, tomorrow nothing.
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let day = |d| TransactionQuery {
        from: Some(d),
        to: Some(d),
        ..query(50)
    };
    assert_eq!(ops.ledger(day(today)).await.unwrap().totals.count, 2);
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(ops.ledger(day(tomorrow)).await.unwrap().totals.count, 0);
    let (code, field) = invalid(
        ops.ledger(TransactionQuery {
            entry_type: Some("gift".into()),
            ..query(50)
        })
        .await
        .unwrap_err(),
    );
    assert_eq!((code, field), (ErrorCode::ValidationFailed, "entry_type"));

    // The export writes what the page shows, as CSV with exact decimals.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.csv");
    let report = ops
        .export_ledger(query(50), ExportFormat::Csv, &path, |_, _| {})
        .await
        .unwrap();
    assert_eq!(report.rows, 2);
    let csv = std::fs::read_to_string(&path).unwrap();
    assert!(csv.contains(",充值,58.80,"), "{csv}");
    assert!(csv.contains(",充值,100.00,"), "{csv}");

    // Offline: a recharge says so; the wallet and the ledger still answer from the cache.
    drop(server);
    let e = ops
        .create_recharge(CreateRecharge {
            channel: "alipay".into(),
            amount: "10.00".into(),
            mode: None,
        })
        .await
        .unwrap_err();
    assert!(e.is_offline(), "{e:?}");
    assert_eq!(
        ops.wallet().await.unwrap().balance.unwrap().as_decimal(),
        start + paid
    );
    assert_eq!(ops.ledger(query(50)).await.unwrap().totals.count, 2);
}
