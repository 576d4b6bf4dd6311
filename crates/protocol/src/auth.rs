//! Authentication, registration and account bodies (`/api/v1/auth/*`, `/api/v1/operators`, `/api/v1/staff`).

use chrono::{DateTime, Utc};
use mr_domain::{Role, Tier, Workspace};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::home::OperatorProfile;

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    pub workspace: Workspace,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct UserInfo {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// Returned by login and by refresh (which rotates the refresh token).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LoginResponse {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u32,
    pub user: UserInfo,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct MeResponse {
    pub user: UserInfo,
    pub workspace: Workspace,
    pub session_id: Uuid,
    pub session_started_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangePasswordResponse {
    /// How many other sessions of this account were ended.
    pub revoked_sessions: u32,
}

/// Operator self-registration (R-O1).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RegisterOperatorRequest {
    pub username: String,
    pub password: String,
    /// Company or venue name.
    pub display_name: String,
    #[serde(default)]
    #[ts(optional)]
    pub contact_name: Option<String>,
    pub phone: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct RegisterOperatorResponse {
    pub operator: OperatorProfile,
    /// The 64-character API key, shown exactly once.
    pub api_key: String,
}

/// A super admin creates staff accounts (R-A9).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CreateStaffRequest {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StaffAccount {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// `active` or `disabled`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A super admin sets a staff member's new password (R-A9); their sessions end.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    pub password: String,
}

/// Disables (sessions end, logins refused) or re-enables a staff account (R-A9).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StaffStatusRequest {
    pub disabled: bool,
}

/// An admin creates an operator account (R-A1); the answer carries the API key, shown once.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CreateOperatorRequest {
    pub username: String,
    pub password: String,
    pub display_name: String,
    #[serde(default)]
    #[ts(optional)]
    pub contact_name: Option<String>,
    pub phone: String,
    pub email: String,
    pub tier: Tier,
}

/// An admin edits an operator's details and tier (R-A1).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UpdateOperatorRequest {
    pub display_name: String,
    #[serde(default)]
    #[ts(optional)]
    pub contact_name: Option<String>,
    pub phone: String,
    pub email: String,
    pub tier: Tier,
}

/// Locking or unlocking an operator needs a reason (R-A1, R-L10); it goes to the audit log.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LockRequest {
    pub reason: String,
}

/// An operator's API key in clear: after a reset (shown once) or an audited reveal (R-A2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApiKeyShown {
    pub api_key: String,
    /// e.g. `••••••••…a1b2`.
    pub api_key_masked: String,
}
