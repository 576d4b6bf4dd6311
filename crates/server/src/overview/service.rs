use chrono::NaiveDate;
use mr_domain::{ErrorCode, Money, Permission};
use mr_protocol::home::{AdminAlert, AdminOverview, FinanceOverview, OperatorHome};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::accounts::service::operator_profile;
use crate::audit::{self, AuditEntry};
use crate::auth::extract::ClientMeta;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Start of the current business day and month in China time, as SQL expressions.
const TODAY_START: &str =
    "(date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')";
const MONTH_START: &str =
    "(date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')";

fn money(d: Decimal) -> ApiResult<Money> {
    Money::from_decimal(d).map_err(|e| ApiError::internal("money", e))
}

pub async fn operator_home(state: &AppState, user: &AuthUser) -> ApiResult<OperatorHome> {
    let id = user.operator_id()?;
    let mut conn = state.pool.acquire().await?;
    let profile = operator_profile(&mut conn, id)
        .await?
        .ok_or(ErrorCode::SessionRevoked)?;
    let (spend, sessions_today, unread, sites, apps): (Decimal, i64, i64, i64, i64) =
        sqlx::query_as(&format!(
            "SELECT
               COALESCE((SELECT -SUM(amount) FROM ledger_entries
                          WHERE operator_id = $1 AND entry_type = 'consumption'
                            AND created_at >= {MONTH_START}), 0),
               (SELECT count(*) FROM game_sessions WHERE operator_id = $1 AND authorized_at >= {TODAY_START}),
               (SELECT count(*) FROM messages WHERE operator_id = $1 AND NOT is_read),
               (SELECT count(*) FROM sites WHERE operator_id = $1 AND NOT is_deleted),
               (SELECT count(*) FROM authorizations a JOIN applications p ON p.id = a.application_id
                 WHERE a.operator_id = $1 AND a.status = 'active' AND p.is_active
                   AND (a.expires_at IS NULL OR a.expires_at > now()))"
        ))
        .bind(id.0)
        .fetch_one(&mut *conn)
        .await?;
    Ok(OperatorHome {
        profile,
        month_spend: money(spend)?,
        sessions_today,
        unread_messages: unread,
        site_count: sites,
        authorized_apps: apps,
    })
}

pub async fn admin_overview(state: &AppState, user: &AuthUser) -> ApiResult<AdminOverview> {
    user.require(Permission::ViewOperators)?;
    let row: (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT
           (SELECT count(*) FROM operators),
           (SELECT count(*) FROM operators WHERE status = 'active'),
           (SELECT count(*) FROM operators WHERE is_locked),
           (SELECT count(*) FROM applications WHERE is_active),
           (SELECT count(*) FROM authorization_requests WHERE status = 'pending'),
           (SELECT count(*) FROM authorizations
             WHERE status = 'active' AND (expires_at IS NULL OR expires_at > now()))",
    )
    .fetch_one(&state.pool)
    .await?;
    let alerts: Vec<AlertRow> = sqlx::query_as(
        "SELECT id, kind, severity, title, body,
                ARRAY(SELECT jsonb_array_elements_text(coalesce(details->'locked_operator_ids', '[]')))::uuid[],
                created_at
           FROM admin_alerts WHERE acknowledged_at IS NULL
          ORDER BY created_at DESC LIMIT 20",
    )
    .fetch_all(&state.pool)
    .await?;
    let alerts_open: i64 =
        sqlx::query_scalar("SELECT count(*) FROM admin_alerts WHERE acknowledged_at IS NULL")
            .fetch_one(&state.pool)
            .await?;
    Ok(AdminOverview {
        operators_total: row.0,
        operators_active: row.1,
        operators_locked: row.2,
        applications_active: row.3,
        pending_requests: row.4,
        active_authorizations: row.5,
        alerts: alerts
            .into_iter()
            .map(|a| AdminAlert {
                id: a.0,
                kind: a.1,
                severity: a.2,
                title: a.3,
                body: a.4,
                operator_ids: a.5,
                created_at: a.6,
            })
            .collect(),
        alerts_open,
    })
}

type AlertRow = (
    Uuid,
    String,
    String,
    String,
    String,
    Vec<Uuid>,
    chrono::DateTime<chrono::Utc>,
);

/// An administrator marks an alert handled; the row keeps who and when.
pub async fn acknowledge_alert(
    state: &AppState,
    user: &AuthUser,
    meta: &ClientMeta,
    id: Uuid,
) -> ApiResult<()> {
    user.require(Permission::ManageOperators)?;
    let mut tx = state.pool.begin().await?;
    let before: Option<Option<chrono::DateTime<chrono::Utc>>> =
        sqlx::query_scalar("SELECT acknowledged_at FROM admin_alerts WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    match before {
        None => return Err(ErrorCode::NotFound.into()),
        // Someone else handled it first: nothing to do.
        Some(Some(_)) => return Ok(()),
        Some(None) => {}
    }
    sqlx::query(
        "UPDATE admin_alerts SET acknowledged_by = $2, acknowledged_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(user.user_id)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        AuditEntry::by(user, "admin_alert.acknowledge", "admin_alert", id).change(
            serde_json::json!({ "acknowledged": false }),
            serde_json::json!({ "acknowledged": true }),
        ),
        meta,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn finance_overview(state: &AppState, user: &AuthUser) -> ApiResult<FinanceOverview> {
    user.require(Permission::ViewFinance)?;
    let row: (NaiveDate, Decimal, i64, Decimal, Decimal, i64, i64) = sqlx::query_as(&format!(
        "WITH today AS (
           SELECT entry_type, amount FROM ledger_entries WHERE created_at >= {TODAY_START})
         SELECT
           (now() AT TIME ZONE 'Asia/Shanghai')::date,
           COALESCE((SELECT SUM(amount) FROM today WHERE entry_type = 'recharge'), 0),
           (SELECT count(*) FROM today WHERE entry_type = 'recharge'),
           COALESCE((SELECT -SUM(amount) FROM today WHERE entry_type = 'consumption'), 0),
           COALESCE((SELECT -SUM(amount) FROM today WHERE entry_type = 'refund'), 0),
           (SELECT count(*) FROM refunds WHERE status = 'pending'),
           (SELECT count(*) FROM invoices WHERE status = 'pending')"
    ))
    .fetch_one(&state.pool)
    .await?;
    let recharge = money(row.1)?;
    let refunds = money(row.4)?;
    Ok(FinanceOverview {
        business_date: row.0,
        recharge_total: recharge,
        recharge_count: row.2,
        consumption_total: money(row.3)?,
        refund_total: refunds,
        net_income: recharge
            .checked_sub(refunds)
            .ok_or_else(|| ApiError::internal("net income", "overflow"))?,
        pending_refunds: row.5,
        pending_invoices: row.6,
    })
}
