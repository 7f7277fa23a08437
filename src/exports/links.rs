//! Getting a finished export back : `export url` and `export download`
//! find the stored object from the export row, let through the requester or an
//! owner/admin of the organization, and audit what they hand out. Retention
//! (`export prune`) lives here too: it ends what these commands can reach.
//!
//! The export row is the source of truth for where the object is, so these work
//! from any machine with the database and the storage credentials, whatever that
//! machine's own `storage` setting is.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::PgPool;

use crate::audit;
use crate::db;
use crate::db::exports::ExportRow;
use crate::db::exports::ExportStatus;
use crate::db::members::Role;
use crate::error::{Classify, ExitKind};
use crate::ids::{OrgId, RunId, UserId};
use crate::storage::{
    self, Compression, ObjectLocation, Storage, StorageError, StorageSettings, StorageUrl,
};

#[derive(Debug, thiserror::Error)]
pub(crate) enum LinkError {
    #[error("run {0} has no export: check the id with `invoicectl export status`")]
    UnknownRun(RunId),
    #[error("user {0} does not exist: check --as, INVOICECTL_USER or the config key `user`")]
    UnknownUser(UserId),
    #[error(
        "user {user} may not fetch the export of {run}: only its requester ({requester}), while a member who may export (not a viewer), or an owner or admin of {org} may"
    )]
    Denied {
        user: UserId,
        run: RunId,
        requester: String,
        org: String,
    },
    #[error(
        "the export of {run} expired on {at} (its file was deleted by `export prune`): request a new export"
    )]
    Expired { run: RunId, at: String },
    #[error(
        "the export of {run} has no stored file (status {status}): only completed exports can be fetched"
    )]
    NotStored { run: RunId, status: ExportStatus },
    #[error(
        "the stored link to the export of {run} expired at {at}: this login holds no storage credentials, so an admin (or anyone on a host with them) signs a new one with `invoicectl export url {run}`"
    )]
    StoredLinkExpired { run: RunId, at: String },
    #[error("the export of {run} has no stored link")]
    NoStoredLink { run: RunId },
    /// The export row holds an organization id that does not parse: a bug or a hand
    /// edit, not the caller's input.
    #[error("the export of {run} names an invalid organization {org:?}")]
    BadRow { run: RunId, org: String },
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
    #[error(transparent)]
    Storage(StorageError),
}

impl Classify for LinkError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            LinkError::UnknownRun(_)
            | LinkError::UnknownUser(_)
            | LinkError::Expired { .. }
            | LinkError::NotStored { .. }
            | LinkError::StoredLinkExpired { .. }
            | LinkError::NoStoredLink { .. } => ExitKind::NotFound,
            LinkError::Denied { .. } => ExitKind::PermissionDenied,
            LinkError::BadRow { .. } => ExitKind::Failure,
            LinkError::Database(e) => e.exit_kind(),
            LinkError::Audit(e) => e.exit_kind(),
            LinkError::Storage(e) => e.exit_kind(),
        }
    }
}

/// A completed export the user may fetch.
#[derive(Debug, Clone)]
pub(crate) struct Fetchable {
    pub export: ExportRow,
    pub org: OrgId,
    pub run: RunId,
    pub user: UserId,
    /// The recorded object URL.
    pub object_url: String,
}

impl Fetchable {
    pub(crate) fn compression(&self) -> Compression {
        Compression::of_name(&self.object_url)
    }

