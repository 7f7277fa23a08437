//! Links and data edges: `export status` never shows a link, the gate is checked
//! when a link or download is asked for, a download and a prune are ordered, infinite
//! timestamps export, and an empty witness proves nothing. Real binary and
//! PostgreSQL.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use predicates::prelude::*;
use serde_json::Value;
use sqlx::PgPool;

use crate::common::audit::{AuditFilter, audit_rows};
use crate::common::invoices::{insert_generated, parse_csv};
use crate::common::runs::{drain_until_final, run_status};
use crate::common::{Env, json_of};
use invoicectl::db::seed::seed_demo;

const ORG: &str = "org_acme";

fn local_env(pool: &PgPool) -> Env {
    let env = Env::for_pool(pool);
    env.write_config(&format!(
        "export_dir = \"{}\"\npage_size = 500\n",
        env.path().join("exports").display()
    ));
    env
}

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
    drain_until_final(env, pool, &run, &[], Duration::from_secs(120)).await;
    assert_eq!(run_status(pool, &run).await, "completed");
    run
}

async fn stored_file(pool: &PgPool, run: &str) -> std::path::PathBuf {
    let url: String = sqlx::query_scalar("SELECT object_url FROM export WHERE run_id = $1")
        .bind(run)
        .fetch_one(pool)
        .await
        .unwrap();
    url::Url::parse(&url).unwrap().to_file_path().unwrap()
}

async fn set_role(pool: &PgPool, user: &str, role: &str) {
    sqlx::query("UPDATE member SET role = $1 WHERE organization_id = $2 AND user_id = $3")
        .bind(role)
        .bind(ORG)
        .bind(user)
        .execute(pool)
        .await
        .unwrap();
}

/// Status (JSON and text) shows where the export is and whether a link can be had;
/// the link is in neither, nor in the email child's payload.
#[sqlx::test]
async fn status_shows_where_the_export_is_never_a_link(pool: PgPool) {
    seed_demo(&pool, 20).await.unwrap();
    let env = local_env(&pool);
    let run = finished_export(&env, &pool, "user_bob").await;
    let file = stored_file(&pool, &run).await;
    let out = env
        .cmd()
        .args(["export", "status", &run, "--json"])
        .assert()
        .success();
    let view = json_of(&out.get_output().stdout);
    let text = view.to_string();
    assert!(
        !text.contains("downloadUrl") && !text.contains("linkExpiresAt"),
        "{text}"
    );
    let object_url = url::Url::from_file_path(&file).unwrap().to_string();
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
    let payload: Value = sqlx::query_scalar("SELECT payload FROM run WHERE parent_run_id = $1")
        .bind(&run)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(payload.get("downloadUrl").is_none(), "{payload}");
    assert_eq!(payload["exportRunId"], run.as_str());
    // The email still carries the link (signed by the child when it sent).
    let outbox = env.data_dir().join("outbox");
    let mail = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .next()
        .expect("one email");
    assert!(mail.contains(&format!("{run}.csv")), "{mail}");

    // Once pruned, status says the link is gone.
    env.cmd()
        .args(["export", "prune", "--older-than", "0s"])
        .assert()
        .success();
    env.cmd()
        .args(["export", "status", &run])
        .assert()
        .success()
        .stdout(predicate::str::contains("none: expired"));
}

/// The gate is the one in force when the link or download is asked for: a requester
/// since demoted to viewer, or removed, is refused (77) and nothing is audited.
#[sqlx::test]
async fn a_requester_demoted_after_the_export_is_refused(pool: PgPool) {
    seed_demo(&pool, 20).await.unwrap();
    let env = local_env(&pool);
    let run = finished_export(&env, &pool, "user_bob").await;
    env.cmd()
        .args(["export", "url", &run, "--as", "user_bob"])
        .assert()
        .success();
    set_role(&pool, "user_bob", "viewer").await;
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
        env.cmd()
            .args(&args)
            .assert()
            .code(77)
            .stdout("")
            .stderr(predicate::str::contains("not a viewer"));
    }
    sqlx::query("DELETE FROM member WHERE organization_id = $1 AND user_id = 'user_bob'")
        .bind(ORG)
        .execute(&pool)
        .await
        .unwrap();
    env.cmd()
        .args(["export", "url", &run, "--as", "user_bob"])
        .assert()
        .code(77);
    let issued = audit_rows(
        &pool,
        AuditFilter::export(&run).action("export.invoices.link_issued"),
    )
    .await;
    assert_eq!(issued.len(), 1, "only the link issued before the demotion");
    assert!(
        audit_rows(
            &pool,
            AuditFilter::export(&run).action("export.invoices.downloaded")
        )
        .await
        .is_empty()
    );
    // Owners and admins keep access.
    env.cmd()
        .args(["export", "url", &run, "--as", "user_alice"])
        .assert()
        .success();
}

