//! Queries on `export_schedule`, `export_schedule_tick` and `export_scheduler`: the
//! schedules people add, the ticks workers fire, and when workers last looked. Reads
//! run with the session's privileges (an operator sees its organizations'
//! schedules); every write is a SECURITY DEFINER function of the migrations
//! (`export_schedule_add`, `export_schedule_change`, `export_schedule_fire`, …),
//! which decides who acts and checks the gate, so a worker or a linked login needs
//! no privilege on these tables.

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

/// Records that a worker is looking for due ticks now; returns when one last did
/// (before this statement), and the server's now.
pub(crate) async fn record_pass(
    conn: &mut PgConnection,
) -> Result<(Option<DateTime<Utc>>, DateTime<Utc>), sqlx::Error> {
    sqlx::query_as("SELECT last_pass_at, now_at FROM export_scheduler_pass()")
        .fetch_one(conn)
        .await
}

/// The longest-due schedule with a tick at or before `now`, locked for firing
/// (skipping one another worker is firing); `None` when nothing is due.
pub(crate) async fn lock_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> Result<Option<ScheduleRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM export_schedule_due($1)"))
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
    pub tick_at: DateTime<Utc>,
    pub outcome: String,
    pub run_id: Option<String>,
    pub error: Option<String>,
    pub skipped: Option<i64>,
}

/// One tick to fire, as the schedule's expression gave it (see
/// `export_schedule_fire` in the migrations).
#[derive(Debug, Clone)]
pub struct Fire<'a> {
    pub id: &'a str,
    pub tick_at: DateTime<Utc>,
    pub next_tick_at: DateTime<Utc>,
    /// Missed instants before `tick_at`, from the schedule's next tick.
    pub skipped: i64,
    /// The scope resolved at the instant (`None`: every invoice).
    pub scope: Option<&'a Value>,
    /// Why the tick cannot fire (its scope did not resolve).
    pub error: Option<&'a str>,
    /// The expression no longer parses: the schedule is paused.
    pub pause: bool,
}

/// How a fired tick went: `fired` (with its run) or `failed` (with why).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Fired {
    pub outcome: String,
    pub run_id: Option<String>,
    pub error: Option<String>,
}

/// Fires the tick in the caller's transaction, which holds the schedule's row: the
/// owner's gate, the export, the tick records, the next tick and the audit rows.
pub async fn fire(conn: &mut PgConnection, fire: &Fire<'_>) -> Result<Fired, sqlx::Error> {
    sqlx::query_as(
        "SELECT outcome, run_id, error
         FROM export_schedule_fire($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(fire.id)
    .bind(fire.tick_at)
    .bind(fire.next_tick_at)
    .bind(fire.skipped)
    .bind(fire.scope)
    .bind(fire.error)
    .bind(fire.pause)
    .bind(crate::ids::RunId::generate().to_string())
    .bind(crate::ids::generate_export_id())
    .fetch_one(conn)
    .await
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
