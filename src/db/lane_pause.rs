//! Reading the pauses of `run_lane` (a queue and a concurrency key). A paused lane
//! keeps its queued runs and takes new ones; the claim in `db::runs` skips it, and
//! runs that already hold it finish. Pausing and resuming are the SQL functions
//! `run_lane_pause`/`run_lane_resume`, which only the domain's gated functions call
//! (`export_pause`/`export_resume`). Who paused it and why are free text for people:
//! the engine knows nothing of users.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

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
