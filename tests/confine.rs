//! Stored object locations are confined: `export url`, `download` and `prune` only
//! ever read, link or delete `<storage>/<org>/<run_id>.csv[.gz]` of the export
//! itself, whatever its row says. A row pointing elsewhere (a system file, a file
//! beside the export folder, another organization's export, another bucket or
//! prefix) is refused with exit 77 and an `export.invoices.location_refused` audit
//! row, and nothing is read, printed or deleted. Real binary, PostgreSQL, SeaweedFS.

use std::path::Path;
use std::time::Duration;

use object_store::ObjectStoreExt;
use object_store::path::Path as ObjectPath;
use sqlx::PgPool;

use crate::common::audit::{AuditFilter, audit_rows};
use crate::common::runs::{drain_until_final_with, export_status, run_status};
use crate::common::s3::{self, S3Server};
use crate::common::{Env, json_of};
use invoicectl::db::seed::seed_demo;

/// Requests an export of `org` as `user` and drains it (with `envs`); returns the run.
async fn finished_export(
    env: &Env,
    pool: &PgPool,
    org: &str,
    user: &str,
    envs: &[(&'static str, String)],
) -> String {
    let out = env
        .cmd()
        .envs(envs.iter().cloned())
        .args([
            "export", "start", "--org", org, "--as", user, "--json", "--force",
        ])
        .assert()
        .success();
    let run = json_of(&out.get_output().stdout)["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    drain_until_final_with(env, pool, &run, Duration::from_secs(120), |w| {
        w.envs(envs.iter().cloned());
    })
    .await;
    assert_eq!(run_status(pool, &run).await, "completed");
    run
}

async fn object_url(pool: &PgPool, run: &str) -> String {
    sqlx::query_scalar("SELECT object_url FROM export WHERE run_id = $1")
        .bind(run)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// What anyone who can write the export row can do.
async fn set_object_url(pool: &PgPool, run: &str, url: &str) {
    let done = sqlx::query("UPDATE export SET object_url = $1 WHERE run_id = $2")
        .bind(url)
        .bind(run)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1);
}

async fn actions(pool: &PgPool, run: &str, action: &str) -> Vec<crate::common::audit::AuditRow> {
    audit_rows(pool, AuditFilter::export(run).action(action)).await
}

/// url, download (to a file and to stdout) and prune all refuse `hostile`: exit 77,
/// nothing on stdout, no file written, the row untouched. Returns prune's stderr.
fn assert_all_refuse(
    env: &Env,
    envs: &[(&'static str, String)],
    run: &str,
    hostile: &str,
    dl_dir: &Path,
) -> String {
    let refuse = |args: &[&str]| {
        let out = env
            .cmd()
            .envs(envs.iter().cloned())
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(77), "{args:?} {hostile}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "{args:?} {hostile} printed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        stderr
    };
    let stderr = refuse(&["export", "url", run, "--as", "user_alice"]);
    assert!(
        stderr.contains("refusing") && stderr.contains(run),
        "{stderr}"
    );
    let target = dl_dir.join("out.csv");
    let target_arg = target.to_str().unwrap();
    refuse(&[
        "export",
        "download",
        run,
        "--as",
        "user_alice",
        "-o",
        target_arg,
    ]);
    assert_eq!(
        std::fs::read_dir(dl_dir).unwrap().count(),
        0,
        "download wrote nothing"
    );
    refuse(&["export", "download", run, "--as", "user_alice", "-o", "-"]);
    // A dry run says what the prune would refuse, and changes nothing.
    let dry = |json: bool| {
        let mut cmd = env.cmd();
        cmd.envs(envs.iter().cloned())
            .args(["export", "prune", "--older-than", "0s", "--dry-run"]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.assert().success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    };
    let report = crate::common::json_of(dry(true).as_bytes());
    let listed = report["exports"].as_array().unwrap();
    let this = listed
        .iter()
        .find(|e| e["runId"] == run)
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(this["refused"], true, "{hostile}: {report}");
    let text = dry(false);
    assert!(
        text.contains("would refuse 1 export(s)") && text.contains(run),
        "{hostile}: {text}"
    );
    let stderr = refuse(&["export", "prune", "--older-than", "0s"]);
    assert!(
        stderr.contains(run) && stderr.contains("refused"),
        "{stderr}"
    );
    stderr
}

#[sqlx::test]
async fn local_recorded_locations_outside_the_export_are_refused(pool: PgPool) {
    seed_demo(&pool, 30).await.unwrap();
    let env = Env::for_pool(&pool);
    let export_dir = env.path().join("exports");
    env.write_config(&format!("export_dir = \"{}\"\n", export_dir.display()));
    let run = finished_export(&env, &pool, "org_acme", "user_bob", &[]).await;
    let other = finished_export(&env, &pool, "org_globex", "user_dave", &[]).await;
    // Keep the other organization's export out of this test's prunes.
    sqlx::query("UPDATE export SET completed_at = now() + interval '1 day' WHERE run_id = $1")
        .bind(&other)
        .execute(&pool)
        .await
        .unwrap();
    let own_url = object_url(&pool, &run).await;
    let own_file = url::Url::parse(&own_url).unwrap().to_file_path().unwrap();
    let own_bytes = std::fs::read(&own_file).unwrap();
    let other_url = object_url(&pool, &other).await;
    let other_file = url::Url::parse(&other_url).unwrap().to_file_path().unwrap();
    let victim = env.path().join("victim.txt");
    std::fs::write(&victim, "not an export\n").unwrap();
    let victim_url = url::Url::from_file_path(&victim).unwrap().to_string();
    let passwd = std::fs::read("/etc/passwd").unwrap();
    let dl_dir = env.path().join("dl");
    std::fs::create_dir(&dl_dir).unwrap();

    let hostile = [
        "file:///etc/passwd".to_owned(),
        victim_url.clone(),
        other_url.clone(),
        // The export's own name, reached through `..` from another folder.
        own_url.replace("/org_acme/", "/org_globex/../org_acme/"),
        // The export's own name under another folder.
        victim_url.replace("victim.txt", &format!("org_acme/{run}.csv")),
        format!("s3://some-bucket/exports/org_acme/{run}.csv"),
    ];
    for url in &hostile {
        set_object_url(&pool, &run, url).await;
        assert_all_refuse(&env, &[], &run, url, &dl_dir);
        assert_eq!(export_status(&pool, &run).await, "completed", "{url}");
    }
    // Nothing was deleted, nothing read out.
    assert!(victim.exists());
    assert!(other_file.exists());
    assert_eq!(std::fs::read(&own_file).unwrap(), own_bytes);
    assert!(Path::new("/etc/passwd").exists());
    assert_eq!(std::fs::read("/etc/passwd").unwrap(), passwd);

    // Each refusal is audited: url and both downloads as the user, prune as system.
    let refused = actions(&pool, &run, "export.invoices.location_refused").await;
    assert_eq!(refused.len(), hostile.len() * 4, "{refused:#?}");
    assert_eq!(
        refused
            .iter()
            .filter(|r| r.actor_user_id.as_deref() == Some("user_alice"))
            .count(),
        hostile.len() * 3
    );
    assert!(
        refused
            .iter()
            .any(|r| r.payload["recordedUrl"] == "file:///etc/passwd"
                && r.payload["expectedUrl"] == own_url.as_str())
    );
    for action in [
        "export.invoices.link_issued",
        "export.invoices.downloaded",
        "export.invoices.expired",
    ] {
        assert!(actions(&pool, &run, action).await.is_empty(), "{action}");
    }

    // Put back, the export is reachable again and prune expires it for real.
    set_object_url(&pool, &run, &own_url).await;
    let out = env
        .cmd()
        .args(["export", "download", &run, "--as", "user_bob", "-o", "-"])
        .assert()
        .success();
    assert!(out.get_output().stdout == own_bytes);
    env.cmd()
        .args(["export", "prune", "--older-than", "0s"])
        .assert()
        .success();
    assert!(!own_file.exists());
    assert_eq!(export_status(&pool, &run).await, "expired");
    assert!(victim.exists() && other_file.exists());
}

#[sqlx::test]
async fn s3_recorded_locations_outside_the_export_are_refused(pool: PgPool) {
    seed_demo(&pool, 30).await.unwrap();
    let server = S3Server::shared();
    let bucket = server.new_bucket();
    let elsewhere = server.new_bucket();
    let envs = server.aws_env();
    let env = Env::for_pool(&pool);
    env.write_config(&format!("storage = \"s3://{bucket}/exports\"\n"));
    let run = finished_export(&env, &pool, "org_acme", "user_bob", &envs).await;
    let own_url = object_url(&pool, &run).await;
    assert_eq!(own_url, format!("s3://{bucket}/exports/org_acme/{run}.csv"));

    // Decoys: the same name in another bucket, under another prefix, and another
    // organization's folder of the same bucket.
    let decoys = [
        (elsewhere.clone(), format!("exports/org_acme/{run}.csv")),
        (bucket.clone(), format!("other/org_acme/{run}.csv")),
        (bucket.clone(), format!("exports/org_globex/{run}.csv")),
        (bucket.clone(), format!("org_acme/{run}.csv")),
    ];
    for (b, key) in &decoys {
        server
            .store(b)
            .put(&ObjectPath::from(key.as_str()), b"decoy".to_vec().into())
            .await
            .unwrap();
    }
    let dl_dir = env.path().join("dl");
    std::fs::create_dir(&dl_dir).unwrap();
    let mut hostile: Vec<String> = decoys
        .iter()
        .map(|(b, key)| format!("s3://{b}/{key}"))
        .collect();
    hostile.push("file:///etc/passwd".to_owned());
    hostile.push(format!(
        "s3://{bucket}/exports/org_acme/../org_acme/{run}.csv"
    ));
    for url in &hostile {
        set_object_url(&pool, &run, url).await;
        assert_all_refuse(&env, &envs, &run, url, &dl_dir);
        assert_eq!(export_status(&pool, &run).await, "completed", "{url}");
    }
    for (b, key) in &decoys {
        let got = server.store(b).get(&ObjectPath::from(key.as_str())).await;
        assert_eq!(
            got.unwrap().bytes().await.unwrap().as_ref(),
            b"decoy",
            "s3://{b}/{key} is untouched"
        );
    }
    let own_key = ObjectPath::from(format!("exports/org_acme/{run}.csv"));
    server.store(&bucket).head(&own_key).await.unwrap();
    let refused = actions(&pool, &run, "export.invoices.location_refused").await;
    assert_eq!(refused.len(), hostile.len() * 4);

    // Put back: a working link, then prune deletes the export's own object only.
    set_object_url(&pool, &run, &own_url).await;
    let out = env
        .cmd()
        .envs(envs.iter().cloned())
        .args(["export", "url", &run, "--as", "user_bob"])
        .assert()
        .success();
    let link = String::from_utf8_lossy(&out.get_output().stdout)
        .trim()
        .to_owned();
    assert_eq!(s3::http("GET", &link).unwrap().status, 200);
    env.cmd()
        .envs(envs.iter().cloned())
        .args(["export", "prune", "--older-than", "0s"])
        .assert()
        .success();
    assert!(matches!(
        server.store(&bucket).head(&own_key).await,
        Err(object_store::Error::NotFound { .. })
    ));
    for (b, key) in &decoys {
        server
            .store(b)
            .head(&ObjectPath::from(key.as_str()))
            .await
            .unwrap();
    }
}
