//! Setup, seed, configuration, redaction, RLS, append-only audit, exit 69.
//! Secrets in URL queries, hostile config files, URLs and
//! environment values, bounds, lost connections and a schema from the future.

use crate::common;

use crate::common::{Env, count};
use invoicectl::db::{self, tenant};
use invoicectl::ids::OrgId;
use predicates::prelude::*;
use sqlx::PgPool;

#[tokio::test]
async fn setup_creates_the_database_and_is_idempotent() {
    let name = format!("invoicectl_setup_{}", std::process::id());
    let env = Env::new(common::database_url(&name));
    let admin = PgPool::connect(&common::database_url("postgres"))
        .await
        .unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&admin)
        .await
        .unwrap();

    let first = env.cmd().args(["db", "setup", "--json"]).assert().success();
    let first: serde_json::Value = serde_json::from_slice(&first.get_output().stdout).unwrap();
    assert_eq!(first["created"], true);
    let migrations_known = db::MIGRATOR.iter().count();
    assert_eq!(first["migrationsApplied"], migrations_known);

    let second = env.cmd().args(["--json", "db", "setup"]).assert().success();
    let second: serde_json::Value = serde_json::from_slice(&second.get_output().stdout).unwrap();
    assert_eq!(second["created"], false);
    assert_eq!(second["migrationsApplied"], 0);

    env.cmd()
        .args(["db", "migrate"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 migration(s) applied"));

    let pool = PgPool::connect(&env.database_url).await.unwrap();
    let migrations: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(migrations, migrations_known as i64);
    pool.close().await;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&admin)
        .await
        .unwrap();
}

/// A slow `db migrate` prints no SQL: here every statement it makes waits 6 s for
/// a lock another session holds on `_sqlx_migrations` (as an index build on a large
/// table takes minutes), past the 5 s after which other commands warn of a slow
/// statement with its text. It says how many migrations it applied, and nothing
/// on stderr.
#[sqlx::test]
async fn a_slow_migrate_prints_no_statement_text(pool: PgPool) {
    let env = Env::for_pool(&pool);
    let mut holder = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE _sqlx_migrations IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let migrate = env.tokio_cmd().args(["db", "migrate"]).output();
    let release = async {
        tokio::time::sleep(std::time::Duration::from_secs(6)).await;
        holder.rollback().await.unwrap();
    };
    let (out, ()) = tokio::join!(migrate, release);
    let out = out.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("0 migration(s) applied"),
        "{out:?}"
    );
    assert!(
        !stderr.contains("slow statement") && !stderr.contains("_sqlx_migrations"),
        "{stderr}"
    );
}

#[sqlx::test]
async fn seed_is_idempotent(pool: PgPool) {
    let env = Env::for_pool(&pool);
    env.cmd()
        .args(["db", "seed", "--demo", "--invoices", "120"])
        .assert()
        .success();
    let counts = |pool: PgPool| async move {
        (
            count(&pool, "organization").await,
            count(&pool, "app_user").await,
            count(&pool, "member").await,
            count(&pool, "invoice").await,
        )
    };
    assert_eq!(counts(pool.clone()).await, (3, 5, 6, 360));
    let again = env
        .cmd()
        .args(["db", "seed", "--demo", "--invoices", "120", "--json"])
        .assert()
        .success();
    let again: serde_json::Value = serde_json::from_slice(&again.get_output().stdout).unwrap();
    assert_eq!(again["invoices"], 0);
    assert_eq!(again["organizations"], 0);
    assert_eq!(counts(pool.clone()).await, (3, 5, 6, 360));

    let roles: Vec<(String, String, String)> =
        sqlx::query_as("SELECT organization_id, user_id, role FROM member ORDER BY 1, 2")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(roles.contains(&("org_acme".into(), "user_carol".into(), "viewer".into())));
    assert!(roles.contains(&("org_globex".into(), "user_dave".into(), "admin".into())));
    let (negatives, non_ascii, commas): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE amount_cents < 0),
                count(*) FILTER (WHERE customer_name ~ '[^[:ascii:]]'),
                count(*) FILTER (WHERE customer_name LIKE '%,%')
         FROM invoice",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(negatives > 0 && non_ascii > 0 && commas > 0);
}

