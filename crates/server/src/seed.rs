// PLACEHOLDER so the crate compiles; the seed-demo helper replaces this whole file.
pub struct DemoReport {
    pub created: bool,
    pub operators: i64,
    pub sites: i64,
    pub applications: i64,
    pub game_sessions: i64,
    pub ledger_entries: i64,
}

pub async fn seed_demo(
    _pool: &sqlx::PgPool,
    _master: &crate::crypto::MasterKey,
    _now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<DemoReport> {
    anyhow::bail!("seed-demo is being written")
}
