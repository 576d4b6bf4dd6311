//! Writing exports to a file the user picks (R-D7): the save dialog, and the 交易记录 files
//! both the admin's 交易监控 and the operator's 交易记录 write, with progress events.

use std::future::Future;
use std::path::PathBuf;

use mr_core::transactions::{ExportFormat, ExportReport};
use mr_core::{Core, CoreError};
use tauri::Emitter;
use tauri_plugin_dialog::DialogExt;

use crate::error::{CmdResult, OrBody};

/// Where to save an export: the native save dialog, or the folder `MR_EXPORT_DIR` names (for
/// unattended runs). `None` when the user cancels.
pub(crate) async fn save_path(
    app: &tauri::AppHandle,
    window: &tauri::Window,
    core: &Core,
    name: &str,
    filter: &str,
    ext: &str,
) -> CmdResult<Option<std::path::PathBuf>> {
    if let Some(dir) = std::env::var_os("MR_EXPORT_DIR") {
        std::fs::create_dir_all(&dir)
            .map_err(|e| mr_core::CoreError::Io(e.to_string()))
            .or_body(core)?;
        return Ok(Some(std::path::PathBuf::from(dir).join(name)));
    }
    let dialog = app
        .dialog()
        .file()
        .set_parent(window)
        .set_file_name(name)
        .add_filter(filter, &[ext]);
    Ok(
        tauri::async_runtime::spawn_blocking(move || dialog.blocking_save_file())
            .await
            .map_err(|e| mr_core::CoreError::Io(e.to_string()))
            .or_body(core)?
            .and_then(|p| p.into_path().ok()),
    )
}

/// Called with `(written, total)` after each page an export writes.
pub(crate) type Progress = Box<dyn Fn(i64, i64) + Send + Sync>;

/// Asks where to save a 交易记录 file (see [`save_path`]), then runs `write` into it, which
/// reports progress as `export-progress` `{done, total}` events to the window. `None` when
/// the user cancels the dialog.
pub(crate) async fn ledger_file<F, Fut>(
    app: &tauri::AppHandle,
    window: &tauri::Window,
    core: &Core,
    format: ExportFormat,
    write: F,
) -> CmdResult<Option<ExportReport>>
where
    F: FnOnce(PathBuf, Progress) -> Fut,
    Fut: Future<Output = Result<ExportReport, CoreError>>,
{
    let ext = format.extension();
    let name = format!(
        "交易记录_{}.{ext}",
        chrono::Local::now().format("%Y%m%d_%H%M%S")
    );
    let filter = if ext == "xlsx" { "Excel" } else { "CSV" };
    let Some(path) = save_path(app, window, core, &name, filter, ext).await? else {
        return Ok(None);
    };
    let w = window.clone();
    let progress: Progress = Box::new(move |done, total| {
        let _ = w.emit(
            "export-progress",
            serde_json::json!({ "done": done, "total": total }),
        );
    });
    write(path, progress).await.or_body(core).map(Some)
}
