//! What the admin workspace's pages read (R-A1, R-A4, R-A5): rows of the local mirror joined
//! with the names they show, one page at a time, with the queued decisions laid over them
//! (`pending: true`). Serialised for the UI; TypeScript is exported with the other views.

use chrono::{DateTime, Utc};
use mr_domain::{Money, Tier};
use mr_protocol::rows::{ApplicationRow, OperatorAccountRow};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// Where an authorization stands now. `expired` is an active one whose end date has passed
/// (the launch API refuses it just as a revoked one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AuthorizationState {
    Active,
    Expired,
    Revoked,
}

impl AuthorizationState {
    pub fn of(status: &str, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        match (status, expires_at) {
            ("revoked", _) => AuthorizationState::Revoked,
            (_, Some(t)) if t <= now => AuthorizationState::Expired,
            _ => AuthorizationState::Active,
        }
    }
}

/// One row of 授权管理 (R-A5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AuthorizationView {
    pub id: Uuid,
    pub operator_id: Uuid,
    /// Absent when the operator is not in the cache (yet).
    pub operator_name: Option<String>,
    pub operator_username: Option<String>,
    pub application_id: Uuid,
    pub application_name: Option<String>,
    pub application_code: Option<String>,
    pub state: AuthorizationState,
    /// Absent = permanent.
    pub expires_at: Option<DateTime<Utc>>,
    pub granted_by_name: Option<String>,
    pub granted_at: DateTime<Utc>,
    /// The request it was approved from, if any.
    pub request_id: Option<Uuid>,
    pub revoked_by_name: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<String>,
    /// Granted or revoked on this device; the server has not confirmed it yet.
    pub pending: bool,
}

/// The filters of 授权管理. Absent fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct AuthorizationQuery {
    #[serde(default)]
    pub operator_id: Option<Uuid>,
    #[serde(default)]
    pub application_id: Option<Uuid>,
    #[serde(default)]
    pub state: Option<AuthorizationState>,
    /// Active ones ending within this many days (1 to 3650).
    #[serde(default)]
    #[ts(type = "number | null")]
    pub expiring_within_days: Option<i64>,
    #[ts(type = "number")]
    pub offset: i64,
    /// 1 to 200.
    #[ts(type = "number")]
    pub limit: i64,
}

/// Counts over every authorization in the cache (the page's summary), queued changes included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuthorizationCounts {
    #[ts(type = "number")]
    pub active: i64,
    #[ts(type = "number")]
    pub expired: i64,
    #[ts(type = "number")]
    pub revoked: i64,
    /// Active ones ending within 7 days.
    #[ts(type = "number")]
    pub expiring_soon: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AuthorizationPage {
    pub items: Vec<AuthorizationView>,
    /// Rows matching the filter (for the pager).
    #[ts(type = "number")]
    pub total: i64,
    pub counts: AuthorizationCounts,
}

/// One 授权申请 (R-A4) with the names it shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RequestView {
    pub id: Uuid,
    pub operator_id: Uuid,
    pub operator_name: Option<String>,
    pub operator_username: Option<String>,
    pub application_id: Uuid,
    pub application_name: Option<String>,
    pub application_code: Option<String>,
    pub reason: String,
    /// `pending`, `approved`, `rejected` or `withdrawn`.
    pub status: String,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub requested_expires_at: Option<DateTime<Utc>>,
    /// The expiry chosen when it was approved here (not confirmed yet).
    pub approved_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Decided on this device; the server has not confirmed it yet.
    pub pending: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct RequestQuery {
    /// `pending`, `approved`, `rejected` or `withdrawn`; absent = all.
    #[serde(default)]
    pub status: Option<String>,
    #[ts(type = "number")]
    pub offset: i64,
    /// 1 to 200.
    #[ts(type = "number")]
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RequestPage {
    pub items: Vec<RequestView>,
    #[ts(type = "number")]
    pub total: i64,
    /// Requests still waiting for a decision (decisions queued here count as made).
    #[ts(type = "number")]
    pub awaiting: i64,
}

/// How 运营商管理 sorts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OperatorSort {
    #[default]
    CreatedAt,
    Name,
    Username,
    Balance,
}

/// The filters of 运营商管理 (R-A1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct OperatorQuery {
    /// Matches username, name, contact, phone or email.
    #[serde(default)]
    pub search: Option<String>,
    #[serde(default)]
    pub tier: Option<Tier>,
    /// Only locked (true) or only unlocked (false) ones.
    #[serde(default)]
    pub locked: Option<bool>,
    /// Closed accounts are hidden unless asked for.
    #[serde(default)]
    pub include_closed: bool,
    #[serde(default)]
    pub sort: OperatorSort,
    #[serde(default)]
    pub descending: bool,
    #[ts(type = "number")]
    pub offset: i64,
    /// 1 to 500.
    #[ts(type = "number")]
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OperatorPage {
    pub items: Vec<OperatorAccountRow>,
    #[ts(type = "number")]
    pub total: i64,
}

/// An operator in a picker (the grant form): enough to tell them apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OperatorOption {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub tier: Tier,
    pub is_locked: bool,
}

/// The catalogue as the admin pages use it.
pub type ApplicationList = Vec<ApplicationRow>;

/// One application of 应用管理 (R-A3), with the changes queued here laid over it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApplicationView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    #[ts(type = "string")]
    pub unit_price: Money,
    pub min_players: i32,
    pub max_players: i32,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Created or changed on this device; the server has not confirmed it yet.
    pub pending: bool,
}

/// The application form. `code` is read on creation only (the headsets know the application
/// by it); `unit_price` is the decimal text as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct ApplicationInput {
    #[serde(default)]
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub unit_price: String,
    pub min_players: i32,
    pub max_players: i32,
}

/// One entry of an application's price history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PriceChangeView {
    pub id: Uuid,
    pub application_id: Uuid,
    /// Absent for the first price.
    #[ts(type = "string | null")]
    pub old_price: Option<Money>,
    #[ts(type = "string")]
    pub new_price: Money,
    pub changed_by_name: Option<String>,
    pub changed_at: DateTime<Utc>,
    /// Changed on this device; not confirmed yet.
    pub pending: bool,
}

/// The application's detail: its price history and how many operators may launch it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApplicationDetail {
    pub application: ApplicationView,
    pub prices: Vec<PriceChangeView>,
    /// Active, unexpired authorizations of it (operators told of a price change).
    #[ts(type = "number")]
    pub active_authorizations: i64,
}

/// The grant form (R-A5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GrantInput {
    pub operator_id: Uuid,
    pub application_id: Uuid,
    /// Absent = permanent.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

pub fn export_all(dir: &std::path::Path) -> Result<(), ts_rs::ExportError> {
    macro_rules! all {
        ($($t:ty),* $(,)?) => { $( <$t as TS>::export_all_to(dir)?; )* };
    }
    all!(
        AuthorizationState,
        AuthorizationView,
        AuthorizationQuery,
        AuthorizationCounts,
        AuthorizationPage,
        RequestView,
        RequestQuery,
        RequestPage,
        OperatorSort,
        OperatorQuery,
        OperatorPage,
        OperatorOption,
        GrantInput,
        ApplicationView,
        ApplicationInput,
        PriceChangeView,
        ApplicationDetail,
        crate::transactions::ExportFormat,
        crate::transactions::ExportReport,
        crate::admin_announcements::AnnouncementView,
        crate::admin_announcements::AnnouncementInput,
    );
    Ok(())
}
