//! The `export-invoices` task and its `send-export-email` child: count,
//! write the CSV page by page with checkpoints, email the requester through a child
//! run, and close out the export and its audit entry in one transaction. Payloads
//! are strict: unknown, missing or malformed fields fail validation.

use std::collections::BTreeSet;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

use super::codes::ExportErrorCode;
use super::copy_csv::CsvPage;
use super::csv;
use super::csv::attempt;
use super::pages::PageStream;
use super::progress::{EmailDisposition, ExportProgress};
use super::scope::{Scope, Selection};
use super::upload;
use crate::audit;
use crate::db;
use crate::db::exports::ExportStatus;
use crate::email::{EmailAddress, ExportReadyEmail, Mailer, SendError};
use crate::engine::context::StepTransaction;
use crate::engine::{
    EngineErrorCode, QueueDef, Registry, RetryPolicy, RunError, Task, TaskContext, TaskDef,
    TaskError, TriggerOptions,
};
use crate::ids::{OrgId, RunId, UserId};
use crate::storage::StorageSettings;
use crate::storage::sha256::{ResumableSha256, Sha256State};
use crate::storage::{Compression, Storage, StorageError, StorageUrl};

/// One export per organization at a time: the concurrency key is the org id.
pub(crate) const EXPORT_QUEUE: QueueDef = QueueDef::new("export", 1);
/// Emails are unkeyed: one lane, a few sends at once.
pub(crate) const EMAIL_QUEUE: QueueDef = QueueDef::new("email", 10);

pub(crate) const EXPORT_INVOICES: TaskDef = TaskDef {
    id: "export-invoices",
    queue: EXPORT_QUEUE,
    retry: RetryPolicy {
        max_attempts: 3,
        factor: 2.0,
        min_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
        randomize: true,
    },
    max_duration: Some(Duration::from_secs(60 * 60)),
};

pub(crate) const SEND_EXPORT_EMAIL: TaskDef = TaskDef {
    id: "send-export-email",
    queue: EMAIL_QUEUE,
    retry: RetryPolicy {
        max_attempts: 5,
        factor: 2.0,
        min_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
        randomize: true,
    },
    max_duration: Some(Duration::from_secs(120)),
};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ExportPayload {
    pub organization_id: OrgId,
    pub requested_by: UserId,
    /// Which invoices (absent: all of them); validated when the payload is parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct EmailPayload {
    pub organization_id: OrgId,
    pub recipient_user_id: UserId,
    pub row_count: u64,
    /// The export's run and stored object: the child signs the link itself when it
    /// sends, so no link sits in the payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_run_id: Option<RunId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_url: Option<String>,
    /// A link signed by the parent: payloads of earlier versions only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    /// What the export holds, in words (absent: every invoice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Where and how the export stores its file, and how much per page.
#[derive(Debug, Clone)]
pub(crate) struct ExportConfig {
    /// This worker's storage: where new exports go.
    pub storage: Storage,
    /// For opening the storage a checkpoint names (an upload another worker began).
    pub storage_settings: StorageSettings,
    pub page_size: u32,
    /// For new exports; a resumed one keeps the compression it began with.
    pub compression: Compression,
    /// For new S3 uploads; a resumed upload keeps its own.
    pub part_size: u64,
    pub link_ttl: Duration,
}

impl ExportConfig {
    /// The local export folder, when this worker stores on local files.
    pub(crate) fn export_dir(&self) -> Option<&Path> {
        match self.storage.url() {
            StorageUrl::Local(dir) => Some(dir),
            StorageUrl::S3 { .. } => None,
        }
    }
}

/// Builds the registry a worker runs: the export and its email child.
pub(crate) fn registry(config: ExportConfig, mailer: Arc<Mailer>) -> Registry {
    let mut registry = Registry::new();
    registry
        .register(ExportInvoicesTask {
            config: config.clone(),
        })
        .register(SendExportEmailTask {
            mailer,
            storage: config.storage.clone(),
            storage_settings: config.storage_settings.clone(),
            link_ttl: config.link_ttl,
        });
    registry
}

/// Where the CSV walk stands: committed after every page (local files) or every
/// uploaded part (S3) with the progress metadata.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CsvCheckpoint {
    /// The last invoice id written (the keyset cursor).
    pub(super) after: Option<String>,
    pub(super) bytes: u64,
    pub(super) rows: u64,
    pub(super) pages: u64,
    /// The attempt whose file holds these `bytes`: the one file a successor may copy
    /// them from. Absent in checkpoints written before files were per attempt; a
    /// successor then starts over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file: Option<attempt::AttemptFile>,
    /// SHA-256 state after those `bytes` (local files; an upload carries its own).
    /// A checkpoint without it (an older version's) is started over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sha256: Option<Sha256State>,
    /// `gzip` or `none`: fixed by the attempt that wrote the first bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    compression: Option<String>,
    /// The S3 upload this run writes and how far it is durable (see `upload`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) upload: Option<upload::UploadCheckpoint>,
}

impl CsvCheckpoint {
    pub(super) fn set_compression(&mut self, compression: Compression) {
        self.compression = Some(compression.as_str().to_owned());
    }

