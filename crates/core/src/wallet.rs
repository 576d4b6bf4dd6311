//! The operator's wallet (R-O3, R-O4): recharges go to the server (they need the network),
//! while the balance, the orders' states and the 交易记录 are read from the local cache, where
//! sync keeps them current — so a confirmed payment shows up without asking again.

use std::path::Path;

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use mr_domain::{ErrorCode, Money};
use mr_protocol::payments::{CreateRecharge, RechargeOptions, RechargeOrder};
use mr_protocol::rows::{LedgerEntryRow, PaymentOrderRow};
use mr_protocol::sync::{Entity, SyncRow};
use mr_protocol::transactions::{
    TransactionPage, TransactionQuery, TransactionRow, TransactionTotals, PAGE_MAX,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::CoreError;
use crate::mirror::{self, time_text};
use crate::operator::OperatorOps;
use crate::transactions::{export_pages, ExportFormat, ExportReport};

/// The balance and the latest recharge orders, as the last pull left them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OperatorWallet {
    /// `None` before the first pull.
    #[ts(type = "string | null")]
    pub balance: Option<Money>,
    /// Newest first, at most [`RECENT_ORDERS`].
    pub orders: Vec<PaymentOrderRow>,
}

pub const RECENT_ORDERS: i64 = 20;
const ENTRY_TYPES: [&str; 4] = ["recharge", "consumption", "refund", "adjustment"];

fn invalid(field: &'static str, reason: &str) -> CoreError {
    CoreError::Invalid {
        code: ErrorCode::ValidationFailed,
        field,
        reason: reason.into(),
    }
}

/// The instant a China-time (UTC+8) calendar day starts, as the mirror's sortable text.
fn day_start(day: NaiveDate) -> String {
    let tz = mr_domain::time::business_tz();
    let start = tz
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .single()
        .expect("a fixed offset has no gaps");
    time_text(&start.with_timezone(&Utc))
}

/// The ledger rows of the cache that a filter matches: `(where clause, binds)` appended to
/// `q`, so the page and its totals read the same rows.
fn push_filter(q: &mut QueryBuilder<'_, Sqlite>, f: &TransactionQuery) {
    q.push(" FROM mirror_rows WHERE entity = ")
        .push_bind(Entity::LedgerEntry.as_str());
    if let Some(t) = &f.entry_type {
        q.push(" AND status = ").push_bind(t.clone());
    }
    if let Some(from) = f.from {
        q.push(" AND at >= ").push_bind(day_start(from));
    }
    if let Some(to) = f.to {
        q.push(" AND at < ")
            .push_bind(day_start(to + Duration::days(1)));
    }
    if let Some(until) = f.until {
        q.push(" AND at <= ").push_bind(time_text(&until));
    }
}

/// A payment order as the mirror keeps it.
fn payment_order(json: &str) -> Result<PaymentOrderRow, CoreError> {
    match SyncRow::from_json_str(Entity::PaymentOrder, json) {
        Ok(SyncRow::PaymentOrder(o)) => Ok(o),
        Ok(_) => Err(CoreError::Cache("payment order: wrong entity".into())),
        Err(e) => Err(CoreError::Cache(format!("payment order: {e}"))),
    }
}

fn money(d: Decimal) -> Result<Money, CoreError> {
    Money::from_decimal(d).map_err(|e| CoreError::Cache(format!("ledger total: {e}")))
}

impl OperatorOps {
    /// The channels this server offers and the limits. Needs the network.
    pub async fn recharge_options(&self) -> Result<RechargeOptions, CoreError> {
        self.session()
            .authed(|api, token| async move {
                api.get_json(mr_protocol::payments::OPTIONS_PATH, Some(&token))
                    .await
            })
            .await
    }

    /// Creates a recharge order at the server, which asks the channel for a QR code. Needs the
    /// network: offline it fails with `SERVER_UNREACHABLE`, and nothing is queued — a QR code
    /// made later than the user asked would be a surprise, not a convenience.
    pub async fn create_recharge(&self, req: CreateRecharge) -> Result<RechargeOrder, CoreError> {
        if !matches!(req.channel.as_str(), "alipay" | "wechat") {
            return Err(invalid("channel", "alipay or wechat"));
        }
        let amount = mr_domain::payment::recharge_amount(&req.amount)
            .map_err(|e| invalid("amount", e.reason()))?;
        let body = CreateRecharge {
            channel: req.channel,
            amount: amount.to_string(),
            mode: req.mode,
        };
        self.session()
            .authed(|api, token| {
                let body = body.clone();
                async move {
                    api.post_json(mr_protocol::payments::ORDERS_PATH, &body, Some(&token))
                        .await
                }
            })
            .await
    }

    /// Sandbox only (R-P4): asks the sandbox gateway to play the buyer and pay the order, as a
    /// person scanning the code would. The order is read from the server (it may be too new
    /// for the cache); a real channel's order is refused here.
    pub async fn sandbox_pay(&self, order_id: Uuid) -> Result<(), CoreError> {
        let path = format!("{}/{order_id}", mr_protocol::payments::ORDERS_PATH);
        let order: RechargeOrder = self
            .session()
            .authed(|api, token| {
                let path = path.clone();
                async move { api.get_json(&path, Some(&token)).await }
            })
            .await?;
        if !order.is_sandbox {
            return Err(invalid("order_id", "not a sandbox order"));
        }
        let path = format!("/sandbox/{}/pay/{}", order.channel, order.out_trade_no);
        self.session()
            .authed(|api, token| {
                let path = path.clone();
                async move { api.post_empty(&path, Some(&token)).await }
            })
            .await
    }

