//! The export folder of local storage: created owner-only (0700) whatever the umask,
//! because an export holds customer names, emails and amounts, and checked writable
//! once when a worker starts, so a bad setting is one clear error instead of three
//! failed attempts for every run.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Classify, ExitKind};

/// Why a worker cannot use its export folder. Found once at start, so a bad setting
/// is one clear error instead of three failed attempts for every run.
#[derive(Debug, thiserror::Error)]
pub enum ExportDirError {
    #[error(
        "the export directory is empty (export_dir = \"\" in the config file): name a \
         directory, or remove the key to use <data dir>/exports"
    )]
    Empty,
    #[error("export directory {} is not a directory: {detail}", path.display())]
    NotADirectory { path: PathBuf, detail: String },
    #[error("cannot write to export directory {}", path.display())]
    NotWritable {
        path: PathBuf,
        #[source]
        reason: io::Error,
    },
    #[error("cannot use export directory {}", path.display())]
    Unusable {
        path: PathBuf,
        #[source]
        reason: io::Error,
    },
}

impl Classify for ExportDirError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            ExportDirError::Empty | ExportDirError::NotADirectory { .. } => ExitKind::Invalid,
            // A folder that cannot be created (`/proc/nope`: ENOENT under a filesystem
            // that takes no new folders) is one the worker cannot write, like EACCES.
            ExportDirError::NotWritable { .. } | ExportDirError::Unusable { .. } => {
                ExitKind::PermissionDenied
            }
        }
    }
}

/// Checks that files can be created in `export_dir`, creating it (0700) if missing:
/// an empty path or one that is not a directory is a bad value, a folder this process
/// may not write (permissions, a read-only filesystem) a permission error.
pub fn check_export_dir(export_dir: &Path) -> Result<(), ExportDirError> {
    if export_dir.as_os_str().is_empty() {
        return Err(ExportDirError::Empty);
    }
    let path = export_dir.to_path_buf();
    let refusal = |reason: io::Error| match reason.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            ExportDirError::NotWritable {
                path: path.clone(),
                reason,
            }
        }
        io::ErrorKind::NotADirectory | io::ErrorKind::AlreadyExists => {
            ExportDirError::NotADirectory {
                path: path.clone(),
                detail: reason.to_string(),
            }
        }
        _ => ExportDirError::Unusable {
            path: path.clone(),
            reason,
        },
    };
    if let Ok(meta) = fs::metadata(export_dir)
        && !meta.is_dir()
    {
        return Err(ExportDirError::NotADirectory {
            path,
            detail: "a file is in the way".to_owned(),
        });
    }
    create_private_dir_all(export_dir).map_err(refusal)?;
    let probe = export_dir.join(format!(".invoicectl-probe-{}", ulid::Ulid::new()));
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(refusal)?;
    fs::remove_file(&probe).map_err(refusal)
}

/// Creates `dir` and its missing parents owner-only (0700) whatever the umask.
/// Folders that already exist keep their mode: that is the operator's choice.
pub(crate) fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_private_dir_all(parent)?;
    }
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(dir) {
        Ok(()) => make_private(dir, 0o700),
        // Another worker created it meanwhile.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Sets owner-only permissions explicitly: the umask can only take bits away from
/// what `open`/`mkdir` ask for, and a umask such as 0277 would leave the owner unable
/// to write.
#[cfg(unix)]
pub(super) fn make_private(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
pub(super) fn make_private(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}
