//! Queries on `run_lane` outside the claim/finish statements: making sure a lane
//! exists and knows its newest queued run when a run is triggered.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Creates the lane if needed and pulls its head forward to `run_at` if earlier.
/// The limit follows the code's declaration, but never below what is running now.
pub async fn enqueue(
    conn: &mut PgConnection,
    queue: &str,
    concurrency_key: &str,
    concurrency_limit: i32,
    run_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO run_lane (queue, concurrency_key, concurrency_limit, head_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (queue, concurrency_key) DO UPDATE
         SET head_at = LEAST(run_lane.head_at, EXCLUDED.head_at),
             concurrency_limit = GREATEST(EXCLUDED.concurrency_limit, run_lane.running)",
    )
    .bind(queue)
    .bind(concurrency_key)
    .bind(concurrency_limit)
    .bind(run_at)
    .execute(conn)
    .await?;
    Ok(())
}
