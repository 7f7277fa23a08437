//! `invoicectl audit …`: read and verify the append-only, hash-chained audit log
//! (SPEC §8). Entries are written by the commands that make the changes, through
//! `crate::audit::append`; these commands only read.

mod tail;
mod verify;

use clap::Subcommand;

use crate::context::Context;
use crate::error::{CommandError, ExitKind};
use crate::ids::OrgId;

pub use tail::{TailArgs, parse_since, print_recent};
pub use verify::VerifyArgs;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Print the newest audit entries, oldest first; with --follow, keep printing new
    /// ones as they commit
    ///
    /// Shows time (RFC 3339, UTC), organization, actor (`system` when no user acted),
    /// action, subject and a payload summary as a table, or with --json one object a
    /// line with the fields id, organizationId, actorUserId, action, subjectType,
    /// subjectId, payload and createdAt. With --follow, rows arrive in commit order per
    /// organization, each exactly once, until Ctrl-C or SIGTERM (exit 0); human
    /// output is then one aligned line per entry instead of a boxed table.
    ///
    /// Example: invoicectl audit tail --org org_acme -n 50 --follow --json
    Tail(TailArgs),
    /// Recompute every hash chain (one per organization, plus the system chain) and
    /// name the first broken link
    ///
    /// Walks each chain in id order, recomputing every row's hash from its content
    /// and the previous row's hash, and checks the chain's recorded head. Prints the
    /// rows checked per chain; exits 1 if any chain is broken, naming the
    /// organization, the row id and whether the row's content changed (hash mismatch)
    /// or rows before it were removed or rewritten (prev_hash link broken).
    ///
    /// Example: invoicectl audit verify --org org_acme
    Verify(VerifyArgs),
}

pub async fn run(cmd: AuditCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Tail(args) => tail::run(args, ctx).await,
        AuditCommand::Verify(args) => verify::run(args, ctx).await,
    }
}

/// Refuses an organization that does not exist (66), so that a typo is not mistaken
/// for an empty log.
async fn ensure_organization(pool: &sqlx::PgPool, org: &OrgId) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await.map_err(crate::db::DbError::from)?;
    let exists = crate::db::audit_log::organization_exists(&mut conn, org.as_str())
        .await
        .map_err(crate::db::DbError::from)?;
    if exists {
        Ok(())
    } else {
        Err(CommandError::new(
            ExitKind::NotFound,
            format!("organization {org} does not exist: check the organization id"),
        )
        .into())
    }
}
