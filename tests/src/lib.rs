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
    /// The in-process server, unless the test runs its own [`ServerProcess`].
    pub server: Option<TestServer>,
    pub client: Client,
    driver: Child,
    data_dir: tempfile::TempDir,
    server_url: String,
    keyring_service: Option<String>,
    screenshot_dir: PathBuf,
}

/// A binary of this workspace, found next to this test binary (`target/debug/deps/…`).
fn workspace_binary(name: &str) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let debug_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("test binary has no target dir")?;
    let bin = debug_dir.join(name);
    if !bin.exists() {
        bail!(
            "{} is missing: build the workspace first (`cargo build --workspace --all-targets --features mr-desktop/custom-protocol`, as make test does)",
            bin.display()
        );
    }
    Ok(bin)
}

/// `target/debug/mr-desktop`, built with the UI embedded.
pub fn app_binary() -> anyhow::Result<PathBuf> {
    workspace_binary("mr-desktop")
}

/// The real `mr-server` binary as its own process, so a test can kill it outright (an
/// in-process server keeps serving open keep-alive connections) and start it again on the
/// same port and database.
pub struct ServerProcess {
    pub url: String,
    database_url: String,
    port: u16,
    /// Extra environment for every start (e.g. `PAYMENT_SANDBOX=on`).
    env: Vec<(String, String)>,
    child: Option<Child>,
}

impl ServerProcess {
    /// Serves the database behind `pool` (its name is read from the connection).
    pub async fn start(pool: &PgPool) -> anyhow::Result<ServerProcess> {
        ServerProcess::start_with(pool, &[]).await
    }

    /// [`ServerProcess::start`] with extra environment variables.
    pub async fn start_with(pool: &PgPool, env: &[(&str, &str)]) -> anyhow::Result<ServerProcess> {
        let db: String = sqlx::query_scalar("SELECT current_database()")
            .fetch_one(pool)
            .await?;
        let base = std::env::var("DATABASE_URL").context("DATABASE_URL")?;
        let (prefix, _) = base
            .rsplit_once('/')
            .context("DATABASE_URL has no database")?;
        let port = free_port().await?;
        let mut s = ServerProcess {
            url: format!("http://127.0.0.1:{port}"),
            database_url: format!("{prefix}/{db}"),
            port,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            child: None,
        };
        s.resume().await?;
        Ok(s)
    }

