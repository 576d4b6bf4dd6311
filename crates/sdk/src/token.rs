//! Offline verification of launch tokens.
//!
//! A headset receives a compact JWS with its launch and must be able to check it without
//! another round trip (the venue's network may be down between launch and game start), so
//! once the JWKS is loaded everything here is pure computation.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signature, VerifyingKey};
use mr_protocol::launch::{Jwk, Jwks, JwsHeader, LaunchClaims, TOKEN_ISSUER};

use crate::client::Client;
use crate::error::SdkError;

/// The only signature algorithm launch tokens use.
pub const TOKEN_ALG: &str = "EdDSA";

/// Why a launch token was rejected. Each check has its own variant so a studio can tell a
/// clock problem (`Expired`) from a key-rotation problem (`UnknownKid`) from tampering.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error(
        "不是三段式 JWS / not a compact JWS (expected header.payload.signature, found {0} part(s))"
    )]
    Format(usize),
    #[error("{0} 段不是 base64url（无填充）/ the {0} part is not base64url without padding")]
    Base64(TokenPart),
    #[error("头部 JSON 无效 / the header is not a valid JWS header: {0}")]
    Header(String),
    #[error("载荷 JSON 无效 / the payload is not valid launch claims: {0}")]
    Payload(String),
    #[error("不支持的算法 / unsupported alg {0:?} (only \"EdDSA\" is accepted)")]
    UnsupportedAlg(String),
    #[error("未知的密钥 ID / unknown kid {0:?}: not in the JWKS (refresh the JWKS after a key rotation)")]
    UnknownKid(String),
    #[error("JWKS 中的密钥不可用 / the JWKS key {kid:?} is unusable: {reason}")]
    BadKey { kid: String, reason: String },
    #[error("签名验证失败 / the signature does not verify (token tampered with or signed by another key)")]
    BadSignature,
    #[error("签发者错误 / wrong issuer {0:?} (expected \"mr-ops\")")]
    WrongIssuer(String),
    #[error("令牌已过期 / the token expired at {exp} (now {now}, unix seconds)")]
    Expired { exp: i64, now: i64 },
}

impl TokenError {
    /// Stable short code for reports, e.g. `TOKEN_EXPIRED`.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::Format(_) => "TOKEN_FORMAT",
            TokenError::Base64(_) => "TOKEN_BASE64",
            TokenError::Header(_) => "TOKEN_HEADER",
            TokenError::Payload(_) => "TOKEN_PAYLOAD",
            TokenError::UnsupportedAlg(_) => "TOKEN_ALG",
            TokenError::UnknownKid(_) => "TOKEN_UNKNOWN_KID",
            TokenError::BadKey { .. } => "TOKEN_BAD_KEY",
            TokenError::BadSignature => "TOKEN_BAD_SIGNATURE",
            TokenError::WrongIssuer(_) => "TOKEN_WRONG_ISSUER",
            TokenError::Expired { .. } => "TOKEN_EXPIRED",
        }
    }
}

/// Which of the three JWS parts a decoding error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPart {
    Header,
    Payload,
    Signature,
}

impl std::fmt::Display for TokenPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenPart::Header => "header",
            TokenPart::Payload => "payload",
            TokenPart::Signature => "signature",
        })
    }
}

/// Builds the JWKS entry for an Ed25519 public key: `x` is the raw 32-byte key in base64url
/// without padding (RFC 8037). Shared with the server so both sides agree on the encoding.
pub fn jwk_from_key(key: &VerifyingKey, kid: &str) -> Jwk {
    Jwk {
        kty: "OKP".to_string(),
        crv: "Ed25519".to_string(),
        x: URL_SAFE_NO_PAD.encode(key.as_bytes()),
        kid: kid.to_string(),
        alg: TOKEN_ALG.to_string(),
        use_: "sig".to_string(),
    }
}

