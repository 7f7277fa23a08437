//! Tasks the engine tests register (and the `engine_testbed` example runs in real
//! worker processes; `benches/engine.rs` times [`NoopTask`]). They record what they
//! do in `engine_test_log`, a table the tests create, so assertions read facts from
//! the database, not from memory.
//!
//! A crate of its own (a dev-dependency of invoicectl, never part of the binary) so
//! the tests, the bench and the example share it without `#[path]` includes.

use std::time::Duration;

use invoicectl::engine::{
    ErrorCode, QueueDef, RetryPolicy, Task, TaskContext, TaskDef, TaskError, TriggerOptions,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The test tasks' own error codes (the tests read them back from the run rows).
pub const PLANNED_FAILURE: ErrorCode = ErrorCode::from_static("planned_failure");
pub const PLANNED_ABORT: ErrorCode = ErrorCode::from_static("planned_abort");
pub const CHILD_REFUSED: ErrorCode = ErrorCode::from_static("child_refused");

pub const LANE_QUEUE: QueueDef = QueueDef::new("test-lane", 1);
pub const FREE_QUEUE: QueueDef = QueueDef::new("test-free", 1_000);
pub const CHILD_QUEUE: QueueDef = QueueDef::new("test-child", 10);

/// Fast retries so tests do not wait out the production curve.
pub const FAST_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    factor: 2.0,
    min_delay: Duration::from_millis(20),
    max_delay: Duration::from_millis(200),
    randomize: true,
};

pub const LOG_TABLE: &str = "CREATE TABLE IF NOT EXISTS engine_test_log (
    seq bigserial PRIMARY KEY,
    run_id text NOT NULL,
    key text NOT NULL DEFAULT '',
    event text NOT NULL,
    attempt int NOT NULL DEFAULT 0,
    at timestamptz NOT NULL DEFAULT clock_timestamp())";

async fn log(ctx: &TaskContext, key: &str, event: &str) -> Result<(), TaskError> {
    sqlx::query(
        "INSERT INTO engine_test_log (run_id, key, event, attempt) VALUES ($1, $2, $3, $4)",
    )
    .bind(ctx.run_id())
    .bind(key)
    .bind(event)
    .bind(ctx.attempt() as i32)
    .execute(ctx.pool())
    .await?;
    Ok(())
}

/// Records its start and end instants; runs in a limit-1 lane per key.
pub struct RecordTask;
pub const RECORD: TaskDef = TaskDef {
    id: "test-record",
    queue: LANE_QUEUE,
    retry: FAST_RETRY,
    max_duration: None,
};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RecordPayload {
    pub key: String,
    pub sleep_ms: u64,
}

impl Task for RecordTask {
    type Payload = RecordPayload;
    type Output = Value;
    fn def(&self) -> &TaskDef {
        &RECORD
    }
    async fn run(&self, ctx: &mut TaskContext, p: RecordPayload) -> Result<Value, TaskError> {
        log(ctx, &p.key, "start").await?;
        tokio::time::sleep(Duration::from_millis(p.sleep_ms)).await;
        log(ctx, &p.key, "end").await?;
        Ok(json!({ "key": p.key }))
    }
}

/// Does nothing: the benchmark's unit of work.
pub struct NoopTask;
pub const NOOP: TaskDef = TaskDef {
    id: "test-noop",
    queue: LANE_QUEUE,
    retry: FAST_RETRY,
    max_duration: None,
};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoopPayload {
    pub n: u64,
}

impl Task for NoopTask {
    type Payload = NoopPayload;
    type Output = ();
    fn def(&self) -> &TaskDef {
        &NOOP
    }
    async fn run(&self, _ctx: &mut TaskContext, _p: NoopPayload) -> Result<(), TaskError> {
        Ok(())
    }
}

/// Fails its first `fail_times` attempts (retryable), then succeeds; `abort` makes
/// the failure non-retryable.
pub struct FlakyTask;
pub const FLAKY: TaskDef = TaskDef {
    id: "test-flaky",
    queue: FREE_QUEUE,
    retry: FAST_RETRY,
    max_duration: None,
};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FlakyPayload {
    pub fail_times: u32,
    #[serde(default)]
    pub abort: bool,
}

