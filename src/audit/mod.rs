//! The audit log writer: the one way invoicectl records who did what.
//!
//! [`append`] adds an entry inside the caller's transaction, so the entry commits or
//! rolls back with the change it describes (an export's close-out, a suppression).
//! The database does the rest: the `audit_log_chain` trigger assigns the id and
//! timestamp, chains the row per organization (see [`chain`]) and notifies
//! `audit tail --follow`; triggers reject UPDATE, DELETE and TRUNCATE.
//!
//! Actions are typed ([`Action`]) so that a misspelt action cannot reach the log,
//! and each action knows whether it belongs to an organization or to the system
//! chain (the email suppression list belongs to no tenant).

pub mod chain;
pub(crate) mod follow;
pub(crate) mod verify;
pub(crate) mod witness;

use serde_json::Value;
use sqlx::PgConnection;

pub use crate::db::audit_log::{Action, Scope, SubjectType};
use crate::db::{self, DbError};
use crate::error::{Classify, ExitKind};
use crate::ids::{OrgId, RunId, UserId};

/// What an entry is about: `subject_type` and `subject_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject<'a> {
    pub kind: SubjectType,
    pub id: &'a str,
}

impl<'a> Subject<'a> {
    /// An export, named by its run (`subjectType` `export`, `subjectId` the
    /// run id).
    pub fn export(run: &'a RunId) -> Self {
        Subject {
            kind: SubjectType::Export,
            id: run.as_str(),
        }
    }

    /// A suppression list entry, named by its (lowercased) address.
    pub fn email_suppression(email: &'a str) -> Self {
        Subject {
            kind: SubjectType::EmailSuppression,
            id: email,
        }
    }
}

/// One entry to append.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// The tenant, or `None` for a system-wide entry (must match the action's scope).
    pub organization: Option<&'a OrgId>,
    /// Who did it, or `None` for the system (a worker, a close-out).
    pub actor: Option<&'a UserId>,
    pub action: Action,
    pub subject: Subject<'a>,
    /// A JSON object with the action's details (camelCase keys).
    pub payload: Value,
}

/// Why an entry could not be appended.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(
        "audit action {action} belongs on {expected} chain, but the entry has {got}: this is a bug in invoicectl"
    )]
    WrongScope {
        action: Action,
        expected: &'static str,
        got: String,
    },
    #[error("audit payload for {action} must be a JSON object: this is a bug in invoicectl")]
    PayloadNotObject { action: Action },
    #[error("cannot append to the audit log")]
    Db(#[from] DbError),
}

impl Classify for AuditError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            AuditError::Db(e) => e.exit_kind(),
            AuditError::WrongScope { .. } | AuditError::PayloadNotObject { .. } => {
                ExitKind::Failure
            }
        }
    }
}

/// Appends `entry` inside the caller's transaction and returns its id.
///
/// Call it on the transaction that makes the change the entry describes, so both
/// commit or neither does. Organization entries may be written in a tenant
/// transaction (`db::tenant::begin`) for that organization; system entries
/// (`organization: None`) must be written outside one, because the tenant role's
/// row-level security only admits its own organization's rows.
///
/// ```text
/// audit::append(&mut tx, audit::Entry {
///     organization: Some(&org),
///     actor: Some(&user),
///     action: audit::Action::ExportRequested,
///     subject: audit::Subject::export(&run_id),
///     payload: serde_json::json!({ "exportId": export_id }),
/// }).await?;
/// ```
pub async fn append(conn: &mut PgConnection, entry: Entry<'_>) -> Result<i64, AuditError> {
    match (entry.action.scope(), entry.organization) {
        (Scope::Organization, None) => {
            return Err(AuditError::WrongScope {
                action: entry.action,
                expected: "an organization's",
                got: "no organization".to_owned(),
            });
        }
        (Scope::System, Some(org)) => {
            return Err(AuditError::WrongScope {
                action: entry.action,
                expected: "the system",
                got: format!("organization {org}"),
            });
        }
        _ => {}
    }
    if !entry.payload.is_object() {
        return Err(AuditError::PayloadNotObject {
            action: entry.action,
        });
    }
    let id = db::audit_log::insert(
        conn,
        &db::audit_log::NewEntry {
            organization_id: entry.organization.map(OrgId::as_str),
            actor_user_id: entry.actor.map(UserId::as_str),
            action: entry.action,
            subject_type: entry.subject.kind,
            subject_id: entry.subject.id,
            payload: entry.payload,
        },
    )
    .await
    .map_err(DbError::from)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_are_the_spec_names() {
        let names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(
            names,
            [
                "export.invoices.requested",
                "export.invoices.completed",
                "export.invoices.failed",
                "export.invoices.canceled",
                // A canceled email child run.
                "export.invoices.child_canceled",
                "export.invoices.link_issued",
                "export.invoices.downloaded",
                "export.invoices.expired",
                "export.invoices.location_refused",
                "email.suppression.added",
                "email.suppression.removed",
                "export.invoices.retried",
                "export.lane.paused",
                "export.lane.resumed",
                "export.schedule.created",
                "export.schedule.paused",
                "export.schedule.resumed",
                "export.schedule.removed",
                "export.schedule.tick_failed",
                "export.schedule.ticks_skipped",
                "user.login.linked",
                "user.login.unlinked",
            ]
        );
        for action in Action::ALL {
            assert_eq!(Action::from_name(action.as_str()), Some(action));
        }
        assert_eq!(Action::from_name("export.invoices.forged"), None);
        assert_eq!(Action::SuppressionAdded.scope(), Scope::System);
        assert_eq!(Action::ExportCanceled.scope(), Scope::Organization);
    }
}
