//! The audit log — append-only, tamper-evident, tailable. Real PostgreSQL,
//! one database per test, the real binary for `audit tail` / `audit verify`.

use crate::common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{Env, jsonb};
use chrono::{DateTime, TimeZone, Utc};
use invoicectl::audit::chain::{self, CanonicalRow, GENESIS_HASH};
use invoicectl::audit::{self, Action, AuditError, Subject, SubjectType};
use invoicectl::db::{self, tenant};
use invoicectl::ids::{OrgId, UserId};
use predicates::prelude::*;
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection, PgPool};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::sync::mpsc;

const ALL_CHAINS: [Option<&str>; 4] = [
    Some("org_acme"),
    Some("org_globex"),
    Some("org_initech"),
    None,
];

fn action_for(org: Option<&str>) -> Action {
    match org {
        Some(_) => Action::ExportRequested,
        None => Action::SuppressionAdded,
    }
}

/// Appends one entry through the public writer on `conn`, in its own transaction:
/// a tenant transaction for an organization entry, a plain one for a system entry.
async fn append_on(
    conn: &mut PgConnection,
    org: Option<&str>,
    actor: Option<&str>,
    action: Action,
    subject_id: &str,
    payload: Value,
) -> i64 {
    let org = org.map(|o| OrgId::parse(o).unwrap());
    let actor = actor.map(|u| UserId::parse(u).unwrap());
    let mut tx = conn.begin().await.unwrap();
    if let Some(org) = &org {
        tenant::enter(&mut tx, org).await.unwrap();
    }
    let subject = Subject {
        kind: if org.is_some() {
            SubjectType::Export
        } else {
            SubjectType::EmailSuppression
        },
        id: subject_id,
    };
    let id = audit::append(
        &mut tx,
        audit::Entry {
            organization: org.as_ref(),
            actor: actor.as_ref(),
            action,
            subject,
            payload,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn append(
    pool: &PgPool,
    org: Option<&str>,
    actor: Option<&str>,
    action: Action,
    subject_id: &str,
    payload: Value,
) -> i64 {
    let mut conn = pool.acquire().await.unwrap();
    append_on(&mut conn, org, actor, action, subject_id, payload).await
}

type StoredTuple = (
    i64,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    String,
    String,
    Option<String>,
);

/// Every audit row with every column, as the superuser sees it.
async fn all_rows(pool: &PgPool) -> Vec<StoredTuple> {
    sqlx::query_as(
        "SELECT id, organization_id, actor_user_id, action, subject_type, subject_id,
                payload::text, created_at, prev_hash, hash, actor_login
         FROM audit_log ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

fn sqlstate(err: &sqlx::Error) -> String {
    err.as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned())
        .unwrap_or_default()
}

fn ids_of(lines: &[Value]) -> Vec<i64> {
    lines.iter().map(|l| l["id"].as_i64().unwrap()).collect()
}

// --- append-only ------------------------------------------------------------------

#[sqlx::test]
async fn tenant_role_may_only_insert_and_select(pool: PgPool) {
    let granted: Vec<String> = sqlx::query_scalar(
        "SELECT a.privilege_type FROM pg_class c, aclexplode(c.relacl) a
         WHERE c.oid = 'audit_log'::regclass AND a.grantee = 'invoicectl_tenant'::regrole
         ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(granted, ["INSERT", "SELECT"]);

    let (public, update, delete, truncate, refs, trigger, any_column_update): (
        i64,
        bool,
        bool,
        bool,
        bool,
        bool,
        bool,
    ) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a
                 WHERE c.oid = 'audit_log'::regclass AND a.grantee = 0),
                has_table_privilege('invoicectl_tenant', 'audit_log', 'UPDATE'),
                has_table_privilege('invoicectl_tenant', 'audit_log', 'DELETE'),
                has_table_privilege('invoicectl_tenant', 'audit_log', 'TRUNCATE'),
                has_table_privilege('invoicectl_tenant', 'audit_log', 'REFERENCES'),
                has_table_privilege('invoicectl_tenant', 'audit_log', 'TRIGGER'),
                has_any_column_privilege('invoicectl_tenant', 'audit_log', 'UPDATE')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (
            public,
            update,
            delete,
            truncate,
            refs,
            trigger,
            any_column_update
        ),
        (0, false, false, false, false, false, false)
    );

    // The chain heads and the id sequence are only reachable through the trigger.
    let (head_any, seq_any): (bool, bool) = sqlx::query_as(
        "SELECT has_table_privilege('invoicectl_tenant', 'audit_chain_head',
                    'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'),
                has_sequence_privilege('invoicectl_tenant', 'audit_log_id_seq', 'USAGE, SELECT, UPDATE')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((head_any, seq_any), (false, false));
}

#[sqlx::test]
async fn update_delete_truncate_fail_for_superuser_and_tenant_and_rows_stay(pool: PgPool) {
    db::seed::seed_demo(&pool, 0).await.unwrap();
    append(
        &pool,
        Some("org_acme"),
        Some("user_alice"),
        Action::ExportRequested,
        "run_a1",
        json!({"n": 1}),
    )
    .await;
    append(
        &pool,
        Some("org_globex"),
        None,
        Action::ExportCompleted,
        "run_g1",
        json!({"rowCount": 3}),
    )
    .await;
    append(
        &pool,
        None,
        None,
        Action::SuppressionAdded,
        "x@example.com",
        json!({"reason": "bounce"}),
    )
    .await;
    let before = all_rows(&pool).await;
    assert_eq!(before.len(), 3);
    let acme = OrgId::parse("org_acme").unwrap();

    for statement in [
        "UPDATE audit_log SET action = 'forged'",
        "UPDATE audit_log SET payload = '{}' WHERE organization_id = 'org_acme'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE organization_id = 'org_acme'",
        "TRUNCATE audit_log",
        "TRUNCATE audit_log CASCADE",
    ] {
        let err = sqlx::query(statement).execute(&pool).await.unwrap_err();
        assert_eq!(sqlstate(&err), "42501", "{statement} as superuser: {err}");
        assert!(err.to_string().contains("append-only"), "{err}");

        let mut tx = tenant::begin(&pool, &acme).await.unwrap();
        let err = sqlx::query(statement).execute(&mut *tx).await.unwrap_err();
        assert_eq!(sqlstate(&err), "42501", "{statement} as tenant: {err}");
        assert!(err.to_string().contains("permission denied"), "{err}");
        tx.rollback().await.unwrap();
    }
    assert_eq!(all_rows(&pool).await, before, "rows must be intact");

    // The tenant sees only its own organization's entries and cannot write another
    // organization's or a system entry, nor pick its own id, hashes or time.
    let mut tx = tenant::begin(&pool, &acme).await.unwrap();
    let visible: Vec<Option<String>> = sqlx::query_scalar("SELECT organization_id FROM audit_log")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(visible, [Some("org_acme".to_owned())]);
    let system = audit::append(
        &mut tx,
        audit::Entry {
            organization: None,
            actor: None,
            action: Action::SuppressionRemoved,
            subject: Subject::email_suppression("x@example.com"),
            payload: json!({}),
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&system, AuditError::Db(e) if e.to_string().contains("row-level security")),
        "{system}"
    );
    tx.rollback().await.unwrap();

    let mut tx = tenant::begin(&pool, &acme).await.unwrap();
    let forged: (i64, String, String, DateTime<Utc>) = sqlx::query_as(
        "INSERT INTO audit_log (id, organization_id, action, subject_type, subject_id, created_at, prev_hash, hash)
         VALUES (1, 'org_acme', 'export.invoices.requested', 'export', 'run_f', '2000-01-01Z', 'x', 'y')
         RETURNING id, prev_hash, hash, created_at",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert!(forged.0 > 3, "the trigger assigns the id");
    assert_eq!(
        forged.1, before[0].9,
        "the trigger chains to the org's head"
    );
    assert_eq!(forged.2.len(), 64);
    assert!(forged.3 > Utc::now() - chrono::Duration::minutes(10));
    tx.commit().await.unwrap();

    Env::for_pool(&pool)
        .cmd()
        .args(["audit", "verify"])
        .assert()
        .success();
}

#[sqlx::test]
async fn writer_refuses_wrong_chain_and_non_object_payloads(pool: PgPool) {
    db::seed::seed_demo(&pool, 0).await.unwrap();
    let acme = OrgId::parse("org_acme").unwrap();
    let run = invoicectl::ids::RunId::generate();
    let mut tx = pool.begin().await.unwrap();
    let err = audit::append(
        &mut tx,
        audit::Entry {
            organization: None,
            actor: None,
            action: Action::ExportCompleted,
            subject: Subject::export(&run),
            payload: json!({}),
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AuditError::WrongScope { .. }), "{err}");
    let err = audit::append(
        &mut tx,
        audit::Entry {
            organization: Some(&acme),
            actor: None,
            action: Action::SuppressionAdded,
            subject: Subject::email_suppression("x@example.com"),
            payload: json!({}),
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AuditError::WrongScope { .. }), "{err}");
    let err = audit::append(
        &mut tx,
        audit::Entry {
            organization: Some(&acme),
            actor: None,
            action: Action::ExportFailed,
            subject: Subject::export(&run),
            payload: json!("boom"),
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AuditError::PayloadNotObject { .. }), "{err}");
    let id = audit::append(
        &mut tx,
        audit::Entry {
            organization: Some(&acme),
            actor: None,
            action: Action::ExportFailed,
            subject: Subject::export(&run),
            payload: json!({"error": "boom"}),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let rows = all_rows(&pool).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, id);
    assert_eq!(
        (rows[0].3.as_str(), rows[0].4.as_str(), rows[0].5.as_str()),
        ("export.invoices.failed", "export", run.as_str())
    );
}

// --- the chain ----------------------------------------------------------------------

#[sqlx::test]
async fn twenty_concurrent_appends_keep_one_unbroken_chain(pool: PgPool) {
    db::seed::seed_demo(&pool, 0).await.unwrap();
    let url = common::pool_url(&pool);
    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let url = url.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = PgConnection::connect(&url).await.unwrap();
            let org = OrgId::parse("org_acme").unwrap();
            let run = format!("run_c{i}");
            let mut tx = conn.begin().await.unwrap();
            tenant::enter(&mut tx, &org).await.unwrap();
            // Everyone holds an open transaction before anyone appends.
            barrier.wait().await;
            let id = audit::append(
                &mut tx,
                audit::Entry {
                    organization: Some(&org),
                    actor: Some(&UserId::parse("user_bob").unwrap()),
                    action: Action::ExportRequested,
                    subject: Subject {
                        kind: SubjectType::Export,
                        id: &run,
                    },
                    payload: json!({"task": i}),
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            id
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(
            tokio::time::timeout(Duration::from_secs(60), task)
                .await
                .expect("appends finish")
                .unwrap(),
        );
    }
    ids.sort();
    let rows = all_rows(&pool).await;
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), ids);
    let mut prev = GENESIS_HASH.to_owned();
    for row in &rows {
        assert_eq!(row.8, prev, "row {} links to its predecessor", row.0);
        prev = row.9.clone();
    }

    let out = Env::for_pool(&pool)
        .cmd()
        .args(["audit", "verify", "--json"])
        .assert()
        .success();
    let report: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["chains"][0]["organizationId"], "org_acme");
    assert_eq!(report["chains"][0]["rowsChecked"], 20);
    assert_eq!(report["chains"][0]["lastVerifiedId"], *ids.last().unwrap());
}

#[sqlx::test]
async fn rust_and_sql_agree_on_the_canonical_form_and_every_hash(pool: PgPool) {
    db::seed::seed_demo(&pool, 0).await.unwrap();
    let payloads = [
        json!({}),
        json!({"b": 1, "a": 2, "aa": [], "é": "ü", "Z": null, "": "empty key", "ab": {}}),
        json!({
            "text": "line\nbreak\ttab \"quote\" back\\slash / \u{1} \u{1f} \u{7f} \u{9b} \u{2028} 😀 日本語 Dave Díaz",
            "nested": {"deep": [1, -2, 3.5, true, false, null, {"x": "y", "xx": [[]]}]},
        }),
        json!({"float": 0.1, "big": 1e100, "tiny": 1.5e-7, "negzero": -0.0, "one": 1.0,
               "u64max": u64::MAX, "i64min": i64::MIN, "f64max": f64::MAX, "subnormal": 5e-324}),
        json!({"rowCount": 0, "emailSuppressed": false, "email": "sent"}),
    ];
    let chains = [
        Some("org_acme"),
        None,
        Some("org_globex"),
        Some("org_acme"),
        None,
    ];
    let actors = [Some("user_alice"), None, None, Some("user_bob"), None];
    let mut written = BTreeMap::new();
    for (i, payload) in payloads.iter().enumerate() {
        let id = append(
            &pool,
            chains[i],
            actors[i],
            action_for(chains[i]),
            &format!("subj_{i}"),
            payload.clone(),
        )
        .await;
        written.insert(id, payload.clone());
    }
    // An operator with psql: jsonb text the writer would never produce, odd text.
    sqlx::query(
        r#"INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
           VALUES ('org_initech', 'user_ünïcode', 'ünïcödé.äction', '主题', 'id with spaces, commas: and "quotes"',
                   '{"n": 1.50, "huge": 1e400, "int": 123456789012345678901234567890, "neg": -0.000}'),
                  (NULL, NULL, 'x', '', '', '[1, "two", {"3": 4}]')"#,
    )
    .execute(&pool)
    .await
    .unwrap();

    let rows = all_rows(&pool).await;
    assert_eq!(rows.len(), 7);
    for r in &rows {
        let row = CanonicalRow {
            id: r.0,
            organization_id: r.1.as_deref(),
            actor_user_id: r.2.as_deref(),
            action: &r.3,
            subject_type: &r.4,
            subject_id: &r.5,
            payload_text: &r.6,
            created_at: r.7,
            actor_login: r.10.as_deref(),
        };
        assert_eq!(
            r.10.as_deref(),
            Some("postgres"),
            "the login that wrote row {}",
            r.0
        );
        let sql_canonical: String = sqlx::query_scalar(
            "SELECT audit_canonical_login(id, organization_id, actor_user_id, action, subject_type,
                                          subject_id, payload, created_at, actor_login)
             FROM audit_log WHERE id = $1",
        )
        .bind(r.0)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(chain::canonical(&row), sql_canonical, "row {}", r.0);
        assert_eq!(chain::row_hash(&r.8, &row), r.9, "row {}", r.0);
        if let Some(payload) = written.get(&r.0) {
            assert_eq!(jsonb::jsonb_text(payload), r.6, "payload of row {}", r.0);
        }
    }
    assert!(rows[5].6.contains("1.50") && rows[5].6.contains(&format!("1{}", "0".repeat(400))));

    // The canonical timestamp at the edges of to_char, with NULL organization and actor.
    for t in [
        Utc.with_ymd_and_hms(-43, 3, 15, 12, 0, 0).unwrap() + chrono::Duration::microseconds(1),
        Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 59).unwrap()
            + chrono::Duration::microseconds(999_999),
        Utc.with_ymd_and_hms(10000, 6, 30, 0, 0, 0).unwrap(),
    ] {
        let sql: String = sqlx::query_scalar(
            "SELECT audit_canonical(42, NULL, NULL, 'a', 'b', 'c', '{\"k\": [1]}'::jsonb, $1)",
        )
        .bind(t)
        .fetch_one(&pool)
        .await
        .unwrap();
        let rust = chain::canonical(&CanonicalRow {
            id: 42,
            organization_id: None,
            actor_user_id: None,
            action: "a",
            subject_type: "b",
            subject_id: "c",
            payload_text: r#"{"k": [1]}"#,
            created_at: t,
            actor_login: None,
        });
        assert_eq!(rust, sql, "{t:?}");
    }

    Env::for_pool(&pool)
        .cmd()
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("org_initech"))
        .stdout(predicate::str::contains("(system)"));
}

