//! What a task body sees of its run: identity, metadata, durable steps, checkpoints,
//! child runs and the stop signal.
//!
//! Every write goes through a transaction that first locks the run row by its lease
//! token (the fence): a worker that lost its lease, or whose run was canceled, gets
//! [`TaskError::LeaseLost`] / [`TaskError::Canceled`] and writes nothing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use tokio::sync::{mpsc, watch};

use super::events::WorkerEvent;
use super::idempotency::{IdempotencyKey, KeyScope};
use super::run::{ChildResult, EngineErrorCode, RunError, RunStatus};
use super::task::{TaskDef, TaskError};
use super::trigger::{TriggerOptions, trigger};
use crate::db;
use crate::db::runs::ClaimedRun;
use crate::db::steps::StepRow;
use crate::ids::RunId;

pub struct TaskContext {
    pool: PgPool,
    run: ClaimedRun,
    steps: HashMap<String, StepRow>,
    metadata: Map<String, Value>,
    stop: watch::Receiver<bool>,
    events: Option<mpsc::UnboundedSender<WorkerEvent>>,
    /// Set once a final step ([`FinalStepTransaction::commit_and_complete`]) completed the
    /// run in its own transaction: the attempt's end has nothing left to record.
    completed: bool,
}

/// Stored form of a child's Result in its parent's step.
#[derive(Debug, Serialize, serde::Deserialize)]
struct StoredChild {
    #[serde(rename = "childRunId")]
    child_run_id: RunId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ok: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<RunError>,
}

impl TaskContext {
    /// Fails (an abort: no retry would read them better) when the run's stored steps
    /// cannot be decoded, rather than start over as if the run had none.
    pub(crate) fn new(
        pool: PgPool,
        run: ClaimedRun,
        stop: watch::Receiver<bool>,
        events: Option<mpsc::UnboundedSender<WorkerEvent>>,
    ) -> Result<TaskContext, TaskError> {
        let steps = serde_json::from_value::<Vec<StepRow>>(run.steps.clone())
            .map_err(|e| {
                TaskError::abort(
                    EngineErrorCode::CorruptSteps,
                    format!("the stored steps of run {} cannot be read: {e}", run.id),
                )
            })?
            .into_iter()
            .map(|s| (s.name.clone(), s))
            .collect();
        let metadata = match &run.metadata {
            Value::Object(map) => map.clone(),
            _ => Map::new(),
        };
        Ok(TaskContext {
            pool,
            run,
            steps,
            metadata,
            stop,
            events,
            completed: false,
        })
    }

    /// True once a final step completed the run (see
    /// [`FinalStepTransaction::commit_and_complete`]).
    pub(crate) fn run_completed(&self) -> bool {
        self.completed
    }

    pub fn run_id(&self) -> &RunId {
        &self.run.id
    }

    /// The run's idempotency key (live or released), if it was triggered with one.
    pub(crate) fn idempotency_key(&self) -> Option<&str> {
        self.run.idempotency_key.as_deref()
    }

    pub fn attempt(&self) -> u32 {
        self.run.attempt as u32
    }

    /// When the run's first attempt began: a stable "as of" for the whole run.
    pub(crate) fn started_at(&self) -> DateTime<Utc> {
        self.run.started_at.unwrap_or(self.run.created_at)
    }

    /// For reads (e.g. tenant transactions); writes that belong to the run go through
    /// the fenced methods below.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// True once the worker is shutting down: a long task should save its checkpoint
    /// and return [`TaskError::Shutdown`].
    pub fn should_stop(&self) -> bool {
        *self.stop.borrow()
    }

    pub(crate) fn metadata(&self) -> &Map<String, Value> {
        &self.metadata
    }

    /// Sets a metadata key; persisted with the next checkpoint, step or
    /// `flush_metadata`.
    pub fn set_metadata(&mut self, key: &str, value: impl Into<Value>) {
        self.metadata.insert(key.to_owned(), value.into());
    }