    /// One order as the cache holds it, or `None` when sync has not brought it yet.
    pub async fn recharge_order(&self, id: Uuid) -> Result<Option<PaymentOrderRow>, CoreError> {
        let mut conn = self.session().cache().pool().acquire().await?;
        let text: Option<String> =
            sqlx::query_scalar("SELECT json FROM mirror_rows WHERE entity = ? AND id = ?")
                .bind(Entity::PaymentOrder.as_str())
                .bind(id.to_string())
                .fetch_optional(&mut *conn)
                .await?;
        text.as_deref().map(payment_order).transpose()
    }

    /// The balance and the newest recharge orders, from the cache (works offline).
    pub async fn wallet(&self) -> Result<OperatorWallet, CoreError> {
        let mut tx = self.session().cache().pool().begin().await?;
        let balance = mirror::operator(&mut tx, self.session().user().id)
            .await?
            .map(|p| p.balance);
        let texts: Vec<String> = sqlx::query_scalar(
            "SELECT json FROM mirror_rows WHERE entity = ? ORDER BY at DESC, id LIMIT ?",
        )
        .bind(Entity::PaymentOrder.as_str())
        .bind(RECENT_ORDERS)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let orders = texts
            .iter()
            .map(|t| payment_order(t))
            .collect::<Result<_, _>>()?;
        Ok(OperatorWallet { balance, orders })
    }

    /// 交易记录 (R-O4): one page of the operator's own ledger from the cache, newest first,
    /// with totals over the whole filter. `operator_id` is ignored (the cache holds only this
    /// operator's entries).
    pub async fn ledger(&self, q: TransactionQuery) -> Result<TransactionPage, CoreError> {
        if !(1..=PAGE_MAX).contains(&q.limit) || q.offset < 0 {
            return Err(invalid("limit", "offset ≥ 0, limit 1 to 2000"));
        }
        if let Some(t) = &q.entry_type {
            if !ENTRY_TYPES.contains(&t.as_str()) {
                return Err(invalid(
                    "entry_type",
                    "recharge, consumption, refund or adjustment",
                ));
            }
        }
        if let (Some(from), Some(to)) = (q.from, q.to) {
            if from > to {
                return Err(invalid("from", "the start date is after the end date"));
            }
        }
        let mut tx = self.session().cache().pool().begin().await?;
        let me = mirror::operator(&mut tx, self.session().user().id).await?;
        let mut page = QueryBuilder::<Sqlite>::new("SELECT json");
        push_filter(&mut page, &q);
        page.push(" ORDER BY at DESC, id DESC LIMIT ")
            .push_bind(q.limit)
            .push(" OFFSET ")
            .push_bind(q.offset);
        let texts: Vec<String> = page.build_query_scalar().fetch_all(&mut *tx).await?;
        // Totals in exact decimals: the amounts are summed here, not as SQLite floats.
        let mut all = QueryBuilder::<Sqlite>::new("SELECT json_extract(json, '$.amount')");
        push_filter(&mut all, &q);
        let amounts: Vec<String> = all.build_query_scalar().fetch_all(&mut *tx).await?;
        tx.commit().await?;

        let (mut credits, mut debits) = (Decimal::ZERO, Decimal::ZERO);
        for a in &amounts {
            let d: Decimal = a
                .parse()
                .map_err(|_| CoreError::Cache(format!("ledger amount {a:?}")))?;
            if d.is_sign_negative() {
                debits += d;
            } else {
                credits += d;
            }
        }
        let (username, name) = me.map(|p| (p.username, p.display_name)).unwrap_or_default();
        let mut items = Vec::with_capacity(texts.len());
        for t in texts {
            let entry: LedgerEntryRow = match SyncRow::from_json_str(Entity::LedgerEntry, &t) {
                Ok(SyncRow::LedgerEntry(e)) => e,
                Ok(_) => return Err(CoreError::Cache("ledger entry: wrong entity".into())),
                Err(e) => return Err(CoreError::Cache(format!("ledger entry: {e}"))),
            };
            items.push(TransactionRow {
                entry,
                operator_username: username.clone(),
                operator_name: name.clone(),
            });
        }
        Ok(TransactionPage {
            items,
            totals: TransactionTotals {
                count: amounts.len() as i64,
                credits: money(credits)?,
                debits: money(debits)?,
                net: money(credits + debits)?,
            },
        })
    }

    /// Writes the filtered ledger to `path` (Excel or CSV), page by page, with progress.
    pub async fn export_ledger(
        &self,
        mut q: TransactionQuery,
        format: ExportFormat,
        path: &Path,
        progress: impl Fn(i64, i64),
    ) -> Result<ExportReport, CoreError> {
        // Pinned, so entries that arrive through sync meanwhile do not shift the pages.
        q.until = Some(Utc::now());
        export_pages(q, format, path, progress, |q| self.ledger(q)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_china_day_starts_at_four_pm_utc_the_day_before() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(day_start(d), "2026-11-25T16:00:00.000000Z");
    }
}
