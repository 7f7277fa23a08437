//! What a person at an 80-column terminal reads: the real binary with its stdout on
//! a pseudo-terminal ([`common::tty`]). Every table and stream keeps a row on one
//! line at 80 columns, and the columns that stay are the ones worth reading.

use crate::common::runs::drain_until_final;
use crate::common::tty::{run_on_tty, too_wide};
use crate::common::{Env, json_ok};
use invoicectl::db;
use sqlx::PgPool;
use std::time::Duration;

const COLS: u16 = 80;

fn on_tty(env: &Env, args: &[&str]) -> String {
    let mut cmd = env.std_cmd();
    if args == ["config", "show"] {
        // The test database's 60-character name is no database a person names;
        // `config show` does not connect, so it is shown one as named in the docs.
        cmd.env(
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/invoicectl",
        );
    }
    cmd.args(["--color", "never"]).args(args);
    let (out, _) = run_on_tty(cmd, COLS);
    out
}

#[sqlx::test]
async fn every_table_fits_80_columns_and_keeps_who_and_what(pool: PgPool) {
    db::seed::seed_demo(&pool, 30).await.unwrap();
    let env = Env::for_pool(&pool);
    // A config file with a long path, as a real one under a home directory has.
    env.write_config("page_size = 10\nmail_from = \"Invoices of ACME Corporation <invoices-noreply@billing.acme-corporation.example.com>\"\n");
    let run = json_ok(
        &env,
        &["export", "start", "--org", "org_acme", "--as", "user_alice"],
    )["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    drain_until_final(&env, &pool, &run, &[], Duration::from_secs(60)).await;
    env.cmd()
        .args([
            "suppression",
            "add",
            "someone.with.a.long.address@example.com",
            "--reason",
            "bounce",
        ])
        .assert()
        .success();

    for args in [
        &["config", "show"][..],
        &["export", "status", "--org", "org_acme"],
        &["export", "status", &run],
        &["export", "queue"],
        &["org", "list"],
        &["member", "list", "--org", "org_acme"],
        &["suppression", "list"],
        &["audit", "tail"],
        &["audit", "tail", "--org", "org_acme"],
    ] {
        let out = on_tty(&env, args);
        assert!(!out.trim().is_empty(), "{args:?} printed nothing");
        // `export status RUN` is a key/value listing whose values (a URL, the
        // command that gets a link) are there to be copied whole: its table of child
        // runs is what must fit.
        let checked = match out.find("child runs:") {
            Some(at) if args.len() == 3 && args[1] == "status" => &out[at..],
            _ => out.as_str(),
        };
        let wide = too_wide(checked, COLS.into());
        assert!(
            wide.is_empty(),
            "{args:?} at {COLS} columns: {wide:?}\n{out}"
        );
    }

    // `--org` fixes the organization: the column goes, who acted and on what stay,
    // and the payload keeps the room left.
    let tail = on_tty(&env, &["audit", "tail", "--org", "org_acme"]);
    let header = tail.lines().find(|l| l.contains("ACTION")).unwrap();
    assert!(!header.contains("ORG"), "{tail}");
    assert!(
        header.contains("ACTOR") && header.contains("SUBJECT"),
        "{tail}"
    );
    assert!(tail.contains("user_alice"), "who acted: {tail}");
    assert!(tail.contains(&run[..12]), "on which run: {tail}");
}

/// On a terminal a worker's events read like its other lines (`email written to
/// …eml`), never as raw tracing records (`INFO execute{run_id=…}: … key=value`);
/// `-v` keeps the structured form.
#[sqlx::test]
async fn worker_events_on_a_terminal_read_like_the_other_lines(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let drain = [
        "--color",
        "never",
        "export",
        "worker",
        "--drain",
        "--poll-interval",
        "0.05",
    ];
    let start = || {
        env.cmd()
            .args([
                "export",
                "start",
                "--org",
                "org_acme",
                "--as",
                "user_alice",
                "--force",
            ])
            .assert()
            .success();
    };
    start();
    let mut cmd = env.std_cmd();
    cmd.args(drain);
    let (_, tty) = crate::common::tty::run_with_stderr_on_tty(cmd, COLS);
    let outbox = env.data_dir().join("outbox");
    // The bars redraw around the lines (cursor movements, padding), so the line is
    // found by its words.
    let at = tty
        .find("email written to ")
        .unwrap_or_else(|| panic!("no email line in:\n{tty}"));
    let line = tty[at..]
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        line.starts_with(&format!("email written to {}", outbox.display()))
            && line.ends_with(".eml"),
        "{line:?}"
    );
    // The .eml holds a live link: owner-only, like the export.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let eml = line.trim_start_matches("email written to ");
        let mode = std::fs::metadata(eml).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{eml}");
    }
    for raw in ["INFO", "execute{", "message_id=", "disposition="] {
        assert!(!tty.contains(raw), "{raw} in:\n{tty}");
    }

    // -v: the structured record, for whoever asked for detail.
    start();
    let mut cmd = env.std_cmd();
    cmd.arg("-v").args(drain);
    let (_, verbose) = crate::common::tty::run_with_stderr_on_tty(cmd, COLS);
    assert!(
        verbose.contains("disposition=\"written\"") || verbose.contains("disposition=written"),
        "{verbose}"
    );
}
