//! Reading the config file: a regular TOML file of at most [`MAX_CONFIG_BYTES`].
//!
//! A config file that holds a secret while others can read it is refused (like ssh
//! does with a private key), by the one notion of "secret" in `crate::redact` that
//! `config show` and every redacted message also use.

use std::fs;
use std::io::Read;
use std::path::Path;

use super::error::ConfigError;
use crate::redact::{is_secret_param, redact_secrets, url_holds_secret};

/// A config file is a few lines of TOML; anything bigger (1 MiB) is the wrong file.
pub(crate) const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Reads and parses the config file. Only a regular file of at most
/// [`MAX_CONFIG_BYTES`] is read: a device would never end and opening a FIFO would
/// block until someone writes to it. A file holding a secret must be private.
pub(super) fn read_config_file(path: &Path) -> Result<toml::Table, ConfigError> {
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
    let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        // toml's message may quote the offending value, which may hold a secret.
        message: redact_secrets(e.message()),
    })?;
    if holds_secret(&table) {
        check_private(path, &metadata)?;
    }
    Ok(table)
}

/// Whether a config file holds a secret: a URL with one ([`url_holds_secret`]) in
/// any value, or any value of a key named like a credential ([`is_secret_param`]).
/// Judged on every key, known or not, so that a new secret setting is covered
/// without being listed here.
fn holds_secret(table: &toml::Table) -> bool {
    table.iter().any(|(key, value)| match value {
        toml::Value::String(s) => (!s.is_empty() && is_secret_param(key)) || url_holds_secret(s),
        toml::Value::Table(inner) => holds_secret(inner),
        _ => false,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn any_secret_in_the_file_requires_a_private_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        for (toml, secret) in [
            ("smtp_url = \"smtp://u:pw@h\"\n", true),
            // Any key named like a credential, even one this build does not know.
            ("s3_secret_access_key = \"pw\"\n", true),
            ("user = \"user_alice\"\nexport_dir = \"/x\"\n", false),
        ] {
            fs::write(&path, toml).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            let refused = matches!(
                read_config_file(&path),
                Err(ConfigError::InsecurePermissions { .. })
            );
            assert_eq!(refused, secret, "{toml}");
        }
    }
}
