//! Configuration: every setting resolves flag > environment > config file > default
//! and remembers which of the four it came from, for `config show` and `-v`.
//!
//! A setting is a field of [`Settings`] and one call in `Settings::resolve`: its key
//! (the config-file key, and the name `config show` prints), its environment
//! variable, its default and its check. The `Resolver` behind that line looks the key
//! up in each layer in turn, parses the value that wins (`SettingValue`), names
//! where a bad value came from (`--concurrency`, `INVOICECTL_PAGE_SIZE`, `page_size
//! in config file PATH`) and records the value, redacted, with its source. A key of
//! the config file that no line asks for is an unknown key: an error, not a silent
//! typo.
//!
//! Flags reach this module as [`Overrides`]: only values typed on the command line.
//! Environment variables are read here, also those clap shows beside a flag, so that
//! a flag and its variable stay apart, and so that `config show`, which has none of
//! the commands' flags, still sees every variable.
//!
//! One concern per file:
//! - [`resolver`]: the layers and their precedence, and where a value came from;
//! - `value`: the types a setting can have and how each is read;
//! - [`file`]: reading the config file, and the permission rule of one that holds a
//!   secret;
//! - `error`: what can be wrong with a setting, and its exit code.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::redact::redact_url;
use crate::storage::{
    Compression, DEFAULT_LINK_TTL, DEFAULT_S3_PART_SIZE, MAX_S3_PART_SIZE, MIN_S3_PART_SIZE,
    StorageSettings, StorageUrl,
};
use error::ConfigError;
use resolver::{Overrides, Resolved, Resolver, Source};
use value::{ByteSize, SettingValue};

pub(crate) mod error;
pub(crate) mod file;
pub mod resolver;
pub(crate) mod value;

/// Default rows per page of the export's keyset walk.
pub(crate) const DEFAULT_PAGE_SIZE: u32 = 5_000;
pub(crate) const DEFAULT_WORKER_CONCURRENCY: u32 = 4;
pub(crate) const DEFAULT_MAIL_FROM: &str = "invoicectl <invoicectl@localhost>";
/// How long finished runs are kept before workers delete them (`run_retention`).
pub(crate) const DEFAULT_RUN_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The platform's defaults for the two paths every other default hangs off.
#[derive(Debug, Clone, Default)]
pub struct PlatformDirs {
    /// `config.toml` in the platform config directory.
    pub config_file: Option<PathBuf>,
    /// The platform data directory (exports/ and outbox/ live in it).
    pub data_dir: Option<PathBuf>,
}

impl PlatformDirs {
    /// This user's directories (XDG on Linux); none without a home directory.
    pub(crate) fn detect() -> PlatformDirs {
        let dirs = directories::ProjectDirs::from("", "", "invoicectl");
        PlatformDirs {
            config_file: dirs.as_ref().map(|d| d.config_dir().join("config.toml")),
            data_dir: dirs.as_ref().map(|d| d.data_dir().to_path_buf()),
        }
    }
}

/// The resolved configuration every command works from.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The explicit database URL, if any level named one; `None` means libpq
    /// conventions (PGHOST, PGPORT, …).
    pub database_url: Option<String>,
    /// The requester (`export start`) or actor (`export cancel`, `suppression`).
    pub user: Option<String>,
    pub export_dir: PathBuf,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub page_size: u32,
    pub worker_concurrency: u32,
    /// Finished runs older than this are deleted by workers (never less than the
    /// export's idempotency TTL, so a deduplicating key never loses its run).
    pub run_retention: Duration,
    pub storage: StorageSettings,
    /// `export worker` serves Prometheus metrics here while it runs (IP:PORT).
    pub metrics_addr: Option<String>,
    /// `export worker` writes its metrics to this file (Prometheus text format, for
    /// node_exporter's textfile collector) when it ends: the cron worker's metrics.
    pub metrics_textfile: Option<PathBuf>,
    /// Where the default export folder and the mail outbox live.
    pub data_dir: PathBuf,
    /// The config file that was read, if one was.
    pub config_path: Option<PathBuf>,
    /// Every setting as resolved, in resolution order.
    pub resolved: Vec<Resolved>,
}

impl Settings {
    /// The settings of this process: `flags` from its command line, its environment,
    /// the platform directories and the config file they lead to.
    pub(crate) fn load(flags: &Overrides) -> Result<Settings, ConfigError> {
        Settings::load_with(
            flags,
            &|name| std::env::var_os(name),
            &PlatformDirs::detect(),
        )
    }

