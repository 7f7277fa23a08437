//! `export cancel`'s domain: cancel the run and its children and record it on the
//! organization's audit chain, in one transaction. Canceling an export's run marks
//! the export canceled (`export.invoices.canceled`); canceling one of its children
//! (the email) leaves the export to go on — the engine wakes the waiting parent — and
//! appends `export.invoices.child_canceled`. Either way the entry's subject is the
//! export's run, so every cancel is answered for on the org's chain.

use serde::Serialize;
use sqlx::PgPool;

use crate::audit;
use crate::db;
use crate::db::exports::ExportStatus;
use crate::engine::{self, RunStatus};
use crate::error::{Classify, ExitKind};
use crate::ids::{OrgId, RunId, UserId};
use crate::lookup::{self, LookupError};

#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("run {0} does not exist: check the id with `invoicectl export status`")]
    UnknownRun(RunId),
    /// The acting user (`--as`) does not exist (the error names the nearest id), or
    /// could not be looked up.
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error(
        "run {run} already ended ({status}): only queued, waiting or executing runs can be canceled"
    )]
    AlreadyEnded { run: RunId, status: RunStatus },
    #[error("database error while canceling")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
}

impl Classify for CancelError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            CancelError::UnknownRun(_) => ExitKind::NotFound,
            CancelError::Lookup(e) => e.exit_kind(),
            CancelError::AlreadyEnded { .. } => ExitKind::Invalid,
            CancelError::Database(_) => ExitKind::Failure,
            CancelError::Audit(e) => e.exit_kind(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelOutcome {
    pub run_id: String,
    pub previous_status: String,
    /// Every run canceled: the run first, then its descendants.
    pub canceled_run_ids: Vec<String>,
}

pub async fn cancel(
    pool: &PgPool,
    run: &RunId,
    actor: Option<&UserId>,
) -> Result<CancelOutcome, CancelError> {
    let mut tx = pool.begin().await?;
    // The audit log is append-only: never let it name a user who does not exist.
    if let Some(actor) = actor {
        lookup::require_user(&mut tx, actor, None).await?;
    }
    let canceled = engine::cancel::cancel(&mut tx, run.as_str()).await?;
    if canceled.is_empty() {
        let status = db::runs::status(&mut tx, run.as_str()).await?;
        return Err(match status {
            None => CancelError::UnknownRun(run.clone()),
            Some(status) => CancelError::AlreadyEnded {
                run: run.clone(),
                status,
            },
        });
    }
    let previous_status = canceled
        .iter()
        .find(|c| c.id == run.as_str())
        .map(|c| c.previous_status.to_string())
        .unwrap_or_default();
    // A child has no export row of its own: it belongs to its tree's root's.
    let root = db::runs::root_of(&mut tx, run.as_str())
        .await?
        .and_then(|id| RunId::parse(&id).ok())
        .unwrap_or_else(|| run.clone());
    if let Some(export) = db::exports::by_run(&mut tx, root.as_str()).await?
        && let Ok(org) = OrgId::parse(&export.organization_id)
    {
        db::tenant::enter(&mut tx, &org).await?;
        let (action, payload) = if root == *run {
            db::exports::mark_ended(
                &mut tx,
                run.as_str(),
                ExportStatus::Canceled,
                "canceled by an operator",
            )
            .await?;
            (
                audit::Action::ExportCanceled,
                serde_json::json!({
                    "exportId": export.id,
                    "previousStatus": previous_status,
                    "canceledRuns": canceled.len(),
                }),
            )
        } else {
            let task = canceled
                .iter()
                .find(|c| c.id == run.as_str())
                .map(|c| c.task_id.clone())
                .unwrap_or_default();
            (
                audit::Action::ExportChildCanceled,
                serde_json::json!({
                    "exportId": export.id,
                    "canceledRunId": run.as_str(),
                    "canceledTaskId": task,
                    "previousStatus": previous_status,
                    "canceledRuns": canceled.len(),
                }),
            )
        };
        audit::append(
            &mut tx,
            audit::Entry {
                organization: Some(&org),
                actor,
                action,
                subject: audit::Subject::export(&root),
                payload,
            },
        )
        .await?;
    }
    tx.commit().await?;
    let mut canceled_run_ids: Vec<String> = canceled.into_iter().map(|c| c.id).collect();
    canceled_run_ids.sort_by_key(|id| id != run.as_str());
    Ok(CancelOutcome {
        run_id: run.to_string(),
        previous_status,
        canceled_run_ids,
    })
}
