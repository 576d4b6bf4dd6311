//! Staff and operator authentication: passwords, access tokens, sessions with rotating refresh
//! tokens, and the extractor that every protected handler uses.

pub mod extract;
pub mod password;
pub mod routes;
pub mod service;
pub mod tokens;

pub use extract::AuthUser;
