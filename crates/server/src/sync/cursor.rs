//! A pull position, `"<txid>-<version>"` (`mr_protocol::cursor`), read at the HTTP edge.
//! Ordering by transaction first is what makes late commits safe (see the sync migration).

use mr_domain::ErrorCode;
pub use mr_protocol::cursor::Cursor;

use crate::error::ApiError;

/// A cursor the client sent, or 400 `CURSOR_INVALID` (the client then rebuilds its mirror).
pub fn parse(s: &str) -> Result<Cursor, ApiError> {
    s.parse()
        .map_err(|_| ApiError::new(ErrorCode::CursorInvalid))
}
