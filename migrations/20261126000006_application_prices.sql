-- Application management (issue "Admin workspace", R-A3): the price history joins the admins'
-- sync feed as `application_price`, so the 应用管理 page shows it from the local cache.

ALTER TABLE sync_changes DROP CONSTRAINT sync_changes_entity_check;
ALTER TABLE sync_changes ADD CONSTRAINT sync_changes_entity_check CHECK (entity IN (
    'operator', 'site', 'message', 'application', 'authorization_request', 'authorization',
    'announcement', 'ledger_entry', 'payment_order', 'refund', 'invoice', 'audit_entry',
    'stat_daily', 'application_price'));

-- Append-only (its own triggers forbid UPDATE and DELETE), so inserts are all there is.
CREATE TRIGGER application_price_history_sync AFTER INSERT ON application_price_history
    FOR EACH ROW EXECUTE FUNCTION sync_capture('application_price', 'global');

INSERT INTO sync_changes (entity, row_id, operator_id)
SELECT 'application_price', id, NULL FROM application_price_history ORDER BY changed_at, id;