    /// Starts (again) on the same port; returns once `/health` answers.
    pub async fn resume(&mut self) -> anyhow::Result<()> {
        let child = Command::new(workspace_binary("mr-server")?)
            .arg("serve")
            .env("DATABASE_URL", &self.database_url)
            .env("BIND", format!("127.0.0.1:{}", self.port))
            .env("RUST_LOG", "warn")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        self.child = Some(child);
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            if started.elapsed() > WAIT {
                bail!("mr-server did not start on port {}", self.port);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Kills the process (SIGKILL): every connection drops at once.
    pub async fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut c) = self.child.take() {
            c.kill().await?;
        }
        Ok(())
    }
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
        mr_server::uat::create_uat(&pool, UAT_PASSWORD).await?;
        let server = TestServer::spawn(pool).await;
        let url = server.base_url.clone();
        let mut app = App::launch(&url).await?;
        app.server = Some(server);
        Ok(app)
    }

    /// Opens the app against a server the test runs itself (UAT accounts must exist).
    ///
    /// Tokens go to the real OS keychain when a D-Bus session is there (make test runs the
    /// suite under a private gnome-keyring), under a keychain service name of this run's own;
    /// otherwise to the app's in-memory store.
    pub async fn launch(server_url: &str) -> anyhow::Result<App> {
        if std::env::var_os("DISPLAY").is_none() {
            bail!("no DISPLAY: end-to-end tests run under Xvfb (`make test` uses xvfb-run)");
        }
        let keyring_service = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").map(|_| {
            format!(
                "mr-game-ops-e2e-{}-{}",
                std::process::id(),
                free_port_sync()
            )
        });
        let data_dir = tempfile::tempdir()?;
        let (driver, client) =
            start_app(server_url, data_dir.path(), keyring_service.as_deref()).await?;
        let screenshot_dir = repo_root().join("target").join("e2e-screenshots");
        std::fs::create_dir_all(&screenshot_dir)?;
        let app = App {
            server: None,
            client,
            driver,
            data_dir,
            server_url: server_url.to_string(),
            keyring_service,
            screenshot_dir,
        };
        app.wait_for("#launcher").await?;
        Ok(app)
    }

    /// Where the app writes exports in these tests (`MR_EXPORT_DIR`).
    pub fn export_dir(&self) -> PathBuf {
        self.data_dir.path().join("exports")
    }

    /// True when sessions survive an app restart (the real keychain is in use).
    pub fn keeps_sessions(&self) -> bool {
        self.keyring_service.is_some()
    }

    /// Quits the app and starts it again with the same data dir and keychain, as a user
    /// restarting it would.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
        let (driver, client) = start_app(
            &self.server_url,
            self.data_dir.path(),
            self.keyring_service.as_deref(),
        )
        .await?;
        self.driver = driver;
        self.client = client;
        self.wait_for("#launcher").await?;
        Ok(())
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
        let shot = self.failure_screenshot(css).await;
        bail!("{css}: text never matched; last seen {last:?}{shot}")
    }

    /// Waits until no element matches `css` or none of the matches is displayed (a dialog
    /// closing, a row removed).
    /// Waits until an element matching `css` is displayed (a closed dialog stays in the DOM,
    /// hidden, so [`App::wait_for`] alone would not tell that it opened again).
    pub async fn wait_shown(&self, css: &str) -> anyhow::Result<()> {
        let started = Instant::now();
        while started.elapsed() < WAIT {
            for e in self
                .client
                .find_all(Locator::Css(css))
                .await
                .unwrap_or_default()
            {
                if e.is_displayed().await.unwrap_or(false) {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        let shot = self.failure_screenshot(css).await;
        bail!("{css} never shown{shot}")
    }

    pub async fn wait_gone(&self, css: &str) -> anyhow::Result<()> {
        let started = Instant::now();
        while started.elapsed() < WAIT {
            let mut visible = false;
            // An element removed while the driver lists the matches makes the listing fail
            // ("stale element"): look again.
            let Ok(found) = self.client.find_all(Locator::Css(css)).await else {
                tokio::time::sleep(Duration::from_millis(150)).await;
                continue;
            };
            for e in found {
                visible |= e.is_displayed().await.unwrap_or(false);
            }
            if !visible {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        let shot = self.failure_screenshot(css).await;
        bail!("{css} is still shown{shot}")
    }

    pub async fn wait_xpath(&self, xpath: &str) -> anyhow::Result<Element> {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(xpath))
            .await
            .with_context(|| format!("waiting for {xpath}"))
    }

    /// Clicks the first displayed element matching `xpath`, retrying while the click is
    /// refused (the element is not there yet, or a fading dropdown or a toast covers it for a
    /// moment: a user waits for it to go too).
    pub async fn click_xpath(&self, xpath: &str) -> anyhow::Result<()> {
        self.click_located(Locator::XPath(xpath), xpath).await
    }

    /// Clicks the element matching `css`, retrying as [`App::click_xpath`] does.
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        self.click_located(Locator::Css(css), css).await
    }

    /// Waits (up to 2 s) until no finite CSS animation or transition runs: a drawer sliding in
    /// or a dialog zooming moves its buttons while WebKit may report them where they will end
    /// up, so a click then lands on something else. Endless ones (spinners) are ignored.
    pub async fn settle_animations(&self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(2) {
            let moving = self
                .client
                .execute(
                    "return document.getAnimations().some(a => a.playState === 'running' \
                       && a.effect && a.effect.getTiming().iterations !== Infinity)",
                    vec![],
                )
                .await;
            if !matches!(moving, Ok(serde_json::Value::Bool(true))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn click_located(&self, locator: Locator<'_>, what: &str) -> anyhow::Result<()> {
        self.settle_animations().await;
        let started = Instant::now();
        let mut last_error = String::from("nothing displayed");
        loop {
            let found = self.client.find_all(locator).await.unwrap_or_default();
            for e in found {
                if !e.is_displayed().await.unwrap_or(false) {
                    continue;
                }
                // A sliding drawer or a zooming dialog moves the element between the driver
                // reading its place and clicking there: click only once it stands still.
                let before = e.rectangle().await.ok();
                tokio::time::sleep(Duration::from_millis(80)).await;
                if before.is_none() || e.rectangle().await.ok() != before {
                    last_error = "still moving".into();
                    break;
                }
                match e.click().await {
                    Ok(()) => return Ok(()),
                    Err(err) => last_error = err.to_string(),
                }
                break;
            }
            if started.elapsed() > WAIT {
                let shot = self.failure_screenshot(what).await;
                bail!("clicking {what}: {last_error}{shot}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Clears an input and types into it (the `input` inside Element Plus wrappers too).
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let e = self.wait_for(css).await?;
        let tag = e.tag_name().await?;
        let input = if tag == "input" || tag == "textarea" {
            e
        } else {
            e.find(Locator::Css("input, textarea")).await?
        };
        // A closing dropdown may cover the field for a moment: retry the click as `click` does.
        let started = Instant::now();
        while let Err(e) = input.click().await {
            if started.elapsed() > WAIT {
                let shot = self.failure_screenshot(css).await;
                bail!("clicking {css} to type: {e}{shot}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        // WebDriver's clear() does not reach Vue's v-model; select all and delete with real
        // keystrokes instead (Ctrl+A, release modifiers, Backspace).
        input.send_keys("\u{E009}a\u{E000}\u{E003}").await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// The in-process server's URL (for the launch API and direct HTTP checks).
    pub fn base_url(&self) -> anyhow::Result<String> {
        Ok(self
            .server
            .as_ref()
            .context("in-process server")?
            .base_url
            .clone())
    }

    /// `n` fixture operators (a site, an API key and an authorized app each) with `balance`,
    /// keyed for the in-process server.
    pub async fn venues(
        &self,
        pool: &PgPool,
        n: usize,
        balance: &str,
    ) -> anyhow::Result<Vec<mr_server::launch::fixture::FixtureAccount>> {
        let server = self.server.as_ref().context("in-process server")?;
        mr_server::launch::fixture::create(
            pool,
            &server.state.config.master_key,
            n,
            balance.parse()?,
        )
        .await
    }

    /// Presses Escape in the focused element (closes the top dialog or drawer).
    pub async fn key_escape(&self) -> anyhow::Result<()> {
        self.client
            .active_element()
            .await?
            .send_keys("\u{E00C}")
            .await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
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

    /// On a failed wait: a screenshot of the moment, named after the selector, and the page's
    /// visible text of any error alert, for the failure message.
    async fn failure_screenshot(&self, css: &str) -> String {
        let name: String = css
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let alerts = self
            .client
            .execute(
                "return Array.from(document.querySelectorAll('.el-alert, .el-message, .el-form-item__error')).map(e => e.textContent.trim()).join(' | ')",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        match self.screenshot(&format!("failure-{name}")).await {
            Ok(path) => format!(" (screenshot {}; alerts: {alerts:?})", path.display()),
            Err(_) => format!(" (alerts: {alerts:?})"),
        }
    }

    /// Saves a PNG of the current window under `target/e2e-screenshots/`.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let png = self.client.screenshot().await?;
        let path = self.screenshot_dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Opens (or focuses) a workspace window from the launcher and switches to it.
    pub async fn open_workspace_window(&self, workspace: &str) -> anyhow::Result<()> {
        self.switch_to_launcher().await?;
        self.click(&format!("#open-{workspace}")).await?;
        self.switch_to_workspace(workspace).await
    }

    /// Opens a workspace from the launcher and logs in; returns once its home page shows.
    pub async fn open_and_login(
        &self,
        workspace: &str,
        user: &str,
        password: &str,
    ) -> anyhow::Result<()> {
        self.open_workspace_window(workspace).await?;
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

fn free_port_sync() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// tauri-driver + a WebDriver session on a fresh app process.
async fn start_app(
    server_url: &str,
    data_dir: &Path,
    keyring_service: Option<&str>,
) -> anyhow::Result<(Child, Client)> {
    let port = free_port().await?;
    let native_port = free_port().await?;
    let mut cmd = Command::new(tauri_driver());
    cmd.args([
        "--port",
        &port.to_string(),
        "--native-port",
        &native_port.to_string(),
    ])
    .env("MR_SERVER_URL", server_url)
    .env("MR_DATA_DIR", data_dir)
    // Exports go here instead of asking with the native save dialog (WebDriver cannot reach it).
    .env("MR_EXPORT_DIR", data_dir.join("exports"))
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .kill_on_drop(true);
    match keyring_service {
        Some(service) => cmd
            .env("MR_KEYRING_SERVICE", service)
            .env_remove("MR_SECRET_STORE"),
        None => cmd.env("MR_SECRET_STORE", "memory"),
    };
    let driver = cmd
        .spawn()
        .context("starting tauri-driver (cargo install tauri-driver --locked)")?;
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
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .context("opening a WebDriver session on the app")?;
    Ok((driver, client))
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