    /// The compression of the bytes this checkpoint vouches for, or `default` for a
    /// run that has written nothing yet.
    fn compression_or(&self, default: Compression) -> Compression {
        self.compression
            .as_deref()
            .and_then(Compression::parse)
            .unwrap_or(default)
    }
}

/// What the CSV step stores once the file is published. The fields after `pages`
/// are absent from steps recorded by versions before S3 storage.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CsvDone {
    pub(super) download_url: String,
    pub(super) rows: u64,
    pub(super) pages: u64,
    #[serde(default)]
    pub(super) object_url: Option<String>,
    #[serde(default)]
    pub(super) byte_size: Option<u64>,
    #[serde(default)]
    pub(super) sha256: Option<String>,
    /// When `download_url` stops working (S3's presigned links); `None`: never.
    #[serde(default)]
    pub(super) link_expires_at: Option<DateTime<Utc>>,
}

/// What a completed export run outputs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExportOutput {
    pub row_count: u64,
    /// Where the export is stored (not a link: see `exports::view`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_url: Option<String>,
    /// The email's disposition: `sent`, `written`, `suppressed`, `not_member`, `canceled` or
    /// `failed`.
    pub email: EmailDisposition,
}

pub(crate) struct ExportInvoicesTask {
    pub config: ExportConfig,
}

pub(super) fn io_error(what: &str, e: impl std::fmt::Display) -> TaskError {
    TaskError::retryable(EngineErrorCode::IoError, format!("{what}: {e}"))
}

/// A local file error as the run records it: the storage's fault (full, over quota,
/// read-only, taken away) is this worker's problem, so the run is released without
/// spending an attempt and the worker pauses its export claims; anything else is
/// retried.
pub(super) fn file_error(what: &str, e: std::io::Error) -> TaskError {
    if attempt::is_storage_fault(&e) {
        let code = match e.kind() {
            std::io::ErrorKind::StorageFull
            | std::io::ErrorKind::QuotaExceeded
            | std::io::ErrorKind::FileTooLarge => ExportErrorCode::StorageFull,
            _ => ExportErrorCode::StorageRefused,
        };
        TaskError::unavailable(code, format!("{what}: {e}"))
    } else {
        io_error(what, e)
    }
}

/// The CSV step: writes (or resumes) the CSV in a file of this attempt's own, page by
/// page with a checkpoint after each, publishes it and records the step. Fencing (docs/reference.md,
/// "Guarantees") rests on three rules:
/// - an attempt writes only its own file, and resumes another attempt's work by
///   copying the checkpointed prefix of the file the checkpoint names, so a worker
///   that lost its lease (paused, partitioned, slow) can only write into a file that
///   no checkpoint names any more;
/// - the checkpoint that vouches for bytes names the file that holds them;
/// - publishing happens inside the fenced transaction that records the step (see
///   [`publish`]).
async fn write_csv(
    ctx: &mut TaskContext,
    config: &ExportConfig,
    org: &Selection,
    run: &RunId,
    pages_total: u64,
) -> Result<CsvDone, TaskError> {
    let cp: CsvCheckpoint = ctx.checkpoint("csv")?.unwrap_or_default();
    // An upload a checkpoint names is continued wherever it is, by any worker with the
    // credentials; new exports go to this worker's storage.
    let dir = match (&cp.upload, config.export_dir()) {
        (None, Some(dir)) => dir.to_path_buf(),
        _ => return upload::write_s3(ctx, config, org, run, cp, pages_total).await,
    };
    let compression = cp.compression_or(config.compression);
    let published = attempt::published_path_for(&dir, org, run, compression);
    // Published but not recorded (the session that renamed it ended before its
    // commit): the file is whole, because only an attempt that held the lease with
    // every page checkpointed renames (see `publish`).
    let is_file = tokio::fs::metadata(&published).await.map(|m| m.is_file());
    if is_file.unwrap_or(false) {
        let url =
            attempt::file_url(&published).map_err(|e| io_error("locating the export file", e))?;
        let (path, len) = (published.clone(), cp.bytes);
        let hasher = blocking(move || attempt::hash_prefix(&path, len))
            .await
            .map_err(|e| io_error("reading the published export file", e))?;
        let done = finished(ctx, &cp, url.as_str(), stored_locally(&url, &hasher), None);
        ctx.complete_step("csv", &done).await?;
        remove_run_partials(&dir, org, run).await;
        return Ok(done);
    }
    sweep_ended_partials(ctx.pool(), &dir, org, run).await;
    let result = write_attempt_file(ctx, config, &dir, org, run, cp, pages_total).await;
    if matches!(result, Err(TaskError::Canceled)) {
        // The run is over: no attempt will continue from any of its files. (A run
        // that fails for good is cleaned up by the failure hook; a lost lease or a
        // shutdown leaves the file to the attempt that continues.)
        remove_run_partials(&dir, org, run).await;
    }
    result
}

/// A local file's object URL, size and SHA-256 for its step and export row.
fn stored_locally(url: &url::Url, hasher: &ResumableSha256) -> Stored {
    Stored {
        object_url: url.to_string(),
        byte_size: hasher.len(),
        sha256: hasher.finish_hex(),
    }
}

