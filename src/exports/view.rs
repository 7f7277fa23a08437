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
use crate::ids::RunId;

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

/// The status word of a completed run whose stored output was deleted.
pub(crate) const EXPIRED: &str = "expired";

/// `metadata.expiredAt`, written when `export prune` deletes the file.
fn expired_at(metadata: &Value) -> Option<String> {
    metadata
        .get("expiredAt")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The status a run is shown with: [`EXPIRED`] for a completed run whose output
/// expired, else the engine's status.
pub(crate) fn shown_status(status: RunStatus, metadata: &Value) -> &'static str {
    if status == RunStatus::Completed && expired_at(metadata).is_some() {
        EXPIRED
    } else {
        status.as_str()
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RunView {
    pub run_id: RunId,
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
    /// What only an export has: its scope, retry links, schedule, paused lane.
    #[serde(flatten)]
    pub export: ExportDetails,
}

/// The export fields of a run's view, each absent when it does not apply.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExportDetails {
    /// The scope in its payload form (`from`, `to`, `status`, `period`, `timeZone`);
    /// absent: every invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<Value>,
    /// The failed or canceled run this export retries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_of: Option<RunId>,
    /// The run that retries this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retried_by: Option<RunId>,
    /// The schedule whose tick requested this export, and the tick's instant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<String>,
    /// Set while the run is queued in a paused organization: who paused it, since
    /// when, why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paused: Option<super::pause::PauseView>,
}

impl ExportDetails {
    /// Reads the export row's links and the lane's pause for `view` (owner
    /// connection); leaves a run that is not an export alone.
    pub(crate) async fn load(
        conn: &mut sqlx::PgConnection,
        view: &mut RunView,
    ) -> Result<(), sqlx::Error> {
        if view.task_id != super::task::EXPORT_INVOICES.id {
            return Ok(());
        }
        if let Some(export) = crate::db::exports::by_run(&mut *conn, &view.run_id).await? {
            view.export.retry_of = export.retry_of_run_id;
            view.export.schedule_id = export.schedule_id;
            view.export.scheduled_for = opt_timestamp(&export.scheduled_for);
        }
        view.export.retried_by = crate::db::exports::retried_by(&mut *conn, &view.run_id)
            .await?
            .map(|e| e.run_id);
        if view.status == RunStatus::Queued
            && let Some(org) = &view.organization_id
        {
            view.export.paused = super::pause::pause_of(conn, org).await?;
        }
        Ok(())
    }

    /// The scope's short name (`2026-11-paid`), if the export has a scope.
    pub(crate) fn scope_label(&self) -> Option<String> {
        self.scope
            .clone()
            .and_then(|s| serde_json::from_value::<super::scope::Scope>(s).ok())
            .map(|s| s.label())
    }

    /// The scope in a few words (`2026-11, status paid`), or `all invoices`.
    pub(crate) fn scope_text(&self) -> String {
        self.scope
            .clone()
            .and_then(|s| serde_json::from_value::<super::scope::Scope>(s).ok())
            .map_or_else(|| "all invoices".to_owned(), |s| s.describe())
    }
}

impl RunView {
    /// A run without its children (a child, or a run whose children were not read).
    pub(crate) fn leaf(run: &RunRecord) -> RunView {
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
            metadata: without_links(&run.metadata),
            output: run.output.as_ref().map(without_links),
            error: run.error.clone(),
            tags: run.tags.clone(),
            created_at: timestamp(&run.created_at),
            started_at: opt_timestamp(&run.started_at),
            finished_at: opt_timestamp(&run.finished_at),
            children: None,
            export: ExportDetails {
                // (The email child's payload names the scope in words; its view
                // has none.)
                scope: (run.task_id == super::task::EXPORT_INVOICES.id)
                    .then(|| run.payload.get("scope").cloned())
                    .flatten(),
                ..ExportDetails::default()
            },
        }
    }

    pub(crate) fn with_children(run: &RunRecord, children: &[RunRecord]) -> RunView {
        RunView {
            children: Some(children.iter().map(RunView::leaf).collect()),
            ..RunView::leaf(run)
        }
    }

    /// The export's progress, from the run's metadata.
    pub(crate) fn export_progress(&self) -> ExportProgress {
        ExportProgress::of(&self.metadata)
    }

    /// `pagesDone/pagesTotal`, or `-` before the task counted the pages.
    pub(crate) fn progress(&self) -> String {
        self.export_progress().pages()
    }

    pub(crate) fn rows(&self) -> Option<u64> {
        self.export_progress().rows_done
    }

    /// Where the export is stored: `objectUrl` (`file://…` or `s3://…`).
    pub(crate) fn object_url(&self) -> Option<String> {
        self.export_progress().object_url
    }

    /// When `export prune` deleted this export's file (RFC 3339), if it did.
    pub(crate) fn expired_at(&self) -> Option<String> {
        expired_at(&self.metadata)
    }

    /// Completed, but its file is gone.
    pub(crate) fn is_expired(&self) -> bool {
        self.shown_status == EXPIRED
    }

    /// `code: message` of the error, if any.
    pub(crate) fn error_line(&self) -> Option<String> {
        let error = self.error.as_ref()?;
        let code = error.get("code").and_then(Value::as_str).unwrap_or("error");
        let message = error.get("message").and_then(Value::as_str).unwrap_or("");
        Some(format!("{code}: {message}"))
    }
}
