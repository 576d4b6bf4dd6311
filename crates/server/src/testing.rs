//! The real server, in-process on a random port, for integration tests of this and other crates.

use std::net::SocketAddr;

use sqlx::PgPool;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::state::AppState;

pub struct TestServer {
    pub base_url: String,
    pub addr: SocketAddr,
    pub pool: PgPool,
    pub state: AppState,
    handle: JoinHandle<()>,
}

impl TestServer {
    pub async fn spawn(pool: PgPool) -> TestServer {
        Self::spawn_with(pool, |_| {}).await
    }

    /// Starts with a tweaked config (e.g. a one-second access-token lifetime).
    pub async fn spawn_with(pool: PgPool, tweak: impl FnOnce(&mut Config)) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut config = Config::for_test("postgres://unused");
        // The channels (and the sandbox gateways) call back here.
        config.public_base_url = format!("http://{addr}");
        tweak(&mut config);
        let redis = match &config.redis_url {
            Some(url) => {
                let client = redis::Client::open(url.as_str()).expect("REDIS_URL");
                Some(
                    redis::aio::ConnectionManager::new(client)
                        .await
                        .expect("connecting to Redis"),
                )
            }
            None => None,
        };
        let state = AppState::new(
            pool.clone(),
            config,
            crate::telemetry::metrics_handle(),
            redis,
        )
        .await
        .expect("starting the app state");
        let app = crate::app::build_router(state.clone());
        let handle = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        TestServer {
            base_url: format!("http://{addr}"),
            addr,
            pool,
            state,
            handle,
        }
    }

    /// Stops accepting connections at once, as if the server process died.
    pub fn kill(&self) {
        self.handle.abort();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.handle.abort();
    }
}
