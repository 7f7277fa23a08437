//! Read-only queries behind `export queue`: what the run queue holds right now, per
//! queue and per lane, who holds leases and which retries are scheduled; and
//! [`live_counts`], the part of it a worker serving metrics samples every few seconds.
//!
//! Each list is bounded by a limit and read from the partial indexes over queued and
//! executing runs, so a large backlog costs a bounded answer; only the per-status
//! counts read every run (the finished history is bounded by retention).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

/// One queue's runs by status, and how its queued runs split between due now and
/// scheduled later.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct QueueCounts {
    pub queue: String,
    pub queued: i64,
    pub executing: i64,
    pub waiting: i64,
    /// Completed runs whose output is still there (not expired).
    pub completed: i64,
    /// Completed runs whose stored output was deleted since (`metadata.expiredAt`,
    /// set by [`super::runs::expire_output`]: an export `export prune` expired).
    pub expired: i64,
    pub failed: i64,
    pub canceled: i64,
    /// Queued runs whose time has come (`run_at <= now()`): the backlog.
    pub due: i64,
    /// Queued runs waiting out the backoff after a failed or lost attempt.
    pub retries_scheduled: i64,
    /// The oldest `run_at` among due runs: since when the backlog's head has waited.
    pub oldest_due_at: Option<DateTime<Utc>>,
    /// Lanes (concurrency keys) holding at least one due run.
    pub lanes_with_backlog: i64,
}

/// A read-only REPEATABLE READ transaction: every query below then sees the same
/// snapshot and the same `now()` (the transaction's start), so the counts, lists and
/// ages of one report agree with each other.
pub(crate) async fn snapshot(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The database's clock (inside [`snapshot`], the time every filter used).
pub(crate) async fn now(conn: &mut PgConnection) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar("SELECT now()").fetch_one(conn).await
}

/// Runs per queue and status, in queue order (queues with no runs are absent).
pub(crate) async fn counts(conn: &mut PgConnection) -> Result<Vec<QueueCounts>, sqlx::Error> {
    sqlx::query_as(
        "SELECT queue,
                count(*) FILTER (WHERE status = 'queued') AS queued,
                count(*) FILTER (WHERE status = 'executing') AS executing,
                count(*) FILTER (WHERE status = 'waiting') AS waiting,
                count(*) FILTER (WHERE status = 'completed' AND NOT metadata ? 'expiredAt')
                    AS completed,
                count(*) FILTER (WHERE status = 'completed' AND metadata ? 'expiredAt') AS expired,
                count(*) FILTER (WHERE status = 'failed') AS failed,
                count(*) FILTER (WHERE status = 'canceled') AS canceled,
                count(*) FILTER (WHERE status = 'queued' AND run_at <= now()) AS due,
                count(*) FILTER (WHERE status = 'queued' AND (attempt > 0 OR lost_attempts > 0) AND run_at > now())
                    AS retries_scheduled,
                min(run_at) FILTER (WHERE status = 'queued' AND run_at <= now()) AS oldest_due_at,
                count(DISTINCT concurrency_key)
                    FILTER (WHERE status = 'queued' AND run_at <= now()) AS lanes_with_backlog
         FROM run
         GROUP BY queue
         ORDER BY queue",
    )
    .fetch_all(conn)
    .await
}

/// The live state of one queue, for the worker's metrics gauges.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LiveCounts {
    pub queue: String,
    pub queued: i64,
    pub executing: i64,
    /// Parents parked on a child run.
    pub waiting: i64,
    /// Lanes whose oldest queued run is due.
    pub lanes_with_backlog: i64,
    /// How long the queue's longest-waiting due run has been due; 0 when none is.
    pub oldest_queued_secs: f64,
}

