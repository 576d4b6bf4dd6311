//! The sync engine: push the outbox, then pull the change feed until up to date.
//!
//! One round ([`ActiveSession::sync_once`]):
//! 1. **Push** the unsettled outbox entries in seq order (batches of [`PUSH_BATCH`]). The server
//!    applies each exactly once (a resend gets the stored result back). Accepted entries stay,
//!    with the feed position of their effect, until the pull brings that effect into the mirror;
//!    rejected entries move to the conflicts panel at once, so their optimistic effect vanishes.
//! 2. **Pull** pages until the server says `up_to_date`. Each page (or several consecutive
//!    pages that arrived while the previous ones were written), its cursor and the removal of
//!    the accepted entries it covers are one SQLite transaction: the mirror, the cursor and the
//!    overlay never disagree, whatever moment the app is killed at. The next page is fetched
//!    while the current ones are written.
//!
//! A pull under another scope epoch than the stored one (what the user may see changed), or a
//! `CURSOR_INVALID` answer, wipes the mirror and its cursor (never the outbox or conflicts) and
//! bootstraps again. When the server is unreachable or answers 503, nothing local changes
//! except `last_error`; the caller retries with backoff ([`crate::sync_loop`]).

use chrono::Utc;
use mr_domain::ErrorCode;
use mr_protocol::sync::{
    Command, Entity, PullResponse, PushRequest, SyncRow, SYNC_PROTOCOL_VERSION,
};
use mr_protocol::ErrorBody;

use crate::cache::{meta, set_meta, Cache};
use crate::conflicts;
use crate::error::CoreError;
use crate::mirror::{self, parse_time, time_text};
use crate::outbox::{self, write_tx, Entry};
use crate::session::ActiveSession;
use crate::views::{Conflict, SyncProgress, SyncReport, SyncStatus};

/// Commands per push request.
pub const PUSH_BATCH: i64 = 500;
/// Changes asked for per pull page (the server may send fewer).
pub const PULL_LIMIT: u32 = 2000;
/// Re-bootstraps allowed within one round before giving up (a server flapping its epoch).
const MAX_RESETS: u32 = 2;
/// The feed serves a transaction only once every older one has finished, so right after a
/// push the pull may not include the accepted effects yet. A round pulls again after these
/// pauses (1.55 s in all) so that "sync now" returns with its own writes in the mirror.
const SETTLE_PAUSES_MS: [u64; 5] = [50, 100, 200, 400, 800];

impl ActiveSession {
    /// One sync round: push the outbox, pull until up to date. Rounds of one session never
    /// overlap (the background loop and "sync now" take turns). On failure the error is also
    /// kept as the status's `last_error`; nothing queued is ever dropped by a failure.
    pub async fn sync_once(&self) -> Result<SyncReport, CoreError> {
        self.round(true, true).await
    }

    /// Only the push half of a round (diagnostics, tests): accepted commands stay in the
    /// outbox until a pull brings their effect.
    pub async fn push_outbox(&self) -> Result<SyncReport, CoreError> {
        self.round(true, false).await
    }

    /// Only the pull half of a round.
    pub async fn pull_changes(&self) -> Result<SyncReport, CoreError> {
        self.round(false, true).await
    }

