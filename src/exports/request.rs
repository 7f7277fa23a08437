//! `export start`'s domain: validate, check membership, then create the run, the
//! export row and the `requested` audit entry in ONE transaction — or, for a
//! duplicate the same UTC day, return the first run and write nothing.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;

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
    #[error("could not record the export")]
    Trigger(#[from] crate::engine::trigger::TriggerError),
    #[error("database error while starting the export")]
    Database(#[from] sqlx::Error),
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
            StartError::NotMember { .. } | StartError::Viewer { .. } => ExitKind::PermissionDenied,
            StartError::Trigger(_) | StartError::Database(_) | StartError::BadRunId(_) => {
                ExitKind::Failure
            }
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
}

/// How long a requested export deduplicates its repeats.
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 60 * 60);

// Finished runs are kept at least `MIN_RUN_RETENTION`: a repeated start within the
// TTL must still find its run.
const _: () = assert!(
    IDEMPOTENCY_TTL.as_secs() <= crate::config::MIN_RUN_RETENTION.as_secs(),
    "run_retention's floor must cover the idempotency TTL"
);

/// The idempotency key of (org, user, UTC day).
pub fn daily_key(org: &OrgId, user: &UserId, day: NaiveDate) -> IdempotencyKey {
    IdempotencyKey::create(
        EXPORT_INVOICES.id,
        &[org.as_str(), user.as_str(), &day.to_string()],
        &KeyScope::Global,
        Some(IDEMPOTENCY_TTL),
    )
}

pub async fn start(
    pool: &PgPool,
    org: &OrgId,
    user: &UserId,
    force: bool,
) -> Result<Started, StartError> {
    let mut conn = pool.acquire().await?;
    let membership = db::members::membership(&mut conn, org, user).await?;
    if !membership.org_exists {
        return Err(lookup::unknown_org(&mut conn, org).await.into());
    }
    if !membership.user_exists {
        return Err(lookup::unknown_user(&mut conn, user, Some(org))
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
        daily_key(org, user, today)
    };
    let mut tx = pool.begin().await?;
    let triggered = trigger(
        &mut tx,
        &EXPORT_INVOICES,
        &ExportPayload {
            organization_id: org.clone(),
            requested_by: user.clone(),
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
        tx.rollback().await?;
        let mut conn = pool.acquire().await?;
        let export = db::exports::by_run(&mut conn, &triggered.run_id).await?;
        return Ok(Started {
            run_id: triggered.run_id,
            export_id: export.map(|e| e.id).unwrap_or_default(),
            organization_id: org.to_string(),
            requested_by: user.to_string(),
            status: triggered.status,
            deduplicated: true,
        });
    }
    // The engine's rows are written as the owner; the tenant's rows under RLS.
    db::tenant::enter(&mut tx, org).await?;
    let export_id = generate_export_id();
    db::exports::insert(
        &mut tx,
        &export_id,
        org.as_str(),
        user.as_str(),
        today,
        &triggered.run_id,
    )
    .await?;
    let run_id = RunId::parse(&triggered.run_id)
        .map_err(|_| StartError::BadRunId(triggered.run_id.clone()))?;
    audit::append(
        &mut tx,
        audit::Entry {
            organization: Some(org),
            actor: Some(user),
            action: audit::Action::ExportRequested,
            subject: audit::Subject::export(&run_id),
            payload: serde_json::json!({ "exportId": export_id, "force": force }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Started {
        run_id: triggered.run_id,
        export_id,
        organization_id: org.to_string(),
        requested_by: user.to_string(),
        status: RunStatus::Queued,
        deduplicated: false,
    })
}
