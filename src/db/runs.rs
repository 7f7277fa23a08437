//! Queries on the run queue: `run`, and `run_lane`, whose counters and heads every
//! trigger, claim, finish and cancel moves in the same transaction as the runs.
//!
//! The head invariant: every queued run of a lane sorts at or after the lane's head
//! cursor `(head_at, head_id)`, which is never NULL while the lane holds a queued
//! run. A trigger or a requeue only ever moves the head back (under the lane's row
//! lock, against its newest version). Only a claim or a cancel moves it forward, and
//! only from a statement whose snapshot was taken after the lane was locked (see
//! [`claim`]). Any path that makes a run queued writes its lane row in the same
//! transaction, so a claim that cannot see the run yet finds the lane locked by that
//! transaction (and skips it), or holds the lane first and makes that transaction
//! wait and compare its run with the new head. The engine's lane sweep
//! (`engine::lane_sweep`) checks the invariant and repairs a lane that breaks it.
//!
//! Every write by a running attempt is fenced by its lease token and `status =
//! 'executing'`, so a worker that lost its lease (or whose run was canceled) can no
//! longer change it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgConnection;

use crate::ids::RunId;

/// A run's lifecycle, spelled as `run.status` stores it (the table's
/// CHECK lists the same six). Decoding any other value is an error, never a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum RunStatus {
    Queued,
    Executing,
    Waiting,
    Completed,
    Failed,
    Canceled,
}

impl RunStatus {
    pub(crate) const ALL: [RunStatus; 6] = [
        RunStatus::Queued,
        RunStatus::Executing,
        RunStatus::Waiting,
        RunStatus::Completed,
        RunStatus::Failed,
        RunStatus::Canceled,
    ];

    /// The stored (and printed) spelling; the serde and sqlx derives spell it the
    /// same way (a unit test holds them together).
    pub const fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Executing => "executing",
            RunStatus::Waiting => "waiting",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Canceled => "canceled",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunStatus::Completed | RunStatus::Failed | RunStatus::Canceled
        )
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A run row, as status readers see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRecord {
    pub id: RunId,
    pub task_id: String,
    pub payload: Value,
    pub queue: String,
    pub concurrency_key: String,
    pub status: RunStatus,
    pub attempt: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub parent_run_id: Option<RunId>,
    pub waiting_on_run_id: Option<RunId>,
    pub metadata: Value,
    pub output: Option<Value>,
    pub error: Option<Value>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl RunRecord {
    pub fn status(&self) -> RunStatus {
        self.status
    }

    /// When the next attempt is due, for a run waiting to be (re)tried.
    pub(crate) fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.status == RunStatus::Queued).then_some(self.run_at)
    }
}

pub(crate) const RUN_COLUMNS: &str =
    "id, task_id, payload, queue, concurrency_key, status, attempt, max_attempts, run_at,
     lease_owner, lease_expires_at, parent_run_id, waiting_on_run_id, metadata, output, error, tags,
     created_at, started_at, finished_at";

/// The NOTIFY channel workers LISTEN on.
pub(crate) const WAKE_CHANNEL: &str = "invoicectl_runs";

/// A new run to insert.
#[derive(Debug, Clone)]
pub(crate) struct NewRun<'a> {
    pub id: &'a RunId,
    pub task_id: &'a str,
    pub payload: &'a Value,
    pub queue: &'a str,
    pub concurrency_key: &'a str,
    /// The queue's per-key limit, for the lane row.
    pub concurrency_limit: i32,
    pub max_attempts: i32,
    pub run_at: Option<DateTime<Utc>>,
    pub idempotency_key: Option<&'a str>,
    pub idempotency_ttl_secs: Option<f64>,
    pub parent_run_id: Option<&'a RunId>,
    pub max_duration_ms: Option<i64>,
    pub tags: &'a [String],
}

