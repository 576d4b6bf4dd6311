//! RSA keys as the channels hand them out: PEM, or bare base64 DER (Alipay's key tool gives
//! the app private key as PKCS#8 and the Alipay public key as SubjectPublicKeyInfo, both
//! without PEM armour).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use rsa::pkcs1v15::{Signature, VerifyingKey as RsaVerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use sha2::Sha256;

use crate::CryptoError;

/// The DER inside `text`: a PEM block with the expected label, or bare base64.
fn der(text: &str, label: &str) -> Result<Vec<u8>, CryptoError> {
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        let block = pem::parse(text).map_err(|e| CryptoError::Key(e.to_string()))?;
        if block.tag() != label {
            return Err(CryptoError::Key(format!(
                "expected a {label} PEM block, got {}",
                block.tag()
            )));
        }
        return Ok(block.into_contents());
    }
    let compact: String = text.split_whitespace().collect();
    STANDARD
        .decode(compact)
        .map_err(|e| CryptoError::Key(format!("base64: {e}")))
}

/// A private key that signs with SHA256withRSA (RSASSA-PKCS1-v1_5).
pub struct SigningKey {
    pair: RsaKeyPair,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(…)")
    }
}

impl SigningKey {
    /// A PKCS#8 private key (`-----BEGIN PRIVATE KEY-----` or bare base64).
    pub fn from_pkcs8(text: &str) -> Result<SigningKey, CryptoError> {
        let der = der(text, "PRIVATE KEY")?;
        let pair = RsaKeyPair::from_pkcs8(&der).map_err(|e| CryptoError::Key(e.to_string()))?;
        Ok(SigningKey {
            pair,
            rng: SystemRandom::new(),
        })
    }

    /// The signature of `message`, in standard base64 (deterministic for a given key).
    pub fn sign_base64(&self, message: &[u8]) -> Result<String, CryptoError> {
        let mut sig = vec![0u8; self.pair.public().modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &self.rng, message, &mut sig)
            .map_err(|_| CryptoError::Key("signing failed".into()))?;
        Ok(STANDARD.encode(sig))
    }
}

/// A public key that checks SHA256withRSA signatures.
#[derive(Debug, Clone)]
pub struct VerifyingKey(RsaVerifyingKey<Sha256>);

impl VerifyingKey {
    /// A SubjectPublicKeyInfo public key (`-----BEGIN PUBLIC KEY-----` or bare base64).
    pub fn from_spki(text: &str) -> Result<VerifyingKey, CryptoError> {
        let der = der(text, "PUBLIC KEY")?;
        let key =
            RsaPublicKey::from_public_key_der(&der).map_err(|e| CryptoError::Key(e.to_string()))?;
        Ok(VerifyingKey(RsaVerifyingKey::new(key)))
    }

    /// Checks a base64 signature of `message`.
    pub fn verify_base64(&self, message: &[u8], signature: &str) -> Result<(), CryptoError> {
        let bytes = STANDARD
            .decode(signature.trim())
            .map_err(|_| CryptoError::SignatureFormat)?;
        let sig =
            Signature::try_from(bytes.as_slice()).map_err(|_| CryptoError::SignatureFormat)?;
        self.0
            .verify(message, &sig)
            .map_err(|_| CryptoError::BadSignature)
    }
}
