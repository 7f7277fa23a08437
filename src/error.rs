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

/// What kind of failure ended the command, in SPEC §2 terms. The discriminant is
/// the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitKind {
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
    pub fn code(self) -> u8 {
        self as u8
    }
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

/// SPEC §2's exit codes: the one list the `--help` footer ([`exit_codes_help`]) and
/// the man pages (`assets`) are rendered from. A test checks it against
/// [`ExitKind`] and the tables of README.md and docs/reference.md.
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
                  (audit verify), or an unexpected internal error.",
    },
    ExitCodeDoc {
        code: ExitKind::Usage as u8,
        short: "usage",
        meaning: "Usage error, including a missing requester.",
    },
    ExitCodeDoc {
        code: ExitKind::Invalid as u8,
        short: "invalid input",
        meaning: "Invalid input: an id, email, payload or config value that fails validation \
                  (export worker: an export folder that is empty or not a directory, a --metrics-addr \
                  that is not IP:PORT of this host).",
    },
    ExitCodeDoc {
        code: ExitKind::NotFound as u8,
        short: "not found",
        meaning: "Not found: unknown run id, organization or user, or a named config file.",
    },
    ExitCodeDoc {
        code: ExitKind::Unavailable as u8,
        short: "database unreachable",
        meaning: "Database unreachable, the connection lost mid-command, or not set up (or set up by a \
                  newer invoicectl); the message names host and port, never the password.",
    },
    ExitCodeDoc {
        code: ExitKind::TempFail as u8,
        short: "temporary failure",
        meaning: "Temporary failure: --wait timed out, lock timeout, deadlock, serialization failure \
                  (export worker: its --metrics-addr is in use).",
    },
    ExitCodeDoc {
        code: ExitKind::PermissionDenied as u8,
        short: "permission denied",
        meaning: "Permission denied: the member gate or PostgreSQL refused the login or the \
                  requester, or export worker may not write its export folder or bind its \
                  --metrics-addr.",
    },
];

/// The `--help` footer's exit codes (`Exit codes: 0 ok, 1 …`), half of them a line.
pub fn exit_codes_help() -> String {
    let items: Vec<String> = EXIT_CODES
        .iter()
        .map(|doc| format!("{} {}", doc.code, doc.short))
        .collect();
    let (first, second) = items.split_at(items.len().div_ceil(2));
    format!("Exit codes: {},\n{}.", first.join(", "), second.join(", "))
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
                    // insufficient_privilege: PostgreSQL refused the login what it
                    // asked (a table it may not touch, a role it may not take).
                    "42501" if !session_ended => ExitKind::PermissionDenied,
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

/// Classifies the types it lists, in this order, and names them in
/// [`CLASSIFIED`] so that a test can check that every error type of the crate is
/// among them.
macro_rules! classified {
    ($($ty:ty),+ $(,)?) => {
        fn classify(cause: &(dyn std::error::Error + 'static)) -> Option<ExitKind> {
            $(
                if let Some(e) = cause.downcast_ref::<$ty>() {
                    return Some(e.exit_kind());
                }
            )+
            None
        }

        /// The error types [`exit_code`] recognises in a chain.
        pub const CLASSIFIED: &[&str] = &[$(stringify!($ty)),+];
    };
}

classified!(
    CommandError,
    sqlx::Error,
    crate::config::ConfigError,
    crate::db::DbError,
    crate::ids::IdError,
    crate::lookup::LookupError,
    crate::identity::IdentityError,
    crate::exports::request::StartError,
    crate::exports::cancel::CancelError,
    crate::exports::csv::ExportDirError,
    crate::exports::csv::FileError,
    crate::email::InvalidEmail,
    crate::email::EmailError,
    crate::email::SendError,
    crate::audit::AuditError,
    crate::audit::witness::WitnessError,
    crate::audit::chain::ChainBroken,
    crate::telemetry::MetricsError,
    crate::storage::StorageError,
    crate::storage::link::LinkFetchError,
    crate::storage::sha256::BadState,
    crate::exports::links::LinkError,
    crate::exports::links::PruneError,
    crate::engine::task::TaskError,
    crate::engine::trigger::TriggerError,
    crate::engine::WorkerError,
    crate::engine::PassError,
);

// The engine's errors and two wrappers of I/O failures; their causes decide when
// they say more.

impl Classify for crate::engine::task::TaskError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            crate::engine::task::TaskError::DatabaseLost(_) => ExitKind::Unavailable,
            _ => ExitKind::Failure,
        }
    }
}

impl Classify for crate::engine::trigger::TriggerError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            crate::engine::trigger::TriggerError::InvalidPayload { .. } => ExitKind::Failure,
            crate::engine::trigger::TriggerError::KeyContended { .. } => ExitKind::TempFail,
            crate::engine::trigger::TriggerError::Database(e) => e.exit_kind(),
        }
    }
}

impl Classify for crate::engine::PassError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            crate::engine::PassError::Database(e) => e.exit_kind(),
            crate::engine::PassError::Hook { source, .. } => source.exit_kind(),
        }
    }
}

/// Errors that are a generic failure (1) whatever they wrap: their cause decides.
macro_rules! failure {
    ($($ty:ty),+) => {
        $(
            impl Classify for $ty {
                fn exit_kind(&self) -> ExitKind {
                    ExitKind::Failure
                }
            }
        )+
    };
}

failure!(
    crate::engine::WorkerError,
    crate::exports::csv::FileError,
    crate::storage::sha256::BadState
);

