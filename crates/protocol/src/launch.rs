//! The headset-facing launch API (REQUIREMENTS §3, docs/launch-api.md): request and response
//! bodies, the launch token's claims, the JWKS document and the request-signing contract.
//!
//! Headsets in the field already speak this contract; its field names and the signature's
//! canonical string must not change.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use mr_domain::Money;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

pub const AUTHORIZE_PATH: &str = "/api/v1/auth/game/authorize";
pub const GAME_END_PATH: &str = "/api/v1/auth/game/end";
pub const VERIFY_PATH: &str = "/api/v1/headset/verify";
pub const APPS_PATH: &str = "/api/v1/headset/apps";
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

pub const HEADER_API_KEY: &str = "x-api-key";
pub const HEADER_TIMESTAMP: &str = "x-timestamp";
pub const HEADER_SIGNATURE: &str = "x-signature";
pub const HEADER_SESSION_ID: &str = "x-session-id";

/// `X-Timestamp` and the session id's timestamp may differ from the server clock by this much.
pub const CLOCK_SKEW_SECS: i64 = 300;

/// The message that `X-Signature` signs: `"{timestamp}\n{METHOD}\n{path}\n{raw body}"`.
/// `path` is the request path without the query string; a GET has an empty body.
pub fn signing_message(timestamp: &str, method: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(timestamp.len() + method.len() + path.len() + body.len() + 3);
    m.extend_from_slice(timestamp.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(method.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(path.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(body);
    m
}

fn mac(api_key: &str, message: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(api_key.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(message);
    mac
}

/// `X-Signature = base64(HMAC-SHA256(key = API key, message = signing_message(...)))`.
pub fn sign(api_key: &str, timestamp: &str, method: &str, path: &str, body: &[u8]) -> String {
    use base64::Engine;
    let tag = mac(api_key, &signing_message(timestamp, method, path, body))
        .finalize()
        .into_bytes();
    base64::engine::general_purpose::STANDARD.encode(tag)
}

/// Constant-time check of a presented `X-Signature`.
pub fn verify_signature(
    api_key: &str,
    signature_b64: &str,
    timestamp: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> bool {
    use base64::Engine;
    let Ok(tag) = base64::engine::general_purpose::STANDARD.decode(signature_b64.trim()) else {
        return false;
    };
    mac(api_key, &signing_message(timestamp, method, path, body))
        .verify_slice(&tag)
        .is_ok()
}

/// Body of `POST /api/v1/auth/game/authorize`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchRequest {
    /// The application's code, e.g. `space_adventure`.
    pub app_id: String,
    /// The site's id (a UUID) as listed by `GET /api/v1/headset/verify`.
    pub site_id: String,
    pub player_count: i64,
}

/// A successful launch. Money is a decimal string (`"25.00"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchResponse {
    pub session_id: String,
    /// Compact JWS (EdDSA/Ed25519); verify it offline against `/.well-known/jwks.json`.
    pub launch_token: String,
    pub token_expires_at: DateTime<Utc>,
    pub app_id: String,
    pub app_name: String,
    pub site_id: Uuid,
    pub player_count: i32,
    pub unit_price: Money,
    pub total_cost: Money,
    pub balance_after: Money,
    pub authorized_at: DateTime<Utc>,
}

/// Body of `POST /api/v1/auth/game/end` (R-L8). Without `duration_seconds` the server takes
/// the time between authorization and this report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GameEndRequest {
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GameEndResponse {
    pub session_id: String,
    pub ended_at: DateTime<Utc>,
    pub duration_seconds: i32,
    /// True when the server estimated the duration because no report came (R-L8).
    pub duration_estimated: bool,
}

/// `GET /api/v1/headset/verify`: the key is valid; the operator and its sites (R-L12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyResponse {
    pub operator_id: Uuid,
    pub operator_name: String,
    pub sites: Vec<HeadsetSite>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadsetSite {
    pub site_id: Uuid,
    pub name: String,
    pub address: Option<String>,
}

/// `GET /api/v1/headset/apps`: the applications this operator may launch now (R-L12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppsResponse {
    pub apps: Vec<HeadsetApp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadsetApp {
    pub app_id: String,
    pub name: String,
    pub description: Option<String>,
    pub unit_price: Money,
    pub min_players: i32,
    pub max_players: i32,
    /// `None` = the authorization is permanent.
    pub authorization_expires_at: Option<DateTime<Utc>>,
}

/// The launch token's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchClaims {
    /// Always [`TOKEN_ISSUER`].
    pub iss: String,
    /// The session id.
    pub sub: String,
    pub operator_id: Uuid,
    pub site_id: Uuid,
    /// The application's code.
    pub app_id: String,
    pub player_count: i32,
    /// Unix seconds.
    pub iat: i64,
    pub exp: i64,
}

pub const TOKEN_ISSUER: &str = "mr-ops";

/// The JWS protected header of a launch token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwsHeader {
    pub alg: String,
    pub typ: String,
    pub kid: String,
}

/// `/.well-known/jwks.json` (RFC 7517, OKP keys per RFC 8037).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// `"OKP"`
    pub kty: String,
    /// `"Ed25519"`
    pub crv: String,
    /// The public key, base64url without padding.
    pub x: String,
    pub kid: String,
    /// `"EdDSA"`
    pub alg: String,
    #[serde(rename = "use")]
    pub use_: String,
}

