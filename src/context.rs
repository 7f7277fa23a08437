//! What every command gets: the resolved settings, the output mode, and helpers to
//! reach the database and print results (stdout) the same way everywhere — including
//! the tables, so that `--color`/NO_COLOR decide their styling in one place.

use std::io::{self, IsTerminal, Write};

use clap::parser::ValueSource;
use comfy_table::{Cell, Color, Table};
use serde::Serialize;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;

use crate::cli::{ColorChoice, GlobalArgs};
use crate::config::Settings;
use crate::config::resolver::Overrides;
use crate::db;
use crate::engine::RunStatus;
use crate::identity::{IdentityError, Session};

pub(crate) struct Context {
    pub settings: Settings,
    pub json: bool,
    /// Colors on stdout (tables): `--color`, NO_COLOR, whether stdout is a terminal.
    pub color: bool,
    /// Colors on stderr (logs, progress bars), decided the same way for stderr.
    pub color_stderr: bool,
    pub quiet: bool,
    /// The terminal's width when stdout is one: tables are fitted to it (see
    /// [`crate::layout`]); `None` in pipes, where nothing is left out or cut.
    pub width: Option<u16>,
    /// Whether stdout is a terminal: JSON documents are pretty-printed for a person
    /// there, and compact (one line) for programs everywhere else.
    pub stdout_tty: bool,
}

impl Context {
    /// The context of a command run with `global` options and the setting `flags`
    /// typed on its command line ([`setting_flags`]).
    pub(crate) fn new(
        global: &GlobalArgs,
        flags: &Overrides,
    ) -> Result<Context, crate::config::error::ConfigError> {
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
            width: crate::layout::terminal_width(),
            stdout_tty: io::stdout().is_terminal(),
        })
    }

    pub(crate) fn connect_options(&self) -> Result<PgConnectOptions, db::DbError> {
        db::connect_options(self.settings.database_url.as_deref())
    }

    /// A pool on the set-up database (fails with 69 if it is unreachable or not set up).
    pub(crate) async fn pool(&self, max_connections: u32) -> Result<PgPool, db::DbError> {
        db::open(self.settings.database_url.as_deref(), max_connections).await
    }

    /// Who this connection is (login, user, mode), as PostgreSQL authenticated it;
    /// said at `-v`.
    pub(crate) async fn session(&self, pool: &PgPool) -> Result<Session, IdentityError> {
        let mut conn = pool.acquire().await.map_err(db::DbError::from)?;
        let session = Session::load(&mut conn).await?;
        tracing::debug!(
            "identity: login {} in mode {}{}",
            session.login,
            session.mode,
            session
                .user
                .as_ref()
                .map(|u| format!(", linked to {u}"))
                .unwrap_or_default()
        );
        Ok(session)
    }

    /// A pool for a command that touches tenant data, and the session's identity: an
    /// unmapped login is refused (77) with the command that links it.
    pub(crate) async fn tenant_pool(
        &self,
        max_connections: u32,
    ) -> anyhow::Result<(PgPool, Session)> {
        let pool = self.pool(max_connections).await?;
        let session = self.session(&pool).await?;
        session.require_known()?;
        Ok((pool, session))
    }

    /// A pool for an administration command, refused (77) to any login but an admin.
    pub(crate) async fn admin_pool(
        &self,
        max_connections: u32,
        what: &'static str,
    ) -> anyhow::Result<(PgPool, Session)> {
        let pool = self.pool(max_connections).await?;
        let session = self.session(&pool).await?;
        session.require_admin(what)?;
        Ok((pool, session))
    }

    /// Prints one JSON document and a newline on stdout: indented on a terminal,
    /// one line in a pipe (like `gh --json`); the fields are the same either way.
    pub(crate) fn print_json<T: Serialize>(&self, value: &T) -> anyhow::Result<()> {
        let mut out = io::stdout().lock();
        if self.stdout_tty {
            serde_json::to_writer_pretty(&mut out, value)?;
        } else {
            serde_json::to_writer(&mut out, value)?;
        }
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }

    /// A table in the house style fitted to the terminal; see [`crate::layout::table`].
    pub(crate) fn fitted_table(
        &self,
        columns: &[crate::layout::Column],
        rows: Vec<Vec<Cell>>,
    ) -> Table {
        crate::layout::table(self.color, self.width, columns, rows)
    }

    /// Prints a line of human output on stdout.
    pub(crate) fn println(&self, line: &str) -> anyhow::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }
}

/// The settings typed on the command line, for the config layer: each option whose
/// value came from the command line, keyed by its id. An option that sets a setting
/// has the setting's key as its id (`database_url`, `worker_concurrency` for
/// `--concurrency`, `user` for `--as`); other ids are no setting's and are ignored
/// there. A value clap took from the option's environment variable is left out: the
/// config layer reads every variable itself, and says `env`, not `flag`.
pub(crate) fn setting_flags(cmd: &clap::Command, matches: &clap::ArgMatches) -> Overrides {
    let mut flags = Overrides::default();
    collect_flags(cmd, matches, &mut flags);
    flags
}

