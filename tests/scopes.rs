//! Scoped exports, pausing an organization, retrying an export, and schedules — the
//! real binary and real worker processes against a real PostgreSQL: a scoped CSV
//! holds exactly the rows the SQL selects, cell by cell; bad scopes write nothing;
//! a paused organization's export waits through a drain while another's completes;
//! a retry is idempotent; a schedule ticking every 2 s under three workers (one
//! SIGKILLed) fires each instant once; missed ticks fire once.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Utc};
use serde_json::Value;
use sqlx::PgPool;

use crate::common::audit::{AuditFilter, audit_rows};
use crate::common::invoices::{DbInvoice, expected_record, parse_csv};
use crate::common::process::Process;
use crate::common::runs::{drain, drain_until_final, file_of, run_status, start_cmd, start_json};
use crate::common::{Env, count, json_ok, refused};
use invoicectl::db;

/// `export start` of org_acme as user_alice, with `extra`.
fn start(env: &Env, extra: &[&str]) -> Value {
    start_json(env, "org_acme", "user_alice", extra)
}

fn eml_count(env: &Env) -> usize {
    std::fs::read_dir(env.data_dir().join("outbox"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .count()
        })
        .unwrap_or(0)
}

fn eml_texts(env: &Env) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(env.data_dir().join("outbox")) else {
        return vec![];
    };
    dir.filter_map(Result::ok)
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect()
}

/// The rows the scope's SQL returns, as the database orders them.
async fn scoped_rows(
    pool: &PgPool,
    org: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    statuses: &[&str],
) -> Vec<DbInvoice> {
    let statuses: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
    sqlx::query_as(
        "SELECT id, number, customer_name, customer_email, currency, amount_cents, status,
                issued_at, due_at
         FROM invoice
         WHERE organization_id = $1 AND issued_at >= $2 AND issued_at < $3
           AND (cardinality($4::text[]) = 0 OR status = ANY($4))
         ORDER BY id COLLATE \"C\"",
    )
    .bind(org)
    .bind(from)
    .bind(to)
    .bind(&statuses)
    .fetch_all(pool)
    .await
    .unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn csv_of(status: &Value) -> Vec<Vec<String>> {
    let url = status["output"]["objectUrl"].as_str().unwrap();
    parse_csv(&std::fs::read(file_of(url)).unwrap())
}

async fn footprint(pool: &PgPool) -> [i64; 4] {
    [
        count(pool, "run").await,
        count(pool, "export").await,
        count(pool, "audit_log").await,
        count(pool, "export_schedule").await,
    ]
}

// ---------------------------------------------------------------------------
// scopes

#[sqlx::test]
async fn a_scoped_csv_holds_exactly_the_rows_sql_selects_in_utc_and_in_a_zone(pool: PgPool) {
    // 3,000 invoices, one every 37 minutes from 2025-01-01 09:00 UTC: January to
    // mid-March 2025, across New York's spring-forward (2025-03-09).
    db::seed::seed_demo(&pool, 3000).await.unwrap();
    let env = Env::for_pool(&pool);

    let feb = start(&env, &["--period", "2025-02", "--status", "paid,open"]);
    assert_eq!(feb["deduplicated"], false);
    assert_eq!(
        feb["scope"],
        serde_json::json!({"from": "2025-02-01T00:00:00Z", "to": "2025-03-01T00:00:00Z",
                           "status": ["open", "paid"], "period": "2025-02"})
    );
    let ny = start(&env, &["--period", "2025-03", "--tz", "America/New_York"]);
    assert_eq!(ny["scope"]["from"], "2025-03-01T05:00:00Z", "EST midnight");
    assert_eq!(ny["scope"]["to"], "2025-04-01T04:00:00Z", "EDT midnight");
    let range = start(
        &env,
        &["--from", "2025-01-10T12:00:00+02:00", "--to", "2025-01-20"],
    );
    for started in [&ny, &range, &feb] {
        let run = started["runId"].as_str().unwrap();
        drain_until_final(&env, &pool, run, &[], Duration::from_secs(120)).await;
    }

    for (started, from, to, statuses) in [
        (
            &feb,
            at("2025-02-01T00:00:00Z"),
            at("2025-03-01T00:00:00Z"),
            vec!["paid", "open"],
        ),
        (
            &ny,
            at("2025-03-01T05:00:00Z"),
            at("2025-04-01T04:00:00Z"),
            vec![],
        ),
        (
            &range,
            at("2025-01-10T10:00:00Z"),
            at("2025-01-20T00:00:00Z"),
            vec![],
        ),
    ] {
        let run = started["runId"].as_str().unwrap();
        let status = json_ok(&env, &["export", "status", run]);
        assert_eq!(status["status"], "completed", "{status}");
        assert_eq!(status["scope"], started["scope"]);
        let children = status["children"].as_array().unwrap();
        assert_eq!(children.len(), 1, "the email child");
        assert!(children[0].get("scope").is_none(), "{status}");
        let expected = scoped_rows(&pool, "org_acme", from, to, &statuses).await;
        assert!(expected.len() > 50, "a scope with rows: {}", expected.len());
        let csv = csv_of(&status);
        assert_eq!(csv.len(), expected.len() + 1, "{run}: header + rows");
        for (row, want) in csv[1..].iter().zip(&expected) {
            assert_eq!(row, &expected_record(want), "{run}");
        }
        assert_eq!(status["output"]["rowCount"], expected.len() as u64);
        let rows_in_db: i64 = sqlx::query_scalar("SELECT row_count FROM export WHERE run_id = $1")
            .bind(run)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(rows_in_db, expected.len() as i64);
    }
    // The export row and the audit entry carry the scope.
    let stored: Value = sqlx::query_scalar("SELECT scope FROM export WHERE run_id = $1")
        .bind(feb["runId"].as_str().unwrap())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, feb["scope"]);
    let requested = audit_rows(
        &pool,
        AuditFilter::subject(feb["runId"].as_str().unwrap()).action("export.invoices.requested"),
    )
    .await;
    assert_eq!(requested.len(), 1);
    // The human status names the scope; the email says it; the download is named for it.
    let human = env
        .cmd()
        .args(["export", "status", feb["runId"].as_str().unwrap()])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains("(end excluded), 2025-02; status open, paid"),
        "{human}"
    );
    let mails = eml_texts(&env);
    assert_eq!(mails.len(), 3);
    assert!(
        mails
            .iter()
            .any(|m| m.contains("2025-02; status open, paid")),
        "{mails:?}"
    );
}

