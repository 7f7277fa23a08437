//! `export retry`: a new export for a failed or canceled one, with the same
//! organization, requester and scope, linked both ways (the new export's
//! `retry_of_run_id`; the original finds it through that column). The member gate is
//! checked again, as for any request. Idempotent per source run: the unique index on
//! `export.retry_of_run_id` makes a second retry, even a racing one, return the first.

use serde_json::json;
use sqlx::PgPool;

use super::request::{self, Origin, StartError, Started};
use super::task::{EXPORT_INVOICES, ExportPayload};
use crate::audit;
use crate::db;
use crate::engine::{IdempotencyKey, KeyScope, RunStatus};
use crate::error::{Classify, ExitKind};
use crate::ids::{RunId, UserId};

#[derive(Debug, thiserror::Error)]
pub(crate) enum RetryError {
    #[error("run {0} does not exist: `invoicectl export status` lists recent runs")]
    NotFound(RunId),
    #[error("run {run} is a {task} run, not an export: retry the export it belongs to")]
    NotAnExport { run: RunId, task: String },
    #[error(
        "run {run} is {status}: only a failed or canceled export can be retried; for a new export of the same invoices use `invoicectl export start --force`"
    )]
    NotRetryable { run: RunId, status: RunStatus },
    #[error("the stored payload of run {run} is invalid, so it cannot be retried: {reason}")]
    BadPayload { run: RunId, reason: String },
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("database error while retrying the export")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
}

impl Classify for RetryError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            RetryError::NotFound(_) => ExitKind::NotFound,
            RetryError::NotAnExport { .. }
            | RetryError::NotRetryable { .. }
            | RetryError::BadPayload { .. } => ExitKind::Invalid,
            RetryError::Start(e) => e.exit_kind(),
            RetryError::Database(_) => ExitKind::Failure,
            RetryError::Audit(e) => e.exit_kind(),
        }
    }
}

/// Retries `run` (see the module doc); `actor`: who asked, for the audit log.
pub(crate) async fn retry(
    pool: &PgPool,
    run: &RunId,
    actor: Option<&UserId>,
) -> Result<Started, RetryError> {
    let mut conn = pool.acquire().await?;
    let record = db::runs::get(&mut conn, run.as_str())
        .await?
        .ok_or_else(|| RetryError::NotFound(run.clone()))?;
    if record.task_id != EXPORT_INVOICES.id {
        return Err(RetryError::NotAnExport {
            run: run.clone(),
            task: record.task_id,
        });
    }
    let payload: ExportPayload =
        serde_json::from_value(record.payload.clone()).map_err(|e| RetryError::BadPayload {
            run: run.clone(),
            reason: e.to_string(),
        })?;
    // An earlier retry, whatever the original's status is now.
    if let Some(done) = existing(&mut conn, run, &payload).await? {
        return Ok(done);
    }
    if !matches!(record.status, RunStatus::Failed | RunStatus::Canceled) {
        return Err(RetryError::NotRetryable {
            run: run.clone(),
            status: record.status,
        });
    }
    let org = &payload.organization_id;
    let user = &payload.requested_by;
    request::gate(&mut conn, org, user).await?;
    drop(conn);

    let key = IdempotencyKey::create(
        EXPORT_INVOICES.id,
        &["retry", run.as_str()],
        &KeyScope::Global,
        Some(request::IDEMPOTENCY_TTL),
    );
    let mut tx = pool.begin().await?;
    let started = request::enqueue(
        &mut tx,
        org,
        user,
        payload.scope.as_ref(),
        key,
        &Origin::Retry { of: run.clone() },
    )
    .await;
    let started = match started {
        Ok(started) if !started.deduplicated => started,
        // A racing retry won (its run holds the key, or its export row the unique
        // retry_of_run_id): return its export.
        Ok(_) | Err(StartError::Database(_)) => {
            drop(tx);
            let mut conn = pool.acquire().await?;
            return match existing(&mut conn, run, &payload).await? {
                Some(done) => Ok(done),
                None => Err(RetryError::Database(sqlx::Error::Protocol(
                    "a concurrent retry neither committed nor left its export".into(),
                ))),
            };
        }
        Err(e) => return Err(e.into()),
    };
    db::tenant::enter(&mut tx, org).await?;
    audit::append(
        &mut tx,
        audit::Entry {
            organization: Some(org),
            actor: Some(actor.unwrap_or(user)),
            action: audit::Action::ExportRetried,
            subject: audit::Subject::export(run),
            payload: json!({ "retriedBy": started.run_id }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(started)
}

/// The export that already retries `run`, as a deduplicated start.
async fn existing(
    conn: &mut sqlx::PgConnection,
    run: &RunId,
    payload: &ExportPayload,
) -> Result<Option<Started>, sqlx::Error> {
    let Some(export) = db::exports::retried_by(&mut *conn, run.as_str()).await? else {
        return Ok(None);
    };
    let status = db::runs::status(&mut *conn, &export.run_id)
        .await?
        .unwrap_or(RunStatus::Queued);
    Ok(Some(Started {
        run_id: export.run_id,
        export_id: export.id,
        organization_id: payload.organization_id.to_string(),
        requested_by: payload.requested_by.to_string(),
        status,
        deduplicated: true,
        scope: payload.scope.clone(),
    }))
}
