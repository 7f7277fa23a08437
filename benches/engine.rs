//! Engine throughput benchmark: no-op runs through ONE worker process (this one),
//! with enqueue timed separately, for 1 lane, 100 interleaved lanes and 100 lanes
//! whose backlog is enqueued one block per lane; then the claim cost with 200,000
//! finished runs in the table against an empty one. It also measures batch enqueue
//! (`trigger_many` against one trigger per statement), `export start` latency and
//! claim cost with 2,000,000 finished runs against none, and pruning 2,000,000 runs
//! while a worker claims. `history` first releases the history's spent idempotency
//! keys (the pruner's release pass, timed, with a probe claiming meanwhile).
//!
//! Run: `cargo bench --bench engine` (DATABASE_URL names the server; each scenario
//! uses a fresh database that is dropped afterwards). RUNS=N overrides 20,000;
//! ONLY=lane1,interleaved,blocks,claim,batch,history,prune runs those scenarios;
//! HISTORY=N overrides the 2,000,000 finished runs of `history` and `prune`.
//! GRAPHILE_NODE_PATH=<node_modules holding graphile-worker> adds graphile-worker's
//! `addJobs` to `batch`, timed in the same rounds (bench/graphile-enqueue.js).

use std::time::{Duration, Instant};

use invoicectl::db;
use invoicectl::engine::retention::{self, RetentionPolicy};
use invoicectl::engine::{
    self, BatchItem, IdempotencyKey, KeyScope, QueueDef, Registry, TaskDef, TriggerOptions, Worker,
    WorkerMode, WorkerOptions,
};
use invoicectl::exports::request;
use invoicectl::ids::{OrgId, UserId};
use invoicectl_testbed::{FAST_RETRY, NOOP, NoopPayload, NoopTask};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

fn server_url() -> url::Url {
    let raw = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    url::Url::parse(&raw).expect("DATABASE_URL")
}

async fn fresh_database(name: &str) -> PgPool {
    let admin = PgPool::connect(server_url().as_str())
        .await
        .expect("connect");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    let mut url = server_url();
    url.set_path(&format!("/{name}"));
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .connect(url.as_str())
        .await
        .unwrap();
    db::MIGRATOR.run(&pool).await.unwrap();
    pool
}

async fn drop_database(pool: PgPool, name: &str) {
    pool.close().await;
    let admin = PgPool::connect(server_url().as_str()).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&admin)
        .await
        .unwrap();
}

