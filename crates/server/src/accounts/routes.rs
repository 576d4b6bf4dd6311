use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use mr_domain::Tier;
use mr_protocol::auth::{
    CreateStaffRequest, RegisterOperatorRequest, RegisterOperatorResponse, StaffAccount,
};
use mr_protocol::home::OperatorProfile;
use uuid::Uuid;

use super::service;
use crate::auth::extract::{AuthUser, ClientMeta};
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/operators/register", post(register))
        .route(
            "/api/v1/operators/{id}",
            get(get_operator).put(super::manage::update_operator),
        )
        .route(
            "/api/v1/staff",
            post(create_staff).get(super::manage::list_staff),
        )
}

async fn register(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<RegisterOperatorRequest>,
) -> ApiResult<(StatusCode, Json<RegisterOperatorResponse>)> {
    let r = service::create_operator(&state, &req, Tier::Trial, None, &meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(RegisterOperatorResponse {
            operator: r.profile,
            api_key: r.api_key,
        }),
    ))
}

async fn get_operator(
    State(state): State<AppState>,
    user: AuthUser,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
) -> ApiResult<Json<OperatorProfile>> {
    let Path(id) = id.map_err(ApiError::from)?;
    service::get_operator(&state, &user, id).await.map(Json)
}

async fn create_staff(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    Json(req): Json<CreateStaffRequest>,
) -> ApiResult<(StatusCode, Json<StaffAccount>)> {
    let account = service::create_staff(&state, &user, &req, &meta).await?;
    Ok((StatusCode::CREATED, Json(account)))
}
