//! A local gateway that speaks Alipay's protocol (R-P4): `gateway.do` answers precreate, query
//! and close — checking the app's RSA2 signature and signing its answers — and
//! `POST /sandbox/alipay/pay/{out_trade_no}` plays the buyer: it marks the trade paid and
//! sends properly signed notifications to the order's notify_url (once, or several times to
//! rehearse resends). The server's real Alipay client runs against it unchanged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use mr_payments::{alipay, SigningKey, VerifyingKey};

use super::sandbox_buyer;
use serde::Deserialize;
use serde_json::{json, Value};

pub const GATEWAY_PATH: &str = "/sandbox/alipay/gateway.do";

#[derive(Debug, Clone)]
struct Trade {
    amount: String,
    notify_url: Option<String>,
    status: &'static str,
    /// Alipay knows a precreated trade only once its code is scanned: before that, query and
    /// close answer `ACQ.TRADE_NOT_EXIST`.
    scanned: bool,
    trade_no: String,
    /// Refunds by their out_request_no.
    refunds: HashMap<String, rust_decimal::Decimal>,
}

impl Trade {
    fn refunded(&self) -> rust_decimal::Decimal {
        self.refunds.values().copied().sum()
    }
}

pub struct SandboxAlipay {
    /// Plays Alipay's private key: signs answers and notifications.
    key: SigningKey,
    /// The app public key: checks the requests.
    app_public_key: VerifyingKey,
    app_id: String,
    /// Signs forged notifications on request (any key but the gateway's).
    forger: SigningKey,
    trades: Mutex<HashMap<String, Trade>>,
    http: reqwest::Client,
}

impl SandboxAlipay {
    pub fn new(
        key: SigningKey,
        app_public_key: VerifyingKey,
        app_id: String,
        forger: SigningKey,
    ) -> SandboxAlipay {
        SandboxAlipay {
            key,
            app_public_key,
            app_id,
            forger,
            trades: Mutex::new(HashMap::new()),
            http: reqwest::Client::new(),
        }
    }
}

pub fn router(s: Arc<SandboxAlipay>) -> Router {
    Router::new()
        .route(GATEWAY_PATH, post(gateway).get(gateway))
        .route("/sandbox/alipay/pay/{out_trade_no}", post(pay))
        .with_state(s)
}

