//! Where finished exports are kept, and how people get them back.
//!
//! One interface, [`Storage`], over two backends of the `object_store` crate:
//! local files (`file:///dir`, the default: `<export_dir>`) and S3 or an
//! S3-compatible server (`s3://bucket/prefix`: AWS, MinIO, SeaweedFS, Ceph, R2).
//! Both store an export under `<org>/<run_id>.csv` (`.csv.gz` compressed) and give
//! back a download link: a `file://` URL locally, a presigned GET on S3. Reading,
//! heading and deleting go through `object_store`'s `ObjectStore` for both; writing
//! differs, because durability differs: local files are written, fsynced and renamed
//! by the export task, while S3 objects are multipart uploads whose state
//! ([`multipart::UploadState`]) lives in the export's checkpoint, so an attempt on any
//! host continues the same upload ([`multipart::PartWriter`]).
//!
//! The export row records each object's location (`object_url`), so `export url`,
//! `download` and `prune` find it from any machine with the database and the
//! credentials (`Storage::for_object`), whatever that machine's own `storage` is.
//!
//! S3 settings follow the AWS conventions (`AWS_ACCESS_KEY_ID`, `AWS_ENDPOINT_URL`,
//! …) over the config keys `s3_*`; see the `s3` module. Errors name the bucket and endpoint
//! and never a secret.

pub(crate) mod gzip;
pub(crate) mod link;
pub mod multipart;
mod s3;
mod settings;
pub(crate) mod sha256;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::error::{Classify, ExitKind};
use crate::ids::{OrgId, RunId};

pub use s3::{OpenUpload, S3Target, install_crypto_provider};
pub use settings::{DEFAULT_LINK_TTL, DEFAULT_S3_PART_SIZE, StorageSettings};
pub(crate) use settings::{MAX_S3_PART_SIZE, MIN_S3_PART_SIZE};

/// How an export is compressed (`compression` in the config file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    #[default]
    None,
    /// One gzip member per page, so a resumed export appends whole members.
    Gzip,
}

impl Compression {
    pub(crate) fn parse(raw: &str) -> Option<Compression> {
        match raw.trim() {
            "none" => Some(Compression::None),
            "gzip" => Some(Compression::Gzip),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
        }
    }

    /// The file name extension: `csv` or `csv.gz`.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Compression::None => "csv",
            Compression::Gzip => "csv.gz",
        }
    }

    /// The object's Content-Type.
    pub fn content_type(self) -> &'static str {
        match self {
            Compression::None => "text/csv; charset=utf-8",
            Compression::Gzip => "application/gzip",
        }
    }

    /// The compression an object's name implies.
    pub(crate) fn of_name(name: &str) -> Compression {
        if name.ends_with(".gz") {
            Compression::Gzip
        } else {
            Compression::None
        }
    }
}

/// A storage location: `file:///absolute/dir` or `s3://bucket[/prefix]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageUrl {
    Local(PathBuf),
    S3 { bucket: String, prefix: String },
}

impl StorageUrl {
    pub fn parse(raw: &str) -> Result<StorageUrl, StorageError> {
        let invalid = |reason: &str| StorageError::InvalidUrl {
            url: crate::redact::redact_url(raw),
            reason: reason.to_owned(),
        };
        let url = url::Url::parse(raw.trim()).map_err(|_| {
            invalid("it is not a URL: use file:///absolute/dir or s3://bucket/prefix")
        })?;
        match url.scheme() {
            "file" => {
                if url
                    .host_str()
                    .is_some_and(|h| !h.is_empty() && h != "localhost")
                {
                    return Err(invalid(
                        "a file:// URL names no host: use file:///absolute/dir (three slashes)",
                    ));
                }
                let dir = url
                    .to_file_path()
                    .map_err(|()| invalid("it names no absolute directory"))?;
                Ok(StorageUrl::Local(dir))
            }
            "s3" => {
                if url.password().is_some() || !url.username().is_empty() {
                    return Err(invalid(
                        "credentials do not belong in the URL: use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the s3_* config keys",
                    ));
                }
                if url.query().is_some() || url.fragment().is_some() {
                    return Err(invalid("an s3:// URL takes no query or fragment"));
                }
                let bucket = url.host_str().unwrap_or_default().to_owned();
                if !valid_bucket(&bucket) {
                    return Err(invalid(
                        "the bucket name must be 3-63 lowercase letters, digits, dots or hyphens",
                    ));
                }
                let prefix = url.path().trim_matches('/').to_owned();
                // The URL parser would resolve `..`; in S3 it is a literal key, so refuse
                // it rather than guess.
                let raw_path = raw.trim().splitn(4, '/').nth(3).unwrap_or("");
                if raw_path.split('/').any(|s| s == "." || s == "..") || prefix.contains("//") {
                    return Err(invalid("the prefix has an empty, `.` or `..` segment"));
                }
                Ok(StorageUrl::S3 { bucket, prefix })
            }
            other => Err(invalid(&format!(
                "scheme {other}:// is not supported: use file:///absolute/dir or s3://bucket/prefix"
            ))),
        }
    }
}

