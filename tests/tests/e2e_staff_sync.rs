//! The sync engine in a staff workspace, in the real app window: the admin's cache fills with
//! the admin scope (the diagnostics view lists it in Chinese), and a change committed on the
//! server reaches the open window's cache by itself, without "sync now".

use std::time::Duration;

use mr_tests::{App, UAT_PASSWORD};
use sqlx::PgPool;

async fn add_application(pool: &PgPool, code: &str, name: &str) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO applications (code, name, unit_price, min_players, max_players)
         VALUES ($1, $2, 30.00, 2, 6)",
    )
    .bind(code)
    .bind(name)
    .execute(pool)
    .await?;
    Ok(())
}

/// Opens the diagnostics dialog and returns the mirror table's text.
async fn mirror_counts(app: &App) -> anyhow::Result<String> {
    app.click("#sync-diagnostics-open").await?;
    let text = app
        .wait_text("#diag-mirror", |t| t.contains("应用"))
        .await?;
    Ok(text)
}

async fn close_dialog(app: &App) -> anyhow::Result<()> {
    app.click(".el-dialog__headerbtn").await?;
    app.wait_gone("#sync-diagnostics").await
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_sync_admin_cache_fills_and_follows_the_server_live(
    pool: PgPool,
) -> anyhow::Result<()> {
    mr_server::uat::create_uat(&pool, UAT_PASSWORD).await?;
    add_application(&pool, "space_adventure", "太空探险").await?;
    let app = App::start(pool.clone()).await?;
    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    app.wait_text("#sync-state", |t| t.contains("已同步"))
        .await?;

    let text = mirror_counts(&app).await?;
    let compact: String = text.split_whitespace().collect();
    anyhow::ensure!(
        compact.contains("运营商账户1") && compact.contains("应用1"),
        "admin scope in the cache: {text}"
    );
    anyhow::ensure!(
        !text.contains("运营点") && !text.contains("消息"),
        "no operator-only rows in an admin cache: {text}"
    );
    app.screenshot("e2e_sync_admin_diagnostics").await?;
    close_dialog(&app).await?;

    // A second application, committed on the server while the window is open: the window's
    // cache gets it by itself (live signal → pull), seen on reopening the diagnostics.
    add_application(&pool, "zombie_escape", "僵尸逃脱").await?;
    let mut last = String::new();
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        last = mirror_counts(&app).await?;
        let compact: String = last.split_whitespace().collect();
        close_dialog(&app).await?;
        if compact.contains("应用2") {
            app.screenshot("e2e_sync_admin_live_update").await?;
            return app.close().await;
        }
    }
    anyhow::bail!("the new application never reached the open window's cache: {last}")
}
