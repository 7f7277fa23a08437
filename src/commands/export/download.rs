//! `export download`: stream a finished export from its storage to a file or stdout,
//! verifying its size and SHA-256 against the export row.
//!
//! A file is written under a hidden temporary name beside the target, created 0600
//! (it holds customer data), fsynced and renamed into place only once the bytes are
//! verified: a mismatch (a corrupted or replaced object) exits 1 and leaves nothing
//! behind. On stdout the bytes stream as they come — a pipe cannot be taken back —
//! and a mismatch still exits 1 after the last byte, so `set -o pipefail` scripts
//! notice.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::start::asserted_user;
use crate::audit::Action;
use crate::cli::export::DownloadArgs;
use crate::context::Context;
use crate::error::{CommandError, ExitKind};
use crate::exports::links::{self, Fetchable};
use crate::identity::Mode;
use crate::ids::RunId;
use crate::storage::{self, ObjectStream, StorageUrl};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Downloaded<'a> {
    run_id: &'a str,
    path: Option<String>,
    bytes: u64,
    sha256: &'a str,
    verified: bool,
}

enum Target {
    Stdout,
    File(PathBuf),
}

pub(crate) async fn run(args: DownloadArgs, ctx: &Context) -> anyhow::Result<()> {
    let run = RunId::parse(&args.run_id)?;
    let asserted = asserted_user(args.as_user.as_deref(), ctx)?;
    let reroot = args.storage.as_deref().map(StorageUrl::parse).transpose()?;
    // Two connections: one holds the export row against `export prune` while the
    // bytes stream (see `Fetchable::hold`), the other looks up the default name.
    let (pool, session) = ctx.tenant_pool(2).await?;
    let user = session.requester(asserted)?;
    let fetchable = links::authorize(&pool, &run, &user)
        .await
        .with_context(|| format!("export download {run} as {user} refused"))?;
    let target = match args.output {
        Some(path) if path.as_os_str() == "-" => Target::Stdout,
        Some(path) => Target::File(path),
        None if !std::io::stdout().is_terminal() => Target::Stdout,
        None => Target::File(PathBuf::from(default_name(&pool, &fetchable).await?)),
    };
    // gzip bytes in a file named `.csv` open as garbage in a spreadsheet: refused
    // before anything is fetched, with both ways to get what was meant.
    if let Target::File(path) = &target
        && fetchable.compression() == crate::storage::Compression::Gzip
        && path.extension().is_none_or(|e| e != "gz")
    {
        return Err(CommandError::new(
            ExitKind::Invalid,
            format!(
                "export {run} is gzip-compressed (.csv.gz) but {} does not end in .gz: name it \
                 {}.gz, or decompress on the way: `invoicectl export download {run} -o - | gunzip > {}`",
                path.display(),
                path.display(),
                path.display()
            ),
        )
        .into());
    }
    // A linked login holds no storage credentials: it downloads through the link
    // the worker stored (verified below all the same).
    let (object, object_url, hold) = if session.mode == Mode::Login && reroot.is_none() {
        let (link, _) = fetchable.stored_link()?;
        let hold = fetchable.hold(&pool).await?;
        let object = storage::link::fetch(link, &ctx.settings.storage).await?;
        (object, fetchable.object_url.clone(), hold)
    } else {
        let (storage, location) = fetchable
            .open_or_report(&pool, &ctx.settings.storage, reroot.as_ref(), "download")
            .await?;
        let hold = fetchable.hold(&pool).await?;
        (storage.get(&location).await?, location.url, hold)
    };
    let bar = progress(ctx, object.size);
    let outcome = match &target {
        Target::Stdout => copy(object, std::io::stdout().lock(), bar.as_ref()).await,
        Target::File(path) => to_file(object, path, bar.as_ref(), &fetchable).await,
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let copied = outcome?;
    let verified = verify(&fetchable, &copied)?;
    hold.record(
        Action::ExportDownloaded,
        serde_json::json!({
            "objectUrl": object_url,
            "bytes": copied.bytes,
            "sha256": copied.sha256,
            "verified": verified,
        }),
    )
    .await
    .context("cannot record the download in the audit log")?;
    let Target::File(path) = target else {
        return Ok(());
    };
    if ctx.json {
        ctx.print_json(&Downloaded {
            run_id: run.as_str(),
            path: Some(path.display().to_string()),
            bytes: copied.bytes,
            sha256: &copied.sha256,
            verified,
        })
    } else {
        ctx.println(&path.display().to_string())
    }
}

/// `invoices-<org>-<date>.csv[.gz]`, the date the export's data is as of, or for a
/// scoped export `invoices-<org>-<scope>.csv[.gz]`.
async fn default_name(pool: &sqlx::PgPool, fetchable: &Fetchable) -> anyhow::Result<String> {
    let mut conn = pool.acquire().await?;
    let as_of = crate::db::runs::get(&mut conn, &fetchable.run)
        .await?
        .and_then(|run| run.started_at)
        .unwrap_or(fetchable.export.created_at);
    let label = fetchable
        .export
        .scope
        .clone()
        .and_then(|doc| serde_json::from_value::<crate::exports::scope::Scope>(doc).ok())
        .map(|scope| scope.label());
    Ok(storage::download_name(
        &fetchable.org,
        as_of.date_naive(),
        label.as_deref(),
        fetchable.compression(),
    ))
}

fn progress(ctx: &Context, size: u64) -> Option<ProgressBar> {
    (!ctx.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} downloading [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ({eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    })
}

struct Copied {
    bytes: u64,
    sha256: String,
}

/// Streams the object into `out`, hashing and counting.
async fn copy(
    mut object: ObjectStream,
    mut out: impl Write,
    bar: Option<&ProgressBar>,
) -> anyhow::Result<Copied> {
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    while let Some(chunk) = object.chunks.next().await {
        let chunk = chunk?;
        hasher.update(&chunk);
        bytes += chunk.len() as u64;
        out.write_all(&chunk).context("cannot write the download")?;
        if let Some(bar) = bar {
            bar.set_position(bytes);
        }
    }
    out.flush().context("cannot write the download")?;
    Ok(Copied {
        bytes,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Writes to a private temporary file beside `path`, verifies, then renames it in.
async fn to_file(
    object: ObjectStream,
    path: &Path,
    bar: Option<&ProgressBar>,
    fetchable: &Fetchable,
) -> anyhow::Result<Copied> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| CommandError::new(ExitKind::Invalid, "-o names no file"))?;
    let temp = dir.join(format!(
        ".{}.partial-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let file = private_file(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, file);
    let result = async {
        let copied = copy(object, &mut out, bar).await?;
        verify(fetchable, &copied)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
            .with_context(|| format!("cannot rename the download to {}", path.display()))?;
        anyhow::Ok(copied)
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// Checks the bytes against the export row's size and SHA-256. `Ok(false)`: the
/// row records neither (an export made before invoicectl recorded them).
fn verify(fetchable: &Fetchable, copied: &Copied) -> anyhow::Result<bool> {
    let export = &fetchable.export;
    let size_ok = export
        .byte_size
        .is_none_or(|size| u64::try_from(size) == Ok(copied.bytes));
    let sha_ok = export
        .sha256
        .as_deref()
        .is_none_or(|sha| sha == copied.sha256);
    if !size_ok || !sha_ok {
        return Err(CommandError::new(
            ExitKind::Failure,
            format!(
                "the downloaded export of {} does not match its record ({} bytes, sha256 {}; got {} bytes, sha256 {}): the stored file is corrupt or was replaced",
                fetchable.run,
                export
                    .byte_size
                    .map_or_else(|| "?".to_owned(), |s| s.to_string()),
                export.sha256.as_deref().unwrap_or("?"),
                copied.bytes,
                copied.sha256
            ),
        )
        .into());
    }
    Ok(export.byte_size.is_some() && export.sha256.is_some())
}
