//! The tenant transaction: every read or write of one organization's rows goes
//! through here.
//!
//! The transaction switches to the non-superuser `invoicectl_tenant` role with
//! `SET LOCAL ROLE` and sets `app.org_id`, so row-level security applies even when
//! invoicectl itself connects as a superuser, and both settings vanish at commit or
//! rollback — a pooled connection never carries one tenant's context into the next.

use sqlx::{Executor as _, PgConnection, PgPool, Postgres, Transaction};

use crate::ids::OrgId;

/// The cluster-wide role the migrations create; RLS policies apply to it.
pub const TENANT_ROLE: &str = "invoicectl_tenant";

/// Begins a transaction scoped to `org`.
pub async fn begin(
    pool: &PgPool,
    org: &OrgId,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    enter(&mut tx, org).await?;
    Ok(tx)
}

/// Scopes an already open transaction to `org` (for work that must share one
/// transaction with engine writes, like an export's close-out).
pub async fn enter(conn: &mut PgConnection, org: &OrgId) -> Result<(), sqlx::Error> {
    // One round trip. `SET LOCAL ROLE` takes no bind parameters; the org id is safe to
    // inline because `OrgId` only holds `org_[A-Za-z0-9]+`.
    let sql = format!(
        "SET LOCAL ROLE {TENANT_ROLE}; SELECT set_config('app.org_id', '{}', true)",
        org.as_str()
    );
    // `conn.execute(…)` rather than `raw_sql(…).execute(conn)`: the latter's future is
    // not `Send` for every lifetime, so callers could not `tokio::spawn` a tenant
    // transaction (rustc: "implementation of `Executor` is not general enough").
    conn.execute(sqlx::raw_sql(&sql)).await?;
    Ok(())
}

/// Leaves whatever role the transaction switched to (a tenant's, through [`enter`]),
/// back to the session's own: for work that goes on in the same transaction as the
/// owner (the engine after a task's failure hook, a step's close-out).
pub(crate) async fn leave(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("RESET ROLE").execute(conn).await?;
    Ok(())
}
