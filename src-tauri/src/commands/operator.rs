//! Operator workspace commands.

use mr_core::Core;
use mr_protocol::home::OperatorHome;
use tauri::State;

use crate::error::{CmdResult, OrBody};

#[tauri::command]
pub async fn operator_home(core: State<'_, Core>) -> CmdResult<OperatorHome> {
    let ops = core.operator().await.or_body(&core)?;
    ops.home().await.or_body(&core)
}