/// The error for a database that does not exist names the database, which tells
/// which configuration level won.
fn database_named_in_error(env: &Env, cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.args(["db", "migrate"]).assert().code(69);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let server = crate::common::server_url();
    let at = format!(
        "{}:{}",
        server.host_str().unwrap_or_default(),
        server.port().unwrap_or(5432)
    );
    assert!(stderr.contains(&at), "{stderr}");
    let _ = env;
    stderr
}

#[test]
fn config_precedence_flag_env_file_default() {
    let env = Env::new(common::database_url("ictl_envdb"));
    env.write_config(&format!(
        "database_url = \"{}\"\n",
        common::database_url("ictl_filedb")
    ));
    let pg_env = |cmd: &mut assert_cmd::Command| {
        let server = common::server_url();
        cmd.env("PGHOST", server.host_str().unwrap())
            .env("PGPORT", server.port().unwrap_or(5432).to_string())
            .env("PGUSER", server.username())
            .env("PGDATABASE", "ictl_pgdb");
    };

    let mut flag = env.cmd();
    pg_env(&mut flag);
    flag.args(["--database-url", &common::database_url("ictl_flagdb")]);
    assert!(database_named_in_error(&env, &mut flag).contains("ictl_flagdb"));

    let mut from_env = env.cmd();
    pg_env(&mut from_env);
    assert!(database_named_in_error(&env, &mut from_env).contains("ictl_envdb"));

    let mut from_file = env.cmd();
    pg_env(&mut from_file);
    from_file.env_remove("DATABASE_URL");
    assert!(database_named_in_error(&env, &mut from_file).contains("ictl_filedb"));

    env.write_config("");
    let mut default = env.cmd();
    pg_env(&mut default);
    default.env_remove("DATABASE_URL");
    assert!(database_named_in_error(&env, &mut default).contains("ictl_pgdb"));

    // The default name `invoicectl` may well exist on a development server (the demo
    // creates it), so this level is shown against a port where nothing listens: the
    // error still names the database that would have been used.
    let mut default_name = env.cmd();
    pg_env(&mut default_name);
    default_name
        .env_remove("DATABASE_URL")
        .env_remove("PGDATABASE")
        .env("PGPORT", "1")
        .args(["db", "migrate"]);
    let out = default_name.assert().code(69);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains(":1 (database invoicectl)"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn config_with_password_readable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new(common::database_url("ictl_unused"));
    env.write_config("database_url = \"postgres://app:hunter2@127.0.0.1:1/x\"\n");
    std::fs::set_permissions(env.config_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    env.cmd()
        .env_remove("DATABASE_URL")
        .args(["db", "migrate"])
        .assert()
        .code(65)
        .stdout("")
        .stderr(predicate::str::contains("chmod 600"))
        .stderr(predicate::str::contains("hunter2").not());

    // Private again: the file is accepted and the (unreachable) URL is tried.
    std::fs::set_permissions(env.config_path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    env.cmd()
        .env_remove("DATABASE_URL")
        .args(["db", "migrate"])
        .assert()
        .code(69)
        .stderr(predicate::str::contains("127.0.0.1:1"))
        .stderr(predicate::str::contains("hunter2").not());
}

#[test]
fn unreachable_database_exits_69_without_the_password() {
    let env = Env::new("postgres://admin:s3cr3tpw@127.0.0.1:9/invoicectl");
    env.cmd()
        .args(["db", "setup"])
        .assert()
        .code(69)
        .stdout("")
        .stderr(predicate::str::contains("127.0.0.1:9"))
        .stderr(predicate::str::contains("s3cr3tpw").not());
    // Secrets in the environment never reach --help either.
    env.cmd()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("s3cr3tpw").not());
}

#[test]
fn help_lists_only_working_commands() {
    let env = Env::new(common::database_url("ictl_unused"));
    let out = env.cmd().arg("--help").assert().success();
    let help = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(help.contains("db "), "{help}");
}

#[sqlx::test]
async fn tenant_transaction_isolates_organizations(pool: PgPool) {
    db::seed::seed_demo(&pool, 10).await.unwrap();
    let acme = OrgId::parse("org_acme").unwrap();

    let mut tx = tenant::begin(&pool, &acme).await.unwrap();
    let (role, superuser): (String, String) =
        sqlx::query_as("SELECT current_user::text, current_setting('is_superuser')")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!(role, tenant::TENANT_ROLE);
    assert_eq!(superuser, "off");
    let orgs: Vec<String> = sqlx::query_scalar("SELECT DISTINCT organization_id FROM invoice")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(orgs, vec!["org_acme".to_owned()]);
    let globex_visible: i64 =
        sqlx::query_scalar("SELECT count(*) FROM invoice WHERE organization_id = 'org_globex'")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!(globex_visible, 0);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM app_user")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(users, 3, "only acme's members are visible");

    let insert = sqlx::query(
        "INSERT INTO invoice (id, organization_id, number, customer_name, currency, amount_cents, status, issued_at)
         VALUES ('inv_sneaky1', 'org_globex', 'X-1', 'Mallory', 'USD', 100, 'open', now())",
    )
    .execute(&mut *tx)
    .await;
    let err = insert.expect_err("insert for another org must be refused");
    assert!(
        err.to_string().contains("row-level security"),
        "unexpected error: {err}"
    );
    tx.rollback().await.unwrap();

    // The context ends with the transaction: the pooled connection is superuser again.
    let all: i64 = sqlx::query_scalar("SELECT count(DISTINCT organization_id) FROM invoice")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(all, 3);
}

#[sqlx::test]
async fn audit_log_rejects_update_delete_truncate(pool: PgPool) {
    db::seed::seed_demo(&pool, 0).await.unwrap();
    let acme = OrgId::parse("org_acme").unwrap();
    let mut tx = tenant::begin(&pool, &acme).await.unwrap();
    db::audit_log::insert(
        &mut tx,
        &db::audit_log::NewEntry {
            organization_id: Some("org_acme"),
            actor_user_id: Some("user_alice"),
            action: db::audit_log::Action::ExportRequested,
            subject_type: db::audit_log::SubjectType::Export,
            subject_id: "run_x",
            payload: serde_json::json!({"k": 1}),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    for statement in [
        "UPDATE audit_log SET action = 'forged'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        // As the connecting superuser (owner) …
        let err = sqlx::query(statement).execute(&pool).await.unwrap_err();
        assert!(
            err.to_string().contains("append-only"),
            "{statement} as owner: {err}"
        );
        // … and as the tenant role.
        let mut tx = tenant::begin(&pool, &acme).await.unwrap();
        let err = sqlx::query(statement).execute(&mut *tx).await.unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("append-only") || message.contains("permission denied"),
            "{statement} as tenant: {message}"
        );
        tx.rollback().await.unwrap();
    }
    let (n, action): (i64, String) = sqlx::query_as("SELECT count(*), min(action) FROM audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((n, action.as_str()), (1, "export.invoices.requested"));
}

/// A closed port: a URL that passes validation fails with 69, one that does not,
/// with 65, before any connection is tried.
const NOWHERE: &str = "127.0.0.1:1";

fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stderr.clone()).unwrap()
}

#[cfg(unix)]
fn chmod(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[test]
fn a_password_in_the_url_query_never_reaches_a_message() {
    let env = Env::new(common::database_url("ictl_unused"));
    chmod(&env.config_path(), 0o600);
    let bad_sslmode = format!("postgres://app@{NOWHERE}/x?password=hunter2&sslmode=bogus");
    // sqlx would ignore this parameter with a warning that prints its value.
    let unknown = format!("postgres://app@{NOWHERE}/x?sslpassword=hunter2");
    for url in [&bad_sslmode, &unknown] {
        let mut flag = env.cmd();
        flag.args(["-v", "--database-url", url]);
        let mut from_env = env.cmd();
        from_env.env("DATABASE_URL", url).arg("-v");
        let mut from_file = env.cmd();
        from_file.env_remove("DATABASE_URL").arg("-v");
        for (source, mut cmd) in [("flag", flag), ("env", from_env), ("config", from_file)] {
            env.write_config(&format!("database_url = \"{url}\"\n"));
            let out = cmd.args(["db", "migrate"]).assert().code(65).stdout("");
            let stderr = stderr_of(&out);
            assert!(!stderr.contains("hunter2"), "{source}: {stderr}");
            assert!(stderr.contains("password=***"), "{source}: {stderr}");
        }
    }
}

#[cfg(unix)]
#[test]
fn a_config_with_a_query_password_readable_by_others_is_refused() {
    let env = Env::new(format!("postgres://app@{NOWHERE}/x"));
    for config in [
        format!("database_url = \"postgres://app@{NOWHERE}/x?password=hunter2\"\n"),
        format!("smtp_url = \"smtp://{NOWHERE}?password=hunter2\"\n"),
    ] {
        env.write_config(&config);
        chmod(&env.config_path(), 0o644);
        let out = env
            .cmd()
            .env_remove("DATABASE_URL")
            .args(["db", "migrate"])
            .assert()
            .code(65)
            .stdout("");
        let stderr = stderr_of(&out);
        assert!(stderr.contains("chmod 600"), "{config}: {stderr}");
        assert!(!stderr.contains("hunter2"), "{config}: {stderr}");
    }
}

#[test]
fn only_postgresql_urls_are_accepted() {
    for url in [
        format!("mysql://app@{NOWHERE}/x"),
        format!("http://{NOWHERE}/x"),
    ] {
        let env = Env::new(url.as_str());
        let out = env.cmd().args(["db", "migrate"]).assert().code(65);
        let stderr = stderr_of(&out);
        assert!(stderr.contains("postgres://"), "{url}: {stderr}");
    }
    // Both spellings of the PostgreSQL scheme get as far as connecting.
    for scheme in ["postgres", "postgresql"] {
        let env = Env::new(format!("{scheme}://app@{NOWHERE}/x"));
        env.cmd().args(["db", "migrate"]).assert().code(69);
    }
}

#[cfg(unix)]
#[test]
fn the_config_file_must_be_a_small_regular_file() {
    let env = Env::new(format!("postgres://app@{NOWHERE}/x"));
    let fifo = env.path().join("fifo.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // Valid TOML (comments) but far too big: once read, it would be accepted.
    let big = env.path().join("big.toml");
    std::fs::write(&big, "# padding\n".repeat(200_000)).unwrap();
    for (path, what) in [
        (std::path::PathBuf::from("/dev/zero"), "a device"),
        (fifo, "a FIFO"),
        (env.path().to_path_buf(), "a directory"),
        (big, "larger than 1 MiB"),
    ] {
        let out = env
            .cmd()
            .env("INVOICECTL_CONFIG", &path)
            .args(["db", "migrate"])
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(65)
            .stdout("");
        let stderr = stderr_of(&out);
        assert!(stderr.contains(what), "{}: {stderr}", path.display());
    }
}

#[test]
fn empty_path_variables_are_named_as_variables() {
    let env = Env::new(format!("postgres://app@{NOWHERE}/x"));
    for var in ["INVOICECTL_DATA_DIR", "INVOICECTL_CONFIG"] {
        let out = env
            .cmd()
            .env(var, "")
            .args(["export", "status"])
            .assert()
            .code(65)
            .stdout("");
        let stderr = stderr_of(&out);
        assert!(stderr.contains(&format!("{var} ")), "{var}: {stderr}");
        assert!(stderr.contains("is set but empty"), "{var}: {stderr}");
        assert!(!stderr.contains("--data-dir"), "{var}: {stderr}");
    }
}

#[test]
fn seed_invoices_is_bounded() {
    let (max, over) = ("10000000", "10000001");
    // Refused before any connection (the database is unreachable).
    let env = Env::new(format!("postgres://app@{NOWHERE}/x"));
    let out = env
        .cmd()
        .args(["db", "seed", "--demo", "--invoices", over])
        .assert()
        .code(2)
        .stdout("");
    assert!(stderr_of(&out).contains(max), "{}", stderr_of(&out));
    // The bound itself is accepted (parsed only: seeding it would take minutes).
    invoicectl::cli::command()
        .try_get_matches_from(["invoicectl", "db", "seed", "--demo", "--invoices", max])
        .unwrap();
}

#[sqlx::test]
async fn migrate_and_setup_on_a_newer_schema_exit_69_like_every_command(pool: PgPool) {
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99991231000000, 'from a newer invoicectl', true, decode('00', 'hex'), 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let env = Env::for_pool(&pool);
    for command in [
        &["db", "migrate"][..],
        &["db", "setup"],
        &["export", "status"],
    ] {
        let out = env.cmd().args(command).assert().code(69).stdout("");
        let stderr = stderr_of(&out);
        assert!(
            stderr.contains("99991231000000") && stderr.contains("upgrade invoicectl"),
            "{command:?}: {stderr}"
        );
    }
}

#[sqlx::test]
async fn a_connection_lost_mid_command_exits_69(pool: PgPool) {
    let env = Env::for_pool(&pool);
    // Hold the table the command reads, so that its query waits in plain sight.
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE email_suppression IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let child = env
        .shell(r#"exec "$INVOICECTL" suppression list"#)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let waiting = loop {
        let pid: Option<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'invoicectl'
               AND wait_event_type = 'Lock'",
        )
        .fetch_optional(&pool)
        .await
        .unwrap();
        if let Some(pid) = pid {
            break pid;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the command never queried"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(waiting)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(killed);
    blocker.rollback().await.unwrap();

    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(69), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains(&format!(
            "connection to PostgreSQL at {}:{}",
            crate::common::server_url().host_str().unwrap_or_default(),
            crate::common::server_url().port().unwrap_or(5432)
        )) && stderr.contains("was lost"),
        "{stderr}"
    );
}

#[sqlx::test]
async fn database_errors_exit_by_what_a_retry_can_do(pool: PgPool) {
    use invoicectl::commands::exit::exit_code;
    let raise = |code: &str| {
        format!("DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '{code}'; END $$")
    };
    for (code, exit) in [
        ("40P01", 75), // deadlock_detected
        ("40001", 75), // serialization_failure
        ("57014", 75), // query_canceled
        ("08006", 69), // connection_failure
        ("23505", 1),  // unique_violation: a bug or a conflict a retry does not fix
    ] {
        let err = sqlx::query(&raise(code)).execute(&pool).await.unwrap_err();
        let bare = anyhow::Error::new(err).context("doing something");
        assert_eq!(exit_code(&bare), exit, "{code} as is");
        // Under a type that only knows "database error" (exit 1), the cause decides.
        let err = sqlx::query(&raise(code)).execute(&pool).await.unwrap_err();
        let wrapped = anyhow::Error::new(invoicectl::exports::request::StartError::Database(err));
        assert_eq!(exit_code(&wrapped), exit, "{code} wrapped");
        let err = sqlx::query(&raise(code)).execute(&pool).await.unwrap_err();
        let db = anyhow::Error::new(db::DbError::Sql(err));
        assert_eq!(exit_code(&db), exit, "{code} as DbError");
    }
    // The server ends the session (FATAL): the connection is lost.
    let mut conn = pool.acquire().await.unwrap();
    let err = sqlx::query("SELECT pg_terminate_backend(pg_backend_pid())")
        .execute(&mut *conn)
        .await
        .unwrap_err();
    assert_eq!(exit_code(&anyhow::Error::new(err)), 69);
}

/// Each way a connection fails says what to fix, and only a refused
/// connection asks whether the server is running. All exit 69.
#[test]
fn connect_errors_name_the_missing_database_the_refused_role_or_the_refused_port() {
    let server = common::server_url();
    let host_port = format!(
        "{}:{}",
        server.host_str().unwrap(),
        server.port().unwrap_or(5432)
    );
    let refused = |url: String| {
        let out = Env::new(url)
            .cmd()
            .args(["export", "status"])
            .assert()
            .code(69)
            .stdout("");
        String::from_utf8(out.get_output().stderr.clone()).unwrap()
    };

    // 3D000: the database does not exist (on a server that is running).
    let name = format!("ictl_missing_{}", std::process::id());
    let stderr = refused(common::database_url(&name));
    assert!(
        stderr.contains(&format!(
            "database \"{name}\" does not exist on {host_port}: run `invoicectl db setup`"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("Is the server running"), "{stderr}");

    // 28000 under trust authentication: the role does not exist.
    let mut url = server.clone();
    url.set_username("ictl_no_such_role").unwrap();
    url.set_path("/postgres");
    let stderr = refused(url.to_string());
    assert!(
        stderr.contains(&format!(
            "PostgreSQL at {host_port} refused role \"ictl_no_such_role\": role \"ictl_no_such_role\" does not exist"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("PGUSER/PGPASSWORD"), "{stderr}");
    assert!(!stderr.contains("Is the server running"), "{stderr}");

    // A port where nothing listens: the only case that asks about the server.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let stderr = refused(format!("postgres://postgres@127.0.0.1:{port}/invoicectl"));
    assert!(
        stderr.contains(&format!("127.0.0.1:{port} (database invoicectl)"))
            && stderr.contains("Is the server running?"),
        "{stderr}"
    );
}

/// `cargo run -- demo` (the quick start) and the installed binary of the tour must
/// use the same database, `invoicectl`: cargo hands the `[env]` of
/// `.cargo/config.toml` to `cargo run` too, so nothing there may name a database.
/// The binary runs with exactly the variables cargo would add (and none of the
/// developer's database variables), and `config show` names the target database.
#[test]
fn cargo_run_environment_targets_the_invoicectl_database() {
    let manifest_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let config: toml::Table = match std::fs::read_to_string(manifest_dir.join(".cargo/config.toml"))
    {
        Ok(text) => text.parse().expect(".cargo/config.toml is TOML"),
        Err(_) => toml::Table::new(),
    };
    let cargo_env: Vec<(String, String)> = config
        .get("env")
        .and_then(toml::Value::as_table)
        .map(|env| {
            env.iter()
                .map(|(k, v)| {
                    let value = match v {
                        toml::Value::String(s) => s.clone(),
                        other => other
                            .get("value")
                            .and_then(toml::Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    };
                    (k.clone(), value)
                })
                .collect()
        })
        .unwrap_or_default();
    let home = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::Command::new(common::BINARY);
    for var in [
        "DATABASE_URL",
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGPASSWORD",
        "PGDATABASE",
        "INVOICECTL_CONFIG",
        "INVOICECTL_DATA_DIR",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .envs(cargo_env.iter().map(|(k, v)| (k, v)))
        .args(["config", "show", "--json"]);
    let out = cmd.assert().success();
    let shown = common::json_of(&out.get_output().stdout);
    assert_eq!(
        shown["database"]["name"], "invoicectl",
        "cargo run would use another database (.cargo/config.toml [env]: {cargo_env:?}): {shown}"
    );
    assert_eq!(
        shown["settings"]["database_url"]["source"], "default",
        "{shown}"
    );
    // The tests themselves still reach their server: the harness's own variable.
    assert_eq!(
        std::env::var("DATABASE_URL").unwrap(),
        common::server_url().to_string()
    );
}
