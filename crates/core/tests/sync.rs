//! The sync engine against the real server (in-process), the real PostgreSQL (one fresh
//! database per test) and real SQLite cache files: bootstrap and scope, offline queueing and
//! replay, exactly-once pushes, conflicts between two devices, server-side rejections,
//! re-bootstraps and the background loop.
//!
//! The core talks to the server through a [`Relay`], a TCP forwarder on a fixed address: a
//! session keeps the server address it signed in with (and a cache filled from another address
//! is wiped), so "the server goes away and comes back" has to happen behind one address.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test -p mr-core`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use mr_core::{CoreError, OperatorOps, SiteInput};
use mr_domain::{ErrorCode, Workspace};
use mr_protocol::auth::RegisterOperatorRequest;
use mr_protocol::ipc::LogoutArgs;
use mr_protocol::sync::{
    Command, Entity, ProfileFields, PushRequest, PushResponse, SyncRow, SYNC_PROTOCOL_VERSION,
};
use mr_server::testing::TestServer;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use uuid::Uuid;

mod common;
use common::*;

fn site(name: &str) -> SiteInput {
    SiteInput {
        name: name.into(),
        ..Default::default()
    }
}

async fn insert_site(pool: &PgPool, operator: Uuid, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO sites (id, operator_id, name, address) VALUES ($1, $2, $3, '北京')")
        .bind(id)
        .bind(operator)
        .bind(name)
        .execute(pool)
        .await
        .unwrap();
    id
}

async fn insert_message(pool: &PgPool, operator: Uuid, title: &str, read: bool) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO messages (id, operator_id, kind, title, body, is_read, read_at)
         VALUES ($1, $2, 'system', $3, '内容', $4, CASE WHEN $4 THEN now() END)",
    )
    .bind(id)
    .bind(operator)
    .bind(title)
    .bind(read)
    .execute(pool)
    .await
    .unwrap();
    id
}

async fn sqlite_count(ops: &OperatorOps, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(ops.session().cache().pool())
        .await
        .unwrap()
}

