//! The CSV step on S3: the export's pages streamed into one multipart
//! upload whose state is the step's checkpoint, so an attempt on any host continues
//! the same upload.
//!
//! The rules that make it exactly-once and fenced, like the per-attempt files of the
//! local backend (see `task::write_csv`):
//! - the upload is created and its id committed to the checkpoint before any part is
//!   sent, so no upload exists that no checkpoint names (but one whose commit a lost
//!   lease refused, which is aborted at once);
//! - pages accumulate into parts of the upload's own `part_size`; after each part is
//!   uploaded the checkpoint commits the upload id, the finished parts' ETags, the
//!   bytes and the SHA-256 state together with the keyset cursor, rows and pages of
//!   the last page wholly inside those parts (`storage::multipart`);
//! - a takeover re-reads only the pages after that cursor (one straddling page is
//!   regenerated and its already-uploaded head skipped, after checking by hash that
//!   it is the same page) and sends only the parts that were not finished;
//! - publishing is CompleteMultipartUpload with exactly the checkpointed parts, inside
//!   the fenced transaction that records the step: a worker that lost its lease never
//!   completes, and a part it still sends is either not in the list or carries the
//!   same bytes and ETag;
//! - no upload outlives its export: one created by a worker lost before its
//!   checkpoint committed is named by nothing, so it is found by listing the
//!   uploads of the run's key (ListMultipartUploads, `storage::S3Target`) and
//!   aborted by the lease holder — when an attempt begins on S3 (every upload but
//!   the checkpointed one), and when the export completes, fails or is canceled
//!   (every upload). The bucket's AbortIncompleteMultipartUpload lifecycle rule is
//!   left for what a listing cannot reach (a key without the listing right, a
//!   fenced-out worker that creates one after the export ended and dies before it
//!   aborts it itself).
//!
//! The checkpoint (and so the part boundaries) is per uploaded part, not per page:
//! a page is durable only once its part is in the store. `pagesDone` moves with it.

use std::time::Duration;

use object_store::{Attribute, Attributes};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

use super::codes::ExportErrorCode;
use super::csv;
use super::pages::PageStream;
use super::scope::{Scope, Selection};
use super::task::{
    CsvCheckpoint, CsvDone, ExportConfig, Stored, blocking, finished, io_error, save_csv_checkpoint,
};
use crate::db;
use crate::engine::{TaskContext, TaskError};
use crate::ids::{OrgId, RunId};
use crate::storage::StorageSettings;
use crate::storage::multipart::{Resume, Upload};
use crate::storage::{self, Compression, ObjectLocation, Storage, StorageError};

/// How long aborting an upload may take when a run ends (best effort).
const ABORT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the producer stands after a page: the keyset cursor, rows and pages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageMark {
    pub after: Option<String>,
    pub rows: u64,
    pub pages: u64,
}

/// The upload part of the CSV checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UploadCheckpoint {
    /// The object being written: `s3://bucket/prefix/org/run.csv[.gz]`.
    pub object_url: String,
    pub resume: Resume<PageMark>,
}

/// A stream of pages that cannot continue the upload as checkpointed (the pages
/// changed, or the checkpoint is unusable): the upload starts over, once.
enum Streamed {
    Task(TaskError),
    StartOver(StorageError),
}

impl From<TaskError> for Streamed {
    fn from(e: TaskError) -> Self {
        Streamed::Task(e)
    }
}

