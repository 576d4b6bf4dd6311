-- Settling a verified payment notification in one statement (issue "Wallet and payments",
-- callback throughput): the same rules as before, now one round trip instead of nine. The
-- order row is locked first, so duplicates (repeated, late or concurrent, from any server
-- process) wait and then find the order paid. Everything below commits or fails together.
--
-- Outcomes: credited | duplicate | flagged (money for a closed order, or a second trade:
-- kept for finance with an alert) | rejected (unknown order, other channel, other amount).
CREATE FUNCTION payment_settle(
    p_callback BIGINT, p_channel TEXT, p_out_trade_no TEXT, p_trade_no TEXT,
    p_amount NUMERIC, p_paid_at TIMESTAMPTZ
) RETURNS TABLE (result TEXT, order_id UUID, reason TEXT)
LANGUAGE plpgsql AS $$
DECLARE
    o        payment_orders%ROWTYPE;
    v_result TEXT;
    v_reason TEXT;
    v_before NUMERIC;
    v_after  NUMERIC;
    v_label  TEXT := CASE p_channel WHEN 'alipay' THEN '支付宝' ELSE '微信支付' END;
BEGIN
    SELECT * INTO o FROM payment_orders WHERE out_trade_no = p_out_trade_no FOR UPDATE;
    IF NOT FOUND THEN
        v_result := 'rejected';
        v_reason := format('unknown order %s', p_out_trade_no);
    ELSIF o.channel <> p_channel THEN
        v_result := 'rejected';
        v_reason := format('the order was placed with %s', o.channel);
    ELSIF o.amount <> p_amount THEN
        v_result := 'rejected';
        v_reason := format('amount %s does not match the order''s %s', p_amount, o.amount);
    ELSIF o.status IN ('paid', 'abnormal') AND o.channel_trade_no IS NOT DISTINCT FROM p_trade_no THEN
        v_result := 'duplicate';
    ELSIF o.status <> 'pending' THEN
        v_result := 'flagged';
        v_reason := CASE WHEN o.status IN ('paid', 'abnormal')
                         THEN format('paid again as trade %s', p_trade_no)
                         ELSE format('paid after the order was %s', o.status) END;
        UPDATE payment_orders SET status = 'abnormal', flagged_reason = v_reason, updated_at = now()
         WHERE id = o.id;
        INSERT INTO admin_alerts (kind, severity, title, body, details)
        VALUES ('payment_abnormal', 'critical', '异常支付待财务处理',
                format('订单 %s 收到无法自动入账的付款：%s。请核实后处理（退款或人工入账）。', o.id, v_reason),
                jsonb_build_object('order_id', o.id, 'reason', v_reason));
    ELSE
        v_result := 'credited';
        UPDATE payment_orders SET status = 'paid', channel_trade_no = p_trade_no, paid_at = p_paid_at,
                                  updated_at = now()
         WHERE id = o.id;
        UPDATE operators SET balance = balance + o.amount, updated_at = now() WHERE id = o.operator_id
        RETURNING balance - o.amount, balance INTO v_before, v_after;
        INSERT INTO ledger_entries (operator_id, entry_type, amount, balance_before, balance_after,
                                    reference_type, reference_id, description, created_by_kind)
        VALUES (o.operator_id, 'recharge', o.amount, v_before, v_after, 'payment_order', o.id,
                format('%s充值 %s', v_label, p_out_trade_no), 'system');
        INSERT INTO messages (operator_id, kind, title, body)
        VALUES (o.operator_id, 'payment', format('充值成功：¥%s', o.amount),
                format('您通过%s充值的 ¥%s 已到账，当前余额 ¥%s。订单号 %s。',
                       v_label, o.amount, v_after, p_out_trade_no));
        PERFORM audit_append('system', NULL, NULL, 'payment.credit', 'payment_order', o.id::text,
                             jsonb_build_object('channel', p_channel, 'out_trade_no', p_out_trade_no,
                                                'channel_trade_no', p_trade_no, 'amount', o.amount::text),
                             jsonb_build_object('status', 'pending', 'balance', v_before::text),
                             jsonb_build_object('status', 'paid', 'balance', v_after::text),
                             NULL, NULL);
    END IF;
    UPDATE payment_callbacks
       SET verified = true, result = v_result, reject_reason = v_reason, order_id = o.id,
           out_trade_no = p_out_trade_no, processed_at = now()
     WHERE id = p_callback;
    RETURN QUERY SELECT v_result, o.id, v_reason;
END $$;
