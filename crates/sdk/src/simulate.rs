//! A load simulator: many headsets launching games at once.
//!
//! It drives the real launch path (signing, session ids, JSON) at thousands of requests per
//! second on a small machine that also runs the server, so the hot loop allocates no
//! clients, prints nothing and keeps per-worker statistics that are merged only at the end.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mr_domain::error::Lang;
use mr_domain::Money;
use mr_protocol::launch::LaunchRequest;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::client::{unix_now_millis, Client, ClientBuilder, DEFAULT_TIMEOUT};
use crate::error::SdkError;
use crate::session::session_id_at;
use crate::stats::{micros_as_millis_text, per_second, LatencySummary};

/// A launch that starts later than this after its scheduled time counts as behind schedule
/// (tokio's timer has millisecond resolution, so anything finer would be noise).
pub const BEHIND_TOLERANCE: Duration = Duration::from_millis(1);

/// One operator account able to launch one application at one site: a line of the file
/// written by `mr-server fixture launch --out FILE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub operator_id: Uuid,
    pub api_key: String,
    pub site_id: Uuid,
    pub app_code: String,
    pub unit_price: Money,
    pub min_players: i32,
    pub max_players: i32,
}

impl Account {
    /// The player count the simulator uses: the application's minimum (the cheapest game,
    /// so a prepaid balance lasts longest), but never below 1.
    pub fn player_count(&self) -> i64 {
        i64::from(self.min_players.max(1))
    }

    /// The launch request this account sends.
    pub fn launch_request(&self) -> LaunchRequest {
        LaunchRequest {
            app_id: self.app_code.clone(),
            site_id: self.site_id.to_string(),
            player_count: self.player_count(),
        }
    }
}

/// Parses JSON lines (one [`Account`] per line; blank lines ignored). Errors name the line.
pub fn parse_accounts(text: &str) -> Result<Vec<Account>, SdkError> {
    let mut accounts = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let account: Account = serde_json::from_str(line).map_err(|e| {
            SdkError::Io(format!(
                "第 {} 行不是有效的账户 / line {} is not a valid account: {e}",
                index + 1,
                index + 1
            ))
        })?;
        accounts.push(account);
    }
    Ok(accounts)
}

/// Reads and parses a fixture file.
pub fn load_accounts(path: &Path) -> Result<Vec<Account>, SdkError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SdkError::Io(format!("无法读取 / cannot read {}: {e}", path.display())))?;
    let accounts = parse_accounts(&text)?;
    if accounts.is_empty() {
        return Err(SdkError::Io(format!(
            "文件中没有账户 / no accounts in {}",
            path.display()
        )));
    }
    Ok(accounts)
}

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimulateConfig {
    /// Server base URL, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    pub lang: Lang,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Total launches to attempt, spread round-robin over the accounts.
    pub launches: u64,
    /// Launches in flight at most.
    pub concurrency: usize,
    /// Open-loop pacing: launch `i` is scheduled at `start + i / rate`. `None` = as fast as
    /// the concurrency allows (closed loop).
    pub rate_per_sec: Option<u64>,
    /// Report the end of each successfully launched game.
    pub end_games: bool,
}

impl SimulateConfig {
    pub fn new(server: &str, launches: u64, concurrency: usize) -> Self {
        SimulateConfig {
            server: server.to_string(),
            lang: Lang::Zh,
            timeout: DEFAULT_TIMEOUT,
            launches,
            concurrency,
            rate_per_sec: None,
            end_games: false,
        }
    }
}

/// The outcome of a simulation. Latencies are of successful launches, measured from the
/// moment the request was sent, in microseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SimulateReport {
    pub attempted: u64,
    pub succeeded: u64,
    /// Failed launches by error code (`TRANSPORT`, `TIMEOUT` or the server's code).
    pub failures: BTreeMap<String, u64>,
    /// Games whose end was reported successfully (with `end_games`).
    pub ended: u64,
    /// Failed end reports by error code.
    pub end_failures: BTreeMap<String, u64>,
    /// Launches that started more than [`BEHIND_TOLERANCE`] after their scheduled time
    /// (only with a fixed rate): the client or server could not keep up with the rate.
    pub behind_schedule: u64,
    pub elapsed: Duration,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    pub mean_us: u64,
    /// Successful launches per second over `elapsed` (rounded down).
    pub throughput_per_sec: u64,
    /// The requested rate, if any, echoed for the report.
    pub rate_per_sec: Option<u64>,
    pub concurrency: usize,
}

