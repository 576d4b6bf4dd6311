//! The admin workspace in the real app window (issue 6; UAT 7.2; E-A05, E-A08, E-A09): the
//! 授权管理 page grants and revokes and the real launch API follows; approvals made with the
//! server down sync when it returns and reach the operator; a decision another admin made
//! first lands in the conflicts panel, in Chinese, naming who and when.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use fantoccini::Locator;
use mr_protocol::launch::LaunchRequest;
use mr_protocol::sync::{
    Command, CommandEnvelope, PushRequest, PushResponse, SYNC_PROTOCOL_VERSION,
};
use mr_server::launch::fixture::FixtureAccount;
use mr_tests::{App, ServerProcess, UAT_PASSWORD};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

async fn new_app(pool: &PgPool, code: &str, name: &str) -> anyhow::Result<Uuid> {
    Ok(sqlx::query_scalar(
        "INSERT INTO applications (code, name, unit_price, min_players, max_players)
         VALUES ($1, $2, 15.00, 1, 6) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .fetch_one(pool)
    .await?)
}

async fn launch(base: &str, acct: &FixtureAccount, app_code: &str) -> Result<(), String> {
    let client = mr_sdk::Client::builder(base, &acct.api_key)
        .build()
        .map_err(|e| e.to_string())?;
    client
        .launch(&LaunchRequest {
            app_id: app_code.into(),
            site_id: acct.site_id.to_string(),
            player_count: 2,
        })
        .await
        .map(|_| ())
        .map_err(|e| e.code().to_string())
}

/// Waits until no row of the page is marked 待同步 any more (the server confirmed them).
async fn wait_synced(app: &App, pending_css: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    while !app
        .client
        .find_all(Locator::Css(pending_css))
        .await?
        .is_empty()
        || app.client.find(Locator::Css("#sync-pending")).await.is_ok()
    {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "{pending_css} never cleared"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Ok(())
}

/// Picks the option of an open select's dropdown that shows `text`, and waits until the
/// dropdown has faded out (it would catch the next click meant for the field below it).
async fn pick(app: &App, option_class: &str, text: &str) -> anyhow::Result<()> {
    app.click_xpath(&format!(
        "//*[contains(@class,'{option_class}') and contains(., '{text}')]"
    ))
    .await?;
    app.wait_gone(&format!(".{option_class}")).await
}

fn row(a: &str, b: &str) -> String {
    format!("//tr[contains(., '{a}') and contains(., '{b}')]")
}

/// E-A05 / UAT 7.2 使用授权管理页面: list and filter, grant, revoke with a reason; the launch
/// API then refuses the revoked application and accepts the granted one.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_a05_authorization_page_grants_revokes_and_the_launch_api_follows(
    pool: PgPool,
) -> anyhow::Result<()> {
    mr_server::uat::create_uat(&pool, UAT_PASSWORD).await?;
    new_app(&pool, "deep_sea", "深海探险").await?;
    let app = App::start(pool.clone()).await?;
    let base = app.base_url()?;
    let accts = app.venues(&pool, 3, "100.00").await?;
    let acct = &accts[0];
    let username: String = sqlx::query_scalar("SELECT username FROM operators WHERE id = $1")
        .bind(acct.operator_id)
        .fetch_one(&pool)
        .await?;
    // Before: the fixture app launches, the new one is refused.
    launch(&base, acct, &acct.app_code)
        .await
        .map_err(anyhow::Error::msg)?;
    assert_eq!(
        launch(&base, acct, "deep_sea").await,
        Err("APP_NOT_AUTHORIZED".into())
    );

    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    app.click("#menu-authorizations").await?;
    app.wait_for("#page-authorizations").await?;
    app.wait_text("#auth-table", |t| t.contains(&username))
        .await?;
    app.wait_text("#auth-count-active", |t| t.contains('3'))
        .await?;
    app.screenshot("e-a05-authorizations").await?;

    // Grant 深海探险 to the operator, permanently.
    app.click("#auth-grant").await?;
    app.fill("#grant-operator", &username).await?;
    pick(&app, "grant-operator-option", &username).await?;
    app.click("#grant-app").await?;
    pick(&app, "grant-app-option", "深海探险").await?;
    app.screenshot("e-a05-grant-dialog").await?;
    app.click("#grant-save").await?;
    app.wait_gone("#grant-save").await?;
    app.wait_xpath(&row(&username, "深海探险")).await?;
    wait_synced(&app, ".auth-pending").await?;
    launch(&base, acct, "deep_sea")
        .await
        .map_err(anyhow::Error::msg)?;

    // Granting the same pair again is a clear error in the form (once the success toast,
    // which would cover the dialog's fields, has gone).
    app.wait_gone(".el-message").await?;
    app.click("#auth-grant").await?;
    app.fill("#grant-operator", &username).await?;
    pick(&app, "grant-operator-option", &username).await?;
    app.click("#grant-app").await?;
    pick(&app, "grant-app-option", "深海探险").await?;
    app.click("#grant-save").await?;
    // AUTHORIZATION_EXISTS, in the dialog's words.
    app.wait_text("body", |t| t.contains("已拥有此应用的有效授权"))
        .await?;
    app.screenshot("e-a05-grant-exists").await?;
    app.click("#grant-cancel").await?;
    app.wait_gone("#grant-save").await?;

    // Filter to the operator, then revoke its fixture authorization with a reason.
    app.click_xpath(&format!(
        "{}//*[contains(@class,'auth-revoke')]",
        row(&username, "压力测试竞技场")
    ))
    .await?;
    app.wait_for("#revoke-dialog").await?;
    app.fill("#revoke-reason", "合同到期，停止授权").await?;
    app.screenshot("e-a05-revoke-confirm").await?;
    app.click("#revoke-confirm").await?;
    app.wait_gone("#revoke-confirm").await?;
    wait_synced(&app, ".auth-pending").await?;
    app.wait_xpath(&format!(
        "{}//*[contains(@class,'auth-state') and @data-state='revoked']",
        row(&username, "压力测试竞技场")
    ))
    .await?;
    app.wait_text("#auth-count-revoked", |t| t.contains('1'))
        .await?;
    app.screenshot("e-a05-revoked").await?;

    let (status, reason): (String, Option<String>) = sqlx::query_as(
        "SELECT a.status, a.revoke_reason FROM authorizations a JOIN applications p ON p.id = a.application_id
          WHERE a.operator_id = $1 AND p.code = $2",
    )
    .bind(acct.operator_id)
    .bind(&acct.app_code)
    .fetch_one(&pool)
    .await?;
    assert_eq!(
        (status.as_str(), reason.as_deref()),
        ("revoked", Some("合同到期，停止授权"))
    );
    assert_eq!(
        launch(&base, acct, &acct.app_code).await,
        Err("APP_NOT_AUTHORIZED".into())
    );
    // The other operators are untouched.
    launch(&base, &accts[1], &accts[1].app_code)
        .await
        .map_err(anyhow::Error::msg)?;

    // The state filter narrows the list to the revoked row.
    app.click("#auth-count-revoked").await?;
    app.wait_text("#auth-table", |t| {
        t.contains(&username) && !t.contains(&accts[1].operator_id.to_string())
    })
    .await?;
    app.close().await
}

/// E-A01 / E-A02 / UAT 7.2 查看运营商列表: 1,200 operators in a virtually scrolled list; a
/// search narrows it; a row opens the detail with balance and authorizations.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_a01_operator_list_scrolls_searches_and_opens_the_detail(
    pool: PgPool,
) -> anyhow::Result<()> {
    let app = App::start(pool.clone()).await?;
    let accts = app.venues(&pool, 1_200, "88.50").await?;
    let last: String = sqlx::query_scalar("SELECT username FROM operators WHERE id = $1")
        .bind(accts[1_199].operator_id)
        .fetch_one(&pool)
        .await?;
    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    app.wait_text("#sync-state", |t| t.contains("已同步"))
        .await?;
    app.click("#menu-operators").await?;
    app.wait_text("#op-total", |t| t.contains("1,201") || t.contains("1201"))
        .await?;
    app.wait_for(".op-row").await?;
    // Only a window of rows is in the page, not 1,201.
    let rendered = app.client.find_all(Locator::Css(".op-row")).await?.len();
    anyhow::ensure!((5..200).contains(&rendered), "rendered {rendered} rows");
    app.screenshot("e-a01-operators").await?;

    app.fill("#op-search", &last).await?;
    app.wait_text("#op-total", |t| {
        t.contains('1') && !t.contains("1,201") && !t.contains("1201")
    })
    .await?;
    app.wait_text("#op-list", |t| t.contains(&last)).await?;
    app.click(".op-row").await?;
    app.wait_text("#op-detail", |t| {
        t.contains(&last) && t.contains("88.50") && t.contains("压力测试竞技场")
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    app.screenshot("e-a02-operator-detail").await?;
    app.close().await
}

async fn requests_for(pool: &PgPool, apps: &[(&str, &str)]) -> anyhow::Result<Vec<Uuid>> {
    let op: Uuid = sqlx::query_scalar("SELECT id FROM operators WHERE username = 'uat_operator'")
        .fetch_one(pool)
        .await?;
    let mut out = Vec::new();
    for (code, name) in apps {
        let app = new_app(pool, code, name).await?;
        out.push(
            sqlx::query_scalar(
                "INSERT INTO authorization_requests (operator_id, application_id, reason)
                 VALUES ($1, $2, '新店开业，需要上线该游戏') RETURNING id",
            )
            .bind(op)
            .bind(app)
            .fetch_one(pool)
            .await?,
        );
    }
    Ok(out)
}

async fn statuses(pool: &PgPool, ids: &[Uuid]) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT status FROM authorization_requests WHERE id = ANY($1) ORDER BY array_position($1, id)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?)
}