async fn pg_count(pool: &PgPool, sql: &str, id: Uuid) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Syncs until `check` holds (10 s at most). The feed serves a transaction only once every
/// older transaction on the PostgreSQL cluster has finished (and tests run in parallel on one
/// cluster), so a row written a moment ago may legitimately come with a later pull.
async fn sync_until<F, Fut>(ops: &OperatorOps, what: &str, mut check: F) -> mr_core::SyncReport
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let report = ops.sync_now().await.unwrap();
        if check().await {
            return report;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not synced within 10 s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Syncs until no accepted command waits for the feed any more.
async fn sync_settled(ops: &OperatorOps) {
    sync_until(ops, "accepted effects pulled", || async {
        ops.sync_status().await.unwrap().pending == 0
    })
    .await;
}

// R-S1: the first sync brings the operator's own row, sites (not the deleted one) and
// messages, and nothing of another operator; later syncs bring edits and tombstones.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn bootstrap_pulls_the_operators_rows_and_nothing_else(pool: PgPool) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let m = Machine::new();
    let core = m.start(&server.base_url).await;
    let other = core
        .register_operator(RegisterOperatorRequest {
            username: "other_park".into(),
            password: "Other@2026pass".into(),
            display_name: "别家乐园".into(),
            contact_name: None,
            phone: "13900139000".into(),
            email: "ops@other.cn".into(),
        })
        .await
        .unwrap()
        .operator
        .id;
    let me: Uuid = sqlx::query_scalar("SELECT id FROM operators WHERE username = 'uat_operator'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let kept = insert_site(&pool, me, "朝阳店").await;
    let gone = insert_site(&pool, me, "已关闭店").await;
    sqlx::query("UPDATE sites SET is_deleted = true, deleted_at = now() WHERE id = $1")
        .bind(gone)
        .execute(&pool)
        .await
        .unwrap();
    insert_site(&pool, other, "别家店").await;
    let unread = insert_message(&pool, me, "欢迎", false).await;
    insert_message(&pool, me, "旧通知", true).await;
    insert_message(&pool, other, "别家通知", false).await;

    let (ops, id) = operator_signed_in(&core).await;
    assert_eq!(id, me);
    // Before the first sync the cache knows nothing, and says so.
    assert!(ops.sites().await.unwrap().is_empty());
    assert_eq!(ops.profile().await.unwrap(), None);
    let status = ops.sync_status().await.unwrap();
    assert_eq!((status.pending, status.conflicts), (0, 0));
    assert_eq!(status.last_synced_at, None);

    let report = sync_until(&ops, "bootstrap", || async {
        ops.profile().await.unwrap().is_some()
            && ops.sites().await.unwrap().len() == 1
            && ops.messages().await.unwrap().len() == 2
    })
    .await;
    assert!(report.up_to_date, "{report:?}");
    let profile = ops.profile().await.unwrap().expect("own row pulled");
    assert_eq!(profile.profile.username, "uat_operator");
    assert!(!profile.pending);
    let sites = ops.sites().await.unwrap();
    assert_eq!(
        sites
            .iter()
            .map(|s| (s.id, s.name.as_str(), s.pending))
            .collect::<Vec<_>>(),
        [(kept, "朝阳店", false)]
    );
    assert_eq!(sites[0].address.as_deref(), Some("北京"));
    let messages = ops.messages().await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(ops.unread_count().await.unwrap(), 1);
    assert!(messages.iter().any(|m| m.id == unread && !m.is_read));

    // Nothing of the other operator anywhere in the file.
    let foreign = format!("'{other}'");
    for sql in [
        format!("SELECT count(*) FROM sites WHERE operator_id = {foreign}"),
        format!("SELECT count(*) FROM messages WHERE operator_id = {foreign}"),
        format!("SELECT count(*) FROM operator_profile WHERE id = {foreign}"),
        format!("SELECT count(*) FROM sites WHERE id = '{gone}'"),
    ] {
        assert_eq!(sqlite_count(&ops, &sql).await, 0, "{sql}");
    }
    assert_eq!(
        sqlite_count(&ops, "SELECT count(*) FROM operator_profile").await,
        1
    );

    let status = ops.sync_status().await.unwrap();
    assert!(status.online);
    assert!(status.last_synced_at.is_some());
    assert_eq!(status.last_error, None);
    let cursor = ops
        .session()
        .sync_cursor()
        .await
        .unwrap()
        .expect("cursor stored");

    // Nothing new: an empty page, the cursor stays.
    let report = ops.sync_now().await.unwrap();
    assert_eq!((report.changes, report.up_to_date), (0, true));
    assert_eq!(ops.session().sync_cursor().await.unwrap(), Some(cursor));

    // Edits, logical deletes and new rows made on the server arrive.
    sqlx::query("UPDATE sites SET is_deleted = true, deleted_at = now() WHERE id = $1")
        .bind(kept)
        .execute(&pool)
        .await
        .unwrap();
    let renamed = insert_site(&pool, me, "海淀店").await;
    sqlx::query("UPDATE messages SET is_read = true, read_at = now() WHERE id = $1")
        .bind(unread)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE operators SET display_name = '改名乐园' WHERE id = $1")
        .bind(me)
        .execute(&pool)
        .await
        .unwrap();
    sync_until(&ops, "server-side edits", || async {
        ops.profile().await.unwrap().unwrap().profile.display_name == "改名乐园"
            && ops.unread_count().await.unwrap() == 0
            && ops
                .sites()
                .await
                .unwrap()
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
                == [renamed]
    })
    .await;

    // The admin workspace syncs its own scope: operators as staff see them, never sites.
    login(&core, Workspace::Admin, "uat_admin", UAT_PASSWORD).await;
    let admin = core.admin().await.unwrap();
    assert!(admin.sync_now().await.unwrap().up_to_date);
    let status = admin.sync_status().await.unwrap();
    assert_eq!((status.pending, status.last_error), (0, None));
    let counts = admin.session().mirror_counts().await.unwrap();
    assert!(
        counts
            .iter()
            .any(|(e, n)| *e == Entity::OperatorAccount && *n >= 1),
        "{counts:?}"
    );
    assert!(counts
        .iter()
        .all(|(e, _)| !matches!(e, Entity::Site | Entity::Message | Entity::Operator)));
}

async fn grant(pool: &PgPool, operator: Uuid, code: &str) -> (Uuid, Uuid) {
    let app: Uuid = sqlx::query_scalar(
        "INSERT INTO applications (code, name, unit_price, min_players, max_players)
         VALUES ($1, '星际迷航', 12.50, 1, 4) RETURNING id",
    )
    .bind(code)
    .fetch_one(pool)
    .await
    .unwrap();
    let auth: Uuid = sqlx::query_scalar(
        "INSERT INTO authorizations (operator_id, application_id) VALUES ($1, $2) RETURNING id",
    )
    .bind(operator)
    .bind(app)
    .fetch_one(pool)
    .await
    .unwrap();
    (app, auth)
}

async fn held(session: &mr_core::ActiveSession, entity: Entity) -> Vec<SyncRow> {
    session.mirror_rows(entity).await.unwrap()
}

// Issue "Sync engine", item 2: what a user may see changes → rows leave the cache. An
// operator's revoked authorization goes (tombstone); a staff member's role change rebuilds the
// whole mirror under the new scope (epoch), keeping nothing of the old one.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_revocation_or_a_role_change_takes_rows_out_of_the_cache(pool: PgPool) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let m = Machine::new();
    let core = m.start(&server.base_url).await;
    let (ops, me) = operator_signed_in(&core).await;
    let (app, auth) = grant(&pool, me, "space_trek").await;
    sync_until(&ops, "authorization arrives", || async {
        held(ops.session(), Entity::Authorization).await.len() == 1
    })
    .await;
    match &held(ops.session(), Entity::Application).await[..] {
        [SyncRow::Application(a)] => {
            assert_eq!((a.id, a.unit_price.to_string().as_str()), (app, "12.50"))
        }
        other => panic!("{other:?}"),
    }
    sqlx::query(
        "UPDATE authorizations SET status = 'revoked', revoked_at = now(), revoke_reason = '到期'
         WHERE id = $1",
    )
    .bind(auth)
    .execute(&pool)
    .await
    .unwrap();
    sync_until(&ops, "revocation leaves the cache", || async {
        held(ops.session(), Entity::Authorization).await.is_empty()
    })
    .await;

    // An analyst sees aggregates only; promoted to admin, the cache is rebuilt as an admin's.
    let hash = mr_server::auth::password::hash("Staff123456").unwrap();
    sqlx::query(
        "INSERT INTO staff_users (username, password_hash, display_name, role)
         VALUES ('core_analyst', $1, '分析员', 'analyst')",
    )
    .bind(hash)
    .execute(&pool)
    .await
    .unwrap();
    login(&core, Workspace::Admin, "core_analyst", "Staff123456").await;
    let admin = core.admin().await.unwrap();
    let report = admin.sync_now().await.unwrap();
    assert!(report.up_to_date);
    let entities =
        |counts: Vec<(Entity, i64)>| counts.into_iter().map(|(e, _)| e).collect::<Vec<_>>();
    assert_eq!(
        entities(admin.session().mirror_counts().await.unwrap()),
        vec![Entity::Application]
    );
    sqlx::query("UPDATE staff_users SET role = 'admin' WHERE username = 'core_analyst'")
        .execute(&pool)
        .await
        .unwrap();
    let report = admin.sync_now().await.unwrap();
    assert!(report.rebootstrapped, "{report:?}");
    let now = entities(admin.session().mirror_counts().await.unwrap());
    assert!(
        now.contains(&Entity::OperatorAccount) && now.contains(&Entity::Authorization),
        "{now:?}"
    );
    match held(admin.session(), Entity::Authorization).await.first() {
        Some(SyncRow::Authorization(a)) => {
            assert_eq!((a.id, a.status.as_str()), (auth, "revoked"));
            assert_eq!(a.revoke_reason.as_deref(), Some("到期"));
        }
        other => panic!("{other:?}"),
    }
}

