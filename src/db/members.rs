//! Queries on `organization`, `app_user` and `member`: who may act for an org.

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::ids::{OrgId, UserId};

/// A member's role, lowest first, spelled as `member.role` stores it (the
/// table's CHECK lists the same four). Decoding another value is an error.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub(crate) enum Role {
    Viewer,
    Member,
    Admin,
    Owner,
}

impl Role {
    #[cfg(test)]
    pub(crate) const ALL: [Role; 4] = [Role::Viewer, Role::Member, Role::Admin, Role::Owner];

    /// The stored (and printed) spelling, as the derives spell it.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the database knows about a (org, user) pair, read in one round trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Membership {
    pub org_exists: bool,
    pub org_name: Option<String>,
    pub user_exists: bool,
    pub role: Option<Role>,
}

/// Looks up the org, the user and the user's role in the org. Runs outside RLS
/// (unknown org vs. unknown user must be told apart before any tenant context).
pub(crate) async fn membership(
    conn: &mut PgConnection,
    org: &OrgId,
    user: &UserId,
) -> Result<Membership, sqlx::Error> {
    let row: (Option<String>, bool, Option<Role>) = sqlx::query_as(
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
        role: row.2,
    })
}

/// A member's address and the org's name, resolved only through the org's
/// member→user join: inside a tenant transaction a non-member yields `None`.
pub(crate) async fn member_recipient(
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
pub(crate) async fn organization_exists(
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
pub(crate) async fn user_exists(
    conn: &mut PgConnection,
    user: &UserId,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM app_user WHERE id = $1)")
        .bind(user.as_str())
        .fetch_one(conn)
        .await
}

/// A member of an organization with the user's address and name, as `member list`
/// prints it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MemberSummary {
    pub organization_id: String,
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// The members of `orgs`, by organization, then highest role first (owner, admin,
/// member, viewer), then user id. Runs outside RLS, as an operator's view (`member
/// list`, and what `db seed --demo` prints afterwards).
pub(crate) async fn list(
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
pub(crate) async fn user_ids_by_length(
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
