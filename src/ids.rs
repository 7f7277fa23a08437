//! Identifiers: `org_acme`, `user_alice`, `run_01j…`.
//!
//! Ids are validated once at the edge and then carried as newtypes, so code past the
//! edge cannot be handed an unchecked string; the same check guards the SQL that
//! interpolates an org id (`SET LOCAL`-style settings cannot take bind parameters).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Classify, ExitKind};

pub(crate) const MAX_ID_LEN: usize = 64;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    #[error("{what} is empty: pass an id like `{example}`")]
    Empty {
        what: &'static str,
        example: &'static str,
    },
    #[error(
        "{what} {value:?} is not a valid id: expected `{prefix}_` followed by letters and digits, at most {MAX_ID_LEN} characters (like `{example}`)"
    )]
    Malformed {
        what: &'static str,
        prefix: &'static str,
        example: &'static str,
        value: String,
    },
    #[error(
        "run id {value:?} is not a valid id: expected `run_` followed by a ULID, 26 characters of lowercase Crockford base32 (digits and letters but i, l, o, u), the first one 0 to 7 (like `{RUN_EXAMPLE}`)"
    )]
    MalformedRun { value: String },
}

impl Classify for IdError {
    fn exit_kind(&self) -> ExitKind {
        ExitKind::Invalid
    }
}

fn check(
    value: &str,
    what: &'static str,
    prefix: &'static str,
    example: &'static str,
) -> Result<(), IdError> {
    if value.trim().is_empty() {
        return Err(IdError::Empty { what, example });
    }
    let valid = value.len() <= MAX_ID_LEN
        && value
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|rest| {
                !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric())
            });
    if valid {
        Ok(())
    } else {
        Err(IdError::Malformed {
            what,
            prefix,
            example,
            value: shown(value),
        })
    }
}

/// Quotes at most a screenful of hostile input back to the operator.
fn shown(value: &str) -> String {
    let mut shown: String = value.chars().take(80).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    shown
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $prefix:literal, $example:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(value: &str) -> Result<Self, IdError> {
                check(value, $what, $prefix, $example)?;
                Ok(Self(value.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

text_id!(
    /// An organization id, `org_…`.
    OrgId, "organization id", "org", "org_acme"
);
text_id!(
    /// A user id, `user_…`.
    UserId, "user id", "user", "user_alice"
);
/// A run id, `run_` + a ULID in lowercase Crockford base32.
///
/// Checked when it comes in from outside ([`RunId::parse`], deserializing a
/// payload or an argument); read from the run table as it is (`sqlx` transparent):
/// the table holds only ids the engine generated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct RunId(String);

const RUN_EXAMPLE: &str = "run_01jd5x7m3k9q2w8e4r6t0y1v3a";

impl RunId {
    /// Accepts exactly what [`RunId::generate`] makes: `run_` and 26 characters of
    /// lowercase Crockford base32 (no i, l, o, u), the first one 0–7 (a ULID's first
    /// character holds only 3 of the timestamp's 48 bits).
    pub fn parse(value: &str) -> Result<Self, IdError> {
        if value.trim().is_empty() {
            return Err(IdError::Empty {
                what: "run id",
                example: RUN_EXAMPLE,
            });
        }
        let crockford = |b: u8| matches!(b, b'0'..=b'9' | b'a'..=b'h' | b'j' | b'k' | b'm' | b'n' | b'p'..=b't' | b'v'..=b'z');
        let valid = value.strip_prefix("run_").is_some_and(|ulid| {
            ulid.len() == 26 && ulid.bytes().all(crockford) && ulid.as_bytes()[0] <= b'7'
        });
        if !valid {
            return Err(IdError::MalformedRun {
                value: shown(value),
            });
        }
        Ok(RunId(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A new run id: `run_` + a ULID in lowercase Crockford base32, so ids sort by
    /// creation time in byte order.
    pub fn generate() -> Self {
        RunId(format!(
            "run_{}",
            ulid::Ulid::new().to_string().to_lowercase()
        ))
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for RunId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Self::parse(s)
    }
}

impl<'de> Deserialize<'de> for RunId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A new export id, `exp_` + a lowercase ULID.
pub(crate) fn generate_export_id() -> String {
    format!("exp_{}", ulid::Ulid::new().to_string().to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_spec_ids() {
        assert_eq!(OrgId::parse("org_acme").unwrap().as_str(), "org_acme");
        assert!(UserId::parse("user_Alice42").is_ok());
        let longest = format!("org_{}", "a".repeat(60));
        assert_eq!(longest.len(), 64);
        assert!(OrgId::parse(&longest).is_ok());
    }

    #[test]
    fn refuses_malformed_ids() {
        for bad in [
            "org_",
            "acme",
            "org-acme",
            "org_acme;DROP TABLE invoice",
            "org_ac me",
            "user_alice",
            "ORG_acme",
            "org_é",
        ] {
            assert!(
                matches!(OrgId::parse(bad), Err(IdError::Malformed { .. })),
                "{bad:?} should be refused"
            );
        }
        assert!(matches!(OrgId::parse(""), Err(IdError::Empty { .. })));
        assert!(matches!(OrgId::parse("   "), Err(IdError::Empty { .. })));
        let too_long = format!("org_{}", "a".repeat(61));
        assert!(OrgId::parse(&too_long).is_err());
    }

    #[test]
    fn run_ids_sort_by_creation() {
        let a = RunId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = RunId::generate();
        assert!(a.as_str() < b.as_str());
        assert_eq!(a.as_str().len(), 4 + 26);
        assert!(RunId::parse(a.as_str()).is_ok());
        assert!(RunId::parse(RUN_EXAMPLE).is_ok());
        // Not Crockford (u, i), wrong length, upper case, overflowing first digit.
        for bad in [
            "run_01jd5x7m3k9q2w8e4r6t0y1u3i",
            "run_01jd5x7m3k9q2w8e4r6t0y1v3",
            "run_01JD5X7M3K9Q2W8E4R6T0Y1V3A",
            "run_81jd5x7m3k9q2w8e4r6t0y1v3a",
        ] {
            assert!(RunId::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(a.as_str(), a.as_str().to_lowercase());
    }

    #[test]
    fn run_id_errors_describe_a_ulid() {
        for bad in [
            "run_81jd5x7m3k9q2w8e4r6t0y1v3a",
            "run_zzzz",
            "org_acme",
            "run-01jd",
        ] {
            let message = RunId::parse(bad).unwrap_err().to_string();
            assert!(message.contains(&format!("{bad:?}")), "{message}");
            assert!(
                message.contains("26 characters of lowercase Crockford base32")
                    && message.contains("the first one 0 to 7"),
                "{message}"
            );
            assert!(!message.contains("at most 64"), "{message}");
        }
    }

    #[test]
    fn strict_payload_deserialization() {
        let ok: Result<OrgId, _> = serde_json::from_str("\"org_acme\"");
        assert!(ok.is_ok());
        let bad: Result<OrgId, _> = serde_json::from_str("\"\"");
        assert!(bad.is_err());
    }
}
