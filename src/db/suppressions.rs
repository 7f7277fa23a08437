//! Queries on `email_suppression`: the addresses invoicectl must never email (after a
//! bounce, a complaint or an unsubscribe). Every statement on that table is here.
//!
//! The list belongs to no tenant (no `organization_id`, no row-level security), so
//! these functions run on any connection; the tenant role may read it, which lets the
//! email task check an address inside its tenant transaction. Addresses are passed as
//! [`EmailAddress`], already lowercased, matching the table's `email = lower(email)`
//! check.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::DbError;
use crate::email_address::EmailAddress;

/// Why an address is suppressed, spelled as `email_suppression.reason` stores it (the
/// table's CHECK constraint lists the same three). Decoding another value is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum Reason {
    Bounce,
    Complaint,
    Unsubscribe,
}

impl Reason {
    #[cfg(test)]
    pub(crate) const ALL: [Reason; 3] = [Reason::Bounce, Reason::Complaint, Reason::Unsubscribe];

    /// The stored (and printed) spelling, as the derives spell it.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Reason::Bounce => "bounce",
            Reason::Complaint => "complaint",
            Reason::Unsubscribe => "unsubscribe",
        }
    }
}

/// One suppressed address. Serializes as `{"email","reason","createdAt"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Suppression {
    pub email: String,
    pub reason: Reason,
    /// When the address was first suppressed (a later reason change keeps it).
    pub created_at: DateTime<Utc>,
}

/// What [`upsert`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upsert {
    /// The address was not on the list; now it is.
    Added(Suppression),
    /// The address was on the list with another reason; the reason was replaced.
    ReasonChanged {
        previous: Reason,
        suppression: Suppression,
    },
    /// The address was already on the list with this reason; nothing was written.
    Unchanged(Suppression),
}

impl Upsert {
    pub(crate) fn suppression(&self) -> &Suppression {
        match self {
            Upsert::Added(s) | Upsert::Unchanged(s) => s,
            Upsert::ReasonChanged { suppression, .. } => suppression,
        }
    }
}

/// Puts `email` on the list with `reason`, or changes the reason of an address
/// already there. Call it inside a transaction: the existing row is locked
/// (`FOR UPDATE`) so the outcome reported is the one that commits, and a concurrent
/// insert of the same address is waited for rather than reported twice as `Added`.
pub async fn upsert(
    conn: &mut PgConnection,
    email: &EmailAddress,
    reason: Reason,
) -> Result<Upsert, DbError> {
    // Two rounds at most: if a concurrent transaction inserts the address between our
    // lookup and our insert, the insert does nothing and the second lookup sees it.
    for _ in 0..2 {
        if let Some(current) = find_for_update(conn, email).await? {
            if current.reason == reason {
                return Ok(Upsert::Unchanged(current));
            }
            let suppression: Suppression = sqlx::query_as(
                "UPDATE email_suppression SET reason = $2 WHERE email = $1
                 RETURNING email, reason, created_at",
            )
            .bind(email.as_str())
            .bind(reason)
            .fetch_one(&mut *conn)
            .await?;
            return Ok(Upsert::ReasonChanged {
                previous: current.reason,
                suppression,
            });
        }
        let inserted: Option<Suppression> = sqlx::query_as(
            "INSERT INTO email_suppression (email, reason) VALUES ($1, $2)
             ON CONFLICT (email) DO NOTHING
             RETURNING email, reason, created_at",
        )
        .bind(email.as_str())
        .bind(reason)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(suppression) = inserted {
            return Ok(Upsert::Added(suppression));
        }
    }
    Err(DbError::SuppressionContended)
}

async fn find_for_update(
    conn: &mut PgConnection,
    email: &EmailAddress,
) -> Result<Option<Suppression>, sqlx::Error> {
    sqlx::query_as(
        "SELECT email, reason, created_at FROM email_suppression WHERE email = $1 FOR UPDATE",
    )
    .bind(email.as_str())
    .fetch_optional(&mut *conn)
    .await
}

/// Takes `email` off the list; returns what was removed, or `None` if it was not
/// suppressed.
pub(crate) async fn remove(
    conn: &mut PgConnection,
    email: &EmailAddress,
) -> Result<Option<Suppression>, sqlx::Error> {
    sqlx::query_as(
        "DELETE FROM email_suppression WHERE email = $1 RETURNING email, reason, created_at",
    )
    .bind(email.as_str())
    .fetch_optional(conn)
    .await
}

/// Every suppressed address, in address order.
pub(crate) async fn list(conn: &mut PgConnection) -> Result<Vec<Suppression>, sqlx::Error> {
    sqlx::query_as(
        "SELECT email, reason, created_at FROM email_suppression ORDER BY email COLLATE \"C\"",
    )
    .fetch_all(conn)
    .await
}

/// True when `email` must not be emailed. Works inside a tenant transaction (the
/// tenant role may read the list).
pub async fn is_suppressed(
    conn: &mut PgConnection,
    email: &EmailAddress,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM email_suppression WHERE email = $1)")
        .bind(email.as_str())
        .fetch_one(conn)
        .await
}
