//! Operator workspace commands. Sites, messages and the profile are read from the local cache
//! (mirror + queued commands); changes are queued and delivered by the sync engine.

use mr_core::transactions::{ExportFormat, ExportReport};
use mr_core::views::{MessagePage, MessageQuery};
use mr_core::wallet::OperatorWallet;
use mr_core::{Core, MessageView, ProfileView, SiteInput, SiteView};
use mr_protocol::home::OperatorHome;
use mr_protocol::payments::{CreateRecharge, RechargeOptions, RechargeOrder};
use mr_protocol::sync::ProfileFields;
use mr_protocol::transactions::{TransactionPage, TransactionQuery};
use tauri::State;
use uuid::Uuid;

use crate::error::{CmdResult, OrBody};

#[tauri::command]
pub async fn operator_home(core: State<'_, Core>) -> CmdResult<OperatorHome> {
    let ops = core.operator().await.or_body(&core)?;
    ops.home().await.or_body(&core)
}

#[tauri::command]
pub async fn operator_sites(core: State<'_, Core>) -> CmdResult<Vec<SiteView>> {
    let ops = core.operator().await.or_body(&core)?;
    ops.sites().await.or_body(&core)
}

#[tauri::command]
pub async fn operator_site_create(core: State<'_, Core>, args: SiteInput) -> CmdResult<SiteView> {
    let ops = core.operator().await.or_body(&core)?;
    ops.create_site(args).await.or_body(&core)
}

#[tauri::command]
pub async fn operator_site_update(
    core: State<'_, Core>,
    site_id: Uuid,
    args: SiteInput,
) -> CmdResult<SiteView> {
    let ops = core.operator().await.or_body(&core)?;
    ops.update_site(site_id, args).await.or_body(&core)
}

#[tauri::command]
pub async fn operator_site_delete(core: State<'_, Core>, site_id: Uuid) -> CmdResult<()> {
    let ops = core.operator().await.or_body(&core)?;
    ops.delete_site(site_id).await.or_body(&core)
}

/// One page of the message centre (the list never ships whole to the UI).
#[tauri::command]
pub async fn operator_message_page(
    core: State<'_, Core>,
    query: MessageQuery,
) -> CmdResult<MessagePage> {
    let ops = core.operator().await.or_body(&core)?;
    ops.message_page(query).await.or_body(&core)
}

#[tauri::command]
pub async fn operator_unread_count(core: State<'_, Core>) -> CmdResult<i64> {
    let ops = core.operator().await.or_body(&core)?;
    ops.unread_count().await.or_body(&core)
}

#[tauri::command]
pub async fn operator_messages_read_all(core: State<'_, Core>) -> CmdResult<i64> {
    let ops = core.operator().await.or_body(&core)?;
    ops.mark_all_messages_read().await.or_body(&core)
}

#[tauri::command]
pub async fn operator_message_read(
    core: State<'_, Core>,
    message_id: Uuid,
) -> CmdResult<MessageView> {
    let ops = core.operator().await.or_body(&core)?;
    ops.mark_message_read(message_id).await.or_body(&core)
}

#[tauri::command]
pub async fn operator_profile(core: State<'_, Core>) -> CmdResult<Option<ProfileView>> {
    let ops = core.operator().await.or_body(&core)?;
    ops.profile().await.or_body(&core)
}

#[tauri::command]
pub async fn operator_profile_update(
    core: State<'_, Core>,
    args: ProfileFields,
) -> CmdResult<Option<ProfileView>> {
    let ops = core.operator().await.or_body(&core)?;
    ops.update_profile(args).await.or_body(&core)
}

// 充值 (R-O3): orders are made at the server (network needed); their states, the balance and
// 交易记录 (R-O4) come from the cache that sync keeps current.

#[tauri::command]
pub async fn operator_recharge_options(core: State<'_, Core>) -> CmdResult<RechargeOptions> {
    let ops = core.operator().await.or_body(&core)?;
    ops.recharge_options().await.or_body(&core)
}

#[tauri::command]
pub async fn operator_recharge_create(
    core: State<'_, Core>,
    args: CreateRecharge,
) -> CmdResult<RechargeOrder> {
    let ops = core.operator().await.or_body(&core)?;
    ops.create_recharge(args).await.or_body(&core)
}

#[tauri::command]
pub async fn operator_wallet(core: State<'_, Core>) -> CmdResult<OperatorWallet> {
    let ops = core.operator().await.or_body(&core)?;
    ops.wallet().await.or_body(&core)
}

#[tauri::command]
pub async fn operator_recharge_sandbox_pay(core: State<'_, Core>, order_id: Uuid) -> CmdResult<()> {
    let ops = core.operator().await.or_body(&core)?;
    ops.sandbox_pay(order_id).await.or_body(&core)
}

#[tauri::command]
pub async fn operator_ledger(
    core: State<'_, Core>,
    query: TransactionQuery,
) -> CmdResult<TransactionPage> {
    let ops = core.operator().await.or_body(&core)?;
    ops.ledger(query).await.or_body(&core)
}

/// Asks where to save, then writes the ledger with progress (see
/// [`super::export::ledger_file`]). `None` when the user cancels the dialog.
#[tauri::command]
pub async fn operator_ledger_export(
    app: tauri::AppHandle,
    window: tauri::Window,
    core: State<'_, Core>,
    query: TransactionQuery,
    format: ExportFormat,
) -> CmdResult<Option<ExportReport>> {
    let ops = core.operator().await.or_body(&core)?;
    super::export::ledger_file(&app, &window, &core, format, |path, progress| async move {
        ops.export_ledger(query, format, &path, progress).await
    })
    .await
}
