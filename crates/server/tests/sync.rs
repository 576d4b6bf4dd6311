//! The sync API on the real PostgreSQL: late commits are never skipped, scopes never leak,
//! commands apply exactly once and rejections are specific (REQUIREMENTS R-S1, R-S2).

mod common;

use std::collections::{BTreeSet, HashSet};

use chrono::Utc;
use common::*;
use mr_protocol::sync::{Command, CommandEnvelope, SiteFields};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

async fn operator(c: &Ctx, name: &str) -> (Uuid, String) {
    let r = c.register(name).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let id = r.body["operator"]["id"].as_str().unwrap().parse().unwrap();
    let (token, _) = c.tokens_pw(name, "Passw0rd!", "operator").await;
    (id, token)
}

/// Pulls until up to date; returns (changes, final cursor).
async fn pull_all(
    c: &Ctx,
    token: &str,
    mut cursor: Option<String>,
    limit: u32,
) -> (Vec<Value>, String) {
    let mut all = Vec::new();
    loop {
        let r = pull(c, token, cursor.as_deref(), limit).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        all.extend(r.body["changes"].as_array().unwrap().iter().cloned());
        cursor = Some(r.body["cursor"].as_str().unwrap().to_string());
        if r.body["up_to_date"] == true {
            return (all, cursor.unwrap());
        }
        assert_eq!(r.body["has_more"], true);
    }
}

fn site_ids(changes: &[Value]) -> Vec<Uuid> {
    changes
        .iter()
        .filter(|c| c["op"] == "upsert" && c["entity"] == "site")
        .map(|c| c["row"]["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

async fn insert_site(conn: &mut sqlx::PgConnection, operator: Uuid, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO sites (id, operator_id, name) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(operator)
        .bind(name)
        .execute(conn)
        .await
        .unwrap();
    id
}

/// A transaction holding a change open while a later one commits: a pull in between returns
/// neither, and once the first commits, the next pull returns both. Nothing is skipped.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_late_commit_with_a_lower_version_is_never_skipped(pool: PgPool) {
    let c = start(pool.clone()).await;
    let (op, token) = operator(&c, "late_one").await;
    let (_, cursor0) = pull_all(&c, &token, None, 100).await;

    // Case 1: the open transaction wrote first (lower version, lower txid).
    let mut held = pool.begin().await.unwrap();
    let early = insert_site(&mut held, op, "先写后提交").await;
    let mut other = pool.acquire().await.unwrap();
    let later = insert_site(&mut other, op, "后写先提交").await;
    let r = pull(&c, &token, Some(&cursor0), 100).await;
    let seen = site_ids(r.body["changes"].as_array().unwrap());
    assert!(
        !seen.contains(&later),
        "served past an open transaction: {r:?}"
    );
    assert!(!seen.contains(&early));
    let cursor1 = r.body["cursor"].as_str().unwrap().to_string();
    held.commit().await.unwrap();
    let (changes, cursor2) = pull_all(&c, &token, Some(cursor1), 100).await;
    let seen = site_ids(&changes);
    assert!(
        seen.contains(&early) && seen.contains(&later),
        "{changes:?}"
    );

    // Case 2: the open transaction got its id early, another commits a change, then the open
    // one writes a change with a HIGHER version and commits.
    let mut held = pool.begin().await.unwrap();
    sqlx::query("UPDATE operators SET contact_name = '占位' WHERE id = $1")
        .bind(op)
        .execute(&mut *held)
        .await
        .unwrap();
    let committed_first = insert_site(&mut other, op, "中间提交").await;
    let r = pull(&c, &token, Some(&cursor2), 100).await;
    assert!(!site_ids(r.body["changes"].as_array().unwrap()).contains(&committed_first));
    let cursor3 = r.body["cursor"].as_str().unwrap().to_string();
    let written_last = insert_site(&mut held, op, "最后写入").await;
    held.commit().await.unwrap();
    let (changes, _) = pull_all(&c, &token, Some(cursor3), 100).await;
    let seen = site_ids(&changes);
    assert!(
        seen.contains(&committed_first) && seen.contains(&written_last),
        "{changes:?}"
    );
}

/// A writing transaction held open in another database of the same cluster (transaction ids
/// are cluster-wide) does not hold this database's feed back.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_writer_in_another_database_does_not_stall_pulls(pool: PgPool) {
    let c = start(pool.clone()).await;
    let (op, token) = operator(&c, "other_db_op").await;
    let admin_url = std::env::var("DATABASE_URL").unwrap();
    let other_db = sqlx::PgPool::connect(&admin_url).await.unwrap();
    let mut elsewhere = other_db.begin().await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *elsewhere)
        .await
        .unwrap();

    let mut conn = pool.acquire().await.unwrap();
    let site = insert_site(&mut conn, op, "不受影响").await;
    let (changes, _) = pull_all(&c, &token, None, 100).await;
    assert!(
        site_ids(&changes).contains(&site),
        "stalled by another database: {changes:?}"
    );
    elsewhere.rollback().await.unwrap();
}

