//! Configuration: flag > environment > config file > default (SPEC §1).
//!
//! clap already merges each flag with its environment variable; this module layers
//! the config file and the defaults underneath, validates the values, and refuses a
//! config file that holds a secret while others can read it (like ssh does with a
//! private key). It also owns the one notion of "secret" in a URL — the userinfo
//! password and any secret-named query parameter — that both that check and every
//! redacted message use, so the two can never disagree.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Classify, ExitKind};
use crate::storage::{Compression, StorageUrl};

/// Default rows per page of the export's keyset walk (SPEC §7).
pub const DEFAULT_PAGE_SIZE: u32 = 5_000;
pub const DEFAULT_WORKER_CONCURRENCY: u32 = 4;
pub const DEFAULT_MAIL_FROM: &str = "invoicectl <invoicectl@localhost>";
/// A config file is a few lines of TOML; anything bigger (1 MiB) is the wrong file.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "config file {path} does not exist: create it or point --config / INVOICECTL_CONFIG elsewhere"
    )]
    Missing { path: PathBuf },
    #[error("cannot read config file {path}: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "config file {path} is not a regular file ({kind}): point --config / INVOICECTL_CONFIG at a TOML file"
    )]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error(
        "config file {path} is larger than 1 MiB: point --config / INVOICECTL_CONFIG at the TOML config file"
    )]
    TooLarge { path: PathBuf },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "config file {path} holds a password or secret but is readable by others (mode {mode:o}): run `chmod 600 {path}`"
    )]
    InsecurePermissions { path: PathBuf, mode: u32 },
    #[error("invalid {key}: {message}")]
    InvalidValue { key: &'static str, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{var} is set but empty: unset it to use the default, or name a {what}")]
    EmptyPath {
        var: &'static str,
        what: &'static str,
    },
    #[error("cannot find a home directory for the default {what}: set {hint}")]
    NoHome {
        what: &'static str,
        hint: &'static str,
    },
}

impl Classify for ConfigError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            ConfigError::Missing { .. } => ExitKind::NotFound,
            // Naming two settings that exclude each other is a usage error (SPEC §11).
            ConfigError::Conflict(_) => ExitKind::Usage,
            _ => ExitKind::Invalid,
        }
    }
}

/// The keys a config file may hold; an unknown key is an error, not a silent typo.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub database_url: Option<String>,
    pub user: Option<String>,
    pub export_dir: Option<PathBuf>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub page_size: Option<u32>,
    pub worker_concurrency: Option<u32>,
    /// SPEC §11: `file:///dir` or `s3://bucket[/prefix]` (excludes `export_dir`).
    pub storage: Option<String>,
    /// How long download links are valid: `7d`, `12h`, … (at most 7 days).
    pub link_ttl: Option<String>,
    /// Bytes per S3 part: a number or `8MiB`-style text.
    pub s3_part_size: Option<ByteSize>,
    pub compression: Option<String>,
    pub s3_endpoint: Option<String>,
    pub s3_region: Option<String>,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<Secret>,
}

/// A size in a config file: bytes as a number, or text like `8MiB`, `16 MiB`, `5242880`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ByteSize {
    Bytes(u64),
    Text(String),
}

impl ByteSize {
    fn bytes(&self) -> Option<u64> {
        let text = match self {
            ByteSize::Bytes(n) => return Some(*n),
            ByteSize::Text(text) => text.trim(),
        };
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: u64 = number.parse().ok()?;
        let scale: u64 = match unit.trim() {
            "" | "B" => 1,
            "KiB" => 1 << 10,
            "MiB" => 1 << 20,
            "GiB" => 1 << 30,
            _ => return None,
        };
        number.checked_mul(scale)
    }
}

/// A secret from the config file (an S3 secret key): never printed, not even by
/// `{:?}`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Default lifetime of a download link: SigV4's maximum (SPEC §11).
pub const DEFAULT_LINK_TTL: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 60 * 60);
/// Default S3 part size, and the smallest part S3 accepts (except the last).
pub const DEFAULT_S3_PART_SIZE: u64 = 8 << 20;
pub const MIN_S3_PART_SIZE: u64 = 5 << 20;
/// S3's largest part.
pub const MAX_S3_PART_SIZE: u64 = 5 << 30;

