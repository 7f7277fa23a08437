//! Identity proven by PostgreSQL: logins linked to users, the modes (login, admin,
//! unmapped), and the rules enforced by the database itself — checked through psql
//! as the login, the way a person holding the same credential would try.
//!
//! Login roles are cluster-wide while each test has its own database, and tests run
//! in parallel: every login gets a random suffix and is dropped when its guard goes
//! (also when the test fails).

use std::process::Output;

use crate::common::{self, Env, count};
use sqlx::PgPool;

/// A login role on the test server, dropped with the guard.
struct Login {
    name: String,
}

impl Login {
    /// Creates `prefix_<random>` WITH LOGIN (trust authentication: no password), in
    /// `groups`.
    async fn create(pool: &PgPool, prefix: &str, groups: &[&str]) -> Login {
        let name = format!("{prefix}_{}", ulid::Ulid::new().to_string().to_lowercase());
        sqlx::query(&format!("CREATE ROLE {name} LOGIN"))
            .execute(pool)
            .await
            .unwrap();
        for group in groups {
            sqlx::query(&format!("GRANT {group} TO {name}"))
                .execute(pool)
                .await
                .unwrap();
        }
        Login { name }
    }

    /// The URL of the test's database as this login.
    fn url(&self, pool: &PgPool) -> String {
        let mut url = url::Url::parse(&common::pool_url(pool)).unwrap();
        url.set_username(&self.name).unwrap();
        url.set_password(None).unwrap();
        url.to_string()
    }

    /// The binary's environment connecting as this login.
    fn env(&self, pool: &PgPool) -> Env {
        Env::new(self.url(pool))
    }

    /// Runs one psql script as this login, stopping at the first error.
    fn psql(&self, pool: &PgPool, sql: &str) -> Output {
        std::process::Command::new("psql")
            .args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url(pool))
            .args(["-c", sql])
            .env_remove("PGPASSWORD")
            .output()
            .unwrap()
    }

    /// psql's output of a statement that must succeed.
    fn psql_ok(&self, pool: &PgPool, sql: &str) -> String {
        let out = self.psql(pool, sql);
        assert!(
            out.status.success(),
            "{sql} as {}: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// psql's error for a statement that must fail.
    fn psql_refused(&self, pool: &PgPool, sql: &str) -> String {
        let out = self.psql(pool, sql);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !out.status.success(),
            "{sql} as {} must fail, printed {:?}",
            self.name,
            String::from_utf8_lossy(&out.stdout)
        );
        stderr
    }
}

impl Drop for Login {
    fn drop(&mut self) {
        // Synchronous, so it also runs while a failed test unwinds.
        let _ = std::process::Command::new("psql")
            .args(["-X", "-q", "-d"])
            .arg(common::database_url("postgres"))
            .args(["-c", &format!("DROP ROLE IF EXISTS {}", self.name)])
            .output();
    }
}

/// The demo organizations: org_acme (alice owner, bob member, carol viewer),
/// org_globex (bob member, dave admin), org_initech (erin).
fn seed(env: &Env) {
    env.cmd()
        .args(["db", "seed", "--demo", "--invoices", "20"])
        .assert()
        .success();
}

