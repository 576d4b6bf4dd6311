//! The sync protocol (REQUIREMENTS R-S1..R-S5; docs/sync-protocol.md): a per-role change feed
//! pulled by cursor, and an ordered batch of commands pushed from the desktop outbox.

use chrono::{DateTime, Utc};
use mr_domain::ErrorCode;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::home::OperatorProfile;

/// Bumped on any breaking change to the types below; the server answers an unknown version
/// with 426 `PROTOCOL_UNSUPPORTED` and the app asks the user to update.
pub const SYNC_PROTOCOL_VERSION: u32 = 1;

/// `GET /api/v1/sync/pull?cursor=&limit=&protocol_version=`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    /// Opaque; absent on the first pull (bootstrap).
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub protocol_version: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Pass back on the next pull. Store it in the same local transaction as the changes.
    pub cursor: String,
    pub has_more: bool,
    /// True when this page reached everything committed and safe to read at the time.
    pub up_to_date: bool,
    /// Changes when what the caller may see changes; a client holding another epoch wipes its
    /// mirror (keeping its outbox) and bootstraps again.
    #[ts(type = "number")]
    pub scope_epoch: i64,
    pub server_time: DateTime<Utc>,
}

/// One row change, ordered by commit-safe position. The row is the current server state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    Upsert {
        #[serde(flatten)]
        row: SyncRow,
    },
    Delete {
        entity: Entity,
        id: Uuid,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Operator,
    Site,
    Message,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "entity", content = "row", rename_all = "snake_case")]
#[ts(tag = "entity", content = "row", rename_all = "snake_case")]
pub enum SyncRow {
    Operator(OperatorProfile),
    Site(SiteRow),
    Message(MessageRow),
}

impl SyncRow {
    pub fn entity(&self) -> Entity {
        match self {
            SyncRow::Operator(_) => Entity::Operator,
            SyncRow::Site(_) => Entity::Site,
            SyncRow::Message(_) => Entity::Message,
        }
    }

    pub fn id(&self) -> Uuid {
        match self {
            SyncRow::Operator(r) => r.id,
            SyncRow::Site(r) => r.id,
            SyncRow::Message(r) => r.id,
        }
    }
}

/// 运营点 (R-O5). Logically deleted sites arrive as `Delete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SiteRow {
    pub id: Uuid,
    pub operator_id: Uuid,
    pub name: String,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Message centre entry (R-O12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MessageRow {
    pub id: Uuid,
    pub operator_id: Uuid,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub is_read: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// `POST /api/v1/sync/push`
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// One per installation + user + workspace; `seq` counts per device.
    pub device_id: Uuid,
    pub protocol_version: u32,
    pub commands: Vec<CommandEnvelope>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CommandEnvelope {
    /// Client-generated UUID v7; a retried command is recognised by it.
    pub command_id: Uuid,
    /// 1, 2, 3 … per device, without gaps.
    #[ts(type = "number")]
    pub seq: i64,
    /// e.g. `site.create`; with `args`, one [`Command`]. Kept raw here so that one malformed
    /// command is rejected on its own instead of failing the whole batch.
    pub name: String,
    #[ts(type = "unknown")]
    pub args: serde_json::Value,
    pub client_created_at: DateTime<Utc>,
}

impl CommandEnvelope {
    pub fn new(command_id: Uuid, seq: i64, command: &Command, at: DateTime<Utc>) -> Self {
        let mut v = serde_json::to_value(command).unwrap_or_default();
        CommandEnvelope {
            command_id,
            seq,
            name: command.name().to_string(),
            args: v
                .get_mut("args")
                .map(serde_json::Value::take)
                .unwrap_or_default(),
            client_created_at: at,
        }
    }

    /// Parses `name` + `args` into a typed command.
    pub fn command(&self) -> Result<Command, serde_json::Error> {
        serde_json::from_value(serde_json::json!({ "name": self.name, "args": self.args }))
    }
}

/// Every mutation the desktop can queue offline. `name` + `args` on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "name", content = "args", deny_unknown_fields)]
#[ts(tag = "name", content = "args")]
pub enum Command {
    #[serde(rename = "site.create")]
    SiteCreate(SiteFields),
    #[serde(rename = "site.update")]
    SiteUpdate(SiteFields),
    #[serde(rename = "site.delete")]
    SiteDelete { site_id: Uuid },
    #[serde(rename = "message.mark_read")]
    MessageMarkRead { message_id: Uuid },
    #[serde(rename = "profile.update")]
    ProfileUpdate(ProfileFields),
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::SiteCreate(_) => "site.create",
            Command::SiteUpdate(_) => "site.update",
            Command::SiteDelete { .. } => "site.delete",
            Command::MessageMarkRead { .. } => "message.mark_read",
            Command::ProfileUpdate(_) => "profile.update",
        }
    }
}

/// The client picks the id of a new site (UUID v7), so its optimistic row keeps its identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SiteFields {
    pub site_id: Uuid,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ProfileFields {
    pub display_name: String,
    #[serde(default)]
    pub contact_name: Option<String>,
    pub phone: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PushResponse {
    pub results: Vec<CommandResult>,
    /// The highest sequence number the server has settled for this device.
    #[ts(type = "number")]
    pub last_seq: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CommandStatus {
    Accepted,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CommandResult {
    pub command_id: Uuid,
    #[ts(type = "number")]
    pub seq: i64,
    pub status: CommandStatus,
    /// A repeat of a command already settled: this is its stored result.
    pub duplicate: bool,
    #[ts(optional)]
    pub code: Option<ErrorCode>,
    /// zh-CN or English, per `Accept-Language`.
    #[ts(optional)]
    pub message: Option<String>,
    /// For accepted commands: once a pull's cursor has passed this, the effect is in the
    /// mirror and the optimistic overlay can be dropped.
    #[ts(optional)]
    pub server_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_travel_as_name_and_args() {
        let c = Command::SiteDelete {
            site_id: Uuid::nil(),
        };
        let env = CommandEnvelope::new(Uuid::nil(), 3, &c, Utc::now());
        let wire = serde_json::to_value(&env).unwrap();
        assert_eq!(wire["name"], "site.delete");
        assert_eq!(wire["args"]["site_id"], Uuid::nil().to_string());
        assert_eq!(env.command().unwrap(), c);
        let bad = CommandEnvelope {
            name: "site.delete".into(),
            args: serde_json::json!({"x": 1}),
            ..env
        };
        assert!(bad.command().is_err());
    }

    #[test]
    fn changes_are_flat_on_the_wire() {
        let ch = Change::Delete {
            entity: Entity::Site,
            id: Uuid::nil(),
        };
        let v = serde_json::to_value(&ch).unwrap();
        assert_eq!(v["op"], "delete");
        assert_eq!(v["entity"], "site");
        let back: Change = serde_json::from_value(v).unwrap();
        assert_eq!(back, ch);
    }
}
