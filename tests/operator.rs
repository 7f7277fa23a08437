//! Operator experience, end to end through the real binary against real
//! PostgreSQL (one `#[sqlx::test]` database per test): `demo`, `completions`,
//! `--help` examples, colors, and a closed stdout pipe.

use std::path::{Path, PathBuf};

use crate::common::{Env, count};
use invoicectl::ids::{OrgId, UserId};
use predicates::prelude::*;
use serde_json::Value;
use sqlx::PgPool;

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn eml_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                .collect()
        })
        .unwrap_or_default()
}

async fn completed_entries(pool: &PgPool, run_id: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'export.invoices.completed' AND subject_id = $1",
    )
    .bind(run_id)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn demo_twice_exports_once_then_shows_the_deduplicated_run(pool: PgPool) {
    let env = Env::for_pool(&pool);

    // First run, on an already-migrated database: the whole story, exit 0.
    let out = env.cmd().arg("demo").assert().success();
    let first = stdout_of(out.get_output());
    for expected in [
        "migration(s) applied",
        "3000 invoice(s)",
        "(new run)",
        "completed",
        "export.invoices.requested",
        "export.invoices.completed",
        "CSV:",
        "email:",
    ] {
        assert!(first.contains(expected), "{expected:?} in:\n{first}");
    }
    let run_id = first
        .split_whitespace()
        .find(|w| w.starts_with("run_"))
        .expect("the run id is printed")
        .to_owned();
    let csv = env
        .data_dir()
        .join("exports/org_acme")
        .join(format!("{run_id}.csv"));
    assert!(first.contains(&csv.display().to_string()), "{first}");
    let rows = std::fs::read_to_string(&csv).unwrap();
    assert!(rows.starts_with("invoice_id,"));
    // Demo invoices may hold line breaks in quoted cells, so count through csv.
    let records = csv::Reader::from_reader(rows.as_bytes()).records().count();
    assert_eq!(records, 1000);
    let outbox = env.data_dir().join("outbox");
    let emails = eml_files(&outbox);
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert!(first.contains(&emails[0].display().to_string()), "{first}");
    // The demo says how many invoices the export will write, and the next steps one
    // command a line (joined with ` | `, a copy-paste piped them into each other).
    assert!(first.contains("(org_acme has 1,000 invoices)"), "{first}");
    assert!(!first.contains(" | invoicectl"), "{first}");
    for next in [
        format!("\n  invoicectl export status {run_id}\n"),
        "\n  invoicectl audit tail --org org_acme --follow\n".to_owned(),
        "\n  invoicectl demo --fresh\n".to_owned(),
    ] {
        assert!(first.contains(&next), "{next:?} in:\n{first}");
    }
    // Progress went to stderr, not into the result.
    assert!(!first.contains("worker done"));
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("worker done"));

    // Second run, same UTC day: the same run, deduplicated, still exit 0 — and
    // nothing exported or sent twice.
    let out = env.cmd().args(["demo", "--json"]).assert().success();
    let summary: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(summary["runId"], run_id.as_str());
    assert_eq!(summary["deduplicated"], true);
    assert_eq!(summary["status"], "completed");
    assert_eq!(summary["rowCount"], 1000);
    assert_eq!(
        summary["email"], "written",
        "an .eml in the outbox is not sent"
    );
    assert_eq!(
        summary["downloadUrl"],
        url::Url::from_file_path(&csv).unwrap().as_str()
    );
    assert_eq!(summary["outboxDir"], outbox.to_str().unwrap());
    assert_eq!(summary["emailFile"], emails[0].to_str().unwrap());
    assert_eq!(eml_files(&outbox).len(), 1);
    assert_eq!(completed_entries(&pool, &run_id).await, 1);
    assert_eq!(count(&pool, "invoice").await, 3000);

    // --fresh: a new run, exported and mailed in its own right.
    let out = env
        .cmd()
        .args(["--json", "demo", "--fresh"])
        .assert()
        .success();
    let fresh: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_ne!(fresh["runId"], run_id.as_str());
    assert_eq!(fresh["deduplicated"], false);
    assert_eq!(fresh["status"], "completed");
    assert_eq!(eml_files(&outbox).len(), 2);
    assert_eq!(
        completed_entries(&pool, fresh["runId"].as_str().unwrap()).await,
        1
    );
}

#[test]
fn completions_prints_the_checked_in_scripts_without_config_or_database() {
    // An unreachable database and a config file that does not exist: neither matters.
    let env = Env::new("postgres://nobody@127.0.0.1:1/none");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (shell, file) in [
        ("bash", "invoicectl.bash"),
        ("zsh", "_invoicectl"),
        ("fish", "invoicectl.fish"),
        ("elvish", "invoicectl.elv"),
        ("powershell", "_invoicectl.ps1"),
    ] {
        let checked_in = std::fs::read(root.join("completions").join(file)).unwrap();
        env.cmd()
            .args(["completions", shell])
            .env("INVOICECTL_CONFIG", env.path().join("missing.toml"))
            .assert()
            .success()
            .stderr("")
            .stdout(predicate::eq(checked_in));
    }
    env.cmd()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stdout("");
}

/// The path of every leaf command, e.g. `["export", "start"]`.
fn leaves(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
    let subs: Vec<_> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .collect();
    if subs.is_empty() {
        out.push(path);
        return;
    }
    for sub in subs {
        let mut path = path.clone();
        path.push(sub.get_name().to_owned());
        leaves(sub, path, out);
    }
}