/// Runs `statement` with the append-only triggers bypassed, as a superuser can.
async fn tamper(pool: &PgPool, statement: &str, id: i64) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    let changed = sqlx::query(statement)
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 1, "{statement}");
    tx.commit().await.unwrap();
}

async fn chain_ids(pool: &PgPool, org: Option<&str>) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT id FROM audit_log WHERE organization_id IS NOT DISTINCT FROM $1 ORDER BY id",
    )
    .bind(org)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn seed_chains(pool: &PgPool, per_chain: usize) {
    db::seed::seed_demo(pool, 0).await.unwrap();
    for i in 0..per_chain {
        for org in ALL_CHAINS {
            append(
                pool,
                org,
                None,
                action_for(org),
                &format!("s_{i}"),
                json!({ "i": i }),
            )
            .await;
        }
    }
}

fn verify_json(env: &Env, args: &[&str], code: i32) -> (Value, String) {
    let out = env
        .cmd()
        .args(["--json", "audit", "verify"])
        .args(args)
        .assert()
        .code(code);
    let stdout: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    (
        stdout,
        String::from_utf8(out.get_output().stderr.clone()).unwrap(),
    )
}

fn chain_report<'a>(report: &'a Value, org: Option<&str>) -> &'a Value {
    report["chains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["organizationId"].as_str() == org)
        .unwrap_or_else(|| panic!("no chain {org:?} in {report}"))
}

