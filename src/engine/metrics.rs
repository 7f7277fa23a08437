//! The engine's metrics, by task id and queue, recorded through the `metrics` facade.
//!
//! The worker calls these where attempts start and end, where it takes a lease over
//! and where its passes get through again after failing. Without an installed
//! recorder (no `--metrics-addr`) each call is the facade's no-op; the one thing
//! that costs more, the queue sampler, is only started when the application asks for
//! it ([`Worker::with_queue_sampling`](super::Worker::with_queue_sampling)). The
//! exporter (HTTP listener, buckets) belongs to the application, which calls
//! [`describe`] once it has installed one.
//!
//! Counters count what THIS worker saw; the queue gauges are the same for every
//! worker of a database (aggregate them with `max`, not `sum`).

use std::time::Duration;

use ::metrics::histogram;
use ::metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::task::JoinHandle;

use super::events::AttemptOutcome;
use super::run::RunStatus;
use crate::db;

pub(crate) const RUNS_STARTED: &str = "invoicectl_runs_started_total";
pub(crate) const RUNS_RESUMED: &str = "invoicectl_runs_resumed_total";
pub(crate) const RUNS_COMPLETED: &str = "invoicectl_runs_completed_total";
pub(crate) const RUNS_FAILED: &str = "invoicectl_runs_failed_total";
pub(crate) const RUNS_CANCELED: &str = "invoicectl_runs_canceled_total";
pub(crate) const RUNS_RETRIED: &str = "invoicectl_runs_retried_total";
pub(crate) const RUNS_RELEASED: &str = "invoicectl_runs_released_total";
pub(crate) const TAKEOVERS: &str = "invoicectl_takeovers_total";
pub(crate) const DATABASE_RECONNECTS: &str = "invoicectl_database_reconnects_total";
pub(crate) const ATTEMPT_DURATION: &str = "invoicectl_attempt_duration_seconds";
pub(crate) const RUN_DURATION: &str = "invoicectl_run_duration_seconds";
pub(crate) const QUEUE_RUNS: &str = "invoicectl_queue_runs";
pub(crate) const QUEUE_OLDEST_QUEUED_AGE: &str = "invoicectl_queue_oldest_queued_age_seconds";
pub(crate) const QUEUE_LANES_WITH_BACKLOG: &str = "invoicectl_queue_lanes_with_backlog";
pub(crate) const QUEUE_PAUSED_LANES: &str = "invoicectl_queue_paused_lanes";
pub(crate) const LANES_REPAIRED: &str = "invoicectl_lanes_repaired_total";

/// The per-task counters, each at zero from the start so that `rate()` and alerts
/// see a series before the first run of a task ends.
const TASK_COUNTERS: [&str; 8] = [
    RUNS_STARTED,
    RUNS_RESUMED,
    RUNS_COMPLETED,
    RUNS_FAILED,
    RUNS_CANCELED,
    RUNS_RETRIED,
    RUNS_RELEASED,
    TAKEOVERS,
];

/// The run statuses the queue gauges count: the live ones. Finished runs are history,
/// not queue, and counting them would cost a scan of it.
const LIVE_STATUSES: [RunStatus; 3] = [RunStatus::Queued, RunStatus::Executing, RunStatus::Waiting];

/// HELP texts and units of the engine's metrics, for the installed recorder.
pub(crate) fn describe() {
    describe_counter!(
        RUNS_STARTED,
        Unit::Count,
        "Attempts begun by this worker: claims of queued runs, first tries and retries"
    );
    describe_counter!(
        RUNS_RESUMED,
        Unit::Count,
        "Parent runs this worker picked up again after their child run ended (the same attempt)"
    );
    describe_counter!(RUNS_COMPLETED, Unit::Count, "Runs completed by this worker");
    describe_counter!(
        RUNS_FAILED,
        Unit::Count,
        "Runs failed for good by this worker: task error, attempts spent, or a takeover of the last attempt"
    );
    describe_counter!(
        RUNS_CANCELED,
        Unit::Count,
        "Runs canceled while this worker executed them"
    );
    describe_counter!(
        RUNS_RETRIED,
        Unit::Count,
        "Attempts that failed with a retry scheduled (including takeovers with attempts left)"
    );
    describe_counter!(
        RUNS_RELEASED,
        Unit::Count,
        "Attempts given back without spending them (shutdown, a lost database connection)"
    );
    describe_counter!(
        TAKEOVERS,
        Unit::Count,
        "Runs whose lease had expired that this worker took over"
    );
    describe_counter!(
        DATABASE_RECONNECTS,
        Unit::Count,
        "Times this worker's passes got through again after failing (the database answers again)"
    );
    describe_histogram!(
        ATTEMPT_DURATION,
        Unit::Seconds,
        "Time an attempt held a worker slot, by task and how it ended"
    );
    describe_histogram!(
        RUN_DURATION,
        Unit::Seconds,
        "Time from a run's trigger to its end (completed or failed), queueing, retries and children included"
    );
    describe_gauge!(
        QUEUE_RUNS,
        Unit::Count,
        "Live runs by queue and status (queued, executing, waiting on a child), sampled every few seconds"
    );
    describe_gauge!(
        QUEUE_OLDEST_QUEUED_AGE,
        Unit::Seconds,
        "How long the longest-waiting due run of the queue has been due (0 when none waits)"
    );
    describe_counter!(
        LANES_REPAIRED,
        Unit::Count,
        "Lanes this worker's lane sweep found holding a queued run behind their head (stranded) and repaired; anything above 0 is a bug to report"
    );
    describe_gauge!(
        QUEUE_LANES_WITH_BACKLOG,
        Unit::Count,
        "Lanes (queue, concurrency key) with at least one due queued run"
    );
    describe_gauge!(
        QUEUE_PAUSED_LANES,
        Unit::Count,
        "Paused lanes (queue, concurrency key): their queued runs are not claimed"
    );
}

