//! The worker's display, fed by its events (which carry each run's metadata):
//! indicatif bars on a terminal, timestamped log lines for cron, NDJSON with
//! `--json` (each object with its `time`). With `-q` only the lines saying how a run
//! ended (completed, failed, canceled) are printed: what a cron log is kept for.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::engine::{AttemptOutcome, WorkerEvent, WorkerSummary};
use crate::exports::progress::ExportProgress;
use crate::ids::RunId;
use crate::layout;
use crate::logging::{self, Level};

enum Mode {
    Json,
    Bars(MultiProgress),
    Lines,
}

struct Tracked {
    label: String,
    bar: Option<ProgressBar>,
    /// Where this process started watching the run: the rate and the ETA count from
    /// here, so that pages a resumed or retried run wrote before do not inflate them.
    baseline: Option<Baseline>,
    /// Last tenth of the pages reported in line mode.
    last_decile: u64,
}

struct Baseline {
    at: Instant,
    pages: u64,
    rows: u64,
}

pub(crate) struct Display {
    mode: Mode,
    /// `-q`: no bars, no progress; only the lines that say how a run ended.
    quiet: bool,
    runs: HashMap<RunId, Tracked>,
    /// Bold bar labels (stderr colors per `--color`/NO_COLOR).
    color: bool,
    /// Log lines go above the bars while the display lives.
    _route: Option<logging::BarsRoute>,
}

/// Pages a run must have written under this process's eyes, and seconds elapsed,
/// before an ETA is shown: the first pages include the count and the claim, and
/// extrapolating from them gave ETAs five times too long.
const ETA_AFTER_PAGES: u64 = 3;
const ETA_AFTER: Duration = Duration::from_secs(1);

/// The time left at the pace seen since the baseline, once it is worth saying.
fn eta(pages_seen: u64, pages_left: u64, elapsed: Duration) -> Option<Duration> {
    if pages_seen < ETA_AFTER_PAGES || elapsed < ETA_AFTER {
        return None;
    }
    Some(elapsed.mul_f64(pages_left as f64 / pages_seen as f64))
}

/// `12s`, `3m05s`, `1h02m`.
fn short_duration(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
    }
}

