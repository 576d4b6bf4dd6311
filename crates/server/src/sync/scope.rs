//! What each role may replicate (REQUIREMENTS R-S1; docs/sync-protocol.md, "Scopes").
//!
//! The scope is decided here from the caller's *current* account (role and status are read
//! again on every pull, not trusted from the token), never from anything the client sends.

use mr_domain::{ErrorCode, OperatorId, Role};
use mr_protocol::sync::Entity;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};

/// One replicated entity as a scope sees it: the `entity` name in `sync_changes` and the row
/// type it is served as (staff see an operator as `operator_account`, the operator itself as
/// `operator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feed {
    pub log: &'static str,
    pub wire: Entity,
}

const fn feed(log: &'static str, wire: Entity) -> Feed {
    Feed { log, wire }
}

/// An operator: every row whose tenant it is (its account, sites, messages, requests, active
/// authorizations, ledger, payment orders, refunds, invoices and daily roll-ups), plus the
/// active application catalogue (rows of no tenant).
const OPERATOR: &[Feed] = &[
    feed("operator", Entity::Operator),
    feed("site", Entity::Site),
    feed("message", Entity::Message),
    feed("authorization_request", Entity::AuthorizationRequest),
    feed("authorization", Entity::Authorization),
    feed("ledger_entry", Entity::LedgerEntry),
    feed("payment_order", Entity::PaymentOrder),
    feed("refund", Entity::Refund),
    feed("invoice", Entity::Invoice),
    feed("stat_daily", Entity::StatDaily),
    feed("application", Entity::Application),
];
/// Admins (运营后台): operators, the catalogue, requests, authorizations, announcements, and
/// the daily roll-ups behind the statistics pages.
const ADMIN: &[Feed] = &[
    feed("operator", Entity::OperatorAccount),
    feed("application", Entity::Application),
    feed("application_price", Entity::ApplicationPrice),
    feed("authorization_request", Entity::AuthorizationRequest),
    feed("authorization", Entity::Authorization),
    feed("announcement", Entity::Announcement),
    feed("stat_daily", Entity::StatDaily),
];
/// Finance staff: operators (names, balances) and the money tables, plus the audit log.
const FINANCE: &[Feed] = &[
    feed("operator", Entity::OperatorAccount),
    feed("ledger_entry", Entity::LedgerEntry),
    feed("payment_order", Entity::PaymentOrder),
    feed("refund", Entity::Refund),
    feed("invoice", Entity::Invoice),
    feed("audit_entry", Entity::AuditEntry),
];
/// Analysts: aggregates only, with the catalogue to name them.
const ANALYST: &[Feed] = &[
    feed("application", Entity::Application),
    feed("stat_daily", Entity::StatDaily),
];

/// Entities an operator receives although they belong to no tenant.
const OPERATOR_GLOBAL: &[&str] = &["application"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Only rows whose tenant is this operator, plus [`OPERATOR_GLOBAL`] ones.
    Operator(OperatorId),
    /// Every row of the role's entities.
    Staff(Role),
}

