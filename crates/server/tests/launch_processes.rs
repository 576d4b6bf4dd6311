//! The launch path with several real `mr-server` processes on one database: the balance is
//! never overspent nor charged twice, and with `REDIS_URL` the rate limits and the abuse lock
//! are shared between the processes.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::headset::{expect_error, fresh_window, random_ip, Forge, Headset};
use mr_protocol::launch::AUTHORIZE_PATH;
use mr_server::launch::fixture::{self, FixtureAccount};
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use sqlx::PgPool;

const BIN: &str = env!("CARGO_BIN_EXE_mr-server");

struct Proc {
    child: Child,
    base: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn database_url(pool: &PgPool) -> String {
    let db: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(pool)
        .await
        .unwrap();
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let (prefix, _) = base.rsplit_once('/').unwrap();
    format!("{prefix}/{db}")
}

async fn spawn(url: &str, env: &[(&str, &str)]) -> Proc {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .env("DATABASE_URL", url)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "warn")
        .env_remove("REDIS_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let proc = Proc {
        child: cmd.spawn().unwrap(),
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    let started = Instant::now();
    while http
        .get(format!("{}/health", proc.base))
        .send()
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    proc
}

async fn accounts(pool: &PgPool, n: usize, balance: &str) -> Vec<FixtureAccount> {
    let master = mr_server::config::Config::for_test("unused").master_key;
    fixture::create(pool, &master, n, balance.parse().unwrap())
        .await
        .unwrap()
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn five_n_concurrent_launches_on_two_processes_charge_exactly_n(pool: PgPool) {
    let url = database_url(&pool).await;
    let off = [
        ("RATE_LIMIT_OPERATOR_PER_MIN", "0"),
        ("RATE_LIMIT_IP_PER_MIN", "0"),
        ("ABUSE_LOCK", "off"),
    ];
    let (a, b) = (spawn(&url, &off).await, spawn(&url, &off).await);
    // Balance for exactly N games of 2 players at 10.00.
    let n = 20;
    let acct = accounts(&pool, 1, "400.00").await.remove(0);
    let tasks: Vec<_> = (0..5 * n)
        .map(|i| {
            let base = if i % 2 == 0 { &a.base } else { &b.base };
            let h = Headset::new(base, acct.clone());
            tokio::spawn(async move { h.launch(2).await })
        })
        .collect();
    let (mut ok, mut broke) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            StatusCode::OK => ok += 1,
            _ => {
                let d = expect_error(&r, 402, "INSUFFICIENT_BALANCE");
                assert_eq!(d["cost"], "20.00");
                broke += 1;
            }
        }
    }
    assert_eq!((ok, broke), (n, 4 * n));
    let (balance, ledger_sum, ledger_count, sessions, session_sum): (Decimal, Decimal, i64, i64, Decimal) =
        sqlx::query_as(
            "SELECT o.balance,
                    (SELECT sum(amount) FROM ledger_entries WHERE operator_id = o.id),
                    (SELECT count(*) FROM ledger_entries WHERE operator_id = o.id AND entry_type = 'consumption'),
                    (SELECT count(*) FROM game_sessions WHERE operator_id = o.id),
                    (SELECT sum(total_cost) FROM game_sessions WHERE operator_id = o.id)
               FROM operators o WHERE o.id = $1",
        )
        .bind(acct.operator_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(balance, Decimal::ZERO);
    assert_eq!(ledger_sum, balance, "the ledger explains the balance");
    assert_eq!((ledger_count, sessions), (n as i64, n as i64));
    assert_eq!(session_sum, "400.00".parse::<Decimal>().unwrap());
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn with_redis_two_processes_share_rate_limits_and_the_abuse_lock(pool: PgPool) {
    fresh_window(300, 20).await;
    fresh_window(60, 10).await;
    let url = database_url(&pool).await;
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let env = [
        ("REDIS_URL", redis.as_str()),
        ("RATE_LIMIT_OPERATOR_PER_MIN", "4"),
        ("RATE_LIMIT_IP_PER_MIN", "0"),
    ];
    let (a, b) = (spawn(&url, &env).await, spawn(&url, &env).await);
    let accts = accounts(&pool, 2, "1000.00").await;
    let on = |base: &str, acct: &FixtureAccount, ip: &str| {
        let mut h = Headset::new(base, acct.clone());
        h.ip = Some(ip.to_string());
        h
    };

    // Rate limit: 4 launches a minute for the operator, counted over both processes.
    let ip = random_ip();
    let (ha, hb) = (on(&a.base, &accts[0], &ip), on(&b.base, &accts[0], &ip));
    for h in [&ha, &hb, &ha, &hb] {
        assert_eq!(h.launch(1).await.status, StatusCode::OK);
    }
    for h in [&ha, &hb] {
        let r = h.launch(1).await;
        expect_error(&r, 429, "RATE_LIMIT_EXCEEDED");
        assert!(r.headers.contains_key("retry-after"));
    }

    // Abuse: 21 forged requests from one IP, split over the two processes, lock the operator.
    let ip = random_ip();
    let (fa, fb) = (on(&a.base, &accts[1], &ip), on(&b.base, &accts[1], &ip));
    let forged = Forge {
        signature: Some("Zm9yZ2Vk".into()),
        ..Forge::default()
    };
    for i in 0..21 {
        let h = if i % 2 == 0 { &fa } else { &fb };
        let s = h.session_id();
        let r = h
            .send(Method::POST, AUTHORIZE_PATH, &h.body(1), Some(&s), &forged)
            .await;
        expect_error(&r, 400, "INVALID_SIGNATURE");
    }
    let mut locked = false;
    for _ in 0..100 {
        locked = sqlx::query_scalar("SELECT is_locked FROM operators WHERE id = $1")
            .bind(accts[1].operator_id)
            .fetch_one(&pool)
            .await
            .unwrap();
        if locked {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        locked,
        "neither process alone saw more than 11 failures; together they saw 21"
    );
    expect_error(&fa.launch(1).await, 403, "OPERATOR_LOCKED");
    expect_error(&fb.launch(1).await, 403, "OPERATOR_LOCKED");
}
