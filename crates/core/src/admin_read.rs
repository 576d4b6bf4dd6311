//! The admin pages' reads of the mirror (rows kept as JSON in `mirror_rows`): one filtered page
//! at a time, with the operator's and the application's names joined in SQL, so a page costs
//! the same with 100 rows or 100,000 (measured in BENCHMARKS.md).

use chrono::{DateTime, Utc};
use mr_protocol::rows::{
    ApplicationPriceRow, ApplicationRow, AuthorizationRequestRow, AuthorizationRow,
    OperatorAccountRow,
};
use mr_protocol::sync::Entity;
use serde::de::DeserializeOwned;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use uuid::Uuid;

use crate::admin_views::{
    AuthorizationCounts, AuthorizationQuery, AuthorizationState, AuthorizationView, OperatorOption,
    OperatorQuery, OperatorSort, RequestQuery, RequestView,
};
use crate::error::CoreError;
use crate::mirror::time_text;

/// The names a row shows beside its ids.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    pub operator_name: Option<String>,
    pub operator_username: Option<String>,
    pub application_name: Option<String>,
    pub application_code: Option<String>,
}

const NAME_COLUMNS: &str =
    "json_extract(o.json, '$.display_name'), json_extract(o.json, '$.username'),
     json_extract(p.json, '$.name'), json_extract(p.json, '$.code')";
const NAME_JOINS: &str =
    " LEFT JOIN mirror_rows o ON o.entity = 'operator_account' AND o.id = r.operator_id
     LEFT JOIN mirror_rows p ON p.entity = 'application' AND p.id = r.app_id ";

/// `expires_at` of the row `r` as a Julian day (an indexed virtual column).
const EXPIRES: &str = "r.until";

fn decode<T: DeserializeOwned>(json: &str) -> Result<T, CoreError> {
    serde_json::from_str(json).map_err(|e| CoreError::Cache(format!("mirror row: {e}")))
}

type NamedRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn names_of(r: &NamedRow) -> Names {
    Names {
        operator_name: r.1.clone(),
        operator_username: r.2.clone(),
        application_name: r.3.clone(),
        application_code: r.4.clone(),
    }
}

// ----- authorizations (授权管理) -----

fn push_state(qb: &mut QueryBuilder<'_, Sqlite>, state: AuthorizationState, now: &str) {
    match state {
        AuthorizationState::Revoked => {
            qb.push(" AND r.status = 'revoked'");
        }
        AuthorizationState::Expired => {
            qb.push(format!(
                " AND r.status = 'active' AND {EXPIRES} <= julianday("
            ));
            qb.push_bind(now.to_string()).push(")");
        }
        AuthorizationState::Active => {
            qb.push(format!(
                " AND r.status = 'active' AND ({EXPIRES} IS NULL OR {EXPIRES} > julianday("
            ));
            qb.push_bind(now.to_string()).push("))");
        }
    }
}

fn push_authorization_filter(
    qb: &mut QueryBuilder<'_, Sqlite>,
    q: &AuthorizationQuery,
    now: DateTime<Utc>,
) {
    let now_text = time_text(&now);
    qb.push(" WHERE r.entity = 'authorization'");
    if let Some(op) = q.operator_id {
        qb.push(" AND r.operator_id = ").push_bind(op.to_string());
    }
    if let Some(app) = q.application_id {
        qb.push(" AND r.app_id = ").push_bind(app.to_string());
    }
    if let Some(s) = q.state {
        push_state(qb, s, &now_text);
    }
    if let Some(days) = q.expiring_within_days {
        // A range of the (entity, status, until) index.
        qb.push(format!(
            " AND r.status = 'active' AND {EXPIRES} > julianday("
        ))
        .push_bind(now_text.clone())
        .push(format!(") AND {EXPIRES} <= julianday("))
        .push_bind(now_text)
        .push(") + ")
        .push_bind(days);
    }
}

