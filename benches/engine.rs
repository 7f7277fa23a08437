//! Engine throughput benchmark: no-op runs through ONE worker process (this one),
//! with enqueue timed separately, for 1 lane, 100 interleaved lanes and 100 lanes
//! whose backlog is enqueued one block per lane; then the claim cost with 200,000
//! finished runs in the table against an empty one.
//!
//! Run: `cargo bench --bench engine` (DATABASE_URL names the server; each scenario
//! uses a fresh database that is dropped afterwards). RUNS=N overrides 20,000;
//! ONLY=lane1|interleaved|blocks|claim runs one scenario.

#[path = "../tests/common/tasks.rs"]
mod tasks;

use std::time::{Duration, Instant};

use invoicectl::db;
use invoicectl::engine::{self, Registry, TriggerOptions, Worker, WorkerMode, WorkerOptions};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tasks::{NOOP, NoopPayload, NoopTask};

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
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM run WHERE status <> 'completed'")
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

fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!("engine benchmark: one worker process, no-op task, {runs} runs per scenario");
        scenario("1 lane", runs, 128, |_| "lane0".to_owned()).await;
        scenario("100 lanes, interleaved", runs, 128, |n| {
            format!("lane{}", n % 100)
        })
        .await;
        let per_lane = runs / 100;
        scenario("100 lanes, backlog in blocks", runs, 128, |n| {
            format!("lane{}", n / per_lane)
        })
        .await;
        claim_cost().await;
    });
}
