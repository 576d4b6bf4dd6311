//! Launcher window: settings, server probe, opening workspace windows.

use mr_core::Core;
use mr_domain::Workspace;
use mr_protocol::ipc::{AppSettings, ServerCheck};
use tauri::{AppHandle, State};

use crate::error::{CmdResult, OrBody};
use crate::windows;

#[tauri::command]
pub fn settings_get(core: State<'_, Core>) -> AppSettings {
    core.settings()
}

#[tauri::command]
pub async fn settings_set(core: State<'_, Core>, args: AppSettings) -> CmdResult<AppSettings> {
    core.set_settings(args).await.or_body(&core)
}

#[tauri::command]
pub async fn server_check(core: State<'_, Core>, server_url: String) -> CmdResult<ServerCheck> {
    core.server_check(&server_url).await.or_body(&core)
}

/// Async on purpose: creating a window from a synchronous command deadlocks on Windows.
#[tauri::command]
pub async fn workspace_open(
    app: AppHandle,
    core: State<'_, Core>,
    workspace: Workspace,
) -> CmdResult<()> {
    windows::open_workspace(&app, workspace, core.lang()).or_body(&core)
}
