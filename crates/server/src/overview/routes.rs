use axum::extract::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use mr_protocol::home::{AdminOverview, FinanceOverview, OperatorHome};

use super::service;
use crate::auth::extract::ClientMeta;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/operator/home", get(operator_home))
        .route("/api/v1/admin/overview", get(admin_overview))
        .route("/api/v1/finance/overview", get(finance_overview))
        .route(
            mr_protocol::transactions::PATH,
            get(super::transactions::handler),
        )
        .route("/api/v1/admin/alerts/{id}/ack", post(acknowledge_alert))
        .route(
            mr_protocol::statistics::PATH,
            get(super::statistics::handler),
        )
}

async fn operator_home(State(s): State<AppState>, u: AuthUser) -> ApiResult<Json<OperatorHome>> {
    service::operator_home(&s, &u).await.map(Json)
}

async fn admin_overview(State(s): State<AppState>, u: AuthUser) -> ApiResult<Json<AdminOverview>> {
    service::admin_overview(&s, &u).await.map(Json)
}

async fn finance_overview(
    State(s): State<AppState>,
    u: AuthUser,
) -> ApiResult<Json<FinanceOverview>> {
    service::finance_overview(&s, &u).await.map(Json)
}

async fn acknowledge_alert(
    State(s): State<AppState>,
    u: AuthUser,
    meta: ClientMeta,
    id: Result<Path<uuid::Uuid>, axum::extract::rejection::PathRejection>,
) -> ApiResult<StatusCode> {
    let Path(id) = id.map_err(ApiError::from)?;
    service::acknowledge_alert(&s, &u, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
