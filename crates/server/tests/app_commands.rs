//! 应用管理 as sync commands (issue "Admin workspace", R-A3) on the real server and PostgreSQL:
//! create, price change (history, the next launch's price, a message to the authorized
//! operators only), deactivation (launches refused), the rules, and the role matrix.

mod common;

use common::headset::{expect_error, Headset};
use common::{Ctx, Device};
use mr_protocol::sync::{ApplicationEdit, ApplicationFields, Command, GrantFields};
use mr_server::launch::fixture;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

async fn setup(pool: &PgPool) -> (Ctx, Vec<fixture::FixtureAccount>) {
    common::with_fixtures(pool, 2, "500.00").await
}

fn fields(id: Uuid, code: &str, price: &str) -> ApplicationFields {
    ApplicationFields {
        application_id: id,
        code: code.into(),
        name: "星际探索".into(),
        description: Some("四人合作太空冒险".into()),
        unit_price: price.parse().unwrap(),
        min_players: 1,
        max_players: 4,
    }
}

fn edit(id: Uuid, price: &str) -> ApplicationEdit {
    ApplicationEdit {
        application_id: id,
        name: "星际探索".into(),
        description: None,
        unit_price: price.parse().unwrap(),
        min_players: 2,
        max_players: 6,
    }
}

