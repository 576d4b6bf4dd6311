//! The admin workspace's use cases (R-A*). Handed out only for an admin-workspace session
//! (super admin, admin, analyst); the server checks each permission again.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use mr_domain::{ErrorCode, Permission};
use mr_protocol::home::AdminOverview;
use mr_protocol::sync::{Command, GrantFields};
use uuid::Uuid;

use crate::admin_views::{
    AuthorizationPage, AuthorizationQuery, AuthorizationState, AuthorizationView, GrantInput,
    OperatorOption, OperatorPage, OperatorQuery, RequestPage, RequestQuery,
};
use crate::api::paths;
use crate::cache::{snapshot_keys, Snapshot};
use crate::error::CoreError;
use crate::overlay::Queued;
use crate::session::ActiveSession;
use crate::{admin_overlay, admin_read, outbox, overlay};
use mr_protocol::rows::ApplicationRow;
use sqlx::SqliteConnection;

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

    /// Marks an alert of the admin home handled (online; who and when are recorded).
    pub async fn acknowledge_alert(&self, id: Uuid) -> Result<(), CoreError> {
        self.may(Permission::ManageOperators)?;
        let path = format!("/api/v1/admin/alerts/{id}/ack");
        self.session
            .authed(|api, token| {
                let path = path.clone();
                async move { api.post_empty(&path, Some(&token)).await }
            })
            .await
    }

    pub async fn cached_overview(&self) -> Result<Option<Snapshot<AdminOverview>>, CoreError> {
        self.session.cached(snapshot_keys::ADMIN_OVERVIEW).await
    }

    /// An analyst signs in to this workspace too, but may not decide anything.
    pub(crate) fn may(&self, p: Permission) -> Result<(), CoreError> {
        if self.session.user().role.can(p) {
            Ok(())
        } else {
            Err(CoreError::Forbidden)
        }
    }

    // ----- pages (read from the cache; they work offline) -----

    /// 授权管理 (R-A5): one page of authorizations with the summary counts, queued grants and
    /// revokes laid over them.
    pub async fn authorizations(
        &self,
        q: AuthorizationQuery,
    ) -> Result<AuthorizationPage, CoreError> {
        check_page(q.offset, q.limit, 200)?;
        if let Some(d) = q.expiring_within_days {
            if !(1..=3650).contains(&d) {
                return Err(invalid("expiring_within_days", "1 to 3650 days"));
            }
        }
        let now = Utc::now();
        let mut tx = self.session.cache().pool().begin().await?;
        let (items, total) = admin_read::authorization_page(&mut tx, &q, now).await?;
        let counts = admin_read::authorization_counts(&mut tx, now).await?;
        let queued = overlay::queued(&outbox::entries(&mut tx).await?);
        let created = self.queued_grants(&mut tx, &queued, now).await?;
        let mut revokes = admin_overlay::revokes(&queued);
        for r in &mut revokes {
            r.before = admin_read::authorization(&mut tx, r.authorization_id)
                .await?
                .map(|a| {
                    (
                        AuthorizationState::of(&a.status, a.expires_at, now),
                        a.expires_at,
                    )
                });
        }
        tx.commit().await?;
        let page = AuthorizationPage {
            items,
            total,
            counts,
        };
        Ok(admin_overlay::authorization_page(
            page,
            created,
            &revokes,
            &q,
            now,
            &self.me(),
        ))
    }

    /// The authorizations queued here (grants, approvals) that the mirror does not hold yet,
    /// as the rows they will become.
    async fn queued_grants(
        &self,
        conn: &mut SqliteConnection,
        queued: &[Queued],
        now: DateTime<Utc>,
    ) -> Result<Vec<AuthorizationView>, CoreError> {
        let mut out = Vec::new();
        for g in admin_overlay::new_grants(queued) {
            if admin_read::authorization(conn, g.authorization_id)
                .await?
                .is_some()
            {
                continue;
            }
            let (operator_id, application_id) = match (g.pair, g.request_id) {
                (Some(pair), _) => pair,
                (None, Some(r)) => match admin_read::request(conn, r).await? {
                    Some(req) => (req.operator_id, req.application_id),
                    None => continue,
                },
                (None, None) => continue,
            };
            let names = admin_read::names(conn, operator_id, application_id).await?;
            out.push(AuthorizationView {
                id: g.authorization_id,
                operator_id,
                operator_name: names.operator_name,
                operator_username: names.operator_username,
                application_id,
                application_name: names.application_name,
                application_code: names.application_code,
                state: AuthorizationState::of("active", g.expires_at, now),
                expires_at: g.expires_at,
                granted_by_name: Some(self.me()),
                granted_at: g.at,
                request_id: g.request_id,
                revoked_by_name: None,
                revoked_at: None,
                revoke_reason: None,
                pending: true,
            });
        }
        Ok(out)
    }

    /// 授权申请审批 (R-A4): one page of requests with the queued decisions laid over them.
    pub async fn requests(&self, q: RequestQuery) -> Result<RequestPage, CoreError> {
        check_page(q.offset, q.limit, 200)?;
        if let Some(s) = &q.status {
            if !["pending", "approved", "rejected", "withdrawn"].contains(&s.as_str()) {
                return Err(invalid(
                    "status",
                    "pending, approved, rejected or withdrawn",
                ));
            }
        }
        let mut tx = self.session.cache().pool().begin().await?;
        let (mut items, total) = admin_read::request_page(&mut tx, &q).await?;
        let mut awaiting = admin_read::awaiting_requests(&mut tx).await?;
        let queued = overlay::queued(&outbox::entries(&mut tx).await?);
        let decisions = admin_overlay::decisions(&queued);
        let mut seen = Vec::new();
        for d in &decisions {
            if seen.contains(&d.request_id) {
                continue;
            }
            seen.push(d.request_id);
            if let Some(r) = admin_read::request(&mut tx, d.request_id).await? {
                if r.status == "pending" {
                    awaiting -= 1;
                }
            }
        }
        tx.commit().await?;
        admin_overlay::requests(&mut items, &decisions, &self.me());
        Ok(RequestPage {
            items,
            total,
            awaiting,
        })
    }

    /// 运营商管理 (R-A1): one window of the operator list (the page scrolls virtually).
    pub async fn operators(&self, q: OperatorQuery) -> Result<OperatorPage, CoreError> {
        check_page(q.offset, q.limit, 500)?;
        let mut conn = self.session.cache().pool().acquire().await?;
        let (items, total) = admin_read::operator_page(&mut conn, &q).await?;
        Ok(OperatorPage { items, total })
    }

    /// Operators for a picker: up to 20 matching `search`.
    pub async fn operator_options(&self, search: &str) -> Result<Vec<OperatorOption>, CoreError> {
        let mut conn = self.session.cache().pool().acquire().await?;
        admin_read::operator_options(&mut conn, search, 20).await
    }

    /// The catalogue, by name (active and inactive).
    pub async fn applications(&self) -> Result<Vec<ApplicationRow>, CoreError> {
        let mut conn = self.session.cache().pool().acquire().await?;
        admin_read::applications(&mut conn).await
    }

    pub(crate) fn me(&self) -> String {
        self.session.user().display_name.clone()
    }

    // ----- decisions (queued; the server checks them again when it applies them) -----

    /// R-A5: grants an application to an operator, permanently or until `expires_at`. Works
    /// offline: the decision is queued and applied (and re-checked) by the server on the next
    /// sync; a stale one lands in the conflicts panel. Returns the new authorization.
    pub async fn grant(&self, input: GrantInput) -> Result<AuthorizationView, CoreError> {
        let id = self
            .grant_authorization(input.operator_id, input.application_id, input.expires_at)
            .await?;
        self.authorization_view(id).await
    }

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
        self.check_grant(operator_id, application_id).await?;
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

    /// The server's rules for a grant, as far as the cache knows: the operator and the
    /// application exist and are usable, and the pair has no usable authorization (here or
    /// queued).
    async fn check_grant(&self, operator_id: Uuid, application_id: Uuid) -> Result<(), CoreError> {
        let now = Utc::now();
        let mut tx = self.session.cache().pool().begin().await?;
        let op = admin_read::operator_account(&mut tx, operator_id).await?;
        let app = admin_read::application(&mut tx, application_id).await?;
        let existing =
            admin_read::usable_authorization(&mut tx, operator_id, application_id, now).await?;
        let queued = overlay::queued(&outbox::entries(&mut tx).await?);
        let created = self.queued_grants(&mut tx, &queued, now).await?;
        tx.commit().await?;
        match op {
            None => return Err(CoreError::not_cached("operator_id", operator_id)),
            Some(o) if o.status != "active" => {
                return Err(CoreError::Invalid {
                    code: ErrorCode::AccountClosed,
                    field: "operator_id",
                    reason: "the operator's account is closed".into(),
                })
            }
            Some(_) => {}
        }
        match app {
            None => return Err(CoreError::not_cached("application_id", application_id)),
            Some(a) if !a.is_active => {
                return Err(invalid("application_id", "the application is deactivated"))
            }
            Some(_) => {}
        }
        let revoked_here: Vec<Uuid> = admin_overlay::revokes(&queued)
            .iter()
            .map(|r| r.authorization_id)
            .collect();
        let taken = existing.is_some_and(|a| !revoked_here.contains(&a.id))
            || created.iter().any(|v| {
                v.operator_id == operator_id
                    && v.application_id == application_id
                    && v.state == AuthorizationState::Active
                    && !revoked_here.contains(&v.id)
            });
        if taken {
            return Err(CoreError::Invalid {
                code: ErrorCode::AuthorizationExists,
                field: "application_id",
                reason: "the operator already holds an active authorization of it".into(),
            });
        }
        Ok(())
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
        let current = self.authorization_view(authorization_id).await?;
        if current.state == AuthorizationState::Revoked {
            return Err(CoreError::Invalid {
                code: ErrorCode::AuthorizationNotActive,
                field: "authorization_id",
                reason: "already revoked".into(),
            });
        }
        self.session
            .queue_locked(&Command::AuthorizationRevoke {
                authorization_id,
                reason,
            })
            .await?;
        Ok(())
    }

    /// One authorization as the page shows it (queued changes included).
    async fn authorization_view(&self, id: Uuid) -> Result<AuthorizationView, CoreError> {
        let now = Utc::now();
        let mut tx = self.session.cache().pool().begin().await?;
        let row = admin_read::authorization(&mut tx, id).await?;
        let queued = overlay::queued(&outbox::entries(&mut tx).await?);
        let created = self.queued_grants(&mut tx, &queued, now).await?;
        let base = match row {
            Some(r) => {
                let names = admin_read::names(&mut tx, r.operator_id, r.application_id).await?;
                Some(admin_read::authorization_view(r, names, now))
            }
            None => None,
        };
        tx.commit().await?;
        let mut page = AuthorizationPage {
            items: base.into_iter().collect(),
            total: 0,
            counts: Default::default(),
        };
        let only_created: Vec<_> = created.into_iter().filter(|v| v.id == id).collect();
        let revokes: Vec<_> = admin_overlay::revokes(&queued)
            .into_iter()
            .filter(|r| r.authorization_id == id)
            .collect();
        let q = AuthorizationQuery {
            limit: 1,
            ..Default::default()
        };
        page = admin_overlay::authorization_page(page, only_created, &revokes, &q, now, &self.me());
        page.items
            .into_iter()
            .next()
            .ok_or_else(|| CoreError::not_cached("authorization_id", id))
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
        self.check_undecided(request_id).await?;
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
        self.check_undecided(request_id).await?;
        self.session
            .queue_locked(&Command::RequestReject { request_id, reason })
            .await?;
        Ok(())
    }

    /// A request can be decided once: not if the cache says it was, nor if a decision on it
    /// is queued here already.
    async fn check_undecided(&self, request_id: Uuid) -> Result<(), CoreError> {
        let mut tx = self.session.cache().pool().begin().await?;
        let row = admin_read::request(&mut tx, request_id).await?;
        let queued = overlay::queued(&outbox::entries(&mut tx).await?);
        tx.commit().await?;
        let Some(row) = row else {
            return Err(CoreError::not_cached("request_id", request_id));
        };
        let decided_here = admin_overlay::decisions(&queued)
            .iter()
            .any(|d| d.request_id == request_id);
        if row.status != "pending" || decided_here {
            return Err(CoreError::Invalid {
                code: ErrorCode::RequestAlreadyDecided,
                field: "request_id",
                reason: format!(
                    "the request is {}",
                    if decided_here {
                        "decided here already"
                    } else {
                        row.status.as_str()
                    }
                ),
            });
        }
        Ok(())
    }
}

fn invalid(field: &'static str, reason: &str) -> CoreError {
    CoreError::Invalid {
        code: ErrorCode::ValidationFailed,
        field,
        reason: reason.into(),
    }
}

fn check_page(offset: i64, limit: i64, max: i64) -> Result<(), CoreError> {
    if offset < 0 || !(1..=max).contains(&limit) {
        return Err(invalid("limit", &format!("offset ≥ 0, limit 1 to {max}")));
    }
    Ok(())
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
