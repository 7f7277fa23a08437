//! Triggering runs inside the caller's transaction, so an enqueue commits or rolls
//! back together with the caller's own writes.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use super::idempotency::IdempotencyKey;
use super::run::RunStatus;
use super::task::TaskDef;
use crate::db;
use crate::error::{Classify, ExitKind};
use crate::ids::RunId;

/// Options of one trigger (Trigger.dev's `trigger` options).
#[derive(Debug, Clone, Default)]
pub struct TriggerOptions {
    /// The lane within the task's queue ('' when unkeyed).
    pub concurrency_key: Option<String>,
    pub idempotency_key: Option<IdempotencyKey>,
    pub tags: Vec<String>,
    pub parent_run_id: Option<RunId>,
    /// Not due before this long from now.
    pub delay: Option<Duration>,
    /// Overrides the task's retry policy's attempts.
    pub max_attempts: Option<u32>,
}

/// The run a trigger resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triggered {
    pub run_id: RunId,
    /// True when a live idempotency key returned an existing run.
    pub deduplicated: bool,
    /// The existing run's status when deduplicated, `queued` otherwise.
    pub status: RunStatus,
}

#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    #[error("invalid payload for task {task}: {message}")]
    InvalidPayload { task: &'static str, message: String },
    /// Concurrent triggers kept taking and releasing the same live idempotency key
    /// (or keys), so no round settled which run each belongs to.
    #[error("idempotency {} kept changing hands; try again", if *.batch { "keys" } else { "key" })]
    KeyContended { batch: bool },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Classify for TriggerError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            TriggerError::InvalidPayload { .. } => ExitKind::Failure,
            TriggerError::KeyContended { .. } => ExitKind::TempFail,
            TriggerError::Database(e) => e.exit_kind(),
        }
    }
}

/// When a run triggered with `options` is first due (`None`: now).
fn due_at(options: &TriggerOptions) -> Option<DateTime<Utc>> {
    options
        .delay
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .map(|d| Utc::now() + d)
}

/// The attempts a run of `task` triggered with `options` gets.
fn attempts(task: &TaskDef, options: &TriggerOptions) -> i32 {
    options
        .max_attempts
        .unwrap_or(task.retry.max_attempts)
        .max(1) as i32
}

/// Creates a run of `task` (or returns the live run with the same idempotency key)
/// and NOTIFYs the workers, all inside `conn`'s transaction.
pub async fn trigger<P: Serialize>(
    conn: &mut PgConnection,
    task: &TaskDef,
    payload: &P,
    options: TriggerOptions,
) -> Result<Triggered, TriggerError> {
    let payload = serde_json::to_value(payload).map_err(|e| TriggerError::InvalidPayload {
        task: task.id,
        message: e.to_string(),
    })?;
    let run_at = due_at(&options);
    let key = options.idempotency_key.as_ref();
    let concurrency_key = options.concurrency_key.as_deref().unwrap_or("");
    let max_attempts = attempts(task, &options);
    // A key can only be released when its holder is gone; a few rounds cover a holder
    // released between our insert and our read. More would mean a livelock.
    for _ in 0..5 {
        if let Some(key) = key {
            db::runs::release_expired_key(conn, &key.key).await?;
        }
        let run_id = RunId::generate();
        let inserted = db::runs::insert(
            conn,
            &db::runs::NewRun {
                id: &run_id,
                task_id: task.id,
                payload: &payload,
                queue: task.queue.name,
                concurrency_key,
                concurrency_limit: task.queue.concurrency_limit as i32,
                max_attempts,
                run_at,
                idempotency_key: key.map(|k| k.key.as_str()),
                idempotency_ttl_secs: key.and_then(|k| k.ttl).map(|t| t.as_secs_f64()),
                parent_run_id: options.parent_run_id.as_ref(),
                max_duration_ms: task.max_duration.map(|d| d.as_millis() as i64),
                tags: &options.tags,
            },
        )
        .await?;
        if inserted {
            return Ok(Triggered {
                run_id,
                deduplicated: false,
                status: RunStatus::Queued,
            });
        }
        let key = key.expect("only a keyed insert can conflict");
        if let Some((existing, status)) = db::runs::find_by_key(conn, &key.key).await? {
            return Ok(Triggered {
                run_id: existing,
                deduplicated: true,
                status,
            });
        }
    }
    Err(TriggerError::KeyContended { batch: false })
}

