//! Finance workspace commands.

use mr_core::Core;
use mr_protocol::home::FinanceOverview;
use tauri::State;

use crate::error::{CmdResult, OrBody};

#[tauri::command]
pub async fn finance_overview(core: State<'_, Core>) -> CmdResult<FinanceOverview> {
    let ops = core.finance().await.or_body(&core)?;
    ops.overview().await.or_body(&core)
}
