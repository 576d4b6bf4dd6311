-- 交易监控 (issue "Admin workspace", R-A6) lists every operator's ledger newest first, with or
-- without a date range: an index in that order, so a page is an index walk at any size.
CREATE INDEX ledger_entries_time_idx ON ledger_entries (created_at DESC, id DESC);
