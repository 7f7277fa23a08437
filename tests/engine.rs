//! The run engine against a real PostgreSQL — idempotent triggers, lanes
//! across real worker processes, retries, takeover after kill -9, fencing, child
//! runs, graceful shutdown and cancel.

use crate::common;
use crate::common::process::{signal, wait_exit};

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use invoicectl::db;
use invoicectl::engine::{
    self, IdempotencyKey, KeyScope, RunStatus, TaskDef, TriggerOptions, Worker, WorkerMode,
    WorkerOptions,
};
use invoicectl::ids::RunId;
use invoicectl_testbed::*;
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

async fn prepare(pool: &PgPool) {
    sqlx::query(LOG_TABLE).execute(pool).await.unwrap();
}

async fn enqueue<P: serde::Serialize>(
    pool: &PgPool,
    task: &TaskDef,
    payload: &P,
    options: TriggerOptions,
) -> RunId {
    let mut tx = pool.begin().await.unwrap();
    let t = engine::trigger(&mut tx, task, payload, options)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    t.run_id
}

fn keyed(key: &str) -> TriggerOptions {
    TriggerOptions {
        concurrency_key: Some(key.to_owned()),
        ..TriggerOptions::default()
    }
}

fn fast_options(mode: WorkerMode, concurrency: usize) -> WorkerOptions {
    WorkerOptions {
        concurrency,
        mode,
        poll_interval: Duration::from_millis(50),
        lease: Duration::from_secs(5),
        heartbeat: Duration::from_secs(1),
        ..WorkerOptions::default()
    }
}

