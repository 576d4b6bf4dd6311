//! A full Alipay recharge over real HTTP against the local sandbox gateway (R-O3, R-P4): the
//! operator orders 100.00, the server's real Alipay client gets a QR code from the gateway
//! (signed both ways), the sandbox "buyer" pays and the gateway sends signed notifications —
//! three copies — and the balance goes up once. Query and close work through the same client;
//! a gateway that is down gives 503 PAYMENT_UNAVAILABLE and leaves the order failed.

mod common;

use std::sync::Arc;

use common::Ctx;
use mr_payments::{SigningKey, VerifyingKey};
use mr_server::payments::alipay_client::AlipayClient;
use mr_server::payments::sandbox_alipay::{self, SandboxAlipay};
use mr_server::payments::settings::{Alipay, Channels};
use mr_server::testing::TestServer;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sqlx::PgPool;

const APP_ID: &str = "9021000122600000";

/// The sandbox gateway on a port of its own; its base URL.
async fn sandbox() -> String {
    let gw = Arc::new(SandboxAlipay::new(
        SigningKey::from_pkcs8(&common::payment_key("alipay_private_pkcs8.pem")).unwrap(),
        VerifyingKey::from_spki(&common::payment_key("wechat_merchant_public_spki.pem")).unwrap(),
        APP_ID.into(),
        SigningKey::from_pkcs8(&common::payment_key("wechat_merchant_private_pkcs8.pem")).unwrap(),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, sandbox_alipay::router(gw)).await;
    });
    format!("http://{addr}")
}

fn alipay_channel(gateway_base: &str) -> Arc<Alipay> {
    Arc::new(Alipay {
        app_id: APP_ID.into(),
        app_private_key: SigningKey::from_pkcs8(&common::payment_key(
            "wechat_merchant_private_pkcs8.pem",
        ))
        .unwrap(),
        alipay_public_key: VerifyingKey::from_spki(&common::payment_key("alipay_public_spki.pem"))
            .unwrap(),
        gateway_url: format!("{gateway_base}{}", sandbox_alipay::GATEWAY_PATH),
    })
}

async fn start(pool: &PgPool, gateway_base: &str) -> (Ctx, Arc<Alipay>) {
    mr_server::uat::create_uat(pool, common::PW).await.unwrap();
    let ch = alipay_channel(gateway_base);
    let channels = Channels {
        alipay: Some(ch.clone()),
        wechat: None,
        sandbox: true,
    };
    let server = TestServer::spawn_with(pool.clone(), |c| c.payments = channels).await;
    (
        Ctx {
            server,
            http: reqwest::Client::new(),
        },
        ch,
    )
}

/// The operator orders a recharge of `amount` through Alipay.
async fn order(c: &Ctx, token: &str, amount: &str) -> common::Resp {
    c.post(
        "/api/v1/payments/orders",
        Some(token),
        json!({"channel": "alipay", "amount": amount}),
    )
    .await
}

