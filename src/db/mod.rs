//! Database access: connecting (libpq conventions, redacted errors, server-side
//! session limits for workers), the embedded migrations, the tenant transaction, and
//! one module of queries per table.
//!
//! Queries are plain `sqlx::query` with bind parameters, kept in this layer one
//! module per table (or table group), so that every statement touching a table can
//! be read in one place. We chose that over `query!` macros so the crate builds with
//! no database and no `.sqlx/` data to keep in sync; every query is exercised by the
//! integration tests against a real PostgreSQL.

pub mod audit_log;
pub(crate) mod exports;
pub(crate) mod identity;
pub mod invoices;
pub(crate) mod lane_pause;
pub mod lanes;
pub(crate) mod members;
pub(crate) mod organizations;
pub mod queue;
pub(crate) mod run_batch;
pub mod run_history;
pub mod runs;
pub(crate) mod schedules;
pub mod seed;
pub(crate) mod setup;
pub(crate) mod steps;
pub mod suppressions;
pub mod tenant;

use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::error::{Classify, ExitKind};
use crate::redact::{redact_secrets, redact_url};

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The database name used when neither a URL nor PGDATABASE names one.
pub(crate) const DEFAULT_DATABASE: &str = "invoicectl";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "cannot reach PostgreSQL at {host}:{port} (database {database}): {reason}. Is the server running? Check --database-url, DATABASE_URL or PGHOST/PGPORT"
    )]
    Refused {
        host: String,
        port: u16,
        database: String,
        reason: String,
    },
    #[error(
        "cannot reach PostgreSQL at {host}:{port} (database {database}): {reason}. Check --database-url, DATABASE_URL or PGHOST/PGPORT"
    )]
    Unreachable {
        host: String,
        port: u16,
        database: String,
        reason: String,
    },
    #[error(
        "database \"{database}\" does not exist on {host}:{port}: run `invoicectl db setup` (or fix the name in --database-url, DATABASE_URL or PGDATABASE)"
    )]
    DatabaseMissing {
        host: String,
        port: u16,
        database: String,
    },
    #[error(
        "PostgreSQL at {host}:{port} refused role \"{role}\": {reason}. Check the user and password in --database-url, DATABASE_URL or PGUSER/PGPASSWORD (or ~/.pgpass)"
    )]
    AuthFailed {
        host: String,
        port: u16,
        role: String,
        reason: String,
    },
    #[error("database URL {url} is not valid: {reason}")]
    BadUrl { url: String, reason: String },
    #[error(
        "database {database} is not set up (schema version {}, this invoicectl needs {expected}): run `invoicectl db setup`",
        found.map_or_else(|| "none".to_owned(), |v| v.to_string())
    )]
    NotMigrated {
        database: String,
        found: Option<i64>,
        expected: i64,
    },
    #[error(
        "database {database} has schema version {found}, newer than this invoicectl ({expected}): upgrade invoicectl"
    )]
    TooNew {
        database: String,
        found: i64,
        expected: i64,
    },
    #[error("the database is busy (lock timeout): try again")]
    LockTimeout,
    /// `suppressions::upsert` saw the address inserted and removed by concurrent
    /// transactions on both of its rounds.
    #[error("email_suppression: the address was inserted and removed concurrently; try again")]
    SuppressionContended,
    #[error("applying the migrations failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Sql(sqlx::Error),
}

impl Classify for DbError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            // A refused login is 69 like a missing server, not 77: 77 means the member
            // gate said no, and scripts (the README's CI step) rely on that meaning.
            DbError::Refused { .. }
            | DbError::Unreachable { .. }
            | DbError::DatabaseMissing { .. }
            | DbError::AuthFailed { .. }
            | DbError::NotMigrated { .. }
            | DbError::TooNew { .. } => ExitKind::Unavailable,
            DbError::BadUrl { .. } => ExitKind::Invalid,
            DbError::LockTimeout | DbError::SuppressionContended => ExitKind::TempFail,
            DbError::Migrate(sqlx::migrate::MigrateError::Execute(e)) | DbError::Sql(e) => {
                e.exit_kind()
            }
            DbError::Migrate(_) => ExitKind::Failure,
        }
    }
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.code().as_deref() == Some("55P03") => {
                DbError::LockTimeout
            }
            _ => DbError::Sql(e),
        }
    }
}