/// Releases a live key whose TTL ran out, so the insert below can take it.
pub(crate) async fn release_expired_key(
    conn: &mut PgConnection,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE run SET released_idempotency_key = idempotency_key, idempotency_key = NULL
         WHERE idempotency_key = $1 AND idempotency_key_expires_at <= now()",
    )
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that a completed run's stored output is gone (`metadata.expiredAt`: an
/// export whose file `export prune` deleted) and releases its idempotency key, so
/// that the same request again makes a new run instead of returning one whose
/// result no longer exists — as a failed or canceled run releases its key.
///
/// The time is the transaction's `now()`, the same the export row gets when both are
/// written in one transaction.
pub(crate) async fn expire_output(
    conn: &mut PgConnection,
    run_id: &RunId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE run SET metadata = metadata || jsonb_build_object('expiredAt',
                            to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')),
                        released_idempotency_key = coalesce(idempotency_key, released_idempotency_key),
                        idempotency_key = NULL
         WHERE id = $1 AND status = 'completed'",
    )
    .bind(run_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts the run unless its idempotency key is live, and in the same statement
/// makes sure its lane exists and knows the run's due time, and NOTIFYs the workers:
/// one round trip per trigger. Returns whether the run was inserted. Race-proof: the
/// unique index decides, ON CONFLICT yields.
///
/// The statement is the SQL function `run_insert` (migrations), so that the export
/// request function inserts runs exactly as the engine does, and so that a worker
/// login needs no INSERT privilege on `run`: it may add a child to a run that is
/// executing, and nothing else.
pub(crate) async fn insert(conn: &mut PgConnection, run: &NewRun<'_>) -> Result<bool, sqlx::Error> {
    let inserted: bool = sqlx::query_scalar(
        "SELECT run_insert($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(run.id)
    .bind(run.task_id)
    .bind(run.payload)
    .bind(run.queue)
    .bind(run.concurrency_key)
    .bind(run.max_attempts)
    .bind(run.run_at)
    .bind(run.idempotency_key)
    .bind(run.idempotency_ttl_secs)
    .bind(run.parent_run_id)
    .bind(run.max_duration_ms)
    .bind(run.tags)
    .bind(run.concurrency_limit)
    .bind(WAKE_CHANNEL)
    .fetch_one(conn)
    .await?;
    Ok(inserted)
}

/// The run holding a live key.
pub(crate) async fn find_by_key(
    conn: &mut PgConnection,
    key: &str,
) -> Result<Option<(RunId, RunStatus)>, sqlx::Error> {
    sqlx::query_as("SELECT id, status FROM run WHERE idempotency_key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await
}

/// A run a worker has just claimed (or resumed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedRun {
    pub id: RunId,
    pub task_id: String,
    pub payload: Value,
    pub queue: String,
    pub concurrency_key: String,
    pub attempt: i32,
    pub max_attempts: i32,
    pub lease_token: String,
    pub metadata: Value,
    pub parent_run_id: Option<RunId>,
    pub max_duration_ms: Option<i64>,
    pub started_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The run's durable steps so far (a JSON array of `run_step` rows), read in the
    /// claim itself so that starting an attempt costs no extra round trip.
    pub steps: Value,
    /// The run's idempotency key, live or released (children derive ids from it).
    pub idempotency_key: Option<String>,
}

const CLAIMED_COLUMNS: &str =
    "id, task_id, payload, queue, concurrency_key, attempt, max_attempts, lease_token,
     metadata, parent_run_id, max_duration_ms, started_at, created_at,
     (SELECT coalesce(jsonb_agg(jsonb_build_object('name', s.name, 'output', s.output,
                                                   'checkpoint', s.checkpoint,
                                                   'completed', s.completed_at IS NOT NULL)), '[]'::jsonb)
      FROM run_step s WHERE s.run_id = id) AS steps,
     coalesce(idempotency_key, released_idempotency_key) AS idempotency_key";

/// Resumes parents whose child ended. They still hold their lane (a waiting run keeps
/// its slot), so no lane is touched and no attempt is spent.
pub(crate) async fn resume_waiting(
    conn: &mut PgConnection,
    owner: &str,
    limit: i64,
    lease_secs: f64,
    queues: &[String],
) -> Result<Vec<ClaimedRun>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE run SET status = 'executing', lease_owner = $1, lease_token = gen_random_uuid()::text,
                lease_expires_at = now() + make_interval(secs => $3), leased_at = now(),
                updated_at = now()
         WHERE id IN (SELECT id FROM run
                      WHERE status = 'waiting' AND waiting_on_run_id IS NULL AND run_at <= now()
                        AND queue = ANY($4)
                      ORDER BY run_at
                      LIMIT $2
                      FOR UPDATE SKIP LOCKED)
         RETURNING {CLAIMED_COLUMNS}"
    ))
    .bind(owner)
    .bind(limit)
    .bind(lease_secs)
    .bind(queues)
    .fetch_all(conn)
    .await
}

