//! WeChat Pay API v3.
//!
//! Requests carry `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",
//! signature="…",timestamp="…",serial_no="…"`, the signature over
//! `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`. Answers and notifications carry
//! `Wechatpay-Timestamp/-Nonce/-Signature/-Serial`, the signature over
//! `TIMESTAMP\nNONCE\nBODY\n` with the platform key, refused when the timestamp is more than
//! five minutes away. A notification's `resource` is AES-256-GCM under the merchant's APIv3
//! key (the 16-byte tag at the end of the ciphertext, `associated_data` as AAD).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::{CryptoError, SigningKey, VerifyingKey};

/// The scheme name in the Authorization header.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";
/// How far a signed timestamp may be from now, in seconds.
pub const MAX_SKEW: i64 = 300;

/// What a request's Authorization header carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub mchid: String,
    pub nonce: String,
    pub signature: String,
    pub timestamp: i64,
    pub serial_no: String,
}

fn request_message(method: &str, path: &str, timestamp: i64, nonce: &str, body: &str) -> String {
    format!("{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The Authorization header of a request (`path` with its query string; `body` empty for GET).
#[allow(clippy::too_many_arguments)]
pub fn authorization(
    key: &SigningKey,
    mchid: &str,
    serial_no: &str,
    method: &str,
    path: &str,
    body: &str,
    timestamp: i64,
    nonce: &str,
) -> Result<String, CryptoError> {
    let sig = key.sign_base64(request_message(method, path, timestamp, nonce, body).as_bytes())?;
    Ok(format!(
        "{SCHEME} mchid=\"{mchid}\",nonce_str=\"{nonce}\",signature=\"{sig}\",timestamp=\"{timestamp}\",serial_no=\"{serial_no}\""
    ))
}

/// Reads an Authorization header (what the sandbox gateway does).
pub fn parse_authorization(header: &str) -> Result<Authorization, CryptoError> {
    let rest = header
        .strip_prefix(SCHEME)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| CryptoError::Format(format!("the scheme must be {SCHEME}")))?;
    let get = |name: &str| -> Result<String, CryptoError> {
        rest.split(',')
            .filter_map(|part| part.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.strip_prefix('"')?.strip_suffix('"'))
            .map(str::to_string)
            .ok_or_else(|| CryptoError::Format(format!("{name} is missing")))
    };
    let timestamp = get("timestamp")?
        .parse()
        .map_err(|_| CryptoError::Format("timestamp is not a number".into()))?;
    Ok(Authorization {
        mchid: get("mchid")?,
        nonce: get("nonce_str")?,
        signature: get("signature")?,
        timestamp,
        serial_no: get("serial_no")?,
    })
}

/// Checks a request's Authorization header against the merchant's public key.
pub fn verify_request(
    key: &VerifyingKey,
    auth: &Authorization,
    method: &str,
    path: &str,
    body: &str,
    now: i64,
) -> Result<(), CryptoError> {
    fresh(auth.timestamp, now)?;
    let msg = request_message(method, path, auth.timestamp, &auth.nonce, body);
    key.verify_base64(msg.as_bytes(), &auth.signature)
}

fn fresh(timestamp: i64, now: i64) -> Result<(), CryptoError> {
    let skew = timestamp - now;
    if skew.abs() > MAX_SKEW {
        return Err(CryptoError::Stale(skew));
    }
    Ok(())
}

fn message(timestamp: &str, nonce: &str, body: &str) -> String {
    format!("{timestamp}\n{nonce}\n{body}\n")
}

/// The `Wechatpay-Signature` of an answer or a notification (what the sandbox sends).
pub fn sign_message(
    key: &SigningKey,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> Result<String, CryptoError> {
    key.sign_base64(message(&timestamp.to_string(), nonce, body).as_bytes())
}

/// Checks an answer's or a notification's headers and body; `now` in Unix seconds.
pub fn verify_message(
    key: &VerifyingKey,
    timestamp: &str,
    nonce: &str,
    signature: &str,
    body: &str,
    now: i64,
) -> Result<(), CryptoError> {
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| CryptoError::Format("Wechatpay-Timestamp is not a number".into()))?;
    fresh(ts, now)?;
    if nonce.is_empty() {
        return Err(CryptoError::Format("Wechatpay-Nonce is empty".into()));
    }
    key.verify_base64(message(timestamp.trim(), nonce, body).as_bytes(), signature)
}

fn cipher(api_v3_key: &[u8]) -> Result<Aes256Gcm, CryptoError> {
    Aes256Gcm::new_from_slice(api_v3_key)
        .map_err(|_| CryptoError::Key("the APIv3 key must be 32 bytes".into()))
}

fn nonce_of(nonce: &str) -> Result<&Nonce<aes_gcm::aead::consts::U12>, CryptoError> {
    if nonce.len() != 12 {
        return Err(CryptoError::Format(
            "the resource nonce must be 12 bytes".into(),
        ));
    }
    Ok(Nonce::from_slice(nonce.as_bytes()))
}

/// Decrypts a notification's `resource.ciphertext`.
pub fn decrypt_resource(
    api_v3_key: &[u8],
    nonce: &str,
    associated_data: &str,
    ciphertext_b64: &str,
) -> Result<Vec<u8>, CryptoError> {
    let data = STANDARD
        .decode(ciphertext_b64.trim())
        .map_err(|_| CryptoError::Decrypt)?;
    cipher(api_v3_key)?
        .decrypt(
            nonce_of(nonce)?,
            Payload {
                msg: &data,
                aad: associated_data.as_bytes(),
            },
        )
        .map_err(|_| CryptoError::Decrypt)
}

/// Encrypts a notification's resource (what the sandbox sends), base64.
pub fn encrypt_resource(
    api_v3_key: &[u8],
    nonce: &str,
    associated_data: &str,
    plaintext: &[u8],
) -> Result<String, CryptoError> {
    let data = cipher(api_v3_key)?
        .encrypt(
            nonce_of(nonce)?,
            Payload {
                msg: plaintext,
                aad: associated_data.as_bytes(),
            },
        )
        .map_err(|_| CryptoError::Decrypt)?;
    Ok(STANDARD.encode(data))
}
