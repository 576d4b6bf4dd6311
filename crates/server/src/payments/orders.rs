//! Recharge orders (R-O3): an operator asks to pay an amount through a channel; the server
//! records the order, asks the channel for a QR code and answers with both. A channel that
//! cannot be reached leaves the order `failed` (never half-made) and answers 503
//! `PAYMENT_UNAVAILABLE` (R-P5).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use mr_domain::{ErrorCode, Money, Permission};
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

use mr_protocol::payments::{CreateRecharge, RechargeChannel, RechargeOptions, RechargeOrder};

use super::alipay_client::ChannelError;
use super::channel::Gateway;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::state::AppState;

pub const PATH: &str = mr_protocol::payments::ORDERS_PATH;
/// How long a QR code may be paid.
const PAY_WITHIN_MINUTES: i64 = 15;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(PATH, post(create))
        .route("/api/v1/payments/orders/{id}", get(read))
        .route(mr_protocol::payments::OPTIONS_PATH, get(options))
}

/// What the recharge page offers: the channels configured here, the limits, and whether they
/// are the sandbox (the app marks it 沙箱).
async fn options(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<RechargeOptions>> {
    user.require(Permission::OperatorSelfService)?;
    let c = &state.config.payments;
    Ok(Json(RechargeOptions {
        channels: vec![
            RechargeChannel {
                channel: "alipay".into(),
                available: c.alipay.is_some(),
            },
            RechargeChannel {
                channel: "wechat".into(),
                available: c.wechat.is_some(),
            },
        ],
        min_amount: mr_protocol::payments::MIN_AMOUNT.into(),
        max_amount: mr_protocol::payments::MAX_AMOUNT.into(),
        sandbox: c.sandbox,
        pay_within_minutes: PAY_WITHIN_MINUTES,
    }))
}

fn invalid(field: &str, reason: &str) -> ApiError {
    ApiError::with(
        ErrorCode::ValidationFailed,
        json!({ "field": field, "reason": reason }),
    )
}

/// 1.00 to 50,000.00 yuan, at most two decimals (`mr_domain::payment`).
fn amount(raw: &str) -> ApiResult<Decimal> {
    mr_domain::payment::recharge_amount(raw).map_err(|e| invalid("amount", e.reason()))
}

fn unavailable(reason: String) -> ApiError {
    ApiError::with(ErrorCode::PaymentUnavailable, json!({ "reason": reason }))
}

type OrderRow = (
    Uuid,
    String,
    String,
    Decimal,
    String,
    Option<String>,
    Option<String>,
    bool,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

fn order(r: OrderRow) -> ApiResult<RechargeOrder> {
    Ok(RechargeOrder {
        id: r.0,
        out_trade_no: r.1,
        channel: r.2,
        amount: Money::from_decimal(r.3).map_err(|e| ApiError::internal("order amount", e))?,
        status: r.4,
        qr_code: r.5,
        pay_url: r.6,
        is_sandbox: r.7,
        expires_at: r.8,
        paid_at: r.9,
    })
}

const COLUMNS: &str =
    "id, out_trade_no, channel, amount, status, qr_code, pay_url, is_sandbox, expires_at, paid_at";

async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<CreateRecharge>,
) -> ApiResult<(StatusCode, Json<RechargeOrder>)> {
    user.require(Permission::OperatorSelfService)?;
    let amount = amount(&req.amount)?;
    let channels = &state.config.payments;
    if !matches!(req.channel.as_str(), "alipay" | "wechat") {
        return Err(invalid("channel", "alipay or wechat"));
    }
    let page = match req.mode.as_deref() {
        None | Some("qr") => false,
        Some("page") if req.channel == "alipay" => true,
        Some(_) => return Err(invalid("mode", "qr, or page (Alipay only)")),
    };
    let gateway = Gateway::of(channels, &req.channel)
        .ok_or_else(|| unavailable(format!("{} is not configured", req.channel)))?;
    let out_trade_no = format!("R{}", Uuid::now_v7().simple());
    let expires_at = Utc::now() + Duration::minutes(PAY_WITHIN_MINUTES);
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO payment_orders (out_trade_no, operator_id, channel, is_sandbox, amount, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&out_trade_no)
    .bind(user.user_id)
    .bind(&req.channel)
    .bind(channels.sandbox)
    .bind(amount)
    .bind(expires_at)
    .fetch_one(&state.pool)
    .await?;
    let notify_url = format!(
        "{}{}",
        state.config.public_base_url.trim_end_matches('/'),
        gateway.notify_path()
    );
    let subject = format!("MR 游戏运营平台充值 ¥{amount}");
    let outcome = match &gateway {
        Gateway::Alipay(c) if page => c.page_pay_url(
            &out_trade_no,
            amount,
            &subject,
            PAY_WITHIN_MINUTES,
            &notify_url,
            None,
        ),
        _ => {
            gateway
                .create(&out_trade_no, amount, &subject, expires_at, &notify_url)
                .await
        }
    };
    let link = match outcome {
        Ok(link) => link,
        Err(e) => {
            // The order never reached a payable state: it stays on record as failed.
            sqlx::query(
                "UPDATE payment_orders SET status = 'failed', flagged_reason = $2, updated_at = now()
                  WHERE id = $1",
            )
            .bind(id)
            .bind(e.to_string())
            .execute(&state.pool)
            .await?;
            tracing::warn!(error = %e, order = %id, channel = gateway.channel(), "creating the channel order failed");
            return Err(match e {
                ChannelError::Unavailable(r) => unavailable(r),
                ChannelError::Refused { code, message } => unavailable(format!("{code} {message}")),
            });
        }
    };
    let (qr, url) = if page {
        (None, Some(link))
    } else {
        (Some(link), None)
    };
    let row: OrderRow = sqlx::query_as(&format!(
        "UPDATE payment_orders SET qr_code = $2, pay_url = $3, updated_at = now() WHERE id = $1
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(&qr)
    .bind(&url)
    .fetch_one(&state.pool)
    .await?;
    Ok((StatusCode::CREATED, Json(order(row)?)))
}

/// An operator reads its own order (another's is "not found").
async fn read(
    State(state): State<AppState>,
    user: AuthUser,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
) -> ApiResult<Json<RechargeOrder>> {
    let Path(id) = id.map_err(ApiError::from)?;
    user.require(Permission::OperatorSelfService)?;
    let row: Option<OrderRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payment_orders WHERE id = $1 AND operator_id = $2"
    ))
    .bind(id)
    .bind(user.user_id)
    .fetch_optional(&state.pool)
    .await?;
    Ok(Json(order(
        row.ok_or_else(|| ApiError::new(ErrorCode::NotFound))?,
    )?))
}