/// Starts the counters at zero: the tasks' and the reconnects.
pub(crate) fn register_tasks<'a>(task_ids: impl IntoIterator<Item = &'a str>) {
    counter!(DATABASE_RECONNECTS).absolute(0);
    for task in task_ids {
        for name in TASK_COUNTERS {
            counter!(name, "task" => task.to_owned()).absolute(0);
        }
    }
}

/// Starts the lane repair counter of each queue at zero.
pub(crate) fn register_queues(queues: &[String]) {
    for queue in queues {
        counter!(LANES_REPAIRED, "queue" => queue.clone()).absolute(0);
    }
}

/// The lane sweep repaired a stranded lane of `queue`.
pub(crate) fn lane_repaired(queue: &str) {
    counter!(LANES_REPAIRED, "queue" => queue.to_owned()).increment(1);
}

/// An attempt was handed to a slot.
pub(crate) fn attempt_started(task: &str, resumed: bool) {
    let name = if resumed { RUNS_RESUMED } else { RUNS_STARTED };
    counter!(name, "task" => task.to_owned()).increment(1);
}

/// An attempt's end took effect (committed by the pass, or fenced out as
/// `lease_lost`). `run_age` is the time since the run was triggered.
pub(crate) fn attempt_ended(
    task: &str,
    outcome: &AttemptOutcome,
    elapsed: Duration,
    run_age: Option<Duration>,
) {
    histogram!(ATTEMPT_DURATION, "task" => task.to_owned(), "outcome" => outcome.as_str())
        .record(elapsed.as_secs_f64());
    if let Some(name) = ended_counter(outcome) {
        counter!(name, "task" => task.to_owned()).increment(1);
    }
    if matches!(outcome, AttemptOutcome::Completed | AttemptOutcome::Failed)
        && let Some(age) = run_age
    {
        histogram!(RUN_DURATION, "task" => task.to_owned()).record(age.as_secs_f64());
    }
}

/// This worker took over an expired lease; `outcome` is what became of the run.
pub(crate) fn taken_over(task: &str, outcome: &AttemptOutcome) {
    counter!(TAKEOVERS, "task" => task.to_owned()).increment(1);
    if let Some(name) = ended_counter(outcome) {
        counter!(name, "task" => task.to_owned()).increment(1);
    }
}

/// A pass got through after one or more failed.
pub(crate) fn database_reconnected() {
    counter!(DATABASE_RECONNECTS).increment(1);
}

/// The time since `created_at`, for [`attempt_ended`].
pub(crate) fn age(created_at: DateTime<Utc>) -> Option<Duration> {
    (Utc::now() - created_at).to_std().ok()
}

fn ended_counter(outcome: &AttemptOutcome) -> Option<&'static str> {
    match outcome {
        AttemptOutcome::Completed => Some(RUNS_COMPLETED),
        AttemptOutcome::Failed => Some(RUNS_FAILED),
        AttemptOutcome::Canceled => Some(RUNS_CANCELED),
        AttemptOutcome::Retrying { .. } => Some(RUNS_RETRIED),
        AttemptOutcome::Released => Some(RUNS_RELEASED),
        // Parked on a child (it resumes later) or fenced out (the run is another
        // worker's now, which counts how it ends).
        AttemptOutcome::Waiting | AttemptOutcome::LeaseLost => None,
    }
}

/// Samples the queues every `every` (first at once) into the queue gauges, until the
/// handle is dropped. One cheap statement per sample, not per pass: see
/// [`db::queue::live_counts`]. A failed sample is logged at debug and skipped (the
/// worker's own passes report an unreachable database).
pub(crate) fn spawn_queue_sampler(pool: PgPool, queues: Vec<String>, every: Duration) -> Sampler {
    let handle = tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let stats = async {
                let mut conn = pool.acquire().await?;
                let live = db::queue::live_counts(&mut conn, &queues).await?;
                let paused = db::lane_pause::paused(&mut conn, &queues).await?;
                Ok::<_, sqlx::Error>((live, paused))
            }
            .await;
            match stats {
                Ok((stats, paused)) => {
                    for queue in &queues {
                        let n = paused.iter().filter(|p| &p.queue == queue).count();
                        gauge!(QUEUE_PAUSED_LANES, "queue" => queue.clone()).set(n as f64);
                    }
                    for s in stats {
                        let queue = s.queue;
                        let by_status = [s.queued, s.executing, s.waiting];
                        for (status, n) in LIVE_STATUSES.into_iter().zip(by_status) {
                            gauge!(QUEUE_RUNS, "queue" => queue.clone(), "status" => status.as_str())
                                .set(n as f64);
                        }
                        gauge!(QUEUE_OLDEST_QUEUED_AGE, "queue" => queue.clone())
                            .set(s.oldest_queued_secs);
                        gauge!(QUEUE_LANES_WITH_BACKLOG, "queue" => queue)
                            .set(s.lanes_with_backlog as f64);
                    }
                }
                Err(e) => {
                    tracing::debug!(error = %crate::redact::log_text(&e), "queue sample failed");
                }
            }
        }
    });
    Sampler(handle)
}

/// The queue sampler's task, stopped when dropped.
pub(crate) struct Sampler(JoinHandle<()>);

impl Drop for Sampler {
    fn drop(&mut self) {
        self.0.abort();
    }
}
