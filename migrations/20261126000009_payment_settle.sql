-- Settling verified payment notifications (issue "Wallet and payments", callback
-- throughput). Notifications arriving together are settled in one transaction by one call —
-- group commit: the audit chain's lock (held until COMMIT) and the WAL flush are paid once
-- per batch instead of once per credit. The rules per notification are unchanged; each
-- element sees the ones before it (a duplicate in the same batch finds the order paid).
--
-- Lock order, the same in every writer: the batch's orders (by id), their operators (by id),
-- and the audit chain lock last — every audit row is appended after all the rows are locked.
--
-- Outcomes: credited | duplicate | flagged (money for a closed order, or a second trade:
-- kept for finance with an alert) | rejected (unknown order, other channel, other amount).
CREATE FUNCTION payment_settle_batch(
    p_callbacks BIGINT[], p_channels TEXT[], p_nos TEXT[], p_trades TEXT[],
    p_amounts NUMERIC[], p_paid TIMESTAMPTZ[]
) RETURNS TABLE (idx INT, result TEXT, order_id UUID, reason TEXT)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    o         payment_orders%ROWTYPE;
    i         INT;
    v_result  TEXT;
    v_reason  TEXT;
    v_before  NUMERIC;
    v_after   NUMERIC;
    v_label   TEXT;
    a_orders  UUID[] := '{}';
    a_details JSONB[] := '{}';
    a_before  JSONB[] := '{}';
    a_after   JSONB[] := '{}';
BEGIN
    PERFORM 1 FROM payment_orders WHERE out_trade_no = ANY (p_nos) ORDER BY id FOR UPDATE;
    PERFORM 1 FROM operators
      WHERE id IN (SELECT po.operator_id FROM payment_orders po WHERE po.out_trade_no = ANY (p_nos))
      ORDER BY id FOR UPDATE;
    FOR i IN 1 .. coalesce(array_length(p_callbacks, 1), 0) LOOP
        v_reason := NULL;
        v_label := CASE p_channels[i] WHEN 'alipay' THEN '支付宝' ELSE '微信支付' END;
        SELECT * INTO o FROM payment_orders po WHERE po.out_trade_no = p_nos[i];
        IF NOT FOUND THEN
            v_result := 'rejected';
            v_reason := format('unknown order %s', p_nos[i]);
        ELSIF o.channel <> p_channels[i] THEN
            v_result := 'rejected';
            v_reason := format('the order was placed with %s', o.channel);
        ELSIF o.amount <> p_amounts[i] THEN
            v_result := 'rejected';
            v_reason := format('amount %s does not match the order''s %s', p_amounts[i], o.amount);
        ELSIF o.status IN ('paid', 'abnormal') AND o.channel_trade_no IS NOT DISTINCT FROM p_trades[i] THEN
            v_result := 'duplicate';
        ELSIF o.status <> 'pending' THEN
            v_result := 'flagged';
            v_reason := CASE WHEN o.status IN ('paid', 'abnormal')
                             THEN format('paid again as trade %s', p_trades[i])
                             ELSE format('paid after the order was %s', o.status) END;
            UPDATE payment_orders SET status = 'abnormal', flagged_reason = v_reason, updated_at = now()
             WHERE id = o.id;
            INSERT INTO admin_alerts (kind, severity, title, body, details)
            VALUES ('payment_abnormal', 'critical', '异常支付待财务处理',
                    format('订单 %s 收到无法自动入账的付款：%s。请核实后处理（退款或人工入账）。', o.id, v_reason),
                    jsonb_build_object('order_id', o.id, 'reason', v_reason));
        ELSE
            v_result := 'credited';
            UPDATE payment_orders SET status = 'paid', channel_trade_no = p_trades[i],
                                      paid_at = p_paid[i], updated_at = now()
             WHERE id = o.id;
            UPDATE operators SET balance = balance + o.amount, updated_at = now()
             WHERE id = o.operator_id
            RETURNING balance - o.amount, balance INTO v_before, v_after;
            INSERT INTO ledger_entries (operator_id, entry_type, amount, balance_before, balance_after,
                                        reference_type, reference_id, description, created_by_kind)
            VALUES (o.operator_id, 'recharge', o.amount, v_before, v_after, 'payment_order', o.id,
                    format('%s充值 %s', v_label, p_nos[i]), 'system');
            INSERT INTO messages (operator_id, kind, title, body)
            VALUES (o.operator_id, 'payment', format('充值成功：¥%s', o.amount),
                    format('您通过%s充值的 ¥%s 已到账，当前余额 ¥%s。订单号 %s。',
                           v_label, o.amount, v_after, p_nos[i]));
            a_orders  := a_orders  || o.id;
            a_details := a_details || jsonb_build_object('channel', p_channels[i],
                             'out_trade_no', p_nos[i], 'channel_trade_no', p_trades[i],
                             'amount', o.amount::text);
            a_before  := a_before  || jsonb_build_object('status', 'pending', 'balance', v_before::text);
            a_after   := a_after   || jsonb_build_object('status', 'paid', 'balance', v_after::text);
        END IF;
        UPDATE payment_callbacks
           SET verified = true, result = v_result, reject_reason = v_reason, order_id = o.id,
               out_trade_no = p_nos[i], processed_at = now()
         WHERE id = p_callbacks[i];
        idx := i;
        result := v_result;
        order_id := o.id;
        reason := v_reason;
        RETURN NEXT;
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(a_orders, 1), 0) LOOP
        PERFORM audit_append('system', NULL, NULL, 'payment.credit', 'payment_order',
                             a_orders[i]::text, a_details[i], a_before[i], a_after[i], NULL, NULL);
    END LOOP;
END $$;

-- One notification (reconciliation's path): a batch of one.
CREATE FUNCTION payment_settle(
    p_callback BIGINT, p_channel TEXT, p_out_trade_no TEXT, p_trade_no TEXT,
    p_amount NUMERIC, p_paid_at TIMESTAMPTZ
) RETURNS TABLE (result TEXT, order_id UUID, reason TEXT)
LANGUAGE sql AS $$
    SELECT b.result, b.order_id, b.reason
      FROM payment_settle_batch(ARRAY[p_callback], ARRAY[p_channel], ARRAY[p_out_trade_no],
                                ARRAY[p_trade_no], ARRAY[p_amount], ARRAY[p_paid_at]) b
$$;

-- Storing a callback as received, before anything looks at it. Its commit does not wait for
-- the disk: the channel is answered only after the settle commit above, which does wait —
-- and the WAL is flushed in order, so that flush makes this row durable too. Should the
-- database stop in between, the channel got no answer and sends the notification again.
CREATE FUNCTION payment_callback_store(
    p_channel TEXT, p_sandbox BOOLEAN, p_headers JSONB, p_raw TEXT
) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
    v_id BIGINT;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    INSERT INTO payment_callbacks (channel, is_sandbox, headers, raw_body)
    VALUES (p_channel, p_sandbox, p_headers, p_raw) RETURNING id INTO v_id;
    RETURN v_id;
END $$;

-- Alipay 电脑网站支付 (page pay), the option beside the QR code: the cashier page's URL.
ALTER TABLE payment_orders ADD COLUMN pay_url TEXT NULL;
