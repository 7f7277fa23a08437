//! `export start` and `export status`, the request boundary — the real
//! binary against a real PostgreSQL: idempotent requests, refusals that write
//! nothing, racing processes, key release after a failure, the status shape of
//! the JSON shapes of docs/reference.md, `--wait`/`--watch`, and cancel (queued and executing runs).

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::audit::{AuditFilter, audit_rows};
use crate::common::process::Process;
use crate::common::runs::{
    drain_until_final, export_status, file_of, run_status, start_cmd, start_json,
};
use crate::common::{Env, count, json_ok, refused};
use invoicectl::db;
use serde_json::Value;
use sqlx::PgPool;

// ---------------------------------------------------------------------------
// helpers

/// `export start --wait --timeout TIMEOUT` of org_acme as user_alice, killed past
/// `limit` seconds: its output.
fn start_and_wait(env: &Env, timeout: &str, limit: u64) -> std::process::Output {
    start_cmd(
        env,
        "org_acme",
        "user_alice",
        &["--wait", "--timeout", timeout],
    )
    .timeout(Duration::from_secs(limit))
    .output()
    .unwrap()
}

fn is_run_id(id: &str) -> bool {
    const CROCKFORD: &str = "0123456789abcdefghjkmnpqrstvwxyz";
    id.strip_prefix("run_")
        .is_some_and(|u| u.len() == 26 && u.chars().all(|c| CROCKFORD.contains(c)))
}

fn is_rfc3339_utc(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

fn key_set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Rows in every table a request may write.
async fn footprint(pool: &PgPool) -> [i64; 4] {
    [
        count(pool, "run").await,
        count(pool, "run_lane").await,
        count(pool, "export").await,
        count(pool, "audit_log").await,
    ]
}

/// `(actor_user_id, subject_type)` of each audit row with this action and run.
async fn actors(pool: &PgPool, action: &str, run_id: &str) -> Vec<(Option<String>, String)> {
    audit_rows(pool, AuditFilter::subject(run_id).action(action))
        .await
        .into_iter()
        .map(|r| (r.actor_user_id, r.subject_type))
        .collect()
}

async fn lane_running(pool: &PgPool, org: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT coalesce(sum(running), 0)::bigint FROM run_lane
         WHERE queue = 'export' AND concurrency_key = $1",
    )
    .bind(org)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Polls `check` until it holds, failing after `limit`.
async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// An export folder the worker accepts at start, holding a regular file where
/// org_acme's folder should be: every attempt of an org_acme export fails to create
/// `<export_dir>/org_acme/`.
fn unusable_export_dir(env: &Env) -> PathBuf {
    let path = env.path().join("exports-with-a-file-in-the-way");
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join("org_acme"), "a file, not a directory\n").unwrap();
    path
}

/// A background `export worker` (plus `args`) logging to `<env>/<name>.stdout` and
/// `.stderr`; killed on drop if a test fails first.
fn background_worker(env: &Env, name: &str, args: &[&str]) -> Process {
    let mut cmd = env.std_cmd();
    cmd.args(["export", "worker", "--poll-interval", "0.1"])
        .args(args);
    Process::logged(&mut cmd, env.path(), name)
}

fn files_with_extension(dir: &Path, ext: &str) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == ext))
                .count()
        })
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------
// export start: the happy path and deduplication

