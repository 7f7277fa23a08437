//! `export status`: one run in detail, or the most recent runs as a table.
//! [`print_run`] is also what `demo` shows at its end.

use std::time::Duration;

use chrono::{DateTime, Utc};
use comfy_table::{Cell, Table};

use super::follow::follow_run;
use crate::cli::export::StatusArgs;
use crate::context::Context;
use crate::db;
use crate::error::{CommandError, ExitKind};
use crate::exports::task::EXPORT_INVOICES;
use crate::exports::view::{ExportDetails, RunView};
use crate::ids::{OrgId, RunId};
use crate::layout::{self, Column};

pub(crate) async fn run(args: StatusArgs, ctx: &Context) -> anyhow::Result<()> {
    match &args.run_id {
        Some(raw) => show_one(RunId::parse(raw)?, &args, ctx).await,
        None => list(&args, ctx).await,
    }
}

async fn show_one(run_id: RunId, args: &StatusArgs, ctx: &Context) -> anyhow::Result<()> {
    let (pool, _session) = ctx.tenant_pool(1).await?;
    if args.watch {
        let outcome = follow_run(
            &pool,
            &run_id,
            args.timeout.map(Duration::from_secs),
            ctx.quiet,
            false,
        )
        .await?;
        print_run(ctx, &pool, &run_id).await?;
        return outcome.into_result();
    }
    print_run(ctx, &pool, &run_id).await
}

/// Prints one run with its child runs, as `export status RUN_ID` does: a key/value
/// listing and a table of children, or the JSON document (docs/reference.md, "JSON shapes") with `--json`.
/// An unknown run is "not found" (66).
pub(crate) async fn print_run(
    ctx: &Context,
    pool: &sqlx::PgPool,
    run_id: &RunId,
) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    let conn = &mut *conn;
    let run = db::runs::get(conn, run_id).await?.ok_or_else(|| {
        CommandError::new(
            ExitKind::NotFound,
            format!("run {run_id} does not exist: `invoicectl export status` lists recent runs"),
        )
    })?;
    let children = db::runs::children(conn, run_id).await?;
    let mut view = RunView::with_children(&run, &children);
    ExportDetails::load(conn, &mut view).await?;
    if ctx.json {
        return ctx.print_json(&view);
    }
    let export = db::exports::by_run(conn, run_id).await?;
    let now = Utc::now();
    let mut out = run_details(ctx.color, &view, export.as_ref(), now);
    if let Some(children) = view.children.as_ref().filter(|c| !c.is_empty()) {
        out.push_str("\n\nchild runs:\n");
        out.push_str(&runs_table(ctx.color, ctx.width, children, now).to_string());
    }
    ctx.println(&out)
}

/// The key/value listing of one run; `-` for what is not there (yet).
fn run_details(
    color: bool,
    view: &RunView,
    export: Option<&db::exports::ExportRow>,
    now: DateTime<Utc>,
) -> String {
    let dash = || "-".to_owned();
    let time = |t: Option<&str>| t.map_or_else(dash, |t| with_age(t, now));
    // Whether a link can be had, never the link itself (see `exports::view`).
    let link = match export {
        Some(e) if e.status == db::exports::ExportStatus::Expired => format!(
            "none: expired {} (export prune)",
            e.expired_at
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "-".to_owned())
        ),
        Some(e)
            if e.status == db::exports::ExportStatus::Completed
                && e.object_location().is_some() =>
        {
            format!("available: invoicectl export url {} --as USER", view.run_id)
        }
        _ => dash(),
    };
    layout::key_values(&[
        ("run id", view.run_id.to_string()),
        ("task", view.task_id.clone()),
        (
            "organization",
            view.organization_id.clone().unwrap_or_else(dash),
        ),
        (
            "requested by",
            view.requested_by.clone().unwrap_or_else(dash),
        ),
        ("scope", view.export.scope_text()),
        ("status", status_text(color, view)),
        ("attempt", format!("{}/{}", view.attempt, view.max_attempts)),
        ("next attempt", time(view.next_attempt_at.as_deref())),
        ("progress", format!("{} pages", view.progress())),
        ("rows", view.rows().map_or_else(dash, layout::thousands)),
        ("stored at", view.object_url().unwrap_or_else(dash)),
        ("link", link),
        ("error", view.error_line().unwrap_or_else(dash)),
        (
            "paused",
            view.export
                .paused
                .as_ref()
                .map_or_else(dash, |p| p.sentence()),
        ),
        (
            "retry of",
            view.export
                .retry_of
                .as_ref()
                .map_or_else(dash, RunId::to_string),
        ),
        (
            "retried by",
            view.export
                .retried_by
                .as_ref()
                .map_or_else(dash, RunId::to_string),
        ),
        (
            "schedule",
            match (&view.export.schedule_id, &view.export.scheduled_for) {
                (Some(id), Some(at)) => format!("{id}, tick {at}"),
                (Some(id), None) => id.clone(),
                _ => dash(),
            },
        ),
        ("created", time(Some(&view.created_at))),
        ("started", time(view.started_at.as_deref())),
        ("finished", time(view.finished_at.as_deref())),
    ])
}

