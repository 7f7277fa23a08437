//! `export retry`: a new export for a failed or canceled one, with the same
//! organization, requester and scope, linked both ways (the new export's
//! `retry_of_run_id`; the original finds it through that column). One call of the
//! database function `export_retry`, which decides who asks from the session (the
//! export's requester or an owner or admin of its organization; an admin-mode session
//! any), checks the member gate again for the requester, and is idempotent per
//! source run: the unique index on `export.retry_of_run_id` makes a second retry,
//! even a racing one, return the first.

use sqlx::PgPool;

use super::request::{Refusal, StartError, Started, StartedRow};
use crate::error::{Classify, ExitKind};
use crate::ids::{RunId, UserId, generate_export_id};
use crate::lookup;

#[derive(Debug, thiserror::Error)]
pub(crate) enum RetryError {
    #[error("run {0} does not exist: `invoicectl export status` lists recent runs")]
    NotFound(RunId),
    /// Not an export, or a payload that cannot be retried: the database's message.
    #[error("{0}")]
    Invalid(String),
    #[error(
        "run {run} is {status}: only a failed or canceled export can be retried; for a new export of the same invoices use `invoicectl export start --force`"
    )]
    NotRetryable { run: RunId, status: String },
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("database error while retrying the export")]
    Database(#[from] sqlx::Error),
}

impl Classify for RetryError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            RetryError::NotFound(_) => ExitKind::NotFound,
            RetryError::Invalid(_) | RetryError::NotRetryable { .. } => ExitKind::Invalid,
            RetryError::Start(e) => e.exit_kind(),
            RetryError::Database(_) => ExitKind::Failure,
        }
    }
}

#[derive(sqlx::FromRow)]
struct RetryRow {
    #[sqlx(flatten)]
    started: StartedRow,
    scope: Option<serde_json::Value>,
}

/// Retries `run` (see the module doc); `as_user`: who asks (`None`: the session's
/// own user, or for an admin-mode session the original requester).
pub(crate) async fn retry(
    pool: &PgPool,
    run: &RunId,
    as_user: Option<&UserId>,
) -> Result<Started, RetryError> {
    let mut tx = pool.begin().await?;
    let row: RetryRow = match sqlx::query_as(
        "SELECT run_id, export_id, organization_id, requested_by, status, deduplicated, scope
         FROM export_retry($1, $2, $3, $4)",
    )
    .bind(run.as_str())
    .bind(as_user.map(UserId::as_str))
    .bind(RunId::generate().to_string())
    .bind(generate_export_id())
    .fetch_one(&mut *tx)
    .await
    {
        Ok(row) => row,
        Err(e) => {
            drop(tx);
            return Err(refusal(pool, run, as_user, e).await);
        }
    };
    tx.commit().await?;
    let scope = row.scope.and_then(|s| serde_json::from_value(s).ok());
    Ok(row.started.started(scope))
}

async fn refusal(
    pool: &PgPool,
    run: &RunId,
    as_user: Option<&UserId>,
    e: sqlx::Error,
) -> RetryError {
    let Some(r) = Refusal::of(&e) else {
        return e.into();
    };
    match (r.code.as_str(), r.detail.as_str()) {
        ("IV066", "run") => RetryError::NotFound(run.clone()),
        ("IV065", status) => RetryError::NotRetryable {
            run: run.clone(),
            status: status.to_owned(),
        },
        ("22023", "not_export" | "payload") => RetryError::Invalid(r.message),
        // The gate's and the session's refusals, as export start says them.
        ("42501", _) => StartError::Refused(r.message).into(),
        ("IV066", "user") => match (pool.acquire().await, as_user) {
            (Ok(mut conn), Some(u)) => {
                StartError::from(lookup::unknown_user(&mut conn, u, None).await).into()
            }
            (Err(e), _) => e.into(),
            (Ok(_), None) => StartError::Refused(r.message).into(),
        },
        ("22023", _) => StartError::Invalid(r.message).into(),
        _ => e.into(),
    }
}
