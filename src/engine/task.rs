//! Tasks: a declared id, a strictly validated payload type, a queue, a retry policy
//! and a maximum duration, plus the body that runs an attempt.
//!
//! The registry stores tasks type-erased ([`ErasedTask`]) so the worker can run any of
//! them from a run row's task id and JSON payload; payload parsing and validation
//! happen there, before the body runs or a retry is spent.

use std::future::Future;
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::PgConnection;

use super::context::TaskContext;
use super::queue::QueueDef;
use super::retry::RetryPolicy;
use super::run::{EngineErrorCode, ErrorCode, RunError};
use crate::error::{Classify, ExitKind};
use crate::ids::RunId;

/// What a task is, independent of any run of it.
#[derive(Debug, Clone, Copy)]
pub struct TaskDef {
    pub id: &'static str,
    pub queue: QueueDef,
    pub retry: RetryPolicy,
    /// An attempt running longer than this fails with `max_duration_exceeded`.
    pub max_duration: Option<Duration>,
}

/// How an attempt ended badly.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// A failure worth another attempt (the default for I/O and database errors).
    #[error("{code}: {message}")]
    Retryable { code: ErrorCode, message: String },
    /// A deliberate stop: never retried.
    #[error("{code}: {message}")]
    Abort { code: ErrorCode, message: String },
    /// The payload failed validation: never retried.
    #[error("invalid payload: {0}")]
    Validation(String),
    /// The run was canceled while this attempt ran; nothing more is written.
    #[error("run was canceled")]
    Canceled,
    /// Another worker holds the run now (our lease expired); nothing more is written.
    #[error("lease lost")]
    LeaseLost,
    /// The run waits on a child run; it resumes when the child ends.
    #[error("waiting on a child run")]
    Suspended,
    /// The worker is shutting down: release the run without spending the attempt.
    #[error("worker shutting down")]
    Shutdown,
    /// The database connection was lost (restart, failover, network): not the task's
    /// fault, so the run is released without spending the attempt.
    #[error("database unavailable")]
    DatabaseLost(#[source] sqlx::Error),
    /// Something this worker needs for the task is out of order (its storage is full
    /// or refuses its writes): not the run's fault, and every run of the task would
    /// fail the same way here. The run is released without spending the attempt, and
    /// the worker stops claiming runs of the task's queue for a while (see
    /// `worker::QueuePause`).
    #[error("{code}: {message}")]
    Unavailable { code: ErrorCode, message: String },
}

impl Classify for TaskError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            TaskError::DatabaseLost(_) => ExitKind::Unavailable,
            _ => ExitKind::Failure,
        }
    }
}

impl TaskError {
    pub fn retryable(code: impl Into<ErrorCode>, message: impl ToString) -> Self {
        TaskError::Retryable {
            code: code.into(),
            message: message.to_string(),
        }
    }

    pub(crate) fn unavailable(code: impl Into<ErrorCode>, message: impl ToString) -> Self {
        TaskError::Unavailable {
            code: code.into(),
            message: message.to_string(),
        }
    }

    pub fn abort(code: impl Into<ErrorCode>, message: impl ToString) -> Self {
        TaskError::Abort {
            code: code.into(),
            message: message.to_string(),
        }
    }

    /// The error recorded on the run, for failures that end the attempt.
    pub(crate) fn to_run_error(&self) -> RunError {
        match self {
            TaskError::Retryable { code, message }
            | TaskError::Abort { code, message }
            | TaskError::Unavailable { code, message } => RunError::new(code.clone(), message),
            TaskError::Validation(message) => {
                RunError::new(EngineErrorCode::ValidationError, message)
            }
            TaskError::DatabaseLost(source) => RunError::new(
                EngineErrorCode::DatabaseUnavailable,
                crate::redact::log_text(source),
            ),
            other => RunError::new(EngineErrorCode::Internal, other.to_string()),
        }
    }
}

