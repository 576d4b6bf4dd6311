//! A pull position: (transaction id, change version), written `"<txid>-<version>"`.
//! Ordering by transaction first is what makes late commits safe (see the migration).

use std::fmt;

use mr_domain::ErrorCode;

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Cursor {
    pub txid: u64,
    pub version: i64,
}

impl Cursor {
    pub fn parse(s: &str) -> Result<Cursor, ApiError> {
        let bad = || ApiError::new(ErrorCode::CursorInvalid);
        let (t, v) = s.split_once('-').ok_or_else(bad)?;
        Ok(Cursor {
            txid: t.parse().map_err(|_| bad())?,
            version: v.parse().map_err(|_| bad())?,
        })
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.txid, self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_order() {
        let c = Cursor::parse("812-40").unwrap();
        assert_eq!(c.to_string(), "812-40");
        assert!(Cursor::parse("9-100").unwrap() < Cursor::parse("10-1").unwrap());
        for bad in ["", "1", "a-1", "1-b", "-1-2", "1-2-3"] {
            assert!(Cursor::parse(bad).is_err(), "{bad}");
        }
    }
}
