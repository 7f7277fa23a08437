//! `export start`'s domain. Every request, scoped or not, is one call of the
//! database function `export_request`, which decides who the requester is (from the
//! session PostgreSQL authenticated), checks membership, validates the scope, and
//! creates the run, the export row and the `requested` audit entry in ONE
//! transaction — or, for a duplicate (same organization, requester, UTC day and
//! scope), returns the first run and writes nothing. The function is the only write
//! path a linked login has, so the rules hold in psql too; this module turns its
//! refusals into the errors (and exit codes) the command line promises. Retries,
//! schedules and pauses go through functions of the same kind (their modules), and
//! share [`Refusal`] to read what the database said.

use std::time::Duration;

use serde::Serialize;
use sqlx::PgPool;

use super::scope::Scope;
use crate::engine::RunStatus;
use crate::error::{Classify, ExitKind};
use crate::ids::{OrgId, RunId, UserId, generate_export_id};
use crate::lookup::{self, LookupError};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// An unknown organization or user, with the nearest existing id.
    #[error(transparent)]
    Unknown(#[from] LookupError),
    #[error("user {user} is not a member of {org}: only members can export its invoices")]
    NotMember { org: OrgId, user: UserId },
    #[error(
        "user {user} is a viewer of {org}: exporting needs role member or higher; ask an owner or admin"
    )]
    Viewer { org: OrgId, user: UserId },
    /// The database refused the session itself (an unlinked login, a login acting
    /// for another user without being a delegate): its message says why.
    #[error("{0}")]
    Refused(String),
    /// The request did not fit the function (a bug in invoicectl, or a hand-made
    /// call).
    #[error("invalid export request: {0}")]
    Invalid(String),
    #[error("database error while starting the export")]
    Database(#[from] sqlx::Error),
}

impl Classify for StartError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            StartError::Unknown(e) => e.exit_kind(),
            StartError::NotMember { .. } | StartError::Viewer { .. } | StartError::Refused(_) => {
                ExitKind::PermissionDenied
            }
            StartError::Invalid(_) => ExitKind::Invalid,
            StartError::Database(e) => e.exit_kind(),
        }
    }
}

/// The result of `export start`, as printed with `--json`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Started {
    pub run_id: RunId,
    pub export_id: String,
    pub organization_id: String,
    pub requested_by: String,
    pub status: RunStatus,
    pub deduplicated: bool,
    /// The scope in its payload form; absent for every invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

/// How long a requested export deduplicates its repeats (the database functions
/// give every export run this TTL).
pub(crate) const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 60 * 60);

// Finished runs are kept at least `MIN_RUN_RETENTION`: a repeated start within the
// TTL must still find its run.
const _: () = assert!(
    IDEMPOTENCY_TTL.as_secs() <= crate::config::MIN_RUN_RETENTION.as_secs(),
    "run_retention's floor must cover the idempotency TTL"
);

/// What `export start` asks for. New request fields go here and into the JSON
/// object [`start`] sends (the function refuses keys it does not know).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub org: OrgId,
    /// The user to act for: `None` lets the database take the session's own user.
    pub as_user: Option<UserId>,
    /// Which invoices, resolved (`None`: all of them). Part of the deduplication key.
    pub scope: Option<Scope>,
    /// A new run even if one was requested today.
    pub force: bool,
}

/// The JSON object `export_request` takes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestJson<'a> {
    organization_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    as_user: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a Scope>,
    force: bool,
    run_id: RunId,
    export_id: String,
}

/// The row `export_request` and `export_retry` return: the run an export request
/// made or found.
#[derive(sqlx::FromRow)]
pub(crate) struct StartedRow {
    run_id: RunId,
    export_id: Option<String>,
    organization_id: String,
    requested_by: String,
    status: RunStatus,
    deduplicated: bool,
}