#[sqlx::test]
async fn start_enqueues_once_per_day_and_force_or_another_member_makes_new_runs(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);

    let first = start_json(&env, "org_acme", "user_alice", &[]);
    assert_eq!(
        keys(&first),
        key_set(&[
            "runId",
            "exportId",
            "organizationId",
            "requestedBy",
            "status",
            "deduplicated"
        ])
    );
    let run_id = first["runId"].as_str().unwrap().to_owned();
    assert!(is_run_id(&run_id), "run id shape: {run_id}");
    let export_id = first["exportId"].as_str().unwrap().to_owned();
    assert!(export_id.starts_with("exp_"), "{export_id}");
    assert_eq!(first["organizationId"], "org_acme");
    assert_eq!(first["requestedBy"], "user_alice");
    assert_eq!(first["status"], "queued");
    assert_eq!(first["deduplicated"], false);

    // The stored run: its task, queue, lane, payload, tags and attempts.
    let (task, queue, ckey, payload, tags, max_attempts): (
        String,
        String,
        String,
        Value,
        Vec<String>,
        i32,
    ) = sqlx::query_as(
        "SELECT task_id, queue, concurrency_key, payload, tags, max_attempts FROM run WHERE id = $1",
    )
    .bind(&run_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(task, "export-invoices");
    assert_eq!(queue, "export");
    assert_eq!(ckey, "org_acme");
    assert_eq!(
        payload,
        serde_json::json!({"organizationId": "org_acme", "requestedBy": "user_alice"})
    );
    assert_eq!(tags, vec!["org:org_acme".to_owned()]);
    assert_eq!(max_attempts, 3);

    let before = footprint(&pool).await;
    let again = start_json(&env, "org_acme", "user_alice", &[]);
    assert_eq!(again["runId"], run_id.as_str());
    assert_eq!(again["exportId"], export_id.as_str());
    assert_eq!(again["deduplicated"], true);
    assert_eq!(again["status"], "queued");
    assert_eq!(footprint(&pool).await, before, "a duplicate writes nothing");

    // Human output: the run id alone.
    let human = env
        .cmd()
        .args(["export", "start", "--org", "org_acme", "--as", "user_alice"])
        .output()
        .unwrap();
    assert!(human.status.success());
    assert_eq!(
        String::from_utf8(human.stdout).unwrap(),
        format!("{run_id}\n")
    );

    // Exactly one export row and one `requested` audit row for the run.
    let exports: Vec<(String, String, String, String, chrono::NaiveDate)> = sqlx::query_as(
        "SELECT id, organization_id, requested_by, status, day_bucket FROM export WHERE run_id = $1",
    )
    .bind(&run_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].0, export_id);
    assert_eq!(
        (&exports[0].1[..], &exports[0].2[..], &exports[0].3[..]),
        ("org_acme", "user_alice", "queued")
    );
    assert_eq!(exports[0].4, chrono::Utc::now().date_naive());
    assert_eq!(count(&pool, "export").await, 1);
    assert_eq!(
        actors(&pool, "export.invoices.requested", &run_id).await,
        vec![(Some("user_alice".to_owned()), "export".to_owned())]
    );
    assert_eq!(count(&pool, "audit_log").await, 1);

    // --force: a new run and a second export row; plain starts still return the first.
    let forced = start_json(&env, "org_acme", "user_alice", &["--force"]);
    let forced_id = forced["runId"].as_str().unwrap();
    assert!(is_run_id(forced_id));
    assert_ne!(forced_id, run_id);
    assert_eq!(forced["deduplicated"], false);
    assert_eq!(count(&pool, "export").await, 2);
    assert_eq!(
        actors(&pool, "export.invoices.requested", forced_id)
            .await
            .len(),
        1
    );
    assert_eq!(
        start_json(&env, "org_acme", "user_alice", &[])["runId"],
        run_id.as_str()
    );

    // Another member of the same org: another run.
    let bob = start_json(&env, "org_acme", "user_bob", &[]);
    let bob_id = bob["runId"].as_str().unwrap();
    assert!(is_run_id(bob_id));
    assert!(bob_id != run_id && bob_id != forced_id);
    assert_eq!(bob["deduplicated"], false);
    assert_eq!(bob["requestedBy"], "user_bob");
    assert_eq!(count(&pool, "export").await, 3);
    assert_eq!(count(&pool, "run").await, 3);

    // A fresh start in human mode prints its new run id alone, too.
    let human = env
        .cmd()
        .args(["export", "start", "--org", "org_globex", "--as", "user_bob"])
        .output()
        .unwrap();
    assert!(human.status.success(), "{human:?}");
    let stdout = String::from_utf8(human.stdout).unwrap();
    let globex_id = stdout.strip_suffix('\n').expect("one line");
    assert!(is_run_id(globex_id), "{stdout:?}");
    assert_eq!(run_status(&pool, globex_id).await, "queued");
    assert_eq!(export_status(&pool, globex_id).await, "queued");
    assert_eq!(count(&pool, "run").await, 4);
}

// ---------------------------------------------------------------------------
// refusals

