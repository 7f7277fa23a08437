//! Queries on `export`: the tenant-visible record of each requested export. Run in
//! tenant transactions (RLS), except where a function says otherwise.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::members::Role;
use crate::ids::RunId;

/// An export's lifecycle, spelled as `export.status` stores it (the table's CHECK
/// lists the same six). Decoding another value is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub(crate) enum ExportStatus {
    Queued,
    Running,
    Completed,
    Failed,
    Canceled,
    /// Completed, and its stored object since deleted by `export prune`.
    Expired,
}

impl ExportStatus {
    #[cfg(test)]
    pub(crate) const ALL: [ExportStatus; 6] = [
        ExportStatus::Queued,
        ExportStatus::Running,
        ExportStatus::Completed,
        ExportStatus::Failed,
        ExportStatus::Canceled,
        ExportStatus::Expired,
    ];

    /// The stored (and printed) spelling, as the derives spell it.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            ExportStatus::Queued => "queued",
            ExportStatus::Running => "running",
            ExportStatus::Completed => "completed",
            ExportStatus::Failed => "failed",
            ExportStatus::Canceled => "canceled",
            ExportStatus::Expired => "expired",
        }
    }
}

impl std::fmt::Display for ExportStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ExportRow {
    pub id: String,
    pub organization_id: String,
    pub requested_by: String,
    pub status: ExportStatus,
    pub run_id: RunId,
    pub download_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Where the stored object is: `s3://…` or `file://…`.
    pub object_url: Option<String>,
    pub byte_size: Option<i64>,
    pub sha256: Option<String>,
    pub link_expires_at: Option<DateTime<Utc>>,
    pub expired_at: Option<DateTime<Utc>>,
    /// The scope in its payload form; `None`: every invoice.
    pub scope: Option<serde_json::Value>,
    /// The schedule whose tick requested it, and the tick's instant.
    pub schedule_id: Option<String>,
    pub scheduled_for: Option<DateTime<Utc>>,
    /// The run this export retries.
    pub retry_of_run_id: Option<RunId>,
}

impl ExportRow {
    /// The stored object's URL: `object_url`, or for an export completed before
    /// invoicectl recorded it, its `file://` download URL.
    pub(crate) fn object_location(&self) -> Option<&str> {
        self.object_url.as_deref().or_else(|| {
            self.download_url
                .as_deref()
                .filter(|u| u.starts_with("file://"))
        })
    }
}

const COLUMNS: &str = "id, organization_id, requested_by, status, run_id,
     download_url, created_at, completed_at, object_url, byte_size, sha256,
     link_expires_at, expired_at, scope, schedule_id, scheduled_for, retry_of_run_id";

/// The export that retries `run_id` (owner connection), if any.
pub(crate) async fn retried_by(
    conn: &mut PgConnection,
    run_id: &RunId,
) -> Result<Option<ExportRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM export WHERE retry_of_run_id = $1"
    ))
    .bind(run_id)
    .fetch_optional(conn)
    .await
}

/// The requester of a run's export and that requester's role in the export's
/// organization now (`None` when no longer a member); `None` when the run has no
/// export row. Inside a tenant transaction, only that org's export is found.
pub(crate) async fn request_gate(
    conn: &mut PgConnection,
    run_id: &RunId,
) -> Result<Option<(String, Option<Role>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.requested_by, m.role
         FROM export e
         LEFT JOIN member m ON m.organization_id = e.organization_id AND m.user_id = e.requested_by
         WHERE e.run_id = $1",
    )
    .bind(run_id)
    .fetch_optional(conn)
    .await
}

/// The export of a run. Outside a tenant context (as the owner) it finds any org's;
/// inside one, only that org's.
pub(crate) async fn by_run(
    conn: &mut PgConnection,
    run_id: &RunId,
) -> Result<Option<ExportRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM export WHERE run_id = $1"))
        .bind(run_id)
        .fetch_optional(conn)
        .await
}

