//! The worker: claims runs into its slots, executes them, heartbeats their leases,
//! takes over runs whose lease expired, and records how each attempt ended.
//!
//! One loop owns all database state changes of the process: each pass is ONE
//! transaction that records the attempts that ended since the last pass, takes over
//! expired leases, resumes parents whose child ended and claims new runs. Batching
//! them is what lets one process go well past a commit per run.
//!
//! Faults: the worker's sessions carry server-side limits derived from the lease
//! ([`WorkerOptions::session_limits`]), so a paused or partitioned worker cannot
//! hold a run's row lock past about one lease and block its takeover. A lost
//! database is not a task's fault: passes are retried with backoff, attempts cut
//! short by it are released without being counted, and a worker that must end on its
//! own (`--drain`, `--once`, or stopping) gives up after
//! [`WorkerOptions::unreachable_limit`] of failing passes.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::FutureExt;
use serde_json::Value;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tracing::Instrument as _;

use super::context::TaskContext;
use super::events::{AttemptOutcome, WorkerEvent};
use super::lane_sweep::{self, LaneSweeper};
use super::metrics;
use super::pause::QueuePauses;
use super::registry::Registry;
use super::retention::{Pruner, RetentionPolicy};
use super::run::{EngineErrorCode, RunError};
use super::task::{ErasedTask, TaskError};
use crate::db;
use crate::db::runs::{ClaimedRun, Finish};
use crate::error::{Classify, ExitKind};
use crate::ids::RunId;

/// When a worker stops on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerMode {
    /// Until the stop signal (SIGINT/SIGTERM).
    UntilStopped,
    /// Until nothing is runnable now (cron).
    Drain,
    /// After at most one run.
    Once,
}

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub concurrency: usize,
    pub lease: Duration,
    pub heartbeat: Duration,
    /// How long to sleep without a notification before looking again.
    pub poll_interval: Duration,
    pub mode: WorkerMode,
    /// On stop, how long running tasks get to checkpoint before they are cut off.
    pub shutdown_grace: Duration,
    /// Multiplies every retry delay (tests run the curve fast).
    pub retry_scale: f64,
    /// In `Drain` and `Once` modes, how long passes may keep failing (the database
    /// unreachable) before the worker gives up; a worker running until stopped
    /// retries for as long as it runs.
    pub unreachable_limit: Duration,
    /// Deletes ended runs past their retention, and releases spent idempotency keys,
    /// beside the loop; `None` does neither (triggers still release expired keys).
    pub retention: Option<RetentionPolicy>,
    /// How often the lane sweep checks every lane's head ([`super::lane_sweep`]);
    /// `None` never. A `--drain` or `--once` worker sweeps once before it claims.
    pub lane_sweep: Option<Duration>,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            concurrency: 4,
            lease: Duration::from_secs(30),
            heartbeat: Duration::from_secs(10),
            poll_interval: Duration::from_secs(1),
            mode: WorkerMode::UntilStopped,
            shutdown_grace: Duration::from_secs(8),
            retry_scale: 1.0,
            unreachable_limit: Duration::from_secs(60),
            retention: Some(RetentionPolicy::default()),
            lane_sweep: Some(Duration::from_secs(30)),
        }
    }
}

/// The longest wait between two passes while they fail.
const MAX_PASS_BACKOFF: Duration = Duration::from_secs(5);

impl WorkerOptions {
    /// The server-side limits of the worker's sessions, one lease each (at least a
    /// second): a session idle in a transaction for a lease is ended (its locks go
    /// with it), a lock wait fails after a lease, and the server probes a silent
    /// client after a lease idle and drops it within about two. So a hung worker's
    /// row lock is gone by the time its lease has expired, and the next takeover
    /// check (every heartbeat interval) takes the run over. No `statement_timeout`:
    /// a long statement is the server working, not a hang, and the heartbeat keeps
    /// its lease; if its client is gone the keepalives end it.
    ///
    /// The worker's pool must be built with these (see `db::with_session_limits`):
    /// the engine gets its pool ready-made.
    pub fn session_limits(&self) -> crate::db::SessionLimits {
        let lease = self.lease.max(Duration::from_secs(1));
        crate::db::SessionLimits {
            idle_in_transaction: lease,
            lock_timeout: lease,
            keepalive_idle: lease,
            keepalive_interval: (lease / 3).max(Duration::from_secs(1)),
            keepalive_count: 3,
            tcp_user_timeout: lease,
        }
    }

    /// How long one pool acquire should wait for the server: short enough that a
    /// worker notices an unreachable database within its limit, and never more than
    /// 10 s.
    pub(crate) fn pool_acquire_timeout(&self) -> Duration {
        self.unreachable_limit
            .min(Duration::from_secs(10))
            .max(Duration::from_millis(100))
    }
}