#[sqlx::test]
async fn verify_names_the_org_and_row_of_a_changed_row(pool: PgPool) {
    seed_chains(&pool, 5).await;
    let env = Env::for_pool(&pool);
    env.cmd().args(["audit", "verify"]).assert().success();

    let acme = chain_ids(&pool, Some("org_acme")).await;
    tamper(
        &pool,
        "UPDATE audit_log SET payload = '{\"i\": 99}' WHERE id = $1",
        acme[2],
    )
    .await;

    env.cmd()
        .args(["audit", "verify"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("org_acme"))
        .stderr(predicate::str::contains(format!("row {}", acme[2])))
        .stderr(predicate::str::contains("hash mismatch"));
    let (report, _) = verify_json(&env, &[], 1);
    assert_eq!(report["ok"], false);
    let broken = chain_report(&report, Some("org_acme"));
    assert_eq!(broken["ok"], false);
    assert_eq!(broken["break"]["rowId"], acme[2]);
    assert_eq!(broken["break"]["kind"], "hashMismatch");
    assert_eq!(broken["rowsChecked"], 3);
    assert_eq!(broken["lastVerifiedId"], acme[1]);
    for other in [Some("org_globex"), Some("org_initech"), None] {
        assert_eq!(chain_report(&report, other)["ok"], true, "{other:?}");
        assert_eq!(chain_report(&report, other)["rowsChecked"], 5);
    }
    // Scoped to an intact chain, verify passes; an unknown org is 66.
    env.cmd()
        .args(["audit", "verify", "--org", "org_globex"])
        .assert()
        .success();
    env.cmd()
        .args(["audit", "verify", "--org", "org_nope"])
        .assert()
        .code(66)
        .stdout("");
    env.cmd()
        .args(["audit", "verify", "--org", "acme"])
        .assert()
        .code(65)
        .stdout("");
}

#[sqlx::test]
async fn verify_detects_rehashed_removed_and_truncated_rows(pool: PgPool) {
    seed_chains(&pool, 4).await;
    let env = Env::for_pool(&pool);
    let globex = chain_ids(&pool, Some("org_globex")).await;
    let acme = chain_ids(&pool, Some("org_acme")).await;
    let initech = chain_ids(&pool, Some("org_initech")).await;
    let system = chain_ids(&pool, None).await;

    // A forger who knows the algorithm rewrites a row and its hash: the next row's
    // link exposes it.
    tamper(
        &pool,
        "UPDATE audit_log SET payload = '{\"i\": 7}',
             hash = encode(sha256(convert_to(prev_hash || audit_canonical_login(id, organization_id,
                 actor_user_id, action, subject_type, subject_id, '{\"i\": 7}'::jsonb, created_at,
                 actor_login), 'UTF8')), 'hex')
         WHERE id = $1",
        globex[1],
    )
    .await;
    // With the triggers disabled (the other way around the append-only guard), the
    // newest acme row and the first system row are deleted.
    for id in [acme[3], system[0]] {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER USER")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("DELETE FROM audit_log WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER USER")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    env.cmd()
        .args(["audit", "verify", "--org", "org_globex"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("org_globex"))
        .stderr(predicate::str::contains(format!("row {}", globex[2])))
        .stderr(predicate::str::contains("prev_hash link broken"));
    env.cmd()
        .args(["audit", "verify", "--org", "org_acme"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!("row {}", acme[2])))
        .stderr(predicate::str::contains("chain head mismatch"));

    let (report, stderr) = verify_json(&env, &[], 1);
    assert!(stderr.contains("3 of 4 chains broken"), "{stderr}");
    let g = &chain_report(&report, Some("org_globex"))["break"];
    assert_eq!(
        (g["kind"].as_str(), g["rowId"].as_i64()),
        (Some("linkBroken"), Some(globex[2]))
    );
    assert_eq!(g["previousId"], globex[1]);
    let a = &chain_report(&report, Some("org_acme"))["break"];
    assert_eq!(a["kind"], "headMismatch");
    assert_eq!(a["headLastId"], acme[3]);
    let s = &chain_report(&report, None)["break"];
    assert_eq!(
        (s["kind"].as_str(), s["rowId"].as_i64()),
        (Some("linkBroken"), Some(system[1]))
    );
    assert_eq!(s["previousId"], Value::Null);
    let i = chain_report(&report, Some("org_initech"));
    assert_eq!(
        (i["ok"].as_bool(), i["lastVerifiedId"].as_i64()),
        (Some(true), initech.last().copied())
    );
}

// --- audit tail ---------------------------------------------------------------------

#[sqlx::test]
async fn tail_filters_by_count_org_action_and_time(pool: PgPool) {
    db::seed::seed_demo(&pool, 0).await.unwrap();
    let r1 = append(
        &pool,
        Some("org_acme"),
        Some("user_alice"),
        Action::ExportRequested,
        "run_1",
        json!({"exportId": "exp_1"}),
    )
    .await;
    let r2 = append(
        &pool,
        Some("org_globex"),
        Some("user_bob"),
        Action::ExportRequested,
        "run_2",
        json!({}),
    )
    .await;
    let r3 = append(
        &pool,
        None,
        None,
        Action::SuppressionAdded,
        "x@example.com",
        json!({"reason": "bounce"}),
    )
    .await;
    let r4 = append(
        &pool,
        Some("org_acme"),
        None,
        Action::ExportCompleted,
        "run_1",
        json!({"rowCount": 12, "amount": 1.5}),
    )
    .await;
    // Every later transaction starts after this instant, every earlier one before.
    let boundary: DateTime<Utc> = sqlx::query_scalar("SELECT clock_timestamp()")
        .fetch_one(&pool)
        .await
        .unwrap();
    let r5 = append(
        &pool,
        Some("org_globex"),
        None,
        Action::ExportFailed,
        "run_2",
        json!({"error": "disk full"}),
    )
    .await;
    let r6 = append(
        &pool,
        Some("org_acme"),
        Some("user_alice"),
        Action::ExportCanceled,
        "run_3",
        json!({}),
    )
    .await;
    let env = Env::for_pool(&pool);
    let tail = |args: &[&str]| {
        let out = env
            .cmd()
            .args(["audit", "tail", "--json"])
            .args(args)
            .assert()
            .success();
        common::ndjson(&out.get_output().stdout)
    };

    let all = tail(&[]);
    assert_eq!(ids_of(&all), [r1, r2, r3, r4, r5, r6]);
    for line in &all {
        let keys: BTreeSet<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "id",
                "organizationId",
                "actorUserId",
                "actorLogin",
                "action",
                "subjectType",
                "subjectId",
                "payload",
                "createdAt"
            ])
        );
    }
    assert_eq!(
        all[0],
        json!({"id": r1, "organizationId": "org_acme", "actorUserId": "user_alice",
               "actorLogin": "postgres",
               "action": "export.invoices.requested", "subjectType": "export", "subjectId": "run_1",
               "payload": {"exportId": "exp_1"}, "createdAt": all[0]["createdAt"]})
    );
    assert_eq!(all[2]["organizationId"], Value::Null);
    assert_eq!(all[2]["actorUserId"], Value::Null);
    assert_eq!(all[3]["payload"], json!({"rowCount": 12, "amount": 1.5}));
    let stored: Vec<DateTime<Utc>> =
        sqlx::query_scalar("SELECT created_at FROM audit_log ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    for (line, stored) in all.iter().zip(&stored) {
        let text = line["createdAt"].as_str().unwrap();
        assert!(text.ends_with('Z'), "{text}");
        assert_eq!(DateTime::parse_from_rfc3339(text).unwrap(), *stored);
    }

    assert_eq!(ids_of(&tail(&["-n", "2"])), [r5, r6]);
    assert_eq!(ids_of(&tail(&["--lines", "1"])), [r6]);
    assert!(tail(&["-n", "0"]).is_empty());
    assert_eq!(ids_of(&tail(&["--org", "org_acme"])), [r1, r4, r6]);
    assert_eq!(ids_of(&tail(&["--org", "org_acme", "-n", "2"])), [r4, r6]);
    assert_eq!(
        ids_of(&tail(&["--action", "export.invoices.requested"])),
        [r1, r2]
    );
    assert_eq!(
        ids_of(&tail(&["--action", "email.suppression.added"])),
        [r3]
    );
    assert_eq!(
        ids_of(&tail(&[
            "--org",
            "org_globex",
            "--action",
            "export.invoices.failed"
        ])),
        [r5]
    );
    assert!(tail(&["--org", "org_initech"]).is_empty());
    let since = boundary.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    assert_eq!(ids_of(&tail(&["--since", &since])), [r5, r6]);
    assert_eq!(ids_of(&tail(&["--since", &since, "-n", "1"])), [r6]);
    assert_eq!(
        ids_of(&tail(&["--since", &since, "--org", "org_acme"])),
        [r6]
    );
    assert_eq!(ids_of(&tail(&["--since", "1h"])), [r1, r2, r3, r4, r5, r6]);
    assert!(tail(&["--since", "2999-01-01T00:00:00Z"]).is_empty());
    // --json is global: before the subcommand too.
    let out = env
        .cmd()
        .args(["--json", "audit", "tail", "-n", "1"])
        .assert()
        .success();
    assert_eq!(ids_of(&common::ndjson(&out.get_output().stdout)), [r6]);

    // The human table: RFC 3339 UTC times, `system` for no actor, `-` for no org.
    let out = env.cmd().args(["audit", "tail"]).assert().success();
    let table = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for needle in [
        "TIME",
        "ACTOR",
        "PAYLOAD",
        "user_alice",
        "system",
        "run_2",
        "x@example.com",
        "{\"reason\": \"bounce\"}",
    ] {
        assert!(table.contains(needle), "{needle:?} in\n{table}");
    }
    let first = stored[0].to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert!(table.contains(&first), "{first} in\n{table}");

    // Refusals: plain text on stderr, nothing on stdout.
    for (args, code) in [
        (&["--org", "org_nope"][..], 66),
        (&["--org", "org-acme"][..], 65),
        (&["--since", "soon"][..], 65),
        (&["--since", "2026-02-30"][..], 65),
        (&["-n", "-1"][..], 2),
    ] {
        env.cmd()
            .args(["audit", "tail", "--json"])
            .args(args)
            .assert()
            .code(code)
            .stdout("")
            .stderr(predicate::str::contains("error:"));
    }
}

