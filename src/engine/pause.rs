//! Claim pauses: a worker that cannot do a queue's work for now stops claiming it.
//!
//! A task says so by ending an attempt with [`TaskError::Unavailable`] (its storage
//! is full, or refuses the worker's credentials). That is the worker's problem, not
//! the run's: the run is released without spending an attempt (another worker, or
//! this one later, takes it), and claiming from that queue on this worker pauses,
//! starting at [`FIRST_PAUSE`] and doubling up to [`MAX_PAUSE`] while it stays out of
//! order. When a pause ends, one run of the queue is claimed to probe; the first
//! attempt of the queue that gets through (completes, or parks on a child) ends the
//! pause. It is said once: a warning when the queue pauses, an info line when it
//! works again; the releases in between carry the reason on the run, not in the log.
//!
//! Other queues go on: an email can be sent while the export storage is full.
//!
//! [`TaskError::Unavailable`]: super::TaskError::Unavailable

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::run::RunError;

/// The first pause, before `--retry-scale` (tests shorten it, and the longest).
const FIRST_PAUSE: Duration = Duration::from_secs(2);
/// The longest pause: a fixed disk or key is noticed within a minute.
const MAX_PAUSE: Duration = Duration::from_secs(60);
/// However scaled, no pause is shorter (no busy loop on a broken store).
const MIN_PAUSE: Duration = Duration::from_millis(50);

#[derive(Debug)]
struct Pause {
    until: Instant,
    length: Duration,
    /// A probe run of the queue is in hand.
    probing: bool,
}

/// The paused queues of one worker.
#[derive(Debug)]
pub(super) struct QueuePauses {
    scale: f64,
    paused: HashMap<String, Pause>,
    /// The first error of the current outage of each queue, for the closing message of
    /// a worker that ends on its own.
    reasons: HashMap<String, RunError>,
}

/// What the worker may claim in one pass.
pub(super) struct Claimable {
    /// Queues claimed as usual.
    pub open: Vec<String>,
    /// Queues whose pause ended: at most one run each, to probe.
    pub probe: Vec<String>,
}

impl QueuePauses {
    pub(crate) fn new(retry_scale: f64) -> QueuePauses {
        QueuePauses {
            scale: retry_scale,
            paused: HashMap::new(),
            reasons: HashMap::new(),
        }
    }

    fn first_pause(&self) -> Duration {
        FIRST_PAUSE.mul_f64(self.scale.max(0.0)).max(MIN_PAUSE)
    }

    fn max_pause(&self) -> Duration {
        MAX_PAUSE.mul_f64(self.scale.max(0.0)).max(MIN_PAUSE)
    }

    /// An attempt of `queue` ended with [`super::TaskError::Unavailable`].
    pub(crate) fn trip(&mut self, queue: &str, task_id: &str, error: &RunError) {
        let (first, max) = (self.first_pause(), self.max_pause());
        match self.paused.get_mut(queue) {
            Some(pause) => {
                pause.length = (pause.length * 2).min(max);
                pause.until = Instant::now() + pause.length;
                pause.probing = false;
                tracing::debug!(queue, pause_ms = pause.length.as_millis() as u64, %error, "still out of order; pausing claims again");
            }
            None => {
                tracing::warn!(
                    queue,
                    task = task_id,
                    %error,
                    pause_ms = first.as_millis() as u64,
                    "this worker cannot run this queue's tasks for now: runs are released without spending an attempt and claims of the queue pause, then probe with one run (said once until it works again)"
                );
                self.paused.insert(
                    queue.to_owned(),
                    Pause {
                        until: Instant::now() + first,
                        length: first,
                        probing: false,
                    },
                );
                self.reasons.insert(queue.to_owned(), error.clone());
            }
        }
    }

    /// An attempt of `queue` got through (completed, or parked on a child run).
    pub(crate) fn recovered(&mut self, queue: &str) {
        if self.paused.remove(queue).is_some() {
            self.reasons.remove(queue);
            tracing::info!(
                queue,
                "the queue's tasks work again on this worker; claiming resumes"
            );
        }
    }

    /// An attempt of `queue` ended saying neither (another error, a lost lease): if it
    /// was the probe, probe again with the next pass.
    pub(crate) fn probe_ended(&mut self, queue: &str) {
        if let Some(pause) = self.paused.get_mut(queue) {
            pause.probing = false;
        }
    }

    /// A run of `queue` was claimed to probe.
    pub(crate) fn probing(&mut self, queue: &str) {
        if let Some(pause) = self.paused.get_mut(queue) {
            pause.probing = true;
        }
    }

    /// Splits `queues` into those claimed as usual and those to probe with one run.
    pub(crate) fn claimable(&self, queues: &[String]) -> Claimable {
        let now = Instant::now();
        let mut out = Claimable {
            open: Vec::new(),
            probe: Vec::new(),
        };
        for queue in queues {
            match self.paused.get(queue) {
                None => out.open.push(queue.clone()),
                Some(p) if p.until <= now && !p.probing => out.probe.push(queue.clone()),
                Some(_) => {}
            }
        }
        out
    }

    /// When the next pause ends, for the loop's wait.
    pub(crate) fn next_end(&self) -> Option<Instant> {
        self.paused
            .values()
            .filter(|p| !p.probing)
            .map(|p| p.until)
            .min()
    }

    /// The queues out of order and their first error, for a worker that ends.
    pub(crate) fn outages(&self) -> Vec<(String, RunError)> {
        let mut out: Vec<_> = self
            .reasons
            .iter()
            .map(|(q, e)| (q.clone(), e.clone()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.paused.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tripped_queue_pauses_then_probes_with_one_run_and_doubles() {
        let mut pauses = QueuePauses::new(0.01);
        let queues = vec!["email".to_owned(), "export".to_owned()];
        let full = super::super::run::ErrorCode::from_static("storage_full");
        let error = RunError::new(full.clone(), "disk full");
        pauses.trip("export", "export-invoices", &error);
        let c = pauses.claimable(&queues);
        assert_eq!(c.open, ["email"]);
        assert!(c.probe.is_empty(), "paused for {MIN_PAUSE:?} first");
        std::thread::sleep(MIN_PAUSE);
        let c = pauses.claimable(&queues);
        assert_eq!(c.probe, ["export"]);
        pauses.probing("export");
        assert!(
            pauses.claimable(&queues).probe.is_empty(),
            "one probe at a time"
        );
        pauses.trip("export", "export-invoices", &error);
        assert_eq!(pauses.paused["export"].length, MIN_PAUSE * 2);
        assert_eq!(pauses.outages()[0].1.code, full);
        pauses.recovered("export");
        assert!(pauses.is_empty());
        assert_eq!(pauses.claimable(&queues).open, queues);
    }
}