async fn decide_in_window(app: &App, app_name: &str, approve: bool) -> anyhow::Result<()> {
    let button = if approve { "req-approve" } else { "req-reject" };
    app.click_xpath(&format!(
        "//tr[contains(., '{app_name}')]//*[contains(@class,'{button}')]"
    ))
    .await?;
    if approve {
        app.wait_for("#approve-dialog").await?;
        app.click("#approve-confirm").await?;
        app.wait_gone("#approve-confirm").await
    } else {
        app.wait_for("#reject-dialog").await?;
        app.fill("#reject-reason", "资料不全，请补充营业执照")
            .await?;
        app.click("#reject-confirm").await?;
        app.wait_gone("#reject-confirm").await
    }
}

/// E-A08 / UAT 7.2 审批授权申请: with the server down, approve two requests (one until a date)
/// and reject one; all show as pending; the server returns and they sync by themselves; the
/// operator then sees the results.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_a08_offline_approvals_sync_when_the_server_returns(
    pool: PgPool,
) -> anyhow::Result<()> {
    mr_server::uat::create_uat(&pool, UAT_PASSWORD).await?;
    let ids = requests_for(
        &pool,
        &[
            ("star_quest", "星际探索"),
            ("deep_sea", "深海探险"),
            ("sky_race", "天空竞速"),
        ],
    )
    .await?;
    let mut server = ServerProcess::start(&pool).await?;
    let app = App::launch(&server.url).await?;
    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    app.wait_text("#menu-requests-badge", |t| t.contains('3'))
        .await?;
    app.click("#menu-requests").await?;
    app.wait_text("#req-table", |t| t.contains("天空竞速"))
        .await?;
    app.screenshot("e-a08-requests").await?;

    server.kill().await?;
    app.wait_for(r#"#conn-badge[data-online="false"]"#).await?;
    // The first one until a date (90 days), the second permanent, the third rejected.
    app.click_xpath("//tr[contains(., '星际探索')]//*[contains(@class,'req-approve')]")
        .await?;
    app.wait_for("#approve-dialog").await?;
    app.click("#approve-date").await?;
    app.click("#approve-expiry-90").await?;
    app.click("#approve-confirm").await?;
    app.wait_gone("#approve-confirm").await?;
    decide_in_window(&app, "深海探险", true).await?;
    decide_in_window(&app, "天空竞速", false).await?;
    app.wait_text("#sync-pending", |t| t.contains('3')).await?;
    let pending = app
        .client
        .find_all(Locator::Css(".req-pending"))
        .await?
        .len();
    anyhow::ensure!(pending == 3, "three rows marked 待同步, saw {pending}");
    app.screenshot("e-a08-offline-pending").await?;
    assert_eq!(
        statuses(&pool, &ids).await?,
        ["pending", "pending", "pending"]
    );

    server.resume().await?;
    app.wait_for(r#"#conn-badge[data-online="true"]"#).await?;
    wait_synced(&app, ".req-pending").await?;
    app.screenshot("e-a08-synced").await?;
    assert_eq!(
        statuses(&pool, &ids).await?,
        ["approved", "approved", "rejected"]
    );
    let expiry: Option<chrono::DateTime<Utc>> =
        sqlx::query_scalar("SELECT expires_at FROM authorizations WHERE request_id = $1")
            .bind(ids[0])
            .fetch_one(&pool)
            .await?;
    let days = (expiry.context("the dated approval has an expiry")? - Utc::now()).num_days();
    anyhow::ensure!(
        (89..=90).contains(&days),
        "expiry about 90 days out, got {days}"
    );

    // The operator's cache has the results: its message centre lists them.
    app.open_and_login("operator", "uat_operator", UAT_PASSWORD)
        .await?;
    app.click("#menu-messages").await?;
    app.wait_text("#page-messages", |t| {
        t.contains("授权申请已通过：星际探索")
            && t.contains("授权申请已通过：深海探险")
            && t.contains("授权申请未通过：天空竞速")
    })
    .await?;
    app.screenshot("e-a08-operator-messages").await?;
    app.close().await?;
    server.kill().await
}

/// E-A09: another admin decides the same request first (through a second server process on
/// the same database while this window's server is down); the queued decision is refused and
/// the conflicts panel says who decided and when.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_a09_a_decision_made_first_elsewhere_lands_in_the_conflicts_panel(
    pool: PgPool,
) -> anyhow::Result<()> {
    mr_server::uat::create_uat(&pool, UAT_PASSWORD).await?;
    let ids = requests_for(&pool, &[("star_quest", "星际探索")]).await?;
    let mut server = ServerProcess::start(&pool).await?;
    let mut other = ServerProcess::start(&pool).await?;
    let app = App::launch(&server.url).await?;
    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    app.click("#menu-requests").await?;
    app.wait_text("#req-table", |t| t.contains("星际探索"))
        .await?;

    server.kill().await?;
    app.wait_for(r#"#conn-badge[data-online="false"]"#).await?;
    decide_in_window(&app, "星际探索", true).await?;
    app.wait_for(".req-pending").await?;

    // 李管理, at another desk, rejects it first.
    let http = reqwest::Client::new();
    let token = |user: &'static str, pw: &'static str| {
        let (http, base) = (http.clone(), other.url.clone());
        async move {
            let v: Value = http
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({ "username": user, "password": pw, "workspace": "admin" }))
                .send()
                .await?
                .json()
                .await?;
            anyhow::Ok(v["access_token"].as_str().context("token")?.to_string())
        }
    };
    let root = token("uat_admin", UAT_PASSWORD).await?;
    let created = http
        .post(format!("{}/api/v1/staff", other.url))
        .bearer_auth(&root)
        .json(&json!({ "username": "admin_li", "password": "Staff123456",
                       "display_name": "李管理", "role": "admin" }))
        .send()
        .await?;
    anyhow::ensure!(
        created.status() == 201,
        "creating admin_li: {}",
        created.status()
    );
    let li = token("admin_li", "Staff123456").await?;
    let env = CommandEnvelope::new(
        Uuid::now_v7(),
        1,
        &Command::RequestReject {
            request_id: ids[0],
            reason: "暂不开放".into(),
        },
        Utc::now(),
    );
    let pushed: PushResponse = http
        .post(format!("{}/api/v1/sync/push", other.url))
        .bearer_auth(&li)
        .json(&PushRequest {
            device_id: Uuid::now_v7(),
            protocol_version: SYNC_PROTOCOL_VERSION,
            commands: vec![env],
        })
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(pushed.results[0].code.is_none(), "{pushed:?}");

    server.resume().await?;
    app.wait_for("#sync-conflicts").await?;
    app.click("#sync-conflicts").await?;
    let text = app
        .wait_text("#conflicts-panel", |t| {
            t.contains("该申请已被管理员 李管理 于")
        })
        .await?;
    // The drawer slides in; let it settle before the picture.
    tokio::time::sleep(Duration::from_millis(600)).await;
    app.screenshot("e-a09-conflict").await?;
    eprintln!("conflicts panel: {text}");
    // The row shows the server's decision, not the refused one.
    app.client
        .find(Locator::Css(".el-dialog__headerbtn"))
        .await?
        .click()
        .await
        .ok();
    assert_eq!(statuses(&pool, &ids).await?, ["rejected"]);
    app.close().await?;
    server.kill().await?;
    other.kill().await
}

/// E-A10 / UAT 7.2 创建新应用: create an application in 应用管理, change its price, see both
/// prices in its history; the authorized operator is told, and the next launch pays the new
/// price.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_a10_create_an_application_change_its_price_and_see_the_history(
    pool: PgPool,
) -> anyhow::Result<()> {
    let app = App::start(pool.clone()).await?;
    let base = app.base_url()?;
    let acct = app.venues(&pool, 1, "500.00").await?.remove(0);
    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    app.click("#menu-applications").await?;
    app.wait_for("#page-applications").await?;

    app.click("#app-new").await?;
    app.wait_for("#app-dialog").await?;
    app.fill("#app-code", "star_quest").await?;
    app.fill("#app-name", "星际探索").await?;
    app.fill("#app-description", "四人合作太空冒险").await?;
    app.fill("#app-price", "30").await?;
    app.fill("#app-max-players", "6").await?;
    app.screenshot("e-a10-create-dialog").await?;
    app.click("#app-save").await?;
    app.wait_gone("#app-save").await?;
    app.wait_xpath("//tr[contains(., '星际探索') and contains(., 'star_quest')]")
        .await?;
    wait_synced(&app, ".app-pending").await?;
    let app_id: Uuid = sqlx::query_scalar(
        "SELECT id FROM applications WHERE code = 'star_quest' AND unit_price = 30.00 AND max_players = 6",
    )
    .fetch_one(&pool)
    .await
    .context("the application reached the server")?;
    sqlx::query("INSERT INTO authorizations (operator_id, application_id) VALUES ($1, $2)")
        .bind(acct.operator_id)
        .bind(app_id)
        .execute(&pool)
        .await?;

    // A new price.
    app.wait_gone(".el-message").await?;
    app.click_xpath("//tr[contains(., 'star_quest')]//*[contains(@class,'app-edit')]")
        .await?;
    app.wait_for("#app-dialog").await?;
    app.fill("#app-price", "25.50").await?;
    app.screenshot("e-a10-price-change").await?;
    app.click("#app-save").await?;
    app.wait_gone("#app-save").await?;
    wait_synced(&app, ".app-pending").await?;
    app.wait_gone(".el-message").await?;
    app.click_xpath("//tr[contains(., 'star_quest')]//*[contains(@class,'app-history')]")
        .await?;
    let text = app
        .wait_text("#app-history-list", |t| {
            t.contains("25.50") && t.contains("30.00")
        })
        .await?;
    let entries = app
        .client
        .find_all(Locator::Css(".app-price-entry"))
        .await?
        .len();
    anyhow::ensure!(
        entries == 2,
        "two prices in the history, saw {entries}: {text}"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    app.screenshot("e-a10-price-history").await?;

    let told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages WHERE operator_id = $1 AND kind = 'price_change'",
    )
    .bind(acct.operator_id)
    .fetch_one(&pool)
    .await?;
    assert_eq!(told, 1);
    let client = mr_sdk::Client::builder(&base, &acct.api_key).build()?;
    let launched = client
        .launch(&LaunchRequest {
            app_id: "star_quest".into(),
            site_id: acct.site_id.to_string(),
            player_count: 2,
        })
        .await?;
    assert_eq!(launched.total_cost.to_string(), "51.00");
    app.close().await
}

