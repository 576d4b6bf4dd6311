//! The real OS keychain (Secret Service on Linux). Ignored by default: it needs a D-Bus session
//! with an unlocked keyring. CI runs it as
//!
//! ```sh
//! dbus-run-session -- sh -c 'eval "$(echo -n ci-password | gnome-keyring-daemon --unlock --components=secrets)"; \
//!   cargo test -p mr-core --test keychain -- --ignored'
//! ```

use mr_core::{KeyringSecretStore, SecretStore};

#[test]
#[ignore = "needs a Secret Service (dbus-run-session + gnome-keyring-daemon)"]
fn keyring_round_trip() {
    // A separate service name, so the app's real entries are never touched.
    let store = KeyringSecretStore::new("mr-game-ops-test");
    let key = format!("session:test-{}", std::process::id());
    store.delete(&key).unwrap();
    assert_eq!(store.get(&key).unwrap(), None);

    let value = r#"{"access_token":"a.b.c","refresh_token":"r-1","note":"中文"}"#;
    store.set(&key, value).unwrap();
    assert_eq!(store.get(&key).unwrap().as_deref(), Some(value));

    // A second handle (as after an app restart) reads the same entry.
    let again = KeyringSecretStore::new("mr-game-ops-test");
    assert_eq!(again.get(&key).unwrap().as_deref(), Some(value));

    store.set(&key, "r-2").unwrap();
    assert_eq!(again.get(&key).unwrap().as_deref(), Some("r-2"));

    store.delete(&key).unwrap();
    assert_eq!(again.get(&key).unwrap(), None);
    store.delete(&key).unwrap();
}