async fn balance(pool: &PgPool) -> Decimal {
    sqlx::query_scalar("SELECT balance FROM operators WHERE username = 'uat_operator'")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn an_alipay_recharge_through_the_sandbox_credits_once(pool: PgPool) {
    let gw = sandbox().await;
    let (c, ch) = start(&pool, &gw).await;
    let (op, _) = c.tokens("uat_operator", "operator").await;
    let before = balance(&pool).await;

    let r = order(&c, &op, "100.00").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["amount"], "100.00");
    assert_eq!(r.body["is_sandbox"], true);
    let no = r.body["out_trade_no"].as_str().unwrap().to_string();
    let id = r.body["id"].as_str().unwrap().to_string();
    assert!(r.body["qr_code"].as_str().unwrap().ends_with(&no), "{r:?}");

    // Before the code is scanned, Alipay (the sandbox too) does not know the trade.
    let client = AlipayClient::new(ch.clone());
    assert_eq!(client.query(&no).await.unwrap(), None);

    // The buyer pays; the gateway notifies three times (two resends).
    let paid: Value = c
        .http
        .post(format!("{gw}/sandbox/alipay/pay/{no}?times=3"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paid["answers"], json!(["success", "success", "success"]));
    assert_eq!(balance(&pool).await, before + Decimal::from(100));
    let read = c.get(&format!("/api/v1/payments/orders/{id}"), &op).await;
    assert_eq!(read.body["status"], "paid", "{read:?}");
    let results: Vec<String> = sqlx::query_scalar(
        "SELECT result FROM payment_callbacks WHERE out_trade_no = $1 ORDER BY id",
    )
    .bind(&no)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(results, ["credited", "duplicate", "duplicate"]);
    let success = client.query(&no).await.unwrap().unwrap();
    assert_eq!(success.trade_status, "TRADE_SUCCESS");
    assert_eq!(success.total_amount, Some(Decimal::new(10000, 2)));

    // Another operator cannot read this order.
    let (fin, _) = c.tokens("uat_finance", "finance").await;
    assert_eq!(
        c.get(&format!("/api/v1/payments/orders/{id}"), &fin)
            .await
            .error_code(),
        "FORBIDDEN"
    );

    // An unpaid order closes at the channel (never scanned: nothing to close there, and its
    // code can no longer be paid); an unknown one is simply absent.
    let r = order(&c, &op, "20.50").await;
    let no2 = r.body["out_trade_no"].as_str().unwrap().to_string();
    client.close(&no2).await.unwrap();
    assert_eq!(client.query(&no2).await.unwrap(), None);
    let late = c
        .http
        .post(format!("{gw}/sandbox/alipay/pay/{no2}"))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), StatusCode::CONFLICT);
    assert_eq!(client.query("R-never-created").await.unwrap(), None);
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn bad_orders_are_refused_and_a_channel_down_gives_503(pool: PgPool) {
    // A gateway address where nothing listens.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let (c, _) = start(&pool, &dead).await;
    let (op, _) = c.tokens("uat_operator", "operator").await;
    for (body, code) in [
        (
            json!({"channel": "alipay", "amount": "0.50"}),
            "VALIDATION_FAILED",
        ),
        (
            json!({"channel": "alipay", "amount": "12.345"}),
            "VALIDATION_FAILED",
        ),
        (
            json!({"channel": "alipay", "amount": "abc"}),
            "VALIDATION_FAILED",
        ),
        (
            json!({"channel": "alipay", "amount": "50000.01"}),
            "VALIDATION_FAILED",
        ),
        (
            json!({"channel": "paypal", "amount": "10.00"}),
            "VALIDATION_FAILED",
        ),
        (
            json!({"channel": "wechat", "amount": "10.00"}),
            "PAYMENT_UNAVAILABLE",
        ),
    ] {
        let r = c
            .post("/api/v1/payments/orders", Some(&op), body.clone())
            .await;
        assert_eq!(r.error_code(), code, "{body}: {r:?}");
    }
    let r = order(&c, &op, "100.00").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{r:?}");
    assert_eq!(r.error_code(), "PAYMENT_UNAVAILABLE");
    assert_eq!(r.body["message"], "支付服务暂时不可用，请稍后再试");
    let states: Vec<String> = sqlx::query_scalar("SELECT status FROM payment_orders")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        states,
        ["failed"],
        "the order is on record, not left pending"
    );
    // Staff cannot recharge for an operator.
    let (admin, _) = c.tokens("uat_admin", "admin").await;
    assert_eq!(
        c.post(
            "/api/v1/payments/orders",
            Some(&admin),
            json!({"channel": "alipay", "amount": "10.00"})
        )
        .await
        .error_code(),
        "FORBIDDEN"
    );
}

async fn pending_order(pool: &PgPool, no: &str, amount: &str, expired: bool) {
    sqlx::query(
        "INSERT INTO payment_orders (out_trade_no, operator_id, channel, amount, expires_at)
         SELECT $1, id, 'alipay', $2::numeric,
                now() + CASE WHEN $3 THEN interval '-1 minute' ELSE interval '15 minutes' END
           FROM operators WHERE username = 'uat_operator'",
    )
    .bind(no)
    .bind(amount)
    .bind(expired)
    .execute(pool)
    .await
    .unwrap();
}