/// E-A12 / UAT 7.2 查看交易记录: every operator's transactions with a type filter and totals;
/// exported to CSV and Excel by the app, and the file's rows checked against the ledger.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_a12_transactions_filter_totals_and_export_to_a_file(
    pool: PgPool,
) -> anyhow::Result<()> {
    let app = App::start(pool.clone()).await?;
    let base = app.base_url()?;
    let accts = app.venues(&pool, 30, "100.00").await?;
    for acct in &accts[..3] {
        launch(&base, acct, &acct.app_code)
            .await
            .map_err(anyhow::Error::msg)?;
    }
    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    app.click("#menu-transactions").await?;
    app.wait_for("#page-transactions").await?;
    app.wait_text("#tx-total-count", |t| t.contains("33"))
        .await?;
    app.wait_for("#tx-table").await?;
    app.screenshot("e-a12-transactions").await?;

    // Only the consumption entries (three launches of 2 players × 10.00).
    app.click("#tx-filter-type").await?;
    app.click_xpath(
        "//li[contains(@class,'el-select-dropdown__item') and normalize-space(.)='消费']",
    )
    .await?;
    app.wait_text("#tx-total-count", |t| t.contains('3') && !t.contains("33"))
        .await?;
    app.wait_text("#tx-total-net", |t| t.contains("60.00"))
        .await?;

    app.click("#tx-export-csv").await?;
    app.wait_for("#tx-export-done").await?;
    app.wait_text("#tx-export-path", |t| t.ends_with(".csv"))
        .await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    app.screenshot("e-a12-export-done").await?;
    let files: Vec<_> = std::fs::read_dir(app.export_dir())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    let csv = files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "csv"))
        .context("a CSV file in the export folder")?;
    let text = std::fs::read_to_string(csv)?;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "header + 3 rows: {text}");
    assert!(lines[0].contains("时间,运营商账号,运营商名称,类型,金额"));
    let usernames: Vec<String> = sqlx::query_scalar(
        "SELECT o.username FROM ledger_entries l JOIN operators o ON o.id = l.operator_id
          WHERE l.entry_type = 'consumption' ORDER BY o.username",
    )
    .fetch_all(&pool)
    .await?;
    for (line, _) in lines[1..].iter().zip(&usernames) {
        assert!(line.contains(",消费,-20.00,"), "{line}");
        assert!(
            usernames.iter().any(|u| line.contains(u.as_str())),
            "{line}"
        );
    }

    // The same filter to Excel.
    app.click("#tx-export-close").await?;
    app.wait_gone("#tx-export-done").await?;
    app.click("#tx-export-xlsx").await?;
    app.wait_text("#tx-export-path", |t| t.ends_with(".xlsx"))
        .await?;
    let xlsx = std::fs::read_dir(app.export_dir())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .context("an Excel file in the export folder")?;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook(&xlsx).context("reading the workbook")?;
    use calamine::Reader;
    let sheet = book.worksheet_range("交易记录")?;
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 4, "header + 3 rows: {rows:?}");
    assert_eq!(
        rows[0][..5],
        ["时间", "运营商账号", "运营商名称", "类型", "金额"]
    );
    for r in &rows[1..] {
        assert_eq!((r[3].as_str(), r[4].as_str()), ("消费", "-20"), "{r:?}");
    }
    app.close().await
}

