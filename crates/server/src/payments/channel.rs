//! One face for both channels, for what ordering and reconciliation need: make a QR code, ask
//! about an order, close it. (Refunds keep each channel's own call: their answers differ.)

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::alipay_client::{AlipayClient, ChannelError};
use super::settings::Channels;
use super::wechat_client::WechatClient;

pub enum Gateway {
    Alipay(AlipayClient),
    Wechat(WechatClient),
}

/// An order's state at its channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Trade {
    /// The channel has no such order (Alipay: the code was never scanned).
    Missing,
    /// Made (or scanned) and not paid yet.
    Waiting,
    Paid {
        trade_no: String,
        amount: Decimal,
        /// The channel's own word for it (`TRADE_SUCCESS`, `SUCCESS`, …), kept on record.
        status: String,
    },
    Closed,
}

impl Gateway {
    /// The configured gateway of `channel` (`alipay` or `wechat`), if any.
    pub fn of(channels: &Channels, channel: &str) -> Option<Gateway> {
        match channel {
            "alipay" => channels
                .alipay
                .clone()
                .map(|c| Gateway::Alipay(AlipayClient::new(c))),
            "wechat" => channels
                .wechat
                .clone()
                .map(|c| Gateway::Wechat(WechatClient::new(c))),
            _ => None,
        }
    }

    pub fn channel(&self) -> &'static str {
        match self {
            Gateway::Alipay(_) => "alipay",
            Gateway::Wechat(_) => "wechat",
        }
    }

    /// The path of this channel's notifications on our server.
    pub fn notify_path(&self) -> &'static str {
        match self {
            Gateway::Alipay(_) => super::alipay_notify::PATH,
            Gateway::Wechat(_) => super::wechat_notify::PATH,
        }
    }

    /// What the QR code encodes (Alipay `qr_code`, WeChat Pay `code_url`).
    pub async fn create(
        &self,
        out_trade_no: &str,
        amount: Decimal,
        subject: &str,
        expires_at: DateTime<Utc>,
        notify_url: &str,
    ) -> Result<String, ChannelError> {
        match self {
            Gateway::Alipay(c) => {
                let minutes = (expires_at - Utc::now()).num_minutes().max(1);
                c.precreate(out_trade_no, amount, subject, minutes, notify_url)
                    .await
            }
            Gateway::Wechat(c) => {
                c.native(out_trade_no, amount, subject, expires_at, notify_url)
                    .await
            }
        }
    }

    pub async fn query(&self, out_trade_no: &str) -> Result<Trade, ChannelError> {
        Ok(match self {
            Gateway::Alipay(c) => match c.query(out_trade_no).await? {
                None => Trade::Missing,
                Some(t) => match (t.trade_status.as_str(), t.trade_no, t.total_amount) {
                    ("TRADE_SUCCESS" | "TRADE_FINISHED", Some(no), Some(amount)) => Trade::Paid {
                        trade_no: no,
                        amount,
                        status: t.trade_status,
                    },
                    ("TRADE_CLOSED", _, _) => Trade::Closed,
                    _ => Trade::Waiting,
                },
            },
            Gateway::Wechat(c) => match c.query(out_trade_no).await? {
                None => Trade::Missing,
                // REFUND: it was paid, then (partly) refunded — still money that came in.
                Some(t) => match (t.trade_state.as_str(), t.transaction_id, t.total) {
                    ("SUCCESS" | "REFUND", Some(no), Some(amount)) => Trade::Paid {
                        trade_no: no,
                        amount,
                        status: t.trade_state,
                    },
                    ("CLOSED" | "REVOKED" | "PAYERROR", _, _) => Trade::Closed,
                    _ => Trade::Waiting,
                },
            },
        })
    }

    pub async fn close(&self, out_trade_no: &str) -> Result<(), ChannelError> {
        match self {
            Gateway::Alipay(c) => c.close(out_trade_no).await,
            Gateway::Wechat(c) => c.close(out_trade_no).await,
        }
    }
}