impl Display {
    /// `json`: NDJSON events on stdout; `quiet`: only how runs ended; otherwise bars
    /// on a terminal, timestamped lines elsewhere. `color`: whether stderr may be
    /// styled.
    pub(crate) fn new(json: bool, quiet: bool, color: bool) -> Display {
        let mode = if json {
            Mode::Json
        } else if !quiet && std::io::stderr().is_terminal() {
            Mode::Bars(MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
        } else {
            Mode::Lines
        };
        let route = match &mode {
            Mode::Bars(multi) => Some(logging::route_through(multi)),
            _ => None,
        };
        Display {
            mode,
            quiet,
            runs: HashMap::new(),
            color,
            _route: route,
        }
    }

    /// Consumes events until the worker drops its sender.
    pub(crate) async fn run(
        mut self,
        mut events: mpsc::UnboundedReceiver<WorkerEvent>,
    ) -> anyhow::Result<()> {
        while let Some(event) = events.recv().await {
            self.show(event)?;
        }
        if let Mode::Bars(multi) = &self.mode {
            multi.clear().ok();
        }
        Ok(())
    }

    fn show(&mut self, event: WorkerEvent) -> anyhow::Result<()> {
        if let Mode::Json = self.mode {
            return json_line(&event_json(&event));
        }
        match event {
            WorkerEvent::Started {
                run_id,
                task_id,
                attempt,
                max_attempts,
                resumed,
                concurrency_key,
                metadata,
            } => {
                let label = if concurrency_key.is_empty() {
                    format!("{task_id} {run_id}")
                } else {
                    format!("{concurrency_key} {run_id}")
                };
                let bar = match &self.mode {
                    Mode::Bars(multi) if task_id == crate::exports::task::EXPORT_INVOICES.id => {
                        let progress = ExportProgress::of(&metadata);
                        let bar = multi.add(ProgressBar::new(progress.pages_total.unwrap_or(0)));
                        // The ETA is in the message, computed here (see `eta`). The bar
                        // takes the width the rest leaves, so that a line fits 80
                        // columns; the prefix is the organization alone when there is
                        // one (a lane runs one export at a time, and the started line
                        // above names the run).
                        let template = if self.color {
                            "{prefix:.bold} [{wide_bar}] {pos}/{len} pages {msg}"
                        } else {
                            "{prefix} [{wide_bar}] {pos}/{len} pages {msg}"
                        };
                        bar.set_style(
                            ProgressStyle::with_template(template)
                                .expect("valid template")
                                .progress_chars("=> "),
                        );
                        bar.set_prefix(if concurrency_key.is_empty() {
                            label.clone()
                        } else {
                            concurrency_key.clone()
                        });
                        bar.set_position(progress.pages_done.unwrap_or(0));
                        bar.enable_steady_tick(Duration::from_millis(200));
                        Some(bar)
                    }
                    _ => None,
                };
                // A parent picked up again after its child ended goes on with the same
                // attempt: say so, rather than "started" a second time.
                if resumed {
                    self.line(
                        Level::Info,
                        &format!(
                            "{label}: resumed after its child run ended (attempt {attempt}/{max_attempts})"
                        ),
                    )?;
                } else {
                    self.line(
                        Level::Info,
                        &format!("{label}: started (attempt {attempt}/{max_attempts})"),
                    )?;
                }
                self.runs.insert(
                    run_id,
                    Tracked {
                        label,
                        bar,
                        baseline: None,
                        last_decile: 0,
                    },
                );
            }
            WorkerEvent::Progress { run_id, metadata } => {
                let Some(run) = self.runs.get_mut(&run_id) else {
                    return Ok(());
                };
                let progress = ExportProgress::of(&metadata);
                let done = progress.pages_done.unwrap_or(0);
                let total = progress.pages_total.unwrap_or(0);
                let rows = progress.rows_done.unwrap_or(0);
                let base = run.baseline.get_or_insert(Baseline {
                    at: Instant::now(),
                    pages: done,
                    rows,
                });
                let elapsed = base.at.elapsed();
                let pages_seen = done.saturating_sub(base.pages);
                let rows_seen = rows.saturating_sub(base.rows);
                // Until a page was written under our eyes there is no pace to show.
                let rate = (pages_seen > 0)
                    .then(|| rows_seen as f64 / elapsed.as_secs_f64().max(0.001))
                    .map(|r| format!(", {} rows/s", layout::thousands(r as u64)))
                    .unwrap_or_default();
                if let Some(bar) = &run.bar {
                    bar.set_length(total);
                    bar.set_position(done);
                    let eta = eta(pages_seen, total.saturating_sub(done), elapsed)
                        .map(|d| format!(", ETA {}", short_duration(d)))
                        .unwrap_or_default();
                    bar.set_message(format!("{} rows{rate}{eta}", layout::thousands(rows)));
                }
                if matches!(self.mode, Mode::Lines) && !self.quiet && total > 0 {
                    let decile = done * 10 / total;
                    if decile > run.last_decile {
                        run.last_decile = decile;
                        let line = format!(
                            "{}: {}% ({done}/{total} pages, {} rows{rate})",
                            run.label,
                            decile * 10,
                            layout::thousands(rows),
                        );
                        logging::status_line(Level::Info, &line)?;
                    }
                }
            }
            WorkerEvent::Ended {
                run_id,
                task_id,
                outcome,
                error,
                elapsed,
            } => {
                let label = self
                    .runs
                    .remove(&run_id)
                    .map(|r| {
                        if let Some(bar) = r.bar {
                            bar.finish_and_clear();
                        }
                        r.label
                    })
                    .unwrap_or_else(|| format!("{task_id} {run_id}"));
                let what = match &outcome {
                    AttemptOutcome::Retrying { at } => format!(
                        "failed, retrying at {}",
                        crate::exports::view::timestamp(at)
                    ),
                    AttemptOutcome::Waiting => "waiting on a child run".to_owned(),
                    other => other.as_str().to_owned(),
                };
                let level = match outcome {
                    AttemptOutcome::Completed | AttemptOutcome::Waiting => Level::Info,
                    AttemptOutcome::Released => Level::Info,
                    _ => Level::Warn,
                };
                // How a run ended is what a cron log is for: kept under -q.
                let final_outcome = matches!(
                    outcome,
                    AttemptOutcome::Completed | AttemptOutcome::Failed | AttemptOutcome::Canceled
                );
                let error = error.map(|e| format!(" ({e})")).unwrap_or_default();
                let text = format!("{label}: {what} after {:.1}s{error}", elapsed.as_secs_f64());
                if final_outcome {
                    self.outcome_line(level, &text)?;
                } else {
                    self.line(level, &text)?;
                }
            }
            WorkerEvent::TakenOver {
                run_id,
                task_id,
                outcome,
            } => {
                self.line(
                    Level::Warn,
                    &format!(
                        "{task_id} {run_id}: lease expired, taken over ({})",
                        outcome.as_str()
                    ),
                )?;
            }
        }
        Ok(())
    }

    /// A state-change line: above the bars on a terminal, on stderr otherwise
    /// (timestamped off a terminal); nothing with `-q`.
    fn line(&self, level: Level, text: &str) -> anyhow::Result<()> {
        if self.quiet {
            return Ok(());
        }
        self.outcome_line(level, text)
    }

    /// A line saying how a run ended: like [`Display::line`], but kept under `-q`.
    fn outcome_line(&self, level: Level, text: &str) -> anyhow::Result<()> {
        match &self.mode {
            Mode::Bars(multi) => {
                multi.println(text).ok();
                Ok(())
            }
            Mode::Lines => Ok(logging::status_line(level, text)?),
            Mode::Json => Ok(()),
        }
    }
}

fn json_line(value: &Value) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// The NDJSON object of an event; `time` is when the display received it (RFC 3339
/// UTC, milliseconds), which is when it happened give or take a scheduling delay.
fn event_json(event: &WorkerEvent) -> Value {
    let mut v = event_fields(event);
    v["time"] = Value::from(crate::exports::view::timestamp(&chrono::Utc::now()));
    v
}

fn event_fields(event: &WorkerEvent) -> Value {
    match event {
        WorkerEvent::Started {
            run_id,
            task_id,
            attempt,
            max_attempts,
            resumed,
            concurrency_key,
            metadata,
        } => json!({
            "event": "started", "runId": run_id, "taskId": task_id, "attempt": attempt,
            "maxAttempts": max_attempts, "resumed": resumed, "concurrencyKey": concurrency_key,
            "metadata": metadata,
        }),
        WorkerEvent::Progress { run_id, metadata } => json!({
            "event": "progress", "runId": run_id, "metadata": metadata,
        }),
        WorkerEvent::Ended {
            run_id,
            task_id,
            outcome,
            error,
            elapsed,
        } => {
            let mut v = json!({
                "event": "ended", "runId": run_id, "taskId": task_id, "outcome": outcome.as_str(),
                "error": error, "elapsedMs": elapsed.as_millis() as u64,
            });
            if let AttemptOutcome::Retrying { at } = outcome {
                v["nextAttemptAt"] = Value::from(crate::exports::view::timestamp(at));
            }
            v
        }
        WorkerEvent::TakenOver {
            run_id,
            task_id,
            outcome,
        } => json!({
            "event": "takenOver", "runId": run_id, "taskId": task_id, "outcome": outcome.as_str(),
        }),
    }
}

/// The worker's last word: an NDJSON summary line, or one line on stderr — unless
/// `-q`, or the worker found nothing to do and stderr is not a terminal (an idle cron
/// minute leaves the log alone).
pub(crate) fn print_summary(ndjson: bool, quiet: bool, s: &WorkerSummary) -> anyhow::Result<()> {
    if ndjson {
        return json_line(&json!({
            "event": "summary", "attempts": s.attempts, "resumed": s.resumed,
            "completed": s.completed, "failed": s.failed, "retried": s.retried,
            "released": s.released, "takenOver": s.taken_over,
            "time": crate::exports::view::timestamp(&chrono::Utc::now()),
        }));
    }
    if quiet {
        return Ok(());
    }
    let idle = s.attempts == 0 && s.resumed == 0 && s.taken_over == 0;
    if idle {
        if std::io::stderr().is_terminal() {
            logging::status_line(Level::Info, "worker done: nothing to run")?;
        }
        return Ok(());
    }
    logging::status_line(Level::Info, &summary_text(s))?;
    Ok(())
}

/// `worker done: 2 completed, …; 2 attempt(s), 1 resumed`: runs by how they ended
/// (an export and its email child are two runs), then the attempts begun and the
/// parents resumed after a child (the same attempt going on, not a new one).
fn summary_text(s: &WorkerSummary) -> String {
    format!(
        "worker done: {} completed, {} failed, {} retrying, {} released, {} taken over; {} attempt(s), {} resumed",
        s.completed, s.failed, s.retried, s.released, s.taken_over, s.attempts, s.resumed
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_eta_until_a_few_pages_and_a_second_then_the_pace_seen() {
        let s = Duration::from_secs;
        assert_eq!(eta(0, 100, s(5)), None);
        assert_eq!(eta(2, 100, s(5)), None, "two pages are not a pace");
        assert_eq!(eta(10, 100, Duration::from_millis(500)), None, "too early");
        assert_eq!(eta(4, 36, s(2)), Some(s(18)));
        assert_eq!(eta(50, 0, s(7)), Some(Duration::ZERO));
        assert_eq!(short_duration(s(7)), "7s");
        assert_eq!(short_duration(s(185)), "3m05s");
        assert_eq!(short_duration(s(3720)), "1h02m");
    }

    #[test]
    fn the_summary_counts_a_resumed_parent_once() {
        // One export: its attempt parks on the email child, the child completes,
        // the parent resumes and completes.
        let s = WorkerSummary {
            attempts: 2,
            resumed: 1,
            completed: 2,
            ..WorkerSummary::default()
        };
        assert_eq!(
            summary_text(&s),
            "worker done: 2 completed, 0 failed, 0 retrying, 0 released, 0 taken over; 2 attempt(s), 1 resumed"
        );
    }
}
