//! The one place where errors become the exit codes of SPEC §2.
//!
//! Modules raise their own `thiserror` types and say which [`ExitKind`] each
//! variant is, through [`Classify`]; commands wrap them in `anyhow` with context.
//! [`exit_code`] walks that chain and picks the first classified error, so adding
//! context never changes an exit code. A generic failure (1) is only a default: a
//! deeper cause that says more — a database error under "database error while
//! canceling", say — decides instead.
//!
//! Database errors are classified here, once, by what a caller can do about them
//! ([`Classify`] for `sqlx::Error`): a lost connection is 69, a conflict that a
//! retry may get past (deadlock, serialization failure, lock timeout, canceled
//! statement) is 75, anything else 1.

use std::io;

/// What kind of failure ended the command, in SPEC §2 terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// 1: the awaited run failed or was canceled, or an internal error.
    Failure,
    /// 2: a usage error (clap's own, or a missing requester).
    Usage,
    /// 65: an id, email, payload or config value failed validation.
    Invalid,
    /// 66: an unknown run, organization or user.
    NotFound,
    /// 69: the database cannot be reached.
    Unavailable,
    /// 75: a temporary failure (`--wait` timed out, a lock timeout).
    TempFail,
    /// 77: the member gate refused the requester.
    PermissionDenied,
}

impl ExitKind {
    pub fn code(self) -> u8 {
        match self {
            ExitKind::Failure => 1,
            ExitKind::Usage => 2,
            ExitKind::Invalid => 65,
            ExitKind::NotFound => 66,
            ExitKind::Unavailable => 69,
            ExitKind::TempFail => 75,
            ExitKind::PermissionDenied => 77,
        }
    }
}

/// Implemented by every error type that maps to a specific exit code.
pub trait Classify {
    fn exit_kind(&self) -> ExitKind;
}

/// An error that only carries its exit kind and message, for command-level refusals
/// that have no richer type (e.g. "run already finished").
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub kind: ExitKind,
    pub message: String,
}

impl CommandError {
    pub fn new(kind: ExitKind, message: impl Into<String>) -> Self {
        CommandError {
            kind,
            message: message.into(),
        }
    }
}

impl Classify for CommandError {
    fn exit_kind(&self) -> ExitKind {
        self.kind
    }
}

impl Classify for sqlx::Error {
    fn exit_kind(&self) -> ExitKind {
        use sqlx::postgres::{PgDatabaseError, PgSeverity};
        match self {
            // The server or the network went away, or no connection could be had: the
            // worker's rule for an attempt it releases uncounted, plus TLS failures.
            e if crate::db::is_connection_lost(e) => ExitKind::Unavailable,
            sqlx::Error::Tls(_) => ExitKind::Unavailable,
            sqlx::Error::Database(db) => {
                let code = db.code();
                let code = code.as_deref().unwrap_or("");
                // Any other FATAL or PANIC error also ends the session: idle too long
                // in a transaction (25P03), too many connections (53300), …
                let session_ended = db
                    .try_downcast_ref::<PgDatabaseError>()
                    .is_some_and(|e| matches!(e.severity(), PgSeverity::Fatal | PgSeverity::Panic));
                match code {
                    // serialization_failure, deadlock_detected, lock_not_available,
                    // query_canceled
                    "40001" | "40P01" | "55P03" | "57014" => ExitKind::TempFail,
                    _ if session_ended => ExitKind::Unavailable,
                    _ => ExitKind::Failure,
                }
            }
            _ => ExitKind::Failure,
        }
    }
}

/// True when the command exits 69 because its database connection failed after it
/// was made (one that could not be made at all is reported, with its host and
/// port, by `db::classify_connect_error`), so that the message can say so.
pub fn connection_lost(err: &anyhow::Error) -> bool {
    use crate::db::DbError;
    exit_code(err) == ExitKind::Unavailable.code()
        && err.chain().any(|cause| {
            let sql = match cause.downcast_ref::<DbError>() {
                Some(
                    DbError::Sql(e) | DbError::Migrate(sqlx::migrate::MigrateError::Execute(e)),
                ) => Some(e),
                Some(_) => None,
                None => cause.downcast_ref::<sqlx::Error>(),
            };
            sql.is_some_and(|e| e.exit_kind() == ExitKind::Unavailable)
        })
}

macro_rules! classify_chain {
    ($cause:expr, $($ty:ty),+ $(,)?) => {
        $(
            if let Some(e) = $cause.downcast_ref::<$ty>() {
                return Some(e.exit_kind());
            }
        )+
    };
}

fn classify(cause: &(dyn std::error::Error + 'static)) -> Option<ExitKind> {
    classify_chain!(
        cause,
        CommandError,
        sqlx::Error,
        crate::config::ConfigError,
        crate::db::DbError,
        crate::ids::IdError,
        crate::lookup::LookupError,
        crate::exports::request::StartError,
        crate::exports::cancel::CancelError,
        crate::exports::csv::ExportDirError,
        crate::exports::email::InvalidEmail,
        crate::exports::email::EmailError,
        crate::exports::email::SendError,
        crate::audit::AuditError,
        crate::audit::witness::WitnessError,
        crate::audit::chain::ChainBroken,
        crate::telemetry::MetricsError,
        crate::storage::StorageError,
        crate::exports::links::LinkError,
        crate::exports::links::PruneError,
    );
    None
}

/// True when the error is a write to a closed pipe (`invoicectl … | head`): the
/// reader went away on purpose, so the command ends quietly with success.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let kind = if let Some(e) = cause.downcast_ref::<io::Error>() {
            Some(e.kind())
        } else {
            // serde_json's error does not expose the io::Error as its source (its
            // `source()` skips a level), so a JSON document cut short by a closed pipe
            // is recognised by its kind.
            cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
        };
        kind == Some(io::ErrorKind::BrokenPipe)
    })
}

/// The exit code for an error that ended a command: the first classified cause
/// that is more specific than a generic failure, else 1.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    err.chain()
        .filter_map(classify)
        .find(|kind| *kind != ExitKind::Failure)
        .unwrap_or(ExitKind::Failure)
        .code()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that went away: every write fails with EPIPE.
    struct ClosedPipe;

    impl io::Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn broken_pipes_are_recognised_through_io_and_serde_json_errors() {
        let io_error = io::Write::write_all(&mut ClosedPipe, b"x").unwrap_err();
        assert!(is_broken_pipe(
            &anyhow::Error::new(io_error).context("printing")
        ));

        let json_error = serde_json::to_writer(ClosedPipe, &vec![1, 2, 3]).unwrap_err();
        assert!(is_broken_pipe(&anyhow::Error::new(json_error)));

        let other = io::Error::new(io::ErrorKind::PermissionDenied, "no");
        assert!(!is_broken_pipe(&anyhow::Error::new(other)));
        let syntax = serde_json::from_str::<u8>("x").unwrap_err();
        assert!(!is_broken_pipe(&anyhow::Error::new(syntax)));
    }
}
