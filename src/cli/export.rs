//! The `export` command group's arguments: request, watch, work on, cancel, retry,
//! pause and schedule exports, and fetch their files.

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub(crate) enum ExportCommand {
    /// Request an export of an organization's invoices; prints the run id at once
    ///
    /// The same org, user and UTC day returns the first run (deduplicated), writes
    /// nothing, and says so on stderr: when and by whom that run was requested and
    /// how far it got. --force starts a new run.
    ///
    /// Example: invoicectl export start --org org_acme --as user_alice --wait
    Start(StartArgs),
    /// Show one run (with its child runs) or the most recent runs
    ///
    /// Example: invoicectl export status --org org_acme --limit 5
    Status(StatusArgs),
    /// Cancel a queued, waiting or executing run and its child runs
    ///
    /// An executing run stops at its next checkpoint. A run that already ended is left
    /// alone: exit 0 with a note on stderr, so canceling twice is harmless.
    ///
    /// Example: invoicectl export cancel run_01jd5x7m3k9q2w8e4r6t0y1v3a
    Cancel(CancelArgs),
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
    Worker(WorkerArgs),
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
    Queue(QueueArgs),
    /// Print a fresh download link for a finished export
    ///
    /// On S3 a presigned GET valid --expires (default: config `link_ttl`, 7 days, the
    /// most SigV4 allows); on local storage the file:// URL. Only the export's
    /// requester or an owner or admin of its organization may ask (else exit 77);
    /// each link is recorded in the audit log (export.invoices.link_issued). An
    /// expired (pruned) export exits 66 with the date.
    ///
    /// Example: invoicectl export url run_01jd5x7m3k9q2w8e4r6t0y1v3a --as user_alice --expires 1d
    Url(UrlArgs),
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
    Download(DownloadArgs),
    /// Delete the stored files of old exports and mark them expired
    ///
    /// Every export completed before now minus --older-than loses its file; its row
    /// stays, with status expired, and export.invoices.expired is appended to the
    /// audit log. Safe to run from cron, several at once: each export is expired by
    /// exactly one of them. A bucket lifecycle rule is the alternative on S3.
    ///
    /// Example: invoicectl export prune --older-than 30d --dry-run
    Prune(PruneArgs),
    /// Request a new export for a failed or canceled one (same org, requester, scope)
    ///
    /// The member gate is checked again. The new export names the original
    /// (retryOf) and the original names it (retriedBy); retrying the same run again
    /// returns the same new run. A completed, queued or running export exits 65: use
    /// `export start --force` for a fresh one.
    ///
    /// Example: invoicectl export retry run_01jd5x7m3k9q2w8e4r6t0y1v3a
    Retry(RetryArgs),
    /// Stop workers from claiming an organization's queued exports
    ///
    /// A running export finishes; new requests and schedule ticks are accepted and
    /// wait. `export queue`, `export status` and `--wait` say who paused it, since
    /// when and why. Needs an owner or admin of the organization; audited.
    ///
    /// Example: invoicectl export pause --org org_acme --reason "fixing invoice data" --as user_alice
    Pause(PauseArgs),
    /// Let workers claim a paused organization's exports again
    ///
    /// Example: invoicectl export resume --org org_acme --as user_alice
    Resume(ResumeArgs),
    /// Request exports on a cron schedule: add, list, show, pause, resume, remove
    #[command(subcommand)]
    Schedule(ScheduleCommand),
}

#[derive(Debug, Args)]
pub(crate) struct StartArgs {
    /// Organization whose invoices to export (e.g. org_acme)
    #[arg(long, value_name = "ORG")]
    pub org: String,

    /// Requesting user; must be a member (not a viewer) of the organization
    #[arg(
        long = "as",
        id = "user",
        value_name = "USER",
        env = "INVOICECTL_USER",
        hide_env_values = true
    )]
    pub as_user: Option<String>,

    #[command(flatten)]
    pub scope: ScopeArgs,

    /// Start a new run even if one was requested today
    #[arg(long)]
    pub force: bool,

    /// Follow the run to its end: exit 0 if it completed, 1 if it failed or was canceled
    #[arg(long)]
    pub wait: bool,

    /// With --wait: give up after this many seconds (exit 75; the run goes on)
    #[arg(long, value_name = "SECONDS", requires = "wait")]
    pub timeout: Option<u64>,
}