/// Rows of the tables a request writes, as the superuser sees them.
async fn written(pool: &PgPool) -> [i64; 3] {
    [
        count(pool, "run").await,
        count(pool, "export").await,
        count(pool, "audit_log").await,
    ]
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An operator login linked to dave (org_globex only), after alice requested an
/// export of org_acme in admin mode.
async fn operator_of_globex(pool: &PgPool) -> (Env, Login, String) {
    let admin = Env::for_pool(pool);
    seed(&admin);
    let acme = common::json_ok(
        &admin,
        &["export", "start", "--org", "org_acme", "--as", "user_alice"],
    );
    let login = Login::create(pool, "op", &[]).await;
    let linked = common::json_ok(
        &admin,
        &["user", "link", "user_dave", "--login", &login.name],
    );
    assert_eq!(linked["changed"], true);
    (admin, login, acme["runId"].as_str().unwrap().to_owned())
}

#[sqlx::test]
async fn an_operator_in_psql_sees_and_changes_nothing_of_another_organization(pool: PgPool) {
    let (_admin, op, acme_run) = operator_of_globex(&pool).await;
    let before = written(&pool).await;

    // Reads: invoices refused outright; org_acme's exports, audit rows, runs and
    // run payloads invisible, also with app.org_id set to it.
    assert!(
        op.psql_refused(&pool, "SELECT count(*) FROM invoice")
            .contains("permission denied")
    );
    for sql in [
        "SELECT count(*) FROM export WHERE organization_id = 'org_acme'",
        "SELECT count(*) FROM audit_log WHERE organization_id = 'org_acme'",
        "SELECT count(*) FROM run WHERE payload->>'organizationId' = 'org_acme'",
        "SELECT count(*) FROM member WHERE organization_id = 'org_acme'",
        "SET app.org_id = 'org_acme'; SELECT count(*) FROM export",
    ] {
        assert_eq!(op.psql_ok(&pool, sql), "0", "{sql}");
    }
    assert_eq!(
        op.psql_ok(
            &pool,
            &format!("SELECT count(*) FROM run WHERE id = '{acme_run}'")
        ),
        "0"
    );
    assert_eq!(
        op.psql_ok(&pool, "SELECT string_agg(id, ',') FROM organization"),
        "org_globex"
    );

    // Writes: every table refused, the tenant role refused, the request function
    // refuses org_acme (dave is not a member) and acting as alice.
    for sql in [
        "INSERT INTO export (id, organization_id, requested_by, status, day_bucket, run_id) \
         VALUES ('exp_x', 'org_acme', 'user_dave', 'queued', current_date, 'run_x')",
        "UPDATE export SET status = 'failed'",
        "DELETE FROM audit_log",
        "UPDATE audit_log SET actor_user_id = 'user_dave'",
        "INSERT INTO audit_log (organization_id, action, subject_type, subject_id) \
         VALUES ('org_acme', 'x', 'export', 'run_x')",
        "INSERT INTO run (id, task_id, payload, queue, status, max_attempts) \
         VALUES ('run_x', 'export-invoices', '{}', 'export', 'queued', 1)",
        "UPDATE run SET status = 'canceled'",
        "INSERT INTO app_login (login, user_id) VALUES (current_user, 'user_alice')",
        "SELECT user_link(current_user, 'user_alice')",
        "SELECT run_insert('run_x', 't', '{}', 'q', '', 1, NULL, NULL, NULL, NULL, NULL, '{}', 1, 'c')",
    ] {
        let err = op.psql_refused(&pool, sql);
        assert!(
            err.contains("permission denied") || err.contains("may only"),
            "{sql}: {err}"
        );
    }
    let err = op.psql_refused(&pool, "SET ROLE invoicectl_tenant");
    assert!(err.contains("permission denied"), "{err}");
    let err = op.psql_refused(
        &pool,
        "SET app.org_id = 'org_acme'; SELECT * FROM export_request('{\"organizationId\": \"org_acme\"}')",
    );
    assert!(err.contains("is not a member of org_acme"), "{err}");
    let err = op.psql_refused(
        &pool,
        &format!(
            "SELECT export_record_access('{acme_run}', 'export.invoices.downloaded', NULL, '{{}}')"
        ),
    );
    assert!(err.contains("may not fetch the export"), "{err}");
    let err = op.psql_refused(
        &pool,
        &format!("SELECT * FROM export_cancel('{acme_run}', NULL)"),
    );
    assert!(err.contains("may not cancel the export"), "{err}");
    let err = op.psql_refused(
        &pool,
        "SELECT * FROM export_request('{\"organizationId\": \"org_globex\", \"asUser\": \"user_bob\"}')",
    );
    assert!(err.contains("cannot act as user_bob"), "{err}");
    assert_eq!(written(&pool).await, before, "nothing was written");
}

#[sqlx::test]
async fn an_operator_through_the_cli_exports_only_as_its_own_user(pool: PgPool) {
    let (admin, op, _) = operator_of_globex(&pool).await;
    let env = op.env(&pool);
    let before = written(&pool).await;

    let line = common::refused(env.cmd().args(["export", "start", "--org", "org_acme"]), 77);
    assert!(
        line.contains("user_dave is not a member of org_acme"),
        "{line}"
    );
    let line = common::refused(
        env.cmd().args([
            "export",
            "start",
            "--org",
            "org_globex",
            "--as",
            "user_alice",
        ]),
        77,
    );
    assert!(line.contains("cannot act as user_alice"), "{line}");
    assert_eq!(written(&pool).await, before, "refusals write nothing");

    let started = common::json_ok(&env, &["export", "start", "--org", "org_globex"]);
    assert_eq!(started["requestedBy"], "user_dave");
    assert_eq!(started["deduplicated"], false);
    let run_id = started["runId"].as_str().unwrap();
    let (payload, login): (serde_json::Value, Option<String>) = sqlx::query_as(
        "SELECT r.payload, a.actor_login FROM run r
         JOIN audit_log a ON a.subject_id = r.id AND a.action = 'export.invoices.requested'
         WHERE r.id = $1",
    )
    .bind(run_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(payload["requestedBy"], "user_dave");
    assert_eq!(login.as_deref(), Some(op.name.as_str()));

    // The same login sees its export, and the audit row naming it.
    let status = common::json_ok(&env, &["export", "status", run_id]);
    assert_eq!(status["runId"], run_id, "{status}");
    let tail = env
        .cmd()
        .args(["audit", "tail", "--org", "org_globex", "--json"])
        .assert()
        .success();
    let lines = common::ndjson(&tail.get_output().stdout);
    assert!(
        lines
            .iter()
            .any(|l| l["subjectId"] == run_id && l["actorLogin"] == op.name.as_str()),
        "{lines:?}"
    );
    admin.cmd().args(["audit", "verify"]).assert().success();

    let shown = common::json_ok(&env, &["config", "show"]);
    assert_eq!(shown["identity"]["mode"], "login", "{shown}");
    assert_eq!(shown["identity"]["user"], "user_dave");
    let verbose = env
        .cmd()
        .args(["-v", "export", "status", run_id])
        .output()
        .unwrap();
    assert!(
        stderr_of(&verbose).contains(&format!(
            "login {} in mode login, linked to user_dave",
            op.name
        )),
        "{}",
        stderr_of(&verbose)
    );

    let me = common::json_ok(&env, &["whoami"]);
    assert_eq!(me["login"], op.name.as_str());
    assert_eq!(me["user"], "user_dave");
    assert_eq!(me["mode"], "login");
    assert_eq!(me["groups"], serde_json::json!(["invoicectl_operator"]));
    assert_eq!(
        me["organizations"],
        serde_json::json!([{"id": "org_globex", "role": "admin"}])
    );
}

#[sqlx::test]
async fn an_unmapped_login_is_refused_with_the_command_that_fixes_it(pool: PgPool) {
    let admin = Env::for_pool(&pool);
    seed(&admin);
    let login = Login::create(&pool, "nobody", &[]).await;
    let env = login.env(&pool);
    let before = written(&pool).await;
    for args in [
        &[
            "export",
            "start",
            "--org",
            "org_globex",
            "--as",
            "user_dave",
        ][..],
        &["export", "status"],
        &["org", "list"],
    ] {
        let line = common::refused(env.cmd().args(args), 77);
        assert!(
            line.contains(&format!("invoicectl user link USER --login {}", login.name)),
            "{args:?}: {line}"
        );
    }
    assert_eq!(written(&pool).await, before);
    let me = common::json_ok(&env, &["whoami"]);
    assert_eq!(me["mode"], "unmapped");
    assert_eq!(me["user"], serde_json::Value::Null);
    assert!(
        login
            .psql_refused(&pool, "SELECT * FROM export_request('{\"organizationId\": \"org_globex\", \"asUser\": \"user_dave\"}')")
            .contains("is not linked")
    );
    let admin_me = common::json_ok(&admin, &["whoami"]);
    assert_eq!(admin_me["mode"], "admin");
}

#[sqlx::test]
async fn linking_refuses_unknown_names_a_second_user_and_non_admins(pool: PgPool) {
    let admin = Env::for_pool(&pool);
    seed(&admin);
    let login = Login::create(&pool, "lnk", &[]).await;
    let typo = format!("{}x", login.name);
    let line = common::refused(
        admin
            .cmd()
            .args(["user", "link", "user_alice", "--login", &typo]),
        66,
    );
    assert!(
        line.contains(&format!("did you mean {}?", login.name)),
        "{line}"
    );
    let line = common::refused(
        admin
            .cmd()
            .args(["user", "link", "user_alicee", "--login", &login.name]),
        66,
    );
    assert!(line.contains("did you mean user_alice?"), "{line}");

    common::json_ok(
        &admin,
        &["user", "link", "user_alice", "--login", &login.name],
    );
    let again = common::json_ok(
        &admin,
        &["user", "link", "user_alice", "--login", &login.name],
    );
    assert_eq!(again["changed"], false);
    let line = common::refused(
        admin
            .cmd()
            .args(["user", "link", "user_bob", "--login", &login.name]),
        65,
    );
    assert!(line.contains("already linked to user user_alice"), "{line}");

    // The linked login itself may not link or list: admin only, in the CLI and in
    // the database.
    let env = login.env(&pool);
    common::refused(env.cmd().args(["user", "list"]), 77);
    common::refused(
        env.cmd()
            .args(["user", "link", "user_bob", "--login", &login.name]),
        77,
    );

    let list = common::json_ok(&admin, &["user", "list"]);
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["login"] == login.name.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["userId"], "user_alice");
    assert_eq!(row["loginExists"], true);
    assert_eq!(row["groups"], serde_json::json!(["invoicectl_operator"]));
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE organization_id IS NULL AND action = 'user.login.linked' AND subject_id = $1",
    )
    .bind(&login.name)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1, "one link, one entry on the system chain");

    // A login dropped from the server while linked: listed as missing.
    sqlx::query(&format!("DROP ROLE {}", login.name))
        .execute(&pool)
        .await
        .unwrap();
    let list = common::json_ok(&admin, &["user", "list"]);
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["login"] == login.name.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["loginExists"], false);
    let table = admin.cmd().args(["user", "list"]).assert().success();
    let table = String::from_utf8_lossy(&table.get_output().stdout).into_owned();
    assert!(table.contains("dropped from the server"), "{table}");

    let unlinked = common::json_ok(&admin, &["user", "unlink", "--login", &login.name]);
    assert_eq!(unlinked["userId"], "user_alice");
    common::refused(
        admin.cmd().args(["user", "unlink", "--login", &login.name]),
        66,
    );
    admin.cmd().args(["audit", "verify"]).assert().success();
}

