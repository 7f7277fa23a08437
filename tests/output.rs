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

/// A worker's stderr off a terminal is a log (cron, systemd): its last error line is
/// timestamped like every other line there; other commands keep the one plain
/// `invoicectl: error:` line scripts read. An export folder the worker cannot
/// create or write exits 77, one that is not a folder 65, as documented.
#[sqlx::test]
async fn worker_error_lines_are_timestamped_and_bad_export_folders_exit_as_documented(
    pool: PgPool,
) {
    let env = Env::for_pool(&pool);
    let drain = ["export", "worker", "--drain", "--export-dir"];
    let cannot = run(&env, &[&drain[..], &["/proc/nope"]].concat());
    assert_eq!(cannot.code, Some(77), "{}", cannot.stderr);
    let line = cannot.stderr.lines().last().unwrap();
    assert!(line_time(line).is_some(), "timestamped: {line}");
    assert!(
        line.contains(" ERROR invoicectl: error: cannot use export directory /proc/nope"),
        "{line}"
    );
    let file = env.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let not_dir = run(&env, &[&drain[..], &[file.to_str().unwrap()]].concat());
    assert_eq!(not_dir.code, Some(65), "{}", not_dir.stderr);
    assert!(line_time(&not_dir.stderr).is_some(), "{}", not_dir.stderr);

    let other = run(
        &env,
        &["export", "status", "run_01jd5x7m3k9q2w8e4r6t0y1v3a"],
    );
    assert_eq!(other.code, Some(66));
    assert!(
        other.stderr.starts_with("invoicectl: error: run "),
        "{}",
        other.stderr
    );
}

/// A cron worker's metrics: `--metrics-textfile` (or `metrics_textfile`,
/// INVOICECTL_METRICS_TEXTFILE) writes the worker's metrics when it ends, for
/// node_exporter's textfile collector, with the time it ended; promtool accepts
/// the file where it is installed (.ci/run installs it).
#[sqlx::test]
async fn a_drain_writes_a_metrics_textfile_that_promtool_accepts(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    ok(
        &env,
        &["export", "start", "--org", "org_acme", "--as", "user_alice"],
    );
    let prom = env.path().join("invoicectl.prom");
    let before = Utc::now().timestamp();
    // From the variable, as cron's environment or a systemd unit gives it.
    let out = env
        .cmd()
        .env("INVOICECTL_METRICS_TEXTFILE", &prom)
        .args([
            "-q",
            "export",
            "worker",
            "--drain",
            "--poll-interval",
            "0.05",
        ])
        .assert()
        .success();
    assert!(out.get_output().stdout.is_empty());
    let text = std::fs::read_to_string(&prom).unwrap();
    assert!(
        text.contains("invoicectl_runs_completed_total{task=\"export-invoices\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("invoicectl_export_emails_total{disposition=\"written\"} 1"),
        "{text}"
    );
    let ended: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("invoicectl_worker_last_run_timestamp_seconds "))
        .unwrap_or_else(|| panic!("no last-run gauge: {text}"))
        .parse()
        .unwrap();
    assert!(ended >= before as f64, "{ended} < {before}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&prom).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "node_exporter runs as another user");
    }
    // No temporary file is left beside it.
    let left: Vec<_> = std::fs::read_dir(env.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    match std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&prom).unwrap())
        .output()
    {
        Ok(check) => assert!(
            check.status.success() && check.stdout.is_empty() && check.stderr.is_empty(),
            "promtool check metrics: {}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        ),
        Err(e) => {
            eprintln!("promtool not installed ({e}): format not checked (.ci/run installs it)")
        }
    }
    // A name the collector would not read is refused before anything runs.
    let bad = run(
        &env,
        &[
            "export",
            "worker",
            "--drain",
            "--metrics-textfile",
            "/tmp/x.txt",
        ],
    );
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains(".prom"), "{}", bad.stderr);
}

/// A long-running worker says at start which database it drains, where it stores
/// exports and what it serves — one line each — and takes its metrics address from
/// INVOICECTL_METRICS_ADDR like any setting.
#[sqlx::test]
async fn a_long_running_worker_says_what_it_drains_stores_and_serves(pool: PgPool) {
    let env = Env::for_pool(&pool);
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let mut cmd = env.std_cmd();
    cmd.env("INVOICECTL_METRICS_ADDR", addr.to_string()).args([
        "export",
        "worker",
        "--poll-interval",
        "0.05",
    ]);
    let mut worker = crate::common::process::Process::logged(&mut cmd, env.path(), "worker");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let database = common_database(&env);
    let server = crate::common::server_url();
    let wanted = [
        format!(
            "draining database {database} on {}:{}",
            server.host_str().unwrap_or_default(),
            server.port().unwrap_or(5432)
        ),
        format!(
            "storing exports in file://{}",
            env.data_dir().join("exports").display()
        ),
        format!("serving metrics at http://{addr}/metrics"),
    ];
    loop {
        let log = worker.stderr_text();
        if wanted.iter().all(|w| log.contains(w.as_str())) {
            for line in log.lines() {
                assert!(line_time(line).is_some(), "timestamped: {line}");
            }
            break;
        }
        worker.assert_running();
        assert!(
            std::time::Instant::now() < deadline,
            "{wanted:?} in:\n{log}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let status = worker.terminate(std::time::Duration::from_secs(15));
    assert!(status.success(), "{}", worker.stderr_text());
}

fn common_database(env: &Env) -> String {
    url::Url::parse(&env.database_url)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned()
}
