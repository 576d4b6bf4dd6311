//! The local cache: one SQLite file per user and workspace (R-D4),
//! `<data_dir>/cache/<workspace>-<user_id>.sqlite`, schema from the embedded migrations in
//! `crates/core/migrations/`.
//!
//! It holds only what the signed-in user may see, and never a token or key (those live in the
//! [`SecretStore`](crate::secrets::SecretStore)). Today it keeps page snapshots so a workspace
//! can open offline; synced mirror tables and the outbox go in as further migrations.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use mr_domain::Workspace;
use mr_protocol::auth::UserInfo;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use uuid::Uuid;

use crate::error::CoreError;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Bumped with the layout of `cache_meta` values (not with each migration: sqlx tracks those).
pub const CACHE_SCHEMA: &str = "1";

/// Keys of `cache_meta`.
pub mod meta {
    pub const SCHEMA: &str = "schema";
    pub const USER: &str = "user";
    pub const WORKSPACE: &str = "workspace";
    pub const SERVER_URL: &str = "server_url";
    pub const LAST_SYNCED_AT: &str = "last_synced_at";
}

/// Keys of `snapshots`.
pub mod snapshot_keys {
    pub const OPERATOR_HOME: &str = "operator.home";
    pub const ADMIN_OVERVIEW: &str = "admin.overview";
    pub const FINANCE_OVERVIEW: &str = "finance.overview";
}

/// A cached payload and when it was fetched from the server.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot<T> {
    pub value: T,
    pub fetched_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Cache {
    pool: SqlitePool,
    path: PathBuf,
}

pub fn cache_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("cache")
}

pub fn cache_path(data_dir: &Path, workspace: Workspace, user_id: Uuid) -> PathBuf {
    cache_dir(data_dir).join(format!("{}-{}.sqlite", workspace.as_str(), user_id))
}

/// The database file and SQLite's companions (`-wal`, `-shm`, `-journal`).
fn cache_files(path: &Path) -> Vec<PathBuf> {
    let mut files = vec![path.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        files.push(PathBuf::from(name));
    }
    files
}

/// Deletes a cache file and its companions; missing files are fine.
pub fn wipe_files(path: &Path) -> Result<(), CoreError> {
    for f in cache_files(path) {
        match std::fs::remove_file(&f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(CoreError::Cache(format!("{}: {e}", f.display()))),
        }
    }
    Ok(())
}

impl Cache {
    /// Opens (creating on first login) the cache of `user` in `workspace`, runs migrations and
    /// records who it belongs to. A cache that was filled from another server address is
    /// wiped first: data from two servers never mix in one file.
    pub async fn open(
        data_dir: &Path,
        workspace: Workspace,
        user: &UserInfo,
        server_url: &str,
    ) -> Result<Cache, CoreError> {
        let path = cache_path(data_dir, workspace, user.id);
        let dir = cache_dir(data_dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| CoreError::Cache(format!("{}: {e}", dir.display())))?;
        let mut cache = Self::connect(&path).await?;
        if let Some(previous) = cache.meta(meta::SERVER_URL).await? {
            if previous != server_url {
                tracing::info!(
                    workspace = workspace.as_str(),
                    "server address changed; resetting the local cache"
                );
                cache.pool.close().await;
                wipe_files(&path)?;
                cache = Self::connect(&path).await?;
            }
        }
        let user_json = serde_json::to_string(user).map_err(|e| CoreError::Cache(e.to_string()))?;
        let mut tx = cache.pool.begin().await?;
        for (k, v) in [
            (meta::SCHEMA, CACHE_SCHEMA),
            (meta::USER, user_json.as_str()),
            (meta::WORKSPACE, workspace.as_str()),
            (meta::SERVER_URL, server_url),
        ] {
            set_meta(&mut *tx, k, v).await?;
        }
        tx.commit().await?;
        Ok(cache)
    }