/// Which invoices to export (default: all of them). Shared by `export start` and
/// `export schedule add`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Scope")]
pub(crate) struct ScopeArgs {
    /// Only invoices issued at or after this time (YYYY-MM-DD is midnight UTC, or RFC 3339)
    #[arg(long, value_name = "DATE", conflicts_with = "period")]
    pub from: Option<String>,

    /// Only invoices issued before this time (YYYY-MM-DD is midnight UTC, or RFC 3339)
    #[arg(long, value_name = "DATE", conflicts_with = "period")]
    pub to: Option<String>,

    /// Only invoices issued in this period: 2026-11, 2026-Q4, 2026, previous-month,
    /// previous-week (ISO, Monday to Monday) or previous-day (resolved when requested)
    #[arg(long, value_name = "PERIOD")]
    pub period: Option<String>,

    /// The IANA time zone whose days bound --period (default UTC), e.g. Europe/Paris
    #[arg(long, value_name = "ZONE", requires = "period")]
    pub tz: Option<String>,

    /// Only invoices with one of these statuses: draft, open, paid, void, uncollectible
    #[arg(long, value_name = "S[,S…]")]
    pub status: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The run to show; without it, the most recent runs are listed
    #[arg(value_name = "RUN_ID")]
    pub run_id: Option<String>,

    /// List only this organization's runs
    #[arg(long, value_name = "ORG", conflicts_with = "run_id")]
    pub org: Option<String>,

    /// How many runs to list, newest first
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,

    /// Redraw a progress bar until the run ends; exit 0 if it completed, 1 if not
    #[arg(long, requires = "run_id")]
    pub watch: bool,

    /// With --watch: give up after this many seconds (exit 75)
    #[arg(long, value_name = "SECONDS", requires = "watch")]
    pub timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub(crate) struct QueueArgs {
    /// How many lanes, leases and retries to list at most (each); the per-queue
    /// counts always cover everything
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub(crate) struct WorkerArgs {
    /// Exit 0 once nothing is runnable now (for cron); runs held by other workers and
    /// retries scheduled later are left for the next invocation
    #[arg(long, conflicts_with = "once")]
    pub drain: bool,

    /// Run at most one run, then exit
    #[arg(long)]
    pub once: bool,

    // These two are settings: the config layer reads them (by their ids, the setting
    // keys) with their variables and config keys, checks them, and names a bad value's
    // flag or variable; the worker takes them from `ctx.settings`. So clap takes any
    // text here, or a bad INVOICECTL_WORKER_CONCURRENCY would be its usage error.
    /// Runs executed at once by this process, 1 to 1024 (default: config
    /// `worker_concurrency`, else 4)
    #[arg(
        long = "concurrency",
        id = "worker_concurrency",
        env = "INVOICECTL_WORKER_CONCURRENCY",
        hide_env_values = true,
        value_name = "N"
    )]
    pub concurrency: Option<String>,

    /// Where exports are stored: file:///absolute/dir or s3://bucket[/prefix] (default:
    /// config `storage`, else the export dir). S3 settings come from the AWS variables
    /// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL, …) or the
    /// s3_* config keys; naming this and --export-dir together is a usage error
    #[arg(
        long,
        id = "storage",
        env = "INVOICECTL_STORAGE",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub storage: Option<String>,

