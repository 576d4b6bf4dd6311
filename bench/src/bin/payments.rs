//! `make bench` (payments part): verified payment notifications per second through the release
//! `mr-server` (issue "Wallet and payments", Benchmark: ≥ 1,000/s, zero double credits).
//!
//! Orders are seeded across many operators; each gets an Alipay notification signed with the
//! test "Alipay" key (signing happens before the clock starts: it is the channel's work, not
//! ours). Every notification is then sent twice — once, and once more as a resend — from
//! many concurrent connections; the figure is verified notifications handled per second, and
//! the run fails unless every order was credited exactly once.
//!
//! Prints a Markdown table on stdout; progress goes to stderr.

#[path = "../server.rs"]
mod server;

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use mr_payments::{alipay, SigningKey};
use sqlx::PgPool;

const ORDERS: usize = 4_000;
const OPERATORS: usize = 400;
const CONCURRENCY: usize = 64;

fn fixture(name: &str) -> anyhow::Result<String> {
    let path = format!(
        "{}/../crates/payments/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).with_context(|| path)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (rate, sent, credited, duplicates, orders) = server::with_fresh_database(
        "payments",
        8,
        |pool, url| async move { run(pool, &url).await },
    )
    .await?;
    println!("| payment notifications (Alipay, RSA2-verified, release server) | goal | figure | |");
    println!("|---|---|---|---|");
    println!(
        "| {sent} notifications for {orders} orders (each sent twice), {CONCURRENCY} connections | ≥ 1,000 / s | {rate} / s | {} |",
        if rate >= 1000 { "met" } else { "**not met**" }
    );
    println!(
        "| credits vs orders | exactly one each | {credited} credited, {duplicates} duplicates acknowledged, {orders} orders | {} |",
        if credited == orders as i64 && duplicates == orders as i64 { "met" } else { "**not met**" }
    );
    Ok(())
}

async fn run(pool: PgPool, url: &str) -> anyhow::Result<(u64, usize, i64, i64, usize)> {
    mr_server::MIGRATOR.run(&pool).await?;
    let config = mr_server::config::Config::for_test("postgres://unused");
    let accts =
        mr_server::launch::fixture::create(&pool, &config.master_key, OPERATORS, "10.00".parse()?)
            .await?;
    sqlx::query(
        "INSERT INTO payment_orders (out_trade_no, operator_id, channel, amount, expires_at)
         SELECT 'B' || lpad(g::text, 8, '0'), (ARRAY(SELECT unnest($1::uuid[])))[1 + g % $2],
                'alipay', 100.00, now() + interval '1 hour'
           FROM generate_series(0, $3 - 1) g",
    )
    .bind(accts.iter().map(|a| a.operator_id).collect::<Vec<_>>())
    .bind(OPERATORS as i32)
    .bind(ORDERS as i32)
    .execute(&pool)
    .await?;

    let env = [
        ("ALIPAY_APP_ID", "9021000122600000".to_string()),
        (
            "ALIPAY_APP_PRIVATE_KEY",
            fixture("wechat_merchant_private_pkcs8.pem")?,
        ),
        ("ALIPAY_PUBLIC_KEY", fixture("alipay_public_spki.pem")?),
        ("DB_MAX_CONNECTIONS", "32".to_string()),
    ];
    let env_ref: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_server, base) = server::start(url, &env_ref).await?;

    let key = SigningKey::from_pkcs8(&fixture("alipay_private_pkcs8.pem")?)?;
    let t = Instant::now();
    let mut forms = Vec::with_capacity(ORDERS * 2);
    for i in 0..ORDERS {
        let mut p = alipay::Params::new();
        for (k, v) in [
            ("app_id", "9021000122600000".to_string()),
            ("charset", "utf-8".into()),
            ("version", "1.0".into()),
            ("sign_type", "RSA2".into()),
            ("notify_type", "trade_status_sync".into()),
            ("notify_id", format!("bench{i}")),
            ("notify_time", "2026-11-26 10:15:10".into()),
            ("gmt_payment", "2026-11-26 10:15:09".into()),
            ("trade_no", format!("2026112622{i:010}")),
            ("out_trade_no", format!("B{i:08}")),
            ("total_amount", "100.00".into()),
            ("trade_status", "TRADE_SUCCESS".into()),
        ] {
            p.insert(k.into(), v);
        }
        alipay::sign_notify(&mut p, &key)?;
        let body = p
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        forms.push(body.clone());
        forms.push(body);
    }
    eprintln!("signed {ORDERS} notifications in {:?}", t.elapsed());

    let forms = Arc::new(forms);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()?;
    let url = format!("{base}/api/v1/payments/alipay/notify");
    let t = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (forms, next, http, url) = (forms.clone(), next.clone(), http.clone(), url.clone());
        workers.push(tokio::spawn(async move {
            let mut bad = 0usize;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(form) = forms.get(i) else { break };
                let r = http
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form.clone())
                    .send()
                    .await;
                let answer = match r {
                    Ok(r) => r.text().await.ok(),
                    Err(_) => None,
                };
                if answer.as_deref() != Some("success") {
                    bad += 1;
                }
            }
            bad
        }));
    }
    let mut bad = 0;
    for w in workers {
        bad += w.await?;
    }
    let elapsed = t.elapsed();
    anyhow::ensure!(bad == 0, "{bad} notifications were not answered success");
    let sent = forms.len();
    // per second, in whole notifications (integer arithmetic: the workspace forbids floats)
    let rate = (sent as u128 * 1000 / elapsed.as_millis().max(1)) as u64;
    eprintln!("{sent} notifications in {elapsed:?}");
    let (credited, duplicates): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE result = 'credited'),
                count(*) FILTER (WHERE result = 'duplicate') FROM payment_callbacks",
    )
    .fetch_one(&pool)
    .await?;
    let ledger: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ledger_entries WHERE entry_type = 'recharge'")
            .fetch_one(&pool)
            .await?;
    anyhow::ensure!(
        ledger == credited,
        "ledger entries {ledger} vs credits {credited}"
    );
    Ok((rate, sent, credited, duplicates, ORDERS))
}

/// application/x-www-form-urlencoded escaping.
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
