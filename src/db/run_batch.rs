//! Batch trigger: many runs of one task inserted in ONE statement with their lane
//! upserts and one NOTIFY, for `engine::trigger::trigger_many`. The statement is
//! all-or-nothing like any statement; what makes it fast is that a batch of
//! thousands of runs costs one round trip and one pass of the executor.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

use crate::ids::RunId;

use super::runs::{RunStatus, WAKE_CHANNEL};

/// What every run of a batch shares: one task, so one queue and one lane limit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BatchTask<'a> {
    pub task_id: &'a str,
    pub queue: &'a str,
    pub concurrency_limit: i32,
    pub max_duration_ms: Option<i64>,
}

/// The columns of the runs to insert, one entry per run (parallel arrays, as the
/// statement unnests them).
#[derive(Debug, Default, Clone)]
pub(crate) struct BatchRuns {
    pub ids: Vec<RunId>,
    pub payloads: Vec<Value>,
    pub concurrency_keys: Vec<String>,
    pub max_attempts: Vec<i32>,
    pub run_ats: Vec<Option<DateTime<Utc>>>,
    pub idempotency_keys: Vec<Option<String>>,
    pub idempotency_ttl_secs: Vec<Option<f64>>,
    pub parent_run_ids: Vec<Option<RunId>>,
    /// Each run's tags as a JSON array (PostgreSQL has no ragged `text[][]`), or
    /// `None` for none (most runs), which the statement then does not unpack.
    pub tags: Vec<Option<Value>>,
}

impl BatchRuns {
    /// The runs at `indexes`, in that order.
    pub(crate) fn subset(&self, indexes: &[usize]) -> BatchRuns {
        fn pick<T: Clone>(column: &[T], indexes: &[usize]) -> Vec<T> {
            indexes.iter().map(|&i| column[i].clone()).collect()
        }
        BatchRuns {
            ids: pick(&self.ids, indexes),
            payloads: pick(&self.payloads, indexes),
            concurrency_keys: pick(&self.concurrency_keys, indexes),
            max_attempts: pick(&self.max_attempts, indexes),
            run_ats: pick(&self.run_ats, indexes),
            idempotency_keys: pick(&self.idempotency_keys, indexes),
            idempotency_ttl_secs: pick(&self.idempotency_ttl_secs, indexes),
            parent_run_ids: pick(&self.parent_run_ids, indexes),
            tags: pick(&self.tags, indexes),
        }
    }
}

/// How one run of the batch resolved, in input order.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct BatchOutcome {
    /// The new run, or the run holding the key; `None` when the key has no live
    /// holder any more (released since the insert): try again.
    pub run_id: Option<RunId>,
    pub inserted: bool,
    /// The holder's status (`queued` for a new run); `None` with `run_id`.
    pub status: Option<RunStatus>,
    /// The holder's key is past its TTL: release it and insert again.
    pub expired: bool,
}

