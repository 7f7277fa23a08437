//! Checking and repairing the head invariant of `run_lane` (see [`super::runs`]):
//! every queued run of a lane sorts at or after the lane's head, which is never NULL
//! while the lane holds a queued run. A lane that breaks it is stranded: no claim
//! ever reaches the runs behind its head. The queries here are the safety net behind
//! the claim's own guarantee, for the engine's lane sweep (`engine::lane_sweep`) and
//! `export queue`; and the lock a transaction takes on its lane before writes of its
//! own when it will finish a run (`lock`).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::runs::WAKE_CHANNEL;

/// A lane, by queue and concurrency key.
pub(crate) type LaneKey = (String, String);

/// One page of lanes, checked.
#[derive(Debug, Default, Clone)]
pub(crate) struct CheckedPage {
    /// Lanes looked at (the page size unless it was the last page).
    pub examined: usize,
    /// The last lane of the page: where the next page starts.
    pub last: Option<LaneKey>,
    /// The lanes of the page whose first queued run sorts before their head.
    pub stranded: Vec<LaneKey>,
}

/// Checks up to `limit` lanes after `after` in key order: one probe of the queued-run
/// index per lane. Read-only and lock-free, so a lane it reports may have been
/// claimed meanwhile: [`repair`] checks again under the lane's lock.
pub(crate) async fn check_page(
    conn: &mut PgConnection,
    after: Option<&LaneKey>,
    limit: i64,
) -> Result<CheckedPage, sqlx::Error> {
    let rows: Vec<(String, String, bool)> = sqlx::query_as(
        "WITH page AS (
            SELECT queue, concurrency_key, head_at, coalesce(head_id, '') AS head_id
            FROM run_lane
            WHERE $1::text IS NULL OR (queue, concurrency_key) > ($1, $2)
            ORDER BY queue, concurrency_key
            LIMIT $3
         )
         SELECT p.queue, p.concurrency_key,
                first.id IS NOT NULL
                AND (p.head_at IS NULL OR (first.run_at, first.id) < (p.head_at, p.head_id))
                    AS stranded
         FROM page p
         LEFT JOIN LATERAL (
            SELECT r.run_at, r.id FROM run r
            WHERE r.queue = p.queue AND r.concurrency_key = p.concurrency_key
              AND r.status = 'queued'
            ORDER BY r.run_at, r.id
            LIMIT 1
         ) first ON true
         ORDER BY p.queue, p.concurrency_key",
    )
    .bind(after.map(|a| a.0.as_str()))
    .bind(after.map(|a| a.1.as_str()))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    let examined = rows.len();
    let last = rows.last().map(|(q, k, _)| (q.clone(), k.clone()));
    let stranded = rows
        .into_iter()
        .filter(|(_, _, stranded)| *stranded)
        .map(|(q, k, _)| (q, k))
        .collect();
    Ok(CheckedPage {
        examined,
        last,
        stranded,
    })
}

/// Locks a lane row (waiting for it) in the caller's transaction. A transaction that
/// will finish a run takes its lane first, before any other write: every enqueue
/// updates the lane before whatever else its transaction writes (an export's audit
/// entry), so a finish that wrote such rows first and reached the lane last could
/// deadlock with an enqueue into the same lane (docs/architecture.md, "Lock order").
pub(crate) async fn lock(
    conn: &mut PgConnection,
    queue: &str,
    concurrency_key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "SELECT 1 FROM run_lane WHERE queue = $1 AND concurrency_key = $2 FOR NO KEY UPDATE",
    )
    .bind(queue)
    .bind(concurrency_key)
    .execute(conn)
    .await?;
    Ok(())
}

/// A lane [`repair`] moved back to its first queued run.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Repaired {
    pub queue: String,
    pub concurrency_key: String,
    /// The head it had (NULL: none while runs were queued).
    pub head_at: Option<DateTime<Utc>>,
    pub head_id: Option<String>,
    /// The first queued run, the new head.
    pub run_at: DateTime<Utc>,
    pub run_id: String,
}

/// Repairs the lanes among `lanes` that are still stranded, inside the caller's
/// transaction: locks them (skipping lanes a claim or trigger holds; the next round
/// looks again), then, from a snapshot taken after the locks (as a claim does), moves
/// each stranded head back to the lane's first queued run and wakes the workers.
/// Moving a head back is always safe; the recheck under the lock keeps a lane that a
/// claim had just moved on correctly from being reported.
pub async fn repair(
    conn: &mut PgConnection,
    lanes: &[LaneKey],
) -> Result<Vec<Repaired>, sqlx::Error> {
    let queues: Vec<&str> = lanes.iter().map(|l| l.0.as_str()).collect();
    let keys: Vec<&str> = lanes.iter().map(|l| l.1.as_str()).collect();
    let locked: Vec<LaneKey> = sqlx::query_as(
        "SELECT l.queue, l.concurrency_key
         FROM run_lane l
         JOIN unnest($1::text[], $2::text[]) AS t(queue, concurrency_key)
           ON l.queue = t.queue AND l.concurrency_key = t.concurrency_key
         ORDER BY l.queue, l.concurrency_key
         FOR UPDATE OF l SKIP LOCKED",
    )
    .bind(&queues)
    .bind(&keys)
    .fetch_all(&mut *conn)
    .await?;
    if locked.is_empty() {
        return Ok(Vec::new());
    }
    let queues: Vec<&str> = locked.iter().map(|l| l.0.as_str()).collect();
    let keys: Vec<&str> = locked.iter().map(|l| l.1.as_str()).collect();
    sqlx::query_as(
        "WITH stranded AS (
            SELECT l.queue, l.concurrency_key, l.head_at, l.head_id,
                   first.run_at, first.id AS run_id
            FROM unnest($1::text[], $2::text[]) AS t(queue, concurrency_key)
            JOIN run_lane l ON l.queue = t.queue AND l.concurrency_key = t.concurrency_key
            JOIN LATERAL (
                SELECT r.run_at, r.id FROM run r
                WHERE r.queue = l.queue AND r.concurrency_key = l.concurrency_key
                  AND r.status = 'queued'
                ORDER BY r.run_at, r.id
                LIMIT 1
            ) first ON true
            WHERE l.head_at IS NULL
               OR (first.run_at, first.id) < (l.head_at, coalesce(l.head_id, ''))
         ),
         fixed AS (
            UPDATE run_lane l SET head_at = s.run_at, head_id = s.run_id
            FROM stranded s
            WHERE l.queue = s.queue AND l.concurrency_key = s.concurrency_key
            RETURNING l.queue
         ),
         woken AS (
            SELECT count(pg_notify($3, queue)) AS n FROM (SELECT DISTINCT queue FROM fixed) q
         )
         SELECT s.queue, s.concurrency_key, s.head_at, s.head_id, s.run_at, s.run_id
         FROM stranded s CROSS JOIN woken
         ORDER BY s.queue, s.concurrency_key",
    )
    .bind(&queues)
    .bind(&keys)
    .bind(WAKE_CHANNEL)
    .fetch_all(conn)
    .await
}
