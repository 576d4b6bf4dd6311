//! The desktop core against the real server (in-process, random port), the real PostgreSQL
//! (one fresh database per test) and real SQLite cache files in a temp dir. Tokens go to a
//! `MemorySecretStore`; the keychain itself is covered by `keychain.rs`.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test -p mr-core`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use mr_core::session::{secret_key, StoredSession};
use mr_core::{ApiClient, Core, CoreError, Lang, MemorySecretStore, SecretStore};
use mr_domain::{ErrorCode, Role, Workspace};
use mr_protocol::auth::RegisterOperatorRequest;
use mr_protocol::ipc::{AppSettings, LoginArgs, LogoutArgs, SessionInfo};
use mr_server::testing::TestServer;
use sqlx::PgPool;
use tempfile::TempDir;

const UAT_PASSWORD: &str = "Uat@123456";

/// One "machine": a data dir, a config dir and a keychain, shared by the Core instances
/// started on it (a fresh Core = the app restarted).
struct Machine {
    dir: TempDir,
    secrets: Arc<MemorySecretStore>,
}

impl Machine {
    fn new() -> Machine {
        Machine {
            dir: tempfile::tempdir().expect("tempdir"),
            secrets: Arc::new(MemorySecretStore::new()),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A Core as the app builds it at start-up (settings from the config dir).
    fn start(&self) -> Core {
        Core::new(
            self.data_dir(),
            self.dir.path().join("config"),
            self.secrets.clone(),
        )
    }

    /// A Core pointed at `server` (settings saved, as the launcher does).
    async fn start_with(&self, server: &TestServer, locale: &str) -> Core {
        let core = self.start();
        core.set_settings(AppSettings {
            server_url: server.base_url.clone(),
            locale: locale.into(),
        })
        .await
        .expect("settings");
        core
    }

    fn stored(&self, ws: Workspace) -> Option<StoredSession> {
        self.secrets
            .get(&secret_key(ws))
            .unwrap()
            .map(|json| serde_json::from_str(&json).expect("stored session json"))
    }

    fn put_stored(&self, s: &StoredSession) {
        self.secrets
            .set(&secret_key(s.workspace), &serde_json::to_string(s).unwrap())
            .unwrap();
    }
}

async fn server_with_uat(pool: PgPool) -> TestServer {
    mr_server::uat::create_uat(&pool, UAT_PASSWORD)
        .await
        .expect("uat accounts");
    TestServer::spawn(pool).await
}

fn args(ws: Workspace, username: &str, password: &str) -> LoginArgs {
    LoginArgs {
        workspace: ws,
        username: username.into(),
        password: password.into(),
    }
}

async fn login(core: &Core, ws: Workspace, username: &str) -> SessionInfo {
    core.login(args(ws, username, UAT_PASSWORD))
        .await
        .unwrap_or_else(|e| panic!("login {username}: {e}"))
}

fn server_code(e: &CoreError) -> ErrorCode {
    match e {
        CoreError::Server(body) => body.code,
        other => panic!("expected a server error, got {other:?}"),
    }
}

/// The cache file and its WAL/SHM companions, as raw bytes.
fn cache_bytes(path: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", path.display())) {
            bytes.extend(b);
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn cache_files_exist(path: &Path) -> bool {
    ["", "-wal", "-shm"]
        .iter()
        .any(|s| Path::new(&format!("{}{s}", path.display())).exists())
}

// R-D2, R-D4: each UAT account signs in to its workspace; tokens go to the secret store only.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn each_uat_account_signs_in_to_its_workspace(pool: PgPool) {
    let server = server_with_uat(pool).await;
    let m = Machine::new();
    let core = m.start_with(&server, "zh-CN").await;

    for (ws, username, roles) in [
        (Workspace::Operator, "uat_operator", &[Role::Operator][..]),
        (Workspace::Admin, "uat_admin", &[Role::SuperAdmin][..]),
        (Workspace::Finance, "uat_finance", &[Role::Accountant][..]),
    ] {
        let info = login(&core, ws, username).await;
        assert_eq!(info.workspace, ws);
        assert_eq!(info.user.username, username);
        assert!(
            roles.contains(&info.user.role),
            "{username}: {:?}",
            info.user.role
        );
        assert_eq!(info.server_url, server.base_url);

        let cache = PathBuf::from(&info.cache_file);
        assert_eq!(
            cache,
            m.data_dir()
                .join("cache")
                .join(format!("{}-{}.sqlite", ws.as_str(), info.user.id))
        );
        assert!(cache.exists(), "cache created at first login");

        let stored = m.stored(ws).expect("tokens in the secret store");
        assert_eq!(stored.user.id, info.user.id);
        assert!(stored.access_token.len() > 20 && stored.refresh_token.len() > 20);
        assert!(stored.access_expires_at > Utc::now());

        assert_eq!(core.session_get(ws).await.unwrap(), Some(info.clone()));
    }

    // Each home page loads through its role-typed handle and lands in the cache.
    let home = core.operator().await.unwrap().home().await.unwrap();
    assert_eq!(home.profile.username, "uat_operator");
    core.admin().await.unwrap().overview().await.unwrap();
    core.finance().await.unwrap().overview().await.unwrap();
    let cached = core.operator().await.unwrap().cached_home().await.unwrap();
    assert_eq!(cached.expect("snapshot").value.profile.id, home.profile.id);

    // Nothing token-like in any cache file (nor its WAL), even after a page was cached.
    for ws in Workspace::ALL {
        let stored = m.stored(ws).unwrap();
        let info = core.session_get(ws).await.unwrap().unwrap();
        let bytes = cache_bytes(Path::new(&info.cache_file));
        assert!(!bytes.is_empty());
        assert!(
            !contains(&bytes, &stored.access_token),
            "{ws:?}: access token in cache"
        );
        assert!(
            !contains(&bytes, &stored.refresh_token),
            "{ws:?}: refresh token in cache"
        );
    }
    let mut keys = m.secrets.keys();
    keys.sort();
    assert_eq!(
        keys,
        ["session:admin", "session:finance", "session:operator"]
    );
}

// R-D2: the server refuses the wrong workspace and a wrong password, in the UI language.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn wrong_workspace_and_wrong_password_are_refused(pool: PgPool) {
    let server = server_with_uat(pool).await;
    let m = Machine::new();
    let core = m.start_with(&server, "zh-CN").await;

    let e = core
        .login(args(Workspace::Admin, "uat_operator", UAT_PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(server_code(&e), ErrorCode::WrongWorkspace);
    let e = core
        .login(args(Workspace::Operator, "uat_finance", UAT_PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(server_code(&e), ErrorCode::WrongWorkspace);

    let e = core
        .login(args(Workspace::Operator, "uat_operator", "Wrong@123456"))
        .await
        .unwrap_err();
    let body = core.error_body(&e);
    assert_eq!(body.code, ErrorCode::InvalidCredentials);
    assert_eq!(body.message, "用户名或密码错误");

    let core_en = m.start_with(&server, "en").await;
    let e = core_en
        .login(args(Workspace::Operator, "uat_operator", "Wrong@123456"))
        .await
        .unwrap_err();
    assert_eq!(
        core_en.error_body(&e).message,
        ErrorCode::InvalidCredentials.message_en()
    );

    assert!(
        m.secrets.keys().is_empty(),
        "no session stored after refusals"
    );
    assert!(
        !m.data_dir().join("cache").exists(),
        "no cache created after refusals"
    );
    for ws in Workspace::ALL {
        assert_eq!(core.session_get(ws).await.unwrap(), None);
    }
    let e = core.operator().await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotSignedIn);
}

// R-D4, R-O1: two users → two cache files, each created at that user's first login.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn each_user_gets_their_own_cache_file(pool: PgPool) {
    let server = server_with_uat(pool).await;
    let m = Machine::new();
    let core = m.start_with(&server, "zh-CN").await;

    // Registration is checked locally first (no request), then by the server.
    let mut req = RegisterOperatorRequest {
        username: "star_park".into(),
        password: "Star@2026pass".into(),
        display_name: "星际乐园".into(),
        contact_name: Some("张三".into()),
        phone: "not-a-phone".into(),
        email: "ops@star-park.cn".into(),
    };
    let e = core.register_operator(req.clone()).await.unwrap_err();
    let body = core.error_body(&e);
    assert_eq!(body.code, ErrorCode::ValidationFailed);
    assert_eq!(body.details["field"], "phone");
    req.phone = "13800138000".into();
    let registered = core.register_operator(req.clone()).await.unwrap();
    assert_eq!(registered.api_key.len(), 64);
    assert_eq!(registered.operator.username, "star_park");
    let e = core.register_operator(req).await.unwrap_err();
    assert_eq!(server_code(&e), ErrorCode::UsernameTaken);

    let a = login(&core, Workspace::Operator, "uat_operator").await;
    core.operator().await.unwrap().home().await.unwrap();
    let b_path = m
        .data_dir()
        .join("cache")
        .join(format!("operator-{}.sqlite", registered.operator.id));
    assert!(
        !b_path.exists(),
        "nothing for the second user before their first login"
    );

    // Signing in as someone else in the same workspace replaces the session, keeps A's cache.
    let b = core
        .login(args(Workspace::Operator, "star_park", "Star@2026pass"))
        .await
        .unwrap();
    assert_eq!(b.user.id, registered.operator.id);
    assert_ne!(a.cache_file, b.cache_file);
    assert_eq!(PathBuf::from(&b.cache_file), b_path);
    assert!(b_path.exists());
    assert!(Path::new(&a.cache_file).exists(), "A's cache is kept");
    let home = core.operator().await.unwrap().home().await.unwrap();
    assert_eq!(home.profile.username, "star_park");
    assert_eq!(
        m.stored(Workspace::Operator).unwrap().user.username,
        "star_park"
    );

    // B's cache holds B's page only; A's holds A's.
    assert!(contains(&cache_bytes(&b_path), "星际乐园"));
    assert!(!contains(
        &cache_bytes(Path::new(&a.cache_file)),
        "星际乐园"
    ));

    // Role-typed handles: no admin or finance session here.
    assert_eq!(
        core.admin().await.unwrap_err().code(),
        ErrorCode::NotSignedIn
    );
    assert_eq!(
        core.finance().await.unwrap_err().code(),
        ErrorCode::NotSignedIn
    );
}

// R-D3: a restarted app restores the session from the secret store, without the network.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_fresh_core_restores_the_session_from_the_secret_store(pool: PgPool) {
    let server = server_with_uat(pool).await;
    let m = Machine::new();
    let first = m.start_with(&server, "zh-CN").await;
    let info = login(&first, Workspace::Admin, "uat_admin").await;
    drop(first);

    let restarted = m.start();
    assert_eq!(
        restarted.settings().server_url,
        server.base_url,
        "settings persisted"
    );
    assert_eq!(
        restarted.session_get(Workspace::Admin).await.unwrap(),
        Some(info.clone())
    );
    assert_eq!(
        restarted.session_get(Workspace::Operator).await.unwrap(),
        None
    );
    let overview = restarted.admin().await.unwrap().overview().await.unwrap();
    assert!(overview.operators_total >= 1);

    // Restoring needs no server at all.
    server.kill();
    let offline = m.start();
    assert_eq!(
        offline.session_get(Workspace::Admin).await.unwrap(),
        Some(info)
    );
}

// R-D3: the home pages come from the cache when the server is gone; the badge says offline.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn home_pages_fall_back_to_the_cache_when_the_server_is_gone(pool: PgPool) {
    let server = server_with_uat(pool).await;
    let m = Machine::new();
    let core = m.start_with(&server, "zh-CN").await;
    login(&core, Workspace::Operator, "uat_operator").await;
    login(&core, Workspace::Admin, "uat_admin").await;
    login(&core, Workspace::Finance, "uat_finance").await;
    let home = core.operator().await.unwrap().home().await.unwrap();
    let admin = core.admin().await.unwrap().overview().await.unwrap();
    let finance = core.finance().await.unwrap().overview().await.unwrap();
    let state = core.connection_state(Workspace::Operator).await;
    assert!(state.online);
    let online_at = state.last_online_at.expect("last online");

    server.kill();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A restarted app (no pooled connections left): every request is refused.
    let core = m.start();
    let check = core
        .server_check(&core.settings().server_url)
        .await
        .unwrap();
    assert!(!check.reachable);
    assert_eq!(
        check.message.as_deref(),
        Some("无法连接服务器，请检查网络或服务器地址")
    );

    let cached = core.operator().await.unwrap().home().await.unwrap();
    assert_eq!(cached.profile, home.profile);
    assert_eq!(cached.month_spend, home.month_spend);
    let cached = core.admin().await.unwrap().overview().await.unwrap();
    assert_eq!(cached.operators_total, admin.operators_total);
    let cached = core.finance().await.unwrap().overview().await.unwrap();
    assert_eq!(cached.business_date, finance.business_date);

    let state = core.connection_state(Workspace::Operator).await;
    assert!(!state.online);
    assert!(
        state.last_online_at.expect("last sync time kept")
            >= online_at - chrono::Duration::seconds(1)
    );

    // Without a cached page there is nothing to show: the offline error comes through.
    m.secrets.delete(&secret_key(Workspace::Operator)).unwrap();
    let info = login_offline_operator_without_cache(&m).await;
    assert_eq!(info.code(), ErrorCode::ServerUnreachable);
}

/// A stored operator session whose cache has no snapshot, used with the server down.
async fn login_offline_operator_without_cache(m: &Machine) -> CoreError {
    let core = m.start();
    let stored = StoredSession {
        access_token: "a".repeat(40),
        refresh_token: "r".repeat(40),
        access_expires_at: Utc::now() + chrono::Duration::minutes(10),
        user: mr_protocol::auth::UserInfo {
            id: uuid::Uuid::now_v7(),
            username: "nobody".into(),
            display_name: "nobody".into(),
            role: Role::Operator,
        },
        server_url: core.settings().server_url,
        workspace: Workspace::Operator,
        signed_in_at: Utc::now(),
        refreshed_at: None,
    };
    m.put_stored(&stored);
    core.operator().await.unwrap().home().await.unwrap_err()
}

// R-D2: logout revokes the server session, deletes the tokens and, on request, the cache.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn logout_ends_the_session_and_wipes_the_cache_on_request(pool: PgPool) {
    let server = server_with_uat(pool).await;
    let m = Machine::new();
    let core = m.start_with(&server, "zh-CN").await;

