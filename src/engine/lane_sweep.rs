//! The lane sweep: a safety net for the head invariant (every queued run of a lane
//! sorts at or after the lane's head, and a lane holding queued runs has a head).
//! A lane that breaks it is stranded — no claim reaches the runs behind its head,
//! ever — and the claim, trigger, finish and cancel statements are written so that
//! none does (see [`crate::db::runs`]). The sweep checks anyway, like River's
//! rescuer: a bug there, or a hand edit of `run_lane`, must cost a delay, not runs.
//!
//! Every worker runs a `LaneSweeper` beside its loop, a round every
//! [`WorkerOptions::lane_sweep`](super::WorkerOptions::lane_sweep); a `--drain` or
//! `--once` worker runs one round before it claims. A round reads every lane in
//! pages of `PAGE` (one index probe per lane, no locks); a lane found stranded is
//! repaired in a short transaction that locks it and checks again from a snapshot
//! taken after the lock (a claim that had just moved the head on correctly is then
//! no longer stranded). Each repair is logged as an error, naming the lane, its old
//! head and the run it skipped, and counted in
//! `metrics::LANES_REPAIRED`: it means a bug.

use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::metrics;
use crate::db;
use crate::db::lanes::{LaneKey, Repaired};

/// Lanes checked per statement.
pub(crate) const PAGE: i64 = 1_000;

/// What one round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepSummary {
    /// Lanes checked.
    pub examined: u64,
    /// Lanes found stranded and repaired.
    pub repaired: Vec<Repaired>,
}

/// One round over every lane: check, and repair what is stranded. `stop` ends the
/// round between pages.
pub(crate) async fn sweep_round(
    pool: &PgPool,
    stop: &watch::Receiver<bool>,
) -> Result<SweepSummary, sqlx::Error> {
    let mut summary = SweepSummary::default();
    let mut after: Option<LaneKey> = None;
    loop {
        let page = {
            let mut conn = pool.acquire().await?;
            db::lanes::check_page(&mut conn, after.as_ref(), PAGE).await?
        };
        summary.examined += page.examined as u64;
        if !page.stranded.is_empty() {
            let mut tx = pool.begin().await?;
            let repaired = db::lanes::repair(&mut tx, &page.stranded).await?;
            tx.commit().await?;
            for lane in &repaired {
                report(lane);
            }
            summary.repaired.extend(repaired);
        }
        if (page.examined as i64) < PAGE || *stop.borrow() {
            return Ok(summary);
        }
        after = page.last;
    }
}

/// A repair is a bug somewhere: say so loudly, once per lane, and count it.
fn report(lane: &Repaired) {
    tracing::error!(
        queue = %lane.queue,
        concurrency_key = %lane.concurrency_key,
        head_at = ?lane.head_at,
        head_id = ?lane.head_id,
        run_id = %lane.run_id,
        run_at = %lane.run_at,
        "a lane held a queued run behind its head (stranded); moved the head back to it"
    );
    metrics::lane_repaired(&lane.queue);
}

/// One round with nobody to stop it (a `--drain` worker before it claims, tests).
pub async fn sweep(pool: &PgPool) -> Result<SweepSummary, sqlx::Error> {
    let (_never, stop) = watch::channel(false);
    sweep_round(pool, &stop).await
}

/// A worker's background sweep.
pub(crate) struct LaneSweeper {
    running: Option<(watch::Sender<bool>, JoinHandle<()>)>,
}

impl LaneSweeper {
    /// Sweeps every `every` (the first round at once) on connections from `pool`;
    /// `None` sweeps nothing.
    pub(crate) fn start(pool: &PgPool, every: Option<Duration>) -> LaneSweeper {
        let Some(every) = every else {
            return LaneSweeper { running: None };
        };
        let pool = pool.clone();
        let (stop_tx, mut stop) = watch::channel(false);
        let handle = tokio::spawn(async move {
            loop {
                if let Err(e) = sweep_round(&pool, &stop).await {
                    tracing::warn!(
                        error = %crate::redact::log_text(&e),
                        "checking the lanes' heads failed; trying again next round"
                    );
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stop.changed() => return,
                }
            }
        });
        LaneSweeper {
            running: Some((stop_tx, handle)),
        }
    }

    /// Stops after the page in flight, waiting at most a few seconds.
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
