//! The WeChat Pay API v3 client (Native pay): `transactions/native` for a `code_url`, query by
//! out_trade_no, close, domestic refund and its query. Requests are signed
//! `WECHATPAY2-SHA256-RSA2048` with the merchant key; answers are accepted only when their
//! `Wechatpay-Signature` checks with the WeChat Pay public key under the expected serial and
//! within five minutes. The API base is configurable, so the same code talks to WeChat Pay or
//! the local sandbox gateway.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use mr_payments::wechat;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::alipay_client::ChannelError;
use super::settings::Wechat;

/// A transaction's state as `GET …/out-trade-no/{no}` answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct WechatTrade {
    /// `SUCCESS`, `REFUND`, `NOTPAY`, `CLOSED`, `REVOKED`, `USERPAYING` or `PAYERROR`.
    pub trade_state: String,
    pub transaction_id: Option<String>,
    /// Yuan (the API counts fen).
    pub total: Option<Decimal>,
}

/// A refund as WeChat Pay answers it. The same `out_refund_no` always answers the same refund,
/// so a retry never refunds twice.
#[derive(Debug, Clone, PartialEq)]
pub struct WechatRefund {
    pub refund_id: String,
    /// `SUCCESS`, `PROCESSING`, `CLOSED` or `ABNORMAL`.
    pub status: String,
    /// Yuan refunded by this refund.
    pub refund: Decimal,
}

/// Yuan → fen, exactly (amounts carry at most two decimals).
pub fn fen(amount: Decimal) -> Option<i64> {
    let f = (amount * Decimal::ONE_HUNDRED).normalize();
    (f.scale() == 0)
        .then(|| i64::try_from(f.mantissa()).ok())
        .flatten()
}

pub struct WechatClient {
    cfg: Arc<Wechat>,
    http: reqwest::Client,
}

impl WechatClient {
    pub fn new(cfg: Arc<Wechat>) -> WechatClient {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        WechatClient { cfg, http }
    }

