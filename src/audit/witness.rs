//! Witnessed chain heads: the checkpoint `audit checkpoint` writes and `audit verify
//! --against` checks, so that a rewind of a chain is detectable.
//!
//! Without a witness, `audit verify` can only prove that the chains are internally
//! consistent. A superuser can delete a chain's tail and move `audit_chain_head`
//! back to the new last row, or go on appending rows with correctly recomputed hashes
//! after such a rewind, and every link still checks out: everything verify compares
//! lives in the database the attacker controls. A [`Checkpoint`] kept outside the
//! database (a CI artifact, a ticket) pins each chain's head at a moment: the row
//! with the witnessed last id must still be there, with the witnessed hash, as the
//! chain's `count`-th row. Because every hash covers all the rows before it, that
//! one row vouches for the whole prefix, so nothing before the witnessed point can
//! have been removed, inserted or rewritten since, by anyone.
//!
//! The file format (`version` 1), pretty-printed JSON with camelCase keys:
//!
//! ```text
//! { "kind": "invoicectl-audit-checkpoint", "version": 1,
//!   "createdAt": "2026-11-30T02:00:00.123456Z",
//!   "chains": [ { "organizationId": null,       "count": 12, "lastId": 40, "lastHash": "<64 hex>" },
//!               { "organizationId": "org_acme", "count": 5,  "lastId": 41, "lastHash": "<64 hex>" } ] }
//! ```
//!
//! Unknown keys are refused: a witness is security evidence, and a misspelt key must
//! not be read as "nothing witnessed".

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Classify, ExitKind};
use crate::ids::OrgId;

/// The `kind` every checkpoint carries, so a file found in a ticket months later says
/// what it is, and an unrelated JSON file is not mistaken for one.
pub(crate) const KIND: &str = "invoicectl-audit-checkpoint";
/// The only format version this build reads and writes.
pub(crate) const VERSION: u32 = 1;
/// A checkpoint names one small object per chain; anything this large is not one.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A witnessed head: the state of one chain at the checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct WitnessedHead {
    /// The organization, or `null` for the system chain.
    pub organization_id: Option<String>,
    /// How many rows the chain had; the witnessed row is the `count`-th.
    pub count: u64,
    /// The id of the chain's last row.
    pub last_id: i64,
    /// That row's hash (lowercase hex SHA-256), which covers every row before it.
    pub last_hash: String,
}

impl WitnessedHead {
    /// The chain key, as `audit_chain_head` spells it (`''` for the system chain).
    pub(crate) fn chain_key(&self) -> &str {
        self.organization_id.as_deref().unwrap_or("")
    }
}

/// A checkpoint: every chain's witnessed head, and when it was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Checkpoint {
    /// Always [`KIND`].
    pub kind: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// The time of the database snapshot the heads were read in (RFC 3339, UTC).
    #[serde(with = "rfc3339_micros")]
    pub created_at: DateTime<Utc>,
    /// One head per chain that had rows, the system chain first, then by organization.
    pub chains: Vec<WitnessedHead>,
}

impl Checkpoint {
    pub(crate) fn new(created_at: DateTime<Utc>, mut chains: Vec<WitnessedHead>) -> Self {
        chains.sort_by(|a, b| a.organization_id.cmp(&b.organization_id));
        Checkpoint {
            kind: KIND.to_owned(),
            version: VERSION,
            created_at,
            chains,
        }
    }