/// Where a finished export is stored, its size and SHA-256 (checked by `export download`).
pub(super) struct Stored {
    pub(super) object_url: String,
    pub(super) byte_size: u64,
    pub(super) sha256: String,
}

async fn write_attempt_file(
    ctx: &mut TaskContext,
    config: &ExportConfig,
    dir: &Path,
    org: &Selection,
    run: &RunId,
    mut cp: CsvCheckpoint,
    pages_total: u64,
) -> Result<CsvDone, TaskError> {
    let compression = cp.compression_or(config.compression);
    let attempt = attempt::AttemptFile::new(ctx.attempt());
    let own = attempt::partial_path(dir, org, run, &attempt);
    // Whether a committed checkpoint names this attempt's file: if not, nobody can
    // continue from it, and it goes when the attempt ends badly.
    let mut named = false;
    let result = write_pages(
        ctx,
        config,
        dir,
        org,
        run,
        &mut cp,
        &attempt,
        &mut named,
        compression,
        pages_total,
    )
    .await;
    match result {
        Ok(file) => {
            let (file, hasher) = file;
            let done = publish(ctx, file, &cp, &hasher).await?;
            // Files of attempts that ended before they were named (a copy cut short
            // by a full disk, a released attempt's empty file) are of no use now.
            remove_run_partials(dir, org, run).await;
            Ok(done)
        }
        Err(e) => {
            if !named
                && let Err(err) = tokio::fs::remove_file(&own).await
                && err.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(file = %own.display(), error = %crate::redact::log_text(&err), "cannot remove this attempt's unused file");
            }
            Err(e)
        }
    }
}

/// Writes every page into this attempt's file (continuing the checkpointed ones) and
/// returns the file, ready to publish, with the SHA-256 of its bytes.
#[allow(clippy::too_many_arguments)]
async fn write_pages(
    ctx: &mut TaskContext,
    config: &ExportConfig,
    dir: &Path,
    org: &Selection,
    run: &RunId,
    cp: &mut CsvCheckpoint,
    attempt: &attempt::AttemptFile,
    named: &mut bool,
    compression: Compression,
    pages_total: u64,
) -> Result<(attempt::ExportFile, ResumableSha256), TaskError> {
    let (mut file, mut hasher) = if cp.bytes > 0 {
        continue_from_checkpoint(ctx, dir, org, run, cp, attempt, compression).await?
    } else {
        let (d, o, r, a) = (dir.to_path_buf(), org.clone(), run.clone(), attempt.clone());
        let file = blocking(move || attempt::ExportFile::create_with(&d, &o, &r, &a, compression))
            .await
            .map_err(|e| file_error("creating the export file", e))?;
        (file, ResumableSha256::new())
    };
    *named = cp.file.as_ref() == Some(attempt);
    cp.file = Some(attempt.clone());
    cp.set_compression(compression);
    // A three-stage pipeline: while page N is written (and fsynced), the stream's
    // reader makes page N+1's CSV and page N-1's checkpoint is committed. A checkpoint
    // only ever names bytes that are already durable, so a crash anywhere resumes
    // correctly (at worst one page earlier). A page written after the lease was lost
    // lands in this attempt's file only, past what any checkpoint names.
    let mut pages = PageStream::open(
        ctx.pool(),
        org,
        cp.after.clone(),
        ctx.started_at(),
        config.page_size,
        cp.bytes == 0,
    );
    let mut unsaved: Option<CsvCheckpoint> = None;
    loop {
        crate::testhook::pause("export-page").await;
        if ctx.should_stop() {
            if let Some(done) = unsaved.take() {
                save_csv_checkpoint(ctx, &done, pages_total).await?;
                *named = true;
            }
            return Err(TaskError::Shutdown);
        }
        let Some(page) = pages.next().await? else {
            break;
        };
        let CsvPage {
            csv: page_csv,
            rows,
            last_id,
        } = page;
        let writing = tokio::task::spawn_blocking(move || {
            let written = match compression {
                // The page's buffer goes back to the reader after the write.
                Compression::None => {
                    hasher.update(&page_csv);
                    file.write_chunk(&page_csv).map(|len| (len, Some(page_csv)))
                }
                Compression::Gzip => csv::stored_chunk(page_csv, compression).and_then(|bytes| {
                    hasher.update(&bytes);
                    file.write_chunk(&bytes).map(|len| (len, None))
                }),
            };
            (file, hasher, written)
        });
        let saving = unsaved.is_some();
        let saved = match unsaved.take() {
            Some(done) => save_csv_checkpoint(ctx, &done, pages_total).await,
            None => Ok(()),
        };
        let (f, h, written) = writing.await.expect("blocking file task panicked");
        (file, hasher) = (f, h);
        saved?;
        *named |= saving;
        let (bytes_total, buffer) = match written {
            Ok(written) => written,
            Err(e) => {
                // What a failed page left past the last checkpoint is of no use:
                // give its space back now (a full disk stays full otherwise).
                let keep = cp.bytes;
                let _ = blocking(move || file.resume_at(keep)).await;
                return Err(file_error("writing the export file", e));
            }
        };
        if let Some(buffer) = buffer {
            pages.recycle(buffer);
        }
        *cp = CsvCheckpoint {
            after: Some(last_id),
            bytes: bytes_total,
            rows: cp.rows + rows,
            pages: cp.pages + 1,
            sha256: Some(hasher.save()),
            ..cp.clone()
        };
        unsaved = Some(cp.clone());
    }
    if cp.bytes == 0 {
        // No invoices: the file is the header alone, checkpointed like a page so that
        // the last checkpoint names every byte that is published.
        let header = csv::stored_chunk(super::copy_csv::header_row(), compression)
            .map_err(|e| io_error("writing the export file", e))?;
        hasher.update(&header);
        let (f, written) = blocking(move || {
            let written = file.write_chunk(&header);
            (file, written)
        })
        .await;
        file = f;
        cp.bytes = written.map_err(|e| file_error("writing the export file", e))?;
        cp.sha256 = Some(hasher.save());
        unsaved = Some(cp.clone());
    }
    if let Some(done) = unsaved.take() {
        save_csv_checkpoint(ctx, &done, pages_total).await?;
        *named = true;
    }
    Ok((file, hasher))
}