    /// Opens the storage holding the object and the object's location in it, confined
    /// to that export's own place (see [`Storage::confine`]): under `reroot` when
    /// given (a mirror, a share mounted elsewhere), else under this machine's
    /// configured `storage`. The recorded URL is checked, never followed: without
    /// `reroot` it must be exactly `<storage>/<org>/<run_id>.csv[.gz]`; with it, it
    /// must at least name this export's `<org>/<run_id>.csv[.gz]`.
    pub(crate) fn open(
        &self,
        settings: &StorageSettings,
        reroot: Option<&StorageUrl>,
    ) -> Result<(Storage, ObjectLocation), StorageError> {
        let root = reroot.unwrap_or(&settings.location);
        let storage = Storage::open(root.clone(), settings)?;
        let location = match reroot {
            None => storage.confine(&self.object_url, &self.org, &self.run)?,
            Some(_) => {
                let expected = storage.export_location(&self.org, &self.run, self.compression())?;
                if !storage::names_export(&self.object_url, &self.org, &self.run) {
                    return Err(StorageError::Unconfined {
                        run: self.run.to_string(),
                        recorded: crate::redact::redact_url(&self.object_url),
                        root: root.to_string(),
                        expected: expected.url,
                    });
                }
                expected
            }
        };
        Ok((storage, location))
    }

    /// [`open`](Self::open), and when the recorded location is refused, an
    /// `export.invoices.location_refused` audit row (actor: the user) before the
    /// error is returned: a tampered row is evidence, not just a failed command.
    pub(crate) async fn open_or_report(
        &self,
        pool: &PgPool,
        settings: &StorageSettings,
        reroot: Option<&StorageUrl>,
        command: &str,
    ) -> Result<(Storage, ObjectLocation), LinkError> {
        let refused = match self.open(settings, reroot) {
            Ok(opened) => return Ok(opened),
            Err(e) => e,
        };
        if let StorageError::Unconfined {
            recorded, expected, ..
        } = &refused
        {
            record(
                pool,
                self,
                audit::Action::ExportLocationRefused,
                serde_json::json!({
                    "command": command,
                    "recordedUrl": recorded,
                    "expectedUrl": expected,
                }),
            )
            .await?;
            tracing::error!(run = %self.run, %recorded, "refused an export's recorded location");
        }
        Err(LinkError::Storage(refused))
    }

    /// Locks the export row against `export prune` for as long as the returned
    /// [`Hold`] lives, and checks it is still completed: a download or link in
    /// progress and a prune are ordered, never interleaved. A prune that already
    /// holds the row finishes first and this then reports the export expired; a
    /// prune that comes later skips the held row (`SKIP LOCKED`) and expires it on
    /// its next run, after the download's audit row.
    pub(crate) async fn hold(&self, pool: &PgPool) -> Result<Hold, LinkError> {
        // Through `export_hold`, which checks the same gate as [`authorize`] from the
        // session itself: a linked login holds no privilege to lock the row.
        let mut tx = pool.begin().await?;
        let (status, expired_at): (Option<ExportStatus>, Option<DateTime<Utc>>) =
            sqlx::query_as("SELECT status, expired_at FROM export_hold($1, $2)")
                .bind(self.run.as_str())
                .bind(self.user.as_str())
                .fetch_one(&mut *tx)
                .await?;
        match status.ok_or_else(|| LinkError::UnknownRun(self.run.clone()))? {
            ExportStatus::Completed => Ok(Hold {
                tx,
                fetched: self.clone(),
            }),
            ExportStatus::Expired => Err(expired(&self.run, expired_at)),
            status => Err(LinkError::NotStored {
                run: self.run.clone(),
                status,
            }),
        }
    }
}

/// A completed export locked against `export prune` (see [`Fetchable::hold`]).
pub(crate) struct Hold {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    fetched: Fetchable,
}

impl Hold {
    /// Appends `export.invoices.link_issued` or `.downloaded` for the user and ends
    /// the hold.
    pub(crate) async fn record(
        mut self,
        action: audit::Action,
        payload: Value,
    ) -> Result<(), LinkError> {
        record_in(&mut self.tx, &self.fetched, action, payload).await?;
        self.tx.commit().await?;
        Ok(())
    }
}

fn expired(run: &RunId, at: Option<DateTime<Utc>>) -> LinkError {
    let at = at
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "an unknown date".to_owned());
    LinkError::Expired {
        run: run.clone(),
        at,
    }
}

