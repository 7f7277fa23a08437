//! `export worker`: drain the export lanes until signalled (or `--drain`/`--once`),
//! showing progress from the runs' metadata. [`run_worker`] is the shared body that
//! `demo` also calls (with `WorkerMode::Drain`), so both show the same progress.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::{mpsc, watch};

use super::display::Display;
use crate::cli::export::WorkerArgs;
use crate::context::Context;
use crate::db;
use crate::email::Mailer;
use crate::engine::{
    PassError, RetentionPolicy, Worker, WorkerError, WorkerMode, WorkerOptions, WorkerSummary,
};
use crate::exports::csv::folder::check_export_dir;
use crate::exports::task::{ExportConfig, registry};
use crate::signals::wait_for_signal;
use crate::storage::{Storage, StorageUrl};

/// The longest lease (and so heartbeat) a worker accepts: beyond it a lost worker's
/// runs would wait hours for a takeover, and PostgreSQL's timestamps overflow long
/// before `f64` does.
const MAX_LEASE: f64 = 3600.0;

/// `value` seconds, refused with exit 65 unless `min <= value <= max`.
fn seconds(name: &str, value: f64, min: f64, max: f64) -> anyhow::Result<Duration> {
    if value.is_finite() && value >= min && value <= max && value > 0.0 {
        return Ok(Duration::from_secs_f64(value));
    }
    Err(crate::error::CommandError::new(
        crate::error::ExitKind::Invalid,
        format!("--{name} must be a number of seconds from {min} to {max}, not {value}"),
    )
    .into())
}

pub(crate) async fn run(args: WorkerArgs, ctx: &Context) -> anyhow::Result<()> {
    let lease = seconds("lease", args.lease, 1.0, MAX_LEASE)?;
    let heartbeat = seconds("heartbeat", args.heartbeat, 0.1, MAX_LEASE)?;
    if heartbeat >= lease {
        return Err(crate::error::CommandError::new(
            crate::error::ExitKind::Invalid,
            "--heartbeat must be shorter than --lease, or leases expire between renewals",
        )
        .into());
    }
    // Settings (flag, variable, config key): the config layer resolved them.
    let _ = (&args.metrics_addr, &args.metrics_textfile);
    let metrics_addr = ctx
        .settings
        .metrics_addr
        .as_deref()
        .map(crate::telemetry::parse_addr)
        .transpose()?;
    let poll_interval = seconds("poll-interval", args.poll_interval, 0.001, 60.0)?;
    let unreachable_limit = seconds("unreachable-limit", args.unreachable_limit, 0.1, MAX_LEASE)?;
    if !(0.0..=100.0).contains(&args.retry_scale) {
        return Err(crate::error::CommandError::new(
            crate::error::ExitKind::Invalid,
            format!(
                "--retry-scale must be from 0 to 100, not {}",
                args.retry_scale
            ),
        )
        .into());
    }
    let mode = match (args.drain, args.once) {
        (true, _) => WorkerMode::Drain,
        (_, true) => WorkerMode::Once,
        _ => WorkerMode::UntilStopped,
    };
    let mut plan = WorkerPlan::new(ctx, mode);
    plan.options = WorkerOptions {
        lease,
        heartbeat,
        poll_interval,
        retry_scale: args.retry_scale,
        unreachable_limit,
        ..plan.options
    };
    plan.metrics_addr = metrics_addr;
    plan.metrics_textfile = ctx.settings.metrics_textfile.clone();
    run_worker(ctx, plan).await.map(drop)
}

