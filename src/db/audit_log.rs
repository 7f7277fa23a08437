//! Queries on `audit_log` and `audit_chain_head`. Appends go through the database
//! trigger that chains each row per organization; this layer never computes a hash
//! itself (verification does, in `audit::chain`, from the rows read here).
//!
//! A chain is keyed by `coalesce(organization_id, '')` (`''` is the system chain),
//! the expression the `audit_log_chain_id` index covers. Payloads are read as
//! PostgreSQL's jsonb text (`payload::text`): that is exactly what the chain hashes,
//! and it keeps numbers as stored (`1.50`, 30-digit integers) instead of rounding
//! them through `f64`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use serde::de::value::StrDeserializer;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

/// Whether an action is recorded on an organization's chain or the system chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `organization_id` set; visible to that tenant only.
    Organization,
    /// `organization_id` NULL; chained on the system chain, invisible to tenants.
    System,
}

/// Every action invoicectl writes to the audit log, spelled as `audit_log.action`
/// stores it. Readers keep the stored text: the log may hold actions this
/// version does not write, and the chain hashes the text as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "text")]
pub enum Action {
    /// `export.invoices.requested`: `export start` created a run (actor: requester).
    #[serde(rename = "export.invoices.requested")]
    #[sqlx(rename = "export.invoices.requested")]
    ExportRequested,
    /// `export.invoices.completed`: the export's close-out (actor: system).
    #[serde(rename = "export.invoices.completed")]
    #[sqlx(rename = "export.invoices.completed")]
    ExportCompleted,
    /// `export.invoices.failed`: the run failed for good (actor: system).
    #[serde(rename = "export.invoices.failed")]
    #[sqlx(rename = "export.invoices.failed")]
    ExportFailed,
    /// `export.invoices.canceled`: `export cancel` ended the run.
    #[serde(rename = "export.invoices.canceled")]
    #[sqlx(rename = "export.invoices.canceled")]
    ExportCanceled,
    /// `export.invoices.child_canceled`: `export cancel` ended one of the export's
    /// child runs (its email); the export itself goes on.
    #[serde(rename = "export.invoices.child_canceled")]
    #[sqlx(rename = "export.invoices.child_canceled")]
    ExportChildCanceled,
    /// `export.invoices.link_issued`: `export url` signed a download link (actor: the
    /// user it was issued to).
    #[serde(rename = "export.invoices.link_issued")]
    #[sqlx(rename = "export.invoices.link_issued")]
    ExportLinkIssued,
    /// `export.invoices.downloaded`: `export download` fetched the object (actor: the
    /// user).
    #[serde(rename = "export.invoices.downloaded")]
    #[sqlx(rename = "export.invoices.downloaded")]
    ExportDownloaded,
    /// `export.invoices.expired`: `export prune` deleted the object (actor: system).
    #[serde(rename = "export.invoices.expired")]
    #[sqlx(rename = "export.invoices.expired")]
    ExportExpired,
    /// `export.invoices.location_refused`: `export url`, `download` or `prune` found
    /// the export row naming an object outside that export's own place in the
    /// storage, and refused to follow it (actor: the user, or system for prune).
    #[serde(rename = "export.invoices.location_refused")]
    #[sqlx(rename = "export.invoices.location_refused")]
    ExportLocationRefused,
    /// `email.suppression.added`: an address was put on the suppression list.
    #[serde(rename = "email.suppression.added")]
    #[sqlx(rename = "email.suppression.added")]
    SuppressionAdded,
    /// `email.suppression.removed`: an address was taken off the suppression list.
    #[serde(rename = "email.suppression.removed")]
    #[sqlx(rename = "email.suppression.removed")]
    SuppressionRemoved,
    /// `export.invoices.retried`: `export retry` requested a new export for a failed or canceled one (actor: the requester; subject: the original run).
    #[serde(rename = "export.invoices.retried")]
    #[sqlx(rename = "export.invoices.retried")]
    ExportRetried,
    /// `export.lane.paused`: `export pause`: the organization's queued exports are no longer claimed (subject: the organization).
    #[serde(rename = "export.lane.paused")]
    #[sqlx(rename = "export.lane.paused")]
    LanePaused,
    /// `export.lane.resumed`: `export resume`: the organization's exports are claimed again.
    #[serde(rename = "export.lane.resumed")]
    #[sqlx(rename = "export.lane.resumed")]
    LaneResumed,
    /// `export.schedule.created`: `export schedule add` (subject: the schedule).
    #[serde(rename = "export.schedule.created")]
    #[sqlx(rename = "export.schedule.created")]
    ScheduleCreated,
    /// `export.schedule.paused`: `export schedule pause`.
    #[serde(rename = "export.schedule.paused")]
    #[sqlx(rename = "export.schedule.paused")]
    SchedulePaused,
    /// `export.schedule.resumed`: `export schedule resume`.
    #[serde(rename = "export.schedule.resumed")]
    #[sqlx(rename = "export.schedule.resumed")]
    ScheduleResumed,
    /// `export.schedule.removed`: `export schedule remove`.
    #[serde(rename = "export.schedule.removed")]
    #[sqlx(rename = "export.schedule.removed")]
    ScheduleRemoved,
    /// `export.schedule.tick_failed`: a tick requested nothing: the gate refused the schedule's owner (actor: system).
    #[serde(rename = "export.schedule.tick_failed")]
    #[sqlx(rename = "export.schedule.tick_failed")]
    ScheduleTickFailed,
    /// `export.schedule.ticks_skipped`: ticks missed while no worker ran, of which only the latest fired (actor: system).
    #[serde(rename = "export.schedule.ticks_skipped")]
    #[sqlx(rename = "export.schedule.ticks_skipped")]
    ScheduleTicksSkipped,
    /// `user.login.linked`: `user link` linked a PostgreSQL login to a user (written
    /// by the database function `user_link`).
    #[serde(rename = "user.login.linked")]
    #[sqlx(rename = "user.login.linked")]
    LoginLinked,
    /// `user.login.unlinked`: `user unlink` removed a login's link.
    #[serde(rename = "user.login.unlinked")]
    #[sqlx(rename = "user.login.unlinked")]
    LoginUnlinked,
}

