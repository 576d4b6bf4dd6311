//! `/api/v1/auth/*` and `/api/v1/me`: parse, call the service, answer.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use mr_protocol::auth::{
    ChangePasswordRequest, ChangePasswordResponse, LoginRequest, LoginResponse, MeResponse,
    RefreshRequest,
};

use super::extract::{AuthUser, ClientMeta};
use super::service;
use crate::error::ApiResult;
use crate::json::Json;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/refresh", post(refresh))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/password", post(change_password))
        .route("/api/v1/me", get(me))
}

async fn login(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    service::login(&state, &req.username, &req.password, req.workspace, &meta)
        .await
        .map(Json)
}

async fn refresh(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<Json<LoginResponse>> {
    service::refresh(&state, &req.refresh_token).await.map(Json)
}

async fn logout(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
) -> ApiResult<StatusCode> {
    service::logout(&state, &user, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<MeResponse>> {
    service::me(&state, &user).await.map(Json)
}

async fn change_password(
    State(state): State<AppState>,
    user: AuthUser,
    meta: ClientMeta,
    Json(req): Json<ChangePasswordRequest>,
) -> ApiResult<Json<ChangePasswordResponse>> {
    let revoked_sessions = service::change_password(
        &state,
        &user,
        &req.current_password,
        &req.new_password,
        &meta,
    )
    .await?;
    Ok(Json(ChangePasswordResponse { revoked_sessions }))
}
