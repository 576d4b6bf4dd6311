//! Recharges (R-O3, R-P1..R-P5): what an operator may pay through, and the orders it makes.
//! The server asks the channel for a QR code; the order's later states reach the app through
//! sync (the `payment_order` entity), so the page follows them without asking again.

use chrono::{DateTime, Utc};
use mr_domain::Money;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

pub const ORDERS_PATH: &str = "/api/v1/payments/orders";
pub const OPTIONS_PATH: &str = "/api/v1/payments/options";
/// The smallest and largest recharge, in yuan.
pub const MIN_AMOUNT: &str = mr_domain::payment::RECHARGE_MIN;
pub const MAX_AMOUNT: &str = mr_domain::payment::RECHARGE_MAX;

/// One channel as the recharge page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RechargeChannel {
    /// `alipay` or `wechat`.
    pub channel: String,
    /// Configured on this server (an unconfigured one is shown greyed out).
    pub available: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RechargeOptions {
    pub channels: Vec<RechargeChannel>,
    /// Decimal strings in yuan.
    pub min_amount: String,
    pub max_amount: String,
    /// The channels are the built-in sandbox gateways (R-P4): no real money moves.
    pub sandbox: bool,
    /// Minutes a QR code may be paid.
    #[ts(type = "number")]
    pub pay_within_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CreateRecharge {
    /// `alipay` or `wechat`.
    pub channel: String,
    /// Yuan, as a decimal string (`"100.00"`).
    pub amount: String,
    /// `qr` (default): a QR code to scan. `page` (Alipay only): the URL of Alipay's cashier
    /// page (电脑网站支付) to open in a browser, in `pay_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub mode: Option<String>,
}

/// A recharge order as the server answers it (with the QR code's content).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RechargeOrder {
    pub id: Uuid,
    pub out_trade_no: String,
    pub channel: String,
    #[ts(type = "string")]
    pub amount: Money,
    /// `pending`, `paid`, `closed`, `failed` or `abnormal`.
    pub status: String,
    /// What the QR code encodes (Alipay `qr_code`, WeChat `code_url`).
    pub qr_code: Option<String>,
    /// Page pay only: the cashier page to open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub pay_url: Option<String>,
    pub is_sandbox: bool,
    pub expires_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
}