#[sqlx::test]
async fn every_refusal_has_its_exit_code_and_writes_nothing(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let long_org = format!("org_{}", "a".repeat(61));
    assert_eq!(long_org.len(), 65);
    let cases: Vec<(&str, &str, i32, &str)> = vec![
        // (org, user, exit, a word the message must contain)
        ("", "user_alice", 65, "organization id"),
        ("   ", "user_alice", 65, "organization id"),
        (" org_acme", "user_alice", 65, "organization id"),
        (
            "org_acme'; DROP TABLE invoice;--",
            "user_alice",
            65,
            "organization id",
        ),
        (&long_org, "user_alice", 65, "organization id"),
        ("org_acme", "alice", 65, "user id"),
        ("org_nope", "user_alice", 66, "org_nope"),
        ("org_acme", "user_zed", 66, "user_zed"),
        ("org_acme", "user_carol", 77, "viewer"),
        ("org_acme", "user_erin", 77, "not a member"),
        ("org_globex", "user_alice", 77, "not a member"),
    ];
    // Also one request that would otherwise succeed, so "nothing written" is not
    // vacuous because the tables are empty.
    start_json(&env, "org_globex", "user_dave", &[]);
    let before = footprint(&pool).await;
    assert!(before.iter().all(|n| *n > 0), "{before:?}");
    for (org, user, code, word) in &cases {
        let line = refused(
            env.cmd()
                .args(["export", "start", "--org", org, "--as", user]),
            *code,
        );
        assert!(
            line.contains(word),
            "org {org:?} user {user:?}: message {line:?} should mention {word:?}"
        );
        assert_eq!(
            footprint(&pool).await,
            before,
            "org {org:?} user {user:?} wrote rows"
        );
    }
    // The SQL-looking id was refused before reaching SQL.
    assert!(count(&pool, "invoice").await > 0);

    // No requester anywhere: a usage error that says how to set one.
    let line = refused(env.cmd().args(["export", "start", "--org", "org_acme"]), 2);
    for needle in ["--as", "INVOICECTL_USER", "`user`", "config"] {
        assert!(line.contains(needle), "{line:?} should mention {needle}");
    }
    // With --json too: errors are never JSON.
    refused(
        env.cmd().args([
            "export",
            "start",
            "--org",
            "org_acme",
            "--as",
            "user_carol",
            "--json",
        ]),
        77,
    );
    assert_eq!(footprint(&pool).await, before);
}

/// A start that cannot get its locks in time (another session holds the export
/// table; the session's `lock_timeout` is short) is a failure to ask, not a
/// refusal: exit 75 (try again), a message that says it failed and why, nothing
/// written. Once the lock is gone the same command succeeds.
#[sqlx::test]
async fn a_start_that_cannot_get_its_locks_exits_75_as_a_failure_not_a_refusal(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let mut url = url::Url::parse(&crate::common::pool_url(&pool)).unwrap();
    url.query_pairs_mut()
        .append_pair("options", "-c lock_timeout=200");
    let env = Env::new(url.to_string());
    start_json(&env, "org_globex", "user_dave", &[]);
    let before = footprint(&pool).await;
    let mut holder = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE export IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let line = refused(
        env.cmd()
            .args(["export", "start", "--org", "org_acme", "--as", "user_alice"]),
        75,
    );
    assert!(
        line.contains("export start for org_acme as user_alice failed")
            && line.contains("lock timeout"),
        "{line}"
    );
    holder.rollback().await.unwrap();
    assert_eq!(footprint(&pool).await, before);
    start_json(&env, "org_acme", "user_alice", &[]);
}

