//! The error codes the export tasks record on their runs (`run.error.code`), each
//! with its one stored spelling. The engine carries them as opaque
//! [`ErrorCode`](crate::engine::ErrorCode)s; the export domain decodes them with
//! [`ExportErrorCode::decode`], never by comparing strings. Codes the engine records
//! itself (a lost worker, a panic, a cancel) are
//! [`EngineErrorCode`](crate::engine::EngineErrorCode)s.

crate::error_codes! {
    /// Why an export or export email run failed, as its stored error says.
    pub enum ExportErrorCode {
        /// The export's storage is full (or over quota).
        StorageFull = "storage_full",
        /// The storage refuses this worker's writes or reads.
        StorageRefused = "storage_refused",
        /// The storage cannot be reached for now.
        StorageUnavailable = "storage_unavailable",
        /// The export's location is not an object of the storage.
        StorageInvalid = "storage_invalid",
        /// The stored object is outside the export's own place in the storage.
        LocationRefused = "location_refused",
        /// No export request made this run, or another user made it.
        NotRequested = "not_requested",
        /// The requester (or the email's recipient) is no longer a member.
        NotMember = "not_member",
        /// The recipient's address is on the suppression list.
        Suppressed = "suppressed",
        /// The recipient's address is invalid.
        InvalidRecipient = "invalid_recipient",
        /// The SMTP server deferred the email.
        SmtpTransient = "smtp_transient",
        /// The SMTP server rejected the email.
        SmtpPermanent = "smtp_permanent",
        /// The audit entry could not be appended.
        AuditError = "audit_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EngineErrorCode, ErrorCode, RunError};

    /// Existing runs and docs/reference.md hold these words: a rename is a change
    /// of the stored contract, never a refactoring.
    #[test]
    fn export_error_codes_keep_their_stored_spellings() {
        let stored: Vec<&str> = ExportErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            stored,
            [
                "storage_full",
                "storage_refused",
                "storage_unavailable",
                "storage_invalid",
                "location_refused",
                "not_requested",
                "not_member",
                "suppressed",
                "invalid_recipient",
                "smtp_transient",
                "smtp_permanent",
                "audit_error",
            ]
        );
        for &code in ExportErrorCode::ALL {
            let stored = serde_json::to_value(RunError::new(code, "m")).unwrap();
            assert_eq!(stored["code"], code.as_str());
            let read: RunError = serde_json::from_value(stored).unwrap();
            assert_eq!(ExportErrorCode::decode(&read.code), Some(code));
        }
    }

    /// One spelling, one meaning: no export code reads as one of the engine's.
    #[test]
    fn export_codes_never_spell_an_engine_code() {
        for &code in ExportErrorCode::ALL {
            let code = ErrorCode::from(code);
            assert_eq!(EngineErrorCode::decode(&code), None, "{code}");
        }
    }
}
