//! The harness the core's integration tests share: a desktop installation ([`Machine`]), a
//! TCP relay that can cut and restore "the network" ([`Relay`]), sign-in helpers and polling.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mr_core::session::secret_key;
use mr_core::{Core, CoreError, MemorySecretStore, OperatorOps, SecretStore};
use mr_domain::{ErrorCode, Workspace};
use mr_protocol::ipc::{AppSettings, LoginArgs};
use sqlx::PgPool;
use tempfile::TempDir;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use uuid::Uuid;

pub const UAT_PASSWORD: &str = "Uat@123456";

/// A TCP forwarder with a stable address in front of whichever server is current.
pub struct Relay {
    addr: SocketAddr,
    target: Arc<Mutex<Option<SocketAddr>>>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
    /// Requests reach the server, but its answers are thrown away and the connection closed:
    /// "the server committed, then the reply was lost".
    lose_replies: Arc<std::sync::atomic::AtomicBool>,
}

impl Relay {
    pub async fn start(to: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let target = Arc::new(Mutex::new(Some(to)));
        let conns = Arc::new(Mutex::new(Vec::<JoinHandle<()>>::new()));
        let lose_replies = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (t, c, lose) = (target.clone(), conns.clone(), lose_replies.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let Some(to) = *t.lock().unwrap() else {
                    drop(inbound); // "the server is down": the connection dies at once
                    continue;
                };
                let lose = lose.load(std::sync::atomic::Ordering::SeqCst);
                c.lock().unwrap().push(tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(to).await else {
                        return;
                    };
                    if !lose {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        return;
                    }
                    use tokio::io::AsyncReadExt;
                    let (mut from_client, _to_client) = inbound.split();
                    let (mut from_server, mut to_server) = outbound.split();
                    let mut first_reply_byte = [0u8; 1];
                    // Forward the request until the server starts answering; then drop both
                    // ends, so the answer never arrives.
                    tokio::select! {
                        _ = tokio::io::copy(&mut from_client, &mut to_server) => {}
                        _ = from_server.read(&mut first_reply_byte) => {}
                    }
                }));
            }
        });
        Relay {
            addr,
            target,
            conns,
            accept,
            lose_replies,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The network goes away: open connections die, new ones are closed at once.
    pub fn cut(&self) {
        *self.target.lock().unwrap() = None;
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    pub fn restore(&self, to: SocketAddr) {
        *self.target.lock().unwrap() = Some(to);
    }

    /// From now on (new connections), the server's answers are lost.
    pub fn lose_replies(&self, on: bool) {
        self.lose_replies
            .store(on, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// One desktop installation: its own data dir (so its own cache and device id) and keychain.
pub struct Machine {
    dir: TempDir,
    secrets: Arc<MemorySecretStore>,
}

impl Machine {
    pub fn new() -> Machine {
        Machine {
            dir: tempfile::tempdir().unwrap(),
            secrets: Arc::new(MemorySecretStore::new()),
        }
    }

    pub async fn start(&self, server_url: &str) -> Core {
        let core = Core::new(
            self.dir.path().join("data"),
            self.dir.path().join("config"),
            self.secrets.clone(),
        );
        core.set_settings(AppSettings {
            server_url: server_url.into(),
            locale: "zh-CN".into(),
        })
        .await
        .unwrap();
        core
    }

    pub fn access_token(&self, ws: Workspace) -> String {
        let json = self.secrets.get(&secret_key(ws)).unwrap().unwrap();
        serde_json::from_str::<serde_json::Value>(&json).unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

pub async fn uat(pool: &PgPool) {
    mr_server::uat::create_uat(pool, UAT_PASSWORD)
        .await
        .unwrap();
}

pub async fn login(core: &Core, ws: Workspace, username: &str, password: &str) -> Uuid {
    core.login(LoginArgs {
        workspace: ws,
        username: username.into(),
        password: password.into(),
    })
    .await
    .unwrap_or_else(|e| panic!("login {username}: {e}"))
    .user
    .id
}

pub async fn operator_signed_in(core: &Core) -> (OperatorOps, Uuid) {
    let id = login(core, Workspace::Operator, "uat_operator", UAT_PASSWORD).await;
    (core.operator().await.unwrap(), id)
}

pub fn invalid(e: CoreError) -> (ErrorCode, &'static str) {
    match e {
        CoreError::Invalid { code, field, .. } => (code, field),
        other => panic!("expected a local refusal, got {other:?}"),
    }
}

/// Polls `check` every 100 ms for up to `secs` seconds.
pub async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not within {secs} s: {what}");
}
