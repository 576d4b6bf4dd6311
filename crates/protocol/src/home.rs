//! The home page of each workspace and the health probe.

use chrono::{DateTime, NaiveDate, Utc};
use mr_domain::{Money, Tier};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OperatorProfile {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub contact_name: Option<String>,
    pub phone: String,
    pub email: String,
    pub tier: Tier,
    /// `active` or `closed`.
    pub status: String,
    #[ts(type = "string")]
    pub balance: Money,
    pub is_locked: bool,
    /// e.g. `••••••••…a1b2`: the key itself never leaves the server here.
    pub api_key_masked: String,
    pub created_at: DateTime<Utc>,
}

/// Operator dashboard (R-O13).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OperatorHome {
    pub profile: OperatorProfile,
    #[ts(type = "string")]
    pub month_spend: Money,
    #[ts(type = "number")]
    pub sessions_today: i64,
    #[ts(type = "number")]
    pub unread_messages: i64,
    #[ts(type = "number")]
    pub site_count: i64,
    #[ts(type = "number")]
    pub authorized_apps: i64,
}

/// Admin home: the counts an admin starts the day with.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AdminOverview {
    #[ts(type = "number")]
    pub operators_total: i64,
    #[ts(type = "number")]
    pub operators_active: i64,
    #[ts(type = "number")]
    pub operators_locked: i64,
    #[ts(type = "number")]
    pub applications_active: i64,
    #[ts(type = "number")]
    pub pending_requests: i64,
    #[ts(type = "number")]
    pub active_authorizations: i64,
    /// Alerts not yet acknowledged (abuse locks, …), newest first, at most 20.
    #[serde(default)]
    pub alerts: Vec<AdminAlert>,
    #[serde(default)]
    #[ts(type = "number")]
    pub alerts_open: i64,
}

/// An alert for administrators (R-L10 abuse locks; later ledger differences, payments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AdminAlert {
    pub id: Uuid,
    /// `abuse_lock`, `ledger_mismatch`, `payment_abnormal` or `system`.
    pub kind: String,
    /// `info`, `warning` or `critical`.
    pub severity: String,
    pub title: String,
    pub body: String,
    /// Operators the alert is about (an abuse lock's locked operators).
    pub operator_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// Finance home (R-F1): today's money movement, in the server's business day (Asia/Shanghai).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct FinanceOverview {
    pub business_date: NaiveDate,
    #[ts(type = "string")]
    pub recharge_total: Money,
    #[ts(type = "number")]
    pub recharge_count: i64,
    #[ts(type = "string")]
    pub consumption_total: Money,
    #[ts(type = "string")]
    pub refund_total: Money,
    /// Recharges − refunds.
    #[ts(type = "string")]
    pub net_income: Money,
    #[ts(type = "number")]
    pub pending_refunds: i64,
    #[ts(type = "number")]
    pub pending_invoices: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct HealthStatus {
    /// `ok` or `unavailable`.
    pub status: String,
    pub version: String,
    #[ts(type = "number")]
    pub latency_ms: u32,
    #[ts(optional)]
    pub detail: Option<String>,
}
