-- Sync scopes per role (issue "Sync engine", item 2; docs/sync-protocol.md, "Scopes").
--
-- The change log now covers every table a workspace mirrors. Its tenant column
-- (operator_id) is NULL for rows that belong to no operator (applications, announcements,
-- the audit log). Which entities a caller receives, and which of their rows, is decided by the
-- server from the caller's current role (crates/server/src/sync/scope.rs).

ALTER TABLE sync_changes DROP CONSTRAINT sync_changes_entity_check;
ALTER TABLE sync_changes ADD CONSTRAINT sync_changes_entity_check CHECK (entity IN (
    'operator', 'site', 'message', 'application', 'authorization_request', 'authorization',
    'announcement', 'ledger_entry', 'payment_order', 'refund', 'invoice', 'audit_entry',
    'stat_daily'));
-- Staff pulls read the log by entity; operators' pulls of global rows (applications) too.
CREATE INDEX sync_changes_entity_position_idx ON sync_changes (entity, txid, version);

-- The trigger argument names the entity; 'global' as a second argument means the row has no
-- tenant. The NOTIFY payload is '<entity>:<operator id or empty>' so that each replica can
-- wake exactly the clients whose scope holds the row.
CREATE OR REPLACE FUNCTION sync_capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r RECORD;
    op UUID;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    IF TG_ARGV[0] = 'operator' THEN
        op := r.id;
    ELSIF TG_NARGS > 1 AND TG_ARGV[1] = 'global' THEN
        op := NULL;
    ELSE
        op := r.operator_id;
    END IF;
    INSERT INTO sync_changes (entity, row_id, operator_id) VALUES (TG_ARGV[0], r.id, op);
    PERFORM pg_notify('mr_sync', TG_ARGV[0] || ':' || COALESCE(op::text, ''));
    RETURN NULL;
END;
$$;

-- The audit log's key is a number; the feed keys it as a UUID (00000000-…-<12 hex digits>).
CREATE FUNCTION sync_audit_key(seq BIGINT) RETURNS UUID LANGUAGE sql IMMUTABLE AS $$
    SELECT lpad(to_hex(seq), 32, '0')::uuid
$$;

CREATE FUNCTION sync_capture_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_changes (entity, row_id, operator_id)
    VALUES ('audit_entry', sync_audit_key(NEW.id), NULL);
    PERFORM pg_notify('mr_sync', 'audit_entry:');
    RETURN NULL;
END;
$$;

-- The staff view of an operator also shows lock details and closure.
DROP TRIGGER operators_sync ON operators;
CREATE TRIGGER operators_sync AFTER INSERT OR DELETE OR UPDATE OF
    username, display_name, contact_name, phone, email, tier, status, balance, is_locked,
    locked_reason, api_key_last4, closed_at ON operators
    FOR EACH ROW EXECUTE FUNCTION sync_capture('operator');
CREATE TRIGGER applications_sync AFTER INSERT OR UPDATE OR DELETE ON applications
    FOR EACH ROW EXECUTE FUNCTION sync_capture('application', 'global');
CREATE TRIGGER authorization_requests_sync AFTER INSERT OR UPDATE OR DELETE ON authorization_requests
    FOR EACH ROW EXECUTE FUNCTION sync_capture('authorization_request');
CREATE TRIGGER authorizations_sync AFTER INSERT OR UPDATE OR DELETE ON authorizations
    FOR EACH ROW EXECUTE FUNCTION sync_capture('authorization');
CREATE TRIGGER announcements_sync AFTER INSERT OR UPDATE OR DELETE ON announcements
    FOR EACH ROW EXECUTE FUNCTION sync_capture('announcement', 'global');
CREATE TRIGGER ledger_entries_sync AFTER INSERT ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION sync_capture('ledger_entry');
CREATE TRIGGER payment_orders_sync AFTER INSERT OR UPDATE OR DELETE ON payment_orders
    FOR EACH ROW EXECUTE FUNCTION sync_capture('payment_order');
CREATE TRIGGER refunds_sync AFTER INSERT OR UPDATE OR DELETE ON refunds
    FOR EACH ROW EXECUTE FUNCTION sync_capture('refund');
CREATE TRIGGER invoices_sync AFTER INSERT OR UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION sync_capture('invoice');
CREATE TRIGGER audit_log_sync AFTER INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION sync_capture_audit();

