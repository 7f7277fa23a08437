//! Queries on `run_step`: durable step results and checkpoints.

use serde_json::Value;
use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StepRow {
    pub name: String,
    pub output: Option<Value>,
    pub checkpoint: Option<Value>,
    pub completed: bool,
}

pub async fn load(conn: &mut PgConnection, run_id: &str) -> Result<Vec<StepRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, output, checkpoint, completed_at IS NOT NULL AS completed
         FROM run_step WHERE run_id = $1",
    )
    .bind(run_id)
    .fetch_all(conn)
    .await
}

/// Records a finished step's output.
pub async fn complete(
    conn: &mut PgConnection,
    run_id: &str,
    name: &str,
    output: &Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO run_step (run_id, name, output, completed_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (run_id, name) DO UPDATE
         SET output = EXCLUDED.output, completed_at = now(), updated_at = now()",
    )
    .bind(run_id)
    .bind(name)
    .bind(output)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores a running step's checkpoint.
pub async fn save_checkpoint(
    conn: &mut PgConnection,
    run_id: &str,
    name: &str,
    checkpoint: &Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO run_step (run_id, name, checkpoint) VALUES ($1, $2, $3)
         ON CONFLICT (run_id, name) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, updated_at = now()",
    )
    .bind(run_id)
    .bind(name)
    .bind(checkpoint)
    .execute(conn)
    .await?;
    Ok(())
}
