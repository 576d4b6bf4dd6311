//! The finance workspace's use cases (R-F*). Handed out only for a finance-workspace session
//! (accountant, manager, auditor); the server checks each permission again.

use std::sync::Arc;

use mr_protocol::home::FinanceOverview;

use crate::api::paths;
use crate::cache::{snapshot_keys, Snapshot};
use crate::error::CoreError;
use crate::session::ActiveSession;

#[derive(Debug, Clone)]
pub struct FinanceOps {
    session: Arc<ActiveSession>,
}

impl FinanceOps {
    pub(crate) fn new(session: Arc<ActiveSession>) -> Self {
        FinanceOps { session }
    }

    pub fn session(&self) -> &ActiveSession {
        &self.session
    }

    /// Today's money movement (R-F1): from the server, or the cached copy while offline.
    pub async fn overview(&self) -> Result<FinanceOverview, CoreError> {
        self.session
            .fetch_cached(paths::FINANCE_OVERVIEW, snapshot_keys::FINANCE_OVERVIEW)
            .await
    }

    pub async fn cached_overview(&self) -> Result<Option<Snapshot<FinanceOverview>>, CoreError> {
        self.session.cached(snapshot_keys::FINANCE_OVERVIEW).await
    }
}
