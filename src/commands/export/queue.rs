//! `export queue`: the state of the run queue at a glance — the operator's first
//! question about any queue. Per queue: runs by status, the backlog (due runs) and
//! how long its head has waited; then the lanes with a backlog, the live leases
//! (which worker, since when, until when) and the retries scheduled.
//!
//! Everything is read in one snapshot, so counts, lists and ages agree. Tables show
//! ages relative to now (kubectl's AGE, [`layout::age`]); `--json` gives absolute
//! RFC 3339 times and ages in whole seconds. The shape is documented in the README.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use comfy_table::Cell;
use serde::Serialize;
use serde_json::Value;

use crate::cli::export::QueueArgs;
use crate::context::Context;
use crate::db::lane_pause::LanePause;
use crate::db::queue::{LaneBacklog, Lease, QueueCounts, ScheduledRetry};
use crate::db::schedules::ScheduleRow;
use crate::db::{self, DbError};
use crate::exports::task::{EMAIL_QUEUE, EXPORT_QUEUE};
use crate::exports::view::timestamp;
use crate::layout::{self, Column};

/// The whole report, as `--json` prints it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct QueueReport {
    now: String,
    queues: Vec<QueueView>,
    lanes: Vec<LaneView>,
    leases: Vec<LeaseView>,
    retries: Vec<RetryView>,
    /// Paused lanes: their queued runs are not claimed until resumed.
    paused_lanes: Vec<PausedView>,
    /// The next due schedule tick, if any schedule is active.
    next_schedule_tick: Option<NextTickView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PausedView {
    queue: String,
    concurrency_key: String,
    paused_at: String,
    paused_by: Option<String>,
    reason: Option<String>,
    queued: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct NextTickView {
    schedule_id: String,
    organization_id: String,
    tick_at: String,
    /// Negative when the tick is overdue (no worker has fired it yet).
    in_seconds: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct QueueView {
    queue: String,
    runs: StatusCounts,
    due: i64,
    retries_scheduled: i64,
    lanes_with_backlog: i64,
    oldest_queued_at: Option<String>,
    oldest_queued_age_seconds: Option<i64>,
}

#[derive(Debug, Default, Serialize)]
struct StatusCounts {
    queued: i64,
    executing: i64,
    waiting: i64,
    completed: i64,
    /// Completed exports whose file `export prune` deleted (not in `completed`).
    expired: i64,
    failed: i64,
    canceled: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LaneView {
    queue: String,
    concurrency_key: String,
    running: i32,
    concurrency_limit: i32,
    due: i64,
    oldest_queued_at: String,
    oldest_queued_age_seconds: i64,
    /// Due runs sit behind the lane's head, where no claim reaches them.
    stranded: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LeaseView {
    run_id: String,
    task_id: String,
    queue: String,
    concurrency_key: String,
    worker: String,
    attempt: i32,
    max_attempts: i32,
    leased_at: Option<String>,
    expires_at: String,
    /// Past its expiry: the next worker pass takes the run over.
    expired: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RetryView {
    run_id: String,
    task_id: String,
    queue: String,
    concurrency_key: String,
    attempt: i32,
    max_attempts: i32,
    next_attempt_at: String,
    error: Option<Value>,
}

pub(crate) async fn run(args: QueueArgs, ctx: &Context) -> anyhow::Result<()> {
    let limit = i64::from(args.limit);
    let (pool, _session) = ctx.tenant_pool(1).await?;
    let report = read(&pool, limit)
        .await
        .map_err(DbError::from)
        .context("cannot read the run queue")?;
    pool.close().await;
    if ctx.json {
        return ctx.print_json(&report.view());
    }
    print(ctx, &report)
}

/// What one snapshot of the queue holds.
struct Report {
    now: DateTime<Utc>,
    counts: Vec<QueueCounts>,
    lanes: Vec<LaneBacklog>,
    leases: Vec<Lease>,
    retries: Vec<ScheduledRetry>,
    paused: Vec<LanePause>,
    next_tick: Option<ScheduleRow>,
}

async fn read(pool: &sqlx::PgPool, limit: i64) -> Result<Report, sqlx::Error> {
    let mut tx = db::queue::snapshot(pool).await?;
    let now = db::queue::now(&mut tx).await?;
    let mut counts = db::queue::counts(&mut tx).await?;
    let lanes = db::queue::lanes_with_backlog(&mut tx, limit).await?;
    let leases = db::queue::leases(&mut tx, limit).await?;
    let retries = db::queue::scheduled_retries(&mut tx, limit).await?;
    let queues = [EMAIL_QUEUE.name.to_owned(), EXPORT_QUEUE.name.to_owned()];
    let paused = db::lane_pause::paused(&mut tx, &queues).await?;
    let next_tick = db::schedules::next_due(&mut tx).await?;
    tx.commit().await?;
    // The queues invoicectl declares are always shown, empty or not.
    for name in [EMAIL_QUEUE.name, EXPORT_QUEUE.name] {
        if !counts.iter().any(|c| c.queue == name) {
            counts.push(QueueCounts::empty(name));
        }
    }
    counts.sort_by(|a, b| a.queue.cmp(&b.queue));
    Ok(Report {
        now,
        counts,
        lanes,
        leases,
        retries,
        paused,
        next_tick,
    })
}

impl Report {
    fn age(&self, since: DateTime<Utc>) -> i64 {
        (self.now - since).num_seconds().max(0)
    }

    fn view(&self) -> QueueReport {
        QueueReport {
            now: timestamp(&self.now),
            queues: self
                .counts
                .iter()
                .map(|c| QueueView {
                    queue: c.queue.clone(),
                    runs: StatusCounts {
                        queued: c.queued,
                        executing: c.executing,
                        waiting: c.waiting,
                        completed: c.completed,
                        expired: c.expired,
                        failed: c.failed,
                        canceled: c.canceled,
                    },
                    due: c.due,
                    retries_scheduled: c.retries_scheduled,
                    lanes_with_backlog: c.lanes_with_backlog,
                    oldest_queued_at: c.oldest_due_at.as_ref().map(timestamp),
                    oldest_queued_age_seconds: c.oldest_due_at.map(|t| self.age(t)),
                })
                .collect(),
            lanes: self
                .lanes
                .iter()
                .map(|l| LaneView {
                    queue: l.queue.clone(),
                    concurrency_key: l.concurrency_key.clone(),
                    running: l.running,
                    concurrency_limit: l.concurrency_limit,
                    due: l.due,
                    oldest_queued_at: timestamp(&l.oldest_due_at),
                    oldest_queued_age_seconds: self.age(l.oldest_due_at),
                    stranded: l.stranded,
                })
                .collect(),
            leases: self
                .leases
                .iter()
                .map(|l| LeaseView {
                    run_id: l.run_id.clone(),
                    task_id: l.task_id.clone(),
                    queue: l.queue.clone(),
                    concurrency_key: l.concurrency_key.clone(),
                    worker: l.worker.clone(),
                    attempt: l.attempt,
                    max_attempts: l.max_attempts,
                    leased_at: l.leased_at.as_ref().map(timestamp),
                    expires_at: timestamp(&l.expires_at),
                    expired: l.expires_at < self.now,
                })
                .collect(),
            retries: self
                .retries
                .iter()
                .map(|r| RetryView {
                    run_id: r.run_id.clone(),
                    task_id: r.task_id.clone(),
                    queue: r.queue.clone(),
                    concurrency_key: r.concurrency_key.clone(),
                    attempt: r.attempt,
                    max_attempts: r.max_attempts,
                    next_attempt_at: timestamp(&r.next_attempt_at),
                    error: r.error.clone(),
                })
                .collect(),
            paused_lanes: self
                .paused
                .iter()
                .map(|p| PausedView {
                    queue: p.queue.clone(),
                    concurrency_key: p.concurrency_key.clone(),
                    paused_at: timestamp(&p.paused_at),
                    paused_by: p.paused_by.clone(),
                    reason: p.reason.clone(),
                    queued: p.queued,
                })
                .collect(),
            next_schedule_tick: self.next_tick.as_ref().map(|t| NextTickView {
                schedule_id: t.id.clone(),
                organization_id: t.organization_id.clone(),
                tick_at: timestamp(&t.next_tick_at),
                in_seconds: (t.next_tick_at - self.now).num_seconds(),
            }),
        }
    }
}

impl QueueCounts {
    fn empty(queue: &str) -> QueueCounts {
        QueueCounts {
            queue: queue.to_owned(),
            queued: 0,
            executing: 0,
            waiting: 0,
            completed: 0,
            expired: 0,
            failed: 0,
            canceled: 0,
            due: 0,
            retries_scheduled: 0,
            oldest_due_at: None,
            lanes_with_backlog: 0,
        }
    }
}

/// The human report: runs by status and the backlog per queue, then one section per
/// list, each saying so when it is empty and when `--limit` cut it short. Statuses
/// and the backlog are two tables so that each fits an 80-column terminal.
fn print(ctx: &Context, report: &Report) -> anyhow::Result<()> {
    let now = report.now;
    let count = |n: i64| Cell::new(layout::thousands(n.unsigned_abs()));
    let waited = |t: Option<DateTime<Utc>>| {
        Cell::new(t.map_or_else(|| "-".to_owned(), |t| layout::age(&t, now)))
    };

    let mut out = String::from("runs by status:\n");
    let rows = report
        .counts
        .iter()
        .map(|c| {
            vec![
                Cell::new(&c.queue),
                count(c.queued),
                count(c.executing),
                count(c.waiting),
                count(c.completed),
                count(c.expired),
                count(c.failed),
                count(c.canceled),
            ]
        })
        .collect();
    let statuses = ctx.fitted_table(
        &[
            Column::keep("QUEUE"),
            Column::keep("QUEUED"),
            Column::keep("EXECUTING"),
            Column::keep("WAITING"),
            Column::ranked("COMPLETED", 1),
            Column::ranked("EXPIRED", 3),
            Column::keep("FAILED"),
            Column::ranked("CANCELED", 2),
        ],
        rows,
    );
    out.push_str(&statuses.to_string());

    out.push_str("\n\nbacklog:\n");
    let rows = report
        .counts
        .iter()
        .map(|c| {
            vec![
                Cell::new(&c.queue),
                count(c.due),
                waited(c.oldest_due_at),
                count(c.lanes_with_backlog),
                count(c.retries_scheduled),
            ]
        })
        .collect();
    let backlog = ctx.fitted_table(
        &[
            Column::keep("QUEUE"),
            Column::keep("DUE NOW"),
            Column::keep("OLDEST WAITING"),
            Column::ranked("LANES WAITING", 1),
            Column::ranked("RETRIES SCHEDULED", 2),
        ],
        rows,
    );
    out.push_str(&backlog.to_string());

    let total_lanes: i64 = report.counts.iter().map(|c| c.lanes_with_backlog).sum();
    out.push_str("\n\nlanes with a backlog");
    if report.lanes.is_empty() {
        out.push_str(": none");
    } else {
        out.push_str(&shown_of(report.lanes.len(), total_lanes));
        let rows = report
            .lanes
            .iter()
            .map(|l| {
                vec![
                    Cell::new(&l.queue),
                    Cell::new(key(&l.concurrency_key)),
                    Cell::new(format!("{}/{}", l.running, l.concurrency_limit)),
                    count(l.due),
                    waited(Some(l.oldest_due_at)),
                ]
            })
            .collect();
        let lanes = ctx.fitted_table(
            &[
                Column::keep("QUEUE"),
                Column::keep("KEY"),
                Column::keep("RUNNING"),
                Column::keep("DUE NOW"),
                Column::keep("OLDEST WAITING"),
            ],
            rows,
        );
        out.push_str(&lanes.to_string());
        let stranded: Vec<String> = report
            .lanes
            .iter()
            .filter(|l| l.stranded)
            .map(|l| format!("{} {}", l.queue, key(&l.concurrency_key)))
            .collect();
        if !stranded.is_empty() {
            out.push_str(&format!(
                "\nSTRANDED (due runs behind the lane's head, no claim reaches them; a \
                 worker's lane sweep repairs them within 30 s — please report it): {}",
                stranded.join(", ")
            ));
        }
    }

    let total_leases: i64 = report.counts.iter().map(|c| c.executing).sum();
    out.push_str("\n\nlive leases");
    if report.leases.is_empty() {
        out.push_str(": none");
    } else {
        out.push_str(&shown_of(report.leases.len(), total_leases));
        let rows = report
            .leases
            .iter()
            .map(|l| {
                let expires = if l.expires_at < now {
                    format!("expired {} ago", layout::age(&l.expires_at, now))
                } else {
                    format!("in {}", layout::age(&now, l.expires_at))
                };
                vec![
                    Cell::new(&l.run_id),
                    Cell::new(&l.queue),
                    Cell::new(key(&l.concurrency_key)),
                    Cell::new(&l.worker),
                    Cell::new(format!("{}/{}", l.attempt, l.max_attempts)),
                    waited(l.leased_at),
                    Cell::new(expires),
                ]
            })
            .collect();
        let leases = ctx.fitted_table(
            &[
                Column::keep("RUN ID"),
                Column::ranked("QUEUE", 5),
                Column::ranked("KEY", 1),
                Column::keep("WORKER"),
                Column::ranked("ATTEMPT", 4),
                Column::ranked("HELD FOR", 3),
                Column::ranked("EXPIRES", 2),
            ],
            rows,
        );
        out.push_str(&leases.to_string());
    }

    let total_retries: i64 = report.counts.iter().map(|c| c.retries_scheduled).sum();
    out.push_str("\n\nretries scheduled");
    if report.retries.is_empty() {
        out.push_str(": none");
    } else {
        out.push_str(&shown_of(report.retries.len(), total_retries));
        let rows = report
            .retries
            .iter()
            .map(|r| {
                vec![
                    Cell::new(&r.run_id),
                    Cell::new(&r.queue),
                    Cell::new(key(&r.concurrency_key)),
                    Cell::new(format!("{}/{}", r.attempt, r.max_attempts)),
                    Cell::new(format!("in {}", layout::age(&now, r.next_attempt_at))),
                    Cell::new(r.error.as_ref().map_or_else(String::new, error_line)),
                ]
            })
            .collect();
        let retries = ctx.fitted_table(
            &[
                Column::keep("RUN ID"),
                Column::ranked("QUEUE", 4),
                Column::ranked("KEY", 1),
                Column::ranked("ATTEMPTS", 3),
                Column::keep("NEXT ATTEMPT"),
                Column::cut("LAST ERROR", 2),
            ],
            rows,
        );
        out.push_str(&retries.to_string());
    }

    out.push_str("\n\npaused lanes");
    if report.paused.is_empty() {
        out.push_str(": none");
    } else {
        out.push_str(":\n");
        let rows = report
            .paused
            .iter()
            .map(|p| {
                vec![
                    Cell::new(&p.queue),
                    Cell::new(key(&p.concurrency_key)),
                    Cell::new(p.paused_by.as_deref().unwrap_or("-")),
                    Cell::new(format!("{} ago", layout::age(&p.paused_at, now))),
                    count(p.queued),
                    Cell::new(p.reason.as_deref().unwrap_or("-")),
                ]
            })
            .collect();
        let paused = ctx.fitted_table(
            &[
                Column::keep("QUEUE"),
                Column::keep("KEY"),
                Column::ranked("BY", 2),
                Column::keep("PAUSED"),
                Column::keep("QUEUED"),
                Column::cut("REASON", 1),
            ],
            rows,
        );
        out.push_str(&paused.to_string());
    }

    out.push_str("\n\nnext schedule tick: ");
    match &report.next_tick {
        None => out.push_str("none (no active schedule)"),
        Some(t) if t.next_tick_at <= now => out.push_str(&format!(
            "{} of {} at {} (due {} ago: fired by the next worker pass)",
            t.id,
            t.organization_id,
            timestamp(&t.next_tick_at),
            layout::age(&t.next_tick_at, now)
        )),
        Some(t) => out.push_str(&format!(
            "{} of {} at {} (in {})",
            t.id,
            t.organization_id,
            timestamp(&t.next_tick_at),
            layout::age(&now, t.next_tick_at)
        )),
    }
    ctx.println(&out)
}

/// The heading's tail before a table: `:` or, when `--limit` cut the list short,
/// how many of how many are shown.
fn shown_of(shown: usize, total: i64) -> String {
    if (shown as i64) < total {
        format!(" ({shown} of {total}; --limit N shows more):\n")
    } else {
        ":\n".to_owned()
    }
}

/// A lane's concurrency key; an unkeyed lane (one lane for the whole queue) is `-`.
fn key(k: &str) -> String {
    if k.is_empty() {
        "-".to_owned()
    } else {
        k.to_owned()
    }
}

/// `code: message` of a run error, on one line.
fn error_line(error: &Value) -> String {
    let code = error.get("code").and_then(Value::as_str).unwrap_or("error");
    let message = error.get("message").and_then(Value::as_str).unwrap_or("");
    let line = format!("{code}: {message}");
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}
