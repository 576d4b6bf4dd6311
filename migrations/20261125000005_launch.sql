-- Launch authorization (issue "Game launch authorization", REQUIREMENTS §3 R-L1..R-L13).

-- Launch-token signing keys (R-L7). The private half is stored encrypted under the master key;
-- a key signs from created_at until retired_at and stays published in the JWKS until
-- published_until, so tokens it signed keep verifying after a rotation.
CREATE TABLE launch_signing_keys (
    kid                 TEXT PRIMARY KEY CHECK (kid ~ '^[A-Za-z0-9_-]{8,64}$'),
    algorithm           TEXT NOT NULL DEFAULT 'EdDSA' CHECK (algorithm = 'EdDSA'),
    public_key          BYTEA NOT NULL CHECK (octet_length(public_key) = 32),
    private_ciphertext  BYTEA NOT NULL,
    private_nonce       BYTEA NOT NULL CHECK (octet_length(private_nonce) = 12),
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    retired_at          TIMESTAMPTZ,
    published_until     TIMESTAMPTZ,
    CONSTRAINT launch_signing_keys_retired_consistent
        CHECK ((retired_at IS NULL) = (published_until IS NULL) AND
               (published_until IS NULL OR published_until >= retired_at))
);
-- At most one key signs at a time.
CREATE UNIQUE INDEX launch_signing_keys_one_current_key ON launch_signing_keys ((true))
    WHERE retired_at IS NULL;

-- Alerts for administrators (R-L10 abuse locks; later low balance, ledger differences…).
-- The admin workspace shows them; acknowledging one records who and when.
CREATE TABLE admin_alerts (
    id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    kind             TEXT NOT NULL CHECK (kind IN ('abuse_lock', 'ledger_mismatch', 'payment_abnormal', 'system')),
    severity         TEXT NOT NULL DEFAULT 'warning' CHECK (severity IN ('info', 'warning', 'critical')),
    title            TEXT NOT NULL CHECK (btrim(title) <> ''),
    body             TEXT NOT NULL,
    details          JSONB NOT NULL DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    acknowledged_by  UUID NULL REFERENCES staff_users (id),
    acknowledged_at  TIMESTAMPTZ,
    CONSTRAINT admin_alerts_ack_consistent CHECK ((acknowledged_by IS NULL) = (acknowledged_at IS NULL))
);
CREATE INDEX admin_alerts_open_idx ON admin_alerts (created_at DESC) WHERE acknowledged_at IS NULL;

-- Ended-game reports (R-L8) look sessions up by their headset id, which is already UNIQUE.

