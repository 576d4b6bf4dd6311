//! Rows of the staff scopes and the operator's authorizations (docs/sync-protocol.md, "Scopes").
//! Each is the current server state of one row as the caller's role may see it; staff names
//! are resolved when the row is served.

use chrono::{DateTime, NaiveDate, Utc};
use mr_domain::{Money, Tier};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// An operator account as staff see it (admin: 运营商管理; finance: names and balances).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OperatorAccountRow {
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
    pub locked_reason: Option<String>,
    pub locked_at: Option<DateTime<Utc>>,
    pub api_key_last4: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An MR game in the catalogue (应用管理, R-A3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApplicationRow {
    pub id: Uuid,
    /// The headset's `app_id`.
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    /// Per player per launch.
    #[ts(type = "string")]
    pub unit_price: Money,
    pub min_players: i32,
    pub max_players: i32,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One entry of an application's price history (R-A3): the first price (`old_price` absent)
/// and every change after it. Append-only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApplicationPriceRow {
    pub id: Uuid,
    pub application_id: Uuid,
    #[ts(type = "string | null")]
    pub old_price: Option<Money>,
    #[ts(type = "string")]
    pub new_price: Money,
    pub changed_by_name: Option<String>,
    pub changed_at: DateTime<Utc>,
}

/// 授权申请 (R-O7, R-A4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AuthorizationRequestRow {
    pub id: Uuid,
    pub operator_id: Uuid,
    pub application_id: Uuid,
    pub reason: String,
    /// `pending`, `approved`, `rejected` or `withdrawn`.
    pub status: String,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub requested_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// 授权 (R-A5): an application an operator may launch. Operators receive only their active
/// ones; a revoked authorization leaves their cache as a tombstone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AuthorizationRow {
    pub id: Uuid,
    pub operator_id: Uuid,
    pub application_id: Uuid,
    /// `active` or `revoked`.
    pub status: String,
    /// Absent = permanent.
    pub expires_at: Option<DateTime<Utc>>,
    pub granted_by_name: Option<String>,
    pub granted_at: DateTime<Utc>,
    pub request_id: Option<Uuid>,
    pub revoked_by_name: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// 公告 (R-A7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AnnouncementRow {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    /// `all` or `tier`.
    pub audience: String,
    pub audience_tier: Option<Tier>,
    pub published_by_name: Option<String>,
    pub published_at: DateTime<Utc>,
}

/// One balance change (R-O4, R-F*): append-only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LedgerEntryRow {
    pub id: Uuid,
    pub operator_id: Uuid,
    /// `recharge`, `consumption`, `refund` or `adjustment`.
    pub entry_type: String,
    /// Signed: + credit, − debit.
    #[ts(type = "string")]
    pub amount: Money,
    #[ts(type = "string")]
    pub balance_before: Money,
    #[ts(type = "string")]
    pub balance_after: Money,
    pub reference_type: Option<String>,
    pub reference_id: Option<Uuid>,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A recharge order at Alipay or WeChat Pay (R-P1..R-P3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PaymentOrderRow {
    pub id: Uuid,
    pub out_trade_no: String,
    pub operator_id: Uuid,
    /// `alipay` or `wechat`.
    pub channel: String,
    pub is_sandbox: bool,
    #[ts(type = "string")]
    pub amount: Money,
    /// `pending`, `paid`, `closed`, `failed` or `abnormal`.
    pub status: String,
    pub channel_trade_no: Option<String>,
    /// What the QR code encodes, so a pending order can be paid again after the page was
    /// left (absent in rows cached before it was synced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub qr_code: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub flagged_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// 退款申请 (R-O10, R-F3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RefundRow {
    pub id: Uuid,
    pub operator_id: Uuid,
    #[ts(type = "string")]
    pub requested_amount: Money,
    #[ts(type = "string | null")]
    pub approved_amount: Option<Money>,
    pub reason: Option<String>,
    /// `pending`, `approved`, `rejected`, `completed` or `failed`.
    pub status: String,
    pub reviewed_by_name: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// 发票申请 (R-O11, R-F4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct InvoiceRow {
    pub id: Uuid,
    pub operator_id: Uuid,
    /// `normal` (普通发票) or `special` (增值税专用发票).
    pub invoice_type: String,
    #[ts(type = "string")]
    pub amount: Money,
    pub title: String,
    pub tax_number: Option<String>,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub invoice_number: Option<String>,
    pub reviewed_by_name: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One audit log entry (finance: 审计日志). The log's numeric id is `seq`; `id` is that number
/// as a UUID (`00000000-0000-0000-0000-<12 hex digits>`), the feed's row key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AuditEntryRow {
    pub id: Uuid,
    #[ts(type = "number")]
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    /// `staff`, `operator`, `system` or `headset`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    #[ts(type = "unknown")]
    pub before: Option<serde_json::Value>,
    #[ts(type = "unknown")]
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
}

/// A daily roll-up of launches per operator, site and application: the statistics pages read
/// these instead of raw sessions (R-A8; the analyst's whole scope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StatDailyRow {
    pub id: Uuid,
    pub day: NaiveDate,
    pub operator_id: Uuid,
    pub site_id: Uuid,
    pub application_id: Uuid,
    #[ts(type = "number")]
    pub sessions: i64,
    #[ts(type = "number")]
    pub players: i64,
    #[ts(type = "string")]
    pub revenue: Money,
}

/// The `Uuid` key of audit entry `seq` in the feed (see [`AuditEntryRow`]).
pub fn audit_key(seq: i64) -> Uuid {
    Uuid::from_u64_pair(0, seq as u64)
}
