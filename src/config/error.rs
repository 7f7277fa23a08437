//! What can be wrong with a setting or the config file, and the exit code of each:
//! every message names what the operator has to fix (the flag, the variable, or the
//! key and the file).

use std::path::PathBuf;

use crate::error::{Classify, ExitKind};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "config file {path} does not exist: create it or point --config / INVOICECTL_CONFIG elsewhere"
    )]
    Missing { path: PathBuf },
    #[error("cannot read config file {path}")]
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
    #[error("config file {path} has an unknown key `{key}`: the keys are {known}")]
    UnknownKey {
        path: PathBuf,
        key: String,
        known: String,
    },
    #[error(
        "config file {path} holds a password or secret but is readable by others (mode {mode:o}): run `chmod 600 {path}`"
    )]
    InsecurePermissions { path: PathBuf, mode: u32 },
    /// A value that does not parse or fails its check. `setting` says where it came
    /// from — the flag, the variable, or the key and the file — because that is what
    /// the reader has to fix; the message never quotes a secret.
    #[error("invalid {setting}: {message}")]
    Invalid {
        setting: String,
        message: String,
        from_flag: bool,
    },
    #[error("{var} is set but empty: unset it to use the default, or give it a value")]
    EmptyVariable { var: &'static str },
    /// Two settings that exclude each other named at the same level
    /// (`storage` and its shorthand `export_dir`).
    #[error("{0}")]
    Conflict(String),
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
            // A bad flag value is a usage error, as clap's own are (`--limit x`).
            ConfigError::Invalid {
                from_flag: true, ..
            } => ExitKind::Usage,
            // Naming two settings that exclude each other is a usage error.
            ConfigError::Conflict(_) => ExitKind::Usage,
            _ => ExitKind::Invalid,
        }
    }
}