fn collect_flags(cmd: &clap::Command, matches: &clap::ArgMatches, flags: &mut Overrides) {
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        let (Some(long), Some(ValueSource::CommandLine)) =
            (arg.get_long(), matches.value_source(id))
        else {
            continue;
        };
        if let Some(value) = matches.get_raw(id).and_then(|mut values| values.next()) {
            flags.set(id, format!("--{long}"), value);
        }
    }
    if let Some((name, sub)) = matches.subcommand()
        && let Some(sub_cmd) = cmd.find_subcommand(name)
    {
        collect_flags(sub_cmd, sub, flags);
    }
}

/// Colors follow `--color`, then NO_COLOR (any non-empty value), then whether the
/// stream is a terminal.
pub(crate) fn color_enabled(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// A run status, green (completed), yellow (executing, waiting) or red (failed,
/// canceled) when `color` is on.
pub(crate) fn status_cell(color: bool, status: RunStatus) -> Cell {
    let cell = Cell::new(status);
    match status_color(color, status) {
        Some(StatusColor::Green) => cell.fg(Color::Green),
        Some(StatusColor::Yellow) => cell.fg(Color::Yellow),
        Some(StatusColor::Red) => cell.fg(Color::Red),
        None => cell,
    }
}

/// A run status colored as [`status_cell`] does, for text outside a table.
pub(crate) fn status_text(color: bool, status: RunStatus) -> String {
    use clap::builder::styling::AnsiColor;
    let style = match status_color(color, status) {
        Some(StatusColor::Green) => AnsiColor::Green.on_default(),
        Some(StatusColor::Yellow) => AnsiColor::Yellow.on_default(),
        Some(StatusColor::Red) => AnsiColor::Red.on_default(),
        None => return status.to_string(),
    };
    format!("{style}{status}{style:#}")
}

enum StatusColor {
    Green,
    Yellow,
    Red,
}

fn status_color(color: bool, status: RunStatus) -> Option<StatusColor> {
    if !color {
        return None;
    }
    match status {
        RunStatus::Completed => Some(StatusColor::Green),
        RunStatus::Failed | RunStatus::Canceled => Some(StatusColor::Red),
        RunStatus::Executing | RunStatus::Waiting => Some(StatusColor::Yellow),
        RunStatus::Queued => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_that_set_a_setting_carry_its_key_as_their_id() {
        use std::collections::BTreeSet;

        use crate::cli::{command, parser};
        use crate::config::PlatformDirs;

        let dirs = PlatformDirs {
            config_file: None,
            data_dir: Some("/d".into()),
        };
        let settings = Settings::load_with(&Overrides::default(), &|_| None, &dirs).unwrap();
        let keys: BTreeSet<&str> = settings.resolved.iter().map(|r| r.key).collect();
        fn walk(cmd: &clap::Command, keys: &BTreeSet<&str>, found: &mut BTreeSet<String>) {
            for arg in cmd.get_arguments() {
                if keys.contains(arg.get_id().as_str()) {
                    let long = arg.get_long().unwrap_or_default();
                    found.insert(format!("{} --{long}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, keys, found);
            }
        }
        let mut found = BTreeSet::new();
        walk(&command(), &keys, &mut found);
        // Any other option whose id happened to be a key would silently set it.
        let expected = [
            "config --config",
            "data_dir --data-dir",
            "database_url --database-url",
            "export_dir --export-dir",
            "link_ttl --link-ttl",
            "metrics_addr --metrics-addr",
            "metrics_textfile --metrics-textfile",
            "storage --storage",
            "user --as",
            "worker_concurrency --concurrency",
        ];
        assert_eq!(found, expected.map(String::from).into());

        let mut parser = parser(None, false);
        let args = [
            "invoicectl",
            "export",
            "worker",
            "--concurrency",
            "5",
            "--database-url=postgres://h/db",
        ];
        let matches = parser.try_get_matches_from_mut(args).unwrap();
        let flags = setting_flags(&parser, &matches);
        let settings = Settings::load_with(&flags, &|_| None, &dirs).unwrap();
        assert_eq!(settings.worker_concurrency, 5);
        assert_eq!(settings.database_url.as_deref(), Some("postgres://h/db"));
        let origin = |key| settings.setting(key).unwrap().source_text();
        assert_eq!(origin("worker_concurrency"), "flag --concurrency");
        assert_eq!(origin("database_url"), "flag --database-url");
        assert_eq!(origin("page_size"), "default");
    }
}
