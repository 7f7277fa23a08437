//! `export start`: validate, gate, enqueue — then optionally follow the run.
//!
//! Results go to stdout (the run id, or the JSON document); what a person should
//! know besides goes to stderr: that the run returned is an earlier one (always),
//! where the CSV is after `--wait`, and on a terminal the next step.

use std::io::IsTerminal;
use std::time::Duration;

use super::follow::{Follow, follow_run};
use crate::cli::export::{ScopeArgs, StartArgs};
use crate::context::Context;
use crate::db;
use crate::engine::RunStatus;
use crate::error::{CommandError, ExitKind};
use crate::exports::request;
use crate::exports::scope::ScopeRequest;
use crate::exports::view::RunView;
use crate::ids::{OrgId, UserId};
use crate::layout;
use crate::logging;

impl ScopeArgs {
    pub(crate) fn request(&self) -> ScopeRequest {
        ScopeRequest {
            from: self.from.clone(),
            to: self.to.clone(),
            period: self.period.clone(),
            tz: self.tz.clone(),
            status: self.status.clone(),
        }
    }
}

/// The user named by `--as` / INVOICECTL_USER / config `user`, validated: an
/// assertion, which the session's mode accepts or refuses
/// ([`crate::identity::Session::requester`]), and the database function that
/// writes the request decides again. Every command that acts for a user reads it
/// here.
pub(crate) fn asserted_user(flag: Option<&str>, ctx: &Context) -> anyhow::Result<Option<UserId>> {
    Ok(flag
        .or(ctx.settings.user.as_deref())
        .map(UserId::parse)
        .transpose()?)
}

pub(crate) async fn run(args: StartArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = OrgId::parse(&args.org)?;
    let asserted = asserted_user(args.as_user.as_deref(), ctx)?;
    // Resolved now: a relative period is the one before the moment of the request.
    let scope = args.scope.request().resolve(chrono::Utc::now())?;
    let pool = ctx.pool(1).await?;
    let session = ctx.session(&pool).await?;
    let user = session.requester(asserted)?;
    // The one write path, scoped or not: the database function.
    let started = request::start(
        &pool,
        &request::Request {
            org: org.clone(),
            as_user: Some(user.clone()),
            scope,
            force: args.force,
        },
    )
    .await
    .map_err(|e| {
        // A refusal is the gate's answer; anything else (the database gone, a
        // deadlock) is a failure to ask, to be tried again (exit 75 or 69).
        let outcome = match e {
            request::StartError::Database(_) => "failed",
            _ => "refused",
        };
        anyhow::Error::new(e).context(format!("export start for {org} as {user} {outcome}"))
    })?;
    if started.deduplicated {
        // Said on stderr whatever the output mode (and under -q): a CI job that reads
        // only the exit code must still leave a trace that it got an earlier export.
        let mut conn = pool.acquire().await?;
        let run = db::runs::get(&mut conn, &started.run_id).await?;
        drop(conn);
        if let Some(run) = run {
            logging::note(&dedup_note(&RunView::leaf(&run)))?;
        }
    }
    if !args.wait {
        if ctx.json {
            return ctx.print_json(&started);
        }
        ctx.println(started.run_id.as_str())?;
        if !ctx.quiet && std::io::stderr().is_terminal() {
            // Like gh's hints: for a person at a terminal only, never for a script.
            logging::note(&format!(
                "hint: watch it with `invoicectl export status {} --watch` (a worker must be running)",
                started.run_id
            ))?;
        }
        return Ok(());
    }
    if !ctx.json {
        ctx.println(started.run_id.as_str())?;
    }
    let outcome = follow_run(
        &pool,
        &started.run_id,
        args.timeout.map(Duration::from_secs),
        ctx.quiet,
        started.deduplicated,
    )
    .await?;
    if ctx.json {
        let mut doc = serde_json::to_value(&started)?;
        doc["status"] = serde_json::Value::from(outcome.run().shown_status);
        ctx.print_json(&doc)?;
    } else if !ctx.quiet
        && let Follow::Ended(view) = &outcome
        && view.status == RunStatus::Completed
        && !view.is_expired()
    {
        logging::note(&completed_note(view))?;
    }
    outcome.into_result()
}

/// What a deduplicated start says on stderr: which run it returns, when and by whom
/// it was requested, how far it got, and how to get a new one.
fn dedup_note(view: &RunView) -> String {
    let requested = chrono::DateTime::parse_from_rfc3339(&view.created_at)
        .map(|t| t.to_utc().format("%H:%M UTC").to_string())
        .unwrap_or_else(|_| view.created_at.clone());
    let by = view
        .requested_by
        .as_deref()
        .map(|u| format!(" by {u}"))
        .unwrap_or_default();
    let state = match (view.status, view.rows()) {
        (RunStatus::Completed, _) if view.is_expired() => format!(
            "expired {}: its file was deleted",
            view.expired_at().unwrap_or_default()
        ),
        (RunStatus::Completed, rows) => {
            format!("completed, {} rows", layout::thousands(rows.unwrap_or(0)))
        }
        (status @ (RunStatus::Executing | RunStatus::Waiting), _) => {
            format!("{status}, {} pages", view.progress())
        }
        (status, _) => status.to_string(),
    };
    format!(
        "note: returning {} requested {requested}{by} ({state}); use --force for a new export",
        view.run_id
    )
}

/// What `--wait` says when the run completed: the rows and where the CSV is.
fn completed_note(view: &RunView) -> String {
    let rows = layout::thousands(view.rows().unwrap_or(0));
    let place = view
        .object_url()
        .map(|url: String| {
            url::Url::parse(&url)
                .ok()
                .filter(|u| u.scheme() == "file")
                .and_then(|u| u.to_file_path().ok())
                .map_or_else(|| url.clone(), |p| p.display().to_string())
        })
        .unwrap_or_else(|| "-".to_owned());
    format!("completed: {rows} rows, CSV at {place}")
}

