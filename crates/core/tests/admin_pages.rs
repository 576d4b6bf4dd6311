//! The admin workspace's pages read from the local cache (issue 6, R-A1, R-A4, R-A5): filters
//! and names over the synced mirror, grants and revokes made offline shown at once as pending,
//! the local rules refusing what the server would refuse, and everything confirmed once back
//! online. Real server (in-process), real PostgreSQL, real SQLite cache.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test -p mr-core`.

mod common;
use common::*;

use chrono::{Duration, Utc};
use mr_core::admin_views::{
    AuthorizationCounts, AuthorizationQuery, AuthorizationState, GrantInput, OperatorQuery,
    OperatorSort, RequestQuery,
};
use mr_core::AdminOps;
use mr_domain::{ErrorCode, Workspace};
use mr_server::launch::fixture;
use mr_server::testing::TestServer;
use sqlx::PgPool;
use uuid::Uuid;

fn all(limit: i64) -> AuthorizationQuery {
    AuthorizationQuery {
        limit,
        ..Default::default()
    }
}

async fn app(pool: &PgPool, code: &str, name: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO applications (code, name, unit_price, min_players, max_players)
         VALUES ($1, $2, 15.00, 1, 6) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn authorize(
    pool: &PgPool,
    op: Uuid,
    app: Uuid,
    status: &str,
    expires_days: Option<i64>,
) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO authorizations (operator_id, application_id, status, granted_at, expires_at,
                                     revoked_at, revoke_reason)
         VALUES ($1, $2, $3, now() - interval '10 days', now() + make_interval(days => $4::int),
                 CASE WHEN $3 = 'revoked' THEN now() END,
                 CASE WHEN $3 = 'revoked' THEN '合同终止' END)
         RETURNING id",
    )
    .bind(op)
    .bind(app)
    .bind(status)
    .bind(expires_days.map(|d| d as i32))
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn synced_admin(core: &mr_core::Core) -> AdminOps {
    login(core, Workspace::Admin, "uat_admin", UAT_PASSWORD).await;
    let admin = core.admin().await.unwrap();
    eventually(10, "the admin's first sync", || async {
        admin.sync_now().await.is_ok_and(|r| r.up_to_date)
    })
    .await;
    admin
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn the_authorization_page_filters_the_cache_and_shows_offline_grants_and_revokes(
    pool: PgPool,
) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let master = &server.state.config.master_key;
    let cheap = fixture::create(&pool, master, 3, "9.50".parse().unwrap())
        .await
        .unwrap();
    let rich = fixture::create(&pool, master, 2, "100.00".parse().unwrap())
        .await
        .unwrap();
    let star = app(&pool, "star_trek", "星际迷航").await;
    let sea = app(&pool, "deep_sea", "深海探险").await;
    let (a, b, c) = (
        cheap[0].operator_id,
        cheap[1].operator_id,
        cheap[2].operator_id,
    );
    authorize(&pool, a, star, "active", Some(-1)).await;
    authorize(&pool, b, star, "revoked", None).await;
    let soon = authorize(&pool, c, sea, "active", Some(3)).await;

    let relay = Relay::start(server.addr).await;
    let m = Machine::new();
    let core = m.start(&relay.url()).await;
    let admin = synced_admin(&core).await;

    // Every row, with the summary; five fixture grants + three above.
    let page = admin.authorizations(all(20)).await.unwrap();
    assert_eq!(page.total, 8);
    assert_eq!(
        page.counts,
        AuthorizationCounts {
            active: 6,
            expired: 1,
            revoked: 1,
            expiring_soon: 1
        }
    );
    assert!(page.items.iter().all(|v| !v.pending));

    // Filters: by application, state, expiry window, operator; names joined from the cache.
    let by = |q: AuthorizationQuery| {
        let admin = admin.clone();
        async move { admin.authorizations(q).await.unwrap() }
    };
    let star_rows = by(AuthorizationQuery {
        application_id: Some(star),
        ..all(20)
    })
    .await;
    assert_eq!(star_rows.total, 2);
    assert!(star_rows
        .items
        .iter()
        .all(|v| v.application_name.as_deref() == Some("星际迷航")));
    let expired = by(AuthorizationQuery {
        state: Some(AuthorizationState::Expired),
        ..all(20)
    })
    .await;
    assert_eq!(
        expired
            .items
            .iter()
            .map(|v| v.operator_id)
            .collect::<Vec<_>>(),
        [a]
    );
    let revoked = by(AuthorizationQuery {
        state: Some(AuthorizationState::Revoked),
        ..all(20)
    })
    .await;
    assert_eq!(revoked.items[0].revoke_reason.as_deref(), Some("合同终止"));
    let expiring = by(AuthorizationQuery {
        expiring_within_days: Some(7),
        ..all(20)
    })
    .await;
    assert_eq!(
        expiring.items.iter().map(|v| v.id).collect::<Vec<_>>(),
        [soon]
    );
    let of_a = by(AuthorizationQuery {
        operator_id: Some(a),
        ..all(20)
    })
    .await;
    assert_eq!(of_a.total, 2);
    assert!(of_a.items.iter().all(|v| v
        .operator_username
        .as_deref()
        .is_some_and(|u| u.starts_with("fixture_"))));
    let paged = by(AuthorizationQuery {
        offset: 5,
        ..all(5)
    })
    .await;
    assert_eq!((paged.total, paged.items.len()), (8, 3));
    assert_eq!(
        admin.authorizations(all(0)).await.unwrap_err().code(),
        ErrorCode::ValidationFailed
    );

    // Offline: a grant of the expired pair, a revoke; both show at once, pending.
    relay.cut();
    let granted = admin
        .grant(GrantInput {
            operator_id: a,
            application_id: star,
            expires_at: Some(Utc::now() + Duration::days(90)),
        })
        .await
        .unwrap();
    assert!(granted.pending);
    assert_eq!(granted.state, AuthorizationState::Active);
    assert_eq!(granted.application_name.as_deref(), Some("星际迷航"));
    assert_eq!(granted.granted_by_name.as_deref(), Some("UAT 超级管理员"));
    admin.revoke_authorization(soon, "门店停业").await.unwrap();

    let page = admin.authorizations(all(20)).await.unwrap();
    assert_eq!(page.total, 9);
    assert_eq!(
        page.items[0].id, granted.id,
        "the new grant tops the first page"
    );
    let revoked_here = page.items.iter().find(|v| v.id == soon).unwrap();
    assert!(revoked_here.pending);
    assert_eq!(revoked_here.state, AuthorizationState::Revoked);
    assert_eq!(revoked_here.revoke_reason.as_deref(), Some("门店停业"));
    assert_eq!(
        page.counts,
        AuthorizationCounts {
            active: 6,
            expired: 1,
            revoked: 2,
            expiring_soon: 0
        }
    );

    // What the server would refuse is refused here at once, with the server's codes.
    let again = |op, app| {
        let admin = admin.clone();
        async move {
            admin
                .grant(GrantInput {
                    operator_id: op,
                    application_id: app,
                    expires_at: None,
                })
                .await
                .unwrap_err()
        }
    };
    assert_eq!(
        invalid(again(a, star).await),
        (ErrorCode::AuthorizationExists, "application_id")
    );
    let fixture_app: Uuid = sqlx::query_scalar("SELECT id FROM applications WHERE code = $1")
        .bind(&rich[0].app_code)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        invalid(again(rich[0].operator_id, fixture_app).await),
        (ErrorCode::AuthorizationExists, "application_id")
    );
    assert_eq!(
        invalid(again(Uuid::now_v7(), star).await),
        (ErrorCode::NotFound, "operator_id")
    );
    assert_eq!(
        invalid(
            admin
                .revoke_authorization(soon, "再撤一次")
                .await
                .unwrap_err()
        ),
        (ErrorCode::AuthorizationNotActive, "authorization_id")
    );
    assert_eq!(
        invalid(admin.revoke_authorization(soon, "   ").await.unwrap_err()),
        (ErrorCode::ValidationFailed, "reason")
    );
    // Revoking the pending grant frees the pair again.
    admin
        .revoke_authorization(granted.id, "授错了")
        .await
        .unwrap();
    let regrant = admin
        .grant(GrantInput {
            operator_id: a,
            application_id: star,
            expires_at: None,
        })
        .await
        .unwrap();
    assert_eq!(admin.sync_status().await.unwrap().pending, 4);

    // Back online: all four apply in order; the page shows the server's rows, nothing pending.
    relay.restore(server.addr);
    eventually(10, "the queue to drain", || async {
        let _ = admin.sync_now().await;
        admin.sync_status().await.unwrap().pending == 0
    })
    .await;
    assert!(admin.conflicts().await.unwrap().is_empty());
    let page = admin.authorizations(all(50)).await.unwrap();
    assert!(page.items.iter().all(|v| !v.pending));
    assert_eq!(page.total, 10);
    let rows: Vec<(Uuid, String, Option<String>)> = sqlx::query_as(
        "SELECT id, status, revoke_reason FROM authorizations WHERE id = ANY($1) ORDER BY array_position($1, id)",
    )
    .bind(vec![granted.id, regrant.id, soon])
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (granted.id, "revoked".into(), Some("授错了".into())),
            (regrant.id, "active".into(), None),
            (soon, "revoked".into(), Some("门店停业".into())),
        ]
    );
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn the_operator_list_searches_filters_and_sorts_in_the_cache(pool: PgPool) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let master = &server.state.config.master_key;
    let cheap = fixture::create(&pool, master, 3, "9.50".parse().unwrap())
        .await
        .unwrap();
    fixture::create(&pool, master, 2, "100.00".parse().unwrap())
        .await
        .unwrap();
    sqlx::query("UPDATE operators SET tier = 'vip', is_locked = true, locked_reason = '异常调用', locked_at = now() WHERE id = $1")
        .bind(cheap[0].operator_id)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE operators SET status = 'closed', closed_at = now() WHERE id = $1")
        .bind(cheap[1].operator_id)
        .execute(&pool)
        .await
        .unwrap();
    let m = Machine::new();
    let core = m.start(&server.base_url).await;
    let admin = synced_admin(&core).await;

    let q = |f: fn(&mut OperatorQuery)| {
        let admin = admin.clone();
        let mut q = OperatorQuery {
            limit: 100,
            ..Default::default()
        };
        f(&mut q);
        async move { admin.operators(q).await.unwrap() }
    };
    // Closed accounts are hidden unless asked for.
    assert_eq!(q(|_| {}).await.total, 5);
    assert_eq!(q(|q| q.include_closed = true).await.total, 6);
    // Balance order is numeric (9.50 < 100.00), not textual.
    let by_balance = q(|q| q.sort = OperatorSort::Balance).await;
    let balances: Vec<String> = by_balance
        .items
        .iter()
        .map(|o| o.balance.to_string())
        .collect();
    assert_eq!(balances, ["0.00", "9.50", "9.50", "100.00", "100.00"]);
    let desc = q(|q| {
        q.sort = OperatorSort::Balance;
        q.descending = true;
    })
    .await;
    assert_eq!(desc.items[0].balance.to_string(), "100.00");
    // Search matches username, name, phone or email; pattern characters are literal.
    assert_eq!(q(|q| q.search = Some("uat_op".into())).await.total, 1);
    assert_eq!(
        q(|q| q.search = Some("13800138000".into())).await.items[0].username,
        "uat_operator"
    );
    assert_eq!(q(|q| q.search = Some("%".into())).await.total, 0);
    // Tier and lock filters.
    let vip = q(|q| q.tier = Some(mr_domain::Tier::Vip)).await;
    assert_eq!(
        vip.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        [cheap[0].operator_id]
    );
    let locked = q(|q| q.locked = Some(true)).await;
    assert_eq!(locked.items[0].locked_reason.as_deref(), Some("异常调用"));
    // A window of the list (the page scrolls virtually).
    let window = admin
        .operators(OperatorQuery {
            offset: 2,
            limit: 2,
            sort: OperatorSort::Username,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((window.total, window.items.len()), (5, 2));
    // The picker.
    let options = admin.operator_options("fixture").await.unwrap();
    assert_eq!(options.len(), 4);
    assert!(options.windows(2).all(|w| w[0].username <= w[1].username));
    assert!(admin
        .applications()
        .await
        .unwrap()
        .iter()
        .any(|a| a.code == "fixture_arena"));
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn the_request_page_shows_offline_decisions_pending_and_refuses_a_second_one(pool: PgPool) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let op: Uuid = sqlx::query_scalar("SELECT id FROM operators WHERE username = 'uat_operator'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut requests = Vec::new();
    for (code, name) in [
        ("star_quest", "星际探索"),
        ("deep_sea", "深海探险"),
        ("sky_race", "天空竞速"),
    ] {
        let app = app(&pool, code, name).await;
        requests.push(
            sqlx::query_scalar::<_, Uuid>(
                "INSERT INTO authorization_requests (operator_id, application_id, reason)
                 VALUES ($1, $2, '新店开业') RETURNING id",
            )
            .bind(op)
            .bind(app)
            .fetch_one(&pool)
            .await
            .unwrap(),
        );
    }
    let relay = Relay::start(server.addr).await;
    let m = Machine::new();
    let core = m.start(&relay.url()).await;
    let admin = synced_admin(&core).await;
    let pending = RequestQuery {
        status: Some("pending".into()),
        offset: 0,
        limit: 20,
    };
    let page = admin.requests(pending.clone()).await.unwrap();
    assert_eq!((page.total, page.awaiting), (3, 3));
    assert_eq!(page.items[0].id, requests[0], "oldest first");
    assert_eq!(
        page.items[0].operator_username.as_deref(),
        Some("uat_operator")
    );
    assert_eq!(page.items[0].application_name.as_deref(), Some("星际探索"));

    relay.cut();
    let until = Utc::now() + Duration::days(30);
    admin
        .approve_request(requests[0], Some(until))
        .await
        .unwrap();
    admin.reject_request(requests[1], "资料不全").await.unwrap();
    let page = admin.requests(pending.clone()).await.unwrap();
    assert_eq!(page.awaiting, 1);
    let decided: Vec<(&str, bool)> = page
        .items
        .iter()
        .map(|r| (r.status.as_str(), r.pending))
        .collect();
    assert_eq!(
        decided,
        [("approved", true), ("rejected", true), ("pending", false)]
    );
    assert_eq!(page.items[0].approved_expires_at, Some(until));
    assert_eq!(page.items[1].decision_note.as_deref(), Some("资料不全"));
    // The approval shows on 授权管理 as a pending authorization from the request.
    let auths = admin.authorizations(all(20)).await.unwrap();
    assert_eq!(auths.items.len(), 1);
    assert_eq!(auths.items[0].request_id, Some(requests[0]));
    assert!(auths.items[0].pending);
    // Deciding the same request twice is refused here.
    assert_eq!(
        invalid(
            admin
                .reject_request(requests[0], "改主意了")
                .await
                .unwrap_err()
        ),
        (ErrorCode::RequestAlreadyDecided, "request_id")
    );

    relay.restore(server.addr);
    eventually(10, "the queue to drain", || async {
        let _ = admin.sync_now().await;
        admin.sync_status().await.unwrap().pending == 0
    })
    .await;
    let page = admin.requests(pending).await.unwrap();
    assert_eq!((page.total, page.awaiting), (1, 1));
    let done = admin
        .requests(RequestQuery {
            status: None,
            offset: 0,
            limit: 20,
        })
        .await
        .unwrap();
    assert!(done.items.iter().all(|r| !r.pending));
    assert_eq!(
        invalid(admin.approve_request(requests[1], None).await.unwrap_err()),
        (ErrorCode::RequestAlreadyDecided, "request_id")
    );
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn applications_created_and_repriced_offline_show_pending_then_sync(pool: PgPool) {
    use mr_core::admin_views::ApplicationInput;
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let relay = Relay::start(server.addr).await;
    let m = Machine::new();
    let core = m.start(&relay.url()).await;
    let admin = synced_admin(&core).await;
    let input = |code: &str, price: &str| ApplicationInput {
        code: code.into(),
        name: "星际探索".into(),
        description: Some("  ".into()),
        unit_price: price.into(),
        min_players: 1,
        max_players: 4,
    };
    // The form's rules answer at once, with the field.
    for (bad, field) in [
        (input("Star", "30"), "code"),
        (input("star_quest", "0"), "unit_price"),
        (input("star_quest", "1.005"), "unit_price"),
        (
            ApplicationInput {
                max_players: 0,
                ..input("star_quest", "30")
            },
            "max_players",
        ),
    ] {
        let e = admin.create_application(bad).await.unwrap_err();
        assert_eq!(invalid(e).1, field);
    }

    relay.cut();
    let app = admin
        .create_application(input("star_quest", "30"))
        .await
        .unwrap();
    assert!(app.pending);
    assert_eq!(app.unit_price.to_string(), "30.00");
    assert_eq!(app.description, None);
    assert_eq!(
        invalid(
            admin
                .create_application(input("star_quest", "9"))
                .await
                .unwrap_err()
        ),
        (ErrorCode::ApplicationCodeTaken, "code")
    );
    admin
        .update_application(app.id, input("ignored", "25.5"))
        .await
        .unwrap();
    let detail = admin.application_detail(app.id).await.unwrap();
    let h: Vec<_> = detail
        .prices
        .iter()
        .map(|p| {
            (
                p.old_price.map(|m| m.to_string()),
                p.new_price.to_string(),
                p.pending,
            )
        })
        .collect();
    assert_eq!(
        h,
        [
            (Some("30.00".into()), "25.50".into(), true),
            (None, "30.00".into(), true)
        ]
    );
    assert_eq!(
        detail.application.code, "star_quest",
        "the code never changes"
    );
    let off = admin.set_application_active(app.id, false).await.unwrap();
    assert!(!off.is_active && off.pending);

    relay.restore(server.addr);
    eventually(10, "the queue to drain", || async {
        let _ = admin.sync_now().await;
        admin.sync_status().await.unwrap().pending == 0
    })
    .await;
    assert!(admin.conflicts().await.unwrap().is_empty());
    let detail = admin.application_detail(app.id).await.unwrap();
    assert!(!detail.application.pending && !detail.application.is_active);
    assert_eq!(detail.prices.len(), 2);
    assert!(detail.prices.iter().all(|p| !p.pending));
    assert_eq!(
        detail.prices[0].changed_by_name.as_deref(),
        Some("UAT 超级管理员")
    );
    let (price, active): (String, bool) =
        sqlx::query_as("SELECT unit_price::text, is_active FROM applications WHERE id = $1")
            .bind(app.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((price.as_str(), active), ("25.50", false));
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn transactions_page_from_the_server_and_export_to_csv_and_excel(pool: PgPool) {
    use mr_core::transactions::ExportFormat;
    use mr_protocol::transactions::TransactionQuery;
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let master = &server.state.config.master_key;
    fixture::create(&pool, master, 2_345, "100.00".parse().unwrap())
        .await
        .unwrap();
    let relay = Relay::start(server.addr).await;
    let m = Machine::new();
    let core = m.start(&relay.url()).await;
    let admin = synced_admin(&core).await;

    let page = admin
        .transactions(TransactionQuery {
            limit: 20,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 20);
    assert_eq!(page.totals.count, 2_345);
    assert_eq!(page.totals.net.to_string(), "234500.00");

    // An export pages through all 2,345 rows (two requests), reporting progress.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("交易记录.csv");
    let seen = std::sync::Mutex::new(Vec::new());
    let report = admin
        .export_transactions(
            TransactionQuery::default(),
            ExportFormat::Csv,
            &csv,
            |done, total| seen.lock().unwrap().push((done, total)),
        )
        .await
        .unwrap();
    assert_eq!(report.rows, 2_345);
    assert_eq!(*seen.lock().unwrap(), [(2_000, 2_345), (2_345, 2_345)]);
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2_346, "header + rows");
    assert!(lines[0].starts_with("\u{feff}时间,运营商账号,运营商名称,类型,金额"));
    assert!(
        lines[1].contains(",调整,100.00,0.00,100.00,"),
        "{}",
        lines[1]
    );
    assert!(!dir.path().join("交易记录.csv.part").exists());

    let xlsx = dir.path().join("交易记录.xlsx");
    let report = admin
        .export_transactions(
            TransactionQuery {
                entry_type: Some("adjustment".into()),
                ..Default::default()
            },
            ExportFormat::Xlsx,
            &xlsx,
            |_, _| {},
        )
        .await
        .unwrap();
    assert_eq!(report.rows, 2_345);
    let bytes = std::fs::read(&xlsx).unwrap();
    assert_eq!(&bytes[..2], b"PK", "an Excel file is a zip");

    // Offline: a clear error, and no file.
    relay.cut();
    let gone = dir.path().join("离线.csv");
    let e = admin
        .export_transactions(
            TransactionQuery::default(),
            ExportFormat::Csv,
            &gone,
            |_, _| {},
        )
        .await
        .unwrap_err();
    assert!(e.is_offline(), "{e:?}");
    assert!(!gone.exists() && !dir.path().join("离线.csv.part").exists());
}
