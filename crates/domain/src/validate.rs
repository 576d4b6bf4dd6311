//! Field rules for accounts, shared by the server (authoritative) and the desktop forms.

use crate::error::{DomainError, ErrorCode};

pub fn username(s: &str) -> Result<&str, DomainError> {
    let ok = (3..=32).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then_some(s).ok_or(DomainError::invalid(
        "username",
        "3-32 letters, digits or _, starting with a letter",
    ))
}

pub fn password(s: &str) -> Result<&str, DomainError> {
    let len = s.chars().count();
    let ok = (8..=64).contains(&len)
        && s.chars().any(|c| c.is_ascii_alphabetic())
        && s.chars().any(|c| c.is_ascii_digit());
    ok.then_some(s).ok_or(DomainError {
        code: ErrorCode::WeakPassword,
        field: "password",
        reason: "8-64 characters with letters and digits",
    })
}

pub fn display_name(s: &str) -> Result<&str, DomainError> {
    let t = s.trim();
    let ok = !t.is_empty() && t.chars().count() <= 64 && !t.chars().any(char::is_control);
    ok.then_some(t)
        .ok_or(DomainError::invalid("display_name", "1-64 characters"))
}

/// A mainland mobile number (11 digits starting 1[3-9]) or a landline like 010-12345678.
pub fn phone(s: &str) -> Result<&str, DomainError> {
    let t = s.trim();
    let digits = t.chars().filter(|c| c.is_ascii_digit()).count();
    let mobile = t.len() == 11
        && t.starts_with('1')
        && matches!(t.as_bytes()[1], b'3'..=b'9')
        && t.chars().all(|c| c.is_ascii_digit());
    let landline = (10..=12).contains(&digits)
        && t.starts_with('0')
        && t.chars().all(|c| c.is_ascii_digit() || c == '-')
        && t.matches('-').count() <= 2;
    (mobile || landline)
        .then_some(t)
        .ok_or(DomainError::invalid("phone", "a mobile or landline number"))
}

pub fn email(s: &str) -> Result<&str, DomainError> {
    let t = s.trim();
    let ok = t.len() <= 254
        && !t.contains(char::is_whitespace)
        && t.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    ok.then_some(t)
        .ok_or(DomainError::invalid("email", "an email address"))
}

/// An optional free-text field: trimmed; blank means absent; longer than `max` characters is
/// refused.
pub fn optional_text(
    s: Option<&str>,
    max: usize,
    field: &'static str,
) -> Result<Option<String>, DomainError> {
    match s.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() <= max => Ok(Some(v.to_string())),
        Some(_) => Err(DomainError::invalid(field, "too long")),
    }
}

pub const ANNOUNCEMENT_TITLE_MAX: usize = 100;
pub const ANNOUNCEMENT_BODY_MAX: usize = 2000;

/// An announcement's title and body (R-A7), trimmed.
pub fn announcement(title: &str, body: &str) -> Result<(String, String), DomainError> {
    let (t, b) = (title.trim(), body.trim());
    if t.is_empty() || t.chars().count() > ANNOUNCEMENT_TITLE_MAX {
        return Err(DomainError::invalid(
            "title",
            "required, at most 100 characters",
        ));
    }
    if b.is_empty() || b.chars().count() > ANNOUNCEMENT_BODY_MAX {
        return Err(DomainError::invalid(
            "body",
            "required, at most 2000 characters",
        ));
    }
    Ok((t.to_string(), b.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(username("uat_admin").is_ok());
        assert!(username("ab").is_err());
        assert!(username("1abc").is_err());
        assert!(username("has space").is_err());
        assert!(username("名字").is_err());
    }

    #[test]
    fn passwords_need_letters_and_digits() {
        assert!(password("Uat@123456").is_ok());
        assert_eq!(
            password("short1").unwrap_err().code,
            ErrorCode::WeakPassword
        );
        assert!(password("onlyletters").is_err());
        assert!(password("12345678").is_err());
    }

    #[test]
    fn phones_and_emails() {
        assert!(phone("13800138000").is_ok());
        assert!(phone("010-12345678").is_ok());
        assert!(phone("12800138000").is_err());
        assert!(phone("abc").is_err());
        assert!(email("ops@example.cn").is_ok());
        assert!(email("no-at-sign").is_err());
        assert!(email("a@b").is_err());
        assert!(email("a b@c.cn").is_err());
    }

    #[test]
    fn display_names_are_trimmed() {
        assert_eq!(display_name("  星际乐园  ").unwrap(), "星际乐园");
        assert!(display_name("   ").is_err());
    }
}
