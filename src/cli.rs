//! The command-line interface: clap definitions only. Doc comments here are the
//! `--help` text and the man pages, so they are written for operators.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands;

/// Export an organization's invoices as CSV through a durable PostgreSQL run queue.
///
/// Requests return at once with a run id; workers drain per-organization lanes,
/// write the CSV page by page, email the requester once and close each run with an
/// append-only audit entry.
#[derive(Debug, Parser)]
#[command(
    name = "invoicectl",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = "Examples:\n  invoicectl demo\n  invoicectl db setup && invoicectl db seed --demo\n  invoicectl export start --org org_acme --as user_alice --wait\n\nExit codes: 0 ok, 1 run failed or internal error, 2 usage, 65 invalid input,\n66 not found, 69 database unreachable, 75 temporary failure, 77 permission denied."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts, before or after the subcommand.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// PostgreSQL URL (default: libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE;
    /// database `invoicectl`)
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,

    /// Config file (default: config.toml in the platform config directory)
    #[arg(
        long,
        global = true,
        env = "INVOICECTL_CONFIG",
        value_name = "PATH",
        value_parser = path_allowing_empty()
    )]
    pub config: Option<PathBuf>,

    /// Directory for the default export folder and mail outbox (default: the platform
    /// data directory)
    #[arg(
        long,
        global = true,
        env = "INVOICECTL_DATA_DIR",
        value_name = "DIR",
        hide = true,
        value_parser = path_allowing_empty()
    )]
    pub data_dir: Option<PathBuf>,

    /// Print results as JSON (NDJSON for streams) instead of tables
    #[arg(long, global = true)]
    pub json: bool,

    /// When to use colors (NO_COLOR is honoured)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Only print warnings and errors to stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more diagnostics to stderr (-vv for trace); RUST_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// A path that may be empty. clap's own path parser refuses an empty value with an
/// error about the flag, also when the value came from the environment (and the
/// `--data-dir` flag is hidden): the config layer refuses it instead, naming the
/// variable.
fn path_allowing_empty() -> impl clap::builder::TypedValueParser<Value = PathBuf> {
    use clap::builder::TypedValueParser as _;
    clap::builder::OsStringValueParser::new().map(PathBuf::from)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, migrate and seed the database
    #[command(subcommand)]
    Db(commands::db::DbCommand),
    /// Request, watch, work on and cancel invoice exports
    #[command(subcommand)]
    Export(commands::export::ExportCommand),
    /// Manage the addresses the export email is never sent to
    #[command(subcommand)]
    Suppression(commands::suppression::SuppressionCommand),
    /// Read, follow, verify and checkpoint the append-only, hash-chained audit log
    #[command(subcommand)]
    Audit(commands::audit::AuditCommand),
    /// Try invoicectl in one command: set up, seed, export org_acme, show the result
    ///
    /// Creates the database when it is missing and migrates it (`db setup`), seeds the
    /// demo data (`db seed --demo`, 1000 invoices per organization), requests an export
    /// of org_acme as user_alice (`export start`), drains the queue in this process
    /// with its progress on stderr (`export worker --drain`), then prints the run
    /// (`export status RUN_ID`), org_acme's audit trail (`audit tail --org org_acme`)
    /// and where the CSV and the email went. It uses the global options and the config
    /// file like every command; by default that is the local PostgreSQL, CSVs in
    /// exports/ and .eml files in outbox/ under the data directory.
    ///
    /// Running it again the same UTC day shows the same run, deduplicated (it is
    /// already completed, so the worker has nothing to do); --fresh requests a new run.
    /// Exits 0 when the run completed, 1 if it failed or was canceled, 75 if it is
    /// still running elsewhere after 60 s. With --json, prints one object: runId,
    /// organizationId, requestedBy, deduplicated, status, rowCount, downloadUrl,
    /// csvPath, email, messageId, outboxDir and emailFile.
    ///
    /// Example: invoicectl demo --fresh
    Demo(commands::demo::DemoArgs),
    /// Print a shell completion script to stdout
    ///
    /// Shells: bash, zsh, fish, elvish, powershell. The same scripts are checked in
    /// under completions/ (the README says where each shell looks for them). Needs
    /// neither a config file nor a database.
    ///
    /// Example: invoicectl completions bash > ~/.local/share/bash-completion/completions/invoicectl
    Completions(commands::completions::CompletionsArgs),
}

/// The public command tree: what `--help`, the man pages and the completion scripts
/// describe.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// The tree the binary parses: the public one plus the hidden `generate-assets`
/// maintainer command (kept out of [`command`], so that no completion script or man
/// page offers it), with clap's own colors following `color`.
pub fn parser(color: Option<ColorChoice>) -> clap::Command {
    let color = match color {
        Some(ColorChoice::Always) => clap::ColorChoice::Always,
        Some(ColorChoice::Never) => clap::ColorChoice::Never,
        // clap's auto mode already honours NO_COLOR (and CLICOLOR, TERM=dumb).
        Some(ColorChoice::Auto) | None => clap::ColorChoice::Auto,
    };
    command()
        .subcommand(commands::generate_assets::command())
        .color(color)
}

/// `--color WHEN` as written on the command line, found before clap parses it, so
/// that clap's own help and usage errors follow it too. The last occurrence wins,
/// like clap's; nothing after `--` counts.
pub fn color_from_args<I, S>(args: I) -> Option<ColorChoice>
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut found = None;
    let mut args = args.into_iter().skip(1);
    while let Some(arg) = args.next() {
        let Some(arg) = arg.as_ref().to_str() else {
            continue;
        };
        let value = match arg {
            "--" => break,
            "--color" => match args.next() {
                Some(next) => next.as_ref().to_str().map(str::to_owned),
                None => break,
            },
            _ => match arg.strip_prefix("--color=") {
                Some(value) => Some(value.to_owned()),
                None => continue,
            },
        };
        if let Some(choice) = value.and_then(|v| ColorChoice::from_str(&v, true).ok()) {
            found = Some(choice);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(args: &[&str]) -> Option<ColorChoice> {
        color_from_args(std::iter::once("invoicectl").chain(args.iter().copied()))
    }

    #[test]
    fn color_prescan_finds_the_flag_anywhere_before_a_double_dash() {
        assert_eq!(scan(&["export", "status"]), None);
        assert_eq!(
            scan(&["--color", "never", "--help"]),
            Some(ColorChoice::Never)
        );
        assert_eq!(
            scan(&["audit", "tail", "--color=always"]),
            Some(ColorChoice::Always)
        );
        assert_eq!(
            scan(&["--color=never", "db", "setup", "--color", "ALWAYS"]),
            Some(ColorChoice::Always),
            "the last one wins, like clap"
        );
        assert_eq!(scan(&["--color", "sometimes"]), None, "clap reports it");
        assert_eq!(scan(&["--color"]), None);
        assert_eq!(scan(&["--", "--color", "always"]), None);
    }

    #[test]
    fn the_parser_has_the_hidden_generator_and_the_public_tree_does_not() {
        assert!(parser(None).find_subcommand("generate-assets").is_some());
        assert!(command().find_subcommand("generate-assets").is_none());
        command().debug_assert();
        parser(Some(ColorChoice::Never)).debug_assert();
    }
}