async fn count_where(
    conn: &mut SqliteConnection,
    q: &AuthorizationQuery,
    now: DateTime<Utc>,
) -> Result<i64, CoreError> {
    let mut count = QueryBuilder::<Sqlite>::new("SELECT count(*)");
    count.push(authorizations_from(q));
    push_authorization_filter(&mut count, q, now);
    Ok(count.build_query_scalar().fetch_one(&mut *conn).await?)
}

/// How many authorizations match. "Active" is counted as "not revoked" minus "expired": both
/// are index ranges, where "active and (no end or a later end)" would decode every row.
async fn count_authorizations(
    conn: &mut SqliteConnection,
    q: &AuthorizationQuery,
    now: DateTime<Utc>,
) -> Result<i64, CoreError> {
    if q.state != Some(AuthorizationState::Active) || q.expiring_within_days.is_some() {
        return count_where(conn, q, now).await;
    }
    let any = AuthorizationQuery {
        state: None,
        ..q.clone()
    };
    let all = count_where(conn, &any, now).await?;
    let revoked = AuthorizationQuery {
        state: Some(AuthorizationState::Revoked),
        ..q.clone()
    };
    let expired = AuthorizationQuery {
        state: Some(AuthorizationState::Expired),
        ..q.clone()
    };
    Ok(all - count_where(conn, &revoked, now).await? - count_where(conn, &expired, now).await?)
}

pub fn authorization_view(
    row: AuthorizationRow,
    names: Names,
    now: DateTime<Utc>,
) -> AuthorizationView {
    AuthorizationView {
        id: row.id,
        operator_id: row.operator_id,
        operator_name: names.operator_name,
        operator_username: names.operator_username,
        application_id: row.application_id,
        application_name: names.application_name,
        application_code: names.application_code,
        state: AuthorizationState::of(&row.status, row.expires_at, now),
        expires_at: row.expires_at,
        granted_by_name: row.granted_by_name,
        granted_at: row.granted_at,
        request_id: row.request_id,
        revoked_by_name: row.revoked_by_name,
        revoked_at: row.revoked_at,
        revoke_reason: row.revoke_reason,
        pending: false,
    }
}

/// The table of a query. With an application filter the planner, which has no statistics of
/// the virtual column, would walk the primary key and decode every row; it is told the index.
fn authorizations_from(q: &AuthorizationQuery) -> &'static str {
    if q.application_id.is_some() {
        " FROM mirror_rows r INDEXED BY mirror_rows_entity_app_idx"
    } else {
        " FROM mirror_rows r"
    }
}

/// One page of authorizations, newest grant first, and how many match. The page's keys are
/// found first (an index walk, however deep the offset), then only its rows are decoded and
/// joined with their names.
pub async fn authorization_page(
    conn: &mut SqliteConnection,
    q: &AuthorizationQuery,
    now: DateTime<Utc>,
) -> Result<(Vec<AuthorizationView>, i64), CoreError> {
    let total = count_authorizations(conn, q, now).await?;

    let mut page = QueryBuilder::<Sqlite>::new("SELECT r.json, ");
    page.push(NAME_COLUMNS)
        .push(" FROM (SELECT r.entity, r.id, r.at")
        .push(authorizations_from(q));
    push_authorization_filter(&mut page, q, now);
    page.push(" ORDER BY r.at DESC, r.id LIMIT ")
        .push_bind(q.limit)
        .push(" OFFSET ")
        .push_bind(q.offset)
        .push(") k JOIN mirror_rows r ON r.entity = k.entity AND r.id = k.id")
        .push(NAME_JOINS)
        .push(" ORDER BY k.at DESC, k.id");
    let rows: Vec<NamedRow> = page.build_query_as().fetch_all(&mut *conn).await?;
    let items = rows
        .iter()
        .map(|r| Ok(authorization_view(decode(&r.0)?, names_of(r), now)))
        .collect::<Result<_, CoreError>>()?;
    Ok((items, total))
}