/// Claims up to `limit` due runs, at most one per lane, from the lanes whose head
/// has waited longest, skipping paused lanes (see `db::lane_pause`); run it inside
/// the caller's transaction (the lane locks must
/// last until the commit).
///
/// Two statements, because of READ COMMITTED: the first locks the ready lanes (SKIP
/// LOCKED), the second picks their runs, raises their `running` counters and moves
/// their heads. The second statement's snapshot is taken after the lanes are locked,
/// so every run whose trigger committed before then is visible to it, and a trigger
/// that has not committed yet has not touched the lane either (the lane is ours, or
/// it was locked and skipped): it waits for our commit and then compares its run with
/// the head we set. In one statement the snapshot predates the lock: a run whose
/// trigger committed in between was invisible to the head search, which moved the
/// head past it (or to NULL) and stranded it for good.
///
/// The CHECK on `run_lane` makes PostgreSQL refuse any claim beyond a queue's limit.
/// Only partial indexes over queued runs and ready lanes are read, so the cost does
/// not grow with finished runs.
pub async fn claim(
    conn: &mut PgConnection,
    owner: &str,
    limit: i64,
    lease_secs: f64,
    queues: &[String],
) -> Result<Vec<ClaimedRun>, sqlx::Error> {
    let lanes: Vec<(String, String)> = sqlx::query_as(
        "SELECT queue, concurrency_key
         FROM run_lane
         WHERE head_at <= now() AND running < concurrency_limit AND queue = ANY($2)
           AND paused_at IS NULL
         ORDER BY head_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .bind(queues)
    .fetch_all(&mut *conn)
    .await?;
    if lanes.is_empty() {
        return Ok(Vec::new());
    }
    let (lane_queues, lane_keys): (Vec<String>, Vec<String>) = lanes.into_iter().unzip();
    claim_in_locked_lanes(conn, owner, lease_secs, &lane_queues, &lane_keys).await
}

/// The second statement of [`claim`]: in lanes this transaction has locked, claims
/// each lane's first due run and gives every lane a fresh head (this also heals a
/// head left on a run that is no longer queued). The lane rows cannot change under
/// it, so their head and counter are read plainly.
async fn claim_in_locked_lanes(
    conn: &mut PgConnection,
    owner: &str,
    lease_secs: f64,
    lane_queues: &[String],
    lane_keys: &[String],
) -> Result<Vec<ClaimedRun>, sqlx::Error> {
    sqlx::query_as(&format!(
        "WITH lanes AS (
            SELECT l.queue, l.concurrency_key, l.head_at, coalesce(l.head_id, '') AS head_id
            FROM unnest($3::text[], $4::text[]) AS t(queue, concurrency_key)
            JOIN run_lane l ON l.queue = t.queue AND l.concurrency_key = t.concurrency_key
         ),
         picked AS (
            SELECT r.id, l.queue, l.concurrency_key
            FROM lanes l
            CROSS JOIN LATERAL (
                SELECT id FROM run
                WHERE queue = l.queue AND concurrency_key = l.concurrency_key
                  AND (run_at, id) >= (l.head_at, l.head_id)
                  AND status = 'queued' AND run_at <= now()
                ORDER BY run_at, id
                LIMIT 1
                FOR UPDATE SKIP LOCKED
            ) r
         ),
         claimed AS (
            UPDATE run SET status = 'executing', attempt = attempt + 1, lease_owner = $1,
                   lease_token = gen_random_uuid()::text,
                   lease_expires_at = now() + make_interval(secs => $2), leased_at = now(),
                   started_at = coalesce(started_at, now()), updated_at = now()
            FROM picked WHERE run.id = picked.id
            RETURNING run.*
         ),
         lane_update AS (
            -- The new head: the first queued run from the old head on, past the one
            -- picked here (this statement does not see its own update of it).
            UPDATE run_lane l
            SET running = l.running + (SELECT count(*) FROM picked p
                                       WHERE p.queue = l.queue AND p.concurrency_key = l.concurrency_key),
                head_at = next.run_at,
                head_id = next.id
            FROM lanes
            LEFT JOIN LATERAL (
                SELECT r.run_at, r.id FROM run r
                WHERE r.queue = lanes.queue AND r.concurrency_key = lanes.concurrency_key
                  AND (r.run_at, r.id) >= (lanes.head_at, lanes.head_id)
                  AND r.status = 'queued'
                  AND r.id NOT IN (SELECT id FROM picked)
                ORDER BY r.run_at, r.id
                LIMIT 1
            ) next ON true
            WHERE l.queue = lanes.queue AND l.concurrency_key = lanes.concurrency_key
         )
         SELECT {CLAIMED_COLUMNS} FROM claimed"
    ))
    .bind(owner)
    .bind(lease_secs)
    .bind(lane_queues)
    .bind(lane_keys)
    .fetch_all(conn)
    .await
}