/// Starts this attempt's file from the checkpoint of an earlier attempt: takes over
/// the file the checkpoint names in place when nobody can write it any more, or copies
/// its checkpointed prefix when its writer may still be alive (see
/// [`attempt::ExportFile::continue_from`]), commits a checkpoint naming this attempt's
/// file, and only then removes the earlier name (no checkpoint names it any more).
/// When those bytes are not on this host (a takeover on another machine, a different
/// `--export-dir`) or do not match the checkpoint (their SHA-256 state differs from
/// the one it carries), nothing durable is left: the CSV starts over from the first
/// page in a fresh file. Returns the file and the SHA-256 state after the
/// checkpointed bytes.
#[allow(clippy::too_many_arguments)]
async fn continue_from_checkpoint(
    ctx: &mut TaskContext,
    dir: &Path,
    org: &OrgId,
    run: &RunId,
    cp: &mut CsvCheckpoint,
    attempt: &attempt::AttemptFile,
    compression: Compression,
) -> Result<(attempt::ExportFile, ResumableSha256), TaskError> {
    let source = cp
        .file
        .as_ref()
        .map(|from| attempt::partial_path(dir, org, run, from));
    let continued = match (cp.file.clone(), cp.sha256.clone()) {
        (Some(from), Some(expected)) => {
            let (d, o, r, a, bytes) = (
                dir.to_path_buf(),
                org.clone(),
                run.clone(),
                attempt.clone(),
                cp.bytes,
            );
            blocking(move || {
                attempt::ExportFile::continue_from(
                    &d,
                    &o,
                    &r,
                    &from,
                    &a,
                    bytes,
                    compression,
                    |path| {
                        let hasher = attempt::hash_prefix(path, bytes)?;
                        if hasher.save() != expected {
                            return Err(std::io::Error::new(
                                std::io::ErrorKind::InvalidData,
                                "the checkpointed bytes do not match the checkpoint's SHA-256",
                            ));
                        }
                        Ok(hasher)
                    },
                )
            })
            .await
        }
        (_, None) => Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the checkpoint carries no SHA-256 state",
        )),
        (None, Some(_)) => Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the checkpoint names no attempt file",
        )),
    };
    match continued {
        Ok((file, hasher, how)) => {
            cp.file = Some(attempt.clone());
            // The same pages, now in this attempt's file: said again, not progress (an
            // attempt that dies before its next page counts as lost without progress).
            ctx.restate_checkpoint("csv", cp).await?;
            tracing::debug!(pages = cp.pages, how = ?how, "continuing from the checkpointed pages");
            if let Some(source) = source
                && let Err(e) = tokio::fs::remove_file(&source).await
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(file = %source.display(), error = %crate::redact::log_text(&e), "cannot remove the previous attempt's file");
            }
            Ok((file, hasher))
        }
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound
                    | std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::InvalidData
            ) =>
        {
            tracing::warn!(error = %crate::redact::log_text(&e), pages = cp.pages, "the checkpointed pages are not here; starting the CSV over from the first page");
            *cp = CsvCheckpoint::default();
            let (d, o, r, a) = (dir.to_path_buf(), org.clone(), run.clone(), attempt.clone());
            let file =
                blocking(move || attempt::ExportFile::create_with(&d, &o, &r, &a, compression))
                    .await
                    .map_err(|e| file_error("creating the export file", e))?;
            Ok((file, ResumableSha256::new()))
        }
        Err(e) => Err(file_error("continuing from the checkpointed pages", e)),
    }
}

