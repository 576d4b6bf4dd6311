//! Payment notifications (issue "Wallet and payments", R-P1/R-P2) on the real server and
//! PostgreSQL, sent over real HTTP and signed the way the channels sign them (the test holds
//! the channel's private keys, from `crates/payments/tests/fixtures`): a verified payment is
//! credited exactly once with its ledger entry — also when repeated or sent twenty times at
//! once —; forged, stale, tampered, wrong-amount and unknown-order notifications are refused
//! and recorded; money arriving for a closed order is flagged for finance, not lost.

mod common;

use std::sync::Arc;

use chrono::Utc;
use common::Ctx;
use mr_payments::{alipay, wechat, SigningKey, VerifyingKey};
use mr_server::launch::fixture::{self, FixtureAccount};
use mr_server::payments::settings::{Alipay, Channels, Wechat};
use mr_server::testing::TestServer;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

const API_V3_KEY: &[u8; 32] = b"mr-test-apiv3-key-0123456789abcd";
const PLATFORM_SERIAL: &str = "PUB_KEY_ID_0114232202122000000000000000";

/// The channels' private keys, as the channels (here: the test) hold them.
struct ChannelKeys {
    alipay: SigningKey,
    wechat_platform: SigningKey,
}

fn channels() -> (Channels, ChannelKeys) {
    // The "Alipay" key pair signs notifications; another pair plays WeChat Pay's platform.
    let ch = Channels {
        alipay: Some(Arc::new(Alipay {
            app_id: "9021000122600000".into(),
            app_private_key: SigningKey::from_pkcs8(&common::payment_key(
                "wechat_merchant_private_pkcs8.pem",
            ))
            .unwrap(),
            alipay_public_key: VerifyingKey::from_spki(&common::payment_key(
                "alipay_public_spki.pem",
            ))
            .unwrap(),
            gateway_url: "http://127.0.0.1:9/gateway.do".into(),
        })),
        wechat: Some(Arc::new(Wechat {
            mchid: "1900009191".into(),
            appid: "wxd678efh567hg6787".into(),
            api_v3_key: API_V3_KEY.to_vec(),
            merchant_private_key: SigningKey::from_pkcs8(&common::payment_key(
                "wechat_merchant_private_pkcs8.pem",
            ))
            .unwrap(),
            merchant_serial: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1".into(),
            platform_public_key: VerifyingKey::from_spki(&common::payment_key(
                "alipay_public_spki.pem",
            ))
            .unwrap(),
            platform_serial: PLATFORM_SERIAL.into(),
            api_base: "http://127.0.0.1:9".into(),
        })),
        sandbox: false,
    };
    let keys = ChannelKeys {
        alipay: SigningKey::from_pkcs8(&common::payment_key("alipay_private_pkcs8.pem")).unwrap(),
        wechat_platform: SigningKey::from_pkcs8(&common::payment_key("alipay_private_pkcs8.pem"))
            .unwrap(),
    };
    (ch, keys)
}

async fn setup(pool: &PgPool) -> (Ctx, FixtureAccount, ChannelKeys) {
    mr_server::uat::create_uat(pool, common::PW).await.unwrap();
    let (ch, keys) = channels();
    let server = TestServer::spawn_with(pool.clone(), |c| c.payments = ch).await;
    let acct = fixture::create(
        pool,
        &server.state.config.master_key,
        1,
        "10.00".parse().unwrap(),
    )
    .await
    .unwrap()
    .remove(0);
    (
        Ctx {
            server,
            http: reqwest::Client::new(),
        },
        acct,
        keys,
    )
}

/// A pending order of `amount` yuan; its out_trade_no.
async fn order(pool: &PgPool, acct: &FixtureAccount, channel: &str, amount: &str) -> String {
    let no = format!("R{}", Uuid::now_v7().simple());
    sqlx::query(
        "INSERT INTO payment_orders (out_trade_no, operator_id, channel, amount, expires_at)
         VALUES ($1, $2, $3, $4::numeric, now() + interval '15 minutes')",
    )
    .bind(&no)
    .bind(acct.operator_id)
    .bind(channel)
    .bind(amount)
    .execute(pool)
    .await
    .unwrap();
    no
}

fn alipay_form(key: &SigningKey, out_trade_no: &str, amount: &str, status: &str) -> String {
    let mut p = alipay::Params::new();
    for (k, v) in [
        ("app_id", "9021000122600000"),
        ("charset", "utf-8"),
        ("version", "1.0"),
        ("sign_type", "RSA2"),
        ("notify_type", "trade_status_sync"),
        ("notify_id", "2026112600222101510017661414990536"),
        ("notify_time", "2026-11-26 10:15:10"),
        ("gmt_payment", "2026-11-26 10:15:09"),
        ("trade_no", &format!("2026112622{}", &out_trade_no[1..17])),
        ("out_trade_no", out_trade_no),
        ("total_amount", amount),
        ("trade_status", status),
        ("subject", "MR 平台充值"),
    ] {
        p.insert(k.into(), v.into());
    }
    alipay::sign_notify(&mut p, key).unwrap();
    serde_urlencoded::to_string(&p).unwrap()
}

