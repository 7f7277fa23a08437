//! The command-line interface: clap definitions only, one file per command group.
//! Doc comments here are the `--help` text and the man pages, so they are written
//! for operators.
//!
//! A leaf, like sqlx-cli's `opt.rs`: the commands import these types, and the assets
//! (man pages, completion scripts) are rendered from [`command`], but nothing here
//! imports a command, the configuration or the assets. The one module of the crate
//! it uses is the leaf `crate::error`, for the exit codes of the `--help` footer (a
//! test in `crate::db` holds both rules).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use clap_complete::Shell;

pub(crate) mod audit;
pub(crate) mod config;
pub(crate) mod db;
pub(crate) mod export;
pub(crate) mod generate_assets;
pub(crate) mod member;
pub(crate) mod org;
pub(crate) mod suppression;
pub(crate) mod user;

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
    after_help = "Examples:\n  invoicectl demo\n  invoicectl db setup && invoicectl db seed --demo\n  invoicectl export start --org org_acme --as user_alice --wait\n\n".to_owned()
        + &crate::error::exit_codes_help()
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts, before or after the subcommand. `--help` lists
/// them under their own heading, after the command's own options (as gh's
/// "INHERITED FLAGS" and kubectl's `options` do), and never shows an environment
/// variable's value: it may be a secret, and an unset one read as set to "".
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global Options")]
pub(crate) struct GlobalArgs {
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
        hide_env_values = true,
        value_name = "PATH",
        value_parser = path_allowing_empty()
    )]
    pub config: Option<PathBuf>,

    /// Directory holding the default exports/ folder and the mail outbox/ (default: the
    /// platform data directory, ~/.local/share/invoicectl on Linux)
    #[arg(
        long,
        global = true,
        env = "INVOICECTL_DATA_DIR",
        hide_env_values = true,
        value_name = "DIR",
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
pub(crate) fn path_allowing_empty() -> impl clap::builder::TypedValueParser<Value = PathBuf> {
    use clap::builder::TypedValueParser as _;
    clap::builder::OsStringValueParser::new().map(PathBuf::from)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create, migrate and seed the database
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Request, watch, work on and cancel invoice exports
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Manage the addresses the export email is never sent to
    #[command(subcommand)]
    Suppression(suppression::SuppressionCommand),
    /// Read, follow, verify and checkpoint the append-only, hash-chained audit log
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Show the resolved configuration and where each setting came from
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// List the organizations (tenants) and their member and invoice counts
    #[command(subcommand)]
    Org(org::OrgCommand),
    /// List who belongs to an organization, with which role
    #[command(subcommand)]
    Member(member::MemberCommand),
    /// Link PostgreSQL logins to invoicectl users (admin only)
    #[command(subcommand)]
    User(user::UserCommand),
    /// Show who PostgreSQL says you are: login, user, mode, groups, organizations
    ///
    /// The mode decides who a request is made for: `login` (a login linked to a
    /// user: that user, proven by the server's authentication), `admin` (superuser,
    /// schema owner or invoicectl_admin: --as is asserted), `unmapped` (any other
    /// login: refused wherever tenant data is touched). With --json, one object:
    /// login, user, mode, groups, organizations (id, role).
    ///
    /// Example: invoicectl whoami --json
    Whoami,
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
    Demo(DemoArgs),
    /// Print a shell completion script to stdout
    ///
    /// Shells: bash, zsh, fish, elvish, powershell. The same scripts are checked in
    /// under completions/ (the README says where each shell looks for them). Needs
    /// neither a config file nor a database.
    ///
    /// Example: invoicectl completions bash > ~/.local/share/bash-completion/completions/invoicectl
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Request a new export run even if the demo already made one today (like
    /// `export start --force`)
    #[arg(long)]
    pub fresh: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// The public command tree: what `--help`, the man pages and the completion scripts
/// describe.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// The tree the binary parses, with clap's own colors following `color`: the public
/// one, plus the hidden `generate-assets` maintainer command when `maintainer` (see
/// [`names_maintainer_command`]). It is kept out of [`command`], so that no
/// completion script or man page offers it, and out of every other parse, so that no
/// typo is answered with "a similar subcommand exists: 'generate-assets'".
pub(crate) fn parser(color: Option<ColorChoice>, maintainer: bool) -> clap::Command {
    let color = match color {
        Some(ColorChoice::Always) => clap::ColorChoice::Always,
        Some(ColorChoice::Never) => clap::ColorChoice::Never,
        // clap's auto mode already honours NO_COLOR (and CLICOLOR, TERM=dumb).
        Some(ColorChoice::Auto) | None => clap::ColorChoice::Auto,
    };
    let cmd = command().color(color);
    if maintainer {
        cmd.subcommand(generate_assets::command())
    } else {
        cmd
    }
}

/// Whether the arguments name the maintainer command (anywhere before `--`).
pub(crate) fn names_maintainer_command<I, S>(args: I) -> bool
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    args.into_iter()
        .skip(1)
        .take_while(|a| a.as_ref() != "--")
        .any(|a| a.as_ref() == generate_assets::NAME)
}

/// Adds a tip to clap's usage errors where invoicectl knows the likely mistake: an
/// organization id given as a positional argument (`export start org_acme`) to a
/// command that takes it as `--org`.
pub(crate) fn with_hints(mut err: clap::Error, parser: &clap::Command) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if err.kind() != ErrorKind::UnknownArgument {
        return err;
    }
    let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg) else {
        return err;
    };
    if arg.starts_with('-') || !arg.starts_with("org_") {
        return err;
    }
    let arg = arg.clone();
    let takes_org = err
        .get(ContextKind::Usage)
        .map(|usage| usage.to_string())
        .and_then(|usage| leaf_of_usage(parser, &usage))
        .is_some_and(|leaf| leaf.get_arguments().any(|a| a.get_long() == Some("org")));
    if takes_org {
        err.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec![
                format!("the organization is an option: '--org {arg}'").into(),
            ]),
        );
    }
    err
}