// --- audit tail --follow --------------------------------------------------------------

/// `audit tail --follow` as a real child process with its stdout piped.
struct Follower {
    child: tokio::process::Child,
    lines: mpsc::UnboundedReceiver<String>,
    stderr: Arc<Mutex<String>>,
}

impl Follower {
    fn spawn(env: &Env, args: &[&str]) -> Follower {
        let mut cmd = env.tokio_cmd();
        cmd.args(["audit", "tail", "--follow", "--json"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("spawn invoicectl");
        let (tx, lines) = mpsc::unbounded_channel();
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stdout.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let mut pipe = child.stderr.take().unwrap();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Follower {
            child,
            lines,
            stderr,
        }
    }

    /// The next NDJSON line, waiting at most `within`.
    async fn next(&mut self, within: Duration) -> Value {
        match tokio::time::timeout(within, self.lines.recv()).await {
            Ok(Some(line)) => {
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
            }
            Ok(None) => panic!("tail exited; stderr: {}", self.stderr.lock().unwrap()),
            Err(_) => panic!(
                "no line from tail within {within:?}; stderr: {}",
                self.stderr.lock().unwrap()
            ),
        }
    }

    /// Sends `signal` and returns the exit code, waiting at most 10 s.
    async fn stop(mut self, signal: libc::c_int) -> Option<i32> {
        let pid = self.child.id().expect("tail still running") as libc::pid_t;
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("tail exits within 10 s of the signal")
            .unwrap();
        status.code()
    }
}

#[sqlx::test]
async fn follow_prints_a_new_commit_and_exits_0_on_sigint(pool: PgPool) {
    db::seed::seed_demo(&pool, 0).await.unwrap();
    let old = append(
        &pool,
        Some("org_acme"),
        Some("user_alice"),
        Action::ExportRequested,
        "run_old",
        json!({}),
    )
    .await;
    let newest = append(
        &pool,
        Some("org_globex"),
        None,
        Action::ExportCompleted,
        "run_old2",
        json!({}),
    )
    .await;
    let env = Env::for_pool(&pool);
    let mut tail = Follower::spawn(&env, &["-n", "2"]);
    // The history proves the child is past its starting snapshot.
    assert_eq!(tail.next(Duration::from_secs(30)).await["id"], old);
    assert_eq!(tail.next(Duration::from_secs(30)).await["id"], newest);

    // The commit is the event the follower answers; how fast it answers is a
    // latency figure for a benchmark, not a wall-clock bound a loaded machine fails.
    let mut conn = PgConnection::connect(&env.database_url).await.unwrap();
    let id = append_on(
        &mut conn,
        Some("org_initech"),
        Some("user_erin"),
        Action::ExportRequested,
        "run_new",
        json!({"k": "v"}),
    )
    .await;
    let line = tail.next(Duration::from_secs(60)).await;
    assert_eq!(line["id"], id);
    assert_eq!(line["organizationId"], "org_initech");
    assert_eq!(line["payload"], json!({"k": "v"}));

    assert_eq!(tail.stop(libc::SIGINT).await, Some(0));
}

#[sqlx::test]
async fn follow_delivers_a_500_row_burst_exactly_once_in_chain_order(pool: PgPool) {
    db::seed::seed_demo(&pool, 0).await.unwrap();
    let url = common::pool_url(&pool);
    let env = Env::for_pool(&pool);
    let ready = append(
        &pool,
        Some("org_acme"),
        None,
        Action::ExportRequested,
        "ready",
        json!({}),
    )
    .await;
    let mut tail = Follower::spawn(&env, &["-n", "1"]);
    assert_eq!(tail.next(Duration::from_secs(30)).await["id"], ready);
    let mut received: Vec<Value> = Vec::new();

    // Across chains a lower id can commit after a higher one: acme takes an id and
    // stays open while globex commits a higher id, which the tail prints first.
    let mut held = PgConnection::connect(&url).await.unwrap();
    let acme = OrgId::parse("org_acme").unwrap();
    let mut held_tx = held.begin().await.unwrap();
    tenant::enter(&mut held_tx, &acme).await.unwrap();
    let held_id = audit::append(
        &mut held_tx,
        audit::Entry {
            organization: Some(&acme),
            actor: None,
            action: Action::ExportRequested,
            subject: Subject {
                kind: SubjectType::Export,
                id: "burst_held",
            },
            payload: json!({}),
        },
    )
    .await
    .unwrap();
    let overtaker = append(
        &pool,
        Some("org_globex"),
        None,
        Action::ExportRequested,
        "burst_overtaker",
        json!({}),
    )
    .await;
    assert!(overtaker > held_id);
    let line = tail.next(Duration::from_secs(10)).await;
    assert_eq!(
        line["id"], overtaker,
        "the committed higher id arrives first"
    );
    received.push(line);
    held_tx.commit().await.unwrap();

    // The rest of the 500: 8 writers on their own connections, transactions of 1–4
    // rows on all four chains, concurrently.
    let mut writers = Vec::new();
    for w in 0..8usize {
        let url = url.clone();
        let rows = 498 / 8 + usize::from(w < 498 % 8);
        writers.push(tokio::spawn(async move {
            let mut conn = PgConnection::connect(&url).await.unwrap();
            let mut written = 0;
            let mut tx_no = 0;
            while written < rows {
                let org = ALL_CHAINS[(w + tx_no) % 4].map(|o| OrgId::parse(o).unwrap());
                let size = ((w + tx_no) % 4 + 1).min(rows - written);
                let mut tx = conn.begin().await.unwrap();
                if let Some(org) = &org {
                    tenant::enter(&mut tx, org).await.unwrap();
                }
                for _ in 0..size {
                    let subject = format!("burst_{w}_{written}");
                    audit::append(
                        &mut tx,
                        audit::Entry {
                            organization: org.as_ref(),
                            actor: None,
                            action: action_for(org.as_ref().map(OrgId::as_str)),
                            subject: Subject {
                                kind: if org.is_some() {
                                    SubjectType::Export
                                } else {
                                    SubjectType::EmailSuppression
                                },
                                id: &subject,
                            },
                            payload: json!({"writer": w, "n": written}),
                        },
                    )
                    .await
                    .unwrap();
                    written += 1;
                }
                tx.commit().await.unwrap();
                tx_no += 1;
            }
        }));
    }
    for writer in writers {
        tokio::time::timeout(Duration::from_secs(60), writer)
            .await
            .expect("writers finish")
            .unwrap();
    }
    // One sentinel per chain: once all four arrived, everything before them has too.
    for org in ALL_CHAINS {
        append(&pool, org, None, action_for(org), "sentinel", json!({})).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut sentinels = 0;
    while sentinels < 4 {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = tail.next(left).await;
        if line["subjectId"] == "sentinel" {
            sentinels += 1;
        }
        received.push(line);
    }

    let burst: Vec<&Value> = received
        .iter()
        .filter(|l| l["subjectId"].as_str().unwrap().starts_with("burst_"))
        .collect();
    assert_eq!(burst.len(), 500, "every burst row, no more");
    let printed: HashSet<i64> = received.iter().map(|l| l["id"].as_i64().unwrap()).collect();
    assert_eq!(printed.len(), received.len(), "no row printed twice");
    let expected: HashSet<i64> = sqlx::query_scalar("SELECT id FROM audit_log WHERE id > $1")
        .bind(ready)
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        printed, expected,
        "exactly the rows committed after the start"
    );
    assert!(
        printed.contains(&held_id),
        "the overtaken row is not skipped"
    );
    // Per chain: the order of the chain itself (id order = commit order).
    for org in ALL_CHAINS {
        let order: Vec<i64> = received
            .iter()
            .filter(|l| l["organizationId"].as_str() == org)
            .map(|l| l["id"].as_i64().unwrap())
            .collect();
        let mut in_db = chain_ids(&pool, org).await;
        in_db.retain(|id| *id > ready);
        assert_eq!(order, in_db, "chain {org:?} in order");
        assert_eq!(
            received
                .iter()
                .rfind(|l| l["organizationId"].as_str() == org)
                .unwrap()["subjectId"],
            "sentinel"
        );
    }

    assert_eq!(tail.stop(libc::SIGTERM).await, Some(0));
    env.cmd().args(["audit", "verify"]).assert().success();
}

#[sqlx::test]
async fn follow_applies_org_and_action_filters_to_new_rows(pool: PgPool) {
    db::seed::seed_demo(&pool, 0).await.unwrap();
    let first = append(
        &pool,
        Some("org_globex"),
        None,
        Action::ExportFailed,
        "run_f0",
        json!({}),
    )
    .await;
    let env = Env::for_pool(&pool);
    let mut tail = Follower::spawn(
        &env,
        &[
            "--org",
            "org_globex",
            "--action",
            "export.invoices.failed",
            "-n",
            "1",
        ],
    );
    assert_eq!(tail.next(Duration::from_secs(30)).await["id"], first);

    let mut wanted = Vec::new();
    for i in 0..30 {
        let org = ALL_CHAINS[i % 4];
        let action = match (org, i % 3) {
            (None, _) => Action::SuppressionRemoved,
            (Some(_), 0) => Action::ExportFailed,
            (Some(_), _) => Action::ExportCompleted,
        };
        let id = append(
            &pool,
            org,
            None,
            action,
            &format!("run_f{}", i + 1),
            json!({}),
        )
        .await;
        if org == Some("org_globex") && action == Action::ExportFailed {
            wanted.push(id);
        }
    }
    let last = append(
        &pool,
        Some("org_globex"),
        None,
        Action::ExportFailed,
        "run_last",
        json!({}),
    )
    .await;
    wanted.push(last);
    assert!(wanted.len() >= 3, "the scenario includes matching rows");

    let mut got = Vec::new();
    while got.last() != Some(&last) {
        got.push(
            tail.next(Duration::from_secs(10)).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    assert_eq!(got, wanted);
    assert_eq!(tail.stop(libc::SIGTERM).await, Some(0));
}

#[sqlx::test]
async fn follow_recovers_from_lost_connections_without_losing_rows(pool: PgPool) {
    db::seed::seed_demo(&pool, 0).await.unwrap();
    let first = append(
        &pool,
        None,
        None,
        Action::SuppressionAdded,
        "a@example.com",
        json!({}),
    )
    .await;
    let env = Env::for_pool(&pool);
    let mut tail = Follower::spawn(&env, &["-n", "1"]);
    assert_eq!(tail.next(Duration::from_secs(30)).await["id"], first);

    // Kill the child's connections (its LISTEN and its poll connection): whatever was
    // notified meanwhile is lost, the rows are not.
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'invoicectl'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(!killed.is_empty() && killed.iter().all(|k| *k));
    let mut wanted = Vec::new();
    for i in 0..12 {
        let org = ALL_CHAINS[i % 4];
        wanted.push(
            append(
                &pool,
                org,
                None,
                action_for(org),
                &format!("after_{i}"),
                json!({}),
            )
            .await,
        );
    }
    let mut got = Vec::new();
    while got.len() < wanted.len() {
        got.push(
            tail.next(Duration::from_secs(15)).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    assert_eq!(got, wanted);
    assert_eq!(tail.stop(libc::SIGTERM).await, Some(0));
}

// --- the witness: audit checkpoint / audit verify --against ---------------------------

/// `audit checkpoint` with `args`, its JSON document.
fn checkpoint_json(env: &Env, args: &[&str]) -> Value {
    let out = env
        .cmd()
        .args(["--json", "audit", "checkpoint"])
        .args(args)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

/// Writes a checkpoint of every chain to a file in `env`'s directory.
fn checkpoint_file(env: &Env, name: &str, args: &[&str]) -> std::path::PathBuf {
    let path = env.path().join(name);
    env.cmd()
        .args(["audit", "checkpoint", "--out"])
        .arg(&path)
        .args(args)
        .assert()
        .success();
    path
}

/// A chain's (count, last id, last hash) as the database holds it now.
async fn chain_head_now(pool: &PgPool, org: Option<&str>) -> (u64, i64, String) {
    let ids = chain_ids(pool, org).await;
    let last = *ids.last().unwrap();
    let hash: String = sqlx::query_scalar("SELECT hash FROM audit_log WHERE id = $1")
        .bind(last)
        .fetch_one(pool)
        .await
        .unwrap();
    (ids.len() as u64, last, hash)
}

/// What a superuser can do past the append-only triggers: delete a chain's newest `n`
/// rows and move `audit_chain_head` back to the new last row (or drop the head when
/// no row is left). The chain that remains is internally consistent.
async fn rewind(pool: &PgPool, org: Option<&str>, n: usize) {
    let ids = chain_ids(pool, org).await;
    let doomed = &ids[ids.len() - n..];
    let key = org.unwrap_or("");
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    let deleted = sqlx::query("DELETE FROM audit_log WHERE id = ANY($1)")
        .bind(doomed)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(deleted, n as u64);
    let head = if n == ids.len() {
        sqlx::query("DELETE FROM audit_chain_head WHERE chain_key = $1")
    } else {
        sqlx::query(
            "UPDATE audit_chain_head h SET last_id = l.id, last_hash = l.hash
             FROM (SELECT id, hash FROM audit_log WHERE coalesce(organization_id, '') = $1
                   ORDER BY id DESC LIMIT 1) l
             WHERE h.chain_key = $1",
        )
    };
    assert_eq!(
        head.bind(key)
            .execute(&mut *tx)
            .await
            .unwrap()
            .rows_affected(),
        1
    );
    tx.commit().await.unwrap();
}

/// Past the triggers, appends a forged row with a chosen `id` to `org`'s chain, its
/// `prev_hash` and `hash` computed exactly as the trigger would, and advances the head.
async fn forge_row(pool: &PgPool, org: &str, id: i64) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO audit_log (id, organization_id, actor_user_id, action, subject_type,
                                subject_id, payload, created_at, prev_hash, hash)
         SELECT $1, $2, NULL, 'export.invoices.requested', 'export', 'forged',
                '{\"forged\": true}'::jsonb, now(), h.last_hash,
                encode(sha256(convert_to(h.last_hash || audit_canonical($1, $2, NULL,
                    'export.invoices.requested', 'export', 'forged', '{\"forged\": true}'::jsonb,
                    now()), 'UTF8')), 'hex')
         FROM audit_chain_head h WHERE h.chain_key = $2",
    )
    .bind(id)
    .bind(org)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE audit_chain_head SET last_id = $1,
             last_hash = (SELECT hash FROM audit_log WHERE id = $1)
         WHERE chain_key = $2",
    )
    .bind(id)
    .bind(org)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

fn witness_of<'a>(report: &'a Value, org: Option<&str>) -> &'a Value {
    &chain_report(report, org)["witness"]
}

#[sqlx::test]
async fn checkpoint_pins_each_verified_chain_head_and_writes_the_file_atomically(pool: PgPool) {
    seed_chains(&pool, 3).await;
    let env = Env::for_pool(&pool);

    // Human output is the pretty-printed document; --json the same, on one line.
    let human = env.cmd().args(["audit", "checkpoint"]).assert().success();
    let printed: Value = serde_json::from_slice(&human.get_output().stdout).unwrap();
    let doc = checkpoint_json(&env, &[]);
    for doc in [&printed, &doc] {
        assert_eq!(doc["kind"], "invoicectl-audit-checkpoint");
        assert_eq!(doc["version"], 1);
        assert!(DateTime::parse_from_rfc3339(doc["createdAt"].as_str().unwrap()).is_ok());
        let chains = doc["chains"].as_array().unwrap();
        let orgs: Vec<Option<&str>> = chains
            .iter()
            .map(|c| c["organizationId"].as_str())
            .collect();
        assert_eq!(
            orgs,
            [
                None,
                Some("org_acme"),
                Some("org_globex"),
                Some("org_initech")
            ]
        );
        for chain in chains {
            let (count, last_id, hash) =
                chain_head_now(&pool, chain["organizationId"].as_str()).await;
            assert_eq!(
                chain,
                &json!({
                    "organizationId": chain["organizationId"],
                    "count": count,
                    "lastId": last_id,
                    "lastHash": hash,
                })
            );
        }
    }

    // --out replaces the file in one rename, leaves no temporary file, and says so.
    let dir = env.path().join("witness");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("checkpoint.json");
    std::fs::write(&path, "the previous checkpoint").unwrap();
    env.cmd()
        .args(["audit", "checkpoint", "--out"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "wrote a checkpoint of 4 audit chains",
        ))
        .stdout(predicate::str::contains(path.display().to_string()));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written["chains"], doc["chains"]);
    let entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, ["checkpoint.json"]);
    // With --json and --out, stdout is the document that was written.
    let out = env
        .cmd()
        .args([
            "--json",
            "audit",
            "checkpoint",
            "--org",
            "org_acme",
            "--out",
        ])
        .arg(&path)
        .assert()
        .success();
    let echoed: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(echoed, written);
    assert_eq!(written["chains"].as_array().unwrap().len(), 1);
    assert_eq!(written["chains"][0]["organizationId"], "org_acme");
    env.cmd()
        .args(["audit", "checkpoint", "--out"])
        .arg(dir.join("missing").join("checkpoint.json"))
        .assert()
        .code(66);

    // A broken chain is refused, not witnessed: nothing is written.
    let acme = chain_ids(&pool, Some("org_acme")).await;
    tamper(
        &pool,
        "UPDATE audit_log SET payload = '{\"i\": 99}' WHERE id = $1",
        acme[1],
    )
    .await;
    let refused = dir.join("refused.json");
    env.cmd()
        .args(["audit", "checkpoint", "--out"])
        .arg(&refused)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("refusing to checkpoint"))
        .stderr(predicate::str::contains("org_acme"));
    assert!(!refused.exists());
    let globex = checkpoint_json(&env, &["--org", "org_globex"]);
    assert_eq!(globex["chains"][0]["organizationId"], "org_globex");
}