    /// Writes the metadata now (fenced).
    pub(crate) async fn flush_metadata(&mut self) -> Result<(), TaskError> {
        self.fenced(false).await?.commit().await?;
        self.emit_progress();
        Ok(())
    }

    /// Fails unless this attempt still owns its run ([`TaskError::LeaseLost`],
    /// [`TaskError::Canceled`]): the check to pass right before an effect outside the
    /// database, which no fence can take back (an email). Writes the metadata, like
    /// every fenced transaction, without reporting progress.
    pub(crate) async fn check_fence(&mut self) -> Result<(), TaskError> {
        self.fenced(false).await?.commit().await?;
        Ok(())
    }

    /// The checkpoint a step saved last, if any. A stored checkpoint that does not
    /// decode as `C` is an error (an abort naming the step), never a silent fresh
    /// start: a corrupt CSV checkpoint must not restart the file from zero.
    pub fn checkpoint<C: DeserializeOwned>(&self, step: &str) -> Result<Option<C>, TaskError> {
        let Some(stored) = self.steps.get(step).and_then(|s| s.checkpoint.clone()) else {
            return Ok(None);
        };
        serde_json::from_value(stored).map(Some).map_err(|e| {
            TaskError::abort(
                EngineErrorCode::CorruptCheckpoint,
                format!(
                    "the checkpoint of step {step:?} of run {} cannot be read: {e}",
                    self.run.id
                ),
            )
        })
    }

    /// Saves a step's checkpoint and the metadata in one transaction (fenced). The
    /// checkpoint is progress: an attempt that saved one and then lost its worker is
    /// given back to the run, not counted against it (docs/faults.md, "Lost workers").
    pub async fn save_checkpoint<C: Serialize>(
        &mut self,
        step: &str,
        checkpoint: &C,
    ) -> Result<(), TaskError> {
        self.write_checkpoint(step, checkpoint, true).await?;
        crate::testhook::pause("checkpoint-committed").await;
        Ok(())
    }

    /// Saves a checkpoint that says again what an earlier one said, in another form
    /// (the same bytes, now in this attempt's file): fenced like any checkpoint, but
    /// no progress. An attempt that restates and dies before it gets further counts
    /// as a lost attempt without progress, so a run whose worker dies there every
    /// time still ends.
    pub async fn restate_checkpoint<C: Serialize>(
        &mut self,
        step: &str,
        checkpoint: &C,
    ) -> Result<(), TaskError> {
        self.write_checkpoint(step, checkpoint, false).await
    }

    async fn write_checkpoint<C: Serialize>(
        &mut self,
        step: &str,
        checkpoint: &C,
        progress: bool,
    ) -> Result<(), TaskError> {
        let value = serde_json::to_value(checkpoint)?;
        let mut tx = self.fenced(progress).await?;
        db::steps::save_checkpoint(&mut tx, &self.run.id, step, &value).await?;
        crate::testhook::pause("checkpoint-in-transaction").await;
        tx.commit().await?;
        let entry = self
            .steps
            .entry(step.to_owned())
            .or_insert_with(|| StepRow {
                name: step.to_owned(),
                output: None,
                checkpoint: None,
                completed: false,
            });
        entry.checkpoint = Some(value);
        self.emit_progress();
        Ok(())
    }

    /// A finished step's stored output, if this run completed the step before (on an
    /// earlier attempt, or before a takeover). A durable step is:
    ///
    /// ```text
    /// let total = match ctx.step_output::<u64>("count")? {
    ///     Some(total) => total,
    ///     None => {
    ///         let total = count().await?;
    ///         ctx.complete_step("count", &total).await?;
    ///         total
    ///     }
    /// };
    /// ```
    ///
    /// (An explicit pattern rather than a closure: step bodies borrow the context and
    /// database connections, which closures returning futures cannot express well.)
    pub fn step_output<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, TaskError> {
        match self.steps.get(name) {
            Some(step) if step.completed => {
                let value = step.output.clone().unwrap_or(Value::Null);
                Ok(Some(serde_json::from_value(value)?))
            }
            _ => Ok(None),
        }
    }