/// Publishes this attempt's file and records the CSV step, under the fence: the
/// transaction that records the step begins with the fenced metadata write, which
/// locks the run row, and the rename happens while that lock is held. A takeover
/// (`FOR UPDATE SKIP LOCKED`) or a cancel cannot change the lease in between, so a
/// worker that lost its lease never reaches the rename. The one way to lose the lease
/// between the fence and the rename is the server ending this session (an idle
/// transaction timeout, a partition): the transaction then rolls back, but the last
/// checkpoint, committed before, already names every page of this attempt's file, so
/// a successor publishes exactly those bytes (it copies this file, or finds it
/// published) and a late rename can only put the same bytes at the same path.
async fn publish(
    ctx: &mut TaskContext,
    file: attempt::ExportFile,
    cp: &CsvCheckpoint,
    hasher: &ResumableSha256,
) -> Result<CsvDone, TaskError> {
    let url = file
        .published_url()
        .map_err(|e| io_error("locating the export file", e))?;
    let done = finished(ctx, cp, url.as_str(), stored_locally(&url, hasher), None);
    let step = ctx.begin_step_transaction("csv").await?;
    blocking(move || file.publish())
        .await
        .map_err(|e| file_error("publishing the export file", e))?;
    step.commit(ctx, &done).await?;
    Ok(done)
}

/// The CSV step's result, with the metadata that goes with it: `downloadUrl` and,
/// for a link that expires, `linkExpiresAt`.
pub(super) fn finished(
    ctx: &mut TaskContext,
    cp: &CsvCheckpoint,
    download_url: &str,
    stored: Stored,
    link_expires_at: Option<DateTime<Utc>>,
) -> CsvDone {
    // Rows deleted after the count leave fewer pages than planned: report what is.
    ExportProgress {
        pages_done: Some(cp.pages),
        pages_total: Some(cp.pages),
        rows_done: Some(cp.rows),
        object_url: Some(stored.object_url.clone()),
        ..ExportProgress::default()
    }
    .record(ctx);
    CsvDone {
        download_url: download_url.to_owned(),
        rows: cp.rows,
        pages: cp.pages,
        object_url: Some(stored.object_url),
        byte_size: Some(stored.byte_size),
        sha256: Some(stored.sha256),
        link_expires_at,
    }
}

/// Removes the partial files that ended runs of this org left in this worker's
/// folder: a run canceled while it waited for a retry, a run taken over on another
/// host, a run whose last attempt died here and was failed by a worker elsewhere.
/// Files of runs that may still continue (queued, executing, waiting) are kept.
/// Best effort: a failure is logged and the export goes on.
async fn sweep_ended_partials(pool: &PgPool, dir: &Path, org: &OrgId, run: &RunId) {
    let (d, o) = (dir.to_path_buf(), org.clone());
    let others: BTreeSet<RunId> = match blocking(move || attempt::partial_files(&d, &o)).await {
        Ok(found) => found
            .into_iter()
            .filter(|(owner, _)| owner != run)
            .map(|(owner, _)| owner)
            .collect(),
        Err(e) => {
            tracing::warn!(org = %org, error = %crate::redact::log_text(&e), "cannot look for leftover partial files");
            return;
        }
    };
    if others.is_empty() {
        return;
    }
    let others: Vec<RunId> = others.into_iter().collect();
    let ended = async {
        let mut tx = db::tenant::begin(pool, org).await?;
        let exports = db::exports::by_runs(&mut tx, &others).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(exports)
    }
    .await;
    match ended {
        Ok(exports) => {
            for export in exports {
                if matches!(
                    export.status,
                    ExportStatus::Completed | ExportStatus::Failed | ExportStatus::Canceled
                ) {
                    remove_run_partials(dir, org, &export.run_id).await;
                }
            }
        }
        Err(e) => {
            tracing::warn!(org = %org, error = %crate::redact::log_text(&e), "cannot look for leftover partial files");
        }
    }
}

/// Removes every partial file of a run that is over (best effort, logged).
async fn remove_run_partials(dir: &Path, org: &OrgId, run: &RunId) {
    let (d, o, r) = (dir.to_path_buf(), org.clone(), run.clone());
    match blocking(move || attempt::remove_partials(&d, &o, &r)).await {
        Ok(0) => {}
        Ok(files) => {
            tracing::info!(run_id = %run, files, "{run}: removed the partial export files of the ended run")
        }
        Err(e) => {
            tracing::warn!(run_id = %run, error = %crate::redact::log_text(&e), "{run}: cannot remove partial export files")
        }
    }
}

/// Commits a page's checkpoint with the progress it stands for.
pub(super) async fn save_csv_checkpoint(
    ctx: &mut TaskContext,
    cp: &CsvCheckpoint,
    pages_total: u64,
) -> Result<(), TaskError> {
    ExportProgress {
        pages_done: Some(cp.pages),
        pages_total: Some(pages_total.max(cp.pages)),
        rows_done: Some(cp.rows),
        ..ExportProgress::default()
    }
    .record(ctx);
    ctx.save_checkpoint("csv", cp).await
}

/// Runs blocking file I/O off the async threads.
pub(super) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("blocking file task panicked")
}

