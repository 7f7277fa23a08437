//! Lost workers (docs/faults.md, "Lost workers"): worker processes SIGKILLed at
//! pause points, then taken over by the next worker once their lease expires. A
//! lost attempt that made progress does not count against the run, however many
//! there are; a run whose worker dies right after its close-out is completed; a run
//! whose worker dies before any progress every time still ends failed; and an upload
//! created by a worker killed before its checkpoint named it does not stay open.

use std::time::Duration;

use crate::common::Env;
use crate::common::audit::{AuditFilter, audit_rows};
use crate::common::invoices::{insert_generated, parse_csv};
use crate::common::pause::PausePoints;
use crate::common::process::Process;
use crate::common::runs::{
    drain_until_final, drain_until_final_with, export_status, file_of, run_status, start_json,
};
use crate::common::s3::S3Server;
use crate::common::smtp::{Script, SmtpServer};
use invoicectl::db::seed::seed_demo;
use sqlx::PgPool;

const ORG: &str = "org_acme";
/// Short leases, so takeovers come within seconds; a fast retry curve.
const WORKER: [&str; 6] = [
    "--lease",
    "2",
    "--heartbeat",
    "0.5",
    "--retry-scale",
    "0.01",
];

/// The demo's users and organizations with `rows` invoices of ORG, local storage in
/// pages of 50, emails to a test SMTP server, and one export started.
async fn local_export(pool: &PgPool, rows: i64) -> (Env, SmtpServer, String) {
    seed_demo(pool, 0).await.unwrap();
    insert_generated(pool, ORG, rows).await;
    let smtp = SmtpServer::start(Script::accept());
    let env = Env::for_pool(pool);
    env.write_config(&format!(
        "page_size = 50\nsmtp_url = \"{}\"\nexport_dir = \"{}\"\n",
        smtp.url(),
        env.path().join("exports").display()
    ));
    let run = start(&env);
    (env, smtp, run)
}

/// `export start --force --json` as user_alice; the run id.
fn start(env: &Env) -> String {
    start_json(env, ORG, "user_alice", &["--force"])["runId"]
        .as_str()
        .expect("runId")
        .to_owned()
}

/// A worker that the pause points of `pauses` can hold, with `envs`.
fn held_worker(
    env: &Env,
    pauses: &PausePoints,
    name: &str,
    envs: &[(&'static str, String)],
) -> Process {
    let mut cmd = env.std_cmd();
    cmd.args(["export", "worker"])
        .args(WORKER)
        .envs(envs.iter().cloned())
        .env(pauses.var().0, pauses.var().1);
    Process::logged(&mut cmd, env.path(), name)
}

/// Starts a worker, waits until it is held at the first time it reaches `point`,
/// and SIGKILLs it there.
async fn kill_at(
    env: &Env,
    pauses: &PausePoints,
    point: &str,
    name: &str,
    envs: &[(&'static str, String)],
) {
    pauses.hold(point, 1);
    let mut worker = held_worker(env, pauses, name, envs);
    pauses
        .wait_reached(point, Duration::from_secs(90), || {
            worker.child.try_wait().unwrap().is_none()
        })
        .await;
    worker.kill();
}

/// (status, attempt, lost attempts in a row without progress, error code).
async fn run_row(pool: &PgPool, run: &str) -> (String, i32, i32, Option<String>) {
    sqlx::query_as("SELECT status, attempt, lost_attempts, error->>'code' FROM run WHERE id = $1")
        .bind(run)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn audited(pool: &PgPool, run: &str, action: &str) -> usize {
    audit_rows(pool, AuditFilter::export(run).action(action))
        .await
        .len()
}

/// The published CSV of a completed local export.
async fn published_rows(pool: &PgPool, run: &str) -> usize {
    let url: String = sqlx::query_scalar("SELECT download_url FROM export WHERE run_id = $1")
        .bind(run)
        .fetch_one(pool)
        .await
        .unwrap();
    parse_csv(&std::fs::read(file_of(&url)).unwrap()).len() - 1
}

/// Three workers in a row are SIGKILLed, each right after a checkpoint of its own
/// committed: three lost attempts, as many as the run has. Each made progress, so
/// none counts: the fourth worker finishes the export, once (one file with every
/// row, one email, one completed audit entry), and the run still stands at its first
/// attempt. (Before: the third loss failed the run, `worker_lost`.)
#[sqlx::test]
async fn lost_attempts_that_made_progress_do_not_fail_the_run(pool: PgPool) {
    const ROWS: i64 = 1_000;
    let (env, smtp, run) = local_export(&pool, ROWS).await;

    let pauses = PausePoints::new();
    for i in 1..=3 {
        kill_at(&env, &pauses, "checkpoint-committed", &format!("w{i}"), &[]).await;
        let (status, _, lost, _) = run_row(&pool, &run).await;
        assert_eq!(
            (status.as_str(), lost),
            ("executing", 0),
            "kill {i}: the run is held by the dead worker, with no lost attempt against it"
        );
    }
    pauses.release("checkpoint-committed");
    let events = drain_until_final(&env, &pool, &run, &WORKER, Duration::from_secs(120)).await;
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "takenOver" && e["runId"] == run.as_str()),
        "{events:?}"
    );

    let (status, attempt, lost, _) = run_row(&pool, &run).await;
    assert_eq!(status, "completed", "three lost attempts with progress");
    assert_eq!((attempt, lost), (1, 0), "no lost attempt was counted");
    assert_eq!(export_status(&pool, &run).await, "completed");
    assert_eq!(published_rows(&pool, &run).await, ROWS as usize);
    assert_eq!(audited(&pool, &run, "export.invoices.completed").await, 1);
    assert_eq!(smtp.messages().len(), 1, "exactly one email");
}

/// A run on its last attempt (`max_attempts` 1) whose worker is SIGKILLed right
/// after the close-out committed: the close-out completed the run in the same
/// transaction, so it is `completed` at once — no takeover can fail it — its lane
/// is free, and a later worker changes nothing. (Before: the run stayed executing
/// and the takeover failed it, `worker_lost`, while its export said completed.)
#[sqlx::test]
async fn a_worker_lost_right_after_the_close_out_leaves_the_run_completed(pool: PgPool) {
    let (env, smtp, run) = local_export(&pool, 120).await;
    sqlx::query("UPDATE run SET max_attempts = 1 WHERE id = $1")
        .bind(&run)
        .execute(&pool)
        .await
        .unwrap();

    let pauses = PausePoints::new();
    kill_at(&env, &pauses, "close-out-committed", "w1", &[]).await;
    let (status, lease_owner): (String, Option<String>) =
        sqlx::query_as("SELECT status, lease_owner FROM run WHERE id = $1")
            .bind(&run)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), lease_owner),
        ("completed", None),
        "the close-out completed the run"
    );
    let held: i64 = sqlx::query_scalar("SELECT coalesce(sum(running), 0) FROM run_lane")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(held, 0, "no lane slot is held");
    let output: serde_json::Value = sqlx::query_scalar("SELECT output FROM run WHERE id = $1")
        .bind(&run)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(output["rowCount"], 120, "{output}");
    assert_eq!(output["email"], "sent", "{output}");

    // Past the dead worker's lease, another worker finds nothing to take over.
    tokio::time::sleep(Duration::from_secs(3)).await;
    pauses.release("close-out-committed");
    env.cmd()
        .args(["export", "worker", "--drain"])
        .args(WORKER)
        .assert()
        .success();
    assert_eq!(run_status(&pool, &run).await, "completed");
    assert_eq!(export_status(&pool, &run).await, "completed");
    assert_eq!(audited(&pool, &run, "export.invoices.completed").await, 1);
    assert_eq!(audited(&pool, &run, "export.invoices.failed").await, 0);
    assert_eq!(smtp.messages().len(), 1, "exactly one email");
}

