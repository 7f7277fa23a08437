//! The export-ready email and the suppression commands: the email over a
//! real SMTP conversation (tests/common/smtp.rs on 127.0.0.1) and into the `.eml`
//! outbox, transient vs. permanent failures, and `suppression add/remove/list`
//! through the real binary against a real PostgreSQL.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::common::audit::{AuditFilter, AuditRow, audit_rows};
use crate::common::smtp::{self, Script, SmtpServer, Stage};
use crate::common::{Env, count, json_of};
use invoicectl::config::resolver::Overrides;
use invoicectl::config::{PlatformDirs, Settings};
use invoicectl::db::suppressions::{self, Reason, Upsert};
use invoicectl::db::tenant;
use invoicectl::email::{
    EmailAddress, ExportReadyEmail, Mailer, SUBJECT, SendError, Via, message_id_for,
};
use invoicectl::ids::OrgId;
use predicates::prelude::*;
use serde_json::{Value, json};
use sqlx::PgPool;

const DOWNLOAD_URL: &str =
    "file:///var/lib/invoicectl/exports/org_acme/run_01jd5x7m3k9q2w8e4r6t0y1v3a.csv";

fn settings(smtp_url: Option<String>, data_dir: PathBuf) -> Settings {
    let env = |name: &str| match name {
        "INVOICECTL_SMTP_URL" => smtp_url.clone().map(Into::into),
        "INVOICECTL_MAIL_FROM" => Some("Acme Invoices <invoices@example.com>".into()),
        _ => None,
    };
    let dirs = PlatformDirs {
        config_file: None,
        data_dir: Some(data_dir),
    };
    Settings::load_with(&Overrides::default(), &env, &dirs).expect("valid settings")
}

fn smtp_mailer(url: String) -> Mailer {
    Mailer::from_settings(&settings(Some(url), PathBuf::from("/nonexistent"))).expect("mailer")
}

fn email(key: &str) -> ExportReadyEmail {
    ExportReadyEmail {
        recipient_name: "Alice Anderson".into(),
        recipient: EmailAddress::parse("alice@example.com").unwrap(),
        // Non-ASCII (so the body is transfer-encoded) and HTML specials (escaping).
        org_name: "Acme & Söhne <GmbH>".into(),
        row_count: 12_345,
        download_url: DOWNLOAD_URL.into(),
        scope: None,
        link_expires_at: None,
        idempotency_key: key.into(),
    }
}

#[tokio::test]
async fn sends_one_message_with_text_and_html_parts_and_a_derived_message_id() {
    let server = SmtpServer::start(Script::accept());
    let mailer = smtp_mailer(server.url());

    let delivery = mailer
        .send(&email("run_a:send-export-email"))
        .await
        .unwrap();
    assert_eq!(
        delivery.message_id,
        message_id_for("run_a:send-export-email")
    );
    match &delivery.via {
        Via::Smtp {
            server: s,
            response,
        } => {
            assert_eq!(s, &server.url());
            assert!(response.starts_with("250"), "{response}");
        }
        other => panic!("expected SMTP delivery, got {other:?}"),
    }

    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let received = &messages[0];
    assert_eq!(received.mail_from, "invoices@example.com");
    assert_eq!(received.rcpt_to, vec!["alice@example.com".to_owned()]);
    assert_eq!(received.credentials, None);

    let mail = received.parse();
    assert_eq!(mail.header("Subject"), Some(SUBJECT));
    assert_eq!(
        mail.header("From"),
        Some("\"Acme Invoices\" <invoices@example.com>")
    );
    let to = mail.header("To").unwrap();
    assert!(
        to.contains("Alice Anderson") && to.contains("<alice@example.com>"),
        "{to}"
    );
    assert_eq!(
        mail.header("Message-ID"),
        Some(delivery.message_id.as_str())
    );
    assert!(
        mail.header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative"),
    );
    assert_eq!(mail.parts.len(), 2);

    let text = &mail.part("text/plain").expect("a text part").body;
    assert!(text.contains("Acme & Söhne <GmbH>"), "{text}");
    assert!(text.contains("12345 invoices"), "{text}");
    assert!(text.contains(DOWNLOAD_URL), "{text}");

    let html = &mail.part("text/html").expect("an HTML part").body;
    assert!(html.contains("Acme &amp; Söhne &lt;GmbH&gt;"), "{html}");
    assert!(!html.contains("<GmbH>"), "{html}");
    assert!(html.contains("12345 invoices"), "{html}");
    assert!(html.contains(&format!("href=\"{DOWNLOAD_URL}\"")), "{html}");

    // The same key again (a resend after a crash) carries the same Message-ID; a
    // different key a different one.
    mailer
        .send(&email("run_a:send-export-email"))
        .await
        .unwrap();
    mailer
        .send(&email("run_b:send-export-email"))
        .await
        .unwrap();
    let ids: Vec<String> = server
        .messages()
        .iter()
        .map(|m| m.parse().header("Message-ID").unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], ids[1]);
    assert_ne!(ids[0], ids[2]);
    assert!(ids[0].ends_with("@invoicectl.invalid>"), "{}", ids[0]);
}

