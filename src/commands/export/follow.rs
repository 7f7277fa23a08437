//! Following a run to its end (`start --wait`, `status --watch`): an indicatif bar
//! fed from the run's metadata when stderr is a terminal, nothing otherwise. Log
//! lines printed meanwhile go above the bar (see [`crate::logging`]).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use sqlx::PgPool;

use crate::db;
use crate::error::{CommandError, ExitKind};
use crate::exports::view::RunView;
use crate::ids::RunId;
use crate::layout;
use crate::logging;

pub(crate) enum Follow {
    Ended(RunView),
    TimedOut(RunView, Duration),
}

impl Follow {
    pub(crate) fn run(&self) -> &RunView {
        match self {
            Follow::Ended(v) | Follow::TimedOut(v, _) => v,
        }
    }
}

/// How often the run row is read: cheap (a primary-key lookup), and fast enough for
/// a bar that moves once per page.
const POLL: Duration = Duration::from_millis(200);

/// Follows `run_id` until it ends or `timeout` passes. `deduplicated`: the run is an
/// earlier request returned again, which the bar says, so that an old export is not
/// mistaken for a new one.
pub(crate) async fn follow_run(
    pool: &PgPool,
    run_id: &RunId,
    timeout: Option<Duration>,
    quiet: bool,
    deduplicated: bool,
) -> anyhow::Result<Follow> {
    let bars = (!quiet && std::io::stderr().is_terminal())
        .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
    let _route = bars.as_ref().map(logging::route_through);
    let bar = bars.as_ref().map(|bars| {
        let bar = bars.add(ProgressBar::new(0));
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {prefix} [{wide_bar}] {pos}/{len} pages {msg} ({elapsed})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(if deduplicated {
            format!("{run_id} (deduplicated)")
        } else {
            run_id.to_string()
        });
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let started = Instant::now();
    let mut said_paused = false;
    loop {
        let mut conn = pool.acquire().await?;
        let run = db::runs::get(&mut conn, run_id).await?.ok_or_else(|| {
            CommandError::new(ExitKind::NotFound, format!("run {run_id} does not exist"))
        })?;
        let mut view = RunView::leaf(&run);
        // A queued export of a paused organization waits for `export resume`: say
        // so once, and keep it on the view for the timeout's message.
        if view.status == crate::engine::RunStatus::Queued
            && let Some(org) = view.organization_id.clone()
        {
            view.export.paused = crate::exports::pause::pause_of(&mut conn, &org).await?;
            if let Some(p) = &view.export.paused
                && !said_paused
            {
                said_paused = true;
                if !quiet {
                    logging::note(&format!(
                        "note: {}; the run stays queued until `invoicectl export resume --org {org}`",
                        p.sentence()
                    ))?;
                }
            }
        }
        drop(conn);
        if let Some(bar) = &bar {
            let progress = view.export_progress();
            bar.set_length(progress.pages_total.unwrap_or(0));
            bar.set_position(progress.pages_done.unwrap_or(0));
            bar.set_message(format!(
                "{} rows, {}",
                layout::thousands(progress.rows_done.unwrap_or(0)),
                view.status
            ));
        }
        if run.status().is_final() {
            if let Some(bar) = bar {
                bar.finish_with_message(format!(
                    "{} rows, {}",
                    layout::thousands(view.rows().unwrap_or(0)),
                    view.status
                ));
            }
            return Ok(Follow::Ended(view));
        }
        if let Some(limit) = timeout
            && started.elapsed() >= limit
        {
            if let Some(bar) = bar {
                bar.abandon();
            }
            return Ok(Follow::TimedOut(view, limit));
        }
        tokio::time::sleep(POLL).await;
    }
}
