//! Site (运营点) rules, R-O5: applied by the desktop before queuing a command and by the server
//! when it applies it, so both sides give the same answer.

use crate::error::DomainError;
use crate::validate;

pub const NAME_MAX: usize = 64;
pub const ADDRESS_MAX: usize = 200;
pub const CONTACT_NAME_MAX: usize = 32;
pub const CONTACT_PHONE_MAX: usize = 20;
pub const DESCRIPTION_MAX: usize = 500;

/// A site as it will be stored: trimmed, blanks made absent, every field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDraft {
    pub name: String,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub description: Option<String>,
}

impl SiteDraft {
    pub fn parse(
        name: &str,
        address: Option<&str>,
        contact_name: Option<&str>,
        contact_phone: Option<&str>,
        description: Option<&str>,
    ) -> Result<SiteDraft, DomainError> {
        let contact_phone =
            validate::optional_text(contact_phone, CONTACT_PHONE_MAX, "contact_phone")?;
        if let Some(p) = &contact_phone {
            validate::phone(p)?;
        }
        Ok(SiteDraft {
            name: site_name(name)?.to_string(),
            address: validate::optional_text(address, ADDRESS_MAX, "address")?,
            contact_name: validate::optional_text(contact_name, CONTACT_NAME_MAX, "contact_name")?,
            contact_phone,
            description: validate::optional_text(description, DESCRIPTION_MAX, "description")?,
        })
    }
}

/// A site name: 1-64 characters after trimming.
pub fn site_name(s: &str) -> Result<&str, DomainError> {
    let t = s.trim();
    let ok = !t.is_empty() && t.chars().count() <= NAME_MAX;
    ok.then_some(t)
        .ok_or(DomainError::invalid("name", "1-64 characters"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_are_trimmed_and_checked() {
        let d = SiteDraft::parse("  朝阳店 ", Some(" "), None, Some("13800138000"), None).unwrap();
        assert_eq!(d.name, "朝阳店");
        assert_eq!(d.address, None);
        assert_eq!(
            SiteDraft::parse(" ", None, None, None, None)
                .unwrap_err()
                .field,
            "name"
        );
        assert_eq!(
            SiteDraft::parse("店", None, None, Some("12"), None)
                .unwrap_err()
                .field,
            "phone"
        );
        let long = "长".repeat(ADDRESS_MAX + 1);
        assert_eq!(
            SiteDraft::parse("店", Some(&long), None, None, None)
                .unwrap_err()
                .field,
            "address"
        );
    }
}
