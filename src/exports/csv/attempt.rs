//! The resumable files an export's CSV is written to, one per attempt, free of runs
//! and of the database (the caller hands in bytes, offsets and the name of the attempt
//! that writes).
//!
//! [`ExportFile`] is one attempt's file on disk. Each attempt of a run writes a
//! hidden partial file of its own, `.<run_id>.<attempt>.csv.partial`, and pages are
//! durable before [`ExportFile::write_chunk`] returns their end offset, so the caller
//! may checkpoint that offset (with the attempt's name). An attempt that resumes
//! another's work (`ExportFile::continue_from`) takes that attempt's file over in
//! place when nobody can write it any more, and copies its checkpointed prefix
//! otherwise, so whatever a fenced-out attempt still writes never reaches the
//! published file. Because the bytes are a pure function of the rows (`copy_csv`), the finished
//! file equals an uninterrupted run's. [`ExportFile::publish`] renames the attempt's
//! file into place atomically.
//!
//! Who may still write a file is known from an exclusive `flock` that an attempt
//! holds on its file for as long as it has it open: the kernel drops it when the
//! attempt closes the file or its process dies (SIGKILL included), and keeps it
//! while the process lives (paused, partitioned, slow). A free lock means no
//! writer is left, so the successor links the file under its own name and
//! truncates it to the checkpoint: no copy, no second disk's worth of space. A
//! held lock (the writer may wake up) means the checkpointed prefix is copied; the
//! copy goes through `copy_file_range`, which filesystems with reflinks (Btrfs,
//! XFS, bcachefs) serve by sharing extents.
//!
//! Files are created 0600 and folders 0700 whatever the umask: an export holds
//! customer names, emails and amounts. File errors carry the OS reason (`No space
//! left on device (os error 28)`, …) in their message, not only as a source.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use url::Url;

use super::folder::{create_private_dir_all, make_private};
use crate::error::{Classify, ExitKind};
use crate::ids::{OrgId, RunId};
use crate::storage::Compression;
use crate::storage::sha256::ResumableSha256;

/// An I/O error with the file it happened to and the operating system's reason, so
/// the operator can act on it: `cannot write …/.run_….partial: No space left on device
/// (os error 28)`. The reason is part of the message, not only a source, because run
/// errors, export rows and audit payloads keep messages, not error chains.
#[derive(Debug, thiserror::Error)]
#[error("{action} {}: {reason}", path.display())]
pub(crate) struct FileError {
    action: &'static str,
    path: PathBuf,
    reason: io::Error,
}

/// A generic failure (1) whatever it wraps: its cause decides.
impl Classify for FileError {
    fn exit_kind(&self) -> ExitKind {
        ExitKind::Failure
    }
}

fn at_path(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> io::Error {
    let path = path.to_path_buf();
    move |reason| {
        io::Error::new(
            reason.kind(),
            FileError {
                action,
                path,
                reason,
            },
        )
    }
}

/// The name of one attempt's partial file within its run: `<attempt number>-<ULID>`,
/// fresh for every attempt (the number alone is not unique: a released attempt is
/// given back and its successor gets the same number). Limited to `[0-9a-z-]` because
/// it is read back from a checkpoint in the database and becomes part of a path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AttemptFile(String);

impl AttemptFile {
    /// A fresh name for an attempt with this number.
    pub fn new(attempt: u32) -> AttemptFile {
        let unique = ulid::Ulid::new().to_string().to_ascii_lowercase();
        AttemptFile(format!("{attempt}-{unique}"))
    }
}

impl TryFrom<String> for AttemptFile {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        let valid = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase() || b == b'-');
        if valid {
            Ok(AttemptFile(name))
        } else {
            Err(format!("{name:?} is not an attempt file name"))
        }
    }
}

impl From<AttemptFile> for String {
    fn from(name: AttemptFile) -> String {
        name.0
    }
}

