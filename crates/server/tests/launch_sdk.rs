//! The studio's view: the `mr_sdk` client against the real server — launch, end, and launch
//! tokens verified offline against the published JWKS, across a key rotation.

use mr_protocol::launch::LaunchRequest;
use mr_sdk::{Client, SdkError, TokenError, TokenVerifier};
use mr_server::launch::fixture;
use mr_server::testing::TestServer;
use sqlx::PgPool;

async fn setup(pool: PgPool) -> (TestServer, fixture::FixtureAccount) {
    let server = TestServer::spawn_with(pool.clone(), |c| {
        c.rate_limit_operator_per_min = 0;
        c.abuse_lock_enabled = false;
    })
    .await;
    let acct = fixture::create(
        &pool,
        &server.state.config.master_key,
        1,
        "100.00".parse().unwrap(),
    )
    .await
    .unwrap()
    .remove(0);
    (server, acct)
}

fn request(a: &fixture::FixtureAccount, players: i64) -> LaunchRequest {
    LaunchRequest {
        app_id: a.app_code.clone(),
        site_id: a.site_id.to_string(),
        player_count: players,
    }
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn a_launch_token_verifies_offline_and_a_tampered_one_fails(pool: PgPool) {
    let (server, acct) = setup(pool).await;
    let client = Client::new(&server.base_url, &acct.api_key).unwrap();
    let me = client.verify().await.unwrap();
    assert_eq!(me.operator_id, acct.operator_id);
    let launched = client.launch(&request(&acct, 3)).await.unwrap();
    assert_eq!(launched.total_cost.to_string(), "30.00");

    // Offline from here: the JWKS is fetched once, the server is gone.
    let verifier = TokenVerifier::fetch(&client).await.unwrap();
    server.kill();
    let claims = verifier.verify_now(&launched.launch_token).unwrap();
    assert_eq!(claims.sub, launched.session_id);
    assert_eq!(claims.operator_id, acct.operator_id);
    assert_eq!(claims.site_id, acct.site_id);
    assert_eq!(claims.app_id, fixture::APP_CODE);
    assert_eq!(claims.player_count, 3);
    assert_eq!(claims.exp, launched.token_expires_at.timestamp());

    // Tampering with the payload (more players) or the signature fails.
    let parts: Vec<&str> = launched.launch_token.split('.').collect();
    let forged_payload = {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut v: serde_json::Value =
            serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
        v["player_count"] = 1.into();
        b64.encode(serde_json::to_vec(&v).unwrap())
    };
    let forged = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
    assert!(matches!(
        verifier.verify_now(&forged),
        Err(TokenError::BadSignature)
    ));
    let mut sig = parts[2].to_string();
    let last = if sig.ends_with('A') { 'B' } else { 'A' };
    sig.pop();
    sig.push(last);
    let bad_sig = format!("{}.{}.{sig}", parts[0], parts[1]);
    assert!(verifier.verify_now(&bad_sig).is_err());
    // After its expiry the token is refused.
    assert!(matches!(
        verifier.verify(&launched.launch_token, claims.exp + 1),
        Err(TokenError::Expired { .. })
    ));
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn after_a_rotation_old_tokens_still_verify_and_new_ones_use_the_new_key(pool: PgPool) {
    let (server, acct) = setup(pool.clone()).await;
    let client = Client::new(&server.base_url, &acct.api_key).unwrap();
    client.verify().await.unwrap();
    let before = client.launch(&request(&acct, 1)).await.unwrap();
    let old_kid = server.state.launch.signer.current_kid();

    server.state.launch.signer.refresh(true).await.unwrap();
    let new_kid = server.state.launch.signer.current_kid();
    assert_ne!(old_kid, new_kid);
    let after = client.launch(&request(&acct, 1)).await.unwrap();

    let jwks = client.jwks().await.unwrap();
    let kids: Vec<&str> = jwks.keys.iter().map(|k| k.kid.as_str()).collect();
    assert!(
        kids.contains(&old_kid.as_str()) && kids.contains(&new_kid.as_str()),
        "{kids:?}"
    );
    let verifier = TokenVerifier::new(jwks);
    verifier.verify_now(&before.launch_token).unwrap();
    verifier.verify_now(&after.launch_token).unwrap();
    assert!(after.launch_token.starts_with(&{
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            r#"{{"alg":"EdDSA","typ":"JWT","kid":"{new_kid}"}}"#
        ))
    }));

    // Once the old key's tokens have all expired it leaves the JWKS.
    sqlx::query("UPDATE launch_signing_keys SET retired_at = now() - interval '1 hour', published_until = now() - interval '1 second' WHERE kid = $1")
        .bind(&old_kid)
        .execute(&pool)
        .await
        .unwrap();
    server.state.launch.signer.refresh(false).await.unwrap();
    let kids: Vec<String> = client
        .jwks()
        .await
        .unwrap()
        .keys
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids, vec![new_kid]);
}

#[sqlx::test(migrator = "mr_server::MIGRATOR")]
async fn sdk_errors_carry_the_code_and_a_retry_reuses_the_session(pool: PgPool) {
    let (server, acct) = setup(pool.clone()).await;
    let client = Client::new(&server.base_url, &acct.api_key).unwrap();
    client.verify().await.unwrap();
    match client.launch(&request(&acct, 20)).await {
        Err(SdkError::Api {
            status,
            code,
            details,
            ..
        }) => {
            assert_eq!((status, code.as_str()), (400, "PLAYER_COUNT_OUT_OF_RANGE"));
            assert_eq!(details["max"], 8);
        }
        other => panic!("{other:?}"),
    }
    let session = mr_sdk::new_session_id(acct.operator_id);
    let first = client
        .launch_with_session(&session, &request(&acct, 2))
        .await
        .unwrap();
    let again = client
        .launch_with_session(&session, &request(&acct, 2))
        .await
        .unwrap();
    assert_eq!(first, again);
    let balance: rust_decimal::Decimal =
        sqlx::query_scalar("SELECT balance FROM operators WHERE id = $1")
            .bind(acct.operator_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(balance.to_string(), "80.00");
    let ended = client.end(&session, Some(600)).await.unwrap();
    assert_eq!(ended.duration_seconds, 600);
}
