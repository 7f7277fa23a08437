//! Export schedules: a cron expression in a time zone that requests an export of an
//! organization at each tick, on behalf of the user who added it.
//!
//! Firing. Every worker looks for due ticks (once before it claims anything, which is
//! what `--drain` and `--once` do, then every half second while it runs). A due tick
//! is fired in ONE transaction that locks the schedule's row (`FOR UPDATE SKIP
//! LOCKED`), checks the member gate, requests the export (its idempotency key holds
//! the schedule id and the tick's instant), records the tick and moves
//! `next_tick_at` past it. However many workers race, and whatever crashes mid-fire
//! (the transaction rolls back), each instant fires once: the row lock serializes
//! them, and the primary key of `export_schedule_tick` and the run's key would refuse
//! a second one. The writes are the database's (`export_schedule_fire`, which checks
//! the owner's membership at each tick), so a worker login needs no privilege on
//! the schedule tables; this module parses the expression and resolves the scope.
//!
//! Missed ticks. When some worker looked for due ticks within the last
//! [`WORKERS_GONE_AFTER`] (a worker running, or a cron `--drain` every minute), every
//! tick that came due since fires, each as its own export. When none did, the ticks
//! that came due meanwhile were missed: only the most recent fires, and the others
//! are recorded as skipped (one tick row and one audit entry with their count).
//!
//! Time zones. Ticks are instants; the expression is read in the schedule's zone. A
//! local time that does not exist (spring forward) fires at the next valid instant; a
//! local time that happens twice (fall back) fires once, at its first occurrence.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use tokio::sync::watch;

use super::request::{self, Refusal, StartError};
use super::scope::{self, ScopeError, ScopeRequest};
use crate::db;
use crate::db::schedules::ScheduleRow;
use crate::error::{Classify, ExitKind};
use crate::ids::{OrgId, UserId};
use crate::lookup;

/// How recently a worker must have looked for due ticks for the ticks that came due
/// since to count as late (all fired) rather than missed (only the latest fired).
pub(crate) const WORKERS_GONE_AFTER: chrono::Duration = chrono::Duration::minutes(2);
/// How often a running worker looks for due ticks.
pub(crate) const TICK_POLL: Duration = Duration::from_millis(500);
/// Missed ticks counted one by one before the rest is estimated from the latest.
const MAX_COUNTED: u32 = 100_000;

#[derive(Debug, thiserror::Error)]
pub(crate) enum ScheduleError {
    #[error("cron expression {expr:?} is invalid: {reason}")]
    BadCron { expr: String, reason: String },
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error("schedule {0} does not exist: `invoicectl export schedule list` lists them")]
    NotFound(String),
    #[error(
        "schedule id {0:?} is not valid: expected `sched_` followed by lowercase letters and digits"
    )]
    BadId(String),
    #[error("invalid schedule change: {0}")]
    Invalid(String),
    /// Neither the schedule's owner nor an owner or admin of its organization, or a
    /// session that may not act for that user: the database's message says which.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Gate(#[from] StartError),
    #[error(transparent)]
    Lookup(#[from] lookup::LookupError),
    #[error("database error while handling the schedule")]
    Database(#[from] sqlx::Error),
}

impl Classify for ScheduleError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            ScheduleError::BadCron { .. } | ScheduleError::BadId(_) => ExitKind::Invalid,
            ScheduleError::Scope(e) => e.exit_kind(),
            ScheduleError::NotFound(_) => ExitKind::NotFound,
            ScheduleError::Refused(_) => ExitKind::PermissionDenied,
            ScheduleError::Invalid(_) => ExitKind::Invalid,
            ScheduleError::Gate(e) => e.exit_kind(),
            ScheduleError::Lookup(e) => e.exit_kind(),
            ScheduleError::Database(_) => ExitKind::Failure,
        }
    }
}

/// A parsed cron expression in its zone: the instants it ticks at.
#[derive(Debug, Clone)]
pub(crate) struct Cadence {
    cron: Cron,
    zone: Tz,
}