impl std::fmt::Display for AttemptFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a run's finished CSV is published: `<export_dir>/<org>/<run_id>.csv`.
pub fn published_path(export_dir: &Path, org: &OrgId, run: &RunId) -> PathBuf {
    published_path_for(export_dir, org, run, Compression::None)
}

/// Where a run's finished export is published with `compression`:
/// `<export_dir>/<org>/<run_id>.csv` or `….csv.gz`.
pub(crate) fn published_path_for(
    export_dir: &Path,
    org: &OrgId,
    run: &RunId,
    compression: Compression,
) -> PathBuf {
    export_dir
        .join(org.as_str())
        .join(format!("{run}.{}", compression.extension()))
}

/// The SHA-256 state after the first `len` bytes of a file (a checkpointed prefix,
/// to compare with the state its checkpoint carries).
pub(crate) fn hash_prefix(path: &Path, len: u64) -> io::Result<ResumableSha256> {
    let mut file = File::open(path).map_err(at_path("cannot open", path))?;
    let mut hasher = ResumableSha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut left = len;
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = file
            .read(&mut buf[..want])
            .map_err(at_path("cannot read", path))?;
        if n == 0 {
            return Err(at_path("cannot read", path)(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the file is shorter than {len} bytes"),
            )));
        }
        hasher.update(&buf[..n]);
        left -= n as u64;
    }
    Ok(hasher)
}

/// Where one attempt of a run writes its CSV until it is published:
/// `<export_dir>/<org>/.<run_id>.<attempt>.csv.partial` (hidden, never mistaken for a
/// finished export, and never shared with another attempt).
pub fn partial_path(export_dir: &Path, org: &OrgId, run: &RunId, attempt: &AttemptFile) -> PathBuf {
    export_dir
        .join(org.as_str())
        .join(format!(".{run}.{attempt}.csv.partial"))
}

/// The partial files in an org's folder, each with the run it belongs to: every
/// attempt's, and the `.<run_id>.csv.partial` of versions that shared one file per run.
/// A missing folder holds none.
pub fn partial_files(export_dir: &Path, org: &OrgId) -> io::Result<Vec<(RunId, PathBuf)>> {
    let dir = export_dir.join(org.as_str());
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(at_path("cannot list", &dir)(e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(at_path("cannot list", &dir))?;
        let name = entry.file_name();
        let Some(stem) = name
            .to_str()
            .and_then(|n| n.strip_prefix('.'))
            .and_then(|n| n.strip_suffix(".csv.partial"))
        else {
            continue;
        };
        let run = stem.split_once('.').map_or(stem, |(run, _)| run);
        if let Ok(run) = RunId::parse(run) {
            found.push((run, entry.path()));
        }
    }
    Ok(found)
}

/// Removes every partial file of `run` (all its attempts'); returns how many went.
pub fn remove_partials(export_dir: &Path, org: &OrgId, run: &RunId) -> io::Result<usize> {
    let mut removed = 0;
    for (owner, path) in partial_files(export_dir, org)? {
        if owner != *run {
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(at_path("cannot remove", &path)(e)),
        }
    }
    Ok(removed)
}

/// How an attempt came by the checkpointed bytes of an earlier one
/// ([`ExportFile::continue_from`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Continued {
    /// Its file, taken over in place: nobody held it open any more.
    Adopted,
    /// A copy of its checkpointed prefix: its writer may still be alive.
    Copied,
}

/// Whether an error is the storage's fault rather than the data's or the code's: the
/// disk or the quota is full, the file hit the size limit, the filesystem went
/// read-only or the folder was taken away from this user. Every export on this
/// worker would fail the same way.
pub(crate) fn is_storage_fault(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull
            | io::ErrorKind::QuotaExceeded
            | io::ErrorKind::FileTooLarge
            | io::ErrorKind::ReadOnlyFilesystem
            | io::ErrorKind::PermissionDenied
    )
}

