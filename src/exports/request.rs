//! `export start`'s domain. An unscoped request is one call of the database
//! function `export_request`, which decides who the requester is (from the session
//! PostgreSQL authenticated), checks membership, and creates the run, the export row
//! and the `requested` audit entry in ONE transaction — or, for a duplicate the same
//! UTC day, returns the first run and writes nothing. The function is the only write
//! path a linked login has, so the rules hold in psql too; this module turns its
//! refusals into the errors (and exit codes) the command line promises.
//!
//! Scoped requests, schedule ticks and retries go through `enqueue` (the gate, the
//! run, the row and the audit entry in the caller's transaction, the scope in the
//! key), which an admin-mode session or a worker runs.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::scope::Scope;
use super::task::{EXPORT_INVOICES, ExportPayload};
use crate::audit;
use crate::db;
use crate::engine::{IdempotencyKey, KeyScope, RunStatus, TriggerOptions, trigger};
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
    #[error("could not record the export")]
    Trigger(#[from] crate::engine::trigger::TriggerError),
    /// The engine returned a run id that does not parse: a bug in invoicectl.
    #[error("the run queue returned an invalid run id {0:?}: this is a bug in invoicectl")]
    BadRunId(String),
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
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
            StartError::Trigger(e) => e.exit_kind(),
            StartError::BadRunId(_) => ExitKind::Failure,
            StartError::Audit(e) => e.exit_kind(),
        }
    }
}

/// The result of `export start`, as printed with `--json`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Started {
    pub run_id: String,
    pub export_id: String,
    pub organization_id: String,
    pub requested_by: String,
    pub status: RunStatus,
    pub deduplicated: bool,
    /// The scope in its payload form; absent for every invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

/// How long a requested export deduplicates its repeats.
pub(crate) const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 60 * 60);

// Finished runs are kept at least `MIN_RUN_RETENTION`: a repeated start within the
// TTL must still find its run.
const _: () = assert!(
    IDEMPOTENCY_TTL.as_secs() <= crate::config::MIN_RUN_RETENTION.as_secs(),
    "run_retention's floor must cover the idempotency TTL"
);

/// The idempotency key of (org, user, UTC day), and the scope when there is one (an
/// unscoped export keeps the key it always had).
pub(crate) fn daily_key(
    org: &OrgId,
    user: &UserId,
    day: NaiveDate,
    scope: Option<&Scope>,
) -> IdempotencyKey {
    let day = day.to_string();
    let canonical = scope.map(Scope::canonical);
    let mut parts = vec![org.as_str(), user.as_str(), &day];
    if let Some(canonical) = &canonical {
        parts.push(canonical);
    }
    IdempotencyKey::create(
        EXPORT_INVOICES.id,
        &parts,
        &KeyScope::Global,
        Some(IDEMPOTENCY_TTL),
    )
}

/// What `export start` asks for. New request fields go here and into the JSON
/// object [`start`] sends (the function refuses keys it does not know).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub org: OrgId,
    /// The user to act for: `None` lets the database take the session's own user.
    pub as_user: Option<UserId>,
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
    force: bool,
    run_id: String,
    export_id: String,
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    run_id: String,
    export_id: Option<String>,
    organization_id: String,
    requested_by: String,
    status: RunStatus,
    deduplicated: bool,
}

/// Requests an export through `export_request` in its own transaction.
pub async fn start(pool: &PgPool, request: &Request) -> Result<Started, StartError> {
    let body = RequestJson {
        organization_id: request.org.as_str(),
        as_user: request.as_user.as_ref().map(UserId::as_str),
        force: request.force,
        run_id: RunId::generate().to_string(),
        export_id: generate_export_id(),
    };
    let body = serde_json::to_value(&body).expect("a request serializes");
    let mut tx = pool.begin().await?;
    let row: RequestRow = match sqlx::query_as(
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
            return Err(refusal(pool, request, e).await);
        }
    };
    tx.commit().await?;
    Ok(Started {
        run_id: row.run_id,
        export_id: row.export_id.unwrap_or_default(),
        organization_id: row.organization_id,
        requested_by: row.requested_by,
        status: row.status,
        deduplicated: row.deduplicated,
        scope: None,
    })
}

