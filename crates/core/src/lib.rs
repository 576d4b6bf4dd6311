//! The desktop app's Rust core. It knows nothing of Tauri: the shell in `src-tauri` calls it,
//! and `cargo test` drives it against the real server.
//!
//! [`Core`] holds the settings and one session per workspace. Work is done through role-typed
//! handles: [`Core::operator`], [`Core::admin`] and [`Core::finance`] only hand out their
//! [`OperatorOps`] / [`AdminOps`] / [`FinanceOps`] for a session of a matching role.
//!
//! Synced pages read only the local cache: the mirror of the server's rows with the queued
//! commands laid over it ([`overlay`]). The sync engine ([`sync`]) pushes the [`outbox`] and
//! pulls the change feed into the [`mirror`]; with background sync on
//! ([`Core::set_background_sync`]) each session runs it by itself ([`sync_loop`]).

pub mod admin;
pub mod admin_accounts;
pub mod admin_announcements;
pub mod admin_apps;
pub mod admin_overlay;
pub mod admin_read;
pub mod admin_views;
pub mod api;
pub mod cache;
pub mod conflicts;
pub mod error;
pub mod finance;
pub mod live;
pub mod mirror;
pub mod operator;
pub mod outbox;
pub mod overlay;
pub mod secrets;
pub mod session;
pub mod settings;
pub mod statistics;
pub mod sync;
pub mod sync_loop;
pub mod transactions;
pub mod views;
pub mod wallet;
/// Feed positions are a wire concept, shared with the server.
pub use mr_protocol::cursor;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use mr_domain::{ErrorCode, Role, Workspace};
use mr_protocol::auth::{LoginRequest, RegisterOperatorRequest, RegisterOperatorResponse};
use mr_protocol::ipc::{
    AppSettings, ConnectionState, LoginArgs, LogoutArgs, ServerCheck, SessionInfo,
};
use mr_protocol::ErrorBody;

pub use admin::AdminOps;
pub use api::ApiClient;
pub use cache::{Cache, Snapshot};
pub use error::CoreError;
pub use finance::FinanceOps;
pub use mr_domain::error::Lang;
pub use operator::OperatorOps;
pub use secrets::{KeyringSecretStore, MemorySecretStore, SecretStore};
pub use session::{ActiveSession, StoredSession};
pub use views::{Conflict, MessageView, ProfileView, SiteInput, SiteView, SyncReport, SyncStatus};

use secrets::blocking;
use session::{load_stored, save_stored, secret_key};

pub struct Core {
    data_dir: PathBuf,
    config_dir: PathBuf,
    secrets: Arc<dyn SecretStore>,
    settings: Mutex<AppSettings>,
    /// Loaded sessions. An async lock: restoring one opens its cache, and two windows asking at
    /// once must not open it twice.
    sessions: tokio::sync::Mutex<HashMap<Workspace, Arc<ActiveSession>>>,
    /// Whether sessions run the background sync loop (off by default: tests drive
    /// `sync_once` themselves; the app turns it on at start-up).
    background_sync: AtomicBool,
    /// How long a stored session still opens while the server is unreachable, in seconds.
    offline_grace_secs: std::sync::atomic::AtomicI64,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("data_dir", &self.data_dir)
            .field("config_dir", &self.config_dir)
            .finish_non_exhaustive()
    }
}

impl Core {
    /// `data_dir` holds the caches (`cache/`), `config_dir` the settings file.
    pub fn new(
        data_dir: impl Into<PathBuf>,
        config_dir: impl Into<PathBuf>,
        secrets: Arc<dyn SecretStore>,
    ) -> Core {
        let config_dir = config_dir.into();
        let settings = settings::load(&config_dir);
        Core {
            data_dir: data_dir.into(),
            config_dir,
            secrets,
            settings: Mutex::new(settings),
            sessions: tokio::sync::Mutex::new(HashMap::new()),
            background_sync: AtomicBool::new(false),
            offline_grace_secs: std::sync::atomic::AtomicI64::new(
                session::OFFLINE_GRACE.num_seconds(),
            ),
        }
    }