/// Writes (or continues) the run's export as a multipart upload and publishes it.
pub(super) async fn write_s3(
    ctx: &mut TaskContext,
    config: &ExportConfig,
    org: &Selection,
    run: &RunId,
    mut cp: CsvCheckpoint,
    pages_total: u64,
) -> Result<CsvDone, TaskError> {
    let (storage, location) = match &cp.upload {
        Some(recorded) => Storage::for_object(&recorded.object_url, &config.storage_settings)
            .map_err(storage_error)?,
        None => {
            // Pages another worker wrote to its local disk cannot be continued from
            // here: nothing durable is left, the export starts over in this storage.
            cp = CsvCheckpoint::default();
            let location = config
                .storage
                .export_location(org, run, config.compression)
                .map_err(storage_error)?;
            (config.storage.clone(), location)
        }
    };
    let upload = storage.upload(&location).ok_or_else(|| {
        TaskError::abort(
            ExportErrorCode::StorageInvalid,
            format!("{} is not an S3 object", location.url),
        )
    })?;
    // A takeover or a retry: an earlier attempt may have been lost between creating
    // an upload and committing the checkpoint that names it.
    let keep = cp
        .upload
        .as_ref()
        .map(|recorded| recorded.resume.upload.upload_id.clone());
    abort_orphans(&storage, &location, run, keep.as_deref()).await;
    let result = upload_pages(ctx, config, org, &storage, &upload, cp, pages_total).await;
    if matches!(result, Err(TaskError::Canceled)) {
        // The run is over: nothing will continue this upload.
        if let Some(recorded) = ctx
            .checkpoint::<CsvCheckpoint>("csv")
            .ok()
            .flatten()
            .and_then(|c| c.upload)
        {
            abort_quietly(&upload, &recorded.resume.upload.upload_id, run).await;
        }
        abort_orphans(&storage, &location, run, None).await;
    }
    result
}

async fn upload_pages(
    ctx: &mut TaskContext,
    config: &ExportConfig,
    org: &Selection,
    storage: &Storage,
    upload: &Upload,
    mut cp: CsvCheckpoint,
    pages_total: u64,
) -> Result<CsvDone, TaskError> {
    let compression = Compression::of_name(&upload.location().url);
    let mut resume = match cp.upload.as_ref() {
        Some(recorded) => recorded.resume.clone(),
        None => begin(ctx, config, org, upload, compression, &mut cp, pages_total).await?,
    };
    let mut started_over = false;
    while !resume.finished {
        match stream_pages(
            ctx,
            config,
            org,
            upload,
            resume.clone(),
            compression,
            &mut cp,
            pages_total,
        )
        .await
        {
            Ok(done) => resume = done,
            Err(Streamed::StartOver(e)) if !started_over => {
                tracing::warn!(error = %crate::redact::log_text(&e), "the upload cannot continue as checkpointed; starting it over from the first page");
                abort_quietly(upload, &resume.upload.upload_id, ctx.run_id()).await;
                cp = CsvCheckpoint::default();
                resume = begin(ctx, config, org, upload, compression, &mut cp, pages_total).await?;
                started_over = true;
            }
            Err(Streamed::StartOver(e)) => return Err(storage_error(e)),
            Err(Streamed::Task(e)) => return Err(e),
        }
    }
    publish(ctx, config, storage, upload, &cp, &resume).await
}

/// Creates the upload and commits its id before any part is sent.
async fn begin(
    ctx: &mut TaskContext,
    config: &ExportConfig,
    org: &Selection,
    upload: &Upload,
    compression: Compression,
    cp: &mut CsvCheckpoint,
    pages_total: u64,
) -> Result<Resume<PageMark>, TaskError> {
    let label = org.scope.as_ref().map(Scope::label);
    let name = storage::download_name(
        org,
        ctx.started_at().date_naive(),
        label.as_deref(),
        compression,
    );
    let mut attributes = Attributes::new();
    attributes.insert(Attribute::ContentType, compression.content_type().into());
    attributes.insert(
        Attribute::ContentDisposition,
        format!("attachment; filename=\"{name}\"").into(),
    );
    let state = upload
        .create(attributes, config.part_size)
        .await
        .map_err(storage_error)?;
    crate::testhook::pause("upload-created").await;
    let upload_id = state.upload_id.clone();
    let resume = Resume::start(state);
    *cp = CsvCheckpoint::default();
    cp.upload = Some(UploadCheckpoint {
        object_url: upload.location().url.clone(),
        resume: resume.clone(),
    });
    cp.set_compression(compression);
    if let Err(e) = save_csv_checkpoint(ctx, cp, pages_total).await {
        // No checkpoint names this upload: nobody would ever finish or abort it.
        abort_quietly(upload, &upload_id, ctx.run_id()).await;
        return Err(e);
    }
    tracing::debug!(object = %upload.location().url, "upload started");
    Ok(resume)
}

