//! Pausing an organization's exports: a pause of its lane in the `export` queue
//! (queue + concurrency key = the org id), so the engine stays generic. Queued
//! exports of a paused organization are not claimed; a running one finishes; new
//! requests and schedule ticks still enqueue. Only an owner or admin of the
//! organization may pause or resume it: the database functions `export_pause` and
//! `export_resume` decide who acts from the session, check the role and audit each
//! change in the transaction that makes it.

use serde::Serialize;
use sqlx::PgPool;

use super::request::{self, Refusal, StartError};
use super::task::EXPORT_QUEUE;
use crate::db::lane_pause::LanePause;
use crate::error::{Classify, ExitKind};
use crate::ids::{OrgId, UserId};
use crate::lookup::LookupError;

#[derive(Debug, thiserror::Error)]
pub(crate) enum PauseError {
    #[error(transparent)]
    Unknown(#[from] LookupError),
    /// Not an owner or admin of the organization, or a session that may not act
    /// for that user: the database's message says which.
    #[error("{0}")]
    Refused(String),
    #[error("invalid pause: {0}")]
    Invalid(String),
    #[error("database error while pausing or resuming exports")]
    Database(#[from] sqlx::Error),
}

impl Classify for PauseError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            PauseError::Unknown(e) => e.exit_kind(),
            PauseError::Refused(_) => ExitKind::PermissionDenied,
            PauseError::Invalid(_) => ExitKind::Invalid,
            PauseError::Database(_) => ExitKind::Failure,
        }
    }
}

/// An organization's pause as commands print it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PauseView {
    pub organization_id: String,
    pub paused_at: String,
    pub paused_by: Option<String>,
    pub reason: Option<String>,
    /// Exports waiting in the paused lane.
    pub queued: i64,
}

impl PauseView {
    pub(crate) fn of(pause: &LanePause) -> PauseView {
        PauseView {
            organization_id: pause.concurrency_key.clone(),
            paused_at: super::view::timestamp(&pause.paused_at),
            paused_by: pause.paused_by.clone(),
            reason: pause.reason.clone(),
            queued: pause.queued,
        }
    }

    /// `paused by user_alice since 2026-12-07T10:00:00.000Z: fixing data`.
    pub(crate) fn sentence(&self) -> String {
        let by = self
            .paused_by
            .as_deref()
            .map(|u| format!(" by {u}"))
            .unwrap_or_default();
        let why = self
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        format!(
            "exports of {} are paused{by} since {}{why}",
            self.organization_id, self.paused_at
        )
    }
}

/// What a pause or resume did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PauseOutcome {
    pub organization_id: String,
    pub paused: bool,
    /// False when the organization already was in the asked state (nothing written).
    pub changed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause: Option<PauseView>,
}

/// Pauses `org`'s exports through `export_pause` (which decides who acts from the
/// session and checks the owner-or-admin rule). Pausing a paused organization
/// changes nothing.
pub(crate) async fn pause(
    pool: &PgPool,
    org: &OrgId,
    as_user: Option<&UserId>,
    reason: Option<&str>,
) -> Result<PauseOutcome, PauseError> {
    let mut tx = pool.begin().await?;
    let changed: bool = match sqlx::query_scalar("SELECT export_pause($1, $2, $3)")
        .bind(org.as_str())
        .bind(as_user.map(UserId::as_str))
        .bind(reason)
        .fetch_one(&mut *tx)
        .await
    {
        Ok(changed) => changed,
        Err(e) => {
            drop(tx);
            return Err(refusal(pool, org, as_user, e).await);
        }
    };
    let pause = EXPORT_QUEUE.lane_pause(&mut tx, org.as_str()).await?;
    tx.commit().await?;
    Ok(PauseOutcome {
        organization_id: org.to_string(),
        paused: true,
        changed,
        pause: pause.as_ref().map(PauseView::of),
    })
}

/// Resumes `org`'s exports through `export_resume` and wakes the workers. Resuming
/// a running organization changes nothing.
pub(crate) async fn resume(
    pool: &PgPool,
    org: &OrgId,
    as_user: Option<&UserId>,
) -> Result<PauseOutcome, PauseError> {
    let changed: bool = match sqlx::query_scalar("SELECT export_resume($1, $2)")
        .bind(org.as_str())
        .bind(as_user.map(UserId::as_str))
        .fetch_one(pool)
        .await
    {
        Ok(changed) => changed,
        Err(e) => return Err(refusal(pool, org, as_user, e).await),
    };
    Ok(PauseOutcome {
        organization_id: org.to_string(),
        paused: false,
        changed,
        pause: None,
    })
}

async fn refusal(
    pool: &PgPool,
    org: &OrgId,
    as_user: Option<&UserId>,
    e: sqlx::Error,
) -> PauseError {
    match Refusal::of(&e) {
        Some(r) if r.code == "42501" => PauseError::Refused(r.message),
        Some(r) if r.code == "IV066" => match request::refusal(pool, org, as_user, e).await {
            StartError::Unknown(e) => PauseError::Unknown(e),
            other => PauseError::Refused(other.to_string()),
        },
        Some(r) if r.is_invalid() => PauseError::Invalid(r.message),
        _ => e.into(),
    }
}

/// The organization's pause, if its exports are paused (owner connection).
pub(crate) async fn pause_of(
    conn: &mut sqlx::PgConnection,
    org: &str,
) -> Result<Option<PauseView>, sqlx::Error> {
    Ok(EXPORT_QUEUE
        .lane_pause(conn, org)
        .await?
        .as_ref()
        .map(PauseView::of))
}