    /// `Settings::load` with the environment (`env` looks a variable up) and the
    /// platform directories given, so that precedence is testable without touching
    /// the process environment.
    pub fn load_with(
        flags: &Overrides,
        env: &dyn Fn(&str) -> Option<OsString>,
        dirs: &PlatformDirs,
    ) -> Result<Settings, ConfigError> {
        let mut r = Resolver::new(flags, env);
        // Resolved before the file is read, so the file cannot set them: one names the
        // file, the other is where the file's defaults point.
        let config = r.get("config", "INVOICECTL_CONFIG", dirs.config_file.clone(), any)?;
        let named = r.last_source() != Source::Default;
        let data_dir = r
            .get(
                "data_dir",
                "INVOICECTL_DATA_DIR",
                dirs.data_dir.clone(),
                any,
            )?
            .ok_or(ConfigError::NoHome {
                what: "data directory",
                hint: "INVOICECTL_DATA_DIR",
            })?;
        let config_path = match config {
            Some(path) if path.exists() => {
                r.read_file(&path)?;
                Some(path)
            }
            Some(path) if named => return Err(ConfigError::Missing { path }),
            _ => None,
        };
        Settings::resolve(r, data_dir, config_path)
    }

    /// The settings a config file may hold, one call each: key, environment variable,
    /// default, check. A new setting is a field of [`Settings`] and a call here. Fields are evaluated in the order written, which is the order
    /// `config show` lists them in.
    fn resolve(
        mut r: Resolver<'_>,
        data_dir: PathBuf,
        config_path: Option<PathBuf>,
    ) -> Result<Settings, ConfigError> {
        let database_url = r.get("database_url", "DATABASE_URL", None, any)?;
        let user = r.get("user", "INVOICECTL_USER", None, any)?;
        let export_dir = r.get(
            "export_dir",
            "INVOICECTL_EXPORT_DIR",
            data_dir.join("exports"),
            any,
        )?;
        let export_dir_source = r.last_source();
        let settings = Settings {
            database_url,
            user,
            export_dir: export_dir.clone(),
            smtp_url: r.get(
                "smtp_url",
                "INVOICECTL_SMTP_URL",
                None,
                when_set(check_smtp_url),
            )?,
            mail_from: r.get(
                "mail_from",
                "INVOICECTL_MAIL_FROM",
                DEFAULT_MAIL_FROM.to_owned(),
                |from: &String| check_mailbox(from),
            )?,
            page_size: r.get(
                "page_size",
                "INVOICECTL_PAGE_SIZE",
                DEFAULT_PAGE_SIZE,
                within(1, 1_000_000),
            )?,
            worker_concurrency: r.get(
                "worker_concurrency",
                "INVOICECTL_WORKER_CONCURRENCY",
                DEFAULT_WORKER_CONCURRENCY,
                within(1, 1024),
            )?,
            run_retention: r.get(
                "run_retention",
                "INVOICECTL_RUN_RETENTION",
                DEFAULT_RUN_RETENTION,
                check_run_retention,
            )?,
            storage: resolve_storage(&mut r, export_dir, export_dir_source)?,
            metrics_addr: r.get(
                "metrics_addr",
                "INVOICECTL_METRICS_ADDR",
                None,
                // Checked by `export worker` (exit 65 for a bad address, whichever
                // level named it; a bad flag value is not a usage error here).
                any,
            )?,
            metrics_textfile: r.get(
                "metrics_textfile",
                "INVOICECTL_METRICS_TEXTFILE",
                None,
                |path: &Option<PathBuf>| path.as_deref().map_or(Ok(()), check_textfile),
            )?,
            data_dir,
            config_path,
            resolved: Vec::new(),
        };
        Ok(Settings {
            resolved: r.finish()?,
            ..settings
        })
    }

    /// Where the file mail transport writes `.eml` files when no SMTP server is set.
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// The resolved setting `key`, if there is one.
    pub(crate) fn setting(&self, key: &str) -> Option<&Resolved> {
        self.resolved.iter().find(|r| r.key == key)
    }