/// Runs in-process drain workers until every run in `ids` has ended (retries are
/// scheduled a little later, so one drain may not be enough).
async fn drain_until_final(pool: &PgPool, ids: &[RunId], limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let (_tx, rx) = tokio::sync::watch::channel(false);
        Worker::new(pool.clone(), registry(), fast_options(WorkerMode::Drain, 4))
            .run(rx)
            .await
            .unwrap();
        let mut all_final = true;
        for id in ids {
            if !status(pool, id).await.is_final() {
                all_final = false;
            }
        }
        if all_final {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "runs did not end within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

async fn run(pool: &PgPool, id: &RunId) -> engine::RunRecord {
    let mut conn = pool.acquire().await.unwrap();
    db::runs::get(&mut conn, id)
        .await
        .unwrap()
        .expect("run exists")
}

async fn status(pool: &PgPool, id: &RunId) -> RunStatus {
    run(pool, id).await.status()
}

async fn log_count(pool: &PgPool, run_id: &RunId, event: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM engine_test_log WHERE run_id = $1 AND event = $2")
        .bind(run_id)
        .bind(event)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn lanes_idle(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT coalesce(sum(running), 0)::bigint FROM run_lane")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn one_hundred_racing_triggers_make_one_run(pool: PgPool) {
    let url = common::pool_url(&pool);
    let wide = PgPoolOptions::new()
        .max_connections(40)
        .connect(&url)
        .await
        .unwrap();
    let key = IdempotencyKey::create(
        RECORD.id,
        &["same"],
        &KeyScope::Global,
        Some(Duration::from_secs(3600)),
    );
    let mut handles = Vec::new();
    for _ in 0..100 {
        let pool = wide.clone();
        let key = key.clone();
        handles.push(tokio::spawn(async move {
            let mut tx = pool.begin().await.unwrap();
            let t = engine::trigger(
                &mut tx,
                &RECORD,
                &RecordPayload {
                    key: "k".into(),
                    sleep_ms: 0,
                },
                TriggerOptions {
                    idempotency_key: Some(key),
                    concurrency_key: Some("k".into()),
                    ..TriggerOptions::default()
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            t
        }));
    }
    let mut ids = std::collections::HashSet::new();
    let mut fresh = 0;
    for h in handles {
        let t = h.await.unwrap();
        if !t.deduplicated {
            fresh += 1;
        }
        ids.insert(t.run_id);
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(fresh, 1);
    assert_eq!(common::count(&pool, "run").await, 1);
}

#[sqlx::test]
async fn expired_or_failed_keys_are_released(pool: PgPool) {
    prepare(&pool).await;
    let key = |ttl| IdempotencyKey::create(FLAKY.id, &["x"], &KeyScope::Global, ttl);
    let options = |ttl| TriggerOptions {
        idempotency_key: Some(key(ttl)),
        ..TriggerOptions::default()
    };
    let payload = FlakyPayload {
        fail_times: 9,
        abort: true,
    };
    let first = enqueue(
        &pool,
        &FLAKY,
        &payload,
        options(Some(Duration::from_secs(3600))),
    )
    .await;
    assert_eq!(
        enqueue(
            &pool,
            &FLAKY,
            &payload,
            options(Some(Duration::from_secs(3600)))
        )
        .await,
        first
    );
    drain_until_final(&pool, std::slice::from_ref(&first), Duration::from_secs(20)).await;
    assert_eq!(status(&pool, &first).await, RunStatus::Failed);
    let second = enqueue(
        &pool,
        &FLAKY,
        &payload,
        options(Some(Duration::from_secs(3600))),
    )
    .await;
    assert_ne!(second, first, "a failed run releases its key");

    // A TTL that ran out releases the key too.
    let short = IdempotencyKey::create(
        FLAKY.id,
        &["ttl"],
        &KeyScope::Global,
        Some(Duration::from_millis(50)),
    );
    let opts = || TriggerOptions {
        idempotency_key: Some(short.clone()),
        ..TriggerOptions::default()
    };
    let a = enqueue(
        &pool,
        &FLAKY,
        &FlakyPayload {
            fail_times: 0,
            abort: false,
        },
        opts(),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(80)).await;
    let b = enqueue(
        &pool,
        &FLAKY,
        &FlakyPayload {
            fail_times: 0,
            abort: false,
        },
        opts(),
    )
    .await;
    assert_ne!(a, b);
}

#[sqlx::test]
async fn retries_then_succeeds_or_fails_with_last_error(pool: PgPool) {
    prepare(&pool).await;
    let flaky = |fail_times, abort| FlakyPayload { fail_times, abort };
    let succeeds = enqueue(&pool, &FLAKY, &flaky(2, false), TriggerOptions::default()).await;
    let exhausts = enqueue(&pool, &FLAKY, &flaky(5, false), TriggerOptions::default()).await;
    let aborts = enqueue(&pool, &FLAKY, &flaky(5, true), TriggerOptions::default()).await;
    // A stored payload that fails validation: an unknown key.
    let invalid = enqueue(
        &pool,
        &FLAKY,
        &json!({ "failTimes": 0, "bogus": 1 }),
        TriggerOptions::default(),
    )
    .await;
    let out_of_range = enqueue(
        &pool,
        &FLAKY,
        &json!({ "failTimes": 1000 }),
        TriggerOptions::default(),
    )
    .await;
    let ids = [
        succeeds.clone(),
        exhausts.clone(),
        aborts.clone(),
        invalid.clone(),
        out_of_range.clone(),
    ];
    drain_until_final(&pool, &ids, Duration::from_secs(30)).await;

    let r = run(&pool, &succeeds).await;
    assert_eq!((r.status(), r.attempt), (RunStatus::Completed, 3));
    assert_eq!(r.output, Some(json!({ "succeededOnAttempt": 3 })));
    assert_eq!(log_count(&pool, &succeeds, "attempt").await, 3);

    let r = run(&pool, &exhausts).await;
    assert_eq!((r.status(), r.attempt), (RunStatus::Failed, 3));
    let error = r.error.unwrap();
    assert_eq!(error["code"], "planned_failure");
    assert_eq!(error["message"], "planned failure on attempt 3");

    let r = run(&pool, &aborts).await;
    assert_eq!((r.status(), r.attempt), (RunStatus::Failed, 1));
    assert_eq!(r.error.unwrap()["code"], "planned_abort");

    for id in [&invalid, &out_of_range] {
        let r = run(&pool, id).await;
        assert_eq!((r.status(), r.attempt), (RunStatus::Failed, 1));
        assert_eq!(r.error.unwrap()["code"], "validation_error");
        assert_eq!(
            log_count(&pool, id, "attempt").await,
            0,
            "the body never ran"
        );
    }
    assert_eq!(lanes_idle(&pool).await, 0);
}

fn testbed() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join("examples").join("engine_testbed");
    assert!(
        path.exists(),
        "build the example first: cargo build --examples ({path:?})"
    );
    path
}

fn spawn_worker(
    url: &str,
    mode: &str,
    concurrency: usize,
    lease_ms: u64,
    heartbeat_ms: u64,
) -> Child {
    Command::new(testbed())
        .args([
            url,
            mode,
            &concurrency.to_string(),
            &lease_ms.to_string(),
            &heartbeat_ms.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn worker")
}

async fn wait_for(pool: &PgPool, what: &str, limit: Duration, sql: &str) {
    let deadline = Instant::now() + limit;
    loop {
        let ok: bool = sqlx::query_scalar(sql).fetch_one(pool).await.unwrap();
        if ok {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits (bounded) until the steps task `run_id` has checkpointed `ticks` ticks.
async fn wait_for_ticks(pool: &PgPool, run_id: &RunId, ticks: i32) {
    wait_for(
        pool,
        &format!("{ticks} checkpoints of {run_id}"),
        Duration::from_secs(20),
        &format!("SELECT coalesce((metadata->>'ticks')::int, 0) >= {ticks} FROM run WHERE id = '{run_id}'"),
    )
    .await;
}

type Interval = (String, DateTime<Utc>, DateTime<Utc>);

async fn intervals(pool: &PgPool) -> Vec<Interval> {
    sqlx::query_as(
        "SELECT s.key, s.at, e.at FROM engine_test_log s
         JOIN engine_test_log e ON e.run_id = s.run_id AND e.event = 'end'
         WHERE s.event = 'start' ORDER BY s.key, s.at",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

fn assert_lanes_serialized(intervals: &[Interval]) {
    for pair in intervals.windows(2) {
        if pair[0].0 == pair[1].0 {
            assert!(
                pair[1].1 >= pair[0].2,
                "runs of key {} overlap: {:?} starts before {:?} ends",
                pair[0].0,
                pair[1].1,
                pair[0].2
            );
        }
    }
}

fn overlapping_keys(intervals: &[Interval]) -> usize {
    let mut n = 0;
    for (i, a) in intervals.iter().enumerate() {
        for b in &intervals[i + 1..] {
            if a.0 != b.0 && a.1 < b.2 && b.1 < a.2 {
                n += 1;
            }
        }
    }
    n
}

#[sqlx::test]
async fn lanes_hold_across_four_worker_processes(pool: PgPool) {
    prepare(&pool).await;
    let url = common::pool_url(&pool);
    let mut ids = Vec::new();
    for round in 0..4 {
        for key in 0..50 {
            let key = format!("key{key:02}");
            let _ = round;
            ids.push(
                enqueue(
                    &pool,
                    &RECORD,
                    &RecordPayload {
                        key: key.clone(),
                        sleep_ms: 15,
                    },
                    keyed(&key),
                )
                .await,
            );
        }
    }
    let mut workers: Vec<Child> = (0..4)
        .map(|_| spawn_worker(&url, "forever", 4, 5_000, 1_000))
        .collect();
    wait_for(
        &pool,
        "all 200 runs to complete",
        Duration::from_secs(60),
        "SELECT count(*) = 200 FROM run WHERE status = 'completed'",
    )
    .await;
    for w in &workers {
        signal(w, libc::SIGTERM);
    }
    for w in &mut workers {
        assert!(wait_exit(w, Duration::from_secs(10)).success());
    }
    let intervals = intervals(&pool).await;
    assert_eq!(intervals.len(), 200, "every run executed exactly once");
    assert_lanes_serialized(&intervals);
    assert!(
        overlapping_keys(&intervals) > 0,
        "different keys ran in parallel"
    );
    let attempts: i32 = sqlx::query_scalar("SELECT max(attempt) FROM run")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempts, 1);
    assert_eq!(lanes_idle(&pool).await, 0);
}

#[sqlx::test]
async fn clustered_backlog_stays_serialized_and_fair(pool: PgPool) {
    prepare(&pool).await;
    let url = common::pool_url(&pool);
    // One org's backlog in a block, enqueued first, then ten single runs.
    for _ in 0..60 {
        enqueue(
            &pool,
            &RECORD,
            &RecordPayload {
                key: "big".into(),
                sleep_ms: 10,
            },
            keyed("big"),
        )
        .await;
    }
    for key in 0..10 {
        let key = format!("small{key}");
        enqueue(
            &pool,
            &RECORD,
            &RecordPayload {
                key: key.clone(),
                sleep_ms: 10,
            },
            keyed(&key),
        )
        .await;
    }
    let mut workers: Vec<Child> = (0..2)
        .map(|_| spawn_worker(&url, "drain", 4, 5_000, 1_000))
        .collect();
    for w in &mut workers {
        assert!(wait_exit(w, Duration::from_secs(60)).success());
    }
    // A drain may end while the other worker still holds the big lane's last run.
    drain_until_final(&pool, &[], Duration::from_secs(30)).await;
    let completed: i64 = sqlx::query_scalar("SELECT count(*) FROM run WHERE status = 'completed'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(completed, 70);
    let intervals = intervals(&pool).await;
    assert_lanes_serialized(&intervals);
    // Fairness: every small lane started before the big lane's fifth run ended.
    let mut big: Vec<&Interval> = intervals.iter().filter(|i| i.0 == "big").collect();
    big.sort_by_key(|i| i.1);
    let last_small_start = intervals
        .iter()
        .filter(|i| i.0 != "big")
        .map(|i| i.1)
        .max()
        .unwrap();
    assert!(
        last_small_start <= big[4].2,
        "small lanes waited behind the big backlog"
    );
}

#[sqlx::test]
async fn killed_worker_is_taken_over_without_repeating_steps(pool: PgPool) {
    prepare(&pool).await;
    let url = common::pool_url(&pool);
    let id = enqueue(
        &pool,
        &STEPS,
        &StepsPayload {
            ticks: 30,
            tick_ms: 50,
        },
        TriggerOptions::default(),
    )
    .await;
    let mut first = spawn_worker(&url, "forever", 1, 1_000, 250);
    wait_for_ticks(&pool, &id, 3).await;
    signal(&first, libc::SIGKILL);
    let _ = first.wait();
    let killed_at_ticks: i64 = sqlx::query_scalar(&format!(
        "SELECT (metadata->>'ticks')::bigint FROM run WHERE id = '{id}'"
    ))
    .fetch_one(&pool)
    .await
    .unwrap();

    let mut second = spawn_worker(&url, "forever", 1, 1_000, 250);
    wait_for(
        &pool,
        "the takeover to complete the run",
        Duration::from_secs(30),
        &format!("SELECT status = 'completed' FROM run WHERE id = '{id}'"),
    )
    .await;
    signal(&second, libc::SIGTERM);
    assert!(wait_exit(&mut second, Duration::from_secs(10)).success());

    let r = run(&pool, &id).await;
    assert_eq!(
        r.attempt, 1,
        "the lost attempt made progress: given back, not counted"
    );
    assert_eq!(r.output, Some(json!({ "first": 42, "ticks": 30 })));
    assert_eq!(
        log_count(&pool, &id, "step-one").await,
        1,
        "finished step not re-executed"
    );
    assert_eq!(
        log_count(&pool, &id, "resumed").await,
        1,
        "resumed from the checkpoint"
    );
    assert!(killed_at_ticks >= 3);
    assert_eq!(lanes_idle(&pool).await, 0);
}

#[sqlx::test]
async fn worker_sessions_bound_idle_transactions_and_lock_waits_by_the_lease(pool: PgPool) {
    use sqlx::{ConnectOptions, Connection};

    let limits = |lease| {
        WorkerOptions {
            lease,
            ..WorkerOptions::default()
        }
        .session_limits()
    };
    let connect =
        |lease| db::with_session_limits((*pool.connect_options()).clone(), &limits(lease));

    // The settings reach the server in the startup packet, derived from the lease.
    let mut conn = connect(Duration::from_secs(7)).connect().await.unwrap();
    for (name, expected) in [
        ("idle_in_transaction_session_timeout", "7s"),
        ("lock_timeout", "7s"),
        // (PostgreSQL shows the TCP settings as bare numbers: seconds, ms.)
        ("tcp_keepalives_idle", "7"),
        ("tcp_keepalives_interval", "2"),
        ("tcp_keepalives_count", "3"),
        ("tcp_user_timeout", "7000"),
    ] {
        let value: String = sqlx::query_scalar(&format!("SHOW {name}"))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(value, expected, "{name}");
    }
    conn.close().await.unwrap();

    // They bite: with a 1 s lease, a session idle inside a transaction loses it (and
    // its row lock) after about 1 s, and a lock wait fails after about 1 s.
    sqlx::query("CREATE TABLE held (id int PRIMARY KEY)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO held VALUES (1)")
        .execute(&pool)
        .await
        .unwrap();
    let mut hung = connect(Duration::from_secs(1)).connect().await.unwrap();
    sqlx::query("BEGIN").execute(&mut hung).await.unwrap();
    sqlx::query("SELECT id FROM held WHERE id = 1 FOR UPDATE")
        .execute(&mut hung)
        .await
        .unwrap();
    // A plain session waiting for the row gets it once the hung session is ended.
    let mut waiter = pool.begin().await.unwrap();
    let started = Instant::now();
    sqlx::query("SELECT id FROM held WHERE id = 1 FOR UPDATE")
        .execute(&mut *waiter)
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let ended = sqlx::query("SELECT 1")
        .execute(&mut hung)
        .await
        .unwrap_err();
    assert!(
        ended.to_string().contains("idle-in-transaction") || db::is_connection_lost(&ended),
        "{ended}"
    );
    // The plain transaction holds the row now: a limited session waits for it at
    // most about a lease, then fails with lock_not_available.
    let mut blocked = connect(Duration::from_secs(1)).connect().await.unwrap();
    let started = Instant::now();
    let timed_out = sqlx::query("UPDATE held SET id = 1 WHERE id = 1")
        .execute(&mut blocked)
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    match &timed_out {
        sqlx::Error::Database(e) => assert_eq!(e.code().as_deref(), Some("55P03"), "{e}"),
        other => panic!("not a lock timeout: {other}"),
    }
    waiter.rollback().await.unwrap();
}

#[sqlx::test]
async fn a_worker_that_lost_its_lease_cannot_write(pool: PgPool) {
    prepare(&pool).await;
    let id = enqueue(
        &pool,
        &STEPS,
        &StepsPayload {
            ticks: 1,
            tick_ms: 1,
        },
        TriggerOptions::default(),
    )
    .await;
    let mut conn = pool.acquire().await.unwrap();
    let queues = registry().queues();
    let claimed = db::runs::claim(&mut conn, "ghost", 1, 0.05, &queues)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let ghost_token = claimed[0].lease_token.clone();
    tokio::time::sleep(Duration::from_millis(100)).await;
    drain_until_final(&pool, std::slice::from_ref(&id), Duration::from_secs(20)).await;
    assert_eq!(status(&pool, &id).await, RunStatus::Completed);

    // The ghost's late writes are fenced out.
    assert!(
        !db::runs::set_metadata(&mut conn, &id, &ghost_token, &json!({"ghost": true}), false)
            .await
            .unwrap()
    );
    let late = db::runs::finish(
        &mut conn,
        &[db::runs::Finish::failed(
            id.clone(),
            ghost_token.clone(),
            &json!({"code": "ghost", "message": "late"}),
        )],
    )
    .await
    .unwrap();
    assert!(late.is_empty());
    let r = run(&pool, &id).await;
    assert_eq!(r.status(), RunStatus::Completed);
    assert_eq!(
        r.attempt, 1,
        "a lost attempt is counted apart from the task's attempts"
    );
    assert!(r.metadata.get("ghost").is_none());
    assert_eq!(lanes_idle(&pool).await, 0);
}

#[sqlx::test]
async fn parent_retry_reuses_the_child_result(pool: PgPool) {
    prepare(&pool).await;
    let ok = enqueue(
        &pool,
        &PARENT,
        &ParentPayload {
            key: "p1".into(),
            child_fails: false,
        },
        keyed("org_a"),
    )
    .await;
    let refused = enqueue(
        &pool,
        &PARENT,
        &ParentPayload {
            key: "p2".into(),
            child_fails: true,
        },
        keyed("org_b"),
    )
    .await;
    // A single slot: the waiting parent must free it for its child (no deadlock).
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(status(&pool, &ok).await.is_final() && status(&pool, &refused).await.is_final()) {
        assert!(Instant::now() < deadline, "parents did not finish");
        let (_tx, rx) = tokio::sync::watch::channel(false);
        Worker::new(pool.clone(), registry(), fast_options(WorkerMode::Drain, 1))
            .run(rx)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = run(&pool, &ok).await;
    assert_eq!((r.status(), r.attempt), (RunStatus::Completed, 2));
    assert_eq!(r.output, Some(json!({ "child": { "answer": 42 } })));
    let mut conn = pool.acquire().await.unwrap();
    let children = db::runs::children(&mut conn, &ok).await.unwrap();
    assert_eq!(children.len(), 1, "one child for two parent attempts");
    assert_eq!(log_count(&pool, &children[0].id, "child-ran").await, 1);
    assert_eq!(log_count(&pool, &ok, "parent-after-child").await, 2);

    let r = run(&pool, &refused).await;
    assert_eq!(r.status(), RunStatus::Completed);
    assert_eq!(r.output, Some(json!({ "childError": "child_refused" })));
    let children = db::runs::children(&mut conn, &refused).await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].status(), RunStatus::Failed);
    assert_eq!(log_count(&pool, &children[0].id, "child-ran").await, 1);
    assert_eq!(lanes_idle(&pool).await, 0);
}

#[sqlx::test]
async fn sigterm_releases_the_run_without_spending_an_attempt(pool: PgPool) {
    prepare(&pool).await;
    let url = common::pool_url(&pool);
    let id = enqueue(
        &pool,
        &STEPS,
        &StepsPayload {
            ticks: 40,
            tick_ms: 50,
        },
        TriggerOptions::default(),
    )
    .await;
    let mut worker = spawn_worker(&url, "forever", 2, 30_000, 10_000);
    wait_for_ticks(&pool, &id, 3).await;
    let signaled = Instant::now();
    signal(&worker, libc::SIGTERM);
    let exit = wait_exit(&mut worker, Duration::from_secs(10));
    assert!(exit.success(), "{exit:?}");
    assert!(signaled.elapsed() < Duration::from_secs(10));
    let r = run(&pool, &id).await;
    assert_eq!(
        (r.status(), r.attempt),
        (RunStatus::Queued, 0),
        "released, attempt not spent"
    );
    assert!(r.lease_owner.is_none());
    assert_eq!(lanes_idle(&pool).await, 0);

    drain_until_final(&pool, std::slice::from_ref(&id), Duration::from_secs(30)).await;
    let r = run(&pool, &id).await;
    assert_eq!((r.status(), r.attempt), (RunStatus::Completed, 1));
    assert_eq!(log_count(&pool, &id, "resumed").await, 1);
    assert_eq!(log_count(&pool, &id, "step-one").await, 1);
}

#[sqlx::test]
async fn cancel_stops_queued_and_executing_runs(pool: PgPool) {
    prepare(&pool).await;
    let queued = enqueue(
        &pool,
        &RECORD,
        &RecordPayload {
            key: "q".into(),
            sleep_ms: 0,
        },
        TriggerOptions {
            delay: Some(Duration::from_secs(3600)),
            ..keyed("q")
        },
    )
    .await;
    let executing = enqueue(
        &pool,
        &STEPS,
        &StepsPayload {
            ticks: 200,
            tick_ms: 20,
        },
        TriggerOptions::default(),
    )
    .await;
    let (stop_tx, rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(
        Worker::new(
            pool.clone(),
            registry(),
            fast_options(WorkerMode::UntilStopped, 2),
        )
        .run(rx),
    );
    wait_for_ticks(&pool, &executing, 2).await;

    for id in [&queued, &executing] {
        let mut tx = pool.begin().await.unwrap();
        let canceled = engine::cancel::cancel(&mut tx, id).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(canceled.len(), 1);
    }
    let ticks_at_cancel: i64 = sqlx::query_scalar(&format!(
        "SELECT (metadata->>'ticks')::bigint FROM run WHERE id = '{executing}'"
    ))
    .fetch_one(&pool)
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop_tx.send(true).unwrap();
    let summary = worker.await.unwrap().unwrap();
    assert_eq!(summary.completed, 0);
    for id in [&queued, &executing] {
        assert_eq!(status(&pool, id).await, RunStatus::Canceled);
    }
    let ticks_after: i64 = sqlx::query_scalar(&format!(
        "SELECT (metadata->>'ticks')::bigint FROM run WHERE id = '{executing}'"
    ))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        ticks_after <= ticks_at_cancel + 1,
        "the attempt stopped at its next checkpoint"
    );
    let mut tx = pool.begin().await.unwrap();
    assert!(
        engine::cancel::cancel(&mut tx, &queued)
            .await
            .unwrap()
            .is_empty(),
        "already ended"
    );
    tx.commit().await.unwrap();
    assert_eq!(lanes_idle(&pool).await, 0);
    let heads: HashMap<String, Option<DateTime<Utc>>> =
        sqlx::query_as("SELECT concurrency_key, head_at FROM run_lane")
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    assert_eq!(
        heads.get("q"),
        Some(&None),
        "the canceled run left its lane"
    );
    let _: Value = json!(null);
}

/// Runs one `--once` worker: a parent triggers its child and parks `waiting`.
async fn run_once(pool: &PgPool) {
    let (_tx, rx) = tokio::sync::watch::channel(false);
    Worker::new(pool.clone(), registry(), fast_options(WorkerMode::Once, 1))
        .run(rx)
        .await
        .unwrap();
}

async fn cancel(pool: &PgPool, id: &RunId) -> Vec<engine::cancel::Canceled> {
    let mut tx = pool.begin().await.unwrap();
    let canceled = engine::cancel::cancel(&mut tx, id).await.unwrap();
    tx.commit().await.unwrap();
    canceled
}

#[sqlx::test]
async fn a_parent_waiting_on_a_canceled_child_is_woken_with_a_canceled_result(pool: PgPool) {
    prepare(&pool).await;
    let parent = enqueue(
        &pool,
        &PARENT,
        &ParentPayload {
            key: "p".into(),
            child_fails: false,
        },
        keyed("org_a"),
    )
    .await;
    run_once(&pool).await;
    let r = run(&pool, &parent).await;
    assert_eq!(r.status(), RunStatus::Waiting);
    let child = r.waiting_on_run_id.expect("the parent waits on its child");
    assert_eq!(status(&pool, &child).await, RunStatus::Queued);
    assert_eq!(
        lanes_idle(&pool).await,
        1,
        "the waiting parent keeps its lane"
    );

    let canceled = cancel(&pool, &child).await;
    assert_eq!(canceled.len(), 1);
    assert_eq!(
        (canceled[0].id.as_str(), canceled[0].woke_parent),
        (child.as_str(), true)
    );
    let r = run(&pool, &parent).await;
    assert_eq!(
        (r.status(), r.waiting_on_run_id),
        (RunStatus::Waiting, None),
        "woken, resumable"
    );

    // The parent resumes and receives the child's Result: an error, code `canceled`
    // (its first attempt fails after the Result on purpose; the retry reuses it).
    drain_until_final(
        &pool,
        std::slice::from_ref(&parent),
        Duration::from_secs(10),
    )
    .await;
    let r = run(&pool, &parent).await;
    assert_eq!(r.status(), RunStatus::Completed);
    assert_eq!(r.output, Some(json!({ "childError": "canceled" })));
    assert_eq!(log_count(&pool, &parent, "parent-after-child").await, 2);
    assert_eq!(status(&pool, &child).await, RunStatus::Canceled);
    assert_eq!(log_count(&pool, &child, "child-ran").await, 0);
    assert_eq!(lanes_idle(&pool).await, 0, "the lane is free again");

    // Canceling a waiting parent instead cancels its child with it and frees its lane;
    // nothing is left to wake.
    let parent = enqueue(
        &pool,
        &PARENT,
        &ParentPayload {
            key: "p2".into(),
            child_fails: false,
        },
        keyed("org_a"),
    )
    .await;
    run_once(&pool).await;
    let child = run(&pool, &parent)
        .await
        .waiting_on_run_id
        .expect("the second parent waits on its child");
    let mut canceled = cancel(&pool, &parent).await;
    canceled.sort_by_key(|c| c.id != parent);
    let ids: Vec<(&str, &str, bool)> = canceled
        .iter()
        .map(|c| (c.id.as_str(), c.previous_status.as_str(), c.woke_parent))
        .collect();
    assert_eq!(
        ids,
        [
            (parent.as_str(), "waiting", false),
            (child.as_str(), "queued", false)
        ]
    );
    assert_eq!(lanes_idle(&pool).await, 0);
    drain_until_final(
        &pool,
        std::slice::from_ref(&parent),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(status(&pool, &parent).await, RunStatus::Canceled);
    assert_eq!(status(&pool, &child).await, RunStatus::Canceled);
    assert_eq!(log_count(&pool, &child, "child-ran").await, 0);
}

#[sqlx::test]
async fn worker_survives_lost_connections_without_losing_or_repeating_work(pool: PgPool) {
    prepare(&pool).await;
    let url = common::pool_url(&pool);
    let first = enqueue(
        &pool,
        &STEPS,
        &StepsPayload {
            ticks: 20,
            tick_ms: 50,
        },
        TriggerOptions::default(),
    )
    .await;
    let mut worker = spawn_worker(&url, "forever", 2, 3_000, 500);
    wait_for_ticks(&pool, &first, 3).await;
    // What a server restart looks like from the worker: every connection dropped.
    let kill = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()";
    let killed: i64 = sqlx::query_scalar(kill).fetch_one(&pool).await.unwrap();
    assert!(killed > 0, "the worker's connections were dropped");
    // Work that arrives after the outage is picked up too.
    let second = enqueue(
        &pool,
        &STEPS,
        &StepsPayload {
            ticks: 2,
            tick_ms: 10,
        },
        TriggerOptions::default(),
    )
    .await;
    wait_for(&pool, "both runs to complete", Duration::from_secs(30),
        &format!("SELECT count(*) = 2 FROM run WHERE id IN ('{first}', '{second}') AND status = 'completed'")).await;
    signal(&worker, libc::SIGTERM);
    assert!(wait_exit(&mut worker, Duration::from_secs(10)).success());
    for id in [&first, &second] {
        assert_eq!(
            log_count(&pool, id, "step-one").await,
            1,
            "no step ran twice"
        );
    }
    let r = run(&pool, &first).await;
    assert_eq!(r.output, Some(json!({ "first": 42, "ticks": 20 })));
    assert_eq!(lanes_idle(&pool).await, 0);
}

#[sqlx::test]
async fn once_runs_at_most_one_run(pool: PgPool) {
    prepare(&pool).await;
    let payload = FlakyPayload {
        fail_times: 0,
        abort: false,
    };
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(enqueue(&pool, &FLAKY, &payload, TriggerOptions::default()).await);
    }
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let summary = Worker::new(pool.clone(), registry(), fast_options(WorkerMode::Once, 4))
        .run(rx)
        .await
        .unwrap();
    assert_eq!((summary.attempts, summary.completed), (1, 1));
    let completed: i64 = sqlx::query_scalar("SELECT count(*) FROM run WHERE status = 'completed'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(completed, 1);
    assert_eq!(lanes_idle(&pool).await, 0);
}

// ---------------------------------------------------------------------------------
// The queue gauges' statement

#[sqlx::test]
async fn live_queue_counts_skip_history_and_age_the_oldest_due_run(pool: PgPool) {
    prepare(&pool).await;
    // A parent parked on its child: the parent waits in test-lane, the child is queued
    // and due in test-child.
    let parent = enqueue(
        &pool,
        &PARENT,
        &ParentPayload {
            key: "p".into(),
            child_fails: false,
        },
        keyed("org_a"),
    )
    .await;
    run_once(&pool).await;
    assert_eq!(status(&pool, &parent).await, RunStatus::Waiting);
    // Lane org_b: one run executing and one due behind it, due for 90 s. Lane org_c:
    // one run not due for an hour (queued, but no backlog yet).
    let first = enqueue(&pool, &NOOP, &NoopPayload { n: 1 }, keyed("org_b")).await;
    let behind = enqueue(&pool, &NOOP, &NoopPayload { n: 2 }, keyed("org_b")).await;
    let later = TriggerOptions {
        delay: Some(Duration::from_secs(3600)),
        ..keyed("org_c")
    };
    enqueue(&pool, &NOOP, &NoopPayload { n: 3 }, later).await;
    let mut conn = pool.acquire().await.unwrap();
    let queues: Vec<String> = ["test-child", "test-free", "test-lane"]
        .map(String::from)
        .to_vec();
    let claimed = db::runs::claim(&mut conn, "test-owner", 10, 60.0, &queues[2..])
        .await
        .unwrap();
    let claimed: Vec<&str> = claimed.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(claimed, [first.as_str()], "org_a waits, org_c is not due");
    sqlx::query("UPDATE run SET run_at = now() - interval '90 seconds' WHERE id = $1")
        .bind(&behind)
        .execute(&mut *conn)
        .await
        .unwrap();
    // Finished history is not queue: it must not show anywhere.
    for n in 0..3 {
        let done = enqueue(&pool, &NOOP, &NoopPayload { n: 10 + n }, keyed("org_d")).await;
        sqlx::query("UPDATE run SET status = 'completed', finished_at = now() WHERE id = $1")
            .bind(&done)
            .execute(&mut *conn)
            .await
            .unwrap();
    }

    let stats = db::queue::live_counts(&mut conn, &queues).await.unwrap();
    let shape: Vec<(&str, i64, i64, i64, i64)> = stats
        .iter()
        .map(|s| {
            (
                s.queue.as_str(),
                s.queued,
                s.executing,
                s.waiting,
                s.lanes_with_backlog,
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("test-child", 1, 0, 0, 1),
            ("test-free", 0, 0, 0, 0),
            // org_c's run is queued but not due; org_d's finished runs (whose lane
            // head was left behind) count nowhere.
            ("test-lane", 2, 1, 1, 1),
        ],
        "{stats:?}"
    );
    let lane = &stats[2];
    assert!(
        (90.0..120.0).contains(&lane.oldest_queued_secs),
        "the run behind org_b's has been due for 90 s: {lane:?}"
    );
    assert!(
        (0.0..30.0).contains(&stats[0].oldest_queued_secs),
        "{stats:?}"
    );
    assert_eq!(stats[1].oldest_queued_secs, 0.0, "an idle queue is 0");
}