/// The status of a run's details: the engine's, colored, or `expired` (plain: an
/// expired export is neither in progress nor a failure).
fn status_text(color: bool, view: &RunView) -> String {
    if view.is_expired() {
        view.shown_status.to_owned()
    } else {
        crate::context::status_text(color, view.status)
    }
}

/// An RFC 3339 time from a [`RunView`] relative to now: `…Z (2m ago)`, `…Z (in 3d)`.
fn with_age(t: &str, now: DateTime<Utc>) -> String {
    match DateTime::parse_from_rfc3339(t) {
        Ok(parsed) => format!("{t} ({})", layout::relative(&parsed.to_utc(), now)),
        Err(_) => t.to_owned(),
    }
}

async fn list(args: &StatusArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = args.org.as_deref().map(OrgId::parse).transpose()?;
    let (pool, _session) = ctx.tenant_pool(1).await?;
    let mut conn = pool.acquire().await?;
    let runs = match &org {
        Some(org) => {
            crate::lookup::require_org(&mut conn, org).await?;
            let ids =
                db::exports::recent_run_ids(&mut conn, org.as_str(), args.limit as i64).await?;
            db::runs::get_many(&mut conn, &ids).await?
        }
        None => db::runs::recent(&mut conn, Some(EXPORT_INVOICES.id), args.limit as i64).await?,
    };
    let ids: Vec<RunId> = runs.iter().map(|r| r.id.clone()).collect();
    let children = db::runs::children_of_many(&mut conn, &ids).await?;
    let mut views: Vec<RunView> = runs
        .iter()
        .map(|run| {
            let mine: Vec<_> = children
                .iter()
                .filter(|c| c.parent_run_id.as_ref() == Some(&run.id))
                .cloned()
                .collect();
            RunView::with_children(run, &mine)
        })
        .collect();
    for view in &mut views {
        ExportDetails::load(&mut conn, view).await?;
    }
    if ctx.json {
        return ctx.print_json(&views);
    }
    if views.is_empty() {
        return ctx.println("no export runs");
    }
    let table = runs_table(ctx.color, ctx.width, &views, Utc::now());
    ctx.println(&table.to_string())
}

/// The columns of a run list. On a narrow terminal the id, status and age stay; the
/// others are added by rank while they fit (at 80 columns: organization and rows).
const RUN_COLUMNS: [Column; 11] = [
    Column::keep("RUN ID"),
    Column::ranked("TASK", 8),
    Column::ranked("ORG", 2),
    Column::ranked("REQUESTER", 5),
    Column::keep("STATUS"),
    Column::ranked("ATTEMPT", 7),
    Column::ranked("PAGES", 6),
    Column::ranked("ROWS", 3),
    Column::ranked("SCOPE", 9),
    Column::ranked("CREATED", 4),
    Column::ranked("AGE", 1),
];

