//! `export status`: one run in detail, or the most recent runs as a table.
//! [`print_run`] is also what `demo` shows at its end.

use std::time::Duration;

use clap::Args;
use comfy_table::{Cell, Table};

use super::follow::follow_run;
use crate::context::Context;
use crate::db;
use crate::error::{CommandError, ExitKind};
use crate::exports::task::EXPORT_INVOICES;
use crate::exports::view::RunView;
use crate::ids::{OrgId, RunId};

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The run to show; without it, the most recent runs are listed
    #[arg(value_name = "RUN_ID")]
    pub run_id: Option<String>,

    /// List only this organization's runs
    #[arg(long, value_name = "ORG", conflicts_with = "run_id")]
    pub org: Option<String>,

    /// How many runs to list, newest first
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,

    /// Redraw a progress bar until the run ends; exit 0 if it completed, 1 if not
    #[arg(long, requires = "run_id")]
    pub watch: bool,

    /// With --watch: give up after this many seconds (exit 75)
    #[arg(long, value_name = "SECONDS", requires = "watch")]
    pub timeout: Option<u64>,
}

pub async fn run(args: StatusArgs, ctx: &Context) -> anyhow::Result<()> {
    match &args.run_id {
        Some(raw) => show_one(RunId::parse(raw)?, &args, ctx).await,
        None => list(&args, ctx).await,
    }
}

async fn show_one(run_id: RunId, args: &StatusArgs, ctx: &Context) -> anyhow::Result<()> {
    let pool = ctx.pool(1).await?;
    if args.watch {
        let outcome = follow_run(
            &pool,
            run_id.as_str(),
            args.timeout.map(Duration::from_secs),
            ctx.quiet,
        )
        .await?;
        print_run(ctx, &pool, &run_id).await?;
        return outcome.into_result();
    }
    print_run(ctx, &pool, &run_id).await
}

/// Prints one run with its child runs, as `export status RUN_ID` does: a key/value
/// listing and a table of children, or the SPEC §9 JSON document with `--json`.
/// An unknown run is "not found" (66).
pub async fn print_run(ctx: &Context, pool: &sqlx::PgPool, run_id: &RunId) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    let conn = &mut *conn;
    let run = db::runs::get(conn, run_id.as_str()).await?.ok_or_else(|| {
        CommandError::new(
            ExitKind::NotFound,
            format!("run {run_id} does not exist: `invoicectl export status` lists recent runs"),
        )
    })?;
    let children = db::runs::children(conn, run_id.as_str()).await?;
    let view = RunView::with_children(&run, &children);
    if ctx.json {
        return ctx.print_json(&view);
    }
    let mut table = ctx.bare_table();
    let dash = || "-".to_owned();
    let rows: Vec<(&str, String)> = vec![
        ("run id", view.run_id.clone()),
        ("task", view.task_id.clone()),
        (
            "organization",
            view.organization_id.clone().unwrap_or_else(dash),
        ),
        (
            "requested by",
            view.requested_by.clone().unwrap_or_else(dash),
        ),
        ("status", view.status.clone()),
        ("attempt", format!("{}/{}", view.attempt, view.max_attempts)),
        (
            "next attempt",
            view.next_attempt_at.clone().unwrap_or_else(dash),
        ),
        ("progress", format!("{} pages", view.progress())),
        (
            "rows",
            view.rows().map(|r| r.to_string()).unwrap_or_else(dash),
        ),
        (
            "download",
            view.download_url().map(str::to_owned).unwrap_or_else(dash),
        ),
        ("error", view.error_line().unwrap_or_else(dash)),
        ("created", view.created_at.clone()),
        ("started", view.started_at.clone().unwrap_or_else(dash)),
        ("finished", view.finished_at.clone().unwrap_or_else(dash)),
    ];
    for (name, value) in rows {
        let value = if name == "status" {
            ctx.status_cell(&value)
        } else {
            Cell::new(value)
        };
        table.add_row(vec![Cell::new(name), value]);
    }
    let mut out = table.to_string();
    if let Some(children) = view.children.as_ref().filter(|c| !c.is_empty()) {
        out.push_str("\n\nchild runs:\n");
        let mut t = list_table(ctx);
        for child in children {
            t.add_row(list_row(ctx, child));
        }
        out.push_str(&t.to_string());
    }
    ctx.println(&out)
}

async fn list(args: &StatusArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = args.org.as_deref().map(OrgId::parse).transpose()?;
    let pool = ctx.pool(1).await?;
    let mut conn = pool.acquire().await?;
    let runs = match &org {
        Some(org) => {
            if !db::members::organization_exists(&mut conn, org).await? {
                return Err(CommandError::new(
                    ExitKind::NotFound,
                    format!("organization {org} does not exist"),
                )
                .into());
            }
            let ids =
                db::exports::recent_run_ids(&mut conn, org.as_str(), args.limit as i64).await?;
            db::runs::get_many(&mut conn, &ids).await?
        }
        None => db::runs::recent(&mut conn, Some(EXPORT_INVOICES.id), args.limit as i64).await?,
    };
    let ids: Vec<String> = runs.iter().map(|r| r.id.clone()).collect();
    let children = db::runs::children_of_many(&mut conn, &ids).await?;
    let views: Vec<RunView> = runs
        .iter()
        .map(|run| {
            let mine: Vec<_> = children
                .iter()
                .filter(|c| c.parent_run_id.as_deref() == Some(run.id.as_str()))
                .cloned()
                .collect();
            RunView::with_children(run, &mine)
        })
        .collect();
    if ctx.json {
        return ctx.print_json(&views);
    }
    if views.is_empty() {
        return ctx.println("no export runs");
    }
    let mut table = list_table(ctx);
    for view in &views {
        table.add_row(list_row(ctx, view));
    }
    ctx.println(&table.to_string())
}

fn list_table(ctx: &Context) -> Table {
    ctx.table([
        "RUN ID",
        "TASK",
        "ORG",
        "REQUESTER",
        "STATUS",
        "ATTEMPT",
        "PAGES",
        "ROWS",
        "CREATED",
    ])
}

fn list_row(ctx: &Context, view: &RunView) -> Vec<Cell> {
    vec![
        Cell::new(&view.run_id),
        Cell::new(&view.task_id),
        Cell::new(view.organization_id.as_deref().unwrap_or_default()),
        Cell::new(view.requested_by.as_deref().unwrap_or_default()),
        ctx.status_cell(&view.status),
        Cell::new(format!("{}/{}", view.attempt, view.max_attempts)),
        Cell::new(view.progress()),
        Cell::new(view.rows().map(|r| r.to_string()).unwrap_or_default()),
        Cell::new(&view.created_at),
    ]
}