    // Without wipe: the file stays for the next login.
    let info = login(&core, Workspace::Finance, "uat_finance").await;
    core.finance().await.unwrap().overview().await.unwrap();
    core.logout(LogoutArgs {
        workspace: Workspace::Finance,
        wipe_cache: false,
    })
    .await
    .unwrap();
    assert!(Path::new(&info.cache_file).exists());
    assert_eq!(m.stored(Workspace::Finance), None);

    // With wipe: file, -wal and -shm are gone; the old access token is dead on the server.
    let info = login(&core, Workspace::Operator, "uat_operator").await;
    core.operator().await.unwrap().home().await.unwrap();
    let token = m.stored(Workspace::Operator).unwrap().access_token;
    let cache = PathBuf::from(&info.cache_file);
    assert!(cache_files_exist(&cache));
    core.logout(LogoutArgs {
        workspace: Workspace::Operator,
        wipe_cache: true,
    })
    .await
    .unwrap();
    assert!(
        !cache_files_exist(&cache),
        "cache file and companions removed"
    );
    assert_eq!(m.stored(Workspace::Operator), None);
    assert_eq!(core.session_get(Workspace::Operator).await.unwrap(), None);
    assert_eq!(
        core.operator().await.unwrap_err().code(),
        ErrorCode::NotSignedIn
    );
    let api = ApiClient::new(&server.base_url, Lang::Zh).unwrap();
    let e = api.me(&token).await.unwrap_err();
    assert!(
        matches!(
            server_code(&e),
            ErrorCode::SessionRevoked | ErrorCode::TokenInvalid
        ),
        "{e:?}"
    );