/// Enqueues `runs` no-op runs with the given lane for each index; returns seconds.
async fn enqueue(pool: &PgPool, runs: usize, lane_of: impl Fn(usize) -> String) -> f64 {
    let started = Instant::now();
    let mut i = 0;
    while i < runs {
        let mut tx = pool.begin().await.unwrap();
        for n in i..(i + 1_000).min(runs) {
            engine::trigger(
                &mut tx,
                &NOOP,
                &NoopPayload { n: n as u64 },
                TriggerOptions {
                    concurrency_key: Some(lane_of(n)),
                    ..TriggerOptions::default()
                },
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        i += 1_000;
    }
    started.elapsed().as_secs_f64()
}

async fn drain(pool: &PgPool, concurrency: usize) -> f64 {
    let mut registry = Registry::new();
    registry.register(NoopTask);
    let options = WorkerOptions {
        concurrency,
        mode: WorkerMode::Drain,
        poll_interval: Duration::from_millis(100),
        ..WorkerOptions::default()
    };
    let (_stop, rx) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let summary = Worker::new(pool.clone(), registry, options)
        .run(rx)
        .await
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM run WHERE task_id = $1 AND status <> 'completed'")
            .bind(NOOP.id)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(left, 0, "every run completed ({summary:?})");
    secs
}

async fn scenario(name: &str, runs: usize, concurrency: usize, lane_of: impl Fn(usize) -> String) {
    let db_name = format!("invoicectl_bench_{}", std::process::id());
    let pool = fresh_database(&db_name).await;
    let enqueue_secs = enqueue(&pool, runs, lane_of).await;
    let drain_secs = drain(&pool, concurrency).await;
    println!(
        "{name:<34} runs {runs:>6}  enqueue {:>7.0} runs/s ({enqueue_secs:.2} s)  execute {:>7.0} runs/s ({drain_secs:.2} s)",
        runs as f64 / enqueue_secs,
        runs as f64 / drain_secs,
    );
    drop_database(pool, &db_name).await;
}

/// Claim cost against the table's history: the same 5,000 runs over 100 lanes,
/// drained once with an empty table and once beside 200,000 finished runs.
async fn claim_cost() {
    let runs = 5_000;
    let mut rates = Vec::new();
    for finished in [0usize, 200_000] {
        let db_name = format!("invoicectl_bench_claim_{}", std::process::id());
        let pool = fresh_database(&db_name).await;
        if finished > 0 {
            sqlx::query(
                "INSERT INTO run (id, task_id, payload, queue, concurrency_key, status, attempt, max_attempts,
                                  finished_at, started_at)
                 SELECT 'run_0old' || lpad(g::text, 22, '0'), 'test-noop', '{\"n\": 0}', 'test-lane',
                        'lane' || (g % 100), 'completed', 1, 3, now(), now()
                 FROM generate_series(1, $1) g",
            )
            .bind(finished as i64)
            .execute(&pool)
            .await
            .unwrap();
            sqlx::query("VACUUM ANALYZE run")
                .execute(&pool)
                .await
                .unwrap();
        }
        enqueue(&pool, runs, |n| format!("lane{}", n % 100)).await;
        let secs = drain(&pool, 128).await;
        let rate = runs as f64 / secs;
        println!(
            "claim cost, {finished:>7} finished runs      execute {rate:>7.0} runs/s ({:.3} ms per run)",
            secs * 1_000.0 / runs as f64
        );
        rates.push(rate);
        drop_database(pool, &db_name).await;
    }
    println!(
        "claim cost ratio (empty / 200k finished): {:.2} (≤ 2 means the claim does not grow with history)",
        rates[0] / rates[1]
    );
}

/// Which scenarios to run: all, or those ONLY names (comma-separated).
fn wanted(name: &str) -> bool {
    std::env::var("ONLY").map_or(true, |only| only.split(',').any(|o| o.trim() == name))
}

fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let history: i64 = std::env::var("HISTORY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!("engine benchmark: one worker process, no-op task, {runs} runs per scenario");
        if wanted("lane1") {
            scenario("1 lane", runs, 128, |_| "lane0".to_owned()).await;
        }
        if wanted("interleaved") {
            scenario("100 lanes, interleaved", runs, 128, |n| {
                format!("lane{}", n % 100)
            })
            .await;
        }
        if wanted("blocks") {
            let per_lane = runs / 100;
            scenario("100 lanes, backlog in blocks", runs, 128, |n| {
                format!("lane{}", n / per_lane)
            })
            .await;
        }
        if wanted("claim") {
            claim_cost().await;
        }
        if wanted("batch") {
            batch_enqueue(runs).await;
        }
        if wanted("history") {
            history_flatness(history, runs).await;
        }
        if wanted("prune") {
            prune_while_claiming(history).await;
        }
    });
}

// ---------------------------------------------------------------------------------
// Batch enqueue

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let rank = ((values.len() as f64 - 1.0) * p).round() as usize;
    values[rank]
}

/// Enqueues `runs` no-op runs over 100 lanes with `trigger_many`, `batch` per
/// statement (one transaction each), optionally each with its own idempotency key;
/// returns runs per second.
async fn enqueue_batched(pool: &PgPool, runs: usize, batch: usize, keyed: bool) -> f64 {
    let started = Instant::now();
    for from in (0..runs).step_by(batch) {
        let items: Vec<_> = (from..(from + batch).min(runs))
            .map(|n| BatchItem {
                payload: NoopPayload { n: n as u64 },
                options: TriggerOptions {
                    concurrency_key: Some(format!("lane{}", n % 100)),
                    idempotency_key: keyed.then(|| {
                        IdempotencyKey::create(
                            NOOP.id,
                            &[&n.to_string()],
                            &KeyScope::Global,
                            Some(Duration::from_secs(24 * 3600)),
                        )
                    }),
                    ..TriggerOptions::default()
                },
            })
            .collect();
        let mut tx = pool.begin().await.unwrap();
        engine::trigger_many(&mut tx, &NOOP, &items).await.unwrap();
        tx.commit().await.unwrap();
    }
    let rate = runs as f64 / started.elapsed().as_secs_f64();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM run")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(count as usize, runs, "every run was inserted");
    rate
}