#[sqlx::test]
async fn relative_periods_resolve_when_requested(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let before = Utc::now();
    let prev = start(&env, &["--period", "previous-month"]);
    let after = Utc::now();
    // (Not across a month boundary between the two clock reads.)
    if before.month() == after.month() {
        let (y, m) = if before.month() == 1 {
            (before.year() - 1, 12)
        } else {
            (before.year(), before.month() - 1)
        };
        assert_eq!(prev["scope"]["period"], format!("{y:04}-{m:02}"));
        assert_eq!(prev["scope"]["from"], format!("{y:04}-{m:02}-01T00:00:00Z"));
    }
    let day = start(&env, &["--period", "previous-day", "--tz", "Asia/Tokyo"]);
    let from = at(day["scope"]["from"].as_str().unwrap());
    let to = at(day["scope"]["to"].as_str().unwrap());
    assert_eq!(to - from, chrono::Duration::hours(24));
    assert_eq!(
        from.format("%H:%M").to_string(),
        "15:00",
        "Tokyo midnight is 15:00 UTC"
    );
    assert_eq!(day["scope"]["timeZone"], "Asia/Tokyo");
}

#[sqlx::test]
async fn bad_scopes_exit_65_and_write_nothing(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let before = footprint(&pool).await;
    for (args, says) in [
        (
            vec!["--from", "2025-02-01", "--to", "2025-01-01"],
            "is not before",
        ),
        (
            vec!["--from", "2025-02-01", "--to", "2025-02-01"],
            "is not before",
        ),
        (
            vec!["--status", "paid,refunded"],
            "unknown invoice status \"refunded\"",
        ),
        (vec!["--status", ","], "names no status"),
        (vec!["--period", "2025-13"], "is not a period"),
        (vec!["--period", "last-month"], "is not a period"),
        (vec!["--period", "2025-11", "--tz", "Mars/Olympus"], "IANA"),
        (vec!["--from", "01/02/2025"], "is not a date"),
    ] {
        let line = refused(&mut start_cmd(&env, "org_acme", "user_alice", &args), 65);
        assert!(line.contains(says), "{args:?}: {line}");
    }
    // Combinations clap refuses (usage, 2).
    start_cmd(&env, "org_acme", "user_alice", &["--tz", "UTC"])
        .assert()
        .code(2);
    start_cmd(
        &env,
        "org_acme",
        "user_alice",
        &["--period", "2025", "--from", "2025-01-01"],
    )
    .assert()
    .code(2);
    assert_eq!(
        footprint(&pool).await,
        before,
        "a refused request writes nothing"
    );

    // A stored payload with a bad scope is failed at load, with no attempt spent on it.
    let run = start(&env, &["--period", "2025-01"]);
    let run_id = run["runId"].as_str().unwrap();
    sqlx::query("UPDATE run SET payload = jsonb_set(payload, '{scope,status}', '[\"refunded\"]') WHERE id = $1")
        .bind(run_id)
        .execute(&pool)
        .await
        .unwrap();
    drain_until_final(&env, &pool, run_id, &[], Duration::from_secs(60)).await;
    let status = json_ok(&env, &["export", "status", run_id]);
    assert_eq!(status["status"], "failed");
    assert!(
        status["error"]["message"]
            .as_str()
            .unwrap()
            .contains("refunded"),
        "{status}"
    );
}

