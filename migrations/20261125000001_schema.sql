-- MR game operations platform: the whole server data model (PostgreSQL 15).
--
-- sqlx runs this file inside one transaction. Conventions:
--   * ids are UUID (the app generates v7; gen_random_uuid() is only a fallback default);
--     append-only, high-volume logs use BIGINT identity ids.
--   * money is NUMERIC(14,2), never float; statuses/enums are TEXT + CHECK (no PG enum types).
--   * every mutable table has created_at, updated_at and `version BIGINT NOT NULL DEFAULT 0`
--     (reserved for the sync engine; nothing maintains it yet). The application sets
--     updated_at itself; there is no trigger for it.
--   * R-… / E-… ids cite the requirements (REQUIREMENTS.md, UAT_SCENARIOS.md) where a constraint exists for a requirement.
--   * Rows that lock an operator's wallet should use SELECT … FOR NO KEY UPDATE (enough to
--     serialise balance changes) so that inserts of FK-referencing rows in other
--     transactions (messages, payment orders, …) are not blocked by the wallet lock.

-- ---------------------------------------------------------------------------------------
-- Shared helpers
-- ---------------------------------------------------------------------------------------

-- Trigger function for append-only tables: refuses UPDATE, DELETE and TRUNCATE.
CREATE FUNCTION forbid_mutation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Correct a wrong entry by appending a compensating row.';
END;
$$;

-- ---------------------------------------------------------------------------------------
-- Staff (admin / finance / analyst accounts) — R-A9, R-F7, §2 roles
-- ---------------------------------------------------------------------------------------
CREATE TABLE staff_users (
    id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    username       TEXT NOT NULL CHECK (btrim(username) <> ''),
    password_hash  TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL
                   CHECK (role IN ('super_admin', 'admin', 'accountant', 'manager', 'auditor', 'analyst')),
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_by     UUID NULL REFERENCES staff_users (id),
    last_login_at  TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    version        BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT staff_users_not_self_created CHECK (created_by IS DISTINCT FROM id)
);
CREATE UNIQUE INDEX staff_users_username_lower_key ON staff_users (lower(username));
CREATE INDEX staff_users_role_idx ON staff_users (role, status);

