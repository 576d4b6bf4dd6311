//! Appends to the hash-chained audit log (R-F6) inside the caller's transaction.

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::extract::{AuthUser, ClientMeta};

pub struct AuditEntry<'a> {
    pub actor_kind: &'a str,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<&'a str>,
    pub action: &'a str,
    pub target_type: Option<&'a str>,
    pub target_id: Option<String>,
    pub details: Value,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> AuditEntry<'a> {
    /// `user` did `action` to one row; details, before and after are added with the setters.
    pub fn by(
        user: &AuthUser,
        action: &'a str,
        target_type: &'a str,
        target_id: impl ToString,
    ) -> Self {
        AuditEntry {
            actor_kind: user.subject_kind(),
            actor_id: Some(user.user_id),
            actor_name: None,
            action,
            target_type: Some(target_type),
            target_id: Some(target_id.to_string()),
            details: Value::Object(Default::default()),
            before: None,
            after: None,
        }
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// The target's state before and after the action.
    pub fn change(mut self, before: Value, after: Value) -> Self {
        self.before = Some(before);
        self.after = Some(after);
        self
    }
}

pub async fn append(
    conn: &mut PgConnection,
    e: AuditEntry<'_>,
    meta: &ClientMeta,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(e.actor_kind)
        .bind(e.actor_id)
        .bind(e.actor_name)
        .bind(e.action)
        .bind(e.target_type)
        .bind(e.target_id)
        .bind(e.details)
        .bind(e.before)
        .bind(e.after)
        .bind(meta.ip.as_deref())
        .bind(meta.request_id.as_deref())
        .fetch_one(conn)
        .await
}
