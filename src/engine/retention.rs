//! Bounded history: runs that ended longer ago than the retention are deleted, so the
//! run table and its indexes grow with recent work rather than with everything ever
//! run.
//!
//! Every worker runs a `Pruner` beside its loop: a round right after it starts
//! (so a `--drain` worker started by cron prunes too), then one round per
//! [`RetentionPolicy::every`]. A round is a series of short batches, each its own
//! transaction holding one advisory lock, so at most one batch runs at any moment
//! across all the workers on a database; a worker that finds the lock taken leaves
//! the round to the worker holding it. After each batch the pruner rests as long as
//! the batch took, so it uses at most half of one connection, and claims — which
//! never read or lock ended runs — go on during and between batches. Which trees may
//! go is decided in the database ([`db::run_history`]).
//!
//! After deleting, a round releases the idempotency keys that can no longer
//! deduplicate (those of ended runs whose TTL ran out, and a child's TTL-less key once
//! it and its parent ended; see `KeyKind`), in batches of the same size and rhythm.
//! The unique key index, into which every keyed trigger inserts at a random place,
//! then holds about one TTL of keys instead of the whole retention window's.

use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::db;
use crate::db::run_history::{Cursor, KeyKind};

/// How long ended runs are kept, and how the pruner works through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// A run tree whose runs all ended longer ago than this is deleted, unless one of
    /// them holds an idempotency key whose TTL has not run out (a key without a TTL
    /// does not keep a run: a child's is released once it and its parent ended, a
    /// top-level run's lives as long as the run is kept).
    pub keep: Duration,
    /// How often a worker starts a round.
    pub every: Duration,
    /// Top-level runs looked at per batch (each with its child runs and steps), and
    /// keys looked at per key-release batch.
    pub batch: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            keep: Duration::from_secs(30 * 24 * 60 * 60),
            every: Duration::from_secs(60),
            batch: 500,
        }
    }
}

/// What one round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PruneSummary {
    /// Batches this round ran (each one transaction).
    pub batches: u64,
    /// Runs deleted, top-level and children.
    pub deleted: u64,
    /// Idempotency keys released (moved out of the unique index).
    pub released: u64,
    /// True when another pruner held the lock, so this round left the work to it.
    pub yielded: bool,
}

/// One round: delete batches until no ended run past the retention is left to look
/// at, then key-release batches (expired keys, then children's keys) until no
/// releasable key is left to look at; or until another pruner holds the lock. `stop`
/// is checked after each batch and ends the phase, so a round always completes at
/// least one batch of each phase (a `--drain` worker too) and stops within three
/// short batches. Deleting first spares releasing keys of runs about to go.
pub(crate) async fn prune_round(
    pool: &PgPool,
    policy: &RetentionPolicy,
    stop: &mut watch::Receiver<bool>,
) -> Result<PruneSummary, sqlx::Error> {
    let mut summary = PruneSummary::default();
    let limit = i64::from(policy.batch);
    let mut cursor: Option<Cursor> = None;
    loop {
        let started = Instant::now();
        let Some(mut tx) = begin_batch(pool).await? else {
            summary.yielded = true;
            return Ok(summary);
        };
        let batch = db::run_history::prune_batch(
            &mut tx,
            policy.keep.as_secs_f64(),
            cursor.as_ref(),
            limit,
        )
        .await?;
        tx.commit().await?;
        summary.batches += 1;
        summary.deleted += batch.deleted as u64;
        if batch.examined < limit || *stop.borrow() {
            break;
        }
        cursor = batch.cursor();
        if rest(started, stop).await {
            break;
        }
    }
    for kind in [KeyKind::Expired, KeyKind::Child] {
        let mut after: Option<String> = None;
        loop {
            let started = Instant::now();
            let Some(mut tx) = begin_batch(pool).await? else {
                summary.yielded = true;
                return Ok(summary);
            };
            let batch =
                db::run_history::release_keys(&mut tx, kind, after.as_deref(), limit).await?;
            tx.commit().await?;
            summary.batches += 1;
            summary.released += batch.released as u64;
            if batch.examined < limit || *stop.borrow() {
                break;
            }
            after = batch.last_id;
            if rest(started, stop).await {
                break;
            }
        }
    }
    Ok(summary)
}

/// Begins one batch's transaction holding the cluster-wide pruner lock; `None` when
/// another pruner holds it (this round then leaves the work to that one).
async fn begin_batch(
    pool: &PgPool,
) -> Result<Option<sqlx::Transaction<'static, sqlx::Postgres>>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    Ok(db::run_history::try_lock(&mut tx).await?.then_some(tx))
}

/// Rests as long as the batch begun at `started` took; true when `stop` changed.
async fn rest(started: Instant, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(started.elapsed()) => false,
        _ = stop.changed() => true,
    }
}

/// One round with nobody to stop it (tests, benchmarks, an operator's one-off).
pub async fn prune(pool: &PgPool, policy: &RetentionPolicy) -> Result<PruneSummary, sqlx::Error> {
    let (_never, mut stop) = watch::channel(false);
    prune_round(pool, policy, &mut stop).await
}

/// A worker's background pruner.
pub(crate) struct Pruner {
    running: Option<(watch::Sender<bool>, JoinHandle<()>)>,
}

impl Pruner {
    /// Starts pruning under `policy` on its own connection from `pool`; `None` prunes
    /// nothing.
    pub(crate) fn start(pool: &PgPool, policy: Option<RetentionPolicy>) -> Pruner {
        let Some(policy) = policy else {
            return Pruner { running: None };
        };
        let pool = pool.clone();
        let (stop_tx, mut stop) = watch::channel(false);
        let handle = tokio::spawn(async move {
            loop {
                match prune_round(&pool, &policy, &mut stop).await {
                    Ok(s) if s.deleted > 0 => tracing::info!(
                        deleted = s.deleted,
                        released_keys = s.released,
                        batches = s.batches,
                        retention_secs = policy.keep.as_secs(),
                        "deleted ended runs past their retention"
                    ),
                    // Routine bookkeeping after every export (its email child's key):
                    // an idle worker stays silent at the default level.
                    Ok(s) if s.released > 0 => tracing::debug!(
                        released_keys = s.released,
                        batches = s.batches,
                        "released spent idempotency keys"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(
                        error = %crate::redact::log_text(&e),
                        "pruning old runs failed; trying again next round"
                    ),
                }
                if *stop.borrow() {
                    return;
                }
                tokio::select! {
                    _ = tokio::time::sleep(policy.every) => {}
                    _ = stop.changed() => return,
                }
            }
        });
        Pruner {
            running: Some((stop_tx, handle)),
        }
    }

    /// Stops after the batch in flight (its transaction commits), waiting at most a
    /// few seconds before cutting it off (then it rolls back).
    pub(crate) async fn stop(self) {
        if let Some((stop, mut handle)) = self.running {
            let _ = stop.send(true);
            if tokio::time::timeout(Duration::from_secs(5), &mut handle)
                .await
                .is_err()
            {
                handle.abort();
            }
        }
    }
}
