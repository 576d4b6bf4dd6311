//! The operator's 充值 and 交易记录 pages in the real app window (R-O3, R-O4, R-P4; issue
//! "Wallet and payments", end-to-end test): uat_operator recharges 100.00 through the Alipay
//! sandbox — paid from outside the app, as a person scanning the code would — and sees the
//! status turn paid, the balance and the transaction appear without refreshing; a WeChat Pay
//! recharge paid with the in-app sandbox button; offline, the page says recharging needs the
//! network.

use mr_tests::{App, ServerProcess, UAT_PASSWORD};
use rust_decimal::Decimal;
use sqlx::PgPool;

/// `¥ 1,234.50`, as the window formats money.
fn yuan(d: Decimal) -> String {
    let text = format!("{:.2}", d.round_dp(2));
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("¥ {grouped}.{frac}")
}

async fn balance(pool: &PgPool) -> anyhow::Result<Decimal> {
    Ok(
        sqlx::query_scalar("SELECT balance FROM operators WHERE username = 'uat_operator'")
            .fetch_one(pool)
            .await?,
    )
}

/// Opens the export menu. The button is disabled while the page reloads after a filter
/// change, and a click then opens nothing: click again until the menu shows.
async fn open_export_menu(app: &App) -> anyhow::Result<()> {
    for _ in 0..10 {
        app.click("#ledger-export").await?;
        for _ in 0..10 {
            let shown = match app
                .client
                .find(fantoccini::Locator::Css("#ledger-export-csv"))
                .await
            {
                Ok(e) => e.is_displayed().await.unwrap_or(false),
                Err(_) => false,
            };
            if shown {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    anyhow::bail!("the export menu did not open")
}

async fn texts(app: &App, css: &str) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for e in app.client.find_all(fantoccini::Locator::Css(css)).await? {
        out.push(e.text().await?);
    }
    Ok(out)
}

async fn latest_order(pool: &PgPool, channel: &str) -> anyhow::Result<String> {
    Ok(sqlx::query_scalar(
        "SELECT out_trade_no FROM payment_orders WHERE channel = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(channel)
    .fetch_one(pool)
    .await?)
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_o06_recharge_through_the_sandbox_updates_balance_and_ledger_live(
    pool: PgPool,
) -> anyhow::Result<()> {
    mr_server::uat::create_uat(&pool, UAT_PASSWORD).await?;
    let mut server = ServerProcess::start_with(&pool, &[("PAYMENT_SANDBOX", "on")]).await?;
    let app = App::launch(&server.url).await?;
    app.open_and_login("operator", "uat_operator", UAT_PASSWORD)
        .await?;
    let start = balance(&pool).await?;

    // The page, marked 沙箱, with the balance from the cache.
    app.click("#menu-recharge").await?;
    app.wait_for("#page-recharge").await?;
    app.wait_text("#recharge-sandbox", |t| t.contains("沙箱"))
        .await?;
    app.wait_text("#recharge-balance", |t| t.contains(&yuan(start)))
        .await?;
    app.screenshot("operator-recharge-form").await?;

    // A bad amount is refused at the field, nothing is ordered.
    app.fill("#recharge-amount", "0.001").await?;
    app.click("#recharge-submit").await?;
    app.wait_for("#recharge-amount-error").await?;
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM payment_orders")
        .fetch_one(&pool)
        .await?;
    assert_eq!(orders, 0);

    // 100.00 through Alipay: the QR code and a pending status.
    app.fill("#recharge-amount", "100.00").await?;
    app.click("#recharge-channel-alipay").await?;
    app.click("#recharge-submit").await?;
    app.wait_for("#recharge-qr-image").await?;
    app.wait_for(r#"#recharge-status[data-status="pending"]"#)
        .await?;
    app.screenshot("operator-recharge-qr").await?;

    // Back to the form; the pending order waits in the history and its code comes back
    // from there (the synced order carries it).
    app.click("#recharge-back").await?;
    app.wait_for(".recharge-order__resume").await?;
    app.click(".recharge-order__resume").await?;
    app.wait_for("#recharge-qr-image").await?;
    app.wait_for(r#"#recharge-status[data-status="pending"]"#)
        .await?;

    // The buyer pays from outside the app (the sandbox sends the signed notification).
    let no = latest_order(&pool, "alipay").await?;
    let paid = reqwest::Client::new()
        .post(format!("{}/sandbox/alipay/pay/{no}", server.url))
        .send()
        .await?;
    anyhow::ensure!(paid.status().is_success(), "sandbox pay: {}", paid.status());
    let after = start + Decimal::from(100);
    assert_eq!(balance(&pool).await?, after);

    // No refresh, no click: the status, the balance and the history follow through sync.
    app.wait_for(r#"#recharge-status[data-status="paid"]"#)
        .await?;
    app.wait_text("#recharge-balance", |t| t.contains(&yuan(after)))
        .await?;
    app.wait_text("#recharge-history", |t| {
        t.contains(&no) || t.contains("100.00")
    })
    .await?;
    app.screenshot("operator-recharge-paid").await?;

    // 交易记录 has the entry with the balance before and after.
    app.click("#recharge-view-ledger").await?;
    app.wait_for("#page-ledger").await?;
    app.wait_text("#ledger-table", |t| {
        t.contains("充值") && t.contains("100.00") && t.contains(&yuan(after).replace("¥ ", ""))
    })
    .await?;
    app.screenshot("operator-ledger").await?;

    // WeChat Pay, paid with the in-app sandbox button.
    app.click("#menu-recharge").await?;
    app.wait_for("#page-recharge").await?;
    if app.text_of("#recharge-amount").await?.is_none() {
        // A finished order's panel offers to recharge again.
        app.click("#recharge-again").await?;
    }
    app.fill("#recharge-amount", "50.00").await?;
    app.click("#recharge-channel-wechat").await?;
    app.click("#recharge-submit").await?;
    app.wait_for(r#"#recharge-status[data-status="pending"]"#)
        .await?;
    app.click("#recharge-sandbox-pay").await?;
    app.wait_for(r#"#recharge-status[data-status="paid"]"#)
        .await?;
    let after = after + Decimal::from(50);
    app.wait_text("#recharge-balance", |t| t.contains(&yuan(after)))
        .await?;
    assert_eq!(balance(&pool).await?, after);
    let wechat_credits: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ledger_entries l JOIN payment_orders p ON p.id = l.reference_id
          WHERE p.channel = 'wechat' AND l.entry_type = 'recharge'",
    )
    .fetch_one(&pool)
    .await?;
    assert_eq!(wechat_credits, 1);

    // E-O09: 交易记录 filtered by type; the balances chain from one entry to the next; the
    // export's rows match.
    app.click("#menu-ledger").await?;
    app.wait_for("#page-ledger").await?;
    app.wait_text("#ledger-total-count", |t| t.contains('2'))
        .await?;
    let befores = texts(&app, ".ledger-row .ledger-before").await?;
    let afters = texts(&app, ".ledger-row .ledger-after").await?;
    assert_eq!(befores.len(), 2);
    assert_eq!(
        befores[0], afters[1],
        "newest first: its before is the older one's after"
    );
    assert!(
        afters[0].contains(&yuan(after).replace("¥ ", "")),
        "{afters:?}"
    );
    app.click("#ledger-type").await?;
    app.click_xpath(
        "//li[contains(@class,'el-select-dropdown__item') and normalize-space(.)='消费']",
    )
    .await?;
    app.wait_for("#ledger-empty").await?;
    app.wait_text("#ledger-total-count", |t| t.contains('0'))
        .await?;
    app.click("#ledger-type").await?;
    app.click_xpath(
        "//li[contains(@class,'el-select-dropdown__item') and normalize-space(.)='充值']",
    )
    .await?;
    app.wait_text("#ledger-total-count", |t| t.contains('2'))
        .await?;
    app.wait_text("#ledger-total-credits", |t| t.contains("150.00"))
        .await?;
    open_export_menu(&app).await?;
    app.click("#ledger-export-csv").await?;
    app.wait_for("#ledger-export-done").await?;
    let csv = std::fs::read_dir(app.export_dir())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "csv"))
        .ok_or_else(|| anyhow::anyhow!("no CSV in the export folder"))?;
    let text = std::fs::read_to_string(csv)?;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "header + 2 rows: {text}");
    let mid = start + Decimal::from(100);
    assert!(
        lines[1].contains(&format!(",充值,50.00,{mid:.2},{after:.2},")),
        "{text}"
    );
    assert!(
        lines[2].contains(&format!(",充值,100.00,{start:.2},{mid:.2},")),
        "{text}"
    );
    app.screenshot("operator-ledger-filtered").await?;
    app.click("#ledger-export-close").await?;
    app.wait_gone("#ledger-export-done").await?;

    // Offline: recharging says it needs the network; the submit button is disabled.
    server.kill().await?;
    app.wait_for(r#"#conn-badge[data-online="false"]"#).await?;
    app.click("#menu-ledger").await?;
    app.wait_for("#page-ledger").await?;
    app.click("#menu-recharge").await?;
    app.wait_text("#recharge-offline", |t| t.contains("网络"))
        .await?;
    let disabled = app
        .client
        .find(fantoccini::Locator::Css("#recharge-submit"))
        .await?
        .attr("disabled")
        .await?;
    assert!(disabled.is_some(), "the submit button is disabled offline");
    app.screenshot("operator-recharge-offline").await?;
    Ok(())
}
