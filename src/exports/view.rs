//! The public shape of a run (docs/reference.md, "JSON shapes"), shared by `export status`, `export start
//! --wait` and the worker's JSON lines, so every command prints the same fields.
//!
//! It never carries a download link: a presigned link is a bearer credential, and
//! links are handed out only by `export url` and the email, which check the gate
//! and are audited. A run shows where its export is stored (`objectUrl`); the
//! `downloadUrl` / `linkExpiresAt` that runs recorded by earlier versions hold are
//! taken out of `metadata` and `output` here.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;

use super::progress::ExportProgress;
use crate::engine::{RunRecord, RunStatus};

/// `value` (a run's metadata or output) without `downloadUrl` and `linkExpiresAt`.
/// A run recorded before `objectUrl` existed whose link is a `file://` URL (local
/// storage: a place, not a credential) gets it as its `objectUrl`.
fn without_links(value: &Value) -> Value {
    let Value::Object(fields) = value else {
        return value.clone();
    };
    let mut fields = fields.clone();
    let link = fields.remove("downloadUrl");
    fields.remove("linkExpiresAt");
    if let Some(Value::String(url)) = link
        && url.starts_with("file://")
    {
        fields
            .entry("objectUrl")
            .or_insert_with(|| Value::String(url));
    }
    Value::Object(fields)
}

/// RFC 3339 UTC with milliseconds and `Z`.
pub fn timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn opt_timestamp(t: &Option<DateTime<Utc>>) -> Option<String> {
    t.as_ref().map(timestamp)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    pub run_id: String,
    pub task_id: String,
    pub organization_id: Option<String>,
    pub requested_by: Option<String>,
    pub status: RunStatus,
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
            attempt: run.attempt,
            max_attempts: run.max_attempts,
            next_attempt_at: opt_timestamp(&run.next_attempt_at()),
            metadata: without_links(&run.metadata),
            output: run.output.as_ref().map(without_links),
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

    /// Where the export is stored: `objectUrl` (`file://…` or `s3://…`).
    pub fn object_url(&self) -> Option<String> {
        self.export_progress().object_url
    }

    /// `code: message` of the error, if any.
    pub fn error_line(&self) -> Option<String> {
        let error = self.error.as_ref()?;
        let code = error.get("code").and_then(Value::as_str).unwrap_or("error");
        let message = error.get("message").and_then(Value::as_str).unwrap_or("");
        Some(format!("{code}: {message}"))
    }
}