#[test]
fn every_leaf_help_has_an_example() {
    let env = Env::new("postgres://nobody@127.0.0.1:1/none");
    let mut all = Vec::new();
    leaves(&invoicectl::cli::command(), Vec::new(), &mut all);
    assert!(all.len() >= 14, "{all:?}");
    assert!(all.contains(&vec!["demo".to_owned()]));
    // The hidden maintainer command too.
    all.push(vec!["generate-assets".to_owned()]);
    for path in all {
        let out = env.cmd().args(&path).arg("--help").assert().success();
        let help = stdout_of(out.get_output());
        assert!(
            help.lines()
                .any(|line| line.trim_start().starts_with("Example: invoicectl ")),
            "`invoicectl {} --help` has no `Example: invoicectl …` line:\n{help}",
            path.join(" ")
        );
    }
}

/// Runs `"$INVOICECTL" ARGS | HEAD` and returns (exit code of invoicectl, its
/// stderr). The shell records the exit code, since a pipeline's own is head's.
fn piped_into_head(env: &Env, args: &str, head: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let err = dir.path().join("stderr");
    let rc = dir.path().join("rc");
    let script = format!(
        "{{ \"$INVOICECTL\" {args} 2>'{}'; echo $? >'{}'; }} | {head} >/dev/null",
        err.display(),
        rc.display()
    );
    let status = env.shell(&script).status().unwrap();
    assert!(status.success(), "sh -c {script}");
    (
        std::fs::read_to_string(rc).unwrap().trim().to_owned(),
        std::fs::read_to_string(err).unwrap(),
    )
}

#[sqlx::test]
async fn a_closed_stdout_pipe_ends_quietly_with_exit_0(pool: PgPool) {
    let env = Env::for_pool(&pool);
    invoicectl::db::seed::seed_demo(&pool, 10).await.unwrap();
    let org = OrgId::parse("org_acme").unwrap();
    let user = UserId::parse("user_alice").unwrap();
    let request = invoicectl::exports::request::Request {
        org,
        as_user: Some(user),
        scope: None,
        force: true,
    };
    for _ in 0..850 {
        invoicectl::exports::request::start(&pool, &request)
            .await
            .unwrap();
    }
    // Plenty of audit history (the chain trigger fills in ids and hashes).
    sqlx::query(
        "INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
         SELECT 'org_acme', 'user_alice', 'export.invoices.requested', 'export', 'run_' || g, jsonb_build_object('n', g)
         FROM generate_series(1, 2000) g",
    )
    .execute(&pool)
    .await
    .unwrap();

    for args in [
        "export status",
        "export status --limit 1000",
        "--json export status --limit 1000",
        "audit tail",
        "audit tail -n 3000",
        "--json audit tail -n 3000",
        "--help",
        "completions zsh",
    ] {
        // The large outputs overflow the pipe's buffer, so the write really fails.
        if args.contains("000") {
            let argv: Vec<&str> = args.split_whitespace().collect();
            let out = env.cmd().args(&argv).assert().success();
            assert!(
                out.get_output().stdout.len() > 96 * 1024,
                "`{args}` prints {} bytes",
                out.get_output().stdout.len()
            );
        }
        // A JSON document is one line: `head -n 1` would read all of it.
        let head = if args.starts_with("--json export") {
            "head -c 100"
        } else {
            "head -n 1"
        };
        let (rc, stderr) = piped_into_head(&env, args, head);
        assert_eq!(
            rc, "0",
            "`invoicectl {args} | {head}` exit code; stderr: {stderr}"
        );
        assert_eq!(stderr, "", "`invoicectl {args} | {head}` stderr");
    }
}

#[sqlx::test]
async fn color_follows_the_flag_then_no_color(pool: PgPool) {
    let env = Env::for_pool(&pool);
    invoicectl::db::seed::seed_demo(&pool, 10).await.unwrap();
    env.cmd()
        .args(["export", "start", "--org", "org_acme", "--as", "user_alice"])
        .assert()
        .success();
    const ESC: &str = "\u{1b}[";

    // Tables: styled with --color always (even into a pipe, even under NO_COLOR:
    // the flag wins), never with --color never or by default into a pipe.
    for args in [
        &["--color", "always", "export", "status"][..],
        &["audit", "tail", "--color=always"],
    ] {
        env.cmd()
            .args(args)
            .env("NO_COLOR", "1")
            .assert()
            .success()
            .stdout(predicate::str::contains(ESC));
    }
    for args in [
        &["--color", "never", "export", "status"][..],
        &["export", "status"],
        &["audit", "tail", "--color", "never"],
    ] {
        env.cmd()
            .args(args)
            .assert()
            .success()
            .stdout(
                predicate::str::contains("export-invoices")
                    .or(predicate::str::contains("org_acme")),
            )
            .stdout(predicate::str::contains(ESC).not());
    }

    // clap's own output (help, usage errors) follows --color too, and in auto mode
    // honours NO_COLOR over CLICOLOR_FORCE.
    env.cmd()
        .args(["--color", "always", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains(ESC));
    env.cmd()
        .args(["export", "start", "--color=always"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(ESC));
    env.cmd()
        .args(["--help", "--color", "never"])
        .env("CLICOLOR_FORCE", "1")
        .assert()
        .success()
        .stdout(predicate::str::contains(ESC).not());
    env.cmd()
        .arg("--help")
        .env("CLICOLOR_FORCE", "1")
        .assert()
        .success()
        .stdout(predicate::str::contains(ESC));
    env.cmd()
        .arg("--help")
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .assert()
        .success()
        .stdout(predicate::str::contains(ESC).not());
}