impl Task for FlakyTask {
    type Payload = FlakyPayload;
    type Output = Value;
    fn def(&self) -> &TaskDef {
        &FLAKY
    }
    fn validate(&self, p: &FlakyPayload) -> Result<(), String> {
        if p.fail_times > 100 {
            return Err("failTimes must be at most 100".into());
        }
        Ok(())
    }
    async fn run(&self, ctx: &mut TaskContext, p: FlakyPayload) -> Result<Value, TaskError> {
        log(ctx, "", "attempt").await?;
        if ctx.attempt() <= p.fail_times {
            let message = format!("planned failure on attempt {}", ctx.attempt());
            return Err(if p.abort {
                TaskError::abort(PLANNED_ABORT, message)
            } else {
                TaskError::retryable(PLANNED_FAILURE, message)
            });
        }
        Ok(json!({ "succeededOnAttempt": ctx.attempt() }))
    }
}

/// Two durable steps with counted side effects; the second is long and checkpoints
/// every tick (so it can be killed, taken over, or asked to stop).
pub struct StepsTask;
pub const STEPS: TaskDef = TaskDef {
    id: "test-steps",
    queue: FREE_QUEUE,
    retry: FAST_RETRY,
    max_duration: None,
};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StepsPayload {
    pub ticks: u64,
    pub tick_ms: u64,
}

impl Task for StepsTask {
    type Payload = StepsPayload;
    type Output = Value;
    fn def(&self) -> &TaskDef {
        &STEPS
    }
    async fn run(&self, ctx: &mut TaskContext, p: StepsPayload) -> Result<Value, TaskError> {
        let first: u64 = match ctx.step_output("one")? {
            Some(first) => first,
            None => {
                log(ctx, "", "step-one").await?;
                ctx.complete_step("one", &41u64).await?;
                41
            }
        };
        let mut tick: u64 = ctx.checkpoint("two")?.unwrap_or(0);
        if tick > 0 {
            log(ctx, "", "resumed").await?;
        }
        while tick < p.ticks {
            if ctx.should_stop() {
                return Err(TaskError::Shutdown);
            }
            tokio::time::sleep(Duration::from_millis(p.tick_ms)).await;
            tick += 1;
            ctx.set_metadata("ticks", tick);
            ctx.save_checkpoint("two", &tick).await?;
            if tick == 1 {
                log(ctx, "", "tick-one").await?;
            }
        }
        Ok(json!({ "first": first + 1, "ticks": tick }))
    }
}

/// Triggers `test-child` and waits; fails its first attempt after the child's
/// Result arrived, so a retry must reuse the cached Result.
pub struct ParentTask;
pub const PARENT: TaskDef = TaskDef {
    id: "test-parent",
    queue: LANE_QUEUE,
    retry: FAST_RETRY,
    max_duration: None,
};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ParentPayload {
    pub key: String,
    pub child_fails: bool,
}

impl Task for ParentTask {
    type Payload = ParentPayload;
    type Output = Value;
    fn def(&self) -> &TaskDef {
        &PARENT
    }
    async fn run(&self, ctx: &mut TaskContext, p: ParentPayload) -> Result<Value, TaskError> {
        let result = ctx
            .trigger_and_wait(
                "child",
                &CHILD,
                &ChildPayload {
                    fail: p.child_fails,
                },
                TriggerOptions::default(),
            )
            .await?;
        log(ctx, &p.key, "parent-after-child").await?;
        if ctx.attempt() == 1 {
            return Err(TaskError::retryable(
                PLANNED_FAILURE,
                "parent fails once after its child",
            ));
        }
        Ok(match result {
            Ok(output) => json!({ "child": output }),
            Err(error) => json!({ "childError": error.code }),
        })
    }
}

pub struct ChildTask;
pub const CHILD: TaskDef = TaskDef {
    id: "test-child",
    queue: CHILD_QUEUE,
    retry: RetryPolicy {
        max_attempts: 2,
        ..FAST_RETRY
    },
    max_duration: None,
};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildPayload {
    pub fail: bool,
}

impl Task for ChildTask {
    type Payload = ChildPayload;
    type Output = Value;
    fn def(&self) -> &TaskDef {
        &CHILD
    }
    async fn run(&self, ctx: &mut TaskContext, p: ChildPayload) -> Result<Value, TaskError> {
        log(ctx, "", "child-ran").await?;
        if p.fail {
            return Err(TaskError::abort(CHILD_REFUSED, "the child says no"));
        }
        Ok(json!({ "answer": 42 }))
    }
}

pub fn registry() -> invoicectl::engine::Registry {
    let mut registry = invoicectl::engine::Registry::new();
    registry
        .register(RecordTask)
        .register(NoopTask)
        .register(FlakyTask)
        .register(StepsTask)
        .register(ParentTask)
        .register(ChildTask);
    registry
}