/// The `file://` URL of an existing file (a file export's `downloadUrl`). The path is
/// canonicalised first: a relative export dir becomes absolute, and a `..` or symlink
/// is resolved by the filesystem rather than collapsed textually by whoever parses
/// the URL. Characters outside the URL path set (space, `#`, `%`, `?`, non-ASCII…) are
/// percent-encoded.
pub fn file_url(path: &Path) -> io::Result<Url> {
    let absolute = fs::canonicalize(path).map_err(at_path("cannot resolve", path))?;
    url_of(&absolute)
}

fn url_of(absolute: &Path) -> io::Result<Url> {
    Url::from_file_path(absolute).map_err(|()| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} has no file:// URL", absolute.display()),
        )
    })
}

/// Takes the exclusive `flock` of an attempt's file without waiting: `false` when
/// another open file holds it (its writer may still append). The lock goes with the
/// last descriptor of this open file (the process's exit included).
#[cfg(unix)]
fn try_lock(file: &File) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock(2) on a descriptor this `File` owns for the whole call.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    if e.kind() == io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(e)
    }
}

/// Without `flock`, no writer can be proven gone: every takeover copies.
#[cfg(not(unix))]
fn try_lock(_file: &File) -> io::Result<bool> {
    Ok(false)
}

/// Makes a directory's entries (a created or renamed file) durable; a file's own fsync
/// does not cover its name.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(at_path("cannot fsync directory", dir))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Fails unless `file` holds at least `offset` bytes and the byte before `offset`
/// ends a record. Every page ends in CRLF, so anything else means the checkpoint and
/// the file disagree (a changed file, another run's offset): refuse rather than splice
/// mid-record. An LF inside a quoted field would pass, so this is a guard, not a proof.
fn check_record_end(file: &mut File, offset: u64, compression: Compression) -> io::Result<()> {
    let len = file.metadata()?.len();
    if len < offset {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the file holds {len} bytes, fewer than the checkpoint's {offset}"),
        ));
    }
    // A gzip member ends in its length, not a line break: the caller checks those
    // bytes by their SHA-256 instead.
    if offset > 0 && compression == Compression::None {
        let mut last = [0u8; 1];
        file.seek(SeekFrom::Start(offset - 1))?;
        file.read_exact(&mut last)?;
        if last[0] != b'\n' {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("byte offset {offset} is not the end of a CSV record"),
            ));
        }
    }
    Ok(())
}

/// One attempt's CSV file, written page by page, resumable at any byte offset that a
/// previous [`write_chunk`](Self::write_chunk) returned, and able to start from another
/// attempt's checkpointed prefix ([`copy_prefix_from`](Self::copy_prefix_from)).
///
/// All calls block on file I/O (including an fsync per page): from async code, run
/// them in `tokio::task::spawn_blocking` (the type is `Send`).
///
/// If a call fails, the file's tail is unknown: further writes and `publish` are
/// refused until [`resume_at`](Self::resume_at) rewinds to the last committed
/// checkpoint.
pub struct ExportFile {
    dir: PathBuf,
    partial: PathBuf,
    published: PathBuf,
    /// The handle every page is written, truncated, sought and fsynced through.
    file: File,
    /// Bytes in the file after the last completed page (or rewind).
    len: u64,
    poisoned: bool,
    /// Compressed files hold gzip members, whose ends are not CSV record ends.
    compression: Compression,
}

impl ExportFile {
    /// Creates the empty file of attempt `attempt` of `run`, 0600 (the org folder is
    /// created 0700 if missing). The file must not exist yet: no two attempts share one,
    /// so a late write by a fenced-out attempt can only ever land in its own file.
    pub fn create(
        export_dir: &Path,
        org: &OrgId,
        run: &RunId,
        attempt: &AttemptFile,
    ) -> io::Result<Self> {
        Self::create_with(export_dir, org, run, attempt, Compression::None)
    }