    /// Logs at debug level (`-v`) which config file was read and where each setting
    /// came from — the first thing to know when a setting does not take.
    pub(crate) fn log_sources(&self) {
        match (
            &self.config_path,
            self.setting("config").and_then(|c| c.value.as_str()),
        ) {
            (Some(path), _) => tracing::debug!("config file {} read", path.display()),
            (None, Some(path)) => tracing::debug!("no config file: {path} does not exist"),
            (None, None) => tracing::debug!("no config file: no platform config directory"),
        }
        for setting in &self.resolved {
            tracing::debug!(
                "{} = {} ({})",
                setting.key,
                setting.value_text(),
                setting.source_text()
            );
        }
    }
}

/// The storage settings (docs/reference.md, "Settings"). `storage` and `export_dir` (its local
/// shorthand, resolved just before) name the same thing: the one named at the higher
/// level wins, and both at the same level is a usage error. The S3 keys read the AWS
/// variables as their environment layer, so AWS_ENDPOINT_URL beats `s3_endpoint` as
/// every variable beats the file.
fn resolve_storage(
    r: &mut Resolver<'_>,
    export_dir: PathBuf,
    export_dir_source: Source,
) -> Result<StorageSettings, ConfigError> {
    let storage: Option<StorageUrl> = r.get("storage", "INVOICECTL_STORAGE", None, any)?;
    let storage_source = r.last_source();
    let location = match storage {
        Some(_) if storage_source == export_dir_source => {
            let level = match storage_source {
                Source::Flag => "--storage and --export-dir are both given",
                Source::Env => "INVOICECTL_STORAGE and INVOICECTL_EXPORT_DIR are both set",
                _ => "the config file names both `storage` and `export_dir`",
            };
            return Err(ConfigError::Conflict(format!(
                "{level}: keep one (an export dir DIR is short for storage file:///DIR)"
            )));
        }
        Some(url) if storage_source < export_dir_source || export_dir_source == Source::Default => {
            url
        }
        _ => StorageUrl::Local(export_dir),
    };
    let link_ttl = r.get(
        "link_ttl",
        "INVOICECTL_LINK_TTL",
        DEFAULT_LINK_TTL,
        |d: &Duration| {
            if d.is_zero() || *d > DEFAULT_LINK_TTL {
                Err("a link lives from 1s to 7d (SigV4's maximum)".to_owned())
            } else {
                Ok(())
            }
        },
    )?;
    let ByteSize(part_size) = r.get(
        "s3_part_size",
        "INVOICECTL_S3_PART_SIZE",
        ByteSize(DEFAULT_S3_PART_SIZE),
        |ByteSize(n): &ByteSize| {
            if (MIN_S3_PART_SIZE..=MAX_S3_PART_SIZE).contains(n) {
                Ok(())
            } else {
                Err(format!(
                    "{n} bytes is not a part size S3 takes: use 5MiB to 5GiB"
                ))
            }
        },
    )?;
    let compression = r.get(
        "compression",
        "INVOICECTL_COMPRESSION",
        Compression::None,
        any,
    )?;
    let s3_endpoint: Option<String> = r.get(
        "s3_endpoint",
        "AWS_ENDPOINT_URL",
        None,
        when_set(check_http_url),
    )?;
    let s3_endpoint_from_file = r.last_source() == Source::File;
    Ok(StorageSettings {
        location,
        link_ttl,
        part_size,
        compression,
        s3_endpoint,
        s3_endpoint_from_file,
        s3_region: r.get("s3_region", "AWS_REGION", None, any)?,
        s3_access_key_id: r.get("s3_access_key_id", "AWS_ACCESS_KEY_ID", None, any)?,
        s3_secret_access_key: r.get("s3_secret_access_key", "AWS_SECRET_ACCESS_KEY", None, any)?,
    })
}

fn check_http_url(raw: &str) -> Result<(), String> {
    let ok = url::Url::parse(raw)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} is not an http(s):// URL such as http://127.0.0.1:9000",
            redact_url(raw)
        ))
    }
}

/// The check of a setting that any value of its type passes.
fn any<T>(_: &T) -> Result<(), String> {
    Ok(())
}

/// A whole number from `min` to `max`.
fn within(min: u32, max: u32) -> impl Fn(&u32) -> Result<(), String> {
    move |&n| {
        if (min..=max).contains(&n) {
            Ok(())
        } else {
            Err(format!("{n} is out of range: use {min} to {max}"))
        }
    }
}

/// `check` of an optional setting's value, when it has one.
fn when_set(
    check: fn(&str) -> Result<(), String>,
) -> impl Fn(&Option<String>) -> Result<(), String> {
    move |value| value.as_deref().map_or(Ok(()), check)
}

