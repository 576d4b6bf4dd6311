//! Account commands of the admin workspace (R-A1 operators, R-A9 staff): online, checked and
//! audited by the server.

use mr_core::Core;
use mr_protocol::auth::{
    CreateOperatorRequest, CreateStaffRequest, RegisterOperatorResponse, StaffAccount,
    UpdateOperatorRequest,
};
use mr_protocol::home::OperatorProfile;
use tauri::State;
use uuid::Uuid;

use crate::error::{CmdResult, OrBody};

#[tauri::command]
pub async fn admin_operator_create(
    core: State<'_, Core>,
    input: CreateOperatorRequest,
) -> CmdResult<RegisterOperatorResponse> {
    let ops = core.admin().await.or_body(&core)?;
    ops.create_operator(input).await.or_body(&core)
}

#[tauri::command]
pub async fn admin_operator_update(
    core: State<'_, Core>,
    id: Uuid,
    input: UpdateOperatorRequest,
) -> CmdResult<OperatorProfile> {
    let ops = core.admin().await.or_body(&core)?;
    ops.update_operator(id, input).await.or_body(&core)
}

#[tauri::command]
pub async fn admin_operator_lock(
    core: State<'_, Core>,
    id: Uuid,
    reason: String,
) -> CmdResult<OperatorProfile> {
    let ops = core.admin().await.or_body(&core)?;
    ops.set_operator_locked(id, true, reason)
        .await
        .or_body(&core)
}

#[tauri::command]
pub async fn admin_operator_unlock(
    core: State<'_, Core>,
    id: Uuid,
    reason: String,
) -> CmdResult<OperatorProfile> {
    let ops = core.admin().await.or_body(&core)?;
    ops.set_operator_locked(id, false, reason)
        .await
        .or_body(&core)
}

#[tauri::command]
pub async fn admin_staff_list(core: State<'_, Core>) -> CmdResult<Vec<StaffAccount>> {
    let ops = core.admin().await.or_body(&core)?;
    ops.staff().await.or_body(&core)
}

#[tauri::command]
pub async fn admin_staff_create(
    core: State<'_, Core>,
    input: CreateStaffRequest,
) -> CmdResult<StaffAccount> {
    let ops = core.admin().await.or_body(&core)?;
    ops.create_staff(input).await.or_body(&core)
}

#[tauri::command]
pub async fn admin_staff_reset_password(
    core: State<'_, Core>,
    id: Uuid,
    password: String,
) -> CmdResult<StaffAccount> {
    let ops = core.admin().await.or_body(&core)?;
    ops.reset_staff_password(id, password).await.or_body(&core)
}

#[tauri::command]
pub async fn admin_staff_set_disabled(
    core: State<'_, Core>,
    id: Uuid,
    disabled: bool,
) -> CmdResult<StaffAccount> {
    let ops = core.admin().await.or_body(&core)?;
    ops.set_staff_disabled(id, disabled).await.or_body(&core)
}
