//! The app's Tauri commands: each parses its arguments, calls one `mr_core` function and
//! maps the error to an `ErrorBody` (see `crate::error`). No business rule lives here.

pub mod admin;
pub mod admin_accounts;
pub mod export;
pub mod finance;
pub mod launcher;
pub mod notify;
pub mod operator;
pub mod session;
pub mod sync;
