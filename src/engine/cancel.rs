//! Canceling a run: it and its unfinished descendants end `canceled` at once,
//! releasing their lanes and idempotency keys. An executing attempt notices at its
//! next fenced write (a checkpoint) and stops without writing.

use sqlx::PgConnection;

use crate::ids::RunId;

pub use crate::db::runs::Canceled;

/// Cancels `run_id` and its descendants inside the caller's transaction. Empty when
/// the run had already ended.
pub async fn cancel(conn: &mut PgConnection, run_id: &RunId) -> Result<Vec<Canceled>, sqlx::Error> {
    crate::db::runs::cancel_tree(conn, run_id, super::EngineErrorCode::Canceled.as_str()).await
}
