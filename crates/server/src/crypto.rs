//! Keys derived from the master key, API-key encryption at rest and keyed lookup hashes.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::distributions::Alphanumeric;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The 32-byte master key from `MASTER_KEY`. Sub-keys are derived per purpose so that one
/// leaked derived key does not expose the others.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    pub fn from_base64(s: &str) -> anyhow::Result<Self> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(s.trim())?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("master key must be exactly 32 bytes"))?;
        Ok(MasterKey(arr))
    }

    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.0).expect("any key length");
        mac.update(b"mr-ops/derive/");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// A freshly issued API key: the plaintext goes to its owner once; the rest is stored.
pub struct IssuedApiKey {
    pub plaintext: String,
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub lookup_hash: Vec<u8>,
    pub last4: String,
}

pub const API_KEY_LEN: usize = 64;

pub fn issue_api_key(master: &MasterKey) -> IssuedApiKey {
    let plaintext: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(API_KEY_LEN)
        .map(char::from)
        .collect();
    let (ciphertext, nonce) = encrypt(master, "api-key", plaintext.as_bytes());
    IssuedApiKey {
        lookup_hash: api_key_lookup_hash(master, &plaintext),
        last4: plaintext[API_KEY_LEN - 4..].to_string(),
        plaintext,
        ciphertext,
        nonce,
    }
}

/// Keyed hash for an indexed lookup: a database leak alone does not allow offline guessing.
pub fn api_key_lookup_hash(master: &MasterKey, api_key: &str) -> Vec<u8> {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(&master.derive("api-key-lookup"))
        .expect("any key length");
    mac.update(api_key.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

pub fn encrypt(master: &MasterKey, purpose: &str, plaintext: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let cipher = Aes256Gcm::new_from_slice(&master.derive(purpose)).expect("32-byte key");
    let mut nonce = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(Nonce::from_slice(&nonce), plaintext)
        .expect("AES-GCM encryption does not fail for in-memory data");
    (ct, nonce.to_vec())
}

pub fn decrypt(
    master: &MasterKey,
    purpose: &str,
    ciphertext: &[u8],
    nonce: &[u8],
) -> Option<Vec<u8>> {
    if nonce.len() != 12 {
        return None;
    }
    let cipher = Aes256Gcm::new_from_slice(&master.derive(purpose)).ok()?;
    cipher.decrypt(Nonce::from_slice(nonce), ciphertext).ok()
}

/// An opaque random token (refresh tokens), URL-safe.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

pub fn mask_api_key(last4: &str) -> String {
    format!("{}{last4}", "•".repeat(12))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        MasterKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap()
    }

    #[test]
    fn api_keys_are_64_alphanumerics_and_decrypt() {
        let k = key();
        let issued = issue_api_key(&k);
        assert_eq!(issued.plaintext.len(), 64);
        assert!(issued.plaintext.chars().all(|c| c.is_ascii_alphanumeric()));
        let back = decrypt(&k, "api-key", &issued.ciphertext, &issued.nonce).unwrap();
        assert_eq!(back, issued.plaintext.as_bytes());
        assert_eq!(
            issued.lookup_hash,
            api_key_lookup_hash(&k, &issued.plaintext)
        );
        assert!(!issued.ciphertext.windows(8).any(|w| issued
            .plaintext
            .as_bytes()
            .windows(8)
            .any(|p| p == w)));
    }

    #[test]
    fn tampering_or_wrong_purpose_fails_decryption() {
        let k = key();
        let (mut ct, nonce) = encrypt(&k, "api-key", b"secret");
        assert!(decrypt(&k, "other", &ct, &nonce).is_none());
        ct[0] ^= 1;
        assert!(decrypt(&k, "api-key", &ct, &nonce).is_none());
    }

    #[test]
    fn derived_keys_differ_by_purpose() {
        let k = key();
        assert_ne!(k.derive("a"), k.derive("b"));
        assert_eq!(k.derive("a"), k.derive("a"));
    }
}
