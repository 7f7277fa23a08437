//! Existence checks for the organization and user ids operators type, and the
//! "not found" errors (66) they raise: each names the nearest existing id when one
//! is close ("did you mean org_acme?") and the command that lists the real ones, as
//! cargo and git do for a mistyped subcommand.
//!
//! The suggestion is best effort: it is looked up only once an id is known to be
//! missing, and a failure to look it up leaves the error without one rather than
//! replacing the error the operator needs to see.

use sqlx::PgConnection;

use crate::db::{self, DbError};
use crate::error::{Classify, ExitKind};
use crate::ids::{OrgId, UserId};

#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("organization {org} does not exist: {}", org_hint(.suggestion.as_deref()))]
    UnknownOrg {
        org: OrgId,
        suggestion: Option<String>,
    },
    #[error(
        "user {user} does not exist: {}",
        user_hint(.suggestion.as_deref(), .org.as_ref())
    )]
    UnknownUser {
        user: UserId,
        suggestion: Option<String>,
        /// The organization the user was to act for, if any: its member list is
        /// where the right id can be found.
        org: Option<OrgId>,
    },
    #[error(transparent)]
    Database(#[from] DbError),
}

impl Classify for LookupError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            LookupError::UnknownOrg { .. } | LookupError::UnknownUser { .. } => ExitKind::NotFound,
            LookupError::Database(e) => e.exit_kind(),
        }
    }
}

impl From<sqlx::Error> for LookupError {
    fn from(e: sqlx::Error) -> Self {
        LookupError::Database(e.into())
    }
}

fn org_hint(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(id) => format!("did you mean {id}? (`invoicectl org list` lists organizations)"),
        None => "`invoicectl org list` lists organizations".to_owned(),
    }
}

fn user_hint(suggestion: Option<&str>, org: Option<&OrgId>) -> String {
    let list = match org {
        Some(org) => format!("`invoicectl member list --org {org}` lists its members"),
        None => "`invoicectl member list --org ORG` lists an organization's members".to_owned(),
    };
    let check = "check --as, INVOICECTL_USER or the config key `user`";
    match suggestion {
        Some(id) => format!("did you mean {id}? ({check}; {list})"),
        None => format!("{check} ({list})"),
    }
}

/// Ok when the organization exists, else [`LookupError::UnknownOrg`] with the
/// nearest existing id.
pub(crate) async fn require_org(conn: &mut PgConnection, org: &OrgId) -> Result<(), LookupError> {
    if db::members::organization_exists(conn, org).await? {
        Ok(())
    } else {
        Err(unknown_org(conn, org).await)
    }
}

/// Ok when the user exists, else [`LookupError::UnknownUser`] with the nearest
/// existing id; `org` is the organization the user was to act for, if any.
pub(crate) async fn require_user(
    conn: &mut PgConnection,
    user: &UserId,
    org: Option<&OrgId>,
) -> Result<(), LookupError> {
    if db::members::user_exists(conn, user).await? {
        Ok(())
    } else {
        Err(unknown_user(conn, user, org).await)
    }
}

/// The error for an organization known to be missing, with the nearest existing id.
pub(crate) async fn unknown_org(conn: &mut PgConnection, org: &OrgId) -> LookupError {
    let (min, max) = length_window(org.as_str(), "org_");
    let candidates = db::organizations::ids_by_length(conn, min, max).await;
    LookupError::UnknownOrg {
        org: org.clone(),
        suggestion: candidates
            .ok()
            .and_then(|ids| nearest(org.as_str(), "org_", &ids).map(str::to_owned)),
    }
}

/// The error for a user known to be missing, with the nearest existing id.
pub(crate) async fn unknown_user(
    conn: &mut PgConnection,
    user: &UserId,
    org: Option<&OrgId>,
) -> LookupError {
    let (min, max) = length_window(user.as_str(), "user_");
    let candidates = db::members::user_ids_by_length(conn, min, max).await;
    LookupError::UnknownUser {
        user: user.clone(),
        suggestion: candidates
            .ok()
            .and_then(|ids| nearest(user.as_str(), "user_", &ids).map(str::to_owned)),
        org: org.cloned(),
    }
}

