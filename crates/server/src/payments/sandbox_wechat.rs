//! A local gateway that speaks WeChat Pay API v3 (R-P4) under `/sandbox/wechat`: Native
//! ordering, query, close, domestic refunds and their query — each request's
//! `WECHATPAY2-SHA256-RSA2048` Authorization checked with the merchant public key (over the
//! path without the `/sandbox/wechat` prefix, as the client signs it), each answer signed
//! with the platform key. `POST /sandbox/wechat/pay/{out_trade_no}` plays the buyer: the order
//! succeeds and a signed notification with the transaction encrypted under the APIv3 key is
//! sent to its notify_url — several copies (`times`), late (`delay_ms`), forged (`forge`,
//! signed with a key that is not the platform's) or stale (`stale`, a timestamp ten minutes
//! old) on request. The server's real client and webhook run against it unchanged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use mr_payments::{wechat, SigningKey, VerifyingKey};

use super::sandbox_buyer;
use serde::Deserialize;
use serde_json::{json, Value};

pub const API_BASE_PATH: &str = "/sandbox/wechat";

#[derive(Debug, Clone)]
struct Order {
    total: i64,
    notify_url: String,
    /// `NOTPAY`, `SUCCESS`, `CLOSED` or `REFUND`.
    state: &'static str,
    transaction_id: String,
    success_time: Option<String>,
}

#[derive(Debug, Clone)]
struct Refund {
    refund_id: String,
    out_trade_no: String,
    refund: i64,
    total: i64,
    create_time: String,
}

pub struct SandboxWechat {
    /// Plays WeChat Pay's key: signs answers and notifications.
    platform_key: SigningKey,
    platform_serial: String,
    /// Signs forged notifications on request (any key but the platform's).
    forger: SigningKey,
    merchant_public_key: VerifyingKey,
    merchant_serial: String,
    mchid: String,
    appid: String,
    api_v3_key: Vec<u8>,
    orders: Mutex<HashMap<String, Order>>,
    refunds: Mutex<HashMap<String, Refund>>,
    http: reqwest::Client,
}

/// Who the sandbox is and whom it serves.
pub struct Identity {
    pub platform_key: SigningKey,
    pub platform_serial: String,
    pub forger: SigningKey,
    pub merchant_public_key: VerifyingKey,
    pub merchant_serial: String,
    pub mchid: String,
    pub appid: String,
    pub api_v3_key: Vec<u8>,
}

impl SandboxWechat {
    pub fn new(id: Identity) -> SandboxWechat {
        SandboxWechat {
            platform_key: id.platform_key,
            platform_serial: id.platform_serial,
            forger: id.forger,
            merchant_public_key: id.merchant_public_key,
            merchant_serial: id.merchant_serial,
            mchid: id.mchid,
            appid: id.appid,
            api_v3_key: id.api_v3_key,
            orders: Mutex::new(HashMap::new()),
            refunds: Mutex::new(HashMap::new()),
            http: reqwest::Client::new(),
        }
    }

