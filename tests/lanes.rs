//! Lanes never strand: a lane that holds a queued run always has a head at or before
//! it, whatever commits while a claim or a cancel is in flight. The races are made
//! deterministic with a pause point the test controls: a trigger on `run` (in the
//! test's own database) that makes the claim or cancel statement wait on an advisory
//! lock the test holds, right after its snapshot was taken; the test triggers a run
//! meanwhile and then lets the statement go on.

use std::time::{Duration, Instant};

use crate::common;

use invoicectl::db;
use invoicectl::engine::{self, RunStatus, TriggerOptions};
use invoicectl_testbed::*;
use sqlx::{PgConnection, PgPool};

/// The advisory lock a paused statement waits on.
const PAUSE_KEY: i64 = 7_245_001;

async fn enqueue(pool: &PgPool, lane: &str, n: u64) -> String {
    let mut tx = pool.begin().await.unwrap();
    let t = engine::trigger(
        &mut tx,
        &NOOP,
        &NoopPayload { n },
        TriggerOptions {
            concurrency_key: Some(lane.to_owned()),
            ..TriggerOptions::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    t.run_id
}

/// Holds the pause lock on its own connection; statements that update run `run_id`
/// to `status` wait on it until [`Pause::release`].
struct Pause {
    holder: sqlx::pool::PoolConnection<sqlx::Postgres>,
    pool: PgPool,
}

impl Pause {
    async fn install(pool: &PgPool, run_id: &str, status: &str) -> Pause {
        sqlx::query(
            "CREATE FUNCTION test_pause() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 PERFORM pg_advisory_lock(7245001);
                 PERFORM pg_advisory_unlock(7245001);
                 RETURN NEW;
             END $$",
        )
        .execute(pool)
        .await
        .unwrap();
        // The ids are ULIDs and the status a fixed word: no quoting needed.
        assert!(
            run_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        );
        sqlx::query(&format!(
            "CREATE TRIGGER test_pause BEFORE UPDATE ON run FOR EACH ROW
             WHEN (NEW.id = '{run_id}' AND NEW.status = '{status}' AND OLD.status <> NEW.status)
             EXECUTE FUNCTION test_pause()"
        ))
        .execute(pool)
        .await
        .unwrap();
        let mut holder = pool.acquire().await.unwrap();
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(PAUSE_KEY)
            .execute(&mut *holder)
            .await
            .unwrap();
        Pause {
            holder,
            pool: pool.clone(),
        }
    }

    /// Returns once a statement waits at the pause point.
    async fn wait_until_paused(&self) {
        let pool = &self.pool;
        wait_for("a statement to reach the pause point", || async {
            sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                                WHERE d.datname = current_database() AND l.locktype = 'advisory'
                                  AND NOT l.granted AND l.objid = $1)",
            )
            .bind(PAUSE_KEY as i32)
            .fetch_one(pool)
            .await
            .unwrap()
        })
        .await;
    }

    async fn release(mut self) {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(PAUSE_KEY)
            .execute(&mut *self.holder)
            .await
            .unwrap();
    }
}