/// The storage settings of SPEC §11 from the config file, validated. Which storage a
/// command uses also depends on its flags and INVOICECTL_STORAGE: see
/// `storage::resolve_location`.
#[derive(Debug, Clone)]
pub struct StorageSettings {
    /// The config file's `storage`, if it names one.
    pub location: Option<StorageUrl>,
    pub link_ttl: std::time::Duration,
    pub part_size: u64,
    pub compression: Compression,
    pub s3_endpoint: Option<String>,
    pub s3_region: Option<String>,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<Secret>,
}

/// What the command line (flags merged with their environment variables) says.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
}

/// The resolved configuration every command works from.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The explicit database URL, if any level named one; `None` means libpq
    /// conventions (PGHOST, PGPORT, …).
    pub database_url: Option<String>,
    /// The requester from the config file (`--as` and INVOICECTL_USER win over it).
    pub user: Option<String>,
    pub export_dir: PathBuf,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub page_size: u32,
    pub worker_concurrency: u32,
    pub storage: StorageSettings,
    /// Where the default export folder and the mail outbox live.
    pub data_dir: PathBuf,
    /// The config file that was read, if one was.
    pub config_path: Option<PathBuf>,
}

impl Settings {
    pub fn load(overrides: &Overrides) -> Result<Settings, ConfigError> {
        // An empty variable would otherwise reach clap as a missing flag value, or
        // name the working directory; it is almost always a botched `export`.
        if overrides
            .config
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            return Err(ConfigError::EmptyPath {
                var: "INVOICECTL_CONFIG (or --config)",
                what: "config file",
            });
        }
        if overrides
            .data_dir
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            return Err(ConfigError::EmptyPath {
                var: "INVOICECTL_DATA_DIR",
                what: "directory",
            });
        }
        let dirs = directories::ProjectDirs::from("", "", "invoicectl");
        let (path, explicit) = match &overrides.config {
            Some(path) => (Some(path.clone()), true),
            None => (
                dirs.as_ref().map(|d| d.config_dir().join("config.toml")),
                false,
            ),
        };
        let (file, config_path) = match path {
            Some(path) if path.exists() => (read_config_file(&path)?, Some(path)),
            Some(path) if explicit => return Err(ConfigError::Missing { path }),
            _ => (ConfigFile::default(), None),
        };
        let data_dir = match (&overrides.data_dir, &dirs) {
            (Some(dir), _) => dir.clone(),
            (None, Some(dirs)) => dirs.data_dir().to_path_buf(),
            (None, None) => {
                return Err(ConfigError::NoHome {
                    what: "data directory",
                    hint: "INVOICECTL_DATA_DIR",
                });
            }
        };
        Self::resolve(overrides, file, data_dir, config_path)
    }

    /// Layers the file and defaults under the overrides. Separate from [`load`] so the
    /// precedence rules are testable without touching the process environment.
    pub fn resolve(
        overrides: &Overrides,
        file: ConfigFile,
        data_dir: PathBuf,
        config_path: Option<PathBuf>,
    ) -> Result<Settings, ConfigError> {
        let page_size = file.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=1_000_000).contains(&page_size) {
            return Err(ConfigError::InvalidValue {
                key: "page_size",
                message: format!("{page_size} is out of range: use 1 to 1000000"),
            });
        }
        let worker_concurrency = file
            .worker_concurrency
            .unwrap_or(DEFAULT_WORKER_CONCURRENCY);
        if !(1..=1024).contains(&worker_concurrency) {
            return Err(ConfigError::InvalidValue {
                key: "worker_concurrency",
                message: format!("{worker_concurrency} is out of range: use 1 to 1024"),
            });
        }
        if let Some(smtp) = &file.smtp_url {
            validate_smtp_url(smtp)?;
        }
        let storage = resolve_storage(&file)?;
        let mail_from = file
            .mail_from
            .unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::InvalidValue {
                key: "mail_from",
                message: format!("{mail_from:?} is not a mailbox like `Name <addr@example.com>`"),
            });
        }
        Ok(Settings {
            database_url: overrides.database_url.clone().or(file.database_url),
            user: file.user,
            export_dir: file.export_dir.unwrap_or_else(|| data_dir.join("exports")),
            smtp_url: file.smtp_url,
            mail_from,
            page_size,
            worker_concurrency,
            storage,
            data_dir,
            config_path,
        })
    }

    /// Where the file mail transport writes `.eml` files when no SMTP server is set.
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

