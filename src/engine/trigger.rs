//! Triggering runs inside the caller's transaction, so an enqueue commits or rolls
//! back together with the caller's own writes.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use super::idempotency::IdempotencyKey;
use super::task::TaskDef;
use crate::db;
use crate::ids::RunId;

/// Options of one trigger (Trigger.dev's `trigger` options).
#[derive(Debug, Clone, Default)]
pub struct TriggerOptions {
    /// The lane within the task's queue ('' when unkeyed).
    pub concurrency_key: Option<String>,
    pub idempotency_key: Option<IdempotencyKey>,
    pub tags: Vec<String>,
    pub parent_run_id: Option<String>,
    /// Not due before this long from now.
    pub delay: Option<Duration>,
    /// Overrides the task's retry policy's attempts.
    pub max_attempts: Option<u32>,
}

/// The run a trigger resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triggered {
    pub run_id: String,
    /// True when a live idempotency key returned an existing run.
    pub deduplicated: bool,
    /// The existing run's status when deduplicated, `queued` otherwise.
    pub status: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    #[error("invalid payload for task {task}: {message}")]
    InvalidPayload { task: &'static str, message: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
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
    let run_at: Option<DateTime<Utc>> = options
        .delay
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .map(|d| Utc::now() + d);
    let key = options.idempotency_key.as_ref();
    let concurrency_key = options.concurrency_key.as_deref().unwrap_or("");
    let max_attempts = options
        .max_attempts
        .unwrap_or(task.retry.max_attempts)
        .max(1);
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
                id: run_id.as_str(),
                task_id: task.id,
                payload: &payload,
                queue: task.queue.name,
                concurrency_key,
                concurrency_limit: task.queue.concurrency_limit as i32,
                max_attempts: max_attempts as i32,
                run_at,
                idempotency_key: key.map(|k| k.key.as_str()),
                idempotency_ttl_secs: key.and_then(|k| k.ttl).map(|t| t.as_secs_f64()),
                parent_run_id: options.parent_run_id.as_deref(),
                max_duration_ms: task.max_duration.map(|d| d.as_millis() as i64),
                tags: &options.tags,
            },
        )
        .await?;
        if inserted {
            return Ok(Triggered {
                run_id: run_id.to_string(),
                deduplicated: false,
                status: "queued".to_owned(),
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
    Err(TriggerError::Database(sqlx::Error::Protocol(
        "idempotency key kept changing hands; try again".into(),
    )))
}