/// A worker that gave up: exit 69 naming the server when the database was
/// unreachable, otherwise the database error (exit 1, or 75 for a lock timeout); a
/// draining worker whose storage is out of order: exit 75.
fn gave_up(options: &sqlx::postgres::PgConnectOptions, e: WorkerError) -> anyhow::Error {
    let (failing_for, runs_left, source) = match e {
        WorkerError::GaveUp {
            failing_for,
            runs_left,
            source,
        } => (failing_for, runs_left, source),
        other => return other.into(),
    };
    let left = match runs_left {
        0 => String::new(),
        n => format!("; its {n} runs in hand are taken over once their leases expire"),
    };
    if source.is_connection_lost() {
        let (host, port, database) = db::describe(options);
        return db::DbError::Unreachable {
            host,
            port,
            database,
            reason: format!(
                "no answer for {:.0} s ({}), the worker gives up{left}",
                failing_for.as_secs_f64(),
                crate::redact::redact_secrets(&crate::error::error_text(&source))
            ),
        }
        .into();
    }
    let cause = match source {
        PassError::Database(e) => anyhow::Error::new(db::DbError::from(e)),
        hook @ PassError::Hook { .. } => anyhow::Error::new(hook),
    };
    cause.context(format!(
        "the worker gave up after its passes failed for {:.0} s{left}",
        failing_for.as_secs_f64()
    ))
}

/// A file size limit (`ulimit -f`) kills a process with SIGXFSZ by default; ignored,
/// the write fails with EFBIG instead, which the export treats as a full storage
/// (the run released, claims paused) rather than losing the worker.
fn ignore_file_size_signal() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_IGN installs no handler code.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// What [`run_worker`] runs: the engine's options, where CSVs go and how progress
/// is shown.
pub(crate) struct WorkerPlan {
    pub options: WorkerOptions,
    /// Where new exports are stored.
    pub storage: StorageUrl,
    /// How long a presigned download link works.
    pub link_ttl: Duration,
    /// NDJSON events and summary on stdout (`export worker --json`); otherwise bars
    /// (terminal) or log lines on stderr.
    pub ndjson: bool,
    /// Where Prometheus metrics are served (`--metrics-addr`); `None`: not at all.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Where the metrics are written when the worker ends (`--metrics-textfile`).
    pub metrics_textfile: Option<PathBuf>,
}

impl WorkerPlan {
    /// `export worker`'s defaults under `mode`: the configured concurrency, storage,
    /// link lifetime and run retention, 30 s leases renewed every 10 s, NDJSON with
    /// `--json`.
    pub(crate) fn new(ctx: &Context, mode: WorkerMode) -> WorkerPlan {
        WorkerPlan {
            options: WorkerOptions {
                concurrency: ctx.settings.worker_concurrency as usize,
                mode,
                retention: Some(RetentionPolicy {
                    keep: ctx.settings.run_retention,
                    ..RetentionPolicy::default()
                }),
                ..WorkerOptions::default()
            },
            storage: ctx.settings.storage.location.clone(),
            link_ttl: ctx.settings.storage.link_ttl,
            ndjson: ctx.json,
            metrics_addr: None,
            metrics_textfile: None,
        }
    }
}

