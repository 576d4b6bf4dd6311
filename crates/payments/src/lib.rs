//! The payment channels' message security, written once for both sides: the server's clients
//! (which sign requests and verify answers and notifications) and the local sandbox gateways
//! (which verify requests and sign answers and notifications), so the sandbox exercises the
//! very code that talks to the real channels (R-P4).
//!
//! - Alipay OpenAPI with RSA2: SHA256withRSA over the sorted `k=v&…` parameter string.
//! - WeChat Pay API v3: `WECHATPAY2-SHA256-RSA2048` request signatures, response and
//!   notification signatures over `timestamp\nnonce\nbody\n`, and the AES-256-GCM
//!   encrypted `resource` of notifications.

pub mod alipay;
pub mod keys;
pub mod wechat;

pub use keys::{SigningKey, VerifyingKey};

/// Why a message was refused; none of them says more than the caller needs to log.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("key: {0}")]
    Key(String),
    #[error("the signature is missing or malformed")]
    SignatureFormat,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the timestamp is {0} s away from now (at most 300 s allowed)")]
    Stale(i64),
    #[error("malformed message: {0}")]
    Format(String),
    #[error("the encrypted resource cannot be decrypted")]
    Decrypt,
}
