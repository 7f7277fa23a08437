//! `invoicectl audit …`: read and verify the append-only, hash-chained audit log
//! and witness its chain heads. Entries are written by the commands that
//! make the changes, through `crate::audit::append`; these commands only read the
//! database (`checkpoint --out` writes a file outside it).

mod checkpoint;
mod tail;
mod verify;

use crate::context::Context;
use crate::ids::OrgId;

use crate::cli::audit::AuditCommand;
pub(crate) use tail::print_recent;

pub(crate) async fn run(cmd: AuditCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Tail(args) => tail::run(args, ctx).await,
        AuditCommand::Verify(args) => verify::run(args, ctx).await,
        AuditCommand::Checkpoint(args) => checkpoint::run(args, ctx).await,
    }
}

/// Refuses an organization that does not exist (66), so that a typo is not mistaken
/// for an empty log.
async fn ensure_organization(pool: &sqlx::PgPool, org: &OrgId) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await.map_err(crate::db::DbError::from)?;
    Ok(crate::lookup::require_org(&mut conn, org).await?)
}
