//! The `mr-server` binary's contract, exactly as README and other tools use it:
//! `migrate`, `seed-demo`, `create-uat`, `serve` with `DATABASE_URL` and `BIND`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::PgPool;

const BIN: &str = env!("CARGO_BIN_EXE_mr-server");

fn database_url(db: &str) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let (prefix, _) = base.rsplit_once('/').expect("URL with a database name");
    format!("{prefix}/{db}")
}

fn run(url: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", url)
        .env("LOG_FORMAT", "json")
        .env_remove("UAT_PASSWORD")
        .output()
        .expect("run mr-server");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "mr-server {args:?} failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[sqlx::test(migrations = false)]
async fn migrate_seed_uat_and_serve_as_documented(pool: PgPool) {
    let db: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&pool)
        .await
        .unwrap();
    let url = database_url(&db);

    assert!(run(&url, &["migrate"]).contains("migrations applied"));
    assert!(run(&url, &["seed-demo"]).contains("demo data loaded"));
    assert!(run(&url, &["seed-demo"]).contains("already present"));
    assert!(run(&url, &["create-uat"]).contains("uat_operator"));
    assert!(run(&url, &["create-uat"]).contains("already present"));

    let bind = format!("127.0.0.1:{}", free_port());
    let mut server = Command::new(BIN)
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("BIND", &bind)
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://{bind}");
    let http = reqwest::Client::new();
    let started = Instant::now();
    while http.get(format!("{base}/health")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let r = http.get(format!("{base}/health/db")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    for (user, ws) in [
        ("uat_operator", "operator"),
        ("uat_admin", "admin"),
        ("uat_finance", "finance"),
    ] {
        let r = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": user, "password": "Uat@123456", "workspace": ws}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{user}");
        let v: Value = r.json().await.unwrap();
        assert!(
            v["access_token"].is_string() && v["refresh_token"].is_string(),
            "{v}"
        );
        assert!(v["expires_in"].as_u64().unwrap() > 0);
        assert_eq!(v["user"]["username"], user);
    }
    // The demo data shows up on the home pages.
    let v: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "demo_admin", "password": "Demo@123456", "workspace": "admin"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let overview: Value = http
        .get(format!("{base}/api/v1/admin/overview"))
        .bearer_auth(v["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        overview["operators_total"].as_i64().unwrap() >= 12,
        "{overview}"
    );
    assert!(
        overview["pending_requests"].as_i64().unwrap() >= 1,
        "{overview}"
    );

    // SIGTERM drains and exits cleanly.
    let pid = server.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = server.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "server ignored SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "exit status {status}");
    let out = server.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&out.stdout);
    // JSON log lines; request lines carry the request id.
    let lines: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(!lines.is_empty(), "no JSON logs: {logs}");
    assert!(
        lines.iter().any(|l| l["span"]["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())),
        "no request id in logs: {logs}"
    );
    assert!(!logs.contains("Uat@123456"), "a password was logged");
}

/// Every table of the data model named in the foundation issue exists.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn schema_has_the_whole_data_model(pool: PgPool) {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for t in [
        "operators",
        "staff_users",
        "sites",
        "applications",
        "application_price_history",
        "authorization_requests",
        "authorizations",
        "game_sessions",
        "launch_attempts",
        "ledger_entries",
        "payment_orders",
        "payment_callbacks",
        "refunds",
        "invoices",
        "announcements",
        "messages",
        "audit_log",
        "auth_sessions",
        "refresh_tokens",
    ] {
        assert!(tables.iter().any(|x| x == t), "missing table {t}");
    }
    // Money columns are NUMERIC(14,2), never floating point.
    let floats: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.columns
         WHERE table_schema = 'public' AND data_type IN ('real', 'double precision')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(floats, 0);
    let balance: (String, i32, i32) = sqlx::query_as(
        "SELECT data_type::text, numeric_precision, numeric_scale FROM information_schema.columns
         WHERE table_name = 'operators' AND column_name = 'balance'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(balance, ("numeric".to_string(), 14, 2));
}

#[sqlx::test(migrations = false)]
async fn fixture_launch_writes_ready_accounts(pool: PgPool) {
    let db: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&pool)
        .await
        .unwrap();
    let url = database_url(&db);
    let dir = std::env::temp_dir().join(format!("mr-fixture-{db}"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("accounts.jsonl");
    let out = run(
        &url,
        &[
            "fixture",
            "launch",
            "--operators",
            "5",
            "--balance",
            "100.00",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.contains("5 fixture operators"), "{out}");
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    for l in &lines {
        let keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys.len(),
            7,
            "operator_id, api_key, site_id, app_code, unit_price, min_players, max_players: {l}"
        );
        assert_eq!(l["api_key"].as_str().unwrap().len(), 64);
        assert_eq!(l["unit_price"], "10.00");
        assert_eq!(
            (l["min_players"].as_i64(), l["max_players"].as_i64()),
            (Some(1), Some(8))
        );
    }
    // Each has its balance through the ledger, one site and an active authorization.
    let ok: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM operators o
          WHERE o.balance = 100.00
            AND (SELECT sum(amount) FROM ledger_entries l WHERE l.operator_id = o.id) = 100.00
            AND (SELECT count(*) FROM sites s WHERE s.operator_id = o.id) = 1
            AND EXISTS (SELECT 1 FROM authorizations z WHERE z.operator_id = o.id AND z.status = 'active')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(ok, 5);
    let _ = std::fs::remove_dir_all(&dir);
}
