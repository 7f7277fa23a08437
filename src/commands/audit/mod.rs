//! `invoicectl audit …`: read and verify the append-only, hash-chained audit log
//! and witness its chain heads. Entries are written by the commands that
//! make the changes, through `crate::audit::append`; these commands only read the
//! database (`checkpoint --out` writes a file outside it).

mod checkpoint;
mod tail;
mod verify;

use clap::Subcommand;

use crate::context::Context;
use crate::ids::OrgId;

pub use checkpoint::CheckpointArgs;
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
    /// On its own this proves the chains consistent, not complete: someone with
    /// superuser rights who deletes a chain's tail and moves audit_chain_head back
    /// (or appends again after that) leaves a consistent chain. With --against FILE (a
    /// checkpoint from `audit checkpoint`, kept outside the database) every witnessed
    /// chain must also extend its witnessed head: the witnessed last row still there,
    /// with the witnessed hash, as the witnessed count-th row; otherwise exit 1, naming
    /// the organization and what changed (a witnessed chain that is gone fails too).
    /// Chains created after the checkpoint are verified but not witnessed. A missing
    /// FILE exits 66, one that is not a valid checkpoint 65. With --json each witnessed
    /// chain's report has a witness object (count, lastId, lastHash, ok, mismatch).
    ///
    /// Example: invoicectl audit verify --against audit-checkpoint.json
    Verify(VerifyArgs),
    /// Print each chain's head as JSON, a witness to keep outside the database for
    /// `audit verify --against`
    ///
    /// Verifies every chain first (or only --org's) and refuses, with exit 1 and
    /// nothing written, when one is broken: a checkpoint only witnesses chains that
    /// verify. Prints {"kind": "invoicectl-audit-checkpoint", "version": 1,
    /// "createdAt", "chains": [{"organizationId" (null for the system chain),
    /// "count", "lastId", "lastHash"}]}, pretty-printed (one line with --json). With
    /// --out the file is written atomically, so it is either the old checkpoint or
    /// the whole new one, and stdout gets one line saying so (the checkpoint itself
    /// with --json). Keep the file where the database's superuser cannot rewrite it:
    /// a CI artifact, a ticket, another host.
    ///
    /// Example: invoicectl audit checkpoint --out audit-checkpoint-$(date +%F).json
    Checkpoint(CheckpointArgs),
}

pub async fn run(cmd: AuditCommand, ctx: &Context) -> anyhow::Result<()> {
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
