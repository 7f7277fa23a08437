//! The types a setting can have ([`SettingValue`]): how each is read from a flag's or
//! variable's text or from the config file's TOML value, and how `config show` prints
//! it.

use std::ffi::OsStr;
use std::num::IntErrorKind;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value as Json;

use crate::redact::Secret;
use crate::storage::{Compression, DEFAULT_LINK_TTL, StorageUrl};

/// A size in bytes, written as a number or as `8MiB`, `16 MiB`, `512KiB`, `1GiB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ByteSize(pub u64);

/// A link lifetime: a duration from 1 s to 7 days (a SigV4 presigned URL cannot live
/// longer). Shared by `link_ttl`, the worker's `--link-ttl` and `export url --expires`.
pub(crate) fn parse_link_ttl(raw: &str) -> Result<Duration, String> {
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

/// A type a setting can have: read from a flag's or variable's text, or from the
/// config file's TOML value, and shown (before redaction) by `config show`.
pub(crate) trait SettingValue: Sized {
    /// From a flag or an environment variable (never empty: that is refused first).
    fn from_text(text: &OsStr) -> Result<Self, String>;

    /// From the config file, where most settings are strings.
    fn from_toml(value: toml::Value) -> Result<Self, String> {
        match value {
            toml::Value::String(s) => Self::from_text(OsStr::new(&s)),
            other => Err(format!("expected a string, found {}", other.type_str())),
        }
    }

    fn show(&self) -> Json;
}

impl SettingValue for String {
    fn from_text(text: &OsStr) -> Result<Self, String> {
        text.to_str()
            .map(str::to_owned)
            .ok_or_else(|| "it is not valid UTF-8".to_owned())
    }

    fn show(&self) -> Json {
        Json::String(self.clone())
    }
}

impl SettingValue for PathBuf {
    fn from_text(text: &OsStr) -> Result<Self, String> {
        Ok(PathBuf::from(text))
    }

    fn show(&self) -> Json {
        Json::String(self.display().to_string())
    }
}

impl SettingValue for u32 {
    fn from_text(text: &OsStr) -> Result<Self, String> {
        let text = text.to_string_lossy();
        text.parse()
            .map_err(|e: std::num::ParseIntError| match e.kind() {
                IntErrorKind::PosOverflow => format!("{text} is too large"),
                _ => format!("{text:?} is not a whole number"),
            })
    }

    fn from_toml(value: toml::Value) -> Result<Self, String> {
        match value {
            toml::Value::Integer(n) => u32::try_from(n).map_err(|_| format!("{n} is out of range")),
            other => Err(format!(
                "expected a whole number, found {}",
                other.type_str()
            )),
        }
    }

    fn show(&self) -> Json {
        Json::from(*self)
    }
}

/// An optional setting: unset by default, set by any layer.
impl<T: SettingValue> SettingValue for Option<T> {
    fn from_text(text: &OsStr) -> Result<Self, String> {
        T::from_text(text).map(Some)
    }

    fn from_toml(value: toml::Value) -> Result<Self, String> {
        T::from_toml(value).map(Some)
    }

    fn show(&self) -> Json {
        self.as_ref().map_or(Json::Null, T::show)
    }
}

impl SettingValue for StorageUrl {
    fn from_text(text: &OsStr) -> Result<Self, String> {
        let text = String::from_text(text)?;
        StorageUrl::parse(&text).map_err(|e| e.to_string())
    }

    fn show(&self) -> Json {
        Json::String(self.to_string())
    }
}

impl SettingValue for Duration {
    fn from_text(text: &OsStr) -> Result<Self, String> {
        let text = text.to_string_lossy();
        crate::duration::parse_duration(&text)
            .ok_or_else(|| format!("{text:?} is not a duration: write e.g. 7d, 12h, 90m or 1h30m"))
    }

    fn show(&self) -> Json {
        Json::String(crate::duration::format_duration(*self))
    }
}

impl SettingValue for ByteSize {
    fn from_text(text: &OsStr) -> Result<Self, String> {
        let text = text.to_string_lossy();
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let scale: u64 = match unit.trim() {
            "" | "B" => 1,
            "KiB" => 1 << 10,
            "MiB" => 1 << 20,
            "GiB" => 1 << 30,
            _ => {
                return Err(format!(
                    "{text:?} is not a size: write e.g. 8MiB or 8388608"
                ));
            }
        };
        number
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(scale))
            .map(ByteSize)
            .ok_or_else(|| format!("{text:?} is not a size: write e.g. 8MiB or 8388608"))
    }

    fn from_toml(value: toml::Value) -> Result<Self, String> {
        match value {
            toml::Value::Integer(n) => u64::try_from(n)
                .map(ByteSize)
                .map_err(|_| format!("{n} is out of range")),
            toml::Value::String(s) => Self::from_text(OsStr::new(&s)),
            other => Err(format!("expected a size, found {}", other.type_str())),
        }
    }

    fn show(&self) -> Json {
        Json::from(self.0)
    }
}

impl SettingValue for Compression {
    fn from_text(text: &OsStr) -> Result<Self, String> {
        let text = text.to_string_lossy();
        Compression::parse(&text).ok_or_else(|| format!("{text:?} is not one of none, gzip"))
    }

    fn show(&self) -> Json {
        Json::String(self.as_str().to_owned())
    }
}

impl SettingValue for Secret {
    fn from_text(text: &OsStr) -> Result<Self, String> {
        String::from_text(text).map(Secret::new)
    }

    /// The value itself: `config show` redacts it by its key before printing.
    fn show(&self) -> Json {
        Json::String(self.expose().to_owned())
    }
}
