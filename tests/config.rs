//! `config show` names where every setting came from (flag,
//! env, file, default), every config key has an `INVOICECTL_*` variable that beats the
//! file and loses to the flag, a bad variable is named (65), and a secret in one is
//! never printed — the real binary, against a real PostgreSQL where a worker must run.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::Env;
use invoicectl::db;
use serde_json::Value;
use sqlx::PgPool;

/// Nothing listens here: commands that would connect fail, `config show` does not.
const NOWHERE: &str = "postgres://app@127.0.0.1:1/x";

fn stdout_json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

/// `config show --json` with the extra environment `vars` and arguments `args`.
fn show(env: &Env, vars: &[(&str, &str)], args: &[&str]) -> Value {
    let mut cmd = env.cmd();
    for (name, value) in vars {
        cmd.env(name, value);
    }
    stdout_json(
        &cmd.args(args)
            .args(["config", "show", "--json"])
            .output()
            .unwrap(),
    )
}

/// `(source, origin)` of setting `key` in a `config show --json` document.
fn source_of(shown: &Value, key: &str) -> (String, Value) {
    let setting = &shown["settings"][key];
    assert!(setting.is_object(), "no setting {key}: {shown}");
    (
        setting["source"].as_str().unwrap().to_owned(),
        setting["origin"].clone(),
    )
}

#[test]
fn config_show_names_the_source_of_every_setting() {
    let env = Env::new(NOWHERE);
    let config = env.config_path().display().to_string();
    env.write_config("page_size = 100\nmail_from = \"Acme <billing@example.com>\"\n");
    let other_data = env.path().join("elsewhere");
    let shown = show(
        &env,
        &[("INVOICECTL_WORKER_CONCURRENCY", "7")],
        &[
            "--database-url",
            "postgres://app@db.example.com:6543/billing",
            "--data-dir",
            other_data.to_str().unwrap(),
        ],
    );
    let settings = &shown["settings"];
    // Flag: it beats DATABASE_URL, which Env sets.
    assert_eq!(
        source_of(&shown, "database_url"),
        ("flag".into(), "--database-url".into())
    );
    assert_eq!(
        settings["database_url"]["value"],
        "postgres://app@db.example.com:6543/billing"
    );
    assert_eq!(
        shown["database"],
        serde_json::json!({"host": "db.example.com", "port": 6543, "name": "billing", "user": "app"})
    );
    assert_eq!(
        source_of(&shown, "data_dir"),
        ("flag".into(), "--data-dir".into())
    );
    // Env.
    assert_eq!(
        source_of(&shown, "worker_concurrency"),
        ("env".into(), "INVOICECTL_WORKER_CONCURRENCY".into())
    );
    assert_eq!(settings["worker_concurrency"]["value"], 7);
    assert_eq!(
        source_of(&shown, "config"),
        ("env".into(), "INVOICECTL_CONFIG".into())
    );
    // File: the origin is the file, which is also the one read.
    assert_eq!(shown["configFile"], config.as_str());
    assert_eq!(
        source_of(&shown, "page_size"),
        ("file".into(), config.as_str().into())
    );
    assert_eq!(settings["page_size"]["value"], 100);
    assert_eq!(settings["mail_from"]["value"], "Acme <billing@example.com>");
    assert_eq!(source_of(&shown, "mail_from").0, "file");
    // Default: export_dir follows the data dir the flag named.
    assert_eq!(
        source_of(&shown, "export_dir"),
        ("default".into(), Value::Null)
    );
    assert_eq!(
        settings["export_dir"]["value"],
        other_data.join("exports").to_str().unwrap()
    );
    assert_eq!(settings["smtp_url"]["value"], Value::Null);
    assert_eq!(source_of(&shown, "smtp_url").0, "default");
    let keys: Vec<&str> = settings
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "config",
        "data_dir",
        "database_url",
        "user",
        "export_dir",
        "smtp_url",
        "mail_from",
        "page_size",
        "worker_concurrency",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }

    // Without the flag, DATABASE_URL (set by Env) is the source.
    let shown = show(&env, &[], &[]);
    assert_eq!(
        source_of(&shown, "database_url"),
        ("env".into(), "DATABASE_URL".into())
    );

    // The table says the same, one setting a line.
    let out = env
        .cmd()
        .env("INVOICECTL_PAGE_SIZE", "250")
        .args(["config", "show"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.starts_with(&format!("config file  {config}\n")),
        "{table}"
    );
    let row = |key: &str| {
        table
            .lines()
            .find(|line| line.starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("no row {key}: {table}"))
            .to_owned()
    };
    assert!(
        row("page_size").contains("env INVOICECTL_PAGE_SIZE"),
        "{table}"
    );
    assert!(row("page_size").contains("250"), "{table}");
    assert!(row("mail_from").contains("file"), "{table}");
    assert!(row("database_url").contains("env DATABASE_URL"), "{table}");
    assert!(row("worker_concurrency").contains("default"), "{table}");
}

