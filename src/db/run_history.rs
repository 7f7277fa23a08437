//! Deleting old run history: the queries behind `engine::retention`.
//!
//! A run tree (a top-level run and its descendants) is deleted as a whole, and only
//! when every run in it ended before the cutoff and none holds a live idempotency key
//! (one whose TTL has not run out): a key within its TTL must keep finding its run.
//! `run_step` rows go with their run (ON DELETE CASCADE). Nothing else points at a
//! run: `export.run_id` and the audit log's subjects are plain text, so the tenant's
//! record of its exports and the audit chain stay untouched.
//!
//! After deleting, a round releases the keys that can no longer
//! deduplicate (`release_keys`), so the unique key index holds about one TTL of
//! keys rather than every kept run's.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// The advisory lock that makes pruning one-at-a-time across every worker on the
/// database (an arbitrary constant: "invoicectl run pruner").
pub(crate) const PRUNE_LOCK: i64 = 0x1c7e_0001_7275_6e65;

/// Where a round of batches has got to: the last (finished_at, id) examined.
pub(crate) type Cursor = (DateTime<Utc>, String);

/// What one batch did.
#[derive(Debug, Clone)]
pub(crate) struct Batch {
    /// Top-level runs past the cutoff that this batch looked at.
    pub examined: i64,
    /// Runs deleted (roots and their descendants).
    pub deleted: i64,
    pub last_finished_at: Option<DateTime<Utc>>,
    pub last_id: Option<String>,
}

impl Batch {
    /// The cursor for the next batch of the round.
    pub(crate) fn cursor(&self) -> Option<Cursor> {
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

/// What one key-release batch did.
#[derive(Debug, Clone)]
pub(crate) struct Released {
    /// Ended runs holding a releasable-looking key that this batch looked at.
    pub examined: i64,
    /// Keys moved out of the unique index (to `released_idempotency_key`).
    pub released: i64,
    /// The last run looked at, for the next batch of a [`KeyKind::Child`] pass.
    pub last_id: Option<String>,
}

/// The two kinds of key a round releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// A key with a TTL that has run out, of an ended run: exactly the key a trigger
    /// would release before inserting its own, so no trigger can tell the difference.
    Expired,
    /// A key without a TTL of an ended child run whose parent has ended too. Such a
    /// key is scoped to its parent (`KeyScope::Run`) and only the parent's own
    /// attempts trigger it, to find their child again on a retry; an ended run never
    /// runs again (no status leads back from completed, failed or canceled), so
    /// nothing can trigger the key any more. While the parent can still run — queued
    /// for a retry, executing or waiting — the key stays.
    Child,
}

/// Releases up to `limit` keys of `kind` (oldest first; `after` is the last run
/// looked at by the previous batch of a `Child` pass). The runs are locked with SKIP
/// LOCKED, so a batch never waits for a worker, a trigger releasing the same key, or
/// another releaser; a skipped key is released by a later round. Only ended runs are
/// touched, and no statement ever changes an ended run's key back, so this cannot
/// race a finish or a cancel. Both kinds are read from the `run_releasable_key`
/// index, which holds just the ended runs that still hold such a key.
pub(crate) async fn release_keys(
    conn: &mut PgConnection,
    kind: KeyKind,
    after: Option<&str>,
    limit: i64,
) -> Result<Released, sqlx::Error> {
    // The index predicate, repeated so that the planner can use the index.
    const RELEASABLE: &str = "r.idempotency_key IS NOT NULL AND r.finished_at IS NOT NULL
           AND (r.idempotency_key_expires_at IS NOT NULL OR r.parent_run_id IS NOT NULL)";
    let which = match kind {
        KeyKind::Expired => "r.idempotency_key_expires_at <= now()",
        KeyKind::Child => {
            "r.idempotency_key_expires_at IS NULL AND r.parent_run_id IS NOT NULL
           AND r.id > coalesce($2::text, '')"
        }
    };
    // A child's key goes only once its parent has ended; the parent row is read, not
    // locked: an ended parent stays ended.
    let parent_ended = match kind {
        KeyKind::Expired => "true",
        KeyKind::Child => {
            "EXISTS (SELECT 1 FROM run p WHERE p.id = r.parent_run_id
                            AND p.status IN ('completed', 'failed', 'canceled'))"
        }
    };
    let (examined, released, last_id): (i64, i64, Option<String>) = sqlx::query_as(&format!(
        "WITH picked AS (
            SELECT r.id, {parent_ended} AS go FROM run r
            WHERE {RELEASABLE} AND {which}
            ORDER BY r.idempotency_key_expires_at, r.id
            LIMIT $1
            FOR UPDATE OF r SKIP LOCKED
         ),
         released AS (
            UPDATE run r SET released_idempotency_key = r.idempotency_key, idempotency_key = NULL
            FROM picked WHERE r.id = picked.id AND picked.go
            RETURNING r.id
         )
         SELECT (SELECT count(*) FROM picked), (SELECT count(*) FROM released),
                (SELECT max(id) FROM picked)"
    ))
    .bind(limit)
    .bind(after)
    .fetch_one(conn)
    .await?;
    Ok(Released {
        examined,
        released,
        last_id,
    })
}

