//! 交易监控 (R-A6): every operator's ledger, queried on the server one page at a time (the
//! admin's cache does not hold millions of ledger rows), with totals over the whole filter.

use chrono::{DateTime, NaiveDate, Utc};
use mr_domain::Money;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::rows::LedgerEntryRow;

pub const PATH: &str = "/api/v1/admin/transactions";
/// Rows per page at most (an export pages through with this size).
pub const PAGE_MAX: i64 = 2_000;

/// The filters; dates are calendar days in China time (UTC+8), both ends included.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct TransactionQuery {
    #[serde(default)]
    pub operator_id: Option<Uuid>,
    /// `recharge`, `consumption`, `refund` or `adjustment`.
    #[serde(default)]
    pub entry_type: Option<String>,
    #[serde(default)]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// Only entries written at or before this instant: an export pins it when it starts, so
    /// entries arriving meanwhile do not shift its pages.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    #[serde(default)]
    #[ts(type = "number")]
    pub offset: i64,
    /// 1 to 2,000; 50 when absent.
    #[serde(default = "default_limit")]
    #[ts(type = "number")]
    pub limit: i64,
}

fn default_limit() -> i64 {
    50
}

/// One ledger entry with the operator it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TransactionRow {
    #[serde(flatten)]
    #[ts(flatten)]
    pub entry: LedgerEntryRow,
    pub operator_username: String,
    pub operator_name: String,
}

/// Sums over every row the filter matches (not only the page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TransactionTotals {
    #[ts(type = "number")]
    pub count: i64,
    /// Money in (recharges, positive adjustments).
    #[ts(type = "string")]
    pub credits: Money,
    /// Money out, as a negative amount (consumption, refunds, negative adjustments).
    #[ts(type = "string")]
    pub debits: Money,
    #[ts(type = "string")]
    pub net: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TransactionPage {
    pub items: Vec<TransactionRow>,
    pub totals: TransactionTotals,
}