#[sqlx::test]
async fn verify_against_catches_a_deleted_tail_with_a_rewound_head(pool: PgPool) {
    seed_chains(&pool, 4).await;
    let env = Env::for_pool(&pool);
    let witness = checkpoint_file(&env, "witness.json", &[]);
    let acme = chain_ids(&pool, Some("org_acme")).await;

    rewind(&pool, Some("org_acme"), 2).await;

    // Today's gap: the shortened chain is consistent, so plain verify passes.
    env.cmd().args(["audit", "verify"]).assert().success();

    env.cmd()
        .args(["audit", "verify", "--against"])
        .arg(&witness)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MISMATCH"))
        .stderr(predicate::str::contains(
            "audit chain of organization org_acme does not extend the witnessed head",
        ))
        .stderr(predicate::str::contains(format!("row {} is gone", acme[3])))
        .stderr(predicate::str::contains("rewound"));

    let against = witness.to_str().unwrap();
    let (report, _) = verify_json(&env, &["--against", against], 1);
    assert_eq!(report["ok"], false);
    assert_eq!(report["witness"]["path"], against);
    let a = chain_report(&report, Some("org_acme"));
    assert_eq!((&a["ok"], &a["break"]), (&json!(false), &Value::Null));
    assert_eq!(
        a["witness"],
        json!({
            "count": 4,
            "lastId": acme[3],
            "lastHash": a["witness"]["lastHash"],
            "ok": false,
            "mismatch": { "kind": "rowMissing", "count": 2, "lastId": acme[1] },
        })
    );
    for other in [Some("org_globex"), Some("org_initech"), None] {
        assert_eq!(witness_of(&report, other)["ok"], true, "{other:?}");
        assert_eq!(chain_report(&report, other)["ok"], true, "{other:?}");
    }

    // Scoped: an untouched chain passes against the same witness, acme does not.
    env.cmd()
        .args(["audit", "verify", "--org", "org_globex", "--against"])
        .arg(&witness)
        .assert()
        .success();
    env.cmd()
        .args(["audit", "verify", "--org", "org_acme", "--against"])
        .arg(&witness)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("org_acme"));
}