impl Scope {
    /// The scope of `user` as its account is now, and the account's scope epoch. A closed
    /// operator, a disabled staff member, or a role that no longer belongs to the token's
    /// workspace is refused.
    pub async fn resolve(conn: &mut PgConnection, user: &AuthUser) -> ApiResult<(Scope, i64)> {
        if user.role == Role::Operator {
            let row: Option<(String, i64)> =
                sqlx::query_as("SELECT status, sync_epoch FROM operators WHERE id = $1")
                    .bind(user.user_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            return match row {
                Some((status, epoch)) if status == "active" => {
                    Ok((Scope::Operator(OperatorId(user.user_id)), epoch))
                }
                Some(_) => Err(ErrorCode::AccountClosed.into()),
                None => Err(ErrorCode::SessionRevoked.into()),
            };
        }
        let row: Option<(String, String, i64)> =
            sqlx::query_as("SELECT role, status, sync_epoch FROM staff_users WHERE id = $1")
                .bind(user.user_id)
                .fetch_optional(&mut *conn)
                .await?;
        let Some((role, status, epoch)) = row else {
            return Err(ErrorCode::SessionRevoked.into());
        };
        if status != "active" {
            return Err(ErrorCode::AccountDisabled.into());
        }
        let role = Role::parse(&role)
            .ok_or_else(|| ApiError::internal("staff role", format!("unknown role {role}")))?;
        if role.workspace() != user.workspace || role == Role::Operator {
            return Err(ErrorCode::WrongWorkspace.into());
        }
        Ok((Scope::Staff(role), epoch))
    }

    pub fn feeds(&self) -> &'static [Feed] {
        match self {
            Scope::Operator(_) => OPERATOR,
            Scope::Staff(Role::SuperAdmin | Role::Admin) => ADMIN,
            Scope::Staff(Role::Accountant | Role::Manager | Role::Auditor) => FINANCE,
            Scope::Staff(Role::Analyst) => ANALYST,
            Scope::Staff(Role::Operator) => &[],
        }
    }

    /// The `sync_changes.entity` names this scope reads.
    pub fn log_entities(&self) -> Vec<&'static str> {
        self.feeds().iter().map(|f| f.log).collect()
    }

    /// The entities read without a tenant filter (all of a staff scope's; an operator's
    /// global ones).
    pub fn untenanted_entities(&self) -> Vec<&'static str> {
        match self {
            Scope::Operator(_) => OPERATOR_GLOBAL.to_vec(),
            Scope::Staff(_) => self.log_entities(),
        }
    }

    pub fn operator(&self) -> Option<OperatorId> {
        match self {
            Scope::Operator(id) => Some(*id),
            Scope::Staff(_) => None,
        }
    }

    /// How a log entity is served in this scope.
    pub fn wire(&self, log: &str) -> Option<Entity> {
        self.feeds().iter().find(|f| f.log == log).map(|f| f.wire)
    }

    /// Whether a change signal (`<entity>:<tenant>` from the capture trigger) concerns this
    /// scope, so that its live clients should pull.
    pub fn wants(&self, log_entity: &str, tenant: Option<Uuid>) -> bool {
        match self {
            Scope::Operator(id) => {
                tenant == Some(id.0) || (tenant.is_none() && OPERATOR_GLOBAL.contains(&log_entity))
            }
            Scope::Staff(_) => self.feeds().iter().any(|f| f.log == log_entity),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_follow_the_roles_of_the_issue() {
        let op = Scope::Operator(OperatorId(Uuid::nil()));
        let other = Uuid::from_u128(7);
        assert!(op.wants("site", Some(Uuid::nil())));
        assert!(!op.wants("site", Some(other)));
        assert!(op.wants("application", None));
        assert!(!op.wants("announcement", None));
        let admin = Scope::Staff(Role::Admin);
        assert!(admin.wants("authorization", Some(other)));
        assert!(!admin.wants("ledger_entry", Some(other)));
        assert_eq!(admin.wire("operator"), Some(Entity::OperatorAccount));
        assert_eq!(op.wire("operator"), Some(Entity::Operator));
        let finance = Scope::Staff(Role::Auditor);
        assert!(finance.wants("audit_entry", None));
        assert!(!finance.wants("site", Some(other)));
        let analyst = Scope::Staff(Role::Analyst);
        assert_eq!(analyst.log_entities(), vec!["application", "stat_daily"]);
        for role in Role::ALL {
            if role.is_staff() {
                assert!(!Scope::Staff(role).feeds().is_empty(), "{role:?}");
                assert!(!Scope::Staff(role).wants("site", None), "{role:?}");
                assert!(!Scope::Staff(role).wants("message", None), "{role:?}");
            }
        }
    }
}
