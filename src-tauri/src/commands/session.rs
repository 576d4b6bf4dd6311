//! Sign-in, sign-out, registration and the connection badge, for any workspace window.

use mr_core::Core;
use mr_domain::Workspace;
use mr_protocol::auth::{RegisterOperatorRequest, RegisterOperatorResponse};
use mr_protocol::ipc::{ConnectionState, LoginArgs, LogoutArgs, SessionInfo};
use tauri::State;

use crate::error::{CmdResult, OrBody};

/// The stored session of a workspace, if any (no network).
#[tauri::command]
pub async fn session_get(
    core: State<'_, Core>,
    workspace: Workspace,
) -> CmdResult<Option<SessionInfo>> {
    core.session_get(workspace).await.or_body(&core)
}

#[tauri::command]
pub async fn auth_login(core: State<'_, Core>, args: LoginArgs) -> CmdResult<SessionInfo> {
    core.login(args).await.or_body(&core)
}

#[tauri::command]
pub async fn auth_logout(core: State<'_, Core>, args: LogoutArgs) -> CmdResult<()> {
    core.logout(args).await.or_body(&core)
}

#[tauri::command]
pub async fn operator_register(
    core: State<'_, Core>,
    args: RegisterOperatorRequest,
) -> CmdResult<RegisterOperatorResponse> {
    core.register_operator(args).await.or_body(&core)
}

#[tauri::command]
pub async fn connection_state(
    core: State<'_, Core>,
    workspace: Workspace,
) -> CmdResult<ConnectionState> {
    Ok(core.connection_state(workspace).await)
}
