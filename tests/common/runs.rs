//! A run as the tests see it through the binary and the database: starting it
//! with `export start`, its status, draining it with `export worker --drain` until
//! it has ended, and the file its `file://` download URL names.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::PgPool;

use super::{Env, json_ok, ndjson};

/// `export start --org ORG --as USER` and `extra`, as a command to finish and run.
pub fn start_cmd(env: &Env, org: &str, user: &str, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = env.cmd();
    cmd.args(["export", "start", "--org", org, "--as", user])
        .args(extra);
    cmd
}

/// `export start --org ORG --as USER` and `extra` with `--json`, which must succeed:
/// its document.
pub fn start_json(env: &Env, org: &str, user: &str, extra: &[&str]) -> Value {
    let mut args = vec!["export", "start", "--org", org, "--as", user];
    args.extend_from_slice(extra);
    json_ok(env, &args)
}

/// One quiet `export worker --drain`, which must succeed.
pub fn drain(env: &Env) {
    env.cmd()
        .args(["export", "worker", "--drain", "-q"])
        .assert()
        .success();
}

/// The run's status column, as stored.
pub async fn run_status(pool: &PgPool, run_id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM run WHERE id = $1")
        .bind(run_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The status of the run's export row, as stored.
pub async fn export_status(pool: &PgPool, run_id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM export WHERE run_id = $1")
        .bind(run_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// How many runs have not ended (queued, executing or waiting).
pub async fn open_runs(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM run WHERE status NOT IN ('completed', 'failed', 'canceled')",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Whether a run in `status` has ended (nothing will run it again).
pub fn is_final(status: &str) -> bool {
    matches!(status, "completed" | "failed" | "canceled")
}

/// Runs `export worker --drain --json` (plus `extra`) until the run has ended (a
/// drain leaves retries scheduled for later and runs under another worker's lease
/// for the next invocation), failing past `limit`. Returns every NDJSON event the
/// workers printed.
pub async fn drain_until_final(
    env: &Env,
    pool: &PgPool,
    run_id: &str,
    extra: &[&str],
    limit: Duration,
) -> Vec<Value> {
    drain_until_final_with(env, pool, run_id, limit, |worker| {
        worker.args(extra);
    })
    .await
}

/// [`drain_until_final`] with each worker command finished by `configure` (extra
/// arguments, extra variables).
pub async fn drain_until_final_with(
    env: &Env,
    pool: &PgPool,
    run_id: &str,
    limit: Duration,
    configure: impl Fn(&mut assert_cmd::Command),
) -> Vec<Value> {
    let deadline = Instant::now() + limit;
    let mut events = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "run {run_id} did not end within {limit:?}");
        let mut worker = env.cmd();
        worker.args(["export", "worker", "--drain", "--json"]);
        configure(&mut worker);
        let out = worker
            .timeout(left.max(Duration::from_secs(1)))
            .assert()
            .success();
        events.extend(ndjson(&out.get_output().stdout));
        if is_final(&run_status(pool, run_id).await) {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The published file behind a `file://` download URL.
pub fn file_of(url: &str) -> PathBuf {
    url::Url::parse(url)
        .unwrap_or_else(|e| panic!("downloadUrl {url:?} is not a URL: {e}"))
        .to_file_path()
        .unwrap_or_else(|()| panic!("downloadUrl {url:?} is not a file:// URL"))
}