    /// Records a step as finished with its output, together with the metadata
    /// (fenced): a retry or takeover gets the output from [`step_output`](Self::step_output).
    pub async fn complete_step<T: Serialize>(
        &mut self,
        name: &str,
        output: &T,
    ) -> Result<(), TaskError> {
        let value = serde_json::to_value(output)?;
        let mut tx = self.fenced(true).await?;
        db::steps::complete(&mut tx, &self.run.id, name, &value).await?;
        tx.commit().await?;
        self.remember_completed(name, value);
        self.emit_progress();
        Ok(())
    }

    /// Begins a step whose own writes share one transaction with the record of the
    /// step: either both commit or neither, so a crash can never repeat them. Check
    /// [`step_output`](Self::step_output) first.
    pub(crate) async fn begin_step_transaction(
        &mut self,
        name: &str,
    ) -> Result<StepTransaction, TaskError> {
        // The fence (engine rows) comes first: the step may switch the transaction to
        // a tenant role.
        let tx = self.fenced(true).await?;
        Ok(StepTransaction {
            tx,
            name: name.to_owned(),
            undo: None,
        })
    }

    /// Begins the run's last step: a [`FinalStepTransaction`], whose commit records
    /// the step and completes the run in one transaction. The run's lane is locked
    /// first, before the step's own writes, as every enqueue into it locks it before
    /// its own (docs/architecture.md, "Lock order"): a completion that reached the lane
    /// only after the task's writes could deadlock with a request for the same lane.
    pub(crate) async fn begin_final_step_transaction(
        &mut self,
        name: &str,
    ) -> Result<FinalStepTransaction, TaskError> {
        let mut step = self.begin_step_transaction(name).await?;
        db::lanes::lock(&mut step.tx, &self.run.queue, &self.run.concurrency_key).await?;
        Ok(FinalStepTransaction(step))
    }

    /// Triggers a child run and waits for its Result. The child's idempotency key is
    /// scoped to this run (unless `options` names another), and its id is stored in
    /// this run's step, so a retry of this run finds the same child and its Result
    /// instead of starting a second one. While the child runs, this run is `waiting`:
    /// it gives up its worker slot but keeps its lane.
    pub async fn trigger_and_wait<P: Serialize>(
        &mut self,
        step: &str,
        child: &TaskDef,
        payload: &P,
        mut options: TriggerOptions,
    ) -> Result<ChildResult, TaskError> {
        if let Some(stored) = self.step_output::<StoredChild>(step)? {
            return Ok(stored_result(stored));
        }
        let mut tx = self.fenced(true).await?;
        let known_child = match self
            .steps
            .get(step)
            .and_then(|s| s.checkpoint.as_ref())
            .and_then(|c| c.get("childRunId"))
        {
            None => None,
            Some(id) => Some(RunId::deserialize(id).map_err(|e| {
                TaskError::abort(
                    EngineErrorCode::CorruptCheckpoint,
                    format!("the child run id of step {step:?} cannot be read: {e}"),
                )
            })?),
        };
        let child_id = match known_child {
            Some(id) => id,
            None => {
                if options.idempotency_key.is_none() {
                    options.idempotency_key = Some(IdempotencyKey::create(
                        child.id,
                        &[step],
                        &KeyScope::Run(self.run.id.to_string()),
                        None,
                    ));
                }
                options.parent_run_id = Some(self.run.id.clone());
                let triggered =
                    trigger(&mut tx, child, payload, options)
                        .await
                        .map_err(|e| match e {
                            super::trigger::TriggerError::Database(e) => TaskError::from(e),
                            e @ super::trigger::TriggerError::KeyContended { .. } => {
                                TaskError::retryable(
                                    EngineErrorCode::DatabaseError,
                                    crate::redact::log_text(&e),
                                )
                            }
                            other => TaskError::retryable(
                                EngineErrorCode::TriggerFailed,
                                crate::redact::log_text(&other),
                            ),
                        })?;
                db::steps::save_checkpoint(
                    &mut tx,
                    &self.run.id,
                    step,
                    &serde_json::json!({ "childRunId": triggered.run_id }),
                )
                .await?;
                triggered.run_id
            }
        };
        // Lock the child so it cannot end between this read and our `waiting`: its
        // finish will see us waiting and wake us.
        let (status, output, error) = db::runs::lock_status(&mut tx, &child_id)
            .await?
            .ok_or_else(|| {
                TaskError::abort(
                    EngineErrorCode::ChildMissing,
                    format!("child run {child_id} vanished"),
                )
            })?;
        if status.is_final() {
            let stored = StoredChild {
                child_run_id: child_id,
                ok: (status == RunStatus::Completed).then(|| output.unwrap_or(Value::Null)),
                error: (status != RunStatus::Completed).then(|| {
                    error
                        .and_then(|e| serde_json::from_value(e).ok())
                        .unwrap_or_else(|| {
                            let code = match status {
                                RunStatus::Canceled => EngineErrorCode::Canceled,
                                _ => EngineErrorCode::Failed,
                            };
                            RunError::new(code, "child run ended")
                        })
                }),
            };
            let value = serde_json::to_value(&stored)?;
            db::steps::complete(&mut tx, &self.run.id, step, &value).await?;
            tx.commit().await?;
            self.remember_completed(step, value);
            return Ok(stored_result(stored));
        }
        if !db::runs::wait_on_child(&mut tx, &self.run.id, &self.run.lease_token, &child_id).await?
        {
            return Err(self.fence_error().await);
        }
        tx.commit().await?;
        Err(TaskError::Suspended)
    }

