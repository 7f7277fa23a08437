//! What an operator can discover without psql — `org list`,
//! `member list --org`, the "did you mean …?" on a mistyped org or user id, the
//! members `db seed --demo` prints, and `export queue` (runs by status, backlog,
//! lanes, live leases, retries scheduled) — the real binary against a real database.

use crate::common::{Env, json_ok, refused};
use chrono::{DateTime, SubsecRound, Utc};
use invoicectl::db;
use invoicectl::exports::view::timestamp;
use serde_json::{Value, json};
use sqlx::PgPool;

fn seed(env: &Env) {
    env.cmd()
        .args(["db", "seed", "--demo", "--invoices", "4"])
        .assert()
        .success();
}

fn stdout_ok(env: &Env, args: &[&str]) -> String {
    let out = env.cmd().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn keys(object: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = object
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a timestamp"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// The table row whose first cell is `first`, split into its cells.
fn row<'a>(table: &'a str, first: &str) -> Vec<&'a str> {
    table
        .lines()
        .map(|l| {
            // Columns are two or more spaces apart; a cell holds at most single spaces.
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
        })
        .find(|cells| cells.first() == Some(&first))
        .unwrap_or_else(|| panic!("no row {first} in:\n{table}"))
}

#[sqlx::test]
async fn org_list_and_member_list_show_every_org_and_its_members(pool: PgPool) {
    let env = Env::for_pool(&pool);
    seed(&env);
    sqlx::query("INSERT INTO organization (id, name) VALUES ('org_empty', 'Empty Ltd')")
        .execute(&pool)
        .await
        .unwrap();

    let orgs = json_ok(&env, &["org", "list"]);
    let orgs = orgs.as_array().unwrap();
    let ids: Vec<&str> = orgs.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["org_acme", "org_empty", "org_globex", "org_initech"]);
    for o in orgs {
        assert_eq!(
            keys(o),
            ["createdAt", "id", "invoiceCount", "memberCount", "name"]
        );
        time(&o["createdAt"]);
    }
    assert_eq!(
        (
            &orgs[0]["name"],
            &orgs[0]["memberCount"],
            &orgs[0]["invoiceCount"]
        ),
        (&json!("Acme Inc"), &json!(3), &json!(4))
    );
    assert_eq!(
        (&orgs[1]["memberCount"], &orgs[1]["invoiceCount"]),
        (&json!(0), &json!(0))
    );
    assert_eq!(orgs[2]["memberCount"], 2);

    let table = stdout_ok(&env, &["org", "list"]);
    assert_eq!(
        row(&table, "ID"),
        ["ID", "NAME", "MEMBERS", "INVOICES", "CREATED", "AGE"]
    );
    let acme = row(&table, "org_acme");
    assert_eq!(acme[..4], ["org_acme", "Acme Inc", "3", "4"]);
    assert_eq!(
        time(&json!(acme[4])),
        time(&orgs[0]["createdAt"]).trunc_subsecs(0)
    );
    assert!(acme[5].ends_with('s'), "{table}");

    let members = json_ok(&env, &["member", "list", "--org", "org_acme"]);
    assert_eq!(
        members,
        json!([
            {"organizationId": "org_acme", "userId": "user_alice", "email": "alice@example.com",
             "name": "Alice Anderson", "role": "owner"},
            {"organizationId": "org_acme", "userId": "user_bob", "email": "bob@example.com",
             "name": "Bob Brown", "role": "member"},
            {"organizationId": "org_acme", "userId": "user_carol", "email": "carol@example.com",
             "name": "Carol Chen", "role": "viewer"},
        ])
    );
    let table = stdout_ok(&env, &["member", "list", "--org", "org_globex"]);
    assert_eq!(row(&table, "USER"), ["USER", "EMAIL", "NAME", "ROLE"]);
    assert_eq!(
        row(&table, "user_dave"),
        ["user_dave", "dave@example.com", "Dave Díaz", "admin"]
    );
    assert_eq!(
        json_ok(&env, &["member", "list", "--org", "org_empty"]),
        json!([])
    );
    assert_eq!(
        stdout_ok(&env, &["member", "list", "--org", "org_empty"]),
        "org_empty has no members\n"
    );
    refused(env.cmd().args(["member", "list", "--org", "acme"]), 65);
}