    /// Parses and validates a checkpoint document; the error says what is wrong.
    pub(crate) fn from_json(text: &str) -> Result<Checkpoint, String> {
        let checkpoint: Checkpoint = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if checkpoint.kind != KIND {
            return Err(format!(
                "kind is {:?}, not {KIND:?}: this is not an audit checkpoint",
                checkpoint.kind
            ));
        }
        if checkpoint.version != VERSION {
            return Err(format!(
                "version {} is not supported (this invoicectl reads version {VERSION})",
                checkpoint.version
            ));
        }
        // Verifying against nothing would pass whatever happened to the log: an
        // empty witness is refused, not read as "all good".
        if checkpoint.chains.is_empty() {
            return Err(
                "it witnesses no chain (\"chains\": []), so it proves nothing: take a checkpoint with `audit checkpoint` once the audit log has entries".to_owned(),
            );
        }
        let mut seen = BTreeSet::new();
        for head in &checkpoint.chains {
            let name = chain_name(head.organization_id.as_deref());
            if let Some(org) = &head.organization_id {
                OrgId::parse(org).map_err(|e| format!("chain {org:?}: {e}"))?;
            }
            if !seen.insert(head.chain_key()) {
                return Err(format!("{name} is witnessed twice"));
            }
            if head.count == 0 || head.last_id < 1 {
                return Err(format!(
                    "{name}: count and lastId must be at least 1 (a chain without rows is not witnessed)"
                ));
            }
            let is_hash = head.last_hash.len() == 64
                && head
                    .last_hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !is_hash {
                return Err(format!(
                    "{name}: lastHash must be 64 lowercase hex digits (a SHA-256)"
                ));
            }
        }
        Ok(checkpoint)
    }

    /// The document as written to a file: pretty-printed, ending with a newline.
    pub(crate) fn to_pretty_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a checkpoint serializes");
        text.push('\n');
        text
    }
}

/// `createdAt` with microseconds, like the audit log's own timestamps.
mod rfc3339_micros {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Micros, true))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| serde::de::Error::custom(format!("createdAt {text:?}: {e}")))
    }
}

/// "organization org_acme" or "the system chain", for messages.
pub(crate) fn chain_name(organization_id: Option<&str>) -> String {
    match organization_id {
        Some(org) => format!("organization {org}"),
        None => "the system chain".to_owned(),
    }
}

/// Why a witness file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WitnessError {
    #[error("witness file {} does not exist", path.display())]
    Missing { path: PathBuf },
    #[error("cannot read witness file {}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("witness file {} is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("witness file {} is larger than {MAX_FILE_BYTES} bytes: not an audit checkpoint", path.display())]
    TooLarge { path: PathBuf },
    #[error("witness file {} is not a valid audit checkpoint: {message}", path.display())]
    Malformed { path: PathBuf, message: String },
    #[error("cannot write checkpoint {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl Classify for WitnessError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            WitnessError::Missing { .. } => ExitKind::NotFound,
            WitnessError::Unreadable { .. }
            | WitnessError::NotAFile { .. }
            | WitnessError::TooLarge { .. }
            | WitnessError::Malformed { .. } => ExitKind::Invalid,
            WitnessError::Write { source, .. } => match source.kind() {
                io::ErrorKind::NotFound => ExitKind::NotFound,
                io::ErrorKind::PermissionDenied => ExitKind::PermissionDenied,
                _ => ExitKind::Failure,
            },
        }
    }
}

/// Reads and validates the checkpoint at `path`: 66 when it does not exist, 65 when
/// it is not a regular file, cannot be read or is not a valid checkpoint.
pub(crate) fn read(path: &Path) -> Result<Checkpoint, WitnessError> {
    let unreadable = |source: io::Error| {
        if source.kind() == io::ErrorKind::NotFound {
            WitnessError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            WitnessError::Unreadable {
                path: path.to_path_buf(),
                source,
            }
        }
    };
    // Checked before opening, so that a FIFO does not block the open.
    if !fs::metadata(path).map_err(unreadable)?.is_file() {
        return Err(WitnessError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let mut text = String::new();
    File::open(path)
        .map_err(unreadable)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|source| match source.kind() {
            io::ErrorKind::InvalidData => WitnessError::Malformed {
                path: path.to_path_buf(),
                message: "not UTF-8 text".to_owned(),
            },
            _ => unreadable(source),
        })?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(WitnessError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    Checkpoint::from_json(&text).map_err(|message| WitnessError::Malformed {
        path: path.to_path_buf(),
        message,
    })
}

/// Writes `checkpoint` to `path` atomically: into a new file beside it, fsynced, then
/// renamed over `path` and the directory fsynced. A reader (or a crash) sees the old
/// file or the whole new one, never a torn witness.
pub(crate) fn write_atomically(path: &Path, checkpoint: &Checkpoint) -> Result<(), WitnessError> {
    let failed = |source: io::Error| WitnessError::Write {
        path: path.to_path_buf(),
        source,
    };
    let name = path.file_name().ok_or_else(|| {
        failed(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a file name",
        ))
    })?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = dir.join(temp_name);

    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(checkpoint.to_pretty_json().as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(failed(e));
    }
    sync_dir(dir).map_err(failed)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir).and_then(|d| d.sync_all())
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// What the chain holds now where the witness pinned its head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub(crate) enum WitnessMismatch {
    /// The witnessed chain has no rows at all.
    ChainMissing,
    /// The row with the witnessed last id is gone: the chain was rewound (its tail
    /// deleted, perhaps appended to again since). `count` and `lastId` describe the
    /// chain as it is now.
    RowMissing { count: u64, last_id: Option<i64> },
    /// The row with the witnessed last id has another hash: it, or a row before it,
    /// was rewritten with recomputed hashes.
    HashChanged { hash: String },
    /// The witnessed row is not the chain's `count`-th row any more: rows before it
    /// were removed or inserted. `position` is where it is now.
    CountChanged { position: u64 },
}

