//! Configuration: flag > environment > config file > default (SPEC §1).
//!
//! clap already merges each flag with its environment variable; this module layers
//! the config file and the defaults underneath, validates the values, and refuses a
//! config file that holds a password while others can read it (like ssh does with a
//! private key).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Classify, ExitKind};

/// Default rows per page of the export's keyset walk (SPEC §7).
pub const DEFAULT_PAGE_SIZE: u32 = 5_000;
pub const DEFAULT_WORKER_CONCURRENCY: u32 = 4;
pub const DEFAULT_MAIL_FROM: &str = "invoicectl <invoicectl@localhost>";
/// How long finished runs are kept before workers delete them (`run_retention`).
pub const DEFAULT_RUN_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

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
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "config file {path} holds a password but is readable by others (mode {mode:o}): run `chmod 600 {path}`"
    )]
    InsecurePermissions { path: PathBuf, mode: u32 },
    #[error("invalid {key}: {message}")]
    InvalidValue { key: &'static str, message: String },
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
    pub run_retention: Option<String>,
}

/// What the command line (flags merged with their environment variables) says.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    /// `INVOICECTL_RUN_RETENTION` (an environment variable without a flag), unparsed:
    /// [`Settings::resolve`] validates it like the config key, so both fail alike.
    pub run_retention: Option<String>,
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
    /// Finished runs older than this are deleted by workers (never less than the
    /// export's idempotency TTL, so a deduplicating key never loses its run).
    pub run_retention: Duration,
    /// Where the default export folder and the mail outbox live.
    pub data_dir: PathBuf,
    /// The config file that was read, if one was.
    pub config_path: Option<PathBuf>,
}

impl Settings {
    pub fn load(overrides: &Overrides) -> Result<Settings, ConfigError> {
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
        let mail_from = file
            .mail_from
            .unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::InvalidValue {
                key: "mail_from",
                message: format!("{mail_from:?} is not a mailbox like `Name <addr@example.com>`"),
            });
        }
        let run_retention = match overrides
            .run_retention
            .as_ref()
            .or(file.run_retention.as_ref())
        {
            Some(raw) => parse_run_retention(raw)?,
            None => DEFAULT_RUN_RETENTION,
        };
        Ok(Settings {
            database_url: overrides.database_url.clone().or(file.database_url),
            user: file.user,
            export_dir: file.export_dir.unwrap_or_else(|| data_dir.join("exports")),
            smtp_url: file.smtp_url,
            mail_from,
            page_size,
            worker_concurrency,
            run_retention,
            data_dir,
            config_path,
        })
    }

    /// Where the file mail transport writes `.eml` files when no SMTP server is set.
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

/// `run_retention`: a whole number with a unit (`s`, `m`, `h`, `d`), e.g. `30d`. It
/// may not be shorter than the idempotency TTL: a completed export keeps its key for
/// that long, and deleting the run earlier would let a repeated `export start` create
/// a second export.
fn parse_run_retention(raw: &str) -> Result<Duration, ConfigError> {
    let invalid = |message: String| ConfigError::InvalidValue {
        key: "run_retention",
        message,
    };
    let text = raw.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit_secs = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 60 * 60,
        "d" => 24 * 60 * 60,
        _ => {
            return Err(invalid(format!(
                "{raw:?} is not a duration: use a whole number and a unit s, m, h or d, e.g. 30d"
            )));
        }
    };
    let secs = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit_secs))
        .filter(|&s| s <= 100 * 365 * 24 * 60 * 60)
        .ok_or_else(|| {
            invalid(format!(
                "{raw:?} is not a duration between 0 and 100 years, e.g. 30d"
            ))
        })?;
    let retention = Duration::from_secs(secs);
    let floor = crate::exports::request::IDEMPOTENCY_TTL;
    if retention < floor {
        return Err(invalid(format!(
            "{raw:?} is shorter than the {} h idempotency TTL: a repeated export start \
             must still find its run; use at least {}h",
            floor.as_secs() / 3600,
            floor.as_secs() / 3600
        )));
    }
    Ok(retention)
}

fn read_config_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let file: ConfigFile = toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        // toml's message quotes the offending line, which may hold a secret: keep
        // only its first line (the what and where).
        message: redact_secrets(e.message()),
    })?;
    let holds_password = [&file.database_url, &file.smtp_url]
        .into_iter()
        .flatten()
        .any(|u| url_has_password(u));
    if holds_password {
        check_private(path)?;
    }
    Ok(file)
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(|source| ConfigError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(ConfigError::InsecurePermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), ConfigError> {
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

fn url_has_password(raw: &str) -> bool {
    url::Url::parse(raw).is_ok_and(|u| u.password().is_some())
}

/// A URL fit for messages and logs: the password, if any, becomes `***`.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        // An unparseable string may still hold a secret: say only what it is not.
        Err(_) => "<unparseable URL>".to_owned(),
    }
}

/// Scrubs anything that looks like `scheme://user:password@` from free text.
pub fn redact_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '/')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
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

    #[test]
    fn run_retention_defaults_parses_and_never_undercuts_the_key_ttl() {
        let resolve = |env: Option<&str>, file: Option<&str>| {
            let overrides = Overrides {
                run_retention: env.map(str::to_owned),
                ..Overrides::default()
            };
            let file = ConfigFile {
                run_retention: file.map(str::to_owned),
                ..ConfigFile::default()
            };
            Settings::resolve(&overrides, file, "/d".into(), None).map(|s| s.run_retention)
        };
        let days = |n: u64| Duration::from_secs(n * 24 * 60 * 60);
        assert_eq!(resolve(None, None).unwrap(), days(30));
        assert_eq!(resolve(None, Some("90d")).unwrap(), days(90));
        assert_eq!(resolve(Some("48h"), Some("90d")).unwrap(), days(2));
        assert_eq!(resolve(None, Some("1440m")).unwrap(), days(1));
        for bad in [
            "23h",
            "3600s",
            "0d",
            "30",
            "30 days",
            "-1d",
            "1.5d",
            "999999999999d",
        ] {
            let err = resolve(Some(bad), None).unwrap_err();
            assert!(
                matches!(
                    err,
                    ConfigError::InvalidValue {
                        key: "run_retention",
                        ..
                    }
                ),
                "{bad}: {err}"
            );
            assert_eq!(err.exit_kind(), ExitKind::Invalid);
        }
    }
}