impl Action {
    pub(crate) const ALL: [Action; 22] = [
        Action::ExportRequested,
        Action::ExportCompleted,
        Action::ExportFailed,
        Action::ExportCanceled,
        Action::ExportChildCanceled,
        Action::ExportLinkIssued,
        Action::ExportDownloaded,
        Action::ExportExpired,
        Action::ExportLocationRefused,
        Action::SuppressionAdded,
        Action::SuppressionRemoved,
        Action::ExportRetried,
        Action::LanePaused,
        Action::LaneResumed,
        Action::ScheduleCreated,
        Action::SchedulePaused,
        Action::ScheduleResumed,
        Action::ScheduleRemoved,
        Action::ScheduleTickFailed,
        Action::ScheduleTicksSkipped,
        Action::LoginLinked,
        Action::LoginUnlinked,
    ];

    /// The stored (and printed) spelling, as the derives spell it.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Action::ExportRequested => "export.invoices.requested",
            Action::ExportCompleted => "export.invoices.completed",
            Action::ExportFailed => "export.invoices.failed",
            Action::ExportCanceled => "export.invoices.canceled",
            Action::ExportChildCanceled => "export.invoices.child_canceled",
            Action::ExportLinkIssued => "export.invoices.link_issued",
            Action::ExportDownloaded => "export.invoices.downloaded",
            Action::ExportExpired => "export.invoices.expired",
            Action::ExportLocationRefused => "export.invoices.location_refused",
            Action::SuppressionAdded => "email.suppression.added",
            Action::SuppressionRemoved => "email.suppression.removed",
            Action::ExportRetried => "export.invoices.retried",
            Action::LanePaused => "export.lane.paused",
            Action::LaneResumed => "export.lane.resumed",
            Action::ScheduleCreated => "export.schedule.created",
            Action::SchedulePaused => "export.schedule.paused",
            Action::ScheduleResumed => "export.schedule.resumed",
            Action::ScheduleRemoved => "export.schedule.removed",
            Action::ScheduleTickFailed => "export.schedule.tick_failed",
            Action::ScheduleTicksSkipped => "export.schedule.ticks_skipped",
            Action::LoginLinked => "user.login.linked",
            Action::LoginUnlinked => "user.login.unlinked",
        }
    }

    /// The chain this action belongs on.
    pub(crate) const fn scope(self) -> Scope {
        match self {
            Action::ExportRequested
            | Action::ExportCompleted
            | Action::ExportFailed
            | Action::ExportCanceled
            | Action::ExportChildCanceled
            | Action::ExportLinkIssued
            | Action::ExportDownloaded
            | Action::ExportExpired
            | Action::ExportLocationRefused
            | Action::ExportRetried
            | Action::LanePaused
            | Action::LaneResumed
            | Action::ScheduleCreated
            | Action::SchedulePaused
            | Action::ScheduleResumed
            | Action::ScheduleRemoved
            | Action::ScheduleTickFailed
            | Action::ScheduleTicksSkipped => Scope::Organization,
            Action::SuppressionAdded
            | Action::SuppressionRemoved
            | Action::LoginLinked
            | Action::LoginUnlinked => Scope::System,
        }
    }

    /// The action with this stored name, if invoicectl writes it (read by serde).
    pub(crate) fn from_name(name: &str) -> Option<Action> {
        Action::deserialize(StrDeserializer::<serde::de::value::Error>::new(name)).ok()
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of subject invoicectl records, spelled as `audit_log.subject_type`
/// stores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum SubjectType {
    /// `export`: an export, identified by its run id.
    Export,
    /// `email_suppression`: a suppression list entry, identified by the address.
    EmailSuppression,
    /// `organization`: an organization as a whole (its export lane), by its id.
    Organization,
    /// `export_schedule`: a schedule, by its `sched_…` id.
    ExportSchedule,
    /// `login`: a PostgreSQL login, identified by its role name.
    Login,
}