// R-D3, R-S2: with the server gone, changes are queued and shown as pending; when it is back,
// one sync applies them all, in order, and the badge returns to synced.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn offline_commands_apply_in_order_once_the_server_is_back(pool: PgPool) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let relay = Relay::start(server.addr).await;
    let m = Machine::new();
    let core = m.start(&relay.url()).await;
    let (ops, me) = operator_signed_in(&core).await;
    let message = insert_message(&pool, me, "欢迎", false).await;
    sync_until(&ops, "bootstrap", || async {
        ops.profile().await.unwrap().is_some() && ops.messages().await.unwrap().len() == 1
    })
    .await;
    let before = ops.profile().await.unwrap().unwrap().profile;

    server.kill();
    relay.cut();

    let a = ops.create_site(site("一号店")).await.unwrap();
    assert!(a.pending);
    assert_eq!(a.operator_id, me);
    let a = ops
        .update_site(
            a.id,
            SiteInput {
                name: "一号旗舰店".into(),
                address: Some("上海市浦东新区".into()),
                contact_phone: Some("13800138000".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let b = ops.create_site(site("二号店")).await.unwrap();
    ops.delete_site(b.id).await.unwrap();
    let read = ops.mark_message_read(message).await.unwrap();
    assert!(read.is_read && read.pending);
    let profile = ops
        .update_profile(ProfileFields {
            display_name: "离线改名乐园".into(),
            contact_name: Some("王五".into()),
            phone: before.phone.clone(),
            email: before.email.clone(),
        })
        .await
        .unwrap()
        .unwrap();
    assert!(profile.pending);

    // The pages read the overlay: the pending changes, nothing of the deleted site.
    let sites = ops.sites().await.unwrap();
    assert_eq!(
        sites
            .iter()
            .map(|s| (s.name.as_str(), s.pending))
            .collect::<Vec<_>>(),
        [("一号旗舰店", true)]
    );
    assert_eq!(sites[0].address.as_deref(), Some("上海市浦东新区"));
    assert_eq!(ops.unread_count().await.unwrap(), 0);
    assert_eq!(
        ops.profile().await.unwrap().unwrap().profile.display_name,
        "离线改名乐园"
    );

    // Local checks use the server's rules, including names queued but not confirmed.
    let e = ops.create_site(site("一号旗舰店")).await.unwrap_err();
    assert_eq!(invalid(e), (ErrorCode::SiteNameTaken, "name"));
    let e = ops.create_site(site("  ")).await.unwrap_err();
    assert_eq!(invalid(e), (ErrorCode::ValidationFailed, "name"));
    let e = ops
        .update_site(Uuid::now_v7(), site("无"))
        .await
        .unwrap_err();
    assert_eq!(invalid(e), (ErrorCode::NotFound, "site_id"));
    let e = ops.mark_message_read(Uuid::now_v7()).await.unwrap_err();
    assert_eq!(invalid(e).0, ErrorCode::NotFound);

    // Syncing now fails as offline; everything stays queued, in order.
    let e = ops.sync_now().await.unwrap_err();
    assert!(e.is_offline(), "{e:?}");
    let status = ops.sync_status().await.unwrap();
    assert!(!status.online);
    assert_eq!(status.pending, 6);
    assert_eq!(
        status.last_error.map(|b| b.code),
        Some(ErrorCode::ServerUnreachable)
    );
    let outbox = ops.session().outbox().await.unwrap();
    assert_eq!(
        outbox
            .iter()
            .map(|e| (e.seq, e.name.as_str()))
            .collect::<Vec<_>>(),
        [
            (1, "site.create"),
            (2, "site.update"),
            (3, "site.create"),
            (4, "site.delete"),
            (5, "message.mark_read"),
            (6, "profile.update"),
        ]
    );
    assert!(outbox
        .iter()
        .all(|e| e.attempts == 1 && e.last_error.is_some()));

    // The server comes back (a new process on the same database, behind the same address).
    let server = TestServer::spawn(pool.clone()).await;
    relay.restore(server.addr);
    let report = ops.sync_now().await.unwrap();
    assert_eq!((report.pushed, report.accepted, report.rejected), (6, 6, 0));
    assert!(report.up_to_date);
    sync_settled(&ops).await;

    let status = ops.sync_status().await.unwrap();
    assert!(status.online);
    assert_eq!((status.pending, status.conflicts), (0, 0));
    assert_eq!(status.last_error, None);
    assert_eq!(sqlite_count(&ops, "SELECT count(*) FROM outbox").await, 0);
    let sites = ops.sites().await.unwrap();
    assert_eq!(
        sites
            .iter()
            .map(|s| (s.id, s.name.as_str(), s.pending))
            .collect::<Vec<_>>(),
        [(a.id, "一号旗舰店", false)]
    );
    assert_eq!(sites[0].contact_phone.as_deref(), Some("13800138000"));
    let m0 = ops.messages().await.unwrap();
    assert!(m0[0].is_read && !m0[0].pending);
    let p = ops.profile().await.unwrap().unwrap();
    assert!(!p.pending);
    assert_eq!(p.profile.display_name, "离线改名乐园");
    assert_eq!(p.profile.contact_name.as_deref(), Some("王五"));

    // On the server: applied once each, in the order they were queued.
    let applied: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT seq, name, status FROM sync_commands ORDER BY received_at, seq")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        applied
            .iter()
            .map(|(s, n, st)| (*s, n.as_str(), st.as_str()))
            .collect::<Vec<_>>(),
        [
            (1, "site.create", "accepted"),
            (2, "site.update", "accepted"),
            (3, "site.create", "accepted"),
            (4, "site.delete", "accepted"),
            (5, "message.mark_read", "accepted"),
            (6, "profile.update", "accepted"),
        ]
    );
    assert_eq!(
        pg_count(
            &pool,
            "SELECT count(*) FROM sites WHERE operator_id = $1 AND NOT is_deleted",
            me
        )
        .await,
        1
    );
    assert_eq!(
        pg_count(
            &pool,
            "SELECT count(*) FROM sites WHERE id = $1 AND is_deleted",
            b.id
        )
        .await,
        1
    );
    assert_eq!(
        pg_count(
            &pool,
            "SELECT count(*) FROM messages WHERE id = $1 AND is_read",
            message
        )
        .await,
        1
    );

    // A new command after the replay continues the sequence.
    ops.create_site(site("三号店")).await.unwrap();
    assert_eq!(ops.session().outbox().await.unwrap()[0].seq, 7);
    assert_eq!(ops.sync_now().await.unwrap().accepted, 1);
    sync_settled(&ops).await;
}

// R-S2, issue "Sync engine" tests: the server commits a push and its answer never reaches the
// device (the connection dies after the commit). The device keeps the command, sends it
// again, and the server answers from its record: applied once, no conflict.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_push_committed_whose_answer_was_lost_applies_once(pool: PgPool) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let relay = Relay::start(server.addr).await;
    let m = Machine::new();
    let core = m.start(&relay.url()).await;
    let (ops, me) = operator_signed_in(&core).await;
    ops.sync_now().await.unwrap();

    let created = ops.create_site(site("失联店")).await.unwrap();
    relay.cut();
    relay.lose_replies(true);
    relay.restore(server.addr);
    // A connection pooled before the cut may fail before the request is even sent; push until
    // one request has reached the server (every answer is lost either way).
    let q = "SELECT count(*) FROM sites WHERE operator_id = $1 AND name = '失联店'";
    for _ in 0..20 {
        let err = ops.session().push_outbox().await.unwrap_err();
        assert!(err.is_offline(), "{err:?}");
        if pg_count(&pool, q, me).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eventually(5, "the server committed the lost push", || async {
        pg_count(&pool, q, me).await == 1
    })
    .await;
    let entry = ops.session().outbox().await.unwrap().remove(0);
    assert_eq!(
        entry.status, "pending",
        "the device does not know it was applied"
    );

    relay.cut();
    relay.lose_replies(false);
    relay.restore(server.addr);
    let report = ops.sync_now().await.unwrap();
    assert_eq!((report.accepted, report.rejected), (1, 0));
    sync_settled(&ops).await;
    assert_eq!(pg_count(&pool, q, me).await, 1, "applied once");
    let sites = ops.sites().await.unwrap();
    assert!(sites.iter().any(|s| s.id == created.id && !s.pending));
    assert!(ops.conflicts().await.unwrap().is_empty());
    let duplicates: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sync_commands WHERE command_id = $1")
            .bind(entry.command_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(duplicates, 1);
}

// R-S2: a push whose answer was lost is sent again and applies once.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_resent_push_applies_once(pool: PgPool) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let m = Machine::new();
    let core = m.start(&server.base_url).await;
    let (ops, me) = operator_signed_in(&core).await;
    sync_until(&ops, "bootstrap", || async {
        ops.profile().await.unwrap().is_some()
    })
    .await;

    let created = ops.create_site(site("重发店")).await.unwrap();
    let report = ops.session().push_outbox().await.unwrap();
    assert_eq!((report.accepted, report.rejected), (1, 0));
    let entry = ops.session().outbox().await.unwrap().remove(0);
    assert_eq!(entry.status, "accepted");
    let server_cursor = entry
        .server_cursor
        .clone()
        .expect("accepted with its position");
    assert!(ops.sites().await.unwrap()[0].pending, "not pulled yet");

    // The answer "was lost": the entry is unsettled again and goes out a second time.
    sqlx::query("UPDATE outbox SET status = 'pending', server_cursor = NULL")
        .execute(ops.session().cache().pool())
        .await
        .unwrap();
    let report = ops.session().push_outbox().await.unwrap();
    assert_eq!((report.pushed, report.accepted), (1, 1));
    let again = ops.session().outbox().await.unwrap().remove(0);
    assert_eq!(
        again.server_cursor,
        Some(server_cursor.clone()),
        "the stored result"
    );

    // And once more at the wire level: the same envelope answers `duplicate`.
    let device_id = ops.session().cache().device_id().await.unwrap();
    let api = mr_core::ApiClient::new(&server.base_url, mr_core::Lang::Zh).unwrap();
    let resp: PushResponse = api
        .sync_push(
            &m.access_token(Workspace::Operator),
            &PushRequest {
                device_id,
                protocol_version: SYNC_PROTOCOL_VERSION,
                commands: vec![entry.envelope()],
            },
        )
        .await
        .unwrap();
    assert_eq!(resp.results.len(), 1);
    assert!(resp.results[0].duplicate);
    assert_eq!(
        resp.results[0].server_cursor.as_deref(),
        Some(server_cursor.as_str())
    );
    assert_eq!(resp.last_seq, 1);

    let n = pg_count(
        &pool,
        "SELECT count(*) FROM sites WHERE operator_id = $1 AND name = '重发店'",
        me,
    )
    .await;
    assert_eq!(n, 1, "applied once");
    let n = pg_count(
        &pool,
        "SELECT count(*) FROM sync_commands WHERE command_id = $1",
        entry.command_id,
    )
    .await;
    assert_eq!(n, 1);

    // The pull brings the effect; the overlay entry goes, the row stays.
    ops.session().pull_changes().await.unwrap();
    sync_settled(&ops).await;
    assert_eq!(sqlite_count(&ops, "SELECT count(*) FROM outbox").await, 0);
    let sites = ops.sites().await.unwrap();
    assert_eq!(
        sites.iter().map(|s| (s.id, s.pending)).collect::<Vec<_>>(),
        [(created.id, false)]
    );
}

// Conflicts: two devices of the same operator decide the same thing offline; the first to
// sync wins, the other's change is rolled back and explained in the conflicts panel.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn two_devices_collide_one_wins_the_other_lands_in_conflicts(pool: PgPool) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let relay = Relay::start(server.addr).await;
    let (ma, mb) = (Machine::new(), Machine::new());
    let (core_a, core_b) = (ma.start(&relay.url()).await, mb.start(&relay.url()).await);
    let (a, me) = operator_signed_in(&core_a).await;
    let (b, _) = operator_signed_in(&core_b).await;
    let shared = insert_site(&pool, me, "共用店").await;
    for ops in [&a, &b] {
        sync_until(ops, "shared site", || async {
            ops.sites().await.unwrap().iter().any(|s| s.id == shared)
        })
        .await;
    }
    assert_ne!(
        a.session().cache().device_id().await.unwrap(),
        b.session().cache().device_id().await.unwrap()
    );

    relay.cut();
    let mine_a = a.create_site(site("旗舰店")).await.unwrap();
    let mine_b = b.create_site(site("旗舰店")).await.unwrap();
    assert!(mine_a.pending && mine_b.pending);
    // Same site: A deletes it, B edits it.
    a.delete_site(shared).await.unwrap();
    b.update_site(shared, site("共用店(改)")).await.unwrap();
    assert!(b.sync_now().await.unwrap_err().is_offline());

    relay.restore(server.addr);
    let ra = a.sync_now().await.unwrap();
    assert_eq!((ra.accepted, ra.rejected), (2, 0));
    let rb = b.sync_now().await.unwrap();
    assert_eq!((rb.accepted, rb.rejected), (0, 2));
    sync_until(&b, "A's changes reach B", || async {
        b.sites().await.unwrap().len() == 1
    })
    .await;

    // B's optimistic rows are gone; it shows what the server decided.
    let sites = b.sites().await.unwrap();
    assert_eq!(
        sites
            .iter()
            .map(|s| (s.id, s.name.as_str(), s.pending))
            .collect::<Vec<_>>(),
        [(mine_a.id, "旗舰店", false)]
    );
    let status = b.sync_status().await.unwrap();
    assert_eq!((status.pending, status.conflicts), (0, 2));
    assert_eq!(status.last_error, None, "rejections are not sync failures");

    let conflicts = b.conflicts().await.unwrap();
    assert_eq!(conflicts.len(), 2);
    let taken = &conflicts[0];
    assert_eq!(taken.name, "site.create");
    assert_eq!(taken.code, Some(ErrorCode::SiteNameTaken));
    assert_eq!(taken.message, "已存在同名运营点");
    assert_eq!(taken.args["name"], "旗舰店");
    assert_eq!(taken.args["site_id"], mine_b.id.to_string());
    let gone = &conflicts[1];
    assert_eq!(
        (gone.name.as_str(), gone.code),
        ("site.update", Some(ErrorCode::NotFound))
    );
    assert_eq!(gone.message, ErrorCode::NotFound.message_zh());
    assert!(taken.seq < gone.seq);

    // Dismissing hides one from the panel (and only an open one can be dismissed).
    b.dismiss_conflict(taken.id).await.unwrap();
    let left = b.conflicts().await.unwrap();
    assert_eq!(left.iter().map(|c| c.id).collect::<Vec<_>>(), [gone.id]);
    assert_eq!(b.sync_status().await.unwrap().conflicts, 1);
    let e = b.dismiss_conflict(taken.id).await.unwrap_err();
    assert_eq!(invalid(e).0, ErrorCode::NotFound);

    // A is unaffected; the server holds one site of that name.
    assert_eq!(a.sync_status().await.unwrap().conflicts, 0);
    assert_eq!(
        pg_count(
            &pool,
            "SELECT count(*) FROM sites WHERE operator_id = $1 AND name = '旗舰店'",
            me
        )
        .await,
        1
    );
    // B's seqs were settled by the rejections: its next command continues after them.
    b.create_site(site("B 的店")).await.unwrap();
    assert_eq!(b.session().outbox().await.unwrap()[0].seq, 3);
    assert_eq!(b.sync_now().await.unwrap().accepted, 1);
    sync_settled(&b).await;
}

