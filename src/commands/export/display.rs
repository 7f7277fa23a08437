//! The worker's display, fed by its events (which carry each run's metadata):
//! indicatif bars on a terminal, plain log lines for cron, NDJSON with `--json`.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::engine::{AttemptOutcome, WorkerEvent, WorkerSummary};

enum Mode {
    Json,
    Bars(MultiProgress),
    Lines,
    Quiet,
}

struct Tracked {
    label: String,
    bar: Option<ProgressBar>,
    started: Instant,
    /// Last tenth of the pages reported in line mode.
    last_decile: u64,
}

pub struct Display {
    mode: Mode,
    runs: HashMap<String, Tracked>,
    /// Bold bar labels (stderr colors per `--color`/NO_COLOR).
    color: bool,
}

fn meta_u64(metadata: &Value, key: &str) -> Option<u64> {
    metadata.get(key).and_then(Value::as_u64)
}

impl Display {
    /// `json`: NDJSON events on stdout; `quiet`: nothing but the errors; otherwise
    /// bars on a terminal, lines elsewhere. `color`: whether stderr may be styled.
    pub fn new(json: bool, quiet: bool, color: bool) -> Display {
        let mode = if json {
            Mode::Json
        } else if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bars(MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
        } else {
            Mode::Lines
        };
        Display {
            mode,
            runs: HashMap::new(),
            color,
        }
    }

    /// Consumes events until the worker drops its sender.
    pub async fn run(
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
                        let bar = multi.add(ProgressBar::new(
                            meta_u64(&metadata, "pagesTotal").unwrap_or(0),
                        ));
                        let template = if self.color {
                            "{prefix:.bold} [{bar:25}] {pos}/{len} pages {msg} ETA {eta}"
                        } else {
                            "{prefix} [{bar:25}] {pos}/{len} pages {msg} ETA {eta}"
                        };
                        bar.set_style(
                            ProgressStyle::with_template(template)
                                .expect("valid template")
                                .progress_chars("=> "),
                        );
                        bar.set_prefix(label.clone());
                        bar.set_position(meta_u64(&metadata, "pagesDone").unwrap_or(0));
                        bar.enable_steady_tick(Duration::from_millis(200));
                        Some(bar)
                    }
                    _ => None,
                };
                self.line(&format!(
                    "{label}: started (attempt {attempt}/{max_attempts})"
                ))?;
                self.runs.insert(
                    run_id,
                    Tracked {
                        label,
                        bar,
                        started: Instant::now(),
                        last_decile: 0,
                    },
                );
            }
            WorkerEvent::Progress { run_id, metadata } => {
                let Some(run) = self.runs.get_mut(&run_id) else {
                    return Ok(());
                };
                let done = meta_u64(&metadata, "pagesDone").unwrap_or(0);
                let total = meta_u64(&metadata, "pagesTotal").unwrap_or(0);
                let rows = meta_u64(&metadata, "rowsDone").unwrap_or(0);
                let rate = rows as f64 / run.started.elapsed().as_secs_f64().max(0.001);
                if let Some(bar) = &run.bar {
                    bar.set_length(total);
                    bar.set_position(done);
                    bar.set_message(format!("{rows} rows, {rate:.0} rows/s"));
                }
                if matches!(self.mode, Mode::Lines) && total > 0 {
                    let decile = done * 10 / total;
                    if decile > run.last_decile {
                        run.last_decile = decile;
                        let line = format!(
                            "{}: {}% ({done}/{total} pages, {rows} rows, {rate:.0} rows/s)",
                            run.label,
                            decile * 10
                        );
                        eprintln_flush(&line)?;
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
                let error = error.map(|e| format!(" ({e})")).unwrap_or_default();
                self.line(&format!(
                    "{label}: {what} after {:.1}s{error}",
                    elapsed.as_secs_f64()
                ))?;
            }
            WorkerEvent::TakenOver {
                run_id,
                task_id,
                outcome,
            } => {
                self.line(&format!(
                    "{task_id} {run_id}: lease expired, taken over ({})",
                    outcome.as_str()
                ))?;
            }
        }
        Ok(())
    }

    /// A state-change line: above the bars on a terminal, on stderr otherwise.
    fn line(&self, text: &str) -> anyhow::Result<()> {
        match &self.mode {
            Mode::Bars(multi) => {
                multi.println(text).ok();
                Ok(())
            }
            Mode::Lines => eprintln_flush(text),
            Mode::Json | Mode::Quiet => Ok(()),
        }
    }
}

fn eprintln_flush(text: &str) -> anyhow::Result<()> {
    let mut err = std::io::stderr().lock();
    writeln!(err, "{text}")?;
    err.flush()?;
    Ok(())
}

fn json_line(value: &Value) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

fn event_json(event: &WorkerEvent) -> Value {
    match event {
        WorkerEvent::Started {
            run_id,
            task_id,
            attempt,
            max_attempts,
            concurrency_key,
            metadata,
        } => json!({
            "event": "started", "runId": run_id, "taskId": task_id, "attempt": attempt,
            "maxAttempts": max_attempts, "concurrencyKey": concurrency_key, "metadata": metadata,
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

/// The worker's last word: an NDJSON summary line, or one line on stderr.
pub fn print_summary(ndjson: bool, quiet: bool, s: &WorkerSummary) -> anyhow::Result<()> {
    if ndjson {
        return json_line(&json!({
            "event": "summary", "attempts": s.attempts, "completed": s.completed, "failed": s.failed,
            "retried": s.retried, "released": s.released, "takenOver": s.taken_over,
        }));
    }
    if !quiet {
        eprintln_flush(&format!(
            "worker done: {} attempt(s), {} completed, {} failed, {} retrying, {} released, {} taken over",
            s.attempts, s.completed, s.failed, s.retried, s.released, s.taken_over
        ))?;
    }
    Ok(())
}