/// The summary counts over the whole mirror, each an index range.
pub async fn authorization_counts(
    conn: &mut SqliteConnection,
    now: DateTime<Utc>,
) -> Result<AuthorizationCounts, CoreError> {
    let of =
        |state: Option<AuthorizationState>, expiring_within_days: Option<i64>| AuthorizationQuery {
            state,
            expiring_within_days,
            limit: 1,
            ..Default::default()
        };
    let all = count_where(conn, &of(None, None), now).await?;
    let revoked = count_where(conn, &of(Some(AuthorizationState::Revoked), None), now).await?;
    let expired = count_where(conn, &of(Some(AuthorizationState::Expired), None), now).await?;
    let expiring_soon = count_where(conn, &of(None, Some(7)), now).await?;
    Ok(AuthorizationCounts {
        active: all - revoked - expired,
        expired,
        revoked,
        expiring_soon,
    })
}

async fn json_row<T: DeserializeOwned>(
    conn: &mut SqliteConnection,
    entity: Entity,
    id: Uuid,
) -> Result<Option<T>, CoreError> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT json FROM mirror_rows WHERE entity = ? AND id = ?")
            .bind(entity.as_str())
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    json.as_deref().map(decode).transpose()
}

pub async fn authorization(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<AuthorizationRow>, CoreError> {
    json_row(conn, Entity::Authorization, id).await
}

pub async fn request(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<AuthorizationRequestRow>, CoreError> {
    json_row(conn, Entity::AuthorizationRequest, id).await
}

pub async fn operator_account(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<OperatorAccountRow>, CoreError> {
    json_row(conn, Entity::OperatorAccount, id).await
}

pub async fn application(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<ApplicationRow>, CoreError> {
    json_row(conn, Entity::Application, id).await
}

/// The operator's authorization of the application that still lets it launch, if any.
pub async fn usable_authorization(
    conn: &mut SqliteConnection,
    operator_id: Uuid,
    application_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<AuthorizationRow>, CoreError> {
    let json: Option<String> = sqlx::query_scalar(&format!(
        "SELECT r.json FROM mirror_rows r
          WHERE r.entity = 'authorization' AND r.operator_id = ? AND r.app_id = ?
            AND r.status = 'active' AND ({EXPIRES} IS NULL OR {EXPIRES} > julianday(?))
          LIMIT 1"
    ))
    .bind(operator_id.to_string())
    .bind(application_id.to_string())
    .bind(time_text(&now))
    .fetch_optional(&mut *conn)
    .await?;
    json.as_deref().map(decode).transpose()
}

/// The operator's and the application's names, from the cache.
pub async fn names(
    conn: &mut SqliteConnection,
    operator_id: Uuid,
    application_id: Uuid,
) -> Result<Names, CoreError> {
    let op = operator_account(conn, operator_id).await?;
    let app = application(conn, application_id).await?;
    Ok(Names {
        operator_name: op.as_ref().map(|o| o.display_name.clone()),
        operator_username: op.map(|o| o.username),
        application_name: app.as_ref().map(|a| a.name.clone()),
        application_code: app.map(|a| a.code),
    })
}

// ----- requests (授权申请审批) -----

pub fn request_view(row: AuthorizationRequestRow, names: Names) -> RequestView {
    RequestView {
        id: row.id,
        operator_id: row.operator_id,
        operator_name: names.operator_name,
        operator_username: names.operator_username,
        application_id: row.application_id,
        application_name: names.application_name,
        application_code: names.application_code,
        reason: row.reason,
        status: row.status,
        decided_by_name: row.decided_by_name,
        decided_at: row.decided_at,
        decision_note: row.decision_note,
        requested_expires_at: row.requested_expires_at,
        approved_expires_at: None,
        created_at: row.created_at,
        pending: false,
    }
}

fn push_request_filter(qb: &mut QueryBuilder<'_, Sqlite>, q: &RequestQuery) {
    qb.push(" WHERE r.entity = 'authorization_request'");
    if let Some(s) = &q.status {
        qb.push(" AND r.status = ").push_bind(s.clone());
    }
}

/// One page of requests: the waiting ones oldest first (first come, first decided), the
/// others newest first.
pub async fn request_page(
    conn: &mut SqliteConnection,
    q: &RequestQuery,
) -> Result<(Vec<RequestView>, i64), CoreError> {
    let mut count = QueryBuilder::<Sqlite>::new("SELECT count(*) FROM mirror_rows r");
    push_request_filter(&mut count, q);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;

    let mut page = QueryBuilder::<Sqlite>::new(format!(
        "SELECT r.json, {NAME_COLUMNS} FROM mirror_rows r {NAME_JOINS}"
    ));
    push_request_filter(&mut page, q);
    let order = if q.status.as_deref() == Some("pending") {
        " ORDER BY r.at, r.id"
    } else {
        " ORDER BY r.at DESC, r.id"
    };
    page.push(order)
        .push(" LIMIT ")
        .push_bind(q.limit)
        .push(" OFFSET ")
        .push_bind(q.offset);
    let rows: Vec<NamedRow> = page.build_query_as().fetch_all(&mut *conn).await?;
    let items = rows
        .iter()
        .map(|r| Ok(request_view(decode(&r.0)?, names_of(r))))
        .collect::<Result<_, CoreError>>()?;
    Ok((items, total))
}

pub async fn awaiting_requests(conn: &mut SqliteConnection) -> Result<i64, CoreError> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM mirror_rows WHERE entity = 'authorization_request' AND status = 'pending'",
    )
    .fetch_one(&mut *conn)
    .await?)
}

// ----- operators (运营商管理) -----

/// `%…%` for LIKE, with the pattern characters of the search text taken literally.
fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn push_operator_filter(qb: &mut QueryBuilder<'_, Sqlite>, q: &OperatorQuery) {
    qb.push(" WHERE r.entity = 'operator_account'");
    if !q.include_closed {
        qb.push(" AND r.status = 'active'");
    }
    if let Some(tier) = q.tier {
        qb.push(" AND json_extract(r.json, '$.tier') = ")
            .push_bind(tier.as_str());
    }
    if let Some(locked) = q.locked {
        qb.push(" AND json_extract(r.json, '$.is_locked') = ")
            .push_bind(locked);
    }
    if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let p = like_pattern(s);
        // A cheap first pass over the raw JSON text (serde_json writes non-ASCII text as is;
        // only quotes, backslashes and control characters are escaped), so only rows holding
        // the text somewhere are decoded field by field.
        if !s.chars().any(|c| c == '"' || c == '\\' || c.is_control()) {
            qb.push(" AND r.json LIKE ")
                .push_bind(p.clone())
                .push(" ESCAPE '\\'");
        }
        qb.push(" AND (");
        for (i, field) in ["username", "display_name", "contact_name", "phone", "email"]
            .iter()
            .enumerate()
        {
            if i > 0 {
                qb.push(" OR ");
            }
            qb.push(format!("json_extract(r.json, '$.{field}') LIKE "))
                .push_bind(p.clone())
                .push(" ESCAPE '\\'");
        }
        qb.push(")");
    }
}

fn operator_order(sort: OperatorSort) -> &'static str {
    match sort {
        OperatorSort::CreatedAt => "r.at",
        OperatorSort::Name => "json_extract(r.json, '$.display_name')",
        OperatorSort::Username => "lower(json_extract(r.json, '$.username'))",
        // Balances are decimal text, never negative: more integer digits is more money, and
        // with as many digits the text order is the numeric order. No float on the way.
        OperatorSort::Balance => {
            "length(substr(json_extract(r.json, '$.balance'), 1, instr(json_extract(r.json, '$.balance') || '.', '.') - 1)) {dir}, json_extract(r.json, '$.balance')"
        }
    }
}

