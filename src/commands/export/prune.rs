//! `export prune`: delete the stored files of old exports (retention), from cron.

use anyhow::Context as _;
use chrono::Utc;
use comfy_table::Cell;
use serde::Serialize;

use crate::cli::export::PruneArgs;
use crate::context::Context;
use crate::error::{CommandError, ExitKind};
use crate::exports::links::{self, Pruned};
use crate::layout::Column;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    dry_run: bool,
    cutoff: String,
    exports: &'a [Pruned],
}

pub(crate) async fn run(args: PruneArgs, ctx: &Context) -> anyhow::Result<()> {
    let age = crate::duration::parse_duration(&args.older_than)
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .ok_or_else(|| {
            CommandError::new(
                ExitKind::Invalid,
                format!(
                    "--older-than {:?} is not a duration: write e.g. 30d, 12h, 2w or 1h30m",
                    args.older_than
                ),
            )
        })?;
    let cutoff = Utc::now()
        .checked_sub_signed(age)
        .ok_or_else(|| CommandError::new(ExitKind::Invalid, "--older-than is too long"))?;
    let (pool, _session) = ctx.admin_pool(1, "export prune").await?;
    let exports = if args.dry_run {
        links::prune_candidates(&pool, &ctx.settings.storage, cutoff).await?
    } else {
        links::prune(&pool, &ctx.settings.storage, cutoff)
            .await
            .context("export prune stopped")?
    };
    if ctx.json {
        return ctx.print_json(&Report {
            dry_run: args.dry_run,
            cutoff: crate::exports::view::timestamp(&cutoff),
            exports: &exports,
        });
    }
    let verb = if args.dry_run {
        "would expire"
    } else {
        "expired"
    };
    if exports.is_empty() {
        return ctx.println(&format!(
            "nothing to prune: no export completed before {}",
            crate::exports::view::timestamp(&cutoff)
        ));
    }
    let (refused, listed): (Vec<&Pruned>, Vec<&Pruned>) = exports.iter().partition(|e| e.refused);
    let rows = listed
        .iter()
        .map(|e| {
            vec![
                Cell::new(&e.run_id),
                Cell::new(&e.organization_id),
                Cell::new(e.completed_at.as_deref().unwrap_or("-")),
                Cell::new(e.object_url.as_deref().unwrap_or("-")),
            ]
        })
        .collect();
    let table = ctx.fitted_table(
        &[
            Column::keep("RUN"),
            Column::keep("ORG"),
            Column::ranked("COMPLETED", 1),
            Column::cut("FILE", 2),
        ],
        rows,
    );
    if !listed.is_empty() {
        ctx.println(&table.to_string())?;
    }
    ctx.println(&format!("{verb} {} export(s)", listed.len()))?;
    if !refused.is_empty() {
        let runs: Vec<&str> = refused.iter().map(|e| e.run_id.as_str()).collect();
        ctx.println(&format!(
            "would refuse {} export(s) whose recorded location is not their place in {}: {} (prune leaves them untouched and exits 77)",
            refused.len(),
            ctx.settings.storage.location,
            runs.join(", ")
        ))?;
    }
    Ok(())
}