/// How one variant of [`batch_enqueue`] enqueues.
#[derive(Debug, Clone, Copy)]
enum Enqueue {
    /// `trigger`, one run per statement, 1,000 per transaction.
    OneByOne,
    /// `trigger_many`, this many per statement, keyed or not.
    Many(usize, bool),
    /// graphile-worker's `addJobs`, this many per call, keyed or not
    /// (bench/graphile-enqueue.js, when GRAPHILE_NODE_PATH names its node_modules).
    Graphile(usize, bool),
}

/// graphile-worker's batch enqueue into the database at `url`, run by node with
/// bench/graphile-enqueue.js: jobs per second, as the script prints it.
fn graphile_enqueue(node_path: &str, url: &str, runs: usize, batch: usize, keyed: bool) -> f64 {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/graphile-enqueue.js");
    let out = std::process::Command::new("node")
        .env("NODE_PATH", node_path)
        .args([
            script,
            url,
            &runs.to_string(),
            &batch.to_string(),
            "100",
            if keyed { "1" } else { "0" },
        ])
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "graphile-enqueue.js failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("jobs per second")
}

/// Batch enqueue against one trigger per statement (and, with GRAPHILE_NODE_PATH,
/// against graphile-worker's `addJobs` in the same run): each variant three times,
/// round-robin, each time into a fresh database.
async fn batch_enqueue(runs: usize) {
    let graphile = std::env::var("GRAPHILE_NODE_PATH").ok();
    let mut variants: Vec<(&'static str, Enqueue)> = vec![
        (
            "trigger, one per statement, 1,000 per tx",
            Enqueue::OneByOne,
        ),
        ("trigger_many, 100 per statement", Enqueue::Many(100, false)),
        (
            "trigger_many, 1,000 per statement",
            Enqueue::Many(1_000, false),
        ),
        (
            "trigger_many, 1,000 per statement, keyed",
            Enqueue::Many(1_000, true),
        ),
        (
            "trigger_many, all in one statement",
            Enqueue::Many(runs, false),
        ),
        (
            "trigger_many, all in one statement, keyed",
            Enqueue::Many(runs, true),
        ),
    ];
    if graphile.is_some() {
        variants.extend([
            (
                "graphile addJobs, 1,000 per call",
                Enqueue::Graphile(1_000, false),
            ),
            (
                "graphile addJobs, all in one call",
                Enqueue::Graphile(runs, false),
            ),
            (
                "graphile addJobs, all in one call, keyed",
                Enqueue::Graphile(runs, true),
            ),
        ]);
    }
    let mut rates = vec![Vec::new(); variants.len()];
    for _round in 0..3 {
        for (i, (_, how)) in variants.iter().enumerate() {
            let db_name = format!("invoicectl_bench_batch_{}", std::process::id());
            let pool = fresh_database(&db_name).await;
            let rate = match *how {
                Enqueue::OneByOne => {
                    runs as f64 / enqueue(&pool, runs, |n| format!("lane{}", n % 100)).await
                }
                Enqueue::Many(batch, keyed) => enqueue_batched(&pool, runs, batch, keyed).await,
                Enqueue::Graphile(batch, keyed) => {
                    let mut url = server_url();
                    url.set_path(&format!("/{db_name}"));
                    let node_path = graphile.as_deref().expect("only listed with a path");
                    graphile_enqueue(node_path, url.as_str(), runs, batch, keyed)
                }
            };
            rates[i].push(rate);
            drop_database(pool, &db_name).await;
        }
    }
    for ((name, _), rates) in variants.iter().zip(&mut rates) {
        let list: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
        println!(
            "enqueue {runs} runs, {name:<42} median {:>7.0} runs/s  ({})",
            median(rates),
            list.join(", ")
        );
    }
}

