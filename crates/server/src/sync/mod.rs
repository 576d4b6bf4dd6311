//! The sync API (REQUIREMENTS R-S1, R-S2; docs/sync-protocol.md): a commit-safe change feed
//! scoped by the caller's token, and exactly-once command application.

pub mod admin_commands;
pub mod app_commands;
pub mod commands;
pub mod cursor;
pub mod live;
pub mod pull;
pub mod push;
pub mod routes;
pub mod scope;