/// The subcommand a usage line (`Usage: invoicectl export start [OPTIONS] …`) is about.
fn leaf_of_usage<'a>(parser: &'a clap::Command, usage: &str) -> Option<&'a clap::Command> {
    let line = usage.lines().find(|l| l.contains("Usage:"))?;
    let mut words = line.split("Usage:").nth(1)?.split_whitespace();
    let _bin = words.next()?;
    let mut cmd = parser;
    for word in words.take_while(|w| !w.starts_with(['[', '<', '-'])) {
        cmd = cmd.find_subcommand(word)?;
    }
    Some(cmd)
}

/// `--color WHEN` as written on the command line, found before clap parses it, so
/// that clap's own help and usage errors follow it too. The last occurrence wins,
/// like clap's; nothing after `--` counts.
pub(crate) fn color_from_args<I, S>(args: I) -> Option<ColorChoice>
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
    fn the_hidden_generator_is_parsed_only_when_named() {
        let named = |args: &[&str]| {
            names_maintainer_command(std::iter::once("invoicectl").chain(args.iter().copied()))
        };
        assert!(named(&["generate-assets", "--check"]));
        assert!(named(&["--color", "never", "generate-assets"]));
        assert!(!named(&[]));
        assert!(!named(&["generate-asset"]));
        assert!(!named(&["--", "generate-assets"]));
        assert!(
            parser(None, true)
                .find_subcommand("generate-assets")
                .is_some()
        );
        assert!(
            parser(None, false)
                .find_subcommand("generate-assets")
                .is_none()
        );
        assert!(command().find_subcommand("generate-assets").is_none());
        command().debug_assert();
        parser(Some(ColorChoice::Never), true).debug_assert();
    }

    #[test]
    fn a_positional_org_gets_a_hint_where_the_command_takes_org() {
        let parse = |args: &[&str]| {
            let mut p = parser(Some(ColorChoice::Never), false);
            let err = p
                .try_get_matches_from_mut(std::iter::once("invoicectl").chain(args.iter().copied()))
                .unwrap_err();
            with_hints(err, &p).to_string()
        };
        let start = parse(&["export", "start", "org_acme", "--as", "user_alice"]);
        assert!(
            start.contains("tip: the organization is an option: '--org org_acme'"),
            "{start}"
        );
        let tail = parse(&["audit", "tail", "org_acme"]);
        assert!(tail.contains("'--org org_acme'"), "{tail}");
        // No --org on `db setup`, and a word that is not an org id: no such tip.
        assert!(!parse(&["db", "setup", "org_acme"]).contains("--org"));
        assert!(!parse(&["export", "start", "acme"]).contains("tip: the organization"));
    }
}