// ---------------------------------------------------------------------------------
// History — flat costs beside 2,000,000 finished runs, and pruning them

/// Inserts `runs` ended runs shaped like export history in one INSERT … SELECT
/// generate_series: export runs (lanes over 1,000 orgs, 24 h keys) each with one
/// email child (a key without TTL), ending evenly between `newest_days` and
/// `newest_days + 28` days ago, one step each; then VACUUM ANALYZE.
async fn insert_history(pool: &PgPool, runs: i64, newest_days: f64) -> f64 {
    let started = Instant::now();
    sqlx::query(
        "INSERT INTO run (id, task_id, payload, queue, concurrency_key, status, attempt,
                          max_attempts, run_at, idempotency_key, idempotency_key_expires_at,
                          parent_run_id, output, created_at, started_at, finished_at, updated_at)
         SELECT 'run_0hist' || lpad(g::text, 17, '0'),
                CASE WHEN g % 2 = 0 THEN 'export-invoices' ELSE 'send-export-email' END,
                jsonb_build_object('organizationId', 'org_h' || (g / 2 % 1000),
                                   'requestedBy', 'user_h'),
                CASE WHEN g % 2 = 0 THEN 'export' ELSE 'email' END,
                CASE WHEN g % 2 = 0 THEN 'org_h' || (g / 2 % 1000) ELSE '' END,
                'completed', 1, 3, t.at,
                encode(sha256(convert_to(g::text, 'UTF8')), 'hex'),
                CASE WHEN g % 2 = 0 THEN t.at + interval '1 day' END,
                CASE WHEN g % 2 = 1 THEN 'run_0hist' || lpad((g - 1)::text, 17, '0') END,
                '{\"rowCount\": 1000}', t.at, t.at, t.at + interval '2 s', t.at + interval '2 s'
         FROM generate_series(0, $1 - 1) g
         CROSS JOIN LATERAL (
            SELECT now() - make_interval(secs => ($2 + 28.0 * (1 - (g / 2 * 2)::float8 / $1)) * 86400)
                   AS at
         ) t",
    )
    .bind(runs)
    .bind(newest_days)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO run_step (run_id, name, output, completed_at, updated_at)
         SELECT id, 'csv', '{\"rows\": 1000}', finished_at, finished_at FROM run
         WHERE id LIKE 'run_0hist%'",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("VACUUM ANALYZE run")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("VACUUM ANALYZE run_step")
        .execute(pool)
        .await
        .unwrap();
    started.elapsed().as_secs_f64()
}

/// Latencies (ms) of `n` `export start` calls through the library (one call of the
/// `export_request` function: identity, member check, run, export row, audit entry;
/// `--force`, so each is a new run) on a seeded database.
async fn export_start_ms(pool: &PgPool, n: usize) -> Vec<f64> {
    let request = request::Request {
        org: OrgId::parse("org_acme").unwrap(),
        as_user: Some(UserId::parse("user_alice").unwrap()),
        scope: None,
        force: true,
    };
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        request::start(pool, &request).await.unwrap();
        times.push(started.elapsed().as_secs_f64() * 1_000.0);
    }
    times
}

/// Claim statements (ms, each with its commit) taking one run from each of 100
/// lanes until `runs` runs were claimed; the claimed runs are completed (untimed)
/// between claims, as a worker's next pass would.
async fn claim_statement_ms(pool: &PgPool, runs: usize) -> Vec<f64> {
    enqueue_noop(pool, runs as u64).await;
    let queues = vec![NOOP.queue.name.to_owned()];
    let mut times = Vec::new();
    loop {
        let started = Instant::now();
        let mut tx = pool.begin().await.unwrap();
        let claimed = db::runs::claim(&mut tx, "bench", 100, 30.0, &queues)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        if claimed.is_empty() {
            return times;
        }
        times.push(started.elapsed().as_secs_f64() * 1_000.0);
        complete(pool, &claimed).await;
    }
}

