//! The Alipay OpenAPI client (当面付): `alipay.trade.precreate` for a QR code, `query`, `close`.
//! Requests are signed with the app key; answers are accepted only when their signature
//! checks with the Alipay public key. The gateway URL is configurable, so the same code talks
//! to Alipay, Alipay's sandbox or our local sandbox gateway.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use mr_payments::alipay;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::settings::Alipay;

/// Why a call did not give an answer we can use.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    /// Unreachable, a 5xx, or an answer that does not check out: try again later.
    #[error("the channel is unavailable: {0}")]
    Unavailable(String),
    /// The channel answered and refused (e.g. `ACQ.TRADE_NOT_EXIST`).
    #[error("the channel refused: {code} {message}")]
    Refused { code: String, message: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct TradeState {
    /// `WAIT_BUYER_PAY`, `TRADE_SUCCESS`, `TRADE_FINISHED` or `TRADE_CLOSED`.
    pub trade_status: String,
    pub trade_no: Option<String>,
    pub total_amount: Option<Decimal>,
}

/// What a refund call did.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundOutcome {
    /// False when this refund number was already refunded (an idempotent retry).
    pub fund_change: bool,
    /// Everything refunded on the trade so far.
    pub refund_fee: Decimal,
}

pub struct AlipayClient {
    cfg: Arc<Alipay>,
    http: reqwest::Client,
}

impl AlipayClient {
    pub fn new(cfg: Arc<Alipay>) -> AlipayClient {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        AlipayClient { cfg, http }
    }

    /// The public parameters of a call, signed with the app key.
    fn signed_params(
        &self,
        method: &str,
        biz: Value,
        extra: &[(&str, &str)],
    ) -> Result<alipay::Params, ChannelError> {
        let beijing = mr_domain::time::business_tz();
        let mut p = alipay::Params::new();
        for (k, v) in [
            ("app_id", self.cfg.app_id.clone()),
            ("method", method.to_string()),
            ("format", "JSON".into()),
            ("charset", "utf-8".into()),
            ("sign_type", "RSA2".into()),
            (
                "timestamp",
                Utc::now()
                    .with_timezone(&beijing)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
            ),
            ("version", "1.0".into()),
            ("biz_content", biz.to_string()),
        ] {
            p.insert(k.into(), v);
        }
        for (k, v) in extra {
            p.insert((*k).into(), (*v).into());
        }
        alipay::sign_request(&mut p, &self.cfg.app_private_key)
            .map_err(|e| ChannelError::Unavailable(e.to_string()))?;
        Ok(p)
    }

