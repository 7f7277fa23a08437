//! The layers a setting resolves through, flag > environment > config file > default,
//! and the record of which one a value came from ([`Resolved`]), redacted.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value as Json;

use super::error::ConfigError;
use super::file::read_config_file;
use super::value::SettingValue;
use crate::redact::{is_secret_param, redact_secrets, redact_url};

/// Where a setting's value came from, highest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Flag,
    Env,
    File,
    Default,
}

impl Source {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Source::Flag => "flag",
            Source::Env => "env",
            Source::File => "file",
            Source::Default => "default",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One setting as resolved: what `config show` prints and `-v` logs.
#[derive(Debug, Clone, Serialize)]
pub struct Resolved {
    /// The config-file key (`config` and `data_dir` name the two settings a config
    /// file cannot hold).
    #[serde(skip)]
    pub key: &'static str,
    /// Its environment variable (the list the man pages print is checked against it).
    #[serde(skip)]
    pub var: &'static str,
    /// The value with its secrets as `***`; null when unset.
    pub value: Json,
    pub source: Source,
    /// The flag (`--concurrency`), variable (`INVOICECTL_PAGE_SIZE`) or config file
    /// (its path) the value came from; null for a default.
    pub origin: Option<String>,
}

impl Resolved {
    /// The value as text: strings bare, numbers as digits, unset as `-`.
    pub(crate) fn value_text(&self) -> String {
        match &self.value {
            Json::Null => "-".to_owned(),
            Json::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// `flag --concurrency`, `env INVOICECTL_PAGE_SIZE`, `file` or `default`.
    pub(crate) fn source_text(&self) -> String {
        match (self.source, &self.origin) {
            (Source::Flag | Source::Env, Some(origin)) => format!("{} {origin}", self.source),
            (source, _) => source.to_string(),
        }
    }
}

/// The settings given as flags on the command line, by setting key. Only values typed
/// there: a flag's environment variable is read by this module like any other.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// key → (the flag as written, its value)
    flags: BTreeMap<String, (String, OsString)>,
}

impl Overrides {
    /// [`Overrides::set`], by value.
    #[cfg(test)]
    pub(crate) fn with(
        mut self,
        key: impl Into<String>,
        flag: impl Into<String>,
        value: impl Into<OsString>,
    ) -> Overrides {
        self.set(key, flag, value);
        self
    }

    /// Records that `flag` (as written: `--concurrency`) set `key` to `value`.
    pub(crate) fn set(
        &mut self,
        key: impl Into<String>,
        flag: impl Into<String>,
        value: impl Into<OsString>,
    ) {
        self.flags.insert(key.into(), (flag.into(), value.into()));
    }
}

/// Resolves settings one at a time, layer over layer; see the module docs.
pub(super) struct Resolver<'a> {
    flags: &'a Overrides,
    env: &'a dyn Fn(&str) -> Option<OsString>,
    /// The config file read, if any, and what is left of it: each setting takes its
    /// key out, so what remains at the end are unknown keys.
    file: Option<(PathBuf, toml::Table)>,
    /// The keys asked of the file, for the unknown-key message.
    file_keys: Vec<&'static str>,
    resolved: Vec<Resolved>,
}

impl<'a> Resolver<'a> {
    pub(super) fn new(
        flags: &'a Overrides,
        env: &'a dyn Fn(&str) -> Option<OsString>,
    ) -> Resolver<'a> {
        Resolver {
            flags,
            env,
            file: None,
            file_keys: Vec::new(),
            resolved: Vec::new(),
        }
    }

    pub(super) fn read_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        self.file = Some((path.to_path_buf(), read_config_file(path)?));
        Ok(())
    }

    /// Setting `key`: the flag set for it, else variable `var`, else the config file's
    /// `key`, else `default`. The winning value must parse and pass `check`.
    pub(super) fn get<T: SettingValue>(
        &mut self,
        key: &'static str,
        var: &'static str,
        default: T,
        check: impl Fn(&T) -> Result<(), String>,
    ) -> Result<T, ConfigError> {
        // Taken out even when a flag or variable wins, so it does not count as unknown.
        let in_file = self.file.as_mut().and_then(|(path, table)| {
            table
                .remove(key)
                .map(|value| (path.display().to_string(), value))
        });
        if self.file.is_some() {
            self.file_keys.push(key);
        }
        let (parsed, source, origin) = if let Some((flag, text)) = self.flags.flags.get(key) {
            (parse_text(text), Source::Flag, flag.clone())
        } else if let Some(text) = (self.env)(var) {
            // Almost always a botched `export`; named, rather than read as a value.
            if text.is_empty() {
                return Err(ConfigError::EmptyVariable { var });
            }
            (T::from_text(&text), Source::Env, var.to_owned())
        } else if let Some((path, value)) = in_file {
            (parse_toml(value), Source::File, path)
        } else {
            self.record((key, var), default.show(), Source::Default, None);
            return Ok(default);
        };
        match parsed.and_then(|value| check(&value).map(|()| value)) {
            Ok(value) => {
                self.record((key, var), value.show(), source, Some(origin));
                Ok(value)
            }
            Err(message) => Err(ConfigError::Invalid {
                setting: match source {
                    Source::File => format!("{key} in config file {origin}"),
                    _ => origin,
                },
                message: redact_secrets(&message),
                from_flag: source == Source::Flag,
            }),
        }
    }

    fn record(
        &mut self,
        (key, var): (&'static str, &'static str),
        value: Json,
        source: Source,
        origin: Option<String>,
    ) {
        self.resolved.push(Resolved {
            key,
            var,
            value: redact(key, value),
            source,
            origin,
        });
    }

    pub(super) fn last_source(&self) -> Source {
        self.resolved.last().map_or(Source::Default, |r| r.source)
    }

    /// Every setting as resolved, once no key of the config file is left unknown.
    pub(super) fn finish(self) -> Result<Vec<Resolved>, ConfigError> {
        if let Some((path, table)) = self.file
            && let Some(key) = table.keys().next()
        {
            return Err(ConfigError::UnknownKey {
                path,
                key: key.clone(),
                known: self.file_keys.join(", "),
            });
        }
        Ok(self.resolved)
    }
}

fn parse_text<T: SettingValue>(text: &OsStr) -> Result<T, String> {
    if text.is_empty() {
        return Err("it is empty".to_owned());
    }
    T::from_text(text)
}

fn parse_toml<T: SettingValue>(value: toml::Value) -> Result<T, String> {
    if value.as_str() == Some("") {
        return Err("it is empty: remove the key to use the default".to_owned());
    }
    T::from_toml(value)
}

/// A value fit to print: a setting named like a credential (`s3_secret_access_key`)
/// is `***` whole, and a URL has its secrets `***`'d as in every message.
fn redact(key: &str, value: Json) -> Json {
    match value {
        // An access key id names the key, like a user name: shown, so an operator can
        // tell which credentials a worker uses (the secret access key never is).
        Json::String(s) if !s.is_empty() && is_secret_param(key) && key != "s3_access_key_id" => {
            Json::String("***".to_owned())
        }
        Json::String(s) if s.contains("://") => Json::String(redact_url(&s)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_named_like_a_credential_is_hidden_whole() {
        assert_eq!(
            redact("s3_secret_access_key", Json::from("hunter2")),
            Json::from("***")
        );
    }
}
