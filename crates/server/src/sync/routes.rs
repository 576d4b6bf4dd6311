use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::routing::{get, post};
use axum::Router;
use mr_domain::error::Lang;
use mr_protocol::sync::{PullQuery, PullResponse, PushRequest, PushResponse};

use super::{pull, push};
use crate::auth::extract::{AuthUser, ClientMeta};
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::state::AppState;

pub const PUSH_MAX_BODY: usize = 4 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/sync/pull", get(pull_handler))
        // A long offline queue is a large body (1,000 commands ≈ 300 KB).
        .route(
            "/api/v1/sync/push",
            post(push_handler).layer(axum::extract::DefaultBodyLimit::max(PUSH_MAX_BODY)),
        )
        .route("/api/v1/sync/events", get(events_handler))
}

async fn pull_handler(
    State(state): State<AppState>,
    user: AuthUser,
    q: Result<Query<PullQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<PullResponse>> {
    let Query(q) = q.map_err(ApiError::from)?;
    pull::check_version(q.protocol_version)?;
    pull::pull(&state, &user, q.cursor.as_deref(), q.limit)
        .await
        .map(Json)
}

async fn push_handler(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    headers: HeaderMap,
    Json(req): Json<PushRequest>,
) -> ApiResult<Json<PushResponse>> {
    let lang = Lang::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    push::push(&state, &user, &req, lang, &meta).await.map(Json)
}

/// `GET /api/v1/sync/events`: server-sent events telling this client to pull.
async fn events_handler(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<axum::response::Response> {
    let (scope, _) = {
        let mut conn = state.pool.acquire().await?;
        super::scope::Scope::resolve(&mut conn, &user).await?
    };
    Ok(axum::response::IntoResponse::into_response(
        super::live::scope_stream(&state.live, scope),
    ))
}
