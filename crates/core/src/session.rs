//! One signed-in workspace: its tokens (kept in the [`SecretStore`] under `session:<workspace>`),
//! its cache, and authenticated calls with automatic token refresh.
//!
//! Refresh tokens rotate: the server kills the old one on use and treats a second use as theft
//! (`REFRESH_TOKEN_REUSED`, every session of the account ends). So refreshing is serialised per
//! workspace behind the session's lock, and a call that failed with `TOKEN_EXPIRED` only
//! refreshes if nobody else has done so meanwhile.

use std::future::Future;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use mr_domain::error::Lang;
use mr_domain::{ErrorCode, Workspace};
use mr_protocol::auth::{LoginResponse, UserInfo};
use mr_protocol::ipc::{ConnectionState, SessionInfo};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::api::ApiClient;
use crate::cache::Cache;
use crate::cache::Snapshot;
use crate::error::CoreError;
use crate::secrets::{blocking, SecretStore};
use crate::sync_loop::SyncRuntime;

/// Refresh this long before the access token's stated expiry (clock skew, request time).
pub const REFRESH_MARGIN: Duration = Duration::seconds(30);
/// A stored session opens offline for this long after the last online sign-in or refresh (R-D3),
/// unless the deployment sets another value ([`crate::Core::set_offline_grace`]).
pub const OFFLINE_GRACE: Duration = Duration::days(7);

pub fn secret_key(workspace: Workspace) -> String {
    format!("session:{}", workspace.as_str())
}

/// What is kept in the keychain for one workspace. Never logged, never cached.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSession {
    pub access_token: String,
    pub refresh_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub user: UserInfo,
    pub server_url: String,
    pub workspace: Workspace,
    pub signed_in_at: DateTime<Utc>,
    /// Last time the server issued tokens for this session (login or refresh).
    #[serde(default)]
    pub refreshed_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSession")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("access_expires_at", &self.access_expires_at)
            .field("user", &self.user)
            .field("server_url", &self.server_url)
            .field("workspace", &self.workspace)
            .field("signed_in_at", &self.signed_in_at)
            .field("refreshed_at", &self.refreshed_at)
            .finish()
    }
}

impl StoredSession {
    pub fn from_login(
        resp: LoginResponse,
        workspace: Workspace,
        server_url: &str,
        now: DateTime<Utc>,
    ) -> Self {
        StoredSession {
            access_expires_at: now + Duration::seconds(i64::from(resp.expires_in)),
            access_token: resp.access_token,
            refresh_token: resp.refresh_token,
            user: resp.user,
            server_url: server_url.to_owned(),
            workspace,
            signed_in_at: now,
            refreshed_at: Some(now),
        }
    }

    pub fn access_is_fresh(&self, now: DateTime<Utc>) -> bool {
        self.access_expires_at - REFRESH_MARGIN > now
    }

    /// Last time the server vouched for this session.
    pub fn last_online(&self) -> DateTime<Utc> {
        self.refreshed_at
            .unwrap_or(self.signed_in_at)
            .max(self.signed_in_at)
    }

    pub fn within_offline_grace(&self, now: DateTime<Utc>, grace: Duration) -> bool {
        now - self.last_online() <= grace
    }
}

/// Reads a stored session; an unreadable entry is deleted (it could never be used).
pub fn load_stored(
    secrets: &dyn SecretStore,
    workspace: Workspace,
) -> Result<Option<StoredSession>, CoreError> {
    let key = secret_key(workspace);
    let Some(json) = secrets.get(&key)? else {
        return Ok(None);
    };
    match serde_json::from_str::<StoredSession>(&json) {
        Ok(s) if s.workspace == workspace => Ok(Some(s)),
        _ => {
            tracing::warn!(
                workspace = workspace.as_str(),
                "discarding an unreadable stored session"
            );
            secrets.delete(&key)?;
            Ok(None)
        }
    }
}

pub fn save_stored(secrets: &dyn SecretStore, s: &StoredSession) -> Result<(), CoreError> {
    let json = serde_json::to_string(s).map_err(|e| CoreError::Keychain(e.to_string()))?;
    secrets.set(&secret_key(s.workspace), &json)
}

/// Server answers that mean the session is over for good.
fn ends_session(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::SessionRevoked
            | ErrorCode::RefreshTokenReused
            | ErrorCode::RefreshTokenInvalid
            | ErrorCode::TokenInvalid
            | ErrorCode::Unauthenticated
            | ErrorCode::AccountDisabled
            | ErrorCode::AccountClosed
    )
}

#[derive(Debug, Clone, Copy, Default)]
struct Connectivity {
    online: Option<bool>,
    last_online_at: Option<DateTime<Utc>>,
    checked_at: Option<DateTime<Utc>>,
}