impl ExportInvoicesTask {
    // The task's steps live in inherent async fns: their futures are opaque types,
    // whose `Send` rustc proves reliably, unlike large async bodies in trait methods.
    async fn execute(
        &self,
        ctx: &mut TaskContext,
        payload: ExportPayload,
    ) -> Result<ExportOutput, TaskError> {
        let org = payload.organization_id.clone();
        let selection = Selection {
            org: org.clone(),
            scope: payload.scope.clone(),
        };
        let run = ctx.run_id().clone();

        // 0. The member gate again, until the CSV exists: the request was checked when
        //    it was made, but a membership removed since must stop the export here.
        if ctx.step_output::<Value>("csv")?.is_none() {
            check_gate(ctx, &payload, &run).await?;
        }

        // 1. Count as of the run's start, and mark the export running, once.
        let total = count_step(ctx, &selection, &run).await?;
        let pages_total = total.div_ceil(u64::from(self.config.page_size));
        if !ExportProgress::is_counted(ctx.metadata()) {
            ExportProgress {
                pages_done: Some(0),
                pages_total: Some(pages_total),
                rows_done: Some(0),
                ..ExportProgress::default()
            }
            .record(ctx);
            ctx.flush_metadata().await?;
        }

        // 2. The CSV, page by page (a durable step: a retry after it finished skips it).
        let csv_done: CsvDone = match ctx.step_output("csv")? {
            Some(done) => done,
            None => write_csv(ctx, &self.config, &selection, &run, pages_total).await?,
        };

        // 3. The email, as a child run with its own queue and retries. It signs its
        //    own link from the object's location when it sends.
        let object_url = csv_done.object_url.clone().or_else(|| {
            // A CSV step recorded before objects were: local files only.
            Some(csv_done.download_url.clone()).filter(|u| u.starts_with("file://"))
        });
        let email = ctx
            .trigger_and_wait(
                "email",
                &SEND_EXPORT_EMAIL,
                &EmailPayload {
                    organization_id: org.clone(),
                    recipient_user_id: payload.requested_by.clone(),
                    row_count: csv_done.rows,
                    export_run_id: Some(run.clone()),
                    object_url: object_url.clone(),
                    download_url: object_url.is_none().then(|| csv_done.download_url.clone()),
                    scope: payload.scope.as_ref().map(Scope::describe),
                },
                TriggerOptions {
                    tags: vec![format!("org:{org}")],
                    ..TriggerOptions::default()
                },
            )
            .await?;
        // A canceled child is an operator's "do not send": the export still completes.
        let disposition = EmailDisposition::of(&email);
        let output = ExportOutput {
            row_count: csv_done.rows,
            object_url,
            email: disposition,
        };

        // 4. Close-out: the export row and its audit entry in ONE tenant transaction,
        //    which also records the step and completes the run, so it happens exactly
        //    once and a run whose export completed never ends otherwise. Uploads of
        //    this export that no checkpoint named (a worker lost between creating one
        //    and recording it) are aborted first.
        if ctx.step_output::<Value>("close-out")?.is_none() {
            upload::abort_orphans_of_object(&self.config, &csv_done, ctx.run_id()).await;
        }
        close_out_step(ctx, &org, &run, &csv_done, &output).await?;
        Ok(output)
    }
}

/// Refuses (for good: the run fails, the failure is audited, no CSV is written) a
/// run whose requester is no longer a member (role member or higher) of the
/// organization, or a run that no export request made (no export row for this run
/// naming this org and requester, as only `export_request` writes them).
async fn check_gate(
    ctx: &mut TaskContext,
    payload: &ExportPayload,
    run: &RunId,
) -> Result<(), TaskError> {
    let org = &payload.organization_id;
    let mut tx = db::tenant::begin(ctx.pool(), org).await?;
    let gate = db::exports::request_gate(&mut tx, run).await?;
    tx.commit().await?;
    let requester = payload.requested_by.as_str();
    match gate {
        Some((requested_by, _)) if requested_by != requester => Err(TaskError::abort(
            ExportErrorCode::NotRequested,
            format!("the export of {run} was requested by {requested_by}, not {requester}"),
        )),
        Some((_, Some(role))) if role >= db::members::Role::Member => Ok(()),
        Some((_, Some(role))) => Err(TaskError::abort(
            ExportErrorCode::NotMember,
            format!("{requester} is now a {role} of {org}: exporting needs role member or higher"),
        )),
        Some((_, None)) => Err(TaskError::abort(
            ExportErrorCode::NotMember,
            format!("{requester} is no longer a member of {org}"),
        )),
        None => Err(TaskError::abort(
            ExportErrorCode::NotRequested,
            format!("no export of {org} was requested for {run}"),
        )),
    }
}

/// Scopes a step's transaction to `org`, and has the engine leave the tenant role
/// again before it records the step.
async fn enter_tenant(step: &mut StepTransaction, org: &OrgId) -> Result<(), TaskError> {
    db::tenant::enter(step.conn(), org).await?;
    step.undo_before_commit(leave_tenant);
    Ok(())
}

fn leave_tenant(conn: &mut PgConnection) -> BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(db::tenant::leave(conn))
}

async fn count_step(ctx: &mut TaskContext, org: &Selection, run: &RunId) -> Result<u64, TaskError> {
    if let Some(total) = ctx.step_output("count")? {
        return Ok(total);
    }
    let as_of = ctx.started_at();
    let mut step = ctx.begin_step_transaction("count").await?;
    enter_tenant(&mut step, org).await?;
    let total = db::invoices::count_as_of(step.conn(), &org.filter(), as_of).await? as u64;
    db::exports::mark_running(step.conn(), run).await?;
    step.commit(ctx, &total).await?;
    Ok(total)
}

