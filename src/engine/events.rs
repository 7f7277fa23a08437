//! What a worker reports while it works, for its display (progress bars, log lines,
//! NDJSON). Sent over a channel; a slow or absent reader never slows the runs.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::run::RunError;
use crate::ids::RunId;

#[derive(Debug, Clone)]
pub enum WorkerEvent {
    /// An attempt began (a claim of a queued run), or a parent's attempt went on
    /// after its child run ended (`resumed`: the same attempt, not a new one).
    Started {
        run_id: RunId,
        task_id: String,
        attempt: u32,
        max_attempts: u32,
        resumed: bool,
        concurrency_key: String,
        metadata: Value,
    },
    /// The task persisted new metadata.
    Progress { run_id: RunId, metadata: Value },
    /// The attempt ended.
    Ended {
        run_id: RunId,
        task_id: String,
        outcome: AttemptOutcome,
        error: Option<RunError>,
        elapsed: Duration,
    },
    /// An expired lease was taken over from a lost worker.
    TakenOver {
        run_id: RunId,
        task_id: String,
        outcome: AttemptOutcome,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Completed,
    Retrying {
        at: DateTime<Utc>,
    },
    Failed,
    /// Parked until a child run ends.
    Waiting,
    /// Given back on shutdown, attempt not spent.
    Released,
    Canceled,
    LeaseLost,
}

impl AttemptOutcome {
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            AttemptOutcome::Completed => "completed",
            AttemptOutcome::Retrying { .. } => "retrying",
            AttemptOutcome::Failed => "failed",
            AttemptOutcome::Waiting => "waiting",
            AttemptOutcome::Released => "released",
            AttemptOutcome::Canceled => "canceled",
            AttemptOutcome::LeaseLost => "lease_lost",
        }
    }
}