    fn orders(&self) -> std::sync::MutexGuard<'_, HashMap<String, Order>> {
        self.orders.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn router(s: Arc<SandboxWechat>) -> Router {
    let api = |p: &str| format!("{API_BASE_PATH}/v3{p}");
    Router::new()
        .route(&api("/pay/transactions/native"), post(native))
        .route(
            &api("/pay/transactions/out-trade-no/{no}"),
            get(query_order),
        )
        .route(
            &api("/pay/transactions/out-trade-no/{no}/close"),
            post(close),
        )
        .route(&api("/refund/domestic/refunds"), post(refund))
        .route(&api("/refund/domestic/refunds/{no}"), get(query_refund))
        .route(&format!("{API_BASE_PATH}/pay/{{no}}"), post(pay))
        .with_state(s)
}

fn beijing_now() -> String {
    let tz = mr_domain::time::business_tz();
    Utc::now()
        .with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// An answer signed as WeChat Pay signs them (an empty body for 204).
fn answer(s: &SandboxWechat, status: StatusCode, body: Option<Value>) -> Response {
    let text = body.map(|b| b.to_string()).unwrap_or_default();
    let ts = Utc::now().timestamp();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let Ok(sig) = wechat::sign_message(&s.platform_key, ts, &nonce, &text) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut h = HeaderMap::new();
    for (k, v) in [
        ("wechatpay-timestamp", ts.to_string()),
        ("wechatpay-nonce", nonce),
        ("wechatpay-signature", sig),
        ("wechatpay-serial", s.platform_serial.clone()),
        ("wechatpay-signature-type", wechat::SCHEME.to_string()),
        ("content-type", "application/json".to_string()),
    ] {
        if let Ok(v) = v.parse() {
            h.insert(k, v);
        }
    }
    let mut resp = (status, h, text).into_response();
    // WeChat Pay's own refusal body, signed: our error-body layer must leave it as it is.
    resp.extensions_mut().insert(crate::app::ProtocolBody);
    resp
}

fn refuse(s: &SandboxWechat, status: StatusCode, code: &str, message: &str) -> Response {
    answer(s, status, Some(json!({ "code": code, "message": message })))
}

/// Checks the merchant's signature over what the client signed: the method, the path
/// without the sandbox prefix (with its query), and the body.
fn authorized(s: &SandboxWechat, method: &Method, uri: &Uri, h: &HeaderMap, body: &str) -> bool {
    let header = h
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Ok(auth) = wechat::parse_authorization(header) else {
        return false;
    };
    let full = uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
    let signed = full.strip_prefix(API_BASE_PATH).unwrap_or(full);
    auth.mchid == s.mchid
        && auth.serial_no == s.merchant_serial
        && wechat::verify_request(
            &s.merchant_public_key,
            &auth,
            method.as_str(),
            signed,
            body,
            Utc::now().timestamp(),
        )
        .is_ok()
}

macro_rules! signed_or_refuse {
    ($s:expr, $method:expr, $uri:expr, $h:expr, $body:expr) => {
        if !authorized(&$s, &$method, &$uri, &$h, $body) {
            return refuse(&$s, StatusCode::UNAUTHORIZED, "SIGN_ERROR", "签名错误");
        }
    };
}

fn transaction(s: &SandboxWechat, no: &str, o: &Order) -> Value {
    let mut t = json!({
        "appid": s.appid, "mchid": s.mchid, "out_trade_no": no,
        "trade_type": "NATIVE", "trade_state": o.state,
        "trade_state_desc": match o.state {
            "SUCCESS" => "支付成功", "CLOSED" => "已关闭", "REFUND" => "转入退款", _ => "未支付",
        },
        "attach": "", "bank_type": "OTHERS",
        "amount": { "total": o.total, "currency": "CNY" },
    });
    if o.state != "NOTPAY" && o.state != "CLOSED" {
        t["transaction_id"] = json!(o.transaction_id);
        t["success_time"] = json!(o.success_time);
        t["payer"] = json!({ "openid": "oSandboxPayer000000000000000" });
        t["amount"]["payer_total"] = json!(o.total);
        t["amount"]["payer_currency"] = json!("CNY");
    }
    t
}

async fn native(
    State(s): State<Arc<SandboxWechat>>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let text = String::from_utf8_lossy(&body);
    signed_or_refuse!(s, method, uri, h, &text);
    let req: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let (Some(no), Some(total), Some(url)) = (
        req["out_trade_no"].as_str(),
        req["amount"]["total"].as_i64().filter(|t| *t > 0),
        req["notify_url"].as_str(),
    ) else {
        return refuse(&s, StatusCode::BAD_REQUEST, "PARAM_ERROR", "参数错误");
    };
    if req["mchid"] != s.mchid.as_str() || req["appid"] != s.appid.as_str() {
        return refuse(
            &s,
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "mchid 与 appid 不匹配",
        );
    }
    let mut orders = s.orders();
    let seq = orders.len() + 1;
    let order = orders.entry(no.to_string()).or_insert_with(|| Order {
        total,
        notify_url: url.to_string(),
        state: "NOTPAY",
        transaction_id: format!("4200{}{seq:012}", Utc::now().format("%Y%m%d")),
        success_time: None,
    });
    if order.total != total {
        return refuse(
            &s,
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "订单号重复但金额不同",
        );
    }
    drop(orders);
    answer(
        &s,
        StatusCode::OK,
        Some(json!({ "code_url": format!("weixin://wxpay/bizpayurl?pr=sandbox{no}") })),
    )
}

async fn query_order(
    State(s): State<Arc<SandboxWechat>>,
    Path(no): Path<String>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
) -> Response {
    signed_or_refuse!(s, method, uri, h, "");
    let found = s.orders().get(&no).cloned();
    match found {
        Some(o) => answer(&s, StatusCode::OK, Some(transaction(&s, &no, &o))),
        None => refuse(&s, StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在"),
    }
}

async fn close(
    State(s): State<Arc<SandboxWechat>>,
    Path(no): Path<String>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    signed_or_refuse!(s, method, uri, h, &String::from_utf8_lossy(&body));
    let mut orders = s.orders();
    let outcome = match orders.get_mut(&no) {
        Some(o) if matches!(o.state, "NOTPAY" | "CLOSED") => {
            o.state = "CLOSED";
            Ok(())
        }
        Some(_) => Err((StatusCode::BAD_REQUEST, "ORDERPAID", "订单已支付")),
        None => Err((StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在")),
    };
    drop(orders);
    match outcome {
        Ok(()) => answer(&s, StatusCode::NO_CONTENT, None),
        Err((status, code, msg)) => refuse(&s, status, code, msg),
    }
}

fn refund_json(r: &Refund, no: &str) -> Value {
    json!({
        "refund_id": r.refund_id, "out_refund_no": no, "out_trade_no": r.out_trade_no,
        "channel": "ORIGINAL", "user_received_account": "支付用户零钱",
        "create_time": r.create_time, "success_time": r.create_time, "status": "SUCCESS",
        "amount": { "total": r.total, "refund": r.refund, "payer_total": r.total,
                    "payer_refund": r.refund, "currency": "CNY" },
    })
}

/// Idempotent per out_refund_no; never more than was paid in total.
async fn refund(
    State(s): State<Arc<SandboxWechat>>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let text = String::from_utf8_lossy(&body);
    signed_or_refuse!(s, method, uri, h, &text);
    let req: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let (Some(trade), Some(no), Some(amount), Some(total)) = (
        req["out_trade_no"].as_str(),
        req["out_refund_no"].as_str(),
        req["amount"]["refund"].as_i64(),
        req["amount"]["total"].as_i64(),
    ) else {
        return refuse(&s, StatusCode::BAD_REQUEST, "PARAM_ERROR", "参数错误");
    };
    let mut refunds = s.refunds.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(r) = refunds.get(no) {
        let body = refund_json(r, no);
        drop(refunds);
        return answer(&s, StatusCode::OK, Some(body));
    }
    let mut orders = s.orders();
    let Some(order) = orders.get_mut(trade) else {
        return refuse(
            &s,
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "订单不存在",
        );
    };
    let done: i64 = refunds
        .values()
        .filter(|r| r.out_trade_no == trade)
        .map(|r| r.refund)
        .sum();
    if !matches!(order.state, "SUCCESS" | "REFUND") {
        return refuse(&s, StatusCode::FORBIDDEN, "NOT_ENOUGH", "订单未支付");
    }
    if total != order.total || amount <= 0 || done + amount > order.total {
        return refuse(
            &s,
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "退款金额超过订单可退金额",
        );
    }
    order.state = "REFUND";
    let r = Refund {
        refund_id: format!(
            "5030{}{:012}",
            Utc::now().format("%Y%m%d"),
            refunds.len() + 1
        ),
        out_trade_no: trade.to_string(),
        refund: amount,
        total,
        create_time: beijing_now(),
    };
    let body = refund_json(&r, no);
    refunds.insert(no.to_string(), r);
    drop(orders);
    drop(refunds);
    answer(&s, StatusCode::OK, Some(body))
}

async fn query_refund(
    State(s): State<Arc<SandboxWechat>>,
    Path(no): Path<String>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
) -> Response {
    signed_or_refuse!(s, method, uri, h, "");
    let found = s
        .refunds
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&no)
        .map(|r| refund_json(r, &no));
    match found {
        Some(b) => answer(&s, StatusCode::OK, Some(b)),
        None => refuse(
            &s,
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "退款单不存在",
        ),
    }
}

#[derive(Debug, Deserialize)]
pub struct PayOptions {
    /// Copies of the notification (resends), 1 by default; 0 pays without notifying.
    #[serde(default)]
    pub times: Option<u32>,
    /// Sends the notifications this late (in the background; the answer does not wait).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Signs the notifications with a key that is not WeChat Pay's.
    #[serde(default)]
    pub forge: Option<bool>,
    /// Dates the notifications ten minutes back (outside the ±5 min window).
    #[serde(default)]
    pub stale: Option<bool>,
}

/// One notification, encrypted and signed as WeChat Pay sends it.
fn notification(
    s: &SandboxWechat,
    no: &str,
    o: &Order,
    opts: &PayOptions,
) -> Option<(String, Vec<(&'static str, String)>)> {
    let plain = transaction(s, no, o).to_string();
    let nonce: String = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
    let ciphertext =
        wechat::encrypt_resource(&s.api_v3_key, &nonce, "transaction", plain.as_bytes()).ok()?;
    let body = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "create_time": beijing_now(),
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": { "original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                      "ciphertext": ciphertext, "associated_data": "transaction", "nonce": nonce },
    })
    .to_string();
    let ts = Utc::now().timestamp() - if opts.stale == Some(true) { 600 } else { 0 };
    let sig_nonce = uuid::Uuid::new_v4().simple().to_string();
    let key = if opts.forge == Some(true) {
        &s.forger
    } else {
        &s.platform_key
    };
    let sig = wechat::sign_message(key, ts, &sig_nonce, &body).ok()?;
    Some((
        body,
        vec![
            ("wechatpay-timestamp", ts.to_string()),
            ("wechatpay-nonce", sig_nonce),
            ("wechatpay-signature", sig),
            ("wechatpay-serial", s.platform_serial.clone()),
            ("wechatpay-signature-type", wechat::SCHEME.to_string()),
        ],
    ))
}

/// The buyer pays: the order succeeds and its notification is sent as asked.
async fn pay(
    State(s): State<Arc<SandboxWechat>>,
    Path(no): Path<String>,
    Query(opts): Query<PayOptions>,
) -> Response {
    let order = {
        let mut orders = s.orders();
        match orders.get_mut(&no) {
            Some(o) if o.state == "NOTPAY" => {
                o.state = "SUCCESS";
                o.success_time = Some(beijing_now());
                o.clone()
            }
            Some(o) => return sandbox_buyer::not_payable(o.state),
            None => return sandbox_buyer::no_such_order(),
        }
    };
    let Some((body, headers)) = notification(&s, &no, &order, &opts) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let delivery = sandbox_buyer::Delivery {
        url: order.notify_url,
        content_type: "application/json",
        headers,
        body,
        with_status: true,
    };
    sandbox_buyer::deliver(s.http.clone(), delivery, opts.times, opts.delay_ms).await
}