    /// How long after its last online sign-in or refresh a stored session still opens from
    /// the cache while offline (R-D3; 7 days unless the deployment says otherwise). Sessions
    /// past it must sign in online again.
    pub fn set_offline_grace(&self, grace: chrono::Duration) {
        self.offline_grace_secs
            .store(grace.num_seconds().max(0), Ordering::SeqCst);
    }

    pub fn offline_grace(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.offline_grace_secs.load(Ordering::SeqCst))
    }

    /// Turns the background sync loop on or off, for the loaded sessions and every session
    /// signed in or restored later.
    pub async fn set_background_sync(&self, on: bool) {
        self.background_sync.store(on, Ordering::SeqCst);
        for s in self.sessions.lock().await.values() {
            if on {
                s.start_background_sync();
            } else {
                s.stop_background_sync();
            }
        }
    }

    pub fn background_sync(&self) -> bool {
        self.background_sync.load(Ordering::SeqCst)
    }

    fn maybe_start_sync(&self, session: &Arc<ActiveSession>) {
        if self.background_sync() {
            session.start_background_sync();
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn config_dir(&self) -> &Path {
        &self.config_dir
    }

    // ----- settings -----

    pub fn settings(&self) -> AppSettings {
        self.settings
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|_| settings::defaults())
    }

    /// Message language of errors and server answers (from the UI locale).
    pub fn lang(&self) -> Lang {
        settings::lang(&self.settings())
    }

    /// Validates, saves and applies. Signed-in workspaces keep their own server address until
    /// they sign in again; the language applies at once.
    pub async fn set_settings(&self, new: AppSettings) -> Result<AppSettings, CoreError> {
        let config_dir = self.config_dir.clone();
        let saved = tokio::task::spawn_blocking(move || settings::save(&config_dir, new))
            .await
            .map_err(|e| CoreError::Io(e.to_string()))??;
        if let Ok(mut s) = self.settings.lock() {
            *s = saved.clone();
        }
        let lang = settings::lang(&saved);
        for s in self.sessions.lock().await.values() {
            s.set_lang(lang);
        }
        Ok(saved)
    }

    /// A client for the configured server address.
    pub fn api(&self) -> Result<ApiClient, CoreError> {
        let s = self.settings();
        ApiClient::new(&s.server_url, settings::lang(&s))
    }

    /// The error as the UI shows it, in the current language.
    pub fn error_body(&self, e: &CoreError) -> ErrorBody {
        e.to_body(self.lang())
    }

    // ----- server -----

    /// Probes an address from the launcher (`GET /health`). An invalid address is an error;
    /// an unreachable or unhealthy server is a normal answer with `reachable: false`.
    pub async fn server_check(&self, server_url: &str) -> Result<ServerCheck, CoreError> {
        let lang = self.lang();
        let api = ApiClient::new(server_url, lang)?;
        let started = std::time::Instant::now();
        let check = match api.health().await {
            Ok((probe, elapsed)) if probe.status == "ok" => ServerCheck {
                reachable: true,
                version: probe.version,
                latency_ms: millis(elapsed),
                message: None,
            },
            Ok((probe, elapsed)) => ServerCheck {
                reachable: false,
                version: probe.version,
                latency_ms: millis(elapsed),
                message: Some(
                    probe
                        .detail
                        .unwrap_or_else(|| ErrorCode::ServiceUnavailable.message(lang).to_owned()),
                ),
            },
            Err(e) => ServerCheck {
                reachable: false,
                version: None,
                latency_ms: millis(started.elapsed()),
                message: Some(match &e {
                    CoreError::Protocol(_) => match lang {
                        Lang::Zh => "该地址有响应，但不是本平台的服务器".to_owned(),
                        Lang::En => "The address answers, but it is not an MR server".to_owned(),
                    },
                    other => other.to_body(lang).message,
                }),
            },
        };
        Ok(check)
    }

    /// The header badge: asks the workspace's server (`/health`) and reports online/offline
    /// with the last time the server answered. Without a session, probes the configured address.
    pub async fn connection_state(&self, workspace: Workspace) -> ConnectionState {
        match self.session(workspace).await {
            Ok(s) => {
                let online = matches!(s.api().health().await, Ok((p, _)) if p.status == "ok");
                s.note_reachability(online);
                s.connection_state()
            }
            Err(_) => {
                let now = Utc::now();
                let online = match self.api() {
                    Ok(api) => matches!(api.health().await, Ok((p, _)) if p.status == "ok"),
                    Err(_) => false,
                };
                ConnectionState {
                    online,
                    last_online_at: online.then_some(now),
                    checked_at: now,
                }
            }
        }
    }

    /// Operator self-registration (R-O1), checked locally with the server's own rules first.
    pub async fn register_operator(
        &self,
        req: RegisterOperatorRequest,
    ) -> Result<RegisterOperatorResponse, CoreError> {
        use mr_domain::validate;
        validate::username(&req.username)?;
        validate::password(&req.password)?;
        validate::display_name(&req.display_name)?;
        validate::phone(&req.phone)?;
        validate::email(&req.email)?;
        self.api()?.register_operator(&req).await
    }

    // ----- sessions -----

    /// Signs in to a workspace: server login, tokens into the secret store, the user's cache
    /// opened (created on first login). Replaces an earlier session of that workspace.
    pub async fn login(&self, args: LoginArgs) -> Result<SessionInfo, CoreError> {
        let api = self.api()?;
        let workspace = args.workspace;
        let resp = api
            .login(&LoginRequest {
                username: args.username,
                password: args.password,
                workspace,
            })
            .await?;
        if resp.user.role.workspace() != workspace {
            // The server checks this; never keep a session the workspace cannot use anyway.
            let _ = api.logout(&resp.access_token).await;
            return Err(CoreError::Server(ErrorBody::new(
                ErrorCode::WrongWorkspace,
                ErrorCode::WrongWorkspace.message(api.lang()),
            )));
        }
        let stored = StoredSession::from_login(resp, workspace, api.base_url(), Utc::now());

        let mut sessions = self.sessions.lock().await;
        if let Some(old) = sessions.remove(&workspace) {
            old.stop_background_sync();
            old.server_logout().await;
            old.cache().close().await;
        } else if let Ok(Some(old)) = self.load_stored(workspace).await {
            logout_stored(&old, api.lang()).await;
        }

        let cache =
            Cache::open(&self.data_dir, workspace, &stored.user, &stored.server_url).await?;
        let (secrets, copy) = (self.secrets.clone(), stored.clone());
        if let Err(e) = blocking(move || save_stored(secrets.as_ref(), &copy)).await {
            let _ = api.logout(&stored.access_token).await;
            cache.close().await;
            return Err(e);
        }
        let session = Arc::new(ActiveSession::new(stored, api, cache, self.secrets.clone()).await);
        session.note_reachability(true);
        let info = session.info();
        self.maybe_start_sync(&session);
        sessions.insert(workspace, session);
        tracing::info!(workspace = workspace.as_str(), user = %info.user.id, "signed in");
        Ok(info)
    }

    /// The workspace's session if one is stored, without the network (restores it from the
    /// secret store after a restart).
    pub async fn session_get(
        &self,
        workspace: Workspace,
    ) -> Result<Option<SessionInfo>, CoreError> {
        match self.session(workspace).await {
            Ok(s) => Ok(Some(s.info())),
            Err(CoreError::NotSignedIn { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Ends the workspace's session: server logout (best effort: also works offline), tokens
    /// deleted, and with `wipe_cache` the user's cache file removed (R-D2).
    pub async fn logout(&self, args: LogoutArgs) -> Result<(), CoreError> {
        let workspace = args.workspace;
        let mut sessions = self.sessions.lock().await;
        let cache_path = if let Some(s) = sessions.remove(&workspace) {
            s.stop_background_sync();
            s.server_logout().await;
            s.cache().close().await;
            Some(s.cache().path().to_path_buf())
        } else {
            match self.load_stored(workspace).await? {
                Some(stored) => {
                    logout_stored(&stored, self.lang()).await;
                    Some(cache::cache_path(&self.data_dir, workspace, stored.user.id))
                }
                None => None,
            }
        };
        let (secrets, key) = (self.secrets.clone(), secret_key(workspace));
        blocking(move || secrets.delete(&key)).await?;
        if let (true, Some(path)) = (args.wipe_cache, cache_path) {
            cache::wipe_files(&path)?;
        }
        tracing::info!(
            workspace = workspace.as_str(),
            wiped = args.wipe_cache,
            "signed out"
        );
        Ok(())
    }

    /// The loaded (or restored) session of a workspace; `NotSignedIn` when there is none, or
    /// the server ended it, or it has been offline longer than the offline grace
    /// ([`Core::set_offline_grace`]).
    pub async fn session(&self, workspace: Workspace) -> Result<Arc<ActiveSession>, CoreError> {
        let mut sessions = self.sessions.lock().await;
        if let Some(s) = sessions.get(&workspace) {
            match s.ended() {
                None => return Ok(s.clone()),
                Some(reason) => {
                    let s = sessions.remove(&workspace);
                    if let Some(s) = s {
                        s.stop_background_sync();
                        s.cache().close().await;
                    }
                    return Err(CoreError::NotSignedIn {
                        workspace,
                        reason: Some(reason),
                    });
                }
            }
        }
        let Some(stored) = self.load_stored(workspace).await? else {
            return Err(CoreError::NotSignedIn {
                workspace,
                reason: None,
            });
        };
        if !stored.within_offline_grace(Utc::now(), self.offline_grace()) {
            let (secrets, key) = (self.secrets.clone(), secret_key(workspace));
            blocking(move || secrets.delete(&key)).await?;
            return Err(CoreError::NotSignedIn {
                workspace,
                reason: Some(ErrorCode::TokenExpired),
            });
        }
        let api = ApiClient::new(&stored.server_url, self.lang())?;
        let cache =
            Cache::open(&self.data_dir, workspace, &stored.user, &stored.server_url).await?;
        let session = Arc::new(ActiveSession::new(stored, api, cache, self.secrets.clone()).await);
        self.maybe_start_sync(&session);
        sessions.insert(workspace, session.clone());
        Ok(session)
    }

    async fn load_stored(&self, workspace: Workspace) -> Result<Option<StoredSession>, CoreError> {
        let secrets = self.secrets.clone();
        blocking(move || load_stored(secrets.as_ref(), workspace)).await
    }

    // ----- role-typed handles -----

    /// The operator workspace's use cases; only for an operator's session.
    pub async fn operator(&self) -> Result<OperatorOps, CoreError> {
        let s = self.session(Workspace::Operator).await?;
        require(s.user().role == Role::Operator)?;
        Ok(OperatorOps::new(s))
    }

    /// The admin workspace's use cases; only for super admins, admins and analysts.
    pub async fn admin(&self) -> Result<AdminOps, CoreError> {
        let s = self.session(Workspace::Admin).await?;
        require(s.user().role.workspace() == Workspace::Admin)?;
        Ok(AdminOps::new(s))
    }

    /// The finance workspace's use cases; only for accountants, managers and auditors.
    pub async fn finance(&self) -> Result<FinanceOps, CoreError> {
        let s = self.session(Workspace::Finance).await?;
        require(s.user().role.workspace() == Workspace::Finance)?;
        Ok(FinanceOps::new(s))
    }
}

fn require(ok: bool) -> Result<(), CoreError> {
    ok.then_some(()).ok_or(CoreError::Forbidden)
}

fn millis(d: std::time::Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

/// Best-effort server logout of a stored (not loaded) session, without refreshing.
async fn logout_stored(stored: &StoredSession, lang: Lang) {
    if let Ok(api) = ApiClient::new(&stored.server_url, lang) {
        if let Err(e) = api.logout(&stored.access_token).await {
            tracing::info!(error = %e, "server logout of the stored session skipped");
        }
    }
}