#[sqlx::test]
async fn verify_against_catches_chains_rebuilt_after_a_rewind(pool: PgPool) {
    seed_chains(&pool, 3).await;
    let env = Env::for_pool(&pool);
    let witness = checkpoint_file(&env, "witness.json", &[]);
    let globex = chain_ids(&pool, Some("org_globex")).await;

    // acme: the tail is deleted, then the chain is appended to again through the
    // writer, so it ends up longer than witnessed, every hash recomputed by the trigger.
    rewind(&pool, Some("org_acme"), 1).await;
    for i in 0..3 {
        append(
            &pool,
            Some("org_acme"),
            None,
            Action::ExportRequested,
            &format!("again_{i}"),
            json!({}),
        )
        .await;
    }
    // globex: the witnessed last row is replaced by a forged one with the same id
    // and a correctly recomputed hash.
    rewind(&pool, Some("org_globex"), 1).await;
    forge_row(&pool, "org_globex", globex[2]).await;
    // The system chain: removed altogether, head included.
    rewind(&pool, None, 3).await;

    env.cmd().args(["audit", "verify"]).assert().success();

    let against = witness.to_str().unwrap();
    let (report, stderr) = verify_json(&env, &["--against", against], 1);
    assert!(stderr.contains("3 of 4 chains broken"), "{stderr}");
    let a = witness_of(&report, Some("org_acme"));
    assert_eq!(a["mismatch"]["kind"], "rowMissing");
    assert_eq!(a["mismatch"]["count"], 5);
    let (_, _, forged_hash) = chain_head_now(&pool, Some("org_globex")).await;
    let g = witness_of(&report, Some("org_globex"));
    assert_eq!(
        g["mismatch"],
        json!({ "kind": "hashChanged", "hash": forged_hash })
    );
    assert_ne!(g["lastHash"], forged_hash);
    let s = chain_report(&report, None);
    assert_eq!(
        (&s["ok"], s["rowsChecked"].as_u64()),
        (&json!(false), Some(0))
    );
    assert_eq!(s["witness"]["mismatch"]["kind"], "chainMissing");
    assert_eq!(witness_of(&report, Some("org_initech"))["ok"], true);

    env.cmd()
        .args([
            "audit",
            "verify",
            "--org",
            "org_globex",
            "--against",
            against,
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("organization org_globex"))
        .stderr(predicate::str::contains("rewritten"));
    // The system chain is named as such (it is first in chain order).
    env.cmd()
        .args(["audit", "verify", "--against", against])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("audit chain of the system chain"))
        .stderr(predicate::str::contains("no rows"));
}