impl SimulateReport {
    pub fn failed(&self) -> u64 {
        self.failures.values().sum()
    }
}

impl fmt::Display for SimulateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let elapsed_us = u64::try_from(self.elapsed.as_micros()).unwrap_or(u64::MAX);
        writeln!(f, "模拟结果 / simulation report")?;
        writeln!(f, "  并发 / concurrency: {}", self.concurrency)?;
        if let Some(rate) = self.rate_per_sec {
            writeln!(f, "  目标速率 / target rate: {rate}/s")?;
        }
        writeln!(f, "  尝试 / attempted: {}", self.attempted)?;
        writeln!(f, "  成功 / succeeded: {}", self.succeeded)?;
        writeln!(f, "  失败 / failed: {}", self.failed())?;
        for (code, n) in &self.failures {
            writeln!(f, "    {code}: {n}")?;
        }
        if self.ended > 0 || !self.end_failures.is_empty() {
            writeln!(f, "  已结束 / games ended: {}", self.ended)?;
            for (code, n) in &self.end_failures {
                writeln!(f, "    结束失败 / end failed {code}: {n}")?;
            }
        }
        if self.rate_per_sec.is_some() {
            writeln!(
                f,
                "  落后于计划 / behind schedule: {}",
                self.behind_schedule
            )?;
        }
        writeln!(
            f,
            "  耗时 / elapsed: {} s",
            micros_as_millis_text(elapsed_us / 1000)
        )?;
        writeln!(
            f,
            "  吞吐量 / throughput: {} 次/秒 (launches/s)",
            self.throughput_per_sec
        )?;
        write!(
            f,
            "  延迟 / latency (ms): p50 {}  p90 {}  p99 {}  max {}  mean {}",
            micros_as_millis_text(self.p50_us),
            micros_as_millis_text(self.p90_us),
            micros_as_millis_text(self.p99_us),
            micros_as_millis_text(self.max_us),
            micros_as_millis_text(self.mean_us),
        )
    }
}

/// Everything the workers share, built once before the clock starts.
struct Plan {
    clients: Vec<Client>,
    requests: Vec<LaunchRequest>,
    operators: Vec<Uuid>,
    next: AtomicU64,
    launches: u64,
    rate_per_sec: Option<u64>,
    end_games: bool,
    start: Instant,
}

/// One worker's tallies, merged after all workers finish (no shared counters in the loop).
#[derive(Default)]
struct Tally {
    latencies: Vec<u64>,
    succeeded: u64,
    failures: BTreeMap<String, u64>,
    ended: u64,
    end_failures: BTreeMap<String, u64>,
    behind: u64,
    attempted: u64,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.succeeded += other.succeeded;
        self.ended += other.ended;
        self.behind += other.behind;
        self.attempted += other.attempted;
        for (k, v) in other.failures {
            *self.failures.entry(k).or_insert(0) += v;
        }
        for (k, v) in other.end_failures {
            *self.end_failures.entry(k).or_insert(0) += v;
        }
    }
}

