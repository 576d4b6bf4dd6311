//! Admin workspace commands.

use chrono::{DateTime, Utc};
use mr_core::admin_views::{
    AuthorizationPage, AuthorizationQuery, AuthorizationView, GrantInput, OperatorOption,
    OperatorPage, OperatorQuery, RequestPage, RequestQuery,
};
use mr_core::Core;
use mr_protocol::home::AdminOverview;
use mr_protocol::rows::ApplicationRow;
use tauri::State;
use uuid::Uuid;

use crate::error::{CmdResult, OrBody};

#[tauri::command]
pub async fn admin_overview(core: State<'_, Core>) -> CmdResult<AdminOverview> {
    let ops = core.admin().await.or_body(&core)?;
    ops.overview().await.or_body(&core)
}

// The admin's pages read the local cache (mirror + queued decisions); decisions are queued and
// delivered by the sync engine, so they work offline (R-A4, R-A5).

#[tauri::command]
pub async fn admin_authorizations(
    core: State<'_, Core>,
    query: AuthorizationQuery,
) -> CmdResult<AuthorizationPage> {
    let ops = core.admin().await.or_body(&core)?;
    ops.authorizations(query).await.or_body(&core)
}

#[tauri::command]
pub async fn admin_authorization_grant(
    core: State<'_, Core>,
    args: GrantInput,
) -> CmdResult<AuthorizationView> {
    let ops = core.admin().await.or_body(&core)?;
    ops.grant(args).await.or_body(&core)
}

#[tauri::command]
pub async fn admin_authorization_revoke(
    core: State<'_, Core>,
    authorization_id: Uuid,
    reason: String,
) -> CmdResult<()> {
    let ops = core.admin().await.or_body(&core)?;
    ops.revoke_authorization(authorization_id, &reason)
        .await
        .or_body(&core)
}

#[tauri::command]
pub async fn admin_requests(core: State<'_, Core>, query: RequestQuery) -> CmdResult<RequestPage> {
    let ops = core.admin().await.or_body(&core)?;
    ops.requests(query).await.or_body(&core)
}

/// Returns the id of the authorization the approval will create.
#[tauri::command]
pub async fn admin_request_approve(
    core: State<'_, Core>,
    request_id: Uuid,
    expires_at: Option<DateTime<Utc>>,
) -> CmdResult<Uuid> {
    let ops = core.admin().await.or_body(&core)?;
    ops.approve_request(request_id, expires_at)
        .await
        .or_body(&core)
}

#[tauri::command]
pub async fn admin_request_reject(
    core: State<'_, Core>,
    request_id: Uuid,
    reason: String,
) -> CmdResult<()> {
    let ops = core.admin().await.or_body(&core)?;
    ops.reject_request(request_id, &reason).await.or_body(&core)
}

#[tauri::command]
pub async fn admin_operators(
    core: State<'_, Core>,
    query: OperatorQuery,
) -> CmdResult<OperatorPage> {
    let ops = core.admin().await.or_body(&core)?;
    ops.operators(query).await.or_body(&core)
}

#[tauri::command]
pub async fn admin_operator_options(
    core: State<'_, Core>,
    search: String,
) -> CmdResult<Vec<OperatorOption>> {
    let ops = core.admin().await.or_body(&core)?;
    ops.operator_options(&search).await.or_body(&core)
}

#[tauri::command]
pub async fn admin_applications(core: State<'_, Core>) -> CmdResult<Vec<ApplicationRow>> {
    let ops = core.admin().await.or_body(&core)?;
    ops.applications().await.or_body(&core)
}
