//! Positions in the server's change feed.
//!
//! The server hands out cursors as opaque strings, but their format is part of the contract:
//! `"<txid>-<version>"`, two decimal integers, ordered as the tuple. The client compares them
//! for one reason only: to know when a pull has passed the position of an accepted command
//! (`CommandResult::server_cursor`), i.e. when its effect is in the mirror and its optimistic
//! overlay can go.

use std::fmt;
use std::str::FromStr;

/// `Default` is the start of the feed (a bootstrap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cursor {
    pub txid: u64,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a sync cursor: {0:?}")]
pub struct CursorParseError(pub String);

impl FromStr for Cursor {
    type Err = CursorParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CursorParseError(s.to_owned());
        let (txid, version) = s.split_once('-').ok_or_else(err)?;
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(txid) || !digits(version) {
            return Err(err());
        }
        Ok(Cursor {
            txid: txid.parse().map_err(|_| err())?,
            version: version.parse().map_err(|_| err())?,
        })
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.txid, self.version)
    }
}

/// True when the feed position `pulled` has reached `effect` (both as the server sent them).
/// `None` when either does not parse: the caller then waits for a complete pull instead.
pub fn reached(pulled: &str, effect: &str) -> Option<bool> {
    let pulled = pulled.parse::<Cursor>().ok()?;
    let effect = effect.parse::<Cursor>().ok()?;
    Some(pulled >= effect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_parse_and_order_as_tuples() {
        let a: Cursor = "12-7".parse().unwrap();
        assert_eq!(
            a,
            Cursor {
                txid: 12,
                version: 7
            }
        );
        assert_eq!(a.to_string(), "12-7");
        assert!(a < "12-8".parse().unwrap());
        assert!(a < "13-1".parse().unwrap(), "txid first");
        assert!(a > "9-100".parse().unwrap(), "numerically, not as text");
        for bad in [
            "", "12", "-7", "12-", "a-1", "1-2-3", "12 -7", "+1-2", "1--2",
        ] {
            assert!(bad.parse::<Cursor>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reached_compares_positions() {
        assert_eq!(reached("10-5", "10-5"), Some(true));
        assert_eq!(reached("10-6", "10-5"), Some(true));
        assert_eq!(reached("10-4", "10-5"), Some(false));
        assert_eq!(reached("x", "10-5"), None);
    }
}