/// Many operators, random writes: no page for one operator ever carries another's row, and
/// each operator's pulled state equals the database.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn pulls_never_leak_between_operators(pool: PgPool) {
    use rand::{Rng, SeedableRng};
    let c = start(pool.clone()).await;
    let mut ops = Vec::new();
    for i in 0..5 {
        ops.push(operator(&c, &format!("scope_{i}")).await);
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut conn = pool.acquire().await.unwrap();
    let mut live: Vec<(Uuid, Uuid)> = Vec::new();
    for n in 0..300 {
        let (op, _) = ops[rng.gen_range(0..ops.len())];
        match rng.gen_range(0..10) {
            0..=5 => live.push((op, insert_site(&mut conn, op, &format!("site-{n}")).await)),
            6 | 7 if !live.is_empty() => {
                let (_, id) = live[rng.gen_range(0..live.len())];
                sqlx::query("UPDATE sites SET description = $2, updated_at = now() WHERE id = $1")
                    .bind(id)
                    .bind(format!("rev {n}"))
                    .execute(&mut *conn)
                    .await
                    .unwrap();
            }
            8 if !live.is_empty() => {
                let (_, id) = live.swap_remove(rng.gen_range(0..live.len()));
                sqlx::query("UPDATE sites SET is_deleted = true, deleted_at = now() WHERE id = $1")
                    .bind(id)
                    .execute(&mut *conn)
                    .await
                    .unwrap();
            }
            _ => {
                sqlx::query(
                    "INSERT INTO messages (id, operator_id, kind, title, body) VALUES ($1, $2, 'system', '通知', '内容')",
                )
                .bind(Uuid::now_v7())
                .bind(op)
                .execute(&mut *conn)
                .await
                .unwrap();
            }
        }
    }
    for (op, token) in &ops {
        let limit = rng.gen_range(3..40);
        let (changes, _) = pull_all(&c, token, None, limit).await;
        let mut state: BTreeSet<Uuid> = BTreeSet::new();
        for ch in &changes {
            if ch["op"] == "upsert" {
                let owner = if ch["entity"] == "operator" {
                    &ch["row"]["id"]
                } else {
                    &ch["row"]["operator_id"]
                };
                assert_eq!(owner.as_str().unwrap(), op.to_string(), "leaked: {ch}");
                if ch["entity"] == "site" {
                    state.insert(ch["row"]["id"].as_str().unwrap().parse().unwrap());
                }
            } else if ch["entity"] == "site" {
                state.remove(&ch["id"].as_str().unwrap().parse::<Uuid>().unwrap());
            }
        }
        let expected: BTreeSet<Uuid> = live
            .iter()
            .filter(|(o, _)| o == op)
            .map(|(_, id)| *id)
            .collect();
        assert_eq!(state, expected, "operator {op}");
    }
    // Staff scopes hold no site or message of anyone (tests/sync_scopes.rs covers them).
    let (admin, _) = c.tokens("uat_admin", "admin").await;
    let (changes, _) = pull_all(&c, &admin, None, 50).await;
    assert!(!changes.is_empty());
    assert!(changes
        .iter()
        .all(|ch| ch["entity"] != "site" && ch["entity"] != "message"));
}

fn site_cmd(id: Uuid, name: &str) -> Command {
    Command::SiteCreate(SiteFields {
        site_id: id,
        name: name.into(),
        address: Some("北京市朝阳区".into()),
        contact_name: None,
        contact_phone: Some("13800138000".into()),
        description: None,
    })
}

