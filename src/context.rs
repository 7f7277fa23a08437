//! What every command gets: the resolved settings, the output mode, and helpers to
//! reach the database and print results (stdout) the same way everywhere — including
//! the tables, so that `--color`/NO_COLOR decide their styling in one place.

use std::io::{self, IsTerminal, Write};

use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table, presets};
use serde::Serialize;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;

use crate::cli::{ColorChoice, GlobalArgs};
use crate::config::{Overrides, Settings};
use crate::db;

pub struct Context {
    pub settings: Settings,
    pub json: bool,
    /// Colors on stdout (tables): `--color`, NO_COLOR, whether stdout is a terminal.
    pub color: bool,
    /// Colors on stderr (logs, progress bars), decided the same way for stderr.
    pub color_stderr: bool,
    pub quiet: bool,
}

impl Context {
    /// The context of a command run with `global` options and the setting `flags`
    /// typed on its command line ([`crate::cli::setting_flags`]).
    pub fn new(
        global: &GlobalArgs,
        flags: &Overrides,
    ) -> Result<Context, crate::config::ConfigError> {
        let settings = Settings::load(flags)?;
        settings.log_sources();
        // With -v, where the commands will look: the database (never the password) and
        // the export folder.
        if let Ok(options) = db::connect_options(settings.database_url.as_deref()) {
            let (host, port, database) = db::describe(&options);
            tracing::debug!(
                "database {database} on {host}:{port} as {}",
                options.get_username()
            );
        }
        tracing::debug!(
            "exports go to {}",
            settings.export_dir.join("ORG").join("RUN_ID.csv").display()
        );
        Ok(Context {
            settings,
            json: global.json,
            color: color_enabled(global.color, io::stdout().is_terminal()),
            color_stderr: color_enabled(global.color, io::stderr().is_terminal()),
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

    /// A table in the house style; see [`table`].
    pub fn table<I, S>(&self, header: I) -> Table
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        table(self.color, header)
    }

    /// A borderless table without header; see [`bare_table`].
    pub fn bare_table(&self) -> Table {
        bare_table(self.color)
    }

    /// A run status cell; see [`status_cell`].
    pub fn status_cell(&self, status: &str) -> Cell {
        status_cell(self.color, status)
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

/// A table in the house style (compact box drawing, fitted to the terminal) with
/// `header` in bold when `color` is on. With colors off nothing is styled at all, so
/// no escape sequence reaches stdout even when it is a terminal.
pub fn table<I, S>(color: bool, header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut table = bare_table(color);
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_header(header.into_iter().map(|name| {
            let cell = Cell::new(name.into());
            if color {
                cell.add_attribute(Attribute::Bold)
            } else {
                cell
            }
        }));
    table
}

/// A table without borders or header (key/value listings).
pub fn bare_table(color: bool) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if color {
        // comfy-table styles only on a terminal unless told otherwise, and `--color
        // always` means always (e.g. into `less -R`).
        table.enforce_styling();
    }
    table
}

/// A run status, green (completed), yellow (executing, waiting) or red (failed,
/// canceled) when `color` is on.
pub fn status_cell(color: bool, status: &str) -> Cell {
    let cell = Cell::new(status);
    if !color {
        return cell;
    }
    match status {
        "completed" => cell.fg(Color::Green),
        "failed" | "canceled" => cell.fg(Color::Red),
        "executing" | "waiting" => cell.fg(Color::Yellow),
        _ => cell,
    }
}