/// How many edits a mistyped id may be from a real one and still be suggested: a
/// third of what follows the prefix, at least one (rustc's rule for names), so a
/// slip in `org_acme` is caught while `org_ibm` is not "corrected" to `org_acme`.
fn max_distance(input: &str, prefix: &str) -> usize {
    let rest = input.strip_prefix(prefix).unwrap_or(input);
    rest.chars().count().max(3) / 3
}

/// The id lengths that can be within [`max_distance`] of `input`: an edit changes
/// the length by at most one, so only those rows need to be read.
fn length_window(input: &str, prefix: &str) -> (i32, i32) {
    let len = input.chars().count() as i32;
    let d = max_distance(input, prefix) as i32;
    (len - d, len + d)
}

/// The candidate nearest to `input` by optimal string alignment distance (an
/// adjacent swap is one edit), if it is close enough; a candidate that differs only
/// in case always is. Ties go to the first in `candidates`' order.
pub(crate) fn nearest<'a, S: AsRef<str>>(
    input: &str,
    prefix: &str,
    candidates: &'a [S],
) -> Option<&'a str> {
    let limit = max_distance(input, prefix);
    let lower = input.to_lowercase();
    candidates
        .iter()
        .map(AsRef::as_ref)
        .filter(|c| *c != input)
        .map(|c| {
            let d = if c.to_lowercase() == lower {
                0
            } else {
                strsim::osa_distance(input, c)
            };
            (d, c)
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORGS: [&str; 4] = ["org_acme", "org_globex", "org_initech", "org_acme2024"];

    #[test]
    fn a_slip_finds_the_id_it_was_meant_to_be() {
        assert_eq!(nearest("org_acm", "org_", &ORGS), Some("org_acme"));
        assert_eq!(nearest("org_amce", "org_", &ORGS), Some("org_acme"));
        assert_eq!(nearest("org_acmee", "org_", &ORGS), Some("org_acme"));
        assert_eq!(nearest("org_ACME", "org_", &ORGS), Some("org_acme"));
        assert_eq!(nearest("org_initch", "org_", &ORGS), Some("org_initech"));
        assert_eq!(nearest("org_acme2025", "org_", &ORGS), Some("org_acme2024"));
    }

    #[test]
    fn a_different_id_gets_no_suggestion() {
        assert_eq!(nearest("org_ibm", "org_", &ORGS), None);
        assert_eq!(nearest("org_glbx", "org_", &ORGS), None);
        assert_eq!(nearest("org_zz", "org_", &ORGS), None);
        let none: [&str; 0] = [];
        assert_eq!(nearest("org_acme", "org_", &none), None);
    }

    #[test]
    fn the_length_window_covers_every_suggestible_id() {
        for input in ["org_acm", "org_acmee", "org_initch", "org_x"] {
            let (min, max) = length_window(input, "org_");
            for c in ORGS {
                if nearest(input, "org_", &[c]).is_some() {
                    let len = c.len() as i32;
                    assert!(min <= len && len <= max, "{input} → {c}");
                }
            }
        }
    }

    #[test]
    fn messages_name_the_suggestion_and_the_listing_command() {
        let org = OrgId::parse("org_acm").unwrap();
        let e = LookupError::UnknownOrg {
            org: org.clone(),
            suggestion: Some("org_acme".into()),
        };
        assert_eq!(
            e.to_string(),
            "organization org_acm does not exist: did you mean org_acme? (`invoicectl org list` lists organizations)"
        );
        let e = LookupError::UnknownUser {
            user: UserId::parse("user_alic").unwrap(),
            suggestion: None,
            org: Some(OrgId::parse("org_acme").unwrap()),
        };
        assert!(
            e.to_string()
                .ends_with("(`invoicectl member list --org org_acme` lists its members)"),
            "{e}"
        );
        assert_eq!(e.exit_kind(), ExitKind::NotFound);
    }
}
