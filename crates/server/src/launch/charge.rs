//! The charging step (R-L3..R-L6) with group commit: launches that arrive together are
//! charged in one transaction by `launch_charge_batch` (migrations/…_launch.sql), so the
//! database pays one commit for many launches. An idle server runs each launch alone at once;
//! under load, batches form by themselves while the previous transaction commits.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot, Mutex};
use uuid::Uuid;

use crate::error::ApiError;

/// One launch that passed every check that needs no database.
#[derive(Debug, Clone)]
pub struct PendingLaunch {
    pub session_id: String,
    pub operator_id: Uuid,
    pub key_hash: Vec<u8>,
    pub site_id: Uuid,
    pub app_code: String,
    pub player_count: i32,
    pub token: String,
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

/// The database's verdict on one launch.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Outcome {
    pub idx: i32,
    /// `OK`, `REPEAT` or an error code.
    pub code: String,
    pub app_code: Option<String>,
    pub app_name: Option<String>,
    pub site_id: Option<Uuid>,
    pub player_count: Option<i32>,
    pub unit_price: Option<Decimal>,
    pub total_cost: Option<Decimal>,
    pub balance: Option<Decimal>,
    pub min_players: Option<i32>,
    pub max_players: Option<i32>,
    pub authorized_at: Option<DateTime<Utc>>,
    pub launch_token: Option<String>,
}

type Reply = oneshot::Sender<Result<Outcome, ApiError>>;

#[derive(Clone)]
pub struct Charger {
    tx: mpsc::Sender<(PendingLaunch, Reply)>,
}

impl Charger {
    pub fn start(pool: PgPool, workers: usize, batch_max: usize) -> Self {
        let (tx, rx) = mpsc::channel::<(PendingLaunch, Reply)>(batch_max * workers * 16);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..workers {
            let rx = rx.clone();
            let pool = pool.clone();
            tokio::spawn(async move {
                loop {
                    let mut jobs = Vec::with_capacity(batch_max);
                    {
                        let mut rx = rx.lock().await;
                        let Some(first) = rx.recv().await else {
                            return;
                        };
                        jobs.push(first);
                        while jobs.len() < batch_max {
                            match rx.try_recv() {
                                Ok(j) => jobs.push(j),
                                Err(_) => break,
                            }
                        }
                    }
                    run(&pool, jobs).await;
                }
            });
        }
        Charger { tx }
    }

    pub async fn charge(&self, launch: PendingLaunch) -> Result<Outcome, ApiError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send((launch, reply))
            .await
            .map_err(|_| ApiError::new(mr_domain::ErrorCode::ServiceUnavailable))?;
        rx.await
            .map_err(|_| ApiError::new(mr_domain::ErrorCode::ServiceUnavailable))?
    }
}

async fn run(pool: &PgPool, mut jobs: Vec<(PendingLaunch, Reply)>) {
    // Session-id order is the lock order of `launch_charge_batch`.
    jobs.sort_by(|a, b| a.0.session_id.cmp(&b.0.session_id));
    metrics::histogram!("mr_launch_batch_size").record(jobs.len() as f64);
    let launches: Vec<&PendingLaunch> = jobs.iter().map(|(l, _)| l).collect();
    match charge_batch(pool, &launches).await {
        Ok(outcomes) => deliver(jobs, outcomes),
        Err(e) if jobs.len() > 1 => {
            // One launch must not fail the others: retry each alone.
            tracing::warn!(error = %e, size = jobs.len(), "launch batch failed; retrying one by one");
            for (launch, reply) in jobs {
                let r = charge_batch(pool, &[&launch]).await;
                let _ = reply.send(match r {
                    Ok(mut o) if o.len() == 1 => Ok(o.remove(0)),
                    Ok(_) => Err(ApiError::internal("launch", "batch returned no row")),
                    Err(e) => Err(ApiError::from(e)),
                });
            }
        }
        Err(e) => {
            let code = ApiError::from(e).code;
            for (_, reply) in jobs {
                let _ = reply.send(Err(ApiError::new(code)));
            }
        }
    }
}

fn deliver(jobs: Vec<(PendingLaunch, Reply)>, outcomes: Vec<Outcome>) {
    let mut by_idx: Vec<Option<Outcome>> = vec![None; jobs.len()];
    for o in outcomes {
        if let Some(slot) = usize::try_from(o.idx - 1)
            .ok()
            .and_then(|i| by_idx.get_mut(i))
        {
            *slot = Some(o);
        }
    }
    for ((_, reply), o) in jobs.into_iter().zip(by_idx) {
        let _ = reply.send(o.ok_or_else(|| ApiError::internal("launch", "missing batch row")));
    }
}

async fn charge_batch(
    pool: &PgPool,
    launches: &[&PendingLaunch],
) -> Result<Vec<Outcome>, sqlx::Error> {
    let n = launches.len();
    let mut sessions = Vec::with_capacity(n);
    let mut ops = Vec::with_capacity(n);
    let mut hashes = Vec::with_capacity(n);
    let mut sites = Vec::with_capacity(n);
    let mut apps = Vec::with_capacity(n);
    let mut players = Vec::with_capacity(n);
    let mut tokens = Vec::with_capacity(n);
    let mut ats = Vec::with_capacity(n);
    let mut ips = Vec::with_capacity(n);
    let mut request_ids = Vec::with_capacity(n);
    let mut session_uuids = Vec::with_capacity(n);
    let mut ledger_uuids = Vec::with_capacity(n);
    for l in launches {
        session_uuids.push(Uuid::now_v7());
        ledger_uuids.push(Uuid::now_v7());
        sessions.push(l.session_id.as_str());
        ops.push(l.operator_id);
        hashes.push(l.key_hash.as_slice());
        sites.push(l.site_id);
        apps.push(l.app_code.as_str());
        players.push(l.player_count);
        tokens.push(l.token.as_str());
        ats.push(l.at);
        ips.push(l.ip.as_deref());
        request_ids.push(l.request_id.as_deref());
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        // One statement in autocommit: the function's work and the commit cost one round trip.
        let r = sqlx::query_as::<_, Outcome>(
            "SELECT * FROM launch_charge_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&sessions)
        .bind(&ops)
        .bind(&hashes)
        .bind(&sites)
        .bind(&apps)
        .bind(&players)
        .bind(&tokens)
        .bind(&ats)
        .bind(&ips)
        .bind(&request_ids)
        .bind(&session_uuids)
        .bind(&ledger_uuids)
        .fetch_all(pool)
        .await;
        match r {
            // A deadlock with a writer outside the hot path is resolved by PostgreSQL aborting
            // one side; ours simply runs again.
            Err(sqlx::Error::Database(db))
                if attempt < 3 && matches!(db.code().as_deref(), Some("40P01" | "40001")) =>
            {
                continue
            }
            other => return other,
        }
    }
}
