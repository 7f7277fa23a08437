//! `export status`: one run in detail, or the most recent runs as a table.

use std::time::Duration;

use clap::Args;
use comfy_table::{ContentArrangement, Table, presets};

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
        let mut conn = pool.acquire().await?;
        print_one(ctx, &mut conn, &run_id).await?;
        return outcome.into_result();
    }
    let mut conn = pool.acquire().await?;
    print_one(ctx, &mut conn, &run_id).await
}

async fn print_one(
    ctx: &Context,
    conn: &mut sqlx::PgConnection,
    run_id: &RunId,
) -> anyhow::Result<()> {
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
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic);
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
        table.add_row(vec![name.to_owned(), value]);
    }
    let mut out = table.to_string();
    if let Some(children) = view.children.as_ref().filter(|c| !c.is_empty()) {
        out.push_str("\n\nchild runs:\n");
        let mut t = list_table();
        for child in children {
            t.add_row(list_row(child));
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
    let mut table = list_table();
    for view in &views {
        table.add_row(list_row(view));
    }
    ctx.println(&table.to_string())
}

fn list_table() -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            "RUN ID",
            "TASK",
            "ORG",
            "REQUESTER",
            "STATUS",
            "ATTEMPT",
            "PAGES",
            "ROWS",
            "CREATED",
        ]);
    table
}

fn list_row(view: &RunView) -> Vec<String> {
    vec![
        view.run_id.clone(),
        view.task_id.clone(),
        view.organization_id.clone().unwrap_or_default(),
        view.requested_by.clone().unwrap_or_default(),
        view.status.clone(),
        format!("{}/{}", view.attempt, view.max_attempts),
        view.progress(),
        view.rows().map(|r| r.to_string()).unwrap_or_default(),
        view.created_at.clone(),
    ]
}
