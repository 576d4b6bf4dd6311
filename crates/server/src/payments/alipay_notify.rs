//! `POST /api/v1/payments/alipay/notify`: Alipay's asynchronous notification (form-encoded).
//! Answered with the body `success` once the outcome is committed, `failure` otherwise (Alipay
//! then resends on its schedule).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::json;

use super::settle::Payment;
use super::{count, reject, store};
use crate::state::AppState;

pub const PATH: &str = "/api/v1/payments/alipay/notify";

/// Alipay reads the bare word `success` or `failure`, whatever the status.
fn reply(status: StatusCode, body: &'static str) -> Response {
    let mut resp = (
        status,
        [("content-type", "text/plain; charset=utf-8")],
        body,
    )
        .into_response();
    resp.extensions_mut().insert(crate::app::ProtocolBody);
    resp
}

pub async fn handler(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let raw = String::from_utf8_lossy(&body).into_owned();
    let pool = &state.pool;
    let channels = &state.config.payments;
    let meta = json!({
        "content-type": headers.get("content-type").and_then(|v| v.to_str().ok()),
    });
    let Ok(id) = store(pool, "alipay", channels.sandbox, meta, &raw).await else {
        count("alipay", "unavailable");
        return reply(StatusCode::SERVICE_UNAVAILABLE, "failure");
    };
    let refuse = |verified: Option<bool>, reason: String| async move {
        reject(pool, id, verified, &reason).await;
        count("alipay", "rejected");
        tracing::warn!(callback = id, %reason, "Alipay notification refused");
        reply(StatusCode::OK, "failure")
    };
    let Some(cfg) = channels.alipay.as_ref() else {
        return refuse(None, "Alipay is not configured".into()).await;
    };
    let fields: Vec<(String, String)> = match serde_urlencoded::from_str(&raw) {
        Ok(f) => f,
        Err(e) => return refuse(None, format!("malformed form: {e}")).await,
    };
    let params = match mr_payments::alipay::verify_notify(&fields, &cfg.alipay_public_key) {
        Ok(p) => p,
        Err(e) => return refuse(Some(false), e.to_string()).await,
    };
    let field = |k: &str| params.get(k).map(String::as_str).unwrap_or("");
    if field("app_id") != cfg.app_id {
        return refuse(
            Some(true),
            format!("app_id {} is not ours", field("app_id")),
        )
        .await;
    }
    let status = field("trade_status");
    if !matches!(status, "TRADE_SUCCESS" | "TRADE_FINISHED") {
        // A signed status change with nothing to credit: acknowledged so it is not resent.
        reject(
            pool,
            id,
            Some(true),
            &format!("trade_status {status}: nothing to credit"),
        )
        .await;
        count("alipay", "ignored");
        return reply(StatusCode::OK, "success");
    }
    let amount = match field("total_amount").parse::<Decimal>() {
        Ok(a) if a > Decimal::ZERO && a.scale() <= 2 => a,
        _ => {
            return refuse(
                Some(true),
                format!("bad total_amount {:?}", field("total_amount")),
            )
            .await
        }
    };
    if field("out_trade_no").is_empty() || field("trade_no").is_empty() {
        return refuse(Some(true), "out_trade_no or trade_no missing".into()).await;
    }
    let paid_at = NaiveDateTime::parse_from_str(field("gmt_payment"), "%Y-%m-%d %H:%M:%S")
        .ok()
        .and_then(|t| {
            mr_domain::time::business_tz()
                .from_local_datetime(&t)
                .single()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now);
    let payment = Payment {
        channel: "alipay",
        out_trade_no: field("out_trade_no").to_string(),
        channel_trade_no: field("trade_no").to_string(),
        amount,
        paid_at,
    };
    match state.settler.settle(id, payment).await {
        Ok(outcome) => {
            count("alipay", outcome.result());
            if outcome.accepted() {
                reply(StatusCode::OK, "success")
            } else {
                tracing::warn!(callback = id, ?outcome, "Alipay notification not credited");
                reply(StatusCode::OK, "failure")
            }
        }
        Err(e) => {
            tracing::error!(error = %e, callback = id, "settling an Alipay notification");
            count("alipay", "unavailable");
            reply(StatusCode::SERVICE_UNAVAILABLE, "failure")
        }
    }
}
