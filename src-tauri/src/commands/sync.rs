//! Sync commands of every workspace window: the header's status, "sync now", the conflicts
//! panel and the diagnostics view. Each goes through the workspace's role-typed handle.
//!
//! The core has no change hook for the shell, so the page polls `sync_status` and reloads its
//! list when `last_synced_at` moves.

use mr_core::{Conflict, Core, SyncReport, SyncStatus};
use mr_domain::Workspace;
use serde::Serialize;
use tauri::State;

use crate::error::{CmdResult, OrBody};

/// `with_ops!(core, workspace, |ops| ops.call())`: the call on the workspace's handle.
macro_rules! with_ops {
    ($core:expr, $ws:expr, |$ops:ident| $call:expr) => {
        match $ws {
            Workspace::Operator => {
                let $ops = $core.operator().await.or_body(&$core)?;
                $call.await.or_body(&$core)
            }
            Workspace::Admin => {
                let $ops = $core.admin().await.or_body(&$core)?;
                $call.await.or_body(&$core)
            }
            Workspace::Finance => {
                let $ops = $core.finance().await.or_body(&$core)?;
                $call.await.or_body(&$core)
            }
        }
    };
}

#[tauri::command]
pub async fn sync_now(core: State<'_, Core>, workspace: Workspace) -> CmdResult<SyncReport> {
    with_ops!(core, workspace, |ops| ops.sync_now())
}

#[tauri::command]
pub async fn sync_status(core: State<'_, Core>, workspace: Workspace) -> CmdResult<SyncStatus> {
    with_ops!(core, workspace, |ops| ops.sync_status())
}

#[tauri::command]
pub async fn sync_conflicts(
    core: State<'_, Core>,
    workspace: Workspace,
) -> CmdResult<Vec<Conflict>> {
    with_ops!(core, workspace, |ops| ops.conflicts())
}

#[tauri::command]
pub async fn sync_conflict_dismiss(
    core: State<'_, Core>,
    workspace: Workspace,
    id: i64,
) -> CmdResult<()> {
    with_ops!(core, workspace, |ops| ops.dismiss_conflict(id))
}

/// One outbox entry as the diagnostics view lists it.
#[derive(Debug, Serialize)]
pub struct OutboxItem {
    seq: i64,
    command_id: String,
    name: String,
    args: serde_json::Value,
    /// `pending` or `accepted` (waiting for the pull to bring its effect).
    status: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: String,
}

/// The diagnostics view (TypeScript: `ui/src/api/diagnostics.ts`).
#[derive(Debug, Serialize)]
pub struct SyncDiagnostics {
    device_id: Option<String>,
    cursor: Option<String>,
    outbox: Vec<OutboxItem>,
    status: SyncStatus,
    background_sync: bool,
    live_updates: bool,
    cache_file: String,
    /// Rows per entity in the local mirror (e.g. `{"entity":"site","count":12}`).
    mirror_counts: Vec<MirrorCount>,
}

#[derive(Debug, Serialize)]
pub struct MirrorCount {
    entity: &'static str,
    count: i64,
}

#[tauri::command]
pub async fn sync_diagnostics(
    core: State<'_, Core>,
    workspace: Workspace,
) -> CmdResult<SyncDiagnostics> {
    let s = core.session(workspace).await.or_body(&core)?;
    let outbox = s.outbox().await.or_body(&core)?;
    Ok(SyncDiagnostics {
        device_id: s.cache().device_id().await.ok().map(|d| d.to_string()),
        cursor: s.sync_cursor().await.or_body(&core)?,
        outbox: outbox
            .into_iter()
            .map(|e| OutboxItem {
                seq: e.seq,
                command_id: e.command_id.to_string(),
                name: e.name,
                args: e.args,
                status: e.status,
                attempts: e.attempts,
                last_error: e.last_error,
                created_at: e.created_at.to_rfc3339(),
            })
            .collect(),
        status: s.sync_status().await.or_body(&core)?,
        background_sync: s.background_sync_running(),
        live_updates: s.live_updates_connected(),
        cache_file: s.cache().path().display().to_string(),
        mirror_counts: s
            .mirror_counts()
            .await
            .or_body(&core)?
            .into_iter()
            .map(|(e, count)| MirrorCount {
                entity: e.as_str(),
                count,
            })
            .collect(),
    })
}

/// "Rebuild cache": the mirror is pulled again from scratch; the outbox and conflicts stay.
#[tauri::command]
pub async fn sync_rebuild(core: State<'_, Core>, workspace: Workspace) -> CmdResult<SyncReport> {
    let s = core.session(workspace).await.or_body(&core)?;
    s.rebuild_mirror().await.or_body(&core)
}