/// Decodes a JWK back into a verifying key; the reason is returned as text because it ends
/// up in [`TokenError::BadKey`] only when a token actually names that key.
pub fn key_from_jwk(jwk: &Jwk) -> Result<VerifyingKey, String> {
    if jwk.kty != "OKP" || jwk.crv != "Ed25519" {
        return Err(format!(
            "kty/crv is {}/{}, expected OKP/Ed25519",
            jwk.kty, jwk.crv
        ));
    }
    let raw = URL_SAFE_NO_PAD
        .decode(jwk.x.as_bytes())
        .map_err(|e| format!("x is not base64url without padding: {e}"))?;
    let bytes: [u8; 32] = raw
        .as_slice()
        .try_into()
        .map_err(|_| format!("x decodes to {} bytes, expected 32", raw.len()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format!("x is not an Ed25519 point: {e}"))
}

/// Verifies launch tokens against a loaded JWKS. Cheap to clone and share between tasks.
#[derive(Debug, Clone)]
pub struct TokenVerifier {
    /// kid → the key, or why the published key cannot be used.
    keys: HashMap<String, Result<VerifyingKey, String>>,
}

impl TokenVerifier {
    /// Never fails: an unusable key is remembered and reported only if a token names it, so
    /// one bad entry cannot stop tokens signed with the good keys from verifying.
    pub fn new(jwks: Jwks) -> Self {
        let keys = jwks
            .keys
            .iter()
            .map(|k| (k.kid.clone(), key_from_jwk(k)))
            .collect();
        TokenVerifier { keys }
    }

    /// Downloads `/.well-known/jwks.json` once; keep the verifier for offline use.
    pub async fn fetch(client: &Client) -> Result<Self, SdkError> {
        Ok(Self::new(client.jwks().await?))
    }

    /// The key ids this verifier knows.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// Checks, in order: three parts, base64url, header JSON, `alg == "EdDSA"`, known `kid`,
    /// the Ed25519 signature (`verify_strict`, which rejects malleable and small-order
    /// signatures), the claims JSON, `iss`, and `exp > now_unix_secs`.
    pub fn verify(&self, token: &str, now_unix_secs: i64) -> Result<LaunchClaims, TokenError> {
        let parts: Vec<&str> = token.trim().split('.').collect();
        let [header_b64, payload_b64, signature_b64] = parts.as_slice() else {
            return Err(TokenError::Format(parts.len()));
        };
        let header_raw = decode_part(header_b64, TokenPart::Header)?;
        let header: JwsHeader =
            serde_json::from_slice(&header_raw).map_err(|e| TokenError::Header(e.to_string()))?;
        if header.alg != TOKEN_ALG {
            return Err(TokenError::UnsupportedAlg(header.alg));
        }
        let key = match self.keys.get(&header.kid) {
            None => return Err(TokenError::UnknownKid(header.kid)),
            Some(Err(reason)) => {
                return Err(TokenError::BadKey {
                    kid: header.kid,
                    reason: reason.clone(),
                })
            }
            Some(Ok(key)) => key,
        };
        let sig_raw = decode_part(signature_b64, TokenPart::Signature)?;
        let sig_bytes: [u8; 64] = sig_raw
            .as_slice()
            .try_into()
            .map_err(|_| TokenError::BadSignature)?;
        let signature = Signature::from_bytes(&sig_bytes);
        // The signing input is the ASCII text as transmitted, not re-encoded JSON.
        let signing_input = signing_input(header_b64, payload_b64);
        key.verify_strict(&signing_input, &signature)
            .map_err(|_| TokenError::BadSignature)?;
        let payload_raw = decode_part(payload_b64, TokenPart::Payload)?;
        let claims: LaunchClaims =
            serde_json::from_slice(&payload_raw).map_err(|e| TokenError::Payload(e.to_string()))?;
        if claims.iss != TOKEN_ISSUER {
            return Err(TokenError::WrongIssuer(claims.iss));
        }
        if claims.exp <= now_unix_secs {
            return Err(TokenError::Expired {
                exp: claims.exp,
                now: now_unix_secs,
            });
        }
        Ok(claims)
    }

    /// [`TokenVerifier::verify`] at the current system time.
    pub fn verify_now(&self, token: &str) -> Result<LaunchClaims, TokenError> {
        self.verify(token, crate::client::unix_now_secs())
    }
}

/// `header_b64 + "." + payload_b64` as bytes: what the Ed25519 signature covers.
pub fn signing_input(header_b64: &str, payload_b64: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(header_b64.len() + payload_b64.len() + 1);
    v.extend_from_slice(header_b64.as_bytes());
    v.push(b'.');
    v.extend_from_slice(payload_b64.as_bytes());
    v
}

fn decode_part(text: &str, part: TokenPart) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(text.as_bytes())
        .map_err(|_| TokenError::Base64(part))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};
    use uuid::Uuid;

    const NOW: i64 = 1_704_067_200;

    /// A test-only signer that builds the compact JWS exactly as the contract describes.
    fn sign_jws(
        key: &SigningKey,
        header: &serde_json::Value,
        claims: &serde_json::Value,
    ) -> String {
        let h = URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap());
        let p = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap());
        let sig = key.sign(&signing_input(&h, &p));
        format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }

    fn header(alg: &str, kid: &str) -> serde_json::Value {
        serde_json::json!({"alg": alg, "typ": "JWT", "kid": kid})
    }

    fn claims(iss: &str, exp: i64) -> serde_json::Value {
        serde_json::to_value(LaunchClaims {
            iss: iss.to_string(),
            sub: "sess".to_string(),
            operator_id: Uuid::nil(),
            site_id: Uuid::nil(),
            app_id: "space_adventure".to_string(),
            player_count: 4,
            iat: NOW - 10,
            exp,
        })
        .unwrap()
    }

    struct Fixture {
        key: SigningKey,
        verifier: TokenVerifier,
    }

    fn fixture() -> Fixture {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let other = SigningKey::generate(&mut rand::rngs::OsRng);
        let jwks = Jwks {
            keys: vec![
                jwk_from_key(&other.verifying_key(), "k0"),
                jwk_from_key(&key.verifying_key(), "k1"),
            ],
        };
        // Round-trips through JSON, as a fetched JWKS would.
        let jwks: Jwks = serde_json::from_slice(&serde_json::to_vec(&jwks).unwrap()).unwrap();
        Fixture {
            key,
            verifier: TokenVerifier::new(jwks),
        }
    }

    fn good_token(f: &Fixture) -> String {
        sign_jws(
            &f.key,
            &header("EdDSA", "k1"),
            &claims(TOKEN_ISSUER, NOW + 300),
        )
    }

    #[test]
    fn jwk_encodes_the_raw_key_without_padding() {
        let key = SigningKey::generate(&mut rand::rngs::OsRng).verifying_key();
        let jwk = jwk_from_key(&key, "kid-1");
        assert_eq!(jwk.x.len(), 43);
        assert!(!jwk.x.contains('='));
        assert_eq!((jwk.kty.as_str(), jwk.crv.as_str()), ("OKP", "Ed25519"));
        assert_eq!((jwk.alg.as_str(), jwk.use_.as_str()), ("EdDSA", "sig"));
        assert_eq!(key_from_jwk(&jwk), Ok(key));
        let json = serde_json::to_value(&jwk).unwrap();
        assert_eq!(json["use"], "sig");
    }

    #[test]
    fn a_valid_token_verifies_offline() {
        let f = fixture();
        let c = f.verifier.verify(&good_token(&f), NOW).unwrap();
        assert_eq!(c.iss, TOKEN_ISSUER);
        assert_eq!(c.sub, "sess");
        assert_eq!(c.player_count, 4);
        assert_eq!(c.app_id, "space_adventure");
    }

    #[test]
    fn a_tampered_payload_fails_the_signature() {
        let f = fixture();
        let token = good_token(&f);
        let parts: Vec<&str> = token.split('.').collect();
        let mut c = claims(TOKEN_ISSUER, NOW + 300);
        c["player_count"] = serde_json::json!(1);
        let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
        let tampered = format!("{}.{forged}.{}", parts[0], parts[2]);
        assert_eq!(
            f.verifier.verify(&tampered, NOW),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn a_tampered_signature_fails() {
        let f = fixture();
        let token = good_token(&f);
        let parts: Vec<&str> = token.split('.').collect();
        let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        sig[10] ^= 0x01;
        let bad = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(&sig));
        assert_eq!(f.verifier.verify(&bad, NOW), Err(TokenError::BadSignature));
        let short = format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            URL_SAFE_NO_PAD.encode(&sig[..63])
        );
        assert_eq!(
            f.verifier.verify(&short, NOW),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn a_token_signed_by_another_key_fails() {
        let f = fixture();
        let stranger = SigningKey::generate(&mut rand::rngs::OsRng);
        let t = sign_jws(
            &stranger,
            &header("EdDSA", "k1"),
            &claims(TOKEN_ISSUER, NOW + 300),
        );
        assert_eq!(f.verifier.verify(&t, NOW), Err(TokenError::BadSignature));
    }

    #[test]
    fn an_unknown_kid_fails() {
        let f = fixture();
        let t = sign_jws(
            &f.key,
            &header("EdDSA", "k9"),
            &claims(TOKEN_ISSUER, NOW + 300),
        );
        assert_eq!(
            f.verifier.verify(&t, NOW),
            Err(TokenError::UnknownKid("k9".into()))
        );
    }

    #[test]
    fn a_wrong_alg_fails() {
        let f = fixture();
        for alg in ["HS256", "none", "RS256", "eddsa"] {
            let t = sign_jws(&f.key, &header(alg, "k1"), &claims(TOKEN_ISSUER, NOW + 300));
            assert_eq!(
                f.verifier.verify(&t, NOW),
                Err(TokenError::UnsupportedAlg(alg.into()))
            );
        }
    }

    #[test]
    fn an_expired_token_fails() {
        let f = fixture();
        let t = sign_jws(&f.key, &header("EdDSA", "k1"), &claims(TOKEN_ISSUER, NOW));
        assert_eq!(
            f.verifier.verify(&t, NOW),
            Err(TokenError::Expired { exp: NOW, now: NOW })
        );
        assert!(f.verifier.verify(&t, NOW - 1).is_ok());
    }

    #[test]
    fn a_wrong_issuer_fails() {
        let f = fixture();
        let t = sign_jws(
            &f.key,
            &header("EdDSA", "k1"),
            &claims("someone-else", NOW + 300),
        );
        assert_eq!(
            f.verifier.verify(&t, NOW),
            Err(TokenError::WrongIssuer("someone-else".into()))
        );
    }

    #[test]
    fn garbage_fails_with_specific_errors() {
        let f = fixture();
        let v = &f.verifier;
        assert_eq!(v.verify("", NOW), Err(TokenError::Format(1)));
        assert_eq!(v.verify("garbage", NOW), Err(TokenError::Format(1)));
        assert_eq!(v.verify("a.b", NOW), Err(TokenError::Format(2)));
        assert_eq!(v.verify("a.b.c.d", NOW), Err(TokenError::Format(4)));
        assert_eq!(
            v.verify("!!!.e30.AAAA", NOW),
            Err(TokenError::Base64(TokenPart::Header))
        );
        let padded_header = format!("{}=", URL_SAFE_NO_PAD.encode(b"{}"));
        assert_eq!(
            v.verify(&format!("{padded_header}.e30.AAAA"), NOW),
            Err(TokenError::Base64(TokenPart::Header))
        );
        let not_json = URL_SAFE_NO_PAD.encode(b"not json");
        assert!(matches!(
            v.verify(&format!("{not_json}.e30.AAAA"), NOW),
            Err(TokenError::Header(_))
        ));
        let good = good_token(&f);
        let parts: Vec<&str> = good.split('.').collect();
        assert_eq!(
            v.verify(&format!("{}.{}.@@@", parts[0], parts[1]), NOW),
            Err(TokenError::Base64(TokenPart::Signature))
        );
        // A correctly signed payload that is not launch claims.
        let t = sign_jws(
            &f.key,
            &header("EdDSA", "k1"),
            &serde_json::json!({"iss": "mr-ops"}),
        );
        assert!(matches!(v.verify(&t, NOW), Err(TokenError::Payload(_))));
    }

    #[test]
    fn an_unusable_published_key_is_reported_when_named() {
        let f = fixture();
        let mut jwk = jwk_from_key(&f.key.verifying_key(), "broken");
        jwk.x = "AAAA".into();
        let verifier = TokenVerifier::new(Jwks {
            keys: vec![jwk, jwk_from_key(&f.key.verifying_key(), "k1")],
        });
        let t = sign_jws(
            &f.key,
            &header("EdDSA", "broken"),
            &claims(TOKEN_ISSUER, NOW + 300),
        );
        assert!(matches!(
            verifier.verify(&t, NOW),
            Err(TokenError::BadKey { .. })
        ));
        assert!(verifier.verify(&good_token(&f), NOW).is_ok());
    }
}
