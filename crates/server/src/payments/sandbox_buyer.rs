//! What the two sandbox gateways' buyers share (R-P4): refusing an order that cannot be paid,
//! and delivering the signed notification — several copies, now or late.

use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::ApiError;
use mr_domain::ErrorCode;

/// 409: the order is closed or already paid (`state` in the channel's own words).
pub fn not_payable(state: &str) -> Response {
    ApiError::with(
        ErrorCode::Conflict,
        json!({ "reason": format!("the order is {state}") }),
    )
    .into_response()
}

pub fn no_such_order() -> Response {
    ApiError::new(ErrorCode::NotFound).into_response()
}

/// One signed notification, ready to send.
#[derive(Clone)]
pub struct Delivery {
    pub url: String,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// Report each answer as `"<status> <body>"` (WeChat Pay answers by status) rather than
    /// the body alone (Alipay's `success` / `failure`).
    pub with_status: bool,
}

async fn send(http: &reqwest::Client, d: &Delivery) -> String {
    let mut req = http
        .post(&d.url)
        .header("content-type", d.content_type)
        .body(d.body.clone());
    for (k, v) in &d.headers {
        req = req.header(*k, v);
    }
    match req.send().await {
        Ok(r) if d.with_status => {
            let status = r.status().as_u16();
            format!("{status} {}", r.text().await.unwrap_or_default())
        }
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(e) => format!("unreachable: {e}"),
    }
}

/// Sends `times` copies (1 by default, at most 50; 0 = lost on the way) and answers what
/// came back; with `delay_ms` they go later in the background and the answer says so.
pub async fn deliver(
    http: reqwest::Client,
    d: Delivery,
    times: Option<u32>,
    delay_ms: Option<u64>,
) -> Response {
    let times = times.unwrap_or(1).min(50);
    if let Some(ms) = delay_ms.filter(|ms| *ms > 0) {
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(ms.min(600_000))).await;
            for _ in 0..times {
                send(&http, &d).await;
            }
        });
        return axum::Json(json!({ "sent": 0, "scheduled": times, "delay_ms": ms }))
            .into_response();
    }
    let mut answers = Vec::new();
    for _ in 0..times {
        answers.push(send(&http, &d).await);
    }
    axum::Json(json!({ "sent": answers.len(), "answers": answers })).into_response()
}
