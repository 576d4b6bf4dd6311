//! Where session tokens live: the OS keychain in the app, memory in tests (R-D2).
//!
//! Tokens never go into a plain file or the SQLite cache; this trait is the only place the
//! core keeps them.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::CoreError;

/// The keychain "service" every entry of this app is filed under.
pub const KEYRING_SERVICE: &str = "mr-game-ops";

pub trait SecretStore: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<String>, CoreError>;
    fn set(&self, key: &str, value: &str) -> Result<(), CoreError>;
    /// Deleting a missing key is not an error.
    fn delete(&self, key: &str) -> Result<(), CoreError>;
}

/// A process-local store, for tests and for E2E runs without a keychain.
#[derive(Debug, Default)]
pub struct MemorySecretStore {
    map: Mutex<HashMap<String, String>>,
}

impl MemorySecretStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> Result<std::sync::MutexGuard<'_, HashMap<String, String>>, CoreError> {
        self.map
            .lock()
            .map_err(|_| CoreError::Keychain("memory store poisoned".into()))
    }

    /// Every stored key (tests check what was written).
    pub fn keys(&self) -> Vec<String> {
        self.map()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

impl SecretStore for MemorySecretStore {
    fn get(&self, key: &str) -> Result<Option<String>, CoreError> {
        Ok(self.map()?.get(key).cloned())
    }

    fn set(&self, key: &str, value: &str) -> Result<(), CoreError> {
        self.map()?.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), CoreError> {
        self.map()?.remove(key);
        Ok(())
    }
}

/// The platform keychain through `keyring` 3: Secret Service on Linux, Keychain on macOS,
/// Credential Manager on Windows. Each key is one entry (service [`KEYRING_SERVICE`], user = key).
#[derive(Debug, Clone)]
pub struct KeyringSecretStore {
    service: String,
}

impl Default for KeyringSecretStore {
    fn default() -> Self {
        Self::new(KEYRING_SERVICE)
    }
}

impl KeyringSecretStore {
    /// `service` other than the default is for tests that must not touch the app's entries.
    pub fn new(service: &str) -> Self {
        KeyringSecretStore {
            service: service.to_owned(),
        }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry, CoreError> {
        Ok(keyring::Entry::new(&self.service, key)?)
    }
}

impl SecretStore for KeyringSecretStore {
    fn get(&self, key: &str) -> Result<Option<String>, CoreError> {
        match self.entry(key)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<(), CoreError> {
        Ok(self.entry(key)?.set_password(value)?)
    }

    fn delete(&self, key: &str) -> Result<(), CoreError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Runs a keychain call off the async runtime's worker threads (the platform stores block on
/// D-Bus / system calls).
pub async fn blocking<T, F>(f: F) -> Result<T, CoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, CoreError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CoreError::Keychain(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trip() {
        let s = MemorySecretStore::new();
        assert_eq!(s.get("k").unwrap(), None);
        s.set("k", "v1").unwrap();
        s.set("k", "v2").unwrap();
        assert_eq!(s.get("k").unwrap().as_deref(), Some("v2"));
        s.delete("k").unwrap();
        s.delete("k").unwrap();
        assert_eq!(s.get("k").unwrap(), None);
    }
}