#[sqlx::test]
async fn a_worker_login_drains_the_queue_but_cannot_request_or_rewrite(pool: PgPool) {
    let admin = Env::for_pool(&pool);
    seed(&admin);
    let started = common::json_ok(
        &admin,
        &["export", "start", "--org", "org_acme", "--as", "user_alice"],
    );
    let run_id = started["runId"].as_str().unwrap();
    let worker = Login::create(&pool, "wk", &["invoicectl_worker"]).await;
    let env = worker.env(&pool);
    let out = env
        .cmd()
        .args(["export", "worker", "--drain"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(common::runs::run_status(&pool, run_id).await, "completed");
    let (rows, email): (Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT e.row_count, r.output->>'email' FROM export e JOIN run r ON r.id = e.run_id
         WHERE e.run_id = $1",
    )
    .bind(run_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rows, Some(20));
    let completed_by: Option<String> = sqlx::query_scalar(
        "SELECT actor_login FROM audit_log WHERE action = 'export.invoices.completed' AND subject_id = $1",
    )
    .bind(run_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        completed_by.as_deref(),
        Some(worker.name.as_str()),
        "email: {email:?}"
    );

    let before = written(&pool).await;
    for sql in [
        "INSERT INTO run (id, task_id, payload, queue, status, max_attempts) \
         VALUES ('run_x', 'export-invoices', '{}', 'export', 'queued', 1)",
        "SELECT run_insert('run_01aaaaaaaaaaaaaaaaaaaaaaaa', 'export-invoices', '{}', 'export', 'org_acme', 1, NULL, NULL, NULL, NULL, NULL, '{}', 1, 'c')",
        "UPDATE audit_log SET actor_user_id = NULL",
        "SELECT email FROM app_user",
        "SELECT * FROM export_request('{\"organizationId\": \"org_acme\", \"asUser\": \"user_alice\"}')",
    ] {
        let err = worker.psql_refused(&pool, sql);
        assert!(
            err.contains("permission denied")
                || err.contains("may only")
                || err.contains("is not linked"),
            "{sql}: {err}"
        );
    }
    assert_eq!(written(&pool).await, before);
    admin.cmd().args(["audit", "verify"]).assert().success();
}

#[sqlx::test(migrations = false)]
async fn rows_written_before_logins_were_recorded_keep_their_hashes_and_verify(pool: PgPool) {
    use invoicectl::db::MIGRATOR;
    // The schema as it was before this feature: every migration older than the one
    // that records logins. (The migrator's fields are what `sqlx::migrate!` fills
    // in; building one from a subset is the only way to stop at a version.)
    const IDENTITY: i64 = 20261207400000;
    let before = sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(
            MIGRATOR
                .iter()
                .filter(|m| m.version < IDENTITY)
                .cloned()
                .collect(),
        ),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    before.run(&pool).await.unwrap();
    invoicectl::db::seed::seed_demo(&pool, 5).await.unwrap();
    sqlx::query(
        "INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
         VALUES ('org_acme', 'user_alice', 'export.invoices.requested', 'export', 'run_old1', '{\"n\": 1}'),
                ('org_acme', NULL, 'export.invoices.completed', 'export', 'run_old1', '{}'),
                (NULL, NULL, 'email.suppression.added', 'email_suppression', 'x@example.com', '{}')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let old: Vec<(i64, String)> = sqlx::query_as("SELECT id, hash FROM audit_log ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();

    MIGRATOR.run(&pool).await.unwrap();
    let env = Env::for_pool(&pool);
    common::json_ok(
        &env,
        &["export", "start", "--org", "org_acme", "--as", "user_bob"],
    );
    let rows: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, hash, actor_login FROM audit_log ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 4);
    for ((id, hash), row) in old.iter().zip(&rows) {
        assert_eq!(
            (id, hash, None),
            (&row.0, &row.1, row.2.clone()),
            "old row untouched"
        );
    }
    assert_eq!(
        rows[3].2.as_deref(),
        Some("postgres"),
        "the new row names its login"
    );
    let out = env
        .cmd()
        .args(["audit", "verify", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let report = common::json_of(&out.stdout);
    assert!(report.to_string().contains("\"rowsChecked\":3"), "{report}");
}

#[sqlx::test]
async fn a_membership_removed_between_request_and_run_stops_the_export_at_load(pool: PgPool) {
    let env = Env::for_pool(&pool);
    seed(&env);
    let started = common::json_ok(
        &env,
        &["export", "start", "--org", "org_globex", "--as", "user_bob"],
    );
    let run_id = started["runId"].as_str().unwrap();
    sqlx::query("DELETE FROM member WHERE organization_id = 'org_globex' AND user_id = 'user_bob'")
        .execute(&pool)
        .await
        .unwrap();
    env.cmd()
        .args(["export", "worker", "--drain"])
        .assert()
        .success();
    assert_eq!(common::runs::run_status(&pool, run_id).await, "failed");
    let (status, error, rows): (String, Option<String>, Option<i64>) =
        sqlx::query_as("SELECT status, error, row_count FROM export WHERE run_id = $1")
            .bind(run_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "failed");
    assert!(
        error
            .as_deref()
            .unwrap_or("")
            .contains("user_bob is no longer a member of org_globex"),
        "{error:?}"
    );
    assert_eq!(rows, None);
    let failed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'export.invoices.failed' AND subject_id = $1",
    )
    .bind(run_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(failed, 1, "the refusal is audited");
    let csvs = walkdir(&env.data_dir());
    assert!(csvs.is_empty(), "no CSV written: {csvs:?}");
}

/// Every file under `dir` (none when it does not exist).
fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

#[sqlx::test]
async fn a_delegate_acts_for_a_user_and_the_audit_row_names_both(pool: PgPool) {
    let admin = Env::for_pool(&pool);
    seed(&admin);
    let ci = Login::create(&pool, "ci", &["invoicectl_delegate"]).await;
    common::json_ok(&admin, &["user", "link", "user_erin", "--login", &ci.name]);
    let env = ci.env(&pool);
    let started = common::json_ok(
        &env,
        &[
            "export",
            "start",
            "--org",
            "org_globex",
            "--as",
            "user_dave",
        ],
    );
    assert_eq!(started["requestedBy"], "user_dave");
    let (actor, login, payload): (String, String, serde_json::Value) = sqlx::query_as(
        "SELECT actor_user_id, actor_login, payload FROM audit_log
         WHERE action = 'export.invoices.requested' AND subject_id = $1",
    )
    .bind(started["runId"].as_str().unwrap())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (actor.as_str(), login.as_str()),
        ("user_dave", ci.name.as_str())
    );
    assert_eq!(payload["delegatedBy"], "user_erin");
    // The gate still applies to the user acted for.
    let line = common::refused(
        env.cmd().args([
            "export",
            "start",
            "--org",
            "org_globex",
            "--as",
            "user_carol",
        ]),
        77,
    );
    assert!(
        line.contains("user_carol is not a member of org_globex"),
        "{line}"
    );

    // A member of invoicectl_admin is an admin without being a superuser.
    let ops = Login::create(&pool, "adm", &["invoicectl_admin"]).await;
    let ops_env = ops.env(&pool);
    assert_eq!(common::json_ok(&ops_env, &["whoami"])["mode"], "admin");
    let started = common::json_ok(
        &ops_env,
        &["export", "start", "--org", "org_acme", "--as", "user_alice"],
    );
    assert_eq!(started["requestedBy"], "user_alice");
    common::json_ok(
        &ops_env,
        &["export", "status", started["runId"].as_str().unwrap()],
    );
}

#[sqlx::test]
async fn an_operator_fetches_an_s3_export_without_the_storage_secret(pool: PgPool) {
    let s3 = common::s3::S3Server::shared();
    let bucket = s3.new_bucket();
    let (admin, op, _) = operator_of_globex(&pool).await;
    let env = op.env(&pool);
    let started = common::json_ok(&env, &["export", "start", "--org", "org_globex"]);
    let run_id = started["runId"].as_str().unwrap().to_owned();

    // The worker (a worker login) holds the S3 credentials; the operator does not.
    let worker = Login::create(&pool, "wk", &["invoicectl_worker"]).await;
    let worker_env = worker.env(&pool);
    worker_env.write_config(&format!("storage = \"s3://{bucket}/exports\"\n"));
    let out = worker_env
        .cmd()
        .envs(s3.aws_env())
        .args(["export", "worker", "--drain"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let (stored, sha256): (String, String) =
        sqlx::query_as("SELECT download_url, sha256 FROM export WHERE run_id = $1")
            .bind(&run_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(stored.starts_with("http://127.0.0.1"), "{stored}");

    let url = common::json_ok(&env, &["export", "url", &run_id]);
    assert_eq!(
        url["downloadUrl"],
        stored.as_str(),
        "the stored link, not a new one"
    );
    let line = common::refused(
        env.cmd()
            .args(["export", "url", &run_id, "--expires", "1h"]),
        65,
    );
    assert!(line.contains("storage credentials"), "{line}");

    let file = env.path().join("globex.csv");
    let out = env
        .cmd()
        .args(["export", "download", &run_id, "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
        sha256
    );
    assert!(!stderr_of(&out).contains(common::s3::SECRET_KEY));

    let logins: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT action, actor_login FROM audit_log
         WHERE subject_id = $1 AND action IN ('export.invoices.link_issued', 'export.invoices.downloaded')
         ORDER BY id",
    )
    .bind(&run_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        logins,
        [
            (
                "export.invoices.link_issued".to_owned(),
                Some(op.name.clone())
            ),
            (
                "export.invoices.downloaded".to_owned(),
                Some(op.name.clone())
            ),
        ]
    );
    admin.cmd().args(["audit", "verify"]).assert().success();
}

#[sqlx::test]
async fn an_operator_cancels_only_exports_its_user_may(pool: PgPool) {
    let (admin, dave, acme_run) = operator_of_globex(&pool).await;
    let bob = Login::create(&pool, "bob", &[]).await;
    common::json_ok(&admin, &["user", "link", "user_bob", "--login", &bob.name]);
    let dave_env = dave.env(&pool);
    let bob_env = bob.env(&pool);
    let daves = common::json_ok(&dave_env, &["export", "start", "--org", "org_globex"]);
    let daves = daves["runId"].as_str().unwrap();
    let bobs = common::json_ok(&bob_env, &["export", "start", "--org", "org_globex"]);
    let bobs = bobs["runId"].as_str().unwrap();
    let before = written(&pool).await;

    // bob is a plain member: not dave's export, not org_acme's (in psql either).
    let line = common::refused(bob_env.cmd().args(["export", "cancel", daves]), 77);
    assert!(line.contains("may not cancel the export"), "{line}");
    let err = dave.psql_refused(
        &pool,
        &format!("SELECT * FROM export_cancel('{acme_run}', NULL)"),
    );
    assert!(err.contains("may not cancel"), "{err}");
    assert_eq!(written(&pool).await, before, "refusals write nothing");
    assert_eq!(common::runs::run_status(&pool, daves).await, "queued");

    // His own, yes; dave (admin of org_globex) may cancel bob's too.
    common::json_ok(&bob_env, &["export", "cancel", bobs]);
    assert_eq!(common::runs::run_status(&pool, bobs).await, "canceled");
    common::json_ok(&dave_env, &["export", "cancel", daves]);
    let actors: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT subject_id, actor_user_id, actor_login FROM audit_log
         WHERE action = 'export.invoices.canceled' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        actors,
        [
            (bobs.to_owned(), "user_bob".to_owned(), bob.name.clone()),
            (daves.to_owned(), "user_dave".to_owned(), dave.name.clone()),
        ]
    );
    let status: String = sqlx::query_scalar("SELECT status FROM export WHERE run_id = $1")
        .bind(daves)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "canceled");
    admin.cmd().args(["audit", "verify"]).assert().success();
}

/// The rows a scoped start, a schedule change, a retry or a pause writes, as the
/// superuser sees them: runs, exports, audit rows, schedules (and their paused,
/// removed and fired states), paused lanes.
async fn written_by_definers(pool: &PgPool) -> [i64; 5] {
    let [runs, exports, audit] = written(pool).await;
    let schedules: i64 = sqlx::query_scalar(
        "SELECT (count(*) + count(paused_at) + count(removed_at) + coalesce(sum(fired_count), 0))::bigint
         FROM export_schedule",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let paused: i64 = sqlx::query_scalar("SELECT count(paused_at) FROM run_lane")
        .fetch_one(pool)
        .await
        .unwrap();
    [runs, exports, audit, schedules, paused]
}

/// A monthly schedule of org_acme owned by `owner`, added in admin mode: its id.
fn schedule_of_acme(admin: &Env, owner: &str) -> String {
    let added = common::json_ok(
        admin,
        &[
            "export",
            "schedule",
            "add",
            "--org",
            "org_acme",
            "--cron",
            "0 6 1 * *",
            "--as",
            owner,
        ],
    );
    added["id"].as_str().unwrap().to_owned()
}

/// Links a new login to `user`; returns it with its environment.
async fn linked(pool: &PgPool, admin: &Env, user: &str) -> (Login, Env) {
    let login = Login::create(pool, user.trim_start_matches("user_"), &[]).await;
    common::json_ok(admin, &["user", "link", user, "--login", &login.name]);
    let env = login.env(pool);
    (login, env)
}

#[sqlx::test]
async fn a_linked_login_starts_scoped_schedules_retries_and_pauses_as_its_own_user(pool: PgPool) {
    let admin = Env::for_pool(&pool);
    seed(&admin);
    let (alice, env) = linked(&pool, &admin, "user_alice").await;
    let scoped = [
        "export", "start", "--org", "org_acme", "--period", "2026-11",
    ];

    // A scoped start; the same scope the same day returns it, another does not.
    let first = common::json_ok(&env, &scoped);
    assert_eq!(first["requestedBy"], "user_alice", "{first}");
    assert_eq!(first["deduplicated"], false);
    assert_eq!(first["scope"]["period"], "2026-11");
    let run = first["runId"].as_str().unwrap().to_owned();
    let again = common::json_ok(&env, &scoped);
    assert_eq!(
        (again["runId"].as_str(), again["deduplicated"].as_bool()),
        (Some(run.as_str()), Some(true))
    );
    let other = common::json_ok(
        &env,
        &[
            "export", "start", "--org", "org_acme", "--period", "2026-10",
        ],
    );
    assert_eq!(other["deduplicated"], false);
    assert_ne!(other["runId"], first["runId"]);
    let stored: serde_json::Value =
        sqlx::query_scalar("SELECT scope FROM export WHERE run_id = $1")
            .bind(&run)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, first["scope"]);

    // Retry of its canceled export, twice: one new export, with the same scope.
    common::json_ok(&env, &["export", "cancel", &run]);
    let retried = common::json_ok(&env, &["export", "retry", &run]);
    assert_eq!(retried["requestedBy"], "user_alice", "{retried}");
    assert_eq!(retried["deduplicated"], false);
    assert_eq!(retried["scope"], first["scope"]);
    let twice = common::json_ok(&env, &["export", "retry", &run]);
    assert_eq!(
        (twice["runId"].clone(), twice["deduplicated"].clone()),
        (retried["runId"].clone(), true.into())
    );

    // A schedule, paused, resumed, removed.
    let added = common::json_ok(
        &env,
        &[
            "export",
            "schedule",
            "add",
            "--org",
            "org_acme",
            "--cron",
            "0 6 1 * *",
            "--period",
            "previous-month",
        ],
    );
    assert_eq!(added["requestedBy"], "user_alice", "{added}");
    let id = added["id"].as_str().unwrap();
    let listed = common::json_ok(&env, &["export", "schedule", "list", "--org", "org_acme"]);
    assert_eq!(listed[0]["id"], id, "{listed}");
    for (verb, state) in [
        ("pause", "paused"),
        ("resume", "active"),
        ("remove", "removed"),
    ] {
        let changed = common::json_ok(&env, &["export", "schedule", verb, id]);
        assert_eq!(changed["state"], state, "{verb}: {changed}");
    }

    // Its organization's exports, paused and resumed (alice owns org_acme).
    let paused = common::json_ok(
        &env,
        &[
            "export",
            "pause",
            "--org",
            "org_acme",
            "--reason",
            "fixing data",
        ],
    );
    assert_eq!(paused["changed"], true, "{paused}");
    assert_eq!(paused["pause"]["pausedBy"], "user_alice");
    let resumed = common::json_ok(&env, &["export", "resume", "--org", "org_acme"]);
    assert_eq!(resumed["changed"], true, "{resumed}");

    // Every write was the login's, as its user.
    let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT action, actor_user_id, actor_login FROM audit_log
         WHERE action LIKE 'export.%' AND action <> 'export.invoices.canceled' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "export.invoices.requested",
            "export.invoices.requested",
            "export.invoices.requested",
            "export.invoices.retried",
            "export.schedule.created",
            "export.schedule.paused",
            "export.schedule.resumed",
            "export.schedule.removed",
            "export.lane.paused",
            "export.lane.resumed",
        ]
    );
    for (action, user, login) in &rows {
        assert_eq!(user.as_deref(), Some("user_alice"), "{action}");
        assert_eq!(login.as_deref(), Some(alice.name.as_str()), "{action}");
    }
    admin.cmd().args(["audit", "verify"]).assert().success();
}

#[sqlx::test]
async fn a_linked_login_is_refused_for_others_and_below_the_gate_as_export_start_is(pool: PgPool) {
    let admin = Env::for_pool(&pool);
    seed(&admin);
    let as_alice = ["--as", "user_alice"];
    let sched = schedule_of_acme(&admin, "user_alice");
    let run = common::runs::start_json(&admin, "org_acme", "user_alice", &["--period", "2026-11"]);
    let run = run["runId"].as_str().unwrap().to_owned();
    common::json_ok(&admin, &["export", "cancel", &run, "--as", "user_alice"]);
    let (_bob, bob) = linked(&pool, &admin, "user_bob").await;
    let (_carol, carol) = linked(&pool, &admin, "user_carol").await;
    let (_dave, dave) = linked(&pool, &admin, "user_dave").await;
    let before = written_by_definers(&pool).await;

    // Acting for another user: refused as `export start` refuses it.
    let commands: [Vec<&str>; 6] = [
        vec![
            "export", "start", "--org", "org_acme", "--period", "2026-11",
        ],
        vec![
            "export",
            "schedule",
            "add",
            "--org",
            "org_acme",
            "--cron",
            "0 6 1 * *",
        ],
        vec!["export", "schedule", "pause", &sched],
        vec!["export", "retry", &run],
        vec!["export", "pause", "--org", "org_acme"],
        vec!["export", "resume", "--org", "org_acme"],
    ];
    let unscoped = common::refused(
        bob.cmd()
            .args(["export", "start", "--org", "org_acme", "--as", "user_alice"]),
        77,
    );
    assert!(unscoped.contains("cannot act as user_alice"), "{unscoped}");
    for args in &commands {
        let line = common::refused(bob.cmd().args(args).args(as_alice), 77);
        assert!(
            line.contains("cannot act as user_alice"),
            "{args:?}: {line}"
        );
    }

    // A viewer (carol) and a non-member (dave): exit 77, in export start's words
    // where they request an export.
    for (env, words) in [
        (&carol, "is a viewer of org_acme"),
        (&dave, "is not a member of org_acme"),
    ] {
        let unscoped =
            common::refused(env.cmd().args(["export", "start", "--org", "org_acme"]), 77);
        assert!(unscoped.contains(words), "{unscoped}");
        for args in &commands[..2] {
            let line = common::refused(env.cmd().args(args), 77);
            assert!(line.contains(words), "{args:?}: {line}");
        }
        for (args, words) in [
            (&commands[2], "may not change schedule"),
            (&commands[3], "may not retry the export"),
            (&commands[4], "needs role admin or owner"),
            (&commands[5], "needs role admin or owner"),
        ] {
            let line = common::refused(env.cmd().args(args), 77);
            assert!(line.contains(words), "{args:?}: {line}");
        }
    }
    // A member that is not an admin may not pause the organization either.
    let line = common::refused(bob.cmd().args(&commands[4]), 77);
    assert!(line.contains("user_bob is a member of org_acme"), "{line}");
    assert_eq!(
        written_by_definers(&pool).await,
        before,
        "refusals write nothing"
    );
}

#[sqlx::test]
async fn in_psql_a_linked_login_writes_schedules_and_pauses_only_through_the_gate(pool: PgPool) {
    let (admin, dave, acme_run) = operator_of_globex(&pool).await;
    common::json_ok(
        &admin,
        &["export", "cancel", &acme_run, "--as", "user_alice"],
    );
    let sched = schedule_of_acme(&admin, "user_alice");
    let before = written_by_definers(&pool).await;

    // The tables, and the functions only workers and the database itself call.
    for sql in [
        "INSERT INTO export_schedule (id, organization_id, requested_by, cron, next_tick_at) \
         VALUES ('sched_x', 'org_globex', 'user_dave', '* * * * *', now())"
            .to_owned(),
        "UPDATE export_schedule SET paused_at = now()".to_owned(),
        "DELETE FROM export_schedule".to_owned(),
        format!("INSERT INTO export_schedule_tick (schedule_id, tick_at, outcome) VALUES ('{sched}', now(), 'fired')"),
        "UPDATE export_scheduler SET last_pass_at = now()".to_owned(),
        "INSERT INTO run_lane (queue, concurrency_key, concurrency_limit, paused_at) \
         VALUES ('export', 'org_acme', 1, now())"
            .to_owned(),
        "UPDATE run_lane SET paused_at = now()".to_owned(),
        "SELECT export_scheduler_pass()".to_owned(),
        "SELECT * FROM export_schedule_due(now())".to_owned(),
        format!(
            "SELECT * FROM export_schedule_fire('{sched}', now(), now() + interval '1 day', 0, NULL, NULL, false, NULL, NULL)"
        ),
        "SELECT * FROM export_enqueue('org_acme', 'user_dave', NULL, 'k', NULL, NULL, NULL, NULL, NULL, NULL)"
            .to_owned(),
        "SELECT export_gate('org_acme', 'user_dave', false)".to_owned(),
        "SELECT run_lane_pause('export', 'org_acme', 1, 'user_dave', NULL)".to_owned(),
    ] {
        let err = dave.psql_refused(&pool, &sql);
        assert!(err.contains("permission denied"), "{sql}: {err}");
    }

    // The functions, with forged requester fields: the session decides.
    let schedule = |fields: &str| {
        format!(
            "SELECT export_schedule_add('{{\"id\": \"sched_forged\", \"cron\": \"0 6 1 * *\", \
             \"nextTickAt\": \"2099-01-01T00:00:00Z\", {fields}}}')"
        )
    };
    let scope = r#""scope": {"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "period": "2026-11"}"#;
    for (sql, words) in [
        (
            format!(
                "SELECT * FROM export_request('{{\"organizationId\": \"org_acme\", {scope}}}')"
            ),
            "user_dave is not a member of org_acme",
        ),
        (
            format!(
                "SELECT * FROM export_request('{{\"organizationId\": \"org_globex\", \"asUser\": \"user_bob\", {scope}}}')"
            ),
            "cannot act as user_bob",
        ),
        (
            format!(
                "SELECT * FROM export_request('{{\"organizationId\": \"org_globex\", \"requestedBy\": \"user_bob\", {scope}}}')"
            ),
            "takes organizationId, asUser, force, runId, exportId and scope only",
        ),
        (
            schedule(r#""organizationId": "org_acme""#),
            "user_dave is not a member of org_acme",
        ),
        (
            schedule(r#""organizationId": "org_globex", "asUser": "user_bob""#),
            "cannot act as user_bob",
        ),
        (
            schedule(r#""organizationId": "org_globex", "requestedBy": "user_bob""#),
            "takes id, organizationId",
        ),
        (
            format!("SELECT export_schedule_change('{sched}', NULL, 'remove', NULL)"),
            "user_dave may not change schedule",
        ),
        (
            format!("SELECT export_schedule_change('{sched}', 'user_alice', 'pause', NULL)"),
            "cannot act as user_alice",
        ),
        (
            "SELECT export_pause('org_acme', NULL, 'x')".to_owned(),
            "user_dave is not a member of org_acme",
        ),
        (
            "SELECT export_resume('org_globex', 'user_bob')".to_owned(),
            "cannot act as user_bob",
        ),
        (
            format!("SELECT * FROM export_retry('{acme_run}', NULL, NULL, NULL)"),
            "user_dave may not retry the export",
        ),
        (
            format!("SELECT * FROM export_retry('{acme_run}', 'user_alice', NULL, NULL)"),
            "cannot act as user_alice",
        ),
    ] {
        let err = dave.psql_refused(&pool, &sql);
        assert!(err.contains(words), "{sql}: {err}");
    }

    // Reads: its own organization's schedules only, also with app.org_id set.
    assert_eq!(
        dave.psql_ok(
            &pool,
            "SET app.org_id = 'org_acme'; SELECT count(*) FROM export_schedule"
        ),
        "0"
    );
    assert_eq!(
        written_by_definers(&pool).await,
        before,
        "nothing was written"
    );
}

#[sqlx::test]
async fn a_worker_login_fires_due_ticks_and_rechecks_the_owner_each_time(pool: PgPool) {
    let admin = Env::for_pool(&pool);
    seed(&admin);
    let sched = schedule_of_acme(&admin, "user_bob");
    let worker = Login::create(&pool, "wk", &["invoicectl_worker"]).await;
    let env = worker.env(&pool);
    // Due now: the test moves the next tick into the past rather than waiting.
    let make_due = |ago: i32| {
        sqlx::query(
            "UPDATE export_schedule
             SET next_tick_at = date_trunc('second', now()) - make_interval(mins => $2)
             WHERE id = $1",
        )
        .bind(&sched)
        .bind(ago)
        .execute(&pool)
    };
    let drain = || {
        let out = env
            .cmd()
            .args(["export", "worker", "--drain"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
    };
    let state = || {
        sqlx::query_as::<_, (i64, i64, Option<String>, Option<String>)>(
            "SELECT fired_count, failed_count, last_error, last_run_id FROM export_schedule WHERE id = $1",
        )
        .bind(&sched)
        .fetch_one(&pool)
    };

    make_due(60).await.unwrap();
    drain();
    let (fired, failed, _, run) = state().await.unwrap();
    assert_eq!((fired, failed), (1, 0));
    let run = run.expect("the tick's run");
    let (owner, actor, login): (String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT e.requested_by, a.actor_user_id, a.actor_login FROM export e
         JOIN audit_log a ON a.subject_id = e.run_id AND a.action = 'export.invoices.requested'
         WHERE e.run_id = $1 AND e.schedule_id = $2",
    )
    .bind(&run)
    .bind(&sched)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (owner.as_str(), actor.as_deref()),
        ("user_bob", Some("user_bob"))
    );
    assert_eq!(login.as_deref(), Some(worker.name.as_str()));

    // bob leaves org_acme: the next tick is refused by the gate, and recorded.
    sqlx::query("DELETE FROM member WHERE organization_id = 'org_acme' AND user_id = 'user_bob'")
        .execute(&pool)
        .await
        .unwrap();
    make_due(30).await.unwrap();
    drain();
    let (fired, failed, error, _) = state().await.unwrap();
    assert_eq!((fired, failed), (1, 1));
    let error = error.unwrap_or_default();
    assert!(
        error.contains("user_bob is not a member of org_acme"),
        "{error}"
    );
    // The worker login itself may not move a schedule.
    let err = worker.psql_refused(&pool, "UPDATE export_schedule SET next_tick_at = now()");
    assert!(err.contains("permission denied"), "{err}");
    admin.cmd().args(["audit", "verify"]).assert().success();
}

/// A PostgreSQL cluster of the test's own, with `scram-sha-256` for every TCP
/// login, run as the `postgres` OS user (initdb refuses root); stopped on drop.
struct ScramCluster {
    dir: tempfile::TempDir,
    port: u16,
}

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
const SUPERUSER_PASSWORD: &str = "super-8c1f";

impl ScramCluster {
    fn as_postgres(args: &[&str]) -> Output {
        let out = std::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
        out
    }

    fn start() -> ScramCluster {
        let dir = tempfile::tempdir().unwrap();
        let chown = std::process::Command::new("chown")
            .args(["postgres:postgres"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(chown.success());
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, SUPERUSER_PASSWORD).unwrap();
        std::process::Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&pwfile)
            .status()
            .unwrap();
        Self::as_postgres(&[
            &format!("{PG_BIN}/initdb"),
            "-D",
            data.to_str().unwrap(),
            "-U",
            "postgres",
            "--auth-host=scram-sha-256",
            "--auth-local=scram-sha-256",
            &format!("--pwfile={}", pwfile.display()),
        ]);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1",
            dir.path().display()
        );
        Self::as_postgres(&[
            &format!("{PG_BIN}/pg_ctl"),
            "-D",
            data.to_str().unwrap(),
            "-o",
            &options,
            "-l",
            dir.path().join("log").to_str().unwrap(),
            "-w",
            "start",
        ]);
        ScramCluster { dir, port }
    }

    fn url(&self, user: &str, password: &str) -> String {
        format!(
            "postgres://{user}:{password}@127.0.0.1:{}/invoicectl",
            self.port
        )
    }
}

impl Drop for ScramCluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(format!("{PG_BIN}/pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

#[test]
fn with_scram_a_wrong_password_is_refused_and_the_right_one_gets_login_mode() {
    let cluster = ScramCluster::start();
    let hba = std::fs::read_to_string(cluster.dir.path().join("data/pg_hba.conf")).unwrap();
    assert!(
        hba.lines()
            .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
            .all(|l| l.trim_end().ends_with("scram-sha-256")),
        "{hba}"
    );
    let admin = Env::new(cluster.url("postgres", SUPERUSER_PASSWORD));
    admin.cmd().args(["db", "setup"]).assert().success();
    admin
        .cmd()
        .args(["db", "seed", "--demo", "--invoices", "5"])
        .assert()
        .success();
    let superuser = cluster.url("postgres", SUPERUSER_PASSWORD);
    let psql = |sql: &str| {
        let out = std::process::Command::new("psql")
            .args([
                "-X",
                "-q",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                &superuser,
                "-c",
                sql,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{sql}: {}", stderr_of(&out));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    psql("CREATE ROLE alice LOGIN PASSWORD 'right-horse-7'");
    assert!(
        psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'alice'")
            .starts_with("SCRAM-SHA-256$")
    );
    common::json_ok(&admin, &["user", "link", "user_alice", "--login", "alice"]);

    let wrong = Env::new(cluster.url("alice", "wrong-horse"));
    let line = common::refused(wrong.cmd().args(["whoami"]), 69);
    assert!(line.contains("refused role \"alice\""), "{line}");
    assert!(!line.contains("wrong-horse"), "{line}");
    common::refused(
        wrong.cmd().args(["export", "start", "--org", "org_acme"]),
        69,
    );

    let right = Env::new(cluster.url("alice", "right-horse-7"));
    let me = common::json_ok(&right, &["whoami"]);
    assert_eq!(me["login"], "alice");
    assert_eq!(me["mode"], "login");
    assert_eq!(me["user"], "user_alice");
    let started = common::json_ok(&right, &["export", "start", "--org", "org_acme"]);
    assert_eq!(started["requestedBy"], "user_alice");
}