/// Validates the storage keys of SPEC §11.
fn resolve_storage(file: &ConfigFile) -> Result<StorageSettings, ConfigError> {
    if file.storage.is_some() && file.export_dir.is_some() {
        return Err(ConfigError::Conflict(
            "the config file names both `storage` and `export_dir`: keep one (`export_dir = \"DIR\"` is short for `storage = \"file:///DIR\"`)".to_owned(),
        ));
    }
    let location = file
        .storage
        .as_deref()
        .map(|raw| {
            StorageUrl::parse(raw).map_err(|e| ConfigError::InvalidValue {
                key: "storage",
                message: e.to_string(),
            })
        })
        .transpose()?;
    let link_ttl = match &file.link_ttl {
        None => DEFAULT_LINK_TTL,
        Some(raw) => parse_link_ttl(raw).map_err(|message| ConfigError::InvalidValue {
            key: "link_ttl",
            message,
        })?,
    };
    let part_size = match &file.s3_part_size {
        None => DEFAULT_S3_PART_SIZE,
        Some(size) => size
            .bytes()
            .filter(|n| (MIN_S3_PART_SIZE..=MAX_S3_PART_SIZE).contains(n))
            .ok_or_else(|| ConfigError::InvalidValue {
                key: "s3_part_size",
                message: format!(
                    "{size:?} is not a part size from 5MiB to 5GiB (S3's limits): write e.g. 8MiB or 8388608"
                ),
            })?,
    };
    let compression = match file.compression.as_deref() {
        None => Compression::None,
        Some(raw) => Compression::parse(raw).ok_or_else(|| ConfigError::InvalidValue {
            key: "compression",
            message: format!("{raw:?} is not one of none, gzip"),
        })?,
    };
    if let Some(endpoint) = &file.s3_endpoint {
        let ok = url::Url::parse(endpoint)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        if !ok {
            return Err(ConfigError::InvalidValue {
                key: "s3_endpoint",
                message: format!(
                    "{} is not an http(s):// URL such as http://127.0.0.1:9000",
                    redact_url(endpoint)
                ),
            });
        }
    }
    Ok(StorageSettings {
        location,
        link_ttl,
        part_size,
        compression,
        s3_endpoint: file.s3_endpoint.clone(),
        s3_region: file.s3_region.clone(),
        s3_access_key_id: file.s3_access_key_id.clone(),
        s3_secret_access_key: file.s3_secret_access_key.clone(),
    })
}

/// A link lifetime: a duration from 1 s to 7 days (a SigV4 presigned URL cannot live
/// longer). Shared by `link_ttl`, the worker's `--link-ttl` and `export url --expires`.
pub fn parse_link_ttl(raw: &str) -> Result<std::time::Duration, String> {
    match crate::duration::parse_duration(raw) {
        Some(d) if !d.is_zero() && d <= DEFAULT_LINK_TTL => Ok(d),
        Some(_) => Err(format!(
            "{raw:?} is out of range: a link lives from 1s to 7d (SigV4's maximum)"
        )),
        None => Err(format!(
            "{raw:?} is not a duration: write e.g. 7d, 12h, 90m or 1h30m"
        )),
    }
}

/// Reads and parses the config file. Only a regular file of at most
/// [`MAX_CONFIG_BYTES`] is read: a device would never end and opening a FIFO would
/// block until someone writes to it. A file holding a secret must be private.
fn read_config_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let unreadable = |source| ConfigError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    // Checked on the path before opening (open(2) on a FIFO blocks), then again on
    // the open handle, which is what is actually read.
    check_regular(path, &fs::metadata(path).map_err(unreadable)?)?;
    let file = fs::File::open(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    check_regular(path, &metadata)?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    let text = String::from_utf8(bytes).map_err(|_| ConfigError::Parse {
        path: path.to_path_buf(),
        message: "it is not UTF-8 text".to_owned(),
    })?;
    let file: ConfigFile = toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        // toml's message may quote the offending value, which may hold a secret.
        message: redact_secrets(e.message()),
    })?;
    let holds_secret = [&file.database_url, &file.smtp_url]
        .into_iter()
        .flatten()
        .any(|u| url_holds_secret(u))
        || file.s3_secret_access_key.is_some();
    if holds_secret {
        check_private(path, &metadata)?;
    }
    Ok(file)
}

