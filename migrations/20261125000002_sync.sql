-- Sync engine (REQUIREMENTS R-S1, R-S2; docs/sync-protocol.md).
--
-- sync_changes is a change log written by triggers in the same transaction as the change, so
-- no write path can forget it. Each entry carries the id of the transaction that wrote it
-- (xid8) and a sequence value. Pulls read only entries whose transaction is older than the
-- oldest transaction still running (pg_snapshot_xmin), ordered by (txid, version): every
-- entry that can still appear later belongs to a transaction at or above that horizon, so it
-- sorts after the cursor and is never skipped, however late it commits.

CREATE TABLE sync_changes (
    version      BIGSERIAL PRIMARY KEY,
    txid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    entity       TEXT NOT NULL CHECK (entity IN ('operator', 'site', 'message')),
    row_id       UUID NOT NULL,
    -- The tenant the row belongs to; pulls of an operator filter on it.
    operator_id  UUID,
    changed_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sync_changes_position_idx ON sync_changes (txid, version);
CREATE INDEX sync_changes_operator_position_idx ON sync_changes (operator_id, txid, version);

CREATE FUNCTION sync_capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r RECORD;
    op UUID;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    IF TG_ARGV[0] = 'operator' THEN op := r.id; ELSE op := r.operator_id; END IF;
    INSERT INTO sync_changes (entity, row_id, operator_id) VALUES (TG_ARGV[0], r.id, op);
    RETURN NULL;
END;
$$;

-- Only columns a client shows: logins (last_login_at) do not wake every cache.
CREATE TRIGGER operators_sync AFTER INSERT OR DELETE OR UPDATE OF
    username, display_name, contact_name, phone, email, tier, status, balance, is_locked,
    api_key_last4 ON operators
    FOR EACH ROW EXECUTE FUNCTION sync_capture('operator');
CREATE TRIGGER sites_sync AFTER INSERT OR UPDATE OR DELETE ON sites
    FOR EACH ROW EXECUTE FUNCTION sync_capture('site');
CREATE TRIGGER messages_sync AFTER INSERT OR UPDATE OR DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION sync_capture('message');

-- Rows that existed before this migration enter the log once.
INSERT INTO sync_changes (entity, row_id, operator_id) SELECT 'operator', id, id FROM operators;
INSERT INTO sync_changes (entity, row_id, operator_id) SELECT 'site', id, operator_id FROM sites;
INSERT INTO sync_changes (entity, row_id, operator_id) SELECT 'message', id, operator_id FROM messages;

-- One row per desktop device (installation + user + workspace); seq counts its commands.
CREATE TABLE sync_devices (
    device_id     UUID PRIMARY KEY,
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('operator', 'staff')),
    subject_id    UUID NOT NULL,
    last_seq      BIGINT NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sync_devices_subject_idx ON sync_devices (subject_kind, subject_id);

-- Every settled command, written in the same transaction as its effect: the exactly-once
-- record. A repeat is answered from here.
CREATE TABLE sync_commands (
    command_id     UUID PRIMARY KEY,
    device_id      UUID NOT NULL REFERENCES sync_devices (device_id),
    seq            BIGINT NOT NULL CHECK (seq > 0),
    name           TEXT NOT NULL,
    args           JSONB NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
    code           TEXT,
    server_cursor  TEXT,
    client_created_at TIMESTAMPTZ,
    received_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT sync_commands_device_seq_key UNIQUE (device_id, seq),
    CONSTRAINT sync_commands_rejected_has_code CHECK ((status = 'rejected') = (code IS NOT NULL))
);
