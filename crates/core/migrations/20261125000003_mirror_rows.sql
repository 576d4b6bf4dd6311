-- The staff scopes' entities and the operator's authorizations, ledger and orders (issue 4,
-- docs/sync-protocol.md, "Scopes"): each row is kept whole as the JSON the server sent, with
-- the few columns the pages filter and sort by. The operator's bulk tables (sites, messages)
-- keep their own typed tables.
CREATE TABLE mirror_rows (
    entity       TEXT NOT NULL,
    id           TEXT NOT NULL,
    -- The tenant, when the row has one.
    operator_id  TEXT,
    -- The row's main time (created, granted, published, occurred, day), sortable text.
    at           TEXT,
    -- Its status or kind, where it has one.
    status       TEXT,
    json         TEXT NOT NULL,
    PRIMARY KEY (entity, id)
) WITHOUT ROWID;
CREATE INDEX mirror_rows_entity_at_idx ON mirror_rows (entity, at DESC);
CREATE INDEX mirror_rows_entity_operator_idx ON mirror_rows (entity, operator_id, at DESC);
CREATE INDEX mirror_rows_entity_status_idx ON mirror_rows (entity, status, at DESC);
