//! The storage settings, resolved (by `config`), and the limits S3 sets on them:
//! what `storage`, its S3 backend and the export read to store a file.

use std::time::Duration;

use super::{Compression, StorageUrl};
use crate::redact::Secret;

/// Default lifetime of a download link: SigV4's maximum.
pub const DEFAULT_LINK_TTL: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// Default S3 part size, and the smallest part S3 accepts (except the last).
pub const DEFAULT_S3_PART_SIZE: u64 = 8 << 20;
pub(crate) const MIN_S3_PART_SIZE: u64 = 5 << 20;
/// S3's largest part.
pub(crate) const MAX_S3_PART_SIZE: u64 = 5 << 30;

/// The storage settings, resolved.
#[derive(Debug, Clone)]
pub struct StorageSettings {
    /// Where new exports go: `storage`, or its shorthand `export_dir`, whichever was
    /// named at the higher level (default `file://<data dir>/exports`).
    pub location: StorageUrl,
    pub link_ttl: Duration,
    pub part_size: u64,
    pub compression: Compression,
    /// `s3_endpoint`, or AWS_ENDPOINT_URL.
    pub s3_endpoint: Option<String>,
    /// The endpoint was named in the config file (where a plain `http://` one is
    /// taken as meant, without AWS_ALLOW_HTTP).
    pub s3_endpoint_from_file: bool,
    pub s3_region: Option<String>,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<Secret>,
}