/// Streams the pages after `resume`'s mark into the upload, committing a checkpoint
/// each time a part is uploaded; returns the finished resume point.
#[allow(clippy::too_many_arguments)]
async fn stream_pages(
    ctx: &mut TaskContext,
    config: &ExportConfig,
    org: &Selection,
    upload: &Upload,
    resume: Resume<PageMark>,
    compression: Compression,
    cp: &mut CsvCheckpoint,
    pages_total: u64,
) -> Result<Resume<PageMark>, Streamed> {
    // The header goes with the first page; a resume before any whole page starts
    // there again (its head may be in the parts already, and is skipped).
    let mut header = resume.mark.is_none();
    let mut mark = resume.mark.clone().unwrap_or_default();
    let mut writer = upload.writer(resume).map_err(Streamed::StartOver)?;
    let mut pages = PageStream::open(
        ctx.pool(),
        org,
        mark.after.clone(),
        ctx.started_at(),
        config.page_size,
        header,
    );
    loop {
        crate::testhook::pause("export-page").await;
        if ctx.should_stop() {
            // Keep what is in flight: the part being uploaded is worth its checkpoint.
            if let Ok(Some(durable)) = writer.settle().await {
                save_upload_checkpoint(ctx, cp, durable, pages_total).await?;
            }
            return Err(TaskError::Shutdown.into());
        }
        let Some(page) = pages.next().await? else {
            break;
        };
        let bytes = match compression {
            Compression::None => page.csv,
            Compression::Gzip => {
                let csv = page.csv;
                blocking(move || csv::stored_chunk(csv, compression))
                    .await
                    .map_err(|e| io_error("compressing a page", e))?
            }
        };
        header = false;
        mark = PageMark {
            after: Some(page.last_id),
            rows: mark.rows + page.rows,
            pages: mark.pages + 1,
        };
        let durable = writer
            .write_chunk(&bytes, mark.clone())
            .await
            .map_err(split)?;
        if compression == Compression::None {
            pages.recycle(bytes);
        }
        if let Some(durable) = durable {
            save_upload_checkpoint(ctx, cp, durable, pages_total).await?;
        }
    }
    if header {
        // No invoices at all: the object is the header alone.
        let bytes = csv::stored_chunk(super::copy_csv::header_row(), compression)
            .map_err(|e| io_error("encoding the header", e))?;
        if let Some(durable) = writer
            .write_chunk(&bytes, mark.clone())
            .await
            .map_err(split)?
        {
            save_upload_checkpoint(ctx, cp, durable, pages_total).await?;
        }
    }
    // The last full part's checkpoint first: the final part may take a while.
    if let Some(durable) = writer.settle().await.map_err(split)? {
        save_upload_checkpoint(ctx, cp, durable, pages_total).await?;
    }
    let done = writer.finish().await.map_err(split)?;
    save_upload_checkpoint(ctx, cp, done.clone(), pages_total).await?;
    tracing::debug!(
        parts = done.upload.parts.len(),
        sent = writer.parts_sent(),
        bytes = done.upload.bytes,
        "every part uploaded"
    );
    Ok(done)
}

/// A writer error: one that means "this upload cannot continue as checkpointed"
/// starts over; others end the attempt.
fn split(e: StorageError) -> Streamed {
    match e {
        StorageError::Diverged { .. } | StorageError::BadCheckpoint { .. } => {
            Streamed::StartOver(e)
        }
        other => Streamed::Task(storage_error(other)),
    }
}

/// Commits a durable resume point as the CSV checkpoint, with its progress.
async fn save_upload_checkpoint(
    ctx: &mut TaskContext,
    cp: &mut CsvCheckpoint,
    durable: Resume<PageMark>,
    pages_total: u64,
) -> Result<(), TaskError> {
    let mark = durable.mark.clone().unwrap_or_default();
    cp.after = mark.after;
    cp.rows = mark.rows;
    cp.pages = mark.pages;
    cp.bytes = durable.upload.bytes;
    if let Some(recorded) = cp.upload.as_mut() {
        recorded.resume = durable;
    }
    save_csv_checkpoint(ctx, cp, pages_total).await
}