/// A download in progress holds the export: a prune meanwhile leaves it for later, and
/// the audit log has `downloaded` before `expired`. A prune that holds the export
/// first wins: the download then reports it expired and audits nothing.
#[sqlx::test]
async fn a_download_and_a_prune_are_ordered(pool: PgPool) {
    seed_demo(&pool, 0).await.unwrap();
    insert_generated(&pool, ORG, 4_000).await;
    let env = local_env(&pool);
    let run = finished_export(&env, &pool, "user_bob").await;
    let file = stored_file(&pool, &run).await;
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        bytes.len() > 256 * 1024,
        "larger than a pipe: {}",
        bytes.len()
    );

    // The download starts streaming into a pipe nobody reads past its first bytes.
    let mut download = env
        .std_cmd()
        .args(["export", "download", &run, "--as", "user_bob", "-o", "-"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = download.stdout.take().unwrap();
    let mut first = vec![0u8; 4096];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(first, bytes[..4096]);

    let out = env
        .cmd()
        .args(["export", "prune", "--older-than", "0s", "--json"])
        .assert()
        .success();
    let report = json_of(&out.get_output().stdout);
    assert_eq!(report["exports"], serde_json::json!([]), "{report}");
    assert!(file.exists());

    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).unwrap();
    let status = download.wait().unwrap();
    assert!(status.success());
    first.extend(rest);
    assert!(first == bytes);
    env.cmd()
        .args(["export", "prune", "--older-than", "0s"])
        .assert()
        .success();
    assert!(!file.exists());
    let actions: Vec<String> = audit_rows(&pool, AuditFilter::export(&run))
        .await
        .into_iter()
        .map(|r| r.action)
        .filter(|a| a != "export.invoices.requested" && a != "export.invoices.completed")
        .collect();
    assert_eq!(
        actions,
        ["export.invoices.downloaded", "export.invoices.expired"]
    );

    // The other order: a prune holds the row (as it does while it deletes), the
    // download waits for it, then finds the export expired.
    let run = finished_export(&env, &pool, "user_bob").await;
    let mut prune = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM export WHERE run_id = $1 FOR UPDATE")
        .bind(&run)
        .execute(&mut *prune)
        .await
        .unwrap();
    let download = env
        .std_cmd()
        .args(["export", "download", &run, "--as", "user_bob", "-o", "-"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if waiting == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the download never waited");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sqlx::query("UPDATE export SET status = 'expired', expired_at = now() WHERE run_id = $1")
        .bind(&run)
        .execute(&mut *prune)
        .await
        .unwrap();
    prune.commit().await.unwrap();
    let out = download.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(66),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("expired"));
    assert!(
        audit_rows(
            &pool,
            AuditFilter::export(&run).action("export.invoices.downloaded")
        )
        .await
        .is_empty()
    );
}

/// `infinity`, `-infinity` and instants past chrono's year 262143 export at the first
/// attempt, as PostgreSQL's own CSV writes infinities.
#[sqlx::test]
async fn infinite_and_far_timestamps_export(pool: PgPool) {
    seed_demo(&pool, 0).await.unwrap();
    sqlx::query(
        "INSERT INTO invoice (id, organization_id, number, customer_name, currency,
                              amount_cents, status, issued_at, due_at)
         VALUES ('inv_1', $1, 'N1', 'A', 'USD', 100, 'open', 'infinity', '-infinity'),
                ('inv_2', $1, 'N2', 'B', 'USD', 100, 'open', '-infinity', 'infinity'),
                ('inv_3', $1, 'N3', 'C', 'USD', 100, 'open',
                 '294276-12-31 23:59:59.999999+00', '262144-01-01 00:00:00.5+00'),
                ('inv_4', $1, 'N4', 'D', 'USD', 100, 'open', '4713-01-01 00:00:00+00 BC', NULL)",
    )
    .bind(ORG)
    .execute(&pool)
    .await
    .unwrap();
    let env = local_env(&pool);
    let run = finished_export(&env, &pool, "user_bob").await;
    let attempt: i32 = sqlx::query_scalar("SELECT attempt FROM run WHERE id = $1")
        .bind(&run)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempt, 1);
    let records = parse_csv(&std::fs::read(stored_file(&pool, &run).await).unwrap());
    let cells: Vec<(&str, &str, &str)> = records[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[7].as_str(), r[8].as_str()))
        .collect();
    assert_eq!(
        cells,
        [
            ("inv_1", "infinity", "-infinity"),
            ("inv_2", "-infinity", "infinity"),
            (
                "inv_3",
                "+294276-12-31T23:59:59.999999Z",
                "+262144-01-01T00:00:00.500Z"
            ),
            ("inv_4", "-4712-01-01T00:00:00Z", ""),
        ]
    );
    // PostgreSQL's own CSV agrees on the infinities.
    let pg: String = sqlx::query_scalar("SELECT issued_at::text FROM invoice WHERE id = 'inv_1'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(pg, "infinity");
}

/// A witness with no chains proves nothing: verify refuses it (65), and checkpoint
/// refuses to write one (66).
#[sqlx::test]
async fn an_empty_witness_is_refused(pool: PgPool) {
    seed_demo(&pool, 5).await.unwrap();
    let env = local_env(&pool);
    finished_export(&env, &pool, "user_bob").await;
    let path = env.path().join("empty.json");
    std::fs::write(
        &path,
        r#"{"kind": "invoicectl-audit-checkpoint", "version": 1,
            "createdAt": "2026-11-30T02:00:00.000000Z", "chains": []}"#,
    )
    .unwrap();
    env.cmd()
        .args(["audit", "verify", "--against"])
        .arg(&path)
        .assert()
        .code(65)
        .stdout("")
        .stderr(predicate::str::contains("proves nothing"));
    let out = env.path().join("initech.json");
    env.cmd()
        .args(["audit", "checkpoint", "--org", "org_initech", "--out"])
        .arg(&out)
        .assert()
        .code(66)
        .stdout("")
        .stderr(predicate::str::contains("no chain to witness"));
    assert!(!out.exists());
    // A real witness still verifies.
    let good = env.path().join("good.json");
    env.cmd()
        .args(["audit", "checkpoint", "--out"])
        .arg(&good)
        .assert()
        .success();
    env.cmd()
        .args(["audit", "verify", "--against"])
        .arg(&good)
        .assert()
        .success();
}
