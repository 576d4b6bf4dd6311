//! `mr-server fixture launch`: ready-to-launch operators for demos, benchmarks and tests.
//!
//! Each operator gets an API key, one site, an active authorization for the fixture
//! application and an opening balance entered through the ledger (an adjustment), like any
//! other balance change.

use std::io::Write;

use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::crypto::{issue_api_key, MasterKey};

pub const APP_CODE: &str = "fixture_arena";
pub const APP_PRICE: Decimal = Decimal::from_parts(1000, 0, 0, false, 2); // 10.00
pub const APP_MIN_PLAYERS: i32 = 1;
pub const APP_MAX_PLAYERS: i32 = 8;
/// Fixture operators can also sign in to the desktop app with this password.
pub const PASSWORD: &str = "Fixture1234";

/// One line of the output file.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct FixtureAccount {
    pub operator_id: Uuid,
    pub api_key: String,
    pub site_id: Uuid,
    pub app_code: String,
    pub unit_price: String,
    pub min_players: i32,
    pub max_players: i32,
}

/// Creates `n` operators in batches of 500 and returns their accounts.
pub async fn create(
    pool: &PgPool,
    master: &MasterKey,
    n: usize,
    balance: Decimal,
) -> anyhow::Result<Vec<FixtureAccount>> {
    anyhow::ensure!(balance >= Decimal::ZERO, "--balance must not be negative");
    let balance = balance.round_dp(2);
    let password_hash = crate::auth::password::hash_blocking(PASSWORD.to_string()).await?;
    let app_id: Uuid = sqlx::query_scalar(
        "INSERT INTO applications (code, name, description, unit_price, min_players, max_players)
         VALUES ($1, '压力测试竞技场', '演示与压测用的应用 (fixture application)', $2, $3, $4)
         ON CONFLICT (code) DO UPDATE SET is_active = true
         RETURNING id",
    )
    .bind(APP_CODE)
    .bind(APP_PRICE)
    .bind(APP_MIN_PLAYERS)
    .bind(APP_MAX_PLAYERS)
    .fetch_one(pool)
    .await?;
    sqlx::query(
        "INSERT INTO application_price_history (application_id, old_price, new_price)
         SELECT $1, NULL, $2 WHERE NOT EXISTS
             (SELECT 1 FROM application_price_history WHERE application_id = $1)",
    )
    .bind(app_id)
    .bind(APP_PRICE)
    .execute(pool)
    .await?;
    let (price, min, max): (Decimal, i32, i32) = sqlx::query_as(
        "SELECT unit_price, min_players, max_players FROM applications WHERE id = $1",
    )
    .bind(app_id)
    .fetch_one(pool)
    .await?;

    let run = &Uuid::new_v4().simple().to_string()[..8];
    let mut out = Vec::with_capacity(n);
    for chunk_start in (0..n).step_by(500) {
        let size = (n - chunk_start).min(500);
        let mut tx = pool.begin().await?;
        let mut ids = Vec::with_capacity(size);
        let mut names = Vec::with_capacity(size);
        let mut cts = Vec::with_capacity(size);
        let mut nonces = Vec::with_capacity(size);
        let mut hashes = Vec::with_capacity(size);
        let mut last4s = Vec::with_capacity(size);
        let mut sites = Vec::with_capacity(size);
        let mut keys = Vec::with_capacity(size);
        for i in chunk_start..chunk_start + size {
            let key = issue_api_key(master);
            ids.push(Uuid::new_v4());
            names.push(format!("fixture_{run}_{i:05}"));
            cts.push(key.ciphertext);
            nonces.push(key.nonce);
            hashes.push(key.lookup_hash);
            last4s.push(key.last4);
            sites.push(Uuid::new_v4());
            keys.push(key.plaintext);
        }
        sqlx::query(
            "INSERT INTO operators (id, username, password_hash, display_name, phone, email, tier,
                                    balance, api_key_ciphertext, api_key_nonce, api_key_hash,
                                    api_key_last4)
             SELECT id, u, $2, '压测运营商 ' || u, '13800000000', u || '@fixture.invalid',
                    'standard', $3, ct, nonce, h, l4
               FROM unnest($1::uuid[], $4::text[], $5::bytea[], $6::bytea[], $7::bytea[], $8::text[])
                    AS t(id, u, ct, nonce, h, l4)",
        )
        .bind(&ids)
        .bind(&password_hash)
        .bind(balance)
        .bind(&names)
        .bind(&cts)
        .bind(&nonces)
        .bind(&hashes)
        .bind(&last4s)
        .execute(&mut *tx)
        .await?;
        if balance > Decimal::ZERO {
            sqlx::query(
                "INSERT INTO ledger_entries (operator_id, entry_type, amount, balance_before,
                                             balance_after, description, created_by_kind)
                 SELECT id, 'adjustment', $2, 0, $2, '压测初始余额 (fixture opening balance)', 'system'
                   FROM unnest($1::uuid[]) AS id",
            )
            .bind(&ids)
            .bind(balance)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO sites (id, operator_id, name, address)
             SELECT s, o, '压测门店', '测试地址' FROM unnest($1::uuid[], $2::uuid[]) AS t(s, o)",
        )
        .bind(&sites)
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO authorizations (operator_id, application_id)
             SELECT o, $2 FROM unnest($1::uuid[]) AS o",
        )
        .bind(&ids)
        .bind(app_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        for ((operator_id, api_key), site_id) in ids.into_iter().zip(keys).zip(sites) {
            out.push(FixtureAccount {
                operator_id,
                api_key,
                site_id,
                app_code: APP_CODE.into(),
                unit_price: price.to_string(),
                min_players: min,
                max_players: max,
            });
        }
    }
    Ok(out)
}

/// Writes one JSON object per line.
pub fn write_jsonl(path: &std::path::Path, accounts: &[FixtureAccount]) -> anyhow::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for a in accounts {
        serde_json::to_writer(&mut f, a)?;
        f.write_all(b"\n")?;
    }
    f.flush()?;
    Ok(())
}
