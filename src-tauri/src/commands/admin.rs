//! Admin workspace commands.

use chrono::{DateTime, Utc};
use mr_core::admin_views::{
    ApplicationDetail, ApplicationInput, ApplicationView, AuthorizationPage, AuthorizationQuery,
    AuthorizationView, GrantInput, OperatorOption, OperatorPage, OperatorQuery, RequestPage,
    RequestQuery,
};
use mr_core::transactions::{ExportFormat, ExportReport};
use mr_core::Core;
use mr_protocol::home::AdminOverview;
use mr_protocol::rows::ApplicationRow;
use mr_protocol::statistics::{Statistics, StatisticsQuery};
use mr_protocol::transactions::{TransactionPage, TransactionQuery};
use tauri::State;
use uuid::Uuid;

use crate::error::{CmdResult, OrBody};

#[tauri::command]
pub async fn admin_overview(core: State<'_, Core>) -> CmdResult<AdminOverview> {
    let ops = core.admin().await.or_body(&core)?;
    ops.overview().await.or_body(&core)
}

#[tauri::command]
pub async fn admin_alert_ack(core: State<'_, Core>, id: Uuid) -> CmdResult<()> {
    let ops = core.admin().await.or_body(&core)?;
    ops.acknowledge_alert(id).await.or_body(&core)
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

// 应用管理 (R-A3): the catalogue from the cache; changes queued (offline too).

#[tauri::command]
pub async fn admin_application_list(core: State<'_, Core>) -> CmdResult<Vec<ApplicationView>> {
    let ops = core.admin().await.or_body(&core)?;
    ops.application_list().await.or_body(&core)
}

#[tauri::command]
pub async fn admin_application_detail(
    core: State<'_, Core>,
    application_id: Uuid,
) -> CmdResult<ApplicationDetail> {
    let ops = core.admin().await.or_body(&core)?;
    ops.application_detail(application_id).await.or_body(&core)
}

#[tauri::command]
pub async fn admin_application_create(
    core: State<'_, Core>,
    args: ApplicationInput,
) -> CmdResult<ApplicationView> {
    let ops = core.admin().await.or_body(&core)?;
    ops.create_application(args).await.or_body(&core)
}

#[tauri::command]
pub async fn admin_application_update(
    core: State<'_, Core>,
    application_id: Uuid,
    args: ApplicationInput,
) -> CmdResult<ApplicationView> {
    let ops = core.admin().await.or_body(&core)?;
    ops.update_application(application_id, args)
        .await
        .or_body(&core)
}

#[tauri::command]
pub async fn admin_application_set_active(
    core: State<'_, Core>,
    application_id: Uuid,
    active: bool,
) -> CmdResult<ApplicationView> {
    let ops = core.admin().await.or_body(&core)?;
    ops.set_application_active(application_id, active)
        .await
        .or_body(&core)
}

// 交易监控 (R-A6): pages from the server; the export is written by the core (R-D7).

#[tauri::command]
pub async fn admin_transactions(
    core: State<'_, Core>,
    query: TransactionQuery,
) -> CmdResult<TransactionPage> {
    let ops = core.admin().await.or_body(&core)?;
    ops.transactions(query).await.or_body(&core)
}

/// Asks where to save, then writes the file with progress (see [`super::export::ledger_file`]).
/// `None` when the user cancels the dialog.
#[tauri::command]
pub async fn admin_transactions_export(
    app: tauri::AppHandle,
    window: tauri::Window,
    core: State<'_, Core>,
    query: TransactionQuery,
    format: ExportFormat,
) -> CmdResult<Option<ExportReport>> {
    let ops = core.admin().await.or_body(&core)?;
    super::export::ledger_file(&app, &window, &core, format, |path, progress| async move {
        ops.export_transactions(query, format, &path, progress)
            .await
    })
    .await
}

// 统计分析 (R-A8): aggregated by the server; needs the network.

#[tauri::command]
pub async fn admin_statistics(
    core: State<'_, Core>,
    query: StatisticsQuery,
) -> CmdResult<Statistics> {
    let ops = core.admin().await.or_body(&core)?;
    ops.statistics(query).await.or_body(&core)
}

/// The range's statistics as an Excel workbook, one sheet per section. `None` = cancelled.
#[tauri::command]
pub async fn admin_statistics_export(
    app: tauri::AppHandle,
    window: tauri::Window,
    core: State<'_, Core>,
    query: StatisticsQuery,
) -> CmdResult<Option<ExportReport>> {
    let ops = core.admin().await.or_body(&core)?;
    let name = format!("统计分析_{}_{}.xlsx", query.from, query.to);
    let Some(path) = super::export::save_path(&app, &window, &core, &name, "Excel", "xlsx").await?
    else {
        return Ok(None);
    };
    ops.export_statistics(query, &path)
        .await
        .or_body(&core)
        .map(Some)
}

// API keys (R-A2): online, audited by the server.

#[tauri::command]
pub async fn admin_api_key_reveal(
    core: State<'_, Core>,
    operator_id: Uuid,
) -> CmdResult<mr_protocol::auth::ApiKeyShown> {
    let ops = core.admin().await.or_body(&core)?;
    ops.reveal_api_key(operator_id).await.or_body(&core)
}

#[tauri::command]
pub async fn admin_api_key_reset(
    core: State<'_, Core>,
    operator_id: Uuid,
) -> CmdResult<mr_protocol::auth::ApiKeyShown> {
    let ops = core.admin().await.or_body(&core)?;
    ops.reset_api_key(operator_id).await.or_body(&core)
}

// 公告 (R-A7): from the cache; publishing is queued (offline too).

#[tauri::command]
pub async fn admin_announcements(
    core: State<'_, Core>,
) -> CmdResult<Vec<mr_core::admin_announcements::AnnouncementView>> {
    let ops = core.admin().await.or_body(&core)?;
    ops.announcements().await.or_body(&core)
}

#[tauri::command]
pub async fn admin_announcement_publish(
    core: State<'_, Core>,
    args: mr_core::admin_announcements::AnnouncementInput,
) -> CmdResult<mr_core::admin_announcements::AnnouncementView> {
    let ops = core.admin().await.or_body(&core)?;
    ops.publish_announcement(args).await.or_body(&core)
}
