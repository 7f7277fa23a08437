//! The command edge of errors: which exit code an error that ended a command gets
//! (the list of codes the `--help` footer and the man pages are rendered from is
//! [`crate::error::EXIT_CODES`]).
//!
//! Each error type says its `ExitKind` beside its definition (`Classify`, in the
//! leaf `crate::error`); [`exit_code`] walks an `anyhow` chain and downcasts each
//! cause to the types listed here, in order, taking the first that is more specific
//! than a generic failure (1): a deeper cause that says more — a database error under
//! "database error while canceling", say — decides. A test checks that every error
//! type of `src/` is listed.

use crate::error::{Classify, ExitKind};

/// True when the command exits 69 because its database connection failed after it
/// was made (one that could not be made at all is reported, with its host and
/// port, by `db::classify_connect_error`), so that the message can say so.
pub(crate) fn connection_lost(err: &anyhow::Error) -> bool {
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
        #[cfg(test)]
        pub(crate) const CLASSIFIED: &[&str] = &[$(stringify!($ty)),+];
    };
}

classified!(
    crate::error::CommandError,
    sqlx::Error,
    crate::config::error::ConfigError,
    crate::db::DbError,
    crate::ids::IdError,
    crate::engine::run::InvalidErrorCode,
    crate::lookup::LookupError,
    crate::identity::IdentityError,
    crate::exports::request::StartError,
    crate::exports::scope::ScopeError,
    crate::exports::pause::PauseError,
    crate::exports::retry::RetryError,
    crate::exports::schedule::ScheduleError,
    crate::exports::cancel::CancelError,
    crate::exports::csv::folder::ExportDirError,
    crate::exports::csv::attempt::FileError,
    crate::email::InvalidEmail,
    crate::email::EmailError,
    crate::email::SendError,
    crate::audit::AuditError,
    crate::audit::witness::WitnessError,
    crate::audit::chain::ChainBroken,
    crate::telemetry::MetricsError,
    crate::telemetry::TextfileError,
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
    use crate::error::{EXIT_CODES, exit_codes_help};

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
                    // Types of test modules are never raised by a command.
                    let mut lines = text.lines().take_while(|l| *l != "#[cfg(test)]");
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
            "add these to `classified!` in src/commands/exit.rs: {unclassified:?}"
        );
    }

    /// The codes of the one list are those of [`ExitKind`] (plus 0), and those of
    /// the table in docs/reference.md (the spec's); samples of the
    /// error types map to the codes the tables give them.
    #[test]
    fn exit_codes_are_one_list_and_match_the_docs() {
        use crate::config::error::ConfigError;
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
        // README points at docs/reference.md for the list.
        #[allow(clippy::single_element_loop)]
        for doc in ["docs/reference.md"] {
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
                crate::error::CommandError::new(ExitKind::TempFail, "x").into(),
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
                    run_id: crate::ids::RunId::generate(),
                    source: crate::engine::task::TaskError::DatabaseLost(sqlx::Error::PoolClosed),
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
}
