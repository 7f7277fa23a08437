//! `audit verify`: recompute every hash chain in Rust and name the first broken
//! link of each (exit 1 when any chain is broken).
//!
//! The walk reads each chain in id order inside one REPEATABLE READ snapshot, so
//! appends committed meanwhile neither break the chain-head comparison nor get
//! half-checked. The hashes are recomputed by `audit::chain`, not by the database's
//! own `audit_canonical`, so a replaced SQL function cannot vouch for itself.

use anyhow::Context as _;
use clap::Args;
use comfy_table::Cell;
use futures::TryStreamExt as _;
use serde_json::json;

use crate::audit::chain::{ChainBroken, ChainReport, ChainWalker};
use crate::context::Context;
use crate::db::{DbError, audit_log};
use crate::ids::OrgId;
use crate::layout::{self, Column};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Only this organization's chain (default: every organization and the system chain)
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
}

pub async fn run(args: VerifyArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = args.org.as_deref().map(OrgId::parse).transpose()?;
    let pool = ctx.pool(2).await?;
    if let Some(org) = &org {
        super::ensure_organization(&pool, org).await?;
    }
    let reports = walk(&pool, org.as_ref())
        .await
        .map_err(DbError::from)
        .context("reading the audit log failed")?;

    let broken: Vec<ChainReport> = reports.iter().filter(|r| !r.ok).cloned().collect();
    if ctx.json {
        ctx.print_json(&json!({
            "ok": broken.is_empty(),
            "rowsChecked": reports.iter().map(|r| r.rows_checked).sum::<u64>(),
            "chains": reports,
        }))?;
    } else if reports.is_empty() {
        ctx.println("no audit entries to verify")?;
    } else {
        let rows = reports
            .iter()
            .map(|r| {
                vec![
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
                ]
            })
            .collect();
        let table = ctx.fitted_table(
            &[
                Column::keep("CHAIN"),
                Column::ranked("ROWS CHECKED", 2),
                Column::ranked("LAST VERIFIED ID", 3),
                Column::cut("RESULT", 1),
            ],
            rows,
        );
        ctx.println(&table.to_string())?;
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

/// Verifies every chain (or `org`'s) and returns one report per chain, in chain key
/// order (the system chain first).
async fn walk(pool: &sqlx::PgPool, org: Option<&OrgId>) -> Result<Vec<ChainReport>, sqlx::Error> {
    let chain_key = org.map(OrgId::as_str);
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
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
                    ChainWalker::new(row.organization_id.clone()),
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
            let org = (!key.is_empty()).then_some(key);
            reports.push(ChainWalker::new(org).finish(Some(&head)));
        }
    }
    tx.commit().await?;
    reports.sort_by(|a, b| a.organization_id.cmp(&b.organization_id));
    Ok(reports)
}
