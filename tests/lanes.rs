//! Lanes never strand: a lane that holds a queued run always has a head at or before
//! it, whatever commits while a claim or a cancel is in flight. The races are made
//! deterministic with a pause point the test controls: a trigger on `run` (in the
//! test's own database) that makes the claim or cancel statement wait on an advisory
//! lock the test holds, right after its snapshot was taken; the test triggers a run
//! meanwhile and then lets the statement go on. And a request into a lane while the
//! lane's run completes (a worker held at a pause point between its close-out's
//! writes and the completion) waits for it instead of deadlocking.

use std::time::{Duration, Instant};

use crate::common;
use crate::common::process::Process;
use crate::common::prometheus::{Exposition, free_local_addr, scrape};
use crate::common::smtp::{Script, SmtpServer};

use invoicectl::db;
use invoicectl::engine::{self, RunStatus, TriggerOptions};
use invoicectl::ids::RunId;
use invoicectl_testbed::*;
use sqlx::{PgConnection, PgPool};

/// The advisory lock a paused statement waits on.
const PAUSE_KEY: i64 = 7_245_001;

async fn enqueue(pool: &PgPool, lane: &str, n: u64) -> RunId {
    let mut tx = pool.begin().await.unwrap();
    let t = engine::trigger(
        &mut tx,
        &NOOP,
        &NoopPayload { n },
        TriggerOptions {
            concurrency_key: Some(lane.to_owned()),
            ..TriggerOptions::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    t.run_id
}

/// Holds the pause lock on its own connection; statements that update run `run_id`
/// to `status` wait on it until [`Pause::release`].
struct Pause {
    holder: sqlx::pool::PoolConnection<sqlx::Postgres>,
    pool: PgPool,
}

impl Pause {
    async fn install(pool: &PgPool, run_id: &RunId, status: &str) -> Pause {
        sqlx::query(
            "CREATE FUNCTION test_pause() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 PERFORM pg_advisory_lock(7245001);
                 PERFORM pg_advisory_unlock(7245001);
                 RETURN NEW;
             END $$",
        )
        .execute(pool)
        .await
        .unwrap();
        // The ids are ULIDs and the status a fixed word: no quoting needed.
        assert!(
            run_id
                .as_str()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        );
        sqlx::query(&format!(
            "CREATE TRIGGER test_pause BEFORE UPDATE ON run FOR EACH ROW
             WHEN (NEW.id = '{run_id}' AND NEW.status = '{status}' AND OLD.status <> NEW.status)
             EXECUTE FUNCTION test_pause()"
        ))
        .execute(pool)
        .await
        .unwrap();
        let mut holder = pool.acquire().await.unwrap();
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(PAUSE_KEY)
            .execute(&mut *holder)
            .await
            .unwrap();
        Pause {
            holder,
            pool: pool.clone(),
        }
    }

    /// Returns once a statement waits at the pause point.
    async fn wait_until_paused(&self) {
        let pool = &self.pool;
        wait_for("a statement to reach the pause point", || async {
            sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                                WHERE d.datname = current_database() AND l.locktype = 'advisory'
                                  AND NOT l.granted AND l.objid = $1)",
            )
            .bind(PAUSE_KEY as i32)
            .fetch_one(pool)
            .await
            .unwrap()
        })
        .await;
    }

    async fn release(mut self) {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(PAUSE_KEY)
            .execute(&mut *self.holder)
            .await
            .unwrap();
    }
}

