//! R-L11: every launch request, success or failure, is recorded — written in batches by a
//! background task so the hot path only pushes onto a queue.

use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::mpsc;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Attempt {
    pub operator_id: Option<Uuid>,
    pub api_key_hash: Option<Vec<u8>>,
    pub site_ref: Option<String>,
    pub app_code: Option<String>,
    pub player_count: Option<i32>,
    pub session_id: Option<String>,
    pub result: &'static str,
    pub http_status: i16,
    pub client_ip: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone)]
pub struct AttemptLog {
    tx: mpsc::Sender<Attempt>,
}

const QUEUE: usize = 100_000;
const BATCH: usize = 2_000;
const FLUSH_EVERY: Duration = Duration::from_millis(200);

impl AttemptLog {
    pub fn start(pool: PgPool) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(writer(pool, rx));
        AttemptLog { tx }
    }

    /// Never waits: if the queue is full (the database is far behind), the attempt is counted
    /// in `mr_launch_attempts_dropped_total` instead of slowing launches.
    pub fn record(&self, a: Attempt) {
        metrics::counter!("mr_launch_attempts_total", "result" => a.result).increment(1);
        if self.tx.try_send(a).is_err() {
            metrics::counter!("mr_launch_attempts_dropped_total").increment(1);
        }
    }
}

async fn writer(pool: PgPool, mut rx: mpsc::Receiver<Attempt>) {
    let mut buf = Vec::with_capacity(BATCH);
    loop {
        let Some(first) = rx.recv().await else {
            return;
        };
        buf.push(first);
        // Gather what arrives within the flush interval, up to one batch.
        let deadline = tokio::time::Instant::now() + FLUSH_EVERY;
        while buf.len() < BATCH {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(a)) => buf.push(a),
                Ok(None) | Err(_) => break,
            }
        }
        let mut tries = 0;
        while let Err(e) = insert(&pool, &buf).await {
            tries += 1;
            if tries >= 5 {
                tracing::error!(error = %e, dropped = buf.len(), "recording launch attempts failed");
                metrics::counter!("mr_launch_attempts_dropped_total").increment(buf.len() as u64);
                break;
            }
            tokio::time::sleep(Duration::from_millis(500 * tries)).await;
        }
        buf.clear();
    }
}

async fn insert(pool: &PgPool, rows: &[Attempt]) -> Result<(), sqlx::Error> {
    let mut ops = Vec::with_capacity(rows.len());
    let mut hashes = Vec::with_capacity(rows.len());
    let mut sites = Vec::with_capacity(rows.len());
    let mut apps = Vec::with_capacity(rows.len());
    let mut players = Vec::with_capacity(rows.len());
    let mut sessions = Vec::with_capacity(rows.len());
    let mut results = Vec::with_capacity(rows.len());
    let mut statuses = Vec::with_capacity(rows.len());
    let mut ips = Vec::with_capacity(rows.len());
    let mut ats = Vec::with_capacity(rows.len());
    for a in rows {
        ops.push(a.operator_id);
        hashes.push(a.api_key_hash.clone());
        sites.push(a.site_ref.clone());
        apps.push(a.app_code.clone());
        players.push(a.player_count);
        sessions.push(a.session_id.clone());
        results.push(a.result);
        statuses.push(a.http_status);
        ips.push(a.client_ip.clone());
        ats.push(a.at);
    }
    sqlx::query(
        "INSERT INTO launch_attempts (operator_id, api_key_hash, site_ref, app_code, player_count,
                                      session_id, result, http_status, client_ip, attempted_at)
         SELECT * FROM unnest($1::uuid[], $2::bytea[], $3::text[], $4::text[], $5::int[],
                              $6::text[], $7::text[], $8::smallint[], $9::text[], $10::timestamptz[])",
    )
    .bind(ops)
    .bind(hashes)
    .bind(sites)
    .bind(apps)
    .bind(players)
    .bind(sessions)
    .bind(results)
    .bind(statuses)
    .bind(ips)
    .bind(ats)
    .execute(pool)
    .await?;
    Ok(())
}