#[sqlx::test]
async fn requester_comes_from_flag_then_env_then_config(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);

    // Config only.
    env.write_config("user = \"user_bob\"\n");
    let from_config = json_ok(&env, &["export", "start", "--org", "org_acme"]);
    assert_eq!(from_config["requestedBy"], "user_bob");
    assert_eq!(from_config["deduplicated"], false);

    // The config's user is really used: a viewer there is refused.
    env.write_config("user = \"user_carol\"\n");
    let before = footprint(&pool).await;
    refused(env.cmd().args(["export", "start", "--org", "org_acme"]), 77);
    assert_eq!(footprint(&pool).await, before);

    // The environment beats the config.
    let from_env = env
        .cmd()
        .env("INVOICECTL_USER", "user_alice")
        .args(["export", "start", "--org", "org_acme", "--json"])
        .output()
        .unwrap();
    assert!(from_env.status.success(), "{from_env:?}");
    let from_env: Value = serde_json::from_slice(&from_env.stdout).unwrap();
    assert_eq!(from_env["requestedBy"], "user_alice");
    assert_eq!(from_env["deduplicated"], false);

    // The flag beats both.
    let from_flag = env
        .cmd()
        .env("INVOICECTL_USER", "user_carol")
        .args([
            "export",
            "start",
            "--org",
            "org_globex",
            "--as",
            "user_dave",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(from_flag.status.success(), "{from_flag:?}");
    let from_flag: Value = serde_json::from_slice(&from_flag.stdout).unwrap();
    assert_eq!(from_flag["requestedBy"], "user_dave");

    let requesters: Vec<String> =
        sqlx::query_scalar("SELECT requested_by FROM export ORDER BY created_at")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(requesters, ["user_bob", "user_alice", "user_dave"]);
}

// ---------------------------------------------------------------------------
// racing processes

#[sqlx::test]
async fn fifty_racing_start_processes_make_one_run(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let children: Vec<Child> = (0..50)
        .map(|_| {
            env.std_cmd()
                .args([
                    "export",
                    "start",
                    "--org",
                    "org_acme",
                    "--as",
                    "user_alice",
                    "--json",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn export start")
        })
        .collect();
    let mut ids = HashSet::new();
    let mut export_ids = HashSet::new();
    let mut fresh = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a racing start failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        if doc["deduplicated"] == false {
            fresh += 1;
        }
        ids.insert(doc["runId"].as_str().unwrap().to_owned());
        export_ids.insert(doc["exportId"].as_str().unwrap().to_owned());
    }
    assert_eq!(export_ids.len(), 1, "one export id: {export_ids:?}");
    assert!(export_ids.iter().all(|e| e.starts_with("exp_")));
    assert_eq!(ids.len(), 1, "one run id among all outputs: {ids:?}");
    assert_eq!(fresh, 1, "exactly one start created the run");
    let run_id = ids.into_iter().next().unwrap();
    assert_eq!(count(&pool, "run").await, 1);
    assert_eq!(count(&pool, "export").await, 1);
    assert_eq!(
        actors(&pool, "export.invoices.requested", &run_id)
            .await
            .len(),
        1
    );
    assert_eq!(count(&pool, "audit_log").await, 1);
}

// ---------------------------------------------------------------------------
// a failed run releases its key

#[sqlx::test]
async fn a_failed_run_releases_its_key(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let bad_dir = unusable_export_dir(&env);
    let first = start_json(&env, "org_acme", "user_alice", &[]);
    let run_id = first["runId"].as_str().unwrap().to_owned();

    drain_until_final(
        &env,
        &pool,
        &run_id,
        &[
            "--export-dir",
            bad_dir.to_str().unwrap(),
            "--retry-scale",
            "0.001",
            "--poll-interval",
            "0.05",
        ],
        Duration::from_secs(40),
    )
    .await;
    assert_eq!(run_status(&pool, &run_id).await, "failed");
    let status = json_ok(&env, &["export", "status", &run_id]);
    assert_eq!(status["status"], "failed");
    assert_eq!(status["attempt"], 3);
    assert_eq!(status["maxAttempts"], 3);
    assert!(
        status["error"].is_object(),
        "the last error is visible: {status}"
    );
    assert!(is_rfc3339_utc(&status["finishedAt"]), "{status}");
    assert_eq!(export_status(&pool, &run_id).await, "failed");
    assert_eq!(
        actors(&pool, "export.invoices.failed", &run_id).await,
        vec![(None, "export".to_owned())]
    );
    assert!(
        actors(&pool, "export.invoices.completed", &run_id)
            .await
            .is_empty()
    );
    assert_eq!(lane_running(&pool, "org_acme").await, 0);

    // Same org, user and UTC day: a new run, not the failed one.
    let second = start_json(&env, "org_acme", "user_alice", &[]);
    let second_id = second["runId"].as_str().unwrap();
    assert_ne!(second_id, run_id);
    assert_eq!(second["deduplicated"], false);
    assert_eq!(second["status"], "queued");
    // …and that new run deduplicates its own repeats.
    let third = start_json(&env, "org_acme", "user_alice", &[]);
    assert_eq!(third["runId"], second_id);
    assert_eq!(third["deduplicated"], true);
    assert_eq!(count(&pool, "export").await, 2);
}

// ---------------------------------------------------------------------------
// export status

const RUN_KEYS: &[&str] = &[
    "runId",
    "taskId",
    "organizationId",
    "requestedBy",
    "status",
    "attempt",
    "maxAttempts",
    "nextAttemptAt",
    "metadata",
    "output",
    "error",
    "tags",
    "createdAt",
    "startedAt",
    "finishedAt",
];

/// Asserts the documented shape of one run view (with or without `children`).
fn assert_run_shape(view: &Value, with_children: bool) {
    let mut expected = key_set(RUN_KEYS);
    if with_children {
        expected.insert("children".to_owned());
    }
    assert_eq!(keys(view), expected, "{view}");
    assert!(view["runId"].as_str().is_some_and(is_run_id), "{view}");
    assert!(view["taskId"].is_string());
    assert!(view["status"].is_string());
    assert!(view["attempt"].is_u64() && view["maxAttempts"].is_u64());
    assert!(view["metadata"].is_object(), "{view}");
    assert!(view["output"].is_object() || view["output"].is_null());
    assert!(view["error"].is_object() || view["error"].is_null());
    assert!(view["tags"].is_array());
    assert!(is_rfc3339_utc(&view["createdAt"]), "{view}");
    for k in ["startedAt", "finishedAt", "nextAttemptAt"] {
        assert!(
            view[k].is_null() || is_rfc3339_utc(&view[k]),
            "{k} is null or RFC 3339 UTC: {view}"
        );
    }
    if with_children {
        for child in view["children"].as_array().expect("children is an array") {
            assert_run_shape(child, false);
        }
    }
}

#[sqlx::test]
async fn status_shows_a_completed_run_and_lists_recent_runs(pool: PgPool) {
    db::seed::seed_demo(&pool, 25).await.unwrap();
    let env = Env::for_pool(&pool);
    let export_dir = env.path().join("exports");
    let run_id = start_json(&env, "org_acme", "user_alice", &[])["runId"]
        .as_str()
        .unwrap()
        .to_owned();

    // Queued: no start, no finish, next attempt due now.
    let queued = json_ok(&env, &["export", "status", &run_id]);
    assert_run_shape(&queued, true);
    assert_eq!(queued["status"], "queued");
    assert_eq!(queued["attempt"], 0);
    assert!(is_rfc3339_utc(&queued["nextAttemptAt"]), "{queued}");
    assert!(queued["startedAt"].is_null() && queued["finishedAt"].is_null());
    assert_eq!(queued["children"], serde_json::json!([]));

    drain_until_final(
        &env,
        &pool,
        &run_id,
        &[
            "--export-dir",
            export_dir.to_str().unwrap(),
            "--poll-interval",
            "0.05",
        ],
        Duration::from_secs(40),
    )
    .await;

    let done = json_ok(&env, &["export", "status", &run_id]);
    assert_run_shape(&done, true);
    assert_eq!(done["runId"], run_id.as_str());
    assert_eq!(done["taskId"], "export-invoices");
    assert_eq!(done["organizationId"], "org_acme");
    assert_eq!(done["requestedBy"], "user_alice");
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["attempt"], 1);
    assert_eq!(done["maxAttempts"], 3);
    assert!(done["nextAttemptAt"].is_null());
    assert!(done["error"].is_null());
    assert!(
        done["tags"]
            .as_array()
            .unwrap()
            .contains(&Value::from("org:org_acme"))
    );
    assert!(is_rfc3339_utc(&done["startedAt"]) && is_rfc3339_utc(&done["finishedAt"]));

    let invoices: i64 =
        sqlx::query_scalar("SELECT count(*) FROM invoice WHERE organization_id = 'org_acme'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let meta = &done["metadata"];
    assert!(
        meta["pagesTotal"].as_u64().is_some_and(|n| n >= 1),
        "{meta}"
    );
    assert_eq!(meta["pagesDone"], meta["pagesTotal"]);
    assert_eq!(meta["rowsDone"], invoices);
    let url = meta["objectUrl"].as_str().expect("objectUrl");
    assert!(url.starts_with("file://") && url.ends_with(".csv"), "{url}");
    let csv = file_of(url);
    assert_eq!(
        csv,
        export_dir
            .canonicalize()
            .unwrap()
            .join("org_acme")
            .join(format!("{run_id}.csv"))
    );
    let text = std::fs::read_to_string(&csv).expect("the CSV exists");
    assert!(
        text.starts_with("invoice_id,"),
        "{}",
        &text[..60.min(text.len())]
    );
    assert_eq!(done["output"]["rowCount"], invoices);
    assert_eq!(done["output"]["objectUrl"], url);
    assert_eq!(done["output"]["email"], "written");

    let children = done["children"].as_array().unwrap();
    assert_eq!(children.len(), 1, "{done}");
    assert_eq!(children[0]["taskId"], "send-export-email");
    assert_eq!(children[0]["status"], "completed");
    assert_eq!(children[0]["organizationId"], "org_acme");
    // The email went to the file outbox of the data dir.
    assert_eq!(
        files_with_extension(&env.path().join("data").join("outbox"), "eml"),
        1
    );

    // Human view of one run: the id and the status.
    let human = env
        .cmd()
        .args(["export", "status", &run_id])
        .output()
        .unwrap();
    assert!(human.status.success());
    let human = String::from_utf8(human.stdout).unwrap();
    assert!(
        human.contains(&run_id) && human.contains("completed"),
        "{human}"
    );
    assert!(human.contains("send-export-email"), "{human}");

    // --watch on a completed run ends at once with 0.
    env.cmd()
        .args(["export", "status", &run_id, "--watch"])
        .timeout(Duration::from_secs(30))
        .assert()
        .success();

    // Listings: two more acme runs and one globex run.
    let bob = start_json(&env, "org_acme", "user_bob", &[])["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let forced = start_json(&env, "org_acme", "user_alice", &["--force"])["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let globex = start_json(&env, "org_globex", "user_dave", &[])["runId"]
        .as_str()
        .unwrap()
        .to_owned();

    let acme = json_ok(&env, &["export", "status", "--org", "org_acme"]);
    let acme_ids: Vec<&str> = acme
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v["runId"].as_str().unwrap())
        .collect();
    assert_eq!(
        acme_ids,
        [&forced[..], &bob[..], &run_id[..]],
        "newest first"
    );
    for view in acme.as_array().unwrap() {
        assert_run_shape(view, true);
        assert_eq!(view["organizationId"], "org_acme");
    }
    // The completed run carries its child in the listing too.
    assert_eq!(acme[2]["children"].as_array().unwrap().len(), 1);

    let all = json_ok(&env, &["export", "status"]);
    let all_ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["runId"].as_str().unwrap())
        .collect();
    assert_eq!(
        all_ids,
        [&globex[..], &forced[..], &bob[..], &run_id[..]],
        "every org's export runs, newest first, no child runs"
    );

    let one = json_ok(&env, &["export", "status", "--limit", "1"]);
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["runId"], globex.as_str());
    let one_acme = json_ok(
        &env,
        &["export", "status", "--org", "org_acme", "--limit", "1"],
    );
    assert_eq!(one_acme.as_array().unwrap().len(), 1);
    assert_eq!(one_acme[0]["runId"], forced.as_str());

    // Human listing: a table with the ids and statuses.
    let table = env
        .cmd()
        .args(["export", "status", "--org", "org_acme"])
        .output()
        .unwrap();
    assert!(table.status.success());
    let table = String::from_utf8(table.stdout).unwrap();
    for id in [&run_id, &bob, &forced] {
        assert!(table.contains(id.as_str()), "{table}");
    }
    assert!(!table.contains(&globex), "{table}");
    assert!(
        table.contains("completed") && table.contains("queued"),
        "{table}"
    );

    // Refusals.
    let unknown = "run_01jd5x7m3k9q2w8e4r6t0y1v3z";
    assert!(is_run_id(unknown));
    let line = refused(env.cmd().args(["export", "status", unknown]), 66);
    assert!(
        line.contains(unknown) && line.contains("does not exist"),
        "{line}"
    );
    refused(env.cmd().args(["export", "status", unknown, "--json"]), 66);
    let line = refused(env.cmd().args(["export", "status", "run-nope"]), 65);
    assert!(line.contains("run id"), "{line}");
    let line = refused(
        env.cmd().args(["export", "status", "--org", "org_nope"]),
        66,
    );
    assert!(line.contains("org_nope"), "{line}");
    refused(
        env.cmd().args(["export", "status", "--org", "org_acme'--"]),
        65,
    );
}

