//! Admin workspace commands.

use mr_core::Core;
use mr_protocol::home::AdminOverview;
use tauri::State;

use crate::error::{CmdResult, OrBody};

#[tauri::command]
pub async fn admin_overview(core: State<'_, Core>) -> CmdResult<AdminOverview> {
    let ops = core.admin().await.or_body(&core)?;
    ops.overview().await.or_body(&core)
}