/// E-A04 (R-A2): reveal an operator's key (audited) and force a reset from the operator's
/// detail; the old key fails at once, the new one works, and the operator is told.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_a04_reveal_and_reset_an_api_key(pool: PgPool) -> anyhow::Result<()> {
    let app = App::start(pool.clone()).await?;
    let base = app.base_url()?;
    let acct = app.venues(&pool, 1, "100.00").await?.remove(0);
    let username: String = sqlx::query_scalar("SELECT username FROM operators WHERE id = $1")
        .bind(acct.operator_id)
        .fetch_one(&pool)
        .await?;
    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    app.wait_text("#sync-state", |t| t.contains("已同步"))
        .await?;
    app.click("#menu-operators").await?;
    app.fill("#op-search", &username).await?;
    app.wait_text("#op-list", |t| t.contains(&username)).await?;
    app.click(".op-row").await?;
    app.wait_text("#op-api-key", |t| t.contains(&acct.api_key[60..]))
        .await?;

    app.click("#op-api-key-reveal").await?;
    app.click(".api-key-reveal-confirm").await?;
    app.wait_text("#api-key-value", |t| t == acct.api_key)
        .await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    app.screenshot("e-a04-api-key-revealed").await?;
    app.click_xpath("//*[@id='api-key-dialog']//button[contains(@class,'el-dialog__headerbtn')]")
        .await?;
    app.wait_gone("#api-key-value").await?;

    app.click("#op-api-key-reset").await?;
    app.click(".api-key-reset-confirm").await?;
    let new_key = app
        .wait_text("#api-key-value", |t| t.len() == 64 && t != acct.api_key)
        .await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    app.screenshot("e-a04-api-key-reset").await?;
    assert_eq!(
        launch(&base, &acct, &acct.app_code).await,
        Err("INVALID_API_KEY".into())
    );
    let mut renewed = acct.clone();
    renewed.api_key = new_key;
    launch(&base, &renewed, &acct.app_code)
        .await
        .map_err(anyhow::Error::msg)?;
    let (told, reveals): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM messages WHERE operator_id = $1 AND kind = 'api_key_reset'),
                (SELECT count(*) FROM audit_log WHERE action = 'operator.api_key_reveal' AND target_id = $1::text)",
    )
    .bind(acct.operator_id)
    .fetch_one(&pool)
    .await?;
    assert_eq!((told, reveals), (1, 1));
    app.close().await
}