// ---------------------------------------------------------------------------
// --wait

#[sqlx::test]
async fn wait_exits_0_once_a_background_worker_completes_the_run(pool: PgPool) {
    db::seed::seed_demo(&pool, 25).await.unwrap();
    let env = Env::for_pool(&pool);
    let export_dir = env.path().join("exports");
    let mut worker = background_worker(
        &env,
        "worker",
        &["--export-dir", export_dir.to_str().unwrap()],
    );

    let out = start_and_wait(&env, "45", 60);
    assert_eq!(
        out.status.code(),
        Some(0),
        "--wait on a completed run; stderr: {} worker: {}",
        String::from_utf8_lossy(&out.stderr),
        worker.stderr_text()
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let run_id = stdout.trim().to_owned();
    assert!(is_run_id(&run_id), "stdout is the run id: {stdout:?}");
    assert_eq!(run_status(&pool, &run_id).await, "completed");
    assert_eq!(export_status(&pool, &run_id).await, "completed");
    assert_eq!(
        actors(&pool, "export.invoices.completed", &run_id)
            .await
            .len(),
        1
    );

    // --json --wait prints the start document with the final status.
    let doc = json_ok(
        &env,
        &[
            "export",
            "start",
            "--org",
            "org_acme",
            "--as",
            "user_bob",
            "--wait",
            "--timeout",
            "45",
        ],
    );
    assert_eq!(doc["status"], "completed");
    assert_eq!(doc["deduplicated"], false);

    let status = worker.terminate(Duration::from_secs(15));
    assert_eq!(
        status.code(),
        Some(0),
        "worker exit after SIGTERM; stderr: {}",
        worker.stderr_text()
    );
}

#[sqlx::test]
async fn wait_exits_1_when_the_run_fails(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let bad_dir = unusable_export_dir(&env);
    let mut worker = background_worker(
        &env,
        "worker",
        &[
            "--export-dir",
            bad_dir.to_str().unwrap(),
            "--retry-scale",
            "0.001",
        ],
    );
    let out = start_and_wait(&env, "45", 60);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "--wait on a failed run; stderr: {stderr} worker: {}",
        worker.stderr_text()
    );
    let run_id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(is_run_id(&run_id));
    assert!(
        stderr.contains(&run_id) && stderr.contains("failed"),
        "{stderr}"
    );
    assert_eq!(run_status(&pool, &run_id).await, "failed");
    assert_eq!(export_status(&pool, &run_id).await, "failed");
    assert_eq!(
        worker.terminate(Duration::from_secs(15)).code(),
        Some(0),
        "{}",
        worker.stderr_text()
    );
}