/// Polls `condition` until it holds: an event, not a deadline (the limit only turns a
/// hang into a failure).
async fn wait_for<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let limit = Duration::from_secs(60);
    let started = Instant::now();
    while !condition().await {
        assert!(started.elapsed() < limit, "waited {limit:?} for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until every run has ended, checking on each look that `workers` are still
/// running (a crashed worker fails the test at once instead of at the limit).
async fn wait_for_every_run_to_end(pool: &PgPool, workers: &mut [Process]) {
    wait_for("every run to end", || {
        for w in workers.iter_mut() {
            w.assert_running();
        }
        async move { common::runs::open_runs(pool).await == 0 }
    })
    .await;
}

/// Triggers a run of lane `lane` on its own connection while another statement is
/// paused, and returns once the trigger has either committed or is waiting for a
/// lock (the paused transaction's lane row): both are allowed, and which one happens
/// depends on whether that transaction has locked the lane yet.
async fn trigger_meanwhile(pool: &PgPool, lane: &str, n: u64) -> tokio::task::JoinHandle<RunId> {
    let mut conn = pool.acquire().await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let lane = lane.to_owned();
    let handle = tokio::spawn(async move {
        let mut tx = sqlx::Acquire::begin(&mut *conn).await.unwrap();
        let t = engine::trigger(
            &mut tx,
            &NOOP,
            &NoopPayload { n },
            TriggerOptions {
                concurrency_key: Some(lane),
                ..TriggerOptions::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        t.run_id
    });
    wait_for("the late trigger to commit or wait for a lock", || async {
        if handle.is_finished() {
            return true;
        }
        let waiting: Option<String> =
            sqlx::query_scalar("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1")
                .bind(pid)
                .fetch_one(pool)
                .await
                .unwrap();
        waiting.as_deref() == Some("Lock")
    })
    .await;
    handle
}

/// Lanes that break the head invariant: a queued run sorts before the head, or the
/// head is NULL while a run is queued.
async fn stranded_lanes(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT l.concurrency_key FROM run_lane l
         JOIN LATERAL (SELECT r.run_at, r.id FROM run r
                       WHERE r.queue = l.queue AND r.concurrency_key = l.concurrency_key
                         AND r.status = 'queued'
                       ORDER BY r.run_at, r.id LIMIT 1) first ON true
         WHERE l.head_at IS NULL
            OR (first.run_at, first.id) < (l.head_at, coalesce(l.head_id, ''))
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn claim(conn: &mut PgConnection) -> Vec<RunId> {
    let mut tx = sqlx::Acquire::begin(conn).await.unwrap();
    let claimed = db::runs::claim(
        &mut tx,
        "test-worker",
        10,
        30.0,
        &[LANE_QUEUE.name.to_owned()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut ids: Vec<RunId> = claimed.into_iter().map(|r| r.id).collect();
    ids.sort();
    ids
}

/// Completes every executing run (as a worker's pass would), freeing their lanes.
async fn complete_executing(pool: &PgPool) {
    let running: Vec<(RunId, String)> =
        sqlx::query_as("SELECT id, lease_token FROM run WHERE status = 'executing'")
            .fetch_all(pool)
            .await
            .unwrap();
    let batch: Vec<db::runs::Finish> = running
        .into_iter()
        .map(|(id, token)| db::runs::Finish::completed(id, token, serde_json::json!(null)))
        .collect();
    let mut conn = pool.acquire().await.unwrap();
    let done = db::runs::finish(&mut conn, &batch).await.unwrap();
    assert_eq!(done.len(), batch.len());
}

async fn status(pool: &PgPool, id: &RunId) -> RunStatus {
    let mut conn = pool.acquire().await.unwrap();
    db::runs::status(&mut conn, id).await.unwrap().unwrap()
}

/// The reported failure: a claim takes its snapshot, a trigger of another lane it is
/// about to lock commits, and the claim then moved that lane's head past the new run
/// (to NULL here), which no later claim or trigger of a later run undid.
#[sqlx::test]
async fn a_run_triggered_while_a_claim_is_in_flight_is_claimed_later(pool: PgPool) {
    let pool = common::wide_pool(&pool, 8).await;
    // Lane a's head is older, so the claim locks and claims lane a first, then b.
    let first = enqueue(&pool, "a", 1).await;
    let second = enqueue(&pool, "b", 2).await;
    let pause = Pause::install(&pool, &first, "executing").await;

    let claim_pool = pool.clone();
    let claiming = tokio::spawn(async move {
        let mut conn = claim_pool.acquire().await.unwrap();
        claim(&mut conn).await
    });
    pause.wait_until_paused().await;
    let late = trigger_meanwhile(&pool, "b", 3).await;
    pause.release().await;

    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(claiming.await.unwrap(), expected);
    let late = late.await.unwrap();
    assert_eq!(status(&pool, &late).await, RunStatus::Queued);
    assert_eq!(
        stranded_lanes(&pool).await,
        Vec::<String>::new(),
        "lane b holds a queued run behind its head"
    );

    // And it runs: once lane b is free again, the next claim takes it.
    complete_executing(&pool).await;
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(claim(&mut conn).await, vec![late.clone()]);
}

/// The same race against a cancel: canceling a lane's queued run recomputed the head
/// from the cancel's snapshot, so a run triggered into the lane meanwhile was left
/// behind a NULL head.
#[sqlx::test]
async fn a_run_triggered_while_a_cancel_is_in_flight_is_claimed_later(pool: PgPool) {
    let pool = common::wide_pool(&pool, 8).await;
    let doomed = enqueue(&pool, "c", 1).await;
    let pause = Pause::install(&pool, &doomed, "canceled").await;

    let cancel_pool = pool.clone();
    let target = doomed.clone();
    let canceling = tokio::spawn(async move {
        let mut tx = cancel_pool.begin().await.unwrap();
        let canceled = engine::cancel::cancel(&mut tx, &target).await.unwrap();
        tx.commit().await.unwrap();
        canceled.len()
    });
    pause.wait_until_paused().await;
    let late = trigger_meanwhile(&pool, "c", 2).await;
    pause.release().await;

    assert_eq!(canceling.await.unwrap(), 1);
    assert_eq!(status(&pool, &doomed).await, RunStatus::Canceled);
    let late = late.await.unwrap();
    assert_eq!(
        stranded_lanes(&pool).await,
        Vec::<String>::new(),
        "lane c holds a queued run behind its head"
    );
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(claim(&mut conn).await, vec![late]);
}

/// Breaks the head invariant by hand, as a bug would: `lane`'s head set to `head`
/// (`None`: NULL).
async fn strand(pool: &PgPool, lane: &str, head: Option<&str>) {
    sqlx::query(
        "UPDATE run_lane SET head_at = CASE WHEN $2::text IS NULL THEN NULL
                                            ELSE now() + interval '1 hour' END,
                             head_id = $2
         WHERE concurrency_key = $1",
    )
    .bind(lane)
    .bind(head)
    .execute(pool)
    .await
    .unwrap();
}

/// The safety net: a lane stranded by hand (head NULL, head past its runs) is found
/// by the sweep, repaired once under its lock, and its runs then run; `export queue`
/// flags it until then.
#[sqlx::test]
async fn the_lane_sweep_repairs_a_stranded_lane_and_export_queue_flags_it(pool: PgPool) {
    let nulled = enqueue(&pool, "n", 1).await;
    let passed = enqueue(&pool, "p", 2).await;
    let healthy = enqueue(&pool, "h", 3).await;
    strand(&pool, "n", None).await;
    strand(&pool, "p", Some("zzz")).await;
    assert_eq!(stranded_lanes(&pool).await, ["n", "p"]);
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(
        claim(&mut conn).await,
        vec![healthy.clone()],
        "stranded runs are not claimed"
    );

    let env = common::Env::for_pool(&pool);
    let queue = common::json_ok(&env, &["export", "queue"]);
    let flags: Vec<(String, bool)> = queue["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["concurrencyKey"].as_str().unwrap().to_owned(),
                l["stranded"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        flags,
        [("n".to_owned(), true), ("p".to_owned(), true)],
        "{queue}"
    );
    let text = env.cmd().args(["export", "queue"]).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("STRANDED"), "{text}");
    assert!(text.contains("test-lane n, test-lane p"), "{text}");

    let summary = engine::lane_sweep::sweep(&pool).await.unwrap();
    assert_eq!(summary.examined, 3);
    let repaired: Vec<(&str, Option<&str>, &str)> = summary
        .repaired
        .iter()
        .map(|r| {
            (
                r.concurrency_key.as_str(),
                r.head_id.as_deref(),
                r.run_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        repaired,
        [
            ("n", None, nulled.as_str()),
            ("p", Some("zzz"), passed.as_str())
        ]
    );
    assert!(stranded_lanes(&pool).await.is_empty());
    assert!(
        engine::lane_sweep::sweep(&pool)
            .await
            .unwrap()
            .repaired
            .is_empty(),
        "a second round finds nothing"
    );
    let mut expected = vec![nulled, passed];
    expected.sort();
    assert_eq!(claim(&mut conn).await, expected);
    let queue = common::json_ok(&env, &["export", "queue"]);
    assert_eq!(queue["lanes"], serde_json::json!([]), "{queue}");
}

/// A lane the sweep reads as stranded but that a claim holds is left to the next
/// round, and one a claim moved on meanwhile is not reported: the check is repeated
/// under the lane's lock.
#[sqlx::test]
async fn the_lane_sweep_rechecks_under_the_lanes_lock(pool: PgPool) {
    let run = enqueue(&pool, "r", 1).await;
    strand(&pool, "r", None).await;
    let lanes = vec![(LANE_QUEUE.name.to_owned(), "r".to_owned())];

    // Held by another transaction: skipped, nothing reported.
    let mut holder = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM run_lane WHERE concurrency_key = 'r' FOR UPDATE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    assert!(db::lanes::repair(&mut tx, &lanes).await.unwrap().is_empty());
    tx.commit().await.unwrap();
    holder.rollback().await.unwrap();

    // No longer stranded by the time it looks (the run left the queue): not reported.
    sqlx::query("UPDATE run SET status = 'canceled', finished_at = now() WHERE id = $1")
        .bind(&run)
        .execute(&pool)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    assert!(db::lanes::repair(&mut tx, &lanes).await.unwrap().is_empty());
    tx.commit().await.unwrap();
}

/// A worker process repairs a stranded lane of the real queues on its own, says so
/// as an error naming the lane, counts it in `invoicectl_lanes_repaired_total`, and
/// the export stranded behind it completes.
#[sqlx::test]
async fn a_worker_process_repairs_a_stranded_lane_logs_it_and_counts_it(pool: PgPool) {
    invoicectl::db::seed::seed_demo(&pool, 3).await.unwrap();
    let server = SmtpServer::start(Script::accept());
    let env = common::Env::for_pool(&pool);
    env.write_config(&format!(
        "smtp_url = \"{}\"\nexport_dir = \"{}\"\n",
        server.url(),
        env.path().join("exports").display()
    ));
    let started = common::json_ok(
        &env,
        &["export", "start", "--org", "org_acme", "--as", "user_alice"],
    );
    let run_id = started["runId"].as_str().unwrap().to_owned();
    strand(&pool, "org_acme", None).await;

    let addr = free_local_addr();
    let mut worker = Process::logged(
        env.std_cmd()
            .args(["export", "worker", "--metrics-addr", &addr.to_string()]),
        env.path(),
        "worker",
    );
    wait_for("the stranded export to complete", || {
        worker.assert_running();
        let (pool, run_id) = (&pool, &run_id);
        async move { common::runs::run_status(pool, run_id).await == "completed" }
    })
    .await;
    let metrics = Exposition::parse(&scrape(addr));
    assert_eq!(
        metrics
            .samples
            .get("invoicectl_lanes_repaired_total{queue=\"export\"}"),
        Some(&1.0)
    );
    assert_eq!(
        metrics.get("invoicectl_lanes_repaired_total{queue=\"email\"}"),
        0.0
    );
    worker.signal(libc::SIGTERM);
    worker.wait(Duration::from_secs(30));
    let stderr = worker.stderr_text();
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("stranded")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("ERROR"), "{stderr}");
    assert!(
        errors[0].contains("org_acme") && errors[0].contains(&run_id),
        "{stderr}"
    );
}

/// The reported load, sized for CI: many organizations, starts from several
/// processes at once while two worker processes claim with short leases. Every run
/// ends; every export completes once, with one email and one completed audit entry;
/// no lane is left stranded, and the workers never needed the sweep.
#[sqlx::test]
async fn under_concurrent_starts_every_export_ends_once(pool: PgPool) {
    const ORGS: usize = 40;
    const STARTERS: usize = 4;
    const STARTS_EACH: usize = 15;
    sqlx::raw_sql(
        "INSERT INTO app_user (id, email, name) VALUES ('user_load', 'load@example.com', 'Load');
         INSERT INTO organization (id, name)
         SELECT 'org_l' || lpad(o::text, 3, '0'), 'Load ' || o FROM generate_series(1, 40) o;
         INSERT INTO member (organization_id, user_id, role)
         SELECT 'org_l' || lpad(o::text, 3, '0'), 'user_load', 'owner' FROM generate_series(1, 40) o;
         INSERT INTO invoice (id, organization_id, number, customer_name, customer_email,
                              currency, amount_cents, status, issued_at, due_at)
         SELECT 'inv_l' || o || '_' || g, 'org_l' || lpad(o::text, 3, '0'), 'INV-' || g,
                'Customer ' || g, 'c' || g || '@example.com', 'USD', g * 100, 'open',
                timestamptz '2025-01-01Z' + g * interval '1 hour', NULL
         FROM generate_series(1, 40) o CROSS JOIN generate_series(1, 25) g",
    )
    .execute(&pool)
    .await
    .unwrap();
    let server = SmtpServer::start(Script::accept());
    let env = common::Env::for_pool(&pool);
    env.write_config(&format!(
        "page_size = 5\nsmtp_url = \"{}\"\nexport_dir = \"{}\"\n",
        server.url(),
        env.path().join("exports").display()
    ));
    let workers: Vec<Process> = (0..2)
        .map(|i| {
            Process::logged(
                env.std_cmd().args([
                    "export",
                    "worker",
                    "--lease",
                    "4",
                    "--heartbeat",
                    "1",
                    "--concurrency",
                    "8",
                ]),
                env.path(),
                &format!("worker{i}"),
            )
        })
        .collect();

    let run_ids: Vec<String> = std::thread::scope(|s| {
        let starters: Vec<_> = (0..STARTERS)
            .map(|t| {
                let env = &env;
                s.spawn(move || {
                    (0..STARTS_EACH)
                        .map(|i| {
                            let org = format!("org_l{:03}", 1 + (t * STARTS_EACH + i) % ORGS);
                            let started = common::json_ok(
                                env,
                                &[
                                    "export",
                                    "start",
                                    "--org",
                                    &org,
                                    "--as",
                                    "user_load",
                                    "--force",
                                ],
                            );
                            started["runId"].as_str().unwrap().to_owned()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        starters
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let exports = STARTERS * STARTS_EACH;
    assert_eq!(run_ids.len(), exports);

    let mut workers = workers;
    wait_for_every_run_to_end(&pool, &mut workers).await;

    let statuses: Vec<(String, i64)> =
        sqlx::query_as("SELECT task_id || ':' || status, count(*) FROM run GROUP BY 1 ORDER BY 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    let n = exports as i64;
    assert_eq!(
        statuses,
        [
            ("export-invoices:completed".to_owned(), n),
            ("send-export-email:completed".to_owned(), n)
        ]
    );
    let completed: Vec<(String, i64)> = sqlx::query_as(
        "SELECT subject_id, count(*) FROM audit_log WHERE action = 'export.invoices.completed'
         GROUP BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(completed.len(), exports);
    assert!(completed.iter().all(|(_, c)| *c == 1), "{completed:?}");
    let mail_ids: std::collections::HashSet<String> = server
        .messages()
        .iter()
        .map(|m| m.parse().header("Message-ID").unwrap().to_owned())
        .collect();
    assert_eq!(server.messages().len(), exports);
    assert_eq!(mail_ids.len(), exports);
    assert!(stranded_lanes(&pool).await.is_empty());
    let held: i64 = sqlx::query_scalar("SELECT coalesce(sum(running), 0)::bigint FROM run_lane")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(held, 0);
    for mut w in workers {
        w.signal(libc::SIGTERM);
        w.wait(Duration::from_secs(30));
        let stderr = w.stderr_text();
        assert!(
            !stderr.contains("stranded"),
            "the sweep had to repair a lane: {stderr}"
        );
    }
}

/// A request for an organization while its export's close-out is in flight: the
/// close-out has written the export row and its audit entry (holding the
/// organization's audit chain) and is about to complete its run (which updates the
/// lane), and `export start --force` for the same organization arrives. The request
/// waits for the close-out, then both commit: no deadlock, the first run completed at
/// its first attempt, the second exported after it, one email and one completed
/// audit entry each. (Before: the request took the lane and waited for the chain
/// while the close-out held the chain and waited for the lane; PostgreSQL broke the
/// deadlock by failing one of them, and the load test above saw `export start`
/// exit 75.)
#[sqlx::test]
async fn a_start_during_the_close_out_of_the_same_org_waits_and_both_commit(pool: PgPool) {
    use crate::common::pause::PausePoints;

    invoicectl::db::seed::seed_demo(&pool, 0).await.unwrap();
    crate::common::invoices::insert_generated(&pool, "org_acme", 30).await;
    let smtp = SmtpServer::start(Script::accept());
    let env = common::Env::for_pool(&pool);
    env.write_config(&format!(
        "page_size = 10\nsmtp_url = \"{}\"\nexport_dir = \"{}\"\n",
        smtp.url(),
        env.path().join("exports").display()
    ));
    let first = common::runs::start_json(&env, "org_acme", "user_alice", &["--force"])["runId"]
        .as_str()
        .unwrap()
        .to_owned();

    let pauses = PausePoints::new();
    pauses.hold("close-out-written", 1);
    let mut worker = Process::logged(
        env.std_cmd()
            .args(["export", "worker", "--lease", "30"])
            .env(pauses.var().0, pauses.var().1),
        env.path(),
        "worker",
    );
    pauses
        .wait_reached("close-out-written", Duration::from_secs(60), || {
            worker.child.try_wait().unwrap().is_none()
        })
        .await;

    let starter = env
        .std_cmd()
        .args(["export", "start", "--org", "org_acme", "--as", "user_alice"])
        .args(["--force", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let database: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&pool)
        .await
        .unwrap();
    wait_for("the request to wait for a lock the close-out holds", || {
        let (pool, database) = (&pool, &database);
        async move {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE datname = $1 AND wait_event_type = 'Lock'
                   AND query LIKE '%export_request%'",
            )
            .bind(database)
            .fetch_one(pool)
            .await
            .unwrap();
            waiting > 0
        }
    })
    .await;
    pauses.release("close-out-written");

    let started = tokio::task::spawn_blocking(move || starter.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(
        started.status.success(),
        "export start failed ({:?}): {}",
        started.status.code(),
        String::from_utf8_lossy(&started.stderr)
    );
    let second = common::json_of(&started.stdout)["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);

    wait_for_every_run_to_end(&pool, std::slice::from_mut(&mut worker)).await;
    for (run, attempt) in [(&first, 1), (&second, 1)] {
        let (status, attempts, export): (String, i32, String) = sqlx::query_as(
            "SELECT r.status::text, r.attempt, e.status::text
             FROM run r JOIN export e ON e.run_id = r.id WHERE r.id = $1",
        )
        .bind(run)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(
            (status.as_str(), attempts, export.as_str()),
            ("completed", attempt, "completed"),
            "{run}"
        );
        let completed: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM audit_log
             WHERE subject_id = $1 AND action = 'export.invoices.completed'",
        )
        .bind(run)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(completed, 1, "{run}");
    }
    assert_eq!(smtp.messages().len(), 2, "one email per export");
    worker.signal(libc::SIGTERM);
    worker.wait(Duration::from_secs(30));
    let stderr = worker.stderr_text();
    assert!(!stderr.contains("deadlock"), "{stderr}");
}
