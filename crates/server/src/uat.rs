//! UAT accounts from the customer's release plan: uat_operator, uat_admin, uat_finance.

use anyhow::Context;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::password;
use crate::crypto::{self, MasterKey};

pub const DEFAULT_PASSWORD: &str = "Uat@123456";

/// Creates the three UAT accounts if missing. Idempotent: existing accounts are left as they
/// are (their passwords too), so re-running never locks anybody out.
pub async fn create_uat_with_key(
    pool: &PgPool,
    master: &MasterKey,
    pw: &str,
) -> anyhow::Result<Vec<String>> {
    let hash = password::hash_blocking(pw.to_string()).await?;
    let mut tx = pool.begin().await?;
    let mut created = Vec::new();
    for (username, name, role) in [
        ("uat_admin", "UAT 超级管理员", "super_admin"),
        ("uat_finance", "UAT 会计", "accountant"),
    ] {
        let n = sqlx::query(
            "INSERT INTO staff_users (id, username, password_hash, display_name, role)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT ((lower(username))) DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(username)
        .bind(&hash)
        .bind(name)
        .bind(role)
        .execute(&mut *tx)
        .await
        .with_context(|| format!("creating {username}"))?
        .rows_affected();
        if n > 0 {
            created.push(username.to_string());
        }
    }
    let key = crypto::issue_api_key(master);
    let n = sqlx::query(
        "INSERT INTO operators (id, username, password_hash, display_name, contact_name, phone, email,
                                api_key_ciphertext, api_key_nonce, api_key_hash, api_key_last4)
         VALUES ($1, 'uat_operator', $2, 'UAT 测试运营商', '测试联系人', '13800138000', 'uat_operator@example.com',
                 $3, $4, $5, $6)
         ON CONFLICT ((lower(username))) DO NOTHING",
    )
    .bind(Uuid::now_v7())
    .bind(&hash)
    .bind(&key.ciphertext)
    .bind(&key.nonce)
    .bind(&key.lookup_hash)
    .bind(&key.last4)
    .execute(&mut *tx)
    .await
    .context("creating uat_operator")?
    .rows_affected();
    if n > 0 {
        created.push("uat_operator".to_string());
    }
    tx.commit().await?;
    Ok(created)
}

/// For tests: the same accounts, with API keys under the test configuration's master key.
pub async fn create_uat(pool: &PgPool, pw: &str) -> anyhow::Result<Vec<String>> {
    let config = crate::config::Config::for_test("postgres://unused");
    create_uat_with_key(pool, &config.master_key, pw).await
}
