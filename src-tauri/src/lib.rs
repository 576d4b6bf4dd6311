//! The desktop shell: windows, capabilities and thin commands over `mr_core`.

mod commands;
mod error;
mod logging;
mod windows;

use std::path::PathBuf;
use std::sync::Arc;

use mr_core::{Core, KeyringSecretStore, MemorySecretStore, SecretStore};
use tauri::Manager;

/// Overrides the data dir (caches, logs; config in `<dir>/config`). E2E runs use a temp dir.
pub const DATA_DIR_ENV: &str = "MR_DATA_DIR";
/// `memory` keeps session tokens in process memory instead of the OS keychain.
pub const SECRET_STORE_ENV: &str = "MR_SECRET_STORE";
/// Overrides the keychain service name (E2E runs use one per test).
pub const KEYRING_SERVICE_ENV: &str = "MR_KEYRING_SERVICE";
/// Days a signed-in workspace still opens offline from its cache (R-D3; default 7, 0–30).
pub const OFFLINE_GRACE_ENV: &str = "MR_OFFLINE_GRACE_DAYS";

/// The deployment's offline grace, if it set a valid one.
fn offline_grace_days() -> Option<i64> {
    let raw = std::env::var(OFFLINE_GRACE_ENV).ok()?;
    match raw.trim().parse::<i64>() {
        Ok(d) if (0..=30).contains(&d) => Some(d),
        _ => {
            tracing::warn!(
                "{OFFLINE_GRACE_ENV}={raw:?} is not a number of days from 0 to 30; using 7"
            );
            None
        }
    }
}

struct Dirs {
    data: PathBuf,
    config: PathBuf,
}

fn data_dir_override() -> Option<PathBuf> {
    std::env::var_os(DATA_DIR_ENV)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

fn dirs(app: &tauri::AppHandle) -> tauri::Result<Dirs> {
    if let Some(data) = data_dir_override() {
        return Ok(Dirs {
            config: data.join("config"),
            data,
        });
    }
    Ok(Dirs {
        data: app.path().app_data_dir()?,
        config: app.path().app_config_dir()?,
    })
}

/// The OS keychain, except with `MR_SECRET_STORE=memory`. That exists for the desktop E2E
/// runs: under Xvfb in CI there is no D-Bus session with an unlocked Secret Service, so every
/// keychain call would fail and no one could sign in. The memory store keeps tokens only for
/// the life of the process (never on disk), so it is safe, but users lose their sessions on
/// restart; it is not meant for real use.
fn secret_store() -> Arc<dyn SecretStore> {
    match std::env::var(SECRET_STORE_ENV).as_deref() {
        Ok("memory") => {
            tracing::warn!("{SECRET_STORE_ENV}=memory: sessions are kept in memory only");
            Arc::new(MemorySecretStore::new())
        }
        // A separate keychain service name keeps test runs away from a user's real entries.
        _ => match std::env::var(KEYRING_SERVICE_ENV) {
            Ok(service) if !service.is_empty() => Arc::new(KeyringSecretStore::new(&service)),
            _ => Arc::new(KeyringSecretStore::default()),
        },
    }
}

/// Flushes the log file on exit.
struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Every window (launcher and workspaces, by label) gets its size and position back (R-D1).
/// With `MR_DATA_DIR` the state file lives there too, so E2E runs start from a clean slate
/// (the plugin joins the name onto the config dir, and joining an absolute path replaces it).
fn window_state_plugin() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let mut builder = tauri_plugin_window_state::Builder::new();
    if let Some(data) = data_dir_override() {
        let file = data.join("config").join(".window-state.json");
        builder = builder.with_filename(file.to_string_lossy());
    }
    builder.build()
}

pub fn run() {
    tauri::Builder::default()
        .plugin(window_state_plugin())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .setup(|app| {
            let dirs = dirs(app.handle())?;
            std::fs::create_dir_all(&dirs.config)?;
            let guard = logging::init(&dirs.data.join("logs"));
            app.manage(LogGuard(guard));
            tracing::info!(
                version = env!("CARGO_PKG_VERSION"),
                data_dir = %dirs.data.display(),
                "starting"
            );
            let core = Core::new(dirs.data, dirs.config, secret_store());
            if let Some(days) = offline_grace_days() {
                core.set_offline_grace(chrono::Duration::days(days));
            }
            // Every signed-in (or restored) session syncs by itself: on start, on the server's
            // change signal, on a timer, with backoff while offline.
            tauri::async_runtime::block_on(core.set_background_sync(true));
            app.manage(core);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::launcher::settings_get,
            commands::launcher::settings_set,
            commands::launcher::server_check,
            commands::launcher::workspace_open,
            commands::session::session_get,
            commands::session::auth_login,
            commands::session::auth_logout,
            commands::session::operator_register,
            commands::session::connection_state,
            commands::operator::operator_home,
            commands::operator::operator_sites,
            commands::operator::operator_site_create,
            commands::operator::operator_site_update,
            commands::operator::operator_site_delete,
            commands::operator::operator_message_read,
            commands::operator::operator_message_page,
            commands::operator::operator_unread_count,
            commands::operator::operator_messages_read_all,
            commands::operator::operator_profile,
            commands::operator::operator_profile_update,
            commands::operator::operator_recharge_options,
            commands::operator::operator_recharge_create,
            commands::operator::operator_wallet,
            commands::operator::operator_recharge_sandbox_pay,
            commands::operator::operator_ledger,
            commands::operator::operator_ledger_export,
            commands::sync::sync_now,
            commands::sync::sync_status,
            commands::sync::sync_conflicts,
            commands::sync::sync_conflict_dismiss,
            commands::sync::sync_diagnostics,
            commands::sync::sync_rebuild,
            commands::admin::admin_overview,
            commands::admin::admin_authorizations,
            commands::admin::admin_authorization_grant,
            commands::admin::admin_authorization_revoke,
            commands::admin::admin_requests,
            commands::admin::admin_request_approve,
            commands::admin::admin_request_reject,
            commands::admin::admin_operators,
            commands::admin::admin_operator_options,
            commands::admin::admin_applications,
            commands::admin::admin_application_list,
            commands::admin::admin_application_detail,
            commands::admin::admin_application_create,
            commands::admin::admin_application_update,
            commands::admin::admin_application_set_active,
            commands::admin::admin_transactions,
            commands::admin::admin_transactions_export,
            commands::admin::admin_api_key_reveal,
            commands::admin::admin_api_key_reset,
            commands::admin::admin_announcements,
            commands::admin::admin_announcement_publish,
            commands::admin::admin_statistics,
            commands::admin::admin_alert_ack,
            commands::admin::admin_statistics_export,
            commands::admin_accounts::admin_operator_create,
            commands::admin_accounts::admin_operator_update,
            commands::admin_accounts::admin_operator_lock,
            commands::admin_accounts::admin_operator_unlock,
            commands::admin_accounts::admin_staff_list,
            commands::admin_accounts::admin_staff_create,
            commands::admin_accounts::admin_staff_reset_password,
            commands::admin_accounts::admin_staff_set_disabled,
            commands::notify::desktop_notify,
            commands::finance::finance_overview,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the MR desktop app");
}
