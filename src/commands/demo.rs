//! `demo`: the whole tool in one command, for a first look on a fresh machine.
//!
//! It strings together what an operator would type — `db setup`, `db seed --demo`,
//! `export start --org org_acme --as user_alice`, `export worker --drain`,
//! `export status RUN_ID`, `audit tail --org org_acme` — by calling the same code
//! those commands run (not copies of it), then says where the CSV and the email
//! went. Everything follows the global options and the config file, so on a
//! default setup it talks to the local PostgreSQL, writes the CSV under the data
//! directory's `exports/` and the email as an `.eml` file in its `outbox/`.
//!
//! Decisions where the spec is silent:
//! - The requester and organization are fixed (user_alice, org_acme): the demo data
//!   guarantees they exist and that alice may export.
//! - A second run the same UTC day is deduplicated like any `export start`; that run
//!   is already completed, so the drain has nothing to do and the demo still exits 0.
//! - The drain takes every runnable run, not only the demo's (it is the ordinary
//!   worker). If the demo's run is still not finished afterwards (another worker
//!   holds it, or a retry is scheduled), the demo follows it for up to 60 s and then
//!   exits like `export start --wait`: 0 completed, 1 failed/canceled, 75 still going.
//! - `--json` prints one object (see [`Summary`]) and nothing else on stdout; the
//!   worker's progress still goes to stderr as lines or bars.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use serde::Serialize;
use serde_json::Value;

use super::export::{Follow, WorkerPlan, follow_run, print_run, run_worker};
use crate::cli::DemoArgs;
use crate::context::Context;
use crate::db::{self, setup::Created};
use crate::engine::{RunStatus, WorkerMode};
use crate::exports::progress::EmailDisposition;
use crate::exports::request;
use crate::exports::task::SEND_EXPORT_EMAIL;
use crate::exports::view::RunView;
use crate::ids::{OrgId, RunId, UserId};
use crate::signals::wait_for_signal;

/// The organization and the requester of the demo export (both seeded).
pub(crate) const DEMO_ORG: &str = "org_acme";
pub(crate) const DEMO_USER: &str = "user_alice";
/// Invoices seeded per demo organization.
pub(crate) const DEMO_INVOICES: u64 = 1_000;
/// Audit entries shown at the end.
const AUDIT_LINES: u64 = 20;
/// How long the demo follows a run that the drain could not finish itself.
const WAIT_FOR_RUN: Duration = Duration::from_secs(60);

/// The `--json` document of `demo`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Summary {
    pub run_id: RunId,
    pub organization_id: String,
    pub requested_by: String,
    /// True when today's run already existed (a repeat without `--fresh`).
    pub deduplicated: bool,
    /// The run's status at the end: `completed` unless something went wrong.
    pub status: RunStatus,
    pub row_count: Option<u64>,
    /// The run's metadata `downloadUrl` (a `file://` URL).
    pub download_url: Option<String>,
    /// The CSV as a local path, when the URL is a `file://` URL.
    pub csv_path: Option<PathBuf>,
    /// What became of the email: `sent`, `suppressed`, `not_member` or `failed`
    /// (null until the run completed).
    pub email: Option<EmailDisposition>,
    pub message_id: Option<String>,
    /// Where `.eml` files go; null when an SMTP server is configured.
    pub outbox_dir: Option<PathBuf>,
    /// The `.eml` file carrying `messageId`, when it is in the outbox.
    pub email_file: Option<PathBuf>,
}