/// The error for a refusal of `export_request`: its SQLSTATE and DETAIL say which
/// (see the function's comment in the migrations).
async fn refusal(pool: &PgPool, request: &Request, e: sqlx::Error) -> StartError {
    let Some(db) = e.as_database_error() else {
        return e.into();
    };
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    let detail = db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .and_then(|pg| pg.detail())
        .unwrap_or_default()
        .to_owned();
    let message = db.message().to_owned();
    let user = || request.as_user.clone();
    match (code.as_str(), detail.as_str()) {
        ("42501", "not_member") => match requested_user(&message, user()) {
            Some(user) => StartError::NotMember {
                org: request.org.clone(),
                user,
            },
            None => StartError::Refused(message),
        },
        ("42501", "viewer") => match requested_user(&message, user()) {
            Some(user) => StartError::Viewer {
                org: request.org.clone(),
                user,
            },
            None => StartError::Refused(message),
        },
        ("42501", _) => StartError::Refused(message),
        ("IV066", "organization") => match pool.acquire().await {
            Ok(mut conn) => lookup::unknown_org(&mut conn, &request.org).await.into(),
            Err(e) => e.into(),
        },
        ("IV066", "user") => match (pool.acquire().await, user()) {
            (Ok(mut conn), Some(u)) => lookup::unknown_user(&mut conn, &u, Some(&request.org))
                .await
                .into(),
            (Err(e), _) => e.into(),
            (Ok(_), None) => StartError::Refused(message),
        },
        ("22023", _) => StartError::Invalid(message),
        _ => e.into(),
    }
}

/// The user a refusal is about: the one asked for, or the one the message names
/// (`user … is not a member …`) when the database chose the session's own.
fn requested_user(message: &str, asked: Option<UserId>) -> Option<UserId> {
    asked.or_else(|| {
        message
            .strip_prefix("user ")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|id| UserId::parse(id).ok())
    })
}

/// What requested an export, recorded on its row and in its audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// `export start` (`force`: deduplication skipped).
    Start { force: bool },
    /// A schedule's tick at that instant.
    Tick {
        schedule_id: String,
        tick_at: chrono::DateTime<Utc>,
    },
    /// `export retry` of that (failed or canceled) run.
    Retry { of: RunId },
}

