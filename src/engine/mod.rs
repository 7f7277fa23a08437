//! A small durable task runtime on PostgreSQL, with the semantics of a Trigger.dev v4
//! task — declared queues with per-key lanes, idempotency keys, retries, metadata,
//! durable steps and child runs with Results — and PostgreSQL as the only moving
//! part, so any number of worker processes on any number of machines cooperate.
//!
//! It knows nothing about invoices: tasks are registered by the application.
//!
//! - `task`: what a task declares and implements; `queue`: queues and lanes.
//! - [`trigger`](mod@trigger): enqueue inside the caller's transaction, one run or a batch in one
//!   statement; `idempotency`: keys.
//! - `worker`: claims (`FOR UPDATE SKIP LOCKED`), leases, heartbeats, takeovers.
//! - `retry`: backoff; `context`: metadata, steps, checkpoints, child runs.
//! - [`cancel`]: cancel with cascade; `run`: statuses and records; `events`.
//! - [`retention`]: workers delete ended runs past their retention and release spent
//!   idempotency keys.
//! - [`lane_sweep`]: workers check that no lane strands its queued runs behind its
//!   head, and repair (and report) one that does.
//! - `pause`: a worker stops claiming a queue whose tasks it cannot run for now.
//! - `metrics`: counters, histograms and queue gauges through the `metrics` facade.

pub mod cancel;
pub(crate) mod context;
pub(crate) mod events;
pub(crate) mod idempotency;
pub mod lane_sweep;
pub(crate) mod metrics;
mod pause;
pub(crate) mod queue;
pub(crate) mod registry;
pub mod retention;
pub(crate) mod retry;
pub(crate) mod run;
pub(crate) mod task;
pub mod trigger;
pub(crate) mod worker;

pub use context::TaskContext;
pub use events::{AttemptOutcome, WorkerEvent};
pub use idempotency::{IdempotencyKey, KeyScope};
pub use queue::QueueDef;
pub use registry::Registry;
pub use retention::RetentionPolicy;
pub use retry::RetryPolicy;
pub use run::{ChildResult, EngineErrorCode, ErrorCode, RunError, RunRecord, RunStatus};
pub use task::{Task, TaskDef, TaskError};
pub use trigger::{BatchItem, TriggerOptions, Triggered, trigger, trigger_many};
pub use worker::{PassError, Worker, WorkerError, WorkerMode, WorkerOptions, WorkerSummary};

#[cfg(test)]
mod tests {
    /// The engine is generic: no module of it imports the export domain, invoices,
    /// tenants or the commands. A task that changes its transaction's session (a
    /// tenant role) undoes it itself (`StepTransaction::undo_before_commit`, the
    /// failure hook).
    #[test]
    fn engine_names_no_domain() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
        let domain = [
            "crate::exports",
            "crate::audit",
            "crate::commands",
            "crate::config",
            "crate::storage",
            "invoices",
            "tenant",
        ];
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.lines().take_while(|l| *l != "#[cfg(test)]");
            for line in code.filter(|l| l.contains("crate::")) {
                for word in domain {
                    assert!(
                        !line.contains(word),
                        "{} names {word}: {line}",
                        path.display()
                    );
                }
            }
        }
    }
}