-- The hot path writes the change-log entries, notifications and daily roll-ups of a whole
-- batch of launches at once (launch_charge_batch below) instead of row by row: the per-row
-- triggers on the tables it touches step aside while the setting mr.bulk_launch is 'on',
-- which it is only inside that function. Every other writer still goes through them.
DROP TRIGGER operators_sync ON operators;
CREATE TRIGGER operators_sync AFTER INSERT OR DELETE OR UPDATE OF
    username, display_name, contact_name, phone, email, tier, status, balance, is_locked,
    locked_reason, api_key_last4, closed_at ON operators
    FOR EACH ROW WHEN (current_setting('mr.bulk_launch', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION sync_capture('operator');
DROP TRIGGER ledger_entries_sync ON ledger_entries;
CREATE TRIGGER ledger_entries_sync AFTER INSERT ON ledger_entries
    FOR EACH ROW WHEN (current_setting('mr.bulk_launch', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION sync_capture('ledger_entry');
DROP TRIGGER audit_log_sync ON audit_log;
CREATE TRIGGER audit_log_sync AFTER INSERT ON audit_log
    FOR EACH ROW WHEN (current_setting('mr.bulk_launch', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION sync_capture_audit();
DROP TRIGGER stats_daily_sync ON stats_daily;
CREATE TRIGGER stats_daily_sync AFTER INSERT OR UPDATE OR DELETE ON stats_daily
    FOR EACH ROW WHEN (current_setting('mr.bulk_launch', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION sync_capture('stat_daily');
DROP TRIGGER game_sessions_stats ON game_sessions;
CREATE TRIGGER game_sessions_stats AFTER INSERT ON game_sessions
    FOR EACH ROW WHEN (current_setting('mr.bulk_launch', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION stats_daily_count();

-- The charging step of a batch of launches, in the caller's transaction (one round trip and
-- one commit for many launches: the hot path's throughput comes from here).
--
-- Every launch gets one result row (idx = its position in the arrays, 1-based) with a code:
-- 'OK' (charged now), 'REPEAT' (the session id was charged before: the original result is
-- returned and nothing is charged, R-L6), or the error code of the check that failed (R-L3).
-- The function never raises for a launch's own failure, so one bad launch cannot abort the
-- others.
--
-- Locking, to be deadlock-free with itself and with every other writer:
--   1. transaction advisory locks on every session id, in session-id order (a concurrent launch
--      of the same session id, in this or another server process, waits here and then sees the
--      committed session: charged exactly once);
--   2. operator rows, in session-id order (the session id starts with the operator id, so this
--      is operator order), then their daily roll-up rows;
--   3. the audit chain lock last, as every other writer takes it (audit_append).
-- The caller passes the launches sorted by session id.
CREATE FUNCTION launch_charge_batch(
    p_session_ids  TEXT[],
    p_operator_ids UUID[],
    p_key_hashes   BYTEA[],
    p_site_ids     UUID[],
    p_app_codes    TEXT[],
    p_players      INT[],
    p_tokens       TEXT[],
    p_at           TIMESTAMPTZ[],
    p_ips          TEXT[],
    p_request_ids  TEXT[],
    -- Ids for the new game session and ledger entry of each launch, chosen by the caller as
    -- time-ordered UUIDs (v7): new index entries land at the right edge instead of on random
    -- pages of large indexes.
    p_session_uuids UUID[],
    p_ledger_uuids  UUID[]
) RETURNS TABLE (
    idx            INT,
    code           TEXT,
    app_code       TEXT,
    app_name       TEXT,
    site_id        UUID,
    player_count   INT,
    unit_price     NUMERIC(14,2),
    total_cost     NUMERIC(14,2),
    balance        NUMERIC(14,2),
    min_players    INT,
    max_players    INT,
    authorized_at  TIMESTAMPTZ,
    launch_token   TEXT
)
LANGUAGE plpgsql
-- Generic plans: with array arguments the planner otherwise re-plans every statement on every
-- call (custom plans), which cost more than the work itself for a batch of one. A generic plan
-- is made once per connection, possibly while the tables are still small, so its shape is
-- pinned to what a batch of at most a few dozen launches needs at any table size: index probes
-- in nested loops, never a scan of a table or a hash of one.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
-- The per-row change-log and roll-up triggers step aside for this function only; the setting
-- is restored when it returns.
SET mr.bulk_launch = 'on'
AS $$
DECLARE
    n        INT := coalesce(array_length(p_session_ids, 1), 0);
    i        INT;
    k        INT;
    j        INT;
    r        RECORD;
    v_cost   NUMERIC(14,2);
    v_after  NUMERIC(14,2);
    v_now    TIMESTAMPTZ := now();
    -- The batch's operators, locked, and their balances as the batch goes.
    o_ids    UUID[];
    o_bal    NUMERIC[];
    o_ok     BOOLEAN[];
    o_key    BYTEA[];
    o_locked BOOLEAN[];
    o_dirty  BOOLEAN[];
    -- Charged launches: their position in the arguments and what was written for them.
    v_done   INT[] := '{}';
    v_costs  NUMERIC[] := '{}';
    v_gss    UUID[] := '{}';
    v_les    UUID[] := '{}';
    v_apps   UUID[] := '{}';
    v_prices NUMERIC[] := '{}';
    v_names  TEXT[] := '{}';
    v_afters NUMERIC[] := '{}';
    v_chain  BYTEA;
    v_aid    BIGINT;
    v_det    JSONB;
    a_ids    BIGINT[] := '{}';
    a_ops    UUID[] := '{}';
    a_tgts   TEXT[] := '{}';
    a_dets   JSONB[] := '{}';
    a_ips    TEXT[] := '{}';
    a_reqs   TEXT[] := '{}';
    a_prevs  BYTEA[] := '{}';
    a_hashes BYTEA[] := '{}';
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(s, 7240612002))
       FROM unnest(p_session_ids) AS s ORDER BY s;

    -- Lock the batch's operators in id order. Their state is read once, under the lock: the
    -- key may have been reset or the operator locked since the request was read.
    SELECT array_agg(o.id ORDER BY o.id), array_agg(o.balance ORDER BY o.id),
           array_agg(o.status = 'active' ORDER BY o.id), array_agg(o.api_key_hash ORDER BY o.id),
           array_agg(o.is_locked ORDER BY o.id), array_agg(false ORDER BY o.id)
      INTO o_ids, o_bal, o_ok, o_key, o_locked, o_dirty
      FROM (SELECT op.id, op.balance, op.status, op.api_key_hash, op.is_locked FROM operators op
             WHERE op.id = ANY(p_operator_ids) ORDER BY op.id FOR UPDATE) o;

    -- Every fact the checks need, for every launch, in one statement.
    FOR r IN
        SELECT l.ord::int AS ord, s.id IS NOT NULL AS site_ok, a.id AS app_uuid, a.name AS aname,
               a.unit_price AS price, a.min_players AS minp, a.max_players AS maxp,
               z.id IS NOT NULL AS granted,
               g.id IS NOT NULL AS seen, g.player_count AS g_players, g.unit_price AS g_price,
               g.total_cost AS g_cost, g.balance_after AS g_after, g.authorized_at AS g_at,
               g.launch_token AS g_token, g.site_id AS g_site, ga.code AS g_code, ga.name AS g_name
          FROM unnest(p_session_ids, p_operator_ids, p_site_ids, p_app_codes, p_at)
               WITH ORDINALITY AS l(sid, op, site, code, at, ord)
          LEFT JOIN sites s ON s.id = l.site AND s.operator_id = l.op AND NOT s.is_deleted
          LEFT JOIN applications a ON a.code = l.code AND a.is_active
          LEFT JOIN LATERAL (
                SELECT z.id FROM authorizations z
                 WHERE z.operator_id = l.op AND z.application_id = a.id AND z.status = 'active'
                   AND (z.expires_at IS NULL OR z.expires_at > l.at)
                 LIMIT 1) z ON true
          LEFT JOIN game_sessions g ON g.session_id = l.sid AND g.operator_id = l.op
          LEFT JOIN applications ga ON ga.id = g.application_id
         ORDER BY l.ord
    LOOP
        i := r.ord;
        idx := i;
        app_code := p_app_codes[i];
        app_name := NULL; site_id := p_site_ids[i]; player_count := p_players[i];
        unit_price := NULL; total_cost := NULL; balance := NULL;
        min_players := NULL; max_players := NULL; authorized_at := NULL; launch_token := NULL;

        -- R-L6: a session id seen before returns its original result.
        IF r.seen THEN
            code := 'REPEAT';
            app_code := r.g_code; app_name := r.g_name; site_id := r.g_site;
            player_count := r.g_players; unit_price := r.g_price; total_cost := r.g_cost;
            balance := r.g_after; authorized_at := r.g_at; launch_token := r.g_token;
            RETURN NEXT; CONTINUE;
        END IF;
        -- ... including one charged earlier in this very batch.
        k := array_position(p_session_ids[1:i - 1], p_session_ids[i]);
        IF k IS NOT NULL THEN
            j := array_position(v_done, k);
            IF j IS NOT NULL THEN
                code := 'REPEAT';
                app_name := v_names[j]; unit_price := v_prices[j]; total_cost := v_costs[j];
                balance := v_afters[j]; authorized_at := p_at[k]; launch_token := p_tokens[k];
                player_count := p_players[k]; app_code := p_app_codes[k]; site_id := p_site_ids[k];
                RETURN NEXT; CONTINUE;
            END IF;
        END IF;

        k := array_position(o_ids, p_operator_ids[i]);
        IF k IS NULL OR NOT o_ok[k] OR o_key[k] <> p_key_hashes[i] THEN
            code := 'INVALID_API_KEY'; RETURN NEXT; CONTINUE;
        END IF;
        IF o_locked[k] THEN
            code := 'OPERATOR_LOCKED'; RETURN NEXT; CONTINUE;
        END IF;
        IF NOT r.site_ok THEN
            code := 'RESOURCE_NOT_FOUND'; RETURN NEXT; CONTINUE;
        END IF;
        IF r.app_uuid IS NULL OR NOT r.granted THEN
            code := 'APP_NOT_AUTHORIZED'; RETURN NEXT; CONTINUE;
        END IF;
        app_name := r.aname; unit_price := r.price;
        min_players := r.minp; max_players := r.maxp;
        IF p_players[i] < r.minp OR p_players[i] > r.maxp THEN
            code := 'PLAYER_COUNT_OUT_OF_RANGE'; RETURN NEXT; CONTINUE;
        END IF;

        -- R-L4: the price is snapshotted here; R-L5: the balance never goes negative.
        v_cost := r.price * p_players[i];
        total_cost := v_cost;
        IF o_bal[k] < v_cost THEN
            balance := o_bal[k];
            code := 'INSUFFICIENT_BALANCE'; RETURN NEXT; CONTINUE;
        END IF;
        v_after := o_bal[k] - v_cost;
        o_bal[k] := v_after;
        o_dirty[k] := true;

        code := 'OK'; balance := v_after; authorized_at := p_at[i]; launch_token := p_tokens[i];
        v_done := v_done || i; v_costs := v_costs || v_cost::numeric;
        v_gss := v_gss || p_session_uuids[i]; v_les := v_les || p_ledger_uuids[i];
        v_apps := v_apps || r.app_uuid; v_prices := v_prices || r.price::numeric;
        v_names := v_names || r.aname; v_afters := v_afters || v_after::numeric;
        RETURN NEXT;
    END LOOP;

    IF array_length(v_done, 1) IS NOT NULL THEN
        -- R-L5: one audit row per charged launch, chained exactly as audit_append does (the
        -- same lock, the same canonical text, the same hash; audit_verify() checks them). The
        -- lock comes after every operator row lock, as for every other writer.
        PERFORM pg_advisory_xact_lock(7240612001);
        SELECT a.hash INTO v_chain FROM audit_log a ORDER BY a.id DESC LIMIT 1;
        v_chain := coalesce(v_chain, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
        FOR k IN 1..array_length(v_done, 1) LOOP
            i := v_done[k];
            v_aid := nextval(pg_get_serial_sequence('audit_log', 'id'));
            v_det := jsonb_build_object('session_id', p_session_ids[i], 'app_id', p_app_codes[i],
                                        'site_id', p_site_ids[i], 'player_count', p_players[i],
                                        'total_cost', v_costs[k]::text,
                                        'balance_after', v_afters[k]::text);
            a_ids := a_ids || v_aid; a_ops := a_ops || p_operator_ids[i];
            a_tgts := a_tgts || v_gss[k]::text; a_dets := a_dets || v_det;
            a_ips := a_ips || p_ips[i]; a_reqs := a_reqs || p_request_ids[i];
            a_prevs := a_prevs || v_chain;
            v_chain := sha256(v_chain || convert_to(
                audit_canonical(v_aid, v_now, 'headset', p_operator_ids[i], NULL, 'launch.authorize',
                                'game_session', v_gss[k]::text, v_det, NULL, NULL, p_ips[i],
                                p_request_ids[i]),
                'UTF8'));
            a_hashes := a_hashes || v_chain;
        END LOOP;

        -- Every write of the batch in one statement: balances, usage records, ledger entries,
        -- audit rows, daily roll-ups (what stats_daily_count does per row) and the change-log
        -- entries the per-row triggers would have written (sync_capture).
        WITH
          bal AS (
            UPDATE operators o SET balance = x.bal, updated_at = v_now
              FROM unnest(o_ids, o_bal, o_dirty) AS x(id, bal, dirty)
             WHERE x.dirty AND o.id = x.id
            RETURNING o.id),
          gs AS (
            INSERT INTO game_sessions (id, session_id, operator_id, site_id, application_id,
                                       player_count, unit_price, total_cost, balance_after,
                                       launch_token, authorized_at, client_ip)
            SELECT x.gs, p_session_ids[x.i], p_operator_ids[x.i], p_site_ids[x.i], x.app,
                   p_players[x.i], x.price, x.cost, x.after, p_tokens[x.i], p_at[x.i], p_ips[x.i]
              FROM unnest(v_done, v_gss, v_apps, v_prices, v_costs, v_afters)
                   AS x(i, gs, app, price, cost, after)),
          le AS (
            INSERT INTO ledger_entries (id, operator_id, entry_type, amount, balance_before,
                                        balance_after, reference_type, reference_id, description,
                                        created_by_kind)
            SELECT x.le, p_operator_ids[x.i], 'consumption', -x.cost, x.after + x.cost, x.after,
                   'game_session', x.gs, x.name || ' × ' || p_players[x.i], 'headset'
              FROM unnest(v_done, v_les, v_gss, v_costs, v_afters, v_names)
                   AS x(i, le, gs, cost, after, name)
            RETURNING id, operator_id),
          au AS (
            INSERT INTO audit_log (id, occurred_at, actor_kind, actor_id, actor_name, action,
                                   target_type, target_id, details, before, after, ip,
                                   request_id, prev_hash, hash)
            OVERRIDING SYSTEM VALUE
            SELECT x.id, v_now, 'headset', x.op, NULL, 'launch.authorize', 'game_session', x.tgt,
                   x.det, NULL, NULL, x.ip, x.req, x.prev, x.hash
              FROM unnest(a_ids, a_ops, a_tgts, a_dets, a_ips, a_reqs, a_prevs, a_hashes)
                   AS x(id, op, tgt, det, ip, req, prev, hash)
            RETURNING id),
          agg AS (
            SELECT (p_at[d.i] AT TIME ZONE 'Asia/Shanghai')::date AS day,
                   p_operator_ids[d.i] AS op, p_site_ids[d.i] AS site, d.app,
                   count(*) AS sessions, sum(p_players[d.i]) AS players, sum(d.cost) AS revenue
              FROM unnest(v_done, v_costs, v_apps) AS d(i, cost, app)
             GROUP BY 1, 2, 3, 4),
          st AS (
            INSERT INTO stats_daily AS t (day, operator_id, site_id, application_id, sessions,
                                          players, revenue)
            SELECT day, op, site, app, sessions, players, revenue FROM agg
             ORDER BY op, site, app, day
            ON CONFLICT ON CONSTRAINT stats_daily_pkey DO UPDATE
               SET sessions = t.sessions + EXCLUDED.sessions,
                   players = t.players + EXCLUDED.players,
                   revenue = t.revenue + EXCLUDED.revenue
            RETURNING t.id, t.operator_id)
        INSERT INTO sync_changes (entity, row_id, operator_id)
        SELECT 'operator', id, id FROM bal
        UNION ALL SELECT 'ledger_entry', id, operator_id FROM le
        UNION ALL SELECT 'stat_daily', id, operator_id FROM st
        UNION ALL SELECT 'audit_entry', sync_audit_key(id), NULL FROM au;

        PERFORM pg_notify('mr_sync', x.payload)
           FROM (SELECT DISTINCT e || ':' || p_operator_ids[d]::text AS payload
                   FROM unnest(v_done) AS d, unnest(ARRAY['operator', 'ledger_entry', 'stat_daily']) AS e
                 UNION ALL SELECT 'audit_entry:') x;
    END IF;
END;
$$;