#[sqlx::test]
async fn verify_against_passes_chains_that_grew_honestly(pool: PgPool) {
    seed_chains(&pool, 2).await;
    let env = Env::for_pool(&pool);
    let everything = checkpoint_file(&env, "all.json", &[]);
    let acme_only = checkpoint_file(&env, "acme.json", &["--org", "org_acme"]);
    seed_more(&pool, 2).await;

    env.cmd()
        .args(["audit", "verify", "--against"])
        .arg(&everything)
        .assert()
        .success()
        .stdout(predicate::str::contains("extends the witness"))
        .stdout(predicate::str::contains("MISMATCH").not());
    let (report, _) = verify_json(&env, &["--against", everything.to_str().unwrap()], 0);
    assert_eq!(report["ok"], true);
    for org in ALL_CHAINS {
        let chain = chain_report(&report, org);
        assert_eq!(chain["rowsChecked"], 4, "{org:?}");
        assert_eq!(chain["witness"]["ok"], true, "{org:?}");
        assert_eq!(chain["witness"]["count"], 2, "{org:?}");
        assert_eq!(chain["witness"]["mismatch"], Value::Null, "{org:?}");
    }

    // Chains the checkpoint does not cover are verified, not witnessed.
    let (report, _) = verify_json(&env, &["--against", acme_only.to_str().unwrap()], 0);
    assert_eq!(witness_of(&report, Some("org_acme"))["ok"], true);
    for org in [Some("org_globex"), Some("org_initech"), None] {
        assert!(
            chain_report(&report, org).get("witness").is_none(),
            "{org:?}"
        );
    }
    env.cmd()
        .args(["audit", "verify", "--against"])
        .arg(&acme_only)
        .assert()
        .success()
        .stdout(predicate::str::contains("not witnessed"));
}