pub async fn operator_page(
    conn: &mut SqliteConnection,
    q: &OperatorQuery,
) -> Result<(Vec<OperatorAccountRow>, i64), CoreError> {
    let mut count = QueryBuilder::<Sqlite>::new("SELECT count(*) FROM mirror_rows r");
    push_operator_filter(&mut count, q);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;

    let dir = if q.descending { "DESC" } else { "ASC" };
    let order = operator_order(q.sort).replace("{dir}", dir);
    // Keys first (an index walk for the default order, however deep the window), then only
    // the window's rows are read, put back in the keys' order.
    let mut keys = QueryBuilder::<Sqlite>::new("SELECT r.id FROM mirror_rows r");
    push_operator_filter(&mut keys, q);
    keys.push(format!(" ORDER BY {order} {dir}, r.id LIMIT "))
        .push_bind(q.limit)
        .push(" OFFSET ")
        .push_bind(q.offset);
    let ids: Vec<String> = keys.build_query_scalar().fetch_all(&mut *conn).await?;
    if ids.is_empty() {
        return Ok((Vec::new(), total));
    }
    let mut rows = QueryBuilder::<Sqlite>::new(
        "SELECT id, json FROM mirror_rows WHERE entity = 'operator_account' AND id IN (",
    );
    let mut list = rows.separated(", ");
    for id in &ids {
        list.push_bind(id.clone());
    }
    rows.push(")");
    let mut found: std::collections::HashMap<String, String> = rows
        .build_query_as()
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    let items = ids
        .iter()
        .filter_map(|id| found.remove(id))
        .map(|j| decode(&j))
        .collect::<Result<_, CoreError>>()?;
    Ok((items, total))
}