#[test]
fn each_new_variable_beats_the_config_file() {
    let env = Env::new(NOWHERE);
    let cases = [
        (
            "INVOICECTL_EXPORT_DIR",
            "export_dir",
            "\"/from/file\"",
            "/from/env",
        ),
        (
            "INVOICECTL_SMTP_URL",
            "smtp_url",
            "\"smtp://file.example.com\"",
            "smtps://env.example.com:465",
        ),
        (
            "INVOICECTL_MAIL_FROM",
            "mail_from",
            "\"File <file@example.com>\"",
            "Env <env@example.com>",
        ),
        ("INVOICECTL_PAGE_SIZE", "page_size", "100", "250"),
        (
            "INVOICECTL_WORKER_CONCURRENCY",
            "worker_concurrency",
            "2",
            "9",
        ),
    ];
    for (var, key, in_file, in_env) in cases {
        env.write_config(&format!("{key} = {in_file}\n"));
        let from_file = show(&env, &[], &[]);
        assert_eq!(source_of(&from_file, key).0, "file", "{key}");
        let from_env = show(&env, &[(var, in_env)], &[]);
        assert_eq!(source_of(&from_env, key), ("env".into(), var.into()));
        let value = &from_env["settings"][key]["value"];
        let shown = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        assert_eq!(shown, in_env, "{key}");
    }
}

#[test]
fn bad_variables_exit_65_naming_the_variable() {
    let env = Env::new(NOWHERE);
    for (var, value, what) in [
        ("INVOICECTL_PAGE_SIZE", "lots", "is not a whole number"),
        (
            "INVOICECTL_PAGE_SIZE",
            "0",
            "out of range: use 1 to 1000000",
        ),
        (
            "INVOICECTL_WORKER_CONCURRENCY",
            "1025",
            "out of range: use 1 to 1024",
        ),
        ("INVOICECTL_MAIL_FROM", "nobody", "is not a mailbox"),
        ("INVOICECTL_SMTP_URL", "ftp://mail.example.com", "smtp://"),
        ("INVOICECTL_EXPORT_DIR", "", "is set but empty"),
    ] {
        // Refused before anything else happens, whatever the command.
        for args in [&["config", "show"][..], &["export", "worker", "--drain"]] {
            let out = env.cmd().env(var, value).args(args).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(65), "{var}={value}: {stderr}");
            assert!(out.stdout.is_empty());
            assert!(stderr.contains(var), "{var}={value}: {stderr}");
            assert!(stderr.contains(what), "{var}={value}: {stderr}");
        }
    }
    // A bad flag is a usage error, as clap's are, and names the flag even when its
    // variable is set too.
    let out = env
        .cmd()
        .env("INVOICECTL_WORKER_CONCURRENCY", "4")
        .args(["export", "worker", "--concurrency", "0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid --concurrency: 0 is out of range"),
        "{stderr}"
    );
}

