//! The admin workspace's account pages and statistics in the real app window (issue 6):
//! E-A03 create an operator (key shown once), edit it, change its tier, lock and unlock with a
//! reason; E-A14 global statistics with ranking, distribution, site comparison, cross analysis
//! and an Excel export; E-A15 a super admin creates a finance auditor and an analyst, resets a
//! password, disables an account, and the analyst sees only statistics.

use std::time::{Duration, Instant};

use anyhow::Context;
use calamine::{open_workbook, Reader, Xlsx};
use fantoccini::Locator;
use mr_protocol::launch::LaunchRequest;
use mr_server::launch::fixture::FixtureAccount;
use mr_tests::{App, UAT_PASSWORD};
use sqlx::PgPool;
use uuid::Uuid;

async fn launch(base: &str, key: &str, app_code: &str, site: &str) -> Result<(), String> {
    let client = mr_sdk::Client::builder(base, key)
        .build()
        .map_err(|e| e.to_string())?;
    client
        .launch(&LaunchRequest {
            app_id: app_code.into(),
            site_id: site.into(),
            player_count: 2,
        })
        .await
        .map(|_| ())
        .map_err(|e| e.code().to_string())
}

/// Polls the database until `sql` (one boolean) holds.
async fn eventually(pool: &PgPool, sql: &str, what: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let ok: bool = sqlx::query_scalar(sql).fetch_one(pool).await?;
        if ok {
            return Ok(());
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(20),
            "never true: {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Picks `label` in the Element Plus select whose input has `id` (the input itself is not
/// clickable; its options live in a popper on <body>).
async fn choose(app: &App, id: &str, label: &str) -> anyhow::Result<()> {
    app.click_xpath(&format!(
        "//*[@id='{id}']/ancestor-or-self::*[contains(concat(' ', @class, ' '), ' el-select ')][1]"
    ))
    .await?;
    app.click_xpath(&format!(
        "//li[contains(@class,'el-select-dropdown__item') and not(contains(@style,'display: none')) and starts-with(normalize-space(.), '{label}')]"
    ))
    .await
}

/// E-A03 (R-A1): create an operator in 运营商管理 — the API key is shown once and works —
/// edit it and change its tier; lock a venue with a reason (its launches stop) and unlock it.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_a03_create_edit_retier_lock_and_unlock_an_operator(
    pool: PgPool,
) -> anyhow::Result<()> {
    let app = App::start(pool.clone()).await?;
    let base = app.base_url()?;
    let venue = app.venues(&pool, 1, "100.00").await?.remove(0);
    // An abuse lock left an alert (R-L10): the home page lists it until it is handled.
    sqlx::query(
        "INSERT INTO admin_alerts (kind, severity, title, body, details)
         VALUES ('abuse_lock', 'critical', '异常请求：IP 203.0.113.45', '已自动锁定运营商：压测运营商。',
                 jsonb_build_object('locked_operator_ids', jsonb_build_array($1::text)))",
    )
    .bind(venue.operator_id.to_string())
    .execute(&pool)
    .await?;
    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    app.wait_text("#admin-alerts", |t| t.contains("异常请求：IP 203.0.113.45"))
        .await?;
    app.screenshot("e-a03-home-alert").await?;
    app.click(".admin-alert-ack").await?;
    app.wait_for("#admin-alerts-empty").await?;
    eventually(
        &pool,
        "SELECT acknowledged_by IS NOT NULL FROM admin_alerts",
        "the alert is marked handled, with who",
    )
    .await?;
    app.wait_text("#sync-state", |t| t.contains("已同步"))
        .await?;
    app.click("#menu-operators").await?;

    app.click("#operator-new").await?;
    app.wait_shown("#operator-dialog").await?;
    app.fill("#operator-username", "xinghe_vr").await?;
    app.fill("#operator-display-name", "星河 VR 乐园").await?;
    app.fill("#operator-contact-name", "李经理").await?;
    app.fill("#operator-phone", "13900001111").await?;
    app.fill("#operator-email", "xinghe@example.cn").await?;
    choose(&app, "operator-tier", "VIP").await?;
    app.fill("#operator-password", "Venue12345").await?;
    app.screenshot("e-a03-create-dialog").await?;
    app.click("#operator-save").await?;
    let key = app
        .wait_text("#operator-created-key", |t| t.trim().len() == 64)
        .await?;
    let key = key.trim().to_string();
    tokio::time::sleep(Duration::from_millis(400)).await;
    app.screenshot("e-a03-key-shown-once").await?;
    // The key is live: the launch API knows it (it only lacks a site yet).
    let r = launch(&base, &key, "fixture_arena", &Uuid::new_v4().to_string()).await;
    assert_eq!(r, Err("RESOURCE_NOT_FOUND".into()));
    app.click("#operator-key-done").await?;
    app.wait_gone("#operator-key-dialog").await?;
    eventually(
        &pool,
        "SELECT EXISTS (SELECT 1 FROM operators WHERE username = 'xinghe_vr' AND tier = 'vip')",
        "the operator exists as VIP",
    )
    .await?;
    anyhow::ensure!(
        app.client
            .find(Locator::Css("#operator-created-key"))
            .await
            .is_err(),
        "the key is not shown again"
    );

    // Edit: the new operator's detail, a new name and the standard tier.
    app.fill("#op-search", "xinghe_vr").await?;
    app.wait_text("#op-list", |t| t.contains("xinghe_vr"))
        .await?;
    app.click(".op-row").await?;
    app.click("#operator-edit").await?;
    app.wait_shown("#operator-dialog").await?;
    app.fill("#operator-display-name", "星河 VR 乐园旗舰店")
        .await?;
    choose(&app, "operator-tier", "标准").await?;
    app.click("#operator-save").await?;
    app.wait_gone("#operator-dialog").await?;
    eventually(
        &pool,
        "SELECT EXISTS (SELECT 1 FROM operators WHERE username = 'xinghe_vr'
                         AND tier = 'standard' AND display_name = '星河 VR 乐园旗舰店')",
        "the edit reached the server",
    )
    .await?;
    app.wait_text("#op-list", |t| t.contains("星河 VR 乐园旗舰店"))
        .await?;

    // Lock the fixture venue with a reason: its launches stop; unlock: they resume.
    let username: String = sqlx::query_scalar("SELECT username FROM operators WHERE id = $1")
        .bind(venue.operator_id)
        .fetch_one(&pool)
        .await?;
    let site = venue.site_id.to_string();
    assert_eq!(
        launch(&base, &venue.api_key, &venue.app_code, &site).await,
        Ok(())
    );
    app.key_escape().await?;
    app.fill("#op-search", &username).await?;
    app.wait_text("#op-list", |t| t.contains(&username)).await?;
    app.click(".op-row").await?;
    app.click("#operator-lock").await?;
    app.wait_shown("#operator-lock-dialog").await?;
    app.fill("#operator-lock-reason", "合同到期未续签").await?;
    app.screenshot("e-a03-lock-dialog").await?;
    app.click("#operator-lock-confirm").await?;
    app.wait_for("#operator-unlock").await?;
    assert_eq!(
        launch(&base, &venue.api_key, &venue.app_code, &site).await,
        Err("OPERATOR_LOCKED".into())
    );
    let reason: Option<String> =
        sqlx::query_scalar("SELECT locked_reason FROM operators WHERE id = $1")
            .bind(venue.operator_id)
            .fetch_one(&pool)
            .await?;
    assert_eq!(reason.as_deref(), Some("合同到期未续签"));
    app.screenshot("e-a03-locked").await?;
    app.click("#operator-unlock").await?;
    app.wait_shown("#operator-lock-dialog").await?;
    app.fill("#operator-lock-reason", "已续签").await?;
    app.click("#operator-lock-confirm").await?;
    app.wait_for("#operator-lock").await?;
    assert_eq!(
        launch(&base, &venue.api_key, &venue.app_code, &site).await,
        Ok(())
    );
    app.close().await
}