/// Runs as a table fitted to `width` (see [`layout::table`]); `-` for empty cells.
fn runs_table(color: bool, width: Option<u16>, views: &[RunView], now: DateTime<Utc>) -> Table {
    let dash = || "-".to_owned();
    let rows = views
        .iter()
        .map(|view| {
            let created = DateTime::parse_from_rfc3339(&view.created_at)
                .map(|t| t.to_utc())
                .ok();
            vec![
                Cell::new(&view.run_id),
                Cell::new(&view.task_id),
                Cell::new(view.organization_id.clone().unwrap_or_else(dash)),
                Cell::new(view.requested_by.clone().unwrap_or_else(dash)),
                if view.is_expired() {
                    Cell::new(view.shown_status)
                } else {
                    crate::context::status_cell(color, view.status)
                },
                Cell::new(format!("{}/{}", view.attempt, view.max_attempts)),
                Cell::new(view.progress()),
                Cell::new(view.rows().map_or_else(dash, layout::thousands)),
                Cell::new(view.export.scope_label().unwrap_or_else(dash)),
                Cell::new(created.as_ref().map_or_else(dash, layout::time)),
                Cell::new(created.map_or_else(dash, |t| layout::age(&t, now))),
            ]
        })
        .collect();
    layout::table(color, width, &RUN_COLUMNS, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn view(run_id: &str, task: &str, status: &str, created: &str) -> RunView {
        RunView {
            run_id: RunId::parse(run_id).unwrap(),
            task_id: task.to_owned(),
            organization_id: Some("org_initech".to_owned()),
            requested_by: Some("user_alice".to_owned()),
            status: serde_json::from_value(serde_json::json!(status)).unwrap(),
            shown_status: serde_json::from_value::<crate::engine::RunStatus>(serde_json::json!(
                status
            ))
            .unwrap()
            .as_str(),
            attempt: 1,
            max_attempts: 3,
            next_attempt_at: None,
            metadata: serde_json::json!({
                "pagesDone": 40, "pagesTotal": 40, "rowsDone": 200_000,
                "objectUrl": "file:///home/operator/.local/share/invoicectl/exports/org_initech/run_01jd5x7m3k9q2w8e4r6t0y1v3a.csv",
            }),
            output: None,
            error: None,
            tags: vec![],
            created_at: created.to_owned(),
            started_at: Some(created.to_owned()),
            finished_at: None,
            children: None,
            export: Default::default(),
        }
    }

    #[test]
    fn run_tables_never_split_ids_statuses_or_times() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 6, 0, 0).unwrap();
        let views = [
            view(
                "run_01jd5x7m3k9q2w8e4r6t0y1v3a",
                "export-invoices",
                "completed",
                "2026-11-22T05:57:03.120Z",
            ),
            view(
                "run_01jd5x7m3k9q2w8e4r6t0y1v3b",
                "send-export-email",
                "executing",
                "2026-11-20T23:01:09.000Z",
            ),
        ];
        for width in [80u16, 100, 160] {
            let table = runs_table(false, Some(width), &views, now).to_string();
            for line in table.lines() {
                assert!(
                    line.chars().count() <= usize::from(width),
                    "{width}: {line}"
                );
            }
            // Each row is one line holding its id, status and age whole.
            for (v, age) in views.iter().zip(["2m56s", "30h"]) {
                let row = table
                    .lines()
                    .find(|l| l.contains(v.run_id.as_str()))
                    .unwrap_or_else(|| panic!("{width}: {} whole in\n{table}", v.run_id));
                assert!(
                    row.contains(&format!(" {} ", v.status)) && row.contains(age),
                    "{width}: {row}"
                );
            }
        }
        // Where absolute times fit, they are whole too.
        let wide = runs_table(false, Some(160), &views, now).to_string();
        assert!(wide.contains("2026-11-22T05:57:03Z") && wide.contains("2026-11-20T23:01:09Z"));
        assert!(wide.contains("200,000") && wide.contains("REQUESTER"));
        // Narrow: the lower-value columns are left out, not squeezed.
        let narrow = runs_table(false, Some(80), &views, now).to_string();
        assert!(
            !narrow.contains("REQUESTER") && !narrow.contains("TASK"),
            "{narrow}"
        );
        // Off a terminal: every column.
        let piped = runs_table(false, None, &views, now).to_string();
        for header in RUN_COLUMNS.map(|c| c.header) {
            assert!(piped.contains(header), "{header} in\n{piped}");
        }
    }

    #[test]
    fn details_have_no_trailing_spaces_and_say_how_long_ago() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 6, 0, 0).unwrap();
        let v = view(
            "run_01jd5x7m3k9q2w8e4r6t0y1v3a",
            "export-invoices",
            "completed",
            "2026-11-22T05:57:03.120Z",
        );
        let out = run_details(false, &v, None, now);
        assert!(out.lines().all(|l| l == l.trim_end()), "{out:?}");
        assert!(
            out.contains("created       2026-11-22T05:57:03.120Z (2m56s ago)"),
            "{out}"
        );
        assert!(
            out.contains("finished      -") && out.contains("rows          200,000"),
            "{out}"
        );
        // A link valid three more days (or a retry later) is in the future: `in 3d`.
        assert_eq!(
            with_age("2026-11-25T06:00:00Z", now),
            "2026-11-25T06:00:00Z (in 3d)"
        );
    }
}
