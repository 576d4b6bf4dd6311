//! `mr-headset` as a studio runs it (docs/launch-api.md, quick start): against the real server
//! and PostgreSQL, with accounts made by `mr-server fixture launch`.

use std::process::Command;

use mr_server::testing::TestServer;
use sqlx::PgPool;

const BIN: &str = env!("CARGO_BIN_EXE_mr-headset");

fn headset(base: &str, key: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.env("MR_SERVER_URL", base).env_remove("MR_API_KEY");
    if let Some(k) = key {
        cmd.env("MR_API_KEY", k);
    }
    let out = cmd.args(args).output().expect("run mr-headset");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn the_quick_start_works_end_to_end(pool: PgPool) {
    let server = TestServer::spawn_with(pool.clone(), |c| {
        c.rate_limit_operator_per_min = 0;
        c.abuse_lock_enabled = false;
    })
    .await;
    let accounts = mr_server::launch::fixture::create(
        &pool,
        &server.state.config.master_key,
        3,
        "200.00".parse().unwrap(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("accounts.jsonl");
    mr_server::launch::fixture::write_jsonl(&file, &accounts).unwrap();
    let a = &accounts[0];
    let base = server.base_url.clone();
    let key = a.api_key.clone();
    let site = a.site_id.to_string();
    let fixture_path = file.to_string_lossy().into_owned();

    let run = move |key: Option<String>, args: Vec<String>| {
        let base = base.clone();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            headset(&base, key.as_deref(), &args)
        })
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();

    let (code, out, err) = run(Some(key.clone()), s(&["verify"])).await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&site), "{out}");
    let (code, out, _) = run(Some(key.clone()), s(&["apps"])).await.unwrap();
    assert_eq!(code, 0);
    assert!(
        out.contains("fixture_arena") && out.contains("10.00"),
        "{out}"
    );

    let (code, out, err) = run(
        Some(key.clone()),
        s(&[
            "launch",
            "--app",
            "fixture_arena",
            "--site",
            &site,
            "--players",
            "2",
        ]),
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("20.00") && out.contains("180.00"), "{out}");
    let session = out
        .split_whitespace()
        .find(|w| w.starts_with(&a.operator_id.to_string()))
        .expect("the session id is printed")
        .to_string();
    let (code, out, err) = run(
        Some(key.clone()),
        s(&["end", "--session", &session, "--duration", "900"]),
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("900"), "{out}");

    // Errors come out as code and message, with a non-zero exit.
    let (code, out, err) = run(
        Some(key.clone()),
        s(&[
            "launch",
            "--app",
            "fixture_arena",
            "--site",
            &site,
            "--players",
            "50",
        ]),
    )
    .await
    .unwrap();
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("PLAYER_COUNT_OUT_OF_RANGE"), "{err}");
    let (code, _, err) = run(Some("x".repeat(64)), s(&["verify"])).await.unwrap();
    assert_eq!(code, 1);
    assert!(err.contains("INVALID_API_KEY"), "{err}");

    // The simulator over the fixture file.
    let (code, out, err) = run(
        None,
        s(&[
            "simulate",
            "--fixture",
            &fixture_path,
            "--launches",
            "30",
            "--concurrency",
            "4",
            "--end",
        ]),
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}{err}");
    let sessions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM game_sessions WHERE ended_at IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        sessions, 31,
        "30 simulated games and the one above, all ended"
    );
}
