//! Runs as the engine and its readers see them: statuses, errors, the stored row
//! (the row and its status are decoded, so defined, in `db::runs`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::db::runs::{RunRecord, RunStatus};

/// The error stored on a run: a stable code and a human message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunError {
    pub code: String,
    pub message: String,
}

impl RunError {
    /// The code of the error a canceled run carries, and so of the Result its parent
    /// receives when it is woken.
    pub(crate) const CANCELED: &'static str = "canceled";

    pub(crate) fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
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