/// Completes the upload with exactly the checkpointed parts, under the fence (the
/// step transaction holds the run row from its first statement), and records the
/// step with the object's location, size, SHA-256 and a presigned link.
async fn publish(
    ctx: &mut TaskContext,
    config: &ExportConfig,
    storage: &Storage,
    upload: &Upload,
    cp: &CsvCheckpoint,
    resume: &Resume<PageMark>,
) -> Result<CsvDone, TaskError> {
    let location: &ObjectLocation = upload.location();
    let stored = Stored {
        object_url: location.url.clone(),
        byte_size: resume.upload.bytes,
        sha256: resume.sha256_hex().map_err(storage_error)?,
    };
    let link = storage
        .link(location, config.link_ttl)
        .await
        .map_err(storage_error)?;
    let done = finished(ctx, cp, &link.url, stored, link.expires_at);
    let step = ctx.begin_step_transaction("csv").await?;
    if let Err(e) = upload.complete(&resume.upload).await {
        // An attempt that completed it and lost its step record leaves the object in
        // place: with the same size it is these very parts (the key is this run's).
        match storage.head(location).await {
            Ok(Some(info)) if info.size == resume.upload.bytes => {
                tracing::info!(object = %location.url, "the upload was already completed");
            }
            _ => return Err(storage_error(e)),
        }
    }
    step.commit(ctx, &done).await?;
    Ok(done)
}

async fn abort_quietly(upload: &Upload, upload_id: &str, run_id: &RunId) {
    match tokio::time::timeout(ABORT_TIMEOUT, upload.abort(upload_id)).await {
        Ok(Ok(())) => {
            tracing::info!(run_id = %run_id, object = %upload.location().url, "{run_id}: upload aborted")
        }
        Ok(Err(e)) => {
            tracing::warn!(run_id = %run_id, error = %crate::redact::log_text(&e), "{run_id}: cannot abort the upload (a bucket lifecycle rule will)")
        }
        Err(_) => {
            tracing::warn!(
                run_id = %run_id,
                "aborting the upload timed out (a bucket lifecycle rule will)"
            )
        }
    }
}

/// The key prefix every object of the run's export has in its bucket,
/// `<prefix>/<org>/<run_id>.` (either compression), from one of their locations.
fn run_key_prefix(location: &ObjectLocation, run_id: &RunId) -> Option<String> {
    let key = location.path.as_ref();
    let at = key.rfind(&format!("/{run_id}."))?;
    Some(key[..at + run_id.as_str().len() + 2].to_owned())
}

/// Aborts the run's uploads in `storage` other than `keep` (all of them when
/// `None`): uploads no checkpoint names, whose creator was lost before it recorded
/// them. Best effort: a failure is logged (the bucket's lifecycle rule remains) and
/// the export goes on.
async fn abort_orphans(
    storage: &Storage,
    location: &ObjectLocation,
    run_id: &RunId,
    keep: Option<&str>,
) {
    if !storage.is_s3() {
        return;
    }
    let Some(prefix) = run_key_prefix(location, run_id) else {
        return;
    };
    match tokio::time::timeout(ABORT_TIMEOUT, storage.abort_open_uploads(&prefix, keep)).await {
        Ok(Ok(aborted)) => {
            for upload in aborted {
                tracing::info!(
                    run_id = %run_id,
                    object = %location.url,
                    upload_id = %upload.upload_id,
                    "{run_id}: aborted an upload no checkpoint named"
                );
            }
        }
        Ok(Err(e)) => {
            tracing::warn!(run_id = %run_id, error = %crate::redact::log_text(&e), "{run_id}: cannot look for uploads no checkpoint names (a bucket lifecycle rule will abort them)")
        }
        Err(_) => tracing::warn!(
            run_id = %run_id,
            "{run_id}: looking for uploads no checkpoint names timed out (a bucket lifecycle rule will abort them)"
        ),
    }
}

/// Before the close-out of an export stored on S3: aborts every upload of the run
/// still open (the object is complete; any upload left is one nobody recorded).
pub(super) async fn abort_orphans_of_object(config: &ExportConfig, done: &CsvDone, run_id: &RunId) {
    let Some(object_url) = done
        .object_url
        .as_deref()
        .filter(|u| u.starts_with("s3://"))
    else {
        return;
    };
    match Storage::for_object(object_url, &config.storage_settings) {
        Ok((storage, location)) => abort_orphans(&storage, &location, run_id, None).await,
        Err(e) => {
            tracing::warn!(run_id = %run_id, error = %crate::redact::log_text(&e), "cannot look for uploads no checkpoint names")
        }
    }
}