/// One row per queue in `queues` (zeros for an idle one), in queue order: the live
/// part of `counts` (same definitions of due, oldest and backlog), for a worker
/// that samples it every few seconds. So unlike `counts` it never reads the
/// finished history: queued and executing runs are counted on their partial indexes;
/// a lane's head is one probe of `run_lane_head` (the lane's `head_at` is only a
/// cursor at or before it, so it cannot serve as the age); and waiting runs are the
/// lanes' holders less the executing runs (a run holds its lane while executing or
/// waiting), as no index covers `waiting` alone.
pub async fn live_counts(
    conn: &mut PgConnection,
    queues: &[String],
) -> Result<Vec<LiveCounts>, sqlx::Error> {
    sqlx::query_as(
        "WITH lanes AS (
            SELECT l.queue, l.running, h.run_at AS head
            FROM run_lane l
            LEFT JOIN LATERAL (
                SELECT r.run_at FROM run r
                WHERE l.head_at IS NOT NULL AND r.status = 'queued'
                  AND r.queue = l.queue AND r.concurrency_key = l.concurrency_key
                ORDER BY r.run_at, r.id
                LIMIT 1
            ) h ON true
            WHERE l.queue = ANY($1)
         ),
         counts AS (
            SELECT q.queue,
                   (SELECT count(*) FROM run r WHERE r.status = 'queued' AND r.queue = q.queue)
                       AS queued,
                   (SELECT count(*) FROM run r WHERE r.status = 'executing' AND r.queue = q.queue)
                       AS executing,
                   (SELECT coalesce(sum(l.running), 0) FROM lanes l WHERE l.queue = q.queue)
                       AS holding,
                   (SELECT count(*) FROM lanes l WHERE l.queue = q.queue AND l.head <= now())
                       AS lanes_with_backlog,
                   (SELECT min(l.head) FROM lanes l WHERE l.queue = q.queue AND l.head <= now())
                       AS oldest
            FROM unnest($1::text[]) AS q(queue)
         )
         SELECT queue, queued, executing,
                greatest(holding - executing, 0)::bigint AS waiting,
                lanes_with_backlog,
                coalesce(extract(epoch FROM now() - oldest), 0)::float8 AS oldest_queued_secs
         FROM counts
         ORDER BY queue",
    )
    .bind(queues)
    .fetch_all(conn)
    .await
}

/// A lane with due runs waiting in it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct LaneBacklog {
    pub queue: String,
    pub concurrency_key: String,
    pub concurrency_limit: i32,
    /// Runs holding a slot of the lane (executing, or waiting on a child).
    pub running: i32,
    pub due: i64,
    pub oldest_due_at: DateTime<Utc>,
    /// A queued run of the lane sorts before the lane's head (or the lane has no
    /// head, or no row): no claim reaches it until the lane sweep repairs the head.
    pub stranded: bool,
}

/// The lanes with due runs, the longest-waiting head first, at most `limit`.
pub(crate) async fn lanes_with_backlog(
    conn: &mut PgConnection,
    limit: i64,
) -> Result<Vec<LaneBacklog>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.queue, r.concurrency_key,
                coalesce(l.concurrency_limit, 1) AS concurrency_limit,
                coalesce(l.running, 0) AS running,
                count(*) AS due,
                min(r.run_at) AS oldest_due_at,
                bool_or(l.queue IS NULL OR l.head_at IS NULL
                        OR (r.run_at, r.id) < (l.head_at, coalesce(l.head_id, ''))) AS stranded
         FROM run r
         LEFT JOIN run_lane l ON l.queue = r.queue AND l.concurrency_key = r.concurrency_key
         WHERE r.status = 'queued' AND r.run_at <= now()
         GROUP BY r.queue, r.concurrency_key, l.concurrency_limit, l.running
         ORDER BY min(r.run_at), r.queue, r.concurrency_key
         LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// A lease on an executing run: which worker holds it, since when, until when.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Lease {
    pub run_id: String,
    pub task_id: String,
    pub queue: String,
    pub concurrency_key: String,
    pub worker: String,
    pub attempt: i32,
    pub max_attempts: i32,
    /// When this worker took the run (NULL for leases taken before the column existed).
    pub leased_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
}

/// The leases of executing runs, the soonest to expire first (an expired one, which
/// the next worker pass takes over, comes before all), at most `limit`.
pub(crate) async fn leases(conn: &mut PgConnection, limit: i64) -> Result<Vec<Lease>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id AS run_id, task_id, queue, concurrency_key,
                coalesce(lease_owner, '') AS worker, attempt, max_attempts, leased_at,
                lease_expires_at AS expires_at
         FROM run
         WHERE status = 'executing' AND lease_expires_at IS NOT NULL
         ORDER BY lease_expires_at, id
         LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// A run waiting for its next attempt after a failed or lost one.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub(crate) struct ScheduledRetry {
    pub run_id: String,
    pub task_id: String,
    pub queue: String,
    pub concurrency_key: String,
    /// Attempts spent so far; the next one is `attempt + 1`.
    pub attempt: i32,
    pub max_attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    /// What ended the last attempt (`{"code","message",…}`).
    pub error: Option<Value>,
}

/// The retries whose time is still ahead, the soonest first, at most `limit`.
pub(crate) async fn scheduled_retries(
    conn: &mut PgConnection,
    limit: i64,
) -> Result<Vec<ScheduledRetry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id AS run_id, task_id, queue, concurrency_key, attempt, max_attempts,
                run_at AS next_attempt_at, error
         FROM run
         WHERE status = 'queued' AND (attempt > 0 OR lost_attempts > 0) AND run_at > now()
         ORDER BY run_at, id
         LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}