    async fn connect(path: &Path) -> Result<Cache, CoreError> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Cache {
            pool,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// For modules that add their own tables (sync mirror, outbox).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>, CoreError> {
        Ok(
            sqlx::query_scalar::<_, String>("SELECT value FROM cache_meta WHERE key = ?")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), CoreError> {
        set_meta(&self.pool, key, value).await
    }

    pub async fn last_synced_at(&self) -> Result<Option<DateTime<Utc>>, CoreError> {
        Ok(self
            .meta(meta::LAST_SYNCED_AT)
            .await?
            .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .map(|d| d.with_timezone(&Utc)))
    }

    /// Stores the latest payload under `key` and moves `last_synced_at` forward.
    pub async fn put_snapshot<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        fetched_at: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let json = serde_json::to_string(value).map_err(|e| CoreError::Cache(e.to_string()))?;
        let at = fetched_at.to_rfc3339();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO snapshots (key, json, fetched_at) VALUES (?, ?, ?) \
             ON CONFLICT(key) DO UPDATE SET json = excluded.json, fetched_at = excluded.fetched_at",
        )
        .bind(key)
        .bind(json)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        set_meta(&mut *tx, meta::LAST_SYNCED_AT, &at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The cached payload under `key`. A payload that no longer parses (written by an older
    /// version) counts as absent.
    pub async fn snapshot<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<Snapshot<T>>, CoreError> {
        let row = sqlx::query_as::<_, (String, String)>(
            "SELECT json, fetched_at FROM snapshots WHERE key = ?",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        let Some((json, fetched_at)) = row else {
            return Ok(None);
        };
        let Ok(value) = serde_json::from_str::<T>(&json) else {
            tracing::warn!(key, "cached snapshot no longer parses; ignoring it");
            return Ok(None);
        };
        let fetched_at = DateTime::parse_from_rfc3339(&fetched_at)
            .map_err(|e| CoreError::Cache(e.to_string()))?
            .with_timezone(&Utc);
        Ok(Some(Snapshot { value, fetched_at }))
    }

    /// Closes the pool (checkpointing the WAL into the file).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Closes the pool and deletes the file, `-wal` and `-shm`.
    pub async fn wipe(self) -> Result<(), CoreError> {
        self.pool.close().await;
        wipe_files(&self.path)
    }
}

async fn set_meta<'e, E>(executor: E, key: &str, value: &str) -> Result<(), CoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    sqlx::query(
        "INSERT INTO cache_meta (key, value) VALUES (?, ?) \
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(executor)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mr_domain::Role;

    fn user() -> UserInfo {
        UserInfo {
            id: Uuid::now_v7(),
            username: "uat_operator".into(),
            display_name: "测试运营商".into(),
            role: Role::Operator,
        }
    }

    #[tokio::test]
    async fn snapshots_survive_reopening_and_wipe_removes_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let u = user();
        let cache = Cache::open(dir.path(), Workspace::Operator, &u, "http://127.0.0.1:8080")
            .await
            .unwrap();
        assert_eq!(
            cache.path(),
            cache_path(dir.path(), Workspace::Operator, u.id)
        );
        assert!(cache
            .path()
            .ends_with(format!("cache/operator-{}.sqlite", u.id)));
        assert_eq!(cache.last_synced_at().await.unwrap(), None);
        let at = DateTime::parse_from_rfc3339("2026-11-25T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        cache
            .put_snapshot("k", &serde_json::json!({"balance": "50.00"}), at)
            .await
            .unwrap();
        cache.close().await;

        let cache = Cache::open(dir.path(), Workspace::Operator, &u, "http://127.0.0.1:8080")
            .await
            .unwrap();
        let snap = cache
            .snapshot::<serde_json::Value>("k")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(snap.value["balance"], "50.00");
        assert_eq!(snap.fetched_at, at);
        assert_eq!(cache.last_synced_at().await.unwrap(), Some(at));
        assert_eq!(
            cache.meta(meta::WORKSPACE).await.unwrap().as_deref(),
            Some("operator")
        );
        assert!(
            cache.snapshot::<u32>("k").await.unwrap().is_none(),
            "unparsable = absent"
        );

        let path = cache.path().to_path_buf();
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        assert!(wal.exists(), "WAL mode is on");
        cache.wipe().await.unwrap();
        assert!(!path.exists());
        assert!(!wal.exists());
    }

    #[tokio::test]
    async fn another_server_address_starts_a_fresh_cache() {
        let dir = tempfile::tempdir().unwrap();
        let u = user();
        let cache = Cache::open(dir.path(), Workspace::Operator, &u, "http://a.example.cn")
            .await
            .unwrap();
        cache.put_snapshot("k", &1u32, Utc::now()).await.unwrap();
        cache.close().await;
        let cache = Cache::open(dir.path(), Workspace::Operator, &u, "http://b.example.cn")
            .await
            .unwrap();
        assert!(cache.snapshot::<u32>("k").await.unwrap().is_none());
        assert_eq!(
            cache.meta(meta::SERVER_URL).await.unwrap().as_deref(),
            Some("http://b.example.cn")
        );
    }
}
