//! Queries on `export`: the tenant-visible record of each requested export. Run in
//! tenant transactions (RLS), except where a function says otherwise.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub id: String,
    pub organization_id: String,
    pub requested_by: String,
    pub status: String,
    pub day_bucket: NaiveDate,
    pub run_id: String,
    pub row_count: Option<i64>,
    pub download_url: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, organization_id, requested_by, status, day_bucket, run_id, row_count,
     download_url, error, created_at, completed_at";

pub async fn insert(
    conn: &mut PgConnection,
    id: &str,
    org: &str,
    requested_by: &str,
    day_bucket: NaiveDate,
    run_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO export (id, organization_id, requested_by, status, day_bucket, run_id)
         VALUES ($1, $2, $3, 'queued', $4, $5)",
    )
    .bind(id)
    .bind(org)
    .bind(requested_by)
    .bind(day_bucket)
    .bind(run_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The export of a run. Outside a tenant context (as the owner) it finds any org's;
/// inside one, only that org's.
pub async fn by_run(
    conn: &mut PgConnection,
    run_id: &str,
) -> Result<Option<ExportRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM export WHERE run_id = $1"))
        .bind(run_id)
        .fetch_optional(conn)
        .await
}

/// The exports of several runs (owner connection), for status listings.
pub async fn by_runs(
    conn: &mut PgConnection,
    run_ids: &[String],
) -> Result<Vec<ExportRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM export WHERE run_id = ANY($1)"
    ))
    .bind(run_ids)
    .fetch_all(conn)
    .await
}

/// Run ids of an org's newest exports (owner connection; `--org` listing).
pub async fn recent_run_ids(
    conn: &mut PgConnection,
    org: &str,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT run_id FROM export WHERE organization_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(org)
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn mark_running(conn: &mut PgConnection, run_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE export SET status = 'running' WHERE run_id = $1 AND status = 'queued'")
        .bind(run_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_completed(
    conn: &mut PgConnection,
    run_id: &str,
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
pub async fn mark_ended(
    conn: &mut PgConnection,
    run_id: &str,
    status: &str,
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
