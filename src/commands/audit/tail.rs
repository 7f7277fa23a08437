//! `audit tail`: the newest entries, oldest first, and with `--follow` every entry
//! committed afterwards, like `tail -f`. [`print_recent`] is also what `demo` shows.
//!
//! The reading and following is [`crate::audit::follow`]; this module keeps the
//! arguments and the printing.

use std::io::{self, Write};
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use sqlx::PgPool;
use tokio::sync::Notify;

use crate::audit::Action;
use crate::audit::follow::{self, FollowError};
use crate::cli::audit::TailArgs;
use crate::context::Context;
use crate::db::DbError;
use crate::db::audit_log::{self, Entry, Filter};
use crate::error::{CommandError, ExitKind};
use crate::ids::OrgId;
use crate::layout::{self, Column, Plan};
use crate::signals::Shutdown;

const DEFAULT_LINES: u64 = 20;
/// How wide a payload in a streaming line may get on a wide terminal.
const PAYLOAD_SUMMARY_CHARS: usize = 60;

pub(crate) async fn run(args: TailArgs, ctx: &Context) -> anyhow::Result<()> {
    let org = args.org.as_deref().map(OrgId::parse).transpose()?;
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, Utc::now()))
        .transpose()?;
    if let Some(action) = args.action.as_deref()
        && Action::from_name(action).is_none()
    {
        tracing::warn!("{action:?} is not an action invoicectl writes; showing it anyway");
    }
    let limit = match (args.lines, since) {
        (Some(n), _) => Some(i64::try_from(n).unwrap_or(i64::MAX)),
        (None, Some(_)) => None,
        (None, None) => Some(DEFAULT_LINES as i64),
    };
    // Handlers first, so a signal at any point after start ends a follow cleanly.
    let shutdown = if args.follow {
        Some(Shutdown::install().context("cannot install the SIGINT/SIGTERM handlers")?)
    } else {
        None
    };

    let (pool, _session) = ctx.tenant_pool(3).await?;
    if let Some(org) = &org {
        super::ensure_organization(&pool, org).await?;
    }
    let filter = Filter {
        organization_id: org.as_ref().map(OrgId::as_str),
        action: args.action.as_deref(),
        since,
    };
    let Some(shutdown) = shutdown else {
        return print_history(ctx, &pool, &filter, limit).await;
    };
    let mut printer = Printer::new(ctx, true, org.is_some());

    // LISTEN before the starting snapshot, so every commit the snapshot misses is
    // notified (a commit in between is in the snapshot and its wake-up finds nothing).
    let wake = Arc::new(Notify::new());
    let listener = follow::listen(&pool, org.clone(), wake.clone())
        .await
        .context("cannot LISTEN for new audit entries")?;
    let result = tokio::select! {
        result = print_following(&pool, &filter, limit, &mut printer, &wake) => result,
        () = shutdown.wait() => Ok(()),
    };
    listener.abort();
    result
}

/// Prints the newest `lines` entries of `org` (every chain when `None`), oldest
/// first, as `audit tail --org ORG -n LINES` does: a table, or NDJSON with `--json`.
pub(crate) async fn print_recent(
    ctx: &Context,
    pool: &PgPool,
    org: Option<&OrgId>,
    lines: u64,
) -> anyhow::Result<()> {
    let filter = Filter {
        organization_id: org.map(OrgId::as_str),
        action: None,
        since: None,
    };
    print_history(
        ctx,
        pool,
        &filter,
        Some(i64::try_from(lines).unwrap_or(i64::MAX)),
    )
    .await
}

/// The whole of a non-following `audit tail`: read once, print.
async fn print_history(
    ctx: &Context,
    pool: &PgPool,
    filter: &Filter<'_>,
    limit: Option<i64>,
) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await.map_err(DbError::from)?;
    let history = audit_log::newest(&mut conn, filter, limit)
        .await
        .map_err(DbError::from)
        .context("reading the audit log failed")?;
    drop(conn);
    Printer::new(ctx, false, filter.organization_id.is_some()).history(&history)
}

/// Prints the history, then every entry as it commits, forever (until the caller's
/// select ends it).
async fn print_following(
    pool: &PgPool,
    filter: &Filter<'_>,
    limit: Option<i64>,
    printer: &mut Printer,
    wake: &Notify,
) -> anyhow::Result<()> {
    let (history, cursors) = follow::start(pool, filter, limit)
        .await
        .map_err(DbError::from)
        .context("reading the audit log failed")?;
    printer.history(&history)?;
    match follow::follow(pool, filter, cursors, wake, |entry| printer.row(entry)).await {
        Ok(never) => match never {},
        Err(FollowError::Output(e)) => Err(e.into()),
        Err(FollowError::Db(e)) => {
            Err(anyhow::Error::new(DbError::from(e)).context("following the audit log failed"))
        }
    }
}

