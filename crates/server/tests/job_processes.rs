//! The background jobs with two real `mr-server` processes started at once on one database
//! (issue "Wallet and payments", Tests: "two server processes running the scheduler at once do
//! each job once"). Each process runs every job as soon as it starts; afterwards there is one
//! reconciliation credit for a payment whose notification was lost, one low-balance reminder
//! per operator under its line, and one ledger-mismatch alert.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mr_payments::{SigningKey, VerifyingKey};
use mr_server::launch::fixture;
use mr_server::payments::alipay_client::AlipayClient;
use mr_server::payments::sandbox_alipay::{self, SandboxAlipay};
use mr_server::payments::settings::Alipay;
use rust_decimal::Decimal;
use sqlx::PgPool;

const BIN: &str = env!("CARGO_BIN_EXE_mr-server");
const APP_ID: &str = "9021000122600000";

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn fixture_file(name: &str) -> String {
    format!(
        "{}/../payments/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

async fn database_url(pool: &PgPool) -> String {
    let db: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(pool)
        .await
        .unwrap();
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let (prefix, _) = base.rsplit_once('/').unwrap();
    format!("{prefix}/{db}")
}

fn spawn(url: &str, gateway: &str) -> Proc {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(BIN)
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "warn")
        .env_remove("REDIS_URL")
        .env_remove("PAYMENT_SANDBOX")
        .env("ALIPAY_APP_ID", APP_ID)
        .env(
            "ALIPAY_APP_PRIVATE_KEY",
            format!("@{}", fixture_file("wechat_merchant_private_pkcs8.pem")),
        )
        .env(
            "ALIPAY_PUBLIC_KEY",
            format!("@{}", fixture_file("alipay_public_spki.pem")),
        )
        .env("ALIPAY_GATEWAY_URL", gateway)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Proc(child)
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn two_processes_started_together_do_each_job_once(pool: PgPool) {
    // The Alipay sandbox gateway, here in the test.
    let key = |n: &str| std::fs::read_to_string(fixture_file(n)).unwrap();
    let gw = Arc::new(SandboxAlipay::new(
        SigningKey::from_pkcs8(&key("alipay_private_pkcs8.pem")).unwrap(),
        VerifyingKey::from_spki(&key("wechat_merchant_public_spki.pem")).unwrap(),
        APP_ID.into(),
        SigningKey::from_pkcs8(&key("wechat_merchant_private_pkcs8.pem")).unwrap(),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gw_base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, sandbox_alipay::router(gw)).await;
    });
    let gateway = format!("{gw_base}{}", sandbox_alipay::GATEWAY_PATH);

    let master = mr_server::config::Config::for_test("unused").master_key;
    let low = fixture::create(&pool, &master, 2, "50.00".parse().unwrap())
        .await
        .unwrap();
    let rich = fixture::create(&pool, &master, 2, "500.00".parse().unwrap())
        .await
        .unwrap();
    // A balance changed without a ledger entry.
    sqlx::query("UPDATE operators SET balance = balance + 5 WHERE id = $1")
        .bind(rich[1].operator_id)
        .execute(&pool)
        .await
        .unwrap();
    // A recharge paid at Alipay whose notification never came.
    let order: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO payment_orders (out_trade_no, operator_id, channel, amount, expires_at)
         VALUES ('R-lost-notify', $1, 'alipay', 100.00, now() + interval '10 minutes')
         RETURNING id",
    )
    .bind(rich[0].operator_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    let client = AlipayClient::new(Arc::new(Alipay {
        app_id: APP_ID.into(),
        app_private_key: SigningKey::from_pkcs8(&key("wechat_merchant_private_pkcs8.pem")).unwrap(),
        alipay_public_key: VerifyingKey::from_spki(&key("alipay_public_spki.pem")).unwrap(),
        gateway_url: gateway.clone(),
    }));
    client
        .precreate(
            "R-lost-notify",
            Decimal::from(100),
            "充值",
            10,
            "http://127.0.0.1:9/nowhere",
        )
        .await
        .unwrap();
    let paid = reqwest::Client::new()
        .post(format!(
            "{gw_base}/sandbox/alipay/pay/R-lost-notify?times=0"
        ))
        .send()
        .await
        .unwrap();
    assert!(paid.status().is_success());

    // Two processes, started at the same moment; each runs every job on start.
    let url = database_url(&pool).await;
    let (_a, _b) = (spawn(&url, &gateway), spawn(&url, &gateway));

    let started = Instant::now();
    loop {
        let credited = count(
            &pool,
            "SELECT count(*) FROM payment_orders WHERE out_trade_no = 'R-lost-notify' AND status = 'paid'",
        )
        .await;
        let reminded = count(
            &pool,
            "SELECT count(DISTINCT operator_id) FROM messages WHERE kind = 'low_balance'",
        )
        .await;
        let alerted = count(
            &pool,
            "SELECT count(*) FROM admin_alerts WHERE kind = 'ledger_mismatch'",
        )
        .await;
        if credited == 1 && reminded == 2 && alerted == 1 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "jobs not done: credited {credited}, reminded {reminded}, alerted {alerted}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Give the slower process time to finish its own runs, then count again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE kind = 'low_balance'"
        )
        .await,
        2,
        "one reminder per operator under its line"
    );
    for op in &low {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM messages WHERE kind = 'low_balance' AND operator_id = $1",
        )
        .bind(op.operator_id)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(n, 1);
    }
    let credits: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ledger_entries WHERE entry_type = 'recharge' AND reference_id = $1",
    )
    .bind(order)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(credits, 1, "the lost payment is credited once");
    let balance: Decimal = sqlx::query_scalar("SELECT balance FROM operators WHERE id = $1")
        .bind(rich[0].operator_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(balance, Decimal::from(600));
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM admin_alerts WHERE kind = 'ledger_mismatch'"
        )
        .await,
        1
    );
}
