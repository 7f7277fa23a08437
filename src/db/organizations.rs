//! Queries on `organization` for operators: the listing behind `org list` and the
//! candidate ids for a "did you mean …?" suggestion.
//!
//! Both run as the connecting role, outside any tenant transaction: listing every
//! tenant is an operator's view, like the existence checks in `members`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

/// An organization with how much it holds, as `org list` prints it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrganizationSummary {
    pub id: String,
    pub name: String,
    pub member_count: i64,
    pub invoice_count: i64,
    pub created_at: DateTime<Utc>,
}

/// Every organization in id order, with its member and invoice counts. Invoices are
/// counted from the `(organization_id, created_at)` index, one organization at a
/// time, so no join multiplies rows.
pub(crate) async fn list(conn: &mut PgConnection) -> Result<Vec<OrganizationSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.name,
                (SELECT count(*) FROM member m WHERE m.organization_id = o.id) AS member_count,
                (SELECT count(*) FROM invoice i WHERE i.organization_id = o.id) AS invoice_count,
                o.created_at
         FROM organization o
         ORDER BY o.id",
    )
    .fetch_all(conn)
    .await
}

/// The ids whose length is within `min..=max` characters, in id order: the only ones
/// a few edits can turn a mistyped id into.
pub(crate) async fn ids_by_length(
    conn: &mut PgConnection,
    min: i32,
    max: i32,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM organization WHERE length(id) BETWEEN $1 AND $2 ORDER BY id")
        .bind(min)
        .bind(max)
        .fetch_all(conn)
        .await
}