async fn complete(pool: &PgPool, claimed: &[db::runs::ClaimedRun]) {
    let batch: Vec<db::runs::Finish> = claimed
        .iter()
        .map(|r| {
            db::runs::Finish::completed(
                r.id.clone(),
                r.lease_token.clone(),
                serde_json::Value::Null,
            )
        })
        .collect();
    let mut tx = pool.begin().await.unwrap();
    db::runs::finish(&mut tx, &batch).await.unwrap();
    tx.commit().await.unwrap();
}

/// `export start` latency and claim cost with an empty run table and beside
/// `history` ended runs (all within the retention, so nothing is pruned). Both
/// databases live side by side and are measured alternately, three rounds each:
/// claim statements over 100 lanes, a worker's drain of 5,000 runs (as `claim`),
/// and 100 starts.
async fn history_flatness(history: i64, runs: usize) {
    let names = [
        format!("invoicectl_bench_history_empty_{}", std::process::id()),
        format!("invoicectl_bench_history_full_{}", std::process::id()),
    ];
    let empty = fresh_database(&names[0]).await;
    let full = fresh_database(&names[1]).await;
    let secs = insert_history(&full, history, 1.0).await;
    println!("history: inserted {history} ended runs and their steps in {secs:.1} s");
    println!(
        "history: before the release pass: {}",
        key_index_sizes(&full).await
    );
    release_keys_while_claiming(&full).await;
    println!(
        "history: after the release pass and VACUUM: {}",
        key_index_sizes(&full).await
    );
    let pools = [empty, full];
    let mut start = [Vec::new(), Vec::new()];
    let mut claim = [Vec::new(), Vec::new()];
    let mut drain_ms = [Vec::new(), Vec::new()];
    for pool in &pools {
        db::seed::seed_demo(pool, 0).await.unwrap();
    }
    for _round in 0..3 {
        for (i, pool) in pools.iter().enumerate() {
            claim[i].extend(claim_statement_ms(pool, runs).await);
            enqueue_noop(pool, 5_000).await;
            drain_ms[i].push(drain(pool, 128).await * 1_000.0 / 5_000.0);
            start[i].extend(export_start_ms(pool, 100).await);
        }
    }
    let mut figures = Vec::new();
    for (i, finished) in [0, history].into_iter().enumerate() {
        let f = (
            median(&mut start[i]),
            percentile(&mut start[i], 0.95),
            median(&mut claim[i]),
            percentile(&mut claim[i], 0.95),
            median(&mut drain_ms[i]),
        );
        println!(
            "history {finished:>8} ended runs: export start median {:.2} ms p95 {:.2} ms; \
             claim of 100 lanes median {:.2} ms p95 {:.2} ms; worker {:.3} ms per run",
            f.0, f.1, f.2, f.3, f.4
        );
        figures.push(f);
    }
    let (e, h) = (figures[0], figures[1]);
    println!(
        "history ratios ({history} ended / empty): export start {:.2} (p95 {:.2}), claim {:.2} (p95 {:.2}), worker {:.2}; target ≤ 1.25",
        h.0 / e.0,
        h.1 / e.1,
        h.2 / e.2,
        h.3 / e.3,
        h.4 / e.4
    );
    let [empty, full] = pools;
    drop_database(empty, &names[0]).await;
    drop_database(full, &names[1]).await;
}

