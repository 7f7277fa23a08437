//! The audit hash chain in Rust: the canonical form of a row, its hash, and the
//! verification walk behind `audit verify`.
//!
//! The database computes every hash on insert (trigger `audit_log_chain`, function
//! `audit_canonical`); this module must mirror that SQL byte for byte so that
//! `audit verify` can recompute each chain independently of the database's own
//! functions (which an attacker with superuser rights could replace). The form, also
//! documented in the README:
//!
//! ```text
//! canonical = ns(id) ns(organization_id) ns(actor_user_id) ns(action)
//!             ns(subject_type) ns(subject_id) ns(payload as jsonb text)
//!             ns(created_at as UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ")
//! ns(NULL)  = "-1:,"      ns(s) = "<byte length of s>:<s>,"
//!             ns(actor_login)   — only when the row has one (rows written since
//!                                 the login was recorded; older rows keep their form)
//! hash      = hex(sha256(prev_hash ‖ canonical))      (lowercase hex)
//! prev_hash of a chain's first row = 64 × "0"
//! ```
//!
//! One chain per organization, plus the system chain (`organization_id` NULL, chain
//! key `''`). Verification reads the payload as PostgreSQL's own jsonb text
//! (`payload::text`), which is exactly what was hashed (the tests reproduce that text
//! from a `serde_json::Value` to check the two agree).

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::witness::{WitnessCheck, WitnessReport, WitnessedHead};
pub(crate) use crate::db::audit_log::{Head, StoredRow};
use crate::error::{Classify, ExitKind};

/// `prev_hash` of the first row of every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an audit row that the canonical form covers.
#[derive(Debug, Clone, Copy)]
pub struct CanonicalRow<'a> {
    pub id: i64,
    pub organization_id: Option<&'a str>,
    pub actor_user_id: Option<&'a str>,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    /// The payload in PostgreSQL's jsonb text form (`payload::text`).
    pub payload_text: &'a str,
    pub created_at: DateTime<Utc>,
    /// The database login that wrote the row (`session_user`, set by the trigger);
    /// `None` for rows written before logins were recorded, whose canonical form
    /// has no ninth field.
    pub actor_login: Option<&'a str>,
}

/// Appends `value` as a netstring (`<bytes>:<value>,`, NULL as `-1:,`), like SQL
/// `audit_netstring`.
pub(crate) fn push_netstring(out: &mut String, value: Option<&str>) {
    match value {
        None => out.push_str("-1:,"),
        Some(v) => {
            let _ = write!(out, "{}:", v.len());
            out.push_str(v);
            out.push(',');
        }
    }
}

/// `created_at` as SQL `to_char(created_at AT TIME ZONE 'UTC',
/// 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`: always six fractional digits; the year at least
/// four digits and, as `to_char` prints it, without a sign for years BC.
pub(crate) fn canonical_time(t: DateTime<Utc>) -> String {
    let year = t.year();
    // chrono counts 1 BC as year 0; to_char's YYYY prints the BC year number.
    let year = if year >= 1 { year } else { 1 - year };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        year,
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 1_000
    )
}

/// The canonical form of a row, like SQL `audit_canonical_login(...)`.
pub fn canonical(row: &CanonicalRow<'_>) -> String {
    let mut out = String::with_capacity(96 + row.payload_text.len());
    push_netstring(&mut out, Some(&row.id.to_string()));
    push_netstring(&mut out, row.organization_id);
    push_netstring(&mut out, row.actor_user_id);
    push_netstring(&mut out, Some(row.action));
    push_netstring(&mut out, Some(row.subject_type));
    push_netstring(&mut out, Some(row.subject_id));
    push_netstring(&mut out, Some(row.payload_text));
    push_netstring(&mut out, Some(&canonical_time(row.created_at)));
    if row.actor_login.is_some() {
        push_netstring(&mut out, row.actor_login);
    }
    out
}

/// `hex(sha256(prev_hash ‖ canonical(row)))`, as the trigger computes it.
pub fn row_hash(prev_hash: &str, row: &CanonicalRow<'_>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(canonical(row).as_bytes());
    hex::encode(hasher.finalize())
}

impl StoredRow {
    pub(crate) fn canonical_row(&self) -> CanonicalRow<'_> {
        CanonicalRow {
            id: self.id,
            organization_id: self.organization_id.as_deref(),
            actor_user_id: self.actor_user_id.as_deref(),
            action: &self.action,
            subject_type: &self.subject_type,
            subject_id: &self.subject_id,
            payload_text: &self.payload_text,
            created_at: self.created_at,
            actor_login: self.actor_login.as_deref(),
        }
    }
}

