//! 统计分析 (R-A8) at the desktop core: the page's figures come from the server (aggregated
//! there from roll-ups; the cache holds no sessions), and the export is an Excel workbook with
//! one sheet per section, written here.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use mr_domain::{ErrorCode, Money, Permission};
use mr_protocol::statistics::{Statistics, StatisticsQuery, MAX_DAYS, PATH};
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, Worksheet};
use uuid::Uuid;

use crate::admin::AdminOps;
use crate::error::CoreError;
use crate::transactions::{io_error, xlsx_error, ExportReport};

fn check(q: &StatisticsQuery) -> Result<(), CoreError> {
    let days = (q.to - q.from).num_days() + 1;
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(CoreError::Invalid {
            code: ErrorCode::ValidationFailed,
            field: "to",
            reason: format!("from ≤ to, at most {MAX_DAYS} days"),
        });
    }
    Ok(())
}

impl AdminOps {
    /// The statistics of a range. Needs the network.
    pub async fn statistics(&self, q: StatisticsQuery) -> Result<Statistics, CoreError> {
        self.may(Permission::ViewGlobalStatistics)?;
        check(&q)?;
        let path = format!("{PATH}?from={}&to={}", q.from, q.to);
        self.session()
            .authed(|api, token| {
                let path = path.clone();
                async move { api.get_json::<Statistics>(&path, Some(&token)).await }
            })
            .await
    }

    /// Writes the range's statistics to an Excel workbook at `path` (through a `.part` file,
    /// so a failure leaves nothing half written). Reports the rows written over all sheets.
    pub async fn export_statistics(
        &self,
        q: StatisticsQuery,
        path: &Path,
    ) -> Result<ExportReport, CoreError> {
        let stats = self.statistics(q).await?;
        let partial = PathBuf::from(format!("{}.part", path.display()));
        let written = write_workbook(&stats, &partial).and_then(|rows| {
            std::fs::rename(&partial, path).map_err(io_error)?;
            Ok(rows)
        });
        match written {
            Ok(rows) => Ok(ExportReport {
                path: path.display().to_string(),
                rows,
            }),
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                Err(e)
            }
        }
    }
}

/// Money as an Excel number shown with two decimals (exact at that precision).
fn money_cell(sheet: &mut Worksheet, r: u32, c: u16, m: &Money) -> Result<(), CoreError> {
    let f = Format::new().set_num_format("#,##0.00");
    sheet
        .write_with_format(r, c, m.as_decimal(), &f)
        .map(|_| ())
        .map_err(xlsx_error)
}

fn share(part: Decimal, whole: Decimal) -> String {
    if whole.is_zero() {
        return "0.0%".into();
    }
    format!("{:.1}%", part * Decimal::from(100) / whole)
}

struct Sheet<'a> {
    sheet: &'a mut Worksheet,
    row: u32,
}

impl Sheet<'_> {
    fn header(&mut self, cells: &[&str]) -> Result<(), CoreError> {
        let bold = Format::new().set_bold();
        for (c, h) in cells.iter().enumerate() {
            self.sheet
                .write_string_with_format(self.row, c as u16, *h, &bold)
                .map_err(xlsx_error)?;
        }
        self.row += 1;
        Ok(())
    }

    fn text(&mut self, c: u16, s: &str) -> Result<(), CoreError> {
        self.sheet
            .write_string(self.row, c, s)
            .map(|_| ())
            .map_err(xlsx_error)
    }

    fn number(&mut self, c: u16, n: i64) -> Result<(), CoreError> {
        self.sheet
            .write_number(self.row, c, n as f64)
            .map(|_| ())
            .map_err(xlsx_error)
    }

    fn money(&mut self, c: u16, m: &Money) -> Result<(), CoreError> {
        money_cell(self.sheet, self.row, c, m)
    }
}

fn new_sheet<'a>(book: &'a mut Workbook, name: &str) -> Result<Sheet<'a>, CoreError> {
    let sheet = book.add_worksheet();
    sheet.set_name(name).map_err(xlsx_error)?;
    sheet.set_column_width(0, 24.0).map_err(xlsx_error)?;
    sheet.set_column_width(1, 20.0).map_err(xlsx_error)?;
    Ok(Sheet { sheet, row: 0 })
}