/// Session ids are `{operator id}_{13-digit unix milliseconds}_{16 ASCII letters or digits}`
/// (R-L2). Returns the rule that failed, named as in the `INVALID_PARAMS` details.
pub fn check_session_id(
    session_id: &str,
    operator_id: Uuid,
    now_ms: i64,
) -> Result<(), SessionIdRule> {
    let mut parts = session_id.rsplitn(3, '_');
    let (Some(random), Some(ms), Some(op)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(SessionIdRule::Format);
    };
    let Ok(op) = Uuid::try_parse(op) else {
        return Err(SessionIdRule::Format);
    };
    if ms.len() != 13 || !ms.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SessionIdRule::TimestampFormat);
    }
    if random.len() != 16 || !random.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(SessionIdRule::RandomPart);
    }
    if op != operator_id {
        return Err(SessionIdRule::OperatorMismatch);
    }
    let ms: i64 = ms.parse().map_err(|_| SessionIdRule::TimestampFormat)?;
    if (ms - now_ms).abs() > CLOCK_SKEW_SECS * 1000 {
        return Err(SessionIdRule::TimestampWindow);
    }
    Ok(())
}

/// Which session-id rule failed (R-L2: "bad format → 400 naming the rule that failed").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionIdRule {
    Missing,
    Format,
    TimestampFormat,
    RandomPart,
    OperatorMismatch,
    TimestampWindow,
}

impl SessionIdRule {
    pub fn name(self) -> &'static str {
        match self {
            SessionIdRule::Missing => "session_id_missing",
            SessionIdRule::Format => "session_id_format",
            SessionIdRule::TimestampFormat => "session_id_timestamp_format",
            SessionIdRule::RandomPart => "session_id_random_part",
            SessionIdRule::OperatorMismatch => "session_id_operator_mismatch",
            SessionIdRule::TimestampWindow => "session_id_timestamp_window",
        }
    }

    /// What a studio developer reads in the error details.
    pub fn explain(self) -> &'static str {
        match self {
            SessionIdRule::Missing => "X-Session-ID header is required",
            SessionIdRule::Format => {
                "X-Session-ID must be {operator_id}_{13-digit unix ms}_{16 letters or digits}, with the operator id a UUID"
            }
            SessionIdRule::TimestampFormat => "the middle part must be 13 digits (unix milliseconds)",
            SessionIdRule::RandomPart => "the last part must be exactly 16 ASCII letters or digits",
            SessionIdRule::OperatorMismatch => "the operator id part is not the API key's operator",
            SessionIdRule::TimestampWindow => {
                "the timestamp part is more than 5 minutes from the server's clock"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_signature_example_is_reproducible() {
        // The worked example of docs/launch-api.md; the expected value was computed with Python's
        // hmac module, independently of this code.
        let key = "a".repeat(64);
        let body = br#"{"app_id":"space_adventure","site_id":"7d1c8c2e-2f4b-4b7a-9a39-0c4f9e0b6a11","player_count":4}"#;
        let msg = signing_message("1704067200", "POST", AUTHORIZE_PATH, body);
        assert!(msg.starts_with(b"1704067200\nPOST\n/api/v1/auth/game/authorize\n{"));
        let sig = sign(&key, "1704067200", "POST", AUTHORIZE_PATH, body);
        assert_eq!(sig, "tTmGDZtA5quI5pecKxYjEtGpT487YVrt+8iCFQ7k+Do=");
        assert!(verify_signature(
            &key,
            &sig,
            "1704067200",
            "POST",
            AUTHORIZE_PATH,
            body
        ));
        assert!(!verify_signature(
            &key,
            &sig,
            "1704067201",
            "POST",
            AUTHORIZE_PATH,
            body
        ));
        assert!(!verify_signature(
            &key,
            "not base64!",
            "1704067200",
            "POST",
            AUTHORIZE_PATH,
            body
        ));
    }

    #[test]
    fn session_id_rules_are_named() {
        let op = Uuid::parse_str("0b9d8c36-3c57-4d55-9a0e-2d4a1f3e5b6c").unwrap();
        let now = 1_704_067_200_000;
        let ok = format!("{op}_{now}_AbCdEfGh12345678");
        assert_eq!(check_session_id(&ok, op, now), Ok(()));
        let cases = [
            ("nonsense".to_string(), SessionIdRule::Format),
            (format!("{op}_{now}"), SessionIdRule::Format),
            (
                format!("notauuid_{now}_AbCdEfGh12345678"),
                SessionIdRule::Format,
            ),
            (
                format!("{op}_170406720000_AbCdEfGh12345678"),
                SessionIdRule::TimestampFormat,
            ),
            (
                format!("{op}_{now}_AbCdEfGh1234567"),
                SessionIdRule::RandomPart,
            ),
            (
                format!("{op}_{now}_AbCdEfGh1234567-"),
                SessionIdRule::RandomPart,
            ),
            (
                format!("{}_{now}_AbCdEfGh12345678", Uuid::nil()),
                SessionIdRule::OperatorMismatch,
            ),
            (
                format!("{op}_{}_AbCdEfGh12345678", now - 301_000),
                SessionIdRule::TimestampWindow,
            ),
        ];
        for (id, rule) in cases {
            assert_eq!(check_session_id(&id, op, now), Err(rule), "{id}");
        }
    }
}
