//! Deleting old run history: the queries behind `engine::retention`.
//!
//! A run tree (a top-level run and its descendants) is deleted as a whole, and only
//! when every run in it ended before the cutoff and none holds a live idempotency key
//! (one whose TTL has not run out): a key within its TTL must keep finding its run.
//! `run_step` rows go with their run (ON DELETE CASCADE). Nothing else points at a
//! run: `export.run_id` and the audit log's subjects are plain text, so the tenant's
//! record of its exports and the audit chain stay untouched.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// The advisory lock that makes pruning one-at-a-time across every worker on the
/// database (an arbitrary constant: "invoicectl run pruner").
pub const PRUNE_LOCK: i64 = 0x1c7e_0001_7275_6e65;

/// Where a round of batches has got to: the last (finished_at, id) examined.
pub type Cursor = (DateTime<Utc>, String);

/// What one batch did.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Batch {
    /// Top-level runs past the cutoff that this batch looked at.
    pub examined: i64,
    /// Runs deleted (roots and their descendants).
    pub deleted: i64,
    pub last_finished_at: Option<DateTime<Utc>>,
    pub last_id: Option<String>,
}

impl Batch {
    /// The cursor for the next batch of the round.
    pub fn cursor(&self) -> Option<Cursor> {
        Some((self.last_finished_at?, self.last_id.clone()?))
    }
}

/// Takes the pruner lock for the rest of the caller's transaction; false when another
/// pruner holds it.
pub async fn try_lock(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(PRUNE_LOCK)
        .fetch_one(conn)
        .await
}

/// Looks at up to `limit` top-level runs that ended more than `retention_secs` ago,
/// after `after` in (finished_at, id) order, and deletes the trees among them that
/// may go, in one statement. The examined roots are locked with SKIP LOCKED: a child
/// being attached to one meanwhile (its FK check locks the parent) makes this batch
/// pass the root over, or waits for the batch and then fails its FK check, so no
/// child is ever orphaned. Roots whose tree must stay are passed over by the cursor
/// rather than looked at again by every batch of the round.
pub async fn prune_batch(
    conn: &mut PgConnection,
    retention_secs: f64,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Batch, sqlx::Error> {
    sqlx::query_as(
        "WITH RECURSIVE candidate AS (
            SELECT id, finished_at FROM run
            WHERE parent_run_id IS NULL AND finished_at IS NOT NULL
              AND finished_at < now() - make_interval(secs => $1)
              AND (finished_at, id) > (coalesce($2::timestamptz, '-infinity'), coalesce($3::text, ''))
            ORDER BY finished_at, id
            LIMIT $4
            FOR UPDATE SKIP LOCKED
         ),
         tree AS (
            SELECT id, id AS root FROM candidate
            UNION ALL
            SELECT c.id, t.root FROM run c JOIN tree t ON c.parent_run_id = t.id
         ),
         kept AS (
            SELECT DISTINCT t.root FROM tree t JOIN run r ON r.id = t.id
            WHERE r.status NOT IN ('completed', 'failed', 'canceled')
               OR r.finished_at IS NULL
               OR r.finished_at >= now() - make_interval(secs => $1)
               OR (r.idempotency_key IS NOT NULL AND r.idempotency_key_expires_at > now())
         ),
         deleted AS (
            DELETE FROM run r USING tree t
            WHERE r.id = t.id AND NOT EXISTS (SELECT 1 FROM kept k WHERE k.root = t.root)
            RETURNING r.id
         )
         SELECT (SELECT count(*) FROM candidate) AS examined,
                (SELECT count(*) FROM deleted) AS deleted,
                last.finished_at AS last_finished_at, last.id AS last_id
         FROM (SELECT 1) AS one
         LEFT JOIN LATERAL (
            SELECT finished_at, id FROM candidate ORDER BY finished_at DESC, id DESC LIMIT 1
         ) last ON true",
    )
    .bind(retention_secs)
    .bind(after.map(|c| c.0))
    .bind(after.map(|c| c.1.as_str()))
    .bind(limit)
    .fetch_one(conn)
    .await
}
