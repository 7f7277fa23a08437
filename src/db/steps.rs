//! Queries on `run_step`: durable step results and checkpoints.

use serde_json::Value;
use sqlx::PgConnection;

use crate::ids::RunId;

/// A step as the claim returns it (see `db::runs::ClaimedRun::steps`).
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct StepRow {
    pub name: String,
    pub output: Option<Value>,
    pub checkpoint: Option<Value>,
    pub completed: bool,
}

/// Records a finished step's output.
pub(crate) async fn complete(
    conn: &mut PgConnection,
    run_id: &RunId,
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
pub(crate) async fn save_checkpoint(
    conn: &mut PgConnection,
    run_id: &RunId,
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

/// A step's checkpoint (outside any task: the failure hook, `export cancel`).
pub(crate) async fn checkpoint(
    conn: &mut PgConnection,
    run_id: &RunId,
    name: &str,
) -> Result<Option<Value>, sqlx::Error> {
    let row: Option<Option<Value>> =
        sqlx::query_scalar("SELECT checkpoint FROM run_step WHERE run_id = $1 AND name = $2")
            .bind(run_id)
            .bind(name)
            .fetch_optional(conn)
            .await?;
    Ok(row.flatten())
}
