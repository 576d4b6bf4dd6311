//! Harness for end-to-end tests in the real app window.
//!
//! Each test gets a fresh PostgreSQL database (`#[sqlx::test]`), the real server in-process on a
//! random port, and the real desktop binary started by `tauri-driver` (which drives
//! WebKitWebDriver). The app runs with a throw-away data dir and an in-memory secret store,
//! pointed at the test server through `MR_SERVER_URL`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use mr_server::testing::TestServer;
use sqlx::PgPool;
use tokio::process::{Child, Command};

pub const UAT_PASSWORD: &str = "Uat@123456";
const WAIT: Duration = Duration::from_secs(20);

pub struct App {
    pub server: TestServer,
    pub client: Client,
    driver: Child,
    _data_dir: tempfile::TempDir,
    screenshot_dir: PathBuf,
}

/// `target/debug/mr-desktop`, found next to this test binary (`target/debug/deps/…`).
pub fn app_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let debug_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("test binary has no target dir")?;
    let bin = debug_dir.join("mr-desktop");
    if !bin.exists() {
        bail!(
            "{} is missing: build it first with `cargo build -p mr-desktop --features custom-protocol` (make test does)",
            bin.display()
        );
    }
    Ok(bin)
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

async fn free_port() -> anyhow::Result<u16> {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    Ok(l.local_addr()?.port())
}

impl App {
    /// Seeds the UAT accounts, starts the server and opens the app's launcher window.
    pub async fn start(pool: PgPool) -> anyhow::Result<App> {
        if std::env::var_os("DISPLAY").is_none() {
            bail!("no DISPLAY: end-to-end tests run under Xvfb (`make test` uses xvfb-run)");
        }
        mr_server::uat::create_uat(&pool, UAT_PASSWORD).await?;
        let server = TestServer::spawn(pool).await;
        let data_dir = tempfile::tempdir()?;
        let port = free_port().await?;
        let native_port = free_port().await?;
        let driver = Command::new(tauri_driver())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("MR_SERVER_URL", &server.base_url)
            .env("MR_SECRET_STORE", "memory")
            .env("MR_DATA_DIR", data_dir.path())
            .env("MR_CONFIG_DIR", data_dir.path().join("config"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("starting tauri-driver (cargo install tauri-driver --locked)")?;
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            if started.elapsed() > WAIT {
                bail!("tauri-driver did not listen on {port}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_binary()? }),
        );
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&url)
            .await
            .context("opening a WebDriver session on the app")?;
        let screenshot_dir = repo_root().join("target").join("e2e-screenshots");
        std::fs::create_dir_all(&screenshot_dir)?;
        let app = App {
            server,
            client,
            driver,
            _data_dir: data_dir,
            screenshot_dir,
        };
        app.wait_for("#launcher").await?;
        Ok(app)
    }

    pub async fn wait_for(&self, css: &str) -> anyhow::Result<Element> {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting for {css}"))
    }

    /// The element's text content. WebKitWebDriver's "rendered text" comes back empty for some
    /// visible elements (checked against screenshots), so the DOM text is read instead.
    pub async fn text_of(&self, css: &str) -> anyhow::Result<Option<String>> {
        let v = self
            .client
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
                vec![serde_json::Value::String(css.to_string())],
            )
            .await?;
        Ok(v.as_str()
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")))
    }

    /// Waits until the element's text satisfies `pred`, returning the text.
    pub async fn wait_text(
        &self,
        css: &str,
        pred: impl Fn(&str) -> bool,
    ) -> anyhow::Result<String> {
        let started = Instant::now();
        let mut last = String::new();
        while started.elapsed() < WAIT {
            if let Ok(Some(t)) = self.text_of(css).await {
                if pred(&t) {
                    return Ok(t);
                }
                last = t;
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        bail!("{css}: text never matched; last seen {last:?}")
    }

    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        self.wait_for(css)
            .await?
            .click()
            .await
            .with_context(|| format!("clicking {css}"))
    }

    /// Clears an input and types into it (the `input` inside Element Plus wrappers too).
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let e = self.wait_for(css).await?;
        let input = if e.tag_name().await? == "input" {
            e
        } else {
            e.find(Locator::Css("input")).await?
        };
        input.clear().await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// Switches to the window whose URL hash names `workspace`, waiting for it to appear.
    pub async fn switch_to_workspace(&self, workspace: &str) -> anyhow::Result<()> {
        let started = Instant::now();
        let needle = format!("#/ws/{workspace}");
        while started.elapsed() < WAIT {
            for handle in self.client.windows().await? {
                self.client.switch_to_window(handle).await?;
                if self.client.current_url().await?.as_str().contains(&needle) {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        bail!("no window for workspace {workspace}")
    }

    pub async fn switch_to_launcher(&self) -> anyhow::Result<()> {
        for handle in self.client.windows().await? {
            self.client.switch_to_window(handle).await?;
            if self.client.find(Locator::Css("#launcher")).await.is_ok() {
                return Ok(());
            }
        }
        bail!("launcher window not found")
    }

    /// Saves a PNG of the current window under `target/e2e-screenshots/`.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let png = self.client.screenshot().await?;
        let path = self.screenshot_dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Opens a workspace from the launcher and logs in; returns once its home page shows.
    pub async fn open_and_login(
        &self,
        workspace: &str,
        user: &str,
        password: &str,
    ) -> anyhow::Result<()> {
        self.switch_to_launcher().await?;
        self.click(&format!("#open-{workspace}")).await?;
        self.switch_to_workspace(workspace).await?;
        self.fill("#login-username", user).await?;
        self.fill("#login-password", password).await?;
        self.click("#login-submit").await?;
        self.wait_for(&format!("#home-{workspace}")).await?;
        Ok(())
    }

    pub async fn close(mut self) -> anyhow::Result<()> {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
        Ok(())
    }
}

fn tauri_driver() -> PathBuf {
    if let Ok(p) = std::env::var("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cargo_bin = home.join(".cargo/bin/tauri-driver");
    if cargo_bin.exists() {
        cargo_bin
    } else {
        PathBuf::from("tauri-driver")
    }
}