#[sqlx::test]
async fn the_same_scope_the_same_day_dedups_and_another_scope_does_not(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let with = |extra: &[&str]| start(&env, extra);
    let nov = with(&["--period", "2025-11"]);
    // The same scope spelt another way: a status list in another order, and the
    // explicit range of the same month (a different period name is a different scope).
    let again = with(&["--period", "2025-11"]);
    assert_eq!(again["deduplicated"], true);
    assert_eq!(again["runId"], nov["runId"]);
    let paid_open = with(&["--period", "2025-11", "--status", "paid,open"]);
    let open_paid = with(&[
        "--period", "2025-11", "--status", "open", "--status", "paid",
    ]);
    assert_eq!(open_paid["runId"], paid_open["runId"]);
    assert_eq!(open_paid["deduplicated"], true);
    let everything = with(&[]);
    let oct = with(&["--period", "2025-10"]);
    let ids: BTreeSet<&str> = [&nov, &paid_open, &everything, &oct]
        .iter()
        .map(|v| v["runId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 4, "four scopes, four runs");
    assert_eq!(count(&pool, "export").await, 4);
}

// ---------------------------------------------------------------------------
// pause and resume

#[sqlx::test]
async fn a_paused_orgs_export_stays_queued_through_a_drain_and_completes_after_resume(
    pool: PgPool,
) {
    db::seed::seed_demo(&pool, 20).await.unwrap();
    let env = Env::for_pool(&pool);
    // Only an owner or admin may pause.
    let line = refused(
        env.cmd()
            .args(["export", "pause", "--org", "org_acme", "--as", "user_bob"]),
        77,
    );
    assert!(line.contains("admin or owner"), "{line}");

    let paused = json_ok(
        &env,
        &[
            "export",
            "pause",
            "--org",
            "org_acme",
            "--reason",
            "fixing invoice data",
            "--as",
            "user_alice",
        ],
    );
    assert_eq!(paused["changed"], true);
    assert_eq!(paused["pause"]["pausedBy"], "user_alice");
    // Requests are still accepted and queue up.
    let acme = start(&env, &[]);
    let globex = start_json(&env, "org_globex", "user_bob", &[]);
    let acme_id = acme["runId"].as_str().unwrap();
    drain(&env);
    assert_eq!(
        run_status(&pool, globex["runId"].as_str().unwrap()).await,
        "completed"
    );
    assert_eq!(run_status(&pool, acme_id).await, "queued");

    let status = json_ok(&env, &["export", "status", acme_id]);
    assert_eq!(status["paused"]["pausedBy"], "user_alice");
    assert_eq!(status["paused"]["reason"], "fixing invoice data");
    let queue = json_ok(&env, &["export", "queue"]);
    let lanes = queue["pausedLanes"].as_array().unwrap();
    assert_eq!(lanes.len(), 1, "{queue}");
    assert_eq!(lanes[0]["concurrencyKey"], "org_acme");
    assert_eq!(lanes[0]["queued"], 1);
    // --wait says why it waits.
    let waited = start_cmd(
        &env,
        "org_acme",
        "user_alice",
        &["--wait", "--timeout", "1"],
    )
    .output()
    .unwrap();
    assert_eq!(waited.status.code(), Some(75));
    let stderr = String::from_utf8_lossy(&waited.stderr);
    assert!(
        stderr.contains("paused by user_alice") && stderr.contains("export resume --org org_acme"),
        "{stderr}"
    );
    // Pausing again changes nothing (and writes no second audit entry).
    let again = json_ok(
        &env,
        &["export", "pause", "--org", "org_acme", "--as", "user_alice"],
    );
    assert_eq!(again["changed"], false);

    let resumed = json_ok(
        &env,
        &[
            "export",
            "resume",
            "--org",
            "org_acme",
            "--as",
            "user_alice",
        ],
    );
    assert_eq!(resumed["changed"], true);
    drain(&env);
    assert_eq!(run_status(&pool, acme_id).await, "completed");
    let queue = json_ok(&env, &["export", "queue"]);
    assert_eq!(queue["pausedLanes"], serde_json::json!([]));
    let entries: Vec<String> = audit_rows(&pool, AuditFilter::subject("org_acme"))
        .await
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(entries, ["export.lane.paused", "export.lane.resumed"]);
}

// ---------------------------------------------------------------------------
// retry

#[sqlx::test]
async fn retrying_a_canceled_export_completes_and_twice_returns_the_same_run(pool: PgPool) {
    db::seed::seed_demo(&pool, 20).await.unwrap();
    let env = Env::for_pool(&pool);
    let first = start(&env, &["--period", "2025"]);
    let first_id = first["runId"].as_str().unwrap();
    // Not retryable while queued.
    let line = refused(env.cmd().args(["export", "retry", first_id]), 65);
    assert!(
        line.contains("is queued") && line.contains("--force"),
        "{line}"
    );
    env.cmd()
        .args(["export", "cancel", first_id])
        .assert()
        .success();

    let retry = json_ok(&env, &["export", "retry", first_id]);
    assert_eq!(retry["deduplicated"], false);
    assert_eq!(retry["retryOf"], first_id);
    assert_eq!(retry["scope"], first["scope"]);
    let again = json_ok(&env, &["export", "retry", first_id]);
    assert_eq!(again["runId"], retry["runId"]);
    assert_eq!(again["deduplicated"], true);
    let new_id = retry["runId"].as_str().unwrap();
    drain_until_final(&env, &pool, new_id, &[], Duration::from_secs(60)).await;
    let status = json_ok(&env, &["export", "status", new_id]);
    assert_eq!(status["status"], "completed");
    assert_eq!(status["retryOf"], first_id);
    assert_eq!(status["scope"], first["scope"]);
    let original = json_ok(&env, &["export", "status", first_id]);
    assert_eq!(original["retriedBy"], new_id);
    // A completed export is not retried: a fresh one is `start --force`.
    let line = refused(env.cmd().args(["export", "retry", new_id]), 65);
    assert!(line.contains("completed"), "{line}");
    assert_eq!(
        audit_rows(
            &pool,
            AuditFilter::subject(first_id).action("export.invoices.retried")
        )
        .await
        .len(),
        1
    );
}

// ---------------------------------------------------------------------------
// schedules

/// `export schedule add` of org_acme owned by `owner`, with `extra`.
fn schedule_add(env: &Env, owner: &str, extra: &[&str]) -> Value {
    let mut all = vec![
        "export", "schedule", "add", "--org", "org_acme", "--as", owner,
    ];
    all.extend_from_slice(extra);
    json_ok(env, &all)
}

fn worker(env: &Env, name: &str) -> Process {
    let mut cmd = env.std_cmd();
    cmd.args([
        "export",
        "worker",
        "--poll-interval",
        "0.1",
        "--lease",
        "3",
        "--heartbeat",
        "1",
    ]);
    Process::logged(&mut cmd, env.path(), name)
}

#[sqlx::test]
async fn schedule_add_refuses_bad_expressions_zones_and_requesters(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let before = footprint(&pool).await;
    for (args, code, says) in [
        (vec!["--cron", "* * * *"], 65, "4 fields"),
        (vec!["--cron", "0 0 6 1 * * 2027"], 65, "7 fields"),
        (vec!["--cron", "61 * * * *"], 65, "invalid"),
        (
            vec!["--cron", "0 6 * * *", "--tz", "Mars/Olympus"],
            65,
            "IANA",
        ),
        (
            vec!["--cron", "0 6 * * *", "--period", "yesterday"],
            65,
            "not a period",
        ),
    ] {
        let mut cmd = env.cmd();
        cmd.args([
            "export",
            "schedule",
            "add",
            "--org",
            "org_acme",
            "--as",
            "user_alice",
        ])
        .args(&args);
        let line = refused(&mut cmd, code);
        assert!(line.contains(says), "{args:?}: {line}");
    }
    let line = refused(
        env.cmd().args([
            "export",
            "schedule",
            "add",
            "--org",
            "org_acme",
            "--as",
            "user_carol",
            "--cron",
            "0 6 * * *",
        ]),
        77,
    );
    assert!(line.contains("viewer"), "{line}");
    assert_eq!(footprint(&pool).await, before);

    let s = schedule_add(
        &env,
        "user_alice",
        &[
            "--cron",
            "0 6 1 * *",
            "--tz",
            "Europe/Paris",
            "--period",
            "previous-month",
        ],
    );
    let id = s["id"].as_str().unwrap();
    assert!(id.starts_with("sched_"));
    let shown = json_ok(&env, &["export", "schedule", "show", id]);
    let upcoming = shown["upcoming"].as_array().unwrap();
    assert_eq!(upcoming.len(), 5);
    for t in upcoming {
        // 06:00 in Paris on the 1st: 05:00 UTC in winter, 04:00 in summer.
        let t = at(t.as_str().unwrap());
        assert_eq!(
            t.with_timezone(&chrono_tz::Europe::Paris)
                .format("%d %H:%M")
                .to_string(),
            "01 06:00"
        );
    }
    let queue = json_ok(&env, &["export", "queue"]);
    assert_eq!(queue["nextScheduleTick"]["scheduleId"], id);
    let paused = json_ok(
        &env,
        &["export", "schedule", "pause", id, "--as", "user_alice"],
    );
    assert_eq!(paused["state"], "paused");
    json_ok(
        &env,
        &["export", "schedule", "resume", id, "--as", "user_alice"],
    );
    let line = refused(
        env.cmd()
            .args(["export", "schedule", "remove", id, "--as", "user_bob"]),
        77,
    );
    assert!(line.contains("may not change"), "{line}");
    json_ok(
        &env,
        &["export", "schedule", "remove", id, "--as", "user_alice"],
    );
    assert_eq!(
        json_ok(&env, &["export", "schedule", "list"]),
        serde_json::json!([])
    );
    let actions: Vec<String> = audit_rows(&pool, AuditFilter::subject(id))
        .await
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        [
            "export.schedule.created",
            "export.schedule.paused",
            "export.schedule.resumed",
            "export.schedule.removed"
        ]
    );
}

/// The tick instants a schedule's exports were requested for, with their counts.
async fn tick_exports(pool: &PgPool, schedule: &str) -> Vec<(DateTime<Utc>, i64)> {
    sqlx::query_as(
        "SELECT scheduled_for, count(*) FROM export WHERE schedule_id = $1
         GROUP BY scheduled_for ORDER BY scheduled_for",
    )
    .bind(schedule)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn a_two_second_schedule_under_three_workers_one_killed_fires_each_instant_once(
    pool: PgPool,
) {
    db::seed::seed_demo(&pool, 2000).await.unwrap();
    let env = Env::for_pool(&pool);
    // Small pages: an export takes a while, so the kill lands mid-run.
    env.write_config("page_size = 50\n");
    let s = schedule_add(&env, "user_alice", &["--cron", "*/2 * * * * *"]);
    let id = s["id"].as_str().unwrap().to_owned();
    let mut workers = vec![worker(&env, "w1"), worker(&env, "w2"), worker(&env, "w3")];
    let began = Instant::now();
    // Kill the worker that holds an export, once one does.
    let mut killed = false;
    while began.elapsed() < Duration::from_secs(20) {
        if !killed && began.elapsed() > Duration::from_secs(4) {
            let owner: Option<String> = sqlx::query_scalar(
                "SELECT lease_owner FROM run WHERE status = 'executing' AND task_id = 'export-invoices' LIMIT 1",
            )
            .fetch_optional(&pool)
            .await
            .unwrap()
            .flatten();
            if let Some(owner) = owner
                && let Some(victim) = workers
                    .iter()
                    .position(|w| owner.contains(&format!(":{}:", w.child.id())))
            {
                workers[victim].signal(libc::SIGKILL);
                killed = true;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(killed, "a worker was killed while it held an export");
    json_ok(
        &env,
        &["export", "schedule", "pause", &id, "--as", "user_alice"],
    );
    // Let the survivors finish what was fired (the killed worker's run is taken over
    // once its 3-second lease expires).
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let open = crate::common::runs::open_runs(&pool).await;
        if open == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{open} runs still open");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for w in &mut workers {
        w.kill();
    }

    let ticks = tick_exports(&pool, &id).await;
    assert!(ticks.len() >= 7, "about ten ticks in 20 s: {ticks:?}");
    assert!(
        ticks.iter().all(|(_, n)| *n == 1),
        "no instant twice: {ticks:?}"
    );
    // Consecutive instants two seconds apart: none lost while workers ran.
    for pair in ticks.windows(2) {
        assert_eq!(
            pair[1].0 - pair[0].0,
            chrono::Duration::seconds(2),
            "{ticks:?}"
        );
    }
    let statuses: Vec<String> = sqlx::query_scalar(
        "SELECT r.status FROM export e JOIN run r ON r.id = e.run_id WHERE e.schedule_id = $1",
    )
    .bind(&id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(statuses.iter().all(|s| s == "completed"), "{statuses:?}");
    assert_eq!(eml_count(&env), ticks.len(), "one email per export");
    let skipped: i64 =
        sqlx::query_scalar("SELECT skipped_count FROM export_schedule WHERE id = $1")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(skipped, 0);
    let fired: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM export_schedule_tick WHERE schedule_id = $1 AND outcome = 'fired'",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(fired as usize, ticks.len());
}

#[sqlx::test]
async fn missed_ticks_fire_once_on_the_next_worker_start(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let s = schedule_add(
        &env,
        "user_alice",
        &["--cron", "* * * * * *", "--period", "2025"],
    );
    let id = s["id"].as_str().unwrap().to_owned();
    // No worker runs for a few ticks.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    drain(&env);
    let ticks = tick_exports(&pool, &id).await;
    assert_eq!(
        ticks.len(),
        1,
        "only the latest missed tick fires: {ticks:?}"
    );
    let shown = json_ok(&env, &["export", "schedule", "show", &id]);
    assert!(shown["skipped"].as_i64().unwrap() >= 3, "{shown}");
    assert_eq!(shown["fired"], 1);
    assert_eq!(shown["lastOutcome"], "fired");
    let recent = shown["recentTicks"].as_array().unwrap();
    assert!(recent.iter().any(|t| t["outcome"] == "skipped"), "{shown}");
    let skipped = audit_rows(
        &pool,
        AuditFilter::subject(&id).action("export.schedule.ticks_skipped"),
    )
    .await;
    assert_eq!(skipped.len(), 1);
    // The fired export is an ordinary one, with the schedule's scope.
    let run: String = sqlx::query_scalar("SELECT run_id FROM export WHERE schedule_id = $1")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let status = json_ok(&env, &["export", "status", &run]);
    assert_eq!(status["status"], "completed");
    assert_eq!(status["scheduleId"], id.as_str());
    assert_eq!(status["scope"]["period"], "2025");
}

#[sqlx::test]
async fn a_tick_whose_owner_left_fails_and_other_schedules_go_on(pool: PgPool) {
    db::seed::seed_demo(&pool, 5).await.unwrap();
    let env = Env::for_pool(&pool);
    let bob = schedule_add(&env, "user_bob", &["--cron", "* * * * * *"]);
    let alice = schedule_add(&env, "user_alice", &["--cron", "* * * * * *"]);
    sqlx::query("DELETE FROM member WHERE organization_id = 'org_acme' AND user_id = 'user_bob'")
        .execute(&pool)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    drain(&env);
    let bob_id = bob["id"].as_str().unwrap();
    let shown = json_ok(&env, &["export", "schedule", "show", bob_id]);
    assert_eq!(shown["lastOutcome"], "failed", "{shown}");
    assert!(
        shown["lastError"]
            .as_str()
            .unwrap()
            .contains("not a member"),
        "{shown}"
    );
    assert_eq!(tick_exports(&pool, bob_id).await.len(), 0);
    let failed = audit_rows(
        &pool,
        AuditFilter::subject(bob_id).action("export.schedule.tick_failed"),
    )
    .await;
    assert!(!failed.is_empty());
    assert_eq!(
        tick_exports(&pool, alice["id"].as_str().unwrap())
            .await
            .len(),
        1
    );
    let human = env
        .cmd()
        .args(["export", "schedule", "show", bob_id])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&human.stdout).contains("failed: user user_bob is not a member")
    );
}