/// Runs a worker on this process until its mode says stop (or SIGINT/SIGTERM), with
/// the progress display and the closing summary line, and returns its summary. The
/// body of `export worker`; `demo` calls it to drain the queue.
pub(crate) async fn run_worker(ctx: &Context, plan: WorkerPlan) -> anyhow::Result<WorkerSummary> {
    let WorkerPlan {
        options,
        storage,
        link_ttl,
        ndjson,
        metrics_addr,
        metrics_textfile,
    } = plan;
    let long_running = options.mode == WorkerMode::UntilStopped;
    // Installed first: a SIGTERM from the moment the worker says it runs (its start
    // lines) stops it gracefully, not by the default action.
    let shutdown = crate::signals::Shutdown::install().ok();
    let concurrency = options.concurrency;
    ignore_file_size_signal();
    // Refused once, here, rather than by three attempts of every run it would claim:
    // an unusable export folder, a missing bucket, bad S3 settings.
    let shown = storage.to_string();
    let storage = Storage::open(storage, &ctx.settings.storage)
        .with_context(|| format!("the worker cannot use its storage {shown}"))?;
    match storage.url() {
        StorageUrl::Local(dir) => check_export_dir(dir)?,
        StorageUrl::S3 { .. } => storage
            .check()
            .await
            .with_context(|| format!("the worker cannot use its storage {shown}"))?,
    }
    let metrics = match (metrics_addr, &metrics_textfile) {
        (Some(addr), _) => Some(crate::telemetry::serve_and_keep(addr)?),
        (None, Some(_)) => Some(crate::telemetry::record()?),
        (None, None) => None,
    };
    if long_running {
        // A long-running worker (systemd, a container) says once what it does — what
        // it drains, where exports go, what it serves — so its log answers "which
        // database is this one on?". A cron --drain stays silent when idle.
        let (host, port, database) = db::describe(&ctx.connect_options()?);
        tracing::info!("draining database {database} on {host}:{port}");
        tracing::info!("storing exports in {shown}");
        match metrics_addr {
            Some(addr) => tracing::info!("serving metrics at http://{addr}/metrics"),
            None => tracing::info!("serving no metrics (set --metrics-addr or metrics_addr)"),
        }
    }
    let mailer =
        Mailer::from_settings(&ctx.settings).context("cannot set up the mail transport")?;
    // Debug, not info: an idle cron minute must leave the log empty.
    tracing::debug!(mail = %mailer.describe(), storage = %shown, concurrency, "worker starting");
    // Slots, the heartbeat, the listener and the pass each need a connection, and an
    // export slot a second one for its COPY stream, held for the attempt (see
    // `exports::pages`). Every session carries the worker's server-side limits (see
    // `session_limits`).
    let connect = db::with_session_limits(ctx.connect_options()?, &options.session_limits());
    let pool = db::open_with(
        &connect,
        concurrency as u32 * 2 + 4,
        options.pool_acquire_timeout(),
    )
    .await?;
    let registry = registry(
        ExportConfig {
            storage,
            storage_settings: ctx.settings.storage.clone(),
            page_size: ctx.settings.page_size,
            compression: ctx.settings.storage.compression,
            part_size: ctx.settings.storage.part_size,
            link_ttl,
        },
        Arc::new(mailer),
    );
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let display = tokio::spawn(Display::new(ndjson, ctx.quiet, ctx.color_stderr).run(events_rx));
    let (stop_tx, stop_rx) = watch::channel(false);
    let signals = tokio::spawn(async move {
        match shutdown {
            Some(shutdown) => shutdown.wait().await,
            None => wait_for_signal().await,
        }
        let _ = stop_tx.send(true);
    });
    // Schedules: due ticks are fired before the first claim (so `--drain` and
    // `--once` fire what came due since the last pass), then every half second while
    // a long-running worker runs.
    let mode = options.mode;
    if let Err(e) = crate::exports::schedule::fire_due(&pool).await {
        tracing::warn!(error = %crate::redact::log_text(&e), "looking for due schedule ticks failed");
    }
    let ticker = (mode == WorkerMode::UntilStopped)
        .then(|| crate::exports::schedule::spawn_ticker(pool.clone(), stop_rx.clone()));
    let mut worker = Worker::new(pool.clone(), registry, options).with_events(events_tx);
    if metrics.is_some() {
        worker = worker.with_queue_sampling(crate::telemetry::QUEUE_SAMPLE_EVERY);
    }
    let summary = worker.run(stop_rx).await;
    signals.abort();
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    let summary = summary.map_err(|e| gave_up(&connect, e))?;
    display.await.context("the progress display failed")??;
    super::display::print_summary(ndjson, ctx.quiet, &summary)?;
    pool.close().await;
    if let (Some(handle), Some(path)) = (&metrics, &metrics_textfile) {
        crate::telemetry::write_textfile(handle, path)?;
    }
    Ok(summary)
}