impl From<sqlx::Error> for TaskError {
    fn from(e: sqlx::Error) -> Self {
        if crate::db::is_connection_lost(&e) {
            TaskError::DatabaseLost(e)
        } else {
            TaskError::retryable(EngineErrorCode::DatabaseError, crate::redact::log_text(&e))
        }
    }
}

impl From<std::io::Error> for TaskError {
    fn from(e: std::io::Error) -> Self {
        TaskError::retryable(EngineErrorCode::IoError, crate::redact::log_text(&e))
    }
}

impl From<serde_json::Error> for TaskError {
    fn from(e: serde_json::Error) -> Self {
        TaskError::abort(
            EngineErrorCode::SerializationError,
            crate::redact::log_text(&e),
        )
    }
}

/// A task's code. Implement this; register it in a [`super::Registry`].
pub trait Task: Send + Sync + 'static {
    /// The payload; use `#[serde(deny_unknown_fields)]` and validated field types so
    /// that an unknown, missing or malformed field fails parsing.
    type Payload: DeserializeOwned + Serialize + Send + Sync + 'static;
    type Output: Serialize + Send + 'static;

    fn def(&self) -> &TaskDef;

    /// Checks beyond what parsing enforces. Runs before the body, and in `trigger`.
    fn validate(&self, _payload: &Self::Payload) -> Result<(), String> {
        Ok(())
    }

    /// One attempt.
    fn run(
        &self,
        ctx: &mut TaskContext,
        payload: Self::Payload,
    ) -> impl Future<Output = Result<Self::Output, TaskError>> + Send;

    /// Called in the transaction that marks the run `failed` for good (retries
    /// exhausted, validation, abort, a lost worker on its last attempt), so domain
    /// state can record the failure atomically with it. The engine goes on in that
    /// transaction: a hook leaves its session as it found it (a role it switched to
    /// is reset before it returns).
    fn on_failure<'a>(
        &'a self,
        _conn: &'a mut PgConnection,
        _run_id: &'a RunId,
        _payload: &'a Value,
        _error: &'a RunError,
    ) -> impl Future<Output = Result<(), TaskError>> + Send + 'a {
        async { Ok(()) }
    }
}

/// A task with its types erased, as the registry and the worker hold it.
pub(crate) trait ErasedTask: Send + Sync {
    fn def(&self) -> &TaskDef;
    fn validate_value(&self, payload: &Value) -> Result<(), String>;
    fn run_value<'a>(
        &'a self,
        ctx: &'a mut TaskContext,
        payload: Value,
    ) -> BoxFuture<'a, Result<Value, TaskError>>;
    fn on_failure_value<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        run_id: &'a RunId,
        payload: &'a Value,
        error: &'a RunError,
    ) -> BoxFuture<'a, Result<(), TaskError>>;
}

fn parse<T: Task>(task: &T, payload: &Value) -> Result<T::Payload, String> {
    let parsed: T::Payload = serde_json::from_value(payload.clone()).map_err(|e| e.to_string())?;
    task.validate(&parsed)?;
    Ok(parsed)
}

impl<T: Task> ErasedTask for T {
    fn def(&self) -> &TaskDef {
        Task::def(self)
    }

    fn validate_value(&self, payload: &Value) -> Result<(), String> {
        parse(self, payload).map(|_| ())
    }

    fn run_value<'a>(
        &'a self,
        ctx: &'a mut TaskContext,
        payload: Value,
    ) -> BoxFuture<'a, Result<Value, TaskError>> {
        Box::pin(async move {
            let payload = parse(self, &payload).map_err(TaskError::Validation)?;
            let output = self.run(ctx, payload).await?;
            Ok(serde_json::to_value(output)?)
        })
    }

    fn on_failure_value<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        run_id: &'a RunId,
        payload: &'a Value,
        error: &'a RunError,
    ) -> BoxFuture<'a, Result<(), TaskError>> {
        Box::pin(self.on_failure(conn, run_id, payload, error))
    }
}
