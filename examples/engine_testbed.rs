//! A worker process running the engine's test tasks (the `invoicectl-testbed`
//! crate), for the tests that need real processes (several workers at once,
//! kill -9, SIGTERM).
//!
//! Usage: engine_testbed DATABASE_URL MODE CONCURRENCY LEASE_MS HEARTBEAT_MS
//! (MODE: drain | once | forever).

use std::time::Duration;

use invoicectl::engine::{Worker, WorkerMode, WorkerOptions};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, mode, concurrency, lease_ms, heartbeat_ms] = args.as_slice() else {
        eprintln!("usage: engine_testbed DATABASE_URL MODE CONCURRENCY LEASE_MS HEARTBEAT_MS");
        std::process::exit(2);
    };
    let mode = match mode.as_str() {
        "drain" => WorkerMode::Drain,
        "once" => WorkerMode::Once,
        _ => WorkerMode::UntilStopped,
    };
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .connect(url)
        .await
        .expect("connect");
    let options = WorkerOptions {
        concurrency: concurrency.parse().expect("concurrency"),
        lease: Duration::from_millis(lease_ms.parse().expect("lease")),
        heartbeat: Duration::from_millis(heartbeat_ms.parse().expect("heartbeat")),
        poll_interval: Duration::from_millis(100),
        mode,
        ..WorkerOptions::default()
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        invoicectl::signals::wait_for_signal().await;
        let _ = stop_tx.send(true);
    });
    let worker = Worker::new(pool, invoicectl_testbed::registry(), options);
    println!("worker {} ready", worker.owner());
    let summary = worker.run(stop_rx).await.expect("worker");
    println!("{summary:?}");
}