async fn launch(h: &Headset, app: &str, players: i64) -> common::Resp {
    let body = serde_json::to_vec(
        &json!({"app_id": app, "site_id": h.acct.site_id, "player_count": players}),
    )
    .unwrap();
    let s = h.session_id();
    h.send(
        reqwest::Method::POST,
        mr_protocol::launch::AUTHORIZE_PATH,
        &body,
        Some(&s),
        &common::headset::Forge::default(),
    )
    .await
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn create_reprice_and_deactivate_follow_through_to_launches_history_and_messages(
    pool: PgPool,
) {
    let (c, accts) = setup(&pool).await;
    let mut admin = Device::admin(&c, "uat_admin").await;
    let app = Uuid::now_v7();
    let r = admin
        .push(
            &c,
            Command::ApplicationCreate(fields(app, "star_quest", "30.00")),
        )
        .await;
    assert_eq!(r["status"], "accepted", "{r}");
    // The same code again is refused, with its own code.
    let r = admin
        .push(
            &c,
            Command::ApplicationCreate(fields(Uuid::now_v7(), "star_quest", "10.00")),
        )
        .await;
    assert_eq!(
        (r["status"].as_str(), r["code"].as_str()),
        (Some("rejected"), Some("APPLICATION_CODE_TAKEN"))
    );
    // Rules shared with the desktop: a bad code, an inverted player range.
    let r = admin
        .push(
            &c,
            Command::ApplicationCreate(fields(Uuid::now_v7(), "Bad-Code", "10.00")),
        )
        .await;
    assert_eq!(r["code"], "VALIDATION_FAILED");
    let mut inverted = edit(app, "30.00");
    inverted.min_players = 5;
    inverted.max_players = 2;
    assert_eq!(
        admin.push(&c, Command::ApplicationUpdate(inverted)).await["code"],
        "VALIDATION_FAILED"
    );

    // Operator 0 is authorized, operator 1 is not.
    let grant = admin
        .push(
            &c,
            Command::AuthorizationGrant(GrantFields {
                authorization_id: Uuid::now_v7(),
                operator_id: accts[0].operator_id,
                application_id: app,
                expires_at: None,
            }),
        )
        .await;
    assert_eq!(grant["status"], "accepted");
    let h = Headset::new(&c.server.base_url, accts[0].clone());
    let first = launch(&h, "star_quest", 2).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(first.body["total_cost"], "60.00");

    // A new price: kept in the history, applied from the next launch, told to operator 0 only.
    let r = admin
        .push(&c, Command::ApplicationUpdate(edit(app, "25.50")))
        .await;
    assert_eq!(r["status"], "accepted", "{r}");
    let next = launch(&h, "star_quest", 2).await;
    assert_eq!(next.body["total_cost"], "51.00");
    assert_eq!(next.body["unit_price"], "25.50");
    let history: Vec<(Option<String>, String, Option<String>)> = sqlx::query_as(
        "SELECT h.old_price::text, h.new_price::text, s.username FROM application_price_history h
           LEFT JOIN staff_users s ON s.id = h.changed_by
          WHERE h.application_id = $1 ORDER BY h.changed_at, h.id",
    )
    .bind(app)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        history,
        [
            (None, "30.00".into(), Some("uat_admin".into())),
            (
                Some("30.00".into()),
                "25.50".into(),
                Some("uat_admin".into())
            ),
        ]
    );
    let told: Vec<(Uuid, String, String)> =
        sqlx::query_as("SELECT operator_id, title, body FROM messages WHERE kind = 'price_change'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, accts[0].operator_id);
    assert_eq!(told[0].1, "价格调整：星际探索");
    assert!(
        told[0].2.contains("¥30.00") && told[0].2.contains("¥25.50"),
        "{}",
        told[0].2
    );
    // The audit log names who changed which application, from where.
    let audited: Vec<(String, Option<String>, String)> = sqlx::query_as(
        "SELECT details->>'name', ip, target_type FROM audit_log
          WHERE action = 'sync.command' AND target_id = $1 ORDER BY id",
    )
    .bind(app.to_string())
    .fetch_all(&pool)
    .await
    .unwrap();
    let names: Vec<&str> = audited.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names[..3],
        [
            "application.create",
            "application.update",
            "application.update"
        ]
    );
    assert!(
        audited
            .iter()
            .all(|(_, ip, t)| ip.is_some() && t == "application"),
        "{audited:?}"
    );
    // Each row keeps the application as it was before and after the command.
    let states: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT before->>'unit_price', after->>'unit_price' FROM audit_log
          WHERE action = 'sync.command' AND target_id = $1 ORDER BY id",
    )
    .bind(app.to_string())
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(states[0], (None, Some("30.00".into())), "{states:?}");
    // (the second command was refused: nothing changed, no state after)
    assert_eq!(states[1], (Some("30.00".into()), None), "{states:?}");
    assert_eq!(
        states[2],
        (Some("30.00".into()), Some("25.50".into())),
        "{states:?}"
    );
    // An edit that keeps the price writes no history and no message.
    admin
        .push(&c, Command::ApplicationUpdate(edit(app, "25.50")))
        .await;
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM application_price_history WHERE application_id = $1",
    )
    .bind(app)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(n, 2);

    // Deactivated: launches are refused; reactivated: they work again.
    let off = admin
        .push(
            &c,
            Command::ApplicationSetActive {
                application_id: app,
                active: false,
            },
        )
        .await;
    assert_eq!(off["status"], "accepted");
    expect_error(
        &launch(&h, "star_quest", 2).await,
        403,
        "APP_NOT_AUTHORIZED",
    );
    admin
        .push(
            &c,
            Command::ApplicationSetActive {
                application_id: app,
                active: true,
            },
        )
        .await;
    assert_eq!(launch(&h, "star_quest", 2).await.status, StatusCode::OK);
    // An unknown application is NOT_FOUND.
    let r = admin
        .push(
            &c,
            Command::ApplicationSetActive {
                application_id: Uuid::now_v7(),
                active: false,
            },
        )
        .await;
    assert_eq!(r["code"], "NOT_FOUND");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn only_roles_that_manage_the_catalogue_may_change_it(pool: PgPool) {
    let (c, accts) = setup(&pool).await;
    let create = Command::ApplicationCreate(fields(Uuid::now_v7(), "sky_race", "18.00"));
    let mut finance = Device {
        id: Uuid::now_v7(),
        seq: 0,
        token: c.tokens("uat_finance", "finance").await.0,
    };
    assert_eq!(finance.push(&c, create.clone()).await["code"], "FORBIDDEN");
    let username: String = sqlx::query_scalar("SELECT username FROM operators WHERE id = $1")
        .bind(accts[0].operator_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut operator = Device {
        id: Uuid::now_v7(),
        seq: 0,
        token: c
            .tokens_pw(&username, fixture::PASSWORD, "operator")
            .await
            .0,
    };
    assert_eq!(operator.push(&c, create.clone()).await["code"], "FORBIDDEN");
    // An analyst signs in to the admin workspace but sees statistics only.
    let root = c.tokens("uat_admin", "admin").await.0;
    let made = c
        .post(
            "/api/v1/staff",
            Some(&root),
            json!({"username": "analyst_zhao", "password": "Staff123456",
                   "display_name": "赵分析", "role": "analyst"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{made:?}");
    let mut analyst = Device {
        id: Uuid::now_v7(),
        seq: 0,
        token: c.tokens_pw("analyst_zhao", "Staff123456", "admin").await.0,
    };
    assert_eq!(analyst.push(&c, create.clone()).await["code"], "FORBIDDEN");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM applications WHERE code = 'sky_race'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
    // A plain admin may.
    let mut admin = Device::admin(&c, "uat_admin").await;
    assert_eq!(admin.push(&c, create).await["status"], "accepted");
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn the_price_history_reaches_admins_and_no_one_else(pool: PgPool) {
    let (c, accts) = setup(&pool).await;
    let mut admin = Device::admin(&c, "uat_admin").await;
    let app = Uuid::now_v7();
    admin
        .push(
            &c,
            Command::ApplicationCreate(fields(app, "star_quest", "30.00")),
        )
        .await;
    admin
        .push(&c, Command::ApplicationUpdate(edit(app, "35.00")))
        .await;
    let pull = |token: String| {
        let c = &c;
        async move {
            let r = c
                .get("/api/v1/sync/pull?limit=1000&protocol_version=1", &token)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            r.body["changes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|ch| ch["entity"] == "application_price")
                .map(|ch| {
                    ch["row"]["new_price"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                })
                .collect::<Vec<_>>()
        }
    };
    let mut seen = pull(admin.token.clone()).await;
    seen.sort();
    assert!(
        seen.contains(&"30.00".to_string()) && seen.contains(&"35.00".to_string()),
        "{seen:?}"
    );
    let finance = c.tokens("uat_finance", "finance").await.0;
    assert!(pull(finance).await.is_empty());
    let username: String = sqlx::query_scalar("SELECT username FROM operators WHERE id = $1")
        .bind(accts[0].operator_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let op = c
        .tokens_pw(&username, fixture::PASSWORD, "operator")
        .await
        .0;
    assert!(pull(op).await.is_empty());
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn an_announcement_reaches_exactly_its_audience(pool: PgPool) {
    use mr_protocol::sync::AnnouncementFields;
    let (c, accts) = setup(&pool).await;
    sqlx::query("UPDATE operators SET tier = 'vip' WHERE id = $1")
        .bind(accts[0].operator_id)
        .execute(&pool)
        .await
        .unwrap();
    let mut admin = Device::admin(&c, "uat_admin").await;
    let publish = |title: &str, tier| {
        Command::AnnouncementPublish(AnnouncementFields {
            announcement_id: Uuid::now_v7(),
            title: title.into(),
            body: "春节期间营业时间调整，详见通知。".into(),
            tier,
        })
    };
    let r = admin
        .push(&c, publish("VIP 专享活动", Some(mr_domain::Tier::Vip)))
        .await;
    assert_eq!(r["status"], "accepted", "{r}");
    let r = admin.push(&c, publish("系统维护通知", None)).await;
    assert_eq!(r["status"], "accepted", "{r}");
    let got = |title: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, uuid::Uuid>(
                "SELECT operator_id FROM messages WHERE kind = 'announcement' AND title = $1 ORDER BY operator_id",
            )
            .bind(title)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(got("VIP 专享活动").await, [accts[0].operator_id]);
    let everyone: i64 =
        sqlx::query_scalar("SELECT count(*) FROM operators WHERE status = 'active'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(got("系统维护通知").await.len() as i64, everyone);
    // A blank title is refused; finance may not publish.
    assert_eq!(
        admin.push(&c, publish("  ", None)).await["code"],
        "VALIDATION_FAILED"
    );
    let mut finance = Device {
        id: Uuid::now_v7(),
        seq: 0,
        token: c.tokens("uat_finance", "finance").await.0,
    };
    assert_eq!(
        finance.push(&c, publish("越权", None)).await["code"],
        "FORBIDDEN"
    );
}