fn answer(s: &SandboxAlipay, method: &str, node: Value) -> Response {
    match alipay::signed_response(method, &node.to_string(), &s.key) {
        Ok(body) => (
            StatusCode::OK,
            [("content-type", "application/json;charset=utf-8")],
            body,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn business_failure(sub_code: &str, sub_msg: &str) -> Value {
    json!({ "code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg })
}

async fn gateway(
    State(s): State<Arc<SandboxAlipay>>,
    Query(query): Query<Vec<(String, String)>>,
    body: Bytes,
) -> Response {
    // Parameters may come in the query string, the form body, or both.
    let mut params = alipay::Params::new();
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    for (k, v) in query.into_iter().chain(form) {
        params.insert(k, v);
    }
    let method = params.get("method").cloned().unwrap_or_default();
    let genuine = alipay::verify_request(&params, &s.app_public_key).is_ok()
        && params.get("app_id") == Some(&s.app_id);
    if method == "alipay.trade.page.pay" {
        return cashier(&s, &params, genuine);
    }
    if !genuine {
        return answer(
            &s,
            &method,
            json!({ "code": "40002", "msg": "Invalid Arguments",
                    "sub_code": "isv.invalid-signature", "sub_msg": "验签出错" }),
        );
    }
    let biz: Value = params
        .get("biz_content")
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    let out_trade_no = biz["out_trade_no"].as_str().unwrap_or("").to_string();
    let mut trades = s.trades.lock().unwrap_or_else(|e| e.into_inner());
    let node = match method.as_str() {
        "alipay.trade.precreate" => {
            let amount = biz["total_amount"].as_str().unwrap_or("").to_string();
            if out_trade_no.is_empty() || amount.parse::<rust_decimal::Decimal>().is_err() {
                business_failure("ACQ.INVALID_PARAMETER", "参数无效")
            } else {
                let trade_no = format!(
                    "{}2200{:010}",
                    Utc::now().format("%Y%m%d"),
                    trades.len() + 1
                );
                trades.entry(out_trade_no.clone()).or_insert(Trade {
                    amount,
                    notify_url: params.get("notify_url").cloned(),
                    status: "WAIT_BUYER_PAY",
                    scanned: false,
                    trade_no,
                    refunds: HashMap::new(),
                });
                json!({ "code": "10000", "msg": "Success", "out_trade_no": out_trade_no,
                        "qr_code": format!("https://qr.sandbox.invalid/alipay/{out_trade_no}") })
            }
        }
        "alipay.trade.query" => match trades.get(&out_trade_no) {
            Some(t) if t.scanned => {
                json!({ "code": "10000", "msg": "Success", "out_trade_no": out_trade_no,
                               "trade_no": t.trade_no, "trade_status": t.status,
                               "total_amount": t.amount })
            }
            _ => business_failure("ACQ.TRADE_NOT_EXIST", "交易不存在"),
        },
        "alipay.trade.close" => match trades.get_mut(&out_trade_no) {
            Some(t) if !t.scanned => {
                // Nothing to close at Alipay, but the code stops being payable.
                t.status = "TRADE_CLOSED";
                business_failure("ACQ.TRADE_NOT_EXIST", "交易不存在")
            }
            Some(t) if t.status == "WAIT_BUYER_PAY" => {
                t.status = "TRADE_CLOSED";
                json!({ "code": "10000", "msg": "Success", "out_trade_no": out_trade_no,
                        "trade_no": t.trade_no })
            }
            Some(_) => business_failure("ACQ.TRADE_STATUS_ERROR", "交易状态不合法"),
            None => business_failure("ACQ.TRADE_NOT_EXIST", "交易不存在"),
        },
        "alipay.trade.refund" => refund(&mut trades, &out_trade_no, &biz),
        "alipay.trade.fastpay.refund.query" => {
            let req = biz["out_request_no"].as_str().unwrap_or("");
            match trades.get(&out_trade_no) {
                Some(t) => match t.refunds.get(req) {
                    Some(a) => json!({ "code": "10000", "msg": "Success",
                                       "out_trade_no": out_trade_no, "out_request_no": req,
                                       "refund_amount": format!("{a:.2}"),
                                       "refund_status": "REFUND_SUCCESS" }),
                    // Alipay answers success without refund_status for an unknown refund.
                    None => json!({ "code": "10000", "msg": "Success",
                                    "out_trade_no": out_trade_no, "out_request_no": req }),
                },
                None => business_failure("ACQ.TRADE_NOT_EXIST", "交易不存在"),
            }
        }
        _ => json!({ "code": "40004", "msg": "Business Failed",
                     "sub_code": "isv.invalid-method", "sub_msg": "不存在的方法名" }),
    };
    drop(trades);
    answer(&s, &method, node)
}

/// `alipay.trade.page.pay` (opened in the buyer's browser): the sandbox cashier page. The
/// trade exists from now on, as at Alipay once the buyer is on the page; its button pays
/// through the same buyer endpoint as a scanned QR code.
fn cashier(s: &SandboxAlipay, params: &alipay::Params, genuine: bool) -> Response {
    let page = |status: StatusCode, body: String| {
        (
            status,
            [("content-type", "text/html; charset=utf-8")],
            format!(
                "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
                 <title>支付宝沙箱收银台</title></head><body style=\"font-family:sans-serif;\
                 max-width:420px;margin:48px auto;text-align:center\">{body}</body></html>"
            ),
        )
            .into_response()
    };
    if !genuine {
        return page(
            StatusCode::BAD_REQUEST,
            "<h2>验签出错</h2><p>isv.invalid-signature</p>".into(),
        );
    }
    let biz: Value = params
        .get("biz_content")
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    let no = biz["out_trade_no"].as_str().unwrap_or("").to_string();
    let amount = biz["total_amount"].as_str().unwrap_or("").to_string();
    let valid_no = !no.is_empty()
        && no
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_no || amount.parse::<rust_decimal::Decimal>().is_err() {
        return page(
            StatusCode::BAD_REQUEST,
            "<h2>参数无效</h2><p>ACQ.INVALID_PARAMETER</p>".into(),
        );
    }
    let mut trades = s.trades.lock().unwrap_or_else(|e| e.into_inner());
    let seq = trades.len() + 1;
    let t = trades.entry(no.clone()).or_insert(Trade {
        amount: amount.clone(),
        notify_url: params.get("notify_url").cloned(),
        status: "WAIT_BUYER_PAY",
        scanned: true,
        trade_no: format!("{}2200{seq:010}", Utc::now().format("%Y%m%d")),
        refunds: HashMap::new(),
    });
    t.scanned = true;
    let status = t.status;
    drop(trades);
    page(
        StatusCode::OK,
        format!(
            "<h2>支付宝沙箱收银台</h2><p>订单号 {no}</p><p style=\"font-size:28px\">¥{amount}</p>\
             <p>状态：{status}</p><form method=\"post\" action=\"/sandbox/alipay/pay/{no}\">\
             <button type=\"submit\" style=\"font-size:18px;padding:8px 32px\">确认付款（沙箱）</button>\
             </form>"
        ),
    )
}

/// `alipay.trade.refund`: idempotent per out_request_no; never more than was paid; a trade
/// refunded in full closes.
fn refund(trades: &mut HashMap<String, Trade>, out_trade_no: &str, biz: &Value) -> Value {
    let Some(t) = trades.get_mut(out_trade_no) else {
        return business_failure("ACQ.TRADE_NOT_EXIST", "交易不存在");
    };
    let req = biz["out_request_no"].as_str().unwrap_or("").to_string();
    let amount = biz["refund_amount"]
        .as_str()
        .and_then(|a| a.parse::<rust_decimal::Decimal>().ok());
    let total: rust_decimal::Decimal = t.amount.parse().unwrap_or_default();
    let answer = |t: &Trade, changed: bool| {
        json!({ "code": "10000", "msg": "Success", "out_trade_no": out_trade_no,
                "trade_no": t.trade_no, "fund_change": if changed { "Y" } else { "N" },
                "refund_fee": format!("{:.2}", t.refunded()) })
    };
    if t.refunds.contains_key(&req) {
        return answer(t, false);
    }
    if t.status != "TRADE_SUCCESS" {
        return business_failure("ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
    }
    match amount {
        Some(a) if a > rust_decimal::Decimal::ZERO && t.refunded() + a <= total => {
            if req.is_empty() && a != total {
                return business_failure("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限");
            }
            t.refunds.insert(req, a);
            if t.refunded() == total {
                t.status = "TRADE_CLOSED";
            }
            answer(t, true)
        }
        _ => business_failure("ACQ.REASON_TRADE_REFUND_FEE_ERR", "退款金额无效"),
    }
}

#[derive(Debug, Deserialize)]
pub struct PayOptions {
    /// How many copies of the notification to send (resends), 1 by default; 0 pays without
    /// notifying (a notification lost on the way, for reconciliation to find).
    #[serde(default)]
    pub times: Option<u32>,
    /// Sends the notifications this late (in the background; the answer does not wait).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Signs the notifications with a key that is not Alipay's.
    #[serde(default)]
    pub forge: Option<bool>,
}

/// The buyer pays: the trade succeeds and its notification is sent (`times` copies).
async fn pay(
    State(s): State<Arc<SandboxAlipay>>,
    Path(out_trade_no): Path<String>,
    Query(opts): Query<PayOptions>,
) -> Response {
    let trade = {
        let mut trades = s.trades.lock().unwrap_or_else(|e| e.into_inner());
        match trades.get_mut(&out_trade_no) {
            Some(t) if t.status == "WAIT_BUYER_PAY" => {
                t.status = "TRADE_SUCCESS";
                t.scanned = true;
                t.clone()
            }
            Some(t) => return sandbox_buyer::not_payable(t.status),
            None => return sandbox_buyer::no_such_order(),
        }
    };
    let beijing = mr_domain::time::business_tz();
    let now = Utc::now()
        .with_timezone(&beijing)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let mut p = alipay::Params::new();
    for (k, v) in [
        ("app_id", s.app_id.clone()),
        ("charset", "utf-8".into()),
        ("version", "1.0".into()),
        ("sign_type", "RSA2".into()),
        ("notify_type", "trade_status_sync".into()),
        ("notify_id", uuid::Uuid::new_v4().simple().to_string()),
        ("notify_time", now.clone()),
        ("gmt_create", now.clone()),
        ("gmt_payment", now),
        ("trade_no", trade.trade_no.clone()),
        ("out_trade_no", out_trade_no.clone()),
        ("total_amount", trade.amount.clone()),
        ("receipt_amount", trade.amount.clone()),
        ("buyer_pay_amount", trade.amount.clone()),
        ("trade_status", "TRADE_SUCCESS".into()),
        ("subject", "MR 平台充值（沙箱）".into()),
    ] {
        p.insert(k.into(), v);
    }
    let key = if opts.forge == Some(true) {
        &s.forger
    } else {
        &s.key
    };
    if alipay::sign_notify(&mut p, key).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let form = serde_urlencoded::to_string(&p).unwrap_or_default();
    let Some(url) = trade.notify_url else {
        return Json(json!({ "sent": 0, "answers": [] })).into_response();
    };
    let delivery = sandbox_buyer::Delivery {
        url,
        content_type: "application/x-www-form-urlencoded; charset=utf-8",
        headers: Vec::new(),
        body: form,
        with_status: false,
    };
    sandbox_buyer::deliver(s.http.clone(), delivery, opts.times, opts.delay_ms).await
}
