//! Short-lived access tokens (HS256 JWT) naming the session they belong to.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use mr_domain::{ErrorCode, Role, Workspace};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: operator or staff id.
    pub sub: Uuid,
    pub role: Role,
    pub ws: Workspace,
    /// Session id: revoking the session kills this token at once.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

const ISSUER: &str = "mr-ops";

pub fn issue(secret: &[u8], claims: &Claims) -> anyhow::Result<String> {
    Ok(encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )?)
}

pub fn claims(sub: Uuid, role: Role, ws: Workspace, sid: Uuid, now: i64, ttl_secs: i64) -> Claims {
    Claims {
        sub,
        role,
        ws,
        sid,
        iat: now,
        exp: now + ttl_secs,
        iss: ISSUER.into(),
    }
}

pub fn verify(secret: &[u8], token: &str) -> Result<Claims, ErrorCode> {
    let mut v = Validation::new(Algorithm::HS256);
    v.set_issuer(&[ISSUER]);
    v.leeway = 0;
    v.set_required_spec_claims(&["exp", "iss", "sub"]);
    decode::<Claims>(token, &DecodingKey::from_secret(secret), &v)
        .map(|d| d.claims)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => ErrorCode::TokenExpired,
            _ => ErrorCode::TokenInvalid,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn issue_and_verify() {
        let c = claims(
            Uuid::nil(),
            Role::Admin,
            Workspace::Admin,
            Uuid::nil(),
            now(),
            60,
        );
        let t = issue(S, &c).unwrap();
        let back = verify(S, &t).unwrap();
        assert_eq!(back.role, Role::Admin);
    }

    #[test]
    fn expired_forged_and_garbage_are_told_apart() {
        let c = claims(
            Uuid::nil(),
            Role::Admin,
            Workspace::Admin,
            Uuid::nil(),
            now() - 120,
            60,
        );
        assert_eq!(
            verify(S, &issue(S, &c).unwrap()).unwrap_err(),
            ErrorCode::TokenExpired
        );
        let c = claims(
            Uuid::nil(),
            Role::Admin,
            Workspace::Admin,
            Uuid::nil(),
            now(),
            60,
        );
        let forged = issue(b"another-secret-another-secret-xx", &c).unwrap();
        assert_eq!(verify(S, &forged).unwrap_err(), ErrorCode::TokenInvalid);
        assert_eq!(verify(S, "garbage").unwrap_err(), ErrorCode::TokenInvalid);
    }
}