fn check_regular(path: &Path, metadata: &fs::Metadata) -> Result<(), ConfigError> {
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return Ok(());
    }
    let kind = if file_type.is_dir() {
        "a directory"
    } else {
        special_file_kind(&file_type)
    };
    Err(ConfigError::NotAFile {
        path: path.to_path_buf(),
        kind,
    })
}

#[cfg(unix)]
fn special_file_kind(file_type: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() || file_type.is_block_device() {
        "a device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

#[cfg(not(unix))]
fn special_file_kind(_file_type: &fs::FileType) -> &'static str {
    "not a file"
}

#[cfg(unix)]
fn check_private(path: &Path, metadata: &fs::Metadata) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(ConfigError::InsecurePermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _metadata: &fs::Metadata) -> Result<(), ConfigError> {
    Ok(())
}

fn validate_smtp_url(raw: &str) -> Result<(), ConfigError> {
    let invalid = |message: String| ConfigError::InvalidValue {
        key: "smtp_url",
        message,
    };
    let url = url::Url::parse(raw)
        .map_err(|e| invalid(format!("{} is not a URL ({e})", redact_url(raw))))?;
    match url.scheme() {
        "smtp" | "smtps" => {}
        other => {
            return Err(invalid(format!(
                "scheme {other:?} is not supported: use smtp:// (STARTTLS when offered) or smtps:// (TLS)"
            )));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(format!("{} names no host", redact_url(raw))));
    }
    Ok(())
}

/// Whether a URL query parameter carries a secret, by its (percent-decoded) name:
/// libpq's `password` and `sslpassword`, and anything named like a credential
/// (`…pass…`, `…pwd…`, `…secret…`, `…token…`, `…credential…`, `…key…`). `sslkey` and
/// `passfile` name files, not secrets. Erring on the side of secrecy only costs a
/// `***` in a message (or a `chmod 600`).
pub fn is_secret_param(name: &str) -> bool {
    let name: String = name
        .chars()
        .filter(|c| !matches!(c, '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect();
    if matches!(name.as_str(), "sslkey" | "passfile") {
        return false;
    }
    ["pass", "pwd", "secret", "token", "credential", "key"]
        .iter()
        .any(|word| name.contains(word))
}

/// Whether a URL holds a secret: a password in its userinfo, or a non-empty
/// secret-named query parameter ([`is_secret_param`]). A string that does not parse
/// is judged by whether [`redact_secrets`] would change it.
pub fn url_holds_secret(raw: &str) -> bool {
    match url::Url::parse(raw) {
        Ok(url) => {
            url.password().is_some()
                || url
                    .query_pairs()
                    .any(|(key, value)| !value.is_empty() && is_secret_param(&key))
        }
        Err(_) => redact_secrets(raw) != raw,
    }
}

/// A URL fit for messages and logs: the userinfo password and the value of every
/// secret-named query parameter become `***`.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            if let Some(query) = url.query().map(redact_query) {
                url.set_query(Some(&query));
            }
            url.to_string()
        }
        // An unparseable string may still hold a secret: say only what it is not.
        Err(_) => "<unparseable URL>".to_owned(),
    }
}