/// A live workspace session inside [`Core`](crate::Core).
pub struct ActiveSession {
    workspace: Workspace,
    user: UserInfo,
    signed_in_at: DateTime<Utc>,
    api: ApiClient,
    /// UI language for server messages; follows the settings.
    lang: Mutex<Lang>,
    cache: Cache,
    secrets: Arc<dyn SecretStore>,
    /// The tokens; held across a refresh so only one refresh runs at a time.
    tokens: tokio::sync::Mutex<StoredSession>,
    conn: Mutex<Connectivity>,
    /// Set when the server ended the session; the owner then drops it from its map.
    ended: Mutex<Option<ErrorCode>>,
    /// The background sync loop and the locks of the sync engine.
    sync: SyncRuntime,
}

impl std::fmt::Debug for ActiveSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActiveSession")
            .field("workspace", &self.workspace)
            .field("user", &self.user)
            .field("cache", &self.cache.path())
            .finish_non_exhaustive()
    }
}

impl ActiveSession {
    pub(crate) async fn new(
        stored: StoredSession,
        api: ApiClient,
        cache: Cache,
        secrets: Arc<dyn SecretStore>,
    ) -> Self {
        let last_synced = cache.last_synced_at().await.ok().flatten();
        let last_online_at = Some(stored.last_online()).max(last_synced);
        ActiveSession {
            workspace: stored.workspace,
            user: stored.user.clone(),
            signed_in_at: stored.signed_in_at,
            lang: Mutex::new(api.lang()),
            api,
            cache,
            secrets,
            tokens: tokio::sync::Mutex::new(stored),
            conn: Mutex::new(Connectivity {
                online: None,
                last_online_at,
                checked_at: None,
            }),
            ended: Mutex::new(None),
            sync: SyncRuntime::default(),
        }
    }

    pub(crate) fn sync_runtime(&self) -> &SyncRuntime {
        &self.sync
    }

    /// Starts the background sync loop ([`crate::sync_loop`]) unless it runs already.
    pub fn start_background_sync(self: &Arc<Self>) {
        self.sync.start(self);
    }

    /// Stops the background sync loop (on logout, before the cache closes).
    pub fn stop_background_sync(&self) {
        self.sync.stop();
    }

    pub fn background_sync_running(&self) -> bool {
        self.sync.is_running()
    }

    /// Whether the server's change stream is open (changes arrive within a second) rather
    /// than the loop only polling.
    pub fn live_updates_connected(&self) -> bool {
        self.sync.live_connected()
    }

    pub fn workspace(&self) -> Workspace {
        self.workspace
    }