/// How an attempt ends, as [`finish`] applies it: built only by the named
/// transitions below, so a status and the fields it needs always go together.
#[derive(Debug, Clone)]
pub struct Finish {
    run_id: RunId,
    lease_token: String,
    /// `completed`, `failed`, or `queued` (a retry, or a release).
    status: RunStatus,
    output: Option<Value>,
    error: Option<Value>,
    /// For `queued`: when the run is due again.
    run_at: Option<DateTime<Utc>>,
    /// Gives the attempt back (a release: shutdown, a lost database, an unknown task,
    /// a lost worker).
    released: bool,
    /// The run's new count of lost attempts in a row without progress (a takeover's).
    lost_attempts: Option<i32>,
}

impl Finish {
    /// The attempt succeeded with `output`.
    pub fn completed(run_id: RunId, lease_token: String, output: Value) -> Finish {
        Finish {
            run_id,
            lease_token,
            status: RunStatus::Completed,
            output: Some(output),
            error: None,
            run_at: None,
            released: false,
            lost_attempts: None,
        }
    }

    /// The attempt failed and the run tries again at `at`; the attempt is spent.
    pub fn retry(
        run_id: RunId,
        lease_token: String,
        error: &impl Serialize,
        at: DateTime<Utc>,
    ) -> Finish {
        Finish {
            run_id,
            lease_token,
            status: RunStatus::Queued,
            output: None,
            error: Some(to_json(error)),
            run_at: Some(at),
            released: false,
            lost_attempts: None,
        }
    }

    /// The run failed for good with `error`.
    pub fn failed(run_id: RunId, lease_token: String, error: &impl Serialize) -> Finish {
        Finish {
            run_id,
            lease_token,
            status: RunStatus::Failed,
            output: None,
            error: Some(to_json(error)),
            run_at: None,
            released: false,
            lost_attempts: None,
        }
    }

    /// The run goes back to the queue, due at `at`, without spending the attempt
    /// (shutdown, a lost database, a task this worker does not know).
    pub(crate) fn released(run_id: RunId, lease_token: String, at: DateTime<Utc>) -> Finish {
        Finish {
            run_id,
            lease_token,
            status: RunStatus::Queued,
            output: None,
            error: None,
            run_at: Some(at),
            released: true,
            lost_attempts: None,
        }
    }

    /// Keeps `reason` on the released run as its error.
    pub(crate) fn with_reason(self, reason: &impl Serialize) -> Finish {
        Finish {
            error: Some(to_json(reason)),
            ..self
        }
    }

    /// Sets the run's count of lost attempts in a row without progress (a takeover
    /// records what it decided on).
    pub(crate) fn with_lost_attempts(self, lost_attempts: i32) -> Finish {
        Finish {
            lost_attempts: Some(lost_attempts),
            ..self
        }
    }

