//! The router: every area's routes plus the layers every request passes through.

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use mr_domain::error::Lang;
use mr_domain::ErrorCode;
use mr_protocol::ErrorBody;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::error::{ApiError, ErrorMarker};
use crate::state::AppState;

pub fn build_router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    // R-P4: the sandbox gateway answers on this server only in sandbox mode (never in
    // production: the configuration refuses it there).
    let sandbox = match state.config.payments.sandbox {
        true => sandbox_gateways(),
        false => Router::new(),
    };
    Router::new()
        .merge(crate::health::router())
        .merge(crate::auth::routes::router())
        .merge(crate::accounts::routes::router())
        .merge(crate::accounts::security::router())
        .merge(crate::accounts::manage::router())
        .merge(crate::payments::router())
        .merge(crate::overview::routes::router())
        .merge(crate::sync::routes::router())
        .merge(crate::launch::routes::router())
        .route("/metrics", get(metrics))
        .fallback(|| async { ApiError::new(ErrorCode::RouteNotFound) })
        .method_not_allowed_fallback(|| async { ApiError::new(ErrorCode::MethodNotAllowed) })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(record_metrics))
        .layer(middleware::from_fn(error_bodies))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::new(ErrorCode::InternalError).into_response()
        }))
        .layer(
            TraceLayer::new_for_http()
                .on_response(DefaultOnResponse::new().level(Level::INFO))
                .make_span_with(|req: &Request| {
                    let request_id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        uri = %req.uri().path(),
                        request_id,
                        user_id = tracing::field::Empty,
                    )
                }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
        .merge(sandbox)
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

async fn record_metrics(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    // The route template, not the raw path, so ids do not explode the label space.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("mr_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("mr_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed());
    resp
}

/// The sandbox Alipay and WeChat Pay gateways (R-P4), each with its public test keys.
fn sandbox_gateways() -> Router {
    use crate::payments::{sandbox_alipay, sandbox_wechat, settings};
    use std::sync::Arc;
    let mut r = Router::new();
    match settings::sandbox_gateway() {
        Ok(gw) => r = r.merge(sandbox_alipay::router(Arc::new(gw))),
        Err(e) => tracing::error!(error = %e, "the sandbox Alipay gateway's keys"),
    }
    match settings::sandbox_wechat_gateway() {
        Ok(gw) => r = r.merge(sandbox_wechat::router(Arc::new(gw))),
        Err(e) => tracing::error!(error = %e, "the sandbox WeChat Pay gateway's keys"),
    }
    r
}

/// Marks a failing response whose body a third party's protocol prescribes: left alone below.
#[derive(Debug, Clone, Copy)]
pub struct ProtocolBody;

/// Every failing response leaves here as `{"code","message","details"}` in the caller's language,
/// including failures produced outside our handlers (body limits, panics, timeouts).
async fn error_bodies(req: Request, next: Next) -> Response {
    let lang = Lang::from_accept_language(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    // A channel's protocol answer (e.g. WeChat Pay's `{"code":"FAIL"}`) goes out as written.
    if resp.extensions().get::<ProtocolBody>().is_some() {
        return resp;
    }
    let marker = resp.extensions().get::<ErrorMarker>().cloned();
    let (code, details) = match marker {
        // Already our body, already in Chinese: only label the language.
        Some(_) if lang == Lang::Zh => {
            let mut resp = resp;
            resp.headers_mut()
                .insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("zh-CN"));
            return resp;
        }
        Some(m) => (m.code, m.details),
        None => (fallback_code(status), serde_json::json!({})),
    };
    let body = ErrorBody::new(code, code.message(lang)).with_details(details.clone());
    let mut out = (status, axum::Json(body)).into_response();
    for name in [
        header::RETRY_AFTER,
        header::HeaderName::from_static("x-request-id"),
    ] {
        if let Some(v) = resp.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(if lang == Lang::En { "en" } else { "zh-CN" }),
    );
    out.extensions_mut().insert(ErrorMarker { code, details });
    out
}

fn fallback_code(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        StatusCode::NOT_FOUND => ErrorCode::RouteNotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimitExceeded,
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => {
            ErrorCode::ServiceUnavailable
        }
        s if s.is_client_error() => ErrorCode::InvalidParams,
        _ => ErrorCode::InternalError,
    }
}
