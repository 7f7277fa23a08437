//! The `export-invoices` task end to end. Each test drives the
//! real binary (`export start`, `export worker`, `suppression add`) against its own
//! PostgreSQL database, with a real SMTP conversation with the test server of
//! tests/common/smtp.rs. Expected CSV cells are computed here, independently of
//! `invoicectl::exports::csv`, from the rows as the database holds them.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::audit::{AuditFilter, audit_rows};
use crate::common::hostile::{insert_hostile, insert_with_ids};
use crate::common::invoices::{db_invoices, expected_record, insert_generated, parse_csv};
use crate::common::pause::PausePoints;
use crate::common::process::{Process, signal, wait_exit};
use crate::common::prometheus::{Exposition, free_local_addr, scrape};
use crate::common::proxy::PgProxy;
use crate::common::runs::{drain_until_final, file_of, is_final, run_status};
use crate::common::smtp::{Received, Script, SmtpServer, Stage};
use crate::common::{Env, json_of, ndjson};
use invoicectl::db::seed::{DemoInvoice, seed_demo};
use serde_json::{Value, json};
use sqlx::PgPool;

const ORG: &str = "org_acme";
const ORG_NAME: &str = "Acme Inc";
const HEADER: [&str; 9] = [
    "invoice_id",
    "number",
    "customer_name",
    "customer_email",
    "currency",
    "amount",
    "status",
    "issued_at",
    "due_at",
];

// ---------------------------------------------------------------------------------
// Running the binary

/// The config every test uses: small pages, the test SMTP server, an export dir of
/// its own.
fn configure(env: &Env, page_size: u32, server: &SmtpServer) -> PathBuf {
    let export_dir = env.path().join("exports");
    env.write_config(&format!(
        "page_size = {page_size}\nsmtp_url = \"{}\"\nexport_dir = \"{}\"\n",
        server.url(),
        export_dir.display()
    ));
    export_dir
}

/// `export start --json` as `user`; returns the run id.
fn start(env: &Env, user: &str, extra: &[&str]) -> String {
    let out = env
        .cmd()
        .args(["export", "start", "--org", ORG, "--as", user, "--json"])
        .args(extra)
        .timeout(Duration::from_secs(30))
        .assert()
        .success();
    let started = json_of(&out.get_output().stdout);
    assert_eq!(started["deduplicated"], false, "{started}");
    assert_eq!(started["status"], "queued", "{started}");
    started["runId"].as_str().expect("runId").to_owned()
}

/// `export status RUN_ID --json`.
fn status_view(env: &Env, run_id: &str) -> Value {
    let out = env
        .cmd()
        .args(["export", "status", run_id, "--json"])
        .timeout(Duration::from_secs(30))
        .assert()
        .success();
    json_of(&out.get_output().stdout)
}

/// An `export worker` (plus `extra`) beside the test, killed when the test ends.
fn worker_process(env: &Env, extra: &[&str]) -> Process {
    Process::spawn(env.std_cmd().args(["export", "worker"]).args(extra))
}

/// A worker process that may be held at the pause points of `pauses`, its output
/// in `<env dir>/<name>.stdout` / `.stderr`.
fn held_worker(env: &Env, pauses: &PausePoints, name: &str, extra: &[&str]) -> Process {
    let mut cmd = env.std_cmd();
    cmd.args(["export", "worker"])
        .args(extra)
        .env(pauses.var().0, pauses.var().1);
    Process::logged(&mut cmd, env.path(), name)
}

/// Holds a worker before its `nth` page (a pause point) and waits until it is there:
/// mid-export, whatever the machine's speed. `pauses.release("export-page")` lets
/// it go on.
async fn hold_before_page(pauses: &PausePoints, nth: u64, worker: &mut Process) {
    pauses.hold("export-page", nth);
    pauses
        .wait_reached("export-page", Duration::from_secs(60), || {
            worker.child.try_wait().unwrap().is_none()
        })
        .await;
}