/// Why a worker stopped before its mode said so.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// Passes kept failing for the whole `unreachable_limit` (or past the shutdown
    /// grace while stopping). Runs this worker still held keep its lease until it
    /// expires; then another worker takes them over.
    #[error(
        "worker passes failed for {:.0} s in a row, {} runs left in hand",
        failing_for.as_secs_f64(),
        runs_left
    )]
    GaveUp {
        failing_for: Duration,
        runs_left: usize,
        source: PassError,
    },
    /// A worker that ends on its own (`Drain`, `Once`) found queues it cannot run for
    /// now (see [`super::TaskError::Unavailable`]): their runs were released without
    /// spending an attempt, for another worker or a later pass.
    #[error("{}", unavailable_text(outages))]
    Unavailable { outages: Vec<(String, RunError)> },
}

fn unavailable_text(outages: &[(String, RunError)]) -> String {
    let each: Vec<String> = outages
        .iter()
        .map(|(queue, error)| format!("the {queue} queue: {error}"))
        .collect();
    format!(
        "this worker cannot run {}; its runs were released without spending an attempt",
        each.join("; ")
    )
}

impl Classify for WorkerError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            // Storage out of order is temporary from the operator's side: the runs
            // were released, the next invocation tries again.
            WorkerError::Unavailable { .. } => ExitKind::TempFail,
            WorkerError::GaveUp { .. } => ExitKind::Failure,
        }
    }
}

/// Why one pass (finish, take over, claim) failed; the worker tries again.
#[derive(Debug, thiserror::Error)]
pub enum PassError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A task's failure hook ([`super::Task::on_failure`]) failed.
    #[error("the failure hook of run {run_id} failed")]
    Hook {
        run_id: RunId,
        #[source]
        source: TaskError,
    },
}

impl Classify for PassError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            PassError::Database(e) => e.exit_kind(),
            PassError::Hook { source, .. } => source.exit_kind(),
        }
    }
}

impl PassError {
    /// True when the database went away (the hook's own database errors included).
    pub(crate) fn is_connection_lost(&self) -> bool {
        match self {
            PassError::Database(e) => crate::db::is_connection_lost(e),
            PassError::Hook { source, .. } => matches!(source, TaskError::DatabaseLost(_)),
        }
    }
}

/// What a worker did, for its caller.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WorkerSummary {
    /// Attempts begun: claims of queued runs (first tries and retries).
    pub attempts: u64,
    /// Parents picked up again after their child run ended: the same attempt
    /// continuing, so not counted in `attempts`.
    pub resumed: u64,
    pub completed: u64,
    pub failed: u64,
    pub retried: u64,
    pub released: u64,
    pub taken_over: u64,
}

/// An attempt's end, on its way to the next pass.
struct AttemptEnd {
    run_id: RunId,
    finish: Option<Finish>,
    /// For runs that fail for good: the task's failure hook runs in the same
    /// transaction as the `failed` status.
    failure: Option<(Arc<dyn ErasedTask>, Value, RunError)>,
    event: WorkerEvent,
    /// When the run was triggered (for the run duration metric).
    created_at: Option<chrono::DateTime<Utc>>,
    /// The run's queue, for claim pauses.
    queue: Option<&'static str>,
    /// How the attempt bears on its queue's claim pause.
    health: Health,
}

/// What an attempt's end says about whether this worker can run its queue's tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Health {
    /// It got through (completed, or parked on a child run).
    Works,
    /// It ended with [`TaskError::Unavailable`]: pause the queue.
    OutOfOrder(RunError),
    /// It says neither (a retry for another reason, a lease lost, a release).
    Unknown,
}

struct Slot {
    handle: JoinHandle<()>,
    lease_token: String,
    task_id: String,
}

pub struct Worker {
    pool: PgPool,
    registry: Arc<Registry>,
    options: WorkerOptions,
    events: Option<mpsc::UnboundedSender<WorkerEvent>>,
    owner: String,
    /// How often the queue gauges are sampled; `None`: never (no metrics exporter).
    queue_sampling: Option<Duration>,
}

