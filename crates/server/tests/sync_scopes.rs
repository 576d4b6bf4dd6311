//! Role scopes of the change feed on the real PostgreSQL (issue "Sync engine", item 2): each
//! staff role receives exactly its entities, everything of them, and nothing else; a role
//! change moves the scope epoch; a revoked authorization or a deactivated application leaves
//! an operator's cache as a tombstone while admins keep seeing it.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::Utc;
use common::*;
use mr_server::crypto::MasterKey;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

fn master() -> MasterKey {
    MasterKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").expect("test key")
}

/// Pulls until up to date: (changes, final cursor, epoch of the last page).
async fn pull_all(c: &Ctx, token: &str, mut cursor: Option<String>) -> (Vec<Value>, String, i64) {
    let mut all = Vec::new();
    loop {
        let r = pull(c, token, cursor.as_deref(), 500).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        all.extend(r.body["changes"].as_array().unwrap().iter().cloned());
        cursor = Some(r.body["cursor"].as_str().unwrap().to_string());
        if r.body["up_to_date"] == true {
            return (
                all,
                cursor.unwrap(),
                r.body["scope_epoch"].as_i64().unwrap(),
            );
        }
    }
}

/// The mirror a client would hold after applying `changes`: entity → id → row.
fn replay(changes: &[Value]) -> BTreeMap<String, BTreeMap<String, Value>> {
    let mut state: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for ch in changes {
        let entity = ch["entity"].as_str().unwrap().to_string();
        if ch["op"] == "upsert" {
            let id = ch["row"]["id"].as_str().unwrap().to_string();
            state
                .entry(entity)
                .or_default()
                .insert(id, ch["row"].clone());
        } else {
            let id = ch["id"].as_str().unwrap();
            if let Some(rows) = state.get_mut(&entity) {
                rows.remove(id);
            }
        }
    }
    state.retain(|_, rows| !rows.is_empty());
    state
}

async fn count(pool: &PgPool, sql: &str) -> usize {
    let n: i64 = sqlx::query_scalar(sql).fetch_one(pool).await.unwrap();
    n as usize
}