async fn status(pool: &PgPool, no: &str) -> (String, Option<String>) {
    sqlx::query_as("SELECT status, flagged_reason FROM payment_orders WHERE out_trade_no = $1")
        .bind(no)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// R-P3: a payment whose notification never came is credited by reconciliation (once, even
/// with two replicas running it at the same moment); unpaid orders past their time are closed
/// at the channel and here; an order the channel cannot be asked about three times running is
/// flagged for finance.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn reconciliation_credits_lost_notifications_closes_expired_orders_and_flags_the_unknown(
    pool: PgPool,
) {
    use mr_server::payments::reconcile;

    let gw = sandbox().await;
    let (c, ch) = start(&pool, &gw).await;
    let (op, _) = c.tokens("uat_operator", "operator").await;
    let before = balance(&pool).await;
    let paid = order(&c, &op, "100.00").await.body["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    let unpaid = order(&c, &op, "30.00").await.body["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    // Paid, but the notification is lost on the way (times=0).
    let r: Value = c
        .http
        .post(format!("{gw}/sandbox/alipay/pay/{paid}?times=0"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["sent"], 0);
    assert_eq!(balance(&pool).await, before);
    // The unpaid one runs out of time; one more never even reached Alipay.
    sqlx::query(
        "UPDATE payment_orders SET expires_at = now() - interval '1 minute' WHERE out_trade_no = $1",
    )
    .bind(&unpaid)
    .execute(&pool)
    .await
    .unwrap();
    pending_order(&pool, "R-never-scanned", "10.00", true).await;

    let channels = Channels {
        alipay: Some(ch.clone()),
        wechat: None,
        sandbox: true,
    };
    let (a, b) = tokio::join!(
        reconcile::run(&pool, &channels),
        reconcile::run(&pool, &channels)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.ran || b.ran);
    assert_eq!(a.credited + b.credited, 1, "{a:?} {b:?}");
    assert_eq!(a.closed + b.closed, 2, "{a:?} {b:?}");
    assert_eq!(balance(&pool).await, before + Decimal::from(100));
    assert_eq!(status(&pool, &paid).await.0, "paid");
    let source: Value = sqlx::query_scalar(
        "SELECT headers FROM payment_callbacks WHERE out_trade_no = $1 AND result = 'credited'",
    )
    .bind(&paid)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(source["source"], "reconciliation");
    assert_eq!(status(&pool, &unpaid).await.0, "closed");
    assert_eq!(status(&pool, "R-never-scanned").await.0, "closed");
    let too_late = c
        .http
        .post(format!("{gw}/sandbox/alipay/pay/{unpaid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        too_late.status(),
        StatusCode::CONFLICT,
        "closed at the channel too: its code can no longer be paid"
    );
    // A later run finds nothing left to do.
    let again = reconcile::run(&pool, &channels).await.unwrap();
    assert_eq!((again.credited, again.closed), (0, 0));

    // The channel cannot be reached: after three failed queries the order is flagged.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let down = Channels {
        alipay: Some(alipay_channel(&dead)),
        wechat: None,
        sandbox: true,
    };
    pending_order(&pool, "R-unknowable", "15.00", false).await;
    for _ in 0..2 {
        reconcile::run(&pool, &down).await.unwrap();
        assert_eq!(status(&pool, "R-unknowable").await.0, "pending");
    }
    let third = reconcile::run(&pool, &down).await.unwrap();
    assert_eq!(third.flagged, 1);
    let (state, reason) = status(&pool, "R-unknowable").await;
    assert_eq!(state, "abnormal");
    assert!(reason.unwrap().contains("3 reconciliation queries failed"));
    let alerts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM admin_alerts WHERE kind = 'payment_abnormal'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(alerts, 1);
}

/// Channel refunds (issue 7, Build 7): through the original channel, idempotent per refund
/// number, never more than was paid; the status can be asked.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn refunds_through_alipay_are_idempotent_and_bounded(pool: PgPool) {
    use mr_server::payments::alipay_client::ChannelError;

    let gw = sandbox().await;
    let (c, ch) = start(&pool, &gw).await;
    let (op, _) = c.tokens("uat_operator", "operator").await;
    let no = order(&c, &op, "100.00").await.body["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    let client = AlipayClient::new(ch);
    // Nothing paid yet: nothing to refund.
    assert!(matches!(
        client
            .refund(&no, "RF0", Decimal::new(1000, 2), "测试")
            .await,
        Err(ChannelError::Refused { .. })
    ));
    c.http
        .post(format!("{gw}/sandbox/alipay/pay/{no}"))
        .send()
        .await
        .unwrap();

    let first = client
        .refund(&no, "RF1", Decimal::new(3000, 2), "余额退款")
        .await
        .unwrap();
    assert!(first.fund_change);
    assert_eq!(first.refund_fee, Decimal::new(3000, 2));
    // A retry of the same refund (e.g. after a timeout) refunds nothing more.
    let retry = client
        .refund(&no, "RF1", Decimal::new(3000, 2), "余额退款")
        .await
        .unwrap();
    assert!(!retry.fund_change);
    assert_eq!(retry.refund_fee, Decimal::new(3000, 2));
    // More than is left: refused with Alipay's code.
    match client
        .refund(&no, "RF2", Decimal::new(8000, 2), "余额退款")
        .await
    {
        Err(ChannelError::Refused { code, .. }) => {
            assert_eq!(code, "ACQ.REASON_TRADE_REFUND_FEE_ERR")
        }
        other => panic!("{other:?}"),
    }
    let rest = client
        .refund(&no, "RF3", Decimal::new(7000, 2), "余额退款")
        .await
        .unwrap();
    assert_eq!(rest.refund_fee, Decimal::new(10000, 2));
    assert!(client.refund_succeeded(&no, "RF1").await.unwrap());
    assert!(!client.refund_succeeded(&no, "RF9").await.unwrap());
    // Refunded in full, the trade is closed.
    assert_eq!(
        client.query(&no).await.unwrap().unwrap().trade_status,
        "TRADE_CLOSED"
    );
}

/// `make run` (PAYMENT_SANDBOX=on, no channel keys): the server answers as the sandbox Alipay
/// gateway itself, with public test keys, and a recharge works end to end.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn sandbox_mode_recharges_with_no_keys_configured(pool: PgPool) {
    mr_server::uat::create_uat(&pool, common::PW).await.unwrap();
    let server = TestServer::spawn_with(pool.clone(), |c| {
        c.payments = Channels::from_lookup(|k| (k == "PAYMENT_SANDBOX").then(|| "on".into()))
            .unwrap()
            .with_sandbox_defaults(&c.public_base_url)
            .unwrap();
    })
    .await;
    let c = Ctx {
        server,
        http: reqwest::Client::new(),
    };
    let (op, _) = c.tokens("uat_operator", "operator").await;
    let before = balance(&pool).await;
    let r = order(&c, &op, "66.60").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["is_sandbox"], true);
    let no = r.body["out_trade_no"].as_str().unwrap();
    let paid: Value = c
        .http
        .post(c.url(&format!("/sandbox/alipay/pay/{no}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paid["answers"], json!(["success"]));
    assert_eq!(balance(&pool).await, before + Decimal::new(6660, 2));
    // Without sandbox mode there is no sandbox gateway.
    let plain = TestServer::spawn(pool.clone()).await;
    let r = reqwest::Client::new()
        .post(format!("{}/sandbox/alipay/pay/{no}", plain.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Alipay 电脑网站支付 (page pay), the option beside the QR code: the order answers the signed
/// URL of the cashier page; the sandbox checks its signature, shows the page, and the payment
/// made there is credited like a scanned one. A changed URL is refused.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn alipay_page_pay_opens_a_signed_cashier_page_and_credits_once(pool: PgPool) {
    let gw = sandbox().await;
    let (c, ch) = start(&pool, &gw).await;
    let (op, _) = c.tokens("uat_operator", "operator").await;
    let before = balance(&pool).await;
    let r = c
        .post(
            "/api/v1/payments/orders",
            Some(&op),
            json!({"channel": "alipay", "amount": "88.00", "mode": "page"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["qr_code"], Value::Null);
    assert!(r.body.get("pay_url").is_some());
    let url = r.body["pay_url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{gw}{}?", sandbox_alipay::GATEWAY_PATH)),
        "{url}"
    );
    assert!(url.contains("method=alipay.trade.page.pay"), "{url}");
    let no = r.body["out_trade_no"].as_str().unwrap().to_string();

    // Changed on the way (another amount): the cashier refuses it.
    let forged = url.replace("88.00", "0.01");
    let page = c.http.get(&forged).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.text().await.unwrap().contains("验签出错"));

    let page = c.http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("支付宝沙箱收银台") && html.contains("¥88.00"),
        "{html}"
    );
    // On the cashier page the trade exists at Alipay, waiting.
    let client = AlipayClient::new(ch);
    assert_eq!(
        client.query(&no).await.unwrap().unwrap().trade_status,
        "WAIT_BUYER_PAY"
    );
    let paid: Value = c
        .http
        .post(format!("{gw}/sandbox/alipay/pay/{no}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paid["answers"], json!(["success"]));
    assert_eq!(balance(&pool).await, before + Decimal::from(88));
    let read = c
        .get(
            &format!("/api/v1/payments/orders/{}", r.body["id"].as_str().unwrap()),
            &op,
        )
        .await;
    assert_eq!(read.body["status"], "paid");
    assert_eq!(read.body["pay_url"], url.as_str());

    // Page pay is Alipay's; an unknown mode is refused by name.
    for body in [
        json!({"channel": "wechat", "amount": "10.00", "mode": "page"}),
        json!({"channel": "alipay", "amount": "10.00", "mode": "h5"}),
    ] {
        let r = c.post("/api/v1/payments/orders", Some(&op), body).await;
        assert_eq!(r.error_code(), "VALIDATION_FAILED", "{r:?}");
        assert_eq!(r.body["details"]["field"], "mode");
    }
}