/// Replaces the value of each secret-named parameter of a raw query (`a=1&b=2`),
/// leaving the rest of the text as it was.
fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if !value.is_empty() && is_secret_param(&decode(key)) => {
                format!("{key}=***")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A query key as the URL's reader will see it (`pass%77ord` is `password`).
fn decode(key: &str) -> String {
    url::form_urlencoded::parse(key.as_bytes())
        .next()
        .map(|(key, _)| key.into_owned())
        .unwrap_or_default()
}

/// Scrubs the secrets of every `scheme://…` in free text: the password of its
/// userinfo and the values of its secret-named query parameters (as
/// [`redact_url`] does, but on text that may not be a whole URL).
pub fn redact_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>'))
            .unwrap_or(tail.len());
        let (token, after) = tail.split_at(end);
        // The userinfo ends at the last `@` before the query: a password with an
        // unencoded `/` in it is still caught (and a path with an `@` only loses
        // its text after the first `:` to `***`).
        let query_at = token.find(['?', '#']).unwrap_or(token.len());
        let (before_query, query_and_fragment) = token.split_at(query_at);
        match before_query.rfind('@') {
            Some(at) => {
                let userinfo = &before_query[..at];
                match userinfo.find(':') {
                    Some(colon) if colon + 1 < userinfo.len() => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    _ => out.push_str(userinfo),
                }
                out.push_str(&before_query[at..]);
            }
            None => out.push_str(before_query),
        }
        match query_and_fragment.strip_prefix('?') {
            Some(query_and_fragment) => {
                let (query, fragment) = query_and_fragment.split_at(
                    query_and_fragment
                        .find('#')
                        .unwrap_or(query_and_fragment.len()),
                );
                out.push('?');
                out.push_str(&redact_query(query));
                out.push_str(fragment);
            }
            None => out.push_str(query_and_fragment),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with_url(url: &str) -> ConfigFile {
        ConfigFile {
            database_url: Some(url.into()),
            ..ConfigFile::default()
        }
    }

    #[test]
    fn override_beats_file_and_file_beats_default() {
        let data = PathBuf::from("/data");
        let o = Overrides {
            database_url: Some("postgres://flag/db".into()),
            ..Overrides::default()
        };
        let s =
            Settings::resolve(&o, file_with_url("postgres://file/db"), data.clone(), None).unwrap();
        assert_eq!(s.database_url.as_deref(), Some("postgres://flag/db"));

        let s = Settings::resolve(
            &Overrides::default(),
            file_with_url("postgres://file/db"),
            data.clone(),
            None,
        )
        .unwrap();
        assert_eq!(s.database_url.as_deref(), Some("postgres://file/db"));

        let s =
            Settings::resolve(&Overrides::default(), ConfigFile::default(), data, None).unwrap();
        assert_eq!(s.database_url, None);
        assert_eq!(s.page_size, DEFAULT_PAGE_SIZE);
        assert_eq!(s.export_dir, PathBuf::from("/data/exports"));
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://bob:hunter2@db:5432/x"),
            "postgres://bob:***@db:5432/x"
        );
        assert_eq!(redact_url("postgres://db/x"), "postgres://db/x");
        assert!(!redact_url("not a url hunter2").contains("hunter2"));
        let text = redact_secrets("failed: smtp://mail:s3cret@host:587 refused");
        assert_eq!(text, "failed: smtp://mail:***@host:587 refused");
    }

    #[test]
    fn query_secrets_are_secrets_everywhere() {
        let url = "postgres://u@h/db?password=hunter2&sslmode=bogus";
        assert_eq!(
            redact_url(url),
            "postgres://u@h/db?password=***&sslmode=bogus"
        );
        assert!(url_holds_secret(url));
        let text = redact_secrets(&format!("bad {url}: unknown value"));
        assert_eq!(
            text,
            "bad postgres://u@h/db?password=***&sslmode=bogus: unknown value"
        );

        // Other credential-named parameters, percent-encoded names, both places at once.
        for url in [
            "postgres://h/db?sslpassword=hunter2",
            "smtp://mail?api_key=hunter2&tls=required",
            "postgres://h/db?pass%77ord=hunter2",
            "postgres://u:hunter2@h/db?Secret-Token=hunter2#frag",
        ] {
            assert!(url_holds_secret(url), "{url}");
            assert!(!redact_url(url).contains("hunter2"), "{url}");
            assert!(!redact_secrets(url).contains("hunter2"), "{url}");
        }
        // A password with an unencoded `/` (no longer a URL) is still scrubbed.
        assert!(!redact_secrets("at postgres://u:hun/ter2@h/db").contains("hun"));
        assert!(url_holds_secret("postgres://u:hun/ter2@h/db"));

        // File paths, empty values and ordinary parameters are not secrets.
        for url in [
            "postgres://u@h/db?sslkey=/etc/key.pem&sslmode=require",
            "postgres://u@h/db?password=",
            "postgres://u:@h/db",
            "smtp://mail:587?tls=required",
        ] {
            assert!(!url_holds_secret(url), "{url}");
            assert_eq!(redact_secrets(url), url);
        }
    }

    #[test]
    fn refuses_bad_values() {
        let file = ConfigFile {
            page_size: Some(0),
            ..ConfigFile::default()
        };
        assert!(Settings::resolve(&Overrides::default(), file, "/d".into(), None).is_err());
        let file = ConfigFile {
            smtp_url: Some("http://mail".into()),
            ..ConfigFile::default()
        };
        assert!(Settings::resolve(&Overrides::default(), file, "/d".into(), None).is_err());
    }
}
