//! Money in Chinese yuan: exactly two decimal places, never a float.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest amount a `NUMERIC(14,2)` column holds is 999 999 999 999.99.
const MAX_ABS: Decimal = Decimal::from_parts(0x107A_3FFF, 0x5AF3, 0, false, 2);

/// An amount of yuan with exactly two decimals. Serialised as a decimal string ("50.00").
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("not a decimal amount: {0:?}")]
    NotADecimal(String),
    #[error("more than two decimal places: {0}")]
    TooPrecise(String),
    #[error("amount out of range: {0}")]
    OutOfRange(String),
    #[error("amount must be positive: {0}")]
    NotPositive(String),
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Exact conversion: rejects values with more than two decimals instead of rounding them,
    /// because an input like "9.999" is a user mistake, not something to guess about.
    pub fn from_decimal(d: Decimal) -> Result<Self, MoneyError> {
        let normalized = d.normalize();
        if normalized.scale() > 2 {
            return Err(MoneyError::TooPrecise(d.to_string()));
        }
        Self::checked_range(d)
    }

    /// Rounds a computed value (e.g. a product) half away from zero (四舍五入) to two decimals.
    pub fn round_from(d: Decimal) -> Result<Self, MoneyError> {
        Self::checked_range(d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    fn checked_range(d: Decimal) -> Result<Self, MoneyError> {
        if d.abs() > MAX_ABS {
            return Err(MoneyError::OutOfRange(d.to_string()));
        }
        let mut v = d;
        v.rescale(2);
        Ok(Money(v))
    }

    /// Parses a user-entered amount that must be strictly positive (recharge, price, refund).
    pub fn parse_positive(s: &str) -> Result<Self, MoneyError> {
        let m: Money = s.parse()?;
        if m.0 <= Decimal::ZERO {
            return Err(MoneyError::NotPositive(s.to_string()));
        }
        Ok(m)
    }

    pub fn yuan(units: i64) -> Self {
        let mut d = Decimal::from(units);
        d.rescale(2);
        Money(d)
    }

    pub fn as_decimal(&self) -> Decimal {
        self.0
    }

    pub fn is_negative(&self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        Self::checked_range(self.0.checked_add(other.0)?).ok()
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        Self::checked_range(self.0.checked_sub(other.0)?).ok()
    }

    /// Price × quantity (e.g. unit price × players). Exact: two decimals times an integer.
    pub fn checked_mul_int(self, n: i64) -> Option<Money> {
        Self::checked_range(self.0.checked_mul(Decimal::from(n))?).ok()
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        // Only plain decimal notation: no exponent, no thousands separators, no currency sign.
        let plain = !t.is_empty()
            && t.chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+')))
            && t.chars().filter(|c| *c == '.').count() <= 1
            && t.chars().any(|c| c.is_ascii_digit());
        if !plain {
            return Err(MoneyError::NotADecimal(s.to_string()));
        }
        let d = Decimal::from_str_exact(t).map_err(|_| MoneyError::NotADecimal(s.to_string()))?;
        Money::from_decimal(d)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({})", self.0)
    }
}

impl TryFrom<Decimal> for Money {
    type Error = MoneyError;
    fn try_from(d: Decimal) -> Result<Self, Self::Error> {
        Money::from_decimal(d)
    }
}

impl From<Money> for Decimal {
    fn from(m: Money) -> Decimal {
        m.0
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    /// Accepts only a JSON string: a JSON number would already have passed through a float.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

// No ts_rs::TS impl on purpose: every Money field in a wire type must say
// `#[ts(type = "string")]`, so the TypeScript side can never see it as a number.

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises_to_two_places() {
        assert_eq!("50".parse::<Money>().unwrap().to_string(), "50.00");
        assert_eq!("50.5".parse::<Money>().unwrap().to_string(), "50.50");
        assert_eq!("0.01".parse::<Money>().unwrap().to_string(), "0.01");
        assert_eq!("-3.10".parse::<Money>().unwrap().to_string(), "-3.10");
        assert_eq!("  12.30 ".parse::<Money>().unwrap().to_string(), "12.30");
        assert_eq!("1.500".parse::<Money>().unwrap().to_string(), "1.50");
    }

    #[test]
    fn rejects_what_is_not_plain_money() {
        for bad in [
            "", "abc", "1e3", "1,000.00", "¥5", "1.2.3", "--1", ".", "NaN", "0x10",
        ] {
            assert!(bad.parse::<Money>().is_err(), "{bad:?} must be rejected");
        }
        assert_eq!(
            "9.999".parse::<Money>(),
            Err(MoneyError::TooPrecise("9.999".into()))
        );
        assert!(matches!(
            "1000000000000.00".parse::<Money>(),
            Err(MoneyError::OutOfRange(_))
        ));
        assert!("999999999999.99".parse::<Money>().is_ok());
    }

    #[test]
    fn positive_amounts_only_where_asked() {
        assert!(Money::parse_positive("0").is_err());
        assert!(Money::parse_positive("-1").is_err());
        assert_eq!(Money::parse_positive("100").unwrap(), Money::yuan(100));
    }

    #[test]
    fn rounds_half_away_from_zero() {
        let d = |s: &str| Decimal::from_str_exact(s).unwrap();
        assert_eq!(Money::round_from(d("2.345")).unwrap().to_string(), "2.35");
        assert_eq!(Money::round_from(d("2.344")).unwrap().to_string(), "2.34");
        assert_eq!(Money::round_from(d("-2.345")).unwrap().to_string(), "-2.35");
        assert_eq!(Money::round_from(d("0.005")).unwrap().to_string(), "0.01");
    }

    #[test]
    fn arithmetic_is_exact() {
        // 0.1 + 0.2 is exactly 0.30, unlike with floats.
        let sum = "0.10"
            .parse::<Money>()
            .unwrap()
            .checked_add("0.20".parse().unwrap());
        assert_eq!(sum.unwrap().to_string(), "0.30");
        let cost = "35.50"
            .parse::<Money>()
            .unwrap()
            .checked_mul_int(4)
            .unwrap();
        assert_eq!(cost.to_string(), "142.00");
        let left = Money::yuan(10)
            .checked_sub("10.01".parse().unwrap())
            .unwrap();
        assert!(left.is_negative());
        assert!(Money::yuan(999_999_999_999)
            .checked_add(Money::yuan(1))
            .is_none());
    }

    #[test]
    fn serde_is_a_decimal_string_never_a_number() {
        let m: Money = "88.8".parse().unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"88.80\"");
        assert_eq!(serde_json::from_str::<Money>("\"88.80\"").unwrap(), m);
        assert!(serde_json::from_str::<Money>("88.8").is_err());
        assert!(serde_json::from_str::<Money>("\"1.001\"").is_err());
    }
}