/// The outcome of checking one chain against its witnessed head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WitnessReport {
    pub count: u64,
    pub last_id: i64,
    pub last_hash: String,
    /// True when the chain extends the witnessed head (equals it, or grew since).
    pub ok: bool,
    pub mismatch: Option<WitnessMismatch>,
}

impl WitnessReport {
    /// A one-line description for humans.
    pub(crate) fn describe(&self) -> String {
        let id = self.last_id;
        match &self.mismatch {
            None => format!("extends the witness (row {id}, {})", rows(self.count)),
            Some(WitnessMismatch::ChainMissing) => format!(
                "the chain has no rows, but the witness pins row {id} as its row {}: the chain was removed",
                self.count
            ),
            Some(WitnessMismatch::RowMissing { count, last_id }) => format!(
                "witnessed row {id} is gone (the chain now has {}, up to row {}): the chain was rewound",
                rows(*count),
                last_id.map_or("-".to_owned(), |id| id.to_string())
            ),
            Some(WitnessMismatch::HashChanged { hash }) => format!(
                "witnessed row {id} now hashes to {} instead of {}: the chain was rewritten up to the witnessed point",
                short(hash),
                short(&self.last_hash)
            ),
            Some(WitnessMismatch::CountChanged { position }) => format!(
                "witnessed row {id} is now row {position} of the chain instead of row {}: rows before it were removed or inserted",
                self.count
            ),
        }
    }
}

fn rows(n: u64) -> String {
    if n == 1 {
        "1 row".to_owned()
    } else {
        format!("{n} rows")
    }
}

fn short(hash: &str) -> String {
    hash.chars().take(12).collect::<String>() + "…"
}

/// Follows one chain's rows, in id order, looking for the witnessed row.
#[derive(Debug)]
pub(crate) struct WitnessCheck {
    head: WitnessedHead,
    rows: u64,
    last_id: Option<i64>,
    /// The witnessed row's position in the chain and stored hash, once seen.
    found: Option<(u64, String)>,
}

impl WitnessCheck {
    pub(crate) fn new(head: WitnessedHead) -> Self {
        WitnessCheck {
            head,
            rows: 0,
            last_id: None,
            found: None,
        }
    }

    /// Sees the chain's next row. The stored hash is compared: the chain walk checks
    /// separately that each stored hash is the row's recomputed one.
    pub(crate) fn push(&mut self, id: i64, stored_hash: &str) {
        self.rows += 1;
        self.last_id = Some(id);
        if id == self.head.last_id {
            self.found = Some((self.rows, stored_hash.to_owned()));
        }
    }