/// The unique key index and the pruner's index of releasable keys: how many keys
/// they hold, and their size on disk (a VACUUMed index keeps its file, but empty
/// pages are reused; `pgstatindex` tells the leaf pages in use when available).
async fn key_index_sizes(pool: &PgPool) -> String {
    let (live, unique_mb, releasable_mb): (i64, f64, f64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM run WHERE idempotency_key IS NOT NULL),
                pg_relation_size('run_idempotency_key') / 1048576.0::float8,
                pg_relation_size('run_releasable_key') / 1048576.0::float8",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let leaves: Option<(i64, i64, f64)> = match sqlx::query("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        .execute(pool)
        .await
    {
        Ok(_) => sqlx::query_as(
            "SELECT leaf_pages, deleted_pages, avg_leaf_density FROM pgstatindex('run_idempotency_key')",
        )
        .fetch_optional(pool)
        .await
        .ok()
        .flatten(),
        Err(_) => None,
    };
    let leaves = leaves.map_or(String::new(), |(leaf, deleted, density)| {
        format!(" ({leaf} leaf pages in use at {density:.0} % density, {deleted} free)")
    });
    format!(
        "{live} live keys; run_idempotency_key {unique_mb:.1} MB{leaves}, run_releasable_key {releasable_mb:.1} MB"
    )
}

