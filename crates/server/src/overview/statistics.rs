//! `GET /api/v1/admin/statistics` (统计分析, R-A8): the global statistics of a date range,
//! for super admins, admins and analysts (`ViewGlobalStatistics`).
//!
//! Closed periods come from the roll-ups of migration `statistics.sql` (a year is a few
//! hundred thousand small rows, not a million sessions); the days not rolled up yet are read
//! live from `game_sessions` / `stats_daily`. The independent queries run at once on separate
//! connections.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Query, State};
use chrono::{Datelike, Days, NaiveDate};
use mr_domain::{ErrorCode, Money, Permission};
use mr_protocol::statistics::{
    AppPlayersCell, AppStat, Granularity, OperatorAppCell, OperatorStat, PlayerCountStat,
    SitePoint, SiteSeries, Statistics, StatisticsQuery, StatisticsTotals, MAX_DAYS, TOP_OPERATORS,
    TOP_SITES,
};
use rust_decimal::Decimal;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::state::AppState;

fn invalid(field: &str, reason: &str) -> ApiError {
    ApiError::with(
        ErrorCode::InvalidParams,
        json!({ "field": field, "reason": reason }),
    )
}

fn money(d: Decimal) -> ApiResult<Money> {
    Money::from_decimal(d).map_err(|e| ApiError::internal("statistics amount", e))
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(d)
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn next_month(d: NaiveDate) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(1))
        .map(month_start)
        .unwrap_or(d)
}

/// The whole months inside `[from, to]` that the monthly roll-up holds (it holds every day
/// up to `through`): `[start, end)` as first days of months, or `None`.
fn covered_months(
    from: NaiveDate,
    to: NaiveDate,
    through: NaiveDate,
) -> Option<(NaiveDate, NaiveDate)> {
    let start = if from.day() == 1 {
        from
    } else {
        next_month(from)
    };
    let limit = to.min(through);
    // the first month that does not end inside the limit
    let end = month_start(next_day(limit));
    (start < end).then_some((start, end))
}

/// Brings the roll-ups up to the last closed day (a no-op when they are current).
pub async fn rollup(pool: &PgPool) -> Result<NaiveDate, sqlx::Error> {
    sqlx::query_scalar("SELECT stats_rollup()")
        .fetch_one(pool)
        .await
}

/// Keeps the roll-ups current in the background, so the page rarely waits for one.
pub fn spawn_rollups(pool: PgPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            if let Err(e) = rollup(&pool).await {
                tracing::warn!(error = %e, "rolling up statistics");
            }
        }
    });
}

async fn through(pool: &PgPool, name: &str) -> ApiResult<Option<NaiveDate>> {
    Ok(
        sqlx::query_scalar("SELECT through FROM stats_rollup_state WHERE name = $1")
            .bind(name)
            .fetch_optional(pool)
            .await?,
    )
}

type AppPlayersRow = (Uuid, i32, i64, i64, Decimal);