/// What is wrong at the first broken link of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub(crate) enum BreakKind {
    /// The row's content no longer hashes to its stored hash: it was changed after it
    /// was chained.
    HashMismatch { stored: String, computed: String },
    /// The row's `prev_hash` is not the previous row's hash (or not the genesis hash
    /// for a first row): a row before it was removed, inserted or rewritten.
    LinkBroken {
        expected: String,
        found: String,
        previous_id: Option<i64>,
    },
    /// The chain head records a different last row: rows were removed from the end
    /// of the chain, or the head itself was changed.
    HeadMismatch {
        head_last_id: Option<i64>,
        head_last_hash: String,
        last_id: Option<i64>,
        last_hash: Option<String>,
    },
    /// The chain has rows but no head: the head was removed.
    HeadMissing,
}

impl BreakKind {
    /// A one-line description for humans.
    pub(crate) fn describe(&self) -> String {
        match self {
            BreakKind::HashMismatch { stored, computed } => format!(
                "hash mismatch: the row was changed after it was chained (stored {}, recomputed {})",
                short(stored),
                short(computed)
            ),
            BreakKind::LinkBroken {
                expected,
                found,
                previous_id,
            } => match previous_id {
                Some(prev) => format!(
                    "prev_hash link broken: prev_hash is {} but the previous row (id {prev}) hashes to {}; rows between were removed, inserted or rewritten",
                    short(found),
                    short(expected)
                ),
                None => format!(
                    "prev_hash link broken: the chain's first row has prev_hash {} instead of the genesis hash; earlier rows were removed",
                    short(found)
                ),
            },
            BreakKind::HeadMismatch {
                head_last_id,
                head_last_hash,
                last_id,
                last_hash,
            } => format!(
                "chain head mismatch: audit_chain_head records row {} ({}) but the last row is {} ({}); rows were removed from the end or the head was changed",
                head_last_id.map_or("none".to_owned(), |id| id.to_string()),
                short(head_last_hash),
                last_id.map_or("none".to_owned(), |id| id.to_string()),
                last_hash.as_deref().map_or("-".to_owned(), short)
            ),
            BreakKind::HeadMissing => {
                "chain head missing: the chain has rows but audit_chain_head has no entry for it"
                    .to_owned()
            }
        }
    }
}

fn short(hash: &str) -> String {
    hash.chars().take(12).collect::<String>() + "…"
}

/// The first broken link of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Break {
    /// The row at which the chain breaks (for a head mismatch: the chain's last row,
    /// or the head's last id when the chain has no rows).
    pub row_id: Option<i64>,
    #[serde(flatten)]
    pub kind: BreakKind,
}

/// The outcome of verifying one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChainReport {
    /// `None` for the system chain.
    pub organization_id: Option<String>,
    /// Rows whose hash and link were checked (up to and including a broken one).
    pub rows_checked: u64,
    /// The last row whose hash and link checked out.
    pub last_verified_id: Option<i64>,
    /// That row's (recomputed) hash: what `audit checkpoint` witnesses.
    #[serde(skip)]
    pub last_verified_hash: Option<String>,
    /// False when the chain is broken or does not extend its witnessed head.
    pub ok: bool,
    #[serde(rename = "break")]
    pub broken: Option<Break>,
    /// The check against the witnessed head (`verify --against`); absent when the
    /// chain was not witnessed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<WitnessReport>,
}

impl ChainReport {
    /// "organization org_acme" or "the system chain", for messages.
    pub(crate) fn chain_name(&self) -> String {
        crate::audit::witness::chain_name(self.organization_id.as_deref())
    }

    /// The witness check, when it failed.
    pub(crate) fn witness_failed(&self) -> Option<&WitnessReport> {
        self.witness.as_ref().filter(|w| !w.ok)
    }
}

/// `audit verify` found at least one broken chain, or one that does not extend its
/// witnessed head (exit 1).
#[derive(Debug, thiserror::Error)]
pub(crate) struct ChainBroken {
    /// The reports of the broken chains, in chain order (at least one).
    pub broken: Vec<ChainReport>,
    /// How many chains were verified.
    pub chains: usize,
}