/// Waits until a worker's log shows an attempt ended `lease_lost` (the fence refused
/// what it tried to write), failing past a minute.
async fn wait_for_lease_lost(worker: &mut Process) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !worker.stderr_text().contains("lease_lost") {
        worker.assert_running();
        assert!(
            Instant::now() < deadline,
            "the stale worker never ran into its fence: {}",
            worker.stderr_text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The binary as a child process (for kill -9), with the environment of `Env::cmd`.
fn spawn_invoicectl(env: &Env, args: &[&str]) -> Child {
    env.std_cmd()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn invoicectl")
}

// ---------------------------------------------------------------------------------
// What the database and the mailbox hold

/// (actor, payload) of each entry of `action` about export run `run_id` on [`ORG`]'s
/// chain.
async fn audit_of(pool: &PgPool, action: &str, run_id: &str) -> Vec<(Option<String>, Value)> {
    audit_rows(pool, AuditFilter::export(run_id).action(action).org(ORG))
        .await
        .into_iter()
        .map(|r| (r.actor_user_id, r.payload))
        .collect()
}

/// The `export.invoices.completed` entries of a run: (actor, payload).
async fn completed_audit(pool: &PgPool, run_id: &str) -> Vec<(Option<String>, Value)> {
    audit_of(pool, "export.invoices.completed", run_id).await
}

/// The export row of a run: (status, row_count, download_url, completed_at set).
async fn export_row(pool: &PgPool, run_id: &str) -> (String, Option<i64>, Option<String>, bool) {
    sqlx::query_as(
        "SELECT status, row_count, download_url, completed_at IS NOT NULL
         FROM export WHERE run_id = $1",
    )
    .bind(run_id)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The run's children: (task, status, attempt, error code).
async fn children(pool: &PgPool, run_id: &str) -> Vec<(String, String, i32, Option<String>)> {
    sqlx::query_as(
        "SELECT task_id, status, attempt, error->>'code' FROM run
         WHERE parent_run_id = $1 ORDER BY created_at",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await
    .unwrap()
}

fn assert_no_partial_files(dir: &Path) {
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "partial files left: {leftovers:?}");
}

/// Asserts the one export-ready email a run should have produced.
fn assert_export_email(received: &Received, rows: u64, url: &str) {
    assert_eq!(received.rcpt_to, vec!["alice@example.com".to_owned()]);
    let mail = received.parse();
    assert_eq!(mail.header("Subject"), Some("Your invoice export is ready"));
    let text = &mail.part("text/plain").expect("a text part").body;
    assert!(text.contains(ORG_NAME), "{text}");
    assert!(text.contains(&format!("{rows} invoices")), "{text}");
    assert!(text.contains(url), "{text}");
    let html = &mail.part("text/html").expect("an HTML part").body;
    assert!(html.contains(ORG_NAME), "{html}");
    assert!(html.contains(&format!("{rows} invoices")), "{html}");
}

fn mails_mentioning(server: &SmtpServer, url: &str) -> usize {
    server
        .messages()
        .iter()
        .filter(|m| m.parse().part("text/plain").unwrap().body.contains(url))
        .count()
}

// ---------------------------------------------------------------------------------
// The tests

#[sqlx::test]
async fn hostile_invoices_export_exactly_once_with_one_email_and_one_audit_entry(pool: PgPool) {
    const ROWS: u64 = 2_345;
    seed_demo(&pool, 0).await.unwrap();
    let inserted = insert_hostile(&pool, ROWS).await;
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    let export_dir = configure(&env, 500, &server);

    // The database holds what was inserted (so the expectations below are about the
    // export, not about how the rows were stored).
    let rows = db_invoices(&pool, ORG).await;
    assert_eq!(rows.len() as u64, ROWS);
    let mut by_id: Vec<&DemoInvoice> = inserted.iter().collect();
    by_id.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    for (db, ours) in rows.iter().zip(by_id) {
        assert_eq!(db.0, ours.id);
        assert_eq!(db.2, ours.customer_name);
        assert_eq!(db.5, ours.amount_cents);
        assert_eq!(db.7, ours.issued_at);
        assert_eq!(db.8, ours.due_at);
    }

    let run_id = start(&env, "user_alice", &[]);
    drain_until_final(&env, &pool, &run_id, &[], Duration::from_secs(60)).await;

    let view = status_view(&env, &run_id);
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(view["attempt"], 1, "{view}");
    let metadata = &view["metadata"];
    assert_eq!(metadata["pagesTotal"], 5, "{view}");
    assert_eq!(metadata["pagesDone"], 5, "{view}");
    assert_eq!(metadata["rowsDone"], ROWS, "{view}");
    assert_eq!(view["output"]["rowCount"], ROWS, "{view}");
    assert_eq!(view["output"]["email"], "sent", "{view}");
    let url = metadata["objectUrl"]
        .as_str()
        .expect("objectUrl")
        .to_owned();
    assert_eq!(view["output"]["objectUrl"], url.as_str());

    // Published at <export_dir>/<org>/<run_id>.csv, nothing half-written left.
    let path = file_of(&url);
    let org_dir = export_dir.join(ORG).canonicalize().unwrap();
    assert_eq!(path, org_dir.join(format!("{run_id}.csv")));
    assert_no_partial_files(&org_dir);

    // The CSV equals the database, row by row, in ascending id (byte) order.
    let bytes = std::fs::read(&path).unwrap();
    let header_line = format!("{}\r\n", HEADER.join(","));
    assert!(
        bytes.starts_with(header_line.as_bytes()),
        "header (no BOM, CRLF): {:?}",
        String::from_utf8_lossy(&bytes[..100.min(bytes.len())])
    );
    assert!(bytes.ends_with(b"\r\n"));
    std::str::from_utf8(&bytes).expect("UTF-8");
    let records = parse_csv(&bytes);
    assert_eq!(records.len() as u64, ROWS + 1);
    assert_eq!(records[0], HEADER);
    for (i, (record, row)) in records[1..].iter().zip(&rows).enumerate() {
        assert_eq!(
            record,
            &expected_record(row),
            "data row {i} (invoice {})",
            row.0
        );
    }
    // The awkward cases did occur (the generator covers them).
    let cells: Vec<&String> = records[1..].iter().flatten().collect();
    for needle in [
        "'=", "'+", "'-", "'@", "'\t", "'\r", "\r\n", "🚀", "\"", ",",
    ] {
        assert!(
            cells.iter().any(|c| c.contains(needle)),
            "no cell with {needle:?}"
        );
    }
    assert!(
        records[1..]
            .iter()
            .any(|r| r[3].is_empty() && r[8].is_empty())
    );
    assert!(records[1..].iter().any(|r| r[5] == "-92233720368547758.08"));
    assert!(records[1..].iter().any(|r| r[4] == "JPY" && r[5] == "0"));
    assert!(
        records[1..]
            .iter()
            .any(|r| r[4] == "KWD" && r[5] == "-0.001")
    );
    assert!(records[1..].iter().any(|r| r[7].ends_with(".123456Z")));
    assert!(records[1..].iter().any(|r| r[7].ends_with(".250Z")));

    // Exactly one email, with the org's name, the row count and the URL.
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "one email");
    assert_eq!(server.transactions(), 1);
    assert_export_email(&messages[0], ROWS, &url);
    let kids = children(&pool, &run_id).await;
    assert_eq!(
        kids,
        vec![(
            "send-export-email".to_owned(),
            "completed".to_owned(),
            1,
            None
        )]
    );

    // One completed audit entry by the system, and the export row closed.
    assert_eq!(
        completed_audit(&pool, &run_id).await,
        vec![(
            None,
            json!({"rowCount": 2345, "emailSuppressed": false, "email": "sent"})
        )]
    );
    assert_eq!(
        export_row(&pool, &run_id).await,
        ("completed".to_owned(), Some(ROWS as i64), Some(url), true)
    );
    env.cmd()
        .args(["audit", "verify", "--org", ORG])
        .assert()
        .success();

    // Draining again changes nothing.
    drain_until_final(&env, &pool, &run_id, &[], Duration::from_secs(30)).await;
    assert_eq!(server.messages().len(), 1);
    assert_eq!(completed_audit(&pool, &run_id).await.len(), 1);
}

#[sqlx::test]
async fn a_suppressed_recipient_gets_no_email_and_the_export_completes(pool: PgPool) {
    seed_demo(&pool, 12).await.unwrap();
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    configure(&env, 5, &server);
    env.cmd()
        .args([
            "suppression",
            "add",
            "alice@example.com",
            "--reason",
            "bounce",
        ])
        .assert()
        .success();

    let run_id = start(&env, "user_alice", &[]);
    drain_until_final(&env, &pool, &run_id, &[], Duration::from_secs(60)).await;

    let view = status_view(&env, &run_id);
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(view["metadata"]["pagesDone"], 3, "{view}");
    assert_eq!(view["output"]["email"], "suppressed", "{view}");
    let url = view["metadata"]["objectUrl"].as_str().unwrap().to_owned();
    assert_eq!(parse_csv(&std::fs::read(file_of(&url)).unwrap()).len(), 13);

    assert!(
        server.messages().is_empty(),
        "no email to a suppressed address"
    );
    assert_eq!(server.connections(), 0, "not even a connection");
    // The child ended with the `suppressed` error Result, without retries.
    assert_eq!(
        children(&pool, &run_id).await,
        vec![(
            "send-export-email".to_owned(),
            "failed".to_owned(),
            1,
            Some("suppressed".to_owned())
        )]
    );
    assert_eq!(
        completed_audit(&pool, &run_id).await,
        vec![(
            None,
            json!({"rowCount": 12, "emailSuppressed": true, "email": "suppressed"})
        )]
    );
    assert_eq!(
        export_row(&pool, &run_id).await,
        ("completed".to_owned(), Some(12), Some(url), true)
    );
}

#[sqlx::test]
async fn smtp_try_later_twice_delivers_once_on_the_third_attempt(pool: PgPool) {
    seed_demo(&pool, 7).await.unwrap();
    let server = SmtpServer::start(Script::try_later(2, Stage::MailFrom));
    let env = Env::for_pool(&pool);
    configure(&env, 500, &server);

    let run_id = start(&env, "user_alice", &[]);
    let events = drain_until_final(
        &env,
        &pool,
        &run_id,
        &["--retry-scale", "0.01"],
        Duration::from_secs(60),
    )
    .await;

    let view = status_view(&env, &run_id);
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(view["attempt"], 1, "{view}");
    assert_eq!(view["output"]["email"], "sent", "{view}");
    let child = &view["children"][0];
    assert_eq!(view["children"].as_array().unwrap().len(), 1, "{view}");
    assert_eq!(child["taskId"], "send-export-email", "{view}");
    assert_eq!(child["status"], "completed", "{view}");
    assert_eq!(child["attempt"], 3, "{view}");

    let url = view["metadata"]["objectUrl"].as_str().unwrap().to_owned();
    assert_eq!(server.transactions(), 3, "two refused, one accepted");
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "exactly one email delivered");
    assert_export_email(&messages[0], 7, &url);

    // The worker said so: two retried attempts of the child.
    let retried = events
        .iter()
        .filter(|e| {
            e["event"] == "ended"
                && e["taskId"] == "send-export-email"
                && e["outcome"] == "retrying"
        })
        .count();
    assert_eq!(retried, 2, "{events:?}");
    assert_eq!(
        completed_audit(&pool, &run_id).await,
        vec![(
            None,
            json!({"rowCount": 7, "emailSuppressed": false, "email": "sent"})
        )]
    );
}

#[sqlx::test]
async fn a_killed_worker_is_taken_over_and_the_file_matches_an_uninterrupted_export(pool: PgPool) {
    const ROWS: i64 = 40_000;
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, ROWS).await;
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    let export_dir = configure(&env, 500, &server);

    let run_id = start(&env, "user_alice", &[]);
    // Held before its fifth page (a pause point), then kill -9: mid-export whatever
    // the machine's speed.
    let pauses = PausePoints::new();
    pauses.hold("export-page", 5);
    let mut first = held_worker(
        &env,
        &pauses,
        "first",
        &["--lease", "2", "--heartbeat", "0.5"],
    );
    pauses
        .wait_reached("export-page", Duration::from_secs(60), || {
            first.child.try_wait().unwrap().is_none()
        })
        .await;
    first.kill();
    let pages_at_kill = pages_done(&pool, &run_id).await;
    let (status, pages_done, pages_total): (String, i64, i64) = sqlx::query_as(
        "SELECT status, (metadata->>'pagesDone')::bigint, (metadata->>'pagesTotal')::bigint
         FROM run WHERE id = $1",
    )
    .bind(&run_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(status, "executing", "killed while executing");
    assert_eq!(pages_total, 80);
    assert!(pages_done < pages_total, "{pages_done}/{pages_total} pages");
    assert!(server.messages().is_empty());
    eprintln!("killed the first worker at {pages_done}/{pages_total} pages");

    // Another worker takes the run over once the lease has expired, and resumes it
    // from the last checkpoint.
    let events = drain_until_final(
        &env,
        &pool,
        &run_id,
        &[
            "--lease",
            "2",
            "--heartbeat",
            "0.5",
            "--retry-scale",
            "0.01",
        ],
        Duration::from_secs(60),
    )
    .await;
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "takenOver" && e["runId"] == run_id.as_str()),
        "{events:?}"
    );
    let resumed = events
        .iter()
        .find(|e| e["event"] == "started" && e["runId"] == run_id.as_str())
        .expect("the run was started again");
    assert_eq!(
        resumed["attempt"], 1,
        "the lost attempt made progress: given back: {resumed}"
    );
    assert!(
        resumed["metadata"]["pagesDone"].as_i64().unwrap() >= pages_at_kill,
        "resumed from the checkpoint: {resumed}"
    );

    let view = status_view(&env, &run_id);
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(
        view["attempt"], 1,
        "the lost attempt made progress: not counted: {view}"
    );
    assert_eq!(view["metadata"]["pagesDone"], 80, "{view}");
    assert_eq!(view["metadata"]["rowsDone"], ROWS, "{view}");
    let url = view["metadata"]["objectUrl"].as_str().unwrap().to_owned();
    let resumed_bytes = std::fs::read(file_of(&url)).unwrap();
    assert_no_partial_files(&export_dir.join(ORG));

    assert_eq!(server.messages().len(), 1, "exactly one email");
    assert_export_email(&server.messages()[0], ROWS as u64, &url);
    assert_eq!(
        completed_audit(&pool, &run_id).await,
        vec![(
            None,
            json!({"rowCount": ROWS, "emailSuppressed": false, "email": "sent"})
        )]
    );
    assert_eq!(
        export_row(&pool, &run_id).await,
        ("completed".to_owned(), Some(ROWS), Some(url.clone()), true)
    );

    // An uninterrupted export of the same rows yields the same bytes.
    let clean_id = start(&env, "user_alice", &["--force"]);
    drain_until_final(&env, &pool, &clean_id, &[], Duration::from_secs(60)).await;
    let clean = status_view(&env, &clean_id);
    assert_eq!(clean["status"], "completed", "{clean}");
    assert_eq!(clean["attempt"], 1, "{clean}");
    let clean_url = clean["metadata"]["objectUrl"].as_str().unwrap().to_owned();
    assert_ne!(clean_url, url);
    let clean_bytes = std::fs::read(file_of(&clean_url)).unwrap();
    assert_eq!(parse_csv(&clean_bytes).len() as i64, ROWS + 1);
    assert!(
        resumed_bytes == clean_bytes,
        "the resumed file ({} bytes) differs from the uninterrupted one ({} bytes)",
        resumed_bytes.len(),
        clean_bytes.len()
    );

    // Still exactly one email and one completed entry for the taken-over run.
    assert_eq!(mails_mentioning(&server, &url), 1);
    assert_eq!(mails_mentioning(&server, &clean_url), 1);
    assert_eq!(completed_audit(&pool, &run_id).await.len(), 1);
}

