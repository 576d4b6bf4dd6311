//! Handlers of the headset API. Each request: IP rate limit → signed headers → request checks
//! → (launch) operator rate limit, token, charge. Every launch request is recorded (R-L11) and
//! shown to the abuse detector (R-L10), off the response path.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use mr_domain::{ErrorCode, Money};
use mr_protocol::launch::{
    check_session_id, AppsResponse, GameEndRequest, HeadsetApp, HeadsetSite, LaunchClaims,
    LaunchRequest, LaunchResponse, SessionIdRule, VerifyResponse, APPS_PATH, AUTHORIZE_PATH,
    GAME_END_PATH, HEADER_SESSION_ID, JWKS_PATH, OPENAPI_PATH, TOKEN_ISSUER, VERIFY_PATH,
};
use serde_json::json;
use uuid::Uuid;

use super::abuse::Observation;
use super::attempts::Attempt;
use super::charge::{Outcome, PendingLaunch};
use super::headset_auth::{authenticate, Headset, Lookup, Seen};
use crate::auth::extract::ClientMeta;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(AUTHORIZE_PATH, post(authorize))
        .route(GAME_END_PATH, post(game_end))
        .route(VERIFY_PATH, get(verify))
        .route(APPS_PATH, get(apps))
        .route(JWKS_PATH, get(jwks))
        .route(OPENAPI_PATH, get(openapi))
}

/// The headset-facing endpoints as OpenAPI 3.0 (what studios generate clients from, and what
/// the schema-driven fuzz test in `make test` sends requests from).
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI,
    )
        .into_response()
}

fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// Caps what a caller's free text may put into the attempt log.
fn clip(s: &str) -> String {
    s.chars().take(128).collect()
}

/// R-L9: requests per client IP (every headset call), then — for launches — per operator.
async fn rate_limit(state: &AppState, key: &str, limit: u32) -> ApiResult<()> {
    if limit == 0 {
        return Ok(());
    }
    let hit = state.launch.counters.incr(&[(key, 60)], unix_now()).await[0];
    if hit.count > u64::from(limit) {
        let mut e = ApiError::with(
            ErrorCode::RateLimitExceeded,
            json!({ "limit_per_minute": limit, "retry_after_seconds": hit.resets_in }),
        );
        e.retry_after = Some(hit.resets_in.max(1));
        return Err(e);
    }
    Ok(())
}

async fn ip_limit(state: &AppState, meta: &ClientMeta) -> ApiResult<()> {
    let ip = meta.ip.as_deref().unwrap_or("unknown");
    rate_limit(
        state,
        &format!("ip:{ip}"),
        state.config.rate_limit_ip_per_min,
    )
    .await
}

/// Records the attempt and feeds the abuse detector, without delaying the response.
fn after(
    state: &AppState,
    meta: &ClientMeta,
    seen: &Seen,
    req: Option<&LaunchRequest>,
    session_id: Option<&str>,
    result: Result<(), &ApiError>,
) {
    let code = result.err().map(|e| e.code);
    let status = code.map_or(200, |c| c.http_status());
    state.launch.attempts.record(Attempt {
        operator_id: seen.operator_id,
        api_key_hash: seen.key_hash.clone(),
        site_ref: req.map(|r| clip(&r.site_id)),
        app_code: req.map(|r| clip(&r.app_id)),
        player_count: req.and_then(|r| i32::try_from(r.player_count).ok()),
        session_id: session_id.map(clip),
        result: code.map_or("OK", |c| c.as_str()),
        http_status: i16::try_from(status).unwrap_or(500),
        client_ip: meta.ip.clone(),
        at: chrono::Utc::now(),
    });
    observe(state, meta, seen, code);
}

fn observe(state: &AppState, meta: &ClientMeta, seen: &Seen, code: Option<ErrorCode>) {
    // Off (e.g. for a load test): no task per request at all.
    if !state.launch.abuse.enabled() {
        return;
    }
    let Some(ip) = meta.ip.clone() else { return };
    let guard = state.launch.abuse.clone();
    let o = Observation {
        ip,
        key_tag: seen.key_tag(),
        operator_id: seen.operator_id,
        result: code,
    };
    tokio::spawn(async move { guard.observe(o).await });
}