/// One run of a [`trigger_many`] batch.
#[derive(Debug, Clone)]
pub struct BatchItem<P> {
    pub payload: P,
    pub options: TriggerOptions,
}

/// Triggers many runs of `task` inside `conn`'s transaction: one INSERT statement for
/// the whole batch, with the lanes' upserts and one NOTIFY. Returns one [`Triggered`]
/// per item, in order, saying whether it created a run or found the live run with
/// its idempotency key — an earlier run, or an earlier item of the same batch.
///
/// All or nothing: every payload is serialized before anything is written (an
/// invalid one fails the batch, naming its index), and a statement that fails writes
/// nothing. A key whose TTL ran out, or whose holder committed while the statement
/// ran, costs another round for just those items; on any error the caller rolls the
/// transaction back, as with [`trigger`].
pub async fn trigger_many<P: Serialize>(
    conn: &mut PgConnection,
    task: &TaskDef,
    items: &[BatchItem<P>],
) -> Result<Vec<Triggered>, TriggerError> {
    let mut runs = db::run_batch::BatchRuns::default();
    // Items repeating an earlier item's key resolve to that item's run.
    let mut first_with_key: HashMap<&str, usize> = HashMap::new();
    let mut same_as: Vec<Option<usize>> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let payload =
            serde_json::to_value(&item.payload).map_err(|e| TriggerError::InvalidPayload {
                task: task.id,
                message: format!("item {index}: {e}"),
            })?;
        let key = item.options.idempotency_key.as_ref();
        same_as.push(key.and_then(|k| first_with_key.get(k.key.as_str()).copied()));
        if let Some(k) = key {
            first_with_key.entry(k.key.as_str()).or_insert(index);
        }
        runs.ids.push(RunId::generate());
        runs.payloads.push(payload);
        runs.concurrency_keys
            .push(item.options.concurrency_key.clone().unwrap_or_default());
        runs.max_attempts.push(attempts(task, &item.options));
        runs.run_ats.push(due_at(&item.options));
        runs.idempotency_keys.push(key.map(|k| k.key.clone()));
        runs.idempotency_ttl_secs
            .push(key.and_then(|k| k.ttl).map(|t| t.as_secs_f64()));
        runs.parent_run_ids.push(item.options.parent_run_id.clone());
        runs.tags
            .push((!item.options.tags.is_empty()).then(|| serde_json::json!(item.options.tags)));
    }
    let batch_task = db::run_batch::BatchTask {
        task_id: task.id,
        queue: task.queue.name,
        concurrency_limit: task.queue.concurrency_limit as i32,
        max_duration_ms: task.max_duration.map(|d| d.as_millis() as i64),
    };
    let mut results: Vec<Option<Triggered>> = vec![None; items.len()];
    let mut pending: Vec<usize> = (0..items.len()).filter(|&i| same_as[i].is_none()).collect();
    // As in `trigger`: a few rounds cover keys released or taken while we worked.
    for _ in 0..5 {
        if pending.is_empty() {
            break;
        }
        let subset;
        let round_runs = if pending.len() == items.len() {
            &runs
        } else {
            subset = runs.subset(&pending);
            &subset
        };
        let outcomes = db::run_batch::insert_many(conn, batch_task, round_runs).await?;
        let mut again = Vec::new();
        let mut expired_keys = Vec::new();
        for (&index, outcome) in pending.iter().zip(outcomes) {
            match (outcome.run_id, outcome.status) {
                (Some(run_id), Some(status)) if outcome.inserted || !outcome.expired => {
                    results[index] = Some(Triggered {
                        run_id,
                        deduplicated: !outcome.inserted,
                        status,
                    });
                }
                _ => {
                    if outcome.expired {
                        expired_keys.extend(runs.idempotency_keys[index].as_deref());
                    }
                    again.push(index);
                }
            }
        }
        if !expired_keys.is_empty() {
            db::run_batch::release_expired_keys(conn, &expired_keys).await?;
        }
        pending = again;
    }
    if !pending.is_empty() {
        return Err(TriggerError::KeyContended { batch: true });
    }
    Ok((0..items.len())
        .map(|index| match same_as[index] {
            Some(first) => Triggered {
                deduplicated: true,
                ..results[first].clone().expect("every first item resolved")
            },
            None => results[index].clone().expect("every first item resolved"),
        })
        .collect())
}
