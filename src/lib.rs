//! invoicectl: export an organization's invoices as CSV through a durable run queue
//! that lives in PostgreSQL.
//!
//! Module map (the users' contract is docs/reference.md):
//! - [`cli`]: the clap command tree; [`commands`]: one function per command.
//! - [`config`]: flag > env > file > default, and where each setting came from;
//!   [`error`]: exit codes.
//! - [`ids`]: identifiers and their validation; `lookup`: unknown ids, with
//!   the nearest existing one (did you mean …?).
//! - [`db`]: connections, migrations, the tenant transaction, queries per table.
//! - [`engine`]: the generic durable run engine: tasks, queues, claims, leases.
//! - [`exports`]: the export domain: request, task, CSV.
//! - [`email`]: the export-ready email: address, message, transport.
//! - [`audit`]: the audit log writer and its hash chain.
//! - [`storage`]: where exports are stored and their download links.
//! - [`assets`]: completion scripts and man pages rendered from [`cli`].
//! - `telemetry`: the Prometheus endpoint of `export worker --metrics-addr`.
//! - [`testhook`]: test-only pause points, inert unless a test sets their variable.

pub mod assets;
pub mod audit;
pub mod cli;
pub mod commands;
pub mod config;
pub(crate) mod context;
pub mod db;
pub(crate) mod duration;
pub mod email;
pub(crate) mod email_address;
pub mod engine;
pub mod error;
pub mod exports;
pub(crate) mod identity;
pub mod ids;
pub(crate) mod layout;
pub(crate) mod logging;
pub(crate) mod lookup;
pub mod redact;
pub mod settings_doc;
pub mod signals;
pub mod storage;
pub(crate) mod telemetry;
pub mod testhook;

use std::io::Write;
use std::process::ExitCode;

use clap::FromArgMatches;

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut parser = cli::parser(
        cli::color_from_args(&args),
        cli::names_maintainer_command(&args),
    );
    let matches = match parser.try_get_matches_from_mut(&args) {
        Ok(matches) => matches,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (2).
            let e = cli::with_hints(e, &parser);
            let _ = e.print();
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    if let Some((cli::generate_assets::NAME, sub)) = matches.subcommand() {
        return finish(commands::generate_assets::run(sub));
    }
    let flags = context::setting_flags(&parser, &matches);
    let cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => {
            let e = e.format(&mut parser);
            let _ = e.print();
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    // Commands that need neither configuration nor a database run before either is
    // loaded, so a broken config file cannot keep a completion script from printing.
    if let cli::Command::Completions(args) = &cli.command {
        return finish(commands::completions::run(args));
    }
    logging::init(&cli.global);
    // A worker's stderr is a log (cron, systemd): its error line is timestamped too.
    let worker = matches!(
        &cli.command,
        cli::Command::Export(cli::export::ExportCommand::Worker(_))
    );
    let report = |err: anyhow::Error, server: Option<&str>| report(err, server, worker);
    let ctx = match context::Context::new(&cli.global, &flags) {
        Ok(ctx) => ctx,
        Err(e) => return report(anyhow::Error::new(e), None),
    };
    // Named in the message if the connection is lost mid-command (exit 69).
    let server = ctx.connect_options().ok().map(|options| {
        let (host, port, database) = db::describe(&options);
        format!("{host}:{port} (database {database})")
    });
    cap_malloc_arenas();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return report(
                anyhow::Error::new(e).context("cannot start the async runtime"),
                None,
            );
        }
    };
    let result = runtime.block_on(commands::dispatch(cli, ctx));
    // Background tasks (pool reapers, heartbeats) must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(e, server.as_deref()),
    }
}

fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(e, None, false),
    }
}

/// Prints an error to stderr — the message and its causes on one or two lines, secrets
/// scrubbed — and returns its exit code. A closed stdout pipe is a quiet success.
/// `server` (host, port, database) is named when the connection to it was lost;
/// `worker`: the command was `export worker`, whose stderr off a terminal is a log
/// (see [`logging::error_line`]).
fn report(err: anyhow::Error, server: Option<&str>, worker: bool) -> ExitCode {
    if error::is_broken_pipe(&err) {
        return ExitCode::SUCCESS;
    }
    let mut message = error::chain_text(err.chain());
    if commands::exit::connection_lost(&err) {
        message.push_str(&format!(
            ". The connection to PostgreSQL{} was lost: check that the server is running, then run the command again",
            server.map(|s| format!(" at {s}")).unwrap_or_default()
        ));
    }
    let line = logging::error_line(
        worker,
        &format!("invoicectl: error: {}", redact::redact_secrets(&message)),
    );
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
    ExitCode::from(commands::exit::exit_code(&err))
}

/// Caps glibc's malloc at two arenas (unless `MALLOC_ARENA_MAX` already says how
/// many), before the runtime starts its threads.
///
/// Why: glibc gives each thread that meets contention its own arena (up to 8 per
/// core), and memory freed into an arena mostly stays mapped there. An S3 export
/// moves 8 MiB part buffers and COPY pages between the runtime's threads and the
/// upload tasks, so freed blocks parked in several arenas pushed the worker's peak
/// RSS over its 64 MiB budget (60–69 MiB; 52–60 MiB with two arenas, see
/// BENCHMARKS.md "Export to S3"). This process runs two worker threads and does
/// little allocation on the hot path, so two arenas cost no measurable speed.
fn cap_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; called once, before the
        // runtime's threads exist. A refusal (return 0) leaves glibc's default.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}
