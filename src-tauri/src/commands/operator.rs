//! Operator workspace commands. Sites, messages and the profile are read from the local cache
//! (mirror + queued commands); changes are queued and delivered by the sync engine.

use mr_core::views::{MessagePage, MessageQuery};
use mr_core::{Core, MessageView, ProfileView, SiteInput, SiteView};
use mr_protocol::home::OperatorHome;
use mr_protocol::sync::ProfileFields;
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