/// The query parameters sqlx reads from a PostgreSQL URL (plus `options[NAME]`).
/// sqlx ignores any other one with a warning that prints its value, and libpq
/// refuses them: so do we, which also turns a typo such as `?sslmod=require` into
/// an error instead of a silently unencrypted connection.
const URL_PARAMETERS: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];

/// Parses and checks a database URL before sqlx sees it: a PostgreSQL scheme and
/// only the parameters of [`URL_PARAMETERS`]. Messages show the URL redacted and
/// name a bad parameter, never its value.
fn parse_database_url(raw: &str) -> Result<url::Url, DbError> {
    let bad = |reason: String| DbError::BadUrl {
        url: redact_url(raw),
        reason,
    };
    if raw.trim().is_empty() {
        return Err(DbError::BadUrl {
            url: "\"\"".to_owned(),
            reason: "it is empty: name a postgres:// URL, or set none (--database-url, DATABASE_URL, config database_url) to use libpq's PG* variables".to_owned(),
        });
    }
    let url = url::Url::parse(raw).map_err(|e| {
        bad(format!(
            "{e}: use postgres://[user[:password]@]host[:port]/database"
        ))
    })?;
    match url.scheme() {
        "postgres" | "postgresql" => {}
        other => {
            return Err(bad(format!(
                "scheme {other:?} is not supported: invoicectl needs PostgreSQL (postgres:// or postgresql://)"
            )));
        }
    }
    for (key, _) in url.query_pairs() {
        let known = URL_PARAMETERS.contains(&key.as_ref())
            || (key.starts_with("options[") && key.ends_with(']'));
        if !known {
            return Err(bad(format!(
                "parameter {key:?} is not supported (use {})",
                URL_PARAMETERS.join(", ")
            )));
        }
    }
    Ok(url)
}

/// Connection options from an explicit URL, or from libpq's environment variables.
/// Either way the database defaults to `invoicectl` when none is named.
pub(crate) fn connect_options(database_url: Option<&str>) -> Result<PgConnectOptions, DbError> {
    let options = match database_url {
        Some(raw) => {
            let url = parse_database_url(raw)?;
            let parsed = PgConnectOptions::from_url(&url).map_err(|e| DbError::BadUrl {
                url: redact_url(raw),
                reason: redact_secrets(&e.to_string()),
            })?;
            let names_database = !url.path().trim_start_matches('/').is_empty()
                || url.query_pairs().any(|(key, _)| key == "dbname");
            if names_database || std::env::var_os("PGDATABASE").is_some() {
                parsed
            } else {
                parsed.database(DEFAULT_DATABASE)
            }
        }
        None => {
            let from_env = PgConnectOptions::new();
            if std::env::var_os("PGDATABASE").is_some() {
                from_env
            } else {
                from_env.database(DEFAULT_DATABASE)
            }
        }
    };
    // Statement logging at info would flood the worker's output; slow ones still warn.
    Ok(options
        .application_name("invoicectl")
        .log_statements(tracing::log::LevelFilter::Debug)
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(5)))
}

/// Describes where the options point, for messages: never includes the password.
pub(crate) fn describe(options: &PgConnectOptions) -> (String, u16, String) {
    (
        options.get_host().to_owned(),
        options.get_port(),
        options
            .get_database()
            .unwrap_or(DEFAULT_DATABASE)
            .to_owned(),
    )
}

