//! The release `mr-server` binary next to the benchmark binaries, serving a bench database in
//! its own process (shared by `mr-bench` and `mr-bench-launch`).

use std::time::Duration;

use anyhow::Context;

/// Killed when dropped.
pub struct ServerProcess(std::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `mr-server serve` on a free loopback port with `env` added; returns it and its URL
/// once `/health/db` answers.
pub async fn start(
    database_url: &str,
    env: &[(&str, &str)],
) -> anyhow::Result<(ServerProcess, String)> {
    let bin = std::env::current_exe()?
        .parent()
        .context("bench binary folder")?
        .join("mr-server");
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut cmd = std::process::Command::new(&bin);
    cmd.arg("serve")
        .env("DATABASE_URL", database_url)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let server = ServerProcess(
        cmd.spawn()
            .with_context(|| format!("starting {}", bin.display()))?,
    );
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = http.get(format!("{base}/health/db")).send().await {
            if r.status().is_success() {
                return Ok((server, base));
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("the server did not come up")
}

/// Runs `run` on a database of its own (`mr_bench_<what>_<pid>`, created empty on the server
/// of `DATABASE_URL`, dropped afterwards whatever `run` returned). `run` gets a pool of
/// `connections` and the database's URL.
pub async fn with_fresh_database<F, Fut, T>(
    what: &str,
    connections: u32,
    run: F,
) -> anyhow::Result<T>
where
    F: FnOnce(sqlx::PgPool, String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    use sqlx::postgres::PgPoolOptions;
    let admin_url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let db = format!("mr_bench_{what}_{}", std::process::id());
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&admin_url)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {db}"))
        .execute(&admin)
        .await?;
    let (prefix, _) = admin_url
        .rsplit_once('/')
        .context("DATABASE_URL needs a database")?;
    let url = format!("{prefix}/{db}");
    let pool = PgPoolOptions::new()
        .max_connections(connections)
        .connect(&url)
        .await?;
    let result = run(pool.clone(), url).await;
    pool.close().await;
    sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)"))
        .execute(&admin)
        .await?;
    result
}