    /// [`create`](Self::create) for a file of `compression`, published as
    /// `<run_id>.csv.gz` when compressed. Write it with
    /// [`write_chunk`](Self::write_chunk) ([`stored_chunk`]'s bytes).
    pub(crate) fn create_with(
        export_dir: &Path,
        org: &OrgId,
        run: &RunId,
        attempt: &AttemptFile,
        compression: Compression,
    ) -> io::Result<Self> {
        let dir = export_dir.join(org.as_str());
        let partial = partial_path(export_dir, org, run, attempt);
        create_private_dir_all(&dir).map_err(at_path("cannot create export directory", &dir))?;
        let mut options = OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(&partial)
            .map_err(at_path("cannot create", &partial))?;
        // Held while this attempt has the file open (see the module doc). The file
        // is new: nobody else can hold it.
        try_lock(&file).map_err(at_path("cannot lock", &partial))?;
        make_private(&partial, 0o600).map_err(at_path("cannot restrict access to", &partial))?;
        // A checkpoint will soon vouch for bytes in this file: its name (and the org
        // directory's) must survive a crash as well as its data.
        sync_dir(export_dir)?;
        sync_dir(&dir)?;
        Ok(ExportFile {
            dir,
            partial,
            published: published_path_for(export_dir, org, run, compression),
            file,
            len: 0,
            poisoned: false,
            compression,
        })
    }