    async fn round(&self, pushing: bool, pulling: bool) -> Result<SyncReport, CoreError> {
        let _round = self.sync_runtime().run_lock.lock().await;
        let mut report = SyncReport::default();
        let result = async {
            if pushing {
                push(self, &mut report).await?;
            }
            if pulling {
                pull(self, &mut report).await?;
                let pool = self.cache().pool();
                for pause in SETTLE_PAUSES_MS {
                    report.awaiting_pull = outbox::awaiting_pull(pool).await?;
                    if report.awaiting_pull == 0 {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                    pull(self, &mut report).await?;
                }
                report.awaiting_pull = outbox::awaiting_pull(pool).await?;
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                self.cache().delete_meta(meta::SYNC_LAST_ERROR).await?;
                tracing::debug!(workspace = self.workspace().as_str(), ?report, "synced");
                Ok(report)
            }
            Err(e) => {
                self.record_sync_error(&e).await;
                Err(e)
            }
        }
    }

    async fn record_sync_error(&self, e: &CoreError) {
        tracing::info!(workspace = self.workspace().as_str(), error = %e, "sync failed");
        let body = e.to_body(self.api().lang());
        let stored = match serde_json::to_string(&body) {
            Ok(json) => self.cache().set_meta(meta::SYNC_LAST_ERROR, &json).await,
            Err(err) => Err(CoreError::Cache(err.to_string())),
        };
        if let Err(err) = stored {
            tracing::warn!(error = %err, "could not record the sync error");
        }
    }

    /// The header badge: online, queued count, last sync, last error, open conflicts.
    pub async fn sync_status(&self) -> Result<SyncStatus, CoreError> {
        let cache = self.cache();
        let last_synced_at = cache
            .meta(meta::SYNC_LAST_SYNCED_AT)
            .await?
            .map(|s| parse_time(&s))
            .transpose()?;
        let last_error = cache
            .meta(meta::SYNC_LAST_ERROR)
            .await?
            .and_then(|s| serde_json::from_str::<ErrorBody>(&s).ok());
        Ok(SyncStatus {
            online: self.connection_state().online,
            pending: outbox::count(cache.pool()).await?,
            last_synced_at,
            update_required: last_error
                .as_ref()
                .is_some_and(|e| e.code == ErrorCode::ProtocolUnsupported),
            last_error,
            conflicts: conflicts::open_count(cache.pool()).await?,
            progress: self.sync_runtime().progress(),
        })
    }

    /// Rejected commands not dismissed yet, oldest first.
    pub async fn conflicts(&self) -> Result<Vec<Conflict>, CoreError> {
        conflicts::list(self.cache().pool(), false).await
    }

    /// Hides a conflict from the panel (it stays in the cache as history).
    pub async fn dismiss_conflict(&self, id: i64) -> Result<(), CoreError> {
        if conflicts::dismiss(self.cache().pool(), id, Utc::now()).await? {
            Ok(())
        } else {
            Err(CoreError::Invalid {
                code: ErrorCode::NotFound,
                field: "id",
                reason: format!("no open conflict {id}"),
            })
        }
    }

    /// The outbox as it is (diagnostics view): pending and accepted-not-yet-pulled entries.
    pub async fn outbox(&self) -> Result<Vec<Entry>, CoreError> {
        outbox::entries(&mut *self.cache().pool().acquire().await?).await
    }

    /// Rows per entity in the mirror (diagnostics view).
    pub async fn mirror_counts(&self) -> Result<Vec<(Entity, i64)>, CoreError> {
        mirror::counts(&mut *self.cache().pool().acquire().await?).await
    }

    /// The mirror's rows of an entity kept as JSON (staff scopes, authorizations, ledger …),
    /// newest first.
    pub async fn mirror_rows(&self, entity: Entity) -> Result<Vec<SyncRow>, CoreError> {
        mirror::json_rows(&mut *self.cache().pool().acquire().await?, entity).await
    }

    /// The mirror's position in the change feed (diagnostics view).
    pub async fn sync_cursor(&self) -> Result<Option<String>, CoreError> {
        self.cache().meta(meta::SYNC_CURSOR).await
    }

    /// Queues a command as it is, without the local checks of the role-typed use cases (the
    /// server checks everything again anyway), and wakes the background loop.
    pub async fn queue(&self, command: Command) -> Result<Entry, CoreError> {
        let _queue = self.lock_queue().await;
        self.queue_locked(&command).await
    }

    /// Held while a use case checks its input against the current view and queues: two
    /// commands queued at once cannot both pass a uniqueness check.
    pub(crate) async fn lock_queue(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.sync_runtime().queue_lock.lock().await
    }

    pub(crate) async fn queue_locked(&self, command: &Command) -> Result<Entry, CoreError> {
        let entry = outbox::queue(self.cache().pool(), command, Utc::now()).await?;
        tracing::debug!(seq = entry.seq, name = %entry.name, "command queued");
        self.sync_runtime().wake();
        Ok(entry)
    }
}

/// Sends the unsettled entries and records the results.
async fn push(session: &ActiveSession, report: &mut SyncReport) -> Result<(), CoreError> {
    let pool = session.cache().pool();
    let device_id = session.cache().device_id().await?;
    loop {
        let batch = outbox::unsettled(pool, PUSH_BATCH).await?;
        if batch.is_empty() {
            return Ok(());
        }
        let seqs: Vec<i64> = batch.iter().map(|e| e.seq).collect();
        let req = PushRequest {
            device_id,
            protocol_version: SYNC_PROTOCOL_VERSION,
            commands: batch.iter().map(Entry::envelope).collect(),
        };
        report.pushed += i64::try_from(batch.len()).unwrap_or(i64::MAX);
        let req = &req;
        let sent = session
            .authed(|api, token| async move { api.sync_push(&token, req).await })
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                outbox::note_attempt(pool, &seqs, &e.to_string()).await?;
                return Err(e);
            }
        };
        let settled = outbox::settle(pool, &resp.results, resp.last_seq, Utc::now()).await?;
        report.accepted += settled.accepted;
        report.rejected += settled.rejected;
        let answered: std::collections::HashSet<_> =
            resp.results.iter().map(|r| r.command_id).collect();
        let unsettled: Vec<i64> = batch
            .iter()
            .filter(|e| !answered.contains(&e.command_id))
            .map(|e| e.seq)
            .collect();
        if !unsettled.is_empty() {
            // The server stopped early (a gap, or its own batch limit): resend them next round.
            tracing::info!(
                left = unsettled.len(),
                last_seq = resp.last_seq,
                "push partly settled"
            );
            outbox::note_attempt(pool, &unsettled, "not settled by the server yet").await?;
            return Ok(());
        }
        if i64::try_from(batch.len()).unwrap_or(i64::MAX) < PUSH_BATCH {
            return Ok(());
        }
    }
}