// ---------------------------------------------------------------------------------
// Hung sessions and a lost database

async fn pages_done(pool: &PgPool, run_id: &str) -> i64 {
    sqlx::query_scalar::<_, Option<i64>>(
        "SELECT (metadata->>'pagesDone')::bigint FROM run WHERE id = $1",
    )
    .bind(run_id)
    .fetch_one(pool)
    .await
    .unwrap()
    .unwrap_or(0)
}

/// Waits until `worker` has checkpointed `pages` pages of the run.
async fn wait_for_pages(pool: &PgPool, run_id: &str, pages: i64, worker: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while pages_done(pool, run_id).await < pages {
        assert!(worker.try_wait().unwrap().is_none(), "the worker exited");
        assert!(Instant::now() < deadline, "the worker wrote no pages");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A worker process whose stdout and stderr go to files in the env's folder.
fn spawn_logged_worker(
    env: &Env,
    name: &str,
    args: &str,
    pauses: Option<&PausePoints>,
) -> (Child, PathBuf, PathBuf) {
    let out = env.path().join(format!("{name}.out"));
    let err = env.path().join(format!("{name}.err"));
    let mut cmd = env.shell(&format!(
        "exec \"$INVOICECTL\" export worker {args} >'{}' 2>'{}'",
        out.display(),
        err.display()
    ));
    if let Some(pauses) = pauses {
        cmd.env(pauses.var().0, pauses.var().1);
    }
    let child = cmd.stdin(Stdio::null()).spawn().expect("spawn the worker");
    (child, out, err)
}

/// Everything the database holds about a run and its org's trail, for "nothing
/// changed" comparisons.
async fn run_state(pool: &PgPool, run_id: &str) -> Value {
    sqlx::query_scalar(
        "SELECT jsonb_build_object(
            'runs', (SELECT jsonb_agg(to_jsonb(r) ORDER BY r.id) FROM run r
                     WHERE r.id = $1 OR r.parent_run_id = $1),
            'steps', (SELECT jsonb_agg(to_jsonb(s) ORDER BY s.run_id, s.name) FROM run_step s
                      JOIN run r ON r.id = s.run_id WHERE r.id = $1 OR r.parent_run_id = $1),
            'export', (SELECT to_jsonb(e) FROM export e WHERE e.run_id = $1),
            'audit', (SELECT jsonb_agg(to_jsonb(a) ORDER BY a.id) FROM audit_log a
                      WHERE a.organization_id = $2))",
    )
    .bind(run_id)
    .bind(ORG)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Asserts the published CSV holds every invoice once, in id order, whole.
async fn assert_complete_csv(pool: &PgPool, url: &str, rows: i64) {
    let records = parse_csv(&std::fs::read(file_of(url)).unwrap());
    assert_eq!(records.len() as i64, rows + 1, "header and every invoice");
    assert_eq!(records[0], HEADER);
    assert!(records[1..].iter().all(|r| r.len() == HEADER.len()));
    let mut ids: Vec<String> = sqlx::query_scalar("SELECT id FROM invoice")
        .fetch_all(pool)
        .await
        .unwrap();
    ids.sort();
    let written: Vec<&str> = records[1..].iter().map(|r| r[0].as_str()).collect();
    assert!(written == ids, "every invoice once, in ascending id order");
}

#[sqlx::test]
async fn a_worker_stopped_inside_a_transaction_is_taken_over_within_the_lease_and_writes_nothing(
    pool: PgPool,
) {
    const ROWS: i64 = 20_000;
    const LEASE: u64 = 2;
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, ROWS).await;
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    let export_dir = configure(&env, 500, &server);
    let run_id = start(&env, "user_alice", &[]);

    let worker_args = [
        "export",
        "worker",
        "--concurrency",
        "1",
        "--lease",
        "2",
        "--heartbeat",
        "1",
    ];
    // A is held inside the transaction of its third checkpoint (the fenced write
    // done, its commit next), then stopped there: a pause point, not a race.
    let pauses = PausePoints::new();
    pauses.hold("checkpoint-in-transaction", 3);
    let mut a = held_worker(&env, &pauses, "a", &worker_args[2..]);
    pauses
        .wait_reached("checkpoint-in-transaction", Duration::from_secs(60), || {
            a.child.try_wait().unwrap().is_none()
        })
        .await;
    a.signal(libc::SIGSTOP);
    pauses.release("checkpoint-in-transaction");
    let stopped_at = Instant::now();
    let a_owner: String = sqlx::query_scalar("SELECT lease_owner FROM run WHERE id = $1")
        .bind(&run_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    eprintln!(
        "stopped worker A inside a transaction at page {}",
        pages_done(&pool, &run_id).await
    );

    // Worker B takes the run over within about a lease, and completes it.
    let mut b = spawn_invoicectl(
        &env,
        &[&worker_args[..], &["--retry-scale", "0.01"]].concat(),
    );
    let mut taken_over_after = None;
    let completed_after = loop {
        let (status, owner): (String, Option<String>) =
            sqlx::query_as("SELECT status, lease_owner FROM run WHERE id = $1")
                .bind(&run_id)
                .fetch_one(&pool)
                .await
                .unwrap();
        if taken_over_after.is_none() && owner.as_deref() != Some(a_owner.as_str()) {
            taken_over_after = Some(stopped_at.elapsed());
        }
        if status == "completed" {
            break stopped_at.elapsed();
        }
        assert!(
            stopped_at.elapsed() < Duration::from_secs(LEASE + 15),
            "the run was not completed within lease + 15 s of the stop (status {status}, \
             taken over after {taken_over_after:?})"
        );
        assert!(b.try_wait().unwrap().is_none(), "worker B exited");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let taken_over_after = taken_over_after.unwrap();
    eprintln!("taken over after {taken_over_after:?}, completed after {completed_after:?}");
    assert!(
        taken_over_after < Duration::from_secs(LEASE + 10),
        "taken over after {taken_over_after:?}"
    );
    signal(&b, libc::SIGTERM);
    assert!(wait_exit(&mut b, Duration::from_secs(15)).success());

    let view = status_view(&env, &run_id);
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(
        view["attempt"], 1,
        "the hung attempt had committed checkpoints: given back, not counted: {view}"
    );
    let url = view["metadata"]["objectUrl"].as_str().unwrap().to_owned();
    let bytes = std::fs::read(file_of(&url)).unwrap();
    let before = run_state(&pool, &run_id).await;

    // A resumes and commits its checkpoint: its session is gone, the commit fails,
    // the attempt ends fenced out (its lease_lost line), and nothing it did reached
    // the database.
    a.signal(libc::SIGCONT);
    wait_for_lease_lost(&mut a).await;
    let a_status = a.terminate(Duration::from_secs(15));
    assert!(a_status.success(), "worker A: {a_status:?}");
    assert_eq!(
        run_state(&pool, &run_id).await,
        before,
        "worker A wrote after resuming"
    );
    assert_eq!(
        std::fs::read(file_of(&url)).unwrap(),
        bytes,
        "the CSV changed"
    );
    assert_complete_csv(&pool, &url, ROWS).await;
    assert_no_partial_files(&export_dir.join(ORG));
    assert_eq!(server.messages().len(), 1, "exactly one email");
    assert_eq!(completed_audit(&pool, &run_id).await.len(), 1);
}

#[sqlx::test]
async fn a_database_cut_mid_export_is_ridden_out_without_spending_an_attempt(pool: PgPool) {
    const ROWS: i64 = 20_000;
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, ROWS).await;
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    let export_dir = configure(&env, 500, &server);
    let proxy = PgProxy::for_url(&env.database_url);
    let run_id = start(&env, "user_alice", &[]);
    // A password in the worker's URL (the test server trusts it, so it is never
    // checked): no log line may show it.
    let mut url = url::Url::parse(&proxy.url(&env.database_url)).unwrap();
    url.set_password(Some("hunter2-secret")).unwrap();

    // The cut lands before the worker's third page (held there by a pause point),
    // mid-export whatever the machine's speed.
    let pauses = PausePoints::new();
    pauses.hold("export-page", 3);
    let (mut worker, out, err) = spawn_logged_worker(
        &env,
        "worker",
        &format!(
            "--database-url '{url}' --drain --json --lease 2 --heartbeat 1 --retry-scale 0.01"
        ),
        Some(&pauses),
    );
    pauses
        .wait_reached("export-page", Duration::from_secs(60), || {
            worker.try_wait().unwrap().is_none()
        })
        .await;
    proxy.cut();
    pauses.release("export-page");
    // Longer than the lease: the heartbeats fail too.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(worker.try_wait().unwrap().is_none(), "the worker gave up");
    assert!(pages_done(&pool, &run_id).await < 40);
    proxy.restore();

    let status = wait_exit(&mut worker, Duration::from_secs(60));
    let stderr = std::fs::read_to_string(&err).unwrap();
    assert!(status.success(), "{status:?}: {stderr}");
    let events = ndjson(&std::fs::read(&out).unwrap());
    let export_ends: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "ended" && e["runId"] == run_id.as_str())
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert!(
        export_ends.contains(&"released"),
        "the cut attempt was released: {export_ends:?}"
    );
    assert!(
        !export_ends
            .iter()
            .any(|o| ["retrying", "failed"].contains(o)),
        "{export_ends:?}"
    );
    // Each failure is logged with its cause (the chain, redacted), never the password.
    let retrying = stderr
        .lines()
        .find(|l| l.contains("database unreachable; retrying"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(retrying.contains("error="), "{retrying}");
    assert!(!stderr.contains("hunter2-secret"), "{stderr}");

    let view = status_view(&env, &run_id);
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(view["attempt"], 1, "the cut spent no attempt: {view}");
    let url = view["metadata"]["objectUrl"].as_str().unwrap().to_owned();
    assert_complete_csv(&pool, &url, ROWS).await;
    assert_no_partial_files(&export_dir.join(ORG));
    assert_eq!(server.messages().len(), 1, "exactly one email");
    assert_eq!(completed_audit(&pool, &run_id).await.len(), 1);
}

#[sqlx::test]
async fn a_drain_worker_exits_69_once_the_database_stays_unreachable(pool: PgPool) {
    const ROWS: i64 = 20_000;
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, ROWS).await;
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    configure(&env, 500, &server);
    let proxy = PgProxy::for_url(&env.database_url);
    let proxy_url = proxy.url(&env.database_url);
    let run_id = start(&env, "user_alice", &[]);

    const LIMIT: u64 = 3;
    // The database goes away before the worker's third page (held there by a pause
    // point): mid-export whatever the machine's speed.
    let pauses = PausePoints::new();
    pauses.hold("export-page", 3);
    let (mut worker, _, err) = spawn_logged_worker(
        &env,
        "worker",
        &format!(
            "--database-url '{proxy_url}' --drain --lease 2 --heartbeat 1 --unreachable-limit {LIMIT}"
        ),
        Some(&pauses),
    );
    pauses
        .wait_reached("export-page", Duration::from_secs(60), || {
            worker.try_wait().unwrap().is_none()
        })
        .await;
    proxy.refuse();
    let refused_at = Instant::now();
    pauses.release("export-page");
    let status = wait_exit(&mut worker, Duration::from_secs(LIMIT + 30));
    let took = refused_at.elapsed();
    let stderr = std::fs::read_to_string(&err).unwrap();
    assert_eq!(status.code(), Some(69), "{stderr}");
    assert!(
        took >= Duration::from_secs(LIMIT) && took < Duration::from_secs(LIMIT + 10),
        "gave up {took:?} after the database went away (limit {LIMIT} s)"
    );
    let port = url::Url::parse(&proxy_url).unwrap().port().unwrap();
    assert!(
        stderr.contains(&format!("cannot reach PostgreSQL at 127.0.0.1:{port}"))
            && stderr.contains("gives up"),
        "{stderr}"
    );

    // The run waits under the gone worker's lease; the next worker takes it over.
    drain_until_final(
        &env,
        &pool,
        &run_id,
        &["--lease", "2", "--heartbeat", "1", "--retry-scale", "0.01"],
        Duration::from_secs(60),
    )
    .await;
    let view = status_view(&env, &run_id);
    assert_eq!(view["status"], "completed", "{view}");
    let url = view["metadata"]["objectUrl"].as_str().unwrap().to_owned();
    assert_complete_csv(&pool, &url, ROWS).await;
    assert_eq!(server.messages().len(), 1, "exactly one email");
}

#[sqlx::test]
async fn worker_leases_and_heartbeats_out_of_bounds_are_refused_with_65(pool: PgPool) {
    let env = Env::for_pool(&pool);
    for (args, says) in [
        (&["--lease", "1e15"][..], "--lease must be"),
        (&["--lease", "3601"], "--lease must be"),
        (&["--lease", "0"], "--lease must be"),
        (&["--lease", "NaN"], "--lease must be"),
        (&["--lease", "inf"], "--lease must be"),
        (&["--heartbeat", "0"], "--heartbeat must be"),
        (&["--heartbeat=-1"], "--heartbeat must be"),
        (
            &["--lease", "5", "--heartbeat", "5"],
            "shorter than --lease",
        ),
        (
            &["--lease", "3600", "--heartbeat", "1e9"],
            "--heartbeat must be",
        ),
        (&["--unreachable-limit", "0"], "--unreachable-limit must be"),
        (&["--retry-scale", "1e300"], "--retry-scale must be"),
    ] {
        let out = env
            .cmd()
            .args(["export", "worker", "--drain"])
            .args(args)
            .timeout(Duration::from_secs(10))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(65), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // The largest lease still works.
    env.cmd()
        .args(["export", "worker", "--drain", "--lease", "3600"])
        .timeout(Duration::from_secs(30))
        .assert()
        .success();
}

#[sqlx::test]
async fn a_recipient_who_left_the_org_gets_no_email(pool: PgPool) {
    seed_demo(&pool, 3).await.unwrap();
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    configure(&env, 500, &server);

    // Bob requests as a member; the export writes its CSV and parks on its email;
    // then bob leaves the org. (Leaving before the export starts fails the run at
    // load instead: tests/identity.rs.)
    let run_id = start(&env, "user_bob", &[]);
    park_on_email(&env, &pool, &run_id).await;
    let removed = sqlx::query("DELETE FROM member WHERE organization_id = $1 AND user_id = $2")
        .bind(ORG)
        .bind("user_bob")
        .execute(&pool)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(removed, 1);
    drain_until_final(&env, &pool, &run_id, &[], Duration::from_secs(60)).await;

    let view = status_view(&env, &run_id);
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(view["output"]["email"], "not_member", "{view}");
    assert_eq!(view["output"]["rowCount"], 3, "{view}");
    let url = view["metadata"]["objectUrl"].as_str().unwrap().to_owned();
    assert!(server.messages().is_empty(), "no email to a non-member");
    assert_eq!(server.connections(), 0);
    assert_eq!(
        children(&pool, &run_id).await,
        vec![(
            "send-export-email".to_owned(),
            "failed".to_owned(),
            1,
            Some("not_member".to_owned())
        )]
    );
    assert_eq!(
        completed_audit(&pool, &run_id).await,
        vec![(
            None,
            json!({"rowCount": 3, "emailSuppressed": false, "email": "not_member"})
        )]
    );
    assert_eq!(
        export_row(&pool, &run_id).await,
        ("completed".to_owned(), Some(3), Some(url), true)
    );
}

/// Runs currently holding a lane slot, over every lane.
async fn lanes_running(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT coalesce(sum(running), 0)::bigint FROM run_lane")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// `export worker --once`: the export writes its CSV, triggers its email child and
/// parks `waiting` on it. Returns the child's run id.
async fn park_on_email(env: &Env, pool: &PgPool, run_id: &str) -> String {
    env.cmd()
        .args(["export", "worker", "--once"])
        .assert()
        .success();
    assert_eq!(run_status(pool, run_id).await, "waiting");
    sqlx::query_scalar("SELECT id FROM run WHERE parent_run_id = $1")
        .bind(run_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn canceling_the_email_child_completes_the_export_unsent_and_frees_the_org(pool: PgPool) {
    seed_demo(&pool, 4).await.unwrap();
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    configure(&env, 500, &server);

    let run_id = start(&env, "user_alice", &[]);
    let child = park_on_email(&env, &pool, &run_id).await;
    assert_eq!(
        lanes_running(&pool).await,
        1,
        "the waiting export holds its lane"
    );
    let out = env
        .cmd()
        .args(["export", "cancel", &child, "--as", "user_bob", "--json"])
        .assert()
        .success();
    let canceled = json_of(&out.get_output().stdout);
    assert_eq!(
        canceled,
        json!({"runId": child, "previousStatus": "queued", "canceledRunIds": [child]})
    );
    // The cancel is on the org's chain, about the export (its parent run).
    let export_id: String = sqlx::query_scalar("SELECT id FROM export WHERE run_id = $1")
        .bind(&run_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        audit_of(&pool, "export.invoices.child_canceled", &run_id).await,
        vec![(
            Some("user_bob".to_owned()),
            json!({
                "exportId": export_id,
                "canceledRunId": child,
                "canceledTaskId": "send-export-email",
                "previousStatus": "queued",
                "canceledRuns": 1,
            })
        )]
    );

    // One drain wakes the export, which completes without sending.
    env.cmd()
        .args(["export", "worker", "--drain"])
        .assert()
        .success();
    let view = status_view(&env, &run_id);
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(view["output"]["email"], "canceled", "{view}");
    assert_eq!(view["output"]["rowCount"], 4, "{view}");
    assert_eq!(view["children"][0]["status"], "canceled", "{view}");
    let url = view["metadata"]["objectUrl"].as_str().unwrap().to_owned();
    assert_eq!(parse_csv(&std::fs::read(file_of(&url)).unwrap()).len(), 5);
    assert_eq!(
        completed_audit(&pool, &run_id).await,
        vec![(
            None,
            json!({"rowCount": 4, "emailSuppressed": false, "email": "canceled"})
        )]
    );
    assert_eq!(
        export_row(&pool, &run_id).await,
        ("completed".to_owned(), Some(4), Some(url), true)
    );
    assert_eq!(server.connections(), 0, "a canceled email is not sent");
    assert_eq!(lanes_running(&pool).await, 0, "the org's lane is free");

    // The org is not blocked: a later export runs to the end and mails.
    let next = start(&env, "user_alice", &["--force"]);
    env.cmd()
        .args(["export", "worker", "--drain"])
        .assert()
        .success();
    let view = status_view(&env, &next);
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(view["output"]["email"], "sent", "{view}");
    assert_eq!(server.messages().len(), 1);
    assert_eq!(completed_audit(&pool, &next).await.len(), 1);
    assert_eq!(completed_audit(&pool, &run_id).await.len(), 1);
    assert_eq!(
        audit_of(&pool, "export.invoices.child_canceled", &run_id)
            .await
            .len(),
        1
    );

    // Canceling the export itself while it waits on its email cancels both, marks the
    // export canceled and frees the lane; nothing resumes it.
    let last = start(&env, "user_alice", &["--force"]);
    let last_child = park_on_email(&env, &pool, &last).await;
    let out = env
        .cmd()
        .args(["export", "cancel", &last, "--json"])
        .assert()
        .success();
    let canceled = json_of(&out.get_output().stdout);
    assert_eq!(
        canceled,
        json!({"runId": last, "previousStatus": "waiting", "canceledRunIds": [last, last_child]})
    );
    assert_eq!(lanes_running(&pool).await, 0);
    env.cmd()
        .args(["export", "worker", "--drain"])
        .assert()
        .success();
    assert_eq!(run_status(&pool, &last).await, "canceled");
    assert_eq!(run_status(&pool, &last_child).await, "canceled");
    assert_eq!(export_row(&pool, &last).await.0, "canceled");
    assert_eq!(
        audit_of(&pool, "export.invoices.canceled", &last)
            .await
            .iter()
            .map(|(actor, p)| (
                actor.clone(),
                p["previousStatus"].clone(),
                p["canceledRuns"].clone()
            ))
            .collect::<Vec<_>>(),
        vec![(None, json!("waiting"), json!(2))]
    );
    assert!(completed_audit(&pool, &last).await.is_empty());
    assert!(
        audit_of(&pool, "export.invoices.child_canceled", &last)
            .await
            .is_empty()
    );
    assert_eq!(
        server.messages().len(),
        1,
        "no email for the canceled export"
    );
    env.cmd()
        .args(["audit", "verify", "--org", ORG])
        .assert()
        .success();
}

/// Canceled while it runs, the email child must not send: the send is behind a fence
/// like every other effect of an attempt (fencing). The child is held before its
/// send by a lock on `member` (its recipient lookup waits on it; its heartbeat goes
/// on, so the lease stays valid), canceled, then let go.
#[sqlx::test]
async fn an_email_child_canceled_while_it_runs_does_not_send(pool: PgPool) {
    seed_demo(&pool, 4).await.unwrap();
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    configure(&env, 500, &server);
    let run_id = start(&env, "user_alice", &[]);
    let child = park_on_email(&env, &pool, &run_id).await;

    let mut hold = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE member IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *hold)
        .await
        .unwrap();
    let mut worker = worker_process(&env, &[]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let blocked: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                            WHERE datname = current_database()
                              AND application_name = 'invoicectl'
                              AND wait_event_type = 'Lock')",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if blocked && run_status(&pool, &child).await == "executing" {
            break;
        }
        worker.assert_running();
        assert!(Instant::now() < deadline, "the email child never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    env.cmd()
        .args(["export", "cancel", &child])
        .timeout(Duration::from_secs(20))
        .assert()
        .success();
    hold.rollback().await.unwrap();

    wait_for_status(&pool, &run_id, "completed").await;
    // The child's task gets the time to finish (or send) before the worker exits.
    worker.terminate(Duration::from_secs(10));
    assert_eq!(
        server.connections(),
        0,
        "a canceled email child sent its email"
    );
    let view = status_view(&env, &run_id);
    assert_eq!(view["output"]["email"], "canceled", "{view}");
    assert_eq!(view["children"][0]["status"], "canceled", "{view}");
    assert_eq!(completed_audit(&pool, &run_id).await.len(), 1);
}

#[sqlx::test]
async fn sigterm_mid_export_checkpoints_the_written_pages_and_spends_no_attempt(pool: PgPool) {
    const ROWS: i64 = 20_000;
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, ROWS).await;
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    let export_dir = configure(&env, 500, &server);

    let run_id = start(&env, "user_alice", &[]);
    // Held before its fifth page (a pause point), SIGTERMed there, then let go: the
    // stop lands mid-export whatever the machine's speed.
    let pauses = PausePoints::new();
    pauses.hold("export-page", 5);
    let mut held = held_worker(&env, &pauses, "worker", &[]);
    pauses
        .wait_reached("export-page", Duration::from_secs(60), || {
            held.child.try_wait().unwrap().is_none()
        })
        .await;
    held.signal(libc::SIGTERM);
    pauses.release("export-page");
    let worker = &mut held.child;
    let stopping = Instant::now();
    let status = loop {
        if let Some(status) = worker.try_wait().unwrap() {
            break status;
        }
        if stopping.elapsed() > Duration::from_secs(10) {
            let _ = worker.kill();
            panic!("the worker did not exit within 10 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");

    // The run is back in the queue without a spent attempt, and its checkpoint covers
    // exactly the pages in the partial file.
    let (run_status, attempt, pages_done, pages_total): (String, i32, i64, i64) = sqlx::query_as(
        "SELECT status, attempt, (metadata->>'pagesDone')::bigint, (metadata->>'pagesTotal')::bigint
         FROM run WHERE id = $1",
    )
    .bind(&run_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(run_status, "queued");
    assert_eq!(attempt, 0, "the released attempt was given back");
    assert!(pages_done < pages_total, "{pages_done}/{pages_total} pages");
    let checkpoint: Value =
        sqlx::query_scalar("SELECT checkpoint FROM run_step WHERE run_id = $1 AND name = 'csv'")
            .bind(&run_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(checkpoint["pages"], pages_done, "{checkpoint}");
    assert_eq!(checkpoint["rows"], pages_done * 500, "{checkpoint}");
    let file = checkpoint["file"]
        .as_str()
        .expect("the checkpoint names its file");
    let partial = export_dir
        .join(ORG)
        .join(format!(".{run_id}.{file}.csv.partial"));
    assert_eq!(
        std::fs::metadata(&partial).unwrap().len(),
        checkpoint["bytes"].as_u64().unwrap(),
        "the checkpoint names every byte written before the stop"
    );
    assert!(server.messages().is_empty());

    // The next worker resumes there and finishes with one attempt spent.
    let events = drain_until_final(&env, &pool, &run_id, &[], Duration::from_secs(60)).await;
    let resumed = events
        .iter()
        .find(|e| e["event"] == "started" && e["runId"] == run_id.as_str())
        .expect("the run was started again");
    assert_eq!(resumed["metadata"]["pagesDone"], pages_done, "{resumed}");
    let view = status_view(&env, &run_id);
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(view["attempt"], 1, "{view}");
    let url = view["metadata"]["objectUrl"].as_str().unwrap().to_owned();
    let records = parse_csv(&std::fs::read(file_of(&url)).unwrap());
    assert_eq!(records.len() as i64, ROWS + 1);
    assert!(
        records[1..].windows(2).all(|w| w[0][0] < w[1][0]),
        "every invoice once, in ascending id order"
    );
    assert_eq!(server.messages().len(), 1);
    assert_eq!(completed_audit(&pool, &run_id).await.len(), 1);
}

// ---------------------------------------------------------------------------------
// Fencing the file, takeovers on another host, ids, file hygiene

async fn csv_checkpoint(pool: &PgPool, run_id: &str) -> Value {
    sqlx::query_scalar("SELECT checkpoint FROM run_step WHERE run_id = $1 AND name = 'csv'")
        .bind(run_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Waits until the run's lease has expired (its worker stopped renewing it).
async fn wait_for_lease_expiry(pool: &PgPool, run_id: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let expired: bool = sqlx::query_scalar(
            "SELECT coalesce(lease_expires_at < now(), false) FROM run WHERE id = $1",
        )
        .bind(run_id)
        .fetch_one(pool)
        .await
        .unwrap();
        if expired {
            return;
        }
        assert!(Instant::now() < deadline, "the lease never expired");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_status(pool: &PgPool, run_id: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = run_status(pool, run_id).await;
        if now == status {
            return;
        }
        assert!(
            !is_final(&now),
            "run {run_id} ended {now}, expected {status}"
        );
        assert!(Instant::now() < deadline, "run {run_id} still {now}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn partial_files_in(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".partial"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The published CSV equals, record for record and in order, what the database
/// holds now; no row is missing, repeated or malformed.
async fn assert_csv_matches_the_database(pool: &PgPool, path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    let records = parse_csv(&bytes);
    let rows = db_invoices(pool, ORG).await;
    assert_eq!(records.len(), rows.len() + 1, "one record per invoice");
    assert_eq!(records[0], HEADER);
    for (i, (record, row)) in records[1..].iter().zip(&rows).enumerate() {
        assert_eq!(
            record,
            &expected_record(row),
            "data row {i} (invoice {})",
            row.0
        );
    }
    records
}

#[sqlx::test]
async fn a_worker_paused_past_its_lease_never_reaches_the_published_csv(pool: PgPool) {
    const ROWS: i64 = 30_000;
    const PAGES: i64 = ROWS / 50;
    const CHANGED: u64 = 150;
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, ROWS).await;
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    let export_dir = configure(&env, 50, &server);
    let lease = ["--lease", "2", "--heartbeat", "1", "--retry-scale", "0.01"];

    let run_id = start(&env, "user_alice", &["--force"]);
    // A is held before its fourth page, outside any transaction (a pause point),
    // and stopped there.
    let pauses = PausePoints::new();
    pauses.hold("export-page", 4);
    let mut a = held_worker(&env, &pauses, "a", &lease);
    pauses
        .wait_reached("export-page", Duration::from_secs(60), || {
            a.child.try_wait().unwrap().is_none()
        })
        .await;
    a.signal(libc::SIGSTOP);
    pauses.release("export-page");
    let checkpoint = csv_checkpoint(&pool, &run_id).await;
    let paused_at = checkpoint["pages"].as_i64().unwrap();
    assert!(paused_at + 10 < PAGES, "{paused_at}/{PAGES} pages");
    eprintln!("paused worker A at {paused_at}/{PAGES} pages");

    // While A sleeps, the rows just after its checkpoint change: A may hold them
    // already (a prefetched page, a page half written), with the old names.
    let changed = sqlx::query(
        "UPDATE invoice SET customer_name = 'renamed while A slept ' || id
         WHERE id IN (SELECT id FROM invoice WHERE organization_id = $1 AND id > $2
                      ORDER BY id LIMIT $3)",
    )
    .bind(ORG)
    .bind(checkpoint["after"].as_str().unwrap())
    .bind(CHANGED as i64)
    .execute(&pool)
    .await
    .unwrap()
    .rows_affected();
    assert_eq!(changed, CHANGED);

    // B takes the run over once A's lease has expired; A wakes up while B writes.
    let a_owner: String = sqlx::query_scalar("SELECT lease_owner FROM run WHERE id = $1")
        .bind(&run_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    wait_for_lease_expiry(&pool, &run_id).await;
    let mut b = worker_process(&env, &lease);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let owner: Option<String> = sqlx::query_scalar("SELECT lease_owner FROM run WHERE id = $1")
            .bind(&run_id)
            .fetch_one(&pool)
            .await
            .unwrap();
        let status = run_status(&pool, &run_id).await;
        let b_holds = owner.is_some_and(|o| o != a_owner);
        if status != "executing" && status != "queued"
            || b_holds && pages_done(&pool, &run_id).await >= paused_at + 3
        {
            break;
        }
        b.assert_running();
        assert!(Instant::now() < deadline, "B did not take the run over");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    a.signal(libc::SIGCONT);
    wait_for_status(&pool, &run_id, "completed").await;
    // A went on with its next page and ran into the fence (its lease_lost line):
    // it tried, and what follows shows nothing it wrote was published.
    wait_for_lease_lost(&mut a).await;
    drop(a);
    drop(b);

    let view = status_view(&env, &run_id);
    assert_eq!(
        view["attempt"], 1,
        "A's lost attempt made progress: not counted: {view}"
    );
    assert_eq!(view["metadata"]["rowsDone"], ROWS, "{view}");
    let url = view["metadata"]["objectUrl"].as_str().unwrap().to_owned();
    let records = assert_csv_matches_the_database(&pool, &file_of(&url)).await;
    let renamed = records[1..]
        .iter()
        .filter(|r| r[2].starts_with("renamed while A slept"))
        .count();
    assert_eq!(renamed as u64, CHANGED, "B read the rows after the change");
    assert!(
        records[1..].windows(2).all(|w| w[0][0] < w[1][0]),
        "ids ascend, none twice"
    );
    assert_eq!(
        partial_files_in(&export_dir.join(ORG)),
        Vec::<String>::new(),
        "no attempt's file is left"
    );
    assert_eq!(mails_mentioning(&server, &url), 1, "exactly one email");
    assert_eq!(completed_audit(&pool, &run_id).await.len(), 1);
    assert_eq!(
        export_row(&pool, &run_id).await,
        ("completed".to_owned(), Some(ROWS), Some(url), true)
    );
}

#[sqlx::test]
async fn a_takeover_on_another_host_restarts_the_csv_from_the_first_page(pool: PgPool) {
    const ROWS: i64 = 6_000;
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, ROWS).await;
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    configure(&env, 50, &server);
    let (host_a, host_b) = (env.path().join("host-a"), env.path().join("host-b"));
    let lease = ["--lease", "2", "--heartbeat", "1", "--retry-scale", "0.01"];

    let run_id = start(&env, "user_alice", &[]);
    let pauses = PausePoints::new();
    let mut a = held_worker(
        &env,
        &pauses,
        "a",
        &[&lease[..], &["--export-dir", host_a.to_str().unwrap()]].concat(),
    );
    hold_before_page(&pauses, 3, &mut a).await;
    a.kill();
    let killed_at = pages_done(&pool, &run_id).await;
    assert!(killed_at < 120, "killed mid-export ({killed_at}/120 pages)");
    assert_eq!(partial_files_in(&host_a.join(ORG)).len(), 1);

    // Another machine: its folder has none of A's pages.
    wait_for_lease_expiry(&pool, &run_id).await;
    let events = drain_until_final(
        &env,
        &pool,
        &run_id,
        &[&lease[..], &["--export-dir", host_b.to_str().unwrap()]].concat(),
        Duration::from_secs(60),
    )
    .await;
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "takenOver" && e["runId"] == run_id.as_str()),
        "{events:?}"
    );
    let view = status_view(&env, &run_id);
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(view["attempt"], 1, "A's lost attempt made progress: {view}");
    assert_eq!(view["metadata"]["pagesDone"], 120, "{view}");
    assert_eq!(view["metadata"]["rowsDone"], ROWS, "{view}");
    let path = file_of(view["metadata"]["objectUrl"].as_str().unwrap());
    assert_eq!(
        path,
        host_b
            .join(ORG)
            .canonicalize()
            .unwrap()
            .join(format!("{run_id}.csv"))
    );
    assert_csv_matches_the_database(&pool, &path).await;
    assert_eq!(partial_files_in(&host_b.join(ORG)), Vec::<String>::new());
    assert_eq!(server.messages().len(), 1);
    assert_eq!(completed_audit(&pool, &run_id).await.len(), 1);
}

#[sqlx::test]
async fn hostile_invoice_ids_are_neutralised_like_every_text_cell(pool: PgPool) {
    seed_demo(&pool, 0).await.unwrap();
    let ids = [
        "=HYPERLINK(\"http://evil.test\",\"click\")",
        "+a09",
        "-a08",
        "@a07",
        "\ta06",
        "\ra05",
        "inv_plain",
        "'quoted",
        "a=b",
    ];
    insert_with_ids(&pool, &ids, 0).await;
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    configure(&env, 4, &server);

    let run_id = start(&env, "user_alice", &[]);
    drain_until_final(&env, &pool, &run_id, &[], Duration::from_secs(60)).await;
    let view = status_view(&env, &run_id);
    assert_eq!(view["status"], "completed", "{view}");
    let records = assert_csv_matches_the_database(
        &pool,
        &file_of(view["metadata"]["objectUrl"].as_str().unwrap()),
    )
    .await;
    let mut cells: Vec<&str> = records[1..].iter().map(|r| r[0].as_str()).collect();
    cells.sort_unstable();
    assert_eq!(
        cells,
        [
            "'\ta06",
            "'\ra05",
            "'+a09",
            "'-a08",
            "'=HYPERLINK(\"http://evil.test\",\"click\")",
            "'@a07",
            "'quoted",
            "a=b",
            "inv_plain",
        ]
    );
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[sqlx::test]
async fn export_files_are_0600_and_folders_0700_whatever_the_umask(pool: PgPool) {
    seed_demo(&pool, 7).await.unwrap();
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    configure(&env, 5, &server);
    let export_dir = env.path().join("private/exports");

    let run_id = start(&env, "user_alice", &[]);
    let out = env
        .shell(&format!(
            "umask 000 && exec \"$INVOICECTL\" export worker --drain --export-dir '{}'",
            export_dir.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(run_status(&pool, &run_id).await, "completed");
    let published = export_dir.join(ORG).join(format!("{run_id}.csv"));
    assert_eq!(mode(&published), 0o600, "the CSV");
    for dir in [
        "private",
        "private/exports",
        &format!("private/exports/{ORG}"),
    ] {
        assert_eq!(mode(&env.path().join(dir)), 0o700, "{dir}");
    }
}

#[sqlx::test]
async fn a_run_that_fails_for_good_keeps_the_os_reason_and_leaves_no_partial_file(pool: PgPool) {
    seed_demo(&pool, 120).await.unwrap();
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    let export_dir = configure(&env, 50, &server);

    let run_id = start(&env, "user_alice", &[]);
    // A folder where the CSV is to be published: every attempt writes all its pages,
    // then cannot publish them.
    let in_the_way = export_dir.join(ORG).join(format!("{run_id}.csv"));
    std::fs::create_dir_all(&in_the_way).unwrap();
    drain_until_final(
        &env,
        &pool,
        &run_id,
        &["--retry-scale", "0.001"],
        Duration::from_secs(60),
    )
    .await;

    let view = status_view(&env, &run_id);
    assert_eq!(view["status"], "failed", "{view}");
    assert_eq!(view["attempt"], 3, "{view}");
    let reason = "Is a directory (os error 21)";
    let message = view["error"]["message"].as_str().unwrap();
    assert!(message.contains(reason), "run error: {message}");
    let export_error: Option<String> =
        sqlx::query_scalar("SELECT error FROM export WHERE run_id = $1")
            .bind(&run_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        export_error.as_deref().unwrap_or("").contains(reason),
        "export row: {export_error:?}"
    );
    let payload: Value = sqlx::query_scalar(
        "SELECT payload FROM audit_log WHERE action = 'export.invoices.failed' AND subject_id = $1",
    )
    .bind(&run_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        payload["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains(reason),
        "audit payload: {payload}"
    );
    assert_eq!(
        partial_files_in(&export_dir.join(ORG)),
        Vec::<String>::new()
    );
    assert!(server.messages().is_empty());
}

#[sqlx::test]
async fn canceled_runs_leave_no_partial_files(pool: PgPool) {
    const ROWS: i64 = 6_000;
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, ROWS).await;
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    let export_dir = configure(&env, 50, &server);
    let org_dir = export_dir.join(ORG);
    let cancel = |run_id: &str| {
        env.cmd()
            .args(["export", "cancel", run_id])
            .assert()
            .success();
    };

    // A run stopped mid-export waits in the queue with its file, and is canceled there.
    let queued = start(&env, "user_alice", &[]);
    let pauses = PausePoints::new();
    let mut worker = held_worker(&env, &pauses, "first", &[]);
    hold_before_page(&pauses, 3, &mut worker).await;
    worker.signal(libc::SIGTERM);
    pauses.release("export-page");
    assert!(worker.wait(Duration::from_secs(10)).success());
    assert_eq!(run_status(&pool, &queued).await, "queued");
    let left = partial_files_in(&org_dir);
    assert_eq!(left.len(), 1, "{left:?}");
    cancel(&queued);

    // The next export of the org removes it; a run canceled while it executes
    // removes its own.
    let executing = start(&env, "user_alice", &["--force"]);
    let mut worker = held_worker(&env, &pauses, "second", &[]);
    hold_before_page(&pauses, 3, &mut worker).await;
    let files = partial_files_in(&org_dir);
    assert!(
        files.iter().all(|f| f.contains(&executing)),
        "the canceled run's file is still there: {files:?}"
    );
    cancel(&executing);
    pauses.release("export-page");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !partial_files_in(&org_dir).is_empty() {
        worker.assert_running();
        assert!(
            Instant::now() < deadline,
            "partial files left: {:?}",
            partial_files_in(&org_dir)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(run_status(&pool, &executing).await, "canceled");
    assert!(server.messages().is_empty());
}

#[sqlx::test]
async fn the_worker_refuses_an_unusable_export_folder_before_claiming_anything(pool: PgPool) {
    seed_demo(&pool, 3).await.unwrap();
    let env = Env::for_pool(&pool);
    let run_id = start(&env, "user_alice", &[]);
    let file = env.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    // An unwritable folder: permissions, unless this runs as root (which they do not
    // bind), then sysfs, which not even root may create files in.
    let locked = env.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o500)).unwrap();
    let unwritable = if std::fs::write(locked.join("probe"), "").is_err() {
        locked.clone()
    } else {
        PathBuf::from("/sys")
    };

    let worker = |dir: Option<&Path>, code: i32, message: &str| {
        let mut cmd = env.cmd();
        cmd.args(["export", "worker", "--drain"]);
        if let Some(dir) = dir {
            cmd.arg("--export-dir").arg(dir);
        }
        let out = cmd.assert().code(code);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains(message), "{dir:?}: {stderr}");
    };
    worker(Some(&file), 65, "is not a directory");
    worker(Some(&file.join("below")), 65, "is not a directory");
    worker(Some(&unwritable), 77, "cannot write to export directory");
    env.write_config("export_dir = \"\"\n");
    worker(None, 65, "invalid export_dir in config file");

    // Nothing was claimed: no attempt spent, nothing failed.
    let (status, attempt): (String, i32) =
        sqlx::query_as("SELECT status, attempt FROM run WHERE id = $1")
            .bind(&run_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempt), ("queued", 0));
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
}

// ---------------------------------------------------------------------------------
// The metrics endpoint

const EXPORT_TASK: &str = "export-invoices";
const EMAIL_TASK: &str = "send-export-email";

#[sqlx::test]
async fn the_metrics_endpoint_counts_an_export_while_it_runs_and_after(pool: PgPool) {
    const ROWS: i64 = 3_000;
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, ROWS).await;
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    configure(&env, 100, &server);
    let run_id = start(&env, "user_alice", &[]);
    let addr = free_local_addr();
    let mut worker = worker_process(&env, &["--metrics-addr", &addr.to_string()]);

    // Every family is announced once the worker runs (the listener may answer a
    // moment before), its counters at zero or more.
    let deadline = Instant::now() + Duration::from_secs(10);
    let first = loop {
        let m = Exposition::parse(&scrape(addr));
        if m.types.contains_key("invoicectl_queue_runs") {
            break m;
        }
        assert!(Instant::now() < deadline, "no queue sample within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    for (family, kind) in [
        ("invoicectl_runs_started_total", "counter"),
        ("invoicectl_runs_completed_total", "counter"),
        ("invoicectl_runs_failed_total", "counter"),
        ("invoicectl_runs_canceled_total", "counter"),
        ("invoicectl_takeovers_total", "counter"),
        ("invoicectl_export_rows_total", "counter"),
        ("invoicectl_export_bytes_total", "counter"),
        ("invoicectl_export_emails_total", "counter"),
        ("invoicectl_queue_runs", "gauge"),
        ("invoicectl_queue_oldest_queued_age_seconds", "gauge"),
        ("invoicectl_queue_lanes_with_backlog", "gauge"),
    ] {
        assert_eq!(
            first.types.get(family).map(String::as_str),
            Some(kind),
            "{family}"
        );
    }
    assert!(
        first
            .samples
            .contains_key(r#"invoicectl_runs_completed_total{task="export-invoices"}"#)
    );

    // Mid-export: hold the export row so the run cannot close out, and watch the CSV
    // and the email child finish while the parent waits on that lock.
    wait_for_pages(&pool, &run_id, 1, &mut worker.child).await;
    let mut hold = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM export WHERE run_id = $1 FOR UPDATE")
        .bind(&run_id)
        .execute(&mut *hold)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let during = loop {
        let m = Exposition::parse(&scrape(addr));
        // The parent is back from its child, and the queue sample (every 5 s) has
        // seen it executing.
        if m.task("invoicectl_runs_resumed_total", EXPORT_TASK) == 1.0
            && m.get(r#"invoicectl_queue_runs{queue="export",status="executing"}"#) == 1.0
        {
            break m;
        }
        worker.assert_running();
        assert!(
            Instant::now() < deadline,
            "the export never got to its close-out"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(run_status(&pool, &run_id).await, "executing");
    assert_eq!(
        during.task("invoicectl_runs_started_total", EXPORT_TASK),
        1.0
    );
    assert_eq!(
        during.task("invoicectl_runs_completed_total", EXPORT_TASK),
        0.0
    );
    assert_eq!(
        during.task("invoicectl_runs_started_total", EMAIL_TASK),
        1.0
    );
    assert_eq!(
        during.task("invoicectl_runs_completed_total", EMAIL_TASK),
        1.0
    );
    assert_eq!(during.get("invoicectl_export_rows_total"), 0.0);
    assert_eq!(
        during.get(r#"invoicectl_export_emails_total{disposition="sent"}"#),
        0.0
    );
    assert_eq!(
        during.get(r#"invoicectl_queue_runs{queue="export",status="queued"}"#),
        0.0
    );

    // Let it finish; the counters move once the pass has recorded the end.
    hold.rollback().await.unwrap();
    wait_for_status(&pool, &run_id, "completed").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let after = loop {
        let m = Exposition::parse(&scrape(addr));
        if m.task("invoicectl_runs_completed_total", EXPORT_TASK) == 1.0 {
            break m;
        }
        assert!(
            Instant::now() < deadline,
            "the completion was never counted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let view = status_view(&env, &run_id);
    let csv = file_of(view["metadata"]["objectUrl"].as_str().unwrap());
    assert_eq!(
        after.task("invoicectl_runs_started_total", EXPORT_TASK),
        1.0
    );
    assert_eq!(after.task("invoicectl_runs_failed_total", EXPORT_TASK), 0.0);
    assert_eq!(
        after.task("invoicectl_runs_completed_total", EMAIL_TASK),
        1.0
    );
    assert_eq!(after.get("invoicectl_export_rows_total"), ROWS as f64);
    assert_eq!(
        after.get("invoicectl_export_bytes_total"),
        std::fs::metadata(&csv).unwrap().len() as f64
    );
    assert_eq!(
        after.get(r#"invoicectl_export_emails_total{disposition="sent"}"#),
        1.0
    );
    assert_eq!(
        after.get(r#"invoicectl_export_emails_total{disposition="suppressed"}"#),
        0.0
    );
    assert_eq!(
        after
            .types
            .get("invoicectl_attempt_duration_seconds")
            .map(String::as_str),
        Some("histogram")
    );
    assert_eq!(
        after.get(
            r#"invoicectl_attempt_duration_seconds_count{task="export-invoices",outcome="completed"}"#
        ),
        1.0
    );
    assert_eq!(
        after.get(r#"invoicectl_run_duration_seconds_count{task="export-invoices"}"#),
        1.0
    );
    assert_eq!(
        after.get(r#"invoicectl_run_duration_seconds_bucket{task="export-invoices",le="+Inf"}"#),
        1.0
    );
    assert_eq!(server.messages().len(), 1);

    worker.terminate(Duration::from_secs(10));
    assert!(worker.child.try_wait().unwrap().unwrap().success());
}

#[sqlx::test]
async fn a_bad_or_busy_metrics_address_is_refused_before_any_claim(pool: PgPool) {
    seed_demo(&pool, 10).await.unwrap();
    let server = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    configure(&env, 100, &server);
    let run_id = start(&env, "user_alice", &[]);

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = taken.local_addr().unwrap().to_string();
    let refusals = [
        (busy.as_str(), 75, "in use"),
        ("localhost:9464", 65, "not an IP address and a port"),
        ("127.0.0.1", 65, "not an IP address and a port"),
        ("127.0.0.1:0", 65, "name a port"),
        // TEST-NET-1: never an address of this host.
        ("192.0.2.1:9464", 65, "not an address of this host"),
    ];
    for (addr, code, says) in refusals {
        env.cmd()
            .args(["export", "worker", "--drain", "--metrics-addr", addr])
            .assert()
            .code(code)
            .stdout("")
            .stderr(predicates::str::contains(says));
    }
    drop(taken);
    let (status, attempt): (String, i32) =
        sqlx::query_as("SELECT status, attempt FROM run WHERE id = $1")
            .bind(&run_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), attempt),
        ("queued", 0),
        "nothing was claimed"
    );
}

/// The schedule and pause metrics: ticks fired and skipped (missed before the worker
/// started) are counted, and the paused-lanes gauge counts a paused organization.
#[sqlx::test]
async fn the_metrics_count_schedule_ticks_and_paused_lanes(pool: PgPool) {
    seed_demo(&pool, 3).await.unwrap();
    let env = Env::for_pool(&pool);
    env.cmd()
        .args([
            "export",
            "pause",
            "--org",
            "org_globex",
            "--as",
            "user_dave",
        ])
        .assert()
        .success();
    env.cmd()
        .args([
            "export",
            "schedule",
            "add",
            "--org",
            ORG,
            "--as",
            "user_alice",
        ])
        .args(["--cron", "* * * * * *"])
        .assert()
        .success();
    // No worker looks for ticks for a few seconds: they are missed.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let addr = free_local_addr();
    let mut worker = worker_process(&env, &["--metrics-addr", &addr.to_string()]);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let m = Exposition::parse(&scrape(addr));
        let fired = m.get(r#"invoicectl_schedule_ticks_total{outcome="fired"}"#);
        let skipped = m.get(r#"invoicectl_schedule_ticks_total{outcome="skipped"}"#);
        let paused = m.get(r#"invoicectl_queue_paused_lanes{queue="export"}"#);
        if fired >= 2.0 && skipped >= 2.0 && paused == 1.0 {
            assert_eq!(
                m.types
                    .get("invoicectl_queue_paused_lanes")
                    .map(String::as_str),
                Some("gauge")
            );
            assert_eq!(
                m.get(r#"invoicectl_schedule_ticks_total{outcome="failed"}"#),
                0.0
            );
            break;
        }
        worker.assert_running();
        assert!(
            Instant::now() < deadline,
            "fired {fired}, skipped {skipped}, paused lanes {paused}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    worker.terminate(Duration::from_secs(15));
}