#[tokio::test]
async fn try_later_is_transient_and_a_retry_delivers_exactly_once() {
    let server = SmtpServer::start(Script::try_later(2, Stage::MailFrom));
    let mailer = smtp_mailer(server.url());
    let message = email("run_c:send-export-email");

    for attempt in 1..=2 {
        let err = mailer.send(&message).await.unwrap_err();
        assert!(err.is_transient(), "attempt {attempt}: {err}");
        assert_eq!(err.code(), Some(451), "attempt {attempt}: {err}");
        assert_eq!(err.message_id(), message.message_id());
    }
    assert!(server.messages().is_empty());
    mailer.send(&message).await.expect("third attempt delivers");
    assert_eq!(server.transactions(), 3);
    assert_eq!(server.messages().len(), 1);

    // A 4xx after the whole message was sent is just as transient.
    let server = SmtpServer::start(Script::try_later(1, Stage::Data));
    let mailer = smtp_mailer(server.url());
    let err = mailer.send(&message).await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    mailer.send(&message).await.unwrap();
    assert_eq!(server.messages().len(), 1);
}

#[tokio::test]
async fn a_5xx_reply_is_permanent_and_its_text_carries_no_address() {
    let server = SmtpServer::start(Script::refuse_always(
        Stage::Data,
        "550 5.1.1 <alice@example.com>: mailbox unavailable",
    ));
    let mailer = smtp_mailer(server.url());
    for _ in 0..2 {
        let err = mailer
            .send(&email("run_d:send-export-email"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                SendError::Permanent {
                    code: Some(550),
                    ..
                }
            ),
            "{err:?}"
        );
        let shown = err.to_string();
        assert!(shown.contains("mailbox unavailable"), "{shown}");
        assert!(!shown.contains("alice@example.com"), "{shown}");
    }
    assert!(server.messages().is_empty());

    let server = SmtpServer::start(Script::refuse_always(
        Stage::MailFrom,
        smtp::MAILBOX_UNAVAILABLE,
    ));
    let err = smtp_mailer(server.url())
        .send(&email("run_d:send-export-email"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(550));
    assert!(!err.is_transient());
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    let err = smtp_mailer(smtp::closed_port_url())
        .send(&email("run_e:send-export-email"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, SendError::Transient { code: None, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_stalled_server_times_out_as_transient() {
    let server = SmtpServer::start(Script::silent());
    let mailer = smtp_mailer(server.url()).with_timeout(Duration::from_millis(500));
    let started = Instant::now();
    let err = mailer
        .send(&email("run_f:send-export-email"))
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(err.to_string().contains("did not complete"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn credentials_in_the_url_are_percent_decoded_and_never_shown() {
    let server = SmtpServer::start(Script::accept().with_auth());
    let url = format!(
        "smtp://mailer%40corp:p%40ss%3Aw0rd@127.0.0.1:{}",
        server.port()
    );
    let mailer = smtp_mailer(url);
    assert!(!format!("{mailer:?} {}", mailer.describe()).contains("p%40ss"));
    let delivery = mailer
        .send(&email("run_g:send-export-email"))
        .await
        .unwrap();
    assert!(!serde_json::to_string(&delivery).unwrap().contains("w0rd"));
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].credentials,
        Some(("mailer@corp".to_owned(), "p@ss:w0rd".to_owned()))
    );
}

#[tokio::test]
async fn without_smtp_url_the_email_is_an_eml_file_in_the_outbox() {
    let data = tempfile::tempdir().unwrap();
    let settings = settings(None, data.path().to_path_buf());
    let outbox = settings.outbox_dir();
    assert!(!outbox.exists());
    let mailer = Mailer::from_settings(&settings).unwrap();
    assert!(outbox.is_dir(), "the outbox is created");
    assert!(mailer.describe().contains(&outbox.display().to_string()));

    let delivery = mailer
        .send(&email("run_h:send-export-email"))
        .await
        .unwrap();
    let Via::File { path } = &delivery.via else {
        panic!("expected a file delivery, got {delivery:?}");
    };
    assert_eq!(path.parent(), Some(outbox.as_path()));
    assert_eq!(path.extension().and_then(|e| e.to_str()), Some("eml"));
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().collect();
    assert_eq!(files.len(), 1);

    let mail = smtp::parse_mail(&std::fs::read(path).unwrap());
    assert_eq!(mail.header("Subject"), Some(SUBJECT));
    assert_eq!(
        mail.header("Message-ID"),
        Some(message_id_for("run_h:send-export-email").as_str())
    );
    assert!(mail.header("To").unwrap().contains("alice@example.com"));
    assert!(mail.part("text/plain").unwrap().body.contains(DOWNLOAD_URL));
    assert!(
        mail.part("text/html")
            .unwrap()
            .body
            .contains("12345 invoices")
    );
    let output = serde_json::to_value(&delivery).unwrap();
    assert_eq!(output["transport"], "file");
    assert_eq!(output["messageId"], json!(delivery.message_id));
}

// ---------------------------------------------------------------------------------
// Suppression list

fn assert_shape(value: &Value, keys: &[&str]) {
    let mut found: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    found.sort_unstable();
    let mut expected = keys.to_vec();
    expected.sort_unstable();
    assert_eq!(found, expected, "{value}");
}

fn assert_rfc3339_utc(value: &Value) {
    let text = value.as_str().unwrap();
    assert!(text.ends_with('Z'), "{text}");
    chrono::DateTime::parse_from_rfc3339(text).unwrap();
}

#[sqlx::test]
async fn suppression_add_list_remove(pool: PgPool) {
    let env = Env::for_pool(&pool);

    let out = env
        .cmd()
        .args([
            "suppression",
            "add",
            " Bob@Example.COM",
            "--reason",
            "bounce",
            "--json",
        ])
        .assert()
        .success();
    let added = json_of(&out.get_output().stdout);
    assert_shape(&added, &["email", "reason", "createdAt", "change"]);
    assert_eq!(added["email"], "bob@example.com");
    assert_eq!(added["reason"], "bounce");
    assert_eq!(added["change"], "added");
    assert_rfc3339_utc(&added["createdAt"]);
    assert_eq!(
        audit_rows(&pool, AuditFilter::default()).await,
        vec![AuditRow {
            organization_id: None,
            actor_user_id: None,
            action: "email.suppression.added".to_owned(),
            subject_type: "email_suppression".to_owned(),
            subject_id: "bob@example.com".to_owned(),
            payload: json!({"reason": "bounce"}),
        }]
    );

    // The same reason again changes nothing and audits nothing.
    let out = env
        .cmd()
        .args([
            "--json",
            "suppression",
            "add",
            "bob@example.com",
            "--reason",
            "bounce",
        ])
        .assert()
        .success();
    assert_eq!(json_of(&out.get_output().stdout)["change"], "unchanged");
    assert_eq!(count(&pool, "audit_log").await, 1);

    // Another reason replaces it, keeps createdAt, and is audited.
    let out = env
        .cmd()
        .args([
            "suppression",
            "add",
            "bob@example.com",
            "--reason",
            "complaint",
            "--json",
        ])
        .assert()
        .success();
    let changed = json_of(&out.get_output().stdout);
    assert_shape(
        &changed,
        &["email", "reason", "createdAt", "change", "previousReason"],
    );
    assert_eq!(changed["change"], "reasonChanged");
    assert_eq!(changed["reason"], "complaint");
    assert_eq!(changed["previousReason"], "bounce");
    assert_eq!(changed["createdAt"], added["createdAt"]);
    let audit = audit_rows(&pool, AuditFilter::default()).await;
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[1].action, "email.suppression.added");
    assert_eq!(
        audit[1].payload,
        json!({"reason": "complaint", "previousReason": "bounce"})
    );

    env.cmd()
        .args([
            "suppression",
            "add",
            "carol@example.com",
            "--reason",
            "unsubscribe",
        ])
        .assert()
        .success()
        .stdout("suppressed carol@example.com (unsubscribe)\n");

    let out = env
        .cmd()
        .args(["suppression", "list", "--json"])
        .assert()
        .success();
    let listed = json_of(&out.get_output().stdout);
    let listed = listed.as_array().expect("a JSON array");
    assert_eq!(listed.len(), 2);
    for entry in listed {
        assert_shape(entry, &["email", "reason", "createdAt"]);
        assert_rfc3339_utc(&entry["createdAt"]);
    }
    assert_eq!(listed[0]["email"], "bob@example.com");
    assert_eq!(listed[0]["reason"], "complaint");
    assert_eq!(listed[1]["email"], "carol@example.com");

    env.cmd()
        .args(["suppression", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("bob@example.com")
                .and(predicate::str::contains("complaint"))
                .and(predicate::str::contains("carol@example.com")),
        );

    // The email task's check works inside a tenant transaction (the tenant role).
    let mut tx = tenant::begin(&pool, &OrgId::parse("org_acme").unwrap())
        .await
        .unwrap();
    let bob = EmailAddress::parse("BOB@example.com").unwrap();
    let alice = EmailAddress::parse("alice@example.com").unwrap();
    assert!(suppressions::is_suppressed(&mut tx, &bob).await.unwrap());
    assert!(!suppressions::is_suppressed(&mut tx, &alice).await.unwrap());
    tx.rollback().await.unwrap();

    let out = env
        .cmd()
        .args(["suppression", "remove", "BOB@example.com", "--json"])
        .assert()
        .success();
    let removed = json_of(&out.get_output().stdout);
    assert_shape(&removed, &["email", "reason", "createdAt", "change"]);
    assert_eq!(removed["change"], "removed");
    assert_eq!(removed["reason"], "complaint");
    let audit = audit_rows(&pool, AuditFilter::default()).await;
    assert_eq!(audit.len(), 4);
    assert_eq!(
        audit[3],
        AuditRow {
            organization_id: None,
            actor_user_id: None,
            action: "email.suppression.removed".to_owned(),
            subject_type: "email_suppression".to_owned(),
            subject_id: "bob@example.com".to_owned(),
            payload: json!({"reason": "complaint"}),
        }
    );
    assert_eq!(count(&pool, "email_suppression").await, 1);
}

#[sqlx::test]
async fn suppression_refusals_write_nothing(pool: PgPool) {
    let env = Env::for_pool(&pool);

    for args in [
        vec!["suppression", "add", "not-an-email", "--reason", "bounce"],
        vec!["suppression", "add", "bob@example", "--reason", "bounce"],
        vec!["suppression", "remove", "bob@@example.com"],
    ] {
        env.cmd()
            .args(&args)
            .arg("--json")
            .assert()
            .code(65)
            .stdout("")
            .stderr(predicate::str::contains("invalid email address"));
    }

    env.cmd()
        .args(["suppression", "remove", "nobody@example.com", "--json"])
        .assert()
        .code(66)
        .stdout("")
        .stderr(predicate::str::contains(
            "nobody@example.com is not on the suppression list",
        ));

    // An acting user who is malformed (65) or unknown (66) is refused before any write.
    env.cmd()
        .args([
            "suppression",
            "add",
            "bob@example.com",
            "--reason",
            "bounce",
            "--as",
            "alice",
        ])
        .assert()
        .code(65)
        .stdout("");
    env.cmd()
        .args([
            "suppression",
            "add",
            "bob@example.com",
            "--reason",
            "bounce",
        ])
        .env("INVOICECTL_USER", "user_nobody")
        .assert()
        .code(66)
        .stdout("")
        .stderr(predicate::str::contains("user user_nobody does not exist"));

    assert_eq!(count(&pool, "email_suppression").await, 0);
    assert_eq!(count(&pool, "audit_log").await, 0);

    // Nothing was there to list either.
    let out = env
        .cmd()
        .args(["suppression", "list", "--json"])
        .assert()
        .success();
    assert_eq!(json_of(&out.get_output().stdout), json!([]));
}

#[sqlx::test]
async fn suppression_audit_actor_comes_from_as_or_config(pool: PgPool) {
    sqlx::query(
        "INSERT INTO app_user (id, email, name) VALUES
         ('user_ops', 'ops@example.com', 'Ops'), ('user_sec', 'sec@example.com', 'Sec')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let env = Env::for_pool(&pool);
    env.write_config("user = \"user_ops\"\n");

    env.cmd()
        .args([
            "suppression",
            "add",
            "dan@example.com",
            "--reason",
            "bounce",
        ])
        .assert()
        .success();
    env.cmd()
        .args([
            "suppression",
            "remove",
            "dan@example.com",
            "--as",
            "user_sec",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("removed dan@example.com"));

    let actors: Vec<(Option<String>, String)> =
        sqlx::query_as("SELECT actor_user_id, action FROM audit_log ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        actors,
        vec![
            (
                Some("user_ops".to_owned()),
                "email.suppression.added".to_owned()
            ),
            (
                Some("user_sec".to_owned()),
                "email.suppression.removed".to_owned()
            ),
        ]
    );
}

#[sqlx::test]
async fn concurrent_adds_of_one_address_report_one_addition(pool: PgPool) {
    let email = EmailAddress::parse("race@example.com").unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let pool = pool.clone();
        let email = email.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = pool.begin().await.unwrap();
            let outcome = suppressions::upsert(&mut tx, &email, Reason::Bounce)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            outcome
        }));
    }
    let mut added = 0;
    for task in tasks {
        match task.await.unwrap() {
            Upsert::Added(_) => added += 1,
            Upsert::Unchanged(s) => assert_eq!(s.reason, Reason::Bounce),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(added, 1);
    assert_eq!(count(&pool, "email_suppression").await, 1);
}
