//! What the audit log holds, read straight from `audit_log`: one row shape
//! ([`AuditRow`]) and one query ([`audit_rows`]) for every test that checks entries.

use serde_json::Value;
use sqlx::PgPool;

/// One `audit_log` entry (without the id, time and hashes, which tests compare
/// elsewhere).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditRow {
    pub organization_id: Option<String>,
    pub actor_user_id: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub payload: Value,
}

/// Which entries [`audit_rows`] returns: every field set must match (`None` matches
/// anything).
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditFilter<'a> {
    pub organization_id: Option<&'a str>,
    pub action: Option<&'a str>,
    pub subject_type: Option<&'a str>,
    pub subject_id: Option<&'a str>,
}

impl<'a> AuditFilter<'a> {
    /// The entries about `subject_id`, whatever its subject type.
    pub fn subject(subject_id: &'a str) -> Self {
        AuditFilter {
            subject_id: Some(subject_id),
            ..AuditFilter::default()
        }
    }

    /// The entries about export run `run_id`.
    pub fn export(run_id: &'a str) -> Self {
        AuditFilter {
            subject_type: Some("export"),
            subject_id: Some(run_id),
            ..AuditFilter::default()
        }
    }

    /// Only entries with `action`.
    pub fn action(self, action: &'a str) -> Self {
        AuditFilter {
            action: Some(action),
            ..self
        }
    }

    /// Only entries on `org`'s chain.
    pub fn org(self, org: &'a str) -> Self {
        AuditFilter {
            organization_id: Some(org),
            ..self
        }
    }
}

/// The entries matching `filter`, in id order.
pub async fn audit_rows(pool: &PgPool, filter: AuditFilter<'_>) -> Vec<AuditRow> {
    sqlx::query_as(
        "SELECT organization_id, actor_user_id, action, subject_type, subject_id, payload
         FROM audit_log
         WHERE ($1::text IS NULL OR organization_id = $1)
           AND ($2::text IS NULL OR action = $2)
           AND ($3::text IS NULL OR subject_type = $3)
           AND ($4::text IS NULL OR subject_id = $4)
         ORDER BY id",
    )
    .bind(filter.organization_id)
    .bind(filter.action)
    .bind(filter.subject_type)
    .bind(filter.subject_id)
    .fetch_all(pool)
    .await
    .unwrap()
}