/// Turns a connection failure into what the operator has to fix (all exit 69),
/// naming host and port and never a password: a refused connection (is the server
/// running?), a database that does not exist (`db setup` creates it), a refused
/// login (naming the role), or another reason the server cannot be used. Other
/// errors pass through.
pub(crate) fn classify_connect_error(options: &PgConnectOptions, e: sqlx::Error) -> DbError {
    let (host, port, database) = describe(options);
    match &e {
        // A TCP port nobody listens on, or a Unix socket path with no server behind it.
        sqlx::Error::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound
            ) =>
        {
            DbError::Refused {
                host,
                port,
                database,
                reason: redact_secrets(&io.to_string()),
            }
        }
        sqlx::Error::Io(io) => DbError::Unreachable {
            host,
            port,
            database,
            reason: redact_secrets(&io.to_string()),
        },
        sqlx::Error::Tls(tls) => DbError::Unreachable {
            host,
            port,
            database,
            reason: redact_secrets(&format!("TLS: {tls}")),
        },
        sqlx::Error::PoolTimedOut => DbError::Unreachable {
            host,
            port,
            database,
            reason: "timed out".to_owned(),
        },
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // invalid_catalog_name
            Some("3D000") => DbError::DatabaseMissing {
                host,
                port,
                database,
            },
            // invalid_authorization_specification (an unknown role, no pg_hba.conf
            // entry), invalid_password
            Some("28000" | "28P01") => DbError::AuthFailed {
                host,
                port,
                role: options.get_username().to_owned(),
                reason: redact_secrets(db.message()),
            },
            // cannot_connect_now (starting up, shutting down), too_many_connections
            Some("57P03" | "53300") => DbError::Unreachable {
                host,
                port,
                database,
                reason: redact_secrets(db.message()),
            },
            _ => DbError::from(e),
        },
        _ => DbError::from(e),
    }
}

/// How long a pool acquire waits (for a free connection, or for the server) unless
/// the caller chooses otherwise.
pub(crate) const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens a pool of at most `max_connections`. The first connection is made directly
/// so that an unreachable server is reported at once with its real reason (exit 69);
/// the pool itself would retry until its acquire timeout and only say "timed out".
pub(crate) async fn connect(
    options: &PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, DbError> {
    connect_with(options, max_connections, DEFAULT_ACQUIRE_TIMEOUT).await
}

/// [`connect`] with the pool's acquire timeout: while the server refuses
/// connections, an acquire keeps trying for this long and then fails with
/// `PoolTimedOut`.
pub(crate) async fn connect_with(
    options: &PgConnectOptions,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, DbError> {
    use sqlx::Connection;
    let probe = sqlx::PgConnection::connect_with(options)
        .await
        .map_err(|e| classify_connect_error(options, e))?;
    let _ = probe.close().await;
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(0)
        .acquire_timeout(acquire_timeout)
        .connect_lazy_with(options.clone()))
}

/// Server-side limits on a session, so that a client that stops talking (a paused
/// process, a network partition) cannot hold its locks for long: PostgreSQL ends a
/// session idle inside a transaction, bounds lock waits, and probes a silent peer.
/// sqlx 0.8 cannot enable keepalives on its own sockets, so the server probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// `idle_in_transaction_session_timeout`: the server ends a session that sits
    /// this long inside a transaction without sending a statement, releasing its locks.
    pub idle_in_transaction: Duration,
    /// `lock_timeout`: a statement waiting this long for a lock fails (SQLSTATE 55P03).
    pub lock_timeout: Duration,
    /// `tcp_keepalives_idle`, `tcp_keepalives_interval`, `tcp_keepalives_count`: the
    /// server drops a connection whose peer stopped answering probes.
    pub keepalive_idle: Duration,
    pub keepalive_interval: Duration,
    pub keepalive_count: u32,
    /// `tcp_user_timeout`: data the peer has not acknowledged for this long drops the
    /// connection (covers a server blocked sending to a vanished client).
    pub tcp_user_timeout: Duration,
}

/// `options` with `limits` sent in the startup packet (`-c name=value`), so every
/// connection has them from its first statement at no extra round trip.
pub fn with_session_limits(options: PgConnectOptions, limits: &SessionLimits) -> PgConnectOptions {
    let millis = |d: Duration| format!("{}ms", d.as_millis().max(1));
    let seconds = |d: Duration| format!("{}s", d.as_secs().max(1));
    options.options([
        (
            "idle_in_transaction_session_timeout",
            millis(limits.idle_in_transaction),
        ),
        ("lock_timeout", millis(limits.lock_timeout)),
        ("tcp_keepalives_idle", seconds(limits.keepalive_idle)),
        (
            "tcp_keepalives_interval",
            seconds(limits.keepalive_interval),
        ),
        (
            "tcp_keepalives_count",
            limits.keepalive_count.max(1).to_string(),
        ),
        ("tcp_user_timeout", millis(limits.tcp_user_timeout)),
    ])
}