    fn remember_completed(&mut self, name: &str, value: Value) {
        let entry = self
            .steps
            .entry(name.to_owned())
            .or_insert_with(|| StepRow {
                name: name.to_owned(),
                output: None,
                checkpoint: None,
                completed: false,
            });
        entry.output = Some(value);
        entry.completed = true;
    }

    /// Begins a transaction holding the run row, if this attempt still owns it. The
    /// fence is the metadata write itself (a fenced UPDATE locks the row), so every
    /// fenced transaction persists the metadata without a separate statement.
    /// `progress`: the transaction commits a step or checkpoint (the same UPDATE
    /// records it, see `db::runs::set_metadata`).
    async fn fenced(&self, progress: bool) -> Result<Transaction<'static, Postgres>, TaskError> {
        let mut tx = self.pool.begin().await?;
        self.write_metadata(&mut tx, progress).await?;
        Ok(tx)
    }

    async fn fence_error(&self) -> TaskError {
        // A lost connection here says nothing about the lease: report the database,
        // whose release (fenced like every finish) is a no-op if the lease is gone.
        let mut conn = match self.pool.acquire().await {
            Ok(conn) => conn,
            Err(e) if db::is_connection_lost(&e) => return TaskError::from(e),
            Err(_) => return TaskError::LeaseLost,
        };
        match db::runs::status(&mut conn, &self.run.id).await {
            Ok(Some(RunStatus::Canceled)) => TaskError::Canceled,
            Err(e) if db::is_connection_lost(&e) => TaskError::from(e),
            _ => TaskError::LeaseLost,
        }
    }

    async fn write_metadata(
        &self,
        conn: &mut PgConnection,
        progress: bool,
    ) -> Result<(), TaskError> {
        let value = Value::Object(self.metadata.clone());
        if !db::runs::set_metadata(conn, &self.run.id, &self.run.lease_token, &value, progress)
            .await?
        {
            return Err(self.fence_error().await);
        }
        Ok(())
    }

    fn emit_progress(&self) {
        if let Some(events) = &self.events {
            let _ = events.send(WorkerEvent::Progress {
                run_id: self.run.id.clone(),
                metadata: Value::Object(self.metadata.clone()),
            });
        }
    }
}

