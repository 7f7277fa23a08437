//! What an export run reports while and after it runs: its progress, kept in the
//! run's `metadata` (`pagesDone`, `pagesTotal`, `rowsDone`, `objectUrl`), and what
//! became of its email. A download link is never part of it: links are handed out
//! only by the gated, audited `export url` and by the email (see `exports::links`);
//! `downloadUrl` and `linkExpiresAt` are only read, from runs recorded before. The field names are part of the
//! JSON contract (`export status --json`, the worker's NDJSON events); they are
//! spelled once, here, by serde.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::codes::ExportErrorCode;
use crate::engine::EngineErrorCode;
use crate::engine::TaskContext;
use crate::engine::run::RunError;

/// An export run's progress as its metadata holds it. Every field is optional: a
/// run that has not counted its pages yet has none, and a run of another task has
/// none of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ExportProgress {
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub pages_done: Option<u64>,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub pages_total: Option<u64>,
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub rows_done: Option<u64>,
    /// Where the export is stored (`file://…` or `s3://…`): not a link.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub object_url: Option<String>,
    /// Written by earlier versions only (a link; see the module comment).
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    /// When `downloadUrl` stops working (S3's presigned links), RFC 3339.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub link_expires_at: Option<String>,
}

/// A field of the wrong type reads as absent, as a key that is not there does: the
/// metadata is the task's to write, and a reader only shows it.
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

impl ExportProgress {
    /// The progress fields of a run's metadata (other keys are ignored).
    pub(crate) fn of(metadata: &Value) -> ExportProgress {
        ExportProgress::deserialize(metadata).unwrap_or_default()
    }

    /// Sets the fields that are present in the attempt's metadata, leaving the
    /// others as they are; persisted with the next checkpoint, step or flush.
    pub(crate) fn record(&self, ctx: &mut TaskContext) {
        if let Ok(Value::Object(fields)) = serde_json::to_value(self) {
            for (key, value) in fields {
                ctx.set_metadata(&key, value);
            }
        }
    }

    /// True when the metadata already holds a page count.
    pub(crate) fn is_counted(metadata: &serde_json::Map<String, Value>) -> bool {
        ExportProgress::of(&Value::Object(metadata.clone()))
            .pages_total
            .is_some()
    }

    /// `pagesDone/pagesTotal`, or `-` before the task counted the pages.
    pub(crate) fn pages(&self) -> String {
        match (self.pages_done, self.pages_total) {
            (Some(done), Some(total)) => format!("{done}/{total}"),
            _ => "-".to_owned(),
        }
    }
}

/// What became of an export's email (`ExportOutput::email`, the close-out's audit
/// entry, the `disposition` label of `invoicectl_export_emails_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EmailDisposition {
    /// Accepted by the SMTP server.
    Sent,
    /// Written to the outbox as an `.eml` file (no SMTP server configured): not
    /// sent anywhere yet, so not called `sent`.
    Written,
    /// The address is on the suppression list.
    Suppressed,
    /// The requester is no longer a member of the organization.
    NotMember,
    /// An operator canceled the email's child run: "do not send".
    Canceled,
    Failed,
}

impl EmailDisposition {
    pub(crate) const ALL: [EmailDisposition; 6] = [
        EmailDisposition::Sent,
        EmailDisposition::Written,
        EmailDisposition::Suppressed,
        EmailDisposition::NotMember,
        EmailDisposition::Canceled,
        EmailDisposition::Failed,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EmailDisposition::Sent => "sent",
            EmailDisposition::Written => "written",
            EmailDisposition::Suppressed => "suppressed",
            EmailDisposition::NotMember => "not_member",
            EmailDisposition::Canceled => "canceled",
            EmailDisposition::Failed => "failed",
        }
    }

    /// The disposition of an email child run that ended with `result`: the child
    /// aborts with the disposition's name as its error code when it does not send.
    /// A delivered email is `written` when it went to the outbox (file transport),
    /// `sent` when an SMTP server accepted it.
    pub(crate) fn of(result: &Result<Value, RunError>) -> EmailDisposition {
        match result {
            Ok(output) if output.get("transport").and_then(Value::as_str) == Some("file") => {
                EmailDisposition::Written
            }
            Ok(_) => EmailDisposition::Sent,
            Err(e) => match (
                ExportErrorCode::decode(&e.code),
                EngineErrorCode::decode(&e.code),
            ) {
                (Some(ExportErrorCode::Suppressed), _) => EmailDisposition::Suppressed,
                (Some(ExportErrorCode::NotMember), _) => EmailDisposition::NotMember,
                (_, Some(EngineErrorCode::Canceled)) => EmailDisposition::Canceled,
                _ => EmailDisposition::Failed,
            },
        }
    }

    /// The disposition in a run's output (`email`), if it is one.
    pub(crate) fn in_output(output: Option<&Value>) -> Option<EmailDisposition> {
        EmailDisposition::deserialize(output?.get("email")?).ok()
    }
}

impl std::fmt::Display for EmailDisposition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn progress_keeps_the_wire_names_and_reads_leniently() {
        let progress = ExportProgress {
            pages_done: Some(3),
            pages_total: Some(40),
            rows_done: Some(15_000),
            object_url: None,
            download_url: Some("file:///x.csv".into()),
            link_expires_at: None,
        };
        assert_eq!(
            serde_json::to_value(&progress).unwrap(),
            json!({"pagesDone": 3, "pagesTotal": 40, "rowsDone": 15000, "downloadUrl": "file:///x.csv"})
        );
        let read = ExportProgress::of(&json!({"pagesDone": 3, "pagesTotal": "x", "other": 1}));
        assert_eq!(read.pages_done, Some(3));
        assert_eq!(read.pages_total, None);
        assert_eq!(read.pages(), "-");
        assert_eq!(ExportProgress::of(&Value::Null), ExportProgress::default());
    }

    #[test]
    fn dispositions_serialize_as_their_names() {
        for d in EmailDisposition::ALL {
            assert_eq!(serde_json::to_value(d).unwrap(), json!(d.as_str()));
            assert_eq!(
                EmailDisposition::in_output(Some(&json!({"email": d}))),
                Some(d)
            );
        }
    }
}