/// True when an error says the connection to the server is gone or cannot be made
/// (I/O, no connection within the acquire timeout, the server shutting down or
/// restarting): the database's fault, not the statement's.
pub fn is_connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // connection_exception (class 08), admin_shutdown, crash_shutdown,
            // cannot_connect_now. Not the idle-in-transaction timeout (25P03), which
            // the client caused, nor too_many_connections (53300), which a worker
            // could meet again at once, attempt after uncounted attempt.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

/// Database errors are classified here, once, by what a caller can do about them: a
/// lost connection is 69, a conflict that a retry may get past (deadlock,
/// serialization failure, lock timeout, canceled statement) is 75, anything else 1.
impl Classify for sqlx::Error {
    fn exit_kind(&self) -> ExitKind {
        use sqlx::postgres::{PgDatabaseError, PgSeverity};
        match self {
            // The server or the network went away, or no connection could be had: the
            // worker's rule for an attempt it releases uncounted, plus TLS failures.
            e if is_connection_lost(e) => ExitKind::Unavailable,
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

/// The newest migration version this binary knows.
pub(crate) fn expected_schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The newest migration applied to the database, `None` when it was never set up.
pub(crate) async fn schema_version(pool: &PgPool) -> Result<Option<i64>, DbError> {
    match sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
    {
        Ok(found) => Ok(found),
        // undefined_table: never set up.
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42P01") => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Refuses a database migrated by a newer invoicectl ([`DbError::TooNew`], exit 69).
pub(crate) fn check_not_newer(database: &str, found: Option<i64>) -> Result<(), DbError> {
    let expected = expected_schema_version();
    match found {
        Some(found) if found > expected => Err(DbError::TooNew {
            database: database.to_owned(),
            found,
            expected,
        }),
        _ => Ok(()),
    }
}

/// A fast schema check for the hot path (one indexed read): the database must have
/// exactly this binary's migrations applied.
pub(crate) async fn ensure_schema(
    pool: &PgPool,
    options: &PgConnectOptions,
) -> Result<(), DbError> {
    let expected = expected_schema_version();
    let found = schema_version(pool).await?;
    let database = describe(options).2;
    check_not_newer(&database, found)?;
    match found {
        Some(v) if v == expected => Ok(()),
        _ => Err(DbError::NotMigrated {
            database,
            found,
            expected,
        }),
    }
}

/// Opens a pool on a database that must already be set up.
pub(crate) async fn open(
    database_url: Option<&str>,
    max_connections: u32,
) -> Result<PgPool, DbError> {
    let options = connect_options(database_url)?;
    open_with(&options, max_connections, DEFAULT_ACQUIRE_TIMEOUT).await
}

/// [`open`] with explicit options (e.g. [`with_session_limits`]) and acquire timeout.
pub(crate) async fn open_with(
    options: &PgConnectOptions,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, DbError> {
    let pool = connect_with(options, max_connections, acquire_timeout).await?;
    ensure_schema(&pool, options).await?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::audit_log::{Action, SubjectType};
    use super::exports::ExportStatus;
    use super::members::Role;
    use super::runs::RunStatus;
    use super::suppressions::Reason;

    /// Each stored enum has one spelling: what `as_str` prints is what serde and
    /// sqlx (the same `rename_all` or `rename` on both) write and read.
    #[test]
    fn stored_enums_print_as_they_serialize() {
        let json = |v: serde_json::Value| v.as_str().unwrap().to_owned();
        for s in RunStatus::ALL {
            assert_eq!(json(serde_json::to_value(s).unwrap()), s.as_str());
            assert_eq!(s.to_string(), s.as_str());
        }
        for r in Role::ALL {
            assert_eq!(json(serde_json::to_value(r).unwrap()), r.as_str());
        }
        for r in Reason::ALL {
            assert_eq!(json(serde_json::to_value(r).unwrap()), r.as_str());
        }
        for s in ExportStatus::ALL {
            assert_eq!(json(serde_json::to_value(s).unwrap()), s.as_str());
        }
        for a in Action::ALL {
            assert_eq!(json(serde_json::to_value(a).unwrap()), a.as_str());
            assert_eq!(a.to_string(), a.as_str());
        }
        for k in SubjectType::ALL {
            assert_eq!(json(serde_json::to_value(k).unwrap()), k.as_str());
        }
        assert!(serde_json::from_value::<RunStatus>(serde_json::json!("running")).is_err());
    }

    /// Every `crate::NAME` a file's code (not its comments) names.
    fn crate_modules_used(path: &std::path::Path) -> std::collections::BTreeSet<String> {
        let text = std::fs::read_to_string(path).unwrap();
        let mut used = std::collections::BTreeSet::new();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (i, _) in line.match_indices("crate::") {
                let name: String = line[i + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                used.insert(name);
            }
        }
        used
    }

    /// The `.rs` files of module `name` of the crate: `src/NAME.rs`, or every file
    /// under `src/NAME/`.
    fn module_files(name: &str) -> Vec<std::path::PathBuf> {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let file = src.join(format!("{name}.rs"));
        if file.exists() {
            return vec![file];
        }
        let mut files = Vec::new();
        let mut dirs = vec![src.join(name)];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        assert!(!files.is_empty(), "no module {name}");
        files
    }

    /// The clap types are a leaf that the commands import (as sqlx-cli's `opt.rs`):
    /// `cli` names no module of the crate but the leaves listed here, so neither the
    /// commands, the configuration nor the assets rendered from it can be imported
    /// back into it, and no module `cli` imports reaches the commands either.
    #[test]
    fn cli_imports_only_leaves_and_nothing_it_imports_reaches_the_commands() {
        const CLI_LEAVES: [&str; 1] = ["error"];
        let mut imported = std::collections::BTreeSet::new();
        for file in module_files("cli") {
            for name in crate_modules_used(&file) {
                assert!(
                    CLI_LEAVES.contains(&name.as_str()),
                    "{} uses crate::{name}: cli may import only {CLI_LEAVES:?}",
                    file.display()
                );
                imported.insert(name);
            }
        }
        for name in imported {
            for file in module_files(&name) {
                let used = crate_modules_used(&file);
                for upward in ["commands", "cli", "assets"] {
                    assert!(
                        !used.contains(upward),
                        "{} (imported by cli) uses crate::{upward}",
                        file.display()
                    );
                }
            }
        }
    }

    /// `db` is the bottom layer: no module of it reaches up into the engine, the
    /// export or audit domains, the commands or the configuration. Under it only
    /// leaves: `error` (exit kinds and the error printer), which imports nothing from
    /// the crate at all.
    #[test]
    fn db_imports_nothing_above_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for leaf in ["error.rs"] {
            let text = std::fs::read_to_string(root.join(leaf)).unwrap();
            // `super::` at the top of a root module is the crate; its test module's
            // `use super::*` is the leaf itself.
            for word in ["crate::", "super::", "invoicectl::"] {
                let code = text.lines().filter(|l| {
                    let l = l.trim_start();
                    !l.starts_with("//") && l.contains(word) && l != "use super::*;"
                });
                assert_eq!(
                    code.collect::<Vec<_>>(),
                    Vec::<&str>::new(),
                    "src/{leaf} must import nothing from the crate"
                );
            }
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/db");
        let upward = [
            "engine", "exports", "audit", "commands", "config", "context", "storage",
        ]
        .map(|module| format!("crate::{module}"));
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            // Code, not comments: a doc comment may point up to who uses a query.
            let code: Vec<&str> = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect();
            for layer in &upward {
                assert!(
                    !code.iter().any(|l| l.contains(layer.as_str())),
                    "{} uses {layer}: db must stay the bottom layer",
                    path.display()
                );
            }
        }
    }
}
