//! What every command gets: the resolved settings, the output mode, and helpers to
//! reach the database and print results (stdout) the same way everywhere.

use std::io::{self, IsTerminal, Write};

use serde::Serialize;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;

use crate::cli::{ColorChoice, GlobalArgs};
use crate::config::{Overrides, Settings};
use crate::db;

pub struct Context {
    pub settings: Settings,
    pub json: bool,
    pub color: bool,
    pub quiet: bool,
}

impl Context {
    pub fn new(global: &GlobalArgs) -> Result<Context, crate::config::ConfigError> {
        let settings = Settings::load(&Overrides {
            database_url: global.database_url.clone(),
            config: global.config.clone(),
            data_dir: global.data_dir.clone(),
        })?;
        Ok(Context {
            settings,
            json: global.json,
            color: color_enabled(global.color, io::stdout().is_terminal()),
            quiet: global.quiet,
        })
    }

    pub fn connect_options(&self) -> Result<PgConnectOptions, db::DbError> {
        db::connect_options(self.settings.database_url.as_deref())
    }

    /// A pool on the set-up database (fails with 69 if it is unreachable or not set up).
    pub async fn pool(&self, max_connections: u32) -> Result<PgPool, db::DbError> {
        db::open(self.settings.database_url.as_deref(), max_connections).await
    }

    /// Prints one JSON document and a newline on stdout.
    pub fn print_json<T: Serialize>(&self, value: &T) -> anyhow::Result<()> {
        let mut out = io::stdout().lock();
        serde_json::to_writer(&mut out, value)?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }

    /// Prints a line of human output on stdout.
    pub fn println(&self, line: &str) -> anyhow::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }
}

/// Colors follow `--color`, then NO_COLOR (any non-empty value), then whether the
/// stream is a terminal.
pub fn color_enabled(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}
