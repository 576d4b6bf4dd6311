//! Payloads of the desktop app's Tauri commands (UI ⇄ Rust core).

use chrono::{DateTime, Utc};
use mr_domain::Workspace;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::auth::UserInfo;

/// Launcher settings, remembered between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AppSettings {
    /// e.g. `http://127.0.0.1:8080`.
    pub server_url: String,
    /// `zh-CN` (default) or `en`.
    pub locale: String,
}

/// A workspace's signed-in session as the UI sees it (tokens stay in the keychain).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SessionInfo {
    pub workspace: Workspace,
    pub user: UserInfo,
    pub server_url: String,
    pub signed_in_at: DateTime<Utc>,
    /// The local SQLite cache file of this user+workspace.
    pub cache_file: String,
}

/// Result of probing a server address from the launcher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ServerCheck {
    pub reachable: bool,
    #[ts(optional)]
    pub version: Option<String>,
    #[ts(type = "number")]
    pub latency_ms: u32,
    /// A user-facing reason when unreachable.
    #[ts(optional)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LoginArgs {
    pub workspace: Workspace,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LogoutArgs {
    pub workspace: Workspace,
    /// Also delete this user's local cache file (R-D2).
    pub wipe_cache: bool,
}

/// The header badge: online or offline, and when the server last answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ConnectionState {
    pub online: bool,
    #[ts(optional)]
    pub last_online_at: Option<DateTime<Utc>>,
    pub checked_at: DateTime<Utc>,
}
