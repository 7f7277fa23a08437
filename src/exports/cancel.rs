//! `export cancel`'s domain: one call of the database function `export_cancel`,
//! which decides from the session who may cancel (an admin login anything; a linked
//! login only exports its user requested, or any of an organization it owns or
//! administers), cancels the run and its children and records it on the
//! organization's audit chain, in one transaction. Canceling an export's run marks
//! the export canceled (`export.invoices.canceled`); canceling one of its children
//! (the email) leaves the export to go on — the engine wakes the waiting parent — and
//! appends `export.invoices.child_canceled`. Either way the entry's subject is the
//! export's run, so every cancel is answered for on the org's chain.

use serde::Serialize;
use sqlx::PgPool;

use crate::audit;
use crate::engine::RunStatus;
use crate::error::{Classify, ExitKind};
use crate::ids::{RunId, UserId};
use crate::lookup::{self, LookupError};

#[derive(Debug, thiserror::Error)]
pub(crate) enum CancelError {
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
    /// The database refused the session (not the export's requester nor an owner or
    /// admin, an unlinked login, …): its message says why.
    #[error("{0}")]
    Denied(String),
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
            CancelError::Denied(_) => ExitKind::PermissionDenied,
            CancelError::Database(e) => e.exit_kind(),
            CancelError::Audit(e) => e.exit_kind(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CancelOutcome {
    pub run_id: RunId,
    pub previous_status: String,
    /// Every run canceled: the run first, then its descendants.
    pub canceled_run_ids: Vec<RunId>,
}

#[derive(sqlx::FromRow)]
struct CanceledRow {
    id: RunId,
    previous_status: String,
}

/// Cancels `run` (and its children) as the session may, with `actor` as the audit
/// actor (`None`: the session's own user for a linked login, the system for an
/// admin).
pub(crate) async fn cancel(
    pool: &PgPool,
    run: &RunId,
    actor: Option<&UserId>,
) -> Result<CancelOutcome, CancelError> {
    let mut tx = pool.begin().await?;
    let rows: Vec<CanceledRow> =
        match sqlx::query_as("SELECT id, previous_status FROM export_cancel($1, $2)")
            .bind(run)
            .bind(actor.map(UserId::as_str))
            .fetch_all(&mut *tx)
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                drop(tx);
                return Err(refusal(pool, run, actor, e).await);
            }
        };
    tx.commit().await?;
    let previous_status = rows
        .iter()
        .find(|c| c.id == *run)
        .map(|c| c.previous_status.clone())
        .unwrap_or_default();
    let mut canceled_run_ids: Vec<RunId> = rows.into_iter().map(|c| c.id).collect();
    canceled_run_ids.sort_by_key(|id| id != run);
    Ok(CancelOutcome {
        run_id: run.clone(),
        previous_status,
        canceled_run_ids,
    })
}

/// The error for a refusal of `export_cancel`, by SQLSTATE and DETAIL (see the
/// function's comment in the migrations).
async fn refusal(
    pool: &PgPool,
    run: &RunId,
    actor: Option<&UserId>,
    e: sqlx::Error,
) -> CancelError {
    let Some(db) = e.as_database_error() else {
        return e.into();
    };
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    let detail = db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .and_then(|pg| pg.detail())
        .unwrap_or_default()
        .to_owned();
    match (code.as_str(), actor) {
        ("IV066", _) if detail == "run" => CancelError::UnknownRun(run.clone()),
        ("IV066", Some(actor)) => match pool.acquire().await {
            Ok(mut conn) => lookup::unknown_user(&mut conn, actor, None).await.into(),
            Err(e) => e.into(),
        },
        ("IV065", _) => match RunStatus::ALL.into_iter().find(|s| s.as_str() == detail) {
            Some(status) => CancelError::AlreadyEnded {
                run: run.clone(),
                status,
            },
            None => e.into(),
        },
        ("42501", _) => CancelError::Denied(db.message().to_owned()),
        _ => e.into(),
    }
}