pub(crate) async fn run(args: DemoArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = OrgId::parse(DEMO_ORG)?;
    let user = UserId::parse(DEMO_USER)?;

    let options = ctx.connect_options()?;
    let (host, port, database) = db::describe(&options);
    let (created, applied) = db::setup::setup(&options)
        .await
        .with_context(|| format!("db setup of {database} on {host}:{port} failed"))?;
    say(
        ctx,
        &format!(
            "[1/4] database {database} on {host}:{port}: {}, {applied} migration(s) applied",
            if created == Created::Yes {
                "created"
            } else {
                "exists"
            }
        ),
    )?;

    let pool = ctx.pool(2).await?;
    let seeded = super::db::seed_with_bar(ctx, &pool, DEMO_INVOICES)
        .await
        .context("seeding the demo data failed")?;
    // Say how many invoices org_acme has, not how many the demo seeds: an earlier
    // `db seed --invoices 200000` left more, and the export will write them all.
    let invoices = db::seed::invoice_count(&pool, DEMO_ORG)
        .await
        .context("counting the demo organization's invoices failed")?;
    let invoices = crate::layout::thousands(u64::try_from(invoices).unwrap_or(0));
    say(
        ctx,
        &if seeded == db::seed::Seeded::default() {
            format!("[2/4] demo data: already there ({DEMO_ORG} has {invoices} invoices)")
        } else {
            format!(
                "[2/4] demo data: added {} organization(s), {} user(s), {} membership(s), {} invoice(s) ({DEMO_ORG} has {invoices} invoices)",
                seeded.organizations, seeded.users, seeded.members, seeded.invoices
            )
        },
    )?;

    let started = request::start(
        &pool,
        &request::Request {
            org: org.clone(),
            as_user: Some(user.clone()),
            scope: None,
            force: args.fresh,
        },
    )
    .await
    .with_context(|| format!("export start for {org} as {user} refused"))?;
    say(
        ctx,
        &format!(
            "[3/4] export of {org} requested by {user}: {} ({})",
            started.run_id,
            if started.deduplicated {
                "deduplicated: already requested today; `invoicectl demo --fresh` starts a new run"
            } else {
                "new run"
            }
        ),
    )?;

    say(ctx, "[4/4] worker: draining the queue (progress on stderr)")?;
    let plan = WorkerPlan {
        // One JSON document on stdout: the worker's NDJSON events stay out of it.
        ndjson: false,
        ..WorkerPlan::new(ctx, WorkerMode::Drain)
    };
    run_worker(ctx, plan).await?;
    let outcome = wait_for_end(&pool, &started.run_id, ctx.quiet).await?;

    let run_id = started.run_id.clone();
    let view = load_view(&pool, &run_id).await?;
    let summary = summarize(ctx, &started, &view);
    if ctx.json {
        ctx.print_json(&summary)?;
    } else {
        ctx.println("")?;
        print_run(ctx, &pool, &run_id).await?;
        ctx.println(&format!(
            "\naudit trail of {org} (newest {AUDIT_LINES}, oldest first):"
        ))?;
        super::audit::print_recent(ctx, &pool, Some(&org), AUDIT_LINES).await?;
        ctx.println("")?;
        for line in where_it_went(ctx, &summary) {
            ctx.println(&line)?;
        }
    }
    pool.close().await;
    outcome.into_result()
}

/// A progress line of the human output (stdout, as the demo's narrative is its
/// result); nothing with `--json`.
fn say(ctx: &Context, line: &str) -> anyhow::Result<()> {
    if ctx.json { Ok(()) } else { ctx.println(line) }
}

/// The run's end: at once if the drain finished it, else followed for up to
/// [`WAIT_FOR_RUN`] (Ctrl-C gives up early, like the timeout).
async fn wait_for_end(pool: &sqlx::PgPool, run_id: &RunId, quiet: bool) -> anyhow::Result<Follow> {
    let mut conn = pool.acquire().await?;
    let run = db::runs::get(&mut conn, run_id)
        .await?
        .with_context(|| format!("run {run_id} disappeared"))?;
    drop(conn);
    if run.status().is_final() {
        return Ok(Follow::Ended(RunView::leaf(&run)));
    }
    tracing::info!(
        "run {run_id} is {} after the drain (held by another worker or retrying later); following it for up to {} s",
        run.status,
        WAIT_FOR_RUN.as_secs()
    );
    tokio::select! {
        outcome = follow_run(pool, run_id, Some(WAIT_FOR_RUN), quiet, false) => outcome,
        () = wait_for_signal() => Ok(Follow::TimedOut(RunView::leaf(&run), WAIT_FOR_RUN)),
    }
}

async fn load_view(pool: &sqlx::PgPool, run_id: &RunId) -> anyhow::Result<RunView> {
    let mut conn = pool.acquire().await?;
    let run = db::runs::get(&mut conn, run_id)
        .await?
        .with_context(|| format!("run {run_id} disappeared"))?;
    let children = db::runs::children(&mut conn, run_id).await?;
    Ok(RunView::with_children(&run, &children))
}