/// An error and its causes on one line, `message: cause: cause` (anyhow's `{:#}`):
/// the one way invoicectl prints an error. invoicectl's own errors never repeat their
/// source in their message; a cause whose text its parent's already holds is left
/// out, for library errors that do (sqlx's "error returned from database: {0}").
pub fn chain_text<'a>(
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
pub fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    chain_text(std::iter::successors(Some(err), |e| e.source()))
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

    /// Every `thiserror` type in `src/` is one [`exit_code`] recognises.
    #[test]
    fn every_error_type_is_classified() {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let mut lines = text.lines();
                    while let Some(line) = lines.next() {
                        if !(line.trim_start().starts_with("#[derive(")
                            && line.contains("thiserror::Error"))
                        {
                            continue;
                        }
                        let item = lines
                            .by_ref()
                            .find(|l| l.contains("enum ") || l.contains("struct "))
                            .unwrap();
                        let name = item
                            .split_whitespace()
                            .skip_while(|w| *w != "enum" && *w != "struct")
                            .nth(1)
                            .unwrap()
                            .split(['{', '(', ';', '<'])
                            .next()
                            .unwrap()
                            .to_owned();
                        found.push(format!("{}: {name}", path.display()));
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        assert!(found.len() > 20, "{found:?}");
        let unclassified: Vec<&String> = found
            .iter()
            .filter(|item| {
                let name = item.rsplit(' ').next().unwrap();
                !CLASSIFIED
                    .iter()
                    .any(|ty| ty.replace(' ', "").rsplit("::").next() == Some(name))
            })
            .collect();
        assert!(
            unclassified.is_empty(),
            "add these to `classified!` in src/error.rs: {unclassified:?}"
        );
    }

    /// The codes of the one list are those of [`ExitKind`] (plus 0), and those of
    /// the tables in README.md and docs/reference.md (the spec's); samples of the
    /// error types map to the codes the tables give them.
    #[test]
    fn exit_codes_are_one_list_and_match_the_docs() {
        use crate::config::ConfigError;
        use crate::db::DbError;
        use crate::telemetry::MetricsError;
        let kinds = [
            ExitKind::Failure,
            ExitKind::Usage,
            ExitKind::Invalid,
            ExitKind::NotFound,
            ExitKind::Unavailable,
            ExitKind::TempFail,
            ExitKind::PermissionDenied,
        ];
        let listed: Vec<u8> = EXIT_CODES.iter().map(|doc| doc.code).collect();
        let mut expected = vec![0];
        expected.extend(kinds.iter().map(|kind| kind.code()));
        assert_eq!(listed, expected);
        for doc in ["README.md", "docs/reference.md"] {
            let text =
                std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(doc))
                    .unwrap();
            let table = text.split("## Exit codes").nth(1).unwrap();
            let codes: Vec<u8> = table
                .lines()
                .skip_while(|l| !l.starts_with('|'))
                .take_while(|l| l.starts_with('|'))
                .filter_map(|l| l.trim_start_matches('|').split('|').next())
                .filter_map(|cell| cell.trim().parse().ok())
                .collect();
            assert_eq!(codes, listed, "the exit-code table of {doc}");
        }
        assert_eq!(
            exit_codes_help().lines().collect::<Vec<_>>(),
            [
                "Exit codes: 0 ok, 1 run failed or internal error, 2 usage, 65 invalid input,",
                "66 not found, 69 database unreachable, 75 temporary failure, 77 permission denied."
            ]
        );

        let id = crate::ids::OrgId::parse("").unwrap_err();
        let samples: Vec<(anyhow::Error, ExitKind)> = vec![
            (
                CommandError::new(ExitKind::TempFail, "x").into(),
                ExitKind::TempFail,
            ),
            (id.into(), ExitKind::Invalid),
            (
                ConfigError::EmptyVariable { var: "X" }.into(),
                ExitKind::Invalid,
            ),
            (ConfigError::Conflict("x".into()).into(), ExitKind::Usage),
            (DbError::LockTimeout.into(), ExitKind::TempFail),
            (
                DbError::NotMigrated {
                    database: "d".into(),
                    found: None,
                    expected: 1,
                }
                .into(),
                ExitKind::Unavailable,
            ),
            (
                MetricsError::BadAddress("x".into()).into(),
                ExitKind::Invalid,
            ),
            (
                MetricsError::InUse {
                    addr: "127.0.0.1:1".parse().unwrap(),
                }
                .into(),
                ExitKind::TempFail,
            ),
            (sqlx::Error::PoolTimedOut.into(), ExitKind::Unavailable),
            (sqlx::Error::RowNotFound.into(), ExitKind::Failure),
            (
                crate::engine::PassError::Hook {
                    run_id: "run_x".into(),
                    source: crate::engine::task::TaskError::DatabaseLost("gone".into()),
                }
                .into(),
                ExitKind::Unavailable,
            ),
            (
                crate::exports::cancel::CancelError::Database(sqlx::Error::PoolClosed).into(),
                ExitKind::Unavailable,
            ),
        ];
        for (err, kind) in &samples {
            assert_eq!(exit_code(err), kind.code(), "{err:#}");
            assert!(listed.contains(&exit_code(err)));
        }
    }

    #[test]
    fn a_chain_prints_each_cause_once() {
        let err = anyhow::Error::new(crate::exports::cancel::CancelError::Database(
            sqlx::Error::PoolTimedOut,
        ))
        .context("canceling run_x");
        assert_eq!(
            chain_text(err.chain()),
            format!(
                "canceling run_x: database error while canceling: {}",
                sqlx::Error::PoolTimedOut
            )
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