#[sqlx::test]
async fn wait_with_no_worker_times_out_with_75(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let began = Instant::now();
    let out = start_and_wait(&env, "1", 30);
    let took = began.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(75), "{stderr}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let run_id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(is_run_id(&run_id));
    assert!(
        stderr.contains("gave up waiting") && stderr.contains(&run_id),
        "{stderr}"
    );
    // Nothing ever claimed it: the message says what is most likely wrong.
    assert!(stderr.contains("no worker seems to be running"), "{stderr}");
    // The run goes on.
    assert_eq!(run_status(&pool, &run_id).await, "queued");
}

// ---------------------------------------------------------------------------
// export cancel

#[sqlx::test]
async fn cancel_a_queued_run_releases_its_lane_and_key(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let export_dir = env.path().join("exports");

    let run_id = start_json(&env, "org_acme", "user_alice", &[])["runId"]
        .as_str()
        .unwrap()
        .to_owned();

    // An actor the database does not know (66) or a malformed one (65) is refused
    // before anything is canceled: the append-only audit log must not name them.
    let before = footprint(&pool).await;
    let line = refused(
        env.cmd()
            .args(["export", "cancel", &run_id, "--as", "user_zed"]),
        66,
    );
    assert!(line.contains("user_zed"), "{line}");
    refused(
        env.cmd()
            .args(["export", "cancel", &run_id, "--as", "zed'--"]),
        65,
    );
    assert_eq!(footprint(&pool).await, before);
    assert_eq!(run_status(&pool, &run_id).await, "queued");

    // Without --as: the system cancels (actor NULL).
    let out = env
        .cmd()
        .args(["export", "cancel", &run_id])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(&run_id) && stdout.contains("queued"),
        "{stdout}"
    );
    assert_eq!(run_status(&pool, &run_id).await, "canceled");
    assert_eq!(export_status(&pool, &run_id).await, "canceled");
    assert_eq!(
        actors(&pool, "export.invoices.canceled", &run_id).await,
        vec![(None, "export".to_owned())]
    );
    assert_eq!(lane_running(&pool, "org_acme").await, 0);
    let status = json_ok(&env, &["export", "status", &run_id]);
    assert_eq!(status["status"], "canceled");
    assert!(status["nextAttemptAt"].is_null());

    // Cancel again: it already ended, so there is nothing to do — exit 0 (cancel is
    // idempotent), a note on stderr, nothing on stdout, nothing written; with --json
    // the usual document with no run canceled.
    let before = footprint(&pool).await;
    let out = env
        .cmd()
        .args(["export", "cancel", &run_id])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert_eq!(
        stderr.trim_end(),
        format!("note: run {run_id} already ended (canceled); nothing to cancel")
    );
    let again = json_ok(&env, &["export", "cancel", &run_id]);
    assert_eq!(again["previousStatus"], "canceled");
    assert_eq!(again["canceledRunIds"], serde_json::json!([]));
    assert_eq!(footprint(&pool).await, before);
    // Unknown and malformed runs.
    let line = refused(
        env.cmd()
            .args(["export", "cancel", "run_01jd5x7m3k9q2w8e4r6t0y1v3z"]),
        66,
    );
    assert!(line.contains("does not exist"), "{line}");
    refused(env.cmd().args(["export", "cancel", "nope"]), 65);
    assert_eq!(footprint(&pool).await, before);

    // The key is released: a new run, with --as recorded as the canceling actor.
    let second = start_json(&env, "org_acme", "user_alice", &[]);
    let second_id = second["runId"].as_str().unwrap().to_owned();
    assert_ne!(second_id, run_id);
    assert_eq!(second["deduplicated"], false);
    let canceled = json_ok(&env, &["export", "cancel", &second_id, "--as", "user_bob"]);
    assert_eq!(canceled["runId"], second_id.as_str());
    assert_eq!(canceled["previousStatus"], "queued");
    assert_eq!(
        actors(&pool, "export.invoices.canceled", &second_id).await,
        vec![(Some("user_bob".to_owned()), "export".to_owned())]
    );

    // The lane is free: another start for the org runs to completion.
    let third = start_json(&env, "org_acme", "user_alice", &[])["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(third != run_id && third != second_id);
    drain_until_final(
        &env,
        &pool,
        &third,
        &[
            "--export-dir",
            export_dir.to_str().unwrap(),
            "--poll-interval",
            "0.05",
        ],
        Duration::from_secs(40),
    )
    .await;
    assert_eq!(run_status(&pool, &third).await, "completed");
    assert_eq!(lane_running(&pool, "org_acme").await, 0);
    // The canceled runs stayed canceled.
    assert_eq!(run_status(&pool, &run_id).await, "canceled");
    assert_eq!(run_status(&pool, &second_id).await, "canceled");
}