/// `export start`: the gate, then one transaction (see the module doc).
pub(crate) async fn start_scoped(
    pool: &PgPool,
    org: &OrgId,
    user: &UserId,
    scope: Option<&Scope>,
    force: bool,
) -> Result<Started, StartError> {
    let mut conn = pool.acquire().await?;
    gate(&mut conn, org, user).await?;
    drop(conn);

    let today = Utc::now().date_naive();
    let key = if force {
        // A forced start is a new run with a key of its own: later plain starts the
        // same day still return the first run.
        IdempotencyKey::create(
            EXPORT_INVOICES.id,
            &[org.as_str(), user.as_str(), &ulid::Ulid::new().to_string()],
            &KeyScope::Global,
            Some(IDEMPOTENCY_TTL),
        )
    } else {
        daily_key(org, user, today, scope)
    };
    let mut tx = pool.begin().await?;
    let started = enqueue(&mut tx, org, user, scope, key, &Origin::Start { force }).await?;
    if started.deduplicated {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(started)
}

/// The member gate: the org and the user exist and the user is a member of the org
/// with role `member` or higher.
pub(crate) async fn gate(
    conn: &mut sqlx::PgConnection,
    org: &OrgId,
    user: &UserId,
) -> Result<(), StartError> {
    let membership = db::members::membership(&mut *conn, org, user).await?;
    if !membership.org_exists {
        return Err(lookup::unknown_org(&mut *conn, org).await.into());
    }
    if !membership.user_exists {
        return Err(lookup::unknown_user(&mut *conn, user, Some(org))
            .await
            .into());
    }
    match membership.role {
        None => {
            return Err(StartError::NotMember {
                org: org.clone(),
                user: user.clone(),
            });
        }
        Some(db::members::Role::Viewer) => {
            return Err(StartError::Viewer {
                org: org.clone(),
                user: user.clone(),
            });
        }
        Some(_) => {}
    }
    Ok(())
}

/// Creates the run, the export row and the `requested` audit entry in the caller's
/// transaction — or returns the run holding `key` (deduplicated: nothing is written,
/// and the caller should roll back). The gate is the caller's.
pub(crate) async fn enqueue(
    tx: &mut sqlx::PgConnection,
    org: &OrgId,
    user: &UserId,
    scope: Option<&Scope>,
    key: IdempotencyKey,
    origin: &Origin,
) -> Result<Started, StartError> {
    let today = Utc::now().date_naive();
    let triggered = trigger(
        &mut *tx,
        &EXPORT_INVOICES,
        &ExportPayload {
            organization_id: org.clone(),
            requested_by: user.clone(),
            scope: scope.cloned(),
        },
        TriggerOptions {
            concurrency_key: Some(org.to_string()),
            idempotency_key: Some(key),
            tags: vec![format!("org:{org}")],
            max_attempts: Some(3),
            ..TriggerOptions::default()
        },
    )
    .await?;
    if triggered.deduplicated {
        let export = db::exports::by_run(&mut *tx, &triggered.run_id).await?;
        return Ok(Started {
            run_id: triggered.run_id,
            export_id: export.map(|e| e.id).unwrap_or_default(),
            organization_id: org.to_string(),
            requested_by: user.to_string(),
            status: triggered.status,
            deduplicated: true,
            scope: scope.cloned(),
        });
    }
    // The engine's rows are written as the owner; the tenant's rows under RLS.
    db::tenant::enter(&mut *tx, org).await?;
    let export_id = generate_export_id();
    let (schedule_id, scheduled_for, retry_of) = match origin {
        Origin::Start { .. } => (None, None, None),
        Origin::Tick {
            schedule_id,
            tick_at,
        } => (Some(schedule_id.as_str()), Some(*tick_at), None),
        Origin::Retry { of } => (None, None, Some(of.as_str())),
    };
    db::exports::insert(
        &mut *tx,
        &db::exports::NewExport {
            id: &export_id,
            org: org.as_str(),
            requested_by: user.as_str(),
            day_bucket: today,
            run_id: &triggered.run_id,
            scope: scope.map(|s| serde_json::to_value(s).expect("a scope serializes")),
            schedule_id,
            scheduled_for,
            retry_of_run_id: retry_of,
        },
    )
    .await?;
    let run_id = RunId::parse(&triggered.run_id)
        .map_err(|_| StartError::BadRunId(triggered.run_id.clone()))?;
    let mut payload = match origin {
        Origin::Start { force } => serde_json::json!({ "exportId": export_id, "force": force }),
        Origin::Tick {
            schedule_id,
            tick_at,
        } => serde_json::json!({
            "exportId": export_id,
            "scheduleId": schedule_id,
            "scheduledFor": super::view::timestamp(tick_at),
        }),
        Origin::Retry { of } => serde_json::json!({ "exportId": export_id, "retryOf": of }),
    };
    if let Some(scope) = scope {
        payload["scope"] = serde_json::to_value(scope).expect("a scope serializes");
    }
    audit::append(
        &mut *tx,
        audit::Entry {
            organization: Some(org),
            actor: Some(user),
            action: audit::Action::ExportRequested,
            subject: audit::Subject::export(&run_id),
            payload,
        },
    )
    .await?;
    // The caller's transaction goes on as the owner.
    db::tenant::leave(&mut *tx).await?;
    Ok(Started {
        run_id: triggered.run_id,
        export_id,
        organization_id: org.to_string(),
        requested_by: user.to_string(),
        status: RunStatus::Queued,
        deduplicated: false,
        scope: scope.cloned(),
    })
}