    // Logging out twice, or of a workspace never signed in, is fine.
    core.logout(LogoutArgs {
        workspace: Workspace::Operator,
        wipe_cache: true,
    })
    .await
    .unwrap();

    // A restored (not yet loaded) session logs out and wipes too.
    let info = login(&core, Workspace::Admin, "uat_admin").await;
    core.admin().await.unwrap().overview().await.unwrap();
    let restarted = m.start();
    restarted
        .logout(LogoutArgs {
            workspace: Workspace::Admin,
            wipe_cache: true,
        })
        .await
        .unwrap();
    assert!(!cache_files_exist(Path::new(&info.cache_file)));
    assert_eq!(m.stored(Workspace::Admin), None);
}

// Token refresh: proactive when the stored expiry has passed, reactive on TOKEN_EXPIRED.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn expired_access_tokens_are_refreshed(pool: PgPool) {
    mr_server::uat::create_uat(&pool, UAT_PASSWORD)
        .await
        .unwrap();
    let server =
        TestServer::spawn_with(pool, |c| c.access_token_ttl = Duration::from_secs(1)).await;
    let m = Machine::new();
    let core = m.start_with(&server, "zh-CN").await;
    login(&core, Workspace::Operator, "uat_operator").await;
    let before = m.stored(Workspace::Operator).unwrap();

    // Reactive: the core believes the token is valid for an hour; the server says expired.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let mut believed_fresh = before.clone();
    believed_fresh.access_expires_at = Utc::now() + chrono::Duration::hours(1);
    m.put_stored(&believed_fresh);
    let restarted = m.start();
    let home = restarted.operator().await.unwrap().home().await.unwrap();
    assert_eq!(home.profile.username, "uat_operator");
    let after = m.stored(Workspace::Operator).unwrap();
    assert_ne!(
        after.access_token, before.access_token,
        "new access token stored"
    );
    assert_ne!(
        after.refresh_token, before.refresh_token,
        "refresh token rotated and stored"
    );

    // Proactive: the stored expiry is in the past, so the core refreshes before the call.
    let mut expired = after.clone();
    expired.access_expires_at = Utc::now() - chrono::Duration::minutes(1);
    m.put_stored(&expired);
    let restarted = m.start();
    restarted.operator().await.unwrap().home().await.unwrap();
    let latest = m.stored(Workspace::Operator).unwrap();
    assert_ne!(latest.refresh_token, after.refresh_token);

    // A dead (already rotated) refresh token ends the session: NOT_SIGNED_IN, tokens gone.
    m.put_stored(&expired);
    let restarted = m.start();
    let e = restarted
        .operator()
        .await
        .unwrap()
        .home()
        .await
        .unwrap_err();
    let body = restarted.error_body(&e);
    assert_eq!(body.code, ErrorCode::NotSignedIn, "{e:?}");
    assert!(
        [
            "REFRESH_TOKEN_REUSED",
            "SESSION_REVOKED",
            "REFRESH_TOKEN_INVALID"
        ]
        .contains(&body.details["reason"].as_str().unwrap_or("")),
        "{body:?}"
    );
    assert_eq!(m.stored(Workspace::Operator), None);
    assert_eq!(
        restarted.session_get(Workspace::Operator).await.unwrap(),
        None
    );
}