#[sqlx::test]
async fn a_mistyped_org_or_user_id_names_the_nearest_one(pool: PgPool) {
    let env = Env::for_pool(&pool);
    seed(&env);

    let line = refused(env.cmd().args(["member", "list", "--org", "org_acm"]), 66);
    assert!(
        line.ends_with(
            "organization org_acm does not exist: did you mean org_acme? (`invoicectl org list` lists organizations)"
        ),
        "{line}"
    );
    // Nothing close: no guess, but the listing command.
    let line = refused(env.cmd().args(["member", "list", "--org", "org_zzz"]), 66);
    assert!(line.contains("org_zzz does not exist"), "{line}");
    assert!(!line.contains("did you mean"), "{line}");
    assert!(line.contains("`invoicectl org list`"), "{line}");

    // Every command that takes an org or a user says the same.
    let line = refused(
        env.cmd()
            .args(["export", "start", "--org", "org_globx", "--as", "user_bob"]),
        66,
    );
    assert!(line.contains("did you mean org_globex?"), "{line}");
    assert!(!line.contains("export status"), "{line}");
    let line = refused(
        env.cmd()
            .args(["export", "start", "--org", "org_acme", "--as", "user_bbo"]),
        66,
    );
    assert!(
        line.contains("user user_bbo does not exist: did you mean user_bob?")
            && line.contains("`invoicectl member list --org org_acme`"),
        "{line}"
    );
    let line = refused(
        env.cmd().args(["export", "status", "--org", "org_initec"]),
        66,
    );
    assert!(line.contains("did you mean org_initech?"), "{line}");
    let line = refused(env.cmd().args(["audit", "tail", "--org", "org_ACME"]), 66);
    assert!(line.contains("did you mean org_acme?"), "{line}");
    let line = refused(
        env.cmd().args([
            "suppression",
            "add",
            "x@example.com",
            "--reason",
            "bounce",
            "--as",
            "user_alicee",
        ]),
        66,
    );
    assert!(line.contains("did you mean user_alice?"), "{line}");
}

