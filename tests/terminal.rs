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
        // A URL is never cut (it is there to be copied): the one line that may run
        // past the edge is `export status RUN`'s `download`.
        let wide: Vec<_> = too_wide(&out, COLS.into())
            .into_iter()
            .filter(|(_, line)| !line.starts_with("download ") || !line.contains("://"))
            .collect();
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
