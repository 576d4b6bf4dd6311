//! E-O13 and the sync issue's offline scenario, in the real app window: the server process is
//! killed, the operator keeps working from the local cache (the app even restarts), four
//! site commands queue, the server comes back, and they all apply in order by themselves.

use fantoccini::Locator;
use mr_tests::{App, ServerProcess, UAT_PASSWORD};
use sqlx::PgPool;

async fn fill_site_form(app: &App, name: &str, address: &str) -> anyhow::Result<()> {
    app.fill("#site-name", name).await?;
    app.fill("#site-address", address).await?;
    save_site_form(app).await
}

/// Saves the dialog and waits until it has closed, so the next click reaches the page.
async fn save_site_form(app: &App) -> anyhow::Result<()> {
    app.click("#site-save").await?;
    app.wait_gone("#site-name").await
}

async fn site_names(pool: &PgPool, deleted: bool) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT s.name FROM sites s JOIN operators o ON o.id = s.operator_id
         WHERE o.username = 'uat_operator' AND s.is_deleted = $1 ORDER BY s.name",
    )
    .bind(deleted)
    .fetch_all(pool)
    .await?)
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_o13_offline_site_edits_queue_and_sync_after_reconnect(
    pool: PgPool,
) -> anyhow::Result<()> {
    mr_server::uat::create_uat(&pool, UAT_PASSWORD).await?;
    let mut server = ServerProcess::start(&pool).await?;
    let mut app = App::launch(&server.url).await?;
    anyhow::ensure!(
        app.keeps_sessions(),
        "this scenario restarts the app, so it needs the real keychain: run it through make test"
    );
    app.open_and_login("operator", "uat_operator", UAT_PASSWORD)
        .await?;

    // Online: a site created here reaches the server.
    app.click("#menu-sites").await?;
    app.wait_for("#page-sites").await?;
    app.click("#site-new").await?;
    fill_site_form(&app, "朝阳大悦城店", "北京市朝阳区朝阳北路101号").await?;
    app.wait_text("#page-sites", |t| t.contains("朝阳大悦城店"))
        .await?;
    for _ in 0..100 {
        if site_names(&pool, false).await? == ["朝阳大悦城店"] {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(site_names(&pool, false).await?, ["朝阳大悦城店"]);

    // The server dies. The header says so.
    server.kill().await?;
    app.wait_for(r#"#conn-badge[data-online="false"]"#).await?;
    app.wait_text("#conn-badge", |t| t.starts_with("离线"))
        .await?;

    // Offline: two new sites, a rename, a delete — all shown at once, marked pending.
    app.click("#site-new").await?;
    fill_site_form(&app, "徐汇万象城店", "上海市徐汇区漕溪北路1111号").await?;
    app.click("#site-new").await?;
    fill_site_form(&app, "南山海岸城店", "深圳市南山区文心五路33号").await?;
    app.wait_text("#page-sites", |t| t.contains("南山海岸城店"))
        .await?;
    app.client
        .find(Locator::XPath(
            "//tr[contains(., '朝阳大悦城店')]//*[contains(@class,'site-edit')]",
        ))
        .await?
        .click()
        .await?;
    app.fill("#site-name", "朝阳大悦城旗舰店").await?;
    save_site_form(&app).await?;
    app.wait_text("#page-sites", |t| t.contains("朝阳大悦城旗舰店"))
        .await?;
    app.client
        .find(Locator::XPath(
            "//tr[contains(., '南山海岸城店')]//*[contains(@class,'site-delete')]",
        ))
        .await?
        .click()
        .await?;
    app.click(".el-message-box__btns .el-button--primary")
        .await?;
    app.wait_text("#page-sites", |t| !t.contains("南山海岸城店"))
        .await?;
    app.wait_text("#sync-pending", |t| t.contains('4')).await?;
    assert!(
        app.client
            .find_all(Locator::Css(".site-pending"))
            .await?
            .len()
            >= 2
    );
    app.screenshot("e-o13-offline-pending").await?;
    assert_eq!(
        site_names(&pool, false).await?,
        ["朝阳大悦城店"],
        "nothing reached the server"
    );

    // The app is quit and started again while the server is still down: the session comes
    // back from the OS keychain and the workspace opens from its cache, queue intact.
    app.restart().await?;
    app.open_workspace_window("operator").await?;
    app.wait_for("#home-operator").await?;
    app.click("#menu-sites").await?;
    app.wait_text("#page-sites", |t| {
        t.contains("徐汇万象城店") && t.contains("朝阳大悦城旗舰店")
    })
    .await?;
    app.wait_for(r#"#conn-badge[data-online="false"]"#).await?;
    app.screenshot("e-o13-reopened-offline").await?;

    // The server returns: everything applies by itself, in order, and the badge clears.
    server.resume().await?;
    app.wait_for(r#"#conn-badge[data-online="true"]"#).await?;
    let started = std::time::Instant::now();
    while app.client.find(Locator::Css("#sync-pending")).await.is_ok()
        || !app
            .client
            .find_all(Locator::Css(".site-pending"))
            .await?
            .is_empty()
    {
        anyhow::ensure!(started.elapsed().as_secs() < 30, "queue never drained");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    app.wait_text("#conn-badge", |t| t.starts_with("在线"))
        .await?;
    app.screenshot("e-o13-synced").await?;
    assert_eq!(
        site_names(&pool, false).await?,
        ["徐汇万象城店", "朝阳大悦城旗舰店"]
    );
    assert_eq!(site_names(&pool, true).await?, ["南山海岸城店"]);
    let applied: Vec<(String, String)> =
        sqlx::query_as("SELECT name, status FROM sync_commands ORDER BY device_id, seq")
            .fetch_all(&pool)
            .await?;
    let names: Vec<&str> = applied.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "site.create",
            "site.create",
            "site.create",
            "site.update",
            "site.delete"
        ]
    );
    assert!(applied.iter().all(|(_, s)| s == "accepted"), "{applied:?}");
    app.close().await?;
    server.kill().await
}

/// The sync issue, item 5: a large first sync shows its progress in the header, and the
/// window stays usable while it runs (pages open from what is already in the cache).
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_sync_initial_progress_keeps_the_window_usable(pool: PgPool) -> anyhow::Result<()> {
    mr_server::uat::create_uat(&pool, UAT_PASSWORD).await?;
    // The sites come first in the feed, so the sites page has them early.
    sqlx::query(
        "INSERT INTO sites (operator_id, name, address)
         SELECT o.id, '连锁门店 ' || lpad(g::text, 2, '0'), '杭州市西湖区文三路 ' || g || ' 号'
           FROM operators o, generate_series(1, 45) g WHERE o.username = 'uat_operator'",
    )
    .execute(&pool)
    .await?;
    sqlx::query(
        "INSERT INTO messages (operator_id, kind, title, body)
         SELECT o.id, 'system', '系统通知 ' || g, '第 ' || g || ' 条通知内容'
           FROM operators o, generate_series(1, 120000) g WHERE o.username = 'uat_operator'",
    )
    .execute(&pool)
    .await?;
    let app = App::start(pool.clone()).await?;
    app.open_and_login("operator", "uat_operator", UAT_PASSWORD)
        .await?;

    let text = app
        .wait_text("#sync-progress-text", |t| {
            t.contains("正在同步") && t.contains('%')
        })
        .await?;
    app.screenshot("e2e-sync-initial-progress").await?;
    // Usable meanwhile: another page opens while the pull goes on.
    app.click("#menu-sites").await?;
    app.wait_for("#page-sites").await?;
    let still = app.text_of("#sync-progress-text").await?;
    // 45 sites: one page of 20 and a pager.
    app.wait_text("#sites-pagination", |t| t.contains("45"))
        .await?;
    app.screenshot("e2e-sync-sites-paged").await?;
    app.wait_gone("#sync-progress").await?;
    app.wait_text("#sync-state", |t| t.contains("已同步"))
        .await?;
    // The message centre reads one page of the 120,000 from the cache.
    app.click("#menu-messages").await?;
    app.wait_for("#page-messages .message").await?;
    app.wait_text("#messages-pagination", |t| {
        t.contains("120000") || t.contains("120,000")
    })
    .await?;
    app.screenshot("e2e-sync-initial-done").await?;
    eprintln!("progress seen: {text:?}, while on the sites page: {still:?}");
    app.close().await
}