/// Parses `--since`: RFC 3339, a date (UTC midnight), or a duration before `now`
/// made of `<number><unit>` parts with units s, m, h, d, w (`1h30m`).
pub(crate) fn parse_since(value: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, CommandError> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        && let Some(t) = date.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    let invalid = || {
        CommandError::new(
            ExitKind::Invalid,
            format!(
                "--since {value:?} is not a time: use RFC 3339 (2026-11-22T09:30:00Z), a date (2026-11-22) or a duration ago (15m, 2h, 7d, 1h30m)"
            ),
        )
    };
    let total = crate::duration::parse_duration(value)
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .ok_or_else(invalid)?;
    now.checked_sub_signed(total).ok_or_else(invalid)
}

/// The NDJSON shape (docs/reference.md, "JSON shapes") of an entry.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonEntry<'a> {
    id: i64,
    organization_id: Option<&'a str>,
    actor_user_id: Option<&'a str>,
    /// The database login that wrote the entry (null before logins were recorded).
    actor_login: Option<&'a str>,
    action: &'a str,
    subject_type: &'a str,
    subject_id: &'a str,
    /// Exactly as stored (jsonb text), so numbers are not rounded through f64.
    payload: &'a RawValue,
    created_at: String,
}

/// Writes entries to stdout, flushing after each one so a pipe sees it at once.
struct Printer {
    json: bool,
    follow: bool,
    /// Styling of the (non-follow) table.
    color: bool,
    /// The terminal's width (`None` off a terminal: nothing left out or cut).
    width: Option<u16>,
    /// The columns of the streaming lines, fitted to `width` once.
    line_plan: Plan,
    /// `--org` was given: every entry has that organization, so no ORG column.
    org_fixed: bool,
    header_printed: bool,
}

impl Printer {
    fn new(ctx: &Context, follow: bool, org_fixed: bool) -> Printer {
        Printer {
            json: ctx.json,
            follow,
            color: ctx.color,
            width: ctx.width,
            line_plan: line_plan(ctx.width, org_fixed),
            org_fixed,
            header_printed: false,
        }
    }

    fn history(&mut self, entries: &[Entry]) -> anyhow::Result<()> {
        if self.json || self.follow {
            if !self.json {
                self.header()?;
            }
            for entry in entries {
                self.row(entry)?;
            }
            return Ok(());
        }
        if entries.is_empty() {
            tracing::info!("no audit entries match");
            return Ok(());
        }
        let table = history_table(self.color, self.width, entries, Utc::now(), self.org_fixed);
        let mut out = io::stdout().lock();
        writeln!(out, "{table}")?;
        out.flush()?;
        Ok(())
    }

    fn row(&mut self, entry: &Entry) -> io::Result<()> {
        let mut out = io::stdout().lock();
        if self.json {
            let payload: Box<RawValue> = RawValue::from_string(entry.payload_text.clone())
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            let line = JsonEntry {
                id: entry.id,
                organization_id: entry.organization_id.as_deref(),
                actor_user_id: entry.actor_user_id.as_deref(),
                actor_login: entry.actor_login.as_deref(),
                action: &entry.action,
                subject_type: &entry.subject_type,
                subject_id: &entry.subject_id,
                payload: &payload,
                created_at: entry
                    .created_at
                    .to_rfc3339_opts(SecondsFormat::Micros, true),
            };
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
        } else {
            drop(out);
            self.header()?;
            out = io::stdout().lock();
            writeln!(out, "{}", line_of(&self.line_plan, &line_cells(entry)))?;
        }
        out.flush()
    }

    /// The column names of the streaming human output, once.
    fn header(&mut self) -> io::Result<()> {
        if self.header_printed {
            return Ok(());
        }
        self.header_printed = true;
        let mut out = io::stdout().lock();
        let header = LINE_COLUMNS.map(|c| c.header.to_owned());
        writeln!(out, "{}", line_of(&self.line_plan, &header))?;
        out.flush()
    }
}

/// The columns of the table. On a narrow terminal the age and action stay and the
/// others are added by rank while they fit — who acted and on what first, then the
/// payload (cut to the room left), the organization and the database login that
/// wrote the entry, the absolute time. At 80 columns that is AGE, ACTOR, ACTION,
/// SUBJECT: who did what to which run.
const TABLE_COLUMNS: [Column; 8] = [
    Column::ranked("TIME", 5),
    Column::keep("AGE"),
    Column::ranked("ORG", 4),
    Column::ranked("ACTOR", 1),
    Column::ranked("LOGIN", 4),
    Column::keep("ACTION"),
    Column::ranked("SUBJECT", 2),
    Column::cut("PAYLOAD", 3),
];