#[sqlx::test]
async fn seed_prints_the_demo_members(pool: PgPool) {
    let env = Env::for_pool(&pool);
    let out = stdout_ok(&env, &["db", "seed", "--demo", "--invoices", "2"]);
    assert_eq!(
        row(&out, "ORG"),
        ["ORG", "USER", "EMAIL", "NAME", "ROLE"],
        "{out}"
    );
    assert_eq!(
        row(&out, "org_initech"),
        [
            "org_initech",
            "user_erin",
            "erin@example.com",
            "Erin O'Neil",
            "member"
        ]
    );
    // A second seed inserts nothing and still shows them, inside the one document.
    let seeded = json_ok(&env, &["db", "seed", "--demo", "--invoices", "2"]);
    assert_eq!(seeded["members"], 0);
    let members = seeded["demoMembers"].as_array().unwrap();
    let pairs: Vec<(&str, &str, &str)> = members
        .iter()
        .map(|m| {
            (
                m["organizationId"].as_str().unwrap(),
                m["userId"].as_str().unwrap(),
                m["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("org_acme", "user_alice", "owner"),
            ("org_acme", "user_bob", "member"),
            ("org_acme", "user_carol", "viewer"),
            ("org_globex", "user_dave", "admin"),
            ("org_globex", "user_bob", "member"),
            ("org_initech", "user_erin", "member"),
        ]
    );
    assert_eq!(members[0]["email"], "alice@example.com");
}

/// The queue as a worker leaves it mid-flight: one lane held by a live lease with a
/// run waiting behind it, another lane's run failed once and scheduled to retry.
#[sqlx::test]
async fn export_queue_shows_status_counts_backlog_leases_and_retries(pool: PgPool) {
    let env = Env::for_pool(&pool);
    seed(&env);
    let empty = json_ok(&env, &["export", "queue"]);
    assert_eq!(empty["queues"][1]["queue"], "export");
    assert_eq!(empty["queues"][1]["due"], 0);
    assert!(empty["queues"][1]["oldestQueuedAt"].is_null());
    assert_eq!(
        (&empty["lanes"], &empty["leases"], &empty["retries"]),
        (&json!([]), &json!([]), &json!([]))
    );

    let start = |org: &str, user: &str| {
        json_ok(&env, &["export", "start", "--org", org, "--as", user])["runId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let alice = start("org_acme", "user_alice");
    let bob = start("org_acme", "user_bob");
    let globex = start("org_globex", "user_bob");

    // A worker claims one run per lane (alice's and globex's)…
    let mut conn = pool.acquire().await.unwrap();
    let claimed = db::runs::claim(
        &mut conn,
        "host-a:4242:ABCDEF",
        10,
        300.0,
        &["export".into()],
    )
    .await
    .unwrap();
    assert_eq!(claimed.len(), 2);
    // …and globex's attempt fails, its retry scheduled an hour from now.
    let token = claimed
        .iter()
        .find(|c| c.id.as_str() == globex)
        .unwrap()
        .lease_token
        .clone();
    let retry_at = Utc::now() + chrono::Duration::hours(1);
    db::runs::finish(
        &mut conn,
        &[db::runs::Finish::retry(
            invoicectl::ids::RunId::parse(&globex).unwrap(),
            token,
            &json!({"code": "io", "message": "disk full"}),
            retry_at,
        )],
    )
    .await
    .unwrap();
    let (bob_due_at, max_attempts): (DateTime<Utc>, i32) =
        sqlx::query_as("SELECT run_at, max_attempts FROM run WHERE id = $1")
            .bind(&bob)
            .fetch_one(&mut *conn)
            .await
            .unwrap();

    let q = json_ok(&env, &["export", "queue"]);
    assert_eq!(
        keys(&q),
        [
            "lanes",
            "leases",
            "nextScheduleTick",
            "now",
            "pausedLanes",
            "queues",
            "retries"
        ]
    );
    assert_eq!(q["pausedLanes"], serde_json::json!([]));
    assert_eq!(q["nextScheduleTick"], Value::Null);
    let now = time(&q["now"]);
    let queues = q["queues"].as_array().unwrap();
    assert_eq!(queues.len(), 2);
    assert_eq!(queues[0]["queue"], "email");
    assert_eq!(queues[0]["runs"]["queued"], 0);
    let export = &queues[1];
    assert_eq!(
        keys(export),
        [
            "due",
            "lanesWithBacklog",
            "oldestQueuedAgeSeconds",
            "oldestQueuedAt",
            "queue",
            "retriesScheduled",
            "runs"
        ]
    );
    assert_eq!(
        export["runs"],
        json!({"queued": 2, "executing": 1, "waiting": 0, "completed": 0, "expired": 0, "failed": 0, "canceled": 0})
    );
    assert_eq!(
        (
            &export["due"],
            &export["retriesScheduled"],
            &export["lanesWithBacklog"]
        ),
        (&json!(1), &json!(1), &json!(1))
    );
    assert_eq!(export["oldestQueuedAt"], timestamp(&bob_due_at));
    let age = export["oldestQueuedAgeSeconds"].as_i64().unwrap();
    assert_eq!(age, (now - bob_due_at).num_seconds().max(0));

    assert_eq!(
        q["lanes"],
        json!([{
            "queue": "export", "concurrencyKey": "org_acme", "running": 1,
            "concurrencyLimit": 1, "due": 1,
            "oldestQueuedAt": export["oldestQueuedAt"], "oldestQueuedAgeSeconds": age,
            "stranded": false,
        }])
    );

    let leases = q["leases"].as_array().unwrap();
    assert_eq!(leases.len(), 1);
    let lease = &leases[0];
    assert_eq!(
        keys(lease),
        [
            "attempt",
            "concurrencyKey",
            "expired",
            "expiresAt",
            "leasedAt",
            "maxAttempts",
            "queue",
            "runId",
            "taskId",
            "worker"
        ]
    );
    assert_eq!(
        (
            &lease["runId"],
            &lease["taskId"],
            &lease["concurrencyKey"],
            &lease["worker"]
        ),
        (
            &json!(alice),
            &json!("export-invoices"),
            &json!("org_acme"),
            &json!("host-a:4242:ABCDEF")
        )
    );
    assert_eq!(
        (&lease["attempt"], &lease["maxAttempts"], &lease["expired"]),
        (&json!(1), &json!(max_attempts), &json!(false))
    );
    let held = (time(&lease["expiresAt"]) - time(&lease["leasedAt"])).num_seconds();
    assert_eq!(held, 300, "the lease runs 300 s from its claim");

    assert_eq!(
        q["retries"],
        json!([{
            "runId": globex, "taskId": "export-invoices", "queue": "export",
            "concurrencyKey": "org_globex", "attempt": 1, "maxAttempts": max_attempts,
            "nextAttemptAt": timestamp(&retry_at),
            "error": {"code": "io", "message": "disk full"},
        }])
    );

    // The same facts as tables.
    let out = stdout_ok(&env, &["export", "queue"]);
    assert_eq!(
        row(&out, "export"),
        ["export", "2", "1", "0", "0", "0", "0", "0"],
        "runs by status:\n{out}"
    );
    let lines: Vec<&str> = out.lines().collect();
    let section = |heading: &str| {
        let start = lines
            .iter()
            .position(|l| l.starts_with(heading))
            .unwrap_or_else(|| panic!("no {heading} in:\n{out}"));
        lines[start..]
            .iter()
            .skip(1)
            .take_while(|l| !l.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("\n")
    };
    let backlog = section("backlog");
    let cells = row(&backlog, "export");
    assert_eq!((cells[1], cells[3], cells[4]), ("1", "1", "1"), "{backlog}");
    assert!(cells[2].ends_with('s'), "{backlog}");
    let lanes = section("lanes with a backlog");
    assert_eq!(
        row(&lanes, "export")[1..4],
        ["org_acme", "1/1", "1"],
        "{lanes}"
    );
    let leases = section("live leases");
    let cells = row(&leases, &alice);
    assert_eq!(
        cells[1..5],
        [
            "export",
            "org_acme",
            "host-a:4242:ABCDEF",
            &format!("1/{max_attempts}")
        ],
        "{leases}"
    );
    assert!(cells[6].starts_with("in 4m"), "{leases}");
    let retries = section("retries scheduled");
    let cells = row(&retries, &globex);
    assert_eq!(
        cells[1..4],
        ["export", "org_globex", &format!("1/{max_attempts}")]
    );
    assert!(cells[4] == "in 59m" || cells[4] == "in 60m", "{retries}");
    assert_eq!(cells[5], "io: disk full");
}