    pub fn run_id(&self) -> &RunId {
        &self.run_id
    }

    pub fn status(&self) -> RunStatus {
        self.status
    }
}

fn to_json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).expect("a run's error serializes to JSON")
}

/// A finish that took effect.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Finished {
    pub id: RunId,
    pub status: RunStatus,
    pub parent_run_id: Option<RunId>,
    pub woke_parent: bool,
}

/// Applies a batch of attempt outcomes in one statement: the runs (fenced by lease
/// token), their lanes' counters and heads, released idempotency keys of failed runs,
/// and the wake-up of parents waiting on a run that ended (every end an attempt can
/// have: completed, or failed — by the task, validation or a takeover; the third
/// terminal status, canceled, wakes them in `cancel_tree`). Returns the finishes
/// that took effect; a fenced-out one (lease lost, canceled meanwhile) is absent.
pub async fn finish(
    conn: &mut PgConnection,
    batch: &[Finish],
) -> Result<Vec<Finished>, sqlx::Error> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = batch.iter().map(|f| f.run_id.as_str()).collect();
    let tokens: Vec<&str> = batch.iter().map(|f| f.lease_token.as_str()).collect();
    let statuses: Vec<RunStatus> = batch.iter().map(|f| f.status).collect();
    let outputs: Vec<Option<&Value>> = batch.iter().map(|f| f.output.as_ref()).collect();
    let errors: Vec<Option<&Value>> = batch.iter().map(|f| f.error.as_ref()).collect();
    let run_ats: Vec<Option<DateTime<Utc>>> = batch.iter().map(|f| f.run_at).collect();
    let refunds: Vec<i32> = batch.iter().map(|f| i32::from(f.released)).collect();
    let lost: Vec<Option<i32>> = batch.iter().map(|f| f.lost_attempts).collect();
    sqlx::query_as(
        "WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[],
                                 $6::timestamptz[], $7::int[], $8::int[])
                     AS t(id, token, status, output, error, run_at, refund, lost)
         ),
         done AS (
            UPDATE run r SET
                status = i.status,
                output = CASE WHEN i.status = 'completed' THEN i.output ELSE r.output END,
                error = CASE WHEN i.status = 'completed' THEN NULL ELSE coalesce(i.error, r.error) END,
                run_at = coalesce(i.run_at, r.run_at),
                attempt = r.attempt - i.refund,
                lost_attempts = coalesce(i.lost, r.lost_attempts),
                lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                finished_at = CASE WHEN i.status IN ('completed', 'failed') THEN now() END,
                released_idempotency_key = CASE WHEN i.status = 'failed' THEN r.idempotency_key
                                                ELSE r.released_idempotency_key END,
                idempotency_key = CASE WHEN i.status = 'failed' THEN NULL ELSE r.idempotency_key END,
                updated_at = now()
            FROM input i
            WHERE r.id = i.id AND r.lease_token = i.token AND r.status = 'executing'
            RETURNING r.id, r.queue, r.concurrency_key, r.status, r.run_at, r.parent_run_id
         ),
         lanes AS (
            SELECT queue, concurrency_key, count(*) AS n,
                   min(run_at) FILTER (WHERE status = 'queued') AS requeued_at
            FROM done GROUP BY queue, concurrency_key
         ),
         lane_update AS (
            UPDATE run_lane l
            -- A requeued run (a retry, a release) may sort before the cursor: move the
            -- cursor back to its time, before any id there (the next claim makes it
            -- exact again).
            SET running = l.running - lanes.n,
                head_at = LEAST(l.head_at, lanes.requeued_at),
                head_id = CASE WHEN lanes.requeued_at IS NOT NULL
                                AND (l.head_at IS NULL OR lanes.requeued_at <= l.head_at)
                               THEN '' ELSE l.head_id END
            FROM lanes
            WHERE l.queue = lanes.queue AND l.concurrency_key = lanes.concurrency_key
         ),
         wake AS (
            UPDATE run p SET waiting_on_run_id = NULL, run_at = now(), updated_at = now()
            FROM done
            WHERE done.status IN ('completed', 'failed') AND p.id = done.parent_run_id
              AND p.waiting_on_run_id = done.id AND p.status = 'waiting'
            RETURNING done.id AS child_id
         )
         SELECT d.id, d.status, d.parent_run_id,
                EXISTS (SELECT 1 FROM wake w WHERE w.child_id = d.id) AS woke_parent
         FROM done d",
    )
    .bind(&ids)
    .bind(&tokens)
    .bind(&statuses)
    .bind(&outputs)
    .bind(&errors)
    .bind(&run_ats)
    .bind(&refunds)
    .bind(&lost)
    .fetch_all(conn)
    .await
}

