//! Desktop notifications (R-D8): the page decides when (e.g. new authorization requests
//! arrived with a sync); the shell shows it through the OS. Where the desktop has no
//! notification service (a bare X server, CI) it is simply not shown: the menu badge still
//! tells.

use tauri_plugin_notification::NotificationExt;

/// Shows a notification; `false` when the desktop could not show it. Off the main thread:
/// reaching the OS notification service may wait on D-Bus.
#[tauri::command]
pub async fn desktop_notify(app: tauri::AppHandle, title: String, body: String) -> bool {
    let title: String = title.chars().take(100).collect();
    let body: String = body.chars().take(300).collect();
    let shown = tauri::async_runtime::spawn_blocking(move || {
        app.notification().builder().title(title).body(body).show()
    })
    .await;
    match shown {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::info!(error = %e, "desktop notification not shown");
            false
        }
        Err(e) => {
            tracing::info!(error = %e, "desktop notification task failed");
            false
        }
    }
}