impl Cadence {
    /// Five fields (minute hour day-of-month month day-of-week), or six with a
    /// leading seconds field, or a nickname (`@daily`, `@hourly`, …).
    pub(crate) fn parse(expr: &str, zone: &str) -> Result<Cadence, ScheduleError> {
        let zone = scope::parse_zone(zone)?;
        let bad = |reason: String| ScheduleError::BadCron {
            expr: expr.to_owned(),
            reason,
        };
        let fields = expr.split_whitespace().count();
        if !expr.trim_start().starts_with('@') && !(5..=6).contains(&fields) {
            return Err(bad(format!(
                "it has {fields} fields; expected 5 (minute hour day month weekday) or 6 (a leading seconds field)"
            )));
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .build()
            .parse(expr)
            .map_err(|e| bad(e.to_string()))?;
        let cadence = Cadence { cron, zone };
        if cadence.next_after(Utc::now()).is_none() {
            return Err(bad("it never matches a future time".to_owned()));
        }
        Ok(cadence)
    }

    /// The first tick strictly after `t`. Ticks only move forward in real time: in a
    /// repeated local hour (fall back), a local time that already passed in its first
    /// occurrence is not a tick again.
    pub(crate) fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Ticks are whole seconds: search from the second `t` falls in (the search
        // would otherwise carry `t`'s fraction into every tick).
        let mut from = t.trunc_subsecs(0).with_timezone(&self.zone);
        for _ in 0..100_000 {
            let next = self.cron.find_next_occurrence(&from, false).ok()?;
            if next.to_utc() > t {
                return Some(next.to_utc());
            }
            from = next;
        }
        None
    }

    /// The latest tick at or before `t`.
    fn latest_at_or_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_previous_occurrence(&t.trunc_subsecs(0).with_timezone(&self.zone), true)
            .ok()
            .map(|p| p.to_utc())
    }

    /// The next `n` ticks after `t`.
    pub(crate) fn upcoming(&self, t: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        let mut out = Vec::with_capacity(n);
        let mut at = t;
        while out.len() < n {
            match self.next_after(at) {
                Some(next) => {
                    out.push(next);
                    at = next;
                }
                None => break,
            }
        }
        out
    }
}

/// A new `sched_…` id.
fn generate_id() -> String {
    format!("sched_{}", ulid::Ulid::new().to_string().to_lowercase())
}

fn check_id(id: &str) -> Result<(), ScheduleError> {
    let ok = id.len() <= 64
        && id.strip_prefix("sched_").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(ScheduleError::BadId(id.to_owned()))
    }
}

/// A schedule as `schedule list` / `show` print it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScheduleView {
    pub id: String,
    pub organization_id: String,
    pub requested_by: String,
    pub cron: String,
    pub time_zone: String,
    /// The scope options each tick resolves (at the tick's instant).
    pub scope: serde_json::Value,
    /// `active`, `paused` or `removed`.
    pub state: &'static str,
    pub paused_at: Option<String>,
    pub next_tick_at: Option<String>,
    pub last_tick_at: Option<String>,
    /// `fired` or `failed`; with `lastError` when failed.
    pub last_outcome: Option<String>,
    pub last_error: Option<String>,
    pub last_run_id: Option<String>,
    pub fired: i64,
    pub failed: i64,
    pub skipped: i64,
    pub created_at: String,
    /// `show`: the next ticks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upcoming: Option<Vec<String>>,
    /// `show`: the latest handled ticks, newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recent_ticks: Option<Vec<TickView>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TickView {
    pub tick_at: String,
    pub outcome: String,
    pub run_id: Option<String>,
    pub error: Option<String>,
    pub skipped: Option<i64>,
}

fn ts(t: &DateTime<Utc>) -> String {
    super::view::timestamp(t)
}

impl ScheduleView {
    pub(crate) fn of(row: &ScheduleRow) -> ScheduleView {
        let state = if row.removed_at.is_some() {
            "removed"
        } else if row.paused_at.is_some() {
            "paused"
        } else {
            "active"
        };
        ScheduleView {
            id: row.id.clone(),
            organization_id: row.organization_id.clone(),
            requested_by: row.requested_by.clone(),
            cron: row.cron.clone(),
            time_zone: row.time_zone.clone(),
            scope: row.scope.clone(),
            state,
            paused_at: row.paused_at.as_ref().map(ts),
            next_tick_at: (state == "active").then(|| ts(&row.next_tick_at)),
            last_tick_at: row.last_tick_at.as_ref().map(ts),
            last_outcome: row.last_outcome.clone(),
            last_error: row.last_error.clone(),
            last_run_id: row.last_run_id.clone(),
            fired: row.fired_count,
            failed: row.failed_count,
            skipped: row.skipped_count,
            created_at: ts(&row.created_at),
            upcoming: None,
            recent_ticks: None,
        }
    }