impl StartedRow {
    pub(crate) fn started(self, scope: Option<Scope>) -> Started {
        Started {
            run_id: self.run_id,
            export_id: self.export_id.unwrap_or_default(),
            organization_id: self.organization_id,
            requested_by: self.requested_by,
            status: self.status,
            deduplicated: self.deduplicated,
            scope,
        }
    }
}

/// Requests an export through `export_request` in its own transaction.
pub async fn start(pool: &PgPool, request: &Request) -> Result<Started, StartError> {
    let body = RequestJson {
        organization_id: request.org.as_str(),
        as_user: request.as_user.as_ref().map(UserId::as_str),
        scope: request.scope.as_ref(),
        force: request.force,
        run_id: RunId::generate(),
        export_id: generate_export_id(),
    };
    let body = serde_json::to_value(&body).expect("a request serializes");
    let mut tx = pool.begin().await?;
    let row: StartedRow = match sqlx::query_as(
        "SELECT run_id, export_id, organization_id, requested_by, status, deduplicated
         FROM export_request($1)",
    )
    .bind(&body)
    .fetch_one(&mut *tx)
    .await
    {
        Ok(row) => row,
        Err(e) => {
            drop(tx);
            return Err(refusal(pool, &request.org, request.as_user.as_ref(), e).await);
        }
    };
    tx.commit().await?;
    Ok(row.started(request.scope.clone()))
}

/// What a database function said when it refused: its SQLSTATE, its DETAIL (which
/// refusal; see the functions' comments in the migrations) and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: String,
    pub detail: String,
    pub message: String,
}

impl Refusal {
    /// The refusal in `e`, when the database raised one.
    pub fn of(e: &sqlx::Error) -> Option<Refusal> {
        let db = e.as_database_error()?;
        Some(Refusal {
            code: db.code().map(|c| c.into_owned()).unwrap_or_default(),
            detail: db
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .and_then(|pg| pg.detail())
                .unwrap_or_default()
                .to_owned(),
            message: db.message().to_owned(),
        })
    }

    /// Whether it is the gate's or the session's refusal (exit 77).
    pub fn is_denied(&self) -> bool {
        self.code == "42501"
    }

    /// Whether the request did not fit the function (exit 65).
    pub fn is_invalid(&self) -> bool {
        self.code == "22023"
    }
}

/// The error for a refusal of the member gate or the session (`export_request` and
/// every function that shares its gate): `org` and `asked` say whom it was about.
pub async fn refusal(
    pool: &PgPool,
    org: &OrgId,
    asked: Option<&UserId>,
    e: sqlx::Error,
) -> StartError {
    let Some(refusal) = Refusal::of(&e) else {
        return e.into();
    };
    let user = || asked.cloned();
    let message = refusal.message;
    match (refusal.code.as_str(), refusal.detail.as_str()) {
        ("42501", "not_member") => match requested_user(&message, user()) {
            Some(user) => StartError::NotMember {
                org: org.clone(),
                user,
            },
            None => StartError::Refused(message),
        },
        ("42501", "viewer") => match requested_user(&message, user()) {
            Some(user) => StartError::Viewer {
                org: org.clone(),
                user,
            },
            None => StartError::Refused(message),
        },
        ("42501", _) => StartError::Refused(message),
        ("IV066", "organization") => match pool.acquire().await {
            Ok(mut conn) => lookup::unknown_org(&mut conn, org).await.into(),
            Err(e) => e.into(),
        },
        ("IV066", "user") => match (pool.acquire().await, user()) {
            (Ok(mut conn), Some(u)) => lookup::unknown_user(&mut conn, &u, Some(org)).await.into(),
            (Err(e), _) => e.into(),
            (Ok(_), None) => StartError::Refused(message),
        },
        ("22023", _) => StartError::Invalid(message),
        _ => e.into(),
    }
}

/// The user a refusal is about: the one the message names (`user … is not a member
/// …`: the database may have chosen the session's own), else the one asked for.
fn requested_user(message: &str, asked: Option<UserId>) -> Option<UserId> {
    message
        .strip_prefix("user ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|id| UserId::parse(id).ok())
        .or(asked)
}