impl std::fmt::Display for ChainBroken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(first) = self.broken.first() else {
            return f.write_str("an audit chain is broken");
        };
        if let Some(b) = &first.broken {
            write!(f, "audit chain of {} is broken", first.chain_name())?;
            if let Some(id) = b.row_id {
                write!(f, " at row {id}")?;
            }
            write!(f, ": {}", b.kind.describe())?;
        } else if let Some(w) = first.witness_failed() {
            write!(
                f,
                "audit chain of {} does not extend the witnessed head: {}",
                first.chain_name(),
                w.describe()
            )?;
        }
        if self.broken.len() > 1 {
            write!(
                f,
                " ({} of {} chains broken, see the report)",
                self.broken.len(),
                self.chains
            )?;
        }
        Ok(())
    }
}

impl Classify for ChainBroken {
    fn exit_kind(&self) -> ExitKind {
        ExitKind::Failure
    }
}

/// Walks one chain row by row, in id order, and keeps its first break.
#[derive(Debug)]
pub(crate) struct ChainWalker {
    organization_id: Option<String>,
    expected_prev: String,
    previous_id: Option<i64>,
    rows_checked: u64,
    broken: Option<Break>,
    witness: Option<WitnessCheck>,
}

impl ChainWalker {
    pub(crate) fn new(organization_id: Option<String>) -> Self {
        ChainWalker {
            organization_id,
            expected_prev: GENESIS_HASH.to_owned(),
            previous_id: None,
            rows_checked: 0,
            broken: None,
            witness: None,
        }
    }

    /// Also checks the chain against its witnessed head, if it has one.
    pub(crate) fn with_witness(mut self, head: Option<WitnessedHead>) -> Self {
        self.witness = head.map(WitnessCheck::new);
        self
    }

    /// Checks the next row of the chain (rows must come in ascending id order). After
    /// the first break the rest of the chain is skipped (except by the witness check,
    /// which needs to see the witnessed row wherever it is).
    pub(crate) fn push(&mut self, row: &StoredRow) {
        if let Some(witness) = self.witness.as_mut() {
            witness.push(row.id, &row.hash);
        }
        if self.broken.is_some() {
            return;
        }
        self.rows_checked += 1;
        if row.prev_hash != self.expected_prev {
            self.broken = Some(Break {
                row_id: Some(row.id),
                kind: BreakKind::LinkBroken {
                    expected: self.expected_prev.clone(),
                    found: row.prev_hash.clone(),
                    previous_id: self.previous_id,
                },
            });
            return;
        }
        let computed = row_hash(&row.prev_hash, &row.canonical_row());
        if computed != row.hash {
            self.broken = Some(Break {
                row_id: Some(row.id),
                kind: BreakKind::HashMismatch {
                    stored: row.hash.clone(),
                    computed,
                },
            });
            return;
        }
        self.expected_prev = computed;
        self.previous_id = Some(row.id);
    }

