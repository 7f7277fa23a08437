//! The storage interface against a real S3 server (SeaweedFS, see
//! tests/common/s3.rs), and `export url` / `download` / `prune` through the binary.
//! Nothing here mocks S3: uploads, presigned links, signature checks and deletes
//! are answered by the server.

use std::time::Duration;

use crate::common::s3::{self, CountingProxy, S3Server};
use futures::StreamExt as _;
use invoicectl::ids::{OrgId, RunId};
use invoicectl::storage::StorageSettings;
use invoicectl::storage::multipart::Resume;
use invoicectl::storage::{Compression, Storage, StorageError, StorageUrl};
use object_store::{Attribute, Attributes, ObjectStore as _, ObjectStoreExt};
use sha2::{Digest, Sha256};

/// Storage settings naming `endpoint` in the config keys (so the test process needs
/// no AWS_* variables), with `secret`.
fn s3_settings(endpoint: &str, secret: &str) -> StorageSettings {
    StorageSettings {
        location: StorageUrl::Local("/unused".into()),
        link_ttl: invoicectl::storage::DEFAULT_LINK_TTL,
        part_size: invoicectl::storage::DEFAULT_S3_PART_SIZE,
        compression: Compression::None,
        s3_endpoint: Some(endpoint.to_owned()),
        s3_endpoint_from_file: true,
        s3_region: Some(s3::REGION.to_owned()),
        s3_access_key_id: Some(s3::ACCESS_KEY.to_owned()),
        s3_secret_access_key: Some(invoicectl::redact::Secret::new(secret)),
    }
}

fn s3_storage(endpoint: &str, bucket: &str) -> Storage {
    Storage::open(
        StorageUrl::parse(&format!("s3://{bucket}/exports")).unwrap(),
        &s3_settings(endpoint, s3::SECRET_KEY),
    )
    .unwrap()
}

/// 5 MiB parts (S3's minimum) and pages of ~300 KiB whose bytes depend on their index.
const PART: u64 = 5 << 20;
const PAGES: usize = 48;

fn page(i: usize) -> Vec<u8> {
    format!("page {i:04}: {}\r\n", "x".repeat(60))
        .into_bytes()
        .repeat(4_000 + i * 37)
}

/// The multipart writer against SeaweedFS: a first client uploads some parts and
/// vanishes; a second client (another host: its own connection, through a counting
/// proxy) resumes from the serialised checkpoint, sends only the missing parts, and
/// the completed object is exactly the pages, with its SHA-256, Content-Type and
/// Content-Disposition. Its presigned link works over plain HTTP; a tampered or
/// expired one is refused; a wrong secret is denied naming bucket and endpoint only.
#[tokio::test]
async fn s3_multipart_resumes_on_another_client_and_links_are_enforced() {
    let server = S3Server::shared();
    let bucket = server.new_bucket();
    let org = OrgId::parse("org_acme").unwrap();
    let run = RunId::parse("run_01jd5x7m3k9q2w8e4r6t0y1v3a").unwrap();

    let first = s3_storage(&server.endpoint(), &bucket);
    first.check().await.unwrap();
    let location = first
        .export_location(&org, &run, Compression::None)
        .unwrap();
    assert_eq!(
        location.url,
        format!("s3://{bucket}/exports/org_acme/run_01jd5x7m3k9q2w8e4r6t0y1v3a.csv")
    );
    let upload = first.upload(&location).unwrap();
    let mut attributes = Attributes::new();
    attributes.insert(
        Attribute::ContentType,
        Compression::None.content_type().into(),
    );
    attributes.insert(
        Attribute::ContentDisposition,
        "attachment; filename=\"invoices-org_acme-2026-11-30.csv\"".into(),
    );
    let state = upload.create(attributes, PART).await.unwrap();
    let mut writer = upload.writer::<usize>(Resume::start(state)).unwrap();
    let mut checkpoint = None;
    for i in 0..PAGES * 3 / 4 {
        if let Some(resume) = writer.write_chunk(&page(i), i).await.unwrap() {
            checkpoint = Some(serde_json::to_string(&resume).unwrap());
        }
    }
    drop(writer);
    let checkpoint = checkpoint.expect("at least one part finished in the first three quarters");
    let resume: Resume<usize> = serde_json::from_str(&checkpoint).unwrap();
    let finished = resume.upload.parts.len();
    assert!(finished >= 1);

    let proxy = CountingProxy::start(server.addr());
    let second = s3_storage(&proxy.endpoint(), &bucket);
    let location = second
        .export_location(&org, &run, Compression::None)
        .unwrap();
    let upload = second.upload(&location).unwrap();
    let next = resume.mark.map_or(0, |m| m + 1);
    let mut writer = upload.writer(resume).unwrap();
    for i in next..PAGES {
        writer.write_chunk(&page(i), i).await.unwrap();
    }
    let done = writer.finish().await.unwrap();
    upload.complete(&done.upload).await.unwrap();

    let expected: Vec<u8> = (0..PAGES).flat_map(page).collect();
    let total_parts = (expected.len() as u64).div_ceil(PART) as usize;
    assert_eq!(done.upload.parts.len(), total_parts);
    assert_eq!(
        proxy.part_puts(),
        total_parts - finished,
        "the second client sent only the unfinished parts: {:?}",
        proxy.requests()
    );
    assert_eq!(
        done.sha256_hex().unwrap(),
        hex::encode(Sha256::digest(&expected))
    );
    let stored = server
        .store(&bucket)
        .get(&location.path)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        stored[..] == expected[..],
        "the object is exactly the pages"
    );

    // A presigned GET, fetched like a browser would (the host is signed: sign it
    // for the server itself, not the proxy).
    let link = first
        .link(&location, Duration::from_secs(600))
        .await
        .unwrap();
    let expires = link.expires_at.expect("an S3 link expires");
    assert!((expires - chrono::Utc::now()).num_seconds() > 590);
    let direct = link.url.clone();
    let got = s3::http("GET", &direct).unwrap();
    assert_eq!(got.status, 200, "{}", got.text());
    assert!(got.body == expected, "the link returns the object");
    assert_eq!(got.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        got.headers["content-disposition"],
        "attachment; filename=\"invoices-org_acme-2026-11-30.csv\""
    );
    let tampered = direct.replace("X-Amz-Signature=", "X-Amz-Signature=0");
    assert_eq!(s3::http("GET", &tampered).unwrap().status, 403);
    let anonymous = direct.split('?').next().unwrap().to_owned();
    assert_eq!(s3::http("GET", &anonymous).unwrap().status, 403);
    let short = first.link(&location, Duration::from_secs(1)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(
        s3::http("GET", &short.url).unwrap().status,
        403,
        "an expired link"
    );

    // Wrong credentials: denied, naming bucket and endpoint, never the secret.
    let wrong = Storage::open(
        StorageUrl::parse(&format!("s3://{bucket}/exports")).unwrap(),
        &s3_settings(&server.endpoint(), "not-the-secret-42"),
    )
    .unwrap();
    let err = wrong.head(&location).await.unwrap_err();
    let message = format!("{:#}", anyhow::Error::new(err));
    assert!(message.contains(&format!("s3://{bucket}/")), "{message}");
    assert!(message.contains(&server.endpoint()), "{message}");
    assert!(!message.contains("not-the-secret-42") && !message.contains(s3::SECRET_KEY));

    // Delete is idempotent.
    assert!(second.delete(&location).await.unwrap());
    assert!(!second.delete(&location).await.unwrap());
    assert!(second.head(&location).await.unwrap().is_none());
}