async fn close_out_step(
    ctx: &mut TaskContext,
    org: &OrgId,
    run: &RunId,
    csv_done: &CsvDone,
    output: &ExportOutput,
) -> Result<(), TaskError> {
    let disposition = output.email;
    if ctx.step_output::<Value>("close-out")?.is_some() {
        return Ok(());
    }
    let mut step = ctx.begin_final_step_transaction("close-out").await?;
    enter_tenant(&mut step, org).await?;
    match (&csv_done.object_url, csv_done.byte_size, &csv_done.sha256) {
        (Some(object_url), Some(byte_size), Some(sha256)) => {
            db::exports::mark_completed_stored(
                step.conn(),
                run,
                csv_done.rows as i64,
                &db::exports::StoredObject {
                    download_url: &csv_done.download_url,
                    object_url,
                    byte_size: byte_size as i64,
                    sha256,
                    link_expires_at: csv_done.link_expires_at,
                },
            )
            .await?;
        }
        // A CSV step recorded by a version before S3 storage.
        _ => {
            db::exports::mark_completed(
                step.conn(),
                run,
                csv_done.rows as i64,
                &csv_done.download_url,
            )
            .await?;
        }
    }
    audit::append(
        step.conn(),
        audit::Entry {
            organization: Some(org),
            actor: None,
            action: audit::Action::ExportCompleted,
            subject: audit::Subject::export(run),
            payload: json!({
                "rowCount": csv_done.rows,
                "emailSuppressed": disposition == EmailDisposition::Suppressed,
                "email": disposition,
            }),
        },
    )
    .await?;
    crate::testhook::pause("close-out-written").await;
    step.commit_and_complete(ctx, &json!({ "email": disposition }), output)
        .await?;
    crate::testhook::pause("close-out-committed").await;
    super::metrics::export_completed(csv_done.rows, csv_done.byte_size.unwrap_or(0), disposition);
    Ok(())
}

/// Marks a run's export failed and appends `export.invoices.failed` (inside the
/// transaction that fails the run), and removes the run's partial files from this
/// worker's folder or aborts its S3 upload: no attempt will continue from them.
async fn record_failure(
    conn: &mut PgConnection,
    config: &ExportConfig,
    run: &RunId,
    payload: &Value,
    error: &RunError,
) -> Result<(), TaskError> {
    // The payload may be the very thing that failed validation.
    let org = payload
        .get("organizationId")
        .and_then(Value::as_str)
        .and_then(|o| OrgId::parse(o).ok());
    // Before the tenant role: run_step belongs to the engine.
    upload::abort_recorded(conn, config, run, org.as_ref()).await;
    let Some(org) = org else {
        return Ok(());
    };
    if let Some(dir) = config.export_dir() {
        remove_run_partials(dir, &org, run).await;
    }
    db::tenant::enter(conn, &org).await?;
    if db::exports::mark_ended(conn, run, ExportStatus::Failed, &error.to_string()).await? == 0 {
        return Ok(());
    }
    audit::append(
        conn,
        audit::Entry {
            organization: Some(&org),
            actor: None,
            action: audit::Action::ExportFailed,
            subject: audit::Subject::export(run),
            payload: json!({ "error": error }),
        },
    )
    .await
    .map_err(|e| match e {
        // A lost connection is the engine's to handle, like any other database error.
        audit::AuditError::Db(crate::db::DbError::Sql(e)) => TaskError::from(e),
        other => TaskError::from(other),
    })?;
    Ok(())
}

impl Task for ExportInvoicesTask {
    type Payload = ExportPayload;
    type Output = ExportOutput;

    fn def(&self) -> &TaskDef {
        &EXPORT_INVOICES
    }

    fn run(
        &self,
        ctx: &mut TaskContext,
        payload: ExportPayload,
    ) -> impl Future<Output = Result<ExportOutput, TaskError>> + Send {
        self.execute(ctx, payload)
    }

    async fn on_failure(
        &self,
        conn: &mut PgConnection,
        run_id: &RunId,
        payload: &Value,
        error: &RunError,
    ) -> Result<(), TaskError> {
        record_failure(conn, &self.config, run_id, payload, error).await?;
        // The engine goes on in this transaction as the session's own user.
        db::tenant::leave(conn).await?;
        Ok(())
    }
}

/// The `send-export-email` child: resolve the recipient through the org's members,
/// honour the suppression list, send once.
pub(crate) struct SendExportEmailTask {
    pub mailer: Arc<Mailer>,
    /// This worker's storage: the export's object is confined to it when the link
    /// is signed (see `email_link`).
    pub storage: Storage,
    pub storage_settings: StorageSettings,
    pub link_ttl: Duration,
}

/// What a sent email's child run outputs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmailOutput {
    pub message_id: String,
    pub transport: String,
}

impl Task for SendExportEmailTask {
    type Payload = EmailPayload;
    type Output = EmailOutput;

    fn def(&self) -> &TaskDef {
        &SEND_EXPORT_EMAIL
    }

    fn run(
        &self,
        ctx: &mut TaskContext,
        p: EmailPayload,
    ) -> impl Future<Output = Result<EmailOutput, TaskError>> + Send {
        send_export_email(self, ctx, p)
    }
}

