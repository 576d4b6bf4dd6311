//! The home page of each workspace: one read-only query set per role.

pub mod routes;
pub mod service;
pub mod statistics;
pub mod transactions;