    async fn call(
        &self,
        method: &str,
        biz: Value,
        notify_url: Option<&str>,
    ) -> Result<Value, ChannelError> {
        let extra: Vec<(&str, &str)> = notify_url.map(|u| ("notify_url", u)).into_iter().collect();
        let p = self.signed_params(method, biz, &extra)?;
        let resp = self
            .http
            .post(&self.cfg.gateway_url)
            .header(
                "content-type",
                "application/x-www-form-urlencoded;charset=utf-8",
            )
            .body(serde_urlencoded::to_string(&p).unwrap_or_default())
            .send()
            .await
            .map_err(|e| ChannelError::Unavailable(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(ChannelError::Unavailable(format!("HTTP {}", resp.status())));
        }
        let body = resp
            .text()
            .await
            .map_err(|e| ChannelError::Unavailable(e.to_string()))?;
        let node = alipay::verify_response(method, &body, &self.cfg.alipay_public_key)
            .map_err(|e| ChannelError::Unavailable(format!("answer not trusted: {e}")))?;
        let node: Value = serde_json::from_str(node)
            .map_err(|e| ChannelError::Unavailable(format!("answer not JSON: {e}")))?;
        if node["code"] != "10000" {
            let code = node["sub_code"]
                .as_str()
                .or(node["code"].as_str())
                .unwrap_or("?")
                .to_string();
            let message = node["sub_msg"]
                .as_str()
                .or(node["msg"].as_str())
                .unwrap_or("")
                .to_string();
            return Err(ChannelError::Refused { code, message });
        }
        Ok(node)
    }

    /// A QR code for the buyer to scan (当面付 precreate).
    pub async fn precreate(
        &self,
        out_trade_no: &str,
        amount: Decimal,
        subject: &str,
        timeout_minutes: i64,
        notify_url: &str,
    ) -> Result<String, ChannelError> {
        let node = self
            .call(
                "alipay.trade.precreate",
                json!({
                    "out_trade_no": out_trade_no,
                    "total_amount": format!("{:.2}", amount),
                    "subject": subject,
                    "timeout_express": format!("{timeout_minutes}m"),
                }),
                Some(notify_url),
            )
            .await?;
        node["qr_code"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ChannelError::Unavailable("no qr_code in the answer".into()))
    }

    /// 电脑网站支付 (alipay.trade.page.pay), the option beside the QR code: the signed URL of
    /// Alipay's cashier page for this order, to open in a browser. Nothing is sent now; the
    /// trade exists at Alipay once the buyer opens the page, and pays as a QR order does
    /// (same notification, query, close).
    pub fn page_pay_url(
        &self,
        out_trade_no: &str,
        amount: Decimal,
        subject: &str,
        timeout_minutes: i64,
        notify_url: &str,
        return_url: Option<&str>,
    ) -> Result<String, ChannelError> {
        let mut extra = vec![("notify_url", notify_url)];
        if let Some(r) = return_url {
            extra.push(("return_url", r));
        }
        let p = self.signed_params(
            "alipay.trade.page.pay",
            json!({
                "out_trade_no": out_trade_no,
                "total_amount": format!("{:.2}", amount),
                "subject": subject,
                "product_code": "FAST_INSTANT_TRADE_PAY",
                "timeout_express": format!("{timeout_minutes}m"),
            }),
            &extra,
        )?;
        let query = serde_urlencoded::to_string(&p)
            .map_err(|e| ChannelError::Unavailable(e.to_string()))?;
        Ok(format!("{}?{query}", self.cfg.gateway_url))
    }

    /// The trade's state; `None` when Alipay has no such trade (never scanned).
    pub async fn query(&self, out_trade_no: &str) -> Result<Option<TradeState>, ChannelError> {
        match self
            .call(
                "alipay.trade.query",
                json!({ "out_trade_no": out_trade_no }),
                None,
            )
            .await
        {
            Ok(node) => Ok(Some(TradeState {
                trade_status: node["trade_status"].as_str().unwrap_or("").to_string(),
                trade_no: node["trade_no"].as_str().map(str::to_string),
                total_amount: node["total_amount"].as_str().and_then(|s| s.parse().ok()),
            })),
            Err(ChannelError::Refused { code, .. }) if code == "ACQ.TRADE_NOT_EXIST" => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn close(&self, out_trade_no: &str) -> Result<(), ChannelError> {
        match self
            .call(
                "alipay.trade.close",
                json!({ "out_trade_no": out_trade_no }),
                None,
            )
            .await
        {
            Ok(_) => Ok(()),
            // Never scanned: there is nothing to close at Alipay.
            Err(ChannelError::Refused { code, .. }) if code == "ACQ.TRADE_NOT_EXIST" => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Refunds `amount` of a paid trade. `out_request_no` identifies this refund: calling
    /// again with the same number refunds nothing more (`fund_change` false), so a retry after
    /// a timeout is safe.
    pub async fn refund(
        &self,
        out_trade_no: &str,
        out_request_no: &str,
        amount: Decimal,
        reason: &str,
    ) -> Result<RefundOutcome, ChannelError> {
        let node = self
            .call(
                "alipay.trade.refund",
                json!({
                    "out_trade_no": out_trade_no,
                    "out_request_no": out_request_no,
                    "refund_amount": format!("{:.2}", amount),
                    "refund_reason": reason,
                }),
                None,
            )
            .await?;
        Ok(RefundOutcome {
            fund_change: node["fund_change"] == "Y",
            refund_fee: node["refund_fee"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| ChannelError::Unavailable("no refund_fee in the answer".into()))?,
        })
    }

    /// Whether the refund `out_request_no` went through (`refund_status = REFUND_SUCCESS`).
    pub async fn refund_succeeded(
        &self,
        out_trade_no: &str,
        out_request_no: &str,
    ) -> Result<bool, ChannelError> {
        let node = self
            .call(
                "alipay.trade.fastpay.refund.query",
                json!({ "out_trade_no": out_trade_no, "out_request_no": out_request_no }),
                None,
            )
            .await?;
        Ok(node["refund_status"] == "REFUND_SUCCESS")
    }
}