impl fmt::Display for StorageUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageUrl::Local(dir) => match url::Url::from_file_path(dir) {
                Ok(url) => write!(f, "{url}"),
                Err(()) => write!(f, "file://{}", dir.display()),
            },
            StorageUrl::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            StorageUrl::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

fn valid_bucket(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.as_bytes()[name.len() - 1].is_ascii_alphanumeric()
}

/// An object's file name for people: `invoices-<org>-<YYYY-MM-DD>.csv[.gz]`, the
/// date being the day the export's data is as of (the run's first start, UTC), or for
/// a scoped export `invoices-<org>-<scope label>.csv[.gz]` (`invoices-org_acme-2026-11.csv`).
/// It is the Content-Disposition filename and `export download`'s default output name.
pub(crate) fn download_name(
    org: &OrgId,
    as_of: NaiveDate,
    scope_label: Option<&str>,
    compression: Compression,
) -> String {
    let what = scope_label.map_or_else(|| as_of.format("%Y-%m-%d").to_string(), str::to_owned);
    format!("invoices-{org}-{what}.{}", compression.extension())
}

/// Where one export's object lives in a storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectLocation {
    /// The object's URL as the export row records it: `s3://bucket/prefix/org/run.csv`
    /// or `file:///dir/org/run.csv`.
    pub url: String,
    /// Its path inside the store.
    pub path: ObjectPath,
}

/// A download link and when it stops working (`None`: never, a `file://` URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub url: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What a store says about an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub size: u64,
    pub e_tag: Option<String>,
}

/// An object's bytes, streamed, and its size as the store reported it.
pub(crate) struct ObjectStream {
    pub size: u64,
    pub chunks: BoxStream<'static, Result<Vec<u8>, StorageError>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid storage URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("invalid S3 settings for {target}: {reason}")]
    InvalidS3 { target: String, reason: String },
    #[error(
        "bucket {bucket} does not exist at {endpoint}: create it or fix `storage` / INVOICECTL_STORAGE"
    )]
    NoSuchBucket { bucket: String, endpoint: String },
    #[error("{what} {location} was not found")]
    NotFound {
        what: &'static str,
        location: String,
    },
    #[error(
        "cannot {action} {location} ({endpoint}): access denied: check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or s3_access_key_id / s3_secret_access_key) and the bucket policy"
    )]
    Denied {
        action: &'static str,
        location: String,
        endpoint: String,
        #[source]
        source: Box<object_store::Error>,
    },
    #[error("cannot {action} {location} ({endpoint})")]
    Store {
        action: &'static str,
        location: String,
        endpoint: String,
        #[source]
        source: Box<object_store::Error>,
    },
    #[error(
        "the bytes regenerated for {location} differ from the part an earlier attempt uploaded (data changed since?): the upload starts over"
    )]
    Diverged { location: String },
    /// An export row names an object that is not that export's own place in the
    /// storage (see `Storage::confine`): it is refused, never followed.
    #[error(
        "the export of {run} is recorded at {recorded}, which is not its place in {root} ({expected}): refusing to read, link or delete it. Either the export row was changed outside invoicectl, or this machine's `storage` is not the one the export was written to (set `storage`, or pass --storage to url/download)"
    )]
    Unconfined {
        run: String,
        recorded: String,
        root: String,
        expected: String,
    },
    #[error("the upload's checkpoint is unusable: {reason}")]
    BadCheckpoint { reason: String },
    #[error("local storage: cannot {action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl StorageError {
    /// True when retrying later may help (a server or network failure), false when
    /// it cannot (denied, missing, misconfigured).
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            StorageError::Store { source, .. } => !matches!(
                **source,
                object_store::Error::NotSupported { .. }
                    | object_store::Error::InvalidPath { .. }
                    | object_store::Error::UnknownConfigurationKey { .. }
                    | object_store::Error::NotImplemented { .. }
            ),
            StorageError::Io { .. } => true,
            _ => false,
        }
    }
}