/// Where ORG is in [`TABLE_COLUMNS`] and (less one) in [`LINE_COLUMNS`].
const TABLE_ORG: usize = 2;

/// The history as a table fitted to `width` (see [`layout::table`]); without the
/// ORG column when `org_fixed` (`--org` says which it is).
fn history_table(
    color: bool,
    width: Option<u16>,
    entries: &[Entry],
    now: DateTime<Utc>,
    org_fixed: bool,
) -> comfy_table::Table {
    let keep = |i: usize| !(org_fixed && i == TABLE_ORG);
    let rows = entries
        .iter()
        .map(|entry| {
            let [time, org, actor, login, action, subject, payload] = line_cells(entry);
            [
                time,
                layout::age(&entry.created_at, now),
                org,
                actor,
                login,
                action,
                subject,
                payload,
            ]
            .into_iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(_, cell)| comfy_table::Cell::new(cell))
            .collect()
        })
        .collect();
    let columns: Vec<Column> = TABLE_COLUMNS
        .iter()
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(_, c)| *c)
        .collect();
    layout::table(color, width, &columns, rows)
}

/// The columns of the streaming (`--follow`) lines, which cannot be measured ahead:
/// fixed widths (an entry's age is always about zero there, so there is none).
const LINE_COLUMNS: [Column; 7] = [
    Column::keep("TIME"),
    Column::ranked("ORG", 4),
    Column::ranked("ACTOR", 1),
    Column::ranked("LOGIN", 4),
    Column::keep("ACTION"),
    Column::ranked("SUBJECT", 2),
    Column::cut("PAYLOAD", 3),
];

/// Widths of [`LINE_COLUMNS`]: an RFC 3339 time, ids, the longest action (so that
/// no action overflows its column), a subject id `run_…`; the payload's is what it
/// may use when the terminal has room.
const LINE_WIDTHS: [usize; 7] = [20, 12, 12, 12, longest_action(), 30, PAYLOAD_SUMMARY_CHARS];

/// The width of the longest action invoicectl writes.
const fn longest_action() -> usize {
    let mut i = 0;
    let mut max = 0;
    while i < Action::ALL.len() {
        let len = Action::ALL[i].as_str().len();
        if len > max {
            max = len;
        }
        i += 1;
    }
    max
}

/// Separator between the columns of a streaming line.
const LINE_SEP: usize = 2;

/// Which streaming columns fit `width`. A line is the columns' widths joined by
/// [`LINE_SEP`] spaces, so a width of W holds columns costing W + LINE_SEP in all.
/// With `org_fixed` the ORG column is never shown (and costs nothing).
fn line_plan(width: Option<u16>, org_fixed: bool) -> Plan {
    let mut widths = LINE_WIDTHS;
    if org_fixed {
        widths[TABLE_ORG - 1] = 0;
    }
    let mut plan = layout::plan(
        &LINE_COLUMNS,
        &widths,
        LINE_SEP,
        0,
        width.map(|w| usize::from(w) + LINE_SEP),
    );
    if org_fixed {
        plan.shown[TABLE_ORG - 1] = false;
    }
    plan
}

/// One streaming line: the shown columns padded to their widths, the last one not
/// padded, the payload cut on a terminal; no trailing spaces.
fn line_of(plan: &Plan, cells: &[String; 7]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if !plan.shown[i] {
            continue;
        }
        let cell = match plan.cut_to[i] {
            Some(max) => layout::cut(cell, max),
            None => cell.clone(),
        };
        let width = LINE_WIDTHS[i];
        line.push_str(&format!("{cell:<width$}"));
        line.push_str(&" ".repeat(LINE_SEP));
    }
    line.trim_end().to_owned()
}

/// The human columns of an entry (time, org, actor, action, subject, payload), with
/// control characters escaped so that stored text cannot drive the terminal; `-` for
/// no organization, `system` for no actor, `-` for entries written before the
/// database login was recorded.
fn line_cells(entry: &Entry) -> [String; 7] {
    [
        layout::time(&entry.created_at),
        printable(entry.organization_id.as_deref().unwrap_or("-")),
        printable(entry.actor_user_id.as_deref().unwrap_or("system")),
        printable(entry.actor_login.as_deref().unwrap_or("-")),
        printable(&entry.action),
        // The id alone: its prefix (`run_`) says what it is, and at 80 columns the
        // type would cost the room of the id (`--json` has `subjectType`).
        printable(&entry.subject_id),
        printable(&entry.payload_text),
    ]
}

fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn since_accepts_rfc3339_dates_and_durations() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        assert_eq!(
            parse_since("2026-11-22T10:30:00+01:00", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0).unwrap()
        );
        assert_eq!(
            parse_since("2026-11-20", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
        );
        assert_eq!(
            parse_since("15m", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 22, 11, 45, 0).unwrap()
        );
        assert_eq!(
            parse_since("1h30m", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 22, 10, 30, 0).unwrap()
        );
        assert_eq!(
            parse_since("7d", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 15, 12, 0, 0).unwrap()
        );
        for bad in [
            "",
            "yesterday",
            "15",
            "m",
            "5x",
            "2026-13-01",
            "99999999999999999999d",
        ] {
            let err = parse_since(bad, now).unwrap_err();
            assert_eq!(err.kind, ExitKind::Invalid, "{bad:?}");
        }
    }

    #[test]
    fn human_cells_escape_control_characters() {
        assert_eq!(printable("a\u{1b}[31mb\u{9b}"), "a\\u{1b}[31mb\\u{9b}");
    }

    fn entry(payload: &str) -> Entry {
        Entry {
            id: 1,
            organization_id: Some("org_acme".to_owned()),
            actor_user_id: Some("user_alice".to_owned()),
            action: "export.invoices.completed".to_owned(),
            subject_type: "export".to_owned(),
            subject_id: "run_01jd5x7m3k9q2w8e4r6t0y1v3a".to_owned(),
            payload_text: payload.to_owned(),
            created_at: Utc.with_ymd_and_hms(2026, 11, 22, 5, 57, 3).unwrap(),
            actor_login: None,
        }
    }

    #[test]
    fn follow_lines_fit_the_terminal_and_are_whole_off_it() {
        let long = format!("{{\"k\": \"{}\"}}", "x".repeat(200));
        let e = entry(&long);
        for width in [80u16, 100, 160] {
            let plan = line_plan(Some(width), false);
            let header = line_of(&plan, &LINE_COLUMNS.map(|c| c.header.to_owned()));
            let line = line_of(&plan, &line_cells(&e));
            for text in [&header, &line] {
                assert!(
                    text.chars().count() <= usize::from(width),
                    "{width}: {} chars: {text}",
                    text.chars().count()
                );
            }
            for whole in [
                "2026-11-22T05:57:03Z",
                "export.invoices.completed",
                "user_alice",
            ] {
                assert!(line.contains(whole), "{width}: {whole} in {line}");
            }
        }
        // 160 columns have room for the subject and part of the payload.
        let wide = line_of(&line_plan(Some(160), false), &line_cells(&e));
        assert!(
            wide.contains("run_01jd5x7m3k9q2w8e4r6t0y1v3a") && wide.ends_with('…'),
            "{wide}"
        );
        // Off a terminal, every column and the whole payload.
        let piped = line_of(&line_plan(None, false), &line_cells(&e));
        assert!(piped.ends_with(&long), "{piped}");
    }

    #[test]
    fn the_table_at_80_columns_says_who_did_what_to_which_run() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 6, 0, 0).unwrap();
        let entries = vec![entry("{\"rowCount\": 1000}"), entry(&"y".repeat(300))];
        for org_fixed in [false, true] {
            let table = history_table(false, Some(80), &entries, now, org_fixed).to_string();
            for line in table.lines() {
                assert!(line.chars().count() <= 80, "{line}");
            }
            for whole in [
                "2m57s",
                "export.invoices.completed",
                "user_alice",
                "run_01jd5x7m3k9q2w8e4r6t0y1v3a",
            ] {
                assert_eq!(table.matches(whole).count(), 2, "{whole} in {table}");
            }
            let header = table.lines().next().unwrap();
            for column in ["AGE", "ACTOR", "ACTION", "SUBJECT"] {
                assert!(header.contains(column), "{table}");
            }
        }
        // With --org the organization is known: never a column, even with room.
        let table = history_table(false, Some(200), &entries, now, true).to_string();
        assert!(
            !table.contains("ORG") && !table.contains("org_acme"),
            "{table}"
        );
        // Follow lines at 80 columns: no ORG with --org, the actor kept.
        let plan = line_plan(Some(80), true);
        let line = line_of(&plan, &line_cells(&entries[0]));
        assert!(line.chars().count() <= 80, "{line}");
        assert!(
            !line.contains("org_acme") && line.contains("user_alice"),
            "{line}"
        );
        // Wide: every column, the age beside the time, payload cut to fit.
        let table = history_table(false, Some(200), &entries, now, false).to_string();
        for line in table.lines() {
            assert!(line.chars().count() <= 200, "{line}");
        }
        assert!(
            table.contains("2m57s") && table.contains("{\"rowCount\": 1000}"),
            "{table}"
        );
    }
}
