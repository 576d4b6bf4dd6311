-- The admin pages filter authorizations, requests and roll-ups by application (issue 6): the
-- application of a row kept as JSON, as an indexed virtual column, so such a filter probes an
-- index instead of decoding every row.
ALTER TABLE mirror_rows ADD COLUMN app_id TEXT
    GENERATED ALWAYS AS (json_extract(json, '$.application_id')) VIRTUAL;
CREATE INDEX mirror_rows_entity_app_idx ON mirror_rows (entity, app_id, at DESC);