impl Worker {
    pub fn new(pool: PgPool, registry: Registry, options: WorkerOptions) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".to_owned());
        let owner = format!(
            "{host}:{}:{}",
            std::process::id(),
            &ulid::Ulid::new().to_string()[20..]
        );
        Worker {
            pool,
            registry: Arc::new(registry),
            options,
            events: None,
            owner,
            queue_sampling: None,
        }
    }

    /// Samples the queue gauges (depth by status, oldest queued age, lanes with
    /// backlog) every `every` while the worker runs: for a process that exports
    /// metrics (see [`metrics`]). Also starts the registered tasks'
    /// counters at zero.
    pub(crate) fn with_queue_sampling(mut self, every: Duration) -> Self {
        self.queue_sampling = Some(every);
        self
    }

    /// Sends progress and outcomes to `events` (the display).
    pub(crate) fn with_events(mut self, events: mpsc::UnboundedSender<WorkerEvent>) -> Self {
        self.events = Some(events);
        self
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Runs until the mode says stop, or `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) -> Result<WorkerSummary, WorkerError> {
        let queues = self.registry.queues();
        let lease_secs = self.options.lease.as_secs_f64();
        let mut summary = WorkerSummary::default();
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<AttemptEnd>();
        let mut slots: HashMap<RunId, Slot> = HashMap::new();
        let mut pending: Vec<AttemptEnd> = Vec::new();
        let mut listener = self.listen().await;
        let heartbeat = self.spawn_heartbeat();
        let pruner = Pruner::start(&self.pool, self.options.retention);
        let _sampler = self.queue_sampling.map(|every| {
            metrics::register_tasks(self.registry.task_ids());
            metrics::register_queues(&queues);
            metrics::spawn_queue_sampler(self.pool.clone(), queues.clone(), every)
        });
        // A worker that ends when nothing is runnable sweeps first, so that a stranded
        // lane is runnable again before it looks; one that runs on sweeps beside.
        let sweeper = match self.options.mode {
            WorkerMode::UntilStopped => LaneSweeper::start(&self.pool, self.options.lane_sweep),
            WorkerMode::Drain | WorkerMode::Once => {
                if self.options.lane_sweep.is_some()
                    && let Err(e) = lane_sweep::sweep(&self.pool).await
                {
                    tracing::warn!(
                        error = %crate::redact::log_text(&e),
                        "checking the lanes' heads failed; going on"
                    );
                }
                LaneSweeper::start(&self.pool, None)
            }
        };
        let mut claimed_any = false;
        let mut pauses = QueuePauses::new(self.options.retry_scale);
        let mut stop_since: Option<Instant> = None;
        // Take-overs are checked on the first pass and then every heartbeat interval.
        let mut next_reap = Instant::now();
        let mut failures_in_a_row = 0u32;
        // When the current run of failing passes began.
        let mut failing_since: Option<Instant> = None;

        loop {
            while let Ok(end) = done_rx.try_recv() {
                self.take_end(end, &mut slots, &mut pending, &mut pauses);
            }
            let stopping = *stop.borrow();
            if stopping && stop_since.is_none() {
                stop_since = Some(Instant::now());
                tracing::info!(
                    running = slots.len(),
                    "stopping: no new claims, letting running tasks checkpoint"
                );
            }
            if let Some(since) = stop_since
                && since.elapsed() >= self.options.shutdown_grace
            {
                self.cut_off(&mut slots, &mut pending);
            }
            let once_done = self.options.mode == WorkerMode::Once && claimed_any;
            let want = if stopping || once_done {
                0
            } else {
                self.options.concurrency.saturating_sub(slots.len())
            };
            let reap = !stopping && Instant::now() >= next_reap;
            let batch_len = pending.len();
            let pass_started = Instant::now();
            let claimed = match self
                .pass(
                    &mut pending,
                    want,
                    reap,
                    &queues,
                    &mut pauses,
                    lease_secs,
                    &mut summary,
                )
                .await
            {
                Ok(claimed) => {
                    if let Some(since) = failing_since.take() {
                        tracing::info!(
                            after_secs = since.elapsed().as_secs(),
                            "the database answers again"
                        );
                        metrics::database_reconnected();
                    }
                    failures_in_a_row = 0;
                    if reap {
                        next_reap = Instant::now() + self.options.heartbeat;
                    }
                    claimed
                }
                Err(e) => {
                    failures_in_a_row += 1;
                    let failing_for = failing_since.get_or_insert(pass_started).elapsed();
                    // A worker that must end on its own (drain, once, stopping) gives
                    // up in time; one running until stopped waits for the database
                    // as long as it runs.
                    let mut left = (self.options.mode != WorkerMode::UntilStopped)
                        .then(|| self.options.unreachable_limit.saturating_sub(failing_for));
                    if let Some(since) = stop_since {
                        let grace = self.options.shutdown_grace.saturating_sub(since.elapsed());
                        left = Some(left.map_or(grace, |l| l.min(grace)));
                    }
                    if left.is_some_and(|l| l.is_zero()) {
                        heartbeat.abort();
                        let runs_left = slots.len() + pending.len();
                        for (_, slot) in slots.drain() {
                            slot.handle.abort();
                        }
                        return Err(WorkerError::GaveUp {
                            failing_for,
                            runs_left,
                            source: e,
                        });
                    }
                    let backoff = left.map_or(pass_backoff(failures_in_a_row), |l| {
                        l.min(pass_backoff(failures_in_a_row))
                    });
                    log_pass_failure(&e, failing_for, backoff, batch_len);
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = stop.changed() => {}
                    }
                    continue;
                }
            };
            let got = claimed.len();
            for (run, resumed) in claimed {
                claimed_any = true;
                metrics::attempt_started(&run.task_id, resumed);
                if resumed {
                    summary.resumed += 1;
                } else {
                    summary.attempts += 1;
                }
                self.spawn(run, resumed, &mut slots, &done_tx, &stop);
            }

            if slots.is_empty() && pending.is_empty() {
                let drained = self.options.mode == WorkerMode::Drain && got == 0;
                let once_finished = self.options.mode == WorkerMode::Once && claimed_any;
                if stopping || drained || once_finished {
                    if !stopping && !pauses.is_empty() {
                        heartbeat.abort();
                        pruner.stop().await;
                        return Err(WorkerError::Unavailable {
                            outages: pauses.outages(),
                        });
                    }
                    break;
                }
            }
            if got > 0 && got == want {
                // Slots may be free again already; don't wait for a notification.
                continue;
            }
            let pause_end = pauses
                .next_end()
                .filter(|_| self.options.mode == WorkerMode::UntilStopped)
                .map(tokio::time::Instant::from_std);
            tokio::select! {
                Some(end) = done_rx.recv() => {
                    self.take_end(end, &mut slots, &mut pending, &mut pauses);
                }
                _ = async { tokio::time::sleep_until(pause_end.unwrap()).await }, if pause_end.is_some() => {}
                notified = recv_notification(&mut listener) => {
                    if !notified {
                        listener = None;
                    }
                }
                _ = tokio::time::sleep(self.options.poll_interval) => {
                    if listener.is_none() {
                        listener = self.listen().await;
                    }
                }
                _ = stop.changed() => {}
            }
        }
        heartbeat.abort();
        pruner.stop().await;
        sweeper.stop().await;
        Ok(summary)
    }

    /// Moves an ended attempt from its slot to the next pass, and applies what it says
    /// about its queue to the claim pauses.
    fn take_end(
        &self,
        end: AttemptEnd,
        slots: &mut HashMap<RunId, Slot>,
        pending: &mut Vec<AttemptEnd>,
        pauses: &mut QueuePauses,
    ) {
        slots.remove(&end.run_id);
        if let (Some(queue), WorkerEvent::Ended { task_id, .. }) = (end.queue, &end.event) {
            match &end.health {
                Health::Works => pauses.recovered(queue),
                Health::OutOfOrder(error) => pauses.trip(queue, task_id, error),
                Health::Unknown => pauses.probe_ended(queue),
            }
        }
        pending.push(end);
    }

    /// Effective mode-aware claim size for one pass: `--once` takes one slot only.
    fn claim_limit(&self, want: usize) -> usize {
        match self.options.mode {
            WorkerMode::Once => want.min(1),
            _ => want,
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn pass(
        &self,
        pending: &mut Vec<AttemptEnd>,
        want: usize,
        reap: bool,
        queues: &[String],
        pauses: &mut QueuePauses,
        lease_secs: f64,
        summary: &mut WorkerSummary,
    ) -> Result<Vec<(ClaimedRun, bool)>, PassError> {
        let want = self.claim_limit(want);
        if pending.is_empty() && want == 0 {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        let batch: Vec<Finish> = pending.iter().filter_map(|e| e.finish.clone()).collect();
        let finished = db::runs::finish(&mut tx, &batch).await?;
        let effective: std::collections::HashSet<&RunId> = finished.iter().map(|f| &f.id).collect();
        for end in pending.iter() {
            if let Some((task, payload, error)) = &end.failure
                && effective.contains(&end.run_id)
            {
                task.on_failure_value(&mut tx, &end.run_id, payload, error)
                    .instrument(finish_span(&end.run_id))
                    .await
                    .map_err(|source| PassError::Hook {
                        run_id: end.run_id.clone(),
                        source,
                    })?;
            }
        }
        let mut takeovers = Vec::new();
        if reap {
            takeovers = self.take_over_expired(&mut tx).await?;
        }
        // Each claimed run with whether it is a resumed parent (true) or a new attempt.
        let mut claimed = Vec::new();
        if want > 0 {
            claimed =
                db::runs::resume_waiting(&mut tx, &self.owner, want as i64, lease_secs, queues)
                    .await?
                    .into_iter()
                    .map(|run| (run, true))
                    .collect();
            // Paused queues are left alone; one whose pause ended gets one run, a probe
            // (a worker that ends on its own does not probe: it reports the outage).
            let claimable = pauses.claimable(queues);
            let mut probes = Vec::new();
            let mut rest = want - claimed.len();
            if rest > 0 && !claimable.open.is_empty() {
                let runs = db::runs::claim(
                    &mut tx,
                    &self.owner,
                    rest as i64,
                    lease_secs,
                    &claimable.open,
                )
                .await?;
                rest -= runs.len();
                claimed.extend(runs.into_iter().map(|run| (run, false)));
            }
            if self.options.mode == WorkerMode::UntilStopped {
                for queue in claimable.probe {
                    if rest == 0 {
                        break;
                    }
                    let runs = db::runs::claim(
                        &mut tx,
                        &self.owner,
                        1,
                        lease_secs,
                        std::slice::from_ref(&queue),
                    )
                    .await?;
                    if !runs.is_empty() {
                        rest -= runs.len();
                        probes.push(queue);
                        claimed.extend(runs.into_iter().map(|run| (run, false)));
                    }
                }
            }
            tx.commit().await?;
            for queue in probes {
                pauses.probing(&queue);
            }
        } else {
            tx.commit().await?;
        }

        for end in pending.drain(..) {
            let took_effect = end.finish.is_none() || effective.contains(&end.run_id);
            let event = if took_effect {
                end.event
            } else {
                // Fenced out: the run changed hands or was canceled meanwhile.
                match end.event {
                    WorkerEvent::Ended {
                        run_id,
                        task_id,
                        elapsed,
                        ..
                    } => WorkerEvent::Ended {
                        run_id,
                        task_id,
                        outcome: AttemptOutcome::LeaseLost,
                        error: None,
                        elapsed,
                    },
                    other => other,
                }
            };
            if let WorkerEvent::Ended {
                outcome,
                task_id,
                elapsed,
                ..
            } = &event
            {
                metrics::attempt_ended(
                    task_id,
                    outcome,
                    *elapsed,
                    end.created_at.and_then(metrics::age),
                );
                match outcome {
                    AttemptOutcome::Completed => summary.completed += 1,
                    AttemptOutcome::Failed => summary.failed += 1,
                    AttemptOutcome::Retrying { .. } => summary.retried += 1,
                    AttemptOutcome::Released => summary.released += 1,
                    _ => {}
                }
            }
            self.emit(event);
        }
        for event in takeovers {
            summary.taken_over += 1;
            if let WorkerEvent::TakenOver {
                task_id, outcome, ..
            } = &event
            {
                metrics::taken_over(task_id, outcome);
            }
            self.emit(event);
        }
        Ok(claimed)
    }

    /// Takes over runs whose lease expired (docs/faults.md, "Lost workers"). A lost
    /// attempt is never the task's failure, so it does not spend the run's retry
    /// budget: the run goes back to the queue with its attempt given back. What
    /// bounds a run that kills its worker is a budget of its own: lost attempts in a
    /// row that made no progress (no step or checkpoint committed under the lost
    /// lease). One that made progress is given back at once and starts that count
    /// over; one that made none waits the task's backoff, and the run's
    /// `max_attempts`-th in a row fails it (`worker_lost`), so a crash loop still
    /// ends. (Work a final step finished is never lost: it completed the run in the
    /// same transaction, see `FinalStepTransaction::commit_and_complete`.)
    async fn take_over_expired(
        &self,
        tx: &mut sqlx::PgConnection,
    ) -> Result<Vec<WorkerEvent>, PassError> {
        let expired = db::runs::lock_expired(tx, 100).await?;
        let mut events = Vec::new();
        for run in expired {
            let task = self.registry.get(&run.task_id);
            let retry = task.as_ref().map(|t| t.def().retry).unwrap_or_default();
            let lost = if run.progressed {
                0
            } else {
                run.lost_attempts + 1
            };
            let error = RunError::new(
                EngineErrorCode::WorkerLost,
                match (run.progressed, lost) {
                    (true, _) => format!(
                        "the worker running attempt {} stopped renewing its lease after it made progress; the attempt was given back",
                        run.attempt
                    ),
                    (false, 1) => format!(
                        "the worker running attempt {} stopped renewing its lease before it made progress",
                        run.attempt
                    ),
                    (false, n) => format!(
                        "the worker running attempt {} stopped renewing its lease before it made progress ({n} lost attempts in a row without progress)",
                        run.attempt
                    ),
                },
            );
            let (id, token) = (run.id.clone(), run.lease_token.clone());
            let (finish, outcome) = if run.progressed {
                (
                    Finish::released(id, token, Utc::now()).with_reason(&error),
                    AttemptOutcome::Released,
                )
            } else if lost < run.max_attempts {
                let at = retry
                    .scaled(self.options.retry_scale)
                    .next_attempt(lost as u32);
                (
                    Finish::released(id, token, at).with_reason(&error),
                    AttemptOutcome::Retrying { at },
                )
            } else {
                (Finish::failed(id, token, &error), AttemptOutcome::Failed)
            };
            let finish = finish.with_lost_attempts(lost);
            let done = db::runs::finish(tx, std::slice::from_ref(&finish)).await?;
            if done.is_empty() {
                continue;
            }
            if outcome == AttemptOutcome::Failed
                && let Some(task) = &task
            {
                task.on_failure_value(tx, &run.id, &run.payload, &error)
                    .instrument(finish_span(&run.id))
                    .await
                    .map_err(|source| PassError::Hook {
                        run_id: run.id.clone(),
                        source,
                    })?;
            }
            finish_span(&run.id).in_scope(|| {
                tracing::warn!(
                    attempt = run.attempt,
                    progressed = run.progressed,
                    lost_in_a_row = lost,
                    outcome = outcome.as_str(),
                    "took over a run whose lease expired"
                );
            });
            events.push(WorkerEvent::TakenOver {
                run_id: run.id,
                task_id: run.task_id,
                outcome,
            });
        }
        Ok(events)
    }

    fn spawn(
        &self,
        run: ClaimedRun,
        resumed: bool,
        slots: &mut HashMap<RunId, Slot>,
        done: &mpsc::UnboundedSender<AttemptEnd>,
        stop: &watch::Receiver<bool>,
    ) {
        let run_id = run.id.clone();
        let lease_token = run.lease_token.clone();
        let task_id = run.task_id.clone();
        let pool = self.pool.clone();
        let task = self.registry.get(&run.task_id);
        let done = done.clone();
        let stop = stop.clone();
        let events = self.events.clone();
        let retry_scale = self.options.retry_scale;
        self.emit(WorkerEvent::Started {
            run_id: run.id.clone(),
            task_id: run.task_id.clone(),
            attempt: run.attempt as u32,
            max_attempts: run.max_attempts as u32,
            resumed,
            concurrency_key: run.concurrency_key.clone(),
            metadata: run.metadata.clone(),
        });
        // Every event of the attempt, the task body's included, names its run through
        // this span, from the claim to the attempt's end.
        let span = tracing::info_span!(
            "execute",
            run_id = %run.id,
            task = %run.task_id,
            attempt = run.attempt
        );
        let handle = tokio::spawn(
            async move {
                let started = Instant::now();
                let end = match task {
                    Some(task) => {
                        let mut end =
                            execute(pool, task, run, stop, events, retry_scale, started).await;
                        if resumed && end.health == Health::Works {
                            // A parent going on after its child (a close-out) proves
                            // nothing about what a paused queue lacked.
                            end.health = Health::Unknown;
                        }
                        end
                    }
                    None => unreachable_task(run, started),
                };
                let _ = done.send(end);
            }
            .instrument(span),
        );
        slots.insert(
            run_id,
            Slot {
                handle,
                lease_token,
                task_id,
            },
        );
    }

    /// Past the shutdown grace: stop the tasks that did not checkpoint in time and give
    /// their runs back without spending the attempt. Their writes are fenced, and a
    /// resumed run continues from its last checkpoint.
    fn cut_off(&self, slots: &mut HashMap<RunId, Slot>, pending: &mut Vec<AttemptEnd>) {
        for (run_id, slot) in slots.drain() {
            slot.handle.abort();
            finish_span(&run_id)
                .in_scope(|| tracing::warn!("task did not stop in time; releasing its run"));
            pending.push(AttemptEnd {
                run_id: run_id.clone(),
                finish: Some(Finish::released(
                    run_id.clone(),
                    slot.lease_token,
                    Utc::now(),
                )),
                failure: None,
                created_at: None,
                queue: None,
                health: Health::Unknown,
                event: WorkerEvent::Ended {
                    run_id,
                    task_id: slot.task_id,
                    outcome: AttemptOutcome::Released,
                    error: None,
                    elapsed: Duration::ZERO,
                },
            });
        }
    }

    fn spawn_heartbeat(&self) -> JoinHandle<()> {
        let pool = self.pool.clone();
        let owner = self.owner.clone();
        let every = self.options.heartbeat;
        let lease_secs = self.options.lease.as_secs_f64();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let result = async {
                    let mut conn = pool.acquire().await?;
                    db::runs::heartbeat(&mut conn, &owner, lease_secs).await
                }
                .await;
                if let Err(e) = result {
                    tracing::warn!(error = %crate::redact::log_text(&e), "lease heartbeat failed");
                }
            }
        })
    }

    async fn listen(&self) -> Option<PgListener> {
        let mut listener = PgListener::connect_with(&self.pool).await.ok()?;
        listener.listen(db::runs::WAKE_CHANNEL).await.ok()?;
        Some(listener)
    }

    fn emit(&self, event: WorkerEvent) {
        if let Some(events) = &self.events {
            let _ = events.send(event);
        }
    }
}

/// Says that a pass failed and when the worker tries again; the error with its whole
/// chain, redacted ([`crate::redact::log_text`]).
fn log_pass_failure(e: &PassError, failing_for: Duration, backoff: Duration, pending: usize) {
    let error = crate::redact::log_text(e);
    let retry_in_ms = backoff.as_millis() as u64;
    if e.is_connection_lost() {
        tracing::warn!(
            %error,
            unreachable_secs = failing_for.as_secs(),
            retry_in_ms,
            pending,
            "database unreachable; retrying"
        );
    } else {
        tracing::warn!(%error, pending, retry_in_ms, "worker pass failed; retrying");
    }
}

/// The span of recording how a run's attempt ended (a finish, a failure hook, a
/// takeover, a release on shutdown): its events name the run.
fn finish_span(run_id: &RunId) -> tracing::Span {
    tracing::info_span!("finish", run_id = %run_id)
}

/// Waits for a notification; false when the listener broke (the poll covers us).
async fn recv_notification(listener: &mut Option<PgListener>) -> bool {
    match listener {
        Some(l) => matches!(l.try_recv().await, Ok(Some(_))),
        None => std::future::pending().await,
    }
}

/// The wait before retrying a failed pass: 100 ms, doubling, at most
/// [`MAX_PASS_BACKOFF`].
fn pass_backoff(failures_in_a_row: u32) -> Duration {
    let doublings = failures_in_a_row.saturating_sub(1).min(16);
    (Duration::from_millis(100) * 2u32.pow(doublings)).min(MAX_PASS_BACKOFF)
}

fn unreachable_task(run: ClaimedRun, started: Instant) -> AttemptEnd {
    // The claim only takes queues of registered tasks; another task sharing a queue
    // name is the one way here. Give the run back for a worker that knows it.
    AttemptEnd {
        run_id: run.id.clone(),
        finish: Some(Finish::released(
            run.id.clone(),
            run.lease_token,
            Utc::now() + chrono::Duration::seconds(5),
        )),
        failure: None,
        created_at: Some(run.created_at),
        queue: None,
        health: Health::Unknown,
        event: WorkerEvent::Ended {
            run_id: run.id,
            task_id: run.task_id,
            outcome: AttemptOutcome::Released,
            error: None,
            elapsed: started.elapsed(),
        },
    }
}

async fn execute(
    pool: PgPool,
    task: Arc<dyn ErasedTask>,
    run: ClaimedRun,
    stop: watch::Receiver<bool>,
    events: Option<mpsc::UnboundedSender<WorkerEvent>>,
    retry_scale: f64,
    started: Instant,
) -> AttemptEnd {
    let def = *task.def();
    let payload = run.payload.clone();
    let max_duration = run
        .max_duration_ms
        .map(|ms| Duration::from_millis(ms.max(0) as u64))
        .or(def.max_duration);
    // Whether a final step completed the run in its own transaction.
    let mut completed_in_step = false;
    // Validation first: a run whose payload fails it is failed at once, no retry.
    let result = match task.validate_value(&payload) {
        Err(message) => Err(TaskError::Validation(message)),
        Ok(()) => match TaskContext::new(pool, run.clone(), stop, events) {
            Err(e) => Err(e),
            Ok(mut ctx) => {
                crate::testhook::pause("attempt-started").await;
                let body =
                    AssertUnwindSafe(task.run_value(&mut ctx, payload.clone())).catch_unwind();
                let outcome = match max_duration {
                    Some(limit) => tokio::time::timeout(limit, body).await.unwrap_or_else(|_| {
                        Ok(Err(TaskError::abort(
                            EngineErrorCode::MaxDurationExceeded,
                            format!("the attempt ran longer than {} s", limit.as_secs_f64()),
                        )))
                    }),
                    None => body.await,
                };
                completed_in_step = ctx.run_completed();
                outcome.unwrap_or_else(|panic| {
                    let message = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "task panicked".to_owned());
                    Err(TaskError::retryable(EngineErrorCode::Panic, message))
                })
            }
        },
    };
    let elapsed = started.elapsed();
    let ended = |outcome: AttemptOutcome, error: Option<RunError>| WorkerEvent::Ended {
        run_id: run.id.clone(),
        task_id: run.task_id.clone(),
        outcome,
        error,
        elapsed,
    };
    let (id, token) = (run.id.clone(), run.lease_token.clone());
    let mut health = Health::Unknown;
    let (finish, failure, event) = match result {
        // A final step completed the run with its output already: nothing to record,
        // whatever the body did after it.
        _ if completed_in_step => {
            health = Health::Works;
            (None, None, ended(AttemptOutcome::Completed, None))
        }
        Ok(output) => {
            health = Health::Works;
            (
                Some(Finish::completed(id, token, output)),
                None,
                ended(AttemptOutcome::Completed, None),
            )
        }
        Err(TaskError::Suspended) => {
            health = Health::Works;
            (None, None, ended(AttemptOutcome::Waiting, None))
        }
        Err(TaskError::Canceled) => (None, None, ended(AttemptOutcome::Canceled, None)),
        Err(TaskError::LeaseLost) => (None, None, ended(AttemptOutcome::LeaseLost, None)),
        Err(TaskError::Shutdown) => (
            Some(Finish::released(id, token, Utc::now())),
            None,
            ended(AttemptOutcome::Released, None),
        ),
        // Not the task's fault: give the attempt back, keeping the reason on the run.
        // The release reaches the database with the next pass that gets through; if
        // the lease ran out meanwhile and another worker took the run over, it is
        // fenced out like any finish.
        Err(e @ TaskError::DatabaseLost(_)) => {
            let error = e.to_run_error();
            tracing::warn!(%error, "attempt cut short by a lost database connection; releasing the run");
            (
                Some(Finish::released(id, token, Utc::now()).with_reason(&error)),
                None,
                ended(AttemptOutcome::Released, Some(error)),
            )
        }
        // Not the run's fault either, and every run of the queue would fare the same
        // here: give the attempt back (reason kept on the run) and pause the queue's
        // claims; the pause says why, once, rather than every release.
        Err(e @ TaskError::Unavailable { .. }) => {
            let error = e.to_run_error();
            health = Health::OutOfOrder(error.clone());
            (
                Some(Finish::released(id, token, Utc::now()).with_reason(&error)),
                None,
                ended(AttemptOutcome::Released, None),
            )
        }
        Err(e) => {
            let error = e.to_run_error();
            let retryable = matches!(e, TaskError::Retryable { .. });
            if retryable && run.attempt < run.max_attempts {
                let at = def
                    .retry
                    .scaled(retry_scale)
                    .next_attempt(run.attempt as u32);
                (
                    Some(Finish::retry(id, token, &error, at)),
                    None,
                    ended(AttemptOutcome::Retrying { at }, Some(error)),
                )
            } else {
                (
                    Some(Finish::failed(id, token, &error)),
                    Some((task.clone(), payload, error.clone())),
                    ended(AttemptOutcome::Failed, Some(error)),
                )
            }
        }
    };
    AttemptEnd {
        run_id: run.id.clone(),
        finish,
        failure,
        event,
        created_at: Some(run.created_at),
        queue: Some(def.queue.name),
        health,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_passes_back_off_from_100_ms_doubling_to_5_s() {
        let waits: Vec<u128> = (1..=8).map(|n| pass_backoff(n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(pass_backoff(u32::MAX), MAX_PASS_BACKOFF);
    }

    #[test]
    fn session_limits_follow_the_lease_with_a_one_second_floor() {
        let limits = |lease| {
            WorkerOptions {
                lease,
                ..WorkerOptions::default()
            }
            .session_limits()
        };
        let default = limits(Duration::from_secs(30));
        assert_eq!(default.idle_in_transaction, Duration::from_secs(30));
        assert_eq!(default.lock_timeout, Duration::from_secs(30));
        assert_eq!(default.keepalive_interval, Duration::from_secs(10));
        let tiny = limits(Duration::from_millis(200));
        assert_eq!(tiny.idle_in_transaction, Duration::from_secs(1));
        assert_eq!(tiny.keepalive_interval, Duration::from_secs(1));
    }

    /// Log lines as a subscriber writes them, for a test to read.
    #[derive(Clone, Default)]
    struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    /// A pass that fails under a lost connection logs the whole chain (what failed,
    /// then why), with the password of the URL in the cause redacted.
    #[test]
    fn a_failed_pass_logs_its_whole_chain_without_the_password() {
        let cause = std::io::Error::other(
            "cannot reach postgres://invoicectl:hunter2-secret@db.example:5432/app",
        );
        let e = PassError::Hook {
            run_id: RunId::parse("run_01jd5x7m3k9q2w8e4r6t0y1v3a").unwrap(),
            source: TaskError::DatabaseLost(sqlx::Error::Io(cause)),
        };
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            log_pass_failure(&e, Duration::from_secs(3), Duration::from_millis(400), 2)
        });
        let line = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(line.contains("database unreachable; retrying"), "{line}");
        assert!(
            line.contains(
                "the failure hook of run run_01jd5x7m3k9q2w8e4r6t0y1v3a failed: database unavailable: "
            ) && line.contains("cannot reach postgres://invoicectl:***@db.example:5432/app"),
            "{line}"
        );
        assert!(!line.contains("hunter2"), "{line}");
    }
}
