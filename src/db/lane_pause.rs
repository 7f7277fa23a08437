//! Queries on `run_lane` as people steer it: pausing and resuming a lane (a queue
//! and a concurrency key). A paused lane keeps its queued runs and takes new ones;
//! the claim in `db::runs` skips it, and runs that already hold it finish. Who paused
//! it and why are free text for people: the engine knows nothing of users.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::runs::WAKE_CHANNEL;

/// A paused lane: since when, by whom, why, and how many runs wait in it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct LanePause {
    pub queue: String,
    pub concurrency_key: String,
    pub paused_at: DateTime<Utc>,
    pub paused_by: Option<String>,
    pub reason: Option<String>,
    pub queued: i64,
}

/// Pauses the lane (creating its row if no run ever used it). Returns `false` when it
/// was already paused: the first pause's time, author and reason are kept.
pub(crate) async fn pause(
    conn: &mut PgConnection,
    queue: &str,
    key: &str,
    concurrency_limit: i32,
    by: &str,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let paused: Option<DateTime<Utc>> = sqlx::query_scalar(
        "INSERT INTO run_lane (queue, concurrency_key, concurrency_limit, paused_at, paused_by, pause_reason)
         VALUES ($1, $2, $3, now(), $4, $5)
         ON CONFLICT (queue, concurrency_key) DO UPDATE
         SET paused_at = now(), paused_by = EXCLUDED.paused_by, pause_reason = EXCLUDED.pause_reason
         WHERE run_lane.paused_at IS NULL
         RETURNING paused_at",
    )
    .bind(queue)
    .bind(key)
    .bind(concurrency_limit)
    .bind(by)
    .bind(reason)
    .fetch_optional(conn)
    .await?;
    Ok(paused.is_some())
}

/// Resumes the lane and wakes the workers; returns the pause it ended (`None`: it
/// was not paused).
pub(crate) async fn resume(
    conn: &mut PgConnection,
    queue: &str,
    key: &str,
) -> Result<Option<LanePause>, sqlx::Error> {
    let ended = get(&mut *conn, queue, key).await?;
    if ended.is_none() {
        return Ok(None);
    }
    let done = sqlx::query(
        "WITH resumed AS (
            UPDATE run_lane SET paused_at = NULL, paused_by = NULL, pause_reason = NULL
            WHERE queue = $1 AND concurrency_key = $2 AND paused_at IS NOT NULL
            RETURNING queue
         )
         SELECT pg_notify($3, queue) FROM resumed",
    )
    .bind(queue)
    .bind(key)
    .bind(WAKE_CHANNEL)
    .fetch_optional(conn)
    .await?;
    Ok(done.and(ended))
}

const PAUSE_COLUMNS: &str = "l.queue, l.concurrency_key, l.paused_at, l.paused_by,
     l.pause_reason AS reason,
     (SELECT count(*) FROM run r WHERE r.status = 'queued' AND r.queue = l.queue
                                   AND r.concurrency_key = l.concurrency_key) AS queued";

/// The lane's pause, if it is paused.
pub(crate) async fn get(
    conn: &mut PgConnection,
    queue: &str,
    key: &str,
) -> Result<Option<LanePause>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {PAUSE_COLUMNS} FROM run_lane l
         WHERE l.queue = $1 AND l.concurrency_key = $2 AND l.paused_at IS NOT NULL"
    ))
    .bind(queue)
    .bind(key)
    .fetch_optional(conn)
    .await
}

/// Every paused lane of `queues`, oldest pause first.
pub(crate) async fn paused(
    conn: &mut PgConnection,
    queues: &[String],
) -> Result<Vec<LanePause>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {PAUSE_COLUMNS} FROM run_lane l
         WHERE l.paused_at IS NOT NULL AND l.queue = ANY($1)
         ORDER BY l.paused_at, l.queue, l.concurrency_key"
    ))
    .bind(queues)
    .fetch_all(conn)
    .await
}
