//! Bounded run history (retention) and batch enqueue (`trigger_many`),
//! against a real PostgreSQL. Runs are created and executed through the engine; only
//! their age is changed by SQL (`backdate`), since a test cannot wait 30 days.

use crate::common;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use crate::common::Env;
use invoicectl::db;
use invoicectl::engine::retention::{self, RetentionPolicy};
use invoicectl::engine::trigger::TriggerError;
use invoicectl::engine::{
    self, BatchItem, IdempotencyKey, KeyScope, RunStatus, TaskDef, TriggerOptions, Worker,
    WorkerMode, WorkerOptions,
};
use invoicectl::ids::RunId;
use invoicectl_testbed::*;
use serde_json::Value;
use sqlx::PgPool;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

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

fn key(part: &str, ttl: Option<Duration>) -> IdempotencyKey {
    IdempotencyKey::create(NOOP.id, &[part], &KeyScope::Global, ttl)
}

fn keyed(part: &str, ttl: Duration) -> TriggerOptions {
    TriggerOptions {
        idempotency_key: Some(key(part, Some(ttl))),
        ..TriggerOptions::default()
    }
}

/// Drains with in-process workers that prune nothing, until no run is due within
/// the next minute (retries come back a little later, so one drain may not do).
async fn drain(pool: &PgPool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let options = WorkerOptions {
            concurrency: 8,
            mode: WorkerMode::Drain,
            poll_interval: Duration::from_millis(50),
            retention: None,
            ..WorkerOptions::default()
        };
        Worker::new(pool.clone(), registry(), options)
            .run(rx)
            .await
            .unwrap();
        let busy: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM run WHERE status IN ('queued', 'executing', 'waiting')
               AND run_at < now() + interval '1 minute'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if busy == 0 {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "runs did not end");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

async fn status(pool: &PgPool, id: &RunId) -> Option<RunStatus> {
    let mut conn = pool.acquire().await.unwrap();
    db::runs::get(&mut conn, id)
        .await
        .unwrap()
        .map(|r| r.status())
}

/// Moves a run's end (and creation) `by` into the past, as if it ended then.
async fn backdate(pool: &PgPool, id: &RunId, by: Duration) {
    sqlx::query(
        "UPDATE run SET finished_at = finished_at - make_interval(secs => $2),
                        created_at = created_at - make_interval(secs => $2)
         WHERE id = $1",
    )
    .bind(id)
    .bind(by.as_secs_f64())
    .execute(pool)
    .await
    .unwrap();
}

async fn run_ids(pool: &PgPool) -> HashSet<RunId> {
    sqlx::query_scalar::<_, RunId>("SELECT id FROM run")
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn steps_of(pool: &PgPool, id: &RunId) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM run_step WHERE run_id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn child_of(pool: &PgPool, parent: &RunId) -> RunId {
    let mut conn = pool.acquire().await.unwrap();
    let children = db::runs::children(&mut conn, parent).await.unwrap();
    assert_eq!(children.len(), 1, "one child of {parent}");
    children[0].id.clone()
}

fn policy(keep: Duration, batch: u32) -> RetentionPolicy {
    RetentionPolicy {
        keep,
        batch,
        ..RetentionPolicy::default()
    }
}

// ---------------------------------------------------------------------------------
// Retention

#[sqlx::test]
async fn prune_deletes_only_old_ended_trees_without_live_keys(pool: PgPool) {
    sqlx::query(LOG_TABLE).execute(&pool).await.unwrap();
    let noop = |n| NoopPayload { n };
    // Ended runs, to be made 40 days old.
    let completed_with_steps = enqueue(
        &pool,
        &STEPS,
        &StepsPayload {
            ticks: 1,
            tick_ms: 1,
        },
        TriggerOptions::default(),
    )
    .await;
    let failed = enqueue(
        &pool,
        &FLAKY,
        &FlakyPayload {
            fail_times: 9,
            abort: true,
        },
        keyed("failed", DAY),
    )
    .await;
    let canceled = enqueue(&pool, &NOOP, &noop(1), TriggerOptions::default()).await;
    let live_key = enqueue(&pool, &NOOP, &noop(2), keyed("live", 90 * DAY)).await;
    let expired_key = enqueue(&pool, &NOOP, &noop(3), keyed("expired", DAY)).await;
    let parent = enqueue(
        &pool,
        &PARENT,
        &ParentPayload {
            key: "p".into(),
            child_fails: false,
        },
        TriggerOptions::default(),
    )
    .await;
    let parent_recent_child = enqueue(
        &pool,
        &PARENT,
        &ParentPayload {
            key: "q".into(),
            child_fails: false,
        },
        TriggerOptions {
            concurrency_key: Some("q".into()),
            ..TriggerOptions::default()
        },
    )
    .await;
    let parent_live_child = enqueue(&pool, &NOOP, &noop(4), TriggerOptions::default()).await;
    // Ended now.
    let recent = enqueue(&pool, &NOOP, &noop(5), TriggerOptions::default()).await;
    {
        let mut tx = pool.begin().await.unwrap();
        engine::cancel::cancel(&mut tx, &canceled).await.unwrap();
        tx.commit().await.unwrap();
    }
    drain(&pool).await;
    // Not ended: a run delayed for an hour, created 40 days ago; and a child still
    // queued under a parent that ended long ago.
    let queued = enqueue(
        &pool,
        &NOOP,
        &noop(6),
        TriggerOptions {
            delay: Some(Duration::from_secs(3600)),
            ..TriggerOptions::default()
        },
    )
    .await;
    let live_child = enqueue(
        &pool,
        &NOOP,
        &noop(7),
        TriggerOptions {
            parent_run_id: Some(parent_live_child.clone()),
            delay: Some(Duration::from_secs(3600)),
            ..TriggerOptions::default()
        },
    )
    .await;
    let child = child_of(&pool, &parent).await;
    let recent_child = child_of(&pool, &parent_recent_child).await;

    let old = 40 * DAY;
    for id in [
        &completed_with_steps,
        &failed,
        &canceled,
        &live_key,
        &expired_key,
        &parent,
        &child,
        &parent_recent_child,
        &parent_live_child,
        &queued,
    ] {
        backdate(&pool, id, old).await;
    }
    sqlx::query(
        "UPDATE run SET idempotency_key_expires_at = now() - interval '1 day' WHERE id = $1",
    )
    .bind(&expired_key)
    .execute(&pool)
    .await
    .unwrap();
    for id in [
        &completed_with_steps,
        &failed,
        &live_key,
        &expired_key,
        &parent,
        &child,
        &recent,
    ] {
        assert_eq!(
            status(&pool, id).await.map(RunStatus::is_final),
            Some(true),
            "{id}"
        );
    }
    assert_eq!(status(&pool, &canceled).await, Some(RunStatus::Canceled));
    assert!(steps_of(&pool, &completed_with_steps).await > 0);
    assert!(steps_of(&pool, &parent).await > 0);
    let before = run_ids(&pool).await;

    // Batches of two: the kept trees sort among the deleted ones, so the round must
    // pass them over to reach the rest.
    let summary = retention::prune(&pool, &policy(30 * DAY, 2)).await.unwrap();

    let deleted: HashSet<RunId> = [
        &completed_with_steps,
        &failed,
        &canceled,
        &expired_key,
        &parent,
        &child,
    ]
    .into_iter()
    .cloned()
    .collect();
    let after = run_ids(&pool).await;
    assert_eq!(
        before.difference(&after).cloned().collect::<HashSet<_>>(),
        deleted
    );
    for kept in [
        &live_key,
        &parent_recent_child,
        &recent_child,
        &parent_live_child,
        &live_child,
        &recent,
        &queued,
    ] {
        assert!(after.contains(kept), "{kept} was kept");
    }
    assert_eq!(summary.deleted, deleted.len() as u64);
    assert!(summary.batches >= 4, "{summary:?}");
    assert!(!summary.yielded);
    for id in &deleted {
        assert_eq!(steps_of(&pool, id).await, 0, "steps of {id} went with it");
    }
    assert!(steps_of(&pool, &parent_recent_child).await > 0);
    // The lanes still work after a prune.
    assert_eq!(
        retention::prune(&pool, &policy(30 * DAY, 2))
            .await
            .unwrap()
            .deleted,
        0
    );
}

#[sqlx::test]
async fn keys_within_their_ttl_still_deduplicate_after_a_prune(pool: PgPool) {
    let live = enqueue(&pool, &NOOP, &NoopPayload { n: 1 }, keyed("live", DAY)).await;
    let lapsed = enqueue(&pool, &NOOP, &NoopPayload { n: 2 }, keyed("lapsed", DAY)).await;
    drain(&pool).await;
    // Both ended two hours ago, past a one-hour retention; only one key's TTL ran out.
    backdate(&pool, &live, Duration::from_secs(7200)).await;
    backdate(&pool, &lapsed, Duration::from_secs(7200)).await;
    sqlx::query(
        "UPDATE run SET idempotency_key_expires_at = now() - interval '1 second' WHERE id = $1",
    )
    .bind(&lapsed)
    .execute(&pool)
    .await
    .unwrap();

    let summary = retention::prune(&pool, &policy(Duration::from_secs(3600), 100))
        .await
        .unwrap();
    assert_eq!(summary.deleted, 1);
    assert_eq!(status(&pool, &lapsed).await, None);
    assert_eq!(status(&pool, &live).await, Some(RunStatus::Completed));

    let mut tx = pool.begin().await.unwrap();
    let again = engine::trigger(&mut tx, &NOOP, &NoopPayload { n: 1 }, keyed("live", DAY))
        .await
        .unwrap();
    assert_eq!(
        (again.run_id.as_str(), again.deduplicated),
        (live.as_str(), true)
    );
    assert_eq!(again.status, RunStatus::Completed);
    let batch = engine::trigger_many(
        &mut tx,
        &NOOP,
        &[BatchItem {
            payload: NoopPayload { n: 1 },
            options: keyed("live", DAY),
        }],
    )
    .await
    .unwrap();
    assert_eq!(
        (batch[0].run_id.as_str(), batch[0].deduplicated),
        (live.as_str(), true)
    );
    let fresh = engine::trigger(&mut tx, &NOOP, &NoopPayload { n: 2 }, keyed("lapsed", DAY))
        .await
        .unwrap();
    assert!(!fresh.deduplicated && fresh.run_id != lapsed);
    tx.commit().await.unwrap();
}

/// The live key of a run, and the key it released (if any).
async fn keys_of(pool: &PgPool, id: &RunId) -> (Option<String>, Option<String>) {
    sqlx::query_as("SELECT idempotency_key, released_idempotency_key FROM run WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The keys the unique index holds, read through the index itself (an index-only
/// scan of `run_idempotency_key`; the plan is checked, so this is not a table read).
async fn keys_in_unique_index(pool: &PgPool) -> HashSet<String> {
    let def: String = sqlx::query_scalar(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'run' AND indexname = 'run_idempotency_key'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(
        def.contains("UNIQUE") && def.ends_with("WHERE (idempotency_key IS NOT NULL)"),
        "{def}"
    );
    let mut tx = pool.begin().await.unwrap();
    for off in ["enable_seqscan", "enable_bitmapscan"] {
        sqlx::query(&format!("SET LOCAL {off} = off"))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    let query = "SELECT idempotency_key FROM run WHERE idempotency_key IS NOT NULL";
    let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {query}"))
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert!(
        plan[0].contains("Index Only Scan using run_idempotency_key"),
        "{plan:?}"
    );
    let keys = sqlx::query_scalar::<_, String>(query)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    keys.into_iter().collect()
}

#[sqlx::test]
async fn the_pruner_releases_spent_keys_and_only_those(pool: PgPool) {
    sqlx::query(LOG_TABLE).execute(&pool).await.unwrap();
    let noop = |n| NoopPayload { n };
    let live = enqueue(&pool, &NOOP, &noop(1), keyed("live", DAY)).await;
    let lapsed = enqueue(&pool, &NOOP, &noop(2), keyed("lapsed", DAY)).await;
    // A key without a TTL on a top-level run: it lives as long as the run is kept.
    let forever = TriggerOptions {
        idempotency_key: Some(key("forever", None)),
        ..TriggerOptions::default()
    };
    let top_level_no_ttl = enqueue(&pool, &NOOP, &noop(3), forever.clone()).await;
    // A parent (itself keyed) whose child gets a TTL-less key scoped to it.
    let parent = enqueue(
        &pool,
        &PARENT,
        &ParentPayload {
            key: "p".into(),
            child_fails: false,
        },
        TriggerOptions {
            idempotency_key: Some(IdempotencyKey::create(
                PARENT.id,
                &["p"],
                &KeyScope::Global,
                Some(DAY),
            )),
            ..TriggerOptions::default()
        },
    )
    .await;
    // A child that ended while its parent can still run (queued an hour ahead).
    let waiting_parent = enqueue(
        &pool,
        &NOOP,
        &noop(4),
        TriggerOptions {
            delay: Some(Duration::from_secs(3600)),
            ..TriggerOptions::default()
        },
    )
    .await;
    let child_key = IdempotencyKey::create(
        NOOP.id,
        &["child"],
        &KeyScope::Run(waiting_parent.to_string()),
        None,
    );
    let child_options = TriggerOptions {
        idempotency_key: Some(child_key.clone()),
        parent_run_id: Some(waiting_parent.clone()),
        ..TriggerOptions::default()
    };
    let early_child = enqueue(&pool, &NOOP, &noop(5), child_options.clone()).await;
    // Not ended, its key's TTL run out: a trigger releases it, the pruner leaves it.
    let queued_lapsed = enqueue(
        &pool,
        &NOOP,
        &NoopPayload { n: 6 },
        TriggerOptions {
            delay: Some(Duration::from_secs(3600)),
            ..keyed("queued-lapsed", DAY)
        },
    )
    .await;
    drain(&pool).await;
    let child = child_of(&pool, &parent).await;
    sqlx::query(
        "UPDATE run SET idempotency_key_expires_at = now() - interval '1 second'
         WHERE id = ANY($1)",
    )
    .bind(vec![lapsed.clone(), queued_lapsed.clone()])
    .execute(&pool)
    .await
    .unwrap();
    let key_of = |part: &str| key(part, Some(DAY)).key;
    let parent_key = keys_of(&pool, &parent).await.0.unwrap();
    let child_held = keys_of(&pool, &child).await.0.unwrap();
    assert_eq!(
        keys_of(&pool, &early_child).await.0,
        Some(child_key.key.clone())
    );
    assert_eq!(
        status(&pool, &waiting_parent).await,
        Some(RunStatus::Queued)
    );
    assert_eq!(
        status(&pool, &early_child).await,
        Some(RunStatus::Completed)
    );

    // The default retention keeps every run; only keys are released.
    let summary = retention::prune(&pool, &RetentionPolicy::default())
        .await
        .unwrap();
    assert_eq!((summary.released, summary.deleted), (2, 0), "{summary:?}");
    assert_eq!(
        keys_of(&pool, &lapsed).await,
        (None, Some(key_of("lapsed")))
    );
    assert_eq!(keys_of(&pool, &child).await, (None, Some(child_held)));
    for (id, held) in [
        (&live, key_of("live")),
        (&queued_lapsed, key_of("queued-lapsed")),
        (&top_level_no_ttl, key("forever", None).key),
        (&parent, parent_key.clone()),
        (&early_child, child_key.key.clone()),
    ] {
        assert_eq!(keys_of(&pool, id).await, (Some(held), None), "{id}");
    }
    let indexed = keys_in_unique_index(&pool).await;
    assert_eq!(
        indexed,
        [
            key_of("live"),
            key_of("queued-lapsed"),
            key("forever", None).key,
            parent_key,
            child_key.key.clone(),
        ]
        .into_iter()
        .collect::<HashSet<_>>()
    );
    // A second round finds nothing more to release.
    let again = retention::prune(&pool, &RetentionPolicy::default())
        .await
        .unwrap();
    assert_eq!(again.released, 0);

    let mut tx = pool.begin().await.unwrap();
    // (a) Within its TTL a key still finds its run, one at a time and in a batch.
    let t = engine::trigger(&mut tx, &NOOP, &noop(1), keyed("live", DAY))
        .await
        .unwrap();
    assert_eq!((t.run_id.as_str(), t.deduplicated), (live.as_str(), true));
    let b = engine::trigger_many(
        &mut tx,
        &NOOP,
        &[BatchItem {
            payload: noop(1),
            options: keyed("live", DAY),
        }],
    )
    .await
    .unwrap();
    assert_eq!(
        (b[0].run_id.as_str(), b[0].deduplicated),
        (live.as_str(), true)
    );
    let t = engine::trigger(&mut tx, &NOOP, &noop(3), forever)
        .await
        .unwrap();
    assert_eq!(t.run_id, top_level_no_ttl);
    // A child's key still dedupes while its parent can run again.
    let t = engine::trigger(&mut tx, &NOOP, &noop(5), child_options)
        .await
        .unwrap();
    assert_eq!(
        (t.run_id.as_str(), t.deduplicated),
        (early_child.as_str(), true)
    );
    // (b) A released key makes a new run.
    let t = engine::trigger(&mut tx, &NOOP, &noop(2), keyed("lapsed", DAY))
        .await
        .unwrap();
    assert!(!t.deduplicated && t.run_id != lapsed);
    tx.commit().await.unwrap();
    // The released keys stay readable where the engine reads a run's key.
    assert_eq!(keys_of(&pool, &lapsed).await.1, Some(key_of("lapsed")));
}

/// Inserts `n` ended runs holding keys `k0`… whose 24 h TTL ran out, each with an
/// ended child holding a TTL-less key; returns the parents' keys.
async fn ended_keyed_trees(pool: &PgPool, n: usize) -> Vec<String> {
    let keys: Vec<String> = (0..n)
        .map(|i| key(&format!("k{i}"), Some(DAY)).key)
        .collect();
    sqlx::query(
        "INSERT INTO run (id, task_id, payload, queue, concurrency_key, status, attempt,
                          max_attempts, idempotency_key, idempotency_key_expires_at,
                          parent_run_id, created_at, finished_at)
         SELECT 'run_' || lpad((g * 2 + c)::text, 26, '0'), 'test-noop', '{\"n\": 0}',
                'test-lane', 'old' || g, 'completed', 1, 3,
                CASE WHEN c = 0 THEN k ELSE 'child-' || k END,
                CASE WHEN c = 0 THEN now() - interval '1 hour' END,
                CASE WHEN c = 1 THEN 'run_' || lpad((g * 2)::text, 26, '0') END,
                now() - interval '2 days', now() - interval '2 days'
         FROM unnest($1::text[]) WITH ORDINALITY AS u(k, g), (VALUES (0), (1)) AS v(c)
         ORDER BY g, c",
    )
    .bind(&keys)
    .execute(pool)
    .await
    .unwrap();
    keys
}

#[sqlx::test]
async fn concurrent_releasers_never_conflict(pool: PgPool) {
    let keys = ended_keyed_trees(&pool, 400).await;
    let wide = common::wide_pool(&pool, 10).await;
    let mut pruners = Vec::new();
    for _ in 0..4 {
        let wide = wide.clone();
        pruners.push(tokio::spawn(async move {
            let mut released = 0;
            for _ in 0..400 {
                released += retention::prune(&wide, &policy(30 * DAY, 10))
                    .await
                    .unwrap()
                    .released;
                let held: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM run WHERE idempotency_key IS NOT NULL",
                )
                .fetch_one(&wide)
                .await
                .unwrap();
                if held == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            released
        }));
    }
    // Meanwhile triggers take over some of the same expired keys (each releases the
    // old holder itself), one at a time and in batches.
    let mut triggers = Vec::new();
    for t in 0..4usize {
        let wide = wide.clone();
        triggers.push(tokio::spawn(async move {
            let mut made = Vec::new();
            for i in (t..100).step_by(4) {
                let mut tx = wide.begin().await.unwrap();
                let triggered = if i % 2 == 0 {
                    engine::trigger(
                        &mut tx,
                        &NOOP,
                        &NoopPayload { n: 0 },
                        keyed(&format!("k{i}"), DAY),
                    )
                    .await
                    .unwrap()
                } else {
                    engine::trigger_many(
                        &mut tx,
                        &NOOP,
                        &[BatchItem {
                            payload: NoopPayload { n: 0 },
                            options: keyed(&format!("k{i}"), DAY),
                        }],
                    )
                    .await
                    .unwrap()
                    .remove(0)
                };
                tx.commit().await.unwrap();
                assert!(!triggered.deduplicated, "k{i} had expired");
                made.push(triggered.run_id);
            }
            made
        }));
    }
    let mut released = 0;
    for p in pruners {
        released += p.await.unwrap();
    }
    let mut made = Vec::new();
    for t in triggers {
        made.extend(t.await.unwrap());
    }
    assert_eq!(made.len(), 100);
    // Every old key was released exactly once, by a pruner or by a trigger, and only
    // the new runs hold keys.
    let (old_released, old_held): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE released_idempotency_key IS NOT NULL),
                count(*) FILTER (WHERE idempotency_key IS NOT NULL)
         FROM run WHERE created_at < now() - interval '1 day'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((old_released, old_held), (800, 0));
    assert!((700..=800).contains(&released), "{released}");
    let indexed = keys_in_unique_index(&pool).await;
    let expected: HashSet<String> = keys[..100].iter().cloned().collect();
    assert_eq!(indexed, expected);
    assert_eq!(common::count(&pool, "run").await, 900);
}

/// Inserts `trees` ended top-level runs, each with one ended child, 40 days old.
async fn old_trees(pool: &PgPool, trees: i64) {
    sqlx::query(
        "INSERT INTO run (id, task_id, payload, queue, concurrency_key, status, attempt,
                          max_attempts, parent_run_id, created_at, finished_at)
         SELECT 'run_' || lpad(g::text, 26, '0'), 'test-noop', '{\"n\": 0}', 'test-lane',
                'lane' || (g / 2 % 10), 'completed', 1, 3,
                CASE WHEN g % 2 = 1 THEN 'run_' || lpad((g - 1)::text, 26, '0') END,
                now() - interval '40 days', now() - interval '40 days' + g * interval '1 ms'
         FROM generate_series(0, $1 * 2 - 1) g",
    )
    .bind(trees)
    .execute(pool)
    .await
    .unwrap();
}

#[sqlx::test]
async fn concurrent_pruners_take_turns_and_never_conflict(pool: PgPool) {
    old_trees(&pool, 300).await;
    // While someone holds the pruner lock, a round leaves the work to it.
    let mut holder = pool.begin().await.unwrap();
    assert!(db::run_history::try_lock(&mut holder).await.unwrap());
    let yielded = retention::prune(&pool, &policy(30 * DAY, 50))
        .await
        .unwrap();
    assert_eq!((yielded.yielded, yielded.deleted), (true, 0));
    assert_eq!(common::count(&pool, "run").await, 600);
    holder.rollback().await.unwrap();

    // Four pruners at once, in small batches: no error (no deadlock, no FK
    // violation from a parent deleted without its child), and every run deleted once.
    let wide = common::wide_pool(&pool, 8).await;
    let mut handles = Vec::new();
    for _ in 0..4 {
        let wide = wide.clone();
        handles.push(tokio::spawn(async move {
            let mut total = 0;
            // Each keeps starting rounds until nothing is left, as workers would.
            for _ in 0..200 {
                let s = retention::prune(&wide, &policy(30 * DAY, 10))
                    .await
                    .unwrap();
                total += s.deleted;
                let left: i64 = sqlx::query_scalar("SELECT count(*) FROM run")
                    .fetch_one(&wide)
                    .await
                    .unwrap();
                if left == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            total
        }));
    }
    let mut deleted = 0;
    for h in handles {
        deleted += h.await.unwrap();
    }
    assert_eq!(deleted, 600);
    assert_eq!(common::count(&pool, "run").await, 0);
}

#[sqlx::test]
async fn a_worker_prunes_beside_its_loop_unless_retention_is_off(pool: PgPool) {
    old_trees(&pool, 5).await;
    let worker = |retention| {
        let options = WorkerOptions {
            mode: WorkerMode::Drain,
            poll_interval: Duration::from_millis(50),
            retention,
            ..WorkerOptions::default()
        };
        Worker::new(pool.clone(), registry(), options)
    };
    let (_tx, rx) = tokio::sync::watch::channel(false);
    worker(None).run(rx.clone()).await.unwrap();
    assert_eq!(common::count(&pool, "run").await, 10);
    // The default policy (30 days): even a --drain worker with nothing to run
    // finishes its first batch before it exits.
    worker(Some(RetentionPolicy::default()))
        .run(rx)
        .await
        .unwrap();
    assert_eq!(common::count(&pool, "run").await, 0);
}

// ---------------------------------------------------------------------------------
// Retention through the binary: configuration and what stays

#[sqlx::test]
async fn run_retention_below_the_key_ttl_is_refused(pool: PgPool) {
    let env = Env::for_pool(&pool);
    let out = env
        .cmd()
        .args(["export", "worker", "--drain"])
        .env("INVOICECTL_RUN_RETENTION", "12h")
        .assert()
        .code(65);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("invalid INVOICECTL_RUN_RETENTION") && stderr.contains("24h"),
        "{stderr}"
    );
    env.write_config("run_retention = \"2 weeks\"\n");
    env.cmd()
        .args(["export", "worker", "--drain"])
        .assert()
        .code(65);
    env.write_config("run_retention = \"14d\"\n");
    env.cmd()
        .args(["export", "worker", "--drain"])
        .assert()
        .success();
}

#[sqlx::test]
async fn an_old_export_run_goes_but_its_export_and_audit_trail_stay(pool: PgPool) {
    let env = Env::for_pool(&pool);
    db::seed::seed_demo(&pool, 3).await.unwrap();
    let start = || {
        let out = env
            .cmd()
            .args([
                "export",
                "start",
                "--org",
                "org_acme",
                "--as",
                "user_alice",
                "--json",
            ])
            .assert()
            .success();
        serde_json::from_slice::<Value>(&out.get_output().stdout).unwrap()
    };
    let first = start();
    let run_id = RunId::parse(first["runId"].as_str().unwrap()).unwrap();
    env.cmd()
        .args(["export", "worker", "--drain"])
        .assert()
        .success();
    let child = child_of(&pool, &run_id).await;
    assert_eq!(status(&pool, &child).await, Some(RunStatus::Completed));
    let audit_before = common::count(&pool, "audit_log").await;

    // Ended 40 days ago, but its key (today's export) is still live: kept, and a
    // repeated start still finds it.
    for id in [&run_id, &child] {
        backdate(&pool, id, 40 * DAY).await;
    }
    env.cmd()
        .args(["export", "worker", "--drain"])
        .assert()
        .success();
    assert_eq!(status(&pool, &run_id).await, Some(RunStatus::Completed));
    let again = start();
    assert_eq!(
        (again["runId"].as_str(), &again["deduplicated"]),
        (Some(run_id.as_str()), &Value::Bool(true))
    );

    // Once the key's TTL has run out, the worker's pruner deletes the run with its
    // child and steps; the export row and the audit log stay and verify.
    sqlx::query(
        "UPDATE run SET idempotency_key_expires_at = now() - interval '1 day' WHERE id = $1",
    )
    .bind(&run_id)
    .execute(&pool)
    .await
    .unwrap();
    env.cmd()
        .args(["export", "worker", "--drain"])
        .assert()
        .success();
    assert_eq!(status(&pool, &run_id).await, None);
    assert_eq!(status(&pool, &child).await, None);
    assert_eq!(steps_of(&pool, &run_id).await, 0);
    let export: (String, String) =
        sqlx::query_as("SELECT status, run_id FROM export WHERE id = $1")
            .bind(first["exportId"].as_str().unwrap())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(export, ("completed".to_owned(), run_id.to_string()));
    assert_eq!(common::count(&pool, "audit_log").await, audit_before);
    env.cmd().args(["audit", "verify"]).assert().success();
}

// ---------------------------------------------------------------------------------
// trigger_many

fn item(n: u64, lane: &str, key_part: Option<&str>) -> BatchItem<NoopPayload> {
    BatchItem {
        payload: NoopPayload { n },
        options: TriggerOptions {
            concurrency_key: Some(lane.to_owned()),
            idempotency_key: key_part.map(|p| key(p, Some(DAY))),
            tags: vec![format!("n:{n}")],
            ..TriggerOptions::default()
        },
    }
}

#[sqlx::test]
async fn trigger_many_writes_a_batch_in_one_statement(pool: PgPool) {
    let items: Vec<_> = (0..60)
        .map(|n| {
            item(
                n,
                &format!("lane{}", n % 3),
                (n % 2 == 0).then(|| format!("k{n}")).as_deref(),
            )
        })
        .collect();
    let mut tx = pool.begin().await.unwrap();
    let triggered = engine::trigger_many(&mut tx, &NOOP, &items).await.unwrap();
    assert_eq!(triggered.len(), 60);
    assert!(
        triggered
            .iter()
            .all(|t| !t.deduplicated && t.status == RunStatus::Queued)
    );
    // Rows written by one statement share its command id (cmin): every run and every
    // lane row of the batch was written by the same single statement.
    let commands: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT cmin::text FROM run UNION SELECT DISTINCT cmin::text FROM run_lane",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(commands.len(), 1, "{commands:?}");
    tx.commit().await.unwrap();

    let tags: Vec<Vec<String>> = sqlx::query_scalar("SELECT tags FROM run WHERE id = $1")
        .bind(&triggered[7].run_id)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(tags, vec![vec!["n:7".to_owned()]]);
    let lanes: Vec<(String, i32)> = sqlx::query_as(
        "SELECT concurrency_key, running FROM run_lane WHERE head_at IS NOT NULL ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        lanes,
        vec![
            ("lane0".into(), 0),
            ("lane1".into(), 0),
            ("lane2".into(), 0)
        ]
    );
    drain(&pool).await;
    for t in &triggered {
        assert_eq!(status(&pool, &t.run_id).await, Some(RunStatus::Completed));
    }
}

/// Serializes to a JSON object only when its keys are strings: a non-empty map with
/// byte-string keys is a payload serde_json refuses.
type OddPayload = BTreeMap<Vec<u8>, u8>;

#[sqlx::test]
async fn trigger_many_is_all_or_nothing(pool: PgPool) {
    // A payload that cannot be serialized fails the batch before anything is written.
    let odd = |bad: bool| BatchItem {
        payload: if bad {
            OddPayload::from([(vec![1], 1)])
        } else {
            OddPayload::new()
        },
        options: TriggerOptions::default(),
    };
    let mut tx = pool.begin().await.unwrap();
    let err = engine::trigger_many(&mut tx, &NOOP, &[odd(false), odd(false), odd(true)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TriggerError::InvalidPayload { message, .. } if message.starts_with("item 2:")),
        "{err}"
    );
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM run")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(runs, 0);
    tx.rollback().await.unwrap();

    // One item the database refuses (a parent that does not exist): the statement,
    // and with it the whole batch, writes nothing.
    let mut items: Vec<_> = (0..20).map(|n| item(n, "lane", None)).collect();
    items[13].options.parent_run_id = Some(RunId::generate());
    let mut tx = pool.begin().await.unwrap();
    let err = engine::trigger_many(&mut tx, &NOOP, &items)
        .await
        .unwrap_err();
    assert!(matches!(err, TriggerError::Database(_)), "{err}");
    tx.rollback().await.unwrap();
    assert_eq!(common::count(&pool, "run").await, 0);
    assert_eq!(common::count(&pool, "run_lane").await, 0);
}

#[sqlx::test]
async fn trigger_many_honours_keys_within_the_batch_and_against_existing_runs(pool: PgPool) {
    let existing = enqueue(&pool, &NOOP, &NoopPayload { n: 0 }, keyed("old", DAY)).await;
    drain(&pool).await;
    let lapsed = enqueue(&pool, &NOOP, &NoopPayload { n: 0 }, keyed("lapsed", DAY)).await;
    sqlx::query(
        "UPDATE run SET idempotency_key_expires_at = now() - interval '1 second' WHERE id = $1",
    )
    .bind(&lapsed)
    .execute(&pool)
    .await
    .unwrap();

    let items = vec![
        item(1, "a", Some("old")),
        item(2, "a", Some("new")),
        item(3, "b", Some("new")),
        item(4, "b", None),
        item(5, "c", Some("lapsed")),
        item(6, "c", Some("lapsed")),
    ];
    let mut tx = pool.begin().await.unwrap();
    let t = engine::trigger_many(&mut tx, &NOOP, &items).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(
        (t[0].run_id.as_str(), t[0].deduplicated),
        (existing.as_str(), true)
    );
    assert_eq!(t[0].status, RunStatus::Completed);
    assert!(!t[1].deduplicated);
    assert_eq!(
        (t[2].run_id.as_str(), t[2].deduplicated),
        (t[1].run_id.as_str(), true)
    );
    assert!(!t[3].deduplicated);
    // A key past its TTL is released and taken by the batch (once).
    assert!(!t[4].deduplicated && t[4].run_id != lapsed);
    assert_eq!(
        (t[5].run_id.as_str(), t[5].deduplicated),
        (t[4].run_id.as_str(), true)
    );
    let new: HashSet<&str> = [&t[1], &t[3], &t[4]]
        .iter()
        .map(|t| t.run_id.as_str())
        .collect();
    assert_eq!(new.len(), 3);
    assert_eq!(common::count(&pool, "run").await, 2 + 3);
}

#[sqlx::test]
async fn racing_batches_with_the_same_keys_make_one_run_per_key(pool: PgPool) {
    let wide = common::wide_pool(&pool, 8).await;
    let mut handles = Vec::new();
    for b in 0..6u64 {
        let wide = wide.clone();
        handles.push(tokio::spawn(async move {
            // Each batch lists the same keys in its own order.
            let mut parts: Vec<u64> = (0..40).collect();
            parts.rotate_left((b * 7) as usize);
            if b % 2 == 1 {
                parts.reverse();
            }
            let items: Vec<_> = parts
                .iter()
                .map(|&p| item(p, &format!("lane{}", p % 4), Some(&format!("race{p}"))))
                .collect();
            let mut tx = wide.begin().await.unwrap();
            let t = engine::trigger_many(&mut tx, &NOOP, &items).await.unwrap();
            tx.commit().await.unwrap();
            parts.into_iter().zip(t).collect::<Vec<_>>()
        }));
    }
    let mut by_key: BTreeMap<u64, HashSet<RunId>> = BTreeMap::new();
    let mut created = 0;
    for h in handles {
        for (part, t) in h.await.unwrap() {
            created += usize::from(!t.deduplicated);
            by_key.entry(part).or_default().insert(t.run_id);
        }
    }
    assert_eq!(created, 40, "each key created once");
    assert!(by_key.values().all(|ids| ids.len() == 1), "{by_key:?}");
    assert_eq!(common::count(&pool, "run").await, 40);
}