impl Fetchable {
    /// The link the worker stored when it finished the export, while it is valid:
    /// what a login without storage credentials hands out and downloads through.
    /// A `file://` link does not expire.
    pub(crate) fn stored_link(&self) -> Result<(&str, Option<DateTime<Utc>>), LinkError> {
        let link = self
            .export
            .download_url
            .as_deref()
            .ok_or_else(|| LinkError::NoStoredLink {
                run: self.run.clone(),
            })?;
        match self.export.link_expires_at {
            Some(at) if at <= Utc::now() => Err(LinkError::StoredLinkExpired {
                run: self.run.clone(),
                at: at.format("%Y-%m-%d %H:%M UTC").to_string(),
            }),
            at => Ok((link, at)),
        }
    }
}

/// Finds the export of `run` and checks that `user` may fetch it: its requester
/// (while still a member of the org) or an owner/admin of the org.
pub(crate) async fn authorize(
    pool: &PgPool,
    run: &RunId,
    user: &UserId,
) -> Result<Fetchable, LinkError> {
    let mut conn = pool.acquire().await?;
    let export = db::exports::by_run(&mut conn, run)
        .await?
        .ok_or_else(|| LinkError::UnknownRun(run.clone()))?;
    let org = OrgId::parse(&export.organization_id).map_err(|_| LinkError::BadRow {
        run: run.clone(),
        org: export.organization_id.clone(),
    })?;
    let membership = db::members::membership(&mut conn, &org, user).await?;
    if !membership.user_exists {
        return Err(LinkError::UnknownUser(user.clone()));
    }
    // The gate as it stands now, not as it stood when the export was requested: a
    // requester since demoted to viewer (who may no longer export) or removed is
    // refused like anyone else.
    let allowed = match membership.role {
        Some(Role::Owner | Role::Admin) => true,
        Some(Role::Member) => export.requested_by == user.as_str(),
        Some(Role::Viewer) | None => false,
    };
    if !allowed {
        return Err(LinkError::Denied {
            user: user.clone(),
            run: run.clone(),
            requester: export.requested_by.clone(),
            org: export.organization_id.clone(),
        });
    }
    if export.status == ExportStatus::Expired {
        return Err(expired(run, export.expired_at));
    }
    let object_url = match (export.status, export.object_location()) {
        (ExportStatus::Completed, Some(url)) => url.to_owned(),
        _ => {
            return Err(LinkError::NotStored {
                run: run.clone(),
                status: export.status,
            });
        }
    };
    Ok(Fetchable {
        export,
        org,
        run: run.clone(),
        user: user.clone(),
        object_url,
    })
}

/// Appends `export.invoices.link_issued` or `.downloaded` for the user, through
/// the database function `export_record_access`, which checks the same gate as
/// [`authorize`] from the session's own identity: a linked login (which holds no
/// privilege on `audit_log`) records only what its user may fetch.
pub(crate) async fn record(
    pool: &PgPool,
    fetched: &Fetchable,
    action: audit::Action,
    payload: Value,
) -> Result<(), LinkError> {
    let mut conn = pool.acquire().await?;
    record_in(&mut conn, fetched, action, payload).await
}

/// [`record`] on a connection (inside a [`Hold`]'s transaction).
async fn record_in(
    conn: &mut sqlx::PgConnection,
    fetched: &Fetchable,
    action: audit::Action,
    payload: Value,
) -> Result<(), LinkError> {
    sqlx::query("SELECT export_record_access($1, $2, $3, $4)")
        .bind(fetched.run.as_str())
        .bind(action)
        .bind(fetched.user.as_str())
        .bind(&payload)
        .execute(conn)
        .await?;
    Ok(())
}

