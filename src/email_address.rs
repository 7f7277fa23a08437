//! [`EmailAddress`]: an email address that passed validation — the one address
//! validator. The suppression commands use it for input (exit 65 when invalid), the
//! export task for the suppression lookup and the message, and `db::suppressions`
//! binds it, so all agree on the normalised (lowercase) form.
//!
//! A leaf type beside `ids`: it depends on nothing else in the crate but the exit
//! classification, so the database layer can take it without reaching up into
//! `exports`.

use std::fmt;
use std::str::FromStr;

use lettre::Address;
use serde::Serialize;

use crate::error::{Classify, ExitKind};

/// An email address that passed validation, trimmed and lowercased — the form the
/// `email_suppression` table stores (its primary key is checked to be lowercase).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

/// An address that failed validation (exit 65). The message says what is wrong
/// but does not repeat the address: this error may reach a worker's log, where
/// addresses never go. Commands that echo operator input add it as context.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid email address ({reason}); expected an address like alice@example.com")]
pub struct InvalidEmail {
    pub reason: &'static str,
}

impl Classify for InvalidEmail {
    fn exit_kind(&self) -> ExitKind {
        ExitKind::Invalid
    }
}

/// Characters an unquoted local part cannot hold (RFC 5322 specials). Quoted local
/// parts are legal but so rare that accepting them would mostly admit typos.
const LOCAL_FORBIDDEN: &[char] = &['(', ')', '<', '>', '[', ']', '\\', ',', ';', ':', '"'];

impl EmailAddress {
    /// Validates and normalises an address: surrounding whitespace is trimmed and
    /// the whole address lowercased. Rejects what is obviously not a deliverable
    /// internet address: no or several `@`, empty or over-long parts, whitespace or
    /// control characters, misplaced dots, RFC 5322 specials, and a domain without a
    /// dot (`alice@localhost`) or with characters a host name cannot hold.
    pub fn parse(raw: &str) -> Result<EmailAddress, InvalidEmail> {
        let invalid = |reason| Err(InvalidEmail { reason });
        let value = raw.trim();
        if value.is_empty() {
            return invalid("it is empty");
        }
        if value.len() > 254 {
            return invalid("it is longer than 254 characters");
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid("it contains whitespace or control characters");
        }
        let lower = value.to_lowercase();
        let Some((local, domain)) = lower.split_once('@') else {
            return invalid("it has no @");
        };
        if domain.contains('@') {
            return invalid("it has more than one @");
        }
        if local.is_empty() {
            return invalid("nothing comes before the @");
        }
        if local.len() > 64 {
            return invalid("the part before the @ is longer than 64 characters");
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return invalid("the part before the @ has a misplaced dot");
        }
        if local.contains(LOCAL_FORBIDDEN) {
            return invalid("the part before the @ holds a character like < > , ; : or a quote");
        }
        if domain.is_empty() {
            return invalid("nothing comes after the @");
        }
        if !domain.contains('.') {
            return invalid("the domain has no dot");
        }
        for label in domain.split('.') {
            if label.is_empty() {
                return invalid("the domain has an empty part (a misplaced dot)");
            }
            if label.len() > 63 {
                return invalid("a part of the domain is longer than 63 characters");
            }
            if label.starts_with('-') || label.ends_with('-') {
                return invalid("a part of the domain starts or ends with a hyphen");
            }
            if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
                return invalid("the domain may hold only letters, digits, hyphens and dots");
            }
        }
        if Address::from_str(&lower).is_err() {
            return invalid("it is not a deliverable address");
        }
        Ok(EmailAddress(lower))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn to_lettre(&self) -> Result<Address, lettre::address::AddressError> {
        Address::from_str(&self.0)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for EmailAddress {
    type Err = InvalidEmail;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EmailAddress::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_validated_and_lowercased() {
        let a = EmailAddress::parse("  Bob.Smith+tag@Example.COM ").unwrap();
        assert_eq!(a.as_str(), "bob.smith+tag@example.com");
        assert_eq!(
            EmailAddress::parse("zoë@bücher.example").unwrap().as_str(),
            "zoë@bücher.example"
        );
        for bad in [
            "",
            "   ",
            "bob",
            "bob@",
            "@example.com",
            "bob@@example.com",
            "a@b@example.com",
            "bob smith@example.com",
            "bob@example",
            "bob@.example.com",
            "bob@example..com",
            "bob@-example.com",
            "bob@exa_mple.com",
            ".bob@example.com",
            "bob.@example.com",
            "b..ob@example.com",
            "<bob@example.com>",
            "bob,alice@example.com",
            "bob\r\n@example.com",
        ] {
            assert!(
                EmailAddress::parse(bad).is_err(),
                "{bad:?} should be invalid"
            );
        }
        // Surrounding whitespace (a pasted newline) is trimmed, not an error.
        assert!(EmailAddress::parse("bob@example.com\n").is_ok());
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(EmailAddress::parse(&long_local).is_err());
        let err = EmailAddress::parse("nobody").unwrap_err();
        assert_eq!(err.exit_kind(), ExitKind::Invalid);
        assert!(!err.to_string().contains("nobody"));
    }
}