    pub(crate) fn finish(self) -> WitnessReport {
        let mismatch = match self.found {
            _ if self.rows == 0 => Some(WitnessMismatch::ChainMissing),
            None => Some(WitnessMismatch::RowMissing {
                count: self.rows,
                last_id: self.last_id,
            }),
            Some((_, hash)) if hash != self.head.last_hash => {
                Some(WitnessMismatch::HashChanged { hash })
            }
            Some((position, _)) if position != self.head.count => {
                Some(WitnessMismatch::CountChanged { position })
            }
            Some(_) => None,
        };
        WitnessReport {
            count: self.head.count,
            last_id: self.head.last_id,
            last_hash: self.head.last_hash,
            ok: mismatch.is_none(),
            mismatch,
        }
    }
}

/// `createdAt` for humans.
pub(crate) fn display_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn head(count: u64, last_id: i64, hash: &str) -> WitnessedHead {
        WitnessedHead {
            organization_id: Some("org_acme".into()),
            count,
            last_id,
            last_hash: hash.repeat(64 / hash.len()),
        }
    }

    fn check(witness: WitnessedHead, rows: &[(i64, &str)]) -> Option<WitnessMismatch> {
        let mut check = WitnessCheck::new(witness);
        for (id, hash) in rows {
            check.push(*id, &hash.repeat(64 / hash.len()));
        }
        check.finish().mismatch
    }

    #[test]
    fn a_chain_that_equals_or_extends_the_witness_passes() {
        let rows = [(3, "a"), (6, "b"), (9, "c")];
        assert_eq!(check(head(2, 6, "b"), &rows), None);
        assert_eq!(check(head(3, 9, "c"), &rows), None);
    }

    #[test]
    fn rewinds_rewrites_and_removals_are_named() {
        let rows = [(3, "a"), (6, "b"), (9, "c")];
        assert_eq!(
            check(head(1, 3, "a"), &[]),
            Some(WitnessMismatch::ChainMissing)
        );
        assert_eq!(
            check(head(4, 12, "d"), &rows),
            Some(WitnessMismatch::RowMissing {
                count: 3,
                last_id: Some(9)
            })
        );
        assert_eq!(
            check(head(3, 9, "d"), &rows),
            Some(WitnessMismatch::HashChanged {
                hash: "c".repeat(64)
            })
        );
        assert_eq!(
            check(head(4, 9, "c"), &rows),
            Some(WitnessMismatch::CountChanged { position: 3 })
        );
    }

    #[test]
    fn the_file_format_round_trips_and_refuses_anything_else() {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap();
        let mut system = head(2, 4, "e");
        system.organization_id = None;
        let checkpoint = Checkpoint::new(at, vec![head(5, 41, "f"), system]);
        assert_eq!(checkpoint.chains[0].organization_id, None, "system first");
        let text = checkpoint.to_pretty_json();
        assert!(text.contains(r#""createdAt": "2026-11-30T02:00:00.000000Z""#));
        assert!(text.contains(r#""lastHash": ""#));
        assert_eq!(Checkpoint::from_json(&text).unwrap(), checkpoint);

        let valid: serde_json::Value = serde_json::from_str(&text).unwrap();
        let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut doc = valid.clone();
            edit(&mut doc);
            Checkpoint::from_json(&doc.to_string()).unwrap_err()
        };
        assert!(broken(&|d| d["kind"] = "other".into()).contains("not an audit checkpoint"));
        assert!(broken(&|d| d["version"] = 2.into()).contains("version 2"));
        assert!(broken(&|d| d["chains"][1]["lastHash"] = "ABC".into()).contains("lastHash"));
        assert!(broken(&|d| d["chains"][1]["count"] = 0.into()).contains("at least 1"));
        assert!(broken(&|d| d["chains"][1]["organizationId"] = "acme".into()).contains("acme"));
        assert!(broken(&|d| d["chains"][1]["lastid"] = 3.into()).contains("unknown field"));
        assert!(broken(&|d| d["createdAt"] = "yesterday".into()).contains("createdAt"));
        assert!(
            broken(&|d| {
                let first = d["chains"][1].clone();
                d["chains"].as_array_mut().unwrap().push(first);
            })
            .contains("twice")
        );
        assert!(Checkpoint::from_json("not json").is_err());
        assert!(broken(&|d| d["chains"] = serde_json::json!([])).contains("proves nothing"));
    }
}
