//! Runs as the engine and its readers see them: statuses, errors, the stored row
//! (the row and its status are decoded, so defined, in `db::runs`).
//!
//! A run's error code is a stored word (`run.error.code`, read by operators, scripts
//! and docs/reference.md), so each code has one spelling, declared once: the engine's
//! own in [`EngineErrorCode`], a task's in an enum of the task's domain. The engine
//! carries a task's code as an opaque, validated [`ErrorCode`]; readers decode it
//! with the enum that declares it, never by comparing strings.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub use crate::db::runs::{RunRecord, RunStatus};

/// The code of a run's error: a lowercase `snake_case` word of at most
/// [`ErrorCode::MAX_LEN`] bytes. Made from a code enum (`From`), or checked once
/// ([`ErrorCode::parse`], and when a stored error is decoded).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ErrorCode(Cow<'static, str>);

/// A string that is not an error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an error code: expected a lowercase snake_case word of at most 64 bytes")]
pub struct InvalidErrorCode(String);

impl crate::error::Classify for InvalidErrorCode {
    fn exit_kind(&self) -> crate::error::ExitKind {
        crate::error::ExitKind::Failure
    }
}

impl ErrorCode {
    pub const MAX_LEN: usize = 64;

    const fn is_valid(code: &str) -> bool {
        let bytes = code.as_bytes();
        if bytes.is_empty() || bytes.len() > Self::MAX_LEN || !bytes[0].is_ascii_lowercase() {
            return false;
        }
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return false;
            }
            i += 1;
        }
        true
    }

    /// A code declared in the program; an invalid one fails at compile time in a
    /// `const`, else on first use.
    pub const fn from_static(code: &'static str) -> ErrorCode {
        assert!(ErrorCode::is_valid(code), "not a snake_case error code");
        ErrorCode(Cow::Borrowed(code))
    }

    pub fn parse(code: &str) -> Result<ErrorCode, InvalidErrorCode> {
        if ErrorCode::is_valid(code) {
            Ok(ErrorCode(Cow::Owned(code.to_owned())))
        } else {
            Err(InvalidErrorCode(code.chars().take(80).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        ErrorCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Declares a code enum: its variants, each with its one stored spelling, `as_str`,
/// `ALL`, `decode` (from an [`ErrorCode`]) and the conversion into one.
#[macro_export]
macro_rules! error_codes {
    ($(#[$doc:meta])* $vis:vis enum $name:ident { $($(#[$vdoc:meta])* $variant:ident = $spelling:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name { $($(#[$vdoc])* $variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored spelling.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $spelling,)+ }
            }

            /// The variant a stored code spells, if it is one of these.
            pub fn decode(code: &$crate::engine::run::ErrorCode) -> Option<$name> {
                match code.as_str() {
                    $($spelling => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl From<$name> for $crate::engine::run::ErrorCode {
            fn from(code: $name) -> Self {
                $crate::engine::run::ErrorCode::from_static(code.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

error_codes! {
    /// The codes the engine itself records on a run (a task's own codes are its
    /// domain's, carried as opaque [`ErrorCode`]s).
    pub enum EngineErrorCode {
        /// The payload failed parsing or the task's validation.
        ValidationError = "validation_error",
        /// The database connection was lost during the attempt.
        DatabaseUnavailable = "database_unavailable",
        /// A database statement failed.
        DatabaseError = "database_error",
        /// A local I/O error.
        IoError = "io_error",
        /// A value could not be serialized or read back.
        SerializationError = "serialization_error",
        /// The worker running the attempt stopped renewing its lease.
        WorkerLost = "worker_lost",
        /// The attempt ran longer than the task's maximum duration.
        MaxDurationExceeded = "max_duration_exceeded",
        /// The task's body panicked.
        Panic = "panic",
        /// The run was canceled (and so the Result a waiting parent receives).
        Canceled = "canceled",
        /// A child run failed without a stored error.
        Failed = "failed",
        /// A child run could not be triggered.
        TriggerFailed = "trigger_failed",
        /// A child run a step waits on is gone.
        ChildMissing = "child_missing",
        /// The run's stored steps cannot be decoded.
        CorruptSteps = "corrupt_steps",
        /// A step's stored checkpoint cannot be decoded.
        CorruptCheckpoint = "corrupt_checkpoint",
        /// Anything else that ends an attempt.
        Internal = "internal",
    }
}

/// The error stored on a run: a stable code and a human message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunError {
    pub code: ErrorCode,
    pub message: String,
}

impl RunError {
    pub(crate) fn new(code: impl Into<ErrorCode>, message: impl Into<String>) -> Self {
        RunError {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// What a child run ended with, as its parent receives it.
pub type ChildResult = Result<Value, RunError>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The run table and docs/reference.md hold these words: a rename is a change
    /// of the stored contract, never a refactoring.
    #[test]
    fn engine_error_codes_keep_their_stored_spellings() {
        let stored: Vec<&str> = EngineErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            stored,
            [
                "validation_error",
                "database_unavailable",
                "database_error",
                "io_error",
                "serialization_error",
                "worker_lost",
                "max_duration_exceeded",
                "panic",
                "canceled",
                "failed",
                "trigger_failed",
                "child_missing",
                "corrupt_steps",
                "corrupt_checkpoint",
                "internal",
            ]
        );
        for &code in EngineErrorCode::ALL {
            let error = RunError::new(code, "m");
            let stored = serde_json::to_value(&error).unwrap();
            assert_eq!(stored["code"], code.as_str());
            let read: RunError = serde_json::from_value(stored).unwrap();
            assert_eq!(EngineErrorCode::decode(&read.code), Some(code));
        }
    }

    #[test]
    fn error_codes_are_checked_snake_case_words() {
        assert!(ErrorCode::parse("storage_full").is_ok());
        for bad in [
            "",
            "Storage",
            "storage-full",
            "9lives",
            "a b",
            &"a".repeat(65),
        ] {
            assert!(ErrorCode::parse(bad).is_err(), "{bad:?}");
        }
        let stored = serde_json::json!({"code": "Not A Code", "message": "m"});
        assert!(serde_json::from_value::<RunError>(stored).is_err());
    }
}
