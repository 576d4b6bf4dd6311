//! The admin workspace's use cases (R-A*). Handed out only for an admin-workspace session
//! (super admin, admin, analyst); the server checks each permission again.

use std::sync::Arc;

use mr_protocol::home::AdminOverview;

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
}