fn check_mailbox(from: &str) -> Result<(), String> {
    from.parse::<lettre::message::Mailbox>()
        .map(drop)
        .map_err(|_| format!("{from:?} is not a mailbox like `Name <addr@example.com>`"))
}

fn check_smtp_url(raw: &str) -> Result<(), String> {
    let url =
        url::Url::parse(raw).map_err(|e| format!("{} is not a URL ({e})", redact_url(raw)))?;
    match url.scheme() {
        "smtp" | "smtps" => {}
        other => {
            return Err(format!(
                "scheme {other:?} is not supported: use smtp:// (STARTTLS when offered) or smtps:// (TLS)"
            ));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{} names no host", redact_url(raw)));
    }
    Ok(())
}

/// The shortest `run_retention`: a day. `export start` keeps a completed export's
/// idempotency key that long (`exports::request` checks at compile time that its TTL
/// is no longer), and deleting the run earlier would let a repeated `export start`
/// create a second export.
pub(crate) const MIN_RUN_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// node_exporter's textfile collector reads only `*.prom` files.
fn check_textfile(path: &Path) -> Result<(), String> {
    if path.extension().is_some_and(|e| e == "prom") {
        Ok(())
    } else {
        Err(format!(
            "{} does not end in .prom, the only files node_exporter's textfile collector reads",
            path.display()
        ))
    }
}

fn check_run_retention(retention: &Duration) -> Result<(), String> {
    let floor = MIN_RUN_RETENTION;
    if *retention < floor {
        let hours = floor.as_secs() / 3600;
        return Err(format!(
            "{} is shorter than the {hours} h idempotency TTL: a repeated export start \
             must still find its run; use at least {hours}h",
            retention.show().as_str().unwrap_or_default()
        ));
    }
    // Beyond a century the cutoff `now() - retention` leaves PostgreSQL's timestamp
    // range: a typo, not a policy.
    if retention.as_secs() > 100 * 365 * 86_400 {
        return Err(format!(
            "{} is longer than 100 years: use e.g. 30d",
            retention.show().as_str().unwrap_or_default()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::fs;

    use serde_json::Value as Json;

    use super::*;
    use crate::error::{Classify, ExitKind};

    /// Resolves with `vars` as the whole environment, `toml` as the config file (none
    /// when `None`) and `/data` as the platform data directory.
    fn resolve(
        flags: &Overrides,
        vars: &[(&str, &str)],
        toml: Option<&str>,
    ) -> Result<Settings, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let config_file = dir.path().join("config.toml");
        if let Some(text) = toml {
            fs::write(&config_file, text).unwrap();
        }
        let vars: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        let dirs = PlatformDirs {
            config_file: Some(config_file),
            data_dir: Some("/data".into()),
        };
        Settings::load_with(flags, &|name| vars.get(name).cloned(), &dirs)
    }

    fn source(settings: &Settings, key: &str) -> (Source, Option<String>) {
        let setting = settings.setting(key).expect(key);
        (setting.source, setting.origin.clone())
    }

    #[test]
    fn storage_and_its_export_dir_shorthand_resolve_by_level() {
        let none = Overrides::default();
        // Default: the export dir, as a file:// storage.
        let s = resolve(&none, &[], None).unwrap();
        assert_eq!(
            s.storage.location,
            StorageUrl::Local("/data/exports".into())
        );
        // The higher level wins, whichever of the two it names.
        let s = resolve(
            &none,
            &[("INVOICECTL_STORAGE", "s3://bucket-a/p")],
            Some("export_dir = \"/srv/x\"\n"),
        )
        .unwrap();
        assert_eq!(
            s.storage.location,
            StorageUrl::parse("s3://bucket-a/p").unwrap()
        );
        let flags = Overrides::default().with("export_dir", "--export-dir", "/tmp/e");
        let s = resolve(&flags, &[("INVOICECTL_STORAGE", "s3://bucket-a/p")], None).unwrap();
        assert_eq!(s.storage.location, StorageUrl::Local("/tmp/e".into()));
        // Both at one level: a usage error.
        let e = resolve(
            &none,
            &[],
            Some("export_dir = \"/srv/x\"\nstorage = \"s3://bucket-a\"\n"),
        )
        .unwrap_err();
        assert!(matches!(e, ConfigError::Conflict(_)), "{e}");
        assert_eq!(e.exit_kind(), ExitKind::Usage);
        let flags = Overrides::default()
            .with("export_dir", "--export-dir", "/tmp/e")
            .with("storage", "--storage", "s3://bucket-a");
        assert!(matches!(
            resolve(&flags, &[], None),
            Err(ConfigError::Conflict(_))
        ));
    }

    #[test]
    fn s3_settings_read_the_aws_variables_over_the_file_and_never_show_the_secret() {
        // (A secret in the file would need the file private: see the chmod tests.)
        let toml = "s3_endpoint = \"http://minio:9000\"\ns3_region = \"eu-west-1\"\n\
                    link_ttl = \"3d\"\ns3_part_size = \"16 MiB\"\ncompression = \"gzip\"\n";
        let vars = [
            ("AWS_REGION", "us-west-2"),
            ("AWS_SECRET_ACCESS_KEY", "from-env"),
        ];
        let s = resolve(&Overrides::default(), &vars, Some(toml)).unwrap();
        let st = &s.storage;
        assert_eq!(st.s3_region.as_deref(), Some("us-west-2"));
        assert_eq!(
            st.s3_secret_access_key.as_ref().unwrap().expose(),
            "from-env"
        );
        assert_eq!(st.s3_endpoint.as_deref(), Some("http://minio:9000"));
        assert!(st.s3_endpoint_from_file);
        assert_eq!(st.link_ttl, Duration::from_secs(3 * 86_400));
        assert_eq!(st.part_size, 16 << 20);
        assert_eq!(st.compression, Compression::Gzip);
        assert_eq!(
            source(&s, "s3_region"),
            (Source::Env, Some("AWS_REGION".into()))
        );
        let shown = s.setting("s3_secret_access_key").unwrap();
        assert_eq!(shown.value, Json::String("***".into()));
        assert!(!format!("{s:?}").contains("from-env"));
        for bad in [
            "link_ttl = \"8d\"\n",
            "s3_part_size = \"4MiB\"\n",
            "compression = \"zip\"\n",
            "storage = \"gs://b\"\n",
            "s3_endpoint = \"minio:9000\"\n",
        ] {
            let e = resolve(&Overrides::default(), &[], Some(bad)).unwrap_err();
            assert_eq!(e.exit_kind(), ExitKind::Invalid, "{bad}: {e}");
        }
    }

    #[test]
    fn the_documented_settings_are_the_resolved_ones() {
        let s = resolve(&Overrides::default(), &[], None).unwrap();
        let resolved: Vec<(&str, &str)> = s.resolved.iter().map(|r| (r.key, r.var)).collect();
        let documented: Vec<(&str, &str)> = crate::settings_doc::SETTINGS
            .iter()
            .map(|d| (d.key, d.var))
            .collect();
        assert_eq!(
            resolved, documented,
            "src/settings_doc.rs must list every setting, in resolution order"
        );
    }

    #[test]
    fn config_show_values_read_as_the_docs_write_them() {
        let s = resolve(
            &Overrides::default(),
            &[
                ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "hunter2"),
            ],
            None,
        )
        .unwrap();
        // An access key id is an id, not a secret; the secret key never shows.
        assert_eq!(
            s.setting("s3_access_key_id").unwrap().value_text(),
            "AKIAEXAMPLE"
        );
        assert_eq!(
            s.setting("s3_secret_access_key").unwrap().value_text(),
            "***"
        );
        // The documented default is 7d, and that is what is shown (not `1w`).
        assert_eq!(s.setting("link_ttl").unwrap().value_text(), "7d");
        assert_eq!(s.setting("run_retention").unwrap().value_text(), "30d");
    }

    #[test]
    fn each_level_beats_the_next_and_says_so() {
        let flags = Overrides::default().with("worker_concurrency", "--concurrency", "8");
        let vars = [
            ("INVOICECTL_WORKER_CONCURRENCY", "6"),
            ("INVOICECTL_PAGE_SIZE", "250"),
        ];
        let toml = "worker_concurrency = 2\npage_size = 100\nmail_from = \"A <a@example.com>\"\n";
        let s = resolve(&flags, &vars, Some(toml)).unwrap();
        assert_eq!(s.worker_concurrency, 8);
        assert_eq!(
            source(&s, "worker_concurrency"),
            (Source::Flag, Some("--concurrency".into()))
        );
        assert_eq!(s.page_size, 250);
        assert_eq!(
            source(&s, "page_size"),
            (Source::Env, Some("INVOICECTL_PAGE_SIZE".into()))
        );
        assert_eq!(s.mail_from, "A <a@example.com>");
        let file = s.config_path.as_ref().unwrap().display().to_string();
        assert_eq!(source(&s, "mail_from"), (Source::File, Some(file)));
        assert_eq!(s.export_dir, PathBuf::from("/data/exports"));
        assert_eq!(source(&s, "export_dir"), (Source::Default, None));
        assert_eq!(source(&s, "data_dir"), (Source::Default, None));
        assert_eq!(source(&s, "config").0, Source::Default);

        // Every setting is listed once, in resolution order.
        let keys: Vec<_> = s.resolved.iter().map(|r| r.key).collect();
        assert_eq!(
            keys,
            [
                "config",
                "data_dir",
                "database_url",
                "user",
                "export_dir",
                "smtp_url",
                "mail_from",
                "page_size",
                "worker_concurrency",
                "run_retention",
                "storage",
                "link_ttl",
                "s3_part_size",
                "compression",
                "s3_endpoint",
                "s3_region",
                "s3_access_key_id",
                "s3_secret_access_key",
                "metrics_addr",
                "metrics_textfile"
            ]
        );
    }

    #[test]
    fn every_setting_has_a_variable_that_beats_the_file() {
        let cases = [
            ("INVOICECTL_EXPORT_DIR", "export_dir", "\"/file\"", "/env"),
            (
                "INVOICECTL_SMTP_URL",
                "smtp_url",
                "\"smtp://file\"",
                "smtp://env:587",
            ),
            (
                "INVOICECTL_MAIL_FROM",
                "mail_from",
                "\"F <f@example.com>\"",
                "E <e@example.com>",
            ),
            ("INVOICECTL_PAGE_SIZE", "page_size", "7", "9"),
            (
                "INVOICECTL_WORKER_CONCURRENCY",
                "worker_concurrency",
                "7",
                "9",
            ),
            ("INVOICECTL_USER", "user", "\"user_file\"", "user_env"),
            ("INVOICECTL_RUN_RETENTION", "run_retention", "\"7d\"", "9d"),
            (
                "DATABASE_URL",
                "database_url",
                "\"postgres://file/x\"",
                "postgres://env/x",
            ),
        ];
        for (var, key, in_file, in_env) in cases {
            let toml = format!("{key} = {in_file}\n");
            let s = resolve(&Overrides::default(), &[(var, in_env)], Some(&toml)).unwrap();
            let setting = s.setting(key).unwrap();
            assert_eq!(setting.value_text(), in_env, "{var}");
            assert_eq!(setting.source, Source::Env, "{var}");
            let s = resolve(&Overrides::default(), &[], Some(&toml)).unwrap();
            assert_eq!(s.setting(key).unwrap().source, Source::File, "{key}");
        }
    }

    #[test]
    fn a_bad_value_names_where_it_came_from() {
        let err = |flags: &Overrides, vars: &[(&str, &str)], toml: Option<&str>| {
            resolve(flags, vars, toml).unwrap_err()
        };
        let e = err(
            &Overrides::default(),
            &[("INVOICECTL_PAGE_SIZE", "lots")],
            None,
        );
        assert_eq!(
            e.to_string(),
            "invalid INVOICECTL_PAGE_SIZE: \"lots\" is not a whole number"
        );
        assert_eq!(e.exit_kind(), ExitKind::Invalid);
        let e = err(
            &Overrides::default(),
            &[("INVOICECTL_WORKER_CONCURRENCY", "0")],
            None,
        );
        assert_eq!(
            e.to_string(),
            "invalid INVOICECTL_WORKER_CONCURRENCY: 0 is out of range: use 1 to 1024"
        );
        let e = err(&Overrides::default(), &[], Some("page_size = 0\n"));
        assert!(
            e.to_string()
                .starts_with("invalid page_size in config file /"),
            "{e}"
        );
        assert!(
            e.to_string()
                .ends_with("0 is out of range: use 1 to 1000000")
        );
        let e = err(&Overrides::default(), &[], Some("page_size = \"9\"\n"));
        assert!(
            e.to_string()
                .contains("expected a whole number, found string"),
            "{e}"
        );
        // A flag's bad value is a usage error, like clap's own.
        let flags = Overrides::default().with("worker_concurrency", "--concurrency", "2000");
        let e = err(&flags, &[], None);
        assert_eq!(
            e.to_string(),
            "invalid --concurrency: 2000 is out of range: use 1 to 1024"
        );
        assert_eq!(e.exit_kind(), ExitKind::Usage);
        let e = err(
            &Overrides::default(),
            &[("INVOICECTL_MAIL_FROM", "nobody")],
            None,
        );
        assert!(
            e.to_string().starts_with("invalid INVOICECTL_MAIL_FROM: "),
            "{e}"
        );
        let e = err(
            &Overrides::default(),
            &[("INVOICECTL_EXPORT_DIR", "")],
            None,
        );
        assert_eq!(
            e.to_string(),
            "INVOICECTL_EXPORT_DIR is set but empty: unset it to use the default, or give it a value"
        );
        let e = err(&Overrides::default(), &[], Some("export_dir = \"\"\n"));
        assert!(e.to_string().contains("it is empty: remove the key"), "{e}");
    }

    #[test]
    fn unknown_keys_and_keys_a_file_cannot_hold_are_refused() {
        for toml in [
            "page_sise = 5\n",
            "data_dir = \"/x\"\n",
            "config = \"/x\"\n",
        ] {
            let e = resolve(&Overrides::default(), &[], Some(toml)).unwrap_err();
            assert!(matches!(e, ConfigError::UnknownKey { .. }), "{toml}: {e}");
            assert!(
                e.to_string().contains("the keys are database_url, user"),
                "{e}"
            );
        }
    }

    #[test]
    fn secrets_never_reach_the_listing_or_an_error() {
        let smtp = "smtp://mail:hunter2@mail.example.com:587?token=hunter2";
        let s = resolve(
            &Overrides::default(),
            &[("INVOICECTL_SMTP_URL", smtp)],
            None,
        )
        .unwrap();
        assert_eq!(
            s.smtp_url.as_deref(),
            Some(smtp),
            "the value itself is intact"
        );
        let shown = s.setting("smtp_url").unwrap().value_text();
        assert_eq!(shown, "smtp://mail:***@mail.example.com:587?token=***");
        for bad in [
            "http://mail:hunter2@mail.example.com",
            "smtp://mail:hunter2@",
            "smtp://mail:hunter2@[::1",
        ] {
            let e =
                resolve(&Overrides::default(), &[("INVOICECTL_SMTP_URL", bad)], None).unwrap_err();
            assert!(!e.to_string().contains("hunter2"), "{e}");
            assert!(
                e.to_string().starts_with("invalid INVOICECTL_SMTP_URL: "),
                "{e}"
            );
        }
    }

    #[test]
    fn run_retention_defaults_parses_and_never_undercuts_the_key_ttl() {
        let retention = |vars: &[(&str, &str)], toml: Option<&str>| {
            resolve(&Overrides::default(), vars, toml).map(|s| s.run_retention)
        };
        let env = |value| [("INVOICECTL_RUN_RETENTION", value)];
        let days = |n: u64| Duration::from_secs(n * 24 * 60 * 60);
        let s = resolve(&Overrides::default(), &[], None).unwrap();
        assert_eq!(s.run_retention, days(30));
        assert_eq!(s.setting("run_retention").unwrap().value_text(), "30d");
        assert_eq!(source(&s, "run_retention"), (Source::Default, None));
        let toml = Some("run_retention = \"90d\"\n");
        assert_eq!(retention(&[], toml).unwrap(), days(90));
        let s = resolve(&Overrides::default(), &env("48h"), toml).unwrap();
        assert_eq!(s.run_retention, days(2));
        assert_eq!(s.setting("run_retention").unwrap().value_text(), "2d");
        assert_eq!(
            source(&s, "run_retention"),
            (Source::Env, Some("INVOICECTL_RUN_RETENTION".into()))
        );
        assert_eq!(
            retention(&[], Some("run_retention = \"1440m\"\n")).unwrap(),
            days(1)
        );
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
            let e = retention(&env(bad), None).unwrap_err();
            assert!(
                e.to_string()
                    .starts_with("invalid INVOICECTL_RUN_RETENTION: "),
                "{bad}: {e}"
            );
            assert_eq!(e.exit_kind(), ExitKind::Invalid, "{bad}");
        }
        let e = retention(&[], Some("run_retention = \"12h\"\n")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid run_retention in config file /"),
            "{e}"
        );
        assert!(e.to_string().contains("use at least 24h"), "{e}");
        assert_eq!(e.exit_kind(), ExitKind::Invalid);
    }
}