/// Operators matching `search` for a picker, by username.
pub async fn operator_options(
    conn: &mut SqliteConnection,
    search: &str,
    limit: i64,
) -> Result<Vec<OperatorOption>, CoreError> {
    let q = OperatorQuery {
        search: Some(search.to_string()),
        sort: OperatorSort::Username,
        limit,
        ..OperatorQuery::default()
    };
    let (rows, _) = operator_page(conn, &q).await?;
    Ok(rows
        .into_iter()
        .map(|o| OperatorOption {
            id: o.id,
            username: o.username,
            display_name: o.display_name,
            tier: o.tier,
            is_locked: o.is_locked,
        })
        .collect())
}

/// The whole catalogue (a few hundred rows at most), by name.
pub async fn applications(conn: &mut SqliteConnection) -> Result<Vec<ApplicationRow>, CoreError> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT json FROM mirror_rows WHERE entity = 'application'
          ORDER BY json_extract(json, '$.name'), id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|j| decode(j)).collect()
}

/// The price history in the cache, of one application or of all.
pub async fn prices(
    conn: &mut SqliteConnection,
    application_id: Option<Uuid>,
) -> Result<Vec<ApplicationPriceRow>, CoreError> {
    let rows: Vec<String> = match application_id {
        Some(app) => {
            sqlx::query_scalar(
                "SELECT json FROM mirror_rows INDEXED BY mirror_rows_entity_app_idx
                  WHERE entity = 'application_price' AND app_id = ?",
            )
            .bind(app.to_string())
            .fetch_all(&mut *conn)
            .await?
        }
        None => {
            sqlx::query_scalar("SELECT json FROM mirror_rows WHERE entity = 'application_price'")
                .fetch_all(&mut *conn)
                .await?
        }
    };
    rows.iter().map(|j| decode(j)).collect()
}

/// Active, unexpired authorizations of one application.
pub async fn usable_authorizations_of(
    conn: &mut SqliteConnection,
    application_id: Uuid,
    now: DateTime<Utc>,
) -> Result<i64, CoreError> {
    let q = AuthorizationQuery {
        application_id: Some(application_id),
        state: Some(AuthorizationState::Active),
        limit: 1,
        ..Default::default()
    };
    count_authorizations(conn, &q, now).await
}
