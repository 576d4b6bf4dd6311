//! Wire types shared by the server, the desktop core and (as generated TypeScript) the UI.
//!
//! A field renamed here is a compile error in Rust and a type error in `vue-tsc`, so the three
//! sides cannot drift apart. Money is always a decimal string; counts are plain numbers.

pub mod auth;
pub mod cursor;
pub mod error;
pub mod home;
pub mod ipc;
pub mod launch;
pub mod payments;
pub mod rows;
pub mod statistics;
pub mod sync;
pub mod transactions;

pub use error::ErrorBody;

/// Bumped whenever a breaking change is made to any type in this crate.
pub const PROTOCOL_VERSION: u32 = 1;

/// Every type the UI sees, for the TypeScript generator.
pub mod export {
    use std::collections::BTreeMap;
    use std::fs;
    use std::path::{Path, PathBuf};

    use ts_rs::TS;

    /// `ui/src/api/generated/`, where the UI imports the generated types from.
    pub fn ui_dir() -> PathBuf {
        [
            env!("CARGO_MANIFEST_DIR"),
            "..",
            "..",
            "ui",
            "src",
            "api",
            "generated",
        ]
        .iter()
        .collect()
    }

    fn read_ts(dir: &Path) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for e in fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let (true, Ok(text)) = (name.ends_with(".ts"), fs::read_to_string(e.path())) {
                out.insert(name, text);
            }
        }
        out
    }

    /// The staleness check behind each crate's `typescript_bindings` test: runs `export` into
    /// a temporary folder and compares every file it generates with the committed one. With
    /// `UPDATE_TS_BINDINGS` set it writes them instead (`make bindings`). Several exporters
    /// share the folder, so each checks and writes only its own files.
    pub fn check_ui_bindings(
        label: &str,
        export: impl FnOnce(&Path) -> Result<(), ts_rs::ExportError>,
    ) -> Result<(), String> {
        let fresh_dir = std::env::temp_dir().join(format!("mr-ts-{label}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&fresh_dir);
        fs::create_dir_all(&fresh_dir).map_err(|e| e.to_string())?;
        export(&fresh_dir).map_err(|e| format!("exporting TypeScript: {e}"))?;
        let fresh = read_ts(&fresh_dir);
        let _ = fs::remove_dir_all(&fresh_dir);
        if fresh.is_empty() {
            return Err(format!("{label}: the generator wrote nothing"));
        }
        let committed = ui_dir();
        if std::env::var_os("UPDATE_TS_BINDINGS").is_some() {
            fs::create_dir_all(&committed).map_err(|e| e.to_string())?;
            for (name, text) in &fresh {
                fs::write(committed.join(name), text).map_err(|e| e.to_string())?;
            }
            return Ok(());
        }
        let old = read_ts(&committed);
        let stale: Vec<&String> = fresh
            .iter()
            .filter(|(n, t)| old.get(*n) != Some(t))
            .map(|(n, _)| n)
            .collect();
        if stale.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "ui/src/api/generated is stale for {label} ({stale:?}); run `make bindings` and commit the result"
            ))
        }
    }

    /// Writes the TypeScript declaration of every exported type into `dir`.
    pub fn export_all(dir: &std::path::Path) -> Result<(), ts_rs::ExportError> {
        use crate::*;
        macro_rules! all {
            ($($t:ty),* $(,)?) => { $( <$t as TS>::export_all_to(dir)?; )* };
        }
        all!(
            error::ErrorBody,
            auth::LoginRequest,
            auth::LoginResponse,
            auth::UserInfo,
            auth::MeResponse,
            auth::ChangePasswordRequest,
            auth::RegisterOperatorRequest,
            auth::RegisterOperatorResponse,
            auth::CreateStaffRequest,
            auth::StaffAccount,
            auth::ApiKeyShown,
            auth::ResetPasswordRequest,
            auth::StaffStatusRequest,
            auth::CreateOperatorRequest,
            auth::UpdateOperatorRequest,
            auth::LockRequest,
            home::OperatorProfile,
            home::OperatorHome,
            home::AdminOverview,
            home::AdminAlert,
            home::FinanceOverview,
            home::HealthStatus,
            ipc::AppSettings,
            ipc::SessionInfo,
            ipc::ServerCheck,
            ipc::LoginArgs,
            ipc::LogoutArgs,
            ipc::ConnectionState,
            sync::PullResponse,
            sync::Change,
            sync::Entity,
            sync::SyncRow,
            sync::SiteRow,
            sync::MessageRow,
            sync::PushRequest,
            sync::CommandEnvelope,
            sync::Command,
            sync::SiteFields,
            sync::ProfileFields,
            sync::GrantFields,
            sync::PushResponse,
            sync::CommandStatus,
            sync::CommandResult,
            payments::RechargeChannel,
            payments::RechargeOptions,
            payments::CreateRecharge,
            payments::RechargeOrder,
            transactions::TransactionQuery,
            transactions::TransactionRow,
            transactions::TransactionTotals,
            transactions::TransactionPage,
            statistics::StatisticsQuery,
            statistics::Granularity,
            statistics::StatisticsTotals,
            statistics::AppStat,
            statistics::PlayerCountStat,
            statistics::AppPlayersCell,
            statistics::SitePoint,
            statistics::SiteSeries,
            statistics::OperatorStat,
            statistics::OperatorAppCell,
            statistics::Statistics,
        );
        Ok(())
    }
}
