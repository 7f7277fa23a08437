//! The one place where errors become the exit codes of SPEC §2.
//!
//! Modules raise their own `thiserror` types and say which [`ExitKind`] each
//! variant is, through [`Classify`]; commands wrap them in `anyhow` with context.
//! [`exit_code`] walks that chain and picks the first classified error, so adding
//! context never changes an exit code.

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
        crate::config::ConfigError,
        crate::db::DbError,
        crate::ids::IdError,
        crate::exports::request::StartError,
        crate::exports::cancel::CancelError,
        crate::exports::email::InvalidEmail,
        crate::exports::email::EmailError,
        crate::exports::email::SendError,
        crate::audit::AuditError,
        crate::audit::chain::ChainBroken,
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

/// The exit code for an error that ended a command.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    err.chain()
        .find_map(classify)
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
