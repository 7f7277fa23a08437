//! What an operator reads — the real binary against a real PostgreSQL (one
//! `#[sqlx::test]` database per test): the note a deduplicated start prints, the
//! worker's log as cron keeps it (timestamped, `-q` keeping how runs ended, silent
//! when idle, NDJSON with times), and the help layout. Tables at 80 columns are
//! tested where they are built (unit tests of `export status` and `audit tail`), as
//! a pipe has no width to fit.

use crate::common::Env;
use chrono::{DateTime, Timelike, Utc};
use invoicectl::db;
use serde_json::Value;
use sqlx::PgPool;

struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(env: &Env, args: &[&str]) -> Output {
    let out = env.cmd().args(args).output().unwrap();
    Output {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn ok(env: &Env, args: &[&str]) -> Output {
    let out = run(env, args);
    assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
    out
}

/// The RFC 3339 time a log line starts with, if it does.
fn line_time(line: &str) -> Option<DateTime<Utc>> {
    let first = line.split_whitespace().next()?;
    DateTime::parse_from_rfc3339(first).ok().map(|t| t.to_utc())
}

async fn created_at(pool: &PgPool, run_id: &str) -> DateTime<Utc> {
    sqlx::query_scalar("SELECT created_at FROM run WHERE id = $1")
        .bind(run_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn a_deduplicated_start_says_which_run_it_returns_on_stderr(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let start = ["export", "start", "--org", "org_acme", "--as", "user_alice"];

    // A new run: the id on stdout and, off a terminal, nothing on stderr.
    let first = ok(&env, &start);
    let run_id = first.stdout.trim().to_owned();
    assert!(first.stderr.is_empty(), "{}", first.stderr);
    let at = created_at(&pool, &run_id).await;
    let hhmm = format!("{:02}:{:02} UTC", at.hour(), at.minute());

    // The same day again: the same id on stdout, and a note on stderr saying so.
    let again = ok(&env, &start);
    assert_eq!(again.stdout.trim(), run_id);
    assert_eq!(
        again.stderr.trim_end(),
        format!(
            "note: returning {run_id} requested {hhmm} by user_alice (queued); use --force for a new export"
        )
    );
    // With --json and -q as well: the document says `deduplicated`, stderr says it
    // for whoever reads only the log.
    let json = ok(&env, &[&start[..], &["--json", "-q"]].concat());
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["deduplicated"], true);
    assert!(
        json.stderr.contains(&format!("note: returning {run_id}")),
        "{}",
        json.stderr
    );

    // Once the run completed, the note says how many rows it has.
    ok(
        &env,
        &["export", "worker", "--drain", "--poll-interval", "0.05"],
    );
    let done = ok(&env, &start);
    assert!(
        done.stderr.contains("(completed, 5 rows); use --force"),
        "{}",
        done.stderr
    );
    // --wait marks it too, and says where the CSV is.
    let wait = ok(&env, &[&start[..], &["--wait", "--timeout", "10"]].concat());
    assert!(wait.stderr.contains("note: returning"), "{}", wait.stderr);
    let csv = env
        .data_dir()
        .join("exports/org_acme")
        .join(format!("{run_id}.csv"));
    assert!(
        wait.stderr
            .contains(&format!("completed: 5 rows, CSV at {}", csv.display())),
        "{}",
        wait.stderr
    );
}

#[sqlx::test]
async fn cron_logs_are_timestamped_quiet_keeps_how_runs_ended_and_idle_is_silent(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let drain = ["export", "worker", "--drain", "--poll-interval", "0.05"];
    let start = |force: bool| {
        let mut args = vec!["export", "start", "--org", "org_acme", "--as", "user_alice"];
        if force {
            args.push("--force");
        }
        ok(&env, &args).stdout.trim().to_owned()
    };

    // -q: only how each run ended (the export and its email child), timestamped.
    let first = start(false);
    let quiet = ok(&env, &[&["-q"][..], &drain].concat());
    let lines: Vec<&str> = quiet.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", quiet.stderr);
    for line in &lines {
        assert!(line_time(line).is_some(), "timestamped: {line}");
        assert!(line.contains(": completed after "), "{line}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("org_acme {first}: completed"))),
        "{}",
        quiet.stderr
    );

    // An idle pass writes nothing at all.
    let idle = ok(&env, &drain);
    assert_eq!((idle.stdout.as_str(), idle.stderr.as_str()), ("", ""));

    // Without -q: every line timestamped; the parent resumed after its child is said
    // once as "resumed", and the summary counts two attempts (export, email), not
    // three.
    let second = start(true);
    let full = ok(&env, &drain);
    for line in full.stderr.lines() {
        assert!(line_time(line).is_some(), "timestamped: {line}");
    }
    let of_run = |needle: &str| {
        full.stderr
            .lines()
            .filter(|l| l.contains(&second) && l.contains(needle))
            .count()
    };
    assert_eq!(of_run(": started (attempt 1/3)"), 1, "{}", full.stderr);
    assert_eq!(
        of_run(": resumed after its child run ended (attempt 1/3)"),
        1,
        "{}",
        full.stderr
    );
    assert!(
        full.stderr
            .contains("worker done: 2 completed, 0 failed, 0 retrying, 0 released, 0 taken over; 2 attempt(s), 1 resumed"),
        "{}",
        full.stderr
    );

    // NDJSON: every event carries its time.
    start(true);
    let ndjson = ok(&env, &[&drain[..], &["--json"]].concat());
    let events: Vec<Value> = ndjson
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(events.len() >= 4, "{}", ndjson.stdout);
    for event in &events {
        let time = event["time"].as_str().unwrap_or_default();
        assert!(
            time.ends_with('Z') && DateTime::parse_from_rfc3339(time).is_ok(),
            "{event}"
        );
    }
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "started" && e["resumed"] == true),
        "{}",
        ndjson.stdout
    );
}

#[test]
fn help_puts_global_options_apart_and_never_offers_the_maintainer_command() {
    let env = Env::new("postgres://127.0.0.1:1/unused");

    // A bare invocation: the help on stderr (exit 2), globals under their own
    // heading, no hidden command.
    let out = env
        .cmd()
        .env_remove("DATABASE_URL")
        .env_remove("INVOICECTL_CONFIG")
        .env_remove("INVOICECTL_DATA_DIR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let bare = String::from_utf8(out.stderr).unwrap();
    let options = bare.find("\nOptions:").expect(&bare);
    let globals = bare.find("\nGlobal Options:").expect(&bare);
    assert!(options < globals, "{bare}");
    assert!(
        bare[globals..].contains("--database-url") && !bare[..globals].contains("--database-url"),
        "{bare}"
    );
    assert!(!bare.contains("generate-assets"), "{bare}");
    // With DATABASE_URL set, clap lists the subcommands instead: not the hidden one.
    let listed = run(&env, &[]);
    assert_eq!(listed.code, Some(2));
    assert!(
        listed.stderr.contains("[subcommands: db, export,"),
        "{}",
        listed.stderr
    );
    assert!(
        !listed.stderr.contains("generate-assets"),
        "{}",
        listed.stderr
    );
    // Nor is it suggested for a typo.
    let typo = run(&env, &["generate-asset"]);
    assert_eq!(typo.code, Some(2));
    assert!(!typo.stderr.contains("generate-assets"), "{}", typo.stderr);

    // Environment variables are named, their values never shown (set or not).
    let help = ok(&env, &["export", "start", "--help"]);
    for var in [
        "INVOICECTL_USER",
        "INVOICECTL_CONFIG",
        "INVOICECTL_DATA_DIR",
    ] {
        assert!(help.stdout.contains(&format!("[env: {var}]")), "{var}");
    }
    assert!(!help.stdout.contains("=]"), "{}", help.stdout);
    // The data directory is a documented option.
    assert!(help.stdout.contains("--data-dir <DIR>"), "{}", help.stdout);

    // An organization given as a positional argument: clap's usage error, with a
    // tip naming --org.
    let positional = run(&env, &["export", "start", "org_acme", "--as", "user_alice"]);
    assert_eq!(positional.code, Some(2));
    assert!(
        positional
            .stderr
            .contains("tip: the organization is an option: '--org org_acme'"),
        "{}",
        positional.stderr
    );
}
