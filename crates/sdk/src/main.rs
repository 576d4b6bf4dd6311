//! `mr-headset`: a command-line headset. Studios use it to try their API key and
//! applications; operators of the platform use `simulate` to load-test the launch API.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use mr_protocol::launch::{LaunchClaims, LaunchRequest, LaunchResponse};
use mr_sdk::simulate::{load_accounts, simulate, Account, SimulateConfig};
use mr_sdk::{parse_lang, unix_now_secs, Client, Lang, SdkError, TokenVerifier};

/// Exit code when the command itself ran but found a problem (failed launches in a
/// simulation, a launch token that does not verify).
const EXIT_PROBLEMS_FOUND: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "mr-headset",
    version,
    about = "命令行头显：验证 API Key、列出应用、启动与结束游戏、验证启动令牌、压测 (a command-line headset: check the API key, list apps, launch and end games, verify launch tokens, load-test)"
)]
struct Cli {
    /// 服务器地址 (server base URL)
    #[arg(
        long,
        env = "MR_SERVER_URL",
        default_value = DEFAULT_SERVER,
        global = true
    )]
    server: String,

    /// 运营商 API Key，64 个字符 (the operator's 64-character API key)
    #[arg(long, env = "MR_API_KEY", hide_env_values = true, global = true)]
    api_key: Option<String>,

    /// 服务器消息语言：zh-CN 或 en (language of the server's messages: zh-CN or en)
    #[arg(long, default_value = "zh-CN", value_parser = lang_arg, global = true)]
    lang: Lang,

    /// 每个请求的超时秒数 (per-request timeout, seconds)
    #[arg(long, default_value_t = 30, global = true)]
    timeout: u64,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 验证 API Key，显示运营商与运营点 (check the API key; show the operator and its sites)
    Verify,
    /// 列出运营点，每行 “ID  名称” (list sites, one "id  name" per line)
    Sites,
    /// 列出可启动的应用 (list the applications this operator may launch)
    Apps,
    /// 授权启动一局游戏（会扣费）(authorise a game launch — this bills the operator)
    Launch {
        /// 应用代码 (application code)
        #[arg(long)]
        app: String,
        /// 运营点 ID (site id)
        #[arg(long)]
        site: String,
        /// 玩家数量 (number of players)
        #[arg(long, allow_negative_numbers = true)]
        players: i64,
        /// 指定会话 ID，用于重试同一次启动 (a session id to reuse, to retry the same launch)
        #[arg(long)]
        session_id: Option<String>,
    },
    /// 上报游戏结束 (report the end of a game)
    End {
        /// 会话 ID (session id)
        #[arg(long)]
        session: String,
        /// 游戏时长（秒）；省略则由服务器计算 (duration in seconds; the server computes it if omitted)
        #[arg(long)]
        duration: Option<i64>,
    },
    /// 用服务器的 JWKS 验证启动令牌 (verify a launch token against the server's JWKS)
    VerifyToken {
        /// 启动令牌 (the launch token)
        token: String,
    },
    /// 模拟大量头显并发启动游戏 (simulate many headsets launching games)
    Simulate {
        /// 启动总次数 (total launches)
        #[arg(long, default_value_t = 100)]
        launches: u64,
        /// 最大并发请求数 (maximum launches in flight)
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// 固定速率（每秒次数），省略则尽快 (fixed rate per second; as fast as possible if omitted)
        #[arg(long)]
        rate: Option<u64>,
        /// 账户文件（mr-server fixture launch --out 生成的 JSON 行）(accounts file: JSON lines from `mr-server fixture launch --out`)
        #[arg(long)]
        fixture: Option<PathBuf>,
        /// 每次成功启动后上报结束 (report the end of each launched game)
        #[arg(long)]
        end: bool,
    },
}

fn lang_arg(text: &str) -> Result<Lang, String> {
    parse_lang(text).map_err(|e| e.to_string())
}

/// Where to connect when neither `--server` nor a non-empty `MR_SERVER_URL` says otherwise.
const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