/// The release pass over the history (the engine's own rounds, default policy: the
/// history is within the retention, so only keys go) while a probe claims; then the
/// VACUUM that autovacuum would do (it is off on the benchmark server), which is
/// what takes the released keys' old entries out of the unique index.
async fn release_keys_while_claiming(pool: &PgPool) {
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let baseline = tokio::spawn(probe_claims(pool.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_secs(5)).await;
    stop_tx.send(true).unwrap();
    let mut baseline = baseline.await.unwrap();
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let probe = tokio::spawn(probe_claims(pool.clone(), stop));
    let started = Instant::now();
    let summary = retention::prune(pool, &RetentionPolicy::default())
        .await
        .unwrap();
    let release_secs = started.elapsed().as_secs_f64();
    stop_tx.send(true).unwrap();
    let mut during = probe.await.unwrap();
    println!(
        "history: released {} keys in {} batches, {release_secs:.1} s ({:.0} keys/s at half duty); deleted {}",
        summary.released,
        summary.batches,
        summary.released as f64 / release_secs,
        summary.deleted
    );
    println!(
        "history: {}",
        latency_line("before the release, probe", &mut baseline)
    );
    println!(
        "history: {}",
        latency_line("during the release, probe", &mut during)
    );
    let started = Instant::now();
    sqlx::query("VACUUM ANALYZE run")
        .execute(pool)
        .await
        .unwrap();
    println!(
        "history: VACUUM ANALYZE run after the release took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// `runs` no-op runs over 100 lanes, 1,000 per statement.
async fn enqueue_noop(pool: &PgPool, runs: u64) {
    for from in (0..runs).step_by(1_000) {
        enqueue_feed_range(pool, from, 1_000.min(runs - from)).await;
    }
}

/// A probe's own queue (10 lanes), so its claims are timed apart from the worker's.
const PROBE: TaskDef = TaskDef {
    id: "bench-probe",
    queue: QueueDef::new("bench-probe", 1),
    retry: FAST_RETRY,
    max_duration: None,
};

/// Claims ten runs at a time on the probe queue until `stop`, timing each claim
/// statement with its commit (ms).
async fn probe_claims(pool: PgPool, stop: tokio::sync::watch::Receiver<bool>) -> Vec<f64> {
    let queues = vec![PROBE.queue.name.to_owned()];
    let mut times = Vec::new();
    let mut n = 0u64;
    while !*stop.borrow() {
        let items: Vec<_> = (0..10)
            .map(|lane| BatchItem {
                payload: NoopPayload { n },
                options: TriggerOptions {
                    concurrency_key: Some(format!("p{lane}")),
                    ..TriggerOptions::default()
                },
            })
            .collect();
        n += 1;
        let mut tx = pool.begin().await.unwrap();
        engine::trigger_many(&mut tx, &PROBE, &items).await.unwrap();
        tx.commit().await.unwrap();
        let started = Instant::now();
        let mut tx = pool.begin().await.unwrap();
        let claimed = db::runs::claim(&mut tx, "probe", 10, 30.0, &queues)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        times.push(started.elapsed().as_secs_f64() * 1_000.0);
        assert_eq!(claimed.len(), 10, "the probe claims its ten runs");
        complete(&pool, &claimed).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    times
}

fn latency_line(label: &str, times: &mut [f64]) -> String {
    format!(
        "{label}: {} claims, median {:.2} ms, p99 {:.2} ms, worst {:.2} ms",
        times.len(),
        median(times),
        percentile(times, 0.99),
        times.iter().cloned().fold(0.0, f64::max)
    )
}

/// Prunes `history` ended runs (40–68 days old, keys expired) with the engine's own
/// rounds (default policy: 30 days, 500 trees a batch, resting as long as each batch
/// took) while a worker runs a steady feed of no-op runs and a probe times claims.
async fn prune_while_claiming(history: i64) {
    let db_name = format!("invoicectl_bench_prune_{}", std::process::id());
    let pool = fresh_database(&db_name).await;
    let secs = insert_history(&pool, history, 40.0).await;
    println!("prune: inserted {history} ended runs and their steps in {secs:.1} s");

    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let baseline = tokio::spawn(probe_claims(pool.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_secs(10)).await;
    stop_tx.send(true).unwrap();
    let mut baseline = baseline.await.unwrap();

    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let mut registry = Registry::new();
    registry.register(NoopTask);
    let options = WorkerOptions {
        concurrency: 8,
        mode: WorkerMode::UntilStopped,
        poll_interval: Duration::from_millis(100),
        retention: None,
        ..WorkerOptions::default()
    };
    let worker = tokio::spawn(Worker::new(pool.clone(), registry, options).run(stop.clone()));
    let feed = {
        let pool = pool.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            // About 200 runs a second over 100 lanes.
            let mut n = 0;
            while !*stop.borrow() {
                enqueue_feed(&pool, n).await;
                n += 20;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let probe = tokio::spawn(probe_claims(pool.clone(), stop.clone()));
    let started = Instant::now();
    let summary = retention::prune(&pool, &RetentionPolicy::default())
        .await
        .unwrap();
    let prune_secs = started.elapsed().as_secs_f64();
    stop_tx.send(true).unwrap();
    let mut during = probe.await.unwrap();
    feed.await.unwrap();
    let worker_summary = worker.await.unwrap().unwrap();
    let (pickup_p99, pickup_max): (f64, f64) = sqlx::query_as(
        "SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY w), max(w) FROM (
            SELECT extract(epoch FROM started_at - run_at)::float8 * 1000 AS w
            FROM run WHERE task_id = 'test-noop' AND started_at IS NOT NULL) x",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM run WHERE id LIKE 'run_0hist%'")
        .fetch_one(&pool)
        .await
        .unwrap();
    println!(
        "prune: deleted {} runs in {} batches, {prune_secs:.1} s ({:.0} runs/s); {left} left",
        summary.deleted,
        summary.batches,
        summary.deleted as f64 / prune_secs
    );
    println!("prune: {}", latency_line("before, probe", &mut baseline));
    println!("prune: {}", latency_line("during, probe", &mut during));
    println!(
        "prune: worker ran {} no-op runs during the prune; wait from due to claimed p99 {pickup_p99:.1} ms, worst {pickup_max:.1} ms",
        worker_summary.completed
    );
    drop_database(pool, &db_name).await;
}

async fn enqueue_feed(pool: &PgPool, from: u64) {
    enqueue_feed_range(pool, from, 20).await;
}

/// `count` no-op runs numbered from `from`, over 100 lanes, in one `trigger_many`.
async fn enqueue_feed_range(pool: &PgPool, from: u64, count: u64) {
    let items: Vec<_> = (from..from + count)
        .map(|n| BatchItem {
            payload: NoopPayload { n },
            options: TriggerOptions {
                concurrency_key: Some(format!("lane{}", n % 100)),
                ..TriggerOptions::default()
            },
        })
        .collect();
    let mut tx = pool.begin().await.unwrap();
    engine::trigger_many(&mut tx, &NOOP, &items).await.unwrap();
    tx.commit().await.unwrap();
}