#[sqlx::test]
async fn cancel_an_executing_run_stops_it_at_the_next_checkpoint(pool: PgPool) {
    db::seed::seed_demo(&pool, 30_000).await.unwrap();
    let env = Env::for_pool(&pool);
    env.write_config("page_size = 100\n");
    let export_dir = env.path().join("exports");
    let run_id = start_json(&env, "org_acme", "user_alice", &[])["runId"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut worker = background_worker(
        &env,
        "worker",
        &[
            "--drain",
            "--json",
            "--export-dir",
            export_dir.to_str().unwrap(),
        ],
    );
    wait_until(
        "the run to be executing with a page written",
        Duration::from_secs(30),
        || async {
            let (status, done): (String, Option<i64>) = sqlx::query_as(
                "SELECT status, (metadata->>'pagesDone')::bigint FROM run WHERE id = $1",
            )
            .bind(&run_id)
            .fetch_one(&pool)
            .await
            .unwrap();
            status == "executing" && done.is_some_and(|d| d >= 1)
        },
    )
    .await;

    let out = env
        .cmd()
        .args(["export", "cancel", &run_id, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let canceled: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        canceled["previousStatus"], "executing",
        "the run finished before the cancel arrived: make the export longer"
    );
    assert_eq!(lane_running(&pool, "org_acme").await, 0);

    // The drain worker lets go of the run at its next checkpoint and exits.
    let exit = worker.wait(Duration::from_secs(30));
    assert_eq!(exit.code(), Some(0), "{}", worker.stderr_text());
    let ended: Vec<Value> = worker
        .stdout_text()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["event"] == "ended" && e["runId"] == run_id.as_str())
        .collect();
    assert_eq!(ended.len(), 1, "{}", worker.stdout_text());
    assert!(
        ["canceled", "lease_lost"].contains(&ended[0]["outcome"].as_str().unwrap()),
        "{}",
        ended[0]
    );

    assert_eq!(run_status(&pool, &run_id).await, "canceled");
    assert_eq!(export_status(&pool, &run_id).await, "canceled");
    let meta: Value = sqlx::query_scalar("SELECT metadata FROM run WHERE id = $1")
        .bind(&run_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        meta["pagesDone"].as_u64().unwrap() < meta["pagesTotal"].as_u64().unwrap(),
        "{meta}"
    );
    assert!(
        meta.get("objectUrl").is_none() && meta.get("downloadUrl").is_none(),
        "{meta}"
    );
    assert!(
        actors(&pool, "export.invoices.completed", &run_id)
            .await
            .is_empty()
    );
    assert_eq!(
        actors(&pool, "export.invoices.canceled", &run_id)
            .await
            .len(),
        1
    );
    let published = export_dir.join("org_acme").join(format!("{run_id}.csv"));
    assert!(
        !published.exists(),
        "no CSV is published for a canceled run"
    );
    let children: i64 = sqlx::query_scalar("SELECT count(*) FROM run WHERE parent_run_id = $1")
        .bind(&run_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(children, 0, "no email child for a canceled run");

    // Still canceled a moment later (nothing resurrects it), and the lane is free.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(run_status(&pool, &run_id).await, "canceled");
    assert_eq!(lane_running(&pool, "org_acme").await, 0);
}