impl Cli {
    /// An empty `MR_SERVER_URL` (a common shell accident) means the default, not "".
    fn server(&self) -> &str {
        if self.server.trim().is_empty() {
            DEFAULT_SERVER
        } else {
            &self.server
        }
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout.max(1))
    }

    /// A client for commands that need the key.
    fn keyed_client(&self) -> Result<Client, SdkError> {
        let key = self.api_key.as_deref().map(str::trim).unwrap_or_default();
        if key.is_empty() {
            return Err(SdkError::Config(
                "需要 API Key：使用 --api-key 或环境变量 MR_API_KEY / an API key is required: pass --api-key or set MR_API_KEY".into(),
            ));
        }
        Client::builder(self.server(), key)
            .lang(self.lang)
            .timeout(self.timeout())
            .build()
    }

    /// A client for unsigned calls (the JWKS).
    fn plain_client(&self) -> Result<Client, SdkError> {
        Client::builder(self.server(), "")
            .lang(self.lang)
            .timeout(self.timeout())
            .build()
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli).await {
        Ok(code) => code,
        Err(e) => {
            print_error(&e);
            ExitCode::FAILURE
        }
    }
}

/// `错误 / error: CODE — message`, plus the details a developer needs to fix the request.
fn print_error(e: &SdkError) {
    eprintln!("错误 / error: {} — {}", e.code(), e.message());
    if let SdkError::Api {
        status,
        details,
        retry_after,
        ..
    } = e
    {
        eprintln!("  HTTP {status}");
        let empty = details.is_null() || details.as_object().is_some_and(|o| o.is_empty());
        if !empty {
            eprintln!("  详情 / details: {details}");
        }
        if let Some(s) = retry_after {
            eprintln!("  请 {s} 秒后重试 / retry after {s} s");
        }
    }
}

