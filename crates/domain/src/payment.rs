//! The recharge amount's rule (R-O3), applied by the server and, before any request, by the
//! desktop core: yuan as a decimal string, 1.00 to 50,000.00, at most two decimals.

use rust_decimal::Decimal;

pub const RECHARGE_MIN: &str = "1.00";
pub const RECHARGE_MAX: &str = "50000.00";

/// Why an amount is refused (the `reason` of a VALIDATION_FAILED on `amount`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RechargeAmountError {
    NotADecimal,
    OutOfRange,
}

impl RechargeAmountError {
    pub fn reason(self) -> &'static str {
        match self {
            RechargeAmountError::NotADecimal => "a decimal amount in yuan, e.g. 100.00",
            RechargeAmountError::OutOfRange => "1.00 to 50000.00, at most two decimals",
        }
    }
}

/// The amount (at most two decimals), or why not.
pub fn recharge_amount(raw: &str) -> Result<Decimal, RechargeAmountError> {
    let a: Decimal = raw
        .trim()
        .parse()
        .map_err(|_| RechargeAmountError::NotADecimal)?;
    let min: Decimal = RECHARGE_MIN.parse().expect("constant");
    let max: Decimal = RECHARGE_MAX.parse().expect("constant");
    if a.scale() > 2 || a < min || a > max {
        return Err(RechargeAmountError::OutOfRange);
    }
    Ok(a.round_dp(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limits_and_the_decimals() {
        assert_eq!(recharge_amount("1"), Ok(Decimal::ONE));
        assert_eq!(recharge_amount(" 50000.00 "), Ok(Decimal::from(50_000)));
        assert_eq!(
            recharge_amount("abc"),
            Err(RechargeAmountError::NotADecimal)
        );
        for bad in ["0.99", "50000.01", "12.345", "0"] {
            assert_eq!(
                recharge_amount(bad),
                Err(RechargeAmountError::OutOfRange),
                "{bad}"
            );
        }
    }
}
