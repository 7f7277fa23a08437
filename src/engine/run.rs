//! Runs as the engine and its readers see them: statuses, errors, the stored row.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A run's lifecycle (SPEC §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Queued,
    Executing,
    Waiting,
    Completed,
    Failed,
    Canceled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Executing => "executing",
            RunStatus::Waiting => "waiting",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Canceled => "canceled",
        }
    }

    pub fn parse(s: &str) -> Option<RunStatus> {
        Some(match s {
            "queued" => RunStatus::Queued,
            "executing" => RunStatus::Executing,
            "waiting" => RunStatus::Waiting,
            "completed" => RunStatus::Completed,
            "failed" => RunStatus::Failed,
            "canceled" => RunStatus::Canceled,
            _ => return None,
        })
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunStatus::Completed | RunStatus::Failed | RunStatus::Canceled
        )
    }
}

/// The error stored on a run: a stable code and a human message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunError {
    pub code: String,
    pub message: String,
}

impl RunError {
    /// The code of the error a canceled run carries, and so of the Result its parent
    /// receives when it is woken.
    pub const CANCELED: &'static str = "canceled";

    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
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

/// A run row, as status readers see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRecord {
    pub id: String,
    pub task_id: String,
    pub payload: Value,
    pub queue: String,
    pub concurrency_key: String,
    pub status: String,
    pub attempt: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub parent_run_id: Option<String>,
    pub waiting_on_run_id: Option<String>,
    pub metadata: Value,
    pub output: Option<Value>,
    pub error: Option<Value>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl RunRecord {
    pub fn status(&self) -> RunStatus {
        RunStatus::parse(&self.status).unwrap_or(RunStatus::Failed)
    }

    /// When the next attempt is due, for a run waiting to be (re)tried.
    pub fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.status() == RunStatus::Queued).then_some(self.run_at)
    }
}

/// What a child run ended with, as its parent receives it.
pub type ChildResult = Result<Value, RunError>;