/// The link the email carries, signed now (valid `link_ttl` from the send): the
/// object is confined to its own place, `<storage>/<org>/<run>.csv[.gz]` (see
/// `Storage::confine`). A worker whose `storage` differs from the one that wrote the
/// export (another host's setting) opens the object's own storage instead, provided
/// the location still names this export; anything else is refused, never signed.
async fn email_link(
    task: &SendExportEmailTask,
    p: &EmailPayload,
) -> Result<crate::storage::Link, TaskError> {
    let (Some(object_url), Some(run)) = (&p.object_url, &p.export_run_id) else {
        return p
            .download_url
            .clone()
            .map(|url| crate::storage::Link {
                url,
                expires_at: None,
            })
            .ok_or_else(|| {
                TaskError::Validation("the payload names neither an object nor a link".to_owned())
            });
    };
    let org = &p.organization_id;
    let refused = |e: StorageError| {
        TaskError::abort(
            ExportErrorCode::LocationRefused,
            crate::redact::log_text(&e),
        )
    };
    let (storage, location) = match task.storage.confine(object_url, org, run) {
        Ok(location) => (task.storage.clone(), location),
        Err(e @ StorageError::Unconfined { .. }) => {
            if !crate::storage::names_export(object_url, org, run) {
                return Err(refused(e));
            }
            Storage::for_object(object_url, &task.storage_settings).map_err(refused)?
        }
        Err(e) => return Err(refused(e)),
    };
    let link =
        storage
            .link(&location, task.link_ttl)
            .await
            .map_err(|e| match e.is_transient() {
                true => TaskError::retryable(
                    ExportErrorCode::StorageUnavailable,
                    crate::redact::log_text(&e),
                ),
                false => {
                    TaskError::abort(ExportErrorCode::StorageRefused, crate::redact::log_text(&e))
                }
            })?;
    Ok(link)
}

async fn send_export_email(
    task: &SendExportEmailTask,
    ctx: &mut TaskContext,
    p: EmailPayload,
) -> Result<EmailOutput, TaskError> {
    let mailer = task.mailer.clone();
    {
        let mut tx = db::tenant::begin(ctx.pool(), &p.organization_id).await?;
        let recipient =
            db::members::member_recipient(&mut tx, &p.organization_id, &p.recipient_user_id)
                .await?;
        let Some((address, name, org_name)) = recipient else {
            tx.commit().await?;
            tracing::info!(
                disposition = EmailDisposition::NotMember.as_str(),
                "export email not sent"
            );
            return Err(TaskError::abort(
                ExportErrorCode::NotMember,
                format!(
                    "{} is not a member of {}",
                    p.recipient_user_id, p.organization_id
                ),
            ));
        };
        let address = EmailAddress::parse(&address).map_err(|e| {
            TaskError::abort(
                ExportErrorCode::InvalidRecipient,
                format!("the recipient's address is invalid: {}", e.reason),
            )
        })?;
        let suppressed = db::suppressions::is_suppressed(&mut tx, &address).await?;
        tx.commit().await?;
        if suppressed {
            tracing::info!(
                disposition = EmailDisposition::Suppressed.as_str(),
                "export email not sent"
            );
            return Err(TaskError::abort(
                ExportErrorCode::Suppressed,
                "the recipient's address is on the suppression list",
            ));
        }
        let link = email_link(task, &p).await?;
        let email = ExportReadyEmail {
            recipient_name: name,
            recipient: address,
            org_name,
            row_count: p.row_count,
            scope: p.scope,
            download_url: link.url,
            link_expires_at: link.expires_at,
            idempotency_key: ctx
                .idempotency_key()
                .unwrap_or(ctx.run_id().as_str())
                .to_owned(),
        };
        // The fence, right before the one effect the database cannot take back: an
        // attempt canceled or taken over while it looked up the recipient
        // (a slow query, a pause) sends nothing. Only a loss of the lease during the
        // SMTP exchange itself can still lead to a second send, with the same
        // Message-ID.
        ctx.check_fence().await?;
        match mailer.send(&email).await {
            // The mailer logs the message id and disposition of every send.
            Ok(delivery) => {
                let transport = match delivery.via {
                    crate::email::Via::Smtp { .. } => "smtp",
                    crate::email::Via::File { .. } => "file",
                };
                Ok(EmailOutput {
                    message_id: delivery.message_id,
                    transport: transport.to_owned(),
                })
            }
            Err(e @ SendError::Transient { .. }) => {
                tracing::warn!(
                    message_id = e.message_id(),
                    disposition = "deferred",
                    "export email deferred"
                );
                Err(TaskError::retryable(
                    ExportErrorCode::SmtpTransient,
                    crate::redact::log_text(&e),
                ))
            }
            Err(e) => {
                tracing::warn!(
                    message_id = e.message_id(),
                    disposition = "rejected",
                    "export email rejected"
                );
                Err(TaskError::abort(
                    ExportErrorCode::SmtpPermanent,
                    crate::redact::log_text(&e),
                ))
            }
        }
    }
}

impl From<audit::AuditError> for TaskError {
    fn from(e: audit::AuditError) -> Self {
        TaskError::retryable(ExportErrorCode::AuditError, crate::redact::log_text(&e))
    }
}
