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
--      is operator order);
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
    p_request_ids  TEXT[]
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
LANGUAGE plpgsql AS $$
DECLARE
    n        INT := coalesce(array_length(p_session_ids, 1), 0);
    i        INT;
    v_op     RECORD;
    v_app    RECORD;
    v_prev   RECORD;
    v_cost   NUMERIC(14,2);
    v_after  NUMERIC(14,2);
    v_gs     UUID;
    v_done   INT[] := '{}';
    v_costs  NUMERIC[] := '{}';
    v_gss    UUID[] := '{}';
    v_afters NUMERIC[] := '{}';
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(s, 7240612002))
       FROM unnest(p_session_ids) AS s ORDER BY s;

    FOR i IN 1..n LOOP
        idx := i;
        app_code := p_app_codes[i];
        app_name := NULL; site_id := p_site_ids[i]; player_count := p_players[i];
        unit_price := NULL; total_cost := NULL; balance := NULL;
        min_players := NULL; max_players := NULL; authorized_at := NULL; launch_token := NULL;

        -- R-L6: a session id seen before returns its original result.
        SELECT g.player_count, g.unit_price, g.total_cost, g.balance_after, g.authorized_at,
               g.launch_token, g.site_id, a.code, a.name
          INTO v_prev
          FROM game_sessions g JOIN applications a ON a.id = g.application_id
         WHERE g.session_id = p_session_ids[i] AND g.operator_id = p_operator_ids[i];
        IF FOUND THEN
            code := 'REPEAT';
            app_code := v_prev.code; app_name := v_prev.name; site_id := v_prev.site_id;
            player_count := v_prev.player_count; unit_price := v_prev.unit_price;
            total_cost := v_prev.total_cost; balance := v_prev.balance_after;
            authorized_at := v_prev.authorized_at; launch_token := v_prev.launch_token;
            RETURN NEXT; CONTINUE;
        END IF;

        -- The key may have been reset or the operator locked since the request was read.
        SELECT o.status, o.is_locked INTO v_op
          FROM operators o WHERE o.id = p_operator_ids[i] AND o.api_key_hash = p_key_hashes[i];
        IF NOT FOUND OR v_op.status <> 'active' THEN
            code := 'INVALID_API_KEY'; RETURN NEXT; CONTINUE;
        END IF;
        IF v_op.is_locked THEN
            code := 'OPERATOR_LOCKED'; RETURN NEXT; CONTINUE;
        END IF;

        PERFORM 1 FROM sites s
          WHERE s.id = p_site_ids[i] AND s.operator_id = p_operator_ids[i] AND NOT s.is_deleted;
        IF NOT FOUND THEN
            code := 'RESOURCE_NOT_FOUND'; RETURN NEXT; CONTINUE;
        END IF;

        SELECT a.id, a.name, a.unit_price, a.min_players, a.max_players INTO v_app
          FROM applications a WHERE a.code = p_app_codes[i] AND a.is_active;
        IF NOT FOUND THEN
            code := 'APP_NOT_AUTHORIZED'; RETURN NEXT; CONTINUE;
        END IF;
        app_name := v_app.name; unit_price := v_app.unit_price;
        min_players := v_app.min_players; max_players := v_app.max_players;

        PERFORM 1 FROM authorizations z
          WHERE z.operator_id = p_operator_ids[i] AND z.application_id = v_app.id
            AND z.status = 'active' AND (z.expires_at IS NULL OR z.expires_at > p_at[i]);
        IF NOT FOUND THEN
            code := 'APP_NOT_AUTHORIZED'; RETURN NEXT; CONTINUE;
        END IF;

        IF p_players[i] < v_app.min_players OR p_players[i] > v_app.max_players THEN
            code := 'PLAYER_COUNT_OUT_OF_RANGE'; RETURN NEXT; CONTINUE;
        END IF;

        -- R-L4: the price is snapshotted here; R-L5: the balance never goes negative.
        v_cost := v_app.unit_price * p_players[i];
        total_cost := v_cost;
        UPDATE operators o SET balance = o.balance - v_cost, updated_at = now()
         WHERE o.id = p_operator_ids[i] AND o.balance >= v_cost
           AND o.status = 'active' AND NOT o.is_locked AND o.api_key_hash = p_key_hashes[i]
        RETURNING o.balance INTO v_after;
        IF NOT FOUND THEN
            -- Say why, from the row as it is now (its lock is held or it was never updated).
            SELECT o.balance, o.is_locked, o.status, o.api_key_hash = p_key_hashes[i] AS key_ok
              INTO v_op FROM operators o WHERE o.id = p_operator_ids[i];
            balance := v_op.balance;
            code := CASE WHEN NOT v_op.key_ok OR v_op.status <> 'active' THEN 'INVALID_API_KEY'
                         WHEN v_op.is_locked THEN 'OPERATOR_LOCKED'
                         ELSE 'INSUFFICIENT_BALANCE' END;
            RETURN NEXT; CONTINUE;
        END IF;

        INSERT INTO game_sessions (session_id, operator_id, site_id, application_id, player_count,
                                   unit_price, total_cost, balance_after, launch_token,
                                   authorized_at, client_ip)
        VALUES (p_session_ids[i], p_operator_ids[i], p_site_ids[i], v_app.id, p_players[i],
                v_app.unit_price, v_cost, v_after, p_tokens[i], p_at[i], p_ips[i])
        RETURNING id INTO v_gs;

        INSERT INTO ledger_entries (operator_id, entry_type, amount, balance_before, balance_after,
                                    reference_type, reference_id, description, created_by_kind)
        VALUES (p_operator_ids[i], 'consumption', -v_cost, v_after + v_cost, v_after,
                'game_session', v_gs, v_app.name || ' × ' || p_players[i], 'headset');

        code := 'OK'; balance := v_after; authorized_at := p_at[i]; launch_token := p_tokens[i];
        v_done := v_done || i; v_costs := v_costs || v_cost::numeric;
        v_gss := v_gss || v_gs; v_afters := v_afters || v_after::numeric;
        RETURN NEXT;
    END LOOP;

    -- R-L5: one audit row per charged launch, appended after every row lock is held.
    FOR i IN 1..coalesce(array_length(v_done, 1), 0) LOOP
        PERFORM audit_append('headset', p_operator_ids[v_done[i]], NULL, 'launch.authorize',
                             'game_session', v_gss[i]::text,
                             jsonb_build_object('session_id', p_session_ids[v_done[i]],
                                                'app_id', p_app_codes[v_done[i]],
                                                'site_id', p_site_ids[v_done[i]],
                                                'player_count', p_players[v_done[i]],
                                                'total_cost', v_costs[i]::text,
                                                'balance_after', v_afters[i]::text),
                             NULL, NULL, p_ips[v_done[i]], p_request_ids[v_done[i]]);
    END LOOP;
END;
$$;
