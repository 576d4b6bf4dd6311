//! Application (应用) rules, R-A3: checked by the desktop before a command is queued and by the
//! server when it applies it, so both give the same answer.

use rust_decimal::Decimal;

use crate::error::DomainError;
use crate::money::Money;

pub const NAME_MAX: usize = 64;
pub const DESCRIPTION_MAX: usize = 500;
/// Players per launch; the schema allows at most 100.
pub const PLAYERS_MAX: i32 = 100;
/// Per player per launch, in yuan.
pub const PRICE_MAX: i64 = 100_000;

/// What the headset sends as `app_id`: a lower-case letter, then 2 to 63 lower-case letters,
/// digits or underscores (the schema's CHECK).
pub fn code(s: &str) -> Result<&str, DomainError> {
    let s = s.trim();
    let mut chars = s.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let len_ok = (3..=64).contains(&s.len());
    if first_ok && rest_ok && len_ok {
        Ok(s)
    } else {
        Err(DomainError::invalid(
            "code",
            "a lower-case letter, then 2 to 63 lower-case letters, digits or underscores",
        ))
    }
}

pub fn name(s: &str) -> Result<&str, DomainError> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > NAME_MAX {
        return Err(DomainError::invalid(
            "name",
            "required, at most 64 characters",
        ));
    }
    Ok(s)
}

/// A price as typed: a decimal of at most 2 places, above 0 and below 100,000.
pub fn unit_price(s: &str) -> Result<Money, DomainError> {
    let t = s.trim();
    let places = t.split_once('.').map_or(0, |(_, f)| f.len());
    let m = Money::parse_positive(t)
        .map_err(|_| DomainError::invalid("unit_price", "a positive amount such as 25.00"))?;
    if places > 2 {
        return Err(DomainError::invalid(
            "unit_price",
            "at most 2 decimal places",
        ));
    }
    if m.as_decimal() >= Decimal::from(PRICE_MAX) {
        return Err(DomainError::invalid("unit_price", "below 100,000.00"));
    }
    Ok(m)
}

pub fn players(min: i32, max: i32) -> Result<(), DomainError> {
    if !(1..=PLAYERS_MAX).contains(&min) {
        return Err(DomainError::invalid("min_players", "1 to 100"));
    }
    if !(1..=PLAYERS_MAX).contains(&max) {
        return Err(DomainError::invalid("max_players", "1 to 100"));
    }
    if min > max {
        return Err(DomainError::invalid("max_players", "not below the minimum"));
    }
    Ok(())
}

/// The editable fields, trimmed and checked; a blank description is absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDraft {
    pub name: String,
    pub description: Option<String>,
    pub unit_price: Money,
    pub min_players: i32,
    pub max_players: i32,
}

impl ApplicationDraft {
    pub fn parse(
        name_text: &str,
        description: Option<&str>,
        price_text: &str,
        min_players: i32,
        max_players: i32,
    ) -> Result<ApplicationDraft, DomainError> {
        let description =
            crate::validate::optional_text(description, DESCRIPTION_MAX, "description")?;
        players(min_players, max_players)?;
        Ok(ApplicationDraft {
            name: name(name_text)?.to_string(),
            description,
            unit_price: unit_price(price_text)?,
            min_players,
            max_players,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_headset_rule() {
        assert_eq!(code(" star_quest2 ").unwrap(), "star_quest2");
        for bad in [
            "",
            "ab",
            "Star",
            "1abc",
            "star-quest",
            "星际",
            &"a".repeat(65),
        ] {
            assert_eq!(code(bad).unwrap_err().field, "code", "{bad:?}");
        }
        assert!(code(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn prices_are_positive_decimals_of_two_places() {
        assert_eq!(unit_price("25").unwrap().to_string(), "25.00");
        assert_eq!(unit_price(" 0.01 ").unwrap().to_string(), "0.01");
        for bad in ["0", "-1", "abc", "1.005", "100000", "1e3", ""] {
            assert_eq!(unit_price(bad).unwrap_err().field, "unit_price", "{bad:?}");
        }
        assert!(unit_price("99999.99").is_ok());
    }

    #[test]
    fn player_ranges_are_checked() {
        assert!(players(1, 8).is_ok());
        assert!(players(4, 4).is_ok());
        assert_eq!(players(0, 4).unwrap_err().field, "min_players");
        assert_eq!(players(5, 4).unwrap_err().field, "max_players");
        assert_eq!(players(1, 101).unwrap_err().field, "max_players");
    }

    #[test]
    fn a_draft_is_trimmed_and_blank_description_is_absent() {
        let d = ApplicationDraft::parse(" 星际探索 ", Some("  "), "30.5", 1, 6).unwrap();
        assert_eq!(d.name, "星际探索");
        assert_eq!(d.description, None);
        assert_eq!(d.unit_price.to_string(), "30.50");
        assert_eq!(
            ApplicationDraft::parse("", None, "1", 1, 1)
                .unwrap_err()
                .field,
            "name"
        );
    }
}
