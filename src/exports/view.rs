//! The public shape of a run (SPEC §9), shared by `export status`, `export start
//! --wait` and the worker's JSON lines, so every command prints the same fields.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;

use super::progress::ExportProgress;
use crate::engine::{RunRecord, RunStatus};

/// RFC 3339 UTC with milliseconds and `Z`.
pub fn timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn opt_timestamp(t: &Option<DateTime<Utc>>) -> Option<String> {
    t.as_ref().map(timestamp)
}

/// The status word of a completed run whose stored output was deleted.
pub const EXPIRED: &str = "expired";

/// `metadata.expiredAt`, written when `export prune` deletes the file.
fn expired_at(metadata: &Value) -> Option<String> {
    metadata
        .get("expiredAt")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The status a run is shown with: [`EXPIRED`] for a completed run whose output
/// expired, else the engine's status.
pub fn shown_status(status: RunStatus, metadata: &Value) -> &'static str {
    if status == RunStatus::Completed && expired_at(metadata).is_some() {
        EXPIRED
    } else {
        status.as_str()
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    pub run_id: String,
    pub task_id: String,
    pub organization_id: Option<String>,
    pub requested_by: Option<String>,
    /// The engine's status; what `status` prints is [`RunView::shown_status`].
    #[serde(skip)]
    pub status: RunStatus,
    /// The run's status, or `expired` for a completed export whose file `export
    /// prune` deleted: what every output (JSON, tables, notes) calls it.
    #[serde(rename = "status")]
    pub shown_status: &'static str,
    pub attempt: i32,
    pub max_attempts: i32,
    pub next_attempt_at: Option<String>,
    pub metadata: Value,
    pub output: Option<Value>,
    pub error: Option<Value>,
    pub tags: Vec<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<RunView>>,
}

impl RunView {
    /// A run without its children (a child, or a run whose children were not read).
    pub fn leaf(run: &RunRecord) -> RunView {
        let field = |name: &str| {
            run.payload
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        RunView {
            run_id: run.id.clone(),
            task_id: run.task_id.clone(),
            organization_id: field("organizationId"),
            requested_by: field("requestedBy"),
            status: run.status,
            shown_status: shown_status(run.status, &run.metadata),
            attempt: run.attempt,
            max_attempts: run.max_attempts,
            next_attempt_at: opt_timestamp(&run.next_attempt_at()),
            metadata: run.metadata.clone(),
            output: run.output.clone(),
            error: run.error.clone(),
            tags: run.tags.clone(),
            created_at: timestamp(&run.created_at),
            started_at: opt_timestamp(&run.started_at),
            finished_at: opt_timestamp(&run.finished_at),
            children: None,
        }
    }

    pub fn with_children(run: &RunRecord, children: &[RunRecord]) -> RunView {
        RunView {
            children: Some(children.iter().map(RunView::leaf).collect()),
            ..RunView::leaf(run)
        }
    }

    /// The export's progress, from the run's metadata.
    pub fn export_progress(&self) -> ExportProgress {
        ExportProgress::of(&self.metadata)
    }

    /// `pagesDone/pagesTotal`, or `-` before the task counted the pages.
    pub fn progress(&self) -> String {
        self.export_progress().pages()
    }

    pub fn rows(&self) -> Option<u64> {
        self.export_progress().rows_done
    }

    pub fn download_url(&self) -> Option<String> {
        self.export_progress().download_url
    }

    /// When the download link stops working (S3's presigned links, SPEC §11).
    pub fn link_expires_at(&self) -> Option<String> {
        self.export_progress().link_expires_at
    }

    /// When `export prune` deleted this export's file (RFC 3339), if it did.
    pub fn expired_at(&self) -> Option<String> {
        expired_at(&self.metadata)
    }

    /// Completed, but its file is gone.
    pub fn is_expired(&self) -> bool {
        self.shown_status == EXPIRED
    }

    /// `code: message` of the error, if any.
    pub fn error_line(&self) -> Option<String> {
        let error = self.error.as_ref()?;
        let code = error.get("code").and_then(Value::as_str).unwrap_or("error");
        let message = error.get("message").and_then(Value::as_str).unwrap_or("");
        Some(format!("{code}: {message}"))
    }
}