// A profile edit the server refuses (queued by a client with laxer rules) is rolled back and
// explained; the local form refuses the same input before queuing anything.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_profile_edit_refused_by_the_server_becomes_a_conflict(pool: PgPool) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let m = Machine::new();
    let core = m.start(&server.base_url).await;
    let (ops, _) = operator_signed_in(&core).await;
    sync_until(&ops, "bootstrap", || async {
        ops.profile().await.unwrap().is_some()
    })
    .await;
    let before = ops.profile().await.unwrap().unwrap().profile;

    let bad = ProfileFields {
        display_name: "新名字".into(),
        contact_name: None,
        phone: before.phone.clone(),
        email: "not-an-email".into(),
    };
    let e = ops.update_profile(bad.clone()).await.unwrap_err();
    assert_eq!(invalid(e), (ErrorCode::ValidationFailed, "email"));
    assert_eq!(
        ops.sync_status().await.unwrap().pending,
        0,
        "nothing queued"
    );

    ops.session()
        .queue(Command::ProfileUpdate(bad))
        .await
        .unwrap();
    let shown = ops.profile().await.unwrap().unwrap();
    assert!(shown.pending);
    assert_eq!(shown.profile.display_name, "新名字");

    let report = ops.sync_now().await.unwrap();
    assert_eq!((report.accepted, report.rejected), (0, 1));
    let shown = ops.profile().await.unwrap().unwrap();
    assert!(!shown.pending);
    assert_eq!(shown.profile, before, "the optimistic edit is gone");
    let conflicts = ops.conflicts().await.unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].name, "profile.update");
    assert_eq!(conflicts[0].code, Some(ErrorCode::ValidationFailed));
    assert_eq!(
        conflicts[0].message,
        ErrorCode::ValidationFailed.message_zh()
    );
    assert_eq!(conflicts[0].args["email"], "not-an-email");
}