/// A missing bucket is a clear error when a worker starts (`check`), not a failed
/// upload later.
#[tokio::test]
async fn s3_check_names_a_missing_bucket() {
    let server = S3Server::shared();
    let storage = s3_storage(&server.endpoint(), "no-such-bucket-here");
    match storage.check().await {
        Err(StorageError::NoSuchBucket { bucket, endpoint }) => {
            assert_eq!(bucket, "no-such-bucket-here");
            assert_eq!(endpoint, server.endpoint());
        }
        other => panic!("expected NoSuchBucket, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------
// `export url`, `download`, `prune` through the binary

use crate::common::audit::{AuditFilter, audit_rows};
use crate::common::pause::PausePoints;
use crate::common::process::Process;
use crate::common::runs::{drain_until_final, drain_until_final_with, run_status};
use crate::common::{Env, json_of, json_ok};
use serde_json::Value;
use sqlx::PgPool;

const ORG: &str = "org_acme";

/// Requests an export of org_acme as `user` and drains it; returns the run id.
async fn finished_export(env: &Env, pool: &PgPool, user: &str) -> String {
    let out = env
        .cmd()
        .args([
            "export", "start", "--org", ORG, "--as", user, "--json", "--force",
        ])
        .assert()
        .success();
    let run = json_of(&out.get_output().stdout)["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    drain_until_final(env, pool, &run, &[], Duration::from_secs(60)).await;
    assert_eq!(run_status(pool, &run).await, "completed");
    run
}

async fn audit_actions(pool: &PgPool, run: &str) -> Vec<(String, Option<String>)> {
    audit_rows(pool, AuditFilter::export(run))
        .await
        .into_iter()
        .map(|r| (r.action, r.actor_user_id))
        .collect()
}

fn count_action(actions: &[(String, Option<String>)], action: &str) -> usize {
    actions.iter().filter(|(a, _)| a == action).count()
}

/// On local storage: `url` and `download` are gated (the requester or an owner/admin;
/// anyone else 77) and audited; `download` writes a private file equal to the
/// stored one; two `prune`s at once expire the export exactly once, delete its file,
/// and afterwards `url` and `download` exit 66 naming the date.
#[sqlx::test]
async fn local_url_download_gate_and_concurrent_prune(pool: PgPool) {
    invoicectl::db::seed::seed_demo(&pool, 30).await.unwrap();
    let env = Env::for_pool(&pool);
    let export_dir = env.path().join("exports");
    env.write_config(&format!("export_dir = \"{}\"\n", export_dir.display()));
    let run = finished_export(&env, &pool, "user_bob").await;
    let download_url: String =
        sqlx::query_scalar("SELECT download_url FROM export WHERE run_id = $1")
            .bind(&run)
            .fetch_one(&pool)
            .await
            .unwrap();
    let stored = url::Url::parse(&download_url)
        .unwrap()
        .to_file_path()
        .unwrap();

    // url: the requester and an owner get the file:// URL, which never expires.
    for user in ["user_bob", "user_alice"] {
        let out = env
            .cmd()
            .args(["export", "url", &run, "--as", user, "--json"])
            .assert()
            .success();
        let issued = json_of(&out.get_output().stdout);
        assert_eq!(issued["downloadUrl"], download_url.as_str(), "{issued}");
        assert_eq!(issued["linkExpiresAt"], Value::Null);
    }
    // A viewer who did not request it, a non-member: 77; unknown user 66; none 2.
    for (user, code) in [("user_carol", 77), ("user_dave", 77), ("user_nobody", 66)] {
        let out = env
            .cmd()
            .args(["export", "url", &run, "--as", user])
            .assert()
            .code(code);
        assert!(out.get_output().stdout.is_empty());
    }
    env.cmd().args(["export", "url", &run]).assert().code(2);
    env.cmd()
        .args(["export", "download", &run, "--as", "user_dave", "-o"])
        .arg(env.path().join("no.csv"))
        .assert()
        .code(77);
    assert!(!env.path().join("no.csv").exists());

    // download: a private copy of the stored bytes.
    let target = env.path().join("invoices.csv");
    let out = env
        .cmd()
        .args([
            "export", "download", &run, "--as", "user_bob", "--json", "-o",
        ])
        .arg(&target)
        .assert()
        .success();
    let downloaded = json_of(&out.get_output().stdout);
    assert_eq!(
        std::fs::read(&target).unwrap(),
        std::fs::read(&stored).unwrap()
    );
    assert_eq!(
        downloaded["bytes"],
        std::fs::metadata(&stored).unwrap().len()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // To a pipe, the bytes go to stdout.
    let out = env
        .cmd()
        .args(["export", "download", &run, "--as", "user_alice"])
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, std::fs::read(&stored).unwrap());

    let actions = audit_actions(&pool, &run).await;
    assert_eq!(count_action(&actions, "export.invoices.link_issued"), 2);
    assert_eq!(count_action(&actions, "export.invoices.downloaded"), 2);
    assert!(actions.contains(&(
        "export.invoices.downloaded".to_owned(),
        Some("user_bob".to_owned())
    )));

    // prune --dry-run changes nothing.
    let out = env
        .cmd()
        .args([
            "export",
            "prune",
            "--older-than",
            "0s",
            "--dry-run",
            "--json",
        ])
        .assert()
        .success();
    let report = json_of(&out.get_output().stdout);
    assert_eq!(report["exports"].as_array().unwrap().len(), 1, "{report}");
    assert!(report["exports"][0].get("refused").is_none(), "{report}");
    assert!(stored.exists());

    // Two prunes at once: both processes run; the one that locks the export's row
    // is held right there (a pause point), so the other meets the locked row, skips
    // it and finds nothing; then the holder goes on and expires the export.
    let pauses = PausePoints::new();
    pauses.hold("prune-claimed", 1);
    let mut prunes: Vec<std::process::Child> = (0..2)
        .map(|_| {
            let mut cmd = env.shell("\"$INVOICECTL\" export prune --older-than 0s --json");
            cmd.env(pauses.var().0, pauses.var().1)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    let holder = pauses
        .wait_reached("prune-claimed", Duration::from_secs(60), || true)
        .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let skipper = loop {
        if let Some(i) = prunes
            .iter_mut()
            .position(|p| p.try_wait().unwrap().is_some())
        {
            break prunes.remove(i);
        }
        assert!(
            Instant::now() < deadline,
            "neither prune ended while one held the row"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let skipped = skipper.wait_with_output().unwrap();
    assert!(
        skipped.status.success(),
        "{}",
        String::from_utf8_lossy(&skipped.stderr)
    );
    assert_eq!(
        json_of(&skipped.stdout)["exports"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "the row was locked by prune {holder}: skipped, not expired twice"
    );
    assert!(stored.exists(), "nothing deleted while the holder waits");
    pauses.release("prune-claimed");
    let held = prunes.pop().unwrap().wait_with_output().unwrap();
    assert!(
        held.status.success(),
        "{}",
        String::from_utf8_lossy(&held.stderr)
    );
    let expired = json_of(&held.stdout)["exports"].as_array().unwrap().len();
    assert_eq!(expired, 1);
    assert!(!stored.exists(), "the file is deleted");
    let (status, expired_at): (String, Option<chrono::DateTime<chrono::Utc>>) =
        sqlx::query_as("SELECT status, expired_at FROM export WHERE run_id = $1")
            .bind(&run)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "expired");
    let day = expired_at.unwrap().format("%Y-%m-%d").to_string();
    let actions = audit_actions(&pool, &run).await;
    assert_eq!(count_action(&actions, "export.invoices.expired"), 1);
    assert!(actions.contains(&("export.invoices.expired".to_owned(), None)));

    for args in [
        vec!["export", "url", run.as_str(), "--as", "user_bob"],
        vec![
            "export",
            "download",
            run.as_str(),
            "--as",
            "user_bob",
            "-o",
            "-",
        ],
    ] {
        let out = env.cmd().args(&args).assert().code(66);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.contains("expired") && stderr.contains(&day),
            "{stderr}"
        );
        assert!(out.get_output().stdout.is_empty());
    }
    // Idempotent: nothing left to prune.
    let out = env
        .cmd()
        .args(["export", "prune", "--older-than", "0s", "--json"])
        .assert()
        .success();
    assert!(
        json_of(&out.get_output().stdout)["exports"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// After a prune the export says `expired` everywhere — `export status` (JSON, the
/// details and the table), `export queue` — never `completed` with a dead link; and
/// the same-day plain `export start` of the same requester starts a new export
/// instead of returning the expired one (the CI recipe's `--wait` then gets a real
/// file), while before the prune it returned the same run.
#[sqlx::test]
async fn a_pruned_export_says_expired_and_a_same_day_start_makes_a_new_one(pool: PgPool) {
    invoicectl::db::seed::seed_demo(&pool, 30).await.unwrap();
    let env = Env::for_pool(&pool);
    let env = &env;
    let start = || json_ok(env, &["export", "start", "--org", ORG, "--as", "user_bob"]);
    let first = start();
    let run = first["runId"].as_str().unwrap().to_owned();
    let run = run.as_str();
    drain_until_final(env, &pool, run, &[], Duration::from_secs(60)).await;
    assert_eq!(start()["runId"], run, "deduplicated while its file exists");
    env.cmd()
        .args(["export", "prune", "--older-than", "0s"])
        .assert()
        .success();
    let status = json_ok(env, &["export", "status", run]);
    assert_eq!(status["status"], "expired", "{status}");
    assert!(status["metadata"]["expiredAt"].is_string(), "{status}");
    let out = env.cmd().args(["export", "status", run]).assert().success();
    let details = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(details.contains("status        expired"), "{details}");
    assert!(
        details.contains("link          none: expired 20"),
        "{details}"
    );
    let out = env
        .cmd()
        .args(["export", "status", "--org", ORG])
        .assert()
        .success();
    let table = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let row = table.lines().find(|l| l.contains(run)).unwrap();
    assert!(
        row.contains("expired") && !row.contains("completed"),
        "{row}"
    );
    let queue = json_ok(env, &["export", "queue"]);
    let export_queue = queue["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == "export")
        .unwrap();
    assert_eq!(export_queue["runs"]["expired"], 1, "{queue}");
    assert_eq!(export_queue["runs"]["completed"], 0, "{queue}");

    // Same org, requester and day, no --force: a new export, said plainly.
    let out = env
        .cmd()
        .args([
            "export", "start", "--org", ORG, "--as", "user_bob", "--json",
        ])
        .assert()
        .success();
    let started = json_of(&out.get_output().stdout);
    assert_eq!(started["deduplicated"], false, "{started}");
    assert_ne!(started["runId"], run, "{started}");
    assert!(out.get_output().stderr.is_empty(), "no dedup note");
    // And that one is deduplicated again, as any live export is.
    let again = json_ok(env, &["export", "start", "--org", ORG, "--as", "user_bob"]);
    assert_eq!(again["runId"], started["runId"]);
    assert_eq!(again["deduplicated"], true);
}

// ---------------------------------------------------------------------------------
// The export task on S3, end to end: the binary, SeaweedFS, PostgreSQL

use crate::common::invoices::{db_invoices, expected_record, insert_generated, parse_csv};
use crate::common::smtp::{Script, SmtpServer};
use invoicectl::db::seed::seed_demo;
use std::process::Stdio;
use std::time::Instant;

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

/// Worker flags for fast takeovers and retries.
const FAST: [&str; 6] = ["--lease", "2", "--heartbeat", "1", "--retry-scale", "0.01"];

/// A config storing to `s3://bucket/exports` (S3 settings come from the AWS
/// variables each command gets).
fn s3_config(env: &Env, bucket: &str, page_size: u32, extra: &str) {
    env.write_config(&format!(
        "page_size = {page_size}\nstorage = \"s3://{bucket}/exports\"\n{extra}"
    ));
}

fn start_export(env: &Env, user: &str) -> String {
    let out = env
        .cmd()
        .args([
            "export", "start", "--org", ORG, "--as", user, "--json", "--force",
        ])
        .assert()
        .success();
    json_of(&out.get_output().stdout)["runId"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Drains (with the AWS variables for `endpoint`) until the run has ended.
async fn drain_s3(env: &Env, pool: &PgPool, run: &str, endpoint: &str, limit: Duration) {
    drain_until_final_with(env, pool, run, limit, |worker| {
        worker.envs(s3::aws_env(endpoint)).args(FAST);
    })
    .await;
}

/// A long-running worker process (for SIGKILL / SIGSTOP) with `flags`, its output in
/// `<dir>/<name>.stdout` and `.stderr`.
fn spawn_s3_worker(env: &Env, endpoint: &str, name: &str, flags: &[&str]) -> Process {
    let mut cmd = env.std_cmd();
    cmd.args(["export", "worker", "--concurrency", "1"])
        .args(flags)
        .envs(s3::aws_env(endpoint));
    Process::logged(&mut cmd, env.path(), name)
}

/// The upload the run's CSV checkpoint names: (upload id, finished parts, finished).
async fn checkpointed_upload(pool: &PgPool, run: &str) -> Option<(String, usize, bool)> {
    let row: Option<(Option<String>, Option<i32>, Option<bool>)> = sqlx::query_as(
        "SELECT checkpoint #>> '{upload,resume,upload,uploadId}',
                jsonb_array_length(checkpoint #> '{upload,resume,upload,parts}'),
                (checkpoint #>> '{upload,resume,finished}')::boolean
         FROM run_step WHERE run_id = $1 AND name = 'csv'",
    )
    .bind(run)
    .fetch_optional(pool)
    .await
    .unwrap();
    match row {
        Some((Some(id), Some(parts), Some(finished))) => Some((id, parts as usize, finished)),
        _ => None,
    }
}

/// Waits until at least one part is checkpointed and the upload is not finished.
async fn wait_mid_upload(pool: &PgPool, run: &str, worker: &mut Process) -> (String, usize) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some((id, parts, finished)) = checkpointed_upload(pool, run).await {
            assert!(
                !finished,
                "the upload finished before the test could step in"
            );
            if parts >= 1 {
                return (id, parts);
            }
        }
        assert!(
            worker.child.try_wait().unwrap().is_none(),
            "the worker exited early"
        );
        assert!(Instant::now() < deadline, "no part was checkpointed");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The export row's record of the stored object.
async fn stored_row(
    pool: &PgPool,
    run: &str,
) -> (
    String,
    i64,
    String,
    String,
    Option<chrono::DateTime<chrono::Utc>>,
) {
    sqlx::query_as(
        "SELECT object_url, byte_size, sha256, download_url, link_expires_at
         FROM export WHERE run_id = $1",
    )
    .bind(run)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn object_bytes(server: &S3Server, bucket: &str, object_url: &str) -> Vec<u8> {
    let key = object_url
        .strip_prefix(&format!("s3://{bucket}/"))
        .expect("the object is in the test's bucket");
    server
        .store(bucket)
        .get(&object_store::path::Path::from(key))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

/// The CSV holds exactly the org's invoices, cell by cell, as the database has them.
async fn assert_cells(pool: &PgPool, csv_bytes: &[u8]) {
    let records = parse_csv(csv_bytes);
    assert_eq!(records[0], HEADER);
    let rows = db_invoices(pool, ORG).await;
    assert_eq!(records.len(), rows.len() + 1);
    for (record, row) in records[1..].iter().zip(&rows) {
        assert_eq!(record, &expected_record(row));
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Storage on S3, end to end: the object holds the invoices cell by cell; the row
/// records its location, size, SHA-256 and link expiry; the emailed presigned link,
/// fetched by a plain HTTP client, returns it with the specified Content-Type and
/// Content-Disposition; a tampered or expired link is refused; `download` verifies
/// and refuses a corrupted object leaving nothing behind; `prune` deletes it and then
/// `url` / `download` exit 66.
#[sqlx::test]
async fn s3_export_end_to_end_link_email_download_and_prune(pool: PgPool) {
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, 2_500).await;
    let server = S3Server::shared();
    let bucket = server.new_bucket();
    let smtp = SmtpServer::start(Script::accept());
    let env = Env::for_pool(&pool);
    s3_config(
        &env,
        &bucket,
        400,
        &format!("smtp_url = \"{}\"\n", smtp.url()),
    );
    let run = start_export(&env, "user_bob");
    drain_s3(
        &env,
        &pool,
        &run,
        &server.endpoint(),
        Duration::from_secs(120),
    )
    .await;
    assert_eq!(run_status(&pool, &run).await, "completed");

    let (object_url, byte_size, sha256, download_url, link_expires_at) =
        stored_row(&pool, &run).await;
    assert_eq!(object_url, format!("s3://{bucket}/exports/{ORG}/{run}.csv"));
    let bytes = object_bytes(server, &bucket, &object_url).await;
    assert_eq!(bytes.len() as i64, byte_size);
    assert_eq!(sha256, sha256_hex(&bytes));
    assert_cells(&pool, &bytes).await;
    let ttl = link_expires_at.expect("an S3 link expires") - chrono::Utc::now();
    assert!(
        (ttl - chrono::Duration::days(7)).num_seconds().abs() < 300,
        "{ttl}"
    );

    // `export status` says where the export is and that a link can be had, never
    // the link; the email carries one, signed by the email child when it sent.
    let view = {
        let out = env
            .cmd()
            .args(["export", "status", &run, "--json"])
            .assert()
            .success();
        json_of(&out.get_output().stdout)
    };
    assert_eq!(view["metadata"]["objectUrl"], object_url.as_str());
    assert_eq!(view["output"]["objectUrl"], object_url.as_str());
    let human = env
        .cmd()
        .args(["export", "status", &run])
        .assert()
        .success();
    let human = String::from_utf8_lossy(&human.get_output().stdout).into_owned();
    assert!(
        human.contains("available: invoicectl export url"),
        "{human}"
    );
    for shown in [view.to_string(), human] {
        assert!(
            !shown.contains("X-Amz-") && !shown.contains("downloadUrl"),
            "{shown}"
        );
    }
    let payload: Value = sqlx::query_scalar(
        "SELECT payload FROM run WHERE parent_run_id = $1 AND task_id = 'send-export-email'",
    )
    .bind(&run)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(payload.get("downloadUrl").is_none(), "{payload}");
    assert_eq!(payload["objectUrl"], object_url.as_str());
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1);
    let text = mails[0].parse().part("text/plain").unwrap().body.clone();
    let emailed = text
        .split_whitespace()
        .find(|w| w.starts_with("http"))
        .unwrap_or_else(|| panic!("the email carries a link: {text}"))
        .to_owned();
    assert!(emailed.contains("X-Amz-Signature="), "{emailed}");

    // A plain HTTP GET of the emailed link, and of the export row's.
    for link in [&emailed, &download_url] {
        let got = s3::http("GET", link).unwrap();
        assert_eq!(got.status, 200, "{}", got.text());
        assert!(got.body == bytes);
    }
    let got = s3::http("GET", &emailed).unwrap();
    assert_eq!(got.headers["content-type"], "text/csv; charset=utf-8");
    let started: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT started_at FROM run WHERE id = $1")
            .bind(&run)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        got.headers["content-disposition"],
        format!(
            "attachment; filename=\"invoices-{ORG}-{}.csv\"",
            started.format("%Y-%m-%d")
        )
    );
    let tampered = emailed.replace("X-Amz-Signature=", "X-Amz-Signature=f");
    assert_eq!(s3::http("GET", &tampered).unwrap().status, 403);
    let out = env
        .cmd()
        .envs(server.aws_env())
        .args([
            "export",
            "url",
            &run,
            "--as",
            "user_bob",
            "--expires",
            "1s",
            "--json",
        ])
        .assert()
        .success();
    let short = json_of(&out.get_output().stdout);
    let short_url = short["downloadUrl"].as_str().unwrap().to_owned();
    assert_eq!(s3::http("GET", &short_url).unwrap().status, 200);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(
        s3::http("GET", &short_url).unwrap().status,
        403,
        "an expired link"
    );

    // download verifies what it fetched.
    let good = env.path().join("invoices.csv");
    env.cmd()
        .envs(server.aws_env())
        .args(["export", "download", &run, "--as", "user_bob", "-o"])
        .arg(&good)
        .assert()
        .success();
    assert!(std::fs::read(&good).unwrap() == bytes);
    // The same size, other bytes: a corrupted object.
    let mut corrupt = bytes.clone();
    let last = corrupt.len() - 3;
    corrupt[last] ^= 0x20;
    let key = object_url.strip_prefix(&format!("s3://{bucket}/")).unwrap();
    server
        .store(&bucket)
        .put(&object_store::path::Path::from(key), corrupt.into())
        .await
        .unwrap();
    let bad_dir = env.path().join("dl");
    std::fs::create_dir(&bad_dir).unwrap();
    let out = env
        .cmd()
        .envs(server.aws_env())
        .args(["export", "download", &run, "--as", "user_bob", "-o"])
        .arg(bad_dir.join("bad.csv"))
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("does not match"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(&bad_dir).unwrap().count(),
        0,
        "nothing left behind"
    );

    // prune deletes the object; url and download then exit 66 with the date.
    env.cmd()
        .envs(server.aws_env())
        .args(["export", "prune", "--older-than", "0s"])
        .assert()
        .success();
    let path = object_store::path::Path::from(key);
    assert!(matches!(
        server.store(&bucket).head(&path).await,
        Err(object_store::Error::NotFound { .. })
    ));
    for sub in ["url", "download"] {
        let out = env
            .cmd()
            .envs(server.aws_env())
            .args(["export", sub, &run, "--as", "user_bob"])
            .assert()
            .code(66);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        assert!(
            stderr.contains("expired on") && stderr.contains(&today),
            "{stderr}"
        );
    }
}

/// `compression = "gzip"`: a `.csv.gz` object of one gzip member per page, typed
/// application/gzip; `gzip -dc` and flate2's multi-member decoder read the whole CSV,
/// while a single-member decoder stops after the first page.
#[sqlx::test]
async fn s3_gzip_export_is_one_member_per_page(pool: PgPool) {
    use std::io::{Read, Write};
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, 1_200).await;
    let server = S3Server::shared();
    let bucket = server.new_bucket();
    let env = Env::for_pool(&pool);
    s3_config(&env, &bucket, 100, "compression = \"gzip\"\n");
    let run = start_export(&env, "user_alice");
    drain_s3(
        &env,
        &pool,
        &run,
        &server.endpoint(),
        Duration::from_secs(120),
    )
    .await;
    let (object_url, byte_size, sha256, download_url, _) = stored_row(&pool, &run).await;
    assert!(
        object_url.ends_with(&format!("{run}.csv.gz")),
        "{object_url}"
    );
    let object = object_bytes(server, &bucket, &object_url).await;
    assert_eq!(
        (object.len() as i64, sha256_hex(&object)),
        (byte_size, sha256)
    );
    let got = s3::http("GET", &download_url).unwrap();
    assert_eq!(got.headers["content-type"], "application/gzip");
    assert!(got.headers["content-disposition"].ends_with(".csv.gz\""));

    let mut whole = Vec::new();
    flate2::read::MultiGzDecoder::new(&object[..])
        .read_to_end(&mut whole)
        .unwrap();
    assert_cells(&pool, &whole).await;
    let mut gzip = std::process::Command::new("gzip")
        .arg("-dc")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip is installed");
    let mut stdin = gzip.stdin.take().unwrap();
    let input = object.clone();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let out = gzip.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(out.status.success());
    assert!(out.stdout == whole, "gzip -dc reads every member");
    let mut first = Vec::new();
    flate2::read::GzDecoder::new(&object[..])
        .read_to_end(&mut first)
        .unwrap();
    assert_eq!(
        parse_csv(&first).len(),
        1 + 100,
        "the first member is the first page"
    );
}

/// Rows for a two-part upload (5 MiB parts, the smallest S3 allows): about 7 MB.
const BIG: i64 = 60_000;

fn big_config(env: &Env, bucket: &str) {
    s3_config(env, bucket, 2_000, "s3_part_size = \"5MiB\"\n");
}

/// Two hosts: worker A (its own data dir) is killed with SIGKILL mid-upload; worker
/// B (another data dir: nothing shared but the database and the bucket) continues
/// the SAME multipart upload, sending only the parts A's checkpoint did not hold
/// (counted at a proxy in front of the server), and the object is byte-identical to
/// an uninterrupted export of the same rows.
#[sqlx::test]
async fn s3_takeover_on_another_host_continues_the_same_upload(pool: PgPool) {
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, BIG).await;
    let server = S3Server::shared();
    let bucket = server.new_bucket();
    let host_a = Env::for_pool(&pool);
    let host_b = Env::for_pool(&pool);
    big_config(&host_a, &bucket);
    big_config(&host_b, &bucket);
    let run = start_export(&host_a, "user_alice");

    // A's network is slow, so the test can kill it between two parts.
    let slow = CountingProxy::slow(server.addr(), Duration::from_millis(800));
    let mut a = spawn_s3_worker(&host_a, &slow.endpoint(), "a", &FAST);
    let (upload_id, finished_parts) = wait_mid_upload(&pool, &run, &mut a).await;
    a.kill();
    // What A's last committed checkpoint holds (it may have committed one more).
    let (id_after_kill, finished_parts_after_kill, _) =
        checkpointed_upload(&pool, &run).await.unwrap();
    assert_eq!(id_after_kill, upload_id);
    assert!(finished_parts_after_kill >= finished_parts);

    let counter = CountingProxy::start(server.addr());
    drain_s3(
        &host_b,
        &pool,
        &run,
        &counter.endpoint(),
        Duration::from_secs(120),
    )
    .await;
    assert_eq!(run_status(&pool, &run).await, "completed");
    let (final_id, total_parts, finished) = checkpointed_upload(&pool, &run).await.unwrap();
    assert!(finished);
    assert_eq!(final_id, upload_id, "B completed A's upload");
    assert!(total_parts >= 2, "{total_parts} parts");
    assert_eq!(
        counter.part_puts(),
        total_parts - finished_parts_after_kill,
        "B sent only the parts A's checkpoint did not hold: {:?}",
        counter.requests()
    );
    let attempt: i32 = sqlx::query_scalar("SELECT attempt FROM run WHERE id = $1")
        .bind(&run)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        attempt, 1,
        "A's lost attempt had checkpointed parts: given back, not counted"
    );

    let (object_url, byte_size, sha256, _, _) = stored_row(&pool, &run).await;
    let taken_over = object_bytes(server, &bucket, &object_url).await;
    assert_eq!(
        (taken_over.len() as i64, sha256_hex(&taken_over)),
        (byte_size, sha256)
    );
    assert_cells(&pool, &taken_over).await;
    // The same rows exported without interruption.
    let clean = start_export(&host_b, "user_alice");
    drain_s3(
        &host_b,
        &pool,
        &clean,
        &server.endpoint(),
        Duration::from_secs(120),
    )
    .await;
    let (clean_url, _, _, _, _) = stored_row(&pool, &clean).await;
    assert!(object_bytes(server, &bucket, &clean_url).await == taken_over);
}

/// A fenced-out worker: A is stopped (SIGSTOP) mid-upload past its lease, B takes
/// over and publishes, then A resumes (SIGCONT) with a part in flight and its
/// checkpoint to commit, and runs into its fence (its `lease_lost` line). The
/// published object, the export row and the audit trail stay exactly as B left
/// them.
#[sqlx::test]
async fn s3_a_fenced_out_worker_cannot_change_the_published_object(pool: PgPool) {
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, BIG).await;
    let server = S3Server::shared();
    let bucket = server.new_bucket();
    let host_a = Env::for_pool(&pool);
    let host_b = Env::for_pool(&pool);
    big_config(&host_a, &bucket);
    big_config(&host_b, &bucket);
    let run = start_export(&host_a, "user_alice");

    let slow = CountingProxy::slow(server.addr(), Duration::from_millis(800));
    let mut a = spawn_s3_worker(&host_a, &slow.endpoint(), "a", &FAST);
    wait_mid_upload(&pool, &run, &mut a).await;
    a.signal(libc::SIGSTOP);
    drain_s3(
        &host_b,
        &pool,
        &run,
        &server.endpoint(),
        Duration::from_secs(120),
    )
    .await;
    assert_eq!(run_status(&pool, &run).await, "completed");
    let row = stored_row(&pool, &run).await;
    let published = object_bytes(server, &bucket, &row.0).await;
    assert_eq!(sha256_hex(&published), row.2);

    let puts_before = slow.part_puts();
    a.signal(libc::SIGCONT);
    // A goes on with its upload and runs into its fence: its attempt ends
    // `lease_lost` (a checkpoint refused, or a part sent to the upload B completed).
    let deadline = Instant::now() + Duration::from_secs(120);
    while !a.stderr_text().contains("lease_lost") {
        a.assert_running();
        assert!(
            Instant::now() < deadline,
            "A never ran into its fence: {}",
            a.stderr_text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "A sent {} part uploads after it resumed",
        slow.part_puts() - puts_before
    );
    a.kill();
    assert!(object_bytes(server, &bucket, &row.0).await == published);
    assert_eq!(stored_row(&pool, &run).await, row);
    let completed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'export.invoices.completed' AND subject_id = $1",
    )
    .bind(&run)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(completed, 1);
}

#[sqlx::test]
async fn s3_down_mid_export_then_back_completes(pool: PgPool) {
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, BIG).await;
    let server = S3Server::start();
    let bucket = server.new_bucket();
    let env = Env::for_pool(&pool);
    big_config(&env, &bucket);
    let run = start_export(&env, "user_alice");
    let slow = CountingProxy::slow(server.addr(), Duration::from_millis(800));
    // The production retry curve (1 s, 2 s): the outage outlasts a quick retry.
    let mut worker = spawn_s3_worker(
        &env,
        &slow.endpoint(),
        "worker",
        &["--lease", "2", "--heartbeat", "1"],
    );
    wait_mid_upload(&pool, &run, &mut worker).await;
    server.stop();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let during = run_status(&pool, &run).await;
    assert!(
        matches!(during.as_str(), "executing" | "queued"),
        "{during}"
    );
    server.restart();
    let deadline = Instant::now() + Duration::from_secs(120);
    while run_status(&pool, &run).await != "completed" {
        assert!(
            !matches!(
                run_status(&pool, &run).await.as_str(),
                "failed" | "canceled"
            ),
            "{}",
            worker.stderr_text()
        );
        assert!(Instant::now() < deadline, "the run did not complete");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    worker.signal(libc::SIGTERM);
    worker.child.wait().unwrap();
    // The part in flight was sent again until the store came back: the outage cost
    // the run no attempt.
    let attempt: i32 = sqlx::query_scalar("SELECT attempt FROM run WHERE id = $1")
        .bind(&run)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempt, 1, "{}", worker.stderr_text());
    let (object_url, byte_size, sha256, _, _) = stored_row(&pool, &run).await;
    let bytes = object_bytes(&server, &bucket, &object_url).await;
    assert_eq!(
        (bytes.len() as i64, sha256_hex(&bytes)),
        (byte_size, sha256)
    );
    assert_cells(&pool, &bytes).await;
}

/// The worker's line when a queue pauses, said once per outage.
const PAUSED: &str = "cannot run this queue's tasks for now";
/// Its line when the queue works again.
const RESUMED: &str = "work again on this worker";

/// Wrong credentials (a wrong secret from the config file's s3_* keys; a key that
/// may only read and list, from the environment): the worker's start-up check
/// writes a probe object, is refused, and exits 77 before it claims anything,
/// naming the bucket and endpoint and never a secret. The run stays queued, no
/// attempt spent. A missing bucket: the worker refuses to start (66), naming it.
#[sqlx::test]
async fn s3_wrong_or_read_only_credentials_stop_the_worker_before_it_claims(pool: PgPool) {
    const WRONG: &str = "wrong-secret-7c1e93";
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, 50).await;
    let server = S3Server::shared();
    let bucket = server.new_bucket();
    let env = Env::for_pool(&pool);
    let run = start_export(&env, "user_alice");
    let attempt = |pool: PgPool, run: String| async move {
        sqlx::query_scalar::<_, i32>("SELECT attempt FROM run WHERE id = $1")
            .bind(run)
            .fetch_one(&pool)
            .await
            .unwrap()
    };

    // A wrong secret, from the config file.
    s3_config(
        &env,
        &bucket,
        100,
        &format!(
            "s3_endpoint = \"{}\"\ns3_region = \"us-east-1\"\ns3_access_key_id = \"{}\"\ns3_secret_access_key = \"{WRONG}\"\n",
            server.endpoint(),
            s3::ACCESS_KEY
        ),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(env.config_path(), std::fs::Permissions::from_mode(0o600))
            .unwrap();
    }
    let out = env
        .cmd()
        .args(["export", "worker", "--drain"])
        .args(FAST)
        .assert()
        .code(77);
    let wrong_secret = String::from_utf8_lossy(&out.get_output().stderr).into_owned();

    // A read-only key, from the environment.
    s3_config(&env, &bucket, 100, "");
    let out = env
        .cmd()
        .envs(s3::aws_env_as(
            &server.endpoint(),
            s3::READONLY_ACCESS_KEY,
            s3::READONLY_SECRET_KEY,
        ))
        .args(["export", "worker", "--drain"])
        .args(FAST)
        .assert()
        .code(77);
    let read_only = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    for stderr in [&wrong_secret, &read_only] {
        assert!(
            stderr.contains(&bucket)
                && stderr.contains(&server.endpoint())
                && stderr.contains("access denied"),
            "{stderr}"
        );
        for secret in [WRONG, s3::SECRET_KEY, s3::READONLY_SECRET_KEY] {
            assert!(!stderr.contains(secret), "{stderr}");
        }
    }
    assert_eq!(run_status(&pool, &run).await, "queued");
    assert_eq!(
        attempt(pool.clone(), run.clone()).await,
        0,
        "nothing claimed"
    );
    let objects: Vec<_> = server.store(&bucket).list(None).collect::<Vec<_>>().await;
    assert!(objects.is_empty(), "{objects:?}");

    // The right key: the probe is written and deleted, the export completes.
    drain_s3(
        &env,
        &pool,
        &run,
        &server.endpoint(),
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(run_status(&pool, &run).await, "completed");
    assert_eq!(attempt(pool.clone(), run.clone()).await, 1);
    let keys: Vec<String> = server
        .store(&bucket)
        .list(None)
        .map(|m| m.unwrap().location.to_string())
        .collect()
        .await;
    assert_eq!(
        keys,
        [format!("exports/{ORG}/{run}.csv")],
        "no probe left behind"
    );

    // A missing bucket, with good credentials from the environment.
    s3_config(&env, "no-such-bucket-4d2", 100, "");
    let again = start_export(&env, "user_alice");
    let out = env
        .cmd()
        .envs(server.aws_env())
        .args(["export", "worker", "--drain"])
        .assert()
        .code(66);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("no-such-bucket-4d2") && stderr.contains(&server.endpoint()),
        "{stderr}"
    );
    assert_eq!(run_status(&pool, &again).await, "queued");
}

/// Credentials that stop working mid-export (the server restarted with the key
/// made read-only while a part is on its way): a storage problem, not the export's.
/// The worker releases the run without spending its attempt, says so once, and
/// stops claiming exports; once the key may write again, its probe continues the
/// same upload and the export completes on its first attempt.
#[sqlx::test]
async fn s3_a_refusal_mid_run_releases_the_run_uncounted_and_pauses_the_worker(pool: PgPool) {
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, BIG).await;
    let server = S3Server::start();
    let bucket = server.new_bucket();
    let env = Env::for_pool(&pool);
    big_config(&env, &bucket);
    let run = start_export(&env, "user_alice");
    let slow = CountingProxy::slow(server.addr(), Duration::from_millis(800));
    let mut worker = spawn_s3_worker(&env, &slow.endpoint(), "worker", &FAST);
    let (upload_id, _) = wait_mid_upload(&pool, &run, &mut worker).await;
    server.restart_with_test_key_writable(false);

    // The refusal is released, not failed: wait for the worker to say so.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !worker.stderr_text().contains(PAUSED) {
        worker.assert_running();
        assert!(Instant::now() < deadline, "{}", worker.stderr_text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, attempt, code): (String, i32, Option<String>) =
        sqlx::query_as("SELECT status::text, attempt, error->>'code' FROM run WHERE id = $1")
            .bind(&run)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        matches!(status.as_str(), "queued" | "executing"),
        "{status}"
    );
    assert!(attempt <= 1, "released uncounted: attempt {attempt}");
    if status == "queued" {
        assert_eq!(code.as_deref(), Some("storage_refused"));
    }

    server.restart_with_test_key_writable(true);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let status = run_status(&pool, &run).await;
        if status == "completed" {
            break;
        }
        assert!(
            !matches!(status.as_str(), "failed" | "canceled"),
            "{}",
            worker.stderr_text()
        );
        assert!(Instant::now() < deadline, "{}", worker.stderr_text());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    worker.terminate(Duration::from_secs(30));
    let stderr = worker.stderr_text();
    let attempt: i32 = sqlx::query_scalar("SELECT attempt FROM run WHERE id = $1")
        .bind(&run)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempt, 1, "the refusals cost no attempt: {stderr}");
    assert_eq!(stderr.matches(PAUSED).count(), 1, "said once: {stderr}");
    assert_eq!(stderr.matches(RESUMED).count(), 1, "{stderr}");
    let (final_id, _, finished) = checkpointed_upload(&pool, &run).await.unwrap();
    assert!(finished);
    assert_eq!(final_id, upload_id, "the same upload went on");
    let (object_url, byte_size, sha256, _, _) = stored_row(&pool, &run).await;
    let bytes = object_bytes(&server, &bucket, &object_url).await;
    assert_eq!(
        (bytes.len() as i64, sha256_hex(&bytes)),
        (byte_size, sha256)
    );
    assert_cells(&pool, &bytes).await;
}

/// Local storage records the same integrity data as S3 (object URL, size, SHA-256)
/// and compresses the same way: a `.csv.gz` of one member per page, 0600, whose
/// SHA-256 the row holds; `download` of a file changed on disk exits 1 and leaves
/// nothing behind.
#[sqlx::test]
async fn local_gzip_export_records_size_and_sha256_and_download_checks_them(pool: PgPool) {
    use std::io::Read;
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, 700).await;
    let env = Env::for_pool(&pool);
    let export_dir = env.path().join("exports");
    env.write_config(&format!(
        "page_size = 100\ncompression = \"gzip\"\nexport_dir = \"{}\"\n",
        export_dir.display()
    ));
    let run = finished_export(&env, &pool, "user_alice").await;
    let (object_url, byte_size, sha256, download_url, link_expires_at) =
        stored_row(&pool, &run).await;
    assert_eq!(object_url, download_url);
    assert_eq!(link_expires_at, None, "a file:// URL does not expire");
    let path = url::Url::parse(&object_url)
        .unwrap()
        .to_file_path()
        .unwrap();
    assert_eq!(
        path,
        export_dir
            .join(ORG)
            .join(format!("{run}.csv.gz"))
            .canonicalize()
            .unwrap()
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        (bytes.len() as i64, sha256_hex(&bytes)),
        (byte_size, sha256)
    );
    let mut whole = Vec::new();
    flate2::read::MultiGzDecoder::new(&bytes[..])
        .read_to_end(&mut whole)
        .unwrap();
    assert_cells(&pool, &whole).await;
    let mut first = Vec::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_end(&mut first)
        .unwrap();
    assert_eq!(parse_csv(&first).len(), 1 + 100, "one member per page");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    // Changed on disk, same size: download refuses it.
    let mut changed = bytes.clone();
    let last = changed.len() - 1;
    changed[last] ^= 1;
    std::fs::write(&path, &changed).unwrap();
    let dir = env.path().join("dl");
    std::fs::create_dir(&dir).unwrap();
    env.cmd()
        .args(["export", "download", &run, "--as", "user_alice", "-o"])
        .arg(dir.join("x.csv.gz"))
        .assert()
        .code(1);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

/// `export download -o invoices.csv` of a gzip export would write gzip bytes into a
/// `.csv`: refused (65) before anything is fetched, naming both ways out; a `.gz`
/// name gets the stored bytes.
#[sqlx::test]
async fn a_gzip_export_downloads_only_to_a_gz_name(pool: PgPool) {
    invoicectl::db::seed::seed_demo(&pool, 30).await.unwrap();
    let env = Env::for_pool(&pool);
    env.write_config("compression = \"gzip\"\n");
    let run = finished_export(&env, &pool, "user_alice").await;
    let csv = env.path().join("invoices.csv");
    let out = env
        .cmd()
        .args(["export", "download", &run, "--as", "user_alice", "-o"])
        .arg(&csv)
        .assert()
        .code(65);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("gzip-compressed") && stderr.contains("| gunzip >"),
        "{stderr}"
    );
    assert!(!csv.exists());
    let gz = env.path().join("invoices.csv.gz");
    env.cmd()
        .args(["export", "download", &run, "--as", "user_alice", "-o"])
        .arg(&gz)
        .assert()
        .success();
    assert_eq!(
        &std::fs::read(&gz).unwrap()[..2],
        &[0x1f, 0x8b],
        "gzip magic"
    );
}