/// Writes the six sheets; returns the number of data rows.
fn write_workbook(s: &Statistics, path: &Path) -> Result<i64, CoreError> {
    let mut book = Workbook::new();
    let mut rows = 0i64;
    let revenue = s.totals.revenue.as_decimal();
    let app_name: HashMap<Uuid, &str> = s
        .apps
        .iter()
        .map(|a| (a.application_id, a.name.as_str()))
        .collect();

    {
        let mut sh = new_sheet(&mut book, "概览")?;
        sh.header(&["项目", "数值"])?;
        sh.text(0, "时间范围")?;
        sh.text(1, &format!("{} 至 {}", s.from, s.to))?;
        sh.row += 1;
        for (label, n) in [
            ("运营商总数", s.totals.operators),
            ("有场次的运营商", s.totals.active_operators),
            ("游戏场次", s.totals.sessions),
            ("玩家人次", s.totals.players),
        ] {
            sh.text(0, label)?;
            sh.number(1, n)?;
            sh.row += 1;
        }
        sh.text(0, "营收（元）")?;
        sh.money(1, &s.totals.revenue)?;
        rows += 6;
    }
    {
        let mut sh = new_sheet(&mut book, "应用排行")?;
        sh.header(&[
            "排名",
            "应用",
            "编码",
            "场次",
            "玩家人次",
            "营收（元）",
            "营收占比",
        ])?;
        for (i, a) in s.apps.iter().enumerate() {
            sh.number(0, i as i64 + 1)?;
            sh.text(1, &a.name)?;
            sh.text(2, &a.code)?;
            sh.number(3, a.sessions)?;
            sh.number(4, a.players)?;
            sh.money(5, &a.revenue)?;
            sh.text(6, &share(a.revenue.as_decimal(), revenue))?;
            sh.row += 1;
            rows += 1;
        }
    }
    {
        let mut sh = new_sheet(&mut book, "人数分布")?;
        sh.header(&["玩家人数", "场次", "场次占比", "营收（元）"])?;
        let all: i64 = s.player_counts.iter().map(|p| p.sessions).sum();
        for p in &s.player_counts {
            sh.text(0, &format!("{} 人", p.player_count))?;
            sh.number(1, p.sessions)?;
            sh.text(2, &share(Decimal::from(p.sessions), Decimal::from(all)))?;
            sh.money(3, &p.revenue)?;
            sh.row += 1;
            rows += 1;
        }
    }
    {
        // Site × time: one row per site, one column per step (revenue).
        let buckets: BTreeSet<NaiveDate> = s
            .sites
            .iter()
            .flat_map(|x| x.points.iter().map(|p| p.bucket))
            .collect();
        let mut sh = new_sheet(&mut book, "场地对比")?;
        let mut head = vec![
            "场地".to_string(),
            "运营商".into(),
            "场次".into(),
            "营收（元）".into(),
        ];
        head.extend(buckets.iter().map(|b| b.to_string()));
        sh.header(&head.iter().map(String::as_str).collect::<Vec<_>>())?;
        for site in &s.sites {
            sh.text(0, &site.site_name)?;
            sh.text(1, &site.operator_name)?;
            sh.number(2, site.sessions)?;
            sh.money(3, &site.revenue)?;
            let by: HashMap<NaiveDate, &Money> =
                site.points.iter().map(|p| (p.bucket, &p.revenue)).collect();
            for (i, b) in buckets.iter().enumerate() {
                if let Some(m) = by.get(b) {
                    sh.money(4 + i as u16, m)?;
                }
            }
            sh.row += 1;
            rows += 1;
        }
    }
    {
        // Operator × application (revenue), top operators.
        let apps: BTreeMap<&str, Uuid> = s
            .operator_apps
            .iter()
            .map(|c| {
                (
                    app_name.get(&c.application_id).copied().unwrap_or(""),
                    c.application_id,
                )
            })
            .collect();
        let mut sh = new_sheet(&mut book, "运营商×应用")?;
        let mut head = vec!["运营商", "账号", "营收（元）"];
        head.extend(apps.keys().copied());
        sh.header(&head)?;
        for op in &s.operators {
            sh.text(0, &op.name)?;
            sh.text(1, &op.username)?;
            sh.money(2, &op.revenue)?;
            for (i, app) in apps.values().enumerate() {
                if let Some(c) = s
                    .operator_apps
                    .iter()
                    .find(|c| c.operator_id == op.operator_id && c.application_id == *app)
                {
                    sh.money(3 + i as u16, &c.revenue)?;
                }
            }
            sh.row += 1;
            rows += 1;
        }
    }
    {
        // Application × player count (sessions).
        let counts: BTreeSet<i32> = s.app_players.iter().map(|c| c.player_count).collect();
        let mut sh = new_sheet(&mut book, "应用×人数")?;
        let labels: Vec<String> = counts.iter().map(|n| format!("{n} 人")).collect();
        let mut head = vec!["应用"];
        head.extend(labels.iter().map(String::as_str));
        sh.header(&head)?;
        for a in &s.apps {
            sh.text(0, &a.name)?;
            for (i, n) in counts.iter().enumerate() {
                if let Some(c) = s
                    .app_players
                    .iter()
                    .find(|c| c.application_id == a.application_id && c.player_count == *n)
                {
                    sh.number(1 + i as u16, c.sessions)?;
                }
            }
            sh.row += 1;
            rows += 1;
        }
    }
    book.save(path).map_err(xlsx_error)?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_to_one_decimal_and_survive_zero() {
        assert_eq!(share(Decimal::from(1), Decimal::from(3)), "33.3%");
        assert_eq!(share(Decimal::from(5), Decimal::ZERO), "0.0%");
    }

    #[test]
    fn a_range_longer_than_three_years_or_backwards_is_refused() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let q = |f: &str, t: &str| StatisticsQuery {
            from: d(f),
            to: d(t),
        };
        assert!(check(&q("2026-01-01", "2026-12-31")).is_ok());
        assert!(check(&q("2026-02-01", "2026-01-01")).is_err());
        assert!(check(&q("2020-01-01", "2026-01-01")).is_err());
    }
}