async fn authorize(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut seen = Seen::default();
    let session_id = headers
        .get(HEADER_SESSION_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // Parsed once: the launch needs it after the signature check, the attempt log always.
    let parsed: Result<LaunchRequest, serde_json::Error> = serde_json::from_slice(&body);
    let r = launch(
        &state,
        &meta,
        &headers,
        &body,
        parsed.as_ref(),
        session_id.as_deref(),
        &mut seen,
    )
    .await;
    after(
        &state,
        &meta,
        &seen,
        parsed.as_ref().ok(),
        session_id.as_deref(),
        r.as_ref().map(|_| ()),
    );
    match r {
        Ok(resp) => Json(resp).into_response(),
        Err(e) => e.into_response(),
    }
}

fn invalid_session(rule: SessionIdRule) -> ApiError {
    ApiError::with(
        ErrorCode::InvalidParams,
        json!({ "field": "X-Session-ID", "rule": rule.name(), "reason": rule.explain() }),
    )
}

async fn launch(
    state: &AppState,
    meta: &ClientMeta,
    headers: &HeaderMap,
    body: &[u8],
    req: Result<&LaunchRequest, &serde_json::Error>,
    session_id: Option<&str>,
    seen: &mut Seen,
) -> ApiResult<LaunchResponse> {
    ip_limit(state, meta).await?;
    let headset = authenticate(
        state,
        headers,
        "POST",
        AUTHORIZE_PATH,
        body,
        seen,
        Lookup::Cached,
    )
    .await?;
    let now = chrono::Utc::now();
    let session_id = session_id.ok_or_else(|| invalid_session(SessionIdRule::Missing))?;
    check_session_id(session_id, headset.operator_id, now.timestamp_millis())
        .map_err(invalid_session)?;
    let req = req.map_err(|e| {
        ApiError::with(
            ErrorCode::InvalidParams,
            json!({ "field": "body", "rule": "body_shape", "reason": format!("body must be {{\"app_id\", \"site_id\", \"player_count\"}}: {e}") }),
        )
    })?;
    if req.app_id.trim().is_empty() || req.app_id.len() > 64 {
        return Err(ApiError::with(
            ErrorCode::InvalidParams,
            json!({ "field": "app_id", "rule": "app_id_format", "reason": "app_id is the application's code" }),
        ));
    }
    let site_id = Uuid::try_parse(req.site_id.trim()).map_err(|_| site_not_found(&req.site_id))?;
    let Ok(players) = i32::try_from(req.player_count) else {
        return Err(ApiError::with(
            ErrorCode::PlayerCountOutOfRange,
            json!({ "requested": req.player_count }),
        ));
    };
    rate_limit(
        state,
        &format!("op:{}", headset.operator_id),
        state.config.rate_limit_operator_per_min,
    )
    .await?;

    let ttl = chrono::Duration::from_std(state.launch.signer.ttl)
        .unwrap_or_else(|_| chrono::Duration::minutes(15));
    let claims = LaunchClaims {
        iss: TOKEN_ISSUER.into(),
        sub: session_id.to_string(),
        operator_id: headset.operator_id,
        site_id,
        app_id: req.app_id.clone(),
        player_count: players,
        iat: now.timestamp(),
        exp: (now + ttl).timestamp(),
    };
    let token = state.launch.signer.sign(&claims);
    let outcome = state
        .launch
        .charger
        .charge(PendingLaunch {
            session_id: session_id.to_string(),
            operator_id: headset.operator_id,
            key_hash: headset.key_hash.clone(),
            site_id,
            app_code: req.app_id.clone(),
            player_count: players,
            token,
            at: now,
            ip: meta.ip.clone(),
            request_id: meta.request_id.clone(),
        })
        .await?;
    respond(session_id, req, outcome)
}

fn site_not_found(site: &str) -> ApiError {
    ApiError::with(
        ErrorCode::ResourceNotFound,
        json!({ "resource": "site", "site_id": clip(site) }),
    )
}

fn money(d: Option<rust_decimal::Decimal>) -> ApiResult<Money> {
    d.and_then(|d| Money::from_decimal(d).ok())
        .ok_or_else(|| ApiError::internal("launch", "missing money in outcome"))
}

fn respond(session_id: &str, req: &LaunchRequest, o: Outcome) -> ApiResult<LaunchResponse> {
    let fail = |code: ErrorCode, details: serde_json::Value| Err(ApiError::with(code, details));
    match o.code.as_str() {
        "OK" | "REPEAT" => {
            let token = o
                .launch_token
                .ok_or_else(|| ApiError::internal("launch", "no token"))?;
            let authorized_at = o
                .authorized_at
                .ok_or_else(|| ApiError::internal("launch", "no time"))?;
            Ok(LaunchResponse {
                session_id: session_id.to_string(),
                token_expires_at: super::signer::token_expiry(&token).unwrap_or(authorized_at),
                launch_token: token,
                app_id: o.app_code.unwrap_or_else(|| req.app_id.clone()),
                app_name: o.app_name.unwrap_or_default(),
                site_id: o.site_id.unwrap_or_default(),
                player_count: o.player_count.unwrap_or_default(),
                unit_price: money(o.unit_price)?,
                total_cost: money(o.total_cost)?,
                balance_after: money(o.balance)?,
                authorized_at,
            })
        }
        "INVALID_API_KEY" => fail(
            ErrorCode::InvalidApiKey,
            json!({ "reason": "unknown or reset API key" }),
        ),
        "OPERATOR_LOCKED" => fail(ErrorCode::OperatorLocked, json!({})),
        "RESOURCE_NOT_FOUND" => Err(site_not_found(&req.site_id)),
        "APP_NOT_AUTHORIZED" => fail(
            ErrorCode::AppNotAuthorized,
            json!({ "app_id": clip(&req.app_id) }),
        ),
        "PLAYER_COUNT_OUT_OF_RANGE" => fail(
            ErrorCode::PlayerCountOutOfRange,
            json!({ "min": o.min_players, "max": o.max_players, "requested": req.player_count }),
        ),
        "INSUFFICIENT_BALANCE" => fail(
            ErrorCode::InsufficientBalance,
            json!({
                "balance": o.balance.map(|d| d.to_string()),
                "cost": o.total_cost.map(|d| d.to_string()),
            }),
        ),
        other => Err(ApiError::internal(
            "launch",
            format!("unknown outcome {other}"),
        )),
    }
}

async fn game_end(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut seen = Seen::default();
    let r = async {
        ip_limit(&state, &meta).await?;
        let headset = authenticate(
            &state,
            &headers,
            "POST",
            GAME_END_PATH,
            &body,
            &mut seen,
            Lookup::Database,
        )
        .await?;
        let req: GameEndRequest = serde_json::from_slice(&body).map_err(|e| {
            ApiError::with(
                ErrorCode::InvalidParams,
                json!({ "field": "body", "rule": "body_shape", "reason": format!("body must be {{\"session_id\", \"duration_seconds\"?}}: {e}") }),
            )
        })?;
        super::ending::report(&state.pool, headset.operator_id, &req).await
    }
    .await;
    observe(&state, &meta, &seen, r.as_ref().err().map(|e| e.code));
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The set-up calls share the signed-header checks.
async fn setup_call(
    state: &AppState,
    meta: &ClientMeta,
    headers: &HeaderMap,
    path: &str,
) -> ApiResult<Headset> {
    let mut seen = Seen::default();
    let r = async {
        ip_limit(state, meta).await?;
        authenticate(
            state,
            headers,
            Method::GET.as_str(),
            path,
            b"",
            &mut seen,
            Lookup::Database,
        )
        .await
    }
    .await;
    // Successes count too: R-L10's "different API keys from one IP" includes valid ones.
    observe(state, meta, &seen, r.as_ref().err().map(|e| e.code));
    r
}

async fn verify(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
) -> ApiResult<Json<VerifyResponse>> {
    let h = setup_call(&state, &meta, &headers, VERIFY_PATH).await?;
    let sites: Vec<(Uuid, String, Option<String>)> = sqlx::query_as(
        "SELECT id, name, address FROM sites WHERE operator_id = $1 AND NOT is_deleted
          ORDER BY name, id",
    )
    .bind(h.operator_id)
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(VerifyResponse {
        operator_id: h.operator_id,
        operator_name: h.operator_name,
        sites: sites
            .into_iter()
            .map(|(site_id, name, address)| HeadsetSite {
                site_id,
                name,
                address,
            })
            .collect(),
    }))
}

type AppRow = (
    String,
    String,
    Option<String>,
    rust_decimal::Decimal,
    i32,
    i32,
    Option<chrono::DateTime<chrono::Utc>>,
);

async fn apps(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
) -> ApiResult<Json<AppsResponse>> {
    let h = setup_call(&state, &meta, &headers, APPS_PATH).await?;
    let rows: Vec<AppRow> = sqlx::query_as(
        "SELECT a.code, a.name, a.description, a.unit_price, a.min_players, a.max_players, z.expires_at
           FROM authorizations z JOIN applications a ON a.id = z.application_id
          WHERE z.operator_id = $1 AND z.status = 'active' AND a.is_active
            AND (z.expires_at IS NULL OR z.expires_at > now())
          ORDER BY a.name, a.code",
    )
    .bind(h.operator_id)
    .fetch_all(&state.pool)
    .await?;
    let mut apps = Vec::with_capacity(rows.len());
    for (code, name, description, price, min, max, expires) in rows {
        apps.push(HeadsetApp {
            app_id: code,
            name,
            description,
            unit_price: money(Some(price))?,
            min_players: min,
            max_players: max,
            authorization_expires_at: expires,
        });
    }
    Ok(Json(AppsResponse { apps }))
}

async fn jwks(State(state): State<AppState>) -> Response {
    let mut resp = Json(state.launch.signer.jwks()).into_response();
    // Short enough that a rotation reaches headsets well before the old key leaves the set.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    resp
}
