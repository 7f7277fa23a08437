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
    after_help = "Examples:\n  invoicectl db setup && invoicectl db seed --demo\n  invoicectl export start --org org_acme --as user_alice --wait\n\nExit codes: 0 ok, 1 run failed or internal error, 2 usage, 65 invalid input,\n66 not found, 69 database unreachable, 75 temporary failure, 77 permission denied."
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
    #[arg(long, global = true, env = "INVOICECTL_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Directory for the default export folder and mail outbox (default: the platform
    /// data directory)
    #[arg(
        long,
        global = true,
        env = "INVOICECTL_DATA_DIR",
        value_name = "DIR",
        hide = true
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
    /// Read, follow and verify the append-only, hash-chained audit log
    #[command(subcommand)]
    Audit(commands::audit::AuditCommand),
}
