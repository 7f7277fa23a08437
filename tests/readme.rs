//! The README stays true: every command in it runs here, as written, in the order
//! written — the quick start, the install steps, the tour, the cron setup and the
//! cron line (with cron's bare environment), the CI recipe — against a test
//! database named the libpq way (PGHOST, PGDATABASE, …), with `invoicectl` on PATH
//! and a scratch HOME.
//!
//! `cargo` lines build the binary this test already has: `cargo run --release --
//! ARGS` runs it with ARGS, `cargo install --locked --path .` is the binary on PATH,
//! and `cargo test` is what .ci/run runs (it is this suite).

use std::path::Path;
use std::time::Duration;

use crate::common::process::Process;
use crate::common::{self, BINARY, Env};
use sqlx::PgPool;

/// The fenced blocks of `markdown` with their language.
fn blocks(markdown: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in markdown.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(lang)) => current = Some((lang.trim().to_owned(), String::new())),
            (Some(_), Some("")) => out.push(current.take().unwrap()),
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

const CARGO: &str = r#"cargo() {
    case "$*" in
        "run --release -- "*) shift 3; invoicectl "$@" ;;
        "install --locked --path .") command -v invoicectl >/dev/null ;;
        "test") : ;;
        *) echo "README runs an unknown cargo command: cargo $*" >&2; exit 99 ;;
    esac
}
"#;

#[sqlx::test]
async fn every_command_in_the_readme_runs_as_written(pool: PgPool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let env = Env::for_pool(&pool);
    let home = env.path().join("home");
    let work = env.path().join("work");
    let bin = home.join(".cargo/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    std::os::unix::fs::symlink(BINARY, bin.join("invoicectl")).unwrap();
    for dir in ["completions", "man"] {
        std::os::unix::fs::symlink(root.join(dir), work.join(dir)).unwrap();
    }
    let database = pool.connect_options().get_database().unwrap().to_owned();
    let server = common::server_url();
    let config = home.join(".config/invoicectl/config.toml");
    let shell = |script: &str| {
        let mut cmd = std::process::Command::new("sh");
        cmd.env_clear()
            .env("HOME", &home)
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("PGHOST", server.host_str().unwrap())
            .env("PGPORT", server.port().unwrap_or(5432).to_string())
            .env("PGUSER", server.username())
            .env("PGDATABASE", &database)
            .current_dir(&work)
            .args(["-ec", &format!("{CARGO}{script}")]);
        cmd
    };
    // Where the README's config names the local `invoicectl` database, the test's
    // stands in for it.
    let point_config_at_the_test_database = || {
        if let Ok(text) = std::fs::read_to_string(&config) {
            let text: String = text
                .lines()
                .map(|l| {
                    if l.starts_with("database_url") {
                        format!("database_url = \"{}\"", env.database_url)
                    } else {
                        l.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            std::fs::write(&config, text + "\n").unwrap();
        }
    };

    let mut ran = 0;
    for (lang, body) in blocks(&readme) {
        match lang.as_str() {
            "sh" if body.contains("--wait") => {
                // The CI recipe: "a worker must be running somewhere".
                let mut worker_cmd = shell("exec invoicectl export worker --poll-interval 0.05");
                let mut worker = Process::logged(&mut worker_cmd, env.path(), "worker");
                let out = shell(&body).output().unwrap();
                assert!(
                    out.status.success(),
                    "CI recipe: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                assert!(String::from_utf8_lossy(&out.stdout).contains("export ready"));
                worker.terminate(Duration::from_secs(15));
            }
            "sh" => {
                let out = shell(&body).output().unwrap();
                assert!(
                    out.status.success(),
                    "README block failed ({:?}):\n{body}\nstdout:\n{}\nstderr:\n{}",
                    out.status.code(),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                point_config_at_the_test_database();
            }
            "cron" => {
                // The line as cron runs it: its schedule fields off, /bin/sh, HOME
                // and a PATH without ~/.cargo/bin, nothing else.
                let command: String = body
                    .trim()
                    .splitn(6, ' ')
                    .nth(5)
                    .expect("a cron line")
                    .to_owned();
                let out = std::process::Command::new("/bin/sh")
                    .env_clear()
                    .env("HOME", &home)
                    .env("PATH", "/usr/bin:/bin")
                    .env("SHELL", "/bin/sh")
                    .current_dir(&home)
                    .args(["-c", &command])
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "cron line: {command}\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let log = home.join(".local/state/invoicectl/worker.log");
                assert!(log.exists(), "the cron line logs to {}", log.display());
            }
            _ => continue,
        }
        ran += 1;
    }
    assert!(ran >= 5, "{ran} blocks ran");
}

/// The tour says what each step shows; these are its claims, in its order, after the
/// demo: a forced start is queued, a drain completes it, a prune expires it.
#[sqlx::test]
async fn the_tour_is_true_as_printed_after_the_demo(pool: PgPool) {
    let env = Env::for_pool(&pool);
    let status = |run: &str| common::json_ok(&env, &["export", "status", run])["status"].clone();
    common::json_ok(&env, &["demo"]);
    let run = common::json_ok(
        &env,
        &[
            "export",
            "start",
            "--org",
            "org_acme",
            "--as",
            "user_alice",
            "--force",
        ],
    )["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(status(&run), "queued");
    env.cmd()
        .args(["export", "worker", "--drain", "--poll-interval", "0.05"])
        .assert()
        .success();
    assert_eq!(status(&run), "completed");
    env.cmd()
        .args(["export", "prune", "--older-than", "0s"])
        .assert()
        .success();
    assert_eq!(status(&run), "expired");
}