impl SubjectType {
    #[cfg(test)]
    pub(crate) const ALL: [SubjectType; 5] = [
        SubjectType::Export,
        SubjectType::EmailSuppression,
        SubjectType::Organization,
        SubjectType::ExportSchedule,
        SubjectType::Login,
    ];

    /// The stored (and printed) spelling, as the derives spell it.
    #[cfg(test)]
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            SubjectType::Export => "export",
            SubjectType::EmailSuppression => "email_suppression",
            SubjectType::Organization => "organization",
            SubjectType::ExportSchedule => "export_schedule",
            SubjectType::Login => "login",
        }
    }
}

/// One entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub organization_id: Option<&'a str>,
    pub actor_user_id: Option<&'a str>,
    pub action: Action,
    pub subject_type: SubjectType,
    pub subject_id: &'a str,
    pub payload: Value,
}

/// Appends one entry inside the caller's (tenant) transaction; returns its id.
pub async fn insert(conn: &mut PgConnection, entry: &NewEntry<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO audit_log (organization_id, actor_user_id, action, subject_type, subject_id, payload)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id",
    )
    .bind(entry.organization_id)
    .bind(entry.actor_user_id)
    .bind(entry.action)
    .bind(entry.subject_type)
    .bind(entry.subject_id)
    .bind(&entry.payload)
    .fetch_one(conn)
    .await
}

/// A stored entry as `audit tail` shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub(crate) struct Entry {
    pub id: i64,
    pub organization_id: Option<String>,
    pub actor_user_id: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    /// The payload in PostgreSQL's jsonb text form (valid JSON).
    pub payload_text: String,
    pub created_at: DateTime<Utc>,
    /// The database login that wrote the entry; `None` before logins were recorded.
    pub actor_login: Option<String>,
}

impl Entry {}

/// Which entries `audit tail` shows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter<'a> {
    pub organization_id: Option<&'a str>,
    pub action: Option<&'a str>,
    pub since: Option<DateTime<Utc>>,
}