/// One export `prune` expired (or would, with `--dry-run`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Pruned {
    pub run_id: RunId,
    pub organization_id: String,
    pub object_url: Option<String>,
    pub completed_at: Option<String>,
    /// Whether the object was there to delete (false: already gone).
    pub deleted: bool,
    /// `--dry-run` only: the recorded location is not the export's place in the
    /// storage, so a real prune would leave it untouched and exit 77 naming it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub refused: bool,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum PruneError {
    #[error("database error while pruning")]
    Database(#[from] sqlx::Error),
    /// An export row whose organization id does not parse.
    #[error("export {export} has an invalid org id")]
    BadRow { export: String },
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
    #[error(
        "refused {count} export(s) whose recorded location is not their place in {root}: {refused}; nothing of theirs was deleted or expired (each has an export.invoices.location_refused audit row); {pruned} other export(s) were pruned"
    )]
    Refused {
        count: usize,
        refused: String,
        root: String,
        pruned: usize,
    },
    #[error("cannot delete the export of {run}; {pruned} export(s) were pruned before it")]
    Storage {
        run: String,
        pruned: usize,
        /// Boxed: it is large, and `PruneError` is returned on every path.
        #[source]
        source: Box<StorageError>,
    },
}

impl Classify for PruneError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            PruneError::Database(_) | PruneError::BadRow { .. } => ExitKind::Failure,
            PruneError::Audit(e) => e.exit_kind(),
            PruneError::Storage { source, .. } => source.exit_kind(),
            PruneError::Refused { .. } => ExitKind::PermissionDenied,
        }
    }
}

fn pruned(export: &ExportRow, deleted: bool) -> Pruned {
    Pruned {
        run_id: export.run_id.clone(),
        organization_id: export.organization_id.clone(),
        object_url: export.object_location().map(str::to_owned),
        completed_at: export.completed_at.as_ref().map(super::view::timestamp),
        deleted,
        refused: false,
    }
}

/// The exports `prune` would expire now (oldest first), each checked as `prune`
/// checks it: one whose recorded location is not its place in the configured
/// storage is listed as `refused`, as the real prune would refuse it.
pub(crate) async fn prune_candidates(
    pool: &PgPool,
    settings: &StorageSettings,
    cutoff: DateTime<Utc>,
) -> Result<Vec<Pruned>, PruneError> {
    let storage = Storage::open(settings.location.clone(), settings)
        .map_err(storage_error("any export", 0))?;
    let mut conn = pool.acquire().await?;
    let mut candidates = Vec::new();
    for export in db::exports::prunable(&mut conn, cutoff).await? {
        let (_, recorded) = recorded_location(&storage, &export, 0)?;
        candidates.push(Pruned {
            refused: matches!(recorded, Recorded::Refused { .. }),
            ..pruned(&export, false)
        });
    }
    Ok(candidates)
}

/// What a prune may do with an export's recorded object location.
enum Recorded {
    /// No object was recorded: nothing to delete.
    Nothing,
    /// The export's own place in the configured storage (see [`Storage::confine`]).
    Confined(ObjectLocation),
    /// Anything else, never followed: what was recorded and what was expected.
    Refused { recorded: String, expected: String },
}

/// The export's organization and its recorded location, checked: the one check of
/// `prune` and of its dry run. `pruned` (exports done so far) goes into a storage
/// error.
fn recorded_location(
    storage: &Storage,
    export: &ExportRow,
    pruned: usize,
) -> Result<(OrgId, Recorded), PruneError> {
    let org = OrgId::parse(&export.organization_id).map_err(|_| PruneError::BadRow {
        export: export.id.clone(),
    })?;
    let Some(url) = export.object_location() else {
        return Ok((org, Recorded::Nothing));
    };
    let recorded = match storage.confine(url, &org, &export.run_id) {
        Ok(location) => Recorded::Confined(location),
        Err(StorageError::Unconfined {
            recorded, expected, ..
        }) => Recorded::Refused { recorded, expected },
        Err(source) => return Err(storage_error(export.run_id.as_str(), pruned)(source)),
    };
    Ok((org, recorded))
}

/// A storage error while pruning `run`, after `pruned` exports were.
fn storage_error(run: &str, pruned: usize) -> impl FnOnce(StorageError) -> PruneError {
    let run = run.to_owned();
    move |source| PruneError::Storage {
        run,
        pruned,
        source: Box::new(source),
    }
}

