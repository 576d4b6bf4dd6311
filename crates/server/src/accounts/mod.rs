//! Accounts: operator self-registration (R-O1), operator profiles, staff creation (R-A9).

pub mod routes;
pub mod security;
pub mod service;
