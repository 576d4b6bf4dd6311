//! `GET /api/v1/admin/transactions` (交易监控, R-A6): all operators' ledger entries, filtered
//! and paged on the server, with totals over the whole filter. Roles with
//! `ViewAllTransactions` (super admin, admin); finance staff read the ledger from their cache.

use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use mr_domain::{ErrorCode, Money, Permission};
use mr_protocol::rows::LedgerEntryRow;
use mr_protocol::transactions::{
    TransactionPage, TransactionQuery, TransactionRow, TransactionTotals, PAGE_MAX,
};
use rust_decimal::Decimal;
use serde_json::json;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::state::AppState;

const TYPES: [&str; 4] = ["recharge", "consumption", "refund", "adjustment"];

fn invalid(field: &str, reason: &str) -> ApiError {
    ApiError::with(
        ErrorCode::InvalidParams,
        json!({ "field": field, "reason": reason }),
    )
}

fn check(q: &TransactionQuery) -> ApiResult<()> {
    if !(1..=PAGE_MAX).contains(&q.limit) || q.offset < 0 {
        return Err(invalid("limit", "offset ≥ 0, limit 1 to 2000"));
    }
    if let Some(t) = &q.entry_type {
        if !TYPES.contains(&t.as_str()) {
            return Err(invalid(
                "entry_type",
                "recharge, consumption, refund or adjustment",
            ));
        }
    }
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if f > t {
            return Err(invalid("to", "not before from"));
        }
    }
    Ok(())
}

/// The filter; days are China days (the business's calendar).
fn push_filter(qb: &mut QueryBuilder<'_, Postgres>, q: &TransactionQuery) {
    qb.push(" WHERE true");
    if let Some(op) = q.operator_id {
        qb.push(" AND l.operator_id = ").push_bind(op);
    }
    if let Some(t) = &q.entry_type {
        qb.push(" AND l.entry_type = ").push_bind(t.clone());
    }
    if let Some(f) = q.from {
        qb.push(" AND l.created_at >= (")
            .push_bind(f)
            .push("::date::timestamp AT TIME ZONE 'Asia/Shanghai')");
    }
    if let Some(u) = q.until {
        qb.push(" AND l.created_at <= ").push_bind(u);
    }
    if let Some(t) = q.to {
        qb.push(" AND l.created_at < ((")
            .push_bind(t)
            .push("::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')");
    }
}

type Row = (
    Uuid,
    Uuid,
    String,
    Decimal,
    Decimal,
    Decimal,
    Option<String>,
    Option<Uuid>,
    Option<String>,
    DateTime<Utc>,
    String,
    String,
);

fn money(d: Decimal) -> ApiResult<Money> {
    Money::from_decimal(d).map_err(|e| ApiError::internal("ledger amount", e))
}

pub async fn page(
    state: &AppState,
    user: &AuthUser,
    q: &TransactionQuery,
) -> ApiResult<TransactionPage> {
    user.require(Permission::ViewAllTransactions)?;
    check(q)?;
    let mut conn = state.pool.acquire().await?;
    let mut totals = QueryBuilder::<Postgres>::new(
        "SELECT count(*), coalesce(sum(l.amount) FILTER (WHERE l.amount > 0), 0),
                coalesce(sum(l.amount) FILTER (WHERE l.amount < 0), 0)
           FROM ledger_entries l",
    );
    push_filter(&mut totals, q);
    let (count, credits, debits): (i64, Decimal, Decimal) =
        totals.build_query_as().fetch_one(&mut *conn).await?;

    let mut rows = QueryBuilder::<Postgres>::new(
        "SELECT l.id, l.operator_id, l.entry_type, l.amount, l.balance_before, l.balance_after,
                l.reference_type, l.reference_id, l.description, l.created_at,
                o.username, o.display_name
           FROM ledger_entries l JOIN operators o ON o.id = l.operator_id",
    );
    push_filter(&mut rows, q);
    rows.push(" ORDER BY l.created_at DESC, l.id DESC LIMIT ")
        .push_bind(q.limit)
        .push(" OFFSET ")
        .push_bind(q.offset);
    let found: Vec<Row> = rows.build_query_as().fetch_all(&mut *conn).await?;
    let items = found
        .into_iter()
        .map(|r| {
            Ok(TransactionRow {
                entry: LedgerEntryRow {
                    id: r.0,
                    operator_id: r.1,
                    entry_type: r.2,
                    amount: money(r.3)?,
                    balance_before: money(r.4)?,
                    balance_after: money(r.5)?,
                    reference_type: r.6,
                    reference_id: r.7,
                    description: r.8,
                    created_at: r.9,
                },
                operator_username: r.10,
                operator_name: r.11,
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(TransactionPage {
        items,
        totals: TransactionTotals {
            count,
            credits: money(credits)?,
            debits: money(debits)?,
            net: money(credits + debits)?,
        },
    })
}

pub async fn handler(
    State(state): State<AppState>,
    user: AuthUser,
    q: Result<Query<TransactionQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<TransactionPage>> {
    let Query(q) = q.map_err(ApiError::from)?;
    page(&state, &user, &q).await.map(Json)
}
