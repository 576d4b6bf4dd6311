//! The local cache: one SQLite file per user and workspace (R-D4),
//! `<data_dir>/cache/<workspace>-<user_id>.sqlite`, schema from the embedded migrations in
//! `crates/core/migrations/`.
//!
//! It holds only what the signed-in user may see, and never a token or key (those live in the
//! [`SecretStore`](crate::secrets::SecretStore)). It keeps page snapshots so a workspace can
//! open offline, and the synced mirror, outbox and conflicts of the sync engine
//! ([`crate::sync`]), whose state lives in `cache_meta` under the `sync.*` keys.

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
/// 2: sync metadata (`sync.*`), mirror tables, outbox and conflicts.
/// 3: staff scopes and the operator's new entities in `mirror_rows` (pulled again from scratch).
pub const CACHE_SCHEMA: &str = "3";

/// Keys of `cache_meta`.
pub mod meta {
    pub const SCHEMA: &str = "schema";
    pub const USER: &str = "user";
    pub const WORKSPACE: &str = "workspace";
    pub const SERVER_URL: &str = "server_url";
    pub const LAST_SYNCED_AT: &str = "last_synced_at";
    /// Where the mirror is in the server's change feed; written with each applied page.
    pub const SYNC_CURSOR: &str = "sync.cursor";
    /// The scope epoch the mirror was pulled under.
    pub const SYNC_SCOPE_EPOCH: &str = "sync.scope_epoch";
    /// This cache's device id for pushes (a UUID made once per cache file).
    pub const SYNC_DEVICE_ID: &str = "sync.device_id";
    /// When a pull last reached `up_to_date`.
    pub const SYNC_LAST_SYNCED_AT: &str = "sync.last_synced_at";
    /// The last sync failure as an `ErrorBody` (JSON); absent after a successful sync.
    pub const SYNC_LAST_ERROR: &str = "sync.last_error";
    /// The highest command seq the server settled for this device.
    pub const SYNC_LAST_SETTLED_SEQ: &str = "sync.last_settled_seq";
    /// The sync protocol version the mirror was pulled with.
    pub const SYNC_PROTOCOL: &str = "sync.protocol_version";
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
                // Commands queued for the old address cannot be replayed against another
                // server; say how many go, so it is never silent.
                let unsynced: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
                    .fetch_one(&cache.pool)
                    .await
                    .unwrap_or(0);
                tracing::warn!(
                    workspace = workspace.as_str(),
                    unsynced,
                    "server address changed; resetting the local cache"
                );
                cache.pool.close().await;
                wipe_files(&path)?;
                cache = Self::connect(&path).await?;
            }
        }
        let user_json = serde_json::to_string(user).map_err(|e| CoreError::Cache(e.to_string()))?;
        let protocol = mr_protocol::sync::SYNC_PROTOCOL_VERSION.to_string();
        // The mirror was written by another layout or protocol: pull it again from scratch,
        // keeping what is queued (sqlx has migrated the tables themselves).
        let schema = cache.meta(meta::SCHEMA).await?;
        let pulled_with = cache.meta(meta::SYNC_PROTOCOL).await?;
        let stale = schema.as_deref().is_some_and(|s| s != CACHE_SCHEMA)
            || pulled_with.as_deref().is_some_and(|p| p != protocol);
        let mut tx = cache.pool.begin().await?;
        if stale {
            tracing::info!(
                workspace = workspace.as_str(),
                ?schema,
                ?pulled_with,
                "cache layout changed; the mirror will be pulled again (outbox kept)"
            );
            crate::mirror::wipe(&mut tx).await?;
            sqlx::query("DELETE FROM cache_meta WHERE key = ?")
                .bind(meta::SYNC_CURSOR)
                .execute(&mut *tx)
                .await?;
        }
        for (k, v) in [
            (meta::SCHEMA, CACHE_SCHEMA),
            (meta::USER, user_json.as_str()),
            (meta::WORKSPACE, workspace.as_str()),
            (meta::SERVER_URL, server_url),
            (meta::SYNC_PROTOCOL, protocol.as_str()),
        ] {
            set_meta(&mut *tx, k, v).await?;
        }
        // Once per cache file: the server counts command seqs per device.
        sqlx::query("INSERT OR IGNORE INTO cache_meta (key, value) VALUES (?, ?)")
            .bind(meta::SYNC_DEVICE_ID)
            .bind(Uuid::now_v7().to_string())
            .execute(&mut *tx)
            .await?;
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
            // SQLite's default page cache (2 MB) is far smaller than a 100,000-row mirror's
            // indexes; an initial sync inserting random UUID keys then spends most of its time
            // re-reading index pages. 32 MB per connection is only used as the file grows.
            .pragma("cache_size", "-32768")
            .pragma("temp_store", "memory")
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

    pub async fn delete_meta(&self, key: &str) -> Result<(), CoreError> {
        sqlx::query("DELETE FROM cache_meta WHERE key = ?")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// This cache's device id for pushes (made when the cache was created).
    pub async fn device_id(&self) -> Result<Uuid, CoreError> {
        let id = self
            .meta(meta::SYNC_DEVICE_ID)
            .await?
            .ok_or_else(|| CoreError::Cache("no device id".into()))?;
        Uuid::parse_str(&id).map_err(|e| CoreError::Cache(e.to_string()))
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

pub(crate) async fn set_meta<'e, E>(executor: E, key: &str, value: &str) -> Result<(), CoreError>
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
    async fn a_layout_change_repulls_the_mirror_but_keeps_the_outbox() {
        let dir = tempfile::tempdir().unwrap();
        let u = user();
        let url = "http://a.example.cn";
        let cache = Cache::open(dir.path(), Workspace::Operator, &u, url)
            .await
            .unwrap();
        assert!(cache.device_id().await.is_ok());
        let device = cache.device_id().await.unwrap();
        let cmd = mr_protocol::sync::Command::SiteDelete {
            site_id: Uuid::nil(),
        };
        crate::outbox::queue(cache.pool(), &cmd, Utc::now())
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO sites (id, operator_id, name, created_at, updated_at) \
             VALUES ('s', 'o', 'n', 't', 't')",
        )
        .execute(cache.pool())
        .await
        .unwrap();
        cache.set_meta(meta::SYNC_CURSOR, "1-1").await.unwrap();
        cache.set_meta(meta::SCHEMA, "1").await.unwrap();
        cache.close().await;

        let cache = Cache::open(dir.path(), Workspace::Operator, &u, url)
            .await
            .unwrap();
        let count = |sql: &'static str| {
            let pool = cache.pool().clone();
            async move {
                sqlx::query_scalar::<_, i64>(sql)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(count("SELECT count(*) FROM sites").await, 0);
        assert_eq!(count("SELECT count(*) FROM outbox").await, 1);
        assert_eq!(cache.meta(meta::SYNC_CURSOR).await.unwrap(), None);
        assert_eq!(
            cache.meta(meta::SCHEMA).await.unwrap().as_deref(),
            Some(CACHE_SCHEMA)
        );
        assert_eq!(cache.device_id().await.unwrap(), device, "same device");
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
