//! Queries on `app_login` and the identity functions of the migrations: who the
//! session is (`invoicectl_session()`), and linking logins to users (`user_link`,
//! `user_unlink`, which check in the database that the caller is an admin).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use super::members::Role;

/// The session as PostgreSQL authenticated it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct SessionRow {
    /// `session_user`: the login the server authenticated.
    pub login: String,
    /// The user the login is linked to, if any.
    pub user_id: Option<String>,
    /// `admin`, `login` or `unmapped`.
    pub mode: String,
    /// The invoicectl_* groups the login belongs to, directly or not.
    pub groups: Vec<String>,
}

/// Who the session is.
pub(crate) async fn session(conn: &mut PgConnection) -> Result<SessionRow, sqlx::Error> {
    sqlx::query_as("SELECT login, user_id, mode, groups FROM invoicectl_session()")
        .fetch_one(conn)
        .await
}

/// Links `login` to `user` (granting it invoicectl_operator when it lacks it); false
/// when it already was linked to that user.
pub(crate) async fn link(
    conn: &mut PgConnection,
    login: &str,
    user: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT user_link($1, $2)")
        .bind(login)
        .bind(user)
        .fetch_one(conn)
        .await
}

/// Unlinks `login`; the user it was linked to, or `None` when it was not linked.
pub(crate) async fn unlink(
    conn: &mut PgConnection,
    login: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_unlink($1)")
        .bind(login)
        .fetch_one(conn)
        .await
}

/// A linked login as `user list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LinkedLogin {
    pub login: String,
    pub user_id: String,
    /// False when the role was dropped from the server while still linked.
    pub login_exists: bool,
    pub groups: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// Every linked login, in login order.
pub(crate) async fn list(conn: &mut PgConnection) -> Result<Vec<LinkedLogin>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.login, l.user_id,
                EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = l.login) AS login_exists,
                invoicectl_groups(l.login::name) AS groups, l.created_at
         FROM app_login l ORDER BY l.login",
    )
    .fetch_all(conn)
    .await
}

/// The names of the roles that may log in, for "did you mean …?".
pub(crate) async fn login_names(conn: &mut PgConnection) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT rolname::text FROM pg_roles WHERE rolcanlogin ORDER BY rolname")
        .fetch_all(conn)
        .await
}

/// A user's organizations and role in each, in id order (what row-level security
/// lets the session see of them).
pub(crate) async fn organizations_of(
    conn: &mut PgConnection,
    user: &str,
) -> Result<Vec<(String, Role)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT organization_id, role FROM member WHERE user_id = $1 ORDER BY organization_id",
    )
    .bind(user)
    .fetch_all(conn)
    .await
}
