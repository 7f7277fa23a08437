//! Exit codes and the one error printer: a leaf that imports nothing from the crate,
//! so every layer can say what its errors mean without depending on any other.
//!
//! Modules raise their own `thiserror` types and say which `ExitKind` each
//! variant is by implementing `Classify` beside the type; commands wrap them in
//! `anyhow` with context. The command edge (`commands::exit`) walks that chain and
//! picks the first classified error, so adding context never changes an exit code.
//! The codes themselves are listed once, in [`EXIT_CODES`], which the `--help`
//! footer, the man pages and docs/reference.md ("Exit codes") are rendered from.

use std::io;

/// What kind of failure ended the command, in the terms of
/// docs/reference.md ("Exit codes"). The discriminant is
/// the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum ExitKind {
    /// 1: the awaited run failed or was canceled, or an internal error.
    Failure = 1,
    /// 2: a usage error (clap's own, or a missing requester).
    Usage = 2,
    /// 65: an id, email, payload or config value failed validation.
    Invalid = 65,
    /// 66: an unknown run, organization or user.
    NotFound = 66,
    /// 69: the database cannot be reached.
    Unavailable = 69,
    /// 75: a temporary failure (`--wait` timed out, a lock timeout).
    TempFail = 75,
    /// 77: the member gate refused the requester.
    PermissionDenied = 77,
}

impl ExitKind {
    pub(crate) fn code(self) -> u8 {
        self as u8
    }
}

/// Implemented by every error type that maps to a specific exit code.
pub(crate) trait Classify {
    fn exit_kind(&self) -> ExitKind;
}

/// An error that only carries its exit kind and message, for command-level refusals
/// that have no richer type (e.g. "run already finished").
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct CommandError {
    pub kind: ExitKind,
    pub message: String,
}

impl CommandError {
    pub(crate) fn new(kind: ExitKind, message: impl Into<String>) -> Self {
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

/// An error and its causes on one line, `message: cause: cause` (anyhow's `{:#}`):
/// the one way invoicectl prints an error. invoicectl's own errors never repeat their
/// source in their message; a cause whose text its parent's already holds is left
/// out, for library errors that do (sqlx's "error returned from database: {0}").
pub(crate) fn chain_text<'a>(
    chain: impl IntoIterator<Item = &'a (dyn std::error::Error + 'static)>,
) -> String {
    let mut text = String::new();
    let mut parent = String::new();
    for cause in chain {
        let cause = cause.to_string();
        if text.is_empty() {
            text.push_str(&cause);
        } else if !parent.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
        parent = cause;
    }
    text
}

/// [`chain_text`] of one error and its sources, for messages that are stored rather
/// than printed (a run's error, a log line).
pub(crate) fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    chain_text(std::iter::successors(Some(err), |e| e.source()))
}

/// True when the error is a write to a closed pipe (`invoicectl … | head`): the
/// reader went away on purpose, so the command ends quietly with success.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
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

/// One exit code as the documentation lists it.
#[derive(Debug, Clone, Copy)]
pub struct ExitCodeDoc {
    pub code: u8,
    /// A few words, for the `--help` footer.
    pub short: &'static str,
    /// A sentence, for the man page's EXIT STATUS section.
    pub meaning: &'static str,
}

/// The exit codes: the one list the `--help` footer (`exit_codes_help`) and
/// the man pages (`assets`) are rendered from (the `--help` footer by `cli`, which
/// may import this leaf and no other module). A test checks it against
/// `ExitKind` and the table of docs/reference.md (which `generate-assets` writes).
pub const EXIT_CODES: [ExitCodeDoc; 8] = [
    ExitCodeDoc {
        code: 0,
        short: "ok",
        meaning: "Success (with --wait: the run completed).",
    },
    ExitCodeDoc {
        code: ExitKind::Failure as u8,
        short: "run failed or internal error",
        meaning: "The run failed or was canceled (--wait, --watch, demo), an audit chain is broken \
                  (audit verify), a download did not match its recorded size or SHA-256, or an \
                  unexpected internal error.",
    },
    ExitCodeDoc {
        code: ExitKind::Usage as u8,
        short: "usage",
        meaning: "Usage error, including a missing requester.",
    },
    ExitCodeDoc {
        code: ExitKind::Invalid as u8,
        short: "invalid input",
        meaning: "Invalid input: an id, email, payload, duration or config value that fails \
                  validation (export worker: an export folder that is empty or not a directory, a \
                  --metrics-addr that is not IP:PORT of this host; export download: a gzip export to \
                  a name without .gz; audit verify: a witness file that is malformed or witnesses no \
                  chain).",
    },
    ExitCodeDoc {
        code: ExitKind::NotFound as u8,
        short: "not found",
        meaning: "Not found: unknown run id, organization or user (naming the nearest existing \
                  id), a named config file or witness file, a missing bucket, or an export with no \
                  stored file or an expired one (the message says when it expired); audit checkpoint \
                  with no audit entry to witness.",
    },
    ExitCodeDoc {
        code: ExitKind::Unavailable as u8,
        short: "database unreachable",
        meaning: "Database unreachable, missing (db setup creates it) or refusing the login, the \
                  connection lost mid-command, or not set up (or set up by a newer invoicectl); the \
                  message names host and port, never the password. export worker --drain/--once: \
                  60 s without the database.",
    },
    ExitCodeDoc {
        code: ExitKind::TempFail as u8,
        short: "temporary failure",
        meaning: "Temporary failure: --wait timed out, lock timeout, deadlock, serialization \
                  failure, canceled statement (export worker: its --metrics-addr is in use; \
                  --drain/--once: its storage filled up or refused its writes mid-run, the runs \
                  were released with no attempt spent).",
    },
    ExitCodeDoc {
        code: ExitKind::PermissionDenied as u8,
        short: "permission denied",
        meaning: "Permission denied: the member gate refused the requester; a login not \
                  linked to a user (unmapped); --as naming another user from a linked login that \
                  is not a delegate; an admin command from a login that is not an admin; \
                  PostgreSQL refusing the login a table or role; url, download or cancel by \
                  someone other than the requester (while a member who may export) or an \
                  owner/admin; an export whose recorded location is not its place in the storage \
                  (url, download, prune); storage credentials refused (export worker writes and \
                  deletes a probe object before it claims anything); export worker cannot create or \
                  write its export folder or metrics file, or may not bind its --metrics-addr.",
    },
];

/// The `--help` footer's exit codes (`Exit codes: 0 ok, 1 …`), half of them a line.
pub(crate) fn exit_codes_help() -> String {
    let items: Vec<String> = EXIT_CODES
        .iter()
        .map(|doc| format!("{} {}", doc.code, doc.short))
        .collect();
    let (first, second) = items.split_at(items.len().div_ceil(2));
    format!("Exit codes: {},\n{}.", first.join(", "), second.join(", "))
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
    fn a_chain_prints_each_cause_once() {
        /// A library error that repeats its source in its own message, as sqlx's
        /// "error returned from database: {0}" does.
        #[derive(Debug, thiserror::Error)]
        #[error("error returned from database: {0}")]
        struct Repeats(#[source] io::Error);
        #[derive(Debug, thiserror::Error)]
        #[error("database error while canceling")]
        struct Ours(#[source] Repeats);
        let lost = io::Error::other("connection reset");
        let err = anyhow::Error::new(Ours(Repeats(lost))).context("canceling run_x");
        assert_eq!(
            chain_text(err.chain()),
            "canceling run_x: database error while canceling: error returned from database: connection reset"
        );
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
