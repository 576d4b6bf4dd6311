//! The admin workspace's use cases (R-A*). Handed out only for an admin-workspace session
//! (super admin, admin, analyst); the server checks each permission again.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use mr_domain::{ErrorCode, Permission};
use mr_protocol::home::AdminOverview;
use mr_protocol::sync::{Command, GrantFields};
use uuid::Uuid;

use crate::api::paths;
use crate::cache::{snapshot_keys, Snapshot};
use crate::error::CoreError;
use crate::session::ActiveSession;

#[derive(Debug, Clone)]
pub struct AdminOps {
    session: Arc<ActiveSession>,
}

impl AdminOps {
    pub(crate) fn new(session: Arc<ActiveSession>) -> Self {
        AdminOps { session }
    }

    pub fn session(&self) -> &ActiveSession {
        &self.session
    }

    /// The admin home counts: from the server, or the cached copy while offline.
    pub async fn overview(&self) -> Result<AdminOverview, CoreError> {
        self.session
            .fetch_cached(paths::ADMIN_OVERVIEW, snapshot_keys::ADMIN_OVERVIEW)
            .await
    }

    pub async fn cached_overview(&self) -> Result<Option<Snapshot<AdminOverview>>, CoreError> {
        self.session.cached(snapshot_keys::ADMIN_OVERVIEW).await
    }

    /// An analyst signs in to this workspace too, but may not decide anything.
    fn may(&self, p: Permission) -> Result<(), CoreError> {
        if self.session.user().role.can(p) {
            Ok(())
        } else {
            Err(CoreError::Forbidden)
        }
    }

    /// R-A5: grants an application to an operator, permanently or until `expires_at`. Works
    /// offline: the decision is queued and applied (and re-checked) by the server on the next
    /// sync; a stale one lands in the conflicts panel. Returns the new authorization's id.
    pub async fn grant_authorization(
        &self,
        operator_id: Uuid,
        application_id: Uuid,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Uuid, CoreError> {
        self.may(Permission::ManageAuthorizations)?;
        check_expiry(expires_at)?;
        let authorization_id = Uuid::now_v7();
        let _queue = self.session.lock_queue().await;
        self.session
            .queue_locked(&Command::AuthorizationGrant(GrantFields {
                authorization_id,
                operator_id,
                application_id,
                expires_at,
            }))
            .await?;
        Ok(authorization_id)
    }

    /// R-A5: revokes an authorization; the reason is required and shown to whoever looks later.
    pub async fn revoke_authorization(
        &self,
        authorization_id: Uuid,
        reason: &str,
    ) -> Result<(), CoreError> {
        self.may(Permission::ManageAuthorizations)?;
        let reason = check_reason(reason)?;
        let _queue = self.session.lock_queue().await;
        self.session
            .queue_locked(&Command::AuthorizationRevoke {
                authorization_id,
                reason,
            })
            .await?;
        Ok(())
    }

    /// R-A4: approves a pending request (offline too), optionally until `expires_at`.
    pub async fn approve_request(
        &self,
        request_id: Uuid,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Uuid, CoreError> {
        self.may(Permission::DecideAuthorizationRequests)?;
        check_expiry(expires_at)?;
        let authorization_id = Uuid::now_v7();
        let _queue = self.session.lock_queue().await;
        self.session
            .queue_locked(&Command::RequestApprove {
                request_id,
                authorization_id,
                expires_at,
            })
            .await?;
        Ok(authorization_id)
    }

    /// R-A4: rejects a pending request with a reason the operator will read.
    pub async fn reject_request(&self, request_id: Uuid, reason: &str) -> Result<(), CoreError> {
        self.may(Permission::DecideAuthorizationRequests)?;
        let reason = check_reason(reason)?;
        let _queue = self.session.lock_queue().await;
        self.session
            .queue_locked(&Command::RequestReject { request_id, reason })
            .await?;
        Ok(())
    }
}

/// The server's rules, checked before queueing so the form can say so at once.
fn check_expiry(expires_at: Option<DateTime<Utc>>) -> Result<(), CoreError> {
    match expires_at {
        Some(t) if t <= Utc::now() => Err(CoreError::Invalid {
            code: ErrorCode::ValidationFailed,
            field: "expires_at",
            reason: "must be in the future".into(),
        }),
        _ => Ok(()),
    }
}

fn check_reason(reason: &str) -> Result<String, CoreError> {
    let r = reason.trim();
    if r.is_empty() || r.chars().count() > 500 {
        return Err(CoreError::Invalid {
            code: ErrorCode::ValidationFailed,
            field: "reason",
            reason: "required, at most 500 characters".into(),
        });
    }
    Ok(r.to_string())
}
