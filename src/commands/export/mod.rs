//! `invoicectl export …`: request exports, watch them, run the worker, cancel, and
//! fetch or prune the stored files.

mod cancel;
mod display;
mod download;
mod follow;
mod pause;
mod prune;
mod queue;
mod retry;
mod schedule;
mod start;
mod status;
mod url;
mod worker;

use clap::Subcommand;

use crate::context::Context;

pub use follow::{Follow, follow_run};
pub use status::print_run;
pub use worker::{WorkerPlan, run_worker};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Request an export of an organization's invoices; prints the run id at once
    ///
    /// The same org, user and UTC day returns the first run (deduplicated), writes
    /// nothing, and says so on stderr: when and by whom that run was requested and
    /// how far it got. --force starts a new run.
    ///
    /// Example: invoicectl export start --org org_acme --as user_alice --wait
    Start(start::StartArgs),
    /// Show one run (with its child runs) or the most recent runs
    ///
    /// Example: invoicectl export status --org org_acme --limit 5
    Status(status::StatusArgs),
    /// Cancel a queued, waiting or executing run and its child runs
    ///
    /// An executing run stops at its next checkpoint. A run that already ended is left
    /// alone: exit 0 with a note on stderr, so canceling twice is harmless.
    ///
    /// Example: invoicectl export cancel run_01jd5x7m3k9q2w8e4r6t0y1v3a
    Cancel(cancel::CancelArgs),
    /// Run exports: claim runs from the queue, write CSVs, send the emails
    ///
    /// One run per organization at a time, across every worker process; many
    /// organizations in parallel. SIGINT/SIGTERM stops claiming, checkpoints and
    /// releases the runs in hand, and exits within 10 seconds.
    ///
    /// From cron, `--drain` every minute is enough: it exits 0 once nothing is
    /// runnable, and the next invocation picks up what was left. Off a terminal each
    /// line is timestamped (RFC 3339 UTC), an idle pass prints nothing, and with -q
    /// only the lines saying how a run ended (completed, failed, canceled) are kept.
    ///
    /// A lost database is ridden out: the worker reconnects with backoff and gives
    /// back, without spending an attempt, any run the outage cut short. With --drain
    /// or --once it exits 69 once the database has been unreachable for 60 s;
    /// otherwise it keeps retrying and logs that it does.
    ///
    /// With --metrics-addr 127.0.0.1:9464 it serves Prometheus metrics for as long as
    /// it runs: runs started and ended by task, attempt and run durations, queue
    /// depth, the oldest queued run's age, rows, bytes, email dispositions, takeovers
    /// and reconnects (the README lists them, with alert rules to start from).
    ///
    /// Example: invoicectl export worker --drain --concurrency 8
    Worker(worker::WorkerArgs),
    /// Show the state of the run queue: backlog, leases, retries
    ///
    /// Per queue (export: one lane per organization; email: one lane): runs by status,
    /// how many queued runs are due now and how long the oldest of them has waited,
    /// the retries scheduled and the lanes with a backlog. Then the lanes with a
    /// backlog (runs holding the lane's slots, due runs, oldest wait), the live leases
    /// (run, worker, attempt, how long it has been held, when it expires; an expired
    /// lease is taken over by the next worker pass) and the retries scheduled (next
    /// attempt, last error). Ages are relative to now; --json prints one object with
    /// absolute times (the README documents its shape).
    ///
    /// Example: invoicectl export queue --json
    Queue(queue::QueueArgs),
    /// Print a fresh download link for a finished export
    ///
    /// On S3 a presigned GET valid --expires (default: config `link_ttl`, 7 days, the
    /// most SigV4 allows); on local storage the file:// URL. Only the export's
    /// requester or an owner or admin of its organization may ask (else exit 77);
    /// each link is recorded in the audit log (export.invoices.link_issued). An
    /// expired (pruned) export exits 66 with the date.
    ///
    /// Example: invoicectl export url run_01jd5x7m3k9q2w8e4r6t0y1v3a --as user_alice --expires 1d
    Url(url::UrlArgs),
    /// Download a finished export, verifying its size and SHA-256
    ///
    /// Streams the stored file to -o FILE (or stdout with `-`, or when stdout is not a
    /// terminal), with a progress bar on a terminal. A file appears only once its
    /// bytes match the size and SHA-256 recorded when the export was written; a
    /// mismatch exits 1 and leaves nothing behind. The same gate and audit as
    /// `export url` (export.invoices.downloaded). Works from any machine with the
    /// database and the storage credentials.
    ///
    /// Example: invoicectl export download run_01jd5x7m3k9q2w8e4r6t0y1v3a --as user_alice -o invoices.csv
    Download(download::DownloadArgs),
    /// Delete the stored files of old exports and mark them expired
    ///
    /// Every export completed before now minus --older-than loses its file; its row
    /// stays, with status expired, and export.invoices.expired is appended to the
    /// audit log. Safe to run from cron, several at once: each export is expired by
    /// exactly one of them. A bucket lifecycle rule is the alternative on S3.
    ///
    /// Example: invoicectl export prune --older-than 30d --dry-run
    Prune(prune::PruneArgs),
    /// Request a new export for a failed or canceled one (same org, requester, scope)
    ///
    /// The member gate is checked again. The new export names the original
    /// (retryOf) and the original names it (retriedBy); retrying the same run again
    /// returns the same new run. A completed, queued or running export exits 65: use
    /// `export start --force` for a fresh one.
    ///
    /// Example: invoicectl export retry run_01jd5x7m3k9q2w8e4r6t0y1v3a
    Retry(retry::RetryArgs),
    /// Stop workers from claiming an organization's queued exports
    ///
    /// A running export finishes; new requests and schedule ticks are accepted and
    /// wait. `export queue`, `export status` and `--wait` say who paused it, since
    /// when and why. Needs an owner or admin of the organization; audited.
    ///
    /// Example: invoicectl export pause --org org_acme --reason "fixing invoice data" --as user_alice
    Pause(pause::PauseArgs),
    /// Let workers claim a paused organization's exports again
    ///
    /// Example: invoicectl export resume --org org_acme --as user_alice
    Resume(pause::ResumeArgs),
    /// Request exports on a cron schedule: add, list, show, pause, resume, remove
    #[command(subcommand)]
    Schedule(schedule::ScheduleCommand),
}

pub async fn run(cmd: ExportCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        ExportCommand::Start(args) => start::run(args, ctx).await,
        ExportCommand::Status(args) => status::run(args, ctx).await,
        ExportCommand::Cancel(args) => cancel::run(args, ctx).await,
        ExportCommand::Worker(args) => worker::run(args, ctx).await,
        ExportCommand::Queue(args) => queue::run(args, ctx).await,
        ExportCommand::Url(args) => url::run(args, ctx).await,
        ExportCommand::Download(args) => download::run(args, ctx).await,
        ExportCommand::Prune(args) => prune::run(args, ctx).await,
        ExportCommand::Retry(args) => retry::run(args, ctx).await,
        ExportCommand::Pause(args) => pause::run_pause(args, ctx).await,
        ExportCommand::Resume(args) => pause::run_resume(args, ctx).await,
        ExportCommand::Schedule(cmd) => schedule::run(cmd, ctx).await,
    }
}
