//! WeChat Pay API v3 recharges over real HTTP against the sandbox gateway (R-O3, R-P4): the
//! server's real client signs its requests, the gateway checks them and signs its answers,
//! the "buyer" pays and the gateway sends encrypted, signed notifications — several copies,
//! late, forged or stale on request. Each case asserts the balance, the ledger and the
//! recorded callback.

mod common;

use std::sync::Arc;

use common::Ctx;
use mr_server::payments::reconcile;
use mr_server::payments::settings::{Channels, Wechat};
use mr_server::payments::wechat_client::WechatClient;
use mr_server::testing::TestServer;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sqlx::PgPool;

/// The server's own sandbox keys (`crates/server/sandbox-keys`), as `@file` settings.
fn key_file(name: &str) -> String {
    format!("@{}/sandbox-keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// WeChat Pay settings against `api_base` with the sandbox identity.
fn wechat_at(api_base: &str) -> Arc<Wechat> {
    wechat_trusting(api_base, "wechat_platform_public_spki.pem")
}

/// The same, trusting answers signed by the pair of `platform_key`.
fn wechat_trusting(api_base: &str, platform_key: &str) -> Arc<Wechat> {
    use mr_server::payments::settings as s;
    let get = |k: &str| -> Option<String> {
        Some(match k {
            "WECHAT_MCHID" => s::SANDBOX_WECHAT_MCHID.into(),
            "WECHAT_APPID" => s::SANDBOX_WECHAT_APPID.into(),
            "WECHAT_API_V3_KEY" => s::SANDBOX_WECHAT_API_V3_KEY.into(),
            "WECHAT_MERCHANT_PRIVATE_KEY" => key_file("wechat_merchant_private_pkcs8.pem"),
            "WECHAT_MERCHANT_SERIAL" => s::SANDBOX_WECHAT_MERCHANT_SERIAL.into(),
            "WECHAT_PLATFORM_PUBLIC_KEY" => key_file(platform_key),
            "WECHAT_PLATFORM_SERIAL" => s::SANDBOX_WECHAT_PLATFORM_SERIAL.into(),
            "WECHAT_API_BASE" => api_base.into(),
            _ => return None,
        })
    };
    Channels::from_lookup(get).unwrap().wechat.unwrap()
}

/// A server in sandbox mode with no channel keys: it is its own WeChat Pay gateway.
async fn start(pool: &PgPool) -> Ctx {
    mr_server::uat::create_uat(pool, common::PW).await.unwrap();
    let server = TestServer::spawn_with(pool.clone(), |c| {
        c.payments = Channels::from_lookup(|k| (k == "PAYMENT_SANDBOX").then(|| "on".into()))
            .unwrap()
            .with_sandbox_defaults(&c.public_base_url)
            .unwrap();
    })
    .await;
    Ctx {
        server,
        http: reqwest::Client::new(),
    }
}

fn sandbox_wechat(c: &Ctx) -> Arc<Wechat> {
    wechat_at(&c.url("/sandbox/wechat"))
}

async fn order(c: &Ctx, token: &str, amount: &str) -> common::Resp {
    c.post(
        "/api/v1/payments/orders",
        Some(token),
        json!({"channel": "wechat", "amount": amount}),
    )
    .await
}

async fn pay(c: &Ctx, no: &str, query: &str) -> (StatusCode, Value) {
    let r = c
        .http
        .post(c.url(&format!("/sandbox/wechat/pay/{no}{query}")))
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

async fn balance(pool: &PgPool) -> Decimal {
    sqlx::query_scalar("SELECT balance FROM operators WHERE username = 'uat_operator'")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Every balance equals the sum of its ledger, and the order has at most one recharge entry.
async fn ledger_holds(pool: &PgPool, order_id: &str) -> i64 {
    let off: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM operators o
          WHERE o.balance <> (SELECT coalesce(sum(amount), 0) FROM ledger_entries l
                               WHERE l.operator_id = o.id)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(off, 0, "a balance differs from its ledger");
    sqlx::query_scalar(
        "SELECT count(*) FROM ledger_entries WHERE entry_type = 'recharge' AND reference_id = $1::uuid",
    )
    .bind(order_id)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn results(pool: &PgPool, no: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT coalesce(result, '') FROM payment_callbacks
          WHERE channel = 'wechat' AND out_trade_no = $1 ORDER BY id",
    )
    .bind(no)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn status(pool: &PgPool, no: &str) -> String {
    sqlx::query_scalar("SELECT status FROM payment_orders WHERE out_trade_no = $1")
        .bind(no)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_wechat_recharge_through_the_sandbox_credits_once(pool: PgPool) {
    let c = start(&pool).await;
    let (op, _) = c.tokens("uat_operator", "operator").await;
    let opts = c.get("/api/v1/payments/options", &op).await;
    assert_eq!(opts.status, StatusCode::OK, "{opts:?}");
    assert_eq!(opts.body["sandbox"], true);
    assert_eq!(
        opts.body["channels"],
        json!([{"channel": "alipay", "available": true},
               {"channel": "wechat", "available": true}])
    );
    let before = balance(&pool).await;

    let r = order(&c, &op, "100.00").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["channel"], "wechat");
    assert_eq!(r.body["status"], "pending");
    let no = r.body["out_trade_no"].as_str().unwrap().to_string();
    let id = r.body["id"].as_str().unwrap().to_string();
    assert!(
        r.body["qr_code"]
            .as_str()
            .unwrap()
            .starts_with("weixin://wxpay/bizpayurl?pr="),
        "{r:?}"
    );
    // WeChat Pay knows a Native order as soon as it is made: NOTPAY.
    let client = WechatClient::new(sandbox_wechat(&c));
    let t = client.query(&no).await.unwrap().unwrap();
    assert_eq!(
        (t.trade_state.as_str(), t.total),
        ("NOTPAY", Some(Decimal::new(10000, 2)))
    );

    // Paid, notified three times (two resends): one credit.
    let (s, paid) = pay(&c, &no, "?times=3").await;
    assert_eq!(s, StatusCode::OK, "{paid}");
    assert_eq!(paid["answers"], json!(["204 ", "204 ", "204 "]));
    assert_eq!(balance(&pool).await, before + Decimal::from(100));
    assert_eq!(ledger_holds(&pool, &id).await, 1);
    assert_eq!(
        results(&pool, &no).await,
        ["credited", "duplicate", "duplicate"]
    );
    assert_eq!(status(&pool, &no).await, "paid");
    let t = client.query(&no).await.unwrap().unwrap();
    assert_eq!(t.trade_state, "SUCCESS");
    assert!(t.transaction_id.unwrap().starts_with("4200"));
    // Paying twice is refused by the gateway.
    assert_eq!(pay(&c, &no, "").await.0, StatusCode::CONFLICT);

    // 20 concurrent copies of one notification for a new order: one credit.
    let r = order(&c, &op, "12.34").await;
    let no2 = r.body["out_trade_no"].as_str().unwrap().to_string();
    let id2 = r.body["id"].as_str().unwrap().to_string();
    let (_, paid) = pay(&c, &no2, "?times=0").await;
    assert_eq!(paid["sent"], 0);
    // The sandbox sent none; replay one properly signed copy twenty times at once.
    let (body, headers) = signed_copy(&c, &no2).await;
    let sends = (0..20).map(|_| {
        let (c, body, headers) = (&c, body.clone(), headers.clone());
        async move {
            let mut req = c
                .http
                .post(c.url("/api/v1/payments/wechat/notify"))
                .header("content-type", "application/json")
                .body(body);
            for (k, v) in headers {
                req = req.header(k, v);
            }
            req.send().await.unwrap().status()
        }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::NO_CONTENT),
        "{statuses:?}"
    );
    assert_eq!(balance(&pool).await, before + Decimal::new(11234, 2));
    assert_eq!(ledger_holds(&pool, &id2).await, 1);
    let r = results(&pool, &no2).await;
    assert_eq!(r.iter().filter(|x| *x == "credited").count(), 1, "{r:?}");
    assert_eq!(r.iter().filter(|x| *x == "duplicate").count(), 19, "{r:?}");
}

/// A notification for a paid order, encrypted and signed with the sandbox platform key as the
/// gateway signs them (to replay one copy many times at once).
async fn signed_copy(c: &Ctx, no: &str) -> (String, Vec<(String, String)>) {
    use mr_payments::{wechat, SigningKey};
    use mr_server::payments::settings as s;
    let key = SigningKey::from_pkcs8(
        &std::fs::read_to_string(format!(
            "{}/sandbox-keys/wechat_platform_private_pkcs8.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let client = WechatClient::new(sandbox_wechat(c));
    let t = client.query(no).await.unwrap().unwrap();
    let plain = json!({
        "mchid": s::SANDBOX_WECHAT_MCHID, "appid": s::SANDBOX_WECHAT_APPID,
        "out_trade_no": no, "transaction_id": t.transaction_id.unwrap(),
        "trade_type": "NATIVE", "trade_state": t.trade_state,
        "success_time": "2026-11-26T10:00:00+08:00",
        "amount": { "total": 1234, "payer_total": 1234, "currency": "CNY", "payer_currency": "CNY" },
    })
    .to_string();
    let nonce = "0123456789ab";
    let ct = wechat::encrypt_resource(
        s::SANDBOX_WECHAT_API_V3_KEY.as_bytes(),
        nonce,
        "transaction",
        plain.as_bytes(),
    )
    .unwrap();
    let body = json!({
        "id": "EV-copy", "create_time": "2026-11-26T10:00:00+08:00",
        "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS",
        "resource": { "original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                      "ciphertext": ct, "associated_data": "transaction", "nonce": nonce },
    })
    .to_string();
    let ts = chrono::Utc::now().timestamp();
    let sig = wechat::sign_message(&key, ts, "copy-nonce", &body).unwrap();
    (
        body,
        vec![
            ("wechatpay-timestamp".into(), ts.to_string()),
            ("wechatpay-nonce".into(), "copy-nonce".into()),
            ("wechatpay-signature".into(), sig),
            (
                "wechatpay-serial".into(),
                s::SANDBOX_WECHAT_PLATFORM_SERIAL.into(),
            ),
        ],
    )
}

/// Forged and stale notifications from the gateway are refused, recorded and credit nothing;
/// the real one, sent late, is credited when it comes.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn forged_stale_and_late_wechat_notifications(pool: PgPool) {
    let c = start(&pool).await;
    let (op, _) = c.tokens("uat_operator", "operator").await;
    let before = balance(&pool).await;
    let r = order(&c, &op, "50.00").await;
    let no = r.body["out_trade_no"].as_str().unwrap().to_string();
    let id = r.body["id"].as_str().unwrap().to_string();

    // Forged: signed with a key that is not WeChat Pay's. The gateway marks the order paid,
    // but our server refuses the notification.
    let (_, forged) = pay(&c, &no, "?forge=true&times=2").await;
    let answers: Vec<String> = serde_json::from_value(forged["answers"].clone()).unwrap();
    assert_eq!(answers.len(), 2);
    assert!(answers.iter().all(|a| a.starts_with("401 ")), "{answers:?}");
    assert!(answers[0].contains("\"code\":\"FAIL\""), "{answers:?}");
    assert_eq!(balance(&pool).await, before);
    assert_eq!(status(&pool, &no).await, "pending");
    let rejected: Vec<(Option<bool>, String)> = sqlx::query_as(
        "SELECT verified, reject_reason FROM payment_callbacks WHERE channel = 'wechat' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rejected.len(), 2);
    assert!(
        rejected.iter().all(|(v, _)| *v == Some(false)),
        "{rejected:?}"
    );

    // Stale: ten minutes old, outside the ±5 min window.
    let r2 = order(&c, &op, "60.00").await;
    let no2 = r2.body["out_trade_no"].as_str().unwrap().to_string();
    let (_, stale) = pay(&c, &no2, "?stale=true").await;
    assert!(
        stale["answers"][0].as_str().unwrap().starts_with("400 "),
        "{stale}"
    );
    let reason: String = sqlx::query_scalar(
        "SELECT reject_reason FROM payment_callbacks WHERE channel = 'wechat' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(reason.contains("away from now"), "{reason}");
    assert_eq!(balance(&pool).await, before);

    // Neither was lost: reconciliation asks WeChat Pay and credits both, once each.
    let channels = Channels {
        alipay: None,
        wechat: Some(sandbox_wechat(&c)),
        sandbox: true,
    };
    let (a, b) = tokio::join!(
        reconcile::run(&pool, &channels),
        reconcile::run(&pool, &channels)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.credited + b.credited, 2, "{a:?} {b:?}");
    assert_eq!(balance(&pool).await, before + Decimal::from(110));
    assert_eq!(ledger_holds(&pool, &id).await, 1);
    assert_eq!(status(&pool, &no2).await, "paid");

    // Late: the notification arrives after reconciliation already credited it — a duplicate.
    let r3 = order(&c, &op, "7.00").await;
    let no3 = r3.body["out_trade_no"].as_str().unwrap().to_string();
    let (_, late) = pay(&c, &no3, "?delay_ms=300").await;
    assert_eq!(late["scheduled"], 1);
    assert_eq!(status(&pool, &no3).await, "pending");
    for _ in 0..50 {
        if status(&pool, &no3).await == "paid" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        status(&pool, &no3).await,
        "paid",
        "the late notification is credited"
    );
    assert_eq!(balance(&pool).await, before + Decimal::from(117));
}

/// An order unpaid past its time is closed at WeChat Pay and here; the channel down gives
/// 503 and a failed order; an answer not signed by WeChat Pay is not trusted; refunds are
/// idempotent per refund number and bounded by what was paid.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn timeouts_outages_untrusted_answers_and_refunds(pool: PgPool) {
    let c = start(&pool).await;
    let (op, _) = c.tokens("uat_operator", "operator").await;
    let before = balance(&pool).await;
    let ch = sandbox_wechat(&c);
    let client = WechatClient::new(ch.clone());

    // Timing out.
    let r = order(&c, &op, "30.00").await;
    let no = r.body["out_trade_no"].as_str().unwrap().to_string();
    sqlx::query("UPDATE payment_orders SET expires_at = now() - interval '1 minute' WHERE out_trade_no = $1")
        .bind(&no)
        .execute(&pool)
        .await
        .unwrap();
    let channels = Channels {
        alipay: None,
        wechat: Some(ch.clone()),
        sandbox: true,
    };
    let run = reconcile::run(&pool, &channels).await.unwrap();
    assert_eq!(run.closed, 1, "{run:?}");
    assert_eq!(status(&pool, &no).await, "closed");
    assert_eq!(
        client.query(&no).await.unwrap().unwrap().trade_state,
        "CLOSED"
    );
    assert_eq!(
        pay(&c, &no, "").await.0,
        StatusCode::CONFLICT,
        "no longer payable"
    );
    assert_eq!(balance(&pool).await, before);

    // The gateway refuses a request not signed by the merchant.
    let bad = c
        .http
        .get(c.url(&format!(
            "/sandbox/wechat/v3/pay/transactions/out-trade-no/{no}?mchid=1900000109"
        )))
        .header("authorization", "WECHATPAY2-SHA256-RSA2048 mchid=\"1900000109\",nonce_str=\"n\",signature=\"AAAA\",timestamp=\"1\",serial_no=\"x\"")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(bad.json::<Value>().await.unwrap()["code"], "SIGN_ERROR");

    // An answer signed with a key that is not WeChat Pay's is not trusted.
    let wrong = wechat_trusting(&c.url("/sandbox/wechat"), "app_public_spki.pem");
    let untrusted = WechatClient::new(wrong).query(&no).await;
    assert!(
        matches!(&untrusted, Err(mr_server::payments::alipay_client::ChannelError::Unavailable(m)) if m.contains("not trusted")),
        "{untrusted:?}"
    );

    // The channel down: 503 PAYMENT_UNAVAILABLE and the order failed, not pending.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let down = TestServer::spawn_with(pool.clone(), |cfg| {
        cfg.payments = Channels {
            alipay: None,
            wechat: Some(wechat_at(&dead)),
            sandbox: true,
        };
    })
    .await;
    let d = Ctx {
        server: down,
        http: reqwest::Client::new(),
    };
    let r = order(&d, &op, "10.00").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{r:?}");
    assert_eq!(r.body["message"], "支付服务暂时不可用，请稍后再试");
    let failed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM payment_orders WHERE channel = 'wechat' AND status = 'failed'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(failed, 1);

    // Refunds.
    let r = order(&c, &op, "100.00").await;
    let no = r.body["out_trade_no"].as_str().unwrap().to_string();
    let hundred = Decimal::from(100);
    assert!(client
        .refund(&no, "WRF0", Decimal::from(10), hundred, "测试")
        .await
        .is_err());
    pay(&c, &no, "").await;
    let first = client
        .refund(&no, "WRF1", Decimal::from(30), hundred, "余额退款")
        .await
        .unwrap();
    assert_eq!(
        (first.status.as_str(), first.refund),
        ("SUCCESS", Decimal::from(30))
    );
    let retry = client
        .refund(&no, "WRF1", Decimal::from(30), hundred, "余额退款")
        .await
        .unwrap();
    assert_eq!(
        retry.refund_id, first.refund_id,
        "the same refund, not a second one"
    );
    match client
        .refund(&no, "WRF2", Decimal::from(80), hundred, "余额退款")
        .await
    {
        Err(mr_server::payments::alipay_client::ChannelError::Refused { code, .. }) => {
            assert_eq!(code, "INVALID_REQUEST")
        }
        other => panic!("{other:?}"),
    }
    client
        .refund(&no, "WRF3", Decimal::from(70), hundred, "余额退款")
        .await
        .unwrap();
    assert_eq!(
        client.refund_status("WRF1").await.unwrap().unwrap().status,
        "SUCCESS"
    );
    assert_eq!(client.refund_status("WRF9").await.unwrap(), None);
    assert_eq!(
        client.query(&no).await.unwrap().unwrap().trade_state,
        "REFUND"
    );
}