async fn sessions(
    pool: &PgPool,
    acct: &FixtureAccount,
    app: Uuid,
    price: &str,
    players: i32,
    days_ago: i32,
    n: i32,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO game_sessions (session_id, operator_id, site_id, application_id, player_count,
                                    unit_price, total_cost, balance_after, authorized_at)
         SELECT gen_random_uuid()::text, $1, $2, $3, $4, $5::numeric, $5::numeric * $4, 0,
                now() - $6 * interval '1 day'
           FROM generate_series(1, $7)",
    )
    .bind(acct.operator_id)
    .bind(acct.site_id)
    .bind(app)
    .bind(players)
    .bind(price)
    .bind(days_ago)
    .bind(n)
    .execute(pool)
    .await?;
    Ok(())
}

/// E-A14 (R-A8): 统计分析 over the last 30 days — totals, the application ranking, the
/// player-count distribution, the site comparison, the cross analyses — and the Excel export,
/// whose sheets hold the same figures.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_a14_global_statistics_with_ranking_distribution_and_export(
    pool: PgPool,
) -> anyhow::Result<()> {
    let app = App::start(pool.clone()).await?;
    let venues = app.venues(&pool, 2, "100.00").await?;
    let arena: Uuid =
        sqlx::query_scalar("SELECT id FROM applications WHERE code = 'fixture_arena'")
            .fetch_one(&pool)
            .await?;
    let galaxy: Uuid = sqlx::query_scalar(
        "INSERT INTO applications (code, name, unit_price, min_players, max_players)
         VALUES ('stat_galaxy', '银河守卫', 25.00, 1, 6) RETURNING id",
    )
    .fetch_one(&pool)
    .await?;
    // 5 × 2 players × 10 + 3 × 4 × 10 = 220 for the arena; 4 × 3 × 25 = 300 for the galaxy.
    sessions(&pool, &venues[0], arena, "10.00", 2, 3, 5).await?;
    sessions(&pool, &venues[0], arena, "10.00", 4, 12, 3).await?;
    sessions(&pool, &venues[1], galaxy, "25.00", 3, 8, 4).await?;

    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    app.click("#menu-statistics").await?;
    app.wait_for("#page-statistics").await?;
    app.wait_text("#stats-total-sessions", |t| t.contains("12"))
        .await?;
    app.wait_text("#stats-total-revenue", |t| t.contains("520.00"))
        .await?;
    let players = app
        .text_of("#stats-total-players")
        .await?
        .unwrap_or_default();
    assert!(players.contains("34"), "player-visits: {players}");
    let ranking = app
        .wait_text("#stats-app-table", |t| t.contains("银河守卫"))
        .await?;
    let (g, a) = (
        ranking.find("银河守卫").context("galaxy ranked")?,
        ranking.find("fixture_arena").context("arena ranked")?,
    );
    assert!(g < a, "ranked by revenue: {ranking}");
    assert!(
        ranking.contains("300.00") && ranking.contains("220.00"),
        "{ranking}"
    );
    let pie = app
        .wait_text("#stats-player-table", |t| !t.is_empty())
        .await?;
    assert!(
        pie.contains('2') && pie.contains('3') && pie.contains('4'),
        "{pie}"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    app.screenshot("e-a14-statistics").await?;
    // The cross analyses, each tab drawn.
    for tab in ["场地 × 时间", "应用 × 人数", "运营商 × 应用"] {
        app.click_xpath(&format!(
            "//*[@id='stats-cross-tabs']//*[contains(@class,'el-tabs__item') and contains(normalize-space(.), '{tab}')]"
        ))
        .await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        app.client
            .execute(
                "document.getElementById('stats-cross-tabs').scrollIntoView({block: 'end'})",
                vec![],
            )
            .await?;
        app.screenshot(&format!("e-a14-cross-{}", tab.replace(" × ", "-")))
            .await?;
    }

    app.click("#stats-export").await?;
    app.wait_for("#stats-export-done").await?;
    let file = std::fs::read_dir(app.export_dir())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .context("an Excel file in the export folder")?;
    let mut book: Xlsx<_> = open_workbook(&file).context("reading the workbook")?;
    assert_eq!(
        book.sheet_names(),
        [
            "概览",
            "应用排行",
            "人数分布",
            "场地对比",
            "运营商×应用",
            "应用×人数"
        ]
    );
    let ranking = book.worksheet_range("应用排行")?;
    let first: Vec<String> = ranking
        .rows()
        .nth(1)
        .context("a ranked row")?
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(first[1], "银河守卫", "{first:?}");
    assert_eq!(first[3], "4", "{first:?}");
    assert_eq!(first[5], "300", "{first:?}");
    let overview = book.worksheet_range("概览")?;
    let sessions_row: Vec<String> = overview
        .rows()
        .find(|r| r[0] == "游戏场次")
        .context("sessions in the overview")?
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(sessions_row[1], "12");
    app.screenshot("e-a14-export-done").await?;
    app.close().await
}

/// E-A15 (R-A9): the super admin creates a finance auditor and an analyst in 员工账号, resets
/// the auditor's password and disables the account (its sign-in is refused); the analyst signs
/// in and sees only 统计分析.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_a15_staff_accounts_and_an_analyst_who_sees_only_statistics(
    pool: PgPool,
) -> anyhow::Result<()> {
    let app = App::start(pool.clone()).await?;
    let base = app.base_url()?;
    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    app.click("#menu-staff").await?;
    app.wait_for("#page-staff").await?;
    app.wait_text("#staff-table", |t| t.contains("uat_admin"))
        .await?;

    for (username, name, role) in [
        ("li_auditor", "李审计", "审计员"),
        ("zhao_analyst", "赵分析", "数据分析员"),
    ] {
        app.click("#staff-new").await?;
        app.wait_shown("#staff-dialog").await?;
        app.fill("#staff-username", username).await?;
        app.fill("#staff-display-name", name).await?;
        choose(&app, "staff-role", role).await?;
        app.fill("#staff-password", "Staff123456").await?;
        app.fill("#staff-password-confirm", "Staff123456").await?;
        app.screenshot(&format!("e-a15-new-{username}")).await?;
        app.click("#staff-save").await?;
        app.wait_gone("#staff-dialog").await?;
        app.wait_xpath(&format!(
            "//tr[contains(., '{username}') and contains(., '{role}')]"
        ))
        .await?;
    }
    let roles: Vec<(String, String)> = sqlx::query_as(
        "SELECT username, role FROM staff_users WHERE username IN ('li_auditor', 'zhao_analyst')
          ORDER BY username",
    )
    .fetch_all(&pool)
    .await?;
    assert_eq!(
        roles,
        [
            ("li_auditor".to_string(), "auditor".to_string()),
            ("zhao_analyst".to_string(), "analyst".to_string())
        ]
    );

    // A new password for the auditor.
    app.click_xpath("//tr[contains(., 'li_auditor')]//*[contains(@class,'staff-reset')]")
        .await?;
    app.wait_shown("#staff-reset-dialog").await?;
    app.fill("#staff-reset-password", "Audit2026x").await?;
    app.fill("#staff-reset-confirm", "Audit2026x").await?;
    app.click("#staff-reset-save").await?;
    app.wait_gone("#staff-reset-dialog").await?;
    let http = reqwest::Client::new();
    let login = |user: &'static str, pw: &'static str| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let r = http
                .post(format!("{base}/api/v1/auth/login"))
                .json(
                    &serde_json::json!({"username": user, "password": pw, "workspace": "finance"}),
                )
                .send()
                .await?;
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await?;
            anyhow::Ok((status, body["code"].as_str().unwrap_or("").to_string()))
        }
    };
    assert_eq!(login("li_auditor", "Audit2026x").await?.0, 200);
    assert_eq!(
        login("li_auditor", "Staff123456").await?.1,
        "INVALID_CREDENTIALS"
    );

    // Disable it, after a confirmation: signing in is refused.
    app.click_xpath("//tr[contains(., 'li_auditor')]//*[contains(@class,'staff-toggle')]")
        .await?;
    app.click(".el-message-box__btns .el-button--primary")
        .await?;
    app.wait_xpath("//tr[contains(., 'li_auditor') and contains(., '已停用')]")
        .await?;
    assert_eq!(
        login("li_auditor", "Audit2026x").await?.1,
        "ACCOUNT_DISABLED"
    );
    app.screenshot("e-a15-staff-list").await?;

    // The analyst: only 统计分析.
    app.click("#logout-btn").await?;
    app.click("#logout-confirm").await?;
    app.fill("#login-username", "zhao_analyst").await?;
    app.fill("#login-password", "Staff123456").await?;
    app.click("#login-submit").await?;
    app.wait_for("#page-statistics").await?;
    let started = Instant::now();
    let menus = loop {
        let items = app
            .client
            .find_all(Locator::Css("[id^='menu-']:not([id$='-badge'])"))
            .await?;
        let mut ids = Vec::new();
        for i in items {
            if let Some(id) = i.attr("id").await? {
                ids.push(id);
            }
        }
        if ids == ["menu-statistics"] || started.elapsed() > Duration::from_secs(10) {
            break ids;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(menus, ["menu-statistics"]);
    app.screenshot("e-a15-analyst-sees-statistics").await?;
    app.close().await
}