/// Expires every completed export finished before `cutoff`, one transaction each:
/// lock the row (`SKIP LOCKED`, so concurrent prunes share the work and never do
/// one twice, and a row held by a download in progress waits for the next prune),
/// delete its object, mark it `expired` and append `export.invoices.expired` (actor:
/// system), commit. An object already gone is fine (a prune that died after
/// deleting it and before committing); a storage error stops the prune with that
/// row untouched, for the next run to retry.
///
/// Only an object at the export's own place in the configured storage is deleted
/// (see [`Storage::confine`]). A row recording anything else is left as it is —
/// nothing deleted, not expired — with an `export.invoices.location_refused` audit
/// row; the prune goes on with the others and then fails naming every refused row.
pub(crate) async fn prune(
    pool: &PgPool,
    settings: &StorageSettings,
    cutoff: DateTime<Utc>,
) -> Result<Vec<Pruned>, PruneError> {
    let storage = Storage::open(settings.location.clone(), settings)
        .map_err(storage_error("any export", 0))?;
    let mut done = Vec::new();
    let mut refused: Vec<(RunId, String)> = Vec::new();
    let mut skip: Vec<String> = Vec::new();
    loop {
        let mut tx = pool.begin().await?;
        let Some(export) = db::exports::claim_prunable(&mut tx, cutoff, &skip).await? else {
            tx.commit().await?;
            break;
        };
        crate::testhook::pause("prune-claimed").await;
        let run = export.run_id.clone();
        let (org, recorded) = recorded_location(&storage, &export, done.len())?;
        let location = match recorded {
            Recorded::Nothing => None,
            Recorded::Confined(location) => Some(location),
            Recorded::Refused { recorded, expected } => {
                db::tenant::enter(&mut tx, &org).await?;
                audit::append(
                    &mut tx,
                    audit::Entry {
                        organization: Some(&org),
                        actor: None,
                        action: audit::Action::ExportLocationRefused,
                        subject: audit::Subject::export(&run),
                        payload: serde_json::json!({
                            "command": "prune",
                            "recordedUrl": recorded,
                            "expectedUrl": expected,
                        }),
                    },
                )
                .await?;
                tx.commit().await?;
                tracing::error!(%run, %recorded, "prune refused an export's recorded location");
                skip.push(export.id.clone());
                refused.push((export.run_id.clone(), recorded));
                continue;
            }
        };
        let deleted = match &location {
            Some(location) => storage
                .delete(location)
                .await
                .map_err(storage_error(export.run_id.as_str(), done.len()))?,
            None => false,
        };
        // The run says so too (status, queue, --wait), and gives up its idempotency
        // key: the same-day `export start` then makes a new export instead of
        // returning one whose file is gone. Written before the tenant role (which
        // may not touch runs) is taken; same transaction, same `now()`.
        db::runs::expire_output(&mut tx, &run).await?;
        db::tenant::enter(&mut tx, &org).await?;
        db::exports::mark_expired(&mut tx, &run).await?;
        audit::append(
            &mut tx,
            audit::Entry {
                organization: Some(&org),
                actor: None,
                action: audit::Action::ExportExpired,
                subject: audit::Subject::export(&run),
                payload: serde_json::json!({
                    "exportId": export.id,
                    "objectUrl": export.object_location(),
                    "objectDeleted": deleted,
                    "cutoff": super::view::timestamp(&cutoff),
                }),
            },
        )
        .await?;
        tx.commit().await?;
        done.push(pruned(&export, deleted));
    }
    if refused.is_empty() {
        return Ok(done);
    }
    Err(PruneError::Refused {
        refused: refused
            .iter()
            .map(|(run, url)| format!("{run} ({url})"))
            .collect::<Vec<_>>()
            .join(", "),
        count: refused.len(),
        root: storage.url().to_string(),
        pruned: done.len(),
    })
}