/// Pulls pages until the server has nothing more to send; rebuilds the mirror from scratch when
/// the server says its scope changed or refuses the cursor.
async fn pull(session: &ActiveSession, report: &mut SyncReport) -> Result<(), CoreError> {
    let mut resets = 0;
    let result = loop {
        match pull_pages(session, report).await {
            Ok(PullEnd::Done) => break Ok(()),
            Ok(PullEnd::Reset(epoch)) => {
                if resets >= MAX_RESETS {
                    break Err(CoreError::Protocol(
                        "the server keeps changing the scope or refusing the cursor".into(),
                    ));
                }
                if let Err(e) = reset_mirror(session.cache(), epoch).await {
                    break Err(e);
                }
                resets += 1;
                report.rebootstrapped = true;
            }
            Err(e) => break Err(e),
        }
    };
    session.sync_runtime().set_progress(None);
    result
}

enum PullEnd {
    Done,
    /// Start over from an empty mirror (under this epoch, when the server named one).
    Reset(Option<i64>),
}

/// Pages waiting to be applied, at most. Bounds the memory a fast server can fill.
const PIPELINE_PAGES: usize = 8;
/// Changes applied in one SQLite transaction, at most, when several pages are waiting.
const APPLY_BATCH_CHANGES: usize = 20_000;

/// Fetches pages and applies them at the same time: the next request (server work, transfer,
/// JSON decoding) runs while SQLite writes the pages already here. Pages that arrived meanwhile
/// are applied together, in order, in one transaction with the last one's cursor: the mirror
/// and its cursor still never disagree, and fewer, larger transactions spare an initial sync
/// most of its index writes (each commit rewrites every index page it touched).
async fn pull_pages(
    session: &ActiveSession,
    report: &mut SyncReport,
) -> Result<PullEnd, CoreError> {
    let cache = session.cache();
    let cursor = cache.meta(meta::SYNC_CURSOR).await?;
    let epoch: Option<i64> = cache
        .meta(meta::SYNC_SCOPE_EPOCH)
        .await?
        .and_then(|s| s.parse().ok());
    let (tx, mut rx) = tokio::sync::mpsc::channel::<PullResponse>(PIPELINE_PAGES);
    let bootstrap = cursor.is_none();

    let fetch = async move {
        let mut from = cursor;
        loop {
            let asked = from.clone();
            let fetched = session
                .authed(|api, token| {
                    let asked = asked.clone();
                    async move { api.sync_pull(&token, asked.as_deref(), PULL_LIMIT).await }
                })
                .await;
            let page = match fetched {
                Ok(page) => page,
                Err(CoreError::Server(body))
                    if body.code == ErrorCode::CursorInvalid && from.is_some() =>
                {
                    tracing::warn!("the server refused the sync cursor; rebuilding the mirror");
                    return Ok(PullEnd::Reset(None));
                }
                Err(e) => return Err(e),
            };
            if from.is_some() && epoch.is_some_and(|e| e != page.scope_epoch) {
                // This page continues a feed the mirror no longer belongs to: start over.
                tracing::info!(old = ?epoch, new = page.scope_epoch, "scope changed; rebuilding the mirror");
                return Ok(PullEnd::Reset(Some(page.scope_epoch)));
            }
            let (more, next) = (page.has_more, page.cursor.clone());
            if tx.send(page).await.is_err() {
                // The applier stopped on an error; it reports it.
                return Ok(PullEnd::Done);
            }
            if !more {
                return Ok(PullEnd::Done);
            }
            if from.as_deref() == Some(next.as_str()) {
                return Err(CoreError::Protocol(
                    "the server says there is more but did not move the cursor".into(),
                ));
            }
            from = Some(next);
        }
    };

    let apply = async {
        let mut applied: i64 = 0;
        let mut total: Option<i64> = None;
        let mut first = true;
        while let Some(page) = rx.recv().await {
            let mut batch = vec![page];
            let mut size = batch[0].changes.len();
            while size < APPLY_BATCH_CHANGES {
                match rx.try_recv() {
                    Ok(p) => {
                        size += p.changes.len();
                        batch.push(p);
                    }
                    Err(_) => break,
                }
            }
            // A bootstrap under a new epoch also clears whatever an older scope left.
            let wipe = first && bootstrap && epoch.is_some_and(|e| e != batch[0].scope_epoch);
            if first {
                total = batch[0].estimated_total;
            }
            first = false;
            apply_pages(cache, &batch, wipe).await?;
            report.rebootstrapped |= wipe;
            report.pages += i64::try_from(batch.len()).unwrap_or(i64::MAX);
            let n = i64::try_from(size).unwrap_or(i64::MAX);
            report.changes += n;
            applied += n;
            if let Some(last) = batch.last() {
                report.up_to_date = last.up_to_date;
                let more = last.has_more;
                session
                    .sync_runtime()
                    .set_progress(more.then_some(SyncProgress {
                        applied,
                        total: total.map(|t| t.max(applied)),
                    }));
            }
        }
        Ok::<(), CoreError>(())
    };

    // Both halves run concurrently in this task; the applier ends when the fetcher drops its
    // sender. An apply error wins over whatever the fetcher was doing.
    let (fetched, applied) = tokio::join!(fetch, apply);
    applied?;
    fetched
}