// Scope changes and refused cursors rebuild the mirror; queued commands survive both.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_new_scope_or_a_refused_cursor_rebuilds_the_mirror_keeping_the_outbox(pool: PgPool) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let relay = Relay::start(server.addr).await;
    let m = Machine::new();
    let core = m.start(&relay.url()).await;
    let (ops, me) = operator_signed_in(&core).await;
    let kept = insert_site(&pool, me, "保留店").await;
    sync_until(&ops, "bootstrap", || async {
        ops.sites().await.unwrap().iter().any(|s| s.id == kept)
    })
    .await;

    // Offline: a command is queued; meanwhile the stored epoch no longer matches the server
    // and the mirror holds a row the new scope does not have.
    relay.cut();
    let queued = ops.create_site(site("排队店")).await.unwrap();
    let cache = ops.session().cache();
    cache.set_meta("sync.scope_epoch", "999").await.unwrap();
    sqlx::query(
        "INSERT INTO sites (id, operator_id, name, created_at, updated_at)
         VALUES (?, ?, '越权店', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(me.to_string())
    .execute(cache.pool())
    .await
    .unwrap();
    assert_eq!(ops.sites().await.unwrap().len(), 3);

    relay.restore(server.addr);
    let report = ops.sync_now().await.unwrap();
    assert!(report.rebootstrapped, "{report:?}");
    assert_eq!(report.accepted, 1);
    sync_settled(&ops).await;
    let mut names: Vec<_> = ops
        .sites()
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.id, s.pending))
        .collect();
    names.sort();
    let mut expected = vec![(kept, false), (queued.id, false)];
    expected.sort();
    assert_eq!(names, expected, "stray row wiped, queued command applied");
    assert_eq!(
        cache.meta("sync.scope_epoch").await.unwrap().as_deref(),
        Some("1")
    );

    // A cursor the server refuses (400 CURSOR_INVALID): wipe, bootstrap again, keep what is
    // queued.
    relay.cut();
    let later = ops.create_site(site("游标店")).await.unwrap();
    cache.set_meta("sync.cursor", "garbage").await.unwrap();
    relay.restore(server.addr);
    let report = ops.sync_now().await.unwrap();
    assert!(report.rebootstrapped, "{report:?}");
    assert_eq!(report.accepted, 1);
    sync_settled(&ops).await;
    let sites = ops.sites().await.unwrap();
    assert_eq!(sites.len(), 3);
    assert!(sites.iter().any(|s| s.id == later.id && !s.pending));
    assert_eq!(ops.sync_status().await.unwrap().pending, 0);
}