/// Inserts the runs whose idempotency key is not live (ON CONFLICT on the unique
/// index of live keys decides, race-proof), creates or moves back each touched
/// lane's head once (runs and lanes are written in key order, so two batches never
/// deadlock on each other), and NOTIFYs the workers once — all in one statement,
/// which returns only the new runs' ids. Then, only when some item was not inserted
/// (its key is live), a second statement reads those keys' holders. Keys must be
/// unique within the batch (the caller folds repeats onto their first item).
///
/// Where the time goes (20,000 runs in one statement, BENCHMARKS.md): the insert
/// into `run` and its indexes is most of it; so the statement does nothing per run
/// beyond that — no join back to the input, no per-run subquery for runs without
/// tags, no sort for the lanes' heads (a lane's head moves back to the batch's
/// earliest time with the empty id, which sorts before every run of that time).
pub(crate) async fn insert_many(
    conn: &mut PgConnection,
    task: BatchTask<'_>,
    runs: &BatchRuns,
) -> Result<Vec<BatchOutcome>, sqlx::Error> {
    let inserted: Vec<RunId> = sqlx::query_scalar(
        "WITH input AS (
            SELECT * FROM unnest($1::text[], $2::jsonb[], $3::text[], $4::int[],
                                 $5::timestamptz[], $6::text[], $7::float8[], $8::text[],
                                 $9::jsonb[])
                     WITH ORDINALITY
                     AS t(id, payload, concurrency_key, max_attempts, run_at, idempotency_key,
                          ttl_secs, parent_run_id, tags, ord)
         ),
         ins AS (
            INSERT INTO run (id, task_id, payload, queue, concurrency_key, status, max_attempts,
                             run_at, idempotency_key, idempotency_key_expires_at, parent_run_id,
                             max_duration_ms, tags)
            SELECT id, $10, payload, $11, concurrency_key, 'queued', max_attempts,
                   coalesce(run_at, now()), idempotency_key, now() + make_interval(secs => ttl_secs),
                   parent_run_id, $12,
                   CASE WHEN tags IS NULL THEN '{}'::text[]
                        ELSE ARRAY(SELECT jsonb_array_elements_text(tags)) END
            -- In key order: a batch waiting on a key that another batch is inserting
            -- holds only smaller keys, so racing batches never deadlock.
            FROM input ORDER BY idempotency_key, ord
            ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING id, concurrency_key, run_at
         ),
         heads AS (
            -- Each lane's earliest new run time; with the empty id, a cursor at or
            -- before every new run of the lane.
            SELECT concurrency_key, min(run_at) AS run_at FROM ins GROUP BY concurrency_key
         ),
         lane AS (
            -- As in runs::insert: the limit follows the code, never below what runs
            -- now; the head moves back when a new run sorts first.
            INSERT INTO run_lane (queue, concurrency_key, concurrency_limit, head_at, head_id)
            SELECT $11, concurrency_key, $13, run_at, '' FROM heads ORDER BY concurrency_key
            ON CONFLICT (queue, concurrency_key) DO UPDATE
            SET head_at = CASE WHEN run_lane.head_at IS NULL
                                 OR (EXCLUDED.head_at, EXCLUDED.head_id)
                                    < (run_lane.head_at, coalesce(run_lane.head_id, ''))
                               THEN EXCLUDED.head_at ELSE run_lane.head_at END,
                head_id = CASE WHEN run_lane.head_at IS NULL
                                 OR (EXCLUDED.head_at, EXCLUDED.head_id)
                                    < (run_lane.head_at, coalesce(run_lane.head_id, ''))
                               THEN EXCLUDED.head_id ELSE run_lane.head_id END,
                concurrency_limit = GREATEST(EXCLUDED.concurrency_limit, run_lane.running)
         ),
         wake AS (
            SELECT count(pg_notify($14, $11)) AS n FROM (SELECT 1 FROM ins LIMIT 1) AS any_new
         )
         -- Reading `wake` is what sends the NOTIFY (a plain CTE runs only when read).
         SELECT ins.id FROM ins CROSS JOIN wake",
    )
    .bind(&runs.ids)
    .bind(&runs.payloads)
    .bind(&runs.concurrency_keys)
    .bind(&runs.max_attempts)
    .bind(&runs.run_ats)
    .bind(&runs.idempotency_keys)
    .bind(&runs.idempotency_ttl_secs)
    .bind(&runs.parent_run_ids)
    .bind(&runs.tags)
    .bind(task.task_id)
    .bind(task.queue)
    .bind(task.max_duration_ms)
    .bind(task.concurrency_limit)
    .bind(WAKE_CHANNEL)
    .fetch_all(&mut *conn)
    .await?;
    let inserted: HashSet<RunId> = inserted.into_iter().collect();
    let taken: Vec<&str> = runs
        .ids
        .iter()
        .zip(&runs.idempotency_keys)
        .filter(|(id, _)| !inserted.contains(*id))
        .filter_map(|(_, key)| key.as_deref())
        .collect();
    let holders = if taken.is_empty() {
        HashMap::new()
    } else {
        holders(conn, &taken).await?
    };
    Ok(runs
        .ids
        .iter()
        .zip(&runs.idempotency_keys)
        .map(|(id, key)| {
            if inserted.contains(id) {
                return BatchOutcome {
                    run_id: Some(id.clone()),
                    inserted: true,
                    status: Some(RunStatus::Queued),
                    expired: false,
                };
            }
            match key.as_deref().and_then(|k| holders.get(k)) {
                Some(holder) => BatchOutcome {
                    run_id: Some(holder.id.clone()),
                    inserted: false,
                    status: Some(holder.status),
                    expired: holder.expired,
                },
                None => BatchOutcome {
                    run_id: None,
                    inserted: false,
                    status: None,
                    expired: false,
                },
            }
        })
        .collect())
}

/// The run holding a live key.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Holder {
    key: String,
    id: RunId,
    status: RunStatus,
    expired: bool,
}

/// The holders of the live keys among `keys`, by key. A key with no live holder
/// (released since the insert) is absent: the caller tries it again.
async fn holders(
    conn: &mut PgConnection,
    keys: &[&str],
) -> Result<HashMap<String, Holder>, sqlx::Error> {
    let rows: Vec<Holder> = sqlx::query_as(
        "SELECT idempotency_key AS key, id, status,
                coalesce(idempotency_key_expires_at <= now(), false) AS expired
         FROM run WHERE idempotency_key = ANY($1)",
    )
    .bind(keys)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|h| (h.key.clone(), h)).collect())
}

/// Releases the live keys among `keys` whose TTL ran out, so a new batch can take
/// them (the batch counterpart of `runs::release_expired_key`).
pub(crate) async fn release_expired_keys(
    conn: &mut PgConnection,
    keys: &[&str],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE run SET released_idempotency_key = idempotency_key, idempotency_key = NULL
         WHERE idempotency_key = ANY($1) AND idempotency_key_expires_at <= now()",
    )
    .bind(keys)
    .execute(conn)
    .await?;
    Ok(())
}