/// An executing run whose lease ran out, locked for takeover.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ExpiredRun {
    pub id: RunId,
    pub task_id: String,
    pub payload: Value,
    pub attempt: i32,
    pub max_attempts: i32,
    pub lease_token: String,
    /// Lost attempts in a row before this one that made no progress.
    pub lost_attempts: i32,
    /// Whether a step or checkpoint committed under the expired lease: the lost
    /// attempt got somewhere.
    pub progressed: bool,
}

/// Locks up to `limit` runs whose lease expired (skipping ones another worker is
/// taking over). The caller finishes them with the lease token read here, so a
/// run that finished meanwhile is never overwritten.
pub(crate) async fn lock_expired(
    conn: &mut PgConnection,
    limit: i64,
) -> Result<Vec<ExpiredRun>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, task_id, payload, attempt, max_attempts, lease_token, lost_attempts,
                coalesce(progressed_at >= leased_at, false) AS progressed
         FROM run
         WHERE status = 'executing' AND lease_expires_at < now()
         ORDER BY lease_expires_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Extends the leases of every run this worker still holds; returns their ids.
pub(crate) async fn heartbeat(
    conn: &mut PgConnection,
    owner: &str,
    lease_secs: f64,
) -> Result<Vec<RunId>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE run SET lease_expires_at = now() + make_interval(secs => $2)
         WHERE lease_owner = $1 AND status = 'executing'
         RETURNING id",
    )
    .bind(owner)
    .bind(lease_secs)
    .fetch_all(conn)
    .await
}

/// Replaces the run's metadata (fenced); the row stays locked for the rest of the
/// transaction, which makes this the fence of every write by a running attempt.
/// `progress`: the transaction commits a step or checkpoint, so the attempt got
/// somewhere (`progressed_at`, and the count of lost attempts without progress starts
/// over): a takeover does not count such an attempt against the run.
pub async fn set_metadata(
    conn: &mut PgConnection,
    run_id: &RunId,
    token: &str,
    metadata: &Value,
    progress: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE run SET metadata = $3, updated_at = now(),
                progressed_at = CASE WHEN $4 THEN now() ELSE progressed_at END,
                lost_attempts = CASE WHEN $4 THEN 0 ELSE lost_attempts END
         WHERE id = $1 AND lease_token = $2 AND status = 'executing'",
    )
    .bind(run_id)
    .bind(token)
    .bind(metadata)
    .bind(progress)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Parks the run as `waiting` on `child`, giving up its lease but keeping its lane
/// (fenced).
pub(crate) async fn wait_on_child(
    conn: &mut PgConnection,
    run_id: &RunId,
    token: &str,
    child: &RunId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE run SET status = 'waiting', waiting_on_run_id = $3,
                lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = now()
         WHERE id = $1 AND lease_token = $2 AND status = 'executing'",
    )
    .bind(run_id)
    .bind(token)
    .bind(child)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A run's status, locking the row against a concurrent finish (for a parent deciding
/// whether to wait on it).
pub(crate) async fn lock_status(
    conn: &mut PgConnection,
    run_id: &RunId,
) -> Result<Option<(RunStatus, Option<Value>, Option<Value>)>, sqlx::Error> {
    sqlx::query_as("SELECT status, output, error FROM run WHERE id = $1 FOR SHARE")
        .bind(run_id)
        .fetch_optional(conn)
        .await
}