/// Looks at up to `limit` top-level runs that ended more than `retention_secs` ago,
/// after `after` in (finished_at, id) order, and deletes the trees among them that
/// may go. The examined roots are locked with SKIP LOCKED: a child being attached to
/// one meanwhile (its FK check locks the parent) makes this batch pass the root
/// over, or waits for the batch and then fails its FK check, so no child is ever
/// orphaned. Roots whose tree must stay are passed over by the cursor rather than
/// looked at again by every batch of the round.
///
/// A few short statements rather than one recursive query: PostgreSQL cannot
/// estimate a recursive CTE's size and planned it as sequential scans of the whole
/// table, while each step here is an index lookup per run of the batch.
pub(crate) async fn prune_batch(
    conn: &mut PgConnection,
    retention_secs: f64,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Batch, sqlx::Error> {
    let roots: Vec<(String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, finished_at FROM run
         WHERE parent_run_id IS NULL AND finished_at IS NOT NULL
           AND finished_at < now() - make_interval(secs => $1)
           AND (finished_at, id) > (coalesce($2::timestamptz, '-infinity'), coalesce($3::text, ''))
         ORDER BY finished_at, id
         LIMIT $4
         FOR UPDATE SKIP LOCKED",
    )
    .bind(retention_secs)
    .bind(after.map(|c| c.0))
    .bind(after.map(|c| c.1.as_str()))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let examined = roots.len() as i64;
    let last = roots.last().cloned();
    // Every run of the examined trees with its root, a generation at a time.
    let mut ids: Vec<String> = roots.into_iter().map(|(id, _)| id).collect();
    let mut tree_roots = ids.clone();
    let (mut parents, mut parent_roots) = (ids.clone(), ids.clone());
    while !parents.is_empty() {
        let children: Vec<(String, String)> = sqlx::query_as(
            "SELECT c.id, p.root FROM unnest($1::text[], $2::text[]) AS p(id, root)
             JOIN run c ON c.parent_run_id = p.id",
        )
        .bind(&parents)
        .bind(&parent_roots)
        .fetch_all(&mut *conn)
        .await?;
        (parents, parent_roots) = children.into_iter().unzip();
        ids.extend_from_slice(&parents);
        tree_roots.extend_from_slice(&parent_roots);
    }
    let deleted: i64 = sqlx::query_scalar(
        "WITH tree AS (
            SELECT * FROM unnest($1::text[], $2::text[]) AS t(id, root)
         ),
         kept AS (
            SELECT DISTINCT t.root FROM tree t JOIN run r ON r.id = t.id
            WHERE r.status NOT IN ('completed', 'failed', 'canceled')
               OR r.finished_at IS NULL
               OR r.finished_at >= now() - make_interval(secs => $3)
               OR (r.idempotency_key IS NOT NULL AND r.idempotency_key_expires_at > now())
         ),
         deleted AS (
            DELETE FROM run r USING tree t
            WHERE r.id = t.id AND t.root NOT IN (SELECT root FROM kept)
            RETURNING r.id
         )
         SELECT count(*) FROM deleted",
    )
    .bind(&ids)
    .bind(&tree_roots)
    .bind(retention_secs)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Batch {
        examined,
        deleted,
        last_finished_at: last.as_ref().map(|l| l.1),
        last_id: last.map(|l| l.0),
    })
}
