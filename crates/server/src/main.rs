//! `mr-server`: serve, migrate, seed-demo, create-uat, fixture, rotate-launch-key.

use clap::{Parser, Subcommand};
use mr_server::config::Config;

#[derive(Parser)]
#[command(
    name = "mr-server",
    version,
    about = "MR Game Operations Platform server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, then serve HTTP on BIND until SIGINT/SIGTERM.
    Serve,
    /// Create the database if needed and apply every migration.
    Migrate,
    /// Load the demo data set (idempotent).
    SeedDemo,
    /// Create uat_operator, uat_admin and uat_finance (idempotent; password from UAT_PASSWORD).
    CreateUat,
    /// Create data for demos, benchmarks and tests.
    Fixture {
        #[command(subcommand)]
        what: Fixture,
    },
    /// Retire the current launch-token signing key and start signing with a new one (the old
    /// key stays in the JWKS until the tokens it signed have expired).
    RotateLaunchKey,
}

#[derive(Subcommand)]
enum Fixture {
    /// N active operators, each with an API key, one site and an active authorization for the
    /// fixture application; writes one JSON object per line to FILE.
    Launch {
        #[arg(long, default_value_t = 10)]
        operators: usize,
        /// Opening balance of each operator, in yuan (a decimal, e.g. 100.00).
        #[arg(long, default_value = "100.00")]
        balance: rust_decimal::Decimal,
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    mr_server::telemetry::init_logging(config.log_json);
    match cli.command {
        Command::Serve => mr_server::serve(config).await,
        Command::Migrate => {
            mr_server::ensure_database(&config.database_url).await?;
            let pool = mr_server::connect(&config).await?;
            mr_server::migrate(&pool).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::SeedDemo => {
            let pool = mr_server::connect(&config).await?;
            mr_server::migrate(&pool).await?;
            let r =
                mr_server::seed::seed_demo(&pool, &config.master_key, chrono::Utc::now()).await?;
            if r.created {
                println!(
                    "demo data loaded: {} operators, {} sites, {} applications, {} game sessions, {} ledger entries",
                    r.operators, r.sites, r.applications, r.game_sessions, r.ledger_entries
                );
            } else {
                println!("demo data already present; nothing changed");
            }
            Ok(())
        }
        Command::CreateUat => {
            let pool = mr_server::connect(&config).await?;
            mr_server::migrate(&pool).await?;
            let pw = std::env::var("UAT_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| mr_server::uat::DEFAULT_PASSWORD.to_string());
            mr_domain::validate::password(&pw).map_err(|_| {
                anyhow::anyhow!("UAT_PASSWORD must have 8-64 characters with letters and digits")
            })?;
            let created =
                mr_server::uat::create_uat_with_key(&pool, &config.master_key, &pw).await?;
            if created.is_empty() {
                println!("UAT accounts already present; nothing changed");
            } else {
                println!("created UAT accounts: {}", created.join(", "));
            }
            Ok(())
        }
        Command::Fixture {
            what:
                Fixture::Launch {
                    operators,
                    balance,
                    out,
                },
        } => {
            let pool = mr_server::connect(&config).await?;
            mr_server::migrate(&pool).await?;
            let accounts =
                mr_server::launch::fixture::create(&pool, &config.master_key, operators, balance)
                    .await?;
            mr_server::launch::fixture::write_jsonl(&out, &accounts)?;
            println!(
                "{} fixture operators written to {} (balance {balance} each, app {})",
                accounts.len(),
                out.display(),
                mr_server::launch::fixture::APP_CODE
            );
            Ok(())
        }
        Command::RotateLaunchKey => {
            let pool = mr_server::connect(&config).await?;
            mr_server::migrate(&pool).await?;
            let signer = mr_server::launch::signer::LaunchSigner::load(
                pool,
                config.master_key.clone(),
                config.launch_token_ttl,
                config.launch_key_rotation,
            )
            .await?;
            let old = signer.current_kid();
            signer.refresh(true).await?;
            println!(
                "launch signing key rotated: {old} → {}",
                signer.current_kid()
            );
            Ok(())
        }
    }
}