    pub fn user(&self) -> &UserInfo {
        &self.user
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The session's server client, speaking the current UI language.
    pub fn api(&self) -> ApiClient {
        let lang = self.lang.lock().map(|g| *g).unwrap_or_default();
        self.api.with_lang(lang)
    }

    pub fn set_lang(&self, lang: Lang) {
        if let Ok(mut g) = self.lang.lock() {
            *g = lang;
        }
    }

    pub fn info(&self) -> SessionInfo {
        SessionInfo {
            workspace: self.workspace,
            user: self.user.clone(),
            server_url: self.api.base_url().to_owned(),
            signed_in_at: self.signed_in_at,
            cache_file: self.cache.path().display().to_string(),
        }
    }

    /// Why the server ended this session, if it did.
    pub fn ended(&self) -> Option<ErrorCode> {
        self.ended.lock().ok().and_then(|g| *g)
    }

    /// Records whether the server answered. Used by the connection badge.
    pub fn note_reachability(&self, online: bool) {
        if let Ok(mut c) = self.conn.lock() {
            let now = Utc::now();
            c.online = Some(online);
            c.checked_at = Some(now);
            if online {
                c.last_online_at = Some(now);
            }
        }
    }

    pub fn connection_state(&self) -> ConnectionState {
        let c = self.conn.lock().map(|g| *g).unwrap_or_default();
        ConnectionState {
            online: c.online.unwrap_or(false),
            last_online_at: c.last_online_at,
            checked_at: c.checked_at.unwrap_or_else(Utc::now),
        }
    }

    /// Runs `call` with a valid access token: refreshes first when the token is (about to be)
    /// expired, and once more if the server still says `TOKEN_EXPIRED`. When the server ends
    /// the session, the stored tokens are deleted and `NotSignedIn` is returned.
    pub async fn authed<T, F, Fut>(&self, call: F) -> Result<T, CoreError>
    where
        F: Fn(ApiClient, String) -> Fut,
        Fut: Future<Output = Result<T, CoreError>>,
    {
        let result = self.authed_inner(&call).await;
        match &result {
            Ok(_) => self.note_reachability(true),
            Err(e) if e.is_offline() => self.note_reachability(false),
            Err(CoreError::Server(_)) => self.note_reachability(true),
            Err(_) => {}
        }
        match result {
            Err(CoreError::Server(body)) if ends_session(body.code) => {
                self.end(body.code).await;
                Err(CoreError::NotSignedIn {
                    workspace: self.workspace,
                    reason: Some(body.code),
                })
            }
            other => other,
        }
    }

    async fn authed_inner<T, F, Fut>(&self, call: &F) -> Result<T, CoreError>
    where
        F: Fn(ApiClient, String) -> Fut,
        Fut: Future<Output = Result<T, CoreError>>,
    {
        let token = self.access_token().await?;
        match call(self.api(), token.clone()).await {
            Err(CoreError::Server(body)) if body.code == ErrorCode::TokenExpired => {
                let token = self.refresh_if_current(&token).await?;
                call(self.api(), token).await
            }
            other => other,
        }
    }

    /// The current access token, refreshed first if it is (about to be) expired.
    async fn access_token(&self) -> Result<String, CoreError> {
        let mut tokens = self.tokens.lock().await;
        if tokens.access_is_fresh(Utc::now()) {
            return Ok(tokens.access_token.clone());
        }
        self.refresh_locked(&mut tokens).await
    }

    /// Refreshes unless another call already replaced `failed` meanwhile.
    async fn refresh_if_current(&self, failed: &str) -> Result<String, CoreError> {
        let mut tokens = self.tokens.lock().await;
        if tokens.access_token != failed {
            return Ok(tokens.access_token.clone());
        }
        self.refresh_locked(&mut tokens).await
    }

    async fn refresh_locked(&self, tokens: &mut StoredSession) -> Result<String, CoreError> {
        tracing::debug!(
            workspace = self.workspace.as_str(),
            "refreshing the access token"
        );
        let resp = self.api().refresh(&tokens.refresh_token).await?;
        if resp.user.id != tokens.user.id {
            return Err(CoreError::Protocol("refresh returned another user".into()));
        }
        let now = Utc::now();
        tokens.access_token = resp.access_token;
        tokens.refresh_token = resp.refresh_token;
        tokens.access_expires_at = now + Duration::seconds(i64::from(resp.expires_in));
        tokens.user = resp.user;
        tokens.refreshed_at = Some(now);
        // The old refresh token is already dead on the server: persist the new one at once.
        let (secrets, copy) = (self.secrets.clone(), tokens.clone());
        blocking(move || save_stored(secrets.as_ref(), &copy)).await?;
        Ok(tokens.access_token.clone())
    }

    /// Forgets the tokens after the server ended the session (the cache stays until logout).
    async fn end(&self, reason: ErrorCode) {
        tracing::info!(
            workspace = self.workspace.as_str(),
            reason = reason.as_str(),
            "session ended by the server"
        );
        if let Ok(mut e) = self.ended.lock() {
            *e = Some(reason);
        }
        let (secrets, key) = (self.secrets.clone(), secret_key(self.workspace));
        if let Err(e) = blocking(move || secrets.delete(&key)).await {
            tracing::warn!(error = %e, "could not delete the ended session's tokens");
        }
    }

    /// GETs `path` with the session's token and keeps the answer as the snapshot `key`. When the
    /// server cannot be reached, answers with that snapshot instead (R-D3); the connection
    /// state then reads offline, with the last time the server answered.
    pub async fn fetch_cached<T>(&self, path: &'static str, key: &str) -> Result<T, CoreError>
    where
        T: Serialize + DeserializeOwned,
    {
        let fetched = self
            .authed(|api, token| async move { api.get_json::<T>(path, Some(&token)).await })
            .await;
        match fetched {
            Ok(value) => {
                if let Err(e) = self.cache.put_snapshot(key, &value, Utc::now()).await {
                    tracing::warn!(key, error = %e, "could not store the snapshot");
                }
                Ok(value)
            }
            Err(e) if e.is_offline() => match self.cache.snapshot::<T>(key).await? {
                Some(snap) => {
                    tracing::info!(key, fetched_at = %snap.fetched_at, "offline: serving the cached snapshot");
                    Ok(snap.value)
                }
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// The cached snapshot `key`, without the network.
    pub async fn cached<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<Snapshot<T>>, CoreError> {
        self.cache.snapshot(key).await
    }

    /// Best-effort server logout (ignored when offline or already ended).
    pub(crate) async fn server_logout(&self) {
        if self.ended().is_some() {
            return;
        }
        let result = self
            .authed_inner(&|api: ApiClient, token: String| async move { api.logout(&token).await })
            .await;
        if let Err(e) = result {
            tracing::info!(workspace = self.workspace.as_str(), error = %e, "server logout skipped");
        }
    }
}