/// When launch `i` is due at `rate` per second, relative to the start.
fn due_offset(i: u64, rate: u64) -> Duration {
    let nanos = u128::from(i) * 1_000_000_000 / u128::from(rate.max(1));
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

fn saturating_micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

async fn worker(plan: Arc<Plan>, capacity: usize) -> Tally {
    let mut tally = Tally {
        latencies: Vec::with_capacity(capacity),
        ..Tally::default()
    };
    let mut rng = StdRng::from_entropy();
    let accounts = plan.clients.len() as u64;
    loop {
        let i = plan.next.fetch_add(1, Ordering::Relaxed);
        if i >= plan.launches {
            break;
        }
        if let Some(rate) = plan.rate_per_sec {
            if let Some(due) = plan.start.checked_add(due_offset(i, rate)) {
                let now = Instant::now();
                if due > now {
                    tokio::time::sleep_until(due.into()).await;
                } else if now.duration_since(due) > BEHIND_TOLERANCE {
                    tally.behind += 1;
                }
            }
        }
        let k = usize::try_from(i % accounts).unwrap_or(0);
        let (Some(client), Some(request), Some(operator)) = (
            plan.clients.get(k),
            plan.requests.get(k),
            plan.operators.get(k),
        ) else {
            break;
        };
        let session_id = session_id_at(*operator, unix_now_millis(), &mut rng);
        tally.attempted += 1;
        let sent = Instant::now();
        match client.launch_with_session(&session_id, request).await {
            Ok(response) => {
                tally.latencies.push(saturating_micros(sent.elapsed()));
                tally.succeeded += 1;
                if plan.end_games {
                    match client.end(&response.session_id, None).await {
                        Ok(_) => tally.ended += 1,
                        Err(e) => *tally.end_failures.entry(e.code().to_string()).or_insert(0) += 1,
                    }
                }
            }
            Err(e) => *tally.failures.entry(e.code().to_string()).or_insert(0) += 1,
        }
    }
    tally
}

/// Runs the simulation and reports. Needs a tokio runtime; a multi-threaded one uses all
/// cores. Fails only on bad configuration; request failures are counted in the report.
pub async fn simulate(
    config: &SimulateConfig,
    accounts: &[Account],
) -> Result<SimulateReport, SdkError> {
    if accounts.is_empty() {
        return Err(SdkError::Config(
            "没有可用的账户 / no accounts to simulate with".into(),
        ));
    }
    if config.concurrency == 0 {
        return Err(SdkError::Config(
            "并发数必须至少为 1 / concurrency must be at least 1".into(),
        ));
    }
    if config.rate_per_sec == Some(0) {
        return Err(SdkError::Config(
            "速率必须至少为 1 / the rate must be at least 1 per second".into(),
        ));
    }
    // One pool for every account: connections are per host, not per key.
    let base = ClientBuilder::new(&config.server, "")
        .lang(config.lang)
        .timeout(config.timeout)
        .pool_max_idle_per_host(config.concurrency)
        // Measure the server, not our retries; a retry would hide a timeout.
        .launch_retries(0)
        .build()?;
    let mut clients = Vec::with_capacity(accounts.len());
    for a in accounts {
        clients.push(base.with_api_key(&a.api_key)?.with_operator(a.operator_id));
    }
    let workers = usize::try_from(config.launches)
        .unwrap_or(usize::MAX)
        .min(config.concurrency);
    let capacity = usize::try_from(config.launches / (workers.max(1) as u64) + 1).unwrap_or(0);
    let plan = Arc::new(Plan {
        clients,
        requests: accounts.iter().map(Account::launch_request).collect(),
        operators: accounts.iter().map(|a| a.operator_id).collect(),
        next: AtomicU64::new(0),
        launches: config.launches,
        rate_per_sec: config.rate_per_sec,
        end_games: config.end_games,
        start: Instant::now(),
    });
    let handles: Vec<_> = (0..workers)
        .map(|_| tokio::spawn(worker(Arc::clone(&plan), capacity)))
        .collect();
    let mut total = Tally::default();
    for h in handles {
        match h.await {
            Ok(t) => total.merge(t),
            Err(e) => {
                // A worker cannot panic by design; if one did, say so instead of hiding it.
                *total.failures.entry("WORKER_FAILED".into()).or_insert(0) += 1;
                eprintln!("模拟任务异常 / a simulation task failed: {e}");
            }
        }
    }
    let elapsed = plan.start.elapsed();
    let summary = LatencySummary::from_sample(&mut total.latencies);
    Ok(SimulateReport {
        attempted: total.attempted,
        succeeded: total.succeeded,
        failures: total.failures,
        ended: total.ended,
        end_failures: total.end_failures,
        behind_schedule: total.behind,
        elapsed,
        p50_us: summary.p50_us,
        p90_us: summary.p90_us,
        p99_us: summary.p99_us,
        max_us: summary.max_us,
        mean_us: summary.mean_us,
        throughput_per_sec: per_second(total.succeeded, saturating_micros(elapsed)),
        rate_per_sec: config.rate_per_sec,
        concurrency: config.concurrency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"operator_id":"0b9d8c36-3c57-4d55-9a0e-2d4a1f3e5b6c","api_key":"k1","site_id":"7d1c8c2e-2f4b-4b7a-9a39-0c4f9e0b6a11","app_code":"space_adventure","unit_price":"25.00","min_players":2,"max_players":6}"#;

    #[test]
    fn fixture_lines_parse() {
        let text = format!("{LINE}\n\n  {LINE}  \n");
        let accounts = parse_accounts(&text).unwrap();
        assert_eq!(accounts.len(), 2);
        let a = &accounts[0];
        assert_eq!(a.api_key, "k1");
        assert_eq!(a.app_code, "space_adventure");
        assert_eq!(a.unit_price, Money::yuan(25));
        assert_eq!((a.min_players, a.max_players), (2, 6));
        let r = a.launch_request();
        assert_eq!(r.site_id, "7d1c8c2e-2f4b-4b7a-9a39-0c4f9e0b6a11");
        assert_eq!(r.player_count, 2);
        // Serialising gives back the same field names.
        let back: serde_json::Value = serde_json::to_value(a).unwrap();
        let orig: serde_json::Value = serde_json::from_str(LINE).unwrap();
        assert_eq!(back, orig);
    }

    #[test]
    fn bad_fixture_lines_name_the_line() {
        let text = format!("{LINE}\n{{\"operator_id\":\"nope\"}}\n");
        match parse_accounts(&text) {
            Err(SdkError::Io(m)) => assert!(m.contains("line 2"), "{m}"),
            other => panic!("unexpected {other:?}"),
        }
        // Money as a JSON number is refused: it would have passed through a float.
        let float_price = LINE.replace("\"25.00\"", "25.0");
        assert!(parse_accounts(&float_price).is_err());
        assert!(parse_accounts("").unwrap().is_empty());
    }

    #[test]
    fn zero_min_players_still_launches_one() {
        let mut a = parse_accounts(LINE).unwrap().remove(0);
        a.min_players = 0;
        assert_eq!(a.player_count(), 1);
    }

    #[test]
    fn pacing_is_integer_exact() {
        assert_eq!(due_offset(0, 3000), Duration::ZERO);
        assert_eq!(due_offset(3000, 3000), Duration::from_secs(1));
        assert_eq!(due_offset(1, 3), Duration::from_nanos(333_333_333));
        assert_eq!(due_offset(u64::MAX, 1), Duration::from_nanos(u64::MAX));
    }

    #[test]
    fn report_reads_in_both_languages() {
        let mut failures = BTreeMap::new();
        failures.insert("INSUFFICIENT_BALANCE".to_string(), 3);
        let r = SimulateReport {
            attempted: 1003,
            succeeded: 1000,
            failures,
            elapsed: Duration::from_millis(1500),
            p50_us: 1234,
            throughput_per_sec: 666,
            rate_per_sec: Some(700),
            concurrency: 8,
            ..SimulateReport::default()
        };
        let text = r.to_string();
        assert!(text.contains("成功 / succeeded: 1000"), "{text}");
        assert!(text.contains("失败 / failed: 3"), "{text}");
        assert!(text.contains("INSUFFICIENT_BALANCE: 3"), "{text}");
        assert!(text.contains("耗时 / elapsed: 1.500 s"), "{text}");
        assert!(text.contains("p50 1.234"), "{text}");
        assert!(text.contains("666 次/秒"), "{text}");
        assert!(text.contains("behind schedule: 0"), "{text}");
    }

    #[tokio::test]
    async fn bad_configuration_is_refused_before_sending() {
        let accounts = parse_accounts(LINE).unwrap();
        let mut c = SimulateConfig::new("http://127.0.0.1:9", 1, 0);
        assert!(matches!(
            simulate(&c, &accounts).await,
            Err(SdkError::Config(_))
        ));
        c.concurrency = 1;
        c.rate_per_sec = Some(0);
        assert!(matches!(
            simulate(&c, &accounts).await,
            Err(SdkError::Config(_))
        ));
        c.rate_per_sec = None;
        assert!(matches!(simulate(&c, &[]).await, Err(SdkError::Config(_))));
    }

    #[tokio::test]
    async fn an_unreachable_server_is_counted_not_fatal() {
        let accounts = parse_accounts(LINE).unwrap();
        let mut c = SimulateConfig::new("http://127.0.0.1:9", 5, 2);
        c.timeout = Duration::from_secs(5);
        c.rate_per_sec = Some(1000);
        let r = simulate(&c, &accounts).await.unwrap();
        assert_eq!(r.attempted, 5);
        assert_eq!(r.succeeded, 0);
        assert_eq!(r.failed(), 5);
        assert_eq!(r.throughput_per_sec, 0);
        let counted: u64 = ["TRANSPORT", "TIMEOUT"]
            .iter()
            .filter_map(|k| r.failures.get(*k))
            .sum();
        assert_eq!(counted, 5, "{:?}", r.failures);
    }
}
