//! End-to-end scenarios in the real app window (UAT_SCENARIOS.md E-L01..E-L04 and the three
//! workspace home pages). Run by `make test` under Xvfb; each test names its scenario ID.

use fantoccini::Locator;
use mr_tests::{App, UAT_PASSWORD};
use sqlx::PgPool;

/// E-L01: the launcher lists 运营商 / 管理员 / 财务, and each opens its own login window.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_l01_launcher_opens_each_workspace(pool: PgPool) -> anyhow::Result<()> {
    let app = App::start(pool).await?;
    let launcher = app.wait_text("#launcher", |t| !t.is_empty()).await?;
    for label in ["运营商", "管理员", "财务"] {
        assert!(
            launcher.contains(label),
            "launcher lacks {label}: {launcher}"
        );
    }
    app.screenshot("e-l01-launcher").await?;
    for ws in ["operator", "admin", "finance"] {
        app.switch_to_launcher().await?;
        app.click(&format!("#open-{ws}")).await?;
        app.switch_to_workspace(ws).await?;
        app.wait_for("#login-username").await?;
        app.wait_for("#login-submit").await?;
        app.screenshot(&format!("e-l01-{ws}-login")).await?;
    }
    assert!(
        app.client.windows().await?.len() >= 4,
        "launcher + three workspace windows"
    );
    app.close().await
}

/// Logs into the admin workspace as uat_admin and checks the home page against the database.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_admin_login_shows_home(pool: PgPool) -> anyhow::Result<()> {
    let operators: i64 = sqlx::query_scalar("SELECT count(*) FROM operators")
        .fetch_one(&pool)
        .await?;
    let app = App::start(pool).await?;
    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    let total = app
        .wait_text("#admin-operators-total", |t| !t.trim().is_empty())
        .await?;
    // create_uat adds uat_operator to whatever was there.
    assert!(
        total.contains(&(operators + 1).to_string()),
        "operators total {total:?}"
    );
    app.wait_text("#user-name", |t| t.contains("UAT 超级管理员"))
        .await?;
    app.wait_text("#user-role", |t| t.contains("超级管理员"))
        .await?;
    app.wait_text("#conn-badge", |t| t.contains("在线")).await?;
    app.screenshot("e-admin-home").await?;
    app.close().await
}

/// Logs into the operator workspace as uat_operator: balance 0.00 and the trial tier.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_operator_login_shows_home(pool: PgPool) -> anyhow::Result<()> {
    let app = App::start(pool).await?;
    app.open_and_login("operator", "uat_operator", UAT_PASSWORD)
        .await?;
    app.wait_text("#operator-balance", |t| t.contains("0.00"))
        .await?;
    app.wait_text("#operator-tier", |t| t.contains("试用"))
        .await?;
    app.screenshot("e-operator-home").await?;
    app.close().await
}

/// Logs into the finance workspace as uat_finance: today's recharge total matches the ledger.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_finance_login_shows_home(pool: PgPool) -> anyhow::Result<()> {
    let app = App::start(pool.clone()).await?;
    // A recharge committed today, balance and ledger together, as the payment webhook does.
    let mut tx = pool.begin().await?;
    let op: sqlx::types::Uuid =
        sqlx::query_scalar("UPDATE operators SET balance = balance + 1234.50 WHERE username = 'uat_operator' RETURNING id")
            .fetch_one(&mut *tx)
            .await?;
    sqlx::query(
        "INSERT INTO ledger_entries (id, operator_id, entry_type, amount, balance_before, balance_after, description)
         VALUES (gen_random_uuid(), $1, 'recharge', 1234.50, 0, 1234.50, 'e2e')",
    )
    .bind(op)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    app.open_and_login("finance", "uat_finance", UAT_PASSWORD)
        .await?;
    app.wait_text("#finance-recharge-total", |t| t.contains("1,234.50"))
        .await?;
    app.screenshot("e-finance-home").await?;
    app.close().await
}

/// E-L03: wrong password, unknown user and an empty form each show their Chinese message.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_l03_bad_logins_show_chinese_errors(pool: PgPool) -> anyhow::Result<()> {
    let app = App::start(pool).await?;
    app.click("#open-admin").await?;
    app.switch_to_workspace("admin").await?;

    app.click("#login-submit").await?;
    let page = app
        .wait_text("body", |t| t.contains("请输入用户名"))
        .await?;
    assert!(page.contains("请输入密码"), "{page}");

    app.fill("#login-username", "uat_admin").await?;
    app.fill("#login-password", "wrong-password-1").await?;
    app.click("#login-submit").await?;
    app.wait_text("#login-error", |t| t.contains("用户名或密码错误"))
        .await?;
    app.screenshot("e-l03-wrong-password").await?;

    app.fill("#login-username", "no_such_user").await?;
    app.fill("#login-password", UAT_PASSWORD).await?;
    app.click("#login-submit").await?;
    app.wait_text("#login-error", |t| t.contains("用户名或密码错误"))
        .await?;
    assert!(
        app.client.find(Locator::Css("#home-admin")).await.is_err(),
        "nothing opens"
    );
    app.close().await
}

/// E-L04: an operator account cannot log into the admin workspace.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_l04_operator_cannot_enter_admin(pool: PgPool) -> anyhow::Result<()> {
    let app = App::start(pool).await?;
    app.click("#open-admin").await?;
    app.switch_to_workspace("admin").await?;
    app.fill("#login-username", "uat_operator").await?;
    app.fill("#login-password", UAT_PASSWORD).await?;
    app.click("#login-submit").await?;
    app.wait_text("#login-error", |t| t.contains("该账号不能登录此工作台"))
        .await?;
    app.screenshot("e-l04-wrong-workspace").await?;
    app.close().await
}

/// E-L02: admin and finance open at once; logging out of one leaves the other signed in.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn e2e_l02_two_workspaces_at_once(pool: PgPool) -> anyhow::Result<()> {
    let app = App::start(pool.clone()).await?;
    app.open_and_login("admin", "uat_admin", UAT_PASSWORD)
        .await?;
    app.open_and_login("finance", "uat_finance", UAT_PASSWORD)
        .await?;
    let live = "SELECT count(*) FROM auth_sessions WHERE revoked_at IS NULL";
    assert_eq!(
        sqlx::query_scalar::<_, i64>(live).fetch_one(&pool).await?,
        2
    );

    app.switch_to_workspace("admin").await?;
    app.click("#logout-btn").await?;
    app.click("#logout-confirm").await?;
    app.wait_for("#login-username").await?;
    app.screenshot("e-l02-admin-logged-out").await?;
    assert_eq!(
        sqlx::query_scalar::<_, i64>(live).fetch_one(&pool).await?,
        1
    );

    // The finance window is untouched and still talks to the server with its own session.
    app.switch_to_workspace("finance").await?;
    app.wait_for("#home-finance").await?;
    app.click("#page-refresh").await?;
    app.wait_text("#finance-recharge-total", |t| t.contains("0.00"))
        .await?;
    app.wait_text("#user-name", |t| t.contains("UAT 会计"))
        .await?;
    app.screenshot("e-l02-finance-still-signed-in").await?;
    app.close().await
}
