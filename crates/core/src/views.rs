//! What the synced pages read: mirror rows with the still-unconfirmed local changes laid over
//! them (`pending: true` marks a row the server has not confirmed yet), the sync badge and the
//! conflicts panel. Serialised for the UI; TypeScript is derived here and exported by the shell.

use chrono::{DateTime, Utc};
use mr_domain::ErrorCode;
use mr_protocol::home::OperatorProfile;
use mr_protocol::sync::{MessageRow, SiteRow};
use mr_protocol::ErrorBody;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// A site (运营点, R-O5) as the list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SiteView {
    pub id: Uuid,
    pub operator_id: Uuid,
    pub name: String,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Created or edited on this device and not yet confirmed by the server.
    pub pending: bool,
}

impl SiteView {
    pub fn from_row(r: SiteRow) -> Self {
        SiteView {
            id: r.id,
            operator_id: r.operator_id,
            name: r.name,
            address: r.address,
            contact_name: r.contact_name,
            contact_phone: r.contact_phone,
            description: r.description,
            created_at: r.created_at,
            updated_at: r.updated_at,
            pending: false,
        }
    }
}

/// The site form (create and edit). Blank optional fields are stored as absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SiteInput {
    pub name: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// A message-centre entry (R-O12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MessageView {
    pub id: Uuid,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub is_read: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Marked read on this device; the server has not confirmed it yet.
    pub pending: bool,
}

impl MessageView {
    pub fn from_row(r: MessageRow) -> Self {
        MessageView {
            id: r.id,
            kind: r.kind,
            title: r.title,
            body: r.body,
            is_read: r.is_read,
            read_at: r.read_at,
            created_at: r.created_at,
            pending: false,
        }
    }
}

/// One page of the message centre, newest first, with the counts the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MessagePage {
    pub items: Vec<MessageView>,
    /// Messages matching the filter (for the pager).
    #[ts(type = "number")]
    pub total: i64,
    /// Unread messages in all (read ones pending on this device count as read).
    #[ts(type = "number")]
    pub unread: i64,
}

/// Which page of the message centre to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MessageQuery {
    #[ts(type = "number")]
    pub offset: i64,
    /// 1 to 200.
    #[ts(type = "number")]
    pub limit: i64,
    pub unread_only: bool,
}

/// The operator's own profile (R-O1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ProfileView {
    pub profile: OperatorProfile,
    /// An edit made on this device is not confirmed yet.
    pub pending: bool,
}

/// The sync badge in every workspace header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncStatus {
    /// The server answered the last request.
    pub online: bool,
    /// Commands queued here whose effect is not in the mirror yet ("待同步").
    #[ts(type = "number")]
    pub pending: i64,
    /// When the mirror last caught up with the server.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Why the last sync failed; cleared by the next complete sync.
    pub last_error: Option<ErrorBody>,
    /// Rejected commands not dismissed yet.
    #[ts(type = "number")]
    pub conflicts: i64,
    /// The server speaks another sync protocol (426 `PROTOCOL_UNSUPPORTED`): this app must be
    /// updated before it can sync again. Queued commands are kept for the updated app.
    pub update_required: bool,
    /// While a pull of several pages runs (the initial sync above all): how far it is.
    pub progress: Option<SyncProgress>,
}

/// How far a running pull is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncProgress {
    /// Changes written to the cache so far.
    #[ts(type = "number")]
    pub applied: i64,
    /// About how many the whole pull holds (known for an initial sync).
    #[ts(type = "number | null")]
    pub total: Option<i64>,
}

/// A command the server refused for good: the original intent and the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Conflict {
    #[ts(type = "number")]
    pub id: i64,
    pub command_id: Uuid,
    #[ts(type = "number")]
    pub seq: i64,
    /// e.g. `site.create`.
    pub name: String,
    #[ts(type = "unknown")]
    pub args: serde_json::Value,
    pub code: Option<ErrorCode>,
    /// The server's explanation, in the language of the UI when it was rejected.
    pub message: String,
    /// When the command was queued on this device.
    pub created_at: DateTime<Utc>,
    pub rejected_at: DateTime<Utc>,
    pub dismissed_at: Option<DateTime<Utc>>,
}

/// What one `sync_once` did (for logs, tests and the diagnostics view).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncReport {
    /// Commands sent (including resends).
    #[ts(type = "number")]
    pub pushed: i64,
    #[ts(type = "number")]
    pub accepted: i64,
    #[ts(type = "number")]
    pub rejected: i64,
    /// Pull pages applied, and the changes in them.
    #[ts(type = "number")]
    pub pages: i64,
    #[ts(type = "number")]
    pub changes: i64,
    /// The mirror was wiped and pulled again (new scope epoch or invalid cursor).
    pub rebootstrapped: bool,
    /// The last page said the mirror has everything committed on the server.
    pub up_to_date: bool,
    /// Accepted commands whose effect the feed has not served yet (the server holds back
    /// transactions while older ones still run); they stay pending until a later pull.
    #[ts(type = "number")]
    pub awaiting_pull: i64,
}

/// Writes the TypeScript declarations of the view types into `dir` (with the wire types they
/// use). The protocol crate exports the wire types; these live here because mr-protocol cannot
/// depend on mr-core. Checked by `tests/typescript_bindings.rs` (`make bindings`).
pub fn export_all(dir: &std::path::Path) -> Result<(), ts_rs::ExportError> {
    macro_rules! all {
        ($($t:ty),* $(,)?) => { $( <$t as TS>::export_all_to(dir)?; )* };
    }
    all!(
        crate::wallet::OperatorWallet,
        SiteView,
        SiteInput,
        MessageView,
        MessagePage,
        MessageQuery,
        ProfileView,
        SyncStatus,
        SyncProgress,
        Conflict,
        SyncReport
    );
    crate::admin_views::export_all(dir)
}