    /// One signed call; `Ok(None)` for an empty success (204), the JSON otherwise. A 4xx with
    /// `{code, message}` is a refusal; anything unsigned, stale or 5xx is "unavailable".
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>, ChannelError> {
        let text = body.map(Value::to_string).unwrap_or_default();
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let auth = wechat::authorization(
            &self.cfg.merchant_private_key,
            &self.cfg.mchid,
            &self.cfg.merchant_serial,
            method.as_str(),
            path,
            &text,
            Utc::now().timestamp(),
            &nonce,
        )
        .map_err(|e| ChannelError::Unavailable(e.to_string()))?;
        let url = format!("{}{path}", self.cfg.api_base.trim_end_matches('/'));
        let mut req = self
            .http
            .request(method, url)
            .header("authorization", auth)
            .header("accept", "application/json")
            .header("user-agent", "mr-ops-server");
        if body.is_some() {
            req = req.header("content-type", "application/json").body(text);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| ChannelError::Unavailable(e.to_string()))?;
        let status = resp.status();
        let h = resp.headers().clone();
        let head = |n: &str| {
            h.get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let raw = resp
            .text()
            .await
            .map_err(|e| ChannelError::Unavailable(e.to_string()))?;
        if status.is_server_error() {
            return Err(ChannelError::Unavailable(format!("HTTP {status}")));
        }
        // Every answer, refusals included, is signed by WeChat Pay: an unsigned one may come
        // from anyone on the way.
        if head("wechatpay-serial") != self.cfg.platform_serial {
            return Err(ChannelError::Unavailable(format!(
                "answer signed with an unknown serial {:?}",
                head("wechatpay-serial")
            )));
        }
        wechat::verify_message(
            &self.cfg.platform_public_key,
            &head("wechatpay-timestamp"),
            &head("wechatpay-nonce"),
            &head("wechatpay-signature"),
            &raw,
            Utc::now().timestamp(),
        )
        .map_err(|e| ChannelError::Unavailable(format!("answer not trusted: {e}")))?;
        if status.is_success() {
            if raw.trim().is_empty() {
                return Ok(None);
            }
            return serde_json::from_str(&raw)
                .map(Some)
                .map_err(|e| ChannelError::Unavailable(format!("answer not JSON: {e}")));
        }
        let node: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
        Err(ChannelError::Refused {
            code: node["code"].as_str().unwrap_or("?").to_string(),
            message: node["message"].as_str().unwrap_or("").to_string(),
        })
    }

    /// A `code_url` for the buyer to scan (Native pay), payable until `expires_at`.
    pub async fn native(
        &self,
        out_trade_no: &str,
        amount: Decimal,
        description: &str,
        expires_at: DateTime<Utc>,
        notify_url: &str,
    ) -> Result<String, ChannelError> {
        let total = fen(amount).ok_or_else(|| ChannelError::Refused {
            code: "PARAM_ERROR".into(),
            message: format!("amount {amount} is not whole fen"),
        })?;
        let beijing = mr_domain::time::business_tz();
        let body = json!({
            "appid": self.cfg.appid,
            "mchid": self.cfg.mchid,
            "description": description,
            "out_trade_no": out_trade_no,
            "time_expire": expires_at.with_timezone(&beijing).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            "notify_url": notify_url,
            "amount": { "total": total, "currency": "CNY" },
        });
        let node = self
            .call(Method::POST, "/v3/pay/transactions/native", Some(&body))
            .await?
            .unwrap_or(Value::Null);
        node["code_url"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ChannelError::Unavailable("no code_url in the answer".into()))
    }

    /// The transaction's state; `None` when WeChat Pay has no such order.
    pub async fn query(&self, out_trade_no: &str) -> Result<Option<WechatTrade>, ChannelError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={}",
            self.cfg.mchid
        );
        match self.call(Method::GET, &path, None).await {
            Ok(node) => {
                let node = node.unwrap_or(Value::Null);
                Ok(Some(WechatTrade {
                    trade_state: node["trade_state"].as_str().unwrap_or("").to_string(),
                    transaction_id: node["transaction_id"].as_str().map(str::to_string),
                    total: node["amount"]["total"].as_i64().map(|f| Decimal::new(f, 2)),
                }))
            }
            Err(ChannelError::Refused { code, .. }) if code == "ORDER_NOT_EXIST" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Closes an unpaid order (204 on success).
    pub async fn close(&self, out_trade_no: &str) -> Result<(), ChannelError> {
        let path = format!("/v3/pay/transactions/out-trade-no/{out_trade_no}/close");
        let body = json!({ "mchid": self.cfg.mchid });
        match self.call(Method::POST, &path, Some(&body)).await {
            Ok(_) => Ok(()),
            Err(ChannelError::Refused { code, .. }) if code == "ORDER_NOT_EXIST" => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Refunds `amount` of a paid order of `total`. `out_refund_no` identifies this refund: a
    /// retry with the same number answers the same refund and moves no more money.
    pub async fn refund(
        &self,
        out_trade_no: &str,
        out_refund_no: &str,
        amount: Decimal,
        total: Decimal,
        reason: &str,
    ) -> Result<WechatRefund, ChannelError> {
        let (Some(refund), Some(total)) = (fen(amount), fen(total)) else {
            return Err(ChannelError::Refused {
                code: "PARAM_ERROR".into(),
                message: "amounts must be whole fen".into(),
            });
        };
        let body = json!({
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "reason": reason,
            "amount": { "refund": refund, "total": total, "currency": "CNY" },
        });
        let node = self
            .call(Method::POST, "/v3/refund/domestic/refunds", Some(&body))
            .await?
            .unwrap_or(Value::Null);
        refund_outcome(&node)
    }

    /// The refund `out_refund_no`; `None` when WeChat Pay has none by that number.
    pub async fn refund_status(
        &self,
        out_refund_no: &str,
    ) -> Result<Option<WechatRefund>, ChannelError> {
        let path = format!("/v3/refund/domestic/refunds/{out_refund_no}");
        match self.call(Method::GET, &path, None).await {
            Ok(node) => refund_outcome(&node.unwrap_or(Value::Null)).map(Some),
            Err(ChannelError::Refused { code, .. }) if code == "RESOURCE_NOT_EXISTS" => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn refund_outcome(node: &Value) -> Result<WechatRefund, ChannelError> {
    let (Some(id), Some(status), Some(refund)) = (
        node["refund_id"].as_str(),
        node["status"].as_str(),
        node["amount"]["refund"].as_i64(),
    ) else {
        return Err(ChannelError::Unavailable(
            "refund answer without refund_id, status or amount.refund".into(),
        ));
    };
    Ok(WechatRefund {
        refund_id: id.to_string(),
        status: status.to_string(),
        refund: Decimal::new(refund, 2),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_become_whole_fen_or_nothing() {
        assert_eq!(fen("100.00".parse().unwrap()), Some(10_000));
        assert_eq!(fen("0.01".parse().unwrap()), Some(1));
        assert_eq!(fen("50000".parse().unwrap()), Some(5_000_000));
        assert_eq!(fen("1.005".parse().unwrap()), None);
    }
}