// The background loop: syncs on sign-in, right after a command is queued, retries by itself
// with backoff while the server is away, and stops on logout.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn the_background_loop_syncs_by_itself_and_stops_on_logout(pool: PgPool) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let relay = Relay::start(server.addr).await;
    let m = Machine::new();
    let core = m.start(&relay.url()).await;
    core.set_background_sync(true).await;
    let (ops, _) = operator_signed_in(&core).await;
    assert!(ops.session().background_sync_running());

    eventually(10, "first sync after sign-in", || async {
        ops.profile().await.unwrap().is_some()
    })
    .await;

    // A queued command wakes the loop (no 30 s wait).
    ops.create_site(site("自动店")).await.unwrap();
    eventually(10, "queued command synced", || async {
        ops.sync_status().await.unwrap().pending == 0
            && ops.sites().await.unwrap().iter().all(|s| !s.pending)
    })
    .await;

    // Offline: the loop fails, records it, and keeps retrying on its own timer.
    relay.cut();
    ops.create_site(site("断网店")).await.unwrap();
    eventually(10, "offline recorded", || async {
        let s = ops.sync_status().await.unwrap();
        !s.online && s.last_error.is_some() && s.pending == 1
    })
    .await;
    relay.restore(server.addr);
    eventually(20, "reconnected by itself", || async {
        let s = ops.sync_status().await.unwrap();
        s.online && s.pending == 0 && s.last_error.is_none()
    })
    .await;

    let session = core.session(Workspace::Operator).await.unwrap();
    core.logout(LogoutArgs {
        workspace: Workspace::Operator,
        wipe_cache: false,
    })
    .await
    .unwrap();
    assert!(!session.background_sync_running());

    // A restored session (app restart) starts its loop again.
    login(&core, Workspace::Operator, "uat_operator", UAT_PASSWORD).await;
    let restarted = m.start(&relay.url()).await;
    restarted.set_background_sync(true).await;
    let ops = restarted.operator().await.unwrap();
    assert!(ops.session().background_sync_running());
    let cache_file = PathBuf::from(ops.session().info().cache_file);
    assert!(cache_file.exists());
}

