//! Queries on `organization`, `app_user` and `member`: who may act for an org.

use serde::Serialize;
use sqlx::PgConnection;

use crate::ids::{OrgId, UserId};

/// A member's role, highest first (SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Viewer,
    Member,
    Admin,
    Owner,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "owner" => Role::Owner,
            "admin" => Role::Admin,
            "member" => Role::Member,
            "viewer" => Role::Viewer,
            _ => return None,
        })
    }
}

/// What the database knows about a (org, user) pair, read in one round trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub org_exists: bool,
    pub org_name: Option<String>,
    pub user_exists: bool,
    pub role: Option<Role>,
}

/// Looks up the org, the user and the user's role in the org. Runs outside RLS
/// (unknown org vs. unknown user must be told apart before any tenant context).
pub async fn membership(
    conn: &mut PgConnection,
    org: &OrgId,
    user: &UserId,
) -> Result<Membership, sqlx::Error> {
    let row: (Option<String>, bool, Option<String>) = sqlx::query_as(
        "SELECT (SELECT name FROM organization WHERE id = $1),
                EXISTS (SELECT 1 FROM app_user WHERE id = $2),
                (SELECT role FROM member WHERE organization_id = $1 AND user_id = $2)",
    )
    .bind(org.as_str())
    .bind(user.as_str())
    .fetch_one(conn)
    .await?;
    Ok(Membership {
        org_exists: row.0.is_some(),
        org_name: row.0,
        user_exists: row.1,
        role: row.2.as_deref().and_then(Role::parse),
    })
}

/// A member's address and the org's name, resolved only through the org's
/// member→user join: inside a tenant transaction a non-member yields `None`.
pub async fn member_recipient(
    conn: &mut PgConnection,
    org: &OrgId,
    user: &UserId,
) -> Result<Option<(String, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.email, u.name, o.name
         FROM member m
         JOIN app_user u ON u.id = m.user_id
         JOIN organization o ON o.id = m.organization_id
         WHERE m.organization_id = $1 AND m.user_id = $2",
    )
    .bind(org.as_str())
    .bind(user.as_str())
    .fetch_optional(conn)
    .await
}

/// True when the organization exists (outside RLS).
pub async fn organization_exists(
    conn: &mut PgConnection,
    org: &OrgId,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organization WHERE id = $1)")
        .bind(org.as_str())
        .fetch_one(conn)
        .await
}

/// True when the user exists. Runs outside RLS (for system-wide actions such as the
/// suppression list, whose actor belongs to no particular organization).
pub async fn user_exists(conn: &mut PgConnection, user: &UserId) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM app_user WHERE id = $1)")
        .bind(user.as_str())
        .fetch_one(conn)
        .await
}

/// A member of an organization with the user's address and name, as `member list`
/// prints it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberSummary {
    pub organization_id: String,
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
}

/// The members of `orgs`, by organization, then highest role first (owner, admin,
/// member, viewer), then user id. Runs outside RLS, as an operator's view (`member
/// list`, and what `db seed --demo` prints afterwards).
pub async fn list(
    conn: &mut PgConnection,
    orgs: &[&str],
) -> Result<Vec<MemberSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.organization_id, u.id AS user_id, u.email, u.name, m.role
         FROM member m
         JOIN app_user u ON u.id = m.user_id
         WHERE m.organization_id = ANY($1)
         ORDER BY m.organization_id,
                  array_position(ARRAY['owner', 'admin', 'member', 'viewer'], m.role), u.id",
    )
    .bind(orgs)
    .fetch_all(conn)
    .await
}

/// The user ids whose length is within `min..=max` characters, in id order: the only
/// ones a few edits can turn a mistyped id into.
pub async fn user_ids_by_length(
    conn: &mut PgConnection,
    min: i32,
    max: i32,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM app_user WHERE length(id) BETWEEN $1 AND $2 ORDER BY id")
        .bind(min)
        .bind(max)
        .fetch_all(conn)
        .await
}
