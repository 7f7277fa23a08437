//! `export schedule …`: add, list, show, pause, resume and remove export schedules
//! (see `exports::schedule`; workers fire their ticks).

use anyhow::Context as _;
use comfy_table::Cell;

use super::start::asserted_user;
use crate::cli::export::{AddArgs, IdArgs, ListArgs, ScheduleCommand, ScopeArgs};
use crate::context::Context;
use crate::exports::schedule::{self, Change, ScheduleView};
use crate::ids::OrgId;
use crate::layout::{self, Column};

pub(crate) async fn run(cmd: ScheduleCommand, ctx: &Context) -> anyhow::Result<()> {
    match cmd {
        ScheduleCommand::Add(args) => add(args, ctx).await,
        ScheduleCommand::List(args) => list(args, ctx).await,
        ScheduleCommand::Show(args) => show(args, ctx).await,
        ScheduleCommand::Pause(args) => change(args, Change::Pause, ctx).await,
        ScheduleCommand::Resume(args) => change(args, Change::Resume, ctx).await,
        ScheduleCommand::Remove(args) => change(args, Change::Remove, ctx).await,
    }
}

async fn add(args: AddArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = OrgId::parse(&args.org)?;
    let asserted = asserted_user(args.as_user.as_deref(), ctx)?;
    let scope = ScopeArgs {
        from: args.from,
        to: args.to,
        period: args.period,
        tz: None,
        status: args.status,
    }
    .request();
    let pool = ctx.pool(1).await?;
    let user = ctx.session(&pool).await?.requester(asserted)?;
    let view = schedule::add(
        &pool,
        &org,
        Some(&user),
        &args.cron,
        args.zone.as_deref(),
        scope,
    )
    .await
    .with_context(|| format!("export schedule add for {org} as {user} refused"))?;
    if ctx.json {
        return ctx.print_json(&view);
    }
    ctx.println(&view.id)?;
    if !ctx.quiet {
        crate::logging::note(&format!(
            "note: first tick at {} (a worker must be running, or `export worker --drain` from cron)",
            view.next_tick_at.as_deref().unwrap_or("-")
        ))?;
    }
    Ok(())
}

const SCHEDULE_COLUMNS: [Column; 8] = [
    Column::keep("ID"),
    Column::ranked("ORG", 2),
    Column::ranked("OWNER", 5),
    Column::keep("CRON"),
    Column::ranked("ZONE", 4),
    Column::ranked("SCOPE", 3),
    Column::keep("STATE"),
    Column::ranked("NEXT TICK", 1),
];

async fn list(args: ListArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = args.org.as_deref().map(OrgId::parse).transpose()?;
    let pool = ctx.pool(1).await?;
    let views = schedule::list(&pool, org.as_ref()).await?;
    if ctx.json {
        return ctx.print_json(&views);
    }
    if views.is_empty() {
        return ctx.println("no schedules");
    }
    let rows = views
        .iter()
        .map(|v| {
            vec![
                Cell::new(&v.id),
                Cell::new(&v.organization_id),
                Cell::new(&v.requested_by),
                Cell::new(&v.cron),
                Cell::new(&v.time_zone),
                Cell::new(v.scope_text()),
                Cell::new(state_text(v)),
                Cell::new(v.next_tick_at.as_deref().unwrap_or("-")),
            ]
        })
        .collect();
    let table = layout::table(ctx.color, ctx.width, &SCHEDULE_COLUMNS, rows);
    ctx.println(&table.to_string())
}

/// `active`, `paused`, or `active (last tick failed)`.
fn state_text(v: &ScheduleView) -> String {
    match v.last_outcome.as_deref() {
        Some("failed") if v.state == "active" => "active (last tick failed)".to_owned(),
        _ => v.state.to_owned(),
    }
}

async fn show(args: IdArgs, ctx: &Context) -> anyhow::Result<()> {
    let pool = ctx.pool(1).await?;
    let view = schedule::show(&pool, &args.id, 5).await?;
    if ctx.json {
        return ctx.print_json(&view);
    }
    let dash = || "-".to_owned();
    let mut out = layout::key_values(&[
        ("schedule", view.id.clone()),
        ("organization", view.organization_id.clone()),
        ("owner", view.requested_by.clone()),
        ("cron", view.cron.clone()),
        ("time zone", view.time_zone.clone()),
        ("scope", view.scope_text()),
        ("state", state_text(&view)),
        ("paused since", view.paused_at.clone().unwrap_or_else(dash)),
        ("last tick", view.last_tick_at.clone().unwrap_or_else(dash)),
        (
            "last outcome",
            match (&view.last_outcome, &view.last_error) {
                (Some(o), Some(e)) => format!("{o}: {e}"),
                (Some(o), None) => o.clone(),
                _ => dash(),
            },
        ),
        ("last run", view.last_run_id.clone().unwrap_or_else(dash)),
        (
            "ticks",
            format!(
                "{} fired, {} failed, {} skipped",
                view.fired, view.failed, view.skipped
            ),
        ),
        ("created", view.created_at.clone()),
    ]);
    if let Some(next) = &view.upcoming {
        out.push_str("\n\nnext ticks:\n");
        for t in next {
            out.push_str(&format!("  {t}\n"));
        }
        out.pop();
    }
    if let Some(ticks) = view.recent_ticks.as_ref().filter(|t| !t.is_empty()) {
        out.push_str("\n\nlatest ticks:\n");
        for t in ticks {
            let what = match (t.outcome.as_str(), &t.run_id, &t.error, t.skipped) {
                ("fired", Some(run), _, _) => format!("fired {run}"),
                ("failed", _, Some(e), _) => format!("failed: {e}"),
                ("skipped", _, _, Some(n)) => format!("skipped {n} missed tick(s) from here"),
                (o, ..) => o.to_owned(),
            };
            out.push_str(&format!("  {}  {what}\n", t.tick_at));
        }
        out.pop();
    }
    ctx.println(&out)
}

async fn change(args: IdArgs, change: Change, ctx: &Context) -> anyhow::Result<()> {
    let asserted = asserted_user(args.as_user.as_deref(), ctx)?;
    let pool = ctx.pool(1).await?;
    let user = ctx.session(&pool).await?.requester(asserted)?;
    let (view, changed) = schedule::change(&pool, &args.id, Some(&user), change)
        .await
        .with_context(|| format!("changing schedule {} refused", args.id))?;
    if !changed {
        crate::logging::note(&format!(
            "note: schedule {} is already {}; nothing changed",
            view.id, view.state
        ))?;
    }
    if ctx.json {
        return ctx.print_json(&view);
    }
    ctx.println(&format!("schedule {} is {}", view.id, view.state))
}
