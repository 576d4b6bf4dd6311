-- The desktop's local cache of one user in one workspace (R-D4). Never holds tokens or keys.

-- schema / user / workspace / server_url / last_synced_at
CREATE TABLE cache_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The last payload of a page (e.g. the workspace home), shown as-is while offline (R-D3).
CREATE TABLE snapshots (
    key        TEXT PRIMARY KEY,
    json       TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