/// Polls `condition` until it holds: an event, not a deadline (the limit only turns a
/// hang into a failure).
async fn wait_for<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let limit = Duration::from_secs(60);
    let started = Instant::now();
    while !condition().await {
        assert!(started.elapsed() < limit, "waited {limit:?} for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Triggers a run of lane `lane` on its own connection while another statement is
/// paused, and returns once the trigger has either committed or is waiting for a
/// lock (the paused transaction's lane row): both are allowed, and which one happens
/// depends on whether that transaction has locked the lane yet.
async fn trigger_meanwhile(pool: &PgPool, lane: &str, n: u64) -> tokio::task::JoinHandle<String> {
    let mut conn = pool.acquire().await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let lane = lane.to_owned();
    let handle = tokio::spawn(async move {
        let mut tx = sqlx::Acquire::begin(&mut *conn).await.unwrap();
        let t = engine::trigger(
            &mut tx,
            &NOOP,
            &NoopPayload { n },
            TriggerOptions {
                concurrency_key: Some(lane),
                ..TriggerOptions::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        t.run_id
    });
    wait_for("the late trigger to commit or wait for a lock", || async {
        if handle.is_finished() {
            return true;
        }
        let waiting: Option<String> =
            sqlx::query_scalar("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1")
                .bind(pid)
                .fetch_one(pool)
                .await
                .unwrap();
        waiting.as_deref() == Some("Lock")
    })
    .await;
    handle
}

/// Lanes that break the head invariant: a queued run sorts before the head, or the
/// head is NULL while a run is queued.
async fn stranded_lanes(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT l.concurrency_key FROM run_lane l
         JOIN LATERAL (SELECT r.run_at, r.id FROM run r
                       WHERE r.queue = l.queue AND r.concurrency_key = l.concurrency_key
                         AND r.status = 'queued'
                       ORDER BY r.run_at, r.id LIMIT 1) first ON true
         WHERE l.head_at IS NULL
            OR (first.run_at, first.id) < (l.head_at, coalesce(l.head_id, ''))
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn claim(conn: &mut PgConnection) -> Vec<String> {
    let mut tx = sqlx::Acquire::begin(conn).await.unwrap();
    let claimed = db::runs::claim(
        &mut tx,
        "test-worker",
        10,
        30.0,
        &[LANE_QUEUE.name.to_owned()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut ids: Vec<String> = claimed.into_iter().map(|r| r.id).collect();
    ids.sort();
    ids
}

/// Completes every executing run (as a worker's pass would), freeing their lanes.
async fn complete_executing(pool: &PgPool) {
    let running: Vec<(String, String)> =
        sqlx::query_as("SELECT id, lease_token FROM run WHERE status = 'executing'")
            .fetch_all(pool)
            .await
            .unwrap();
    let batch: Vec<db::runs::Finish> = running
        .into_iter()
        .map(|(id, token)| db::runs::Finish::completed(id, token, serde_json::json!(null)))
        .collect();
    let mut conn = pool.acquire().await.unwrap();
    let done = db::runs::finish(&mut conn, &batch).await.unwrap();
    assert_eq!(done.len(), batch.len());
}

async fn status(pool: &PgPool, id: &str) -> RunStatus {
    let mut conn = pool.acquire().await.unwrap();
    db::runs::status(&mut conn, id).await.unwrap().unwrap()
}

/// The reported failure: a claim takes its snapshot, a trigger of another lane it is
/// about to lock commits, and the claim then moved that lane's head past the new run
/// (to NULL here), which no later claim or trigger of a later run undid.
#[sqlx::test]
async fn a_run_triggered_while_a_claim_is_in_flight_is_claimed_later(pool: PgPool) {
    let pool = common::wide_pool(&pool, 8).await;
    // Lane a's head is older, so the claim locks and claims lane a first, then b.
    let first = enqueue(&pool, "a", 1).await;
    let second = enqueue(&pool, "b", 2).await;
    let pause = Pause::install(&pool, &first, "executing").await;

    let claim_pool = pool.clone();
    let claiming = tokio::spawn(async move {
        let mut conn = claim_pool.acquire().await.unwrap();
        claim(&mut conn).await
    });
    pause.wait_until_paused().await;
    let late = trigger_meanwhile(&pool, "b", 3).await;
    pause.release().await;

    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(claiming.await.unwrap(), expected);
    let late = late.await.unwrap();
    assert_eq!(status(&pool, &late).await, RunStatus::Queued);
    assert_eq!(
        stranded_lanes(&pool).await,
        Vec::<String>::new(),
        "lane b holds a queued run behind its head"
    );

    // And it runs: once lane b is free again, the next claim takes it.
    complete_executing(&pool).await;
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(claim(&mut conn).await, vec![late.clone()]);
}

/// The same race against a cancel: canceling a lane's queued run recomputed the head
/// from the cancel's snapshot, so a run triggered into the lane meanwhile was left
/// behind a NULL head.
#[sqlx::test]
async fn a_run_triggered_while_a_cancel_is_in_flight_is_claimed_later(pool: PgPool) {
    let pool = common::wide_pool(&pool, 8).await;
    let doomed = enqueue(&pool, "c", 1).await;
    let pause = Pause::install(&pool, &doomed, "canceled").await;

    let cancel_pool = pool.clone();
    let target = doomed.clone();
    let canceling = tokio::spawn(async move {
        let mut tx = cancel_pool.begin().await.unwrap();
        let canceled = engine::cancel::cancel(&mut tx, &target).await.unwrap();
        tx.commit().await.unwrap();
        canceled.len()
    });
    pause.wait_until_paused().await;
    let late = trigger_meanwhile(&pool, "c", 2).await;
    pause.release().await;

    assert_eq!(canceling.await.unwrap(), 1);
    assert_eq!(status(&pool, &doomed).await, RunStatus::Canceled);
    let late = late.await.unwrap();
    assert_eq!(
        stranded_lanes(&pool).await,
        Vec::<String>::new(),
        "lane c holds a queued run behind its head"
    );
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(claim(&mut conn).await, vec![late]);
}