fn push_body(device: Uuid, cmds: &[(i64, Uuid, Command)]) -> Value {
    let commands: Vec<CommandEnvelope> = cmds
        .iter()
        .map(|(seq, id, cmd)| CommandEnvelope::new(*id, *seq, cmd, Utc::now()))
        .collect();
    json!({ "device_id": device, "protocol_version": 1, "commands": commands })
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_resent_push_applies_exactly_once(pool: PgPool) {
    let c = start(pool.clone()).await;
    let (op, token) = operator(&c, "once_only").await;
    let device = Uuid::now_v7();
    let site = Uuid::now_v7();
    let body = push_body(
        device,
        &[
            (1, Uuid::now_v7(), site_cmd(site, "一号店")),
            (
                2,
                Uuid::now_v7(),
                Command::SiteDelete {
                    site_id: Uuid::now_v7(),
                },
            ),
        ],
    );
    let first = c
        .post("/api/v1/sync/push", Some(&token), body.clone())
        .await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(first.body["last_seq"], 2);
    assert_eq!(first.body["results"][0]["status"], "accepted");
    assert!(first.body["results"][0]["server_cursor"].is_string());
    assert_eq!(first.body["results"][1]["status"], "rejected");
    assert_eq!(first.body["results"][1]["code"], "NOT_FOUND");
    assert_eq!(first.body["results"][1]["message"], "记录不存在或无权查看");

    // The response was "lost": the client sends the same batch again.
    let again = c.post("/api/v1/sync/push", Some(&token), body).await;
    assert_eq!(again.status, StatusCode::OK);
    for (a, b) in first.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .zip(again.body["results"].as_array().unwrap())
    {
        assert_eq!(b["duplicate"], true);
        assert_eq!(a["status"], b["status"]);
        assert_eq!(a["code"], b["code"]);
        assert_eq!(a["server_cursor"], b["server_cursor"]);
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sites WHERE operator_id = $1")
        .bind(op)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let records: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sync_commands WHERE device_id = $1")
            .bind(device)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(records, 2);

    // The accepted change is in the feed at or before the cursor the command reported.
    let (changes, cursor) = pull_all(&c, &token, None, 100).await;
    assert!(site_ids(&changes).contains(&site));
    let parse = |s: &str| {
        let (t, v) = s.split_once('-').unwrap();
        (t.parse::<u64>().unwrap(), v.parse::<i64>().unwrap())
    };
    assert!(parse(first.body["results"][0]["server_cursor"].as_str().unwrap()) <= parse(&cursor));
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn commands_are_rejected_with_specific_codes(pool: PgPool) {
    let c = start(pool.clone()).await;
    let (_, token) = operator(&c, "rules_op").await;
    let (_, other_token) = operator(&c, "rules_other").await;
    let device = Uuid::now_v7();
    let site = Uuid::now_v7();
    let r = c
        .post(
            "/api/v1/sync/push",
            Some(&token),
            push_body(
                device,
                &[
                    (1, Uuid::now_v7(), site_cmd(site, "旗舰店")),
                    (2, Uuid::now_v7(), site_cmd(Uuid::now_v7(), "旗舰店")),
                    (3, Uuid::now_v7(), site_cmd(Uuid::now_v7(), "  ")),
                    (
                        4,
                        Uuid::now_v7(),
                        Command::MessageMarkRead {
                            message_id: Uuid::now_v7(),
                        },
                    ),
                    (5, Uuid::now_v7(), Command::SiteDelete { site_id: site }),
                ],
            ),
        )
        .await;
    let codes: Vec<Value> = r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["code"].clone())
        .collect();
    assert_eq!(
        codes,
        [
            Value::Null,
            json!("SITE_NAME_TAKEN"),
            json!("VALIDATION_FAILED"),
            json!("NOT_FOUND"),
            Value::Null
        ],
        "{r:?}"
    );
    // Malformed args reject one command, not the batch.
    let r = c
        .post(
            "/api/v1/sync/push",
            Some(&token),
            json!({"device_id": device, "protocol_version": 1, "commands": [
                {"command_id": Uuid::now_v7(), "seq": 6, "name": "site.create", "args": {"nope": 1}, "client_created_at": Utc::now()},
                {"command_id": Uuid::now_v7(), "seq": 7, "name": "no.such.command", "args": {}, "client_created_at": Utc::now()}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["results"][0]["code"], "VALIDATION_FAILED");
    assert_eq!(r.body["results"][1]["code"], "VALIDATION_FAILED");
    assert_eq!(r.body["last_seq"], 7);

    // A gap stops the batch without settling anything after it.
    let r = c
        .post(
            "/api/v1/sync/push",
            Some(&token),
            push_body(
                device,
                &[(9, Uuid::now_v7(), site_cmd(Uuid::now_v7(), "跳号"))],
            ),
        )
        .await;
    assert_eq!(r.body["results"].as_array().unwrap().len(), 0, "{r:?}");
    assert_eq!(r.body["last_seq"], 7);

    // Another operator cannot use this device, nor touch this operator's site.
    let r = c
        .post(
            "/api/v1/sync/push",
            Some(&other_token),
            push_body(
                device,
                &[(8, Uuid::now_v7(), Command::SiteDelete { site_id: site })],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .post(
            "/api/v1/sync/push",
            Some(&other_token),
            push_body(
                Uuid::now_v7(),
                &[(1, Uuid::now_v7(), Command::SiteDelete { site_id: site })],
            ),
        )
        .await;
    assert_eq!(r.body["results"][0]["code"], "NOT_FOUND");

    // Staff cannot run operator commands.
    let (admin, _) = c.tokens("uat_admin", "admin").await;
    let r = c
        .post(
            "/api/v1/sync/push",
            Some(&admin),
            push_body(
                Uuid::now_v7(),
                &[(1, Uuid::now_v7(), site_cmd(Uuid::now_v7(), "x"))],
            ),
        )
        .await;
    assert_eq!(r.body["results"][0]["code"], "FORBIDDEN");

    // Protocol and cursor errors.
    let r = c.get("/api/v1/sync/pull?protocol_version=2", &token).await;
    assert_eq!(r.status.as_u16(), 426);
    assert_eq!(r.error_code(), "PROTOCOL_UNSUPPORTED");
    assert_eq!(
        c.get("/api/v1/sync/pull?cursor=garbage", &token)
            .await
            .error_code(),
        "CURSOR_INVALID"
    );
    let mut body = push_body(device, &[]);
    body["protocol_version"] = json!(99);
    assert_eq!(
        c.post("/api/v1/sync/push", Some(&token), body)
            .await
            .error_code(),
        "PROTOCOL_UNSUPPORTED"
    );

    // Every settled command has its audit row, and the chain is intact.
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'sync.command'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, 9);
    let broken: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_verify()")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(broken, 0);
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn deletes_arrive_as_tombstones_and_profile_edits_sync(pool: PgPool) {
    let c = start(pool.clone()).await;
    let (op, token) = operator(&c, "tomb_op").await;
    let device = Uuid::now_v7();
    let site = Uuid::now_v7();
    let msg = Uuid::now_v7();
    sqlx::query("INSERT INTO messages (id, operator_id, kind, title, body) VALUES ($1, $2, 'system', '欢迎', '你好')")
        .bind(msg)
        .bind(op)
        .execute(&pool)
        .await
        .unwrap();
    let (_, cursor) = pull_all(&c, &token, None, 100).await;
    let r = c
        .post(
            "/api/v1/sync/push",
            Some(&token),
            push_body(
                device,
                &[
                    (1, Uuid::now_v7(), site_cmd(site, "临时店")),
                    (2, Uuid::now_v7(), Command::SiteDelete { site_id: site }),
                    (
                        3,
                        Uuid::now_v7(),
                        Command::MessageMarkRead { message_id: msg },
                    ),
                    (
                        4,
                        Uuid::now_v7(),
                        Command::ProfileUpdate(mr_protocol::sync::ProfileFields {
                            display_name: "新名字乐园".into(),
                            contact_name: Some("李四".into()),
                            phone: "13900001111".into(),
                            email: "new@example.cn".into(),
                        }),
                    ),
                    (
                        5,
                        Uuid::now_v7(),
                        Command::ProfileUpdate(mr_protocol::sync::ProfileFields {
                            display_name: "x".into(),
                            contact_name: None,
                            phone: "not-a-phone".into(),
                            email: "new@example.cn".into(),
                        }),
                    ),
                ],
            ),
        )
        .await;
    let statuses: Vec<&str> = r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["accepted", "accepted", "accepted", "accepted", "rejected"],
        "{r:?}"
    );
    let (changes, _) = pull_all(&c, &token, Some(cursor), 100).await;
    let kinds: HashSet<(String, String)> = changes
        .iter()
        .map(|ch| {
            (
                ch["op"].as_str().unwrap().to_string(),
                ch["entity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("delete".into(), "site".into())),
        "{changes:?}"
    );
    let message = changes.iter().find(|ch| ch["entity"] == "message").unwrap();
    assert_eq!(message["row"]["is_read"], true);
    let profile = changes
        .iter()
        .find(|ch| ch["entity"] == "operator")
        .unwrap();
    assert_eq!(profile["row"]["display_name"], "新名字乐园");
    assert_eq!(profile["row"]["phone"], "13900001111");
    // The site was created and deleted since the cursor: only its tombstone is sent.
    assert!(!site_ids(&changes).contains(&site));
}