-- Daily roll-ups of launches (R-A8): what statistics pages and analysts read, instead of raw
-- sessions. Days are China Standard Time. Kept by a trigger in the launch's own transaction.
CREATE TABLE stats_daily (
    id              UUID NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    day             DATE NOT NULL,
    operator_id     UUID NOT NULL REFERENCES operators (id),
    site_id         UUID NOT NULL,
    application_id  UUID NOT NULL REFERENCES applications (id),
    sessions        BIGINT NOT NULL DEFAULT 0 CHECK (sessions >= 0),
    players         BIGINT NOT NULL DEFAULT 0 CHECK (players >= 0),
    revenue         NUMERIC(14,2) NOT NULL DEFAULT 0,
    PRIMARY KEY (day, operator_id, site_id, application_id)
);
CREATE INDEX stats_daily_operator_day_idx ON stats_daily (operator_id, day);

CREATE FUNCTION stats_daily_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_daily (day, operator_id, site_id, application_id, sessions, players, revenue)
    VALUES ((NEW.authorized_at AT TIME ZONE 'Asia/Shanghai')::date, NEW.operator_id, NEW.site_id,
            NEW.application_id, 1, NEW.player_count, NEW.total_cost)
    ON CONFLICT (day, operator_id, site_id, application_id) DO UPDATE
       SET sessions = stats_daily.sessions + 1,
           players = stats_daily.players + EXCLUDED.players,
           revenue = stats_daily.revenue + EXCLUDED.revenue;
    RETURN NULL;
END;
$$;
CREATE TRIGGER game_sessions_stats AFTER INSERT ON game_sessions
    FOR EACH ROW EXECUTE FUNCTION stats_daily_count();
CREATE TRIGGER stats_daily_sync AFTER INSERT OR UPDATE OR DELETE ON stats_daily
    FOR EACH ROW EXECUTE FUNCTION sync_capture('stat_daily');

INSERT INTO stats_daily (day, operator_id, site_id, application_id, sessions, players, revenue)
SELECT (authorized_at AT TIME ZONE 'Asia/Shanghai')::date, operator_id, site_id, application_id,
       count(*), sum(player_count), sum(total_cost)
  FROM game_sessions
 GROUP BY 1, 2, 3, 4;

-- Scope epochs: when what a user may see changes as a whole (a staff member's role or
-- status, an operator's closure), the epoch moves and that user's clients wipe their mirror
-- (keeping their outbox) and bootstrap again under the new scope.
ALTER TABLE staff_users ADD COLUMN sync_epoch BIGINT NOT NULL DEFAULT 1;
ALTER TABLE operators ADD COLUMN sync_epoch BIGINT NOT NULL DEFAULT 1;

CREATE FUNCTION sync_bump_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'staff_users' THEN
        IF NEW.role IS DISTINCT FROM OLD.role OR NEW.status IS DISTINCT FROM OLD.status THEN
            NEW.sync_epoch := OLD.sync_epoch + 1;
        END IF;
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        NEW.sync_epoch := OLD.sync_epoch + 1;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER staff_users_sync_epoch BEFORE UPDATE ON staff_users
    FOR EACH ROW EXECUTE FUNCTION sync_bump_epoch();
CREATE TRIGGER operators_sync_epoch BEFORE UPDATE ON operators
    FOR EACH ROW EXECUTE FUNCTION sync_bump_epoch();

-- Rows that existed before this migration enter the log once (operators and sites and
-- messages are there already; the operator rows again, for the staff view's new columns).
INSERT INTO sync_changes (entity, row_id, operator_id) SELECT 'application', id, NULL FROM applications;
INSERT INTO sync_changes (entity, row_id, operator_id) SELECT 'authorization_request', id, operator_id FROM authorization_requests;
INSERT INTO sync_changes (entity, row_id, operator_id) SELECT 'authorization', id, operator_id FROM authorizations;
INSERT INTO sync_changes (entity, row_id, operator_id) SELECT 'announcement', id, NULL FROM announcements;
INSERT INTO sync_changes (entity, row_id, operator_id) SELECT 'ledger_entry', id, operator_id FROM ledger_entries;
INSERT INTO sync_changes (entity, row_id, operator_id) SELECT 'payment_order', id, operator_id FROM payment_orders;
INSERT INTO sync_changes (entity, row_id, operator_id) SELECT 'refund', id, operator_id FROM refunds;
INSERT INTO sync_changes (entity, row_id, operator_id) SELECT 'invoice', id, operator_id FROM invoices;
INSERT INTO sync_changes (entity, row_id, operator_id) SELECT 'audit_entry', sync_audit_key(id), NULL FROM audit_log;