    /// `2026-11 paid` / `all invoices`: the scope options in a few words.
    pub(crate) fn scope_text(&self) -> String {
        let req: ScopeRequest = serde_json::from_value(self.scope.clone()).unwrap_or_default();
        let mut parts = Vec::new();
        if let Some(p) = req.period {
            parts.push(format!("period {p}"));
        }
        if let Some(f) = req.from {
            parts.push(format!("from {f}"));
        }
        if let Some(t) = req.to {
            parts.push(format!("to {t}"));
        }
        if !req.status.is_empty() {
            parts.push(format!("status {}", req.status.join(",")));
        }
        if parts.is_empty() {
            "all invoices".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// The scope request a schedule resolves at each tick: its options, with the
/// schedule's zone for the period's days.
fn tick_scope(row: &ScheduleRow) -> Result<ScopeRequest, ScopeError> {
    let mut req: ScopeRequest = serde_json::from_value(row.scope.clone())
        .map_err(|e| ScopeError::Payload(e.to_string()))?;
    if req.period.is_some() && row.time_zone != "UTC" {
        req.tz = Some(row.time_zone.clone());
    }
    Ok(req)
}

/// `export schedule add`: validates the expression, the zone and the scope, and
/// stores the schedule with its first tick (the first after now) through
/// `export_schedule_add`, which decides the owner from the session (`as_user` as in
/// `export start`) and checks the member gate.
pub(crate) async fn add(
    pool: &PgPool,
    org: &OrgId,
    as_user: Option<&UserId>,
    cron: &str,
    zone: Option<&str>,
    mut scope_req: ScopeRequest,
) -> Result<ScheduleView, ScheduleError> {
    let zone = zone.unwrap_or("UTC");
    let cadence = Cadence::parse(cron, zone)?;
    // The zone is the schedule's; the scope's own is not stored apart.
    scope_req.tz = None;
    let mut check = scope_req.clone();
    if check.period.is_some() && zone != "UTC" {
        check.tz = Some(zone.to_owned());
    }
    check.check()?;
    let id = generate_id();
    let next = cadence
        .next_after(Utc::now())
        .expect("checked when parsed: it has a future tick");
    let body = json!({
        "id": id,
        "organizationId": org,
        "asUser": as_user,
        "cron": cron,
        "timeZone": zone,
        "scope": scope_req,
        "nextTickAt": ts(&next),
    });
    let mut tx = pool.begin().await?;
    if let Err(e) = sqlx::query("SELECT export_schedule_add($1)")
        .bind(&body)
        .execute(&mut *tx)
        .await
    {
        drop(tx);
        return Err(request::refusal(pool, org, as_user, e).await.into());
    }
    let row = db::schedules::get(&mut tx, &id, false)
        .await?
        .ok_or_else(|| ScheduleError::NotFound(id.clone()))?;
    tx.commit().await?;
    Ok(ScheduleView::of(&row))
}

/// Schedules of one org or all (not removed).
pub(crate) async fn list(
    pool: &PgPool,
    org: Option<&OrgId>,
) -> Result<Vec<ScheduleView>, ScheduleError> {
    let mut conn = pool.acquire().await?;
    if let Some(org) = org {
        lookup::require_org(&mut conn, org).await?;
    }
    let rows = db::schedules::list(&mut conn, org.map(OrgId::as_str)).await?;
    Ok(rows.iter().map(ScheduleView::of).collect())
}

/// One schedule with its next `upcoming` ticks and its latest handled ticks.
pub(crate) async fn show(
    pool: &PgPool,
    id: &str,
    upcoming: usize,
) -> Result<ScheduleView, ScheduleError> {
    check_id(id)?;
    let mut conn = pool.acquire().await?;
    let row = db::schedules::get(&mut conn, id, false)
        .await?
        .ok_or_else(|| ScheduleError::NotFound(id.to_owned()))?;
    let ticks = db::schedules::recent_ticks(&mut conn, id, 10).await?;
    let mut view = ScheduleView::of(&row);
    if view.state == "active" {
        let cadence = Cadence::parse(&row.cron, &row.time_zone)?;
        let mut next = vec![row.next_tick_at];
        next.extend(cadence.upcoming(row.next_tick_at, upcoming.saturating_sub(1)));
        view.upcoming = Some(next.iter().map(ts).collect());
    }
    view.recent_ticks = Some(
        ticks
            .iter()
            .map(|t| TickView {
                tick_at: ts(&t.tick_at),
                outcome: t.outcome.clone(),
                run_id: t.run_id.clone(),
                error: t.error.clone(),
                skipped: t.skipped,
            })
            .collect(),
    );
    Ok(view)
}

/// What a change to a schedule did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Pause,
    Resume,
    Remove,
}

/// Pauses, resumes or removes a schedule through `export_schedule_change`: its
/// owner, or an owner or admin of its organization, may (the acting user decided
/// from the session, `as_user` as in `export start`). Returns the schedule after the
/// change and whether anything changed (pausing a paused schedule does not).
pub(crate) async fn change(
    pool: &PgPool,
    id: &str,
    as_user: Option<&UserId>,
    change: Change,
) -> Result<(ScheduleView, bool), ScheduleError> {
    check_id(id)?;
    let mut tx = pool.begin().await?;
    // Who may change it, decided by the database; resuming starts again from the
    // next tick after now, which only the expression (parsed here) tells.
    let gate: Result<(String, String), _> =
        sqlx::query_as("SELECT cron, time_zone FROM export_schedule_gate($1, $2)")
            .bind(id)
            .bind(as_user.map(UserId::as_str))
            .fetch_one(&mut *tx)
            .await;
    let (cron, zone) = match gate {
        Ok(found) => found,
        Err(e) => {
            drop(tx);
            return Err(change_refusal(id, e));
        }
    };
    let next = match change {
        Change::Resume => Cadence::parse(&cron, &zone)?.next_after(Utc::now()),
        Change::Pause | Change::Remove => None,
    };
    let verb = match change {
        Change::Pause => "pause",
        Change::Resume => "resume",
        Change::Remove => "remove",
    };
    let changed: bool = match sqlx::query_scalar("SELECT export_schedule_change($1, $2, $3, $4)")
        .bind(id)
        .bind(as_user.map(UserId::as_str))
        .bind(verb)
        .bind(next)
        .fetch_one(&mut *tx)
        .await
    {
        Ok(changed) => changed,
        Err(e) => {
            drop(tx);
            return Err(match Refusal::of(&e) {
                Some(r) if r.code == "IV066" && r.detail == "schedule" => {
                    ScheduleError::NotFound(id.to_owned())
                }
                Some(r) if r.is_denied() => ScheduleError::Refused(r.message),
                _ => e.into(),
            });
        }
    };
    let row = db::schedules::get(&mut tx, id, false)
        .await?
        .ok_or_else(|| ScheduleError::NotFound(id.to_owned()))?;
    tx.commit().await?;
    Ok((ScheduleView::of(&row), changed))
}

/// The error for a refusal of `export_schedule_gate` or `export_schedule_change`.
fn change_refusal(id: &str, e: sqlx::Error) -> ScheduleError {
    match Refusal::of(&e) {
        Some(r) if r.code == "IV066" && r.detail == "schedule" => {
            ScheduleError::NotFound(id.to_owned())
        }
        Some(r) if r.is_denied() => ScheduleError::Refused(r.message),
        Some(r) if r.is_invalid() => ScheduleError::Invalid(r.message),
        _ => e.into(),
    }
}

/// What one look for due ticks did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Fired {
    pub fired: u64,
    pub failed: u64,
    pub skipped: u64,
}

/// Fires every due tick (see the module doc). Safe to call from any number of
/// workers at once. Everything is written by the database functions
/// `export_scheduler_pass`, `export_schedule_due` and `export_schedule_fire`, so a
/// worker login needs no privilege on the schedule tables.
pub(crate) async fn fire_due(pool: &PgPool) -> Result<Fired, ScheduleError> {
    let mut conn = pool.acquire().await?;
    let (last_pass, now) = db::schedules::record_pass(&mut conn).await?;
    drop(conn);
    let workers_were_looking = last_pass.is_some_and(|p| now - p <= WORKERS_GONE_AFTER);
    let mut total = Fired::default();
    // Bounded: a pass never spins; what is left is the next pass's.
    for _ in 0..1_000 {
        let mut tx = pool.begin().await?;
        // Only ticks due when the pass began: one that comes due while it runs is the
        // next pass's (so a pass over missed ticks fires exactly the latest).
        let Some(row) = db::schedules::lock_due(&mut tx, now).await? else {
            tx.commit().await?;
            break;
        };
        let fired = fire_one(&mut tx, &row, now, workers_were_looking).await?;
        tx.commit().await?;
        for (outcome, n) in [
            ("fired", fired.fired),
            ("failed", fired.failed),
            ("skipped", fired.skipped),
        ] {
            if n > 0 {
                super::metrics::schedule_ticks(outcome, n);
            }
        }
        total.fired += fired.fired;
        total.failed += fired.failed;
        total.skipped += fired.skipped;
    }
    Ok(total)
}

/// The schedule's tick to fire now — its oldest due one, or, when its ticks were
/// missed, the latest due one — and how many missed ones it stands for.
fn tick_to_fire(
    cadence: &Cadence,
    row: &ScheduleRow,
    now: DateTime<Utc>,
    workers_were_looking: bool,
) -> (DateTime<Utc>, u64) {
    let mut tick = row.next_tick_at;
    let mut skipped: u64 = 0;
    if workers_were_looking {
        return (tick, 0);
    }
    let mut counted = 0;
    while let Some(next) = cadence.next_after(tick).filter(|n| *n <= now) {
        skipped += 1;
        tick = next;
        counted += 1;
        if counted >= MAX_COUNTED {
            // Far behind: jump to the latest tick; the count is a lower bound.
            if let Some(latest) = cadence.latest_at_or_before(now).filter(|l| *l > tick) {
                skipped += 1;
                tick = latest;
            }
            break;
        }
    }
    (tick, skipped)
}

/// Fires one tick of the schedule `tx` holds (see [`tick_to_fire`]): the expression
/// and the scope are resolved here, the owner's gate, the export and the records are
/// `export_schedule_fire`'s.
async fn fire_one(
    tx: &mut sqlx::PgConnection,
    row: &ScheduleRow,
    now: DateTime<Utc>,
    workers_were_looking: bool,
) -> Result<Fired, ScheduleError> {
    let cadence = match Cadence::parse(&row.cron, &row.time_zone) {
        Ok(cadence) => cadence,
        // Stored when it was valid; a zone this build no longer knows, say. Failing
        // every pass would hold the row and starve the schedules behind it: pause it,
        // with the reason where `schedule show` reads it.
        Err(e) => {
            let error = crate::error::error_text(&e);
            let far = row.next_tick_at + chrono::Duration::seconds(1);
            db::schedules::fire(
                &mut *tx,
                &db::schedules::Fire {
                    id: &row.id,
                    tick_at: row.next_tick_at,
                    next_tick_at: far,
                    skipped: 0,
                    scope: None,
                    error: Some(&error),
                    pause: true,
                },
            )
            .await?;
            tracing::warn!(schedule = %row.id, %error, "schedule paused: its expression no longer parses");
            return Ok(Fired {
                failed: 1,
                ..Fired::default()
            });
        }
    };
    let (tick, skipped) = tick_to_fire(&cadence, row, now, workers_were_looking);
    let scope = tick_scope(row).and_then(|req| req.resolve(tick));
    let (scope, scope_error) = match scope {
        Ok(scope) => (
            scope.map(|s| serde_json::to_value(s).expect("a scope serializes")),
            None,
        ),
        Err(e) => (None, Some(crate::error::error_text(&e))),
    };
    let next = cadence
        .next_after(tick)
        .unwrap_or_else(|| Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).unwrap());
    let fired = db::schedules::fire(
        &mut *tx,
        &db::schedules::Fire {
            id: &row.id,
            tick_at: tick,
            next_tick_at: next,
            skipped: skipped as i64,
            scope: scope.as_ref(),
            error: scope_error.as_deref(),
            pause: false,
        },
    )
    .await?;
    if skipped > 0 {
        tracing::info!(schedule = %row.id, skipped, fired = %ts(&tick), "missed schedule ticks skipped; the latest fires");
    }
    match (&fired.error, &fired.run_id) {
        (Some(error), _) => {
            tracing::warn!(schedule = %row.id, tick = %ts(&tick), %error, "schedule tick failed")
        }
        (None, Some(run_id)) => {
            tracing::info!(schedule = %row.id, tick = %ts(&tick), run_id = %run_id, "schedule tick fired")
        }
        (None, None) => {}
    }
    Ok(Fired {
        fired: u64::from(fired.outcome == "fired"),
        failed: u64::from(fired.outcome == "failed"),
        skipped,
    })
}