/// Appends `per_chain` more rows to every chain, through the writer.
async fn seed_more(pool: &PgPool, per_chain: usize) {
    for i in 0..per_chain {
        for org in ALL_CHAINS {
            append(
                pool,
                org,
                None,
                action_for(org),
                &format!("more_{i}"),
                json!({}),
            )
            .await;
        }
    }
}

#[sqlx::test]
async fn verify_against_refuses_a_missing_or_malformed_witness(pool: PgPool) {
    seed_chains(&pool, 1).await;
    let env = Env::for_pool(&pool);
    let good = checkpoint_file(&env, "good.json", &[]);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&good).unwrap()).unwrap();

    env.cmd()
        .args(["audit", "verify", "--against"])
        .arg(env.path().join("nope.json"))
        .assert()
        .code(66)
        .stdout("")
        .stderr(predicate::str::contains("nope.json does not exist"));

    let edited = |edit: &dyn Fn(&mut Value)| {
        let mut doc = doc.clone();
        edit(&mut doc);
        doc.to_string()
    };
    let malformed = [
        "{ this is not json".to_owned(),
        "{}".to_owned(),
        edited(&|d| d["kind"] = "something-else".into()),
        edited(&|d| d["version"] = 2.into()),
        edited(&|d| d["chains"][0]["lastHash"] = "abc".into()),
        edited(&|d| d["chains"][0]["lastid"] = 1.into()),
        edited(&|d| d["chains"][1]["organizationId"] = "acme".into()),
    ];
    for text in malformed {
        let path = env.path().join("bad.json");
        std::fs::write(&path, text).unwrap();
        env.cmd()
            .args(["audit", "verify", "--against"])
            .arg(&path)
            .assert()
            .code(65)
            .stdout("")
            .stderr(predicate::str::contains("not a valid audit checkpoint"))
            .stderr(predicate::str::contains("bad.json"));
    }
    env.cmd()
        .args(["audit", "verify", "--against"])
        .arg(env.path())
        .assert()
        .code(65)
        .stderr(predicate::str::contains("not a regular file"));

    env.cmd()
        .args(["audit", "verify", "--against"])
        .arg(&good)
        .assert()
        .success();
}
