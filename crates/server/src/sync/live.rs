//! Live updates: PostgreSQL NOTIFY (sent by the change-capture trigger at commit) fanned out to
//! the server-sent-event streams of connected desktop clients, which then pull. Works across
//! replicas because every replica LISTENs to the same database. Clients also poll with backoff,
//! so a missed signal only delays a change.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use uuid::Uuid;

use super::scope::Scope;

pub const CHANNEL: &str = "mr_sync";

/// One change signal: the `sync_changes` entity and its tenant, from the capture trigger's
/// payload `<entity>:<operator id or empty>`; or "everyone pull" after signals may have been
/// lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    Changed {
        entity: String,
        tenant: Option<Uuid>,
    },
    Everyone,
}

impl Signal {
    pub fn parse(payload: &str) -> Option<Signal> {
        let (entity, tenant) = payload.split_once(':')?;
        let tenant = match tenant {
            "" => None,
            t => Some(t.parse().ok()?),
        };
        Some(Signal::Changed {
            entity: entity.to_string(),
            tenant,
        })
    }
}

/// The fan-out of change signals inside one server process. The listener task stops when the
/// last handle to the hub is dropped.
pub struct LiveHub {
    tx: broadcast::Sender<Signal>,
    task: JoinHandle<()>,
}

impl LiveHub {
    pub fn start(pool: PgPool) -> LiveHub {
        let (tx, _) = broadcast::channel(1024);
        let task = tokio::spawn(listen(pool, tx.clone()));
        LiveHub { tx, task }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.tx.subscribe()
    }
}

impl Drop for LiveHub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn listen(pool: PgPool, tx: broadcast::Sender<Signal>) {
    let mut backoff = Duration::from_millis(250);
    let mut reconnect = false;
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "LISTEN failed");
                } else {
                    backoff = Duration::from_millis(250);
                    // After a reconnect every client should pull: signals may have been missed.
                    if reconnect {
                        let _ = tx.send(Signal::Everyone);
                    }
                    reconnect = true;
                    loop {
                        match listener.recv().await {
                            Ok(n) => match Signal::parse(n.payload()) {
                                Some(signal) => {
                                    let _ = tx.send(signal);
                                }
                                None => {
                                    tracing::warn!(payload = n.payload(), "unknown change signal")
                                }
                            },
                            Err(e) => {
                                tracing::warn!(error = %e, "live update listener lost its connection");
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot start the live update listener"),
        }
        if pool.is_closed() {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

/// The event stream of one client: `ready` at once, then `changed` whenever a row of its scope
/// changed (or signals may have been lost), plus keep-alive comments.
pub fn scope_stream(
    hub: &LiveHub,
    scope: Scope,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let ready = stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    let changes = BroadcastStream::new(hub.subscribe()).filter_map(move |m| {
        let relevant = match m {
            Ok(Signal::Changed { entity, tenant }) => scope.wants(&entity, tenant),
            Ok(Signal::Everyone) | Err(BroadcastStreamRecvError::Lagged(_)) => true,
        };
        async move { relevant.then(|| Ok(Event::default().event("changed").data("{}"))) }
    });
    metrics::counter!("mr_sync_event_streams_total").increment(1);
    Sse::new(ready.chain(changes)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