const ENTRY_COLUMNS: &str = "id, organization_id, actor_user_id, action, subject_type, subject_id, \
     payload::text AS payload_text, created_at, actor_login";

/// The newest `limit` entries that match (all of them when `limit` is `None`),
/// returned oldest first.
pub(crate) async fn newest(
    conn: &mut PgConnection,
    filter: &Filter<'_>,
    limit: Option<i64>,
) -> Result<Vec<Entry>, sqlx::Error> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log
         WHERE ($1::text IS NULL OR organization_id = $1)
           AND ($2::text IS NULL OR action = $2)
           AND ($3::timestamptz IS NULL OR created_at >= $3)
         ORDER BY id DESC
         LIMIT $4"
    );
    let mut rows: Vec<Entry> = sqlx::query_as(&sql)
        .bind(filter.organization_id)
        .bind(filter.action)
        .bind(filter.since)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.reverse();
    Ok(rows)
}

/// The last committed id of every chain (only `organization_id`'s chain when given).
pub(crate) async fn chain_heads(
    conn: &mut PgConnection,
    organization_id: Option<&str>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT chain_key, last_id FROM audit_chain_head
         WHERE last_id IS NOT NULL AND ($1::text IS NULL OR chain_key = $1)",
    )
    .bind(organization_id)
    .fetch_all(conn)
    .await
}

/// What [`after_cursors`] found for one chain that moved past its cursor.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChainBatch {
    /// The chain's committed head when the rows were read: every row of the chain
    /// up to this id is committed and was visible to the same statement.
    pub head_id: i64,
    /// Matching entries after the cursor, in id order (at most the per-chain limit).
    pub entries: Vec<Entry>,
}

#[derive(sqlx::FromRow)]
struct AfterCursorRow {
    chain_key: String,
    head_id: i64,
    id: Option<i64>,
    organization_id: Option<String>,
    actor_user_id: Option<String>,
    action: Option<String>,
    subject_type: Option<String>,
    subject_id: Option<String>,
    payload_text: Option<String>,
    created_at: Option<DateTime<Utc>>,
    actor_login: Option<String>,
}

/// For every chain whose committed head is past its cursor (`cursors` maps chain key
/// to the last id already handled; a chain missing from it has handled nothing), the
/// matching entries after the cursor, at most `per_chain_limit` per chain.
///
/// One statement, so the heads and the rows come from one snapshot: for a chain
/// that returned fewer than `per_chain_limit` entries, everything up to its
/// `head_id` has been seen.
pub(crate) async fn after_cursors(
    conn: &mut PgConnection,
    cursors: &BTreeMap<String, i64>,
    filter: &Filter<'_>,
    per_chain_limit: i64,
) -> Result<BTreeMap<String, ChainBatch>, sqlx::Error> {
    let keys: Vec<&str> = cursors.keys().map(String::as_str).collect();
    let seen: Vec<i64> = cursors.values().copied().collect();
    let rows: Vec<AfterCursorRow> = sqlx::query_as(
        "WITH changed AS (
             SELECT h.chain_key, coalesce(s.last_seen, 0) AS after_id, h.last_id AS head_id
             FROM audit_chain_head h
             LEFT JOIN unnest($1::text[], $2::bigint[]) AS s (chain_key, last_seen)
                 ON s.chain_key = h.chain_key
             WHERE h.last_id > coalesce(s.last_seen, 0)
               AND ($3::text IS NULL OR h.chain_key = $3)
         )
         SELECT c.chain_key, c.head_id, a.id, a.organization_id, a.actor_user_id, a.action,
                a.subject_type, a.subject_id, a.payload::text AS payload_text, a.created_at,
                a.actor_login
         FROM changed c
         LEFT JOIN LATERAL (
             SELECT * FROM audit_log a
             WHERE coalesce(a.organization_id, '') = c.chain_key
               AND a.id > c.after_id AND a.id <= c.head_id
               AND ($4::text IS NULL OR a.action = $4)
               AND ($5::timestamptz IS NULL OR a.created_at >= $5)
             ORDER BY a.id
             LIMIT $6
         ) a ON true
         ORDER BY c.chain_key, a.id",
    )
    .bind(&keys)
    .bind(&seen)
    .bind(filter.organization_id)
    .bind(filter.action)
    .bind(filter.since)
    .bind(per_chain_limit)
    .fetch_all(conn)
    .await?;

    let mut batches: BTreeMap<String, ChainBatch> = BTreeMap::new();
    for row in rows {
        let batch = batches.entry(row.chain_key).or_default();
        batch.head_id = row.head_id;
        if let (
            Some(id),
            Some(action),
            Some(subject_type),
            Some(subject_id),
            Some(payload_text),
            Some(created_at),
        ) = (
            row.id,
            row.action,
            row.subject_type,
            row.subject_id,
            row.payload_text,
            row.created_at,
        ) {
            batch.entries.push(Entry {
                id,
                organization_id: row.organization_id,
                actor_user_id: row.actor_user_id,
                action,
                subject_type,
                subject_id,
                payload_text,
                created_at,
                actor_login: row.actor_login,
            });
        }
    }
    Ok(batches)
}