fn summarize(ctx: &Context, started: &request::Started, view: &RunView) -> Summary {
    let message_id = view
        .children
        .iter()
        .flatten()
        .filter(|c| c.task_id == SEND_EXPORT_EMAIL.id)
        .filter_map(|c| c.output.as_ref()?.get("messageId")?.as_str())
        .next_back()
        .map(str::to_owned);
    // Local storage: the object's file:// URL is where the CSV is (a place, not a
    // signed link).
    let download_url = view.object_url();
    let csv_path = download_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .filter(|u| u.scheme() == "file")
        .and_then(|u| u.to_file_path().ok());
    let outbox_dir = ctx
        .settings
        .smtp_url
        .is_none()
        .then(|| ctx.settings.outbox_dir());
    let email_file = match (&outbox_dir, &message_id) {
        (Some(dir), Some(id)) => find_eml(dir, id),
        _ => None,
    };
    Summary {
        run_id: view.run_id.clone(),
        organization_id: started.organization_id.clone(),
        requested_by: started.requested_by.clone(),
        deduplicated: started.deduplicated,
        status: view.status,
        row_count: view
            .output
            .as_ref()
            .and_then(|o| o.get("rowCount"))
            .and_then(Value::as_u64)
            .or_else(|| view.rows()),
        download_url,
        csv_path,
        email: EmailDisposition::in_output(view.output.as_ref()),
        message_id,
        outbox_dir,
        email_file,
    }
}

/// The closing lines: where the CSV and the email are, and what to try next.
fn where_it_went(ctx: &Context, s: &Summary) -> Vec<String> {
    let csv = match (&s.csv_path, &s.download_url) {
        (Some(path), _) => path.display().to_string(),
        (None, Some(url)) => url.clone(),
        (None, None) => format!("none yet (the run is {})", s.status),
    };
    let id = s
        .message_id
        .as_deref()
        .map(|id| format!(" (Message-ID {id})"))
        .unwrap_or_default();
    let email = match (s.email, &s.outbox_dir, &s.email_file) {
        (Some(EmailDisposition::Written), _, Some(file)) => {
            format!("written to {}{id}", file.display())
        }
        (Some(EmailDisposition::Written), dir, None) => format!(
            "written to {}{id}",
            dir.as_ref()
                .map_or_else(|| "the outbox".to_owned(), |d| d.display().to_string())
        ),
        (Some(EmailDisposition::Sent), None, _) => format!(
            "sent through {}{id}",
            ctx.settings
                .smtp_url
                .as_deref()
                .map_or_else(|| "SMTP".to_owned(), crate::redact::redact_url)
        ),
        (Some(EmailDisposition::Suppressed), _, _) => format!(
            "not sent: {DEMO_USER}'s address is on the suppression list (`invoicectl suppression list`)"
        ),
        (Some(other), _, _) => format!("not sent ({other}); see the child run above"),
        (None, _, _) => format!("not sent yet (the run is {})", s.status),
    };
    // One command a line, so that each can be copied alone (joined on one line with
    // ` | `, a copy-paste piped them into each other).
    vec![
        format!("CSV:   {csv}"),
        format!("email: {email}"),
        "next:".to_owned(),
        format!("  invoicectl export status {}", s.run_id),
        format!(
            "  invoicectl audit tail --org {} --follow",
            s.organization_id
        ),
        "  invoicectl demo --fresh".to_owned(),
    ]
}

/// The `.eml` file in `dir` whose header carries `message_id` — the newest, should a
/// crash have made a worker write the same email twice. lettre's file transport
/// names files by a random UUID, hence the look into each header.
fn find_eml(dir: &Path, message_id: &str) -> Option<PathBuf> {
    let wanted = format!("Message-ID: {message_id}");
    let mut newest: Option<(SystemTime, PathBuf)> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "eml") {
            continue;
        }
        let mut head = Vec::with_capacity(4096);
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        if file.take(4096).read_to_end(&mut head).is_err() {
            continue;
        }
        let head = String::from_utf8_lossy(&head);
        let matches = head
            .lines()
            .take_while(|line| !line.trim_end().is_empty())
            .any(|line| line.trim_end().eq_ignore_ascii_case(&wanted));
        if !matches {
            continue;
        }
        let modified = entry
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH);
        if newest.as_ref().is_none_or(|(t, _)| modified >= *t) {
            newest = Some((modified, path));
        }
    }
    newest.map(|(_, path)| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_eml_by_its_message_id() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, id: &str| {
            std::fs::write(
                dir.path().join(name),
                format!("Message-ID: {id}\r\nSubject: x\r\n\r\nMessage-ID: <body@x>\r\n"),
            )
            .unwrap();
        };
        write("a.eml", "<one@invoicectl.invalid>");
        write("b.eml", "<two@invoicectl.invalid>");
        write("c.txt", "<three@invoicectl.invalid>");
        assert_eq!(
            find_eml(dir.path(), "<two@invoicectl.invalid>"),
            Some(dir.path().join("b.eml"))
        );
        // Only the header counts, and only .eml files.
        assert_eq!(find_eml(dir.path(), "<body@x>"), None);
        assert_eq!(find_eml(dir.path(), "<three@invoicectl.invalid>"), None);
        assert_eq!(find_eml(&dir.path().join("missing"), "<one@x>"), None);
    }
}
