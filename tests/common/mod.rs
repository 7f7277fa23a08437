//! Shared test harness: each test gets its own fresh database from `#[sqlx::test]`
//! (created on the test server, [`server_url`], migrated, dropped after), and drives
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
pub mod hostile;
pub mod invoices;
pub mod jsonb;
pub mod pause;
pub mod process;
pub mod prometheus;
pub mod proxy;
pub mod runs;
pub mod s3;
pub mod smtp;
pub mod tty;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use sqlx::PgPool;

/// The variable naming the server the tests create their databases on. Only the
/// tests read it: `DATABASE_URL` names the application's database, and a value the
/// tests need must not reach `cargo run` (cargo's `[env]` would give it to both).
pub const TEST_SERVER_VAR: &str = "INVOICECTL_TEST_DATABASE_URL";

/// The test server when [`TEST_SERVER_VAR`] is unset: the local PostgreSQL of a
/// development machine or CI, its maintenance database `postgres`.
pub const DEFAULT_TEST_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The server the test databases live on: [`TEST_SERVER_VAR`], else
/// [`DEFAULT_TEST_SERVER`]. A `DATABASE_URL` of the developer's shell is ignored.
pub fn server_url() -> url::Url {
    let raw = std::env::var(TEST_SERVER_VAR).unwrap_or_else(|_| DEFAULT_TEST_SERVER.to_owned());
    url::Url::parse(&raw).unwrap_or_else(|e| panic!("{TEST_SERVER_VAR} is not a URL: {e}"))
}

/// `#[sqlx::test]` reads the server from `DATABASE_URL` in the test process, so the
/// harness sets it — to [`server_url`] — before `main`, while the process has one
/// thread (setting a variable is only sound then). Done in the ELF/Mach-O
/// initializer list, as the `ctor` crate does, so that every `#[sqlx::test]` as
/// written works whichever test runs first, without a dependency.
#[used]
#[cfg_attr(target_os = "linux", unsafe(link_section = ".init_array"))]
#[cfg_attr(target_os = "macos", unsafe(link_section = "__DATA,__mod_init_func"))]
static SET_TEST_SERVER: extern "C" fn() = {
    extern "C" fn set_test_server() {
        let url = server_url().to_string();
        // SAFETY: runs before main, when no other thread can read the environment.
        unsafe { std::env::set_var("DATABASE_URL", url) };
    }
    set_test_server
};

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