    /// Ends the walk: compares the last row with the chain's recorded head.
    pub(crate) fn finish(mut self, head: Option<&Head>) -> ChainReport {
        if self.broken.is_none() {
            let last_hash = self.previous_id.map(|_| self.expected_prev.clone());
            match head {
                None if self.previous_id.is_some() => {
                    self.broken = Some(Break {
                        row_id: self.previous_id,
                        kind: BreakKind::HeadMissing,
                    });
                }
                Some(head)
                    if head.last_id != self.previous_id
                        || Some(&head.last_hash) != last_hash.as_ref() =>
                {
                    self.broken = Some(Break {
                        row_id: self.previous_id.or(head.last_id),
                        kind: BreakKind::HeadMismatch {
                            head_last_id: head.last_id,
                            head_last_hash: head.last_hash.clone(),
                            last_id: self.previous_id,
                            last_hash,
                        },
                    });
                }
                _ => {}
            }
        }
        let witness = self.witness.map(WitnessCheck::finish);
        ChainReport {
            organization_id: self.organization_id,
            rows_checked: self.rows_checked,
            last_verified_id: self.previous_id,
            last_verified_hash: self.previous_id.map(|_| self.expected_prev),
            ok: self.broken.is_none() && witness.as_ref().is_none_or(|w| w.ok),
            broken: self.broken,
            witness,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn netstrings_count_bytes_and_mark_null() {
        let mut out = String::new();
        push_netstring(&mut out, Some("é"));
        push_netstring(&mut out, None);
        push_netstring(&mut out, Some(""));
        assert_eq!(out, "2:é,-1:,0:,");
    }

    #[test]
    fn canonical_form_of_a_row() {
        let row = CanonicalRow {
            id: 7,
            organization_id: Some("org_acme"),
            actor_user_id: None,
            action: "export.invoices.completed",
            subject_type: "export",
            subject_id: "run_1",
            payload_text: r#"{"rowCount": 3}"#,
            created_at: Utc
                .with_ymd_and_hms(2026, 11, 22, 2, 24, 49)
                .unwrap()
                .with_nanosecond(123_456_000)
                .unwrap(),
            actor_login: None,
        };
        let before = "1:7,8:org_acme,-1:,25:export.invoices.completed,6:export,5:run_1,15:{\"rowCount\": 3},27:2026-11-22T02:24:49.123456Z,";
        assert_eq!(canonical(&row), before);
        assert_eq!(row_hash(GENESIS_HASH, &row).len(), 64);
        // A row written since logins are recorded has a ninth netstring, the login.
        let with_login = CanonicalRow {
            actor_login: Some("ci_exports"),
            ..row
        };
        assert_eq!(canonical(&with_login), format!("{before}10:ci_exports,"));
    }

    #[test]
    fn canonical_time_matches_to_char() {
        let bc = Utc.with_ymd_and_hms(-43, 3, 15, 12, 0, 0).unwrap();
        assert_eq!(canonical_time(bc), "0044-03-15T12:00:00.000000Z");
        let far = Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(canonical_time(far), "10000-01-01T00:00:00.000000Z");
    }

    fn chain(n: i64) -> Vec<StoredRow> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|id| {
                let mut row = StoredRow {
                    id: id * 3,
                    organization_id: Some("org_acme".into()),
                    actor_user_id: Some("user_alice".into()),
                    action: "export.invoices.requested".into(),
                    subject_type: "export".into(),
                    subject_id: format!("run_{id}"),
                    payload_text: "{}".into(),
                    created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
                    actor_login: (id % 2 == 0).then(|| "postgres".into()),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                row.hash = row_hash(&prev, &row.canonical_row());
                prev = row.hash.clone();
                row
            })
            .collect()
    }

    fn walk(rows: &[StoredRow], head: Option<&Head>) -> ChainReport {
        let mut walker = ChainWalker::new(Some("org_acme".into()));
        for row in rows {
            walker.push(row);
        }
        walker.finish(head)
    }

    fn head_of(rows: &[StoredRow]) -> Head {
        Head {
            last_id: rows.last().map(|r| r.id),
            last_hash: rows.last().unwrap().hash.clone(),
        }
    }

    #[test]
    fn an_intact_chain_verifies() {
        let rows = chain(5);
        let report = walk(&rows, Some(&head_of(&rows)));
        assert!(report.ok, "{report:?}");
        assert_eq!(
            (report.rows_checked, report.last_verified_id),
            (5, Some(15))
        );
    }

    #[test]
    fn a_changed_row_is_a_hash_mismatch() {
        let mut rows = chain(5);
        let head = head_of(&rows);
        rows[2].payload_text = r#"{"forged": true}"#.into();
        let report = walk(&rows, Some(&head));
        let broken = report.broken.unwrap();
        assert_eq!(broken.row_id, Some(9));
        assert!(matches!(broken.kind, BreakKind::HashMismatch { .. }));
        assert_eq!(report.rows_checked, 3);
    }

    #[test]
    fn a_removed_or_rehashed_row_breaks_the_link() {
        let mut rows = chain(5);
        let head = head_of(&rows);
        rows.remove(1);
        let broken = walk(&rows, Some(&head)).broken.unwrap();
        assert_eq!(broken.row_id, Some(9));
        assert!(matches!(
            broken.kind,
            BreakKind::LinkBroken {
                previous_id: Some(3),
                ..
            }
        ));

        let mut rows = chain(3);
        rows.remove(0);
        let broken = walk(&rows, None).broken.unwrap();
        assert!(matches!(
            broken.kind,
            BreakKind::LinkBroken {
                previous_id: None,
                ..
            }
        ));
    }

    #[test]
    fn a_truncated_tail_is_a_head_mismatch() {
        let mut rows = chain(5);
        let head = head_of(&rows);
        rows.pop();
        let broken = walk(&rows, Some(&head)).broken.unwrap();
        assert_eq!(broken.row_id, Some(12));
        assert!(matches!(broken.kind, BreakKind::HeadMismatch { .. }));
        let broken = walk(&rows, None).broken.unwrap();
        assert_eq!(broken.kind, BreakKind::HeadMissing);
    }
}
