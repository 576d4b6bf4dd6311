//! The background sync loop of one signed-in session.
//!
//! A tokio task owned by the session (started on sign-in or restore when the [`Core`] has
//! background sync on, stopped on logout). It syncs at start, every [`SYNC_INTERVAL`], and at
//! once when a command is queued or the server signals a change ([`crate::live`]). After a
//! failure it waits with exponential backoff ([`BACKOFF_MIN`] doubling to [`BACKOFF_MAX`]) on
//! its own timer, so an offline device reconnects by itself without waiting for the user.
//!
//! The feed serves a transaction only once all older ones have finished, so a pull right after
//! a signal (or a push) can come back without the change; the loop then looks again every
//! [`SETTLE_INTERVAL`] for a few rounds instead of waiting for the next tick.
//!
//! The task holds the session weakly: it never keeps a signed-out session alive.
//!
//! [`Core`]: crate::Core

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::error::CoreError;
use crate::session::ActiveSession;

/// Sync this often while everything works.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(30);
/// Sooner when accepted commands still wait for the feed to serve their effect, or a change
/// signal was not followed by any change yet.
pub const SETTLE_INTERVAL: Duration = Duration::from_secs(2);
/// Short rounds after a change signal whose change has not arrived yet.
const SIGNAL_CHASES: u8 = 3;
/// First wait after a failure; doubled after each further failure…
pub const BACKOFF_MIN: Duration = Duration::from_secs(1);
/// …up to this.
pub const BACKOFF_MAX: Duration = Duration::from_secs(60);

/// Exponential backoff: 1 s, 2 s, 4 s … capped at 60 s; back to 1 s after a success.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
    min: Duration,
    max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(BACKOFF_MIN, BACKOFF_MAX)
    }
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        Backoff {
            next: min,
            min,
            max,
        }
    }

    /// The wait after one more failure.
    pub fn failure(&mut self) -> Duration {
        let wait = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        wait
    }

    pub fn success(&mut self) {
        self.next = self.min;
    }
}

/// Per-session sync state that is not in the cache.
#[derive(Debug, Default)]
pub(crate) struct SyncRuntime {
    /// One sync round at a time (background loop vs. "sync now").
    pub(crate) run_lock: tokio::sync::Mutex<()>,
    /// Check-then-queue of the use cases, one at a time.
    pub(crate) queue_lock: tokio::sync::Mutex<()>,
    wake: Arc<Notify>,
    /// Change signals from the server ([`crate::live`]).
    signal: Arc<Notify>,
    /// Whether the change stream is open right now.
    live: Arc<AtomicBool>,
    /// The loop and the live-update listener that wakes it.
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// How far the running pull is, while one of several pages runs.
    progress: Mutex<Option<crate::views::SyncProgress>>,
}

impl SyncRuntime {
    /// Asks the loop (if running) for a round now; remembered if it is busy.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn start(&self, session: &Arc<ActiveSession>) {
        let Ok(mut tasks) = self.tasks.lock() else {
            return;
        };
        if tasks.first().is_some_and(|t| !t.is_finished()) {
            return;
        }
        for t in tasks.drain(..) {
            t.abort();
        }
        let weak = Arc::downgrade(session);
        tasks.push(tokio::spawn(run(
            weak.clone(),
            self.wake.clone(),
            self.signal.clone(),
        )));
        tasks.push(tokio::spawn(crate::live::listen(
            weak,
            self.signal.clone(),
            self.live.clone(),
        )));
    }

    pub(crate) fn stop(&self) {
        if let Ok(mut tasks) = self.tasks.lock() {
            for t in tasks.drain(..) {
                t.abort();
            }
        }
        self.live.store(false, Ordering::SeqCst);
    }

    pub(crate) fn set_progress(&self, p: Option<crate::views::SyncProgress>) {
        if let Ok(mut slot) = self.progress.lock() {
            *slot = p;
        }
    }

    pub(crate) fn progress(&self) -> Option<crate::views::SyncProgress> {
        self.progress.lock().ok().and_then(|p| *p)
    }

    pub(crate) fn live_connected(&self) -> bool {
        self.live.load(Ordering::SeqCst)
    }

    /// Whether the loop runs (the live listener may have stopped on its own, e.g. against a
    /// server without the change stream).
    pub(crate) fn is_running(&self) -> bool {
        self.tasks
            .lock()
            .map(|t| t.first().is_some_and(|t| !t.is_finished()))
            .unwrap_or(false)
    }
}

impl Drop for SyncRuntime {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn run(session: Weak<ActiveSession>, wake: Arc<Notify>, signal: Arc<Notify>) {
    let mut backoff = Backoff::default();
    let mut chases = 0u8;
    loop {
        let Some(s) = session.upgrade() else {
            return;
        };
        let outcome = s.sync_once().await;
        let workspace = s.workspace();
        drop(s);
        let wait = match outcome {
            Ok(report) => {
                backoff.success();
                if report.changes > 0 {
                    chases = 0;
                }
                if report.awaiting_pull > 0 || chases > 0 {
                    chases = chases.saturating_sub(1);
                    SETTLE_INTERVAL
                } else {
                    SYNC_INTERVAL
                }
            }
            Err(CoreError::NotSignedIn { .. }) => {
                tracing::info!(
                    workspace = workspace.as_str(),
                    "session ended; sync loop stops"
                );
                return;
            }
            Err(e) => {
                let wait = backoff.failure();
                tracing::info!(workspace = workspace.as_str(), error = %e, ?wait, "sync retry scheduled");
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
            _ = signal.notified() => chases = SIGNAL_CHASES,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_cap_and_resets() {
        let mut b = Backoff::default();
        let waits: Vec<u64> = (0..9).map(|_| b.failure().as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        b.success();
        assert_eq!(b.failure(), Duration::from_secs(1));
    }
}
