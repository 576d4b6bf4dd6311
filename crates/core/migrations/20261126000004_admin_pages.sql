-- The admin pages filter and count authorizations, requests and roll-ups (issue 6) over rows
-- kept as JSON. Two indexed virtual columns, so such a filter or count probes an index instead
-- of decoding 100,000 rows: the row's application, and its end date as a Julian day (the JSON
-- text has a varying number of fractional digits, so text order is not time order).
ALTER TABLE mirror_rows ADD COLUMN app_id TEXT
    GENERATED ALWAYS AS (json_extract(json, '$.application_id')) VIRTUAL;
ALTER TABLE mirror_rows ADD COLUMN until REAL
    GENERATED ALWAYS AS (julianday(json_extract(json, '$.expires_at'))) VIRTUAL;
CREATE INDEX mirror_rows_entity_app_idx ON mirror_rows (entity, app_id, at DESC);
CREATE INDEX mirror_rows_entity_status_until_idx ON mirror_rows (entity, status, until, at DESC);