async fn run(cli: &Cli) -> Result<ExitCode, SdkError> {
    match &cli.command {
        Command::Verify => {
            let v = cli.keyed_client()?.verify().await?;
            println!("运营商 / operator: {} ({})", v.operator_name, v.operator_id);
            println!("运营点 / sites: {}", v.sites.len());
            for s in &v.sites {
                match &s.address {
                    Some(a) if !a.is_empty() => println!("  {}  {}  ({a})", s.site_id, s.name),
                    _ => println!("  {}  {}", s.site_id, s.name),
                }
            }
        }
        Command::Sites => {
            for s in cli.keyed_client()?.verify().await?.sites {
                println!("{}  {}", s.site_id, s.name);
            }
        }
        Command::Apps => {
            let apps = cli.keyed_client()?.apps().await?.apps;
            if apps.is_empty() {
                println!("没有可启动的应用 / no applications authorised");
            }
            for a in apps {
                let expiry = match a.authorization_expires_at {
                    Some(t) => format!("到期 / expires {t}"),
                    None => "永久 / permanent".to_string(),
                };
                println!(
                    "{}  {}  ¥{}/人 (per player)  玩家 / players {}-{}  {expiry}",
                    a.app_id, a.name, a.unit_price, a.min_players, a.max_players
                );
            }
        }
        Command::Launch {
            app,
            site,
            players,
            session_id,
        } => {
            let client = cli.keyed_client()?;
            let request = LaunchRequest {
                app_id: app.clone(),
                site_id: site.clone(),
                player_count: *players,
            };
            let response = match session_id {
                Some(id) => client.launch_with_session(id, &request).await?,
                None => client.launch(&request).await?,
            };
            print_launch(&response);
            return Ok(check_launch_token(&client, &response).await);
        }
        Command::End { session, duration } => {
            let r = cli.keyed_client()?.end(session, *duration).await?;
            println!("会话 / session: {}", r.session_id);
            println!("结束时间 / ended at: {}", r.ended_at);
            let how = if r.duration_estimated {
                "（服务器估算 / estimated by the server）"
            } else {
                ""
            };
            println!("时长 / duration: {} s{how}", r.duration_seconds);
        }
        Command::VerifyToken { token } => {
            let verifier = TokenVerifier::fetch(&cli.plain_client()?).await?;
            let claims = verifier.verify(token, unix_now_secs())?;
            println!("令牌有效 / token is valid");
            print_claims(&claims);
        }
        Command::Simulate {
            launches,
            concurrency,
            rate,
            fixture,
            end,
        } => {
            let accounts = match fixture {
                Some(path) => load_accounts(path)?,
                None => vec![single_account(cli).await?],
            };
            let config = SimulateConfig {
                server: cli.server().to_string(),
                lang: cli.lang,
                timeout: cli.timeout(),
                launches: *launches,
                concurrency: *concurrency,
                rate_per_sec: *rate,
                end_games: *end,
            };
            let rate_text = rate.map_or_else(|| "∞".to_string(), |r| r.to_string());
            println!(
                "模拟开始 / starting: {launches} 次启动 (launches), 并发 (concurrency) {concurrency}, 速率 (rate) {rate_text}/s, 账户 (accounts) {}",
                accounts.len()
            );
            let report = simulate(&config, &accounts).await?;
            println!("{report}");
            if report.failed() > 0 || !report.end_failures.is_empty() {
                return Ok(ExitCode::from(EXIT_PROBLEMS_FOUND));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_launch(r: &LaunchResponse) {
    println!("会话 / session: {}", r.session_id);
    println!("应用 / app: {} ({})", r.app_name, r.app_id);
    println!("运营点 / site: {}", r.site_id);
    println!("玩家 / players: {}", r.player_count);
    println!("单价 / unit price: ¥{}", r.unit_price);
    println!("费用 / total cost: ¥{}", r.total_cost);
    println!("余额 / balance after: ¥{}", r.balance_after);
    println!("授权时间 / authorized at: {}", r.authorized_at);
    println!("令牌到期 / token expires at: {}", r.token_expires_at);
    println!("启动令牌 / launch token: {}", r.launch_token);
}

fn print_claims(c: &LaunchClaims) {
    println!("  iss: {}", c.iss);
    println!("  sub (会话 / session): {}", c.sub);
    println!("  operator_id: {}", c.operator_id);
    println!("  site_id: {}", c.site_id);
    println!("  app_id: {}", c.app_id);
    println!("  player_count: {}", c.player_count);
    println!("  iat: {}{}", c.iat, unix_text(c.iat));
    println!("  exp: {}{}", c.exp, unix_text(c.exp));
}

fn unix_text(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| format!(" ({t})"))
        .unwrap_or_default()
}

/// Verifies the launch token against the JWKS and that it describes this launch.
async fn check_launch_token(client: &Client, r: &LaunchResponse) -> ExitCode {
    let verifier = match TokenVerifier::fetch(client).await {
        Ok(v) => v,
        Err(e) => {
            println!(
                "令牌验证 / token verified: 未知 / unknown (无法获取 JWKS / cannot fetch the JWKS)"
            );
            print_error(&e);
            return ExitCode::from(EXIT_PROBLEMS_FOUND);
        }
    };
    match verifier.verify(&r.launch_token, unix_now_secs()) {
        Ok(c) => {
            let matches = c.sub == r.session_id
                && c.app_id == r.app_id
                && c.site_id == r.site_id
                && c.player_count == r.player_count;
            if matches {
                println!("令牌验证 / token verified: 通过 / yes");
                ExitCode::SUCCESS
            } else {
                println!("令牌验证 / token verified: 签名有效但内容与响应不符 / signature ok but the claims do not match the response");
                print_claims(&c);
                ExitCode::from(EXIT_PROBLEMS_FOUND)
            }
        }
        Err(e) => {
            println!("令牌验证 / token verified: 否 / NO");
            print_error(&SdkError::Token(e));
            ExitCode::from(EXIT_PROBLEMS_FOUND)
        }
    }
}

/// Without a fixture: the `--api-key` account, its first site and first application.
async fn single_account(cli: &Cli) -> Result<Account, SdkError> {
    let client = cli.keyed_client()?;
    let verify = client.verify().await?;
    let site = verify.sites.first().ok_or_else(|| {
        SdkError::Config("该运营商没有运营点 / this operator has no sites".into())
    })?;
    let apps = client.apps().await?.apps;
    let app = apps.first().ok_or_else(|| {
        SdkError::Config(
            "该运营商没有已授权的应用 / this operator has no authorised applications".into(),
        )
    })?;
    Ok(Account {
        operator_id: verify.operator_id,
        api_key: client.api_key().to_string(),
        site_id: site.site_id,
        app_code: app.app_id.clone(),
        unit_price: app.unit_price,
        min_players: app.min_players,
        max_players: app.max_players,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn options_parse() {
        let cli = Cli::try_parse_from([
            "mr-headset",
            "--lang",
            "en",
            "simulate",
            "--launches",
            "10",
            "--concurrency",
            "4",
            "--rate",
            "100",
            "--end",
        ])
        .unwrap();
        assert_eq!(cli.lang, Lang::En);
        assert!(matches!(
            cli.command,
            Command::Simulate {
                launches: 10,
                concurrency: 4,
                rate: Some(100),
                end: true,
                ..
            }
        ));
        assert!(Cli::try_parse_from(["mr-headset", "--lang", "fr", "verify"]).is_err());
        assert!(Cli::try_parse_from(["mr-headset", "launch", "--app", "x"]).is_err());
        let launch = Cli::try_parse_from([
            "mr-headset",
            "launch",
            "--app",
            "space_adventure",
            "--site",
            "s",
            "--players",
            "4",
            "--api-key",
            "k",
        ])
        .unwrap();
        assert_eq!(launch.api_key.as_deref(), Some("k"));
    }
}
