//! Headset SDK for game studios.
//!
//! - [`Client`]: signed calls to the launch API (`verify`, `apps`, `launch`, `end`, `jwks`).
//! - [`TokenVerifier`]: offline verification of launch tokens against the JWKS.
//! - [`new_session_id`]: session ids in the `{operator}_{ms}_{16 alphanumerics}` form.
//! - [`simulate`]: the load simulator behind `mr-headset simulate` and the benchmarks.
//!
//! The wire contract itself (paths, bodies, the signature's canonical string) lives in
//! `mr_protocol::launch`; this crate is its client side.

pub mod client;
pub mod error;
pub mod session;
pub mod simulate;
pub mod stats;
pub mod token;

pub use client::{
    accept_language, parse_lang, signed_headers, unix_now_millis, unix_now_secs, Client,
    ClientBuilder, RawResponse,
};
pub use error::SdkError;
pub use mr_domain::error::Lang;
pub use mr_protocol::launch as protocol;
pub use session::{new_session_id, session_id_at};
pub use simulate::{simulate, Account, SimulateConfig, SimulateReport};
pub use token::{jwk_from_key, key_from_jwk, TokenError, TokenVerifier};
