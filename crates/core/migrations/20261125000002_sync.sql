-- The synced mirror, the outbox and the conflicts panel (issue 4, docs/sync-protocol.md).
--
-- The mirror tables hold exactly what the server sent (rows of `mr_protocol::sync::SyncRow`);
-- they are written only by the sync engine, one pull page per transaction together with its
-- cursor. Local, not yet confirmed changes live in `outbox` and are laid over the mirror when
-- read, so a rejected command disappears by deleting its outbox row.
--
-- Ids are UUID text, times RFC 3339 UTC text with microseconds (sortable as text), money a
-- decimal string, booleans 0/1. Sync metadata lives in `cache_meta` under `sync.*` keys.

CREATE TABLE operator_profile (
    id              TEXT PRIMARY KEY,
    username        TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    contact_name    TEXT,
    phone           TEXT NOT NULL,
    email           TEXT NOT NULL,
    tier            TEXT NOT NULL,
    status          TEXT NOT NULL,
    balance         TEXT NOT NULL,
    is_locked       INTEGER NOT NULL,
    api_key_masked  TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

CREATE TABLE sites (
    id             TEXT PRIMARY KEY,
    operator_id    TEXT NOT NULL,
    name           TEXT NOT NULL,
    address        TEXT,
    contact_name   TEXT,
    contact_phone  TEXT,
    description    TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX sites_operator_created_idx ON sites (operator_id, created_at DESC);

CREATE TABLE messages (
    id           TEXT PRIMARY KEY,
    operator_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    is_read      INTEGER NOT NULL,
    read_at      TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX messages_created_idx ON messages (created_at DESC, id DESC);

-- Commands queued on this device, in the order the server must apply them. `pending` = not
-- yet settled by the server; `accepted` = settled, kept (still laid over the mirror) until a
-- pull's cursor passes `server_cursor`. Rejected commands move to `conflicts`.
CREATE TABLE outbox (
    seq            INTEGER PRIMARY KEY,
    command_id     TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    args           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted')),
    server_cursor  TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT
);
CREATE INDEX outbox_status_seq_idx ON outbox (status, seq);

-- Commands the server refused for good, with its reason and the original intent, until the
-- user dismisses them (kept afterwards as history: nothing is lost silently).
CREATE TABLE conflicts (
    id            INTEGER PRIMARY KEY,
    command_id    TEXT NOT NULL UNIQUE,
    seq           INTEGER NOT NULL,
    name          TEXT NOT NULL,
    args          TEXT NOT NULL,
    code          TEXT,
    message       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    rejected_at   TEXT NOT NULL,
    dismissed_at  TEXT
);
CREATE INDEX conflicts_open_idx ON conflicts (dismissed_at, id);