/// Pages (in order), the last one's cursor and epoch, and the outbox entries they cover: all
/// or nothing.
async fn apply_pages(
    cache: &Cache,
    pages: &[PullResponse],
    wipe_first: bool,
) -> Result<(), CoreError> {
    let Some(last) = pages.last() else {
        return Ok(());
    };
    let mut tx = write_tx(cache.pool()).await?;
    if wipe_first {
        mirror::wipe(&mut tx).await?;
    }
    for page in pages {
        mirror::apply_all(&mut tx, &page.changes).await?;
    }
    set_meta(&mut *tx, meta::SYNC_CURSOR, &last.cursor).await?;
    set_meta(
        &mut *tx,
        meta::SYNC_SCOPE_EPOCH,
        &last.scope_epoch.to_string(),
    )
    .await?;
    outbox::drop_reached(&mut tx, &last.cursor, last.up_to_date).await?;
    if last.up_to_date {
        let now = time_text(&Utc::now());
        set_meta(&mut *tx, meta::SYNC_LAST_SYNCED_AT, &now).await?;
        set_meta(&mut *tx, meta::LAST_SYNCED_AT, &now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Empties the mirror and forgets the cursor (so the next pull bootstraps); the outbox and the
/// conflicts stay. With `epoch`, records the scope the next bootstrap belongs to.
async fn reset_mirror(cache: &Cache, epoch: Option<i64>) -> Result<(), CoreError> {
    let mut tx = write_tx(cache.pool()).await?;
    mirror::wipe(&mut tx).await?;
    sqlx::query("DELETE FROM cache_meta WHERE key = ?")
        .bind(meta::SYNC_CURSOR)
        .execute(&mut *tx)
        .await?;
    if let Some(e) = epoch {
        set_meta(&mut *tx, meta::SYNC_SCOPE_EPOCH, &e.to_string()).await?;
    }
    tx.commit().await?;
    Ok(())
}

impl ActiveSession {
    /// "Rebuild cache" in the diagnostics view: the mirror is pulled again from scratch;
    /// queued commands and conflicts are kept.
    pub async fn rebuild_mirror(&self) -> Result<SyncReport, CoreError> {
        {
            let _round = self.sync_runtime().run_lock.lock().await;
            reset_mirror(self.cache(), None).await?;
        }
        let mut report = self.sync_once().await?;
        report.rebootstrapped = true;
        Ok(report)
    }
}

/// The sync use cases every workspace has: the header badge, "sync now" and the conflicts
/// panel. The same for each role-typed handle, so written once.
macro_rules! workspace_sync_use_cases {
    ($($ops:ty),* $(,)?) => {$(
        impl $ops {
            /// "Sync now": one round at once (the background loop keeps its own timer).
            pub async fn sync_now(&self) -> Result<SyncReport, CoreError> {
                self.session().sync_once().await
            }

            pub async fn sync_status(&self) -> Result<SyncStatus, CoreError> {
                self.session().sync_status().await
            }

            /// Commands the server refused and the user has not dismissed yet.
            pub async fn conflicts(&self) -> Result<Vec<Conflict>, CoreError> {
                self.session().conflicts().await
            }

            pub async fn dismiss_conflict(&self, id: i64) -> Result<(), CoreError> {
                self.session().dismiss_conflict(id).await
            }
        }
    )*};
}

workspace_sync_use_cases!(
    crate::operator::OperatorOps,
    crate::admin::AdminOps,
    crate::finance::FinanceOps,
);