/// The upload a run's CSV checkpoint names, if any.
async fn recorded_upload(conn: &mut PgConnection, run_id: &RunId) -> Option<UploadCheckpoint> {
    let value = db::steps::checkpoint(conn, run_id, "csv").await.ok()??;
    serde_json::from_value::<CsvCheckpoint>(value).ok()?.upload
}

/// From the failure hook (inside the engine's transaction): aborts the uploads of a
/// run that failed for good — the one its checkpoint names and any other of its
/// key, in the recorded storage and in this worker's (where an attempt lost before
/// its first checkpoint created one) — in the background so the transaction does not
/// wait on the network. Best effort: a bucket lifecycle rule catches what this
/// misses.
pub(super) async fn abort_recorded(
    conn: &mut PgConnection,
    config: &ExportConfig,
    run_id: &RunId,
    org: Option<&OrgId>,
) {
    let recorded = recorded_upload(conn, run_id).await;
    let own = match org {
        Some(org) if config.storage.is_s3() => config
            .storage
            .export_location(org, run_id, config.compression)
            .ok()
            .map(|location| (config.storage.clone(), location)),
        _ => None,
    };
    if recorded.is_none() && own.is_none() {
        return;
    }
    let (settings, run_id) = (config.storage_settings.clone(), run_id.clone());
    tokio::spawn(async move {
        if let Some(recorded) = &recorded {
            abort_upload(recorded, &settings, &run_id).await;
        }
        if let Some((storage, location)) = own {
            abort_orphans(&storage, &location, &run_id, None).await;
        }
    });
}

/// Aborts the upload of a run that ended (`export cancel`), if it has one.
pub(crate) async fn abort_run_upload(pool: &PgPool, run_id: &RunId, settings: &StorageSettings) {
    let recorded = match pool.acquire().await {
        Ok(mut conn) => recorded_upload(&mut conn, run_id).await,
        Err(_) => None,
    };
    if let Some(recorded) = recorded {
        abort_upload(&recorded, settings, run_id).await;
    }
}

/// Aborts the upload a checkpoint names, then any other of the run's key in the
/// same storage (the run is over: nothing will complete them).
async fn abort_upload(recorded: &UploadCheckpoint, settings: &StorageSettings, run_id: &RunId) {
    match Storage::for_object(&recorded.object_url, settings) {
        Ok((storage, location)) => {
            if let Some(upload) = storage.upload(&location) {
                abort_quietly(&upload, &recorded.resume.upload.upload_id, run_id).await;
            }
            abort_orphans(&storage, &location, run_id, None).await;
        }
        Err(e) => {
            tracing::warn!(run_id = %run_id, error = %crate::redact::log_text(&e), "cannot abort the upload")
        }
    }
}

/// A storage failure as the run records it: retried when the store may come back
/// (unreachable, a server error); when it refuses this worker (denied, no such
/// bucket) the run is released and the worker pauses (see `TaskError::Unavailable`);
/// failed when nothing will help (an invalid key, an unsupported call). The
/// message is the error's whole chain (the object and endpoint, then what the
/// store answered: its HTTP status and S3 error, or the refused connection), never
/// a credential.
pub(super) fn storage_error(e: StorageError) -> TaskError {
    let message = crate::redact::log_text(&e);
    if matches!(
        e,
        StorageError::Denied { .. } | StorageError::NoSuchBucket { .. }
    ) {
        // The store refuses this worker (its key, the bucket's policy, a bucket gone):
        // every export here would fail the same way. The worker's problem, not the
        // run's: released without spending an attempt, and the worker pauses.
        TaskError::unavailable(ExportErrorCode::StorageRefused, message)
    } else if e.is_transient() {
        TaskError::retryable(ExportErrorCode::StorageUnavailable, message)
    } else {
        TaskError::abort(ExportErrorCode::StorageRefused, message)
    }
}
