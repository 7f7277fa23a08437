//! `audit verify`: recompute every hash chain in Rust and name the first broken
//! link of each (exit 1 when any chain is broken); with `--against`, also check that
//! each chain extends the head a checkpoint witnessed (`audit::witness`).
//!
//! The walk reads each chain in id order inside one REPEATABLE READ snapshot, so
//! appends committed meanwhile neither break the chain-head comparison nor get
//! half-checked. The hashes are recomputed by `audit::chain`, not by the database's
//! own `audit_canonical`, so a replaced SQL function cannot vouch for itself.
//! `audit checkpoint` takes its heads from the same walk, so it only ever witnesses
//! chains that verify.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context as _;
use chrono::{DateTime, SecondsFormat, Utc};
use clap::Args;
use comfy_table::Cell;
use futures::TryStreamExt as _;
use serde_json::json;

use crate::audit::chain::{ChainBroken, ChainReport, ChainWalker};
use crate::audit::witness::{self, Checkpoint, WitnessedHead};
use crate::context::Context;
use crate::db::{DbError, audit_log};
use crate::ids::OrgId;
use crate::layout::{self, Column};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Only this organization's chain (default: every organization and the system chain)
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,

    /// Also check each chain against the heads witnessed in FILE (written by `audit
    /// checkpoint`): a chain fails unless it still holds the witnessed last row, with
    /// the witnessed hash, as its witnessed count-th row
    #[arg(long, value_name = "FILE")]
    pub against: Option<PathBuf>,
}

pub async fn run(args: VerifyArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = args.org.as_deref().map(OrgId::parse).transpose()?;
    // The witness is read before connecting: a bad file is the caller's mistake,
    // whatever state the database is in.
    let checkpoint = args.against.as_deref().map(witness::read).transpose()?;
    let pool = ctx.pool(2).await?;
    if let Some(org) = &org {
        super::ensure_organization(&pool, org).await?;
    }
    let Walk { reports, .. } = walk(&pool, org.as_ref(), checkpoint.as_ref())
        .await
        .map_err(DbError::from)
        .context("reading the audit log failed")?;

    let broken: Vec<ChainReport> = reports.iter().filter(|r| !r.ok).cloned().collect();
    if ctx.json {
        let mut report = json!({
            "ok": broken.is_empty(),
            "rowsChecked": reports.iter().map(|r| r.rows_checked).sum::<u64>(),
            "chains": reports,
        });
        if let (Some(path), Some(checkpoint)) = (&args.against, &checkpoint) {
            report["witness"] = json!({
                "path": path.display().to_string(),
                "createdAt": checkpoint.created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            });
        }
        ctx.print_json(&report)?;
    } else if reports.is_empty() {
        ctx.println("no audit entries to verify")?;
    } else {
        let rows = reports
            .iter()
            .map(|r| {
                let mut row = vec![
                    Cell::new(r.organization_id.as_deref().unwrap_or("(system)")),
                    Cell::new(layout::thousands(r.rows_checked)),
                    Cell::new(
                        r.last_verified_id
                            .map_or("-".to_owned(), |id| id.to_string()),
                    ),
                    match &r.broken {
                        None => Cell::new("ok"),
                        Some(b) => Cell::new(format!(
                            "BROKEN at row {}: {}",
                            b.row_id.map_or("-".to_owned(), |id| id.to_string()),
                            b.kind.describe()
                        )),
                    },
                ];
                if checkpoint.is_some() {
                    row.push(Cell::new(match &r.witness {
                        None => "not witnessed".to_owned(),
                        Some(w) if w.ok => w.describe(),
                        Some(w) => format!("MISMATCH: {}", w.describe()),
                    }));
                }
                row
            })
            .collect();
        let mut columns = vec![
            Column::keep("CHAIN"),
            Column::ranked("ROWS CHECKED", 3),
            Column::ranked("LAST VERIFIED ID", 4),
            Column::cut("RESULT", 1),
        ];
        if checkpoint.is_some() {
            columns.push(Column::cut("WITNESS", 2));
        }
        let table = ctx.fitted_table(&columns, rows);
        ctx.println(&table.to_string())?;
        if let (Some(path), Some(checkpoint)) = (&args.against, &checkpoint) {
            ctx.println(&format!(
                "witness: {} (checkpoint of {})",
                path.display(),
                checkpoint
                    .created_at
                    .to_rfc3339_opts(SecondsFormat::Secs, true)
            ))?;
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(ChainBroken {
            broken,
            chains: reports.len(),
        }
        .into())
    }
}

/// What one walk over the chains found.
pub(super) struct Walk {
    /// One report per chain, in chain key order (the system chain first).
    pub reports: Vec<ChainReport>,
    /// The time of the snapshot the chains were read in.
    pub snapshot_at: DateTime<Utc>,
}

/// Verifies every chain (or `org`'s), each against its head in `checkpoint` when
/// given. A witnessed chain that no longer exists gets a report too (failed).
pub(super) async fn walk(
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