    /// Starts attempt `attempt`'s file from the checkpoint of attempt `from`: the first
    /// `offset` bytes of `from`'s file, which `verify` checks (it gets the path of a
    /// file that holds them) before they are used.
    ///
    /// When nobody holds `from`'s file open any more (its lock is free: the attempt
    /// ended, or its process died), the file itself becomes this attempt's: it is
    /// locked, truncated to `offset` (dropping a page written after the checkpoint)
    /// and linked under this attempt's name, so continuing costs no space. Its old
    /// name stays until the caller has committed a checkpoint naming the new one,
    /// then the caller removes it. When its writer may still be alive, the prefix is
    /// copied into a new file of this attempt's ([`copy_prefix_from`]), and whatever
    /// that writer still appends stays in its own file.
    ///
    /// Errors as `copy_prefix_from`'s: `NotFound`, `UnexpectedEof` and `InvalidData`
    /// mean nothing can be continued (start over), the others are failures. On
    /// error no file of this attempt is left behind.
    ///
    /// [`copy_prefix_from`]: Self::copy_prefix_from
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn continue_from<T>(
        export_dir: &Path,
        org: &OrgId,
        run: &RunId,
        from: &AttemptFile,
        attempt: &AttemptFile,
        offset: u64,
        compression: Compression,
        verify: impl FnOnce(&Path) -> io::Result<T>,
    ) -> io::Result<(ExportFile, T, Continued)> {
        let source = partial_path(export_dir, org, run, from);
        let mut handle = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&source)
            .map_err(at_path("cannot open", &source))?;
        match try_lock(&handle) {
            Ok(true) => {}
            Ok(false) => {
                drop(handle);
                let mut file = ExportFile::create_with(export_dir, org, run, attempt, compression)?;
                let copied = file
                    .copy_prefix_from(&source, offset)
                    .and_then(|()| verify(file.partial_path()));
                return match copied {
                    Ok(value) => Ok((file, value, Continued::Copied)),
                    Err(e) => {
                        let own = file.partial.clone();
                        drop(file);
                        let _ = fs::remove_file(own);
                        Err(e)
                    }
                };
            }
            Err(e) => return Err(at_path("cannot lock", &source)(e)),
        }
        check_record_end(&mut handle, offset, compression)
            .map_err(at_path("cannot continue from", &source))?;
        let value = verify(&source)?;
        let dir = export_dir.join(org.as_str());
        let partial = partial_path(export_dir, org, run, attempt);
        handle
            .set_len(offset)
            .and_then(|()| handle.sync_data())
            .and_then(|()| handle.seek(SeekFrom::Start(offset)).map(drop))
            .map_err(at_path("cannot truncate", &source))?;
        fs::hard_link(&source, &partial).map_err(at_path("cannot link", &partial))?;
        sync_dir(&dir)?;
        Ok((
            ExportFile {
                dir,
                partial,
                published: published_path_for(export_dir, org, run, compression),
                file: handle,
                len: offset,
                poisoned: false,
                compression,
            },
            value,
            Continued::Adopted,
        ))
    }

    /// Starts this (empty) file from another attempt's checkpoint: copies the first
    /// `offset` bytes of `from` (the `bytes_total` that attempt checkpointed) and makes
    /// them durable. `from` is only read; bytes past `offset` (a page its attempt wrote
    /// but never checkpointed, or wrote after losing its lease) are not copied.
    ///
    /// When there is nothing to continue from the error's kind says so: `NotFound`
    /// (the file is not on this host), `UnexpectedEof` (it is shorter than `offset`),
    /// `InvalidData` (`offset` does not end a record). Rewind with `resume_at(0)` and
    /// start over from the first page.
    pub fn copy_prefix_from(&mut self, from: &Path, offset: u64) -> io::Result<()> {
        self.check_usable()?;
        if self.len != 0 {
            return Err(io::Error::other(format!(
                "{} already holds pages: a prefix is copied into an empty file only",
                self.partial.display()
            )));
        }
        self.poisoned = true;
        let mut source = File::open(from).map_err(at_path("cannot open", from))?;
        check_record_end(&mut source, offset, self.compression)
            .map_err(at_path("cannot continue from", from))?;
        source
            .seek(SeekFrom::Start(0))
            .map_err(at_path("cannot read", from))?;
        let partial = self.partial.clone();
        let copied = io::copy(&mut (&mut source).take(offset), &mut self.file)
            .and_then(|copied| self.file.sync_data().map(|()| copied))
            .map_err(at_path("cannot copy into", &partial))?;
        if copied != offset {
            return Err(at_path("cannot continue from", from)(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the file shrank to {copied} bytes while it was copied"),
            )));
        }
        self.len = offset;
        self.poisoned = false;
        Ok(())
    }

    /// Rewinds to `offset` (a previously returned `bytes_total`, or 0): the file is
    /// truncated there and the next page is appended from there; the header is written
    /// again only at 0. Also the way out of a failed call.
    pub fn resume_at(&mut self, offset: u64) -> io::Result<()> {
        self.poisoned = true;
        let partial = self.partial.clone();
        self.rewind(offset)
            .map_err(at_path("cannot resume the partial export", &partial))?;
        self.poisoned = false;
        Ok(())
    }

    fn rewind(&mut self, offset: u64) -> io::Result<()> {
        check_record_end(&mut self.file, offset, self.compression)?;
        self.file.set_len(offset)?;
        self.file.seek(SeekFrom::Start(offset))?;
        self.len = offset;
        Ok(())
    }

    /// Appends one page's stored bytes (the first page with the header row: see
    /// `copy_csv`), then fsyncs, so the returned length is durable before the caller
    /// commits it.
    pub fn write_chunk(&mut self, bytes: &[u8]) -> io::Result<u64> {
        self.check_usable()?;
        self.poisoned = true;
        let partial = self.partial.clone();
        self.file
            .write_all(bytes)
            .and_then(|()| self.file.sync_data())
            .map_err(at_path("cannot write", &partial))?;
        self.len += bytes.len() as u64;
        self.poisoned = false;
        Ok(self.len)
    }

    /// Bytes in the file after the last completed page.
    pub fn bytes_written(&self) -> u64 {
        self.len
    }

    pub fn partial_path(&self) -> &Path {
        &self.partial
    }

    pub fn published_path(&self) -> &Path {
        &self.published
    }

    /// The `file://` URL (see [`file_url`]) the file will have once published, known
    /// before the rename so that it can be recorded in the same transaction.
    pub fn published_url(&self) -> io::Result<Url> {
        let dir = fs::canonicalize(&self.dir).map_err(at_path("cannot resolve", &self.dir))?;
        url_of(&dir.join(self.published.file_name().unwrap_or_default()))
    }

    /// Finishes the file: writes the header if no page was written (an org without
    /// invoices still gets one), fsyncs, renames this attempt's file to
    /// `<export_dir>/<org>/<run_id>.csv` (atomic: readers see no file or the whole
    /// file), fsyncs the directory, and returns the published path.
    pub fn publish(mut self) -> io::Result<PathBuf> {
        self.check_usable()?;
        if self.len == 0 {
            let header =
                super::stored_chunk(crate::exports::copy_csv::header_row(), self.compression)?;
            self.write_chunk(&header)?;
        }
        self.file
            .sync_all()
            .map_err(at_path("cannot fsync", &self.partial))?;
        fs::rename(&self.partial, &self.published)
            .map_err(at_path("cannot publish the export as", &self.published))?;
        sync_dir(&self.dir)?;
        Ok(self.published)
    }

    fn check_usable(&self) -> io::Result<()> {
        if self.poisoned {
            return Err(io::Error::other(format!(
                "{} is in an unknown state after a failed write: resume it at the last checkpoint",
                self.partial.display()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{parse, row, write_rows};
    use super::*;

    #[test]
    fn export_file_can_move_to_a_blocking_thread() {
        fn assert_send<T: Send + 'static>() {}
        assert_send::<ExportFile>();
    }

    /// A successor takes a closed attempt file over in place (same inode, tail past
    /// the checkpoint cut), and copies the prefix of one whose writer still holds it.
    #[test]
    fn continue_from_adopts_a_closed_file_and_copies_a_held_one() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let org = OrgId::parse("org_acme").unwrap();
        let run = RunId::parse("run_01jd5x7m3k9q2w8e4r6t0y1v3a").unwrap();
        let (first, second, third) = (
            AttemptFile::new(1),
            AttemptFile::new(2),
            AttemptFile::new(3),
        );
        let mut a = ExportFile::create(dir.path(), &org, &run, &first).unwrap();
        let checkpoint = write_rows(&mut a, &[row("inv_1"), row("inv_2")]);
        write_rows(&mut a, &[row("inv_3")]); // past the checkpoint
        let a_path = a.partial_path().to_path_buf();
        let inode = fs::metadata(&a_path).unwrap().ino();

        // Held by its writer: copied, and the writer's file is left as it was.
        let (b, hashed, how) = ExportFile::continue_from(
            dir.path(),
            &org,
            &run,
            &first,
            &second,
            checkpoint,
            Compression::None,
            |p| hash_prefix(p, checkpoint),
        )
        .unwrap();
        assert_eq!(how, Continued::Copied);
        assert_eq!(hashed.len(), checkpoint);
        assert_ne!(fs::metadata(b.partial_path()).unwrap().ino(), inode);
        assert_eq!(fs::metadata(b.partial_path()).unwrap().len(), checkpoint);
        assert!(fs::metadata(&a_path).unwrap().len() > checkpoint);
        drop(b);

        // Closed: the same file, under the new name, cut at the checkpoint, writable.
        drop(a);
        let (mut c, _, how) = ExportFile::continue_from(
            dir.path(),
            &org,
            &run,
            &first,
            &third,
            checkpoint,
            Compression::None,
            |p| hash_prefix(p, checkpoint),
        )
        .unwrap();
        assert_eq!(how, Continued::Adopted);
        assert_eq!(fs::metadata(c.partial_path()).unwrap().ino(), inode);
        let end = write_rows(&mut c, &[row("inv_3")]);
        let published = c.publish().unwrap();
        let records = parse(&fs::read(published).unwrap());
        assert_eq!(records.len(), 4, "header and three rows, inv_3 once");
        assert_eq!(fs::metadata(&a_path).unwrap().len(), end, "one inode");
    }
}