// Live updates: a change committed through one device, or on the server, reaches another
// online device's cache by itself. Its loop ticks every 30 s; the server's signal wakes it.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn changes_from_elsewhere_reach_an_online_device_by_themselves(pool: PgPool) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let (ma, mb) = (Machine::new(), Machine::new());
    let core_a = ma.start(&server.base_url).await;
    let core_b = mb.start(&server.base_url).await;
    core_b.set_background_sync(true).await;
    let (a, me) = operator_signed_in(&core_a).await;
    let (b, _) = operator_signed_in(&core_b).await;
    eventually(10, "B bootstrapped, change stream open", || async {
        b.profile().await.unwrap().is_some() && b.session().live_updates_connected()
    })
    .await;

    let started = std::time::Instant::now();
    let made = a.create_site(site("实时店")).await.unwrap();
    a.sync_now().await.unwrap();
    eventually(10, "A's site on B", || async {
        b.sites()
            .await
            .unwrap()
            .iter()
            .any(|s| s.id == made.id && !s.pending)
    })
    .await;
    insert_message(&pool, me, "实时通知", false).await;
    eventually(10, "the server's message on B", || async {
        b.unread_count().await.unwrap() == 1
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "well before B's 30 s tick"
    );
    assert!(!a.session().live_updates_connected(), "A runs no loop");
}

/// A server of a newer release: answers every request with 426 `PROTOCOL_UNSUPPORTED`.
async fn newer_server() -> (SocketAddr, JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let body = r#"{"code":"PROTOCOL_UNSUPPORTED","message":"客户端版本过旧，请更新应用","details":{"supported":2,"requested":1}}"#;
                let resp = format!(
                    "HTTP/1.1 426 Upgrade Required\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    });
    (addr, task)
}

// Item 1: a server that no longer speaks this app's protocol → "please update"; what is
// queued stays queued for the updated app.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn an_unsupported_protocol_asks_for_an_update_and_keeps_the_queue(pool: PgPool) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let relay = Relay::start(server.addr).await;
    let m = Machine::new();
    let core = m.start(&relay.url()).await;
    let (ops, _) = operator_signed_in(&core).await;
    ops.sync_now().await.unwrap();
    assert!(!ops.sync_status().await.unwrap().update_required);

    let (newer, _task) = newer_server().await;
    relay.cut();
    relay.restore(newer);
    let queued = ops.create_site(site("待更新店")).await.unwrap();
    let err = ops.sync_now().await.unwrap_err();
    assert!(
        matches!(&err, CoreError::Server(b) if b.code == ErrorCode::ProtocolUnsupported),
        "{err:?}"
    );
    let status = ops.sync_status().await.unwrap();
    assert!(status.update_required, "{status:?}");
    assert_eq!(status.pending, 1);
    assert!(ops
        .sites()
        .await
        .unwrap()
        .iter()
        .any(|s| s.id == queued.id && s.pending));

    // The updated app (here: the same server again) sends it, and the prompt goes away.
    relay.cut();
    relay.restore(server.addr);
    sync_settled(&ops).await;
    let status = ops.sync_status().await.unwrap();
    assert!(!status.update_required && status.pending == 0, "{status:?}");
}

// R-O12 at scale: the message centre is read a page at a time from the cache; reads queued on
// this device count as read in the page, the filter and the counts; "read all" queues them all.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn the_message_centre_pages_through_the_cache(pool: PgPool) {
    use mr_core::views::MessageQuery;
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let relay = Relay::start(server.addr).await;
    let m = Machine::new();
    let core = m.start(&relay.url()).await;
    let (ops, me) = operator_signed_in(&core).await;
    sqlx::query(
        "INSERT INTO messages (operator_id, kind, title, body, is_read, read_at, created_at)
         SELECT $1, 'system', '通知 ' || g, '内容', g % 3 = 0, CASE WHEN g % 3 = 0 THEN now() END,
                now() - make_interval(mins => 100 - g)
           FROM generate_series(1, 45) g",
    )
    .bind(me)
    .execute(&pool)
    .await
    .unwrap();
    sync_until(&ops, "45 messages", || async {
        sqlite_count(&ops, "SELECT count(*) FROM messages").await == 45
    })
    .await;
    let page = |offset, unread_only| MessageQuery {
        offset,
        limit: 20,
        unread_only,
    };
    let first = ops.message_page(page(0, false)).await.unwrap();
    assert_eq!((first.total, first.unread, first.items.len()), (45, 30, 20));
    assert_eq!(first.items[0].title, "通知 45", "newest first");
    let last = ops.message_page(page(40, false)).await.unwrap();
    assert_eq!(last.items.len(), 5);
    assert_eq!(ops.unread_count().await.unwrap(), 30);

    // Offline, one read queued: it reads as read everywhere before the server knows.
    relay.cut();
    let newest_unread = ops.message_page(page(0, true)).await.unwrap().items[0].clone();
    ops.mark_message_read(newest_unread.id).await.unwrap();
    let unread = ops.message_page(page(0, true)).await.unwrap();
    assert_eq!((unread.total, unread.unread), (29, 29));
    assert!(unread
        .items
        .iter()
        .all(|m| m.id != newest_unread.id && !m.is_read));
    let all = ops.message_page(page(0, false)).await.unwrap();
    let shown = all.items.iter().find(|m| m.id == newest_unread.id).unwrap();
    assert!(shown.is_read && shown.pending);

    assert_eq!(ops.mark_all_messages_read().await.unwrap(), 29);
    assert_eq!(ops.unread_count().await.unwrap(), 0);
    assert_eq!(
        ops.message_page(page(0, true)).await.unwrap().items.len(),
        0
    );
    assert!(ops
        .message_page(MessageQuery {
            offset: 0,
            limit: 0,
            unread_only: false
        })
        .await
        .is_err());

    relay.restore(server.addr);
    sync_settled(&ops).await;
    assert_eq!(
        pg_count(
            &pool,
            "SELECT count(*) FROM messages WHERE operator_id = $1 AND NOT is_read",
            me
        )
        .await,
        0
    );
}