impl Follow {
    /// Exit as `--wait` promises: 0 completed, 1 failed/canceled, 75 timed out.
    pub(crate) fn into_result(self) -> anyhow::Result<()> {
        match self {
            // A completed export whose file was since deleted is not a usable export:
            // "not found", as `download` says of it.
            Follow::Ended(view) if view.is_expired() => Err(CommandError::new(
                ExitKind::NotFound,
                format!(
                    "run {} expired {}: its file was deleted by `export prune`; request a new export (--force)",
                    view.run_id,
                    view.expired_at().unwrap_or_default()
                ),
            )
            .into()),
            Follow::Ended(view) if view.status == RunStatus::Completed => Ok(()),
            Follow::Ended(view) => Err(CommandError::new(
                ExitKind::Failure,
                format!(
                    "run {} {}{}",
                    view.run_id,
                    view.status,
                    view.error_line().map(|e| format!(": {e}")).unwrap_or_default()
                ),
            )
            .into()),
            // Queued in a paused organization: no worker will claim it until resumed.
            Follow::TimedOut(view, after) if view.export.paused.is_some() => {
                let pause = view.export.paused.as_ref().expect("matched");
                Err(CommandError::new(
                    ExitKind::TempFail,
                    format!(
                        "gave up waiting for run {} after {} s: it is queued because {}; resume with `invoicectl export resume --org {}`",
                        view.run_id,
                        after.as_secs(),
                        pause.sentence(),
                        pause.organization_id,
                    ),
                )
                .into())
            }
            // Still queued and never started: nothing has claimed it, which almost
            // always means that no worker is running.
            Follow::TimedOut(view, after)
                if view.status == RunStatus::Queued && view.started_at.is_none() =>
            {
                Err(CommandError::new(
                    ExitKind::TempFail,
                    format!(
                        "gave up waiting for run {} after {} s: it is still queued and no worker has picked it up; no worker seems to be running (start one with `invoicectl export worker`, or from cron with --drain)",
                        view.run_id,
                        after.as_secs(),
                    ),
                )
                .into())
            }
            Follow::TimedOut(view, after) => Err(CommandError::new(
                ExitKind::TempFail,
                format!(
                    "gave up waiting for run {} after {} s (it is {}; it goes on): check `invoicectl export status {}`",
                    view.run_id,
                    after.as_secs(),
                    view.status,
                    view.run_id
                ),
            )
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(status: RunStatus, metadata: serde_json::Value) -> RunView {
        RunView {
            run_id: crate::ids::RunId::parse("run_01jd5x7m3k9q2w8e4r6t0y1v3a").unwrap(),
            task_id: "export-invoices".to_owned(),
            organization_id: Some("org_acme".to_owned()),
            requested_by: Some("user_alice".to_owned()),
            shown_status: crate::exports::view::shown_status(status, &metadata),
            status,
            attempt: 1,
            max_attempts: 3,
            next_attempt_at: None,
            metadata,
            output: None,
            error: None,
            tags: vec![],
            created_at: "2026-11-22T05:57:03.120Z".to_owned(),
            started_at: None,
            finished_at: None,
            children: None,
            export: Default::default(),
        }
    }

    #[test]
    fn the_dedup_note_says_when_by_whom_and_how_far() {
        let done = view(
            RunStatus::Completed,
            serde_json::json!({"rowsDone": 1000, "pagesDone": 1, "pagesTotal": 1}),
        );
        assert_eq!(
            dedup_note(&done),
            "note: returning run_01jd5x7m3k9q2w8e4r6t0y1v3a requested 05:57 UTC by user_alice (completed, 1,000 rows); use --force for a new export"
        );
        let going = view(
            RunStatus::Executing,
            serde_json::json!({"pagesDone": 3, "pagesTotal": 40}),
        );
        assert!(dedup_note(&going).contains("(executing, 3/40 pages)"));
        assert!(dedup_note(&view(RunStatus::Queued, serde_json::json!({}))).contains("(queued)"));
        // A pruned export says so, never "completed".
        let pruned = view(
            RunStatus::Completed,
            serde_json::json!({"rowsDone": 1000, "expiredAt": "2026-11-22T07:00:00.000Z"}),
        );
        let note = dedup_note(&pruned);
        assert!(
            note.contains("(expired 2026-11-22T07:00:00.000Z: its file was deleted)"),
            "{note}"
        );
        let waited = Follow::Ended(pruned).into_result().unwrap_err();
        assert!(waited.to_string().contains("expired"), "{waited}");
    }

    #[test]
    fn wait_says_where_the_csv_is_and_when_no_worker_runs() {
        let done = view(
            RunStatus::Completed,
            serde_json::json!({"rowsDone": 200000, "objectUrl": "file:///srv/exports/org_acme/run_1.csv"}),
        );
        assert_eq!(
            completed_note(&done),
            "completed: 200,000 rows, CSV at /srv/exports/org_acme/run_1.csv"
        );
        let never = Follow::TimedOut(
            view(RunStatus::Queued, serde_json::json!({})),
            Duration::from_secs(5),
        )
        .into_result()
        .unwrap_err()
        .to_string();
        assert!(never.contains("no worker seems to be running"), "{never}");
        let mut retrying = view(RunStatus::Queued, serde_json::json!({}));
        retrying.started_at = Some("2026-11-22T05:57:04.000Z".to_owned());
        let later = Follow::TimedOut(retrying, Duration::from_secs(5))
            .into_result()
            .unwrap_err()
            .to_string();
        assert!(!later.contains("no worker"), "{later}");
    }
}