/// Begins a read-only transaction on one snapshot (`REPEATABLE READ`): every read
/// in it sees the same committed rows and chain heads, as `audit tail` and
/// `audit verify` need.
pub(crate) async fn begin_snapshot(
    pool: &PgPool,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Prepares a session for `audit tail --follow`'s polls: no JIT. The poll is tiny,
/// but before autovacuum has analyzed a new chain-head table the planner's guess can
/// exceed `jit_above_cost`, and compiling the query would cost far more than running
/// it, once a second.
pub(crate) async fn prepare_follow_session(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SET jit = off").execute(conn).await?;
    Ok(())
}

/// The current transaction's start time (`now()`): in a snapshot transaction, when
/// the snapshot was taken.
pub(crate) async fn transaction_time(
    conn: &mut PgConnection,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar("SELECT now()").fetch_one(conn).await
}

/// The head of a chain as `audit_chain_head` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub last_id: Option<i64>,
    pub last_hash: String,
}

/// Every chain head (only `chain_key`'s when given), by chain key.
pub(crate) async fn heads_for_verify(
    conn: &mut PgConnection,
    chain_key: Option<&str>,
) -> Result<BTreeMap<String, Head>, sqlx::Error> {
    let rows: Vec<(String, Option<i64>, String)> = sqlx::query_as(
        "SELECT chain_key, last_id, last_hash FROM audit_chain_head
         WHERE ($1::text IS NULL OR chain_key = $1)",
    )
    .bind(chain_key)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(key, last_id, last_hash)| (key, Head { last_id, last_hash }))
        .collect())
}

/// A stored row as `audit verify` reads it (its canonical form and hash are
/// computed in `audit::chain`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct StoredRow {
    pub id: i64,
    pub organization_id: Option<String>,
    pub actor_user_id: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub payload_text: String,
    pub created_at: DateTime<Utc>,
    /// The login that wrote the row; `None` before logins were recorded.
    pub actor_login: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Every row with its hashes (only chain `chain_key`'s when given), streamed in
/// chain order: by chain key, then id.
pub(crate) fn rows_for_verify<'c>(
    conn: &'c mut PgConnection,
    chain_key: Option<&'c str>,
) -> BoxStream<'c, Result<StoredRow, sqlx::Error>> {
    use futures::StreamExt as _;
    sqlx::query_as::<_, StoredRow>(
        "SELECT id, organization_id, actor_user_id, action, subject_type, subject_id,
                payload::text AS payload_text, created_at, actor_login, prev_hash, hash
         FROM audit_log
         WHERE ($1::text IS NULL OR coalesce(organization_id, '') = $1)
         ORDER BY coalesce(organization_id, ''), id",
    )
    .bind(chain_key)
    .fetch(conn)
    .boxed()
}
