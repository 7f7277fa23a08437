//! Pausing an organization's exports: a pause of its lane in the `export` queue
//! (queue + concurrency key = the org id), so the engine stays generic. Queued
//! exports of a paused organization are not claimed; a running one finishes; new
//! requests and schedule ticks still enqueue. Only an owner or admin of the
//! organization may pause or resume it; each change is audited in the transaction
//! that makes it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;

use super::task::EXPORT_QUEUE;
use crate::audit;
use crate::db;
use crate::db::lane_pause::LanePause;
use crate::error::{Classify, ExitKind};
use crate::ids::{OrgId, UserId};
use crate::lookup::{self, LookupError};

#[derive(Debug, thiserror::Error)]
pub(crate) enum PauseError {
    #[error(transparent)]
    Unknown(#[from] LookupError),
    #[error(
        "user {user} is {} of {org}: pausing or resuming its exports needs role admin or owner",
        .role.map_or("not a member".to_owned(), |r| format!("a {r}"))
    )]
    NotAdmin {
        org: OrgId,
        user: UserId,
        role: Option<db::members::Role>,
    },
    #[error("database error while pausing or resuming exports")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
}

impl Classify for PauseError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            PauseError::Unknown(e) => e.exit_kind(),
            PauseError::NotAdmin { .. } => ExitKind::PermissionDenied,
            PauseError::Database(_) => ExitKind::Failure,
            PauseError::Audit(e) => e.exit_kind(),
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

async fn admin_gate(
    conn: &mut sqlx::PgConnection,
    org: &OrgId,
    user: &UserId,
) -> Result<(), PauseError> {
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
        Some(db::members::Role::Admin | db::members::Role::Owner) => Ok(()),
        role => Err(PauseError::NotAdmin {
            org: org.clone(),
            user: user.clone(),
            role,
        }),
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

/// Pauses `org`'s exports. Pausing a paused organization changes nothing.
pub(crate) async fn pause(
    pool: &PgPool,
    org: &OrgId,
    user: &UserId,
    reason: Option<&str>,
) -> Result<PauseOutcome, PauseError> {
    let mut tx = pool.begin().await?;
    admin_gate(&mut tx, org, user).await?;
    let changed = EXPORT_QUEUE
        .pause_lane(&mut tx, org.as_str(), user.as_str(), reason)
        .await?;
    if changed {
        db::tenant::enter(&mut tx, org).await?;
        audit::append(
            &mut tx,
            audit::Entry {
                organization: Some(org),
                actor: Some(user),
                action: audit::Action::LanePaused,
                subject: audit::Subject::organization(org),
                payload: json!({ "reason": reason }),
            },
        )
        .await?;
        db::tenant::leave(&mut tx).await?;
    }
    let pause = EXPORT_QUEUE.lane_pause(&mut tx, org.as_str()).await?;
    tx.commit().await?;
    Ok(PauseOutcome {
        organization_id: org.to_string(),
        paused: true,
        changed,
        pause: pause.as_ref().map(PauseView::of),
    })
}

/// Resumes `org`'s exports and wakes the workers. Resuming a running organization
/// changes nothing.
pub(crate) async fn resume(
    pool: &PgPool,
    org: &OrgId,
    user: &UserId,
) -> Result<PauseOutcome, PauseError> {
    let mut tx = pool.begin().await?;
    admin_gate(&mut tx, org, user).await?;
    let ended = EXPORT_QUEUE.resume_lane(&mut tx, org.as_str()).await?;
    if let Some(ended) = &ended {
        let since: DateTime<Utc> = ended.paused_at;
        db::tenant::enter(&mut tx, org).await?;
        audit::append(
            &mut tx,
            audit::Entry {
                organization: Some(org),
                actor: Some(user),
                action: audit::Action::LaneResumed,
                subject: audit::Subject::organization(org),
                payload: json!({
                    "pausedAt": super::view::timestamp(&since),
                    "pausedBy": ended.paused_by,
                    "queued": ended.queued,
                }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(PauseOutcome {
        organization_id: org.to_string(),
        paused: false,
        changed: ended.is_some(),
        pause: None,
    })
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
