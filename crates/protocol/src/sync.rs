//! The sync protocol (REQUIREMENTS R-S1..R-S5; docs/sync-protocol.md): a per-role change feed
//! pulled by cursor, and an ordered batch of commands pushed from the desktop outbox.

use chrono::{DateTime, Utc};
use mr_domain::ErrorCode;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::home::OperatorProfile;
use crate::rows::{
    AnnouncementRow, ApplicationPriceRow, ApplicationRow, AuditEntryRow, AuthorizationRequestRow,
    AuthorizationRow, InvoiceRow, LedgerEntryRow, OperatorAccountRow, PaymentOrderRow, RefundRow,
    StatDailyRow,
};

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
    /// On the first page of a bootstrap with more to come: about how many changes the whole
    /// bootstrap holds (an upper bound), for a progress bar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub estimated_total: Option<i64>,
}

/// One row change, ordered by commit-safe position. The row is the current server state.
///
/// On the wire: `{"op":"upsert","entity":"site","row":{…}}` or
/// `{"op":"delete","entity":"site","id":"…"}`. Decoding is hand-written (below) because serde's
/// derived decoder for a tagged enum with a flattened body buffers every row into an
/// intermediate tree first; the initial sync decodes 100,000 of them.
// Nearly every change is an upsert, so boxing the row would only add an allocation per row.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
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

/// Declares the replicated entities once: the `Entity` names, the `SyncRow` variants and the
/// typed decoding of a row once its entity is known.
macro_rules! sync_entities {
    ($($variant:ident($row:ty) = $name:literal),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        pub enum Entity {
            $(#[serde(rename = $name)] $variant,)*
        }

        impl Entity {
            pub const ALL: &'static [Entity] = &[$(Entity::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Entity::$variant => $name,)*
                }
            }

            pub fn parse(s: &str) -> Option<Entity> {
                match s {
                    $($name => Some(Entity::$variant),)*
                    _ => None,
                }
            }
        }

        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
        #[serde(tag = "entity", content = "row")]
        #[ts(tag = "entity", content = "row")]
        pub enum SyncRow {
            $(#[serde(rename = $name)] #[ts(rename = $name)] $variant($row),)*
        }

        impl SyncRow {
            pub fn entity(&self) -> Entity {
                match self {
                    $(SyncRow::$variant(_) => Entity::$variant,)*
                }
            }

            pub fn id(&self) -> Uuid {
                match self {
                    $(SyncRow::$variant(r) => r.id,)*
                }
            }
        }

        impl SyncRow {
            /// A row of `entity` from its JSON object (e.g. built by the database).
            pub fn from_json(entity: Entity, row: serde_json::Value) -> Result<SyncRow, serde_json::Error> {
                serde::de::DeserializeSeed::deserialize(RowSeed(entity), row)
            }

            /// A row of `entity` from JSON text (e.g. stored in a cache).
            pub fn from_json_str(entity: Entity, row: &str) -> Result<SyncRow, serde_json::Error> {
                let mut d = serde_json::Deserializer::from_str(row);
                let row = serde::de::DeserializeSeed::deserialize(RowSeed(entity), &mut d)?;
                d.end()?;
                Ok(row)
            }

            /// The row alone (without its entity tag) as JSON text.
            pub fn row_json(&self) -> Result<String, serde_json::Error> {
                match self {
                    $(SyncRow::$variant(r) => serde_json::to_string(r),)*
                }
            }
        }

        /// Decodes the `row` of an entity already read.
        struct RowSeed(Entity);

        impl<'de> serde::de::DeserializeSeed<'de> for RowSeed {
            type Value = SyncRow;

            fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<SyncRow, D::Error> {
                Ok(match self.0 {
                    $(Entity::$variant => SyncRow::$variant(<$row>::deserialize(d)?),)*
                })
            }
        }
    };
}