#[test]
fn a_secret_in_invoicectl_smtp_url_is_never_printed() {
    let env = Env::new(NOWHERE);
    let smtp = "smtp://mailer:hunter2@mail.example.com:587?api_key=hunter2";
    for args in [
        &["config", "show"][..],
        &["config", "show", "--json"],
        &["-v", "config", "show"],
    ] {
        let out = env
            .cmd()
            .env("INVOICECTL_SMTP_URL", smtp)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        let all = [out.stdout, out.stderr].concat();
        let all = String::from_utf8_lossy(&all);
        assert!(!all.contains("hunter2"), "{args:?}: {all}");
        assert!(
            all.contains("smtp://mailer:***@mail.example.com:587?api_key=***"),
            "{args:?}: {all}"
        );
    }
    // Nor in the refusal of a bad one.
    for bad in [
        "http://mailer:hunter2@mail.example.com",
        "smtp://mailer:hunter2@",
        "smtp://mailer:hunter2@mail.example.com:99999",
    ] {
        let out = env
            .cmd()
            .env("INVOICECTL_SMTP_URL", bad)
            .args(["config", "show"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(65), "{bad}: {stderr}");
        assert!(stderr.contains("INVOICECTL_SMTP_URL"), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
}

#[test]
fn verbose_says_which_file_was_read_and_where_settings_came_from() {
    let env = Env::new("postgres://app@db.example.com:6543/billing");
    env.write_config("page_size = 100\n");
    let out = env
        .cmd()
        .env("INVOICECTL_EXPORT_DIR", env.path().join("out"))
        .args(["-v", "config", "show"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let config = env.config_path().display().to_string();
    for line in [
        format!("config file {config} read"),
        "page_size = 100 (file)".into(),
        "database_url = postgres://app@db.example.com:6543/billing (env DATABASE_URL)".into(),
        "database billing on db.example.com:6543 as app".into(),
        format!(
            "exports go to {}",
            Path::new(&env.path().join("out"))
                .join("ORG")
                .join("RUN_ID.csv")
                .display()
        ),
    ] {
        assert!(stderr.contains(&line), "{line}: {stderr}");
    }
    // And when there is no file at all.
    let out = env
        .cmd()
        .env_remove("INVOICECTL_CONFIG")
        .env("XDG_CONFIG_HOME", env.path().join("no-config-here"))
        .args(["-v", "config", "show"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("no config file: "), "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
}

/// Drains until `run_id` has ended, with `vars` and `args` added to every worker.
async fn drain(env: &Env, run_id: &str, vars: &[(&str, &OsStr)], args: &[&str]) -> Value {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let mut worker = env.cmd();
        for (name, value) in vars {
            worker.env(name, value);
        }
        worker
            .args(["export", "worker", "--drain", "--poll-interval", "0.05"])
            .args(args)
            .assert()
            .success();
        let status = stdout_json(
            &env.cmd()
                .args(["export", "status", run_id, "--json"])
                .output()
                .unwrap(),
        );
        if ["completed", "failed", "canceled"].contains(&status["status"].as_str().unwrap()) {
            return status;
        }
        assert!(Instant::now() < deadline, "{run_id} not done: {status}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn start(env: &Env, extra: &[&str]) -> String {
    let started = stdout_json(
        &env.cmd()
            .args([
                "export",
                "start",
                "--org",
                "org_acme",
                "--as",
                "user_alice",
                "--json",
            ])
            .args(extra)
            .output()
            .unwrap(),
    );
    started["runId"].as_str().unwrap().to_owned()
}

/// The folder of the CSV a run's objectUrl points at.
fn csv_dir(status: &Value) -> PathBuf {
    let url = status["metadata"]["objectUrl"].as_str().expect("objectUrl");
    let file = url::Url::parse(url).unwrap().to_file_path().unwrap();
    file.parent().unwrap().parent().unwrap().to_path_buf()
}

#[sqlx::test]
async fn the_worker_takes_variables_over_the_file_and_flags_over_variables(pool: PgPool) {
    db::seed::seed_demo(&pool, 25).await.unwrap();
    let env = Env::for_pool(&pool);
    let dir = |name: &str| {
        let path = env.path().join(name);
        std::fs::create_dir_all(&path).unwrap();
        path.canonicalize().unwrap()
    };
    let (from_file, from_env, from_flag) = (dir("file"), dir("env"), dir("flag"));
    env.write_config(&format!(
        "export_dir = \"{}\"\npage_size = 1000\nworker_concurrency = 1\n\
         mail_from = \"File <file@example.com>\"\n",
        from_file.display()
    ));
    let vars = [
        ("INVOICECTL_EXPORT_DIR", from_env.as_os_str()),
        // 25 invoices in pages of 10 (the variable), not 1000 (the file).
        ("INVOICECTL_PAGE_SIZE", OsStr::new("10")),
        ("INVOICECTL_MAIL_FROM", OsStr::new("Env <env@example.com>")),
    ];

    // The flag beats the variable, which beats the file.
    let run = start(&env, &[]);
    let done = drain(
        &env,
        &run,
        &vars,
        &["--export-dir", from_flag.to_str().unwrap()],
    )
    .await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(csv_dir(&done), from_flag);
    assert_eq!(done["metadata"]["pagesTotal"], 3, "{done}");

    // Without the flag, the variable.
    let run = start(&env, &["--force"]);
    let done = drain(&env, &run, &vars, &[]).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(csv_dir(&done), from_env);

    // Both emails came from the variable's sender.
    let outbox = env.data_dir().join("outbox");
    let emails: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    assert_eq!(emails.len(), 2, "{}", outbox.display());
    for email in emails {
        assert!(email.contains("env@example.com"), "{email}");
        assert!(!email.contains("file@example.com"), "{email}");
    }

    // --concurrency beats INVOICECTL_WORKER_CONCURRENCY, as -v reports.
    let out = env
        .cmd()
        .env("INVOICECTL_WORKER_CONCURRENCY", "3")
        .args(["-v", "export", "worker", "--drain", "--concurrency", "2"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("worker_concurrency = 2 (flag --concurrency)"),
        "{stderr}"
    );
}