/// The exports of several runs (owner connection), for status listings.
pub(crate) async fn by_runs(
    conn: &mut PgConnection,
    run_ids: &[RunId],
) -> Result<Vec<ExportRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM export WHERE run_id = ANY($1)"
    ))
    .bind(run_ids)
    .fetch_all(conn)
    .await
}

/// Run ids of an org's newest exports (owner connection; `--org` listing).
pub(crate) async fn recent_run_ids(
    conn: &mut PgConnection,
    org: &str,
    limit: i64,
) -> Result<Vec<RunId>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT run_id FROM export WHERE organization_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(org)
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub(crate) async fn mark_running(
    conn: &mut PgConnection,
    run_id: &RunId,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE export SET status = 'running' WHERE run_id = $1 AND status = 'queued'")
        .bind(run_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn mark_completed(
    conn: &mut PgConnection,
    run_id: &RunId,
    row_count: i64,
    download_url: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE export SET status = 'completed', row_count = $2, download_url = $3, completed_at = now(), error = NULL
         WHERE run_id = $1",
    )
    .bind(run_id)
    .bind(row_count)
    .bind(download_url)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Marks the export ended without a file (`failed` or `canceled`).
pub(crate) async fn mark_ended(
    conn: &mut PgConnection,
    run_id: &RunId,
    status: ExportStatus,
    error: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE export SET status = $2, error = $3, completed_at = now()
         WHERE run_id = $1 AND status IN ('queued', 'running')",
    )
    .bind(run_id)
    .bind(status)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// What a completed export stored, for its row.
#[derive(Debug, Clone)]
pub(crate) struct StoredObject<'a> {
    pub download_url: &'a str,
    pub object_url: &'a str,
    pub byte_size: i64,
    pub sha256: &'a str,
    pub link_expires_at: Option<DateTime<Utc>>,
}

/// Marks the export completed with its stored object.
pub(crate) async fn mark_completed_stored(
    conn: &mut PgConnection,
    run_id: &RunId,
    row_count: i64,
    stored: &StoredObject<'_>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE export SET status = 'completed', row_count = $2, download_url = $3,
                object_url = $4, byte_size = $5, sha256 = $6, link_expires_at = $7,
                completed_at = now(), error = NULL
         WHERE run_id = $1",
    )
    .bind(run_id)
    .bind(row_count)
    .bind(stored.download_url)
    .bind(stored.object_url)
    .bind(stored.byte_size)
    .bind(stored.sha256)
    .bind(stored.link_expires_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Completed exports finished before `cutoff`, oldest first (owner connection, every
/// org): what `export prune --dry-run` lists.
pub(crate) async fn prunable(
    conn: &mut PgConnection,
    cutoff: DateTime<Utc>,
) -> Result<Vec<ExportRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM export
         WHERE status = 'completed' AND completed_at < $1
         ORDER BY completed_at, id"
    ))
    .bind(cutoff)
    .fetch_all(conn)
    .await
}

/// Locks the oldest completed export finished before `cutoff` that no one else has
/// locked (owner connection, inside the caller's transaction). Concurrent prunes each
/// take different rows, and a row stays locked until its object is deleted and the
/// row expired, or the transaction rolls back.
/// `skip`: export ids this prune already looked at and left (a refused location).
pub(crate) async fn claim_prunable(
    conn: &mut PgConnection,
    cutoff: DateTime<Utc>,
    skip: &[String],
) -> Result<Option<ExportRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM export
         WHERE status = 'completed' AND completed_at < $1 AND id <> ALL($2)
         ORDER BY completed_at, id
         LIMIT 1
         FOR UPDATE SKIP LOCKED"
    ))
    .bind(cutoff)
    .bind(skip)
    .fetch_optional(conn)
    .await
}

/// Marks a completed export `expired` (its object is gone). Returns the time.
pub(crate) async fn mark_expired(
    conn: &mut PgConnection,
    run_id: &RunId,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE export SET status = 'expired', expired_at = now()
         WHERE run_id = $1 AND status = 'completed'
         RETURNING expired_at",
    )
    .bind(run_id)
    .fetch_optional(conn)
    .await
}