/// Looks for due ticks every [`TICK_POLL`] until `stop` turns true. A failed look is
/// logged and tried again at the next one (the worker reports an unreachable
/// database itself).
pub(crate) fn spawn_ticker(
    pool: PgPool,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if *stop.borrow() {
                return;
            }
            if let Err(e) = fire_due(&pool).await {
                tracing::warn!(error = %crate::redact::log_text(&e), "looking for due schedule ticks failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(TICK_POLL) => {}
                _ = stop.changed() => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn five_or_six_fields_and_a_real_zone() {
        assert!(Cadence::parse("0 6 1 * *", "UTC").is_ok());
        assert!(Cadence::parse("*/2 * * * * *", "Europe/Paris").is_ok());
        for bad in ["* * * *", "0 0 6 1 * * 2027", "61 * * * *", "hello", ""] {
            let e = Cadence::parse(bad, "UTC").unwrap_err();
            assert!(matches!(e, ScheduleError::BadCron { .. }), "{bad}: {e}");
            assert_eq!(e.exit_kind(), ExitKind::Invalid);
        }
        let zone = Cadence::parse("0 6 * * *", "Mars/Olympus").unwrap_err();
        assert_eq!(zone.exit_kind(), ExitKind::Invalid);
        assert!(zone.to_string().contains("Mars/Olympus"), "{zone}");
    }

    #[test]
    fn ticks_are_whole_seconds() {
        let c = Cadence::parse("* * * * * *", "UTC").unwrap();
        let t = at("2026-12-07T10:00:00.566Z");
        assert_eq!(c.next_after(t), Some(at("2026-12-07T10:00:01Z")));
        let m = Cadence::parse("*/5 * * * *", "UTC").unwrap();
        assert_eq!(
            m.next_after(at("2026-12-07T10:04:59.999Z")),
            Some(at("2026-12-07T10:05:00Z"))
        );
    }

    #[test]
    fn seconds_field_ticks_fast() {
        let c = Cadence::parse("*/2 * * * * *", "UTC").unwrap();
        assert_eq!(
            c.upcoming(at("2026-12-07T10:00:00Z"), 3),
            vec![
                at("2026-12-07T10:00:02Z"),
                at("2026-12-07T10:00:04Z"),
                at("2026-12-07T10:00:06Z")
            ]
        );
    }

    #[test]
    fn spring_forward_fires_at_the_next_valid_instant() {
        // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist.
        let c = Cadence::parse("30 2 * * *", "America/New_York").unwrap();
        let ticks = c.upcoming(at("2026-03-07T12:00:00Z"), 3);
        assert_eq!(
            ticks[0],
            at("2026-03-08T07:00:00Z"),
            "03:00 EDT, where the gap ends: {ticks:?}"
        );
        assert_eq!(
            ticks[1],
            at("2026-03-09T06:30:00Z"),
            "02:30 EDT the next day"
        );
    }

    #[test]
    fn fall_back_fires_a_repeated_local_time_once() {
        // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice.
        let c = Cadence::parse("30 1 * * *", "America/New_York").unwrap();
        let ticks = c.upcoming(at("2026-10-31T12:00:00Z"), 2);
        assert_eq!(
            ticks[0],
            at("2026-11-01T05:30:00Z"),
            "the first 01:30 (EDT)"
        );
        assert_eq!(
            ticks[1],
            at("2026-11-02T06:30:00Z"),
            "then the next day's (EST)"
        );
        // An every-15-minutes schedule does not tick twice at one local time.
        let q = Cadence::parse("*/15 * * * *", "America/New_York").unwrap();
        let ticks = q.upcoming(at("2026-11-01T05:00:00Z"), 8);
        let mut locals: Vec<String> = ticks
            .iter()
            .map(|t| {
                t.with_timezone(&chrono_tz::America::New_York)
                    .format("%H:%M")
                    .to_string()
            })
            .collect();
        let n = locals.len();
        locals.dedup();
        assert_eq!(locals.len(), n, "{locals:?}");
        assert!(ticks.windows(2).all(|w| w[0] < w[1]));
    }
}