sync_entities! {
    Operator(OperatorProfile) = "operator",
    Site(SiteRow) = "site",
    Message(MessageRow) = "message",
    OperatorAccount(OperatorAccountRow) = "operator_account",
    Application(ApplicationRow) = "application",
    AuthorizationRequest(AuthorizationRequestRow) = "authorization_request",
    Authorization(AuthorizationRow) = "authorization",
    Announcement(AnnouncementRow) = "announcement",
    LedgerEntry(LedgerEntryRow) = "ledger_entry",
    PaymentOrder(PaymentOrderRow) = "payment_order",
    Refund(RefundRow) = "refund",
    Invoice(InvoiceRow) = "invoice",
    AuditEntry(AuditEntryRow) = "audit_entry",
    StatDaily(StatDailyRow) = "stat_daily",
    ApplicationPrice(ApplicationPriceRow) = "application_price",
}

impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Change, D::Error> {
        d.deserialize_map(ChangeVisitor)
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum ChangeField {
    Op,
    Entity,
    Id,
    Row,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ChangeOp {
    Upsert,
    Delete,
}

struct ChangeVisitor;

impl<'de> serde::de::Visitor<'de> for ChangeVisitor {
    type Value = Change;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a change: {op, entity, row} or {op, entity, id}")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Change, A::Error> {
        use serde::de::{DeserializeSeed, Error};
        let (mut op, mut entity, mut id, mut row) = (None, None, None, None);
        // A row sent before its entity (not what our server does) is decoded once known.
        let mut early: Option<serde_json::Value> = None;
        while let Some(key) = map.next_key::<ChangeField>()? {
            match key {
                ChangeField::Op => op = Some(map.next_value::<ChangeOp>()?),
                ChangeField::Entity => entity = Some(map.next_value::<Entity>()?),
                ChangeField::Id => id = Some(map.next_value::<Uuid>()?),
                ChangeField::Row => match entity {
                    Some(e) => row = Some(map.next_value_seed(RowSeed(e))?),
                    None => early = Some(map.next_value()?),
                },
                ChangeField::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        let entity = entity.ok_or_else(|| A::Error::missing_field("entity"))?;
        match op.ok_or_else(|| A::Error::missing_field("op"))? {
            ChangeOp::Delete => Ok(Change::Delete {
                entity,
                id: id.ok_or_else(|| A::Error::missing_field("id"))?,
            }),
            ChangeOp::Upsert => {
                let row = match (row, early) {
                    (Some(r), _) => r,
                    (None, Some(v)) => RowSeed(entity).deserialize(v).map_err(A::Error::custom)?,
                    (None, None) => return Err(A::Error::missing_field("row")),
                };
                Ok(Change::Upsert { row })
            }
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
    /// R-A5: an administrator grants an application to an operator, permanently (`expires_at`
    /// null) or until a date. The client picks the new authorization's id (UUID v7).
    #[serde(rename = "authorization.grant")]
    AuthorizationGrant(GrantFields),
    /// R-A5: revoke with a reason; the next launch of that app by that operator fails.
    #[serde(rename = "authorization.revoke")]
    AuthorizationRevoke {
        authorization_id: Uuid,
        reason: String,
    },
    /// R-A4: approve a pending request, optionally until a date.
    #[serde(rename = "request.approve")]
    RequestApprove {
        request_id: Uuid,
        authorization_id: Uuid,
        #[serde(default)]
        #[ts(optional, type = "string")]
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// R-A4: reject a pending request; the reason is required (the operator sees it).
    #[serde(rename = "request.reject")]
    RequestReject { request_id: Uuid, reason: String },
    /// R-A3: a new application in the catalogue (its first price starts the price history).
    #[serde(rename = "application.create")]
    ApplicationCreate(ApplicationFields),
    /// R-A3: edit name, description, price and player range (the code is the headsets' and
    /// never changes). A new price applies from the next launch, is kept in the price history
    /// and is announced to every operator holding an active authorization.
    #[serde(rename = "application.update")]
    ApplicationUpdate(ApplicationEdit),
    /// R-A3: deactivate (launches then fail) or reactivate.
    #[serde(rename = "application.set_active")]
    ApplicationSetActive { application_id: Uuid, active: bool },
    /// R-A7: an announcement to every operator, or to one tier; it lands in their message
    /// centres.
    #[serde(rename = "announcement.publish")]
    AnnouncementPublish(AnnouncementFields),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementFields {
    pub announcement_id: Uuid,
    pub title: String,
    pub body: String,
    /// Absent = every operator.
    #[serde(default)]
    #[ts(optional)]
    pub tier: Option<mr_domain::Tier>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ApplicationFields {
    pub application_id: Uuid,
    pub code: String,
    pub name: String,
    #[serde(default)]
    #[ts(optional, type = "string")]
    pub description: Option<String>,
    #[ts(type = "string")]
    pub unit_price: mr_domain::Money,
    pub min_players: i32,
    pub max_players: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ApplicationEdit {
    pub application_id: Uuid,
    pub name: String,
    #[serde(default)]
    #[ts(optional, type = "string")]
    pub description: Option<String>,
    #[ts(type = "string")]
    pub unit_price: mr_domain::Money,
    pub min_players: i32,
    pub max_players: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct GrantFields {
    pub authorization_id: Uuid,
    pub operator_id: Uuid,
    pub application_id: Uuid,
    #[serde(default)]
    #[ts(optional, type = "string")]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::SiteCreate(_) => "site.create",
            Command::SiteUpdate(_) => "site.update",
            Command::SiteDelete { .. } => "site.delete",
            Command::MessageMarkRead { .. } => "message.mark_read",
            Command::ProfileUpdate(_) => "profile.update",
            Command::AuthorizationGrant(_) => "authorization.grant",
            Command::AuthorizationRevoke { .. } => "authorization.revoke",
            Command::RequestApprove { .. } => "request.approve",
            Command::RequestReject { .. } => "request.reject",
            Command::ApplicationCreate(_) => "application.create",
            Command::ApplicationUpdate(_) => "application.update",
            Command::ApplicationSetActive { .. } => "application.set_active",
            Command::AnnouncementPublish(_) => "announcement.publish",
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

    fn site() -> SiteRow {
        SiteRow {
            id: Uuid::nil(),
            operator_id: Uuid::nil(),
            name: "一号店".into(),
            address: None,
            contact_name: None,
            contact_phone: Some("13800000000".into()),
            description: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn the_hand_written_decoder_reads_what_serde_writes_in_any_key_order() {
        let row = site();
        let up = Change::Upsert {
            row: SyncRow::Site(row.clone()),
        };
        let text = serde_json::to_string(&up).unwrap();
        assert!(
            text.starts_with(r#"{"op":"upsert","entity":"site","row":{"#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<Change>(&text).unwrap(), up);
        // Row first, unknown keys ignored: still decoded.
        let row = serde_json::to_value(row).unwrap();
        let reordered = serde_json::json!({"row": row, "x": [1], "entity": "site", "op": "upsert"});
        assert_eq!(serde_json::from_value::<Change>(reordered).unwrap(), up);
        for bad in [
            serde_json::json!({"op": "upsert", "entity": "site"}),
            serde_json::json!({"op": "delete", "entity": "site"}),
            serde_json::json!({"op": "move", "entity": "site", "id": Uuid::nil()}),
            serde_json::json!({"op": "delete", "entity": "planet", "id": Uuid::nil()}),
            serde_json::json!({"op": "upsert", "entity": "message", "row": row}),
        ] {
            assert!(
                serde_json::from_value::<Change>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_entity_name_round_trips() {
        for e in Entity::ALL {
            assert_eq!(Entity::parse(e.as_str()), Some(*e));
            let wire = serde_json::to_value(e).unwrap();
            assert_eq!(wire, e.as_str());
        }
        assert_eq!(
            crate::rows::audit_key(255).to_string(),
            "00000000-0000-0000-0000-0000000000ff"
        );
    }
}
