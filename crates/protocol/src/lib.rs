//! Wire types shared by the server, the desktop core and (as generated TypeScript) the UI.
//!
//! A field renamed here is a compile error in Rust and a type error in `vue-tsc`, so the three
//! sides cannot drift apart. Money is always a decimal string; counts are plain numbers.

pub mod auth;
pub mod cursor;
pub mod error;
pub mod home;
pub mod ipc;
pub mod sync;

pub use error::ErrorBody;

/// Bumped whenever a breaking change is made to any type in this crate.
pub const PROTOCOL_VERSION: u32 = 1;

/// Every type the UI sees, for the TypeScript generator.
pub mod export {
    use ts_rs::TS;

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
            home::OperatorProfile,
            home::OperatorHome,
            home::AdminOverview,
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
            sync::PushResponse,
            sync::CommandStatus,
            sync::CommandResult,
        );
        Ok(())
    }
}