impl Classify for StorageError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            StorageError::InvalidUrl { .. } | StorageError::InvalidS3 { .. } => ExitKind::Invalid,
            StorageError::NoSuchBucket { .. } | StorageError::NotFound { .. } => ExitKind::NotFound,
            StorageError::Denied { .. } | StorageError::Unconfined { .. } => {
                ExitKind::PermissionDenied
            }
            StorageError::Diverged { .. } | StorageError::BadCheckpoint { .. } => ExitKind::Failure,
            StorageError::Store { .. } | StorageError::Io { .. } => ExitKind::Unavailable,
        }
    }
}

/// An open storage: the backend's `ObjectStore` and what differs between backends.
#[derive(Clone)]
pub struct Storage {
    url: StorageUrl,
    store: Arc<dyn ObjectStore>,
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Local,
    S3(Arc<S3Target>),
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage")
            .field("url", &self.url.to_string())
            .finish()
    }
}

impl Storage {
    /// Opens a storage location with the S3 settings (environment over config file).
    pub fn open(url: StorageUrl, settings: &StorageSettings) -> Result<Storage, StorageError> {
        match &url {
            StorageUrl::Local(_) => Ok(Storage {
                url,
                store: Arc::new(LocalFileSystem::new()),
                backend: Backend::Local,
            }),
            StorageUrl::S3 { bucket, prefix } => {
                let target = Arc::new(S3Target::open(bucket, prefix, settings)?);
                Ok(Storage {
                    url,
                    store: target.store(),
                    backend: Backend::S3(target),
                })
            }
        }
    }

    /// The storage holding an object recorded as `object_url` (an export row's), and
    /// the object's location in it.
    pub(crate) fn for_object(
        object_url: &str,
        settings: &StorageSettings,
    ) -> Result<(Storage, ObjectLocation), StorageError> {
        let invalid = |reason: &str| StorageError::InvalidUrl {
            url: object_url.to_owned(),
            reason: reason.to_owned(),
        };
        let url = url::Url::parse(object_url).map_err(|_| invalid("it is not a URL"))?;
        match url.scheme() {
            "file" => {
                let file = url
                    .to_file_path()
                    .map_err(|()| invalid("it names no absolute file"))?;
                let dir = file
                    .parent()
                    .ok_or_else(|| invalid("it names no file"))?
                    .to_path_buf();
                let storage = Storage::open(StorageUrl::Local(dir), settings)?;
                let location = local_location(&file)?;
                Ok((storage, location))
            }
            "s3" => {
                let bucket = url.host_str().unwrap_or_default().to_owned();
                let key = url.path().trim_start_matches('/').to_owned();
                if key.is_empty() {
                    return Err(invalid("it names no object"));
                }
                let storage = Storage::open(
                    StorageUrl::S3 {
                        bucket,
                        prefix: String::new(),
                    },
                    settings,
                )?;
                let path = ObjectPath::parse(&key).map_err(|_| invalid("its key is not valid"))?;
                Ok((
                    storage,
                    ObjectLocation {
                        url: object_url.to_owned(),
                        path,
                    },
                ))
            }
            other => Err(invalid(&format!("scheme {other}:// is not a storage"))),
        }
    }

    pub(crate) fn url(&self) -> &StorageUrl {
        &self.url
    }

    pub(crate) fn is_s3(&self) -> bool {
        matches!(self.url, StorageUrl::S3 { .. })
    }

