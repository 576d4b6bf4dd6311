//! The operator workspace's use cases (R-O*). Handed out only for an operator's session.

use std::sync::Arc;

use mr_protocol::home::OperatorHome;

use crate::api::paths;
use crate::cache::{snapshot_keys, Snapshot};
use crate::error::CoreError;
use crate::session::ActiveSession;

#[derive(Debug, Clone)]
pub struct OperatorOps {
    session: Arc<ActiveSession>,
}

impl OperatorOps {
    pub(crate) fn new(session: Arc<ActiveSession>) -> Self {
        OperatorOps { session }
    }

    pub fn session(&self) -> &ActiveSession {
        &self.session
    }

    /// The dashboard (R-O13): from the server, or the cached copy while offline.
    pub async fn home(&self) -> Result<OperatorHome, CoreError> {
        self.session
            .fetch_cached(paths::OPERATOR_HOME, snapshot_keys::OPERATOR_HOME)
            .await
    }

    /// The last dashboard seen, without the network (R-D5).
    pub async fn cached_home(&self) -> Result<Option<Snapshot<OperatorHome>>, CoreError> {
        self.session.cached(snapshot_keys::OPERATOR_HOME).await
    }
}