// R-D2: a session revoked on the server ends in the app at the next call.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_revoked_session_is_cleared(pool: PgPool) {
    let server = server_with_uat(pool).await;
    let m = Machine::new();
    let core = m.start_with(&server, "en").await;
    login(&core, Workspace::Operator, "uat_operator").await;
    let token = m.stored(Workspace::Operator).unwrap().access_token;
    // Revoked elsewhere (another client logging out this session).
    ApiClient::new(&server.base_url, Lang::En)
        .unwrap()
        .logout(&token)
        .await
        .unwrap();

    let e = core.operator().await.unwrap().home().await.unwrap_err();
    let body = core.error_body(&e);
    assert_eq!(body.code, ErrorCode::NotSignedIn);
    assert_eq!(body.details["reason"], "SESSION_REVOKED");
    assert_eq!(body.message, ErrorCode::NotSignedIn.message_en());
    assert_eq!(m.stored(Workspace::Operator), None);
    assert_eq!(core.session_get(Workspace::Operator).await.unwrap(), None);
}

// Launcher: server check and the role-typed handles.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn server_check_and_role_typed_handles(pool: PgPool) {
    let server = server_with_uat(pool).await;
    let m = Machine::new();
    let core = m.start_with(&server, "zh-CN").await;

    let check = core.server_check(&server.base_url).await.unwrap();
    assert!(check.reachable, "{check:?}");
    assert!(check.version.is_some());
    assert_eq!(check.message, None);
    let e = core.server_check("ftp://example.cn").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::ValidationFailed);
    let e = core
        .set_settings(AppSettings {
            server_url: "not a url".into(),
            locale: "zh-CN".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(core.error_body(&e).details["field"], "server_url");

    let state = core.connection_state(Workspace::Finance).await;
    assert!(state.online, "no session: the configured server is probed");

    login(&core, Workspace::Finance, "uat_finance").await;
    assert!(core.finance().await.is_ok());
    assert_eq!(
        core.operator().await.unwrap_err().code(),
        ErrorCode::NotSignedIn
    );
    assert_eq!(
        core.admin().await.unwrap_err().code(),
        ErrorCode::NotSignedIn
    );
}

// R-D3: a stored session opens offline only within the offline grace (7 days by default,
// configurable by the deployment); past it, the user must sign in online again.
#[tokio::test]
async fn a_stored_session_opens_offline_only_within_the_grace() {
    let m = Machine::new();
    let stored_at = |days_ago: i64| StoredSession {
        access_token: "a".repeat(40),
        refresh_token: "r".repeat(40),
        access_expires_at: Utc::now() - chrono::Duration::days(days_ago)
            + chrono::Duration::minutes(10),
        user: mr_protocol::auth::UserInfo {
            id: uuid::Uuid::now_v7(),
            username: "grace".into(),
            display_name: "宽限期测试".into(),
            role: Role::Admin,
        },
        server_url: "http://127.0.0.1:9".into(),
        workspace: Workspace::Admin,
        signed_in_at: Utc::now() - chrono::Duration::days(days_ago),
        refreshed_at: None,
    };
    let core = m.start();
    assert_eq!(core.offline_grace(), chrono::Duration::days(7));
    m.put_stored(&stored_at(6));
    assert!(
        core.session_get(Workspace::Admin).await.unwrap().is_some(),
        "6 days: opens"
    );

    let core = m.start();
    m.put_stored(&stored_at(8));
    assert_eq!(
        core.session_get(Workspace::Admin).await.unwrap(),
        None,
        "8 days: too old"
    );
    assert_eq!(m.stored(Workspace::Admin), None, "and its tokens are gone");

    let core = m.start();
    core.set_offline_grace(chrono::Duration::days(10));
    m.put_stored(&stored_at(8));
    assert!(
        core.session_get(Workspace::Admin).await.unwrap().is_some(),
        "grace of 10 days"
    );
    let core = m.start();
    core.set_offline_grace(chrono::Duration::days(1));
    m.put_stored(&stored_at(2));
    assert_eq!(
        core.session_get(Workspace::Admin).await.unwrap(),
        None,
        "grace of 1 day"
    );
}
