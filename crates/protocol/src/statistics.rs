//! 统计分析 (R-A8): the global statistics page's figures for one date range, aggregated on the
//! server from roll-ups (the desktop never receives raw sessions).

use chrono::NaiveDate;
use mr_domain::Money;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

pub const PATH: &str = "/api/v1/admin/statistics";
/// The longest range one request may cover (three years and a leap day).
pub const MAX_DAYS: i64 = 3 * 365 + 1;
/// Sites compared over time on the page.
pub const TOP_SITES: i64 = 8;
/// Operators in the operator × application cross analysis.
pub const TOP_OPERATORS: i64 = 10;

/// Both ends are China calendar days (UTC+8) and included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StatisticsQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The time step of the site comparison: by day up to two months, by week up to half a year,
/// by month beyond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Day,
    Week,
    Month,
}

impl Granularity {
    /// The step for a range of `days` days.
    pub fn for_days(days: i64) -> Granularity {
        if days <= 62 {
            Granularity::Day
        } else if days <= 183 {
            Granularity::Week
        } else {
            Granularity::Month
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StatisticsTotals {
    /// Operators with an account that is not closed (now, not in the range).
    #[ts(type = "number")]
    pub operators: i64,
    /// Operators with at least one game session in the range.
    #[ts(type = "number")]
    pub active_operators: i64,
    #[ts(type = "number")]
    pub sessions: i64,
    /// Player-visits: the sum of every session's player count.
    #[ts(type = "number")]
    pub players: i64,
    #[ts(type = "string")]
    pub revenue: Money,
}

/// One application's figures (the ranking is by revenue, highest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AppStat {
    pub application_id: Uuid,
    pub code: String,
    pub name: String,
    #[ts(type = "number")]
    pub sessions: i64,
    #[ts(type = "number")]
    pub players: i64,
    #[ts(type = "string")]
    pub revenue: Money,
}

/// Sessions played with one player count (the distribution pie).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PlayerCountStat {
    pub player_count: i32,
    #[ts(type = "number")]
    pub sessions: i64,
    #[ts(type = "string")]
    pub revenue: Money,
}

/// Application × player count (a cross-analysis cell).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AppPlayersCell {
    pub application_id: Uuid,
    pub player_count: i32,
    #[ts(type = "number")]
    pub sessions: i64,
}

/// One step of a site's series: `bucket` is the first day of the day, week (Monday) or month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SitePoint {
    pub bucket: NaiveDate,
    #[ts(type = "number")]
    pub sessions: i64,
    #[ts(type = "string")]
    pub revenue: Money,
}

/// A site among the top earners of the range, with its series (site × time); steps without
/// sessions are absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SiteSeries {
    pub site_id: Uuid,
    pub site_name: String,
    pub operator_id: Uuid,
    pub operator_name: String,
    #[ts(type = "number")]
    pub sessions: i64,
    #[ts(type = "string")]
    pub revenue: Money,
    pub points: Vec<SitePoint>,
}

/// An operator among the top earners of the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OperatorStat {
    pub operator_id: Uuid,
    pub username: String,
    pub name: String,
    #[ts(type = "number")]
    pub sessions: i64,
    #[ts(type = "string")]
    pub revenue: Money,
}

/// Operator × application (a cross-analysis cell), for the top operators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OperatorAppCell {
    pub operator_id: Uuid,
    pub application_id: Uuid,
    #[ts(type = "number")]
    pub sessions: i64,
    #[ts(type = "string")]
    pub revenue: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Statistics {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub granularity: Granularity,
    pub totals: StatisticsTotals,
    /// Every application with sessions in the range, by revenue.
    pub apps: Vec<AppStat>,
    /// By player count, ascending.
    pub player_counts: Vec<PlayerCountStat>,
    pub app_players: Vec<AppPlayersCell>,
    /// The top sites by revenue (at most [`TOP_SITES`]).
    pub sites: Vec<SiteSeries>,
    /// The top operators by revenue (at most [`TOP_OPERATORS`]).
    pub operators: Vec<OperatorStat>,
    pub operator_apps: Vec<OperatorAppCell>,
}
