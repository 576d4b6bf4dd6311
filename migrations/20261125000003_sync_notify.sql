-- Live updates (issue "Sync engine", item 4): every captured change also NOTIFYs channel
-- mr_sync with the tenant's operator id. PostgreSQL delivers it only when the transaction
-- commits, once per distinct payload, to every server replica that LISTENs, so clients hear
-- about a change whichever replica they are connected to.
CREATE OR REPLACE FUNCTION sync_capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r RECORD;
    op UUID;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    IF TG_ARGV[0] = 'operator' THEN op := r.id; ELSE op := r.operator_id; END IF;
    INSERT INTO sync_changes (entity, row_id, operator_id) VALUES (TG_ARGV[0], r.id, op);
    PERFORM pg_notify('mr_sync', COALESCE(op::text, ''));
    RETURN NULL;
END;
$$;
