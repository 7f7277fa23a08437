//! The reader behind `audit verify` and `audit checkpoint`: one walk over the hash
//! chains, each read in id order inside one REPEATABLE READ snapshot, so appends
//! committed meanwhile neither break the chain-head comparison nor get
//! half-checked. The hashes are recomputed by [`super::chain`], not by the
//! database's own `audit_canonical`, so a replaced SQL function cannot vouch for
//! itself. The commands keep their arguments and printing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use futures::TryStreamExt as _;

use super::chain::{ChainReport, ChainWalker};
use super::witness::{Checkpoint, WitnessedHead};
use crate::db::audit_log;
use crate::ids::OrgId;

/// What one walk over the chains found.
pub(crate) struct Walk {
    /// One report per chain, in chain key order (the system chain first).
    pub reports: Vec<ChainReport>,
    /// The time of the snapshot the chains were read in.
    pub snapshot_at: DateTime<Utc>,
}

/// Verifies every chain (or `org`'s), each against its head in `checkpoint` when
/// given. A witnessed chain that no longer exists gets a report too (failed).
pub(crate) async fn walk(
    pool: &sqlx::PgPool,
    org: Option<&OrgId>,
    checkpoint: Option<&Checkpoint>,
) -> Result<Walk, sqlx::Error> {
    let chain_key = org.map(OrgId::as_str);
    let mut witnessed: BTreeMap<String, WitnessedHead> = checkpoint
        .into_iter()
        .flat_map(|c| &c.chains)
        .filter(|h| chain_key.is_none_or(|key| h.chain_key() == key))
        .map(|h| (h.chain_key().to_owned(), h.clone()))
        .collect();
    let mut tx = audit_log::begin_snapshot(pool).await?;
    let snapshot_at = audit_log::transaction_time(&mut tx).await?;
    let mut heads = audit_log::heads_for_verify(&mut tx, chain_key).await?;
    let mut reports = Vec::new();
    {
        let mut rows = audit_log::rows_for_verify(&mut tx, chain_key);
        let mut current: Option<(String, ChainWalker)> = None;
        while let Some(row) = rows.try_next().await? {
            let key = row.organization_id.as_deref().unwrap_or("");
            if current.as_ref().is_none_or(|(k, _)| k != key) {
                if let Some((k, walker)) = current.take() {
                    reports.push(walker.finish(heads.remove(&k).as_ref()));
                }
                current = Some((
                    key.to_owned(),
                    ChainWalker::new(row.organization_id.clone())
                        .with_witness(witnessed.remove(key)),
                ));
            }
            if let Some((_, walker)) = current.as_mut() {
                walker.push(&row);
            }
        }
        if let Some((k, walker)) = current.take() {
            reports.push(walker.finish(heads.remove(&k).as_ref()));
        }
    }
    // Heads without rows: the chain's rows were all removed.
    for (key, head) in heads {
        if head.last_id.is_some() {
            let witness = witnessed.remove(&key);
            let org = (!key.is_empty()).then_some(key);
            reports.push(
                ChainWalker::new(org)
                    .with_witness(witness)
                    .finish(Some(&head)),
            );
        }
    }
    // Witnessed chains with neither rows nor a head: removed altogether.
    for (_, head) in witnessed {
        reports.push(
            ChainWalker::new(head.organization_id.clone())
                .with_witness(Some(head))
                .finish(None),
        );
    }
    tx.commit().await?;
    reports.sort_by(|a, b| a.organization_id.cmp(&b.organization_id));
    Ok(Walk {
        reports,
        snapshot_at,
    })
}