-- ---------------------------------------------------------------------------------------
-- Operators (运营商): account, wallet, API key — R-O1, R-O2, R-A1, R-A2, R-L3, R-L10
-- ---------------------------------------------------------------------------------------
CREATE TABLE operators (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    username            TEXT NOT NULL CHECK (btrim(username) <> ''),
    password_hash       TEXT NOT NULL,
    display_name        TEXT NOT NULL CHECK (btrim(display_name) <> ''),  -- company / venue name
    contact_name        TEXT,
    phone               TEXT NOT NULL,
    email               TEXT NOT NULL,
    tier                TEXT NOT NULL DEFAULT 'trial' CHECK (tier IN ('trial', 'standard', 'vip')),
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    -- R-L5: the balance can never go negative.
    balance             NUMERIC(14,2) NOT NULL DEFAULT 0 CHECK (balance >= 0),
    is_locked           BOOLEAN NOT NULL DEFAULT false,
    locked_reason       TEXT,
    locked_at           TIMESTAMPTZ,
    locked_by           UUID NULL REFERENCES staff_users (id),  -- NULL while locked = locked by the system (R-L10)
    api_key_ciphertext  BYTEA NOT NULL,   -- R-O2 / §10: encrypted at rest (AES-GCM, master key from env)
    api_key_nonce       BYTEA NOT NULL CHECK (octet_length(api_key_nonce) = 12),
    api_key_hash        BYTEA NOT NULL UNIQUE CHECK (octet_length(api_key_hash) = 32),  -- keyed HMAC-SHA256, for lookup
    api_key_last4       TEXT NOT NULL CHECK (length(api_key_last4) = 4),
    api_key_rotated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at           TIMESTAMPTZ,
    last_login_at       TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    version             BIGINT NOT NULL DEFAULT 0,
    -- R-L10 / R-A1: a lock always has a time and a reason; an unlocked account carries no lock data.
    CONSTRAINT operators_lock_consistent CHECK (
        (is_locked AND locked_at IS NOT NULL AND locked_reason IS NOT NULL)
        OR (NOT is_locked AND locked_at IS NULL AND locked_by IS NULL AND locked_reason IS NULL)
    ),
    -- R-O1: closure is logical; a closed account records when.
    CONSTRAINT operators_closed_consistent CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE UNIQUE INDEX operators_username_lower_key ON operators (lower(username));
CREATE INDEX operators_created_at_idx ON operators (created_at DESC, id DESC);
CREATE INDEX operators_tier_status_idx ON operators (tier, status);
CREATE INDEX operators_locked_idx ON operators (locked_at DESC) WHERE is_locked;

-- ---------------------------------------------------------------------------------------
-- Login sessions and refresh tokens — R-D2, §10 security
-- ---------------------------------------------------------------------------------------
CREATE TABLE auth_sessions (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_kind    TEXT NOT NULL CHECK (subject_kind IN ('operator', 'staff')),
    subject_id      UUID NOT NULL,  -- operators.id or staff_users.id (polymorphic: no FK)
    workspace       TEXT NOT NULL CHECK (workspace IN ('operator', 'admin', 'finance')),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at      TIMESTAMPTZ NOT NULL,
    revoked_at      TIMESTAMPTZ,
    revoked_reason  TEXT,
    user_agent      TEXT,
    ip              TEXT,
    -- E-L04: an operator only ever holds operator-workspace sessions, staff never do.
    CONSTRAINT auth_sessions_workspace_matches_subject
        CHECK ((subject_kind = 'operator') = (workspace = 'operator')),
    CONSTRAINT auth_sessions_expiry_after_start CHECK (expires_at > created_at),
    CONSTRAINT auth_sessions_revoked_consistent CHECK (revoked_reason IS NULL OR revoked_at IS NOT NULL)
);
CREATE INDEX auth_sessions_subject_idx ON auth_sessions (subject_kind, subject_id);
CREATE INDEX auth_sessions_expires_idx ON auth_sessions (expires_at);

CREATE TABLE refresh_tokens (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id  UUID NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    token_hash  BYTEA NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,  -- set when rotated; a second use revokes the whole session (reuse detection)
    CONSTRAINT refresh_tokens_expiry_after_start CHECK (expires_at > created_at)
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- ---------------------------------------------------------------------------------------
-- Sites (运营点) — R-O5, R-L3
-- ---------------------------------------------------------------------------------------
CREATE TABLE sites (
    id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    operator_id    UUID NOT NULL REFERENCES operators (id),
    name           TEXT NOT NULL CHECK (btrim(name) <> ''),
    address        TEXT,
    contact_name   TEXT,
    contact_phone  TEXT,
    description    TEXT,
    is_deleted     BOOLEAN NOT NULL DEFAULT false,  -- R-O5: delete is logical
    deleted_at     TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    version        BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT sites_deleted_consistent CHECK (is_deleted = (deleted_at IS NOT NULL)),
    -- Target of the composite FK from game_sessions: a usage record's site belongs to its operator (R-L3).
    CONSTRAINT sites_id_operator_key UNIQUE (id, operator_id)
);
CREATE UNIQUE INDEX sites_operator_name_key ON sites (operator_id, name) WHERE NOT is_deleted;
CREATE INDEX sites_operator_idx ON sites (operator_id, created_at DESC);

-- ---------------------------------------------------------------------------------------
-- Applications (MR games) and their price history — R-A3, R-L4
-- ---------------------------------------------------------------------------------------
CREATE TABLE applications (
    id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    code         TEXT NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]{2,63}$'),  -- the headset's app_id (R-L1)
    name         TEXT NOT NULL CHECK (btrim(name) <> ''),
    description  TEXT,
    unit_price   NUMERIC(14,2) NOT NULL CHECK (unit_price > 0),  -- per player per launch
    min_players  INT NOT NULL CHECK (min_players >= 1),
    max_players  INT NOT NULL,
    is_active    BOOLEAN NOT NULL DEFAULT true,  -- R-A3 deactivate; E-A11 launches then fail
    created_by   UUID NULL REFERENCES staff_users (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    version      BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT applications_player_range CHECK (max_players >= min_players AND max_players <= 100)
);
CREATE INDEX applications_active_idx ON applications (is_active, name);

-- R-A3: every price change is kept; immutable once written.
CREATE TABLE application_price_history (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    application_id  UUID NOT NULL REFERENCES applications (id),
    old_price       NUMERIC(14,2) NULL CHECK (old_price IS NULL OR old_price > 0),  -- NULL = initial price
    new_price       NUMERIC(14,2) NOT NULL CHECK (new_price > 0),
    changed_by      UUID NULL REFERENCES staff_users (id),
    changed_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX application_price_history_app_idx ON application_price_history (application_id, changed_at DESC);
CREATE TRIGGER application_price_history_append_only
    BEFORE UPDATE OR DELETE ON application_price_history
    FOR EACH ROW EXECUTE FUNCTION forbid_mutation();
CREATE TRIGGER application_price_history_no_truncate
    BEFORE TRUNCATE ON application_price_history
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation();

-- ---------------------------------------------------------------------------------------
-- Authorization requests and authorizations — R-O6, R-O7, R-A4, R-A5, R-L3
-- ---------------------------------------------------------------------------------------
CREATE TABLE authorization_requests (
    id                    UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    operator_id           UUID NOT NULL REFERENCES operators (id),
    application_id        UUID NOT NULL REFERENCES applications (id),
    reason                TEXT NOT NULL CHECK (btrim(reason) <> ''),  -- R-O7: ask with a reason
    status                TEXT NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    decided_by            UUID NULL REFERENCES staff_users (id),
    decided_at            TIMESTAMPTZ,
    decision_note         TEXT,
    requested_expires_at  TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    version               BIGINT NOT NULL DEFAULT 0,
    -- R-A4: a staff decision records who and when; a pending request has none;
    -- a withdrawal is the operator's, never a staff member's.
    CONSTRAINT authorization_requests_decision_consistent CHECK (
        CASE status
            WHEN 'pending'   THEN decided_by IS NULL AND decided_at IS NULL
            WHEN 'approved'  THEN decided_by IS NOT NULL AND decided_at IS NOT NULL
            WHEN 'rejected'  THEN decided_by IS NOT NULL AND decided_at IS NOT NULL
            WHEN 'withdrawn' THEN decided_by IS NULL
        END
    ),
    -- R-A4: reject with a reason (the operator sees it, E-A07).
    CONSTRAINT authorization_requests_reject_has_note
        CHECK (status <> 'rejected' OR (decision_note IS NOT NULL AND btrim(decision_note) <> '')),
    -- Target of the composite FK from authorizations.
    CONSTRAINT authorization_requests_id_operator_app_key UNIQUE (id, operator_id, application_id)
);
-- R-O7 / R-A4: at most one pending request per operator and application.
CREATE UNIQUE INDEX authorization_requests_one_pending_key
    ON authorization_requests (operator_id, application_id) WHERE status = 'pending';
CREATE INDEX authorization_requests_status_idx ON authorization_requests (status, created_at);
CREATE INDEX authorization_requests_operator_idx ON authorization_requests (operator_id, created_at DESC);
CREATE INDEX authorization_requests_application_idx ON authorization_requests (application_id);

CREATE TABLE authorizations (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    operator_id     UUID NOT NULL REFERENCES operators (id),
    application_id  UUID NOT NULL REFERENCES applications (id),
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
    expires_at      TIMESTAMPTZ NULL,  -- NULL = permanent (R-A5); expiry is checked at launch (R-L3)
    granted_by      UUID NULL REFERENCES staff_users (id),
    granted_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    request_id      UUID NULL,
    revoked_by      UUID NULL REFERENCES staff_users (id),
    revoked_at      TIMESTAMPTZ,
    revoke_reason   TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    version         BIGINT NOT NULL DEFAULT 0,
    -- The originating request, if any, is for the same operator and application.
    CONSTRAINT authorizations_request_fk FOREIGN KEY (request_id, operator_id, application_id)
        REFERENCES authorization_requests (id, operator_id, application_id),
    CONSTRAINT authorizations_one_per_request UNIQUE (request_id),
    CONSTRAINT authorizations_expiry_after_grant CHECK (expires_at IS NULL OR expires_at > granted_at),
    -- R-A5: show who revoked when, and why.
    CONSTRAINT authorizations_revocation_consistent CHECK (
        (status = 'active' AND revoked_at IS NULL AND revoked_by IS NULL AND revoke_reason IS NULL)
        OR (status = 'revoked' AND revoked_at IS NOT NULL
            AND revoke_reason IS NOT NULL AND btrim(revoke_reason) <> '')
    )
);
-- R-A5 / R-L3: at most one active authorization per operator and application. An expired
-- but still 'active' row must be revoked (or its expiry extended) before a new grant.
CREATE UNIQUE INDEX authorizations_one_active_key
    ON authorizations (operator_id, application_id) WHERE status = 'active';
CREATE INDEX authorizations_operator_idx ON authorizations (operator_id, created_at DESC);
CREATE INDEX authorizations_application_idx ON authorizations (application_id, status);
CREATE INDEX authorizations_status_idx ON authorizations (status, expires_at);

-- ---------------------------------------------------------------------------------------
-- Game sessions (usage records) — R-L4..R-L8, R-O8, R-O9, R-A8
-- ---------------------------------------------------------------------------------------
CREATE TABLE game_sessions (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id          TEXT NOT NULL UNIQUE,  -- the headset's X-Session-ID; R-L6 idempotency key
    operator_id         UUID NOT NULL REFERENCES operators (id),
    site_id             UUID NOT NULL,
    application_id      UUID NOT NULL REFERENCES applications (id),
    player_count        INT NOT NULL CHECK (player_count > 0),
    unit_price          NUMERIC(14,2) NOT NULL CHECK (unit_price > 0),  -- R-L4 snapshot at launch
    total_cost          NUMERIC(14,2) NOT NULL,
    balance_after       NUMERIC(14,2) NOT NULL CHECK (balance_after >= 0),
    launch_token        TEXT,
    authorized_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    ended_at            TIMESTAMPTZ,
    duration_seconds    INT CHECK (duration_seconds IS NULL OR duration_seconds >= 0),
    duration_estimated  BOOLEAN NOT NULL DEFAULT false,  -- R-L8: true when the headset never reported
    client_ip           TEXT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    version             BIGINT NOT NULL DEFAULT 0,
    -- R-L3: the site belongs to the launching operator.
    CONSTRAINT game_sessions_site_fk FOREIGN KEY (site_id, operator_id) REFERENCES sites (id, operator_id),
    -- R-L4: cost = players × unit price.
    CONSTRAINT game_sessions_cost_consistent CHECK (total_cost = unit_price * player_count),
    CONSTRAINT game_sessions_end_after_start CHECK (ended_at IS NULL OR ended_at >= authorized_at),
    CONSTRAINT game_sessions_estimate_has_duration CHECK (NOT duration_estimated OR duration_seconds IS NOT NULL)
);
CREATE INDEX game_sessions_operator_time_idx ON game_sessions (operator_id, authorized_at DESC, id DESC);
CREATE INDEX game_sessions_application_time_idx ON game_sessions (application_id, authorized_at);
CREATE INDEX game_sessions_site_time_idx ON game_sessions (site_id, authorized_at);
CREATE INDEX game_sessions_time_idx ON game_sessions (authorized_at);
CREATE INDEX game_sessions_open_idx ON game_sessions (authorized_at) WHERE ended_at IS NULL;  -- R-L8 estimator

-- ---------------------------------------------------------------------------------------
-- Launch attempts — R-L11 (every launch request), feeds R-L9/R-L10 abuse detection.
-- Append-only in practice, high volume; rows may be purged by retention, so no trigger.
-- No FKs on purpose: the inputs may be bogus, and an FK check would take a KEY SHARE lock
-- on the operator row and queue behind launches holding the wallet lock.
-- ---------------------------------------------------------------------------------------
CREATE TABLE launch_attempts (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operator_id    UUID NULL,   -- resolved from the API key, NULL if the key was unknown
    api_key_hash   BYTEA NULL,  -- HMAC of the presented key (R-L10: "> 5 different API keys in 1 min")
    site_ref       TEXT NULL,   -- site_id exactly as sent (may not be a UUID)
    app_code       TEXT NULL,
    player_count   INT NULL,
    session_id     TEXT NULL,
    result         TEXT NOT NULL CHECK (result ~ '^[A-Z][A-Z0-9_]*$'),  -- 'OK', 'INVALID_SIGNATURE', …
    http_status    SMALLINT NULL CHECK (http_status IS NULL OR http_status BETWEEN 100 AND 599),
    client_ip      TEXT NULL,
    attempted_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX launch_attempts_ip_time_idx ON launch_attempts (client_ip, attempted_at);
CREATE INDEX launch_attempts_operator_time_idx ON launch_attempts (operator_id, attempted_at);
CREATE INDEX launch_attempts_time_brin ON launch_attempts USING brin (attempted_at);

-- ---------------------------------------------------------------------------------------
-- Ledger — every balance change (R-L5, R-O4, R-P2, R-F3, §9 ledger check). Append-only.
-- ---------------------------------------------------------------------------------------
CREATE TABLE ledger_entries (
    id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    operator_id      UUID NOT NULL REFERENCES operators (id),
    entry_type       TEXT NOT NULL CHECK (entry_type IN ('recharge', 'consumption', 'refund', 'adjustment')),
    amount           NUMERIC(14,2) NOT NULL CHECK (amount <> 0),  -- signed: + credit, − debit
    balance_before   NUMERIC(14,2) NOT NULL CHECK (balance_before >= 0),
    balance_after    NUMERIC(14,2) NOT NULL,
    reference_type   TEXT,  -- 'payment_order' | 'game_session' | 'refund' | …
    reference_id     UUID,
    description      TEXT,
    created_by_kind  TEXT NULL CHECK (created_by_kind IN ('staff', 'operator', 'system', 'headset')),
    created_by       UUID NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- R-L5: the entry explains the balance move and never leaves it negative.
    CONSTRAINT ledger_entries_balance_consistent
        CHECK (balance_after = balance_before + amount AND balance_after >= 0),
    -- Sign by type: recharges credit; consumptions and refunds (money paid back out) debit;
    -- adjustments go either way.
    CONSTRAINT ledger_entries_sign_by_type CHECK (
        (entry_type = 'recharge' AND amount > 0)
        OR (entry_type IN ('consumption', 'refund') AND amount < 0)
        OR entry_type = 'adjustment'
    ),
    CONSTRAINT ledger_entries_reference_pair CHECK ((reference_type IS NULL) = (reference_id IS NULL)),
    CONSTRAINT ledger_entries_creator_has_kind CHECK (created_by IS NULL OR created_by_kind IS NOT NULL)
);
CREATE INDEX ledger_entries_operator_time_idx ON ledger_entries (operator_id, created_at DESC, id DESC);
CREATE INDEX ledger_entries_type_time_idx ON ledger_entries (entry_type, created_at);
-- R-L5 / R-P2: a session is charged once, an order credited once, a refund paid once —
-- whatever the number of replicas or retried callbacks. Adjustments are exempt.
CREATE UNIQUE INDEX ledger_entries_once_per_reference_key
    ON ledger_entries (entry_type, reference_type, reference_id)
    WHERE reference_id IS NOT NULL AND entry_type <> 'adjustment';
CREATE INDEX ledger_entries_reference_idx ON ledger_entries (reference_type, reference_id)
    WHERE reference_id IS NOT NULL;
CREATE TRIGGER ledger_entries_append_only
    BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION forbid_mutation();
CREATE TRIGGER ledger_entries_no_truncate
    BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation();

-- ---------------------------------------------------------------------------------------
-- Payments — R-O3, R-P1..R-P5
-- ---------------------------------------------------------------------------------------
CREATE TABLE payment_orders (
    id                UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    out_trade_no      TEXT NOT NULL UNIQUE,  -- our order number, sent to the channel
    operator_id       UUID NOT NULL REFERENCES operators (id),
    channel           TEXT NOT NULL CHECK (channel IN ('alipay', 'wechat')),
    is_sandbox        BOOLEAN NOT NULL DEFAULT false,  -- R-P4: sandbox gateway, clearly marked
    amount            NUMERIC(14,2) NOT NULL CHECK (amount > 0),
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'paid', 'closed', 'failed', 'abnormal')),
    qr_code           TEXT,  -- WeChat code_url / Alipay qr_code
    channel_trade_no  TEXT,  -- Alipay trade_no / WeChat transaction_id
    paid_at           TIMESTAMPTZ,
    closed_at         TIMESTAMPTZ,
    expires_at        TIMESTAMPTZ NOT NULL,  -- R-P3: unpaid past this → closed
    query_failures    INT NOT NULL DEFAULT 0 CHECK (query_failures >= 0),  -- R-P3: 3 → flagged
    flagged_reason    TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    version           BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT payment_orders_paid_has_time CHECK (status <> 'paid' OR paid_at IS NOT NULL),
    CONSTRAINT payment_orders_closed_has_time CHECK (status <> 'closed' OR closed_at IS NOT NULL),
    CONSTRAINT payment_orders_abnormal_has_reason CHECK (status <> 'abnormal' OR flagged_reason IS NOT NULL)
);
CREATE INDEX payment_orders_status_time_idx ON payment_orders (status, created_at);
CREATE INDEX payment_orders_operator_time_idx ON payment_orders (operator_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX payment_orders_channel_trade_no_key
    ON payment_orders (channel, channel_trade_no) WHERE channel_trade_no IS NOT NULL;

-- Callback inbox: the raw request is stored first, then processed (R-P2, E-W03).
CREATE TABLE payment_callbacks (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel        TEXT NOT NULL CHECK (channel IN ('alipay', 'wechat')),
    is_sandbox     BOOLEAN NOT NULL DEFAULT false,
    received_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    headers        JSONB NOT NULL DEFAULT '{}',
    raw_body       TEXT NOT NULL,
    out_trade_no   TEXT NULL,
    verified       BOOLEAN NULL,  -- NULL = not yet checked
    result         TEXT NOT NULL DEFAULT 'pending'
                   CHECK (result IN ('pending', 'credited', 'duplicate', 'rejected', 'flagged')),
    reject_reason  TEXT,
    processed_at   TIMESTAMPTZ,
    order_id       UUID NULL REFERENCES payment_orders (id),
    CONSTRAINT payment_callbacks_processed_has_time CHECK (result = 'pending' OR processed_at IS NOT NULL),
    -- R-P2: forged / unsigned callbacks are rejected and the reason recorded.
    CONSTRAINT payment_callbacks_rejected_has_reason CHECK (result <> 'rejected' OR reject_reason IS NOT NULL),
    -- R-P2: only a verified callback for a known order can credit.
    CONSTRAINT payment_callbacks_credit_verified
        CHECK (result <> 'credited' OR (verified IS TRUE AND order_id IS NOT NULL))
);
CREATE INDEX payment_callbacks_order_idx ON payment_callbacks (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX payment_callbacks_out_trade_no_idx ON payment_callbacks (out_trade_no) WHERE out_trade_no IS NOT NULL;
CREATE INDEX payment_callbacks_result_time_idx ON payment_callbacks (result, received_at DESC);

-- ---------------------------------------------------------------------------------------
-- Refunds of the remaining balance — R-O10, R-F3, R-S4, E-F05
-- ---------------------------------------------------------------------------------------
CREATE TABLE refunds (
    id                 UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    operator_id        UUID NOT NULL REFERENCES operators (id),
    requested_amount   NUMERIC(14,2) NOT NULL CHECK (requested_amount >= 0),  -- balance at request time (informational)
    -- R-F3: the balance at approval, computed in the locking transaction. A zero balance
    -- cannot be refunded (the request is rejected instead).
    approved_amount    NUMERIC(14,2) NULL CHECK (approved_amount IS NULL OR approved_amount > 0),
    reason             TEXT,
    status             TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'approved', 'rejected', 'completed', 'failed')),
    reviewed_by        UUID NULL REFERENCES staff_users (id),
    reviewed_at        TIMESTAMPTZ,
    review_note        TEXT,
    channel_refund_no  TEXT NULL UNIQUE,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    version            BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT refunds_review_consistent CHECK (
        CASE status
            WHEN 'pending'  THEN reviewed_by IS NULL AND reviewed_at IS NULL AND approved_amount IS NULL
            -- R-F3: rejected with a reason.
            WHEN 'rejected' THEN reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL AND approved_amount IS NULL
                                 AND review_note IS NOT NULL AND btrim(review_note) <> ''
            -- approved / completed / failed: reviewed, with the amount actually refunded (R-O10).
            ELSE reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL AND approved_amount IS NOT NULL
        END
    )
);
CREATE UNIQUE INDEX refunds_one_pending_key ON refunds (operator_id) WHERE status = 'pending';
CREATE INDEX refunds_status_time_idx ON refunds (status, created_at);
CREATE INDEX refunds_operator_time_idx ON refunds (operator_id, created_at DESC);

-- ---------------------------------------------------------------------------------------
-- Invoices (发票) — R-O11, R-F4
-- ---------------------------------------------------------------------------------------
CREATE TABLE invoices (
    id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    operator_id      UUID NOT NULL REFERENCES operators (id),
    invoice_type     TEXT NOT NULL CHECK (invoice_type IN ('normal', 'special')),  -- 普通发票 / 增值税专用发票
    amount           NUMERIC(14,2) NOT NULL CHECK (amount > 0),
    title            TEXT NOT NULL CHECK (btrim(title) <> ''),
    -- Unified social credit code / taxpayer id: 15–20 letters or digits (E-O11).
    tax_number       TEXT CHECK (tax_number IS NULL OR tax_number ~ '^[0-9A-Za-z]{15,20}$'),
    bank_name        TEXT,
    bank_account     TEXT,
    company_address  TEXT,
    company_phone    TEXT,
    email            TEXT,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    invoice_number   TEXT NULL UNIQUE,
    pdf_path         TEXT NULL,
    reviewed_by      UUID NULL REFERENCES staff_users (id),
    reviewed_at      TIMESTAMPTZ,
    review_note      TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    version          BIGINT NOT NULL DEFAULT 0,
    -- R-O11: a special VAT invoice needs tax number, bank, account, address and phone.
    CONSTRAINT invoices_special_details CHECK (
        invoice_type <> 'special'
        OR (tax_number IS NOT NULL AND bank_name IS NOT NULL AND bank_account IS NOT NULL
            AND company_address IS NOT NULL AND company_phone IS NOT NULL)
    ),
    -- R-F4: approval assigns an invoice number; a rejection carries a reason.
    CONSTRAINT invoices_review_consistent CHECK (
        CASE status
            WHEN 'pending'  THEN reviewed_by IS NULL AND reviewed_at IS NULL AND invoice_number IS NULL
            WHEN 'approved' THEN reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL AND invoice_number IS NOT NULL
            WHEN 'rejected' THEN reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL
                                 AND review_note IS NOT NULL AND btrim(review_note) <> ''
        END
    )
);
CREATE INDEX invoices_status_time_idx ON invoices (status, created_at);
CREATE INDEX invoices_operator_time_idx ON invoices (operator_id, created_at DESC);

-- ---------------------------------------------------------------------------------------
-- Announcements and the operator message centre — R-A7, R-O12, R-A3 (price notices)
-- ---------------------------------------------------------------------------------------
CREATE TABLE announcements (
    id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    title          TEXT NOT NULL CHECK (btrim(title) <> ''),
    body           TEXT NOT NULL,
    audience       TEXT NOT NULL CHECK (audience IN ('all', 'tier')),
    audience_tier  TEXT NULL CHECK (audience_tier IN ('trial', 'standard', 'vip')),
    published_by   UUID NOT NULL REFERENCES staff_users (id),
    published_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    version        BIGINT NOT NULL DEFAULT 0,
    -- R-A7 / E-A13: a tier announcement names its tier; an all-operator one does not.
    CONSTRAINT announcements_audience_consistent CHECK ((audience = 'tier') = (audience_tier IS NOT NULL))
);
CREATE INDEX announcements_published_idx ON announcements (published_at DESC);

CREATE TABLE messages (
    id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    operator_id      UUID NOT NULL REFERENCES operators (id),
    kind             TEXT NOT NULL CHECK (kind IN ('announcement', 'price_change', 'low_balance', 'request_result',
                                                   'api_key_reset', 'refund_result', 'invoice_result', 'payment',
                                                   'system')),
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    announcement_id  UUID NULL REFERENCES announcements (id),
    is_read          BOOLEAN NOT NULL DEFAULT false,
    read_at          TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    version          BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT messages_read_consistent CHECK (is_read = (read_at IS NOT NULL)),
    CONSTRAINT messages_announcement_consistent CHECK ((kind = 'announcement') = (announcement_id IS NOT NULL))
);
CREATE INDEX messages_operator_time_idx ON messages (operator_id, created_at DESC, id DESC);
CREATE INDEX messages_operator_unread_idx ON messages (operator_id, created_at DESC) WHERE NOT is_read;  -- R-O12 unread count
-- An announcement reaches each operator once, even if the fan-out is retried.
CREATE UNIQUE INDEX messages_announcement_once_key ON messages (operator_id, announcement_id)
    WHERE announcement_id IS NOT NULL;

-- ---------------------------------------------------------------------------------------
-- Audit log — R-F6 (append-only, hash-chained), R-L5 (launch audit row), E-F09
-- ---------------------------------------------------------------------------------------
CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_kind   TEXT NOT NULL CHECK (actor_kind IN ('staff', 'operator', 'system', 'headset')),
    actor_id     UUID NULL,
    actor_name   TEXT,
    action       TEXT NOT NULL CHECK (btrim(action) <> ''),  -- e.g. 'auth.login', 'operator.register'
    target_type  TEXT,
    target_id    TEXT,
    details      JSONB NOT NULL DEFAULT '{}',
    before       JSONB,
    after        JSONB,
    ip           TEXT,
    request_id   TEXT,
    -- UNIQUE prev_hash: the chain cannot fork. An append from a stale snapshot (a REPEATABLE
    -- READ / SERIALIZABLE transaction that started before another append committed) fails
    -- with a unique violation on audit_log_prev_hash_key instead of linking to an old row;
    -- retry the transaction, or append from READ COMMITTED transactions (the default).
    prev_hash    BYTEA NOT NULL CONSTRAINT audit_log_prev_hash_key UNIQUE CHECK (octet_length(prev_hash) = 32),
    hash         BYTEA NOT NULL UNIQUE CHECK (octet_length(hash) = 32)
);
CREATE INDEX audit_log_time_idx ON audit_log (occurred_at DESC);
CREATE INDEX audit_log_action_time_idx ON audit_log (action, occurred_at DESC);
CREATE INDEX audit_log_actor_time_idx ON audit_log (actor_kind, actor_id, occurred_at DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id);
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION forbid_mutation();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_mutation();

-- Canonical text of an audit row, hashed into the chain. Each field is encoded as
-- `<length>:<value>` (or `~` for NULL) and the fields are joined with '|', so no two
-- different rows share a canonical text. jsonb is cast to text (PostgreSQL's jsonb output
-- is normalised: key order and whitespace are fixed), the time is extract(epoch) as text.
CREATE FUNCTION audit_canonical(
    p_id BIGINT, p_occurred_at TIMESTAMPTZ, p_actor_kind TEXT, p_actor_id UUID, p_actor_name TEXT,
    p_action TEXT, p_target_type TEXT, p_target_id TEXT, p_details JSONB, p_before JSONB,
    p_after JSONB, p_ip TEXT, p_request_id TEXT
) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT string_agg(CASE WHEN f IS NULL THEN '~' ELSE length(f)::text || ':' || f END, '|' ORDER BY n)
    FROM unnest(ARRAY[
        p_id::text,
        extract(epoch FROM p_occurred_at)::text,
        p_actor_kind,
        p_actor_id::text,
        p_actor_name,
        p_action,
        p_target_type,
        p_target_id,
        p_details::text,
        p_before::text,
        p_after::text,
        p_ip,
        p_request_id
    ]) WITH ORDINALITY AS t(f, n)
$$;

-- The only way to write the audit log. The transaction-scoped advisory lock serialises
-- appends until COMMIT, so ids are assigned in chain order and each row links to the
-- previous committed row. Call it as late as possible in a transaction (the lock is held
-- until commit). Returns the new row's id.
CREATE FUNCTION audit_append(
    p_actor_kind TEXT, p_actor_id UUID, p_actor_name TEXT, p_action TEXT,
    p_target_type TEXT, p_target_id TEXT, p_details JSONB, p_before JSONB, p_after JSONB,
    p_ip TEXT, p_request_id TEXT
) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
    v_id      BIGINT;
    v_at      TIMESTAMPTZ := now();
    v_details JSONB := coalesce(p_details, '{}'::jsonb);
    v_prev    BYTEA;
    v_hash    BYTEA;
BEGIN
    -- 7240612001: fixed key of the audit chain lock (no other code may use it).
    PERFORM pg_advisory_xact_lock(7240612001);

    SELECT a.hash INTO v_prev FROM audit_log a ORDER BY a.id DESC LIMIT 1;
    v_prev := coalesce(v_prev, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);

    v_id := nextval(pg_get_serial_sequence('audit_log', 'id'));
    v_hash := sha256(v_prev || convert_to(
        audit_canonical(v_id, v_at, p_actor_kind, p_actor_id, p_actor_name, p_action,
                        p_target_type, p_target_id, v_details, p_before, p_after, p_ip, p_request_id),
        'UTF8'));

    INSERT INTO audit_log (id, occurred_at, actor_kind, actor_id, actor_name, action, target_type,
                           target_id, details, before, after, ip, request_id, prev_hash, hash)
    OVERRIDING SYSTEM VALUE
    VALUES (v_id, v_at, p_actor_kind, p_actor_id, p_actor_name, p_action, p_target_type,
            p_target_id, v_details, p_before, p_after, p_ip, p_request_id, v_prev, v_hash);
    RETURN v_id;
END;
$$;

-- Recomputes the whole chain. Returns one row per broken link (empty = intact):
-- a row whose content no longer matches its hash, or whose prev_hash is not the previous
-- row's hash (a row deleted, inserted or reordered). Deleting the newest rows cannot be
-- detected from inside the table; compare with an exported head hash for that.
CREATE FUNCTION audit_verify() RETURNS TABLE (id BIGINT, problem TEXT)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.problem
    FROM (
        SELECT a.id,
               concat_ws('; ',
                   CASE WHEN a.prev_hash IS DISTINCT FROM coalesce(
                            lag(a.hash) OVER (ORDER BY a.id),
                            '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
                        THEN 'prev_hash does not match the previous row''s hash' END,
                   CASE WHEN a.hash IS DISTINCT FROM sha256(a.prev_hash || convert_to(
                            audit_canonical(a.id, a.occurred_at, a.actor_kind, a.actor_id, a.actor_name,
                                            a.action, a.target_type, a.target_id, a.details, a.before,
                                            a.after, a.ip, a.request_id),
                            'UTF8'))
                        THEN 'hash does not match the row''s content' END
               ) AS problem
        FROM audit_log a
    ) c
    WHERE c.problem <> ''
    ORDER BY c.id
$$;

-- ---------------------------------------------------------------------------------------
-- Settings, scheduled jobs, reports — §9 jobs, R-F5
-- ---------------------------------------------------------------------------------------
CREATE TABLE system_settings (
    key         TEXT PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]*$'),
    value       JSONB NOT NULL,
    updated_by  UUID NULL REFERENCES staff_users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    version     BIGINT NOT NULL DEFAULT 0
);
-- §9 defaults. Money inside JSON is a decimal string, never a JSON number.
INSERT INTO system_settings (key, value) VALUES
    -- monthly tier recalculation: ≥ 10,000 yuan/month VIP, ≥ 1,000 standard, else trial
    ('tier.thresholds', '{"vip": "10000.00", "standard": "1000.00"}'),
    -- low-balance alert threshold per tier (default 100 yuan)
    ('low_balance.thresholds', '{"trial": "100.00", "standard": "100.00", "vip": "100.00"}');

-- §9: a scheduled job claims (job, run_key) with INSERT … ON CONFLICT DO NOTHING, so each
-- run happens exactly once across replicas (e.g. ('daily_report', '2026-11-24')).
CREATE TABLE job_runs (
    job          TEXT NOT NULL,
    run_key      TEXT NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at  TIMESTAMPTZ,
    status       TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    claimed_by   TEXT,  -- replica / instance id that claimed the run
    details      JSONB NOT NULL DEFAULT '{}',
    PRIMARY KEY (job, run_key),
    CONSTRAINT job_runs_finished_consistent CHECK ((status = 'running') = (finished_at IS NULL)),
    CONSTRAINT job_runs_finish_after_start CHECK (finished_at IS NULL OR finished_at >= started_at)
);
CREATE INDEX job_runs_started_idx ON job_runs (job, started_at DESC);

-- R-F5: generated reports are kept. period_end is inclusive.
CREATE TABLE reports (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    kind          TEXT NOT NULL CHECK (kind IN ('daily', 'weekly', 'monthly')),
    period_start  DATE NOT NULL,
    period_end    DATE NOT NULL,
    format        TEXT NOT NULL CHECK (format IN ('pdf', 'xlsx')),
    file_path     TEXT NOT NULL,
    generated_by  UUID NULL REFERENCES staff_users (id),  -- NULL = the scheduler
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    version       BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT reports_period_order CHECK (period_end >= period_start),
    -- weekly reports start on Monday, monthly ones on the 1st (R-F5 schedule).
    CONSTRAINT reports_period_aligned CHECK (
        (kind <> 'weekly' OR extract(isodow FROM period_start) = 1)
        AND (kind <> 'monthly' OR extract(day FROM period_start) = 1)
    ),
    CONSTRAINT reports_kind_period_format_key UNIQUE (kind, period_start, format)
);
CREATE INDEX reports_created_idx ON reports (created_at DESC);
