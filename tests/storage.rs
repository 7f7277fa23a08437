//! Issue 11: the storage interface against a real S3 server (SeaweedFS, see
//! tests/common/s3.rs), and `export url` / `download` / `prune` through the binary.
//! Nothing here mocks S3: uploads, presigned links, signature checks and deletes
//! are answered by the server.

mod common;

use std::time::Duration;

use common::s3::{self, CountingProxy, S3Server};
use invoicectl::config::{ConfigFile, Overrides, Settings, StorageSettings};
use invoicectl::ids::{OrgId, RunId};
use invoicectl::storage::multipart::Resume;
use invoicectl::storage::{Compression, Storage, StorageError, StorageUrl};
use object_store::{Attribute, Attributes, ObjectStoreExt};
use sha2::{Digest, Sha256};

/// Storage settings naming `endpoint` in the config keys (so the test process needs
/// no AWS_* variables), with `secret`.
fn s3_settings(endpoint: &str, secret: &str) -> StorageSettings {
    let file = ConfigFile {
        s3_endpoint: Some(endpoint.to_owned()),
        s3_region: Some(s3::REGION.to_owned()),
        s3_access_key_id: Some(s3::ACCESS_KEY.to_owned()),
        s3_secret_access_key: Some(invoicectl::config::Secret::new(secret)),
        ..ConfigFile::default()
    };
    Settings::resolve(&Overrides::default(), file, "/unused".into(), None)
        .unwrap()
        .storage
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

use common::Env;
use serde_json::Value;
use sqlx::PgPool;

const ORG: &str = "org_acme";

fn json_of(stdout: &[u8]) -> Value {
    serde_json::from_slice(stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(stdout)
        )
    })
}

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
    for _ in 0..20 {
        env.cmd()
            .args(["export", "worker", "--drain"])
            .assert()
            .success();
        let status: String = sqlx::query_scalar("SELECT status FROM run WHERE id = $1")
            .bind(&run)
            .fetch_one(pool)
            .await
            .unwrap();
        if status == "completed" {
            return run;
        }
        assert!(
            !matches!(status.as_str(), "failed" | "canceled"),
            "{status}"
        );
    }
    panic!("run {run} did not complete");
}

async fn audit_actions(pool: &PgPool, run: &str) -> Vec<(String, Option<String>)> {
    sqlx::query_as(
        "SELECT action, actor_user_id FROM audit_log
         WHERE subject_type = 'export' AND subject_id = $1 ORDER BY id",
    )
    .bind(run)
    .fetch_all(pool)
    .await
    .unwrap()
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
    assert!(stored.exists());

    // Two prunes at once: one expires the export, the other finds nothing left.
    let prunes: Vec<_> = (0..2)
        .map(|_| {
            env.shell("\"$INVOICECTL\" export prune --older-than 0s --json")
                .output()
                .unwrap()
        })
        .collect();
    let mut expired = 0;
    for out in &prunes {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        expired += json_of(&out.stdout)["exports"].as_array().unwrap().len();
    }
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