pub async fn status(
    conn: &mut PgConnection,
    run_id: &RunId,
) -> Result<Option<RunStatus>, sqlx::Error> {
    sqlx::query_scalar("SELECT status FROM run WHERE id = $1")
        .bind(run_id)
        .fetch_optional(conn)
        .await
}

pub async fn get(
    conn: &mut PgConnection,
    run_id: &RunId,
) -> Result<Option<RunRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {RUN_COLUMNS} FROM run WHERE id = $1"))
        .bind(run_id)
        .fetch_optional(conn)
        .await
}

pub async fn children(
    conn: &mut PgConnection,
    parent: &RunId,
) -> Result<Vec<RunRecord>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM run WHERE parent_run_id = $1 ORDER BY id"
    ))
    .bind(parent)
    .fetch_all(conn)
    .await
}

/// Runs by id, newest first, optionally restricted to a list of ids.
pub(crate) async fn get_many(
    conn: &mut PgConnection,
    ids: &[RunId],
) -> Result<Vec<RunRecord>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM run WHERE id = ANY($1) ORDER BY id DESC"
    ))
    .bind(ids)
    .fetch_all(conn)
    .await
}

/// Newest runs of any task, newest first (ids are time-ordered ULIDs).
pub(crate) async fn recent(
    conn: &mut PgConnection,
    task_id: Option<&str>,
    limit: i64,
) -> Result<Vec<RunRecord>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM run
         WHERE parent_run_id IS NULL AND ($1::text IS NULL OR task_id = $1)
         ORDER BY id DESC LIMIT $2"
    ))
    .bind(task_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// A run canceled by `cancel_tree`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Canceled {
    pub id: RunId,
    pub task_id: String,
    pub payload: Value,
    pub previous_status: RunStatus,
    pub queue: String,
    pub concurrency_key: String,
    /// Whether a run outside the canceled tree was waiting on this one (the parent of
    /// a canceled child) and was woken to read its Result.
    pub woke_parent: bool,
}

/// Cancels a run and its descendants that have not ended, releasing the lanes they
/// held, their queued places and their idempotency keys, and wakes a run outside the
/// tree that was waiting on one of them (the root's parent): canceled is a terminal
/// status like completed and failed, so a parent never stays `waiting` on it, holding
/// its lane, forever. Returns what was canceled (empty when the root had already
/// ended). `error_code` is the code of the error each canceled run carries.
///
/// The statements are the SQL function `run_cancel_tree` (migrations), which the
/// export cancel function calls too: one implementation for every caller. Like
/// [`claim`], it is two statements: the cancel locks the lanes it touches, then the
/// heads of lanes that lost a queued run move, from a snapshot taken after the locks.
pub(crate) async fn cancel_tree(
    conn: &mut PgConnection,
    root: &RunId,
    error_code: &str,
) -> Result<Vec<Canceled>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, task_id, payload, previous_status, queue, concurrency_key, woke_parent
         FROM run_cancel_tree($1, $2, $3)",
    )
    .bind(root)
    .bind(WAKE_CHANNEL)
    .bind(error_code)
    .fetch_all(conn)
    .await
}

/// The top of a run's tree: the run itself when it has no parent, else its oldest
/// ancestor. None when the run does not exist.
pub async fn root_of(
    conn: &mut PgConnection,
    run_id: &RunId,
) -> Result<Option<RunId>, sqlx::Error> {
    sqlx::query_scalar(
        "WITH RECURSIVE up AS (
            SELECT id, parent_run_id FROM run WHERE id = $1
            UNION ALL
            SELECT r.id, r.parent_run_id FROM run r JOIN up ON r.id = up.parent_run_id
         )
         SELECT id FROM up WHERE parent_run_id IS NULL",
    )
    .bind(run_id)
    .fetch_optional(conn)
    .await
}

/// The children of several parents, oldest first.
pub(crate) async fn children_of_many(
    conn: &mut PgConnection,
    parents: &[RunId],
) -> Result<Vec<RunRecord>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM run WHERE parent_run_id = ANY($1) ORDER BY id"
    ))
    .bind(parents)
    .fetch_all(conn)
    .await
}