    /// The multipart uploads of an object (S3 only; local files are written by the
    /// export task itself).
    pub fn upload(&self, location: &ObjectLocation) -> Option<multipart::Upload> {
        let Backend::S3(target) = &self.backend else {
            return None;
        };
        let target = target.clone();
        let url = location.url.clone();
        Some(multipart::Upload::new(
            target.client().clone(),
            location.clone(),
            move |action, source| target.error(action, &url, source),
        ))
    }

    /// Aborts every multipart upload open under `key_prefix` in this storage except
    /// `keep`, and returns those it aborted (none on local files, which have no
    /// uploads). Uploads nobody will complete — their creator was lost before it
    /// recorded them — are found by listing (ListMultipartUploads), not by a record.
    pub async fn abort_open_uploads(
        &self,
        key_prefix: &str,
        keep: Option<&str>,
    ) -> Result<Vec<OpenUpload>, StorageError> {
        match &self.backend {
            Backend::S3(target) => target.abort_open_uploads(key_prefix, keep).await,
            Backend::Local => Ok(Vec::new()),
        }
    }

    /// Where the export of `run` goes: `<prefix>/<org>/<run_id>.csv[.gz]` on S3. On
    /// local storage the path is the published file's (see `exports::csv`).
    pub fn export_location(
        &self,
        org: &OrgId,
        run: &RunId,
        compression: Compression,
    ) -> Result<ObjectLocation, StorageError> {
        let name = format!("{run}.{}", compression.extension());
        match &self.url {
            StorageUrl::Local(dir) => local_location(&dir.join(org.as_str()).join(name)),
            StorageUrl::S3 { bucket, prefix } => {
                let key = if prefix.is_empty() {
                    format!("{org}/{name}")
                } else {
                    format!("{prefix}/{org}/{name}")
                };
                Ok(ObjectLocation {
                    url: format!("s3://{bucket}/{key}"),
                    path: ObjectPath::from(key),
                })
            }
        }
    }

    /// The location of the export of `run` (of `org`) that an export row records as
    /// `recorded`, if and only if it is that export's own place in this storage:
    /// `<root>/<org>/<run>.csv[.gz]` exactly. Anything else — another file
    /// (`file:///etc/passwd`), another organization's or run's object, another bucket
    /// or prefix, a `..` — is [`StorageError::Unconfined`]. The location returned is
    /// built from this storage's root and the ids, never parsed from `recorded`, so
    /// what is read, linked or deleted is never more than what was checked.
    ///
    /// On local storage the recorded URL is the published file's canonical path (see
    /// `exports::csv::attempt::file_url`), so the root is compared as configured and as the
    /// filesystem resolves it (a symlinked export folder).
    pub(crate) fn confine(
        &self,
        recorded: &str,
        org: &OrgId,
        run: &RunId,
    ) -> Result<ObjectLocation, StorageError> {
        let compression = Compression::of_name(recorded);
        let expected = self.export_location(org, run, compression)?;
        if recorded == expected.url {
            return Ok(expected);
        }
        if let StorageUrl::Local(dir) = &self.url
            && let Ok(canonical) = std::fs::canonicalize(dir)
        {
            let name = format!("{run}.{}", compression.extension());
            let resolved = local_location(&canonical.join(org.as_str()).join(name))?;
            if recorded == resolved.url {
                return Ok(resolved);
            }
        }
        Err(StorageError::Unconfined {
            run: run.to_string(),
            recorded: crate::redact::redact_url(recorded),
            root: self.url.to_string(),
            expected: expected.url,
        })
    }

    /// Checks at worker start that the storage is usable: a probe object can be
    /// written and deleted under the prefix (S3), the directory can be created
    /// (local).
    pub async fn check(&self) -> Result<(), StorageError> {
        match &self.backend {
            Backend::Local => {
                let StorageUrl::Local(dir) = &self.url else {
                    unreachable!("a local backend has a local URL")
                };
                std::fs::create_dir_all(dir).map_err(|source| StorageError::Io {
                    action: "create the export directory",
                    path: dir.clone(),
                    source,
                })
            }
            Backend::S3(target) => target.check().await,
        }
    }

