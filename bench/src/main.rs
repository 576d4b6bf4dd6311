//! `make bench`: the sync figures of the "Sync engine" issue, measured against the real server
//! (the release `mr-server` binary in its own process, on a loopback port) and the real
//! PostgreSQL, on a fresh database; the desktop core runs in this process, so this process's
//! memory is the client's. Prints a Markdown section that `scripts/bench.sh` writes into
//! BENCHMARKS.md.

mod server;

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use mr_protocol::sync::{Command, CommandEnvelope, SiteFields};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

struct Figure {
    what: &'static str,
    goal: &'static str,
    measured: String,
    met: bool,
}

fn pct(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{}.{:02} ms", d.as_millis(), (d.as_micros() % 1000) / 10)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let figures =
        server::with_fresh_database("sync", 20, |pool, url| async move { run(pool, &url).await })
            .await?;

    println!("| measure | goal | measured | |\n|---|---|---|---|");
    for f in &figures {
        println!(
            "| {} | {} | {} | {} |",
            f.what,
            f.goal,
            f.measured,
            if f.met { "met" } else { "**not met**" }
        );
    }
    Ok(())
}

/// This process's resident memory now and at its peak since the last reset, in MiB.
fn memory_mib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn run(pool: PgPool, database_url: &str) -> anyhow::Result<Vec<Figure>> {
    mr_server::MIGRATOR.run(&pool).await?;
    let (server, base) = server::start(database_url, &[]).await?;
    let http = reqwest::Client::new();

    let reg = http
        .post(format!("{base}/api/v1/operators/register"))
        .json(&json!({"username":"bench_op","password":"Bench12345","display_name":"压测乐园","phone":"13800000000","email":"b@example.cn"}))
        .send()
        .await?
        .json::<Value>()
        .await?;
    let operator: Uuid = reg["operator"]["id"]
        .as_str()
        .context("register")?
        .parse()?;
    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username":"bench_op","password":"Bench12345","workspace":"operator"}))
        .send()
        .await?
        .json::<Value>()
        .await?;
    let token = login["access_token"].as_str().context("login")?.to_string();
    let mut figures = Vec::new();

    // 100,000 rows in the operator's scope (10,000 sites, 90,000 messages), committed in bulk.
    sqlx::query(
        "INSERT INTO sites (id, operator_id, name, address)
         SELECT gen_random_uuid(), $1, '运营点 ' || g, '上海市徐汇区 ' || g || ' 号' FROM generate_series(1, 10000) g",
    )
    .bind(operator)
    .execute(&pool)
    .await?;
    sqlx::query(
        "INSERT INTO messages (id, operator_id, kind, title, body)
         SELECT gen_random_uuid(), $1, 'system', '系统通知 ' || g, '内容 ' || g FROM generate_series(1, 90000) g",
    )
    .bind(operator)
    .execute(&pool)
    .await?;

    // Bootstrap: every page of the 100k-row scope over HTTP (server side of the initial sync).
    let started = Instant::now();
    let mut cursor: Option<String> = None;
    let mut rows = 0usize;
    loop {
        let mut url = format!("{base}/api/v1/sync/pull?limit=2000&protocol_version=1");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = http
            .get(url)
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        rows += page["changes"].as_array().context("changes")?.len();
        cursor = page["cursor"].as_str().map(str::to_string);
        if page["up_to_date"] == true {
            break;
        }
    }
    let bootstrap = started.elapsed();
    figures.push(Figure {
        what: "bootstrap pull of 100,000 rows, server + HTTP + JSON (client apply not included)",
        goal: "part of ≤ 3 s end to end",
        measured: format!("{} rows in {}", rows, ms(bootstrap)),
        met: bootstrap < Duration::from_secs(3) && rows >= 100_001,
    });

    // The same bootstrap end to end: the desktop core pulls every page into a fresh SQLite
    // cache (each page and its cursor in one transaction), then reads the sites list from it.
    let dir = tempfile::tempdir()?;
    let core = mr_core::Core::new(
        dir.path().join("data"),
        dir.path().join("config"),
        std::sync::Arc::new(mr_core::MemorySecretStore::new()),
    );
    core.set_settings(mr_protocol::ipc::AppSettings {
        server_url: base.clone(),
        locale: "zh-CN".into(),
    })
    .await?;
    core.login(mr_protocol::ipc::LoginArgs {
        workspace: mr_domain::Workspace::Operator,
        username: "bench_op".into(),
        password: "Bench12345".into(),
    })
    .await?;
    let session = core.session(mr_domain::Workspace::Operator).await?;
    // Peak memory from here on is the initial sync's (reset the high-water mark; Linux).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let (rss_before, _) = memory_mib();
    let t = Instant::now();
    let report = session.sync_once().await?;
    let end_to_end = t.elapsed();
    let (_, peak) = memory_mib();
    figures.push(Figure {
        what: "initial sync of 100,000 rows into a fresh SQLite cache, end to end (desktop core)",
        goal: "≤ 3 s",
        measured: format!(
            "{} changes in {} pages, {}",
            report.changes,
            report.pages,
            ms(end_to_end)
        ),
        met: end_to_end <= Duration::from_secs(3) && report.changes >= 100_001,
    });
    figures.push(Figure {
        what: "client memory during that initial sync (peak resident memory of the process running the desktop core; the server is another process)",
        goal: "≤ 200 MB",
        measured: format!("peak {peak} MiB (resident before the sync: {rss_before} MiB)"),
        met: peak <= 200,
    });
    let ops = core.operator().await?;
    let t = Instant::now();
    let sites = ops.sites().await?;
    let read = t.elapsed();
    figures.push(Figure {
        what: "read the 10,000-site list from the cache (mirror + pending overlay; UI render not included)",
        goal: "a 10,000-row list page rendered ≤ 100 ms",
        measured: format!("{} rows in {}", sites.len(), ms(read)),
        met: read <= Duration::from_millis(100) && sites.len() == 10_000,
    });

    // Incremental pull with nothing new.
    let url = format!(
        "{base}/api/v1/sync/pull?protocol_version=1&cursor={}",
        cursor.clone().context("cursor")?
    );
    let mut samples = Vec::new();
    for _ in 0..500 {
        let t = Instant::now();
        let r: Value = http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        samples.push(t.elapsed());
        anyhow::ensure!(r["changes"].as_array().is_some_and(Vec::is_empty));
    }
    samples.sort();
    figures.push(Figure {
        what: "incremental pull, nothing new (500 pulls)",
        goal: "p95 ≤ 20 ms",
        measured: format!(
            "p50 {}, p95 {}",
            ms(pct(&samples, 50)),
            ms(pct(&samples, 95))
        ),
        met: pct(&samples, 95) <= Duration::from_millis(20),
    });

    // Live update: commit on the server → `changed` event at a connected client.
    let mut events = http
        .get(format!("{base}/api/v1/sync/events"))
        .bearer_auth(&token)
        .send()
        .await?;
    let mut buf = String::new();
    wait_event(&mut events, &mut buf, "ready").await?;
    let mut samples = Vec::new();
    for i in 0..100 {
        let t = Instant::now();
        sqlx::query("UPDATE messages SET title = $2 WHERE id = (SELECT id FROM messages WHERE operator_id = $1 LIMIT 1)")
            .bind(operator)
            .bind(format!("更新 {i}"))
            .execute(&pool)
            .await?;
        wait_event(&mut events, &mut buf, "changed").await?;
        samples.push(t.elapsed());
    }
    samples.sort();
    figures.push(Figure {
        what: "commit → `changed` event at a connected client (100 commits)",
        goal: "visible in another client ≤ 1 s p95 (signal part)",
        measured: format!(
            "p50 {}, p95 {}",
            ms(pct(&samples, 50)),
            ms(pct(&samples, 95))
        ),
        met: pct(&samples, 95) <= Duration::from_secs(1),
    });
    drop(events);

    // The same change, all the way into another online client's cache: the desktop core's
    // background loop hears the signal, pulls and writes; we poll its SQLite file.
    core.set_background_sync(true).await;
    let message: Uuid =
        sqlx::query_scalar("SELECT id FROM messages WHERE operator_id = $1 LIMIT 1")
            .bind(operator)
            .fetch_one(&pool)
            .await?;
    let cache = session.cache().pool().clone();
    let live = async {
        for _ in 0..200 {
            if session.live_updates_connected() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
    .await;
    anyhow::ensure!(live, "the client's change stream did not connect");
    let mut samples = Vec::new();
    for i in 0..50 {
        let title = format!("缓存可见 {i}");
        let t = Instant::now();
        sqlx::query("UPDATE messages SET title = $2 WHERE id = $1")
            .bind(message)
            .bind(&title)
            .execute(&pool)
            .await?;
        loop {
            let seen: Option<String> =
                sqlx::query_scalar("SELECT title FROM messages WHERE id = ?")
                    .bind(message.to_string())
                    .fetch_optional(&cache)
                    .await?;
            if seen.as_deref() == Some(title.as_str()) {
                break;
            }
            anyhow::ensure!(
                t.elapsed() < Duration::from_secs(10),
                "change {i} never reached the cache"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        samples.push(t.elapsed());
    }
    core.set_background_sync(false).await;
    samples.sort();
    figures.push(Figure {
        what: "commit on the server → row in another online client's SQLite cache (background loop, 50 commits)",
        goal: "≤ 1 s p95",
        measured: format!(
            "p50 {}, p95 {}",
            ms(pct(&samples, 50)),
            ms(pct(&samples, 95))
        ),
        met: pct(&samples, 95) <= Duration::from_secs(1),
    });

    // Push of 1,000 queued offline commands in one batch.
    let commands: Vec<CommandEnvelope> = (1..=1000)
        .map(|i| {
            let cmd = Command::SiteCreate(SiteFields {
                site_id: Uuid::now_v7(),
                name: format!("离线新店 {i}"),
                address: Some("深圳市南山区".into()),
                contact_name: None,
                contact_phone: None,
                description: None,
            });
            CommandEnvelope::new(Uuid::now_v7(), i, &cmd, Utc::now())
        })
        .collect();
    let t = Instant::now();
    let r: Value = http
        .post(format!("{base}/api/v1/sync/push"))
        .bearer_auth(&token)
        .json(&json!({"device_id": Uuid::now_v7(), "protocol_version": 1, "commands": commands}))
        .send()
        .await?
        .json()
        .await?;
    let push = t.elapsed();
    let accepted = r["results"]
        .as_array()
        .with_context(|| format!("push failed: {r}"))?
        .iter()
        .filter(|x| x["status"] == "accepted")
        .count();
    figures.push(Figure {
        what: "push of 1,000 queued commands (site.create), one batch",
        goal: "≤ 5 s",
        measured: format!("{accepted} accepted in {}", ms(push)),
        met: push <= Duration::from_secs(5) && accepted == 1000,
    });
    drop(server);
    Ok(figures)
}

async fn wait_event(
    resp: &mut reqwest::Response,
    buf: &mut String,
    name: &str,
) -> anyhow::Result<()> {
    let needle = format!("event: {name}");
    loop {
        if let Some(pos) = buf.find(&needle) {
            buf.drain(..pos + needle.len());
            return Ok(());
        }
        let chunk = tokio::time::timeout(Duration::from_secs(5), resp.chunk())
            .await
            .context("no event within 5 s")??
            .context("stream ended")?;
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}
