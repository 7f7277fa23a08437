//! `audit verify`: recompute every hash chain in Rust and name the first broken
//! link of each (exit 1 when any chain is broken); with `--against`, also check that
//! each chain extends the head a checkpoint witnessed (`audit::witness`).
//!
//! The walk itself is `audit::verify` (one REPEATABLE READ snapshot, hashes
//! recomputed in Rust); this module holds the arguments and the printing.
//! `audit checkpoint` takes its heads from the same walk, so it only ever witnesses
//! chains that verify.

use anyhow::Context as _;
use chrono::SecondsFormat;
use comfy_table::Cell;
use serde_json::json;

use crate::audit::chain::{ChainBroken, ChainReport};
use crate::audit::verify::{Walk, walk};
use crate::audit::witness;
use crate::cli::audit::VerifyArgs;
use crate::context::Context;
use crate::db::DbError;
use crate::ids::OrgId;
use crate::layout::{self, Column};

pub(crate) async fn run(args: VerifyArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = args.org.as_deref().map(OrgId::parse).transpose()?;
    // The witness is read before connecting: a bad file is the caller's mistake,
    // whatever state the database is in.
    let checkpoint = args.against.as_deref().map(witness::read).transpose()?;
    let (pool, _session) = ctx.tenant_pool(2).await?;
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
