//! Shared test harness: each test gets its own fresh database from `#[sqlx::test]`
//! (created on the server named by DATABASE_URL, migrated, dropped after), and drives
//! the real binary against it with a private config and data directory.
//! [`smtp`] is a real SMTP server on 127.0.0.1 for the email tests; [`proxy`] takes
//! the database away from one worker process; [`s3`] is a real S3 server
//! (SeaweedFS) for the storage tests. [`json_ok`] and [`refused`] check the
//! binary's two output contracts: one JSON document on success, one error line.
//! [`runs`] reads and drains runs; [`process`] keeps children beside a test;
//! [`pause`] holds the binary at a named pause point and lets it go;
//! [`audit`] reads audit entries ([`audit::audit_rows`]); [`jsonb`] is PostgreSQL's
//! jsonb text in Rust.
//! Every command the tests run gets its environment from [`Env`], built on ONE list
//! of cleared variables ([`CLEARED_VARS`]).

pub mod audit;
pub mod csv_oracle;
pub mod invoices;
pub mod jsonb;
pub mod pause;
pub mod process;
pub mod proxy;
pub mod runs;
pub mod s3;
pub mod smtp;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use sqlx::PgPool;

/// The server the test databases live on (from DATABASE_URL, see .cargo/config.toml).
pub fn server_url() -> url::Url {
    let raw = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    url::Url::parse(&raw).expect("DATABASE_URL is a URL")
}

/// A URL for database `name` on the test server.
pub fn database_url(name: &str) -> String {
    let mut url = server_url();
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// The URL of the database behind a `#[sqlx::test]` pool.
pub fn pool_url(pool: &PgPool) -> String {
    let name = pool
        .connect_options()
        .get_database()
        .expect("test pool names its database")
        .to_owned();
    database_url(&name)
}

/// A second pool on the test's database with room for `connections` at once (the
/// `#[sqlx::test]` pool is small), for tests that run many sessions side by side.
pub async fn wide_pool(pool: &PgPool, connections: u32) -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(connections)
        .connect(&pool_url(pool))
        .await
        .unwrap()
}

/// An isolated environment for running the binary: its own config file and data dir.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub database_url: String,
}

impl Env {
    pub fn new(database_url: impl Into<String>) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("config.toml"), "").unwrap();
        Env {
            dir,
            database_url: database_url.into(),
        }
    }

    pub fn for_pool(pool: &PgPool) -> Env {
        Env::new(pool_url(pool))
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.config_path(), text).unwrap();
    }

    /// The binary (assert_cmd, 120 s timeout) with the isolated environment of
    /// [`Env::std_cmd`].
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::from_std(self.std_cmd());
        cmd.timeout(Duration::from_secs(120));
        cmd
    }

    /// The binary as a plain `std::process::Command`, for processes that run beside
    /// the test (spawned, signalled, killed): no variable of [`CLEARED_VARS`], our
    /// database, config file and data directory.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(BINARY);
        self.isolate(&mut cmd);
        cmd
    }

    /// [`Env::std_cmd`] as a tokio command, for children whose output a test reads
    /// while it runs.
    pub fn tokio_cmd(&self) -> tokio::process::Command {
        tokio::process::Command::from(self.std_cmd())
    }

    /// `sh -c script` with the environment of [`Env::std_cmd`], `$INVOICECTL` naming
    /// the binary — for pipelines such as `"$INVOICECTL" export status | head -1`.
    pub fn shell(&self, script: &str) -> std::process::Command {
        let mut cmd = std::process::Command::new("sh");
        self.isolate(&mut cmd);
        cmd.arg("-c").arg(script).env("INVOICECTL", BINARY);
        cmd
    }

    /// The one place the environment of every command the tests run is made.
    fn isolate(&self, cmd: &mut std::process::Command) {
        for var in CLEARED_VARS {
            cmd.env_remove(var);
        }
        cmd.env("DATABASE_URL", &self.database_url)
            .env("INVOICECTL_CONFIG", self.config_path())
            .env("INVOICECTL_DATA_DIR", self.data_dir());
    }

    /// The data directory the binary is given (exports/ and outbox/ live in it).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

/// The binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_invoicectl");

/// Variables of the developer's environment that would change what the binary does.
const CLEARED_VARS: [&str; 15] = [
    "PGHOST",
    "PGPORT",
    "PGUSER",
    "PGPASSWORD",
    "PGDATABASE",
    "INVOICECTL_USER",
    "INVOICECTL_EXPORT_DIR",
    "INVOICECTL_SMTP_URL",
    "INVOICECTL_MAIL_FROM",
    "INVOICECTL_PAGE_SIZE",
    "INVOICECTL_WORKER_CONCURRENCY",
    "RUST_LOG",
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
];

/// Counts rows of a table (as the connecting superuser, so RLS does not hide any).
pub async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

/// `stdout` parsed as one JSON document.
pub fn json_of(stdout: &[u8]) -> Value {
    serde_json::from_slice(stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(stdout)
        )
    })
}

/// The NDJSON lines of `stdout` (blank lines skipped).
pub fn ndjson(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// Runs the binary, expects exit 0, returns stdout parsed as one JSON document.
pub fn json_ok(env: &Env, args: &[&str]) -> Value {
    let out = env.cmd().args(args).arg("--json").output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    json_of(&out.stdout)
}

/// Runs the binary and expects a refusal: `code`, empty stdout, exactly one line on
/// stderr. Returns that line.
pub fn refused(cmd: &mut assert_cmd::Command, code: i32) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}; stderr: {stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "stdout must stay empty on an error: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got: {stderr:?}");
    assert!(
        lines[0].starts_with("invoicectl: error: "),
        "error line: {stderr:?}"
    );
    lines[0].to_owned()
}
