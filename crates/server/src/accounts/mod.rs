//! Accounts: operator self-registration (R-O1), operator profiles, operators created and
//! edited by administrators (R-A1), staff accounts (R-A9).

pub mod manage;
pub mod routes;
pub mod security;
pub mod service;
