//! `POST /api/v1/payments/wechat/notify`: WeChat Pay API v3 payment notifications (JSON, the
//! transaction encrypted in `resource`). Accepted: 204 with no body. Refused: 4xx/5xx with
//! `{"code":"FAIL","message":…}`, and WeChat Pay resends on its schedule.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use mr_payments::{wechat, CryptoError};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;

use super::settle::Payment;
use super::{count, reject, store};
use crate::state::AppState;

pub const PATH: &str = "/api/v1/payments/wechat/notify";

/// The v3 protocol's refusal body (not our error body: WeChat Pay reads this one).
fn fail(status: StatusCode, message: &str) -> Response {
    let mut resp = (
        status,
        axum::Json(json!({ "code": "FAIL", "message": message })),
    )
        .into_response();
    resp.extensions_mut().insert(crate::app::ProtocolBody);
    resp
}

#[derive(Deserialize)]
struct Notification {
    event_type: String,
    resource: Resource,
}

#[derive(Deserialize)]
struct Resource {
    algorithm: String,
    ciphertext: String,
    #[serde(default)]
    associated_data: String,
    nonce: String,
}

#[derive(Deserialize)]
struct Transaction {
    mchid: String,
    appid: String,
    out_trade_no: String,
    transaction_id: String,
    trade_state: String,
    #[serde(default)]
    success_time: Option<String>,
    amount: TransactionAmount,
}

#[derive(Deserialize)]
struct TransactionAmount {
    /// In fen.
    total: i64,
    #[serde(default)]
    currency: Option<String>,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

pub async fn handler(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let raw = String::from_utf8_lossy(&body).into_owned();
    let pool = &state.pool;
    let channels = &state.config.payments;
    let meta = json!({
        "Wechatpay-Timestamp": header(&headers, "wechatpay-timestamp"),
        "Wechatpay-Nonce": header(&headers, "wechatpay-nonce"),
        "Wechatpay-Serial": header(&headers, "wechatpay-serial"),
        "Wechatpay-Signature": header(&headers, "wechatpay-signature"),
        "Content-Type": header(&headers, "content-type"),
    });
    let Ok(id) = store(pool, "wechat", channels.sandbox, meta, &raw).await else {
        count("wechat", "unavailable");
        return fail(StatusCode::SERVICE_UNAVAILABLE, "服务暂时不可用");
    };
    let refuse = |status: StatusCode, verified: Option<bool>, reason: String| async move {
        reject(pool, id, verified, &reason).await;
        count("wechat", "rejected");
        tracing::warn!(callback = id, %reason, "WeChat Pay notification refused");
        fail(status, "失败")
    };
    let Some(cfg) = channels.wechat.as_ref() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            "WeChat Pay is not configured".into(),
        )
        .await;
    };
    let serial = header(&headers, "wechatpay-serial");
    if serial != cfg.platform_serial {
        return refuse(
            StatusCode::BAD_REQUEST,
            Some(false),
            format!("unknown Wechatpay-Serial {serial:?}"),
        )
        .await;
    }
    if let Err(e) = wechat::verify_message(
        &cfg.platform_public_key,
        header(&headers, "wechatpay-timestamp"),
        header(&headers, "wechatpay-nonce"),
        header(&headers, "wechatpay-signature"),
        &raw,
        Utc::now().timestamp(),
    ) {
        let status = match e {
            CryptoError::Stale(_) | CryptoError::Format(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNAUTHORIZED,
        };
        return refuse(status, Some(false), e.to_string()).await;
    }
    let note: Notification = match serde_json::from_str(&raw) {
        Ok(n) => n,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                Some(true),
                format!("malformed body: {e}"),
            )
            .await
        }
    };
    if note.resource.algorithm != "AEAD_AES_256_GCM" {
        let why = format!("unsupported algorithm {}", note.resource.algorithm);
        return refuse(StatusCode::BAD_REQUEST, Some(true), why).await;
    }
    let plain = match wechat::decrypt_resource(
        &cfg.api_v3_key,
        &note.resource.nonce,
        &note.resource.associated_data,
        &note.resource.ciphertext,
    ) {
        Ok(p) => p,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, Some(true), e.to_string()).await,
    };
    let t: Transaction = match serde_json::from_slice(&plain) {
        Ok(t) => t,
        Err(e) => {
            let why = format!("malformed transaction: {e}");
            return refuse(StatusCode::BAD_REQUEST, Some(true), why).await;
        }
    };
    if t.mchid != cfg.mchid || t.appid != cfg.appid {
        let why = format!("mchid/appid {}/{} are not ours", t.mchid, t.appid);
        return refuse(StatusCode::BAD_REQUEST, Some(true), why).await;
    }
    if note.event_type != "TRANSACTION.SUCCESS" || t.trade_state != "SUCCESS" {
        // Signed, but nothing to credit: acknowledged so it is not resent.
        let why = format!("{} / {}: nothing to credit", note.event_type, t.trade_state);
        reject(pool, id, Some(true), &why).await;
        count("wechat", "ignored");
        return StatusCode::NO_CONTENT.into_response();
    }
    if t.amount.total <= 0 || t.amount.currency.as_deref().is_some_and(|c| c != "CNY") {
        let why = format!("bad amount {} {:?}", t.amount.total, t.amount.currency);
        return refuse(StatusCode::BAD_REQUEST, Some(true), why).await;
    }
    let paid_at = t
        .success_time
        .as_deref()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(Utc::now);
    let payment = Payment {
        channel: "wechat",
        out_trade_no: t.out_trade_no,
        channel_trade_no: t.transaction_id,
        amount: Decimal::new(t.amount.total, 2),
        paid_at,
    };
    match state.settler.settle(id, payment).await {
        Ok(outcome) => {
            count("wechat", outcome.result());
            if outcome.accepted() {
                StatusCode::NO_CONTENT.into_response()
            } else {
                tracing::warn!(
                    callback = id,
                    ?outcome,
                    "WeChat Pay notification not credited"
                );
                fail(StatusCode::BAD_REQUEST, "失败")
            }
        }
        Err(e) => {
            tracing::error!(error = %e, callback = id, "settling a WeChat Pay notification");
            count("wechat", "unavailable");
            fail(StatusCode::SERVICE_UNAVAILABLE, "服务暂时不可用")
        }
    }
}