    /// Where CSV files are written, short for --storage file:///DIR (default: config
    /// `export_dir`, else `exports/` in the data directory)
    #[arg(
        long,
        env = "INVOICECTL_EXPORT_DIR",
        hide_env_values = true,
        value_name = "DIR",
        value_hint = clap::ValueHint::DirPath,
        value_parser = super::path_allowing_empty()
    )]
    pub export_dir: Option<PathBuf>,

    /// How long the emailed S3 download link works: 90m, 12h, 7d… (default: config
    /// `link_ttl`, 7d, the most SigV4 allows); `export url` signs a fresh one
    #[arg(
        long,
        id = "link_ttl",
        env = "INVOICECTL_LINK_TTL",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub link_ttl: Option<String>,

    /// Lease length in seconds, 1 to 3600: a run whose worker stops renewing it is
    /// taken over by another worker after this long. The worker's database sessions
    /// are also limited to one lease idle inside a transaction or waiting for a lock
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub lease: f64,

    /// How often the lease is renewed, in seconds (at least 0.1, less than --lease)
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub heartbeat: f64,

    /// Seconds between looks at the queue when no notification arrives
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0, hide = true)]
    pub poll_interval: f64,

    /// Multiply retry delays (tests run the backoff curve fast)
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0, hide = true)]
    pub retry_scale: f64,

    /// With --drain or --once: give up (exit 69) once the database has been
    /// unreachable this many seconds (tests shorten it)
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0, hide = true)]
    pub unreachable_limit: f64,

    /// Serve Prometheus metrics on this IP:PORT (e.g. 127.0.0.1:9464; any path, /health
    /// answers OK) while the worker runs — for a long-running worker: runs by task
    /// and outcome, durations, queue depth and age, rows, bytes, email dispositions,
    /// takeovers. Refused before any claim: an address that is not IP:PORT or not of
    /// this host exits 65, one in use 75 (default: config metrics_addr,
    /// INVOICECTL_METRICS_ADDR)
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<String>,

    /// Write the same metrics to this .prom file when the worker ends, for
    /// node_exporter's textfile collector — for a cron --drain, which no scrape
    /// catches alive (default: config metrics_textfile, INVOICECTL_METRICS_TEXTFILE)
    #[arg(long, value_name = "FILE")]
    pub metrics_textfile: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CancelArgs {
    /// The run to cancel (run_…)
    #[arg(value_name = "RUN_ID")]
    pub run_id: String,

    /// Who cancels, for the audit log (default: config `user`; else recorded as system)
    #[arg(
        long = "as",
        id = "user",
        value_name = "USER",
        env = "INVOICECTL_USER",
        hide_env_values = true
    )]
    pub as_user: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct RetryArgs {
    /// The failed or canceled export run to retry (run_…)
    #[arg(value_name = "RUN_ID")]
    pub run_id: String,

    /// Who asks: the requester or an owner/admin (default: this login's user, or config `user`; else the original requester)
    #[arg(
        long = "as",
        id = "user",
        value_name = "USER",
        env = "INVOICECTL_USER",
        hide_env_values = true
    )]
    pub as_user: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct PauseArgs {
    /// Organization whose exports to pause
    #[arg(long, value_name = "ORG")]
    pub org: String,

    /// Why, for the audit log and for whoever finds the exports waiting
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    /// Who pauses: an owner or admin of the organization
    #[arg(
        long = "as",
        id = "user",
        value_name = "USER",
        env = "INVOICECTL_USER",
        hide_env_values = true
    )]
    pub as_user: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ResumeArgs {
    /// Organization whose exports to resume
    #[arg(long, value_name = "ORG")]
    pub org: String,

    /// Who resumes: an owner or admin of the organization
    #[arg(
        long = "as",
        id = "user",
        value_name = "USER",
        env = "INVOICECTL_USER",
        hide_env_values = true
    )]
    pub as_user: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct UrlArgs {
    /// The export's run (run_…)
    #[arg(value_name = "RUN_ID")]
    pub run_id: String,

    /// How long the link works: 90m, 12h, 7d… (default: config `link_ttl`, 7d; at most
    /// 7d, SigV4's limit). Local files get a file:// URL, which does not expire
    #[arg(long, value_name = "DURATION")]
    pub expires: Option<String>,

    /// Who asks: the export's requester, or an owner or admin of its organization
    #[arg(long = "as", value_name = "USER", env = "INVOICECTL_USER")]
    pub as_user: Option<String>,

    /// Look for the file under this storage instead of where the export row says it
    /// is (a mirror, a share mounted elsewhere): file:///dir or s3://bucket/prefix
    #[arg(long = "storage", id = "reroot", value_name = "URL")]
    pub storage: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DownloadArgs {
    /// The export's run (run_…)
    #[arg(value_name = "RUN_ID")]
    pub run_id: String,

    /// Where to write: a file, or `-` for stdout (default: stdout when it is not a
    /// terminal, else invoices-<org>-<date>.csv in the current directory)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Who asks: the export's requester, or an owner or admin of its organization
    #[arg(long = "as", value_name = "USER", env = "INVOICECTL_USER")]
    pub as_user: Option<String>,

    /// Look for the file under this storage instead of where the export row says it
    /// is (a mirror, a share mounted elsewhere): file:///dir or s3://bucket/prefix
    #[arg(long = "storage", id = "reroot", value_name = "URL")]
    pub storage: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct PruneArgs {
    /// Expire exports completed longer ago than this: 30d, 12h, 2w…
    #[arg(long, value_name = "DURATION")]
    pub older_than: String,

    /// List what would be expired; delete and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ScheduleCommand {
    /// Add a schedule: an export of the organization at each tick of a cron expression
    ///
    /// Cron: five fields (minute hour day-of-month month day-of-week), or six with a
    /// leading seconds field, read in --tz (default UTC). The requester must pass the
    /// member gate now and at every tick. A relative --period resolves at each tick:
    /// `--cron "0 6 1 * *" --period previous-month` exports last month on the 1st.
    ///
    /// Example: invoicectl export schedule add --org org_acme --cron "0 6 1 * *" --tz Europe/Paris --period previous-month --as user_alice
    Add(AddArgs),
    /// List schedules (of one organization with --org)
    ///
    /// Example: invoicectl export schedule list --org org_acme
    List(ListArgs),
    /// Show a schedule: its next 5 ticks and its latest ticks (fired, failed, skipped)
    ///
    /// Example: invoicectl export schedule show sched_01jf8x2v3k4m5n6p7q8r9s0t1v
    Show(IdArgs),
    /// Stop a schedule's ticks until it is resumed (its owner, or an owner or admin)
    ///
    /// Example: invoicectl export schedule pause sched_01jf8x2v3k4m5n6p7q8r9s0t1v --as user_alice
    Pause(IdArgs),
    /// Resume a paused schedule; ticks that came due while paused do not fire
    ///
    /// Example: invoicectl export schedule resume sched_01jf8x2v3k4m5n6p7q8r9s0t1v --as user_alice
    Resume(IdArgs),
    /// Remove a schedule (its ticks and exports stay in the history)
    ///
    /// Example: invoicectl export schedule remove sched_01jf8x2v3k4m5n6p7q8r9s0t1v --as user_alice
    Remove(IdArgs),
}

#[derive(Debug, Args)]
pub(crate) struct AddArgs {
    /// Organization whose invoices to export
    #[arg(long, value_name = "ORG")]
    pub org: String,

    /// Cron expression: 5 fields, or 6 with leading seconds (e.g. "0 6 1 * *")
    #[arg(long, value_name = "EXPR")]
    pub cron: String,

    /// IANA time zone the expression and the period's days are read in (default UTC)
    #[arg(long = "tz", id = "schedule_tz", value_name = "ZONE")]
    pub zone: Option<String>,

    /// Only invoices issued at or after this time (YYYY-MM-DD or RFC 3339)
    #[arg(long, value_name = "DATE", conflicts_with = "period")]
    pub from: Option<String>,

    /// Only invoices issued before this time (YYYY-MM-DD or RFC 3339)
    #[arg(long, value_name = "DATE", conflicts_with = "period")]
    pub to: Option<String>,

    /// Only invoices issued in this period, resolved at each tick (e.g. previous-month)
    #[arg(long, value_name = "PERIOD")]
    pub period: Option<String>,

    /// Only invoices with one of these statuses: draft, open, paid, void, uncollectible
    #[arg(long, value_name = "S[,S…]")]
    pub status: Vec<String>,

    /// The schedule's owner, who requests each export; must be a member (not a viewer)
    #[arg(
        long = "as",
        id = "user",
        value_name = "USER",
        env = "INVOICECTL_USER",
        hide_env_values = true
    )]
    pub as_user: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only this organization's schedules
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct IdArgs {
    /// The schedule (sched_…)
    #[arg(value_name = "ID")]
    pub id: String,

    /// Who changes it (pause, resume, remove): its owner, or an owner or admin
    #[arg(
        long = "as",
        id = "user",
        value_name = "USER",
        env = "INVOICECTL_USER",
        hide_env_values = true
    )]
    pub as_user: Option<String>,
}