fn entities(state: &BTreeMap<String, BTreeMap<String, Value>>) -> BTreeSet<&str> {
    state.keys().map(String::as_str).collect()
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn each_staff_role_receives_exactly_its_scope(pool: PgPool) {
    let c = start(pool.clone()).await;
    mr_server::seed::seed_demo(&pool, &master(), Utc::now())
        .await
        .unwrap();
    let (super_admin, _) = c.tokens("uat_admin", "admin").await;
    assert_eq!(
        c.create_staff(&super_admin, "scope_analyst", "analyst")
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        c.create_staff(&super_admin, "scope_auditor", "auditor")
            .await
            .status,
        StatusCode::CREATED
    );

    // Admin: operators, catalogue and its price history, requests, authorizations,
    // announcements, daily roll-ups.
    let first = pull(&c, &super_admin, None, 50).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(first.body["has_more"], true);
    let estimate = first.body["estimated_total"].as_i64().expect("estimate");
    let (changes, _, _) = pull_all(&c, &super_admin, None).await;
    assert!(
        estimate as usize >= changes.len(),
        "{estimate} < {}",
        changes.len()
    );
    let admin = replay(&changes);
    assert_eq!(
        entities(&admin),
        BTreeSet::from([
            "announcement",
            "application",
            "application_price",
            "authorization",
            "authorization_request",
            "operator_account",
            "stat_daily"
        ])
    );
    assert_eq!(
        admin["application_price"].len(),
        count(&pool, "SELECT count(*) FROM application_price_history").await
    );
    assert_eq!(
        admin["operator_account"].len(),
        count(&pool, "SELECT count(*) FROM operators").await
    );
    assert_eq!(
        admin["application"].len(),
        count(&pool, "SELECT count(*) FROM applications").await
    );
    assert_eq!(
        admin["authorization"].len(),
        count(&pool, "SELECT count(*) FROM authorizations").await
    );
    assert_eq!(
        admin["authorization_request"].len(),
        count(&pool, "SELECT count(*) FROM authorization_requests").await
    );
    assert_eq!(
        admin["announcement"].len(),
        count(&pool, "SELECT count(*) FROM announcements").await
    );
    assert_eq!(
        admin["stat_daily"].len(),
        count(&pool, "SELECT count(*) FROM stats_daily").await
    );
    assert!(count(&pool, "SELECT count(*) FROM stats_daily").await > 0);
    // Money is a decimal string; no secret of an operator's key travels.
    let some_op = admin["operator_account"].values().next().unwrap();
    assert!(some_op["balance"].is_string(), "{some_op}");
    assert!(some_op.get("api_key_ciphertext").is_none() && some_op.get("password_hash").is_none());
    let revoked = admin["authorization"]
        .values()
        .filter(|a| a["status"] == "revoked")
        .count();
    assert_eq!(
        revoked,
        count(
            &pool,
            "SELECT count(*) FROM authorizations WHERE status = 'revoked'"
        )
        .await,
        "admins keep seeing revoked authorizations"
    );

    // Finance (accountant and auditor alike): operators, money tables, audit log.
    for user in ["uat_finance", "scope_auditor"] {
        let token = if user == "uat_finance" {
            c.tokens(user, "finance").await.0
        } else {
            c.tokens_pw(user, "Staff123456", "finance").await.0
        };
        let (changes, _, _) = pull_all(&c, &token, None).await;
        let fin = replay(&changes);
        assert_eq!(
            entities(&fin),
            BTreeSet::from([
                "audit_entry",
                "invoice",
                "ledger_entry",
                "operator_account",
                "payment_order",
                "refund"
            ]),
            "{user}"
        );
        assert_eq!(
            fin["ledger_entry"].len(),
            count(&pool, "SELECT count(*) FROM ledger_entries").await
        );
        assert_eq!(
            fin["payment_order"].len(),
            count(&pool, "SELECT count(*) FROM payment_orders").await
        );
        assert_eq!(
            fin["refund"].len(),
            count(&pool, "SELECT count(*) FROM refunds").await
        );
        assert_eq!(
            fin["invoice"].len(),
            count(&pool, "SELECT count(*) FROM invoices").await
        );
        // The audit log grows while we read (logins are audited), never shrinks.
        assert!(fin["audit_entry"].len() >= 10, "{user}");
        let entry = fin["ledger_entry"].values().next().unwrap();
        assert!(
            entry["amount"].is_string() && entry["balance_after"].is_string(),
            "{entry}"
        );
    }

    // Analyst: aggregates only (with the catalogue to name them).
    let (analyst, _) = c.tokens_pw("scope_analyst", "Staff123456", "admin").await;
    let (changes, _, _) = pull_all(&c, &analyst, None).await;
    let an = replay(&changes);
    assert_eq!(entities(&an), BTreeSet::from(["application", "stat_daily"]));
    let stat = an["stat_daily"].values().next().unwrap();
    assert!(
        stat["revenue"].is_string() && stat["sessions"].as_i64().unwrap() > 0,
        "{stat}"
    );
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_role_change_moves_the_scope_epoch_and_a_disabled_account_pulls_nothing(pool: PgPool) {
    let c = start(pool.clone()).await;
    let (super_admin, _) = c.tokens("uat_admin", "admin").await;
    c.create_staff(&super_admin, "epoch_staff", "analyst").await;
    let (token, _) = c.tokens_pw("epoch_staff", "Staff123456", "admin").await;
    let (changes, cursor, epoch) = pull_all(&c, &token, None).await;
    assert!(changes
        .iter()
        .all(|ch| ["application", "stat_daily"].contains(&ch["entity"].as_str().unwrap())));

    // Promoted to admin: a new epoch (the client rebuilds), and the admin scope from then on.
    sqlx::query("UPDATE staff_users SET role = 'admin' WHERE username = 'epoch_staff'")
        .execute(&pool)
        .await
        .unwrap();
    let r = pull(&c, &token, Some(&cursor), 100).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let new_epoch = r.body["scope_epoch"].as_i64().unwrap();
    assert_ne!(new_epoch, epoch);
    let (changes, _, again) = pull_all(&c, &token, None).await;
    assert_eq!(again, new_epoch);
    assert!(changes.iter().any(|ch| ch["entity"] == "operator_account"));

    // An unrelated edit does not move it.
    sqlx::query("UPDATE staff_users SET display_name = '改名' WHERE username = 'epoch_staff'")
        .execute(&pool)
        .await
        .unwrap();
    let r = pull(&c, &token, None, 10).await;
    assert_eq!(r.body["scope_epoch"].as_i64().unwrap(), new_epoch);

    // Moved to finance: the admin-workspace token no longer fits the account.
    sqlx::query("UPDATE staff_users SET role = 'accountant' WHERE username = 'epoch_staff'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        pull(&c, &token, None, 10).await.error_code(),
        "WRONG_WORKSPACE"
    );

    // Disabled: nothing at all.
    sqlx::query(
        "UPDATE staff_users SET role = 'admin', status = 'disabled' WHERE username = 'epoch_staff'",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(
        pull(&c, &token, None, 10).await.error_code(),
        "ACCOUNT_DISABLED"
    );

    // A closed operator's token pulls nothing either.
    let (op_token, _) = c.tokens("uat_operator", "operator").await;
    assert_eq!(pull(&c, &op_token, None, 10).await.status, StatusCode::OK);
    sqlx::query(
        "UPDATE operators SET status = 'closed', closed_at = now() WHERE username = 'uat_operator'",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(
        pull(&c, &op_token, None, 10).await.error_code(),
        "ACCOUNT_CLOSED"
    );
}

async fn new_application(pool: &PgPool, code: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO applications (code, name, unit_price, min_players, max_players)
         VALUES ($1, $1, 12.50, 1, 4) RETURNING id",
    )
    .bind(code)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn grant(pool: &PgPool, operator: Uuid, app: Uuid) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO authorizations (operator_id, application_id) VALUES ($1, $2) RETURNING id",
    )
    .bind(operator)
    .bind(app)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn revoke(pool: &PgPool, authorization: Uuid) {
    sqlx::query(
        "UPDATE authorizations SET status = 'revoked', revoked_at = now(), revoke_reason = '合同到期'
         WHERE id = $1",
    )
    .bind(authorization)
    .execute(pool)
    .await
    .unwrap();
}

/// Randomized: many operators, grants and revocations in any order, pulled in pages of any
/// size from any point. No operator ever receives another's authorization, and its replayed
/// mirror holds exactly its active ones; a revocation after a pull arrives as a tombstone.
#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn authorizations_never_leak_and_revocations_leave_the_cache(pool: PgPool) {
    use rand::{Rng, SeedableRng};
    let c = start(pool.clone()).await;
    let mut ops = Vec::new();
    for i in 0..6 {
        let name = format!("auth_scope_{i}");
        let r = c.register(&name).await;
        let id: Uuid = r.body["operator"]["id"].as_str().unwrap().parse().unwrap();
        ops.push((id, c.tokens_pw(&name, "Passw0rd!", "operator").await.0));
    }
    let mut apps = Vec::new();
    for i in 0..8 {
        apps.push(new_application(&pool, &format!("game_{i}")).await);
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    // (operator, authorization, active, application)
    let mut grants: Vec<(Uuid, Uuid, bool, Uuid)> = Vec::new();
    let mut cursors: BTreeMap<Uuid, (Option<String>, Vec<Value>)> = ops
        .iter()
        .map(|(id, _)| (*id, (None, Vec::new())))
        .collect();
    for round in 0..6 {
        for _ in 0..25 {
            let op = ops[rng.gen_range(0..ops.len())].0;
            let app = apps[rng.gen_range(0..apps.len())];
            let pair_active = grants.iter().any(|g| g.0 == op && g.2 && g.3 == app);
            if rng.gen_bool(0.7) && !pair_active {
                grants.push((op, grant(&pool, op, app).await, true, app));
            } else if let Some(g) = grants.iter_mut().filter(|g| g.2).nth(rng.gen_range(0..4)) {
                revoke(&pool, g.1).await;
                g.2 = false;
            }
        }
        // Each operator pulls on from where it was, in pages of a random size. The feed serves
        // a transaction only once every older one on the cluster has ended (tests run in
        // parallel), so "up to date" may still lag a moment: pull again until the mirror
        // matches (10 s at most). No pull may ever carry another operator's row.
        for (op, token) in &ops {
            let (cursor, history) = cursors.get_mut(op).unwrap();
            let limit = rng.gen_range(2..30);
            let expected: BTreeSet<String> = grants
                .iter()
                .filter(|(o, _, active, _)| o == op && *active)
                .map(|(_, id, _, _)| id.to_string())
                .collect();
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                loop {
                    let r = pull(&c, token, cursor.as_deref(), limit).await;
                    assert_eq!(r.status, StatusCode::OK, "{r:?}");
                    for ch in r.body["changes"].as_array().unwrap() {
                        if ch["op"] == "upsert" && ch["entity"] != "application" {
                            let owner = if ch["entity"] == "operator" {
                                &ch["row"]["id"]
                            } else {
                                &ch["row"]["operator_id"]
                            };
                            assert_eq!(owner.as_str().unwrap(), op.to_string(), "leaked: {ch}");
                        }
                        if ch["entity"] == "authorization" && ch["op"] == "upsert" {
                            assert_eq!(
                                ch["row"]["status"], "active",
                                "revoked rows are tombstones: {ch}"
                            );
                        }
                        history.push(ch.clone());
                    }
                    *cursor = Some(r.body["cursor"].as_str().unwrap().to_string());
                    if r.body["up_to_date"] == true {
                        break;
                    }
                }
                let state = replay(history);
                let held: BTreeSet<String> = state
                    .get("authorization")
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                let apps_held = state.get("application").map_or(0, BTreeMap::len);
                if (held == expected && apps_held == apps.len())
                    || tokio::time::Instant::now() > deadline
                {
                    assert_eq!(held, expected, "operator {op}, round {round}");
                    assert_eq!(apps_held, apps.len());
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    assert!(grants.iter().any(|g| !g.2), "the run revoked something");

    // A deactivated application leaves operators' caches; admins still see it, inactive.
    let (op, token) = &ops[0];
    let (cursor, _) = cursors.get(op).unwrap().clone();
    sqlx::query("UPDATE applications SET is_active = false WHERE id = $1")
        .bind(apps[0])
        .execute(&pool)
        .await
        .unwrap();
    let deleted = |changes: &[Value]| {
        changes.iter().any(|ch| {
            ch["op"] == "delete" && ch["entity"] == "application" && ch["id"] == apps[0].to_string()
        })
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    let mut from = cursor;
    while !deleted(&seen) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no tombstone for the deactivated app"
        );
        let (changes, next, _) = pull_all(&c, token, from).await;
        seen.extend(changes);
        from = Some(next);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (admin, _) = c.tokens("uat_admin", "admin").await;
    let mut state = replay(&pull_all(&c, &admin, None).await.0);
    while state["application"][&apps[0].to_string()]["is_active"] != false {
        assert!(
            tokio::time::Instant::now() < deadline,
            "admins never saw the app inactive"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        state = replay(&pull_all(&c, &admin, None).await.0);
    }
    let revoked = grants.iter().find(|g| !g.2).unwrap().1.to_string();
    assert_eq!(state["authorization"][&revoked]["status"], "revoked");
    assert_eq!(
        state["authorization"][&revoked]["revoke_reason"],
        "合同到期"
    );
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn staff_event_streams_wake_only_for_their_scope(pool: PgPool) {
    let c = start(pool.clone()).await;
    let (admin, _) = c.tokens("uat_admin", "admin").await;
    let (finance, _) = c.tokens("uat_finance", "finance").await;
    let operator: Uuid =
        sqlx::query_scalar("SELECT id FROM operators WHERE username = 'uat_operator'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let open = |token: String| {
        let http = c.http.clone();
        let url = c.url("/api/v1/sync/events");
        async move {
            let r = http.get(url).bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r
        }
    };
    let (mut a, mut f) = (open(admin).await, open(finance).await);
    let (mut abuf, mut fbuf) = (String::new(), String::new());
    let wait = Duration::from_secs(5);
    next_event(&mut a, &mut abuf, "ready", wait)
        .await
        .expect("admin ready");
    next_event(&mut f, &mut fbuf, "ready", wait)
        .await
        .expect("finance ready");

    // A site is in no staff scope: neither hears of it.
    sqlx::query("INSERT INTO sites (operator_id, name) VALUES ($1, '新店')")
        .bind(operator)
        .execute(&pool)
        .await
        .unwrap();
    let quiet = Duration::from_millis(700);
    assert!(
        next_event(&mut a, &mut abuf, "changed", quiet)
            .await
            .is_none(),
        "{abuf}"
    );
    assert!(
        next_event(&mut f, &mut fbuf, "changed", quiet)
            .await
            .is_none(),
        "{fbuf}"
    );

    // A new application: admins hear it, finance does not.
    new_application(&pool, "live_game").await;
    next_event(&mut a, &mut abuf, "changed", wait)
        .await
        .expect("admin hears the catalogue");
    assert!(
        next_event(&mut f, &mut fbuf, "changed", quiet)
            .await
            .is_none(),
        "{fbuf}"
    );

    // A balance change (an operator row): both do.
    sqlx::query("UPDATE operators SET tier = 'vip' WHERE id = $1")
        .bind(operator)
        .execute(&pool)
        .await
        .unwrap();
    next_event(&mut a, &mut abuf, "changed", wait)
        .await
        .expect("admin hears the operator");
    next_event(&mut f, &mut fbuf, "changed", wait)
        .await
        .expect("finance hears the operator");
}
