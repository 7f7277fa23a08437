//! `audit checkpoint`: print (or write atomically to a file) every chain's head as a
//! witness to keep outside the database, for `audit verify --against`.
//!
//! The heads come from a full verification walk, not from `audit_chain_head`: a
//! witness vouches for what it pins, so a chain that does not verify is refused
//! (exit 1, nothing written) rather than witnessed.

use anyhow::Context as _;

use crate::audit::chain::ChainBroken;
use crate::audit::witness::{self, Checkpoint, WitnessedHead};
use crate::cli::audit::CheckpointArgs;
use crate::context::Context;
use crate::db::DbError;
use crate::ids::OrgId;

pub(crate) async fn run(args: CheckpointArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = args.org.as_deref().map(OrgId::parse).transpose()?;
    let (pool, _session) = ctx.tenant_pool(2).await?;
    if let Some(org) = &org {
        super::ensure_organization(&pool, org).await?;
    }
    let walk = crate::audit::verify::walk(&pool, org.as_ref(), None)
        .await
        .map_err(DbError::from)
        .context("reading the audit log failed")?;

    let broken: Vec<_> = walk.reports.iter().filter(|r| !r.ok).cloned().collect();
    if !broken.is_empty() {
        return Err(anyhow::Error::new(ChainBroken {
            broken,
            chains: walk.reports.len(),
        })
        .context("refusing to checkpoint a broken audit chain (see `audit verify`)"));
    }
    let heads = walk
        .reports
        .into_iter()
        .filter_map(|r| {
            Some(WitnessedHead {
                count: r.rows_checked,
                last_id: r.last_verified_id?,
                last_hash: r.last_verified_hash?,
                organization_id: r.organization_id,
            })
        })
        .collect();
    let checkpoint = Checkpoint::new(walk.snapshot_at, heads);
    // `audit verify --against` refuses an empty witness (it proves nothing), so none
    // is written.
    if checkpoint.chains.is_empty() {
        return Err(crate::error::CommandError::new(
            crate::error::ExitKind::NotFound,
            format!(
                "the audit log has no entries{}: there is no chain to witness, and an empty checkpoint would prove nothing",
                org.as_ref().map(|o| format!(" for {o}")).unwrap_or_default()
            ),
        )
        .into());
    }

    match &args.out {
        None if ctx.json => ctx.print_json(&checkpoint),
        None => ctx.println(checkpoint.to_pretty_json().trim_end()),
        Some(path) => {
            witness::write_atomically(path, &checkpoint)?;
            if ctx.json {
                ctx.print_json(&checkpoint)
            } else {
                ctx.println(&format!(
                    "wrote a checkpoint of {} audit chain{} ({}) to {}",
                    checkpoint.chains.len(),
                    if checkpoint.chains.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    witness::display_time(checkpoint.created_at),
                    path.display()
                ))
            }
        }
    }
}