/// Undoes what a task did to its transaction's session (a role it switched to, a
/// setting) so that the engine's own writes after it run as the session's user.
pub(crate) type SessionUndo =
    for<'c> fn(&'c mut PgConnection) -> BoxFuture<'c, Result<(), sqlx::Error>>;

/// An open step transaction (see [`TaskContext::begin_step_transaction`]).
pub(crate) struct StepTransaction {
    tx: Transaction<'static, Postgres>,
    name: String,
    /// Registered by the task when its writes change the session.
    undo: Option<SessionUndo>,
}

impl StepTransaction {
    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Registers how to undo what the step's writes do to the session (a role they
    /// switch to): [`commit`](Self::commit) runs it before it records the step, which
    /// the engine writes as the session's own user.
    pub(crate) fn undo_before_commit(&mut self, undo: SessionUndo) {
        self.undo = Some(undo);
    }

    /// Records the step's output and commits the step's writes with it.
    pub(crate) async fn commit<T: Serialize>(
        mut self,
        ctx: &mut TaskContext,
        output: &T,
    ) -> Result<(), TaskError> {
        let value = serde_json::to_value(output)?;
        if let Some(undo) = self.undo.take() {
            undo(&mut self.tx).await?;
        }
        db::steps::complete(&mut self.tx, &ctx.run.id, &self.name, &value).await?;
        self.tx.commit().await?;
        ctx.remember_completed(&self.name, value);
        ctx.emit_progress();
        Ok(())
    }
}

/// The run's last step (see [`TaskContext::begin_final_step_transaction`]): a
/// [`StepTransaction`] that holds the run's lane and can only commit by completing
/// the run.
pub(crate) struct FinalStepTransaction(StepTransaction);

impl std::ops::Deref for FinalStepTransaction {
    type Target = StepTransaction;

    fn deref(&self) -> &StepTransaction {
        &self.0
    }
}

impl std::ops::DerefMut for FinalStepTransaction {
    fn deref_mut(&mut self) -> &mut StepTransaction {
        &mut self.0
    }
}

impl FinalStepTransaction {
    /// The run's final step: records the step's output, completes the run with
    /// `run_output` (what the task then returns), and commits both with the step's
    /// writes, in ONE transaction. A worker lost right after the commit leaves a
    /// completed run, never a run whose last step happened and which a takeover
    /// could still fail or repeat (docs/faults.md, "Lost workers"). The completion is
    /// the worker's finish (lanes, a waiting parent woken), fenced by the lease token
    /// the transaction already holds.
    pub(crate) async fn commit_and_complete<T: Serialize, O: Serialize>(
        self,
        ctx: &mut TaskContext,
        output: &T,
        run_output: &O,
    ) -> Result<(), TaskError> {
        let FinalStepTransaction(mut step) = self;
        let value = serde_json::to_value(output)?;
        let finished = serde_json::to_value(run_output)?;
        if let Some(undo) = step.undo.take() {
            undo(&mut step.tx).await?;
        }
        db::steps::complete(&mut step.tx, &ctx.run.id, &step.name, &value).await?;
        let finish =
            db::runs::Finish::completed(ctx.run.id.clone(), ctx.run.lease_token.clone(), finished);
        if db::runs::finish(&mut step.tx, std::slice::from_ref(&finish))
            .await?
            .is_empty()
        {
            // The fence holds the row, so this cannot happen; if it did, the step
            // must not commit without the completion.
            return Err(ctx.fence_error().await);
        }
        step.tx.commit().await?;
        ctx.completed = true;
        ctx.remember_completed(&step.name, value);
        ctx.emit_progress();
        Ok(())
    }
}

fn stored_result(stored: StoredChild) -> ChildResult {
    match (stored.ok, stored.error) {
        (_, Some(error)) => Err(error),
        (ok, None) => Ok(ok.unwrap_or(Value::Null)),
    }
}
