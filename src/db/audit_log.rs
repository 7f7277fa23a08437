//! Queries on `audit_log`. Appends go through the database trigger that chains each
//! row per organization; this layer never computes a hash itself.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

/// One entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub organization_id: Option<&'a str>,
    pub actor_user_id: Option<&'a str>,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    pub payload: Value,
}

/// Appends one entry inside the caller's (tenant) transaction; returns its id.
pub async fn insert(conn: &mut PgConnection, entry: &NewEntry<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id",
    )
    .bind(entry.organization_id)
    .bind(entry.actor_user_id)
    .bind(entry.action)
    .bind(entry.subject_type)
    .bind(entry.subject_id)
    .bind(&entry.payload)
    .fetch_one(conn)
    .await
}

/// A stored entry as `audit tail` shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub organization_id: Option<String>,
    pub actor_user_id: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub payload: Value,
    pub created_at: DateTime<Utc>,
}