    /// A download link for an object: a presigned GET valid `ttl` on S3, the file's
    /// `file://` URL locally.
    pub async fn link(
        &self,
        location: &ObjectLocation,
        ttl: Duration,
    ) -> Result<Link, StorageError> {
        match &self.backend {
            Backend::Local => Ok(Link {
                url: location.url.clone(),
                expires_at: None,
            }),
            Backend::S3(target) => target.presign(&location.path, ttl).await,
        }
    }

    /// The object's size and ETag, or `None` when it does not exist.
    pub async fn head(
        &self,
        location: &ObjectLocation,
    ) -> Result<Option<ObjectInfo>, StorageError> {
        match self.store.head(&location.path).await {
            Ok(meta) => Ok(Some(ObjectInfo {
                size: meta.size,
                e_tag: meta.e_tag,
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(source) => Err(self.error("read", location, source)),
        }
    }

    /// Streams an object's bytes.
    pub(crate) async fn get(
        &self,
        location: &ObjectLocation,
    ) -> Result<ObjectStream, StorageError> {
        let result = match self.store.get(&location.path).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(StorageError::NotFound {
                    what: "object",
                    location: location.url.clone(),
                });
            }
            Err(source) => return Err(self.error("read", location, source)),
        };
        let size = result.meta.size;
        let this = self.clone();
        let location = location.clone();
        let chunks = result
            .into_stream()
            .map(move |chunk| {
                chunk
                    .map(|bytes| bytes.to_vec())
                    .map_err(|source| this.error("read", &location, source))
            })
            .boxed();
        Ok(ObjectStream { size, chunks })
    }

    /// Deletes an object; `false` when there was none (deleting twice is fine).
    pub async fn delete(&self, location: &ObjectLocation) -> Result<bool, StorageError> {
        // S3 answers a DELETE of a missing key with success, so ask first: the answer
        // is only for reporting, the outcome is the same either way.
        let existed = self.head(location).await?.is_some();
        match self.store.delete(&location.path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(existed),
            Err(source) => Err(self.error("delete", location, source)),
        }
    }

    fn error(
        &self,
        action: &'static str,
        location: &ObjectLocation,
        source: object_store::Error,
    ) -> StorageError {
        match &self.backend {
            Backend::S3(target) => target.error(action, &location.url, source),
            Backend::Local => StorageError::Store {
                action,
                location: location.url.clone(),
                endpoint: "local files".to_owned(),
                source: Box::new(source),
            },
        }
    }
}

/// Whether `recorded` at least names the export of `run` of `org` by its own name,
/// `…/<org>/<run>.csv[.gz]` in a `file://` or `s3://` URL with no `.` or `..`
/// segment: the check for a row that is not followed at all (`--storage` looks under
/// another root), so that a tampered row is refused there too.
pub(crate) fn names_export(recorded: &str, org: &OrgId, run: &RunId) -> bool {
    let Some((scheme, rest)) = recorded.split_once("://") else {
        return false;
    };
    if !matches!(scheme, "file" | "s3") || rest.contains('?') || rest.contains('#') {
        return false;
    }
    let segments: Vec<&str> = rest.split('/').collect();
    if segments
        .iter()
        .skip(1)
        .any(|s| s.is_empty() || *s == "." || *s == "..")
    {
        return false;
    }
    let tail = [org.as_str().to_owned(), format!("{run}.csv")];
    let tail_gz = [org.as_str().to_owned(), format!("{run}.csv.gz")];
    segments.len() >= 3
        && (segments.ends_with(&tail.each_ref().map(String::as_str))
            || segments.ends_with(&tail_gz.each_ref().map(String::as_str)))
}

/// A local file's location: its `file://` URL (absolute, percent-encoded) and path.
fn local_location(file: &Path) -> Result<ObjectLocation, StorageError> {
    let absolute = if file.is_absolute() {
        file.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|source| StorageError::Io {
                action: "resolve",
                path: file.to_path_buf(),
                source,
            })?
            .join(file)
    };
    let url = url::Url::from_file_path(&absolute).map_err(|()| StorageError::InvalidUrl {
        url: absolute.display().to_string(),
        reason: "it has no file:// URL".to_owned(),
    })?;
    let path = ObjectPath::from_absolute_path(&absolute).map_err(|_| StorageError::InvalidUrl {
        url: url.to_string(),
        reason: "it is not a path the local store can open".to_owned(),
    })?;
    Ok(ObjectLocation {
        url: url.to_string(),
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_storage_urls() {
        assert_eq!(
            StorageUrl::parse("file:///var/exports").unwrap(),
            StorageUrl::Local("/var/exports".into())
        );
        assert_eq!(
            StorageUrl::parse("s3://my-bucket/invoices/prod/").unwrap(),
            StorageUrl::S3 {
                bucket: "my-bucket".into(),
                prefix: "invoices/prod".into()
            }
        );
        assert_eq!(
            StorageUrl::parse("s3://my-bucket").unwrap().to_string(),
            "s3://my-bucket"
        );
        for bad in [
            "exports",
            "file://host/dir",
            "s3://My_Bucket/x",
            "s3://key:secret@bucket/x",
            "s3://bucket/a/../b",
            "gs://bucket",
            "s3://bucket/x?y=1",
        ] {
            let err = StorageUrl::parse(bad).unwrap_err();
            assert!(!err.to_string().contains("secret"), "{err}");
        }
    }

    #[test]
    fn compression_names_and_types() {
        assert_eq!(Compression::Gzip.extension(), "csv.gz");
        assert_eq!(Compression::None.content_type(), "text/csv; charset=utf-8");
        assert_eq!(Compression::of_name("run_x.csv.gz"), Compression::Gzip);
        let org = OrgId::parse("org_acme").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(
            download_name(&org, day, None, Compression::None),
            "invoices-org_acme-2026-11-30.csv"
        );
        assert_eq!(
            download_name(&org, day, Some("2026-11"), Compression::Gzip),
            "invoices-org_acme-2026-11.csv.gz"
        );
    }

    fn test_settings() -> StorageSettings {
        StorageSettings {
            location: StorageUrl::Local("/data/exports".into()),
            link_ttl: DEFAULT_LINK_TTL,
            part_size: DEFAULT_S3_PART_SIZE,
            compression: Compression::None,
            s3_endpoint: None,
            s3_endpoint_from_file: false,
            s3_region: Some("us-east-1".into()),
            s3_access_key_id: None,
            s3_secret_access_key: None,
        }
    }

    #[test]
    fn export_locations() {
        let settings = test_settings();
        let org = OrgId::parse("org_acme").unwrap();
        let run = RunId::parse("run_01jd5x7m3k9q2w8e4r6t0y1v3a").unwrap();
        let s3 = Storage::open(StorageUrl::parse("s3://b-1/p/q").unwrap(), &settings).unwrap();
        let loc = s3.export_location(&org, &run, Compression::Gzip).unwrap();
        assert_eq!(
            loc.url,
            "s3://b-1/p/q/org_acme/run_01jd5x7m3k9q2w8e4r6t0y1v3a.csv.gz"
        );
        assert_eq!(
            loc.path.as_ref(),
            "p/q/org_acme/run_01jd5x7m3k9q2w8e4r6t0y1v3a.csv.gz"
        );
        let local = Storage::open(StorageUrl::Local("/srv/ex port".into()), &settings).unwrap();
        let loc = local
            .export_location(&org, &run, Compression::None)
            .unwrap();
        assert_eq!(
            loc.url,
            "file:///srv/ex%20port/org_acme/run_01jd5x7m3k9q2w8e4r6t0y1v3a.csv"
        );
        let (_, again) = Storage::for_object(&loc.url, &settings).unwrap();
        assert_eq!(again, loc);
        let (store, again) = Storage::for_object(
            "s3://b-1/p/q/org_acme/run_01jd5x7m3k9q2w8e4r6t0y1v3a.csv.gz",
            &settings,
        )
        .unwrap();
        assert!(store.is_s3());
        assert_eq!(
            again.path.as_ref(),
            "p/q/org_acme/run_01jd5x7m3k9q2w8e4r6t0y1v3a.csv.gz"
        );
    }
}