/// Sessions by application and player count: the rolled-up days, then the rest live.
async fn app_players(
    pool: &PgPool,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<AppPlayersRow>> {
    let rolled = through(pool, "app_players").await?;
    let rolled_to = rolled.map(|t| t.min(to));
    let live_from = match rolled {
        Some(t) if t >= from => next_day(t),
        _ => from,
    };
    Ok(sqlx::query_as(
        "SELECT application_id, player_count, sum(sessions)::int8, sum(players)::int8,
                sum(revenue)
           FROM (SELECT application_id, player_count, sessions, players, revenue
                   FROM stats_app_players_daily
                  WHERE $2::date IS NOT NULL AND day BETWEEN $1 AND $2
                 UNION ALL
                 SELECT application_id, player_count, 1, player_count, total_cost
                   FROM game_sessions
                  WHERE $3::date <= $4::date
                    AND authorized_at >= ($3::date::timestamp AT TIME ZONE 'Asia/Shanghai')
                    AND authorized_at < (($4::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')) u
          GROUP BY 1, 2",
    )
    .bind(from)
    .bind(rolled_to)
    .bind(live_from)
    .bind(to)
    .fetch_all(pool)
    .await?)
}

/// Site and operator figures over the range: whole rolled-up months from the monthly table,
/// the days around them from `stats_daily`.
struct Rankings {
    /// (site, operator, sessions, revenue), best first.
    sites: Vec<(Uuid, Uuid, i64, Decimal)>,
    /// (operator, sessions, revenue), best first.
    operators: Vec<(Uuid, i64, Decimal)>,
    active_operators: i64,
}

/// (kind: site / operator / active, site, operator, sessions or count, revenue)
type RankRow = (String, Option<Uuid>, Option<Uuid>, i64, Decimal);

async fn rankings(pool: &PgPool, from: NaiveDate, to: NaiveDate) -> ApiResult<Rankings> {
    let months = match through(pool, "site_monthly").await? {
        Some(t) => covered_months(from, to, t),
        None => None,
    };
    // Days outside the covered months: [from, a) and [b, to].
    let (m_start, m_end, a, b) = match months {
        Some((s, e)) => (Some(s), Some(e), s, e),
        None => (None, None, next_day(to), next_day(to)),
    };
    let rows: Vec<RankRow> = sqlx::query_as(
        "WITH u AS (
             SELECT site_id, operator_id, sessions, revenue FROM stats_site_monthly
              WHERE $3::date IS NOT NULL AND month >= $3 AND month < $4
             UNION ALL
             SELECT site_id, operator_id, sessions, revenue FROM stats_daily
              WHERE day >= $1 AND day < $5
             UNION ALL
             SELECT site_id, operator_id, sessions, revenue FROM stats_daily
              WHERE day >= $6 AND day <= $2 AND $6 <= $2
         ), s AS MATERIALIZED (
             SELECT site_id, operator_id, sum(sessions)::int8 AS sessions, sum(revenue) AS revenue
               FROM u GROUP BY 1, 2
         )
         (SELECT 'site', site_id, operator_id, sessions, revenue FROM s
           ORDER BY revenue DESC, sessions DESC, site_id LIMIT $7)
         UNION ALL
         (SELECT 'operator', NULL, operator_id, sum(sessions)::int8, sum(revenue) FROM s
           GROUP BY operator_id ORDER BY 5 DESC, 4 DESC, 3 LIMIT $8)
         UNION ALL
         SELECT 'active', NULL, NULL, count(DISTINCT operator_id), 0::numeric FROM s",
    )
    .bind(from)
    .bind(to)
    .bind(m_start)
    .bind(m_end)
    .bind(a.min(next_day(to)))
    .bind(b)
    .bind(TOP_SITES)
    .bind(TOP_OPERATORS)
    .fetch_all(pool)
    .await?;
    let mut out = Rankings {
        sites: vec![],
        operators: vec![],
        active_operators: 0,
    };
    for (kind, site, op, sessions, revenue) in rows {
        match (kind.as_str(), site, op) {
            ("site", Some(s), Some(o)) => out.sites.push((s, o, sessions, revenue)),
            ("operator", _, Some(o)) => out.operators.push((o, sessions, revenue)),
            ("active", ..) => out.active_operators = sessions,
            _ => {}
        }
    }
    Ok(out)
}

pub async fn statistics(
    state: &AppState,
    user: &AuthUser,
    q: &StatisticsQuery,
) -> ApiResult<Statistics> {
    user.require(Permission::ViewGlobalStatistics)?;
    if q.from > q.to {
        return Err(invalid("to", "not before from"));
    }
    let days = (q.to - q.from).num_days() + 1;
    if days > MAX_DAYS {
        return Err(invalid("to", "at most 1096 days"));
    }
    let pool = &state.pool;
    // Counts the days closed since the last run (usually nothing to do).
    rollup(pool).await?;
    let granularity = Granularity::for_days(days);

    let operators = async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM operators WHERE status = 'active'")
            .fetch_one(pool)
            .await
            .map_err(ApiError::from)
    };
    let (operators, cells, ranks) = tokio::try_join!(
        operators,
        app_players(pool, q.from, q.to),
        rankings(pool, q.from, q.to)
    )?;

    let site_ids: Vec<Uuid> = ranks.sites.iter().map(|s| s.0).collect();
    let operator_ids: Vec<Uuid> = ranks
        .operators
        .iter()
        .map(|o| o.0)
        .chain(ranks.sites.iter().map(|s| s.1))
        .collect();
    let mut app_ids: Vec<Uuid> = cells.iter().map(|c| c.0).collect();
    app_ids.sort();
    app_ids.dedup();

    let series = async {
        sqlx::query_as::<_, (Uuid, NaiveDate, i64, Decimal)>(
            "SELECT site_id, date_trunc($4, day::timestamp)::date, sum(sessions)::int8, sum(revenue)
               FROM stats_daily
              WHERE site_id = ANY($1) AND day BETWEEN $2 AND $3
              GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .bind(&site_ids)
        .bind(q.from)
        .bind(q.to)
        .bind(granularity.as_str())
        .fetch_all(pool)
        .await
        .map_err(ApiError::from)
    };
    let top_ops: Vec<Uuid> = ranks.operators.iter().map(|o| o.0).collect();
    let op_apps = async {
        sqlx::query_as::<_, (Uuid, Uuid, i64, Decimal)>(
            "SELECT operator_id, application_id, sum(sessions)::int8, sum(revenue)
               FROM stats_daily
              WHERE operator_id = ANY($1) AND day BETWEEN $2 AND $3
              GROUP BY 1, 2 ORDER BY 1, 4 DESC",
        )
        .bind(&top_ops)
        .bind(q.from)
        .bind(q.to)
        .fetch_all(pool)
        .await
        .map_err(ApiError::from)
    };
    let names = async {
        let apps: Vec<(Uuid, String, String)> =
            sqlx::query_as("SELECT id, code, name FROM applications WHERE id = ANY($1)")
                .bind(&app_ids)
                .fetch_all(pool)
                .await?;
        let ops: Vec<(Uuid, String, String)> =
            sqlx::query_as("SELECT id, username, display_name FROM operators WHERE id = ANY($1)")
                .bind(&operator_ids)
                .fetch_all(pool)
                .await?;
        let sites: Vec<(Uuid, String)> =
            sqlx::query_as("SELECT id, name FROM sites WHERE id = ANY($1)")
                .bind(&site_ids)
                .fetch_all(pool)
                .await?;
        Ok::<_, ApiError>((apps, ops, sites))
    };
    let (series, op_apps, (app_names, op_names, site_names)) =
        tokio::try_join!(series, op_apps, names)?;

    let app_names: HashMap<Uuid, (String, String)> = app_names
        .into_iter()
        .map(|(id, code, name)| (id, (code, name)))
        .collect();
    let op_names: HashMap<Uuid, (String, String)> = op_names
        .into_iter()
        .map(|(id, u, n)| (id, (u, n)))
        .collect();
    let site_names: HashMap<Uuid, String> = site_names.into_iter().collect();

    // Totals and the per-application and per-player-count views, from the cells.
    let mut totals = (0i64, 0i64, Decimal::ZERO);
    let mut by_app: HashMap<Uuid, (i64, i64, Decimal)> = HashMap::new();
    let mut by_players: HashMap<i32, (i64, Decimal)> = HashMap::new();
    let mut app_players = Vec::with_capacity(cells.len());
    for &(app, pc, sessions, players, revenue) in &cells {
        totals.0 += sessions;
        totals.1 += players;
        totals.2 += revenue;
        let a = by_app.entry(app).or_default();
        a.0 += sessions;
        a.1 += players;
        a.2 += revenue;
        let p = by_players.entry(pc).or_default();
        p.0 += sessions;
        p.1 += revenue;
        app_players.push(AppPlayersCell {
            application_id: app,
            player_count: pc,
            sessions,
        });
    }
    app_players.sort_by_key(|c| (c.application_id, c.player_count));
    let mut apps = by_app
        .into_iter()
        .map(|(id, (sessions, players, revenue))| {
            let (code, name) = app_names.get(&id).cloned().unwrap_or_default();
            Ok((
                revenue,
                AppStat {
                    application_id: id,
                    code,
                    name,
                    sessions,
                    players,
                    revenue: money(revenue)?,
                },
            ))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    apps.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.sessions.cmp(&a.1.sessions))
            .then(a.1.code.cmp(&b.1.code))
    });
    let mut player_counts = by_players
        .into_iter()
        .map(|(pc, (sessions, revenue))| {
            Ok(PlayerCountStat {
                player_count: pc,
                sessions,
                revenue: money(revenue)?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    player_counts.sort_by_key(|p| p.player_count);

    let mut points: HashMap<Uuid, Vec<SitePoint>> = HashMap::new();
    for (site, bucket, sessions, revenue) in series {
        points.entry(site).or_default().push(SitePoint {
            bucket,
            sessions,
            revenue: money(revenue)?,
        });
    }
    let sites = ranks
        .sites
        .iter()
        .map(|&(site, op, sessions, revenue)| {
            Ok(SiteSeries {
                site_id: site,
                site_name: site_names.get(&site).cloned().unwrap_or_default(),
                operator_id: op,
                operator_name: op_names.get(&op).map(|n| n.1.clone()).unwrap_or_default(),
                sessions,
                revenue: money(revenue)?,
                points: points.remove(&site).unwrap_or_default(),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let operators_top = ranks
        .operators
        .iter()
        .map(|&(op, sessions, revenue)| {
            let (username, name) = op_names.get(&op).cloned().unwrap_or_default();
            Ok(OperatorStat {
                operator_id: op,
                username,
                name,
                sessions,
                revenue: money(revenue)?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let operator_apps = op_apps
        .into_iter()
        .map(|(op, app, sessions, revenue)| {
            Ok(OperatorAppCell {
                operator_id: op,
                application_id: app,
                sessions,
                revenue: money(revenue)?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;

    Ok(Statistics {
        from: q.from,
        to: q.to,
        granularity,
        totals: StatisticsTotals {
            operators,
            active_operators: ranks.active_operators,
            sessions: totals.0,
            players: totals.1,
            revenue: money(totals.2)?,
        },
        apps: apps.into_iter().map(|a| a.1).collect(),
        player_counts,
        app_players,
        sites,
        operators: operators_top,
        operator_apps,
    })
}

pub async fn handler(
    State(state): State<AppState>,
    user: AuthUser,
    q: Result<Query<StatisticsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Statistics>> {
    let Query(q) = q.map_err(ApiError::from)?;
    statistics(&state, &user, &q).await.map(Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn covered_months_are_the_whole_months_inside_the_range_and_the_rollup() {
        // a year ending mid-month, rolled up through the end of last month
        assert_eq!(
            covered_months(d("2025-11-26"), d("2026-11-25"), d("2026-10-31")),
            Some((d("2025-12-01"), d("2026-11-01")))
        );
        // the roll-up reopened mid-month: that month is read from the days
        assert_eq!(
            covered_months(d("2026-01-01"), d("2026-06-30"), d("2026-03-15")),
            Some((d("2026-01-01"), d("2026-03-01")))
        );
        // the range is inside one month
        assert_eq!(
            covered_months(d("2026-05-03"), d("2026-05-20"), d("2026-10-31")),
            None
        );
        // a whole month exactly
        assert_eq!(
            covered_months(d("2026-02-01"), d("2026-02-28"), d("2026-10-31")),
            Some((d("2026-02-01"), d("2026-03-01")))
        );
        // nothing rolled up yet
        assert_eq!(
            covered_months(d("2026-02-01"), d("2026-02-28"), d("2025-12-31")),
            None
        );
    }

    #[test]
    fn the_step_grows_with_the_range() {
        assert_eq!(Granularity::for_days(30), Granularity::Day);
        assert_eq!(Granularity::for_days(90), Granularity::Week);
        assert_eq!(Granularity::for_days(365), Granularity::Month);
    }
}
