//! `export worker`: drain the export lanes until signalled (or `--drain`/`--once`),
//! showing progress from the runs' metadata.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use tokio::sync::{mpsc, watch};

use super::display::Display;
use crate::context::Context;
use crate::engine::{Worker, WorkerMode, WorkerOptions, worker::wait_for_signal};
use crate::exports::email::Mailer;
use crate::exports::task::{ExportConfig, registry};

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Exit 0 once nothing is runnable now (for cron); runs held by other workers and
    /// retries scheduled later are left for the next invocation
    #[arg(long, conflicts_with = "once")]
    pub drain: bool,

    /// Run at most one run, then exit
    #[arg(long)]
    pub once: bool,

    /// Runs executed at once by this process (default: config `worker_concurrency`, 4)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: Option<u32>,

    /// Where CSV files are written (default: config `export_dir`, else `exports/` in
    /// the data directory)
    #[arg(long, value_name = "DIR")]
    pub export_dir: Option<PathBuf>,

    /// Lease length in seconds: a run whose worker stops renewing it is taken over by
    /// another worker after this long
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub lease: f64,

    /// How often the lease is renewed, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub heartbeat: f64,

    /// Seconds between looks at the queue when no notification arrives
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0, hide = true)]
    pub poll_interval: f64,

    /// Multiply retry delays (tests run the backoff curve fast)
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0, hide = true)]
    pub retry_scale: f64,
}

fn seconds(name: &str, value: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            crate::error::CommandError::new(
                crate::error::ExitKind::Invalid,
                format!("--{name} must be a positive number of seconds, not {value}"),
            )
            .into()
        })
}

pub async fn run(args: WorkerArgs, ctx: &Context) -> anyhow::Result<()> {
    let lease = seconds("lease", args.lease)?;
    let heartbeat = seconds("heartbeat", args.heartbeat)?;
    if heartbeat >= lease {
        return Err(crate::error::CommandError::new(
            crate::error::ExitKind::Invalid,
            "--heartbeat must be shorter than --lease, or leases expire between renewals",
        )
        .into());
    }
    let concurrency = args.concurrency.unwrap_or(ctx.settings.worker_concurrency) as usize;
    let export_dir = args
        .export_dir
        .clone()
        .unwrap_or_else(|| ctx.settings.export_dir.clone());
    let mailer =
        Mailer::from_settings(&ctx.settings).context("cannot set up the mail transport")?;
    tracing::info!(mail = %mailer.describe(), export_dir = %export_dir.display(), concurrency, "worker starting");
    // Slots, the heartbeat, the listener and the pass each need a connection.
    let pool = ctx.pool(concurrency as u32 + 4).await?;
    let mode = match (args.drain, args.once) {
        (true, _) => WorkerMode::Drain,
        (_, true) => WorkerMode::Once,
        _ => WorkerMode::UntilStopped,
    };
    let options = WorkerOptions {
        concurrency,
        lease,
        heartbeat,
        poll_interval: seconds("poll-interval", args.poll_interval)?,
        mode,
        retry_scale: args.retry_scale.max(0.0),
        ..WorkerOptions::default()
    };
    let registry = registry(
        ExportConfig {
            export_dir,
            page_size: ctx.settings.page_size,
        },
        Arc::new(mailer),
    );
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let display = tokio::spawn(Display::new(ctx.json, ctx.quiet).run(events_rx));
    let (stop_tx, stop_rx) = watch::channel(false);
    let signals = tokio::spawn(async move {
        wait_for_signal().await;
        let _ = stop_tx.send(true);
    });
    let worker = Worker::new(pool.clone(), registry, options).with_events(events_tx);
    let summary = worker
        .run(stop_rx)
        .await
        .context("the worker stopped on a database error")?;
    signals.abort();
    display.await.context("the progress display failed")??;
    super::display::print_summary(ctx, &summary)?;
    pool.close().await;
    Ok(())
}