/// Issue "Admin workspace", tests (b) and (c) at the core: decisions made offline queue, apply
/// when the server is back, reach the operator's cache; one another admin made first lands in
/// the conflicts panel naming who and when.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn admin_decisions_made_offline_apply_later_and_a_stale_one_becomes_a_conflict(pool: PgPool) {
    uat(&pool).await;
    let server = TestServer::spawn(pool.clone()).await;
    let relay = Relay::start(server.addr).await;
    let (m_admin, m_op) = (Machine::new(), Machine::new());
    let core = m_admin.start(&relay.url()).await;
    login(&core, Workspace::Admin, "uat_admin", UAT_PASSWORD).await;
    let admin = core.admin().await.unwrap();
    let op_core = m_op.start(&relay.url()).await;
    let (ops, me) = operator_signed_in(&op_core).await;

    let mut requests = Vec::new();
    for code in ["star_quest", "deep_sea", "sky_race"] {
        let app: Uuid = sqlx::query_scalar(
            "INSERT INTO applications (code, name, unit_price, min_players, max_players)
             VALUES ($1, $1, 20.00, 1, 4) RETURNING id",
        )
        .bind(code)
        .fetch_one(&pool)
        .await
        .unwrap();
        let req: Uuid = sqlx::query_scalar(
            "INSERT INTO authorization_requests (operator_id, application_id, reason)
             VALUES ($1, $2, '开业需要') RETURNING id",
        )
        .bind(me)
        .bind(app)
        .fetch_one(&pool)
        .await
        .unwrap();
        requests.push(req);
    }
    admin.sync_now().await.unwrap();

    // Offline: approve two, reject one; local rules answer at once.
    server.kill();
    relay.cut();
    let e = admin.reject_request(requests[2], "  ").await.unwrap_err();
    assert_eq!(invalid(e), (ErrorCode::ValidationFailed, "reason"));
    let e = admin
        .approve_request(
            requests[0],
            Some(chrono::Utc::now() - chrono::Duration::hours(1)),
        )
        .await
        .unwrap_err();
    assert_eq!(invalid(e), (ErrorCode::ValidationFailed, "expires_at"));
    admin.approve_request(requests[0], None).await.unwrap();
    admin
        .approve_request(
            requests[1],
            Some(chrono::Utc::now() + chrono::Duration::days(90)),
        )
        .await
        .unwrap();
    admin.reject_request(requests[2], "资料不全").await.unwrap();
    assert!(admin.sync_now().await.unwrap_err().is_offline());
    assert_eq!(admin.sync_status().await.unwrap().pending, 3);

    // Meanwhile another administrator, online elsewhere, rejects the second request first.
    let server = TestServer::spawn(pool.clone()).await;
    let http = reqwest::Client::new();
    let token = |user: &'static str, pw: &'static str| {
        let (http, base) = (http.clone(), server.base_url.clone());
        async move {
            let v: serde_json::Value = http
                .post(format!("{base}/api/v1/auth/login"))
                .json(
                    &serde_json::json!({ "username": user, "password": pw, "workspace": "admin" }),
                )
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["access_token"].as_str().unwrap().to_string()
        }
    };
    let root = token("uat_admin", UAT_PASSWORD).await;
    let created = http
        .post(format!("{}/api/v1/staff", server.base_url))
        .bearer_auth(&root)
        .json(
            &serde_json::json!({ "username": "admin_li", "password": "Staff123456",
                                   "display_name": "李管理", "role": "admin" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let li = token("admin_li", "Staff123456").await;
    let env = mr_protocol::sync::CommandEnvelope::new(
        Uuid::now_v7(),
        1,
        &Command::RequestReject {
            request_id: requests[1],
            reason: "暂不开放".into(),
        },
        chrono::Utc::now(),
    );
    let r = http
        .post(format!("{}/api/v1/sync/push", server.base_url))
        .bearer_auth(&li)
        .json(&PushRequest {
            device_id: Uuid::now_v7(),
            protocol_version: SYNC_PROTOCOL_VERSION,
            commands: vec![env],
        })
        .send()
        .await
        .unwrap()
        .json::<PushResponse>()
        .await
        .unwrap();
    assert!(r.results[0].code.is_none(), "{r:?}");

    // Back online: two apply, the stale one is a conflict that says who and when.
    relay.restore(server.addr);
    eventually(10, "the queue to drain", || async {
        let _ = admin.sync_now().await;
        admin.sync_status().await.unwrap().pending == 0
    })
    .await;
    let conflicts = admin.conflicts().await.unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].code, Some(ErrorCode::RequestAlreadyDecided));
    assert!(
        conflicts[0]
            .message
            .starts_with("该申请已被管理员 李管理 于 "),
        "{}",
        conflicts[0].message
    );
    let statuses: Vec<String> = sqlx::query_scalar(
        "SELECT status FROM authorization_requests WHERE id = ANY($1) ORDER BY array_position($1, id)",
    )
    .bind(&requests)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(statuses, ["approved", "rejected", "rejected"]);

    // The operator's cache shows the new authorization and every result in its messages.
    sync_until(&ops, "the decisions to reach the operator", || async {
        let auths = held(ops.session(), Entity::Authorization).await;
        let msgs = ops.messages().await.unwrap();
        let results = msgs
            .iter()
            .filter(|m| m.title.starts_with("授权申请"))
            .count();
        // One approval (ours), two rejections (ours and the other admin's).
        auths.len() == 1 && results == 3
    })
    .await;
}