/// A crash loop: three workers in a row are SIGKILLed as soon as they start the
/// run's attempt, before any step or checkpoint. Lost attempts without progress
/// count (their own budget, the run's `max_attempts`): the third fails the run
/// `worker_lost`, with its export failed and audited, and no email.
#[sqlx::test]
async fn a_run_whose_worker_dies_before_any_progress_every_time_still_fails(pool: PgPool) {
    let (env, smtp, run) = local_export(&pool, 120).await;

    let pauses = PausePoints::new();
    for i in 1..=3 {
        kill_at(&env, &pauses, "attempt-started", &format!("w{i}"), &[]).await;
    }
    pauses.release("attempt-started");
    drain_until_final(&env, &pool, &run, &WORKER, Duration::from_secs(120)).await;

    let (status, _, lost, code) = run_row(&pool, &run).await;
    assert_eq!(status, "failed");
    assert_eq!(code.as_deref(), Some("worker_lost"));
    assert_eq!(lost, 3, "three lost attempts in a row without progress");
    assert_eq!(export_status(&pool, &run).await, "failed");
    assert_eq!(audited(&pool, &run, "export.invoices.failed").await, 1);
    assert_eq!(audited(&pool, &run, "export.invoices.completed").await, 0);
    assert!(smtp.messages().is_empty(), "no email");
}

/// A worker SIGKILLed right after CreateMultipartUpload, before the checkpoint that
/// names the upload: the upload is open and named by nothing. The worker that takes
/// the run over aborts it (it lists the uploads of the run's key), completes the
/// export through an upload of its own, and afterwards ListMultipartUploads on the
/// bucket shows no open upload. (Before: the orphan stayed open.)
#[sqlx::test]
async fn an_upload_created_by_a_worker_lost_before_its_checkpoint_is_aborted(pool: PgPool) {
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, 300).await;
    let server = S3Server::shared();
    let bucket = server.new_bucket();
    let env = Env::for_pool(&pool);
    env.write_config(&format!(
        "page_size = 100\nstorage = \"s3://{bucket}/exports\"\n"
    ));
    let run = start(&env);

    let pauses = PausePoints::new();
    kill_at(&env, &pauses, "upload-created", "w1", &server.aws_env()).await;
    let orphans = server.open_uploads(&bucket);
    assert_eq!(orphans.len(), 1, "the killed worker's upload: {orphans:?}");
    let named: Option<String> = sqlx::query_scalar(
        "SELECT checkpoint #>> '{upload,resume,upload,uploadId}' FROM run_step
         WHERE run_id = $1 AND name = 'csv'",
    )
    .bind(&run)
    .fetch_optional(&pool)
    .await
    .unwrap()
    .flatten();
    assert_eq!(named, None, "no checkpoint names it");

    pauses.release("upload-created");
    drain_until_final_with(&env, &pool, &run, Duration::from_secs(120), |worker| {
        worker.args(WORKER).envs(server.aws_env());
    })
    .await;
    assert_eq!(run_status(&pool, &run).await, "completed");
    assert_eq!(export_status(&pool, &run).await, "completed");
    let open = server.open_uploads(&bucket);
    assert!(open.is_empty(), "uploads left open: {open:?}");
    let (object_url, byte_size): (String, i64) =
        sqlx::query_as("SELECT object_url, byte_size FROM export WHERE run_id = $1")
            .bind(&run)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        object_url.starts_with(&format!("s3://{bucket}/")),
        "{object_url}"
    );
    assert!(byte_size > 0);
}