/// E-A13 (R-A7): an announcement to one tier reaches only that tier's operators; the operator
/// reads it in its message centre.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_a13_an_announcement_to_one_tier_reaches_only_that_tier(
    pool: PgPool,
) -> anyhow::Result<()> {
    let app = App::start(pool.clone()).await?;
    app.venues(&pool, 5, "100.00").await?;
    sqlx::query("UPDATE operators SET tier = 'vip' WHERE username = 'uat_operator'")
        .execute(&pool)
        .await?;
    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    app.click("#menu-announcements").await?;
    app.wait_for("#page-announcements").await?;
    app.click("#ann-new").await?;
    app.wait_for("#ann-dialog").await?;
    app.fill("#ann-title", "VIP 会员专享：新游戏抢先体验")
        .await?;
    app.fill("#ann-body", "即日起 VIP 运营商可优先申请《深海探险》授权。")
        .await?;
    app.click("#ann-audience-tier").await?;
    app.click("#ann-tier").await?;
    app.click_xpath("//li[contains(@class,'el-select-dropdown__item') and contains(., 'VIP')]")
        .await?;
    app.wait_gone(".el-select-dropdown__item").await.ok();
    app.screenshot("e-a13-announcement-dialog").await?;
    app.click("#ann-publish").await?;
    app.click(".ann-publish-confirm").await?;
    app.wait_text("#ann-list", |t| t.contains("VIP 会员专享"))
        .await?;
    wait_synced(&app, ".ann-pending").await?;
    app.screenshot("e-a13-announcements").await?;
    let reached: Vec<String> = sqlx::query_scalar(
        "SELECT o.username FROM messages m JOIN operators o ON o.id = m.operator_id
          WHERE m.kind = 'announcement' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await?;
    assert_eq!(reached, ["uat_operator"]);

    app.open_and_login("operator", "uat_operator", UAT_PASSWORD)
        .await?;
    app.click("#menu-messages").await?;
    app.wait_text("#page-messages", |t| {
        t.contains("VIP 会员专享：新游戏抢先体验")
    })
    .await?;
    app.screenshot("e-a13-operator-reads-it").await?;
    app.close().await
}

/// E-A11: deactivating an application (with confirmation) makes its launches fail; putting it
/// back makes them work again.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_a11_a_deactivated_application_cannot_be_launched(pool: PgPool) -> anyhow::Result<()> {
    let app = App::start(pool.clone()).await?;
    let base = app.base_url()?;
    let acct = app.venues(&pool, 1, "100.00").await?.remove(0);
    launch(&base, &acct, &acct.app_code)
        .await
        .map_err(anyhow::Error::msg)?;
    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    app.click("#menu-applications").await?;
    app.click_xpath("//tr[contains(., 'fixture_arena')]//*[contains(@class,'app-deactivate')]")
        .await?;
    app.click(".app-deactivate-confirm").await?;
    app.wait_xpath("//tr[contains(., 'fixture_arena')]//*[contains(@class,'app-status') and @data-active='false']")
        .await?;
    wait_synced(&app, ".app-pending").await?;
    app.screenshot("e-a11-deactivated").await?;
    assert_eq!(
        launch(&base, &acct, &acct.app_code).await,
        Err("APP_NOT_AUTHORIZED".into())
    );

    app.wait_gone(".el-message").await?;
    app.click_xpath("//tr[contains(., 'fixture_arena')]//*[contains(@class,'app-activate')]")
        .await?;
    app.wait_xpath("//tr[contains(., 'fixture_arena')]//*[contains(@class,'app-status') and @data-active='true']")
        .await?;
    wait_synced(&app, ".app-pending").await?;
    launch(&base, &acct, &acct.app_code)
        .await
        .map_err(anyhow::Error::msg)?;
    app.close().await
}
