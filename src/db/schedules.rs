//! Queries on `export_schedule`, `export_schedule_tick` and `export_scheduler`: the
//! schedules people add, the ticks workers fire, and when workers last looked. Run as
//! the owner (workers fire every organization's schedules); commands check the gate.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ScheduleRow {
    pub id: String,
    pub organization_id: String,
    pub requested_by: String,
    pub cron: String,
    pub time_zone: String,
    pub scope: Value,
    pub paused_at: Option<DateTime<Utc>>,
    pub next_tick_at: DateTime<Utc>,
    pub last_tick_at: Option<DateTime<Utc>>,
    pub last_outcome: Option<String>,
    pub last_error: Option<String>,
    pub last_run_id: Option<String>,
    pub fired_count: i64,
    pub failed_count: i64,
    pub skipped_count: i64,
    pub created_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, organization_id, requested_by, cron, time_zone, scope, paused_at,
     next_tick_at, last_tick_at, last_outcome, last_error, last_run_id, fired_count,
     failed_count, skipped_count, created_at, removed_at";

/// A new schedule.
#[derive(Debug, Clone)]
pub(crate) struct NewSchedule<'a> {
    pub id: &'a str,
    pub org: &'a str,
    pub requested_by: &'a str,
    pub cron: &'a str,
    pub time_zone: &'a str,
    pub scope: &'a Value,
    pub next_tick_at: DateTime<Utc>,
}

pub(crate) async fn insert(
    conn: &mut PgConnection,
    new: &NewSchedule<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO export_schedule (id, organization_id, requested_by, cron, time_zone, scope, next_tick_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new.id)
    .bind(new.org)
    .bind(new.requested_by)
    .bind(new.cron)
    .bind(new.time_zone)
    .bind(new.scope)
    .bind(new.next_tick_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// One schedule (removed ones too), locked when `lock`.
pub(crate) async fn get(
    conn: &mut PgConnection,
    id: &str,
    lock: bool,
) -> Result<Option<ScheduleRow>, sqlx::Error> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM export_schedule WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Schedules not removed, of one org or all, oldest first.
pub(crate) async fn list(
    conn: &mut PgConnection,
    org: Option<&str>,
) -> Result<Vec<ScheduleRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM export_schedule
         WHERE removed_at IS NULL AND ($1::text IS NULL OR organization_id = $1)
         ORDER BY created_at, id"
    ))
    .bind(org)
    .fetch_all(conn)
    .await
}

/// Pauses (`Some(now)`) or resumes (`None`, with the next tick from now) a schedule.
pub(crate) async fn set_paused(
    conn: &mut PgConnection,
    id: &str,
    paused: bool,
    next_tick_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE export_schedule
         SET paused_at = CASE WHEN $2 THEN now() END,
             next_tick_at = CASE WHEN $2 THEN next_tick_at ELSE $3 END
         WHERE id = $1",
    )
    .bind(id)
    .bind(paused)
    .bind(next_tick_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn mark_removed(conn: &mut PgConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE export_schedule SET removed_at = now() WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records that a worker is looking for due ticks now; returns when one last did
/// (before this statement), and the server's now.
pub(crate) async fn record_pass(
    conn: &mut PgConnection,
) -> Result<(Option<DateTime<Utc>>, DateTime<Utc>), sqlx::Error> {
    sqlx::query_as(
        "WITH prev AS (SELECT last_pass_at FROM export_scheduler WHERE id)
         INSERT INTO export_scheduler (id, last_pass_at) VALUES (true, now())
         ON CONFLICT (id) DO UPDATE SET last_pass_at = greatest(export_scheduler.last_pass_at, now())
         RETURNING (SELECT last_pass_at FROM prev), now()",
    )
    .fetch_one(conn)
    .await
}

/// The longest-due schedule with a tick at or before `now`, locked for firing
/// (skipping one another worker is firing); `None` when nothing is due.
pub(crate) async fn lock_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> Result<Option<ScheduleRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM export_schedule
         WHERE paused_at IS NULL AND removed_at IS NULL AND next_tick_at <= $1
         ORDER BY next_tick_at
         LIMIT 1
         FOR UPDATE SKIP LOCKED"
    ))
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// The next tick due across all schedules (for `export queue`).
pub(crate) async fn next_due(conn: &mut PgConnection) -> Result<Option<ScheduleRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM export_schedule
         WHERE paused_at IS NULL AND removed_at IS NULL
         ORDER BY next_tick_at LIMIT 1"
    ))
    .fetch_optional(conn)
    .await
}

/// A handled tick.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct TickRow {
    pub schedule_id: String,
    pub tick_at: DateTime<Utc>,
    pub outcome: String,
    pub run_id: Option<String>,
    pub error: Option<String>,
    pub skipped: Option<i64>,
}

/// Records a handled tick: `fired` (with its run), `failed` (with why) or `skipped`
/// (`skipped` instants up to `tick_at`).
pub(crate) async fn insert_tick(
    conn: &mut PgConnection,
    tick: &TickRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO export_schedule_tick (schedule_id, tick_at, outcome, run_id, error, skipped)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&tick.schedule_id)
    .bind(tick.tick_at)
    .bind(&tick.outcome)
    .bind(&tick.run_id)
    .bind(&tick.error)
    .bind(tick.skipped)
    .execute(conn)
    .await?;
    Ok(())
}

/// After a tick: the next instant, how the tick went, the counters.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn advance(
    conn: &mut PgConnection,
    id: &str,
    tick_at: DateTime<Utc>,
    next_tick_at: DateTime<Utc>,
    outcome: &str,
    error: Option<&str>,
    run_id: Option<&str>,
    skipped: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE export_schedule
         SET next_tick_at = $3, last_tick_at = $2, last_outcome = $4, last_error = $5,
             last_run_id = coalesce($6, last_run_id),
             fired_count = fired_count + (CASE WHEN $4 = 'fired' THEN 1 ELSE 0 END),
             failed_count = failed_count + (CASE WHEN $4 = 'failed' THEN 1 ELSE 0 END),
             skipped_count = skipped_count + $7
         WHERE id = $1",
    )
    .bind(id)
    .bind(tick_at)
    .bind(next_tick_at)
    .bind(outcome)
    .bind(error)
    .bind(run_id)
    .bind(skipped)
    .execute(conn)
    .await?;
    Ok(())
}

/// The schedule's most recent handled ticks, newest first.
pub(crate) async fn recent_ticks(
    conn: &mut PgConnection,
    id: &str,
    limit: i64,
) -> Result<Vec<TickRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT schedule_id, tick_at, outcome, run_id, error, skipped, created_at
         FROM export_schedule_tick WHERE schedule_id = $1
         ORDER BY tick_at DESC, outcome LIMIT $2",
    )
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await
}
