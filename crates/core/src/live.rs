//! Live updates: the server's change signals wake the sync loop.
//!
//! The server streams server-sent events (`GET /api/v1/sync/events`): `ready` when the stream
//! opens, `changed` whenever one of the caller's rows changed. A signal carries no data; it
//! only makes the loop pull now instead of at its next tick, so a change made elsewhere shows
//! in about a second. Missing a signal only delays a change until the next poll, and after a
//! reconnect the loop pulls anyway (signals may have been lost meanwhile).
//!
//! The stream is reopened with backoff when it drops, and treated as dead after
//! [`SILENCE_LIMIT`] without a byte (the server sends keep-alives every 15 s). A server
//! without the endpoint leaves the loop polling.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use mr_domain::ErrorCode;
use tokio::sync::Notify;

use crate::error::CoreError;
use crate::session::ActiveSession;
use crate::sync_loop::Backoff;

/// A stream that says nothing for this long is considered dead and reopened.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(45);
/// Streams are reopened at least this often (fresh token, fresh connection).
pub const STREAM_LIFETIME: Duration = Duration::from_secs(3600);

/// Collects event names from the bytes of a server-sent event stream.
#[derive(Debug, Default)]
pub struct EventParser {
    buf: String,
}

impl EventParser {
    /// Feeds a chunk; returns the names of the `event:` lines completed by it.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<String> {
        self.buf.push_str(&String::from_utf8_lossy(chunk));
        let mut names = Vec::new();
        while let Some(end) = self.buf.find('\n') {
            let line: String = self.buf.drain(..=end).collect();
            if let Some(name) = line.trim_end_matches(['\r', '\n']).strip_prefix("event:") {
                names.push(name.trim().to_owned());
            }
        }
        names
    }
}

pub(crate) async fn listen(
    session: Weak<ActiveSession>,
    signal: Arc<Notify>,
    connected: Arc<AtomicBool>,
) {
    let mut backoff = Backoff::default();
    let mut reconnect = false;
    loop {
        let Some(s) = session.upgrade() else {
            return;
        };
        let opened = s
            .authed(|api, token| async move { api.sync_events(&token, STREAM_LIFETIME).await })
            .await;
        let workspace = s.workspace();
        drop(s); // the stream does not keep a signed-out session alive
        match opened {
            Ok(mut stream) => {
                backoff.success();
                connected.store(true, Ordering::SeqCst);
                let mut parser = EventParser::default();
                loop {
                    let chunk = match tokio::time::timeout(SILENCE_LIMIT, stream.chunk()).await {
                        Ok(Ok(Some(chunk))) => chunk,
                        _ => break, // closed, failed or silent: reopen
                    };
                    for event in parser.feed(&chunk) {
                        if event == "changed" || (event == "ready" && reconnect) {
                            signal.notify_one();
                        }
                    }
                }
                connected.store(false, Ordering::SeqCst);
                reconnect = true;
                tracing::debug!(
                    workspace = workspace.as_str(),
                    "change stream closed; reopening"
                );
            }
            Err(CoreError::NotSignedIn { .. }) => return,
            Err(CoreError::Server(body)) if body.code == ErrorCode::RouteNotFound => {
                tracing::info!("the server has no change stream; polling only");
                return;
            }
            Err(e) => {
                reconnect = true;
                let wait = backoff.failure();
                tracing::debug!(workspace = workspace.as_str(), error = %e, ?wait, "change stream unavailable");
                tokio::time::sleep(wait).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_are_read_across_chunk_boundaries() {
        let mut p = EventParser::default();
        assert_eq!(
            p.feed(b"event: ready\ndata: {}\n\n:keep-alive\n\nevent: chan"),
            ["ready"]
        );
        assert!(p.feed(b"ged").is_empty());
        assert_eq!(
            p.feed(b"\r\ndata: {}\r\n\r\nevent:changed\n"),
            ["changed", "changed"]
        );
    }
}
