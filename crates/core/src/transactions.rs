//! 交易监控 (R-A6) at the desktop core: pages of every operator's ledger from the server (the
//! cache does not hold them), and the export to Excel or CSV (R-D7) written here, page by page,
//! with progress, so a million rows never sit in memory at once.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;
use mr_domain::{ErrorCode, Permission};
use mr_protocol::transactions::{
    TransactionPage, TransactionQuery, TransactionRow, PAGE_MAX, PATH,
};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::admin::AdminOps;
use crate::error::CoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Xlsx,
    Csv,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv => "csv",
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ExportReport {
    pub path: String,
    #[ts(type = "number")]
    pub rows: i64,
}

const HEADERS: [&str; 10] = [
    "时间",
    "运营商账号",
    "运营商名称",
    "类型",
    "金额",
    "变动前余额",
    "变动后余额",
    "说明",
    "关联类型",
    "关联编号",
];

fn type_label(t: &str) -> &str {
    match t {
        "recharge" => "充值",
        "consumption" => "消费",
        "refund" => "退款",
        "adjustment" => "调整",
        other => other,
    }
}

/// The business's clock (China time) for the time column.
fn china_time(row: &TransactionRow) -> String {
    let tz = mr_domain::time::business_tz();
    row.entry
        .created_at
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn query_string(q: &TransactionQuery) -> String {
    let mut parts = vec![format!("offset={}", q.offset), format!("limit={}", q.limit)];
    if let Some(o) = q.operator_id {
        parts.push(format!("operator_id={o}"));
    }
    if let Some(t) = &q.entry_type {
        // One of four fixed words (the server refuses anything else).
        parts.push(format!(
            "entry_type={}",
            t.replace(|c: char| !c.is_ascii_alphabetic(), "")
        ));
    }
    if let Some(f) = q.from {
        parts.push(format!("from={f}"));
    }
    if let Some(t) = q.to {
        parts.push(format!("to={t}"));
    }
    if let Some(u) = q.until {
        // RFC 3339 with `Z`: no character that needs escaping in a query string.
        parts.push(format!(
            "until={}",
            u.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        ));
    }
    parts.join("&")
}

/// Writes rows to the chosen format as they arrive.
enum Sink {
    Csv(std::io::BufWriter<std::fs::File>),
    Xlsx(Box<Workbook>, u32),
}

pub(crate) fn xlsx_error(e: XlsxError) -> CoreError {
    CoreError::Io(format!("Excel file: {e}"))
}

pub(crate) fn io_error(e: std::io::Error) -> CoreError {
    CoreError::Io(e.to_string())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Sink {
    fn open(path: &Path, format: ExportFormat) -> Result<Sink, CoreError> {
        match format {
            ExportFormat::Csv => {
                let mut w = std::io::BufWriter::new(std::fs::File::create(path).map_err(io_error)?);
                // A byte-order mark, so Excel reads the Chinese text as UTF-8.
                w.write_all(b"\xEF\xBB\xBF").map_err(io_error)?;
                writeln!(w, "{}", HEADERS.join(",")).map_err(io_error)?;
                Ok(Sink::Csv(w))
            }
            ExportFormat::Xlsx => {
                let mut book = Workbook::new();
                let sheet = book.add_worksheet_with_constant_memory();
                sheet.set_name("交易记录").map_err(xlsx_error)?;
                let bold = Format::new().set_bold();
                for (i, h) in HEADERS.iter().enumerate() {
                    sheet
                        .write_string_with_format(0, i as u16, *h, &bold)
                        .map_err(xlsx_error)?;
                }
                for (col, width) in [(0, 20.0), (1, 24.0), (2, 24.0), (7, 40.0), (9, 38.0)] {
                    sheet.set_column_width(col, width).map_err(xlsx_error)?;
                }
                Ok(Sink::Xlsx(Box::new(book), 1))
            }
        }
    }

    fn sheet(book: &mut Workbook) -> Result<&mut Worksheet, CoreError> {
        book.worksheet_from_index(0).map_err(xlsx_error)
    }

    fn write(&mut self, row: &TransactionRow) -> Result<(), CoreError> {
        let e = &row.entry;
        let texts = [
            china_time(row),
            row.operator_username.clone(),
            row.operator_name.clone(),
            type_label(&e.entry_type).to_string(),
            e.amount.to_string(),
            e.balance_before.to_string(),
            e.balance_after.to_string(),
            e.description.clone().unwrap_or_default(),
            e.reference_type.clone().unwrap_or_default(),
            e.reference_id.map(|u| u.to_string()).unwrap_or_default(),
        ];
        match self {
            Sink::Csv(w) => {
                let line: Vec<String> = texts.iter().map(|t| csv_field(t)).collect();
                writeln!(w, "{}", line.join(",")).map_err(io_error)
            }
            Sink::Xlsx(book, next) => {
                let r = *next;
                *next += 1;
                let money = Format::new().set_num_format("#,##0.00");
                let sheet = Sink::sheet(book)?;
                for (col, text) in texts.iter().enumerate() {
                    let col = col as u16;
                    let amount = match col {
                        4 => Some(e.amount),
                        5 => Some(e.balance_before),
                        6 => Some(e.balance_after),
                        _ => None,
                    };
                    match amount {
                        // Excel keeps numbers as binary doubles; two decimals show exactly.
                        // The CSV keeps the exact decimal text.
                        Some(m) => sheet
                            .write_with_format(r, col, m.as_decimal(), &money)
                            .map(|_| ())
                            .map_err(xlsx_error)?,
                        None => sheet
                            .write_string(r, col, text)
                            .map(|_| ())
                            .map_err(xlsx_error)?,
                    }
                }
                Ok(())
            }
        }
    }

    fn finish(self, path: &Path) -> Result<(), CoreError> {
        match self {
            Sink::Csv(mut w) => w.flush().map_err(io_error),
            Sink::Xlsx(mut book, _) => book.save(path).map_err(xlsx_error),
        }
    }
}

impl AdminOps {
    /// 交易监控: one page with totals over the whole filter. Needs the network.
    pub async fn transactions(&self, q: TransactionQuery) -> Result<TransactionPage, CoreError> {
        self.may(Permission::ViewAllTransactions)?;
        if !(1..=PAGE_MAX).contains(&q.limit) || q.offset < 0 {
            return Err(CoreError::Invalid {
                code: ErrorCode::ValidationFailed,
                field: "limit",
                reason: "offset ≥ 0, limit 1 to 2000".into(),
            });
        }
        let path = format!("{PATH}?{}", query_string(&q));
        self.session()
            .authed(|api, token| {
                let path = path.clone();
                async move { api.get_json::<TransactionPage>(&path, Some(&token)).await }
            })
            .await
    }

    /// Writes every row the filter matches to `path`, 2,000 per request, newest first, and
    /// reports `(written, total)` after each page (see [`export_pages`]).
    pub async fn export_transactions(
        &self,
        mut q: TransactionQuery,
        format: ExportFormat,
        path: &Path,
        progress: impl Fn(i64, i64),
    ) -> Result<ExportReport, CoreError> {
        q.until = Some(Utc::now());
        export_pages(q, format, path, progress, |q| self.transactions(q)).await
    }
}

/// Writes every page `fetch` answers for `q` (2,000 rows each, `until` pinned by the caller) to
/// `path`, reporting `(written, total)` after each page. The file is written next to `path`
/// and moved into place at the end, so a failed export leaves no half file behind.
pub(crate) async fn export_pages<F, Fut>(
    mut q: TransactionQuery,
    format: ExportFormat,
    path: &Path,
    progress: impl Fn(i64, i64),
    fetch: F,
) -> Result<ExportReport, CoreError>
where
    F: Fn(TransactionQuery) -> Fut,
    Fut: std::future::Future<Output = Result<TransactionPage, CoreError>>,
{
    q.limit = PAGE_MAX;
    q.offset = 0;
    let partial = PathBuf::from(format!("{}.part", path.display()));
    let mut sink = Sink::open(&partial, format)?;
    let mut written = 0i64;
    let result: Result<(), CoreError> = async {
        loop {
            let page = fetch(q.clone()).await?;
            for row in &page.items {
                sink.write(row)?;
            }
            written += page.items.len() as i64;
            progress(written, page.totals.count);
            if page.items.len() < PAGE_MAX as usize || written >= page.totals.count {
                return Ok(());
            }
            q.offset += PAGE_MAX;
        }
    }
    .await;
    match result.and_then(|()| sink.finish(&partial)) {
        Ok(()) => {
            std::fs::rename(&partial, path).map_err(io_error)?;
            Ok(ExportReport {
                path: path.display().to_string(),
                rows: written,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("充值"), "充值");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn the_query_string_carries_every_filter() {
        let q = TransactionQuery {
            operator_id: Some(uuid::Uuid::nil()),
            entry_type: Some("recharge".into()),
            from: chrono::NaiveDate::from_ymd_opt(2026, 11, 1),
            to: chrono::NaiveDate::from_ymd_opt(2026, 11, 30),
            until: None,
            offset: 40,
            limit: 20,
        };
        assert_eq!(
            query_string(&q),
            "offset=40&limit=20&operator_id=00000000-0000-0000-0000-000000000000&entry_type=recharge&from=2026-11-01&to=2026-11-30"
        );
    }
}