async fn send_alipay(c: &Ctx, form: String) -> (StatusCode, String) {
    let r = c
        .http
        .post(c.url("/api/v1/payments/alipay/notify"))
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn balance(pool: &PgPool, acct: &FixtureAccount) -> Decimal {
    sqlx::query_scalar("SELECT balance FROM operators WHERE id = $1")
        .bind(acct.operator_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Every balance equals the sum of its ledger (R-P1).
async fn ledger_matches(pool: &PgPool, acct: &FixtureAccount) {
    let sum: Decimal = sqlx::query_scalar(
        "SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE operator_id = $1",
    )
    .bind(acct.operator_id)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(sum, balance(pool, acct).await, "ledger sum = balance");
}

async fn results(pool: &PgPool, out_trade_no: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT result FROM payment_callbacks WHERE out_trade_no = $1 ORDER BY id")
        .bind(out_trade_no)
        .fetch_all(pool)
        .await
        .unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn an_alipay_payment_is_credited_once_however_often_it_is_notified(pool: PgPool) {
    let (c, acct, keys) = setup(&pool).await;
    let no = order(&pool, &acct, "alipay", "100.00").await;
    let form = alipay_form(&keys.alipay, &no, "100.00", "TRADE_SUCCESS");

    assert_eq!(
        send_alipay(&c, form.clone()).await,
        (StatusCode::OK, "success".into())
    );
    assert_eq!(balance(&pool, &acct).await, dec("110.00"));
    let (amount, before, after, reference): (Decimal, Decimal, Decimal, Uuid) = sqlx::query_as(
        "SELECT amount, balance_before, balance_after, reference_id FROM ledger_entries
          WHERE operator_id = $1 AND entry_type = 'recharge'",
    )
    .bind(acct.operator_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (amount, before, after),
        (dec("100.00"), dec("10.00"), dec("110.00"))
    );
    let (status, trade, id): (String, Option<String>, Uuid) = sqlx::query_as(
        "SELECT status, channel_trade_no, id FROM payment_orders WHERE out_trade_no = $1",
    )
    .bind(&no)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(status, "paid");
    assert!(trade.is_some());
    assert_eq!(reference, id);
    let told: String = sqlx::query_scalar(
        "SELECT title FROM messages WHERE operator_id = $1 AND kind = 'payment'",
    )
    .bind(acct.operator_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(told, "充值成功：¥100.00");

    // Alipay resends (it did not see our answer): acknowledged, nothing more credited.
    assert_eq!(
        send_alipay(&c, form).await,
        (StatusCode::OK, "success".into())
    );
    assert_eq!(balance(&pool, &acct).await, dec("110.00"));
    assert_eq!(results(&pool, &no).await, ["credited", "duplicate"]);

    // Twenty copies of another order's notification at once: one credit.
    let no2 = order(&pool, &acct, "alipay", "50.00").await;
    let form2 = alipay_form(&keys.alipay, &no2, "50.00", "TRADE_SUCCESS");
    let copies = (0..20).map(|_| send_alipay(&c, form2.clone()));
    for r in futures_util::future::join_all(copies).await {
        assert_eq!(r, (StatusCode::OK, "success".into()));
    }
    assert_eq!(balance(&pool, &acct).await, dec("160.00"));
    let r2 = results(&pool, &no2).await;
    assert_eq!(r2.len(), 20);
    assert_eq!(r2.iter().filter(|r| *r == "credited").count(), 1, "{r2:?}");
    assert_eq!(
        r2.iter().filter(|r| *r == "duplicate").count(),
        19,
        "{r2:?}"
    );
    ledger_matches(&pool, &acct).await;
    // The audit chain stays intact (audit_verify lists broken links).
    let broken: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_verify()")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(broken, 0);
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn forged_wrong_and_unknown_alipay_notifications_are_refused_and_recorded(pool: PgPool) {
    let (c, acct, keys) = setup(&pool).await;
    let no = order(&pool, &acct, "alipay", "100.00").await;

    // Signed with a key that is not Alipay's.
    let forger =
        SigningKey::from_pkcs8(&common::payment_key("wechat_merchant_private_pkcs8.pem")).unwrap();
    let forged = alipay_form(&forger, &no, "100.00", "TRADE_SUCCESS");
    assert_eq!(
        send_alipay(&c, forged).await,
        (StatusCode::OK, "failure".into())
    );
    // A genuine signature, then the amount changed on the way.
    let tampered = alipay_form(&keys.alipay, &no, "100.00", "TRADE_SUCCESS")
        .replace("total_amount=100.00", "total_amount=1000.00");
    assert_eq!(
        send_alipay(&c, tampered).await,
        (StatusCode::OK, "failure".into())
    );
    // Genuinely signed but for another amount than the order's.
    let wrong = alipay_form(&keys.alipay, &no, "99.99", "TRADE_SUCCESS");
    assert_eq!(
        send_alipay(&c, wrong).await,
        (StatusCode::OK, "failure".into())
    );
    // For an order we never placed.
    let unknown = alipay_form(
        &keys.alipay,
        "R0000000000000000000000",
        "100.00",
        "TRADE_SUCCESS",
    );
    assert_eq!(
        send_alipay(&c, unknown).await,
        (StatusCode::OK, "failure".into())
    );
    // Garbage and an empty body: refused, never a 500.
    assert_eq!(send_alipay(&c, "%%%&&=".into()).await.1, "failure");
    assert_eq!(send_alipay(&c, String::new()).await.1, "failure");
    // A signed "still waiting" status: acknowledged, nothing to credit.
    let waiting = alipay_form(&keys.alipay, &no, "100.00", "WAIT_BUYER_PAY");
    assert_eq!(
        send_alipay(&c, waiting).await,
        (StatusCode::OK, "success".into())
    );

    assert_eq!(
        balance(&pool, &acct).await,
        dec("10.00"),
        "nothing credited"
    );
    let rows: Vec<(String, Option<bool>, Option<String>)> =
        sqlx::query_as("SELECT result, verified, reject_reason FROM payment_callbacks ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 7, "every callback is stored: {rows:?}");
    assert!(
        rows.iter().all(|r| r.0 == "rejected" && r.2.is_some()),
        "{rows:?}"
    );
    assert_eq!(rows[0].1, Some(false), "forged: signature failed");
    assert_eq!(rows[1].1, Some(false), "tampered: signature failed");
    assert!(rows[2].2.as_deref().unwrap().contains("amount"), "{rows:?}");
    assert!(
        rows[3].2.as_deref().unwrap().contains("unknown order"),
        "{rows:?}"
    );
    let status: String =
        sqlx::query_scalar("SELECT status FROM payment_orders WHERE out_trade_no = $1")
            .bind(&no)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "pending");
    let metrics = c
        .http
        .get(c.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"mr_payment_callbacks_total{channel="alipay",result="rejected"}"#),
        "counted in the metrics"
    );
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn money_for_a_closed_order_is_flagged_for_finance_not_credited(pool: PgPool) {
    let (c, acct, keys) = setup(&pool).await;
    let no = order(&pool, &acct, "alipay", "100.00").await;
    sqlx::query(
        "UPDATE payment_orders SET status = 'closed', closed_at = now() WHERE out_trade_no = $1",
    )
    .bind(&no)
    .execute(&pool)
    .await
    .unwrap();
    let form = alipay_form(&keys.alipay, &no, "100.00", "TRADE_SUCCESS");
    // Accepted (Alipay must stop resending), kept for finance.
    assert_eq!(
        send_alipay(&c, form).await,
        (StatusCode::OK, "success".into())
    );
    assert_eq!(balance(&pool, &acct).await, dec("10.00"));
    let (status, reason): (String, Option<String>) =
        sqlx::query_as("SELECT status, flagged_reason FROM payment_orders WHERE out_trade_no = $1")
            .bind(&no)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "abnormal");
    assert!(reason.unwrap().contains("closed"));
    assert_eq!(results(&pool, &no).await, ["flagged"]);
    let alerts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM admin_alerts WHERE kind = 'payment_abnormal'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(alerts, 1);
}

struct WechatSend<'a> {
    keys: &'a ChannelKeys,
    out_trade_no: &'a str,
    fen: i64,
    timestamp: i64,
    serial: &'a str,
}

fn wechat_notification(s: &WechatSend<'_>) -> (String, Vec<(&'static str, String)>) {
    let transaction = json!({
        "mchid": "1900009191", "appid": "wxd678efh567hg6787", "out_trade_no": s.out_trade_no,
        "transaction_id": format!("42000{}", &s.out_trade_no[1..17]), "trade_type": "NATIVE",
        "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "OTHERS",
        "success_time": "2026-11-26T10:15:09+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": s.fen, "payer_total": s.fen, "currency": "CNY", "payer_currency": "CNY"}
    });
    let nonce = "fdasflkja484";
    let ciphertext = wechat::encrypt_resource(
        API_V3_KEY,
        nonce,
        "transaction",
        transaction.to_string().as_bytes(),
    )
    .unwrap();
    let body = json!({
        "id": Uuid::new_v4(), "create_time": "2026-11-26T10:15:10+08:00",
        "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                     "ciphertext": ciphertext, "associated_data": "transaction", "nonce": nonce}
    })
    .to_string();
    let header_nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
    let sig =
        wechat::sign_message(&s.keys.wechat_platform, s.timestamp, header_nonce, &body).unwrap();
    let headers = vec![
        ("Wechatpay-Timestamp", s.timestamp.to_string()),
        ("Wechatpay-Nonce", header_nonce.to_string()),
        ("Wechatpay-Serial", s.serial.to_string()),
        ("Wechatpay-Signature", sig),
        (
            "Wechatpay-Signature-Type",
            "WECHATPAY2-SHA256-RSA2048".to_string(),
        ),
    ];
    (body, headers)
}

async fn send_wechat(c: &Ctx, body: String, headers: &[(&str, String)]) -> (StatusCode, Value) {
    let mut req = c
        .http
        .post(c.url("/api/v1/payments/wechat/notify"))
        .header("content-type", "application/json")
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_wechat_pay_payment_is_credited_once_and_bad_notifications_are_refused(pool: PgPool) {
    let (c, acct, keys) = setup(&pool).await;
    let no = order(&pool, &acct, "wechat", "88.88").await;
    let now = Utc::now().timestamp();
    let ok = WechatSend {
        keys: &keys,
        out_trade_no: &no,
        fen: 8888,
        timestamp: now,
        serial: PLATFORM_SERIAL,
    };
    let (body, headers) = wechat_notification(&ok);
    assert_eq!(
        send_wechat(&c, body.clone(), &headers).await,
        (StatusCode::NO_CONTENT, Value::Null)
    );
    assert_eq!(balance(&pool, &acct).await, dec("98.88"));
    assert_eq!(
        send_wechat(&c, body.clone(), &headers).await.0,
        StatusCode::NO_CONTENT,
        "a resend is acknowledged"
    );
    assert_eq!(balance(&pool, &acct).await, dec("98.88"));
    assert_eq!(results(&pool, &no).await, ["credited", "duplicate"]);

    let fail = json!({"code": "FAIL", "message": "失败"});
    let no2 = order(&pool, &acct, "wechat", "10.00").await;
    // Signed six minutes ago: stale.
    let (b, h) = wechat_notification(&WechatSend {
        timestamp: now - 360,
        out_trade_no: &no2,
        fen: 1000,
        ..ok
    });
    assert_eq!(
        send_wechat(&c, b, &h).await,
        (StatusCode::BAD_REQUEST, fail.clone())
    );
    // The ciphertext changed after signing: the signature no longer matches.
    let (b, h) = wechat_notification(&WechatSend {
        out_trade_no: &no2,
        fen: 1000,
        ..ok
    });
    let v: Value = serde_json::from_str(&b).unwrap();
    let ct = v["resource"]["ciphertext"].as_str().unwrap();
    let flipped = format!(
        "{}{}",
        if ct.starts_with('A') { "B" } else { "A" },
        &ct[1..]
    );
    let tampered = b.replace(ct, &flipped);
    assert_eq!(
        send_wechat(&c, tampered, &h).await.0,
        StatusCode::UNAUTHORIZED
    );
    // A key id we do not know.
    let (b, h) = wechat_notification(&WechatSend {
        out_trade_no: &no2,
        fen: 1000,
        serial: "PUB_KEY_ID_OTHER",
        ..ok
    });
    assert_eq!(
        send_wechat(&c, b, &h).await,
        (StatusCode::BAD_REQUEST, fail.clone())
    );
    // Genuine but for another amount, and for an unknown order.
    let (b, h) = wechat_notification(&WechatSend {
        out_trade_no: &no2,
        fen: 999,
        ..ok
    });
    assert_eq!(
        send_wechat(&c, b, &h).await,
        (StatusCode::BAD_REQUEST, fail.clone())
    );
    let (b, h) = wechat_notification(&WechatSend {
        out_trade_no: "R0000000000000000000000",
        fen: 1000,
        ..ok
    });
    assert_eq!(
        send_wechat(&c, b, &h).await,
        (StatusCode::BAD_REQUEST, fail.clone())
    );
    // Not JSON, no headers: refused, not a 500.
    assert!(send_wechat(&c, "{oops".into(), &[])
        .await
        .0
        .is_client_error());

    assert_eq!(
        balance(&pool, &acct).await,
        dec("98.88"),
        "only the good one credited"
    );
    ledger_matches(&pool, &acct).await;
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM payment_callbacks WHERE channel = 'wechat' AND result = 'rejected'
            AND reject_reason IS NOT NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(refused, 6);
    let stale: String = sqlx::query_scalar(
        "SELECT reject_reason FROM payment_callbacks WHERE channel = 'wechat' AND result = 'rejected'
          ORDER BY id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(stale.contains("300 s"), "{stale}");
}
