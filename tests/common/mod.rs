//! Shared test harness: each test gets its own fresh database from `#[sqlx::test]`
//! (created on the server named by DATABASE_URL, migrated, dropped after), and drives
//! the real binary against it with a private config and data directory.
//! [`smtp`] is a real SMTP server on 127.0.0.1 for the email tests; [`proxy`] takes
//! the database away from one worker process; [`s3`] is a real S3 server
//! (SeaweedFS) for the storage tests. [`json_ok`] and [`refused`] check the
//! binary's two output contracts: one JSON document on success, one error line.
#![allow(dead_code)]

pub mod invoices;
pub mod proxy;
pub mod s3;
pub mod smtp;

use std::path::{Path, PathBuf};

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

    /// The binary with a clean environment: no PG* variables, no NO_COLOR, our config.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("invoicectl").expect("binary built");
        for var in CLEARED_VARS {
            cmd.env_remove(var);
        }
        cmd.env("DATABASE_URL", &self.database_url)
            .env("INVOICECTL_CONFIG", self.config_path())
            .env("INVOICECTL_DATA_DIR", self.data_dir())
            .timeout(std::time::Duration::from_secs(120));
        cmd
    }

    /// `sh -c script` with the environment of [`Env::cmd`], `$INVOICECTL` naming the
    /// binary — for pipelines such as `"$INVOICECTL" export status | head -1`.
    pub fn shell(&self, script: &str) -> std::process::Command {
        let mut cmd = std::process::Command::new("sh");
        for var in CLEARED_VARS {
            cmd.env_remove(var);
        }
        cmd.arg("-c")
            .arg(script)
            .env("INVOICECTL", env!("CARGO_BIN_EXE_invoicectl"))
            .env("DATABASE_URL", &self.database_url)
            .env("INVOICECTL_CONFIG", self.config_path())
            .env("INVOICECTL_DATA_DIR", self.data_dir());
        cmd
    }

    /// The data directory the binary is given (exports/ and outbox/ live in it).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

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

/// Runs the binary, expects exit 0, returns stdout parsed as one JSON document.
pub fn json_ok(env: &Env, args: &[&str]) -> Value {
    let out = env.cmd().args(args).arg("--json").output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: stdout is not one JSON document ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
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
